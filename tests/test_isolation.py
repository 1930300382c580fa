"""Order isolation in the NT24 API, end to end: an order is its partner's. Another organization
(on the owner's partner path or its own) and another partner of the same organization get 404
on every read, command, document, the compliance rollup and the Export File, and the order is
left as it was."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import httpx

from tests.conftest import Stack
from tests.order_flow import TOTAL, OrderClient, key, money, seller_session, seller_today


def invoice_body(type_: str = "PRELIMINARY") -> dict[str, Any]:
    return {
        "type": type_,
        "invoiceDate": seller_today().isoformat(),
        "invoiceNumber": f"INV-{uuid4().hex[:6]}",
        "vatIncluded": False,
        "amount": money(TOTAL),
    }


def payment_body() -> dict[str, Any]:
    return {
        "paymentDate": seller_today().isoformat(),
        "bankAmount": money(TOTAL),
        "cashAmount": money(0),
        "sourceIban": "DE89 3704 0044 0532 0130 00",
    }


async def everything(
    intruder: OrderClient, order: str, version: int, document: str
) -> dict[str, httpx.Response]:
    """Every read and command on ``order`` through ``intruder``'s path and token, with bodies
    the owner could send."""
    base = f"/orders/{order}"
    match = {"If-Match": f'"{version}"'}
    http, seller = intruder.http, intruder.seller
    answers: dict[str, httpx.Response] = {}
    for path in (
        "",
        "/invoice",
        "/payment",
        "/transport",
        "/compliance",
        "/documents",
        f"/documents/{document}/content",
        "/finalization/export-file",
        "/finalization/export-file/versions/1/content",
    ):
        answers[f"GET {path}"] = await intruder.get(base + path)
    answers["PATCH"] = await http.patch(
        f"{seller}{base}", json={"responsibleContact": None}, headers=key() | match
    )
    answers["cancel"] = await intruder.post(f"{base}/cancel", {"reason": "not yours"})
    answers["invoice"] = await intruder.post(f"{base}/invoice", invoice_body("FINAL"))
    answers["PATCH invoice"] = await http.patch(
        f"{seller}{base}/invoice", json=invoice_body(), headers=key() | match
    )
    answers["payment"] = await intruder.post(f"{base}/payment", payment_body())
    answers["PATCH payment"] = await http.patch(
        f"{seller}{base}/payment", json=payment_body(), headers=key() | match
    )
    answers["ready-for-pickup"] = await intruder.post(f"{base}/payment/ready-for-pickup")
    answers["pickup"] = await intruder.pickup(order)
    answers["revoke"] = await intruder.post(f"{base}/transport/pickup/revoke", {"reason": "x"})
    answers["delivery"] = await intruder.deliver(order)
    answers["final-invoice"] = await intruder.post(
        f"{base}/finalization/final-invoice", invoice_body("FINAL")
    )
    answers["regenerate-export"] = await intruder.post(f"{base}/finalization/regenerate-export")
    for path, type_ in (
        ("/invoice/documents", "SHIPMENT_PRELIMINARY_INVOICE"),
        ("/payment/documents", "PAYMENT_CONFIRMATION"),
        ("/transport/documents", "TRANSPORT_CMR"),
        ("/documents", "SHIPMENT_INVOICE"),
    ):
        answers[f"upload {path}"] = await intruder.upload(base + path, type_, "CARRIER", "X AG")
    return answers


async def test_another_organization_and_another_partner_get_404_on_an_order(stack: Stack):
    owner, http = await seller_session(stack)
    stranger, stranger_http = await seller_session(stack)
    async with http, stranger_http:
        client = OrderClient(stack, owner, http)
        buyer = await client.buyer()
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        assert (await client.post(f"/orders/{order}/payment/ready-for-pickup")).status_code == 200
        assert (await client.pickup(order)).status_code == 200
        await client.transport_evidence(order)
        assert (await client.deliver(order)).status_code == 200
        await client.compliance_until(order, lambda r: r.get("complianceStatus") == "VALID")
        await client.export_file_until(order, 1)
        before = (await client.get(f"/orders/{order}")).json()
        documents = (await client.get(f"/orders/{order}/documents")).json()
        rows = documents["data"] if isinstance(documents, dict) else documents
        document = rows[0]["uuid"]
        content = await client.get(f"/orders/{order}/documents/{document}/content")
        assert content.status_code == 200

        def on(path_of: Any, http_of: httpx.AsyncClient) -> OrderClient:
            return OrderClient(stack, SimpleNamespace(seller=path_of), http_of)  # type: ignore[arg-type]

        intruders = {
            # another organization, on the owner's partner path and on its own partner's
            "other organization, owner's partner": on(owner.seller, stranger_http),
            "other organization, its partner": on(stranger.seller, stranger_http),
            # the same organization's client, acting for another of its partners
            "same organization, other partner": on(
                f"/v1/partners/{owner.other_partner.uuid}", http
            ),
        }
        for who, intruder in intruders.items():
            answers = await everything(intruder, order, before["version"], document)
            # the owner's partner path is not the other organization's at all: 403 forbidden
            # for any order on it (nt24-resources.md: a sellerId outside the authorized
            # partners is 403), the same answer whether the order exists or not
            expected = 403 if who == "other organization, owner's partner" else 404
            leaks = {
                what: (answer.status_code, answer.text[:200])
                for what, answer in answers.items()
                if answer.status_code != expected
            }
            assert leaks == {}, who
            for answer in answers.values():
                assert answer.headers["content-type"].startswith("application/problem+json")
                problem = answer.json()
                assert problem["code"] == ("forbidden" if expected == 403 else "not-found")
            # the same answer as for an order that does not exist: nothing is learnt from it
            missing = str(uuid4())
            unknown = await intruder.get(f"/orders/{missing}")
            assert unknown.status_code == expected
            said = unknown.json()["detail"].replace(missing, order)
            assert answers["GET "].json()["detail"] == said

        # nothing changed
        after = (await client.get(f"/orders/{order}")).json()
        assert after == before
        assert (await client.get(f"/orders/{order}/documents")).json() == documents
        export = (await client.get(f"/orders/{order}/finalization/export-file")).json()
        assert export["version"] == 1 and export["status"] == "READY"
        # and the order is in no one else's lists
        for intruder in intruders.values():
            listed = await intruder.get("/orders")
            if listed.status_code == 200:
                assert order not in listed.text
            else:
                assert listed.status_code == 403  # not its partner
