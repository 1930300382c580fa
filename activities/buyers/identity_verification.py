"""iDenfy over its public contracts: identity sessions, AML checks, and its signed callbacks.

- Identity: ``POST /api/v2/token`` with HTTP Basic (API key and secret) and a ``clientId``
  answers ``authToken`` and ``scanRef``; the buyer opens ``/api/v2/redirect?authToken=...``.
  The result comes later as a callback (``final``, ``status.overall``, tags, document data),
  signed with ``Idenfy-Signature``: the hex HMAC-SHA256 of the raw body.
- AML: ``POST /aml/checks/`` with the same key pair screens one person or company (name,
  nationality, date of birth) and answers its scored matches with their datasets.

Errors are read as the real API returns them: a refused key pair (401/403) or a request it
calls wrong (400/404/422) is final, raised non-retryable; a rate limit, a 5xx, a timeout or a
network failure is an outage, retried by Temporal. An outage is never a verdict.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.kept_alive import KeptAliveClients
from settings import Settings
from workflows.buyers import activities as interface
from workflows.buyers.activities import (
    AmlRequest,
    IdentityPerson,
    IdentityResult,
    IdentitySession,
    SessionRequest,
)
from workflows.buyers.rules.kyc_verification import AmlMatch, AmlScreening

SIGNATURE_HEADER = "Idenfy-Signature"
# the longest scanRef a session of ours is stored under (KycVerification.scan_ref)
SCAN_REF_LENGTH = 100
NETWORK_ERROR = "NETWORK_ERROR"
CLIENT_TIMEOUT = "CLIENT_TIMEOUT"
MALFORMED_RESPONSE = "MALFORMED_RESPONSE"


def callback_signature(signing_key: str, body: bytes) -> str:
    """What iDenfy puts in ``Idenfy-Signature``: hex HMAC-SHA256 of the raw body."""
    return hmac.new(signing_key.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(signing_key: str, body: bytes, header: str | None) -> bool:
    # compared as bytes: a header may carry any byte, and compare_digest takes ASCII text only
    return bool(header) and hmac.compare_digest(
        callback_signature(signing_key, body).encode(), (header or "").strip().lower().encode()
    )


@dataclass(frozen=True)
class ProviderFailure:
    """The provider did not do what was asked; ``code`` is its identifier or one of ours."""

    code: str
    message: str
    final: bool

    def error(self, what: str) -> ApplicationError:
        return ApplicationError(
            f"{what} {self.code}: {self.message}", type=self.code, non_retryable=self.final
        )


def failure(status_code: int, body: bytes) -> ProviderFailure:
    """An error answer: iDenfy's ``{"identifier", "message"}`` when it sent one."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        document = None
    document = document if isinstance(document, dict) else {}
    code = str(document.get("identifier") or f"HTTP_{status_code}")
    message = str(document.get("message") or body[:200].decode(errors="replace"))
    retryable = status_code == 429 or status_code >= 500
    return ProviderFailure(code, message, final=not retryable)


class _IdenfyHttp:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_secret: str,
        timeout: timedelta,
        clients: KeptAliveClients,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = (api_key, api_secret)
        self.timeout = timeout.total_seconds()
        self.clients = clients

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | ProviderFailure:
        url = f"{self.base_url}{path}"
        try:
            async with self.clients.client(url) as http:
                answer = await http.post(url, json=body, auth=self.auth, timeout=self.timeout)
        except httpx.TimeoutException as error:
            return ProviderFailure(CLIENT_TIMEOUT, repr(error), final=False)
        except httpx.RequestError as error:
            return ProviderFailure(NETWORK_ERROR, repr(error), final=False)
        if not 200 <= answer.status_code < 300:
            return failure(answer.status_code, answer.content)
        try:
            document = answer.json()
        except ValueError:
            document = None
        if not isinstance(document, dict):
            return ProviderFailure(MALFORMED_RESPONSE, answer.text[:200], final=False)
        return document


