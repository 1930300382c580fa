"""VIES, the EU's VAT number check, over its REST contract; and the evidence each check leaves.

VIES has three outcomes, never two: VALID, INVALID, or unavailable. An error is never read
as INVALID: a transient one is raised as a retryable ApplicationError (its VIES code as the
``type``) for Temporal to retry with backoff; a final one (bad input, bad requester, blocked)
is raised non-retryable. Either way the workflow records UNKNOWN, not a verdict.

Errors arrive in two shapes and both are handled: an HTTP error status with a JSON body
carrying ``errorWrappers``, and HTTP 200 with ``{"actionSucceed": false, "errorWrappers": ...}``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.kept_alive import KeptAliveClients
from activities.webhooks.delivery import kick_fan_out
from settings import Settings
from store.db import Database, rows_changed
from store.models import Buyer, Event, ViesCheck
from store.webhooks.events import record_event, utc_timestamp
from workflows.buyers import activities as interface
from workflows.buyers.activities import (
    FINAL_ERRORS,
    ViesAnswer,
    ViesCheckRecord,
    ViesCheckRecorded,
    ViesCheckRequest,
    ViesResult,
    vies_failure_reason,
)
from workflows.buyers.rules.vat_numbers import InvalidVatNumber, VatNumber, normalize_vat_number
from workflows.change_source import ChangeSource

# Everything else is retryable. VIES's own transient codes, for reference: SERVICE_UNAVAILABLE,
# MS_UNAVAILABLE, TIMEOUT, GLOBAL_MAX_CONCURRENT_REQ(_TIME), MS_MAX_CONCURRENT_REQ(_TIME).
# Ours, for failures VIES did not name: the request never got an answer, or the answer was
# not the contract's (a gateway page, a wrong URL): an unknown failure is an outage, not a no.
NETWORK_ERROR = "NETWORK_ERROR"
CLIENT_TIMEOUT = "CLIENT_TIMEOUT"
MALFORMED_RESPONSE = "MALFORMED_RESPONSE"

# What some member states (DE, ES) send instead of a name or an address they withhold.
_WITHHELD = "---"


@dataclass(frozen=True)
class ViesReply:
    """VIES answered the question: the number is registered (valid) or not."""

    valid: bool
    request_date: str | None
    request_identifier: str | None  # the consultation number; only with a requester
    name: str | None
    address: str | None


@dataclass(frozen=True)
class ViesFailure:
    """VIES did not answer the question; ``code`` is its error code or one of ours."""

    code: str
    message: str

    @property
    def final(self) -> bool:
        return self.code in FINAL_ERRORS


def classify(status_code: int, body: bytes) -> ViesReply | ViesFailure:
    """Read one HTTP answer of ``POST /check-vat-number``: a reply, or why there is none."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        document = {}
    succeeded = 200 <= status_code < 300
    unnamed = MALFORMED_RESPONSE if succeeded else f"HTTP_{status_code}"
    wrappers = document.get("errorWrappers")
    if wrappers or document.get("actionSucceed") is False:
        listed = isinstance(wrappers, list) and wrappers and isinstance(wrappers[0], dict)
        first = wrappers[0] if listed else {}
        code = str(first.get("error") or unnamed)
        return ViesFailure(code, str(first.get("message") or code))
    if not succeeded or not isinstance(document.get("valid"), bool):
        return ViesFailure(unnamed, body[:200].decode(errors="replace"))
    return ViesReply(
        valid=document["valid"],
        request_date=_text(document.get("requestDate")),
        request_identifier=_text(document.get("requestIdentifier")),
        name=_text(document.get("name")),
        address=_text(document.get("address")),
    )


def _text(value: Any) -> str | None:
    """A withheld (``---``), empty or absent field is None: not known, and not an error."""
    if not isinstance(value, str) or value.strip() in ("", _WITHHELD):
        return None
    return value.strip()


@dataclass(frozen=True)
class ViesResponse:
    outcome: ViesReply | ViesFailure
    raw_sha256: str | None  # of the response bytes; None when no response arrived


class ViesClient:
    """The VIES REST client: the real service or the project's sandbox, by base URL."""

    def __init__(self, base_url: str, timeout: timedelta, clients: KeptAliveClients) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout.total_seconds()
        self.clients = clients  # the service's connections, kept open between checks

    async def check(self, vat_number: str, requester_vat_number: str | None) -> ViesResponse:
        try:
            number = normalize_vat_number(vat_number)
        except InvalidVatNumber as error:
            return ViesResponse(ViesFailure("INVALID_INPUT", str(error)), None)
        try:
            requester = normalize_vat_number(requester_vat_number) if requester_vat_number else None
        except InvalidVatNumber as error:
            return ViesResponse(ViesFailure("INVALID_REQUESTER_INFO", str(error)), None)
        try:
            url = f"{self.base_url}/check-vat-number"
            async with self.clients.client(url) as http:
                answer = await http.post(
                    url, json=_request_body(number, requester), timeout=self.timeout
                )
        except httpx.TimeoutException as error:
            return ViesResponse(ViesFailure(CLIENT_TIMEOUT, repr(error)), None)
        except httpx.RequestError as error:  # refused, reset, DNS, TLS, broken encoding
            return ViesResponse(ViesFailure(NETWORK_ERROR, repr(error)), None)
        return ViesResponse(
            classify(answer.status_code, answer.content),
            hashlib.sha256(answer.content).hexdigest(),
        )


