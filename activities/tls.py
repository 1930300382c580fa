"""One TLS context for the process's outgoing HTTP clients.

``httpx.AsyncClient()`` builds a fresh SSL context and loads the CA bundle every time (~20 ms
of CPU); the activities make clients often (the kept-alive ones of webhook deliveries and
VIES checks, activities/kept_alive.py; one per credit check or identity session), so they
share this one, made on first use with httpx's own defaults (certifi, or SSL_CERT_FILE /
SSL_CERT_DIR).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
