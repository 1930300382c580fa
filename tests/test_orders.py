"""Orders end to end over HTTP: the real dev server, worker, PostgreSQL and VIES sandbox."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pypdf
import pytest
import temporalio.api.sdk.v1
from sqlalchemy import func, select
from temporalio.client import WorkflowExecutionStatus

from api.nt24.orders.documents import CheckedUpload, UploadRefused
from api.shared.converter import DATA_CONVERTER
from api.shared.errors import Problem
from api.shared.payload_codec import decode_message
from settings import Settings
from store.documents import DocumentStore, UploadLimits, inspect_upload
from store.models import Event, Order
from tests.conftest import Stack, capture_history
from tests.order_flow import (
    TOTAL,
    OrderClient,
    key,
    money,
    partner_in,
    pdf,
    seller_session,
    seller_today,
)
from tests.test_payment_openapi import Schema

PROBLEMS = "https://api.novatrade24.com/problems/"
LIMITS = UploadLimits.from_settings(Settings())


async def test_happy_path_to_valid_export_and_the_export_file(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        created = await client.order(buyer)
        assert created["status"] == "CREATED" and created["version"] == 0
        assert created["vins"][0]["vin"] == "WVWZZZ1KZAW000001"
        assert created["vins"][0]["complianceStatus"] == "PENDING"
        order = created["uuid"]

        await client.invoice_and_payment(order)
        ready = await client.post(f"/orders/{order}/payment/ready-for-pickup")
        again = await client.post(f"/orders/{order}/payment/ready-for-pickup")
        assert ready.status_code == 200 and ready.json()["readyForPickup"] is True
        assert again.status_code == 200  # repeating it is harmless
        assert (await client.get(f"/orders/{order}")).json()["status"] == "READY_FOR_PICKUP"

        picked = await client.pickup(order)
        assert picked.status_code == 200, picked.text
        await client.transport_evidence(order)
        delivered = await client.deliver(order)
        assert delivered.status_code == 200, delivered.text

        rollup = await client.compliance_until(
            order, lambda r: r["complianceStatus"] != "INCOMPLETE"
        )
        assert rollup["complianceStatus"] == "VALID", rollup["blockers"]
        assert rollup["decision"] == "VALID_EXPORT"
        assert rollup["blockers"] == []
        # C1's modules: the buyer's VIES check as GET .../kyc shows it, transport per VIN
        kyc = (await client.get(f"/buyers/{buyer}/kyc")).json()
        assert rollup["modules"]["buyer"]["viesLastCheckedAt"] == kyc["viesLastCheckedAt"]
        assert rollup["modules"]["transport"]["vins"] == [
            {"vin": "WVWZZZ1KZAW000001", "pickupConfirmed": True, "deliveryConfirmed": True}
        ]
        assert (await client.get(f"/orders/{order}")).json()["status"] == "COMPLIANCE_VALID"

        export = await client.export_file_until(order, 1)
        assert export["decision"] == "VALID_EXPORT"
        content = await http.get(export["downloadUrl"])
        assert content.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content.content)).pages)
        assert order in text and "VALID_EXPORT" in text

        final = await client.post(
            f"/orders/{order}/finalization/final-invoice",
            {
                "invoiceDate": "2026-11-23",
                "invoiceNumber": "FIN-1",
                "vatIncluded": False,
                "amount": money(TOTAL),
            },
        )
        assert final.status_code == 201, final.text
        second = await client.export_file_until(order, 2)
        assert [v["version"] for v in second["supersededVersions"]] == [1]
        # the version the final invoice makes judges it against the decision, not against
        # today's evidence, which waits for the final invoice's PDF
        content = await http.get(second["downloadUrl"])
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content.content)).pages)
        assert "FINAL_INVOICE_VAT\nPASSED\nfinal invoice FIN-1 matches the decision" in text
        assert (await http.get(second["supersededVersions"][0]["downloadUrl"])).status_code == 200

        # finished (decided, delivered, finally invoiced), the order still takes what the
        # contract allows after the decision
        handle = stack.client.get_workflow_handle(f"order-{order}")
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        again = await client.post(
            f"/orders/{order}/finalization/regenerate-export", {"reason": "auditor's request"}
        )
        assert again.status_code == 202, again.text
        third = await client.export_file_until(order, 3)
        assert third["decision"] == "VALID_EXPORT"
        await capture_history(handle, "order_valid")

    async with stack.db.session() as session:
        row = await session.scalar(
            select(Order).where(Order.external_order_id == created["externalOrderId"])
        )
        types = list(await session.scalars(select(Event.type).where(Event.order_id == row.id)))
    assert "compliance.decision_made" in types and types.count("export_file.generated") == 3


async def test_the_invoice_endpoint_takes_a_final_invoice_under_the_finalizations_rules(
    stack: Stack,
):
    """Contract I1 and §2.3: POST .../invoice takes either type, one invoice of each per order
    (natural key (orderUuid, type)); a FINAL one follows F1's rules: 409 before the decision,
    VAT as decided, and a new Export File version."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.picked_up()
        final = {
            "type": "FINAL",
            "invoiceDate": seller_today().isoformat(),
            "invoiceNumber": "FIN-7",
            "vatIncluded": False,
            "amount": money(TOTAL),
        }
        early = await client.post(f"/orders/{order}/invoice", final)
        assert early.status_code == 409 and early.json()["code"] == "conflict", early.text

        await client.transport_evidence(order)
        assert (await client.deliver(order)).status_code == 200
        await client.compliance_until(order, lambda r: r.get("decision") == "VALID_EXPORT")
        await client.export_file_until(order, 1)
        vat = await client.post(f"/orders/{order}/invoice", final | {"vatIncluded": True})
        assert vat.status_code == 422, vat.text
        assert [e["field"] for e in vat.json()["errors"]] == ["vatIncluded"]
        # the margin scheme taxes the supply in the state of origin (Art. 139(3)): an
        # exempt supply's invoice is not under it, submitted or corrected
        margin = await client.post(f"/orders/{order}/invoice", final | {"marginScheme": True})
        assert margin.status_code == 422, margin.text
        assert [e["field"] for e in margin.json()["errors"]] == ["marginScheme"]
        stored = await client.post(f"/orders/{order}/invoice", final)
        assert stored.status_code == 201, stored.text
        assert (stored.json()["type"], stored.json()["invoiceNumber"]) == ("FINAL", "FIN-7")
        corrected = await http.patch(
            f"{client.seller}/orders/{order}/invoice",
            json={"type": "FINAL", "marginScheme": True},
            headers=key() | {"If-Match": f'"{stored.json()["version"]}"'},
        )
        assert corrected.status_code == 422, corrected.text
        assert [e["field"] for e in corrected.json()["errors"]] == ["marginScheme"]

        # one FINAL invoice per order, whichever endpoint submits it
        same = await client.post(f"/orders/{order}/finalization/final-invoice", final)
        assert same.status_code == 200 and same.json() == stored.json(), same.text
        other = await client.post(
            f"/orders/{order}/finalization/final-invoice", final | {"invoiceNumber": "FIN-8"}
        )
        assert other.status_code == 409
        assert other.json()["code"] == "resource-exists-different-body"
        invoices = (await client.get(f"/orders/{order}/invoice")).json()
        assert sorted(i["type"] for i in invoices) == ["FINAL", "PRELIMINARY"]
        await client.export_file_until(order, 2)


