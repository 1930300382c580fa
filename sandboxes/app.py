"""The one app that serves every provider sandbox: ``uvicorn sandboxes.app:app``.

The dev stack runs it on ``NT24_SANDBOX_PORT``; each provider's client points at its prefix
by default (``NT24_VIES_BASE_URL`` = ``http://127.0.0.1:8010/vies``), and one setting points
a client at the real service instead.
"""

from __future__ import annotations

from fastapi import FastAPI

from sandboxes import vies


def create_app() -> FastAPI:
    app = FastAPI(
        title="NT24 provider sandboxes",
        summary="The external providers' contracts with documented magic inputs",
    )
    app.include_router(vies.create_router(), prefix="/vies")
    return app


app = create_app()
