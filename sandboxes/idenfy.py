"""The iDenfy sandboxes: identity verification (``/idenfy``) and AML checks (``/idenfy-aml``).

Served in the provider's shapes, so the platform's real clients run unchanged; only the base
URLs differ. Both take HTTP Basic with the sandbox key pair below (anything else is the real
401). The identity sandbox answers ``POST /api/v2/token`` and, as the buyer would finish the
session, sends the provider's callback to the ``callbackUrl`` of the request, signed with
``Idenfy-Signature`` (hex HMAC-SHA256 of the raw body, keyed with the sandbox signing key):
usually a non-final callback first, then the final one. Magic inputs force each outcome: the
representative's last name (``lastName``) for identity, a word in the screened name for AML.

``python -m sandboxes.idenfy`` prints the tables that docs/sandboxes.md carries.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from activities.buyers.identity_verification import SIGNATURE_HEADER, callback_signature
from settings import SANDBOX_CALLBACK_SIGNING_KEY

API_KEY = "sandbox-api-key"
API_SECRET = "sandbox-api-secret"
# the key a deployment's API verifies callbacks with (production sets its own), else the default
CALLBACK_SIGNING_KEY = os.environ.get(
    "NT24_IDENFY_CALLBACK_SIGNING_KEY", SANDBOX_CALLBACK_SIGNING_KEY
)
CALLBACK_DELAY_SECONDS = 0.3  # as if the buyer took that long to finish
CALLBACK_ATTEMPTS = 3  # the provider retries a callback not answered 2xx


@dataclass(frozen=True)
class IdentityOutcome:
    last_name: str  # the magic representative last name ("" = any other)
    callbacks: tuple[tuple[bool, str], ...]  # (final, overall status) in the order sent
    fraud_tags: tuple[str, ...] = ()
    mismatch_tags: tuple[str, ...] = ()
    token_status: int = 201  # 503: the provider is down
    meaning: str = ""


IDENTITY_OUTCOMES: tuple[IdentityOutcome, ...] = (
    IdentityOutcome(
        "",
        ((False, "REVIEWING"), (True, "APPROVED")),
        meaning="VERIFIED once AML is clear (a non-final REVIEWING callback comes first)",
    ),
    IdentityOutcome("Denied", ((True, "DENIED"),), mismatch_tags=("NAME",), meaning="REJECTED"),
    IdentityOutcome(
        "Suspected",
        ((False, "REVIEWING"), (True, "SUSPECTED")),
        fraud_tags=("DUPLICATE_FACE",),
        meaning="REJECTED",
    ),
    IdentityOutcome("Reviewing", ((True, "REVIEWING"),), meaning="staff review"),
    IdentityOutcome("Abandoned", ((True, "EXPIRED"),), meaning="session EXPIRED at once"),
    IdentityOutcome("Expired", (), meaning="no callback: the session EXPIRES at its deadline"),
    IdentityOutcome("Down", (), token_status=503, meaning="POST .../kyc/verify answers 503"),
)
_BY_LAST_NAME = {o.last_name.lower(): o for o in IDENTITY_OUTCOMES if o.last_name}


@dataclass(frozen=True)
class AmlOutcome:
    word: str  # in the screened full name, any case
    score: int = 0
    datasets: tuple[str, ...] = ()
    status: int = 201
    meaning: str = ""


AML_OUTCOMES: tuple[AmlOutcome, ...] = (
    AmlOutcome("Sanctioned", 96, ("SANCTION_CURRENT",), meaning="a hit: FLAGGED, REJECTED"),
    AmlOutcome("Politician", 78, ("PEP_CURRENT",), meaning="a near miss: staff review"),
    AmlOutcome("Unreachable", status=503, meaning="retried; past the give-up, staff review"),
)


def identity_outcome(last_name: str | None) -> IdentityOutcome:
    return _BY_LAST_NAME.get((last_name or "").strip().lower(), IDENTITY_OUTCOMES[0])


def aml_outcome(full_name: str) -> AmlOutcome | None:
    lowered = full_name.lower()
    return next((o for o in AML_OUTCOMES if o.word.lower() in lowered), None)


def markdown_tables() -> str:
    """The magic inputs, as docs/sandboxes.md carries them (a test checks)."""
    lines = [
        "| representative `lastName` | callbacks sent (final last) | the platform |",
        "|---|---|---|",
    ]
    for o in IDENTITY_OUTCOMES:
        sent = (
            ", ".join(f"{status}{'' if final else ' (non-final)'}" for final, status in o.callbacks)
            if o.callbacks
            else ("none: the token request answers HTTP 503" if o.token_status != 201 else "none")
        )
        tags = ", ".join(o.fraud_tags + o.mismatch_tags)
        if tags:
            sent += f"; tags {tags}"
        lines.append(
            f"| {f'`{o.last_name}`' if o.last_name else 'any other'} | {sent} | {o.meaning} |"
        )
    lines += [
        "",
        "| word in the screened name | the AML check answers | the platform |",
        "|---|---|---|",
    ]
    for a in AML_OUTCOMES:
        answer = (
            f"a match scoring {a.score} on {', '.join(a.datasets)}"
            if a.status == 201
            else f"HTTP {a.status}"
        )
        lines.append(f"| `{a.word}` | {answer} | {a.meaning} |")
    lines.append("| any other | no match | CLEAR |")
    return "\n".join(lines) + "\n"


def _authorized(request: Request) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return False
    return secrets.compare_digest(user, API_KEY) and secrets.compare_digest(password, API_SECRET)


def _error(status: int, identifier: str, message: str) -> JSONResponse:
    return JSONResponse({"identifier": identifier, "message": message}, status_code=status)


_UNAUTHORIZED = (401, "UNAUTHORIZED", "Incorrect authentication credentials.")


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@dataclass
class _Session:
    scan_ref: str
    client_id: str
    first_name: str | None
    last_name: str | None
    callback_url: str | None
    outcome: IdentityOutcome
    started: int = field(default_factory=lambda: int(time.time()))


def _callback(session: _Session, final: bool, overall: str) -> dict[str, Any]:
    """A callback body in iDenfy's shape."""
    o = session.outcome
    approved = overall in ("APPROVED", "REVIEWING", "SUSPECTED")
    return {
        "final": final,
        "platform": "PC",
        "status": {
            "overall": overall,
            "suspicionReasons": [],
            "denyReasons": ["FACE_MISMATCH"] if overall == "DENIED" else [],
            "fraudTags": list(o.fraud_tags),
            "mismatchTags": list(o.mismatch_tags),
            "autoFace": "FACE_MATCH" if approved else "FACE_MISMATCH",
            "manualFace": "FACE_MATCH" if final and approved else None,
            "autoDocument": "DOC_VALIDATED",
            "manualDocument": "DOC_VALIDATED" if final and approved else None,
            "additionalSteps": None,
            "amlResultChecks": None,
        },
        "data": {
            "docFirstName": (session.first_name or "Max").upper(),
            "docLastName": (session.last_name or "Mustermann").upper(),
            "docNumber": "L01X00T47",
            "docPersonalCode": None,
            "docExpiry": "2031-08-01",
            "docDob": "1980-04-12",
            "docDateOfIssue": "2021-08-02",
            "docType": "ID_CARD",
            "docSex": "MALE",
            "docNationality": "DE",
            "docIssuingCountry": "DE",
            "selectedCountry": "DE",
        },
        "fileUrls": {},
        "AML": [],
        "LID": [],
        "scanRef": session.scan_ref,
        "externalRef": None,
        "clientId": session.client_id,
        "startTime": session.started,
        "finishTime": int(time.time()),
        "clientIp": "127.0.0.1",
        "clientIpCountry": "DE",
        "clientLocation": "Berlin, Germany",
        "additionalData": {},
    }