async def test_a_decision_stays_decided_when_the_buyer_is_blocked_later(stack: Stack):
    """Contract §12: once VALID, a later change of the buyer does not silently undo it."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        order = await client.delivered(buyer)
        decided = await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        blocked = await client.post(f"/buyers/{buyer}/block", {"reason": "fraud suspected"})
        assert blocked.status_code == 200, blocked.text
        await asyncio.sleep(1)  # the open orders hear of it by signal
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
        assert (rollup["complianceStatus"], rollup["decision"]) == ("VALID", "VALID_EXPORT")
        assert rollup["blockers"] == decided["blockers"] == []
        assert (await client.get(f"/orders/{order}")).json()["status"] == "COMPLIANCE_VALID"


async def test_a_delivery_before_the_pickup_date_is_refused(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.picked_up()
        early = await client.post(
            f"/orders/{order}/transport/delivery", {"deliveryDate": "2020-01-01"}
        )
        assert early.status_code == 422, early.text
        assert early.json()["errors"][0]["field"] == "deliveryDate"
        transport = (await client.get(f"/orders/{order}/transport")).json()
        assert "delivery" not in transport or transport["delivery"] is None


async def test_an_address_outside_the_vat_territory_and_an_early_arrival_paper_prove_nothing(
    stack: Stack,
):
    """Rule set 2026.12.2 reads the delivery address's post code (Réunion is France outside
    the EU's VAT territory) and the date a confirmation of arrival bears (one dated before
    the delivery cannot confirm it)."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.picked_up()
        transport = f"/orders/{order}/transport/documents"
        cmr = await client.upload(transport, "TRANSPORT_CMR", "CARRIER", "Speedy Trans GmbH")
        assert cmr.status_code == 201, cmr.text
        yesterday = (seller_today() - timedelta(days=1)).isoformat()
        early = await client.upload(
            transport,
            "TRANSPORT_CONFIRMATION_OF_ARRIVAL",
            "NOTARY",
            "Maître Roux, notaire",
            documentDate=yesterday,
        )
        assert early.status_code == 201, early.text
        body = {
            "deliveryDate": seller_today().isoformat(),
            "deliveryAddress": {
                "street": "2 rue de Paris",
                "postCode": "97400",
                "city": "Saint-Denis",
                "country": "FR",
            },
        }
        delivered = await client.post(f"/orders/{order}/transport/delivery", body)
        assert delivered.status_code == 200, delivered.text
        rollup = await client.compliance_until(
            order, lambda r: "NOT_INTRA_EU" in [b["code"] for b in r["blockers"]]
        )
        assert rollup["complianceStatus"] == "INCOMPLETE"
        blockers = {b["code"]: b["message"] for b in rollup["blockers"]}
        assert "(97400, FR) is in a French overseas department" in blockers["NOT_INTRA_EU"]
        assert "so it cannot attest it" in blockers["INSUFFICIENT_TRANSPORT_EVIDENCE"]


