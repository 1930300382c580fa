"""Events: the contract's catalogue of ten types (and one of ours), subscription patterns and the
envelope.

One source for everything that describes an event: the API validates subscriptions and test
fires against ``CATALOGUE``, ``GET /v1/events/types`` answers with it, and the catalogue
section of docs/webhooks.md is rendered from it (``python -m store.webhooks.events`` rewrites it; a
test fails when they differ). ``envelope`` is the one body shape: what a delivery sends and
what ``GET /v1/events`` lists.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from store.models import Event
from workflows.change_source import ChangeSource

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class DataField:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class EventType:
    type: str
    fires_when: str
    fields: tuple[DataField, ...]
    example: dict[str, Any]
    live: bool = True  # False: in the contract, fires once its producer is built
    partner_scoped: bool = True  # False: about the organization's webhooks, no partnerUuid
    # The schema versions it is emitted in: two while a new one is dual-emitted (conventions §6)
    schema_versions: tuple[int, ...] = (SCHEMA_VERSION,)

    @property
    def segment(self) -> str:
        return self.type.partition(".")[0]


_ORDER = "3f0c6a4e-2b1d-4c8e-9a7f-5d6e7f8a9b0c"
_BUYER = "7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
_ORDER_VERSION = DataField("version", "integer", "The order's version after the change.")
_ORDER_UUID = DataField("orderUuid", "uuid", "The order.")

CATALOGUE: tuple[EventType, ...] = (
    EventType(
        "compliance.status_changed",
        "An order's compliance rollup moves between INCOMPLETE, VALID and INVALID (not when "
        "the order is created: it starts INCOMPLETE).",
        (
            _ORDER_UUID,
            DataField("previousStatus", "enum", "INCOMPLETE, VALID or INVALID."),
            DataField("currentStatus", "enum", "INCOMPLETE, VALID or INVALID."),
            DataField(
                "blockers",
                "object[]",
                "What stands between the order and VALID now, each `{module, code, message}`; "
                "empty when VALID.",
            ),
            _ORDER_VERSION,
        ),
        {
            "orderUuid": _ORDER,
            "previousStatus": "INCOMPLETE",
            "currentStatus": "VALID",
            "blockers": [],
            "version": 7,
        },
    ),
    EventType(
        "compliance.decision_made",
        "An order's verdict is reached, or changes after corrected data is re-evaluated.",
        (
            _ORDER_UUID,
            DataField("decision", "enum", "VALID_EXPORT or VAT_APPLICABLE."),
            DataField("complianceStatus", "enum", "VALID or INVALID."),
            _ORDER_VERSION,
        ),
        {
            "orderUuid": _ORDER,
            "decision": "VALID_EXPORT",
            "complianceStatus": "VALID",
            "version": 7,
        },
    ),
    EventType(
        "kyc.vies_check_failed",
        "VIES answers that the buyer's VAT number is not valid, on any check of it (when the "
        "buyer is created or its number changes, on request, and the daily re-checks from "
        "ready-for-pickup until delivery); one event per failed check, whether or not the "
        "buyer has orders. An unavailable VIES is never a failure.",
        (
            DataField("buyerUuid", "uuid", "The buyer."),
            DataField("vatNumber", "string", "The VAT number checked, e.g. `FR40303265045`."),
            DataField(
                "previousResult",
                "enum",
                "The result of the buyer's check before this one: VALID, INVALID or UNKNOWN; "
                "PENDING when there was none.",
            ),
            DataField("currentResult", "enum", "INVALID."),
            DataField("checkedAt", "date-time", "When VIES answered."),
            DataField("reason", "string", "In words, with the VIES consultation number."),
        ),
        {
            "buyerUuid": _BUYER,
            "vatNumber": "DE200000005",
            "previousResult": "VALID",
            "currentResult": "INVALID",
            "checkedAt": "2026-04-22T10:30:00Z",
            "reason": "VIES answered that the VAT number is not valid (consultation WAPI123)",
        },
    ),
    EventType(
        "kyc.verification_completed",
        "An NT24-led (mode B) identity and AML verification of a buyer finished.",
        (
            DataField("buyerUuid", "uuid", "The buyer."),
            DataField("outcome", "enum", "VERIFIED or REJECTED."),
            DataField("sessionId", "string", "The verification session, e.g. `idenfy_abc123`."),
            DataField("completedAt", "date-time", "When the verification finished."),
            DataField("reason", "string", "Why it was rejected; only on REJECTED."),
        ),
        {
            "buyerUuid": _BUYER,
            "outcome": "VERIFIED",
            "sessionId": "idenfy_abc123",
            "completedAt": "2026-04-22T10:30:00Z",
        },
    ),
    EventType(
        "kyc.verification_expiring",
        "A verified NT24-led buyer's KYC profile lapses soon (`NT24_KYC_PROFILE_EXPIRY_NOTICE` "
        "before it does): start a new verification (POST .../kyc/verify) before `expiresAt`, or "
        "the buyer's open orders are blocked (`KYC_EXPIRED`) until one is VERIFIED. Not in the "
        "contract's catalogue: this platform's addition, delivered to `kyc.*` subscribers too.",
        (
            DataField("buyerUuid", "uuid", "The buyer."),
            DataField("sessionId", "string", "The verification whose profile lapses."),
            DataField("expiresAt", "date-time", "When the profile lapses."),
        ),
        {
            "buyerUuid": _BUYER,
            "sessionId": "idenfy_abc123",
            "expiresAt": "2027-04-22T10:30:00Z",
        },
    ),
    EventType(
        "export_file.generated",
        "An order's Export File PDF was generated: on the compliance decision and on every "
        "regeneration (a final invoice, a correction, a request). Its `source` is that of the "
        "change that asked for it: the command that decided the order or brought the final "
        "invoice, the regeneration's request; SYSTEM for a deadline's decision.",
        (
            _ORDER_UUID,
            DataField(
                "exportFileVersion",
                "integer",
                "The same as `version`; sent since before `version` was the Export File's.",
            ),
            DataField("decision", "enum", "VALID_EXPORT or VAT_APPLICABLE."),
            DataField("generatedAt", "date-time", "When it was generated."),
            DataField(
                "downloadUrl",
                "string",
                "Path of this version's PDF, relative to the API host; its last segment is "
                "the Export File version.",
            ),
            DataField("sha256", "string", "SHA-256 of the PDF, lowercase hex."),
            DataField(
                "version",
                "integer",
                "The Export File version generated (as in GET .../finalization/export-file), "
                "not the order's.",
            ),
        ),
        {
            "orderUuid": _ORDER,
            "exportFileVersion": 1,
            "decision": "VALID_EXPORT",
            "generatedAt": "2026-04-22T10:30:00Z",
            "downloadUrl": "/v1/partners/1111aaaa-2222-4333-8444-555566667777/orders/"
            f"{_ORDER}/finalization/export-file/versions/1/content",
            "sha256": "9f2c1e0b4d3a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e",
            "version": 1,
        },
    ),
    EventType(
        "prospect.submitted",
        "Someone submitted a prospect through one of the partner's public self-service links.",
        (
            DataField("prospectUuid", "uuid", "The prospect."),
            DataField("type", "enum", "COMPANY or CONSUMER."),
        ),
        {"prospectUuid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "type": "COMPANY"},
        live=False,
    ),
    EventType(
        "self_service_invitation.used",
        "A buyer submitted the documents it uploaded through a self-service invitation's "
        "link (its last step; each upload is in the buyer's KYC documents at once).",
        (
            DataField("invitationUuid", "uuid", "The invitation."),
            DataField("kind", "enum", "KYC or PROSPECT."),
            DataField("buyerUuid", "uuid", "The buyer; for KYC invitations."),
            DataField("prospectUuid", "uuid", "The prospect; for PROSPECT invitations."),
        ),
        {
            "invitationUuid": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
            "kind": "KYC",
            "buyerUuid": _BUYER,
        },
    ),
    EventType(
        "self_service_invitation.expired",
        "A self-service invitation's time to live ran out unused.",
        (
            DataField("invitationUuid", "uuid", "The invitation."),
            DataField("kind", "enum", "KYC or PROSPECT."),
            DataField("expiresAt", "date-time", "When it expired."),
            DataField("buyerUuid", "uuid", "The buyer; for KYC invitations."),
        ),
        {
            "invitationUuid": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
            "kind": "KYC",
            "expiresAt": "2026-04-29T10:30:00Z",
            "buyerUuid": _BUYER,
        },
    ),
    EventType(
        "webhook.endpoint_auto_paused",
        "One of the organization's endpoints was paused after failing too often in a row or "
        "for too long; sent to the organization's other endpoints, never to the paused one.",
        (
            DataField("endpointId", "string", "The paused endpoint, `wh_...`."),
            DataField("url", "string", "Its URL."),
            DataField("reason", "string", "Why it was paused."),
            DataField("consecutiveFailures", "integer", "Failed attempts in a row."),
            DataField("failingSince", "date-time", "The first failed attempt of the streak."),
            DataField("pausedAt", "date-time", "When it was paused."),
        ),
        {
            "endpointId": "wh_5f1c2d3e4a5b6c7d",
            "url": "https://example.com/nt24/webhooks",
            "reason": "20 consecutive failed deliveries",
            "consecutiveFailures": 20,
            "failingSince": "2026-04-22T08:00:00Z",
            "pausedAt": "2026-04-22T10:30:00Z",
        },
        partner_scoped=False,
    ),
    EventType(
        "webhook.delivery_failed_terminal",
        "A delivery exhausted its retries and is FAILED; sent to the organization's other "
        "endpoints, never to the failing one. Replay it once the receiver is fixed.",
        (
            DataField("endpointId", "string", "The endpoint, `wh_...`."),
            DataField("deliveryId", "string", "The failed delivery, `del_...`."),
            DataField("eventId", "string", "The event that was not delivered, `evt_...`."),
            DataField("eventType", "string", "Its type."),
            DataField("attempts", "integer", "Attempts made."),
            DataField("lastHttpStatus", "integer", "The last HTTP status; absent if none came."),
            DataField("lastError", "string", "What went wrong on the last attempt."),
        ),
        {
            "endpointId": "wh_5f1c2d3e4a5b6c7d",
            "deliveryId": "del_8a9b0c1d2e3f4a5b",
            "eventId": "evt_0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
            "eventType": "compliance.status_changed",
            "attempts": 10,
            "lastHttpStatus": 503,
            "lastError": "HTTP 503",
        },
        partner_scoped=False,
    ),
)

EVENT_TYPES: dict[str, EventType] = {t.type: t for t in CATALOGUE}
# Segment wildcards: `compliance.*`, `kyc.*`, `self_service_invitation.*` (the contract's),
# and the same for every other segment of the catalogue. The root `*` is not one.
WILDCARDS = frozenset(f"{t.segment}.*" for t in CATALOGUE)
# What an endpoint's acceptedSchemaVersions may name: a version some event type is emitted in
SCHEMA_VERSIONS = sorted({v for t in CATALOGUE for v in t.schema_versions})


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be subscribed to, or None."""
    if pattern == "*":
        return "the root wildcard * is not supported: subscribe to types or segments like kyc.*"
    if pattern in EVENT_TYPES or pattern in WILDCARDS:
        return None
    return "is not an event type or segment wildcard (see GET /v1/events/types)"


