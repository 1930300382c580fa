"""An order's timeline: every event, VIES check, document and milestone in time order, each
with its source. Pure: the page hands in what it read from the database.

Events and documents record their source. Milestones (the order's creation, invoices, payment,
pickup, revocations, delivery, Export File versions) are facts of the read model; their source
is the workflow's own record of who made each change (``order_changes``): a milestone's time
is the time of the commit that set it, so it takes the source of the change written at that
time. The read model shows times to the second, so changes are matched to the second; should
several fall in one second, the first on a client's command (API, WEB_APP) counts. An order
written before changes were recorded has none, and its milestones count as the API's. An
Export File version takes the source its ``export_file.generated`` event names (the change
that requested it: a client's regeneration or the command that decided the order or brought
its final invoice; a deadline's is the system's), the system's without one.

The read model keeps only a module's latest change (the payment's ``updatedAt`` moves when it
is marked ready for pickup, an invoice's when it is corrected), so the milestones that later
changes would move are read from the history instead: the payment's submission and its
readiness for pickup, and the cancellation, from the change that moved the order's status
there; each invoice as submitted and each correction from its recorded versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workflows.change_source import ChangeSource
from workflows.orders.status import LIFECYCLE, PAID, OrderStatus

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
    status: str | None = None  # the order's status it wrote; None: not known


@dataclass(frozen=True)
class InvoiceFact:
    """An invoice as submitted, or a correction of it (``invoice_corrections``)."""

    type: str  # PRELIMINARY or FINAL
    version: int
    data: dict[str, Any]  # the invoice as the API showed it at that version
    recorded_at: datetime
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


def first_reaching(changes: Iterable[ChangeFact], statuses: Iterable[str]) -> ChangeFact | None:
    """The change that moved the order to one of ``statuses``: the first that wrote one, after
    one that wrote another. None when no change is known to have (an order whose changes
    were recorded only from there on, or without their status)."""
    wanted, before = set(statuses), None
    for change in sorted(changes, key=lambda c: c.revision):
        if change.status in wanted:
            return change if before is not None and before not in wanted else None
        before = change.status
    return None


# The lifecycle from the readiness for pickup on: an order gets there only through that
# command (a pickup needs the readiness, as the readiness needs a payment: PAID)
READY = LIFECYCLE[LIFECYCLE.index(OrderStatus.READY_FOR_PICKUP) :]


def milestones(
    order: dict[str, Any],
    invoices: Iterable[dict[str, Any]],
    payment: dict[str, Any] | None,
    transport: dict[str, Any],
    export_versions: Iterable[tuple[int, datetime, str]],
    changes: Iterable[ChangeFact],
    invoice_history: Iterable[InvoiceFact] = (),
    export_sources: Mapping[int, str] | None = None,
) -> list[Entry]:
    """The milestones the order went through, each with when and the source of the change
    that set it. Without the history (``changes`` without their status, no
    ``invoice_history``: an order written before it was recorded) a milestone is read from
    the read model, as of the module's latest change. ``export_sources``: each Export File
    version's source (``export_file_sources``)."""
    found: list[Entry] = []
    changes = list(changes)
    sources = change_sources(changes)

    def add(at: datetime | None, title: str, detail: str) -> None:
        if at is not None:
            source = sources.get(at.astimezone(UTC).replace(microsecond=0), API)
            found.append(Entry(at, "milestone", title, detail, source))

    def add_change(change: ChangeFact, title: str, detail: str) -> None:
        found.append(Entry(change.at, "milestone", title, detail, change.source))

    add(
        parse_time(order.get("createdAt")),
        "Order created",
        f"{order.get('externalOrderId')}, {len(order.get('vins', []))} VIN(s)",
    )
    submitted: set[str] = set()
    for written in invoice_history:
        data, kind = written.data, written.type.title()
        detail = f"dated {data.get('invoiceDate')}, version {written.version}"
        if written.type in submitted:
            title = f"{kind} invoice corrected: {data.get('invoiceNumber')}"
        else:
            title = f"{kind} invoice {data.get('invoiceNumber')}"
        submitted.add(written.type)
        found.append(Entry(written.recorded_at, "milestone", title, detail, written.source))
    for invoice in invoices:
        if invoice["type"] not in submitted:
            add(
                parse_time(invoice.get("updatedAt")),
                f"{invoice['type'].title()} invoice {invoice['invoiceNumber']}",
                f"dated {invoice['invoiceDate']}, version {invoice.get('version', 0)}",
            )
    if payment:
        detail = f"paid {payment['paymentDate']}"
        paid, ready = first_reaching(changes, PAID), first_reaching(changes, READY)
        if paid is not None:
            add_change(paid, "Payment submitted", detail)
            if ready is not None:
                add_change(ready, "Ready for pickup", detail)
            elif payment.get("readyForPickup"):  # its change not recorded: as of the payment's
                add(parse_time(payment.get("updatedAt")), "Ready for pickup", detail)
        else:
            add(
                parse_time(payment.get("updatedAt")),
                "Ready for pickup" if payment.get("readyForPickup") else "Payment submitted",
                f"{detail}, version {payment.get('version', 0)}",
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
        reason = order.get("cancellationReason", "")
        cancelled = first_reaching(changes, [OrderStatus.CANCELLED])
        if cancelled is not None:
            add_change(cancelled, "Order cancelled", reason)
        else:
            add(parse_time(order.get("updatedAt")), "Order cancelled", reason)
    for version, generated_at, reason in export_versions:
        source = (export_sources or {}).get(version, SYSTEM)
        found.append(
            Entry(generated_at, "milestone", f"Export File version {version}", reason, source)
        )
    return found


def export_file_sources(events: Iterable[EventFact]) -> dict[int, str]:
    """Each Export File version's source, as its ``export_file.generated`` event says."""
    return {
        event.data["exportFileVersion"]: event.source
        for event in events
        if event.type == "export_file.generated"
        and isinstance(event.data.get("exportFileVersion"), int)
    }


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