async def test_dates_at_the_ends_of_the_calendar_are_evaluated(stack: Stack):
    """The rollup answers for any date a client may send: a pickup on the calendar's first
    day (the VIES answer for the day before it). A first registration in the future is
    refused: by its date alone a used car would count as a new means of transport."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        body = client.order_body(buyer, f"deal-{uuid4()}")
        body["vins"][0]["firstRegistrationDate"] = "9999-12-31"
        refused = await client.post("/orders", body)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["vins[0].firstRegistrationDate"]

        del body["vins"][0]["firstRegistrationDate"]  # used or new: the buyer's VIES decides
        order = (await client.order(buyer, vins=body["vins"]))["uuid"]
        await client.invoice_and_payment(order)
        ready = await client.post(f"/orders/{order}/payment/ready-for-pickup")
        assert ready.status_code == 200, ready.text
        picked = await client.pickup(order, pickupDate="0001-01-01")
        assert picked.status_code == 200, picked.text
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
        assert rollup["modules"]["transport"]["pickupDate"] == "0001-01-01"
        assert "VIES_PENDING" in [b["code"] for b in rollup["blockers"]]  # none that day


async def test_a_buyer_whose_vat_number_is_invalid_makes_the_order_invalid(stack: Stack):
    tenant, http = await seller_session(stack)
    await partner_in(stack, tenant, "AT", "ATU13585627")
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(vat="DE200000005", country="DE")  # VIES: invalid
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        await client.post(f"/orders/{order}/payment/ready-for-pickup")
        assert (await client.pickup(order, country="AT")).status_code == 200
        in_transit = await client.compliance_until(
            order, lambda r: "VIES_INVALID" in {b["code"] for b in r["blockers"]}
        )
        assert in_transit["complianceStatus"] == "INCOMPLETE"  # decided once delivered
        assert "decision" not in in_transit  # null: omitted
        assert (await client.deliver(order, "DE")).status_code == 200
        rollup = await client.compliance_until(order, lambda r: r["complianceStatus"] == "INVALID")
        assert rollup["decision"] == "VAT_APPLICABLE"
        assert any(b["code"] == "VIES_INVALID" for b in rollup["blockers"])
        await client.export_file_until(order, 1)
        without_vat = await client.post(
            f"/orders/{order}/finalization/final-invoice",
            {
                "invoiceDate": "2026-11-23",
                "invoiceNumber": "F-1",
                "vatIncluded": False,
                "amount": money(TOTAL),
            },
        )
        assert without_vat.status_code == 422
        assert without_vat.json()["errors"][0]["field"] == "vatIncluded"
        with_vat = await client.post(
            f"/orders/{order}/finalization/final-invoice",
            {
                "invoiceDate": "2026-11-23",
                "invoiceNumber": "F-1",
                "vatIncluded": True,
                "amount": money(TOTAL),
            },
        )
        assert with_vat.status_code == 201, with_vat.text
        assert (await client.export_file_until(order, 2))["decision"] == "VAT_APPLICABLE"
        await capture_history(stack.client.get_workflow_handle(f"order-{order}"), "order_invalid")
    # the failed check came before the order: the buyer's event all the same, once
    async with stack.db.session() as session:
        failed = list(
            await session.scalars(select(Event).where(Event.type == "kyc.vies_check_failed"))
        )
    [event] = [e for e in failed if e.data["buyerUuid"] == buyer]
    assert event.data["previousResult"] == "PENDING" and event.data["vatNumber"] == "DE200000005"


async def test_milestones_are_immutable_and_pickup_can_be_revoked(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        early = await client.pickup(order)
        assert early.status_code == 409  # not ready for pickup yet
        await client.invoice_and_payment(order)
        await client.post(f"/orders/{order}/payment/ready-for-pickup")
        first_pickup = await client.pickup(order)
        assert first_pickup.status_code == 200
        repeat = await client.pickup(order)
        assert repeat.status_code == 409
        assert repeat.json()["type"] == PROBLEMS + "milestone-already-set"
        assert repeat.json()["currentResource"]["pickup"]["type"] == "COMPANY_TRANSPORT"
        cancel = await client.post(f"/orders/{order}/cancel", {"reason": "changed mind"})
        assert cancel.status_code == 409  # after pickup

        revoked = await client.post(
            f"/orders/{order}/transport/pickup/revoke", {"reason": "wrong truck"}
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revocations"][0]["reason"] == "wrong truck"
        assert (await client.get(f"/orders/{order}")).json()["status"] == "READY_FOR_PICKUP"
        second_pickup = await client.pickup(order)
        assert second_pickup.status_code == 200
        delivered = await client.deliver(order)
        assert delivered.status_code == 200
        assert (await client.deliver(order)).json()["type"] == PROBLEMS + "milestone-already-set"
        late_revoke = await client.post(f"/orders/{order}/transport/pickup/revoke", {"reason": "x"})
        assert late_revoke.status_code == 409
        await capture_history(stack.client.get_workflow_handle(f"order-{order}"), "order_revoked")
        # the transport as the served document describes it: pickup, delivery, the revocation
        # and a document, each in its declared shape
        await client.transport_evidence(order)
        transport = await client.get(f"/orders/{order}/transport")
        schema = Schema((await http.get("/openapi.json")).json())
        declared = {"$ref": "#/components/schemas/TransportOut"}
        assert schema.errors(declared, transport.json()) == []
        shown = transport.json()
        assert shown["pickup"]["confirmedAt"] and shown["delivery"]["confirmedAt"]
        # each address answered has its uuid (resources 0.4): the same in every answer, and
        # another one for the pickup confirmed after the revocation
        collected = [
            p.json()["pickup"]["collectionAddress"]["uuid"] for p in (first_pickup, second_pickup)
        ]
        assert collected[0] != collected[1]
        assert shown["pickup"]["collectionAddress"]["uuid"] == collected[1]
        assert (
            shown["delivery"]["deliveryAddress"]["uuid"]
            == delivered.json()["delivery"]["deliveryAddress"]["uuid"]
        )
        assert len(shown["revocations"]) == 1 and len(shown["documents"]) == 3
        for part, name in (
            (shown, "TransportOut"),
            (shown["pickup"], "PickupOut"),
            (shown["delivery"], "TransportDeliveryOut"),
            (shown["revocations"][0], "RevocationOut"),
            (shown["documents"][0], "DocumentOut"),
        ):
            assert set(part) <= schema.properties({"$ref": f"#/components/schemas/{name}"})[0]


async def test_a_second_pickup_of_a_decided_order_is_the_milestone_already_set(stack: Stack):
    """The contract's "any second call" to a milestone is 409 milestone-already-set with the
    transport, also once the order is decided and final (it was "the order is final")."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.compliance_until(order, lambda c: c["complianceStatus"] == "VALID")
        for repeat in (await client.pickup(order), await client.deliver(order)):
            assert repeat.status_code == 409
            assert repeat.json()["type"] == PROBLEMS + "milestone-already-set", repeat.text
            assert repeat.json()["currentResource"]["pickup"]["type"] == "COMPANY_TRANSPORT"


