"""What each of the order's resources shows, as the workflow compares it after every change
(workflows/orders/shown.py): a digest that moves with what a resource's view shows, and with
nothing else (its version, its updatedAt, another resource's content), and that survives the
data converter (continue-as-new carries the digests, the next run computes them afresh)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from api.shared.converter import PayloadConverter
from store.orders.views import compliance_view, invoice_view, order_view, payment_view
from workflows.money import Money
from workflows.orders.model import (
    Address,
    Delivery,
    DocumentRef,
    ExportFileVersion,
    Invoice,
    OrderIdentity,
    OrderVin,
    Payment,
    Person,
    Pickup,
    Transport,
)
from workflows.orders.rollup import Evaluation
from workflows.orders.rules.outcome import Blocker, ComplianceStatus, Decision
from workflows.orders.shown import (
    COMPLIANCE,
    ORDER,
    PAYMENT,
    TRANSPORT,
    invoice_resource,
    shown_digests,
)
from workflows.orders.state import OrderResources
from workflows.orders.status import OrderStatus

pytestmark = pytest.mark.fast

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
PRELIMINARY = invoice_resource("PRELIMINARY")
FINAL = invoice_resource("FINAL")


def _order() -> OrderResources:
    address = Address("Hauptstr. 1", "10115", "Berlin", "DE")
    return OrderResources(
        identity=OrderIdentity("o-1", 1, "org-1", 2, "p-1", "DE", 3, "deal-1", "Autohaus"),
        buyer_uuid="b-1",
        vins=[OrderVin("WVWZZZ1KZAW000001", "Volkswagen", "Golf", Money(1_850_000))],
        total_amount=Money(1_850_000),
        purchase_date=date(2026, 11, 20),
        responsible_contact=Person("Anna", "Schmidt", "anna@example.com"),
        status=OrderStatus.TRANSPORT_COMPLETED,
        version=5,
        compliance_version=8,
        created_at=AT,
        updated_at=AT,
        cancellation_reason=None,
        invoices={
            "PRELIMINARY": Invoice("PRELIMINARY", date(2026, 11, 20), "INV-1", False, Money(100))
        },
        payment=Payment(date(2026, 11, 21), Money(100), Money(0), "DE89370400440532013000"),
        transport=Transport(
            pickup=Pickup("COMPANY_TRANSPORT", date(2026, 11, 22), "DRV-1", address, AT),
            delivery=Delivery(date(2026, 11, 23), address, AT),
        ),
        documents=[
            DocumentRef(
                "d-1",
                "transport",
                "TRANSPORT_CMR",
                None,
                "CARRIER",
                "Speedy",
                "a.pdf",
                "application/pdf",
                10,
                "0" * 64,
                created_at=AT,
            ),
        ],
        evaluation=Evaluation(
            ComplianceStatus.INCOMPLETE,
            None,
            blockers=[Blocker("transport", "MISSING_TRANSPORT_EVIDENCE", "Two issuers needed")],
            modules={
                "invoice": {"status": "VALID", "finalInvoiceRequired": False},
                "payment": {"status": "SUBMITTED", "amountMatchesInvoice": True},
                "transport": {"status": "DELIVERED", "pickupDate": "2026-11-22"},
            },
        ),
        export_files=[],
        export_requested=None,
        export_failed=False,
        daily_vies_active=False,
    )


def _changed(before: OrderResources, after: OrderResources) -> set[str]:
    old, new = shown_digests(before), shown_digests(after)
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def test_a_digest_moves_with_what_its_resource_shows_and_only_with_it():
    order = _order()
    assert order.evaluation is not None
    modules = order.evaluation.modules
    payment_valid = replace(
        order.evaluation, modules=modules | {"payment": modules["payment"] | {"status": "VALID"}}
    )
    valid = replace(order.evaluation, compliance_status=ComplianceStatus.VALID, blockers=[])
    assert order.payment is not None
    superseded = replace(order.documents[0], status="SUPERSEDED")
    final = Invoice("FINAL", date(2026, 11, 25), "FIN-1", False, Money(100))
    message = replace(order.evaluation.blockers[0], message="A carrier's CMR is needed")

    # the payment's status is the payment's, and the rollup's (its modules)
    assert _changed(order, replace(order, evaluation=payment_valid)) == {PAYMENT, COMPLIANCE}
    # VALID: the order's VIN shows it, the rollup too
    assert _changed(order, replace(order, evaluation=valid)) == {ORDER, COMPLIANCE}
    assert _changed(order, replace(order, status=OrderStatus.COMPLIANCE_VALID)) == {ORDER}
    # a transport document superseded, a new one, daily checks that start
    assert _changed(order, replace(order, documents=[superseded])) == {TRANSPORT}
    assert _changed(order, replace(order, documents=[])) == {TRANSPORT}
    assert _changed(order, replace(order, daily_vies_active=True)) == {TRANSPORT, COMPLIANCE}
    # the final invoice: itself, and the preliminary one shows that it arrived
    with_final = replace(order, invoices=order.invoices | {"FINAL": final})
    assert _changed(order, with_final) == {PRELIMINARY, FINAL}
    # a blocker's message, an Export File asked for, then made, then made again
    blocked = replace(order.evaluation, blockers=[message])
    assert _changed(order, replace(order, evaluation=blocked)) == {COMPLIANCE}
    asked = replace(order, export_requested="Compliance decision made")
    made = replace(order, export_files=[ExportFileVersion(1, "a" * 64, AT, "VALID_EXPORT", "x")])
    again = replace(
        made, export_files=[*made.export_files, replace(made.export_files[0], version=2)]
    )
    assert _changed(order, asked) == {COMPLIANCE}
    assert _changed(asked, made) == {COMPLIANCE}
    assert _changed(made, again) == {COMPLIANCE}
    # versions and times of change are not content
    touched = replace(
        order,
        version=6,
        compliance_version=9,
        updated_at=LATER,
        compliance_updated_at=LATER,
        payment=replace(order.payment, version=3, updated_at=LATER),
        transport=replace(order.transport, version=4, updated_at=LATER),
    )
    assert _changed(order, touched) == set()


def test_digests_survive_the_data_converter():
    """Continue-as-new carries the digests to a run that computes them from the state the
    converter decoded: the same content must give the same digest there."""
    order = _order()
    assert order.evaluation is not None
    order = replace(
        order,
        evaluation=replace(order.evaluation, decision=Decision.VALID_EXPORT),
        export_files=[ExportFileVersion(1, "a" * 64, AT, "VALID_EXPORT", "Generated")],
    )
    converter = PayloadConverter()
    [decoded] = converter.from_payloads(converter.to_payloads([order]), [OrderResources])
    assert decoded == order
    assert shown_digests(decoded) == shown_digests(order)


def test_the_views_show_what_the_digests_read():
    """One definition of a VIN's status and of the rollup's module values: the views render
    what the digests compare."""
    order = _order()
    assert order.evaluation is not None
    valid = replace(order, evaluation=replace(order.evaluation, compliance_status="VALID"))
    assert order_view(order)["vins"][0]["complianceStatus"] == "DELIVERED"
    assert order_view(valid)["vins"][0]["complianceStatus"] == "VALID"
    assert compliance_view(valid)["modules"]["order"]["vins"][0]["complianceStatus"] == "VALID"
    assert invoice_view(order, order.invoices["PRELIMINARY"])["status"] == "VALID"
    assert (payment_view(order) or {})["status"] == "SUBMITTED"
    # the rollup's updatedAt is its own time of change
    assert compliance_view(replace(order, compliance_updated_at=LATER))["updatedAt"] == (
        "2026-11-24T09:30:00Z"
    )
