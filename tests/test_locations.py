"""Every 201 that creates a resource answers ``Location``: the created resource's URL, or the
read that shows it where the contract has no read of the one resource (api/shared/locations.py)."""

from __future__ import annotations

from uuid import uuid4

import httpx

from tests.conftest import Stack
from tests.order_flow import OrderClient, money, seller_session
from tests.test_payment_orders import make_seller, order_request


async def test_the_openapi_documents_location_on_every_201(stack: Stack):
    async with stack.http() as http:
        document = (await http.get("/openapi.json")).json()
    created = {
        f"{method.upper()} {path}": operation["responses"]["201"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "201" in operation.get("responses", {})
    }
    assert len(created) >= 10, sorted(created)
    undocumented = [
        operation
        for operation, answer in created.items()
        if "Location" not in answer.get("headers", {})
    ]
    assert undocumented == []


async def located(http: httpx.AsyncClient, answer: httpx.Response, expected: str) -> None:
    """A 201 with ``Location: expected``, which reads back (200)."""
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"] == expected
    assert (await http.get(expected)).status_code == 200, expected


async def test_each_nt24_creation_answers_its_location(stack: Stack):
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        seller = tenant.seller

        buyer = await client.post(
            "/buyers",
            {
                "kycMode": "MARKETPLACE_LED",
                "vatNumber": "FR40303265045",
                "companyName": "Garage Dupont SARL",
                "address": {
                    "street": "1 rue",
                    "postCode": "75002",
                    "city": "Paris",
                    "country": "FR",
                },
            },
        )
        buyer_id = buyer.json()["uuid"]
        await located(http, buyer, f"{seller}/buyers/{buyer_id}")

        kyc = await client.upload(f"/buyers/{buyer_id}/kyc/documents", "COC_EXTRACT")
        document = kyc.json()["uuid"]
        await located(http, kyc, f"{seller}/buyers/{buyer_id}/kyc/documents/{document}/content")

        contact = await client.post(
            f"/buyers/{buyer_id}/contacts",
            {"firstName": "Anne", "lastName": "Dupont", "email": "anne@example.com"},
        )
        await located(http, contact, f"{seller}/buyers/{buyer_id}/contacts")

        body = client.order_body(buyer_id, f"deal-{uuid4()}")
        order = await client.post("/orders", body)
        order_id = order.json()["uuid"]
        await located(http, order, f"{seller}/orders/{order_id}")
        replay = await client.post("/orders", body)  # the same order again: 200, no Location
        assert replay.status_code == 200 and "Location" not in replay.headers

        invoice = await client.post(
            f"/orders/{order_id}/invoice",
            {
                "type": "PRELIMINARY",
                "invoiceDate": body["purchaseDate"],
                "invoiceNumber": f"INV-{uuid4().hex[:6]}",
                "vatIncluded": False,
                "amount": money(body["totalAmount"]["value"]),
            },
        )
        await located(http, invoice, f"{seller}/orders/{order_id}/invoice")

        pdf = await client.upload(
            f"/orders/{order_id}/invoice/documents", "SHIPMENT_PRELIMINARY_INVOICE"
        )
        document = pdf.json()["uuid"]
        await located(http, pdf, f"{seller}/orders/{order_id}/documents/{document}/content")

        payment = await client.post(
            f"/orders/{order_id}/payment",
            {
                "paymentDate": body["purchaseDate"],
                "bankAmount": money(body["totalAmount"]["value"]),
                "cashAmount": money(0),
                "sourceIban": "DE89 3704 0044 0532 0130 00",
            },
        )
        await located(http, payment, f"{seller}/orders/{order_id}/payment")

        webhook = await http.post(
            "/v1/webhooks",
            json={"url": "https://hooks.example.com/nt24", "events": ["compliance.*"]},
            headers={"Idempotency-Key": str(uuid4())},
        )
        await located(http, webhook, f"/v1/webhooks/{webhook.json()['id']}")


async def test_a_notyd_order_request_answers_its_orders_location(stack: Stack):
    seller = await make_seller(stack, stack.db)
    async with stack.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=order_request())
        uuid = answer.json()["uuid"]
        await located(http, answer, f"/v1/api/orders/{uuid}/")