async def _send_callbacks(session: _Session) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for final, overall in session.outcome.callbacks:
            await asyncio.sleep(CALLBACK_DELAY_SECONDS)
            body = json.dumps(_callback(session, final, overall)).encode()
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: callback_signature(CALLBACK_SIGNING_KEY, body),
            }
            for _ in range(CALLBACK_ATTEMPTS):
                try:
                    url = session.callback_url or ""
                    answer = await http.post(url, content=body, headers=headers)
                    if answer.is_success:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(1)


def create_identity_router() -> APIRouter:
    """A router with its own sessions: each sandbox app starts from a clean slate."""
    router = APIRouter(tags=["iDenfy identity sandbox"])
    sessions: dict[str, _Session] = {}  # by auth token
    sending: set[asyncio.Task[None]] = set()

    @router.post("/api/v2/token")
    async def token(request: Request) -> Response:
        if not _authorized(request):
            return _error(*_UNAUTHORIZED)
        body = await _json_body(request)
        if body is None:
            return _error(400, "INVALID_JSON", "The request body is not a JSON object.")
        client_id = body.get("clientId")
        if not isinstance(client_id, str) or not 1 <= len(client_id) <= 100:
            return _error(400, "MISSING_PARAMETER", "Missing mandatory parameter: clientId")
        outcome = identity_outcome(body.get("lastName"))
        if outcome.token_status != 201:
            return _error(outcome.token_status, "SERVICE_UNAVAILABLE", "Service is unavailable.")
        auth_token = secrets.token_urlsafe(30)
        session = _Session(
            scan_ref=str(uuid4()),
            client_id=client_id,
            first_name=body.get("firstName"),
            last_name=body.get("lastName"),
            callback_url=body.get("callbackUrl"),
            outcome=outcome,
        )
        sessions[auth_token] = session
        if session.callback_url and outcome.callbacks:
            task = asyncio.create_task(_send_callbacks(session))
            sending.add(task)
            task.add_done_callback(sending.discard)
        return JSONResponse(
            {
                "message": "Token created successfully",
                "authToken": auth_token,
                "scanRef": session.scan_ref,
                "clientId": client_id,
                "firstName": session.first_name,
                "lastName": session.last_name,
                "callbackUrl": session.callback_url,
                "locale": "en",
                "expiryTime": 3600,
                "sessionLength": 600,
                "tokenType": "IDENTIFICATION",
                "digitString": f"{secrets.randbelow(10**6):06d}",
            },
            status_code=201,
        )

    @router.get("/api/v2/redirect", response_class=HTMLResponse)
    async def redirect(authToken: str = "") -> HTMLResponse:
        session = sessions.get(authToken)
        if session is None:
            return HTMLResponse("<h1>Verification link is invalid or expired</h1>", 404)
        return HTMLResponse(
            f"<h1>iDenfy sandbox</h1><p>Verification {session.scan_ref} of client "
            f"{session.client_id}: the sandbox completes it on its own "
            f"({session.outcome.meaning}).</p>"
        )

    return router