async def test_ready_for_pickup_repeated_after_pickup_and_decision_is_no_error(stack: Stack):
    """Resources section 7, P4: ready-for-pickup is "Safe to call repeatedly (idempotent, no
    error on repeat)". A client repeating it (a retry under a new Idempotency-Key, a reconciling
    job) gets the Payment back, unchanged, at any later stage of the order; once the order was
    delivered and decided the repeat was 409 "The order is final"."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        picked = await client.picked_up()
        after_pickup = await client.post(f"/orders/{picked}/payment/ready-for-pickup")
        order = await client.delivered()
        await client.compliance_until(order, lambda c: c["complianceStatus"] == "VALID", 60)
        before = (await client.get(f"/orders/{order}/payment")).json()
        after_decision = await client.post(f"/orders/{order}/payment/ready-for-pickup")
        after = (await client.get(f"/orders/{order}/payment")).json()
    for stage, answer in (("after pickup", after_pickup), ("after the decision", after_decision)):
        assert answer.status_code == 200, f"{stage}: {answer.status_code} {answer.text}"
        assert answer.json()["readyForPickup"] is True, (stage, answer.text)
    assert after_decision.json()["version"] == before["version"] == after["version"]
    assert after == before  # the repeat changed nothing


async def test_a_decided_orders_contact_can_still_be_patched_but_not_its_purchase_date(
    stack: Stack,
):
    """Resources section 5, O4: the mutable fields are `responsibleContact` and `purchaseDate`;
    section 12: "`decision` is terminal once made". Once delivered and decided, a PATCH of the
    responsible contact was 409 "The order is final" without a `currentResource`, so a client
    could not change its contact person at all. It now applies (200, version + 1) and leaves
    the decision as it was; a stale If-Match stays a version mismatch with the current order,
    and a new purchase date, which the held decision was made on, is refused, saying so."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        decided = await client.compliance_until(
            order, lambda c: c["complianceStatus"] == "VALID", 60
        )
        current = await client.get(f"/orders/{order}")
        assert current.status_code == 200, current.text
        url, etag = f"{tenant.seller}/orders/{order}", current.headers["etag"]
        contact = {"firstName": "Anna", "lastName": "Berger", "email": "anna.berger@example.com"}
        patched = await http.patch(
            url, json={"responsibleContact": contact}, headers=key() | {"If-Match": etag}
        )
        stale = await http.patch(
            url,
            json={"responsibleContact": contact | {"lastName": "Huber"}},
            headers=key() | {"If-Match": etag},
        )
        new_date = await http.patch(
            url,
            json={"purchaseDate": "2026-01-02"},
            headers=key() | {"If-Match": patched.headers["etag"]},
        )
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
    assert patched.status_code == 200, patched.text
    assert patched.json()["responsibleContact"]["lastName"] == "Berger"
    assert patched.json()["version"] == current.json()["version"] + 1
    assert rollup["decision"] == decided["decision"] == "VALID_EXPORT"
    assert stale.status_code == 409, stale.text
    assert stale.json()["type"] == PROBLEMS + "version-mismatch", stale.text
    assert stale.json()["currentResource"]["version"] == patched.json()["version"]
    assert new_date.status_code == 409, new_date.text
    problem = new_date.json()
    assert problem["type"] == PROBLEMS + "conflict", problem
    assert "decision is held" in problem["detail"], problem
    assert [e["field"] for e in problem["errors"]] == ["purchaseDate"], problem
    assert problem["currentResource"]["purchaseDate"] == current.json()["purchaseDate"]


