"""The credit bureau sandbox: ``POST /assessments`` with magic company names and numbers.

The client code path is the real one (``activities/payments/credit_bureau.py``); only the base URL
differs. A company is matched by its registration number or, when it has none that is magic,
by a word in its name (case-insensitive):

| registration number | or a name containing | answer |
|---|---|---|
| `REJECT0000` | `reject` | `rejected` (reason: insufficient creditworthiness) |
| `TIMEOUT0000` | `timeout` | no answer for 60 s (the client times out; retried, then `failed`) |
| `UNAVAILABLE0000` | `unavailable` | HTTP 503 (retried, then `failed`) |
| anything else | | `approved` up to 100,000.00; above it `rejected` (credit limit) |

``python -m sandboxes.credit_bureau`` prints this table for docs/sandboxes.md.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

CREDIT_LIMIT = 10_000_000  # cents
SILENCE_SECONDS = 60
MAGIC = {"reject": "REJECT0000", "timeout": "TIMEOUT0000", "unavailable": "UNAVAILABLE0000"}


def outcome(company_name: str | None, registration_number: str | None) -> str:
    """reject, timeout, unavailable or approve: what the magic inputs ask for."""
    number = (registration_number or "").strip().upper()
    for word, magic in MAGIC.items():
        if number == magic:
            return word
    name = (company_name or "").lower()
    for word in MAGIC:
        if word in name:
            return word
    return "approve"


def create_router() -> APIRouter:
    router = APIRouter(tags=["Credit bureau sandbox"])

    @router.post("/assessments")
    async def assess(body: dict[str, Any]) -> JSONResponse:
        wanted = outcome(body.get("company_name"), body.get("registration_number"))
        reference = f"CB-{secrets.token_hex(6).upper()}"
        if wanted == "timeout":
            await asyncio.sleep(SILENCE_SECONDS)
        if wanted in ("timeout", "unavailable"):
            return JSONResponse({"error": "service unavailable"}, status_code=503)
        amount = body.get("amount")
        over_limit = isinstance(amount, int) and amount > CREDIT_LIMIT
        if wanted == "reject" or over_limit:
            reason = "credit limit exceeded" if over_limit else "insufficient creditworthiness"
            return JSONResponse({"decision": "rejected", "reference": reference, "reason": reason})
        return JSONResponse({"decision": "approved", "reference": reference, "reason": None})

    return router


def magic_table() -> str:
    return __doc__.split("\n\n")[2] if __doc__ else ""


if __name__ == "__main__":
    print(magic_table())