class IdentityClient:
    """``POST /api/v2/token``: a verification session for one client."""

    def __init__(self, settings: Settings, clients: KeptAliveClients) -> None:
        self.base_url = settings.idenfy_base_url.rstrip("/")
        self.http = _IdenfyHttp(
            self.base_url,
            settings.idenfy_api_key,
            settings.idenfy_api_secret,
            settings.idenfy_http_timeout,
            clients,
        )
        self.callback_url = settings.effective_idenfy_callback_url

    async def create_session(
        self, client_id: str, first_name: str | None, last_name: str | None
    ) -> IdentitySession | ProviderFailure:
        body: dict[str, Any] = {"clientId": client_id, "callbackUrl": self.callback_url}
        if first_name:
            body["firstName"] = first_name
        if last_name:
            body["lastName"] = last_name
        answer = await self.http.post("/api/v2/token", body)
        if isinstance(answer, ProviderFailure):
            return answer
        token, scan_ref = answer.get("authToken"), answer.get("scanRef")
        if not (isinstance(token, str) and isinstance(scan_ref, str) and token and scan_ref):
            return ProviderFailure(MALFORMED_RESPONSE, "no authToken or scanRef", final=False)
        return IdentitySession(
            session_id=f"idenfy_{scan_ref}",
            scan_ref=scan_ref,
            client_id=client_id,
            idenfy_url=f"{self.base_url}/api/v2/redirect?{urlencode({'authToken': token})}",
        )


class AmlClient:
    """``POST /aml/checks/``: one person or company against sanctions, PEP and watch lists."""

    def __init__(self, settings: Settings, clients: KeptAliveClients) -> None:
        self.http = _IdenfyHttp(
            settings.idenfy_aml_base_url,
            settings.idenfy_api_key,
            settings.idenfy_api_secret,
            settings.idenfy_http_timeout,
            clients,
        )

    async def check(self, request: AmlRequest) -> AmlScreening | ProviderFailure:
        person: dict[str, Any] = {"fullName": request.full_name}
        if request.nationality:
            person["nationality"] = request.nationality
        if request.date_of_birth:
            person["dateOfBirth"] = request.date_of_birth
        answer = await self.http.post(
            "/aml/checks/",
            {
                "clientId": request.client_id,
                "userType": request.subject,
                "services": ["AML_CHECK"],
                "input": person,
                # matches scoring under the review threshold are of no interest
                "filter": {"threshold": request.threshold},
            },
        )
        if isinstance(answer, ProviderFailure):
            return answer
        matches = answer.get("amlCheck")
        if not isinstance(matches, list):
            return ProviderFailure(MALFORMED_RESPONSE, "no amlCheck list", final=False)
        return AmlScreening(
            subject=request.subject,
            full_name=request.full_name,
            nationality=request.nationality,
            date_of_birth=request.date_of_birth,
            checked_at=activity.info().current_attempt_scheduled_time,
            check_id=str(answer.get("id") or "") or None,
            matches=[
                AmlMatch(
                    name=str(m.get("name") or ""),
                    score=int(m.get("score") or 0),
                    datasets=[str(d) for d in m.get("datasets") or []],
                )
                for m in matches
                if isinstance(m, dict)
            ],
        )


def read_callback(body: bytes) -> IdentityResult | None:
    """The callback's facts, or None when it is not an identity callback we can read."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    status = document.get("status")
    data = document.get("data")
    if not isinstance(data, dict):
        data = {}
    if not (
        isinstance(status, dict)
        and isinstance(status.get("overall"), str)
        and isinstance(document.get("scanRef"), str)
        and len(document["scanRef"]) <= SCAN_REF_LENGTH  # one of ours fits its column
        and isinstance(document.get("clientId"), str)
        and isinstance(document.get("final"), bool)
    ):
        return None

    def text(value: Any) -> str | None:
        return value.strip() or None if isinstance(value, str) else None

    def tags(value: Any) -> list[str]:
        return [str(t) for t in value] if isinstance(value, list) else []

    return IdentityResult(
        scan_ref=document["scanRef"],
        client_id=document["clientId"],
        final=document["final"],
        overall=status["overall"],
        fraud_tags=tags(status.get("fraudTags")),
        mismatch_tags=tags(status.get("mismatchTags")),
        person=IdentityPerson(
            first_name=text(data.get("docFirstName")),
            last_name=text(data.get("docLastName")),
            date_of_birth=text(data.get("docDob")),
            nationality=text(data.get("docNationality")),
            document_type=text(data.get("docType")),
        ),
    )


class IdentityActivities(interface.IdentityActivities):
    def __init__(self, settings: Settings, clients: KeptAliveClients) -> None:
        self.identity = IdentityClient(settings, clients)
        self.aml = AmlClient(settings, clients)

    @activity.defn
    async def create_identity_session(self, request: SessionRequest) -> IdentitySession:
        session = await self.identity.create_session(
            request.client_id, request.first_name, request.last_name
        )
        if isinstance(session, ProviderFailure):
            raise session.error("iDenfy token")
        return session

    @activity.defn
    async def screen_aml(self, request: AmlRequest) -> AmlScreening:
        screening = await self.aml.check(request)
        if isinstance(screening, ProviderFailure):
            raise screening.error("iDenfy AML check")
        return screening
