"""The seller's pages the hosted payment page sends the buyer's browser to (``seller_urls``).

The server never calls them, so they are not vetted as outbound targets (https, public
addresses): NOTYD takes any absolute http(s) URL. Their origins go into the payment page's
``Content-Security-Policy`` ``form-action``, so the host must be a plain host name or address
that cannot end the directive (no ``;``, ``,``, quotes or spaces).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")


def web_origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, as a CSP source (credentials left
    out, an international host name in its ASCII form); None for any other URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname  # lower case, without brackets and credentials
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    if ":" in host:
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    else:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        if not _HOST_NAME.fullmatch(host):
            return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def web_url(value: str) -> str:
    """An absolute http(s) URL with a host, else ValueError (a 422 naming the field)."""
    if any(c.isspace() or not c.isprintable() for c in value) or web_origin(value) is None:
        raise ValueError("must be an absolute http or https URL")
    return value