async def test_a_refusal_by_the_orders_state_is_kept_one_by_its_if_match_is_not(stack: Stack):
    """Under one Idempotency-Key: 409 milestone-already-set (the workflow judged the order's
    state) is replayed; 409 version-mismatch (the request's If-Match) is not, and the same key
    and body with the current version apply the PATCH."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        await client.invoice_and_payment(order)
        await client.post(f"/orders/{order}/payment/ready-for-pickup")
        assert (await client.pickup(order)).status_code == 200
        pickup, pickup_key = f"{tenant.seller}/orders/{order}/transport/pickup", key()
        body = client.pickup_body()
        repeat = await http.post(pickup, json=body, headers=pickup_key)
        replayed = await http.post(pickup, json=body, headers=pickup_key)

        url, patch_key = f"{tenant.seller}/orders/{order}", key()
        version = (await client.get(f"/orders/{order}")).json()["version"]
        change = {"purchaseDate": "2026-01-02"}
        stale = await http.patch(url, json=change, headers=patch_key | {"If-Match": '"99"'})
        current = await http.patch(
            url, json=change, headers=patch_key | {"If-Match": f'"{version}"'}
        )
    assert repeat.status_code == 409
    assert repeat.json()["type"] == PROBLEMS + "milestone-already-set"
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["traceId"] == repeat.json()["traceId"]
    assert stale.status_code == 409 and stale.json()["type"] == PROBLEMS + "version-mismatch"
    assert current.status_code == 200, current.text
    assert "idempotent-replayed" not in current.headers
    assert current.json()["version"] == version + 1
    assert current.json()["purchaseDate"] == "2026-01-02"


async def test_a_refused_upload_leaves_no_file_but_shared_bytes_stay(stack: Stack):
    """A PDF uploaded to a CANCELLED order is a 409 and leaves nothing in the document store;
    bytes another document is (the store is by sha256) stay when an upload of them is refused."""
    tenant, http = await seller_session(stack)
    store = DocumentStore(stack.settings.effective_document_store_dir)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        kept = (await client.order(buyer))["uuid"]
        shared = pdf(f"CMR {uuid4()}")
        attached = await client.upload(
            f"/orders/{kept}/transport/documents", "TRANSPORT_CMR", content=shared
        )
        assert attached.status_code == 201, attached.text
        cancelled = (await client.order(buyer))["uuid"]
        answer = await client.post(f"/orders/{cancelled}/cancel", {"reason": "buyer withdrew"})
        assert answer.status_code == 200, answer.text
        new = pdf(f"CMR {uuid4()}")
        refused = await client.upload(
            f"/orders/{cancelled}/transport/documents", "TRANSPORT_CMR", content=new
        )
        refused_shared = await client.upload(
            f"/orders/{cancelled}/transport/documents", "TRANSPORT_CMR", content=shared
        )
    for answer in (refused, refused_shared):
        assert answer.status_code == 409, answer.text
    assert not store.exists(hashlib.sha256(new).hexdigest())
    assert store.get(attached.json()["sha256"]) == shared


async def test_an_upload_keeps_its_file_only_for_a_write_that_may_name_it(
    stack: Stack, tmp_path: Path
):
    """``CheckedUpload.stored``: a refusal removes the bytes it put in the store; a 503 (the
    write may still be applied) keeps them; a write that went through puts them back should a
    concurrent refused upload of the same bytes have removed them."""
    settings = stack.settings.model_copy(update={"document_store_dir": tmp_path})
    store = DocumentStore(tmp_path)

    def checked(data: bytes) -> CheckedUpload:
        inspected = inspect_upload(data, "a.pdf", "application/pdf", LIMITS)
        return CheckedUpload("TRANSPORT_CMR", None, None, None, "a.pdf", data, inspected)

    refused, unavailable, racing = (checked(pdf(f"doc {uuid4()}")) for _ in range(3))
    for upload, error in (
        (refused, UploadRefused()),
        (unavailable, Problem("service-unavailable", "away")),
    ):
        with pytest.raises(type(error)):
            async with upload.stored(settings, stack.db):
                assert store.exists(upload.inspected.sha256)
                raise error
    assert not store.exists(refused.inspected.sha256)
    assert store.exists(unavailable.inspected.sha256)
    async with racing.stored(settings, stack.db):
        store.remove(racing.inspected.sha256)  # a concurrent refused upload of the same bytes
    assert store.get(racing.inspected.sha256) == racing.data


async def test_create_is_idempotent_by_external_order_id(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        body = client.order_body(buyer, f"deal-{uuid4()}")
        answers = await asyncio.gather(*(client.post("/orders", body) for _ in range(20)))
        other = await client.post("/orders", body | {"purchaseDate": "2020-01-01"})
        # the matrix's other row: the same Idempotency-Key and body again is the cached
        # response replayed, 200
        same_key, fresh = key(), client.order_body(buyer, f"deal-{uuid4()}")
        first = await http.post(f"{client.seller}/orders", json=fresh, headers=same_key)
        retried = await http.post(f"{client.seller}/orders", json=fresh, headers=same_key)
    assert (first.status_code, retried.status_code) == (201, 200)
    assert retried.headers["idempotent-replayed"] == "true" and retried.json() == first.json()
    assert retried.headers["location"] == first.headers["location"]
    assert sorted(a.status_code for a in answers) == [200] * 19 + [201]
    assert len({a.json()["uuid"] for a in answers}) == 1
    assert other.status_code == 409
    assert other.json()["type"] == PROBLEMS + "resource-exists-different-body"
    async with stack.db.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.external_order_id == body["externalOrderId"])
        )
    assert count == 1
    handle = stack.client.get_workflow_handle(f"order-{answers[0].json()['uuid']}")
    assert (await handle.describe()).search_attributes["NT24ExternalOrderId"] == [
        body["externalOrderId"]
    ]


async def test_polling_the_rollup_answers_304_until_it_changes(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        first = await client.get(f"/orders/{order}/compliance")
        same = await client.get(
            f"/orders/{order}/compliance", headers={"If-None-Match": first.headers["etag"]}
        )
        await client.invoice_and_payment(order)
        changed = await client.get(
            f"/orders/{order}/compliance", headers={"If-None-Match": first.headers["etag"]}
        )
        order_etag = (await client.get(f"/orders/{order}")).headers["etag"]
        order_304 = await client.get(f"/orders/{order}", headers={"If-None-Match": order_etag})
    assert first.status_code == 200 and first.json()["complianceStatus"] == "INCOMPLETE"
    assert {b["code"] for b in first.json()["blockers"]} >= {"MISSING_INVOICE"}
    assert same.status_code == 304 and same.headers["etag"] == first.headers["etag"]
    assert changed.status_code == 200 and changed.json()["version"] > first.json()["version"]
    assert order_304.status_code == 304


async def test_bad_vins_ibans_and_documents_are_422_naming_the_field(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        bad_vin = await client.post(
            "/orders", client.order_body(buyer, "bad-vin", vins=[{"vin": "WVWZZZ1KZAW00000I"}])
        )
        two_vins = await client.post(
            "/orders",
            client.order_body(
                buyer, "two", vins=[{"vin": "WVWZZZ1KZAW000001"}, {"vin": "WVWZZZ1KZAW000002"}]
            ),
        )
        order = (await client.order(buyer))["uuid"]
        bad_iban = await client.post(
            f"/orders/{order}/payment",
            {
                "paymentDate": "2026-11-20",
                "bankAmount": money(1),
                "cashAmount": money(0),
                "sourceIban": "DE00123",
            },
        )
        not_pdf = await client.upload(
            f"/orders/{order}/transport/documents",
            "TRANSPORT_CMR",
            content=b"hello",
            file_name="cmr.pdf",
        )
        wrong_type = await client.upload(
            f"/orders/{order}/transport/documents", "PAYMENT_CONFIRMATION"
        )
        foreign = await http.get(f"{tenant.seller}/orders/{uuid4()}")
    assert bad_vin.status_code == 422 and bad_vin.json()["errors"][0]["field"] == "vins[0].vin"
    assert (
        two_vins.status_code == 403 and two_vins.json()["type"] == PROBLEMS + "capability-required"
    )
    assert bad_iban.status_code == 422 and bad_iban.json()["errors"][0]["field"] == "sourceIban"
    assert not_pdf.status_code == 422 and not_pdf.json()["errors"][0]["field"] == "file"
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["field"] == "type"
    assert foreign.status_code == 404


async def test_documents_round_trip_and_supersede(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        bytes_1, bytes_2 = pdf("first CMR"), pdf("second CMR")
        first = await client.upload(
            f"/orders/{order}/transport/documents", "TRANSPORT_CMR", content=bytes_1
        )
        second = await client.upload(
            f"/orders/{order}/transport/documents", "TRANSPORT_CMR", content=bytes_2
        )
        listing = (await client.get(f"/orders/{order}/documents")).json()
        content = await client.get(f"/orders/{order}/documents/{first.json()['uuid']}/content")
    assert first.json()["issuerType"] == "CARRIER"  # the default for a CMR
    statuses = {d["uuid"]: d["status"] for d in listing}
    assert statuses == {first.json()["uuid"]: "SUPERSEDED", second.json()["uuid"]: "ACTIVE"}
    assert content.content == bytes_1


async def test_a_document_download_answers_304_when_if_none_match_names_its_etag(stack: Stack):
    """Contract section 17: If-None-Match on every GET that returns an ETag. A download's ETag
    is its bytes' sha256: named (alone, in a list, weakly, or as ``*``) it is a 304 with the
    same ETag and no body; another one gets the bytes."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        content = pdf("a CMR")
        uploaded = await client.upload(
            f"/orders/{order}/transport/documents", "TRANSPORT_CMR", content=content
        )
        url = f"/orders/{order}/documents/{uploaded.json()['uuid']}/content"
        first = await client.get(url)
        tag = first.headers["etag"]
        cached = [
            await client.get(url, headers={"If-None-Match": value})
            for value in (tag, f'"other", W/{tag}', "*")
        ]
        changed = await client.get(url, headers={"If-None-Match": '"other"'})
    assert first.status_code == 200 and tag == f'"{hashlib.sha256(content).hexdigest()}"'
    for answer in cached:
        assert answer.status_code == 304 and answer.content == b""
        assert answer.headers["etag"] == tag
    assert changed.status_code == 200 and changed.content == content