def subscribed(patterns: list[str], event_type: str) -> bool:
    return event_type in patterns or f"{event_type.partition('.')[0]}.*" in patterns


def schema_version_problem(version: int) -> str | None:
    """Why an endpoint cannot accept schema ``version``, or None."""
    if version in SCHEMA_VERSIONS:
        return None
    return f"is not a schema version events are emitted in ({', '.join(map(str, SCHEMA_VERSIONS))})"


def delivered_version(accepted: list[int], event_type: str) -> int | None:
    """The schema version of ``event_type`` an endpoint accepting ``accepted`` receives: the
    highest it accepts of those the type is emitted in (conventions §6); None: none of them."""
    return max(set(accepted).intersection(EVENT_TYPES[event_type].schema_versions), default=None)


def new_event_id() -> str:
    return f"evt_{uuid4().hex}"


def utc_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    event_id: str,
    event_type: str,
    source: str,
    created_at: datetime,
    organization_uuid: UUID | str,
    partner_uuid: UUID | str | None,
    data: dict[str, Any],
    schema_version: int = SCHEMA_VERSION,
) -> dict[str, Any]:
    """The body of a delivery; null fields are omitted, as in every NT24 response."""
    body: dict[str, Any] = {
        "id": event_id,
        "type": event_type,
        "schemaVersion": schema_version,
        "source": source,
        "createdAt": utc_timestamp(created_at),
        "organizationUuid": str(organization_uuid),
    }
    if partner_uuid is not None:
        body["partnerUuid"] = str(partner_uuid)
    body["data"] = data
    return body


