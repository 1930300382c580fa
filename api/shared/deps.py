"""Dependencies shared by the routers, each declared once as a typed alias: the database
(``Db``), the Temporal client (``Temporal``) and the app's settings (``AppSettings``)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Annotated

from fastapi import Depends, Request
from temporalio.client import Client

from settings import Settings, get_settings
from store.db import Database

# The settings of the app serving the current request, for code with no request at hand (an
# amount's validator, a command's deadline); set by the edge middleware (api/shared/edge.py)
SERVING_SETTINGS: ContextVar[Settings | None] = ContextVar("serving_settings", default=None)


def database(request: Request) -> Database:
    return request.app.state.db


def app_settings(request: Request) -> Settings:
    """The settings the app was made with (tests hand in their own); ``get_settings()`` is
    for processes without an app (worker, admin, migrations)."""
    return request.app.state.settings


def serving_settings() -> Settings:
    """The serving app's settings within a request; the process's (``get_settings()``)
    outside one."""
    return SERVING_SETTINGS.get() or get_settings()


# The aliases' dependencies are ``async``: FastAPI runs a plain function dependency in a
# worker thread, a round trip that cost more CPU than the rest of a cached read.


async def _database(request: Request) -> Database:
    return database(request)


async def _app_settings(request: Request) -> Settings:
    return app_settings(request)


async def temporal(request: Request) -> Client:
    return await request.app.state.temporal.get()


Db = Annotated[Database, Depends(_database)]
Temporal = Annotated[Client, Depends(temporal)]
AppSettings = Annotated[Settings, Depends(_app_settings)]