async def test_a_download_whose_stored_file_was_damaged_or_lost_says_so_and_is_not_a_500(
    stack: Stack,
):
    """A stored file changed after it was sealed is never served as evidence: the download
    is a 409 saying so; one missing from the store is a 404 naming the file. Both were 500s.
    Restored, the same download gives the bytes again."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        content = pdf("a CMR to damage")
        uploaded = await client.upload(
            f"/orders/{order}/transport/documents", "TRANSPORT_CMR", content=content
        )
        url = f"/orders/{order}/documents/{uploaded.json()['uuid']}/content"
        path = DocumentStore(stack.settings.effective_document_store_dir).path(
            hashlib.sha256(content).hexdigest()
        )
        try:
            path.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))
            damaged = await client.get(url)
            path.unlink()
            lost = await client.get(url)
        finally:
            path.write_bytes(content)
        restored = await client.get(url)
    assert damaged.status_code == 409, damaged.text
    assert damaged.headers["content-type"] == "application/problem+json"
    assert damaged.json()["type"].endswith("/conflict")
    assert "not served as evidence" in damaged.json()["detail"]
    assert lost.status_code == 404, lost.text
    assert "missing from the document store" in lost.json()["detail"]
    assert restored.status_code == 200 and restored.content == content


async def test_an_unknown_type_filter_or_a_repeated_upload_field_is_422_naming_it(stack: Stack):
    """The documents list's ``type`` is one of the types an upload takes: another is a 422
    naming it, as ``status`` is, not an empty list. An upload repeating a single-valued field
    (two types) is a 422 naming it, not stored as the last one; ``vins`` may repeat. A
    ``documentDate`` in the future is a 422 naming it."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        bogus = await client.get(f"/orders/{order}/documents", params={"type": "BOGUS"})
        known = await client.get(f"/orders/{order}/documents", params={"type": "ORDER_OTHER"})
        twice = await http.post(
            f"{tenant.seller}/orders/{order}/documents",
            data={"type": ["ORDER_OTHER", "TRANSPORT_CMR"], "vins": ["WVWZZZ1KZAW000001"] * 2},
            files={"file": ("a.pdf", pdf("twice"), "application/pdf")},
            headers=key(),
        )
        ahead = await http.post(
            f"{tenant.seller}/orders/{order}/transport/documents",
            data={"type": "TRANSPORT_CMR_DELIVERY", "documentDate": "2999-01-01"},
            files={"file": ("a.pdf", pdf("ahead"), "application/pdf")},
            headers=key(),
        )
        listed = (await client.get(f"/orders/{order}/documents")).json()
    # a paper dated after today anywhere on earth attests what has not happened
    assert ahead.status_code == 422, ahead.text
    assert [e["field"] for e in ahead.json()["errors"]] == ["documentDate"]
    assert bogus.status_code == 422, bogus.text
    assert [e["field"] for e in bogus.json()["errors"]] == ["type"]
    assert known.status_code == 200 and known.json() == []
    assert twice.status_code == 422, twice.text
    assert [e["field"] for e in twice.json()["errors"]] == ["type"]
    assert twice.json()["errors"][0]["rejectedValue"] == ["ORDER_OTHER", "TRANSPORT_CMR"]
    assert listed == []


