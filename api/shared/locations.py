"""``Location`` on every 201: the URL of the resource the request created (RFC 9110 §10.2.2).

Where the contract has a read of that one resource, ``Location`` is it (an order, a buyer, a
payment, a NOTYD order, a webhook endpoint, an invitation). Where it has none, ``Location`` is
the read that shows it: a document's content, the order's invoices, the buyer's contacts, the
buyer's KYC status with its verification session. Paths are relative to the API host, like
the contract's ``downloadUrl``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Response

R = TypeVar("R", bound=Response)

# For a route's ``responses``: documents the header in the OpenAPI document.
CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "headers": {
            "Location": {
                "description": "The URL of the created resource, relative to the API host",
                "schema": {"type": "string"},
            }
        }
    }
}


def located(response: R, location: str) -> R:
    """``response`` with ``Location`` when it is a 201 (a replay of what exists is a 200)."""
    if response.status_code == 201:
        response.headers["Location"] = location
    return response
