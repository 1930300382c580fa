"""The project's API as the benchmark serves it: ``create_app()`` plus bench-only probes.

``uvicorn bench.api_app:app``. The probes live here, not in ``api/``:

- ``/bench/hello``: a route that does nothing, inside the API process (what the API's
  middleware stack costs on its own);
- ``/bench/query/{workflow_id}``: answers from a Temporal Query, the read path the design
  rejects in favour of the database;
- ``/bench/sql``: how many SQL statements and commits this process has sent, so the benchmark
  can say how many database round trips a request costs.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import event

from api.main import create_app
from settings import get_settings
from store.db import Database

_sql = {"statements": 0, "commits": 0}


def _count_statement(*_: Any) -> None:
    _sql["statements"] += 1


def _count_commit(*_: Any) -> None:
    _sql["commits"] += 1


def create_bench_api() -> FastAPI:
    # The app's own database, handed in so its engine can be counted (two cheap listeners)
    db = Database(get_settings().effective_database_url)
    for engine in db.sync_engines():
        event.listen(engine, "before_cursor_execute", _count_statement)
        event.listen(engine, "commit", _count_commit)
    app = create_app(db=db)

    @app.get("/bench/hello", include_in_schema=False)
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/bench/query/{workflow_id}", include_in_schema=False)
    async def query(workflow_id: str, request: Request, name: str = "state") -> dict[str, Any]:
        client = await request.app.state.temporal.get()
        return {"result": await client.get_workflow_handle(workflow_id).query(name)}

    @app.get("/bench/sql", include_in_schema=False)
    async def sql() -> dict[str, int]:
        return dict(_sql)

    return app


app = create_bench_api()
