"""An order's timeline: every event, VIES check, document and milestone in time order, each
with its source. Pure: the page hands in what it read from the database.

Events and documents record their source. Milestones (the order's creation, invoices, payment,
pickup, revocations, delivery, Export File versions) are facts of the read model; their source
is the workflow's own record of who made each change (``order_changes``): a milestone's time
is the time of the commit that set it, so it takes the source of the change written at that
time. The read model shows times to the second, so changes are matched to the second; should
several fall in one second, the first on a client's command (API, WEB_APP) counts. An order
written before changes were recorded has none, and its milestones count as the API's. Export
Files are the system's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workflows.change_source import ChangeSource
from workflows.orders.status import OrderStatus

API, SYSTEM = ChangeSource.API, ChangeSource.SYSTEM


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # milestone, event, vies, document
    title: str
    detail: str
    source: str


@dataclass(frozen=True)
class ChangeFact:
    """One written revision of the order (a row of ``order_changes``)."""

    revision: int
    at: datetime
    source: str


@dataclass(frozen=True)
class ViesFact:
    checked_at: datetime
    result: str
    trigger: str
    request_identifier: str | None
    error_code: str | None


@dataclass(frozen=True)
class DocumentFact:
    created_at: datetime
    type: str
    issuer_type: str
    issuer_name: str | None
    file_name: str
    status: str
    source: str


@dataclass(frozen=True)
class EventFact:
    created_at: datetime
    type: str
    source: str
    data: dict[str, Any]


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def change_sources(changes: Iterable[ChangeFact]) -> dict[datetime, str]:
    """The source of the change at each second: the first client command's, else the first."""
    found: dict[datetime, str] = {}
    for change in sorted(changes, key=lambda c: c.revision):
        second = change.at.astimezone(UTC).replace(microsecond=0)
        if second not in found or (found[second] == SYSTEM and change.source != SYSTEM):
            found[second] = change.source
    return found


def milestones(
    order: dict[str, Any],
    invoices: Iterable[dict[str, Any]],
    payment: dict[str, Any] | None,
    transport: dict[str, Any],
    export_versions: Iterable[tuple[int, datetime, str]],
    changes: Iterable[ChangeFact],
) -> list[Entry]:
    """The milestones the read model shows, each with the source of the change that set it."""
    found: list[Entry] = []
    sources = change_sources(changes)

    def add(at: datetime | None, title: str, detail: str) -> None:
        if at is not None:
            source = sources.get(at.astimezone(UTC).replace(microsecond=0), API)
            found.append(Entry(at, "milestone", title, detail, source))

    add(
        parse_time(order.get("createdAt")),
        "Order created",
        f"{order.get('externalOrderId')}, {len(order.get('vins', []))} VIN(s)",
    )
    for invoice in invoices:
        add(
            parse_time(invoice.get("updatedAt")),
            f"{invoice['type'].title()} invoice {invoice['invoiceNumber']}",
            f"dated {invoice['invoiceDate']}, version {invoice.get('version', 0)}",
        )
    if payment:
        add(
            parse_time(payment.get("updatedAt")),
            "Ready for pickup" if payment.get("readyForPickup") else "Payment submitted",
            f"paid {payment['paymentDate']}, version {payment.get('version', 0)}",
        )
    for revocation in transport.get("revocations", []):
        add(
            parse_time(revocation.get("revokedAt")),
            "Pickup revoked",
            revocation.get("reason", ""),
        )
    pickup, delivery = transport.get("pickup"), transport.get("delivery")
    if pickup:
        add(
            parse_time(pickup.get("confirmedAt")),
            "Pickup confirmed",
            f"{pickup['type'].replace('_', ' ').lower()} on {pickup['pickupDate']}",
        )
    if delivery:
        add(
            parse_time(delivery.get("confirmedAt")),
            "Delivery confirmed",
            f"delivered on {delivery['deliveryDate']}",
        )
    if order.get("status") == OrderStatus.CANCELLED:
        add(
            parse_time(order.get("updatedAt")),
            "Order cancelled",
            order.get("cancellationReason", ""),
        )
    for version, generated_at, reason in export_versions:
        found.append(
            Entry(generated_at, "milestone", f"Export File version {version}", reason, SYSTEM)
        )
    return found


def timeline(
    milestone_entries: Iterable[Entry],
    events: Iterable[EventFact],
    vies_checks: Iterable[ViesFact],
    documents: Iterable[DocumentFact],
) -> list[Entry]:
    """Everything that happened to the order, newest first."""
    entries = list(milestone_entries)
    for event in events:
        entries.append(
            Entry(event.created_at, "event", event.type, _event_detail(event), event.source)
        )
    for check in vies_checks:
        detail = f"triggered {check.trigger.lower()}"
        if check.request_identifier:
            detail += f", consultation {check.request_identifier}"
        if check.error_code:
            detail += f", VIES error {check.error_code}"
        entries.append(
            Entry(check.checked_at, "vies", f"VIES check: {check.result}", detail, SYSTEM)
        )
    for document in documents:
        issuer = document.issuer_name or document.issuer_type.replace("_", " ").lower()
        entries.append(
            Entry(
                document.created_at,
                "document",
                f"Document {document.type}",
                f"{document.file_name}, issued by {issuer}"
                + (", superseded" if document.status == "SUPERSEDED" else ""),
                document.source,
            )
        )
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _event_detail(event: EventFact) -> str:
    data = event.data
    if event.type == "compliance.status_changed":
        return f"{data.get('previousStatus')} to {data.get('currentStatus')}"
    if event.type == "compliance.decision_made":
        return f"decision {data.get('decision')}"
    if event.type == "export_file.generated":
        return f"version {data.get('exportFileVersion')}, {data.get('decision')}"
    if event.type == "kyc.vies_check_failed":
        return str(data.get("reason", ""))
    return ""
