"""Security headers on every answer: the web app's pages, the API's JSON, the docs.

Added to the start of each answer by the request middleware (api/shared/metrics.py), which
sees every answer first and last: one layer for what every answer carries. A header an
endpoint set itself wins: the buyer's payment page and self-service page send their own,
stricter policy with the seller's origins in ``form-action`` (api/notyd/payments/page.py).

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

from collections.abc import Iterable

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


class SecurityHeaders:
    """The platform's security headers of each path, as the settings' environment has them."""

    def __init__(self, settings: Settings) -> None:
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

    def add_to(self, path: str, headers: Iterable[tuple[bytes, bytes]]) -> Headers:
        """``headers`` (an answer's) with the path's that they lack."""
        answer = list(headers)
        present = {name.lower() for name, _ in answer}
        answer.extend(h for h in self.headers_for(path) if h[0] not in present)
        return answer
