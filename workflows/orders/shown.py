"""What each of the order's resources shows, reduced to what may change: the values the views
derive from the rollup (defined once, here, for the views and the workflow both), and a short
digest of each resource's content, which the workflow compares after every change so that a
resource's ``version`` (its ETag) moves whenever its content does (contract §0.3, §2.4).

Pure functions of the workflow's own types: the workflow imports them, and so do the views
(store/orders/views.py), which render the same values into the contract's JSON."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from workflows.money import Money
from workflows.orders.model import Address
from workflows.orders.rollup import Evaluation
from workflows.orders.rules.outcome import ComplianceStatus
from workflows.orders.state import OrderResources
from workflows.orders.status import OrderStatus

ORDER = "order"
PAYMENT = "payment"
TRANSPORT = "transport"
COMPLIANCE = "compliance"


_INVOICE = "invoice:"


def invoice_resource(kind: str) -> str:
    """The name of the invoice of ``kind`` (PRELIMINARY or FINAL) among the digests."""
    return _INVOICE + kind


def invoice_kind(name: str) -> str:
    """The kind of invoice ``invoice_resource`` named ``name``."""
    return name.removeprefix(_INVOICE)


def vin_compliance_status(order: OrderResources) -> str:
    """Each VIN's ``complianceStatus``: the rollup's once it is VALID or INVALID, else where the
    transport stands (pickup and delivery are the order's, so every VIN has the same)."""
    evaluation, transport = order.evaluation, order.transport
    if evaluation is not None and evaluation.compliance_status != ComplianceStatus.INCOMPLETE:
        return evaluation.compliance_status
    if transport.delivery is not None:
        return "DELIVERED"
    if transport.pickup is not None:
        return "TRANSPORT_PENDING"
    return "PENDING"


def export_file_status(order: OrderResources) -> str:
    """The Export File's ``status``: a version asked for, failed, made, or none yet; and not
    eligible while the order holds no decision, also after versions were made (a staff
    re-decision that reached none: the files' decision no longer stands)."""
    if order.export_requested is not None:
        return "GENERATING" if order.export_files or order.evaluation is not None else "PENDING"
    if order.export_failed:
        return "FAILED"
    decided = order.evaluation is not None and order.evaluation.decision is not None
    return "READY" if order.export_files and decided else "NOT_ELIGIBLE"


def rollup_module(evaluation: Evaluation | None, name: str) -> dict[str, Any]:
    """The rollup's entry for ``name`` (invoice, payment), empty before the first evaluation."""
    return evaluation.modules.get(name, {}) if evaluation is not None else {}


def shown_digests(order: OrderResources) -> dict[str, str]:
    """A digest of what each resource's view shows but its ``version`` and ``updatedAt``: the
    order, each invoice (``invoice_resource``), the payment (when there is one), the transport
    and the compliance rollup. Only what a change can move is read (a VIN's data, the order's
    amount and identity are fixed at its creation); the documents' metadata is fixed at upload,
    their status is not. Cheap: it runs on every change of every order."""
    evaluation = order.evaluation
    vin_status = vin_compliance_status(order)
    contact = order.responsible_contact
    digests = {
        ORDER: _digest(
            order.status,
            vin_status,
            _day(order.purchase_date),
            contact and (contact.first_name, contact.last_name, contact.email, contact.phone),
            order.cancellation_reason,
            order.buyer_uuid,
        )
    }
    invoice = rollup_module(evaluation, "invoice")
    final_received = "FINAL" in order.invoices
    for kind, i in order.invoices.items():
        digests[invoice_resource(kind)] = _digest(
            _day(i.invoice_date),
            i.invoice_number,
            i.vat_included,
            _money(i.amount),
            i.margin_scheme,
            invoice.get("status"),
            invoice.get("finalInvoiceRequired"),
            final_received,
        )
    if order.payment is not None:
        payment = order.payment
        paid = rollup_module(evaluation, "payment")
        digests[PAYMENT] = _digest(
            _day(payment.payment_date),
            _money(payment.bank_amount),
            _money(payment.cash_amount),
            payment.source_iban,
            payment.ready_for_pickup,
            paid.get("status"),
            paid.get("amountMatchesInvoice"),
            paid.get("ibanConsistent"),
        )
    transport = order.transport
    pickup, delivery = transport.pickup, transport.delivery
    digests[TRANSPORT] = _digest(
        pickup
        and (
            pickup.type,
            _day(pickup.pickup_date),
            pickup.driver_identification,
            _address(pickup.collection_address),
            _at(pickup.confirmed_at),
            pickup.arranged_by,
        ),
        delivery
        and (
            _day(delivery.delivery_date),
            _address(delivery.delivery_address),
            _at(delivery.confirmed_at),
        ),
        len(transport.revocations),
        [(d.uuid, d.status) for d in order.documents if d.module == "transport"],
        order.daily_vies_active,
    )
    if evaluation is not None:
        latest = order.export_files[-1].version if order.export_files else None
        digests[COMPLIANCE] = _digest(
            evaluation.compliance_status,
            evaluation.decision,
            [(b.module, b.code, b.message) for b in evaluation.blockers],
            evaluation.modules,
            order.status == OrderStatus.CANCELLED,
            vin_status,
            order.daily_vies_active,
            export_file_status(order),
            latest,
        )
    return digests


def _digest(*values: object) -> str:
    """Short, and the same for the same content after the data converter (continue-as-new):
    JSON of plain values (an enum as its text), never a repr, which names the classes a decoder
    chose (a module's status decoded as a plain string, a UTC time's tzinfo)."""
    text = _ENCODER.encode(values)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


# str: a value that is not plain JSON (none is) still digests, never fails a workflow task
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _at(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment else None


def _money(money: Money | None) -> tuple[int, str] | None:
    return (money.value, money.currency) if money else None


def _address(address: Address | None) -> tuple[str, ...] | None:
    if address is None:
        return None
    return (address.street, address.post_code, address.city, address.country)
