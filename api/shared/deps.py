"""Dependencies shared by the routers, each declared once as a typed alias: the database
(``Db``), the Temporal client (``Temporal``) and the app's settings (``AppSettings``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from temporalio.client import Client

from settings import Settings
from store.db import Database


def database(request: Request) -> Database:
    return request.app.state.db


def app_settings(request: Request) -> Settings:
    """The settings the app was made with (tests hand in their own); ``get_settings()`` is
    for processes without an app (worker, admin, migrations)."""
    return request.app.state.settings


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