def event_envelope(
    event: Event, organization_uuid: UUID, partner_uuid: UUID | None
) -> dict[str, Any]:
    return envelope(
        event.id,
        event.type,
        event.source,
        event.created_at,
        organization_uuid,
        partner_uuid,
        event.data,
        int(event.schema_version),
    )


def record_event(
    session: Session | AsyncSession,
    organization_id: int,
    event_type: str,
    data: dict[str, Any],
    created_at: datetime,
    *,
    partner_id: int | None = None,
    source: ChangeSource = ChangeSource.SYSTEM,
) -> Event:
    """Add an event to the outbox in the caller's transaction (with the change it describes)."""
    assert event_type in EVENT_TYPES and source in tuple(ChangeSource)
    event = Event(
        id=new_event_id(),
        organization_id=organization_id,
        partner_id=partner_id,
        type=event_type,
        source=source,
        data=data,
        created_at=created_at,
    )
    session.add(event)
    return event


# ----- the catalogue as the API shows it and as docs/webhooks.md prints it -----

EXAMPLE_ORGANIZATION = "550e8400-e29b-41d4-a716-446655440000"
EXAMPLE_PARTNER = "1111aaaa-2222-4333-8444-555566667777"
EXAMPLE_TIME = datetime(2026, 4, 22, 10, 30, tzinfo=UTC)


