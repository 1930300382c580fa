"""A resource's version is its content's (contract §0.3, §2.4, O3, C1): whatever changes what
a GET shows (a document that turns the order VALID, a proof of payment the rollup accepts, a
new Export File) gives the order, invoice, payment, transport or rollup its next version and
ETag, so that a client polling with If-None-Match sees it; nothing else does. Real API,
worker, Temporal and PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import select

from store.models import Event, Order
from tests.conftest import Stack
from tests.order_flow import TOTAL, OrderClient, money, seller_session, seller_today

SHOWN_ALWAYS = ("version", "updatedAt")


async def _read(client: OrderClient, path: str, etag: str | None = None) -> httpx.Response:
    answer = await client.get(path, headers={"If-None-Match": etag} if etag else {})
    assert answer.status_code in (200, 304), answer.text
    if answer.status_code == 200:
        assert answer.headers["etag"] == f'"{answer.json()["version"]}"'
    return answer


def _content(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in SHOWN_ALWAYS}


async def test_a_transport_document_that_decides_the_order_gives_it_a_new_etag(stack: Stack):
    """The order is delivered; its last transport document turns it VALID: the order's status,
    its VIN's complianceStatus and updatedAt change, so does its version, and the old ETag is
    answered 200 with the new body. Each document is a new transport version. The rollup's
    events carry the order's version after the change."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.picked_up()
        delivered = await client.deliver(order)
        assert delivered.status_code == 200, delivered.text
        before = (await _read(client, f"/orders/{order}")).json()
        assert before["status"] == "TRANSPORT_COMPLETED"
        assert before["vins"][0]["complianceStatus"] == "DELIVERED"
        transport = (await _read(client, f"/orders/{order}/transport")).json()

        transports = []
        for type_, issuer, name in (
            ("TRANSPORT_CMR", "CARRIER", "Speedy Trans GmbH"),
            ("TRANSPORT_CMR_DELIVERY", "CARRIER", "Speedy Trans GmbH"),
            ("TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz Versicherung AG"),
        ):
            uploaded = await client.upload(
                f"/orders/{order}/transport/documents", type_, issuer, name
            )
            assert uploaded.status_code == 201, uploaded.text
            etag = f'"{(transports or [transport])[-1]["version"]}"'
            seen = await _read(client, f"/orders/{order}/transport", etag)
            assert seen.status_code == 200  # a new document: a new transport
            transports.append(seen.json())

        await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        after = await _read(client, f"/orders/{order}", f'"{before["version"]}"')

    assert [len(t["documents"]) for t in transports] == [1, 2, 3]
    assert [t["version"] for t in transports] == [transport["version"] + n for n in (1, 2, 3)]
    assert after.status_code == 200, "the old ETag still names an order that changed"
    shown = after.json()
    assert shown["status"] == "COMPLIANCE_VALID"
    assert shown["vins"][0]["complianceStatus"] == "VALID"
    assert shown["version"] == before["version"] + 1  # one change, one version
    assert shown["updatedAt"] >= before["updatedAt"]

    async with stack.db.session() as session:
        row = await session.scalar(select(Order).where(Order.uuid == UUID(order)))
        assert row is not None
        events = {
            e.type: e.data
            for e in await session.scalars(select(Event).where(Event.order_id == row.id))
            if e.type.startswith("compliance.")
        }
        # the orders list filters and sorts on the updatedAt the order shows
        assert row.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ") == shown["updatedAt"]
    assert events["compliance.status_changed"]["currentStatus"] == "VALID"
    assert events["compliance.status_changed"]["version"] == shown["version"]
    assert events["compliance.decision_made"]["version"] == shown["version"]


async def test_a_proof_of_payment_the_rollup_accepts_is_a_new_payment_version(stack: Stack):
    """The payment's status moves from SUBMITTED to VALID with its proof: a new version, and
    the submitted one's ETag is answered 200. The invoice's status follows the rollup too."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        invoice = await client.post(
            f"/orders/{order}/invoice",
            {
                "type": "PRELIMINARY",
                "invoiceDate": seller_today().isoformat(),
                "invoiceNumber": "INV-77",
                "vatIncluded": False,
                "amount": money(TOTAL),
            },
        )
        assert invoice.status_code == 201, invoice.text
        uploaded = await client.upload(
            f"/orders/{order}/invoice/documents", "SHIPMENT_PRELIMINARY_INVOICE"
        )
        assert uploaded.status_code == 201, uploaded.text
        submitted = await client.post(
            f"/orders/{order}/payment",
            {
                "paymentDate": seller_today().isoformat(),
                "bankAmount": money(TOTAL),
                "cashAmount": money(0),
                "sourceIban": "DE89 3704 0044 0532 0130 00",
            },
        )
        assert submitted.status_code == 201, submitted.text
        before = (await _read(client, f"/orders/{order}/payment")).json()
        same = await _read(client, f"/orders/{order}/payment", f'"{before["version"]}"')
        proof = await client.upload(f"/orders/{order}/payment/documents", "PAYMENT_CONFIRMATION")
        assert proof.status_code == 201, proof.text
        after = await _read(client, f"/orders/{order}/payment", f'"{before["version"]}"')
        again = await _read(client, f"/orders/{order}/payment", after.headers.get("etag"))

    assert before["status"] == "SUBMITTED"
    assert same.status_code == 304  # nothing changed: the ETag still holds
    assert after.status_code == 200, "the payment changed under its old ETag"
    assert after.json()["status"] == "VALID"
    assert after.json()["version"] == before["version"] + 1
    assert after.json()["updatedAt"] >= before["updatedAt"]
    assert again.status_code == 304


async def test_a_new_export_file_is_a_new_rollup_version(stack: Stack):
    """A client polling the rollup with If-None-Match sees the Export File's new version:
    modules.exportFile's downloadUrl changes, so does the rollup's version. The final invoice
    is a new version of the preliminary one too, which shows whether it arrived."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        await client.export_file_until(order, 1)
        first = (await _read(client, f"/orders/{order}/compliance")).json()
        assert first["modules"]["exportFile"]["status"] == "READY"
        invoices = (await client.get(f"/orders/{order}/invoice")).json()

        again = await client.post(
            f"/orders/{order}/finalization/regenerate-export", {"reason": "auditor's request"}
        )
        assert again.status_code == 202, again.text
        await client.export_file_until(order, 2)
        second = await _read(client, f"/orders/{order}/compliance", f'"{first["version"]}"')
        unchanged = await _read(client, f"/orders/{order}/compliance", second.headers.get("etag"))

        final = await client.post(
            f"/orders/{order}/finalization/final-invoice",
            {
                "invoiceDate": seller_today().isoformat(),
                "invoiceNumber": "FIN-1",
                "vatIncluded": False,
                "amount": money(TOTAL),
            },
        )
        assert final.status_code == 201, final.text
        finally_invoiced = (await client.get(f"/orders/{order}/invoice")).json()

    assert second.status_code == 200, "the rollup changed under its old ETag"
    rollup = second.json()
    assert rollup["modules"]["exportFile"]["downloadUrl"].endswith("/versions/2/content")
    assert rollup["version"] == first["version"] + 1
    assert _content(rollup) != _content(first)
    assert unchanged.status_code == 304

    [preliminary] = [i for i in invoices if i["type"] == "PRELIMINARY"]
    [later] = [i for i in finally_invoiced if i["type"] == "PRELIMINARY"]
    assert preliminary["finalInvoiceReceived"] is False and later["finalInvoiceReceived"] is True
    assert later["version"] == preliminary["version"] + 1
