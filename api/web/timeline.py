"""An order's timeline: every event, VIES check, document and milestone in time order, each
with its source. Pure: the page hands in what it read from the database.

Events and documents record their source. Milestones (the order's creation, invoices, payment,
pickup, revocations, delivery, Export File versions) are facts of the read model, which does
not say who set them; a milestone counts as the web app's when the web app's audit log holds
the matching action on this order right after it (an action is audited as soon as its Update
has answered), as the API's otherwise, and Export Files as the system's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

API, WEB_APP, SYSTEM = "API", "WEB_APP", "SYSTEM"
# How long after a milestone its web action may be audited (the Update answered in between)
AUDIT_SLACK = timedelta(seconds=60)


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # milestone, event, vies, document
    title: str
    detail: str
    source: str


@dataclass(frozen=True)
class AuditedAction:
    action: str  # e.g. order.pickup
    at: datetime


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


def _source(at: datetime, action: str, audited: Sequence[AuditedAction]) -> str:
    for item in audited:
        if item.action == action and at - timedelta(seconds=1) <= item.at <= at + AUDIT_SLACK:
            return WEB_APP
    return API


def milestones(
    order: dict[str, Any],
    invoices: Iterable[dict[str, Any]],
    payment: dict[str, Any] | None,
    transport: dict[str, Any],
    export_versions: Iterable[tuple[int, datetime, str]],
    audited: Sequence[AuditedAction],
) -> list[Entry]:
    """The milestones the read model shows, each attributed to API or WEB_APP."""
    found: list[Entry] = []

    def add(at: datetime | None, action: str, title: str, detail: str) -> None:
        if at is not None:
            found.append(Entry(at, "milestone", title, detail, _source(at, action, audited)))

    add(
        parse_time(order.get("createdAt")),
        "order.create",
        "Order created",
        f"{order.get('externalOrderId')}, {len(order.get('vins', []))} VIN(s)",
    )
    for invoice in invoices:
        action = "order.final_invoice" if invoice["type"] == "FINAL" else "order.invoice"
        add(
            parse_time(invoice.get("updatedAt")),
            action if invoice.get("version", 0) == 0 else "order.invoice_edit",
            f"{invoice['type'].title()} invoice {invoice['invoiceNumber']}",
            f"dated {invoice['invoiceDate']}, version {invoice.get('version', 0)}",
        )
    if payment:
        add(
            parse_time(payment.get("updatedAt")),
            "order.ready_for_pickup" if payment.get("readyForPickup") else "order.payment",
            "Ready for pickup" if payment.get("readyForPickup") else "Payment submitted",
            f"paid {payment['paymentDate']}, version {payment.get('version', 0)}",
        )
    for revocation in transport.get("revocations", []):
        add(
            parse_time(revocation.get("revokedAt")),
            "order.revoke_pickup",
            "Pickup revoked",
            revocation.get("reason", ""),
        )
    pickup, delivery = transport.get("pickup"), transport.get("delivery")
    if pickup:
        add(
            parse_time(pickup.get("confirmedAt")),
            "order.pickup",
            "Pickup confirmed",
            f"{pickup['type'].replace('_', ' ').lower()} on {pickup['pickupDate']}",
        )
    if delivery:
        add(
            parse_time(delivery.get("confirmedAt")),
            "order.delivery",
            "Delivery confirmed",
            f"delivered on {delivery['deliveryDate']}",
        )
    if order.get("status") == "CANCELLED":
        add(
            parse_time(order.get("updatedAt")),
            "order.cancel",
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