def example_envelope(event_type: EventType) -> dict[str, Any]:
    return envelope(
        "evt_0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
        event_type.type,
        ChangeSource.SYSTEM if not event_type.partner_scoped else ChangeSource.API,
        EXAMPLE_TIME,
        EXAMPLE_ORGANIZATION,
        EXAMPLE_PARTNER if event_type.partner_scoped else None,
        event_type.example,
    )


def catalogue_json() -> list[dict[str, Any]]:
    return [
        {
            "type": t.type,
            "firesWhen": t.fires_when,
            "available": t.live,
            "dataFields": [vars(f) for f in t.fields],
            "example": example_envelope(t),
        }
        for t in CATALOGUE
    ]


def catalogue_markdown() -> str:
    parts = []
    for t in CATALOGUE:
        rows = "\n".join(f"| `{f.name}` | {f.type} | {f.description} |" for f in t.fields)
        status = "" if t.live else " *Fires once its producer is built.*"
        example = json.dumps(example_envelope(t), indent=2)
        parts.append(
            f"### `{t.type}`\n\n{t.fires_when}{status}\n\n"
            f"| field | type | meaning |\n|---|---|---|\n{rows}\n\n```json\n{example}\n```\n"
        )
    return "\n".join(parts)


DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
_SECTION = re.compile(r"(<!-- catalogue:start -->\n)(.*?)(<!-- catalogue:end -->)", re.DOTALL)


def documented_catalogue(text: str) -> str | None:
    """The catalogue section of docs/webhooks.md as written there."""
    match = _SECTION.search(text)
    return match[2] if match else None


if __name__ == "__main__":
    # Rewrite the catalogue section of docs/webhooks.md from CATALOGUE.
    text = DOC.read_text()
    if documented_catalogue(text) is None:
        sys.exit(f"{DOC} has no <!-- catalogue:start --> ... <!-- catalogue:end --> section")
    DOC.write_text(_SECTION.sub(lambda m: m[1] + catalogue_markdown() + m[3], text))
