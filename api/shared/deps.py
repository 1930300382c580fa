"""Dependencies shared by the routers: the database and the Temporal client."""

from __future__ import annotations

from fastapi import Request
from temporalio.client import Client

from store.db import Database


def database(request: Request) -> Database:
    return request.app.state.db


async def temporal(request: Request) -> Client:
    return await request.app.state.temporal.get()
