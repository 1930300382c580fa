"""The credit bureau: a B2B credit assessment of the buyer's company, over HTTP.

``POST {base}/assessments`` with the company and the amount asked for answers
``{"decision": "approved" | "rejected", "reference": ..., "reason": ...}``. A decision is a
verdict; anything else (no answer in time, a refused connection, an error status, an answer
we cannot read) means the bureau is unavailable, which is raised for Temporal to retry. It
is never turned into a verdict: past the retry budget the order is ``failed``, not rejected.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import httpx
from temporalio.exceptions import ApplicationError

from activities.kept_alive import KeptAliveClients
from workflows.payments.payment_order_model import CreditCheckRequest, CreditVerdict

UNAVAILABLE = "CREDIT_BUREAU_UNAVAILABLE"


class CreditBureauClient:
    """The bureau's client: its sandbox (sandboxes/credit_bureau.py) or the real one, by URL."""

    def __init__(self, base_url: str, timeout: timedelta, clients: KeptAliveClients) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout.total_seconds()
        self.clients = clients

    async def assess(self, request: CreditCheckRequest) -> CreditVerdict:
        url = f"{self.base_url}/assessments"
        try:
            async with self.clients.client(url) as http:
                answer = await http.post(url, json=asdict(request), timeout=self.timeout)
        except httpx.HTTPError as error:
            raise ApplicationError(f"no answer: {error!r}", type=UNAVAILABLE) from error
        try:
            body = answer.json()
        except ValueError:
            body = None
        decision = body.get("decision") if isinstance(body, dict) else None
        if answer.status_code != 200 or decision not in ("approved", "rejected"):
            raise ApplicationError(f"HTTP {answer.status_code}: no decision", type=UNAVAILABLE)
        assert isinstance(body, dict)
        return CreditVerdict(
            approved=decision == "approved",
            reference=_text(body.get("reference")),
            reason=_text(body.get("reason")),
        )


def _text(value: object) -> str | None:
    return str(value)[:300] if value not in (None, "") else None
