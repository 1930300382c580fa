"""Paths the saved-history corpus (tests/histories/, replayed by tests/test_replay.py) must hold
and that no other test walks on its own: a payout run, a webhook fan-out and sweep, an order
whose order, invoice and payment are corrected with PATCH, and an order driven by the web app's
forms. Each test checks its path end to end, then keeps the run's history with
``NT24_CAPTURE_HISTORIES=1``."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import httpx

from activities.webhooks.delivery import start_sweep
from store.models import Partner
from store.webhooks.events import record_event
from tests.conftest import Stack, capture_history, serving
from tests.order_flow import TOTAL, OrderClient, key, seller_session, seller_today
from tests.payment_invoices import captured_invoice, invoice_row, seller
from tests.test_payment_money import pay
from tests.test_web_staff_forms import order_changes, web_session
from tests.test_webhooks import Receiver, deliveries, register, verified
from workflows.payments.activities import PayoutRunInput
from workflows.payments.payouts import PayoutRunResult, PayoutRunWorkflow
from workflows.webhooks.activities import FAN_OUT_WORKFLOW, Batch

KYC_DONE = "kyc.verification_completed"


async def test_a_payout_run_passes_a_paid_invoice_on_to_its_seller(stack: Stack):
    shop = await seller(stack.db)
    paid = await captured_invoice(stack.db, datetime.now(UTC), total=250_00, partner=shop)
    await pay(stack, paid.payment_reference, 250_00)
    handle = await stack.client.start_workflow(
        PayoutRunWorkflow.run,
        PayoutRunInput(),
        id=f"payout-run-test-{uuid4().hex[:8]}",
        task_queue=stack.settings.task_queue,
    )
    result: PayoutRunResult = await handle.result()
    async with stack.db.session() as session:
        partner = await session.get_one(Partner, shop[1])
    mine = [(p.amount, p.invoices) for p in result.payouts if p.partner_uuid == str(partner.uuid)]
    assert mine == [(250_00, 1)]
    assert (await invoice_row(stack.db, paid.uuid)).payment_status == "paid_to_seller_settled"
    await capture_history(handle, "payout_run")


async def _recorded(stack: Stack, organization_id: int, partner_id: int) -> str:
    """An event as a producer writes it, without the kick that would fan it out."""
    async with stack.db.transaction() as session:
        event = record_event(
            session,
            organization_id,
            KYC_DONE,
            {"buyerUuid": str(uuid4()), "outcome": "VERIFIED"},
            datetime.now(UTC),
            partner_id=partner_id,
        )
    return event.id


async def test_a_fan_out_and_a_sweep_each_deliver_a_recorded_event(stack: Stack):
    receiver = Receiver()
    async with serving(receiver.app) as base:
        tenant, http = await seller_session(stack)
        async with http:
            endpoint = await register(http, f"{base}/hooks/kyc", [KYC_DONE])
            org, partner = tenant.org.id, tenant.partner.id

            # the fan-out a producer kicks right after writing its events
            first = await _recorded(stack, org, partner)
            fan_out = await stack.client.start_workflow(
                FAN_OUT_WORKFLOW,
                Batch(),
                id=f"webhook-fanout-{first}",
                task_queue=stack.settings.task_queue,
                result_type=int,
            )
            await fan_out.result()
            calls = await receiver.wait_for("kyc", 1)
            assert verified(endpoint["secret"], calls[0])["id"] == first

            # the sweep, as on resume: it fans out what no kick did
            second = await _recorded(stack, org, partner)
            sweep_id = f"webhook-sweep-test-{uuid4().hex[:8]}"
            await start_sweep(stack.client, stack.settings, sweep_id)
            sweep = stack.client.get_workflow_handle(sweep_id)
            await sweep.result()
            calls = await receiver.wait_for("kyc", 2)
            assert {verified(endpoint["secret"], c)["id"] for c in calls} == {first, second}

            async def all_delivered() -> bool:
                rows = await deliveries(http, endpoint)
                return len(rows) == 2 and all(d["status"] == "DELIVERED" for d in rows)

            async with asyncio.timeout(30):
                while not await all_delivered():
                    await asyncio.sleep(0.1)
    await capture_history(fan_out, "webhook_fan_out")
    await capture_history(sweep, "webhook_sweep")


async def _version(client: OrderClient, path: str) -> int:
    answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return (body[0] if isinstance(body, list) else body)["version"]


async def _patch(client: OrderClient, path: str, body: dict[str, Any], version: int) -> dict:
    answer = await client.http.patch(
        f"{client.seller}{path}", json=body, headers=key() | {"If-Match": f'"{version}"'}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_an_orders_order_invoice_and_payment_are_corrected_with_patch(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        await client.invoice_and_payment(order)
        base = f"/orders/{order}"
        yesterday = date.fromordinal(seller_today().toordinal() - 1).isoformat()

        version = await _version(client, base)
        patched = await _patch(client, base, {"purchaseDate": yesterday}, version)
        assert patched["purchaseDate"] == yesterday and patched["version"] == version + 1

        version = await _version(client, f"{base}/invoice")
        body = {"type": "PRELIMINARY", "invoiceNumber": "INV-CORRECTED"}
        invoice = await _patch(client, f"{base}/invoice", body, version)
        assert invoice["invoiceNumber"] == "INV-CORRECTED" and invoice["version"] == version + 1

        version = await _version(client, f"{base}/payment")
        body = {"paymentDate": yesterday, "sourceIban": "FR76 3000 6000 0112 3456 7890 189"}
        payment = await _patch(client, f"{base}/payment", body, version)
        assert payment["paymentDate"] == yesterday and payment["version"] == version + 1

        ready = await client.post(f"{base}/payment/ready-for-pickup")
        assert ready.status_code == 200, ready.text
    await capture_history(stack.client.get_workflow_handle(f"order-{order}"), "order_patched")


async def _form(web: httpx.AsyncClient, token: str, order: str, action: str, **fields: Any) -> None:
    answer = await web.post(f"/app/orders/{order}/{action}", data={"csrf_token": token} | fields)
    assert answer.status_code == 303, f"{action}: {answer.status_code} {answer.text[-2000:]}"


async def test_an_order_driven_by_the_web_apps_commands(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        base = f"/orders/{order}"
        today = seller_today().isoformat()
        amount = str(TOTAL // 100)  # whole euros: read the same in every locale
        async with web_session(stack) as (web, token):
            await _form(
                web,
                token,
                order,
                "invoice",
                invoiceDate=today,
                invoiceNumber="INV-WEB-1",
                amount=amount,
            )
            await _form(
                web,
                token,
                order,
                "invoice-edit",  # the whole form, as the page sends it filled in
                type="PRELIMINARY",
                invoiceDate=today,
                invoiceNumber="INV-WEB-2",
                amount=amount,
                version=str(await _version(client, f"{base}/invoice")),
            )
            await _form(
                web,
                token,
                order,
                "payment",
                paymentDate=today,
                bankAmount=amount,
                cashAmount="0",
                sourceIban="DE89 3704 0044 0532 0130 00",
            )
            await _form(
                web,
                token,
                order,
                "payment-edit",  # the whole form, as the page sends it filled in
                paymentDate=today,
                bankAmount=amount,
                cashAmount="0",
                sourceIban="FR76 3000 6000 0112 3456 7890 189",
                version=str(await _version(client, f"{base}/payment")),
            )
            await _form(
                web,
                token,
                order,
                "edit",
                purchaseDate=today,
                version=str(await _version(client, base)),
            )
            for path, type_ in (
                ("/invoice/documents", "SHIPMENT_PRELIMINARY_INVOICE"),
                ("/payment/documents", "PAYMENT_CONFIRMATION"),
            ):
                uploaded = await client.upload(base + path, type_)
                assert uploaded.status_code == 201, uploaded.text
            await _form(web, token, order, "ready-for-pickup")
            await _form(
                web,
                token,
                order,
                "pickup",
                type="COMPANY_TRANSPORT",
                pickupDate=today,
                driverIdentification="DE-FR-2026-1234",
                **{
                    "collectionAddress.street": "Hauptstr. 1",
                    "collectionAddress.postCode": "10115",
                    "collectionAddress.city": "Berlin",
                    "collectionAddress.country": "DE",
                },
            )
            await client.transport_evidence(order)
            await _form(
                web,
                token,
                order,
                "delivery",
                deliveryDate=today,
                **{
                    "deliveryAddress.street": "12 quai Perrache",
                    "deliveryAddress.postCode": "69002",
                    "deliveryAddress.city": "Lyon",
                    "deliveryAddress.country": "FR",
                },
            )
        rollup = await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        assert rollup["decision"] == "VALID_EXPORT"
        await client.export_file_until(order, 1)
        invoice = (await client.get(f"{base}/invoice")).json()[0]
        assert invoice["invoiceNumber"] == "INV-WEB-2"
        payment = (await client.get(f"{base}/payment")).json()
        assert payment["sourceIban"].replace(" ", "").startswith("FR76")
    sources = {c.source for c in await order_changes(stack, order)}
    assert {"API", "WEB_APP"} <= sources
    await capture_history(
        stack.client.get_workflow_handle(f"order-{order}"), "order_web_app_commands"
    )
