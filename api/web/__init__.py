"""The web app under ``/app``: staff and organization users, server-rendered (docs/web-app.md).

One router per area; all of them call the functions the API's routers call, so a web action
and an API request take the same path through validation and the order's workflow.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.shared.errors import answer_problems_as_pages
from api.web import admin, auth, buyers, dashboard, orders, payments, search, webhooks, what_if
from api.web.core import STATIC, error_page


def install(app: FastAPI) -> None:
    app.mount("/app/static", StaticFiles(directory=STATIC), name="web-static")
    answer_problems_as_pages(app, "/app", error_page)
    for module in (auth, dashboard, search, orders, buyers, payments, webhooks, admin, what_if):
        app.include_router(module.router)
