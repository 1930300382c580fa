"""The one app that serves every provider sandbox: ``uvicorn sandboxes.app:app``.

The dev stack runs it on ``NT24_SANDBOX_PORT``; each provider's client points at its prefix
by default (``NT24_VIES_BASE_URL`` = ``http://127.0.0.1:8010/vies``), and one setting points
a client at the real service instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sandboxes import credit_bureau, idenfy, tsa, vies
from sandboxes.mail import MailCatcher
from sandboxes.mail import create_router as mail_router
from settings import get_settings


def create_app(mail: MailCatcher | None = None, *, smtp: tuple[str, int] | None = None) -> FastAPI:
    """``mail``: the catcher whose messages ``/mail`` shows (tests bring their own); ``smtp``:
    where this app's catcher takes SMTP while it runs (none: it only shows what it holds)."""
    catcher = mail or MailCatcher()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if smtp is not None:
            catcher.start(*smtp)
        try:
            yield
        finally:
            if smtp is not None:
                catcher.stop()

    app = FastAPI(
        title="NT24 provider sandboxes",
        summary="The external providers' contracts with documented magic inputs",
        lifespan=lifespan,
    )
    app.include_router(vies.create_router(), prefix="/vies")
    app.include_router(idenfy.create_identity_router(), prefix="/idenfy")
    app.include_router(idenfy.create_aml_router(), prefix="/idenfy-aml")
    app.include_router(credit_bureau.create_router(), prefix="/credit-bureau")
    app.include_router(mail_router(catcher), prefix="/mail")
    app.include_router(tsa.create_router(), prefix="/tsa")  # RFC 3161 (sandboxes/tsa.py)
    return app


def dev_stack_app() -> FastAPI:
    """The dev stack's sandboxes (``uvicorn --factory``): the mail catcher takes SMTP on
    ``NT24_MAIL_CATCHER_PORT``, where the default ``NT24_SMTP_*`` settings send."""
    settings = get_settings()
    return create_app(smtp=(settings.api_host, settings.mail_catcher_port))


app = create_app()