def create_aml_router() -> APIRouter:
    router = APIRouter(tags=["iDenfy AML sandbox"])

    @router.post("/aml/checks/")
    async def check(request: Request) -> Response:
        if not _authorized(request):
            return _error(*_UNAUTHORIZED)
        body = await _json_body(request)
        person = body.get("input") if body else None
        if not body or not isinstance(person, dict) or not person.get("fullName"):
            return _error(400, "MISSING_PARAMETER", "Missing mandatory parameter: input.fullName")
        if body.get("userType") not in ("PERSON", "COMPANY") or not body.get("clientId"):
            return _error(400, "INVALID_PARAMETER", "clientId and userType are required.")
        full_name = str(person["fullName"])
        outcome = aml_outcome(full_name)
        if outcome is not None and outcome.status != 201:
            return _error(outcome.status, "SERVICE_UNAVAILABLE", "Service is unavailable.")
        threshold = int((body.get("filter") or {}).get("threshold") or 0)
        matches = []
        if outcome is not None and outcome.score >= threshold:
            matches.append(
                {
                    "resourceId": uuid4().hex,
                    "score": outcome.score,
                    "match": "NAME",
                    "name": full_name.upper(),
                    "addresses": [],
                    "nationalities": [person["nationality"]] if person.get("nationality") else [],
                    "datesOfBirth": [person["dateOfBirth"]] if person.get("dateOfBirth") else [],
                    "datasets": list(outcome.datasets),
                }
            )
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return JSONResponse(
            {
                "id": str(uuid4()),
                "clientId": body["clientId"],
                "checkedAt": now,
                "created": now,
                "userType": body["userType"],
                "services": body.get("services") or ["AML_CHECK"],
                "input": person,
                "filter": body.get("filter") or {},
                "amlCheck": matches,
            },
            status_code=201,
        )

    return router


if __name__ == "__main__":
    print(markdown_tables(), end="")