def _request_body(number: VatNumber, requester: VatNumber | None) -> dict[str, str]:
    body = {"countryCode": number.country, "vatNumber": number.number}
    if requester is not None:
        # With a requester VIES issues a consultation number: the evidence a tax audit wants.
        body |= {"requesterMemberStateCode": requester.country, "requesterNumber": requester.number}
    return body


class ViesActivities(interface.ViesActivities):
    def __init__(self, db: Database, settings: Settings, clients: KeptAliveClients) -> None:
        self.db = db
        self.client = ViesClient(settings.vies_base_url, settings.vies_http_timeout, clients)

    @activity.defn
    async def check_vat_number(self, request: ViesCheckRequest) -> ViesAnswer:
        response = await self.client.check(request.vat_number, request.requester_vat_number)
        attempt = activity.info().attempt
        outcome = response.outcome
        if isinstance(outcome, ViesFailure):
            # The details carry what the evidence row needs once Temporal gives up.
            raise ApplicationError(
                f"VIES {outcome.code}: {outcome.message}",
                attempt,
                response.raw_sha256,
                type=outcome.code,
                non_retryable=outcome.final,
            )
        return ViesAnswer(
            valid=outcome.valid,
            request_date=outcome.request_date,
            request_identifier=outcome.request_identifier,
            name=outcome.name,
            address=outcome.address,
            raw_sha256=response.raw_sha256,
            attempts=attempt,
        )

    @activity.defn
    async def record_vies_check(self, record: ViesCheckRecord) -> ViesCheckRecorded:
        """Keep the check as evidence and, unless a newer one is stored, as the buyer's latest."""
        workflow_id = activity.info().workflow_id
        recorded, event_id = await self.db.run_transaction(
            partial(_record_vies_check, record, workflow_id)
        )
        if event_id is not None:
            await kick_fan_out(event_id)  # committed: deliver it now
        return recorded


def _record_vies_check(
    record: ViesCheckRecord, workflow_id: str | None, session: Session
) -> tuple[ViesCheckRecorded, str | None]:
    """``record_vies_check``'s transaction: a plain function of a plain session, so that on
    SQLite it runs whole in one trip to the writer thread (``Database.run_transaction``).
    A failed check (INVALID) records its kyc.vies_check_failed with it: the event's id."""
    buyer = session.scalar(select(Buyer).where(Buyer.uuid == UUID(record.buyer_uuid)))
    if buyer is None:
        raise ApplicationError(
            f"unknown buyer {record.buyer_uuid}", type="UNKNOWN_BUYER", non_retryable=True
        )
    check_uuid = UUID(record.check_uuid)
    if session.scalar(select(ViesCheck.id).where(ViesCheck.uuid == check_uuid)):
        # A retry of a write that committed: the first attempt already did everything.
        return ViesCheckRecorded(record.check_uuid, buyer_updated=False), None
    event_id = (
        _record_vies_failure(session, buyer, record).id
        if record.result == ViesResult.INVALID
        else None
    )
    session.add(
        ViesCheck(
            uuid=check_uuid,
            organization_id=buyer.organization_id,
            buyer_id=buyer.id,
            vat_number=record.vat_number,
            requester_vat_number=record.requester_vat_number,
            trigger=record.trigger,
            result=record.result,
            checked_at=record.checked_at,
            request_date=record.request_date,
            request_identifier=record.request_identifier,
            name=record.name,
            address=record.address,
            error_code=record.error_code,
            attempts=record.attempts,
            raw_sha256=record.raw_sha256,
            workflow_id=workflow_id,
        )
    )
    # One conditional UPDATE: an older check never overwrites a newer one. The VIES result is
    # KYC state (GET .../kyc), not the buyer resource: its version stays.
    updated = rows_changed(
        session,
        update(Buyer)
        .where(
            Buyer.id == buyer.id,
            or_(
                Buyer.vies_last_checked_at.is_(None),
                Buyer.vies_last_checked_at < record.checked_at,
            ),
        )
        .values(
            vies_result=record.result,
            vies_last_checked_at=record.checked_at,
            # the name of VIES's last answer; an outage answered nothing, so keeps it
            **({} if record.result == ViesResult.UNKNOWN else {"vies_trader_name": record.name}),
        )
        .execution_options(synchronize_session=False),
    )
    return ViesCheckRecorded(record.check_uuid, buyer_updated=updated == 1), event_id


def _record_vies_failure(session: Session, buyer: Buyer, record: ViesCheckRecord) -> Event:
    """The buyer's kyc.vies_check_failed, once per check whatever orders the buyer has.
    ``previousResult`` is the check before this one (checks may be recorded out of order),
    PENDING, as GET .../kyc shows it, when there was none."""
    previous = session.scalar(
        select(ViesCheck.result)
        .where(ViesCheck.buyer_id == buyer.id, ViesCheck.checked_at < record.checked_at)
        .order_by(ViesCheck.checked_at.desc())
        .limit(1)
    )
    return record_event(
        session,
        buyer.organization_id,
        "kyc.vies_check_failed",
        {
            "buyerUuid": str(buyer.uuid),
            "vatNumber": record.vat_number,
            "previousResult": previous or "PENDING",
            "currentResult": str(record.result),
            "checkedAt": utc_timestamp(record.checked_at),
            "reason": vies_failure_reason(record.request_identifier),
        },
        record.checked_at,
        partner_id=buyer.partner_id,
        source=ChangeSource.SYSTEM,
    )
