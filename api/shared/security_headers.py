"""Security headers on every answer: the web app's pages, the API's JSON, the docs.

A pure ASGI middleware (no ``BaseHTTPMiddleware``: it adds a few header lines to the start of
the answer and never touches the body). A header an endpoint set itself wins: the buyer's
payment page and self-service page send their own, stricter policy with the seller's origins
in ``form-action`` (api/notyd/payments/page.py).

- ``Content-Security-Policy``: the web app loads its script and stylesheet from its own origin
  only, runs no inline script, posts forms to itself and is never framed; API answers are data
  (``default-src 'none'``). The interactive docs (``/docs``, ``/redoc``) need one inline
  start-up script and inline styles; they show no personal data.
- ``X-Content-Type-Options: nosniff`` and ``X-Frame-Options: DENY`` (for browsers older than
  ``frame-ancestors``), ``Referrer-Policy: same-origin``.
- ``Strict-Transport-Security`` outside dev and test (they serve plain http on loopback).
- ``Cache-Control: no-store`` on the web app's pages and the API's answers, which carry
  personal and financial data; the web app's static files may be cached.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings import Settings

APP_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc (api/shared/docs_ui.py): their own bundles from this app, one inline start-up
# script each, inline styles, and ReDoc's search worker
DOCS_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=63072000; includeSubDomains"
STATIC_PREFIXES = ("/app/static/", "/pay/assets/")

Headers = list[tuple[bytes, bytes]]


def _encoded(headers: dict[str, str]) -> Headers:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


class SecurityHeadersMiddleware:
    """Adds the platform's security headers to every HTTP answer that lacks them."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        common = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
        }
        if settings.environment not in ("dev", "test"):
            common["Strict-Transport-Security"] = HSTS
        no_store = {"Cache-Control": "no-store"}
        self.static = _encoded(common)
        self.app_pages = _encoded(common | no_store | {"Content-Security-Policy": APP_POLICY})
        self.api = _encoded(common | no_store | {"Content-Security-Policy": API_POLICY})
        self.docs = _encoded(common | {"Content-Security-Policy": DOCS_POLICY})

    def headers_for(self, path: str) -> Headers:
        if path.startswith(STATIC_PREFIXES):
            return self.static
        if path == "/app" or path.startswith("/app/"):
            return self.app_pages
        if path.startswith(DOCS_PATHS):
            return self.docs
        return self.api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