async def test_orders_are_found_by_vin_across_orders(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        one = await client.order(buyer)
        two = await client.order(buyer)
        found = (await client.get("/orders", params={"vin": "WVWZZZ1KZAW000001"})).json()
        short = await client.get("/orders", params={"vin": "WVWZZZ"})
        patched = await http.patch(
            f"{tenant.seller}/orders/{one['uuid']}",
            json={"purchaseDate": "2026-01-02"},
            headers=key() | {"If-Match": '"0"'},
        )
        stale = await http.patch(
            f"{tenant.seller}/orders/{one['uuid']}",
            json={"purchaseDate": "2026-01-03"},
            headers=key() | {"If-Match": '"0"'},
        )
    assert {o["uuid"] for o in found["data"]} == {one["uuid"], two["uuid"]}
    assert found["pagination"]["totalElements"] == 2
    assert short.status_code == 422
    assert patched.status_code == 200 and patched.json()["version"] == 1
    assert patched.json()["purchaseDate"] == "2026-01-02"
    assert stale.status_code == 409 and stale.json()["currentResource"]["version"] == 1


async def test_a_patch_refuses_what_cannot_change_and_one_changing_nothing_keeps_the_version(
    stack: Stack,
):
    """Contract O4: a PATCH changes responsibleContact and purchaseDate only; any other field of
    the order is refused (422 naming it) and nothing is written. Conventions §2.4: the version
    counts changes, so a PATCH that changes nothing answers the resource as it is."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        await client.invoice_and_payment(order)

        async def current(path: str) -> dict:
            body = (await client.get(f"/orders/{order}{path}")).json()
            return body[0] if isinstance(body, list) else body

        async def patch(path: str, body: dict, version: int) -> httpx.Response:
            return await http.patch(
                f"{tenant.seller}/orders/{order}{path}",
                json=body,
                headers=key() | {"If-Match": f'"{version}"'},
            )

        before = await current("")
        for body, field in (
            ({"totalAmount": money(TOTAL + 1)}, "totalAmount"),
            ({"vins": []}, "vins"),
            ({"buyerId": str(uuid4())}, "buyerId"),
            ({"externalOrderId": "another", "purchaseDate": "2026-01-02"}, "externalOrderId"),
        ):
            refused = await patch("", body, before["version"])
            assert refused.status_code == 422, refused.text
            assert [e["field"] for e in refused.json()["errors"]] == [field]
        assert await current("") == before

        payment = await current("/payment")
        for path, body in (
            ("", {}),
            ("", {"purchaseDate": before["purchaseDate"]}),
            ("/invoice", {"type": "PRELIMINARY"}),
            ("/payment", {}),
            ("/payment", {"paymentDate": payment["paymentDate"], "cashAmount": money(0)}),
        ):
            shown = await current(path)
            same = await patch(path, body, shown["version"])
            assert same.status_code == 200, same.text
            assert same.json() == shown and same.headers["etag"] == f'"{shown["version"]}"', body
            assert await current(path) == shown

        changed = await patch("", {"purchaseDate": "2026-01-02"}, before["version"])
        assert changed.status_code == 200 and changed.json()["version"] == before["version"] + 1
    await capture_history(
        stack.client.get_workflow_handle(f"order-{order}"), "order_patch_unchanged"
    )


async def test_open_orders_follow_their_buyers_kyc_without_a_client_call(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]

        def codes(rollup: dict) -> set[str]:
            return {b["code"] for b in rollup["blockers"]}

        assert "KYC_INCOMPLETE" in codes((await client.get(f"/orders/{order}/compliance")).json())
        await client.kyc_documents(buyer)
        await client.compliance_until(order, lambda r: "KYC_INCOMPLETE" not in codes(r))
        # no body: the contract shows none for the block
        blocked = await client.post(f"/buyers/{buyer}/block")
        assert (blocked.status_code, blocked.json()["status"]) == (200, "BLOCKED"), blocked.text
        await client.compliance_until(order, lambda r: "BUYER_BLOCKED" in codes(r))


async def test_a_self_pickup_with_the_buyers_declaration_reaches_valid(stack: Stack):
    """The buyer-signed pickup declaration is the buyer's written statement of Art. 45a(1)(b)
    when it names the VIN and the destination: with two independent carriers' papers and a
    confirmation of arrival the order is VALID, no second statement document needed."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        created = await client.order(await client.buyer())
        order, vin = created["uuid"], created["vins"][0]["vin"]
        await client.invoice_and_payment(order)
        await client.post(f"/orders/{order}/payment/ready-for-pickup")
        assert (await client.pickup(order, "SELF_PICKUP")).status_code == 200
        for type_, issuer, name in (
            ("TRANSPORT_PICKUP_DECLARATION", "BUYER", "Garage Dupont SARL"),
            ("TRANSPORT_CMR", "CARRIER", "Speedy Trans GmbH"),
            ("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Rhône Logistique SAS"),
            ("TRANSPORT_CONFIRMATION_OF_ARRIVAL", "CARRIER", "Rhône Logistique SAS"),
        ):
            naming: dict[str, str | list[str]] = (
                {"vins": [vin], "destinationCountry": "FR"} if issuer == "BUYER" else {}
            )
            answer = await client.upload(
                f"/orders/{order}/transport/documents", type_, issuer, name, **naming
            )
            assert answer.status_code == 201, answer.text
        assert (await client.deliver(order)).status_code == 200
        rollup = await client.compliance_until(
            order, lambda r: r["complianceStatus"] != "INCOMPLETE"
        )
    assert (rollup["complianceStatus"], rollup["decision"]) == ("VALID", "VALID_EXPORT")


async def test_a_german_buyer_of_a_german_seller_is_a_warning_until_the_collection(stack: Stack):
    """A new order is CREATED and PENDING whatever the countries; the same-country sale is a
    warning, and the order can still be cancelled before pickup."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        created = await client.order(await client.buyer(vat="DE129273398", country="DE"))
        assert (created["status"], created["version"]) == ("CREATED", 0)
        assert created["vins"][0]["complianceStatus"] == "PENDING"
        order = created["uuid"]
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
        assert rollup["complianceStatus"] == "INCOMPLETE" and "decision" not in rollup
        assert "BUYER_IN_SELLER_COUNTRY" in {b["code"] for b in rollup["blockers"]}
        export = await client.get(f"/orders/{order}/finalization/export-file")
        assert export.json().get("status") != "READY"
        cancelled = await client.post(f"/orders/{order}/cancel", {"reason": "taxable at home"})
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "CANCELLED"
        await capture_history(stack.client.get_workflow_handle(f"order-{order}"), "order_cancelled")


async def test_the_temporal_ui_tells_the_orders_story(stack: Stack):
    """An operator reads the order in the Temporal UI: its current details name the order,
    where it stands and what blocks it; the history's activities and children say what they
    did."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.export_file_until(order, 1)
    handle = stack.client.get_workflow_handle(f"order-{order}")
    metadata = await handle.query(
        "__temporal_workflow_metadata", result_type=temporalio.api.sdk.v1.WorkflowMetadata
    )
    details = metadata.current_details
    assert "Status **COMPLIANCE_VALID**" in details and "**VALID_EXPORT**" in details
    assert "WVWZZZ1KZAW000001" in details and "rule set 2026.12" in details
    summaries = []
    async for event in handle.fetch_history_events():
        await decode_message(DATA_CONVERTER.payload_codec, event)  # encrypted on the server
        if event.user_metadata.HasField("summary"):
            summaries.append(json.loads(event.user_metadata.summary.data))
    assert any(s.startswith("Render Export File v1 (VALID_EXPORT)") for s in summaries)
    assert any(s.startswith("Write revision") for s in summaries)


async def test_a_payment_is_judged_against_the_ibans_the_buyer_paid_from_before_it(
    stack: Stack,
):
    """Contract 7: the source IBAN is consistent with those previously seen for this buyer.
    An order took the buyer's IBANs once, when it was created: a second order created before
    the first was paid took its payment from a new account as "the buyer's first IBAN", and
    could decide VALID."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        first = (await client.order(buyer))["uuid"]
        second = (await client.order(buyer))["uuid"]  # created before the first is paid
        await client.invoice_and_payment(first)  # from DE89 3704 ...
        paid = await client.post(
            f"/orders/{second}/payment",
            {
                "paymentDate": seller_today().isoformat(),
                "bankAmount": money(TOTAL),
                "cashAmount": money(0),
                "sourceIban": "FR1420041010050500013M02606",
            },
        )
        assert paid.status_code == 201, paid.text
        payment = (await client.get(f"/orders/{second}/payment")).json()
        compliance = (await client.get(f"/orders/{second}/compliance")).json()
        # a correction of the first payment keeps what was seen before it: the second
        # order's account came later
        read = await client.get(f"/orders/{first}/payment")
        corrected = await http.patch(
            f"{tenant.seller}/orders/{first}/payment",
            json={"paymentDate": (seller_today() - timedelta(days=1)).isoformat()},
            headers=key() | {"If-Match": read.headers["ETag"]},
        )
        assert corrected.status_code == 200, corrected.text
        first_payment = (await client.get(f"/orders/{first}/payment")).json()
    assert payment["ibanConsistent"] is False and "newIbanDeclared" not in payment
    assert "IBAN_INCONSISTENT" in {b["code"] for b in compliance["blockers"]}
    assert first_payment["ibanConsistent"] is True


async def test_a_payment_from_a_new_account_is_consistent_once_declared_new(stack: Stack):
    """Contract P5: the source IBAN is consistent with those seen before for this buyer "or a
    declared new one". Nothing could declare one: a buyer that changed banks left its order
    INCOMPLETE for good, unless the IBAN was corrected to an old, false one."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        first = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(first)  # from DE89 3704 ...
        second = (await client.order(buyer))["uuid"]
        new_account = {
            "paymentDate": seller_today().isoformat(),
            "bankAmount": money(TOTAL),
            "cashAmount": money(0),
            "sourceIban": "FR1420041010050500013M02606",
        }
        paid = await client.post(f"/orders/{second}/payment", new_account)
        assert paid.status_code == 201, paid.text

        async def iban_blocked() -> bool:
            rollup = (await client.get(f"/orders/{second}/compliance")).json()
            return "IBAN_INCONSISTENT" in {b["code"] for b in rollup["blockers"]}

        assert await iban_blocked()

        async def patch(body: dict[str, Any]) -> dict[str, Any]:
            read = await client.get(f"/orders/{second}/payment")
            patched = await http.patch(
                f"{tenant.seller}/orders/{second}/payment",
                json=body,
                headers=key() | {"If-Match": read.headers["ETag"]},
            )
            assert patched.status_code == 200, patched.text
            return patched.json()

        declared = await patch({"newIbanDeclared": True})
        assert declared["newIbanDeclared"] is True and declared["ibanConsistent"] is True
        assert not await iban_blocked()
        # the declaration is of that IBAN: another one is judged anew
        moved = await patch({"sourceIban": "NL91ABNA0417164300"})
        assert "newIbanDeclared" not in moved and moved["ibanConsistent"] is False
        assert await iban_blocked()
        # and a payment submitted with its declaration is consistent from the start
        third = (await client.order(buyer))["uuid"]
        answer = await client.post(
            f"/orders/{third}/payment", new_account | {"newIbanDeclared": True}
        )
        assert answer.status_code == 201 and answer.json()["ibanConsistent"] is True
