"""NOTYD payment orders end to end over HTTP: the real API, worker, Temporal and PostgreSQL.

The order request, the hosted payment page and its credit check (the bureau's sandbox),
captures with their invoices, refunds with their credit notes, and the status webhooks a
receiver of our own gets.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI, Request
from sqlalchemy import select, update
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.notyd.payments.web_urls import web_origin, web_url
from api.nt24.orders import commands
from api.shared.converter import DATA_CONVERTER
from api.shared.payload_codec import decoded_history
from api.shared.temporal_calls import temporal_problem
from store.db import Database
from store.identity import identity
from store.link_tokens import PAYMENT_PAGE, SELF_SERVICE_INVITATION, link_token
from store.models import Partner, PaymentOrder, WebhookDelivery
from tests.conftest import Stack, capture_history, serving
from workflows.ids import payment_order_workflow_id


class Seller:
    def __init__(self, token: str, partner_profile: str) -> None:
        self.token = token
        self.profile = partner_profile


async def make_seller(stack: Stack, db: Database) -> Seller:
    suffix = uuid4().hex[:8]
    password = f"pw-{uuid4().hex}"
    async with db.transaction() as session:
        org = await identity.create_organization(session, f"Shop {suffix}")
        partner = await identity.create_partner(session, org, f"Seller {suffix} B.V.", "NL")
        await identity.create_user(
            session, f"seller-{suffix}", password, organization=org, partner=partner
        )
    return Seller(await stack.login(f"seller-{suffix}", password), str(partner.profile_uuid))


class Receiver:
    """A webhook receiver on loopback: what it was sent, in order."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> dict[str, bool]:
            self.bodies.append(await request.json())
            self.headers.append(dict(request.headers))
            return {"success": True}

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        async with asyncio.timeout(20):
            while len(self.bodies) < count:
                await asyncio.sleep(0.05)
        return self.bodies


@pytest_asyncio.fixture(loop_scope="session")
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hooks = Receiver()
    async with serving(hooks.app) as url:
        yield hooks, f"{url}/hook"


def order_request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_webshop_uid": "ffaf4252-8207-4b74-9668-933274b1bc5f",
        "external_order_uid": f"ext-{uuid4().hex[:10]}",
        "total_amount_incl_tax": 96800 + 24200 - 1210,
        "total_amount_excl_tax": 80000 + 20000 - 1000,
        "total_amount_tax": 16800 + 4200 - 210,
        "currency": "EUR",
        "order_lines": [
            {
                "quantity": 2,
                "product_id": "SKU-1",
                "product_name": "Toothbrush",
                "product_price_excl_tax": 40000,
                "product_price_incl_tax": 48400,
                "product_tax_rate_percentage": "21.00",
            },
            {
                "quantity": 1,
                "product_id": 77,
                "product_name": "Paste",
                "product_price_excl_tax": "20000",
                "product_price_incl_tax": 24200.0,
                "product_tax_rate_percentage": 21,
            },
        ],
        "discount": {"description": "Spring", "amount_incl_tax": 1210, "amount_excl_tax": 1000},
        "buyer_company": {"name": "My Cool Company B.V.", "registration_number": "001234567000"},
        "buyer_representative": {
            "first_name": "Ada",
            "last_name": "Buyer",
            "email": "ada@example.com",
        },
        "shipping_address": {
            "street": "Teststraat",
            "house_number": "1",
            "city": "Groningen",
            "postal_code": "9711 TT",
            "country": "nl",
        },
        "billing_address": {
            "street_address_1": "Teststraat 1",
            "city": "Groningen",
            "postal_code": "9711 TT",
            "country": "NL",
        },
        "locale": "nl",
        "payment_link_duration": "900",
        "seller_urls": {
            "success_url": "https://shop.example/success",
            "error_url": "https://shop.example/error",
            "cancel_url": "https://shop.example/cancel",
        },
    }
    return body | overrides


async def create(stack: Stack, seller: Seller, body: dict[str, Any]) -> dict[str, Any]:
    async with stack.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def confirm_on_page(stack: Stack, order: dict[str, Any]) -> httpx.Response:
    path = httpx.URL(order["payment_page_url"]).path
    async with stack.http() as http:
        page = await http.get(path)
        assert page.status_code == 200
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        return await http.post(path, data={"csrf_token": token, "action": "confirm"})


def every_line_back(listed: dict[str, Any]) -> list[dict[str, Any]]:
    """``refund_lines`` giving back all that a ``refundable_invoices`` entry lists, as a shop
    that copies the listed lines sends them."""
    return [
        {
            "product_id": line["product_id"],
            "quantity": line["refundable_quantity"],
            "total_amount_incl_tax": line["total_refundable_amount_incl_tax"],
            "total_amount_excl_tax": line["total_refundable_amount_excl_tax"],
            "description": "Return",
        }
        for line in listed["invoice_lines"]
    ]


async def test_order_lifecycle_over_http(
    stack: Stack, db: Database, receiver: tuple[Receiver, str]
) -> None:
    hooks, hook_url = receiver
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request(webhook_urls={"webhook_url": hook_url}))
    assert order["amount"] == order["total_amount_incl_tax"] == 119790
    assert order["order_lines"][1]["product_id"] == "77"
    assert order["shipping_address"]["country"] == "NL"
    assert order["shipping_address"]["street_address_1"] is None
    uuid = order["uuid"]

    async with stack.http() as http:
        page = await http.get(httpx.URL(order["payment_page_url"]).path)
    assert "Betalen op factuur" in page.text and "Toothbrush" in page.text  # locale nl
    async with stack.http() as http:
        forged = await http.post(
            httpx.URL(order["payment_page_url"]).path,
            data={"csrf_token": "forged", "action": "confirm"},
        )
    assert forged.status_code == 403

    confirmed = await confirm_on_page(stack, order)
    assert confirmed.status_code == 302
    assert confirmed.headers["location"] == "https://shop.example/success"

    async with stack.http(seller.token) as http:
        assert (await http.get(f"/v1/api/orders/{uuid}/get_status/")).json() == {
            "status": "accepted"
        }
        # nothing captured yet, so nothing to refund: the spec's 409
        nothing = await http.get(f"/v1/api/orders/{uuid}/refundable_invoices/")
        assert nothing.status_code == 409 and nothing.json()["details"], nothing.text
        first = await http.post(
            f"/v1/api/orders/{uuid}/capture/",
            json={
                "order_lines": [{"product_id": "SKU-1", "quantity": 1}],
                "external_invoice_uid": "INV-1",
            },
        )
        assert first.status_code == 200, first.text
        assert first.json()["status"] == "partially_captured"
        too_much = await http.post(
            f"/v1/api/orders/{uuid}/capture/",
            json={"order_lines": [{"product_id": "SKU-1", "quantity": 5}]},
        )
        assert too_much.status_code == 409
        status = (await http.get(f"/v1/api/orders/{uuid}/capture_status/")).json()
        assert status["captured"]["total_amount_incl_tax"] == 48400
        assert status["uncaptured"]["total_amount_incl_tax"] == 119790 - 48400
        second = await http.post(f"/v1/api/orders/{uuid}/capture", json={})  # no slash
        assert second.status_code == 200, second.text
        assert second.json()["status"] == "captured"
        assert second.json()["payment_reference"] != first.json()["payment_reference"]
        cancel = await http.post(f"/v1/api/orders/{uuid}/cancel/")
        assert cancel.status_code == 409
        assert cancel.json()["details"] == cancel.json()["detail"]

        invoice_uuid = first.json()["invoice_uuid"]
        refund = await http.post(
            f"/v1/api/orders/{uuid}/refund/",
            json={
                "description": "Damaged goods",
                "amount": 12100,
                "invoices": [{"invoice_uuid": invoice_uuid}],
            },
        )
        assert refund.status_code == 200, refund.text
        assert refund.json()["details"] == "Order status updated to partially_refunded."
        [note] = refund.json()["refunds"]
        assert note["invoice"] == invoice_uuid
        assert (note["total_amount_incl_tax"], note["total_amount_excl_tax"]) == (12100, 10000)
        again = await http.post(
            f"/v1/api/orders/{uuid}/refund/",
            json={
                "description": "Another",
                "amount": 100,
                "invoices": [{"invoice_uuid": invoice_uuid}],
            },
        )
        assert again.json()["details"] == "Order status updated to partially_refunded."
        over = await http.post(
            f"/v1/api/orders/{uuid}/refund/",
            json={
                "description": "x",
                "amount": 48400,
                "invoices": [{"invoice_uuid": invoice_uuid}],
            },
        )
        assert over.status_code == 409

        invoice = (await http.get(f"/v1/api/invoices/{invoice_uuid}/")).json()
        assert invoice["external_invoice_uid"] == "INV-1"
        assert invoice["payment_status"] == {"name": "Not paid", "value": "not_paid"}
        assert invoice["dunning_status"] == {"name": "Initial", "value": 0}
        assert invoice["value"]["value"] == 48400
        assert invoice["refunds"][0]["amount"] == 12100
        assert invoice["invoice_lines"][0]["product_tax_rate_percentage"] == "21.00"
        patched = await http.patch(
            f"/v1/api/invoices/{invoice_uuid}/", json={"invoice_url": "https://shop.example/i/1"}
        )
        assert patched.json()["invoice_url"] == "https://shop.example/i/1"
        assert patched.json()["external_invoice_uid"] == "INV-1"
        refundable = (await http.get(f"/v1/api/orders/{uuid}/refundable_invoices/")).json()
        assert refundable["count"] == 2
        detail = (await http.get(f"/v1/api/orders/{uuid}")).json()
        assert detail["status"] == {"name": "Partially refunded", "value": "partially_refunded"}
        assert len(detail["invoices"]) == 2

        listed = await http.get("/v1/api/invoices/", params={"order__uuid": uuid})
        assert listed.json()["count"] == 2
        for params, count in (
            ({"payment_status": "not_paid"}, 2),
            ({"payment_status": "paid"}, 0),
            ({"dunning_status": 0}, 2),
            ({"dunning_status": 10}, 0),
            ({"invoice_due_sent": 0}, 2),
            ({"on_hold": "true"}, 0),
            ({"on_hold": "false"}, 2),
            ({"order__external_order_uid": order["external_order_uid"]}, 2),
            ({"order__seller_profile__uuid": seller.profile}, 2),
            ({"order__seller_profile__uuid": str(uuid4())}, 0),
            ({"search": "INV-1"}, 1),
            ({"search": "%"}, 0),  # a wildcard is searched for as itself
            ({"created_at_after": "2000-01-01", "ordering": "-due_date"}, 2),
            ({"created_at_before": "2000-01-01"}, 0),
        ):
            answer = await http.get("/v1/api/invoices/", params=params)
            assert answer.status_code == 200, (params, answer.text)
            assert answer.json()["count"] == count, params

    bodies = await hooks.wait_for(4)
    async with db.session() as session:  # queued with each status: the 2nd refund queued none
        queued = (await session.scalars(select(WebhookDelivery.payload))).all()
    # (the database holds other tests' deliveries too, NT24 envelopes without "payload")
    assert [(p.get("payload") or {}).get("order_id") for p in queued].count(uuid) == 4
    assert [set(b) for b in bodies] == [{"event_type", "created", "payload"}] * 4
    assert all(
        b["payload"] == {"order_id": uuid, "webshop_id": order["external_webshop_uid"]}
        for b in bodies
    )
    assert bodies[0]["event_type"] == "order_status_changed"
    assert bodies[0]["created"].endswith("Z") and len(bodies[0]["created"]) == 24
    assert "webhook-signature" in hooks.headers[0]
    await capture_history(
        stack.client.get_workflow_handle(payment_order_workflow_id(uuid)), "payment_order_lifecycle"
    )


async def test_patch_changes_only_what_it_sends(stack: Stack, db: Database) -> None:
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    uuid = order["uuid"]
    path = f"/v1/api/orders/{uuid}/"
    brushes = order_request()["order_lines"][:1]  # 2 x 48400 (40000 excl)
    async with stack.http(seller.token) as http:
        before = (await http.get(path)).json()
        nothing = await http.patch(path, json={})
        assert nothing.status_code == 200, nothing.text
        assert nothing.json() == {"id": uuid, "description": "Order has been patched"}
        assert (await http.get(path)).json() == before  # not even updated_at

        same = {"total_amount_incl_tax": 119790, "total_amount_excl_tax": 99000}
        assert (await http.patch(path, json=same)).status_code == 200
        wrong = await http.patch(path, json={"total_amount_incl_tax": 1})
        assert wrong.status_code == 422
        assert [e["field"] for e in wrong.json()["errors"]] == ["total_amount_incl_tax"]

        # lines and totals, no discount: the discount stays
        fewer = {"order_lines": brushes, "amount": 96800 - 1210}
        assert (await http.patch(path, json=fewer)).status_code == 200, fewer
        detail = (await http.get(path)).json()
        assert detail["discount"] == before["discount"]
        assert (detail["total_amount_incl_tax"], detail["total_amount_excl_tax"]) == (
            95590,
            79000,
        )
        # a discount of null removes it; the totals follow from the lines
        removed = await http.patch(path, json={"discount": None})
        assert removed.json() == {"id": uuid, "description": "Order has been patched"}
        detail = (await http.get(path)).json()
        assert detail["discount"] is None
        assert (detail["total_amount_incl_tax"], detail["total_amount_tax"]) == (96800, 16800)
        assert len(detail["order_lines"]) == 1


async def test_rejection_and_order_list_filters(stack: Stack, db: Database) -> None:
    seller = await make_seller(stack, db)
    rejected = await create(
        stack, seller, order_request(buyer_company={"name": "Rejected Trading B.V."})
    )
    answer = await confirm_on_page(stack, rejected)
    assert answer.headers["location"] == "https://shop.example/error"
    pending = await create(stack, seller, order_request(external_order_uid="dup-1"))
    await create(stack, seller, order_request(external_order_uid="dup-1"))
    other = await make_seller(stack, db)
    async with stack.http(seller.token) as http:
        assert (await http.get(f"/v1/api/orders/{rejected['uuid']}/get_status/")).json() == {
            "status": "rejected"
        }
        for params, count in (
            ({}, 3),
            ({"status": "rejected"}, 1),
            ({"status": "pending"}, 2),
            ({"external_order_uid": "dup-1"}, 2),
            ({"search": "Rejected Trading"}, 1),
            ({"search": "rejected_trading"}, 0),  # "_" is no wildcard
            ({"search": "%"}, 0),
            ({"dunning": "30_days"}, 3),
            ({"dunning": "14_days"}, 0),
            ({"created_at_after": "2000-01-01", "created_at_before": "2999-01-01"}, 3),
            ({"created_at_before": "2000-01-01"}, 0),
            ({"ordering": "-created_at", "page_size": 2}, 3),
            # as Django REST framework: a field it does not sort by is left out, and a page
            # larger than the largest (100) is the largest
            ({"ordering": "secret", "page_size": 500}, 3),
            # as django-filter: a filter sent empty is none (forms send their empty fields)
            ({"status": "", "dunning": "", "created_at_after": "", "external_order_uid": ""}, 3),
            ({"status": "", "external_order_uid": "dup-1", "page_size": ""}, 2),
        ):
            listed = await http.get("/v1/api/orders/", params=params)
            assert listed.status_code == 200, (params, listed.text)
            assert listed.json()["count"] == count, params
        by_status = await http.get("/v1/api/orders/", params={"ordering": "-status,nothing"})
        statuses = [o["status"]["value"] for o in by_status.json()["results"]]
        assert statuses == ["rejected", "pending", "pending"]
        capped = await http.get("/v1/api/orders/", params={"page_size": 500, "page": 1})
        assert capped.json()["results"] and capped.json()["next"] is None
        # as Django REST framework: the last page answers, a page past it is "Invalid page."
        last = await http.get("/v1/api/orders/", params={"page_size": 2, "page": 2})
        assert len(last.json()["results"]) == 1 and last.json()["next"] is None
        past = await http.get("/v1/api/orders/", params={"page_size": 2, "page": 3})
        assert past.status_code == 404 and past.json()["detail"] == "Invalid page."
        # and so is a page that is not a number from 1; `last` is the last page, and a page
        # size that is not a positive integer is the default one (20)
        for page in ("0", "-1", "abc", ""):
            invalid = await http.get("/v1/api/orders/", params={"page": page})
            assert invalid.status_code == 404, (page, invalid.text)
            assert invalid.json()["detail"] == "Invalid page.", page
        final = await http.get("/v1/api/orders/", params={"page_size": 2, "page": "last"})
        assert final.status_code == 200 and len(final.json()["results"]) == 1
        assert final.json()["next"] is None and "page=1" in final.json()["previous"]
        for size in ("0", "-1", "abc"):
            default = await http.get("/v1/api/orders/", params={"page_size": size})
            assert default.status_code == 200, (size, default.text)
            assert len(default.json()["results"]) == 3, size
        empty = await http.get("/v1/api/orders/", params={"status": "cancelled", "page": 1})
        assert empty.status_code == 200 and empty.json()["results"] == []
        past_empty = await http.get("/v1/api/orders/", params={"status": "cancelled", "page": 2})
        assert past_empty.status_code == 404
        assert (await http.get("/v1/api/orders/", params={"status": "lost"})).status_code == 422
        cancelled = await http.post(f"/v1/api/orders/{pending['uuid']}/cancel")
        assert cancelled.json() == {
            "id": pending["uuid"],
            "description": "Order has been cancelled",
        }
        again = await http.post(f"/v1/api/orders/{pending['uuid']}/cancel/")
        assert again.status_code == 409
    async with stack.http(other.token) as http:
        assert (await http.get(f"/v1/api/orders/{pending['uuid']}/")).status_code == 404
        assert (await http.post(f"/v1/api/orders/{pending['uuid']}/cancel/")).status_code == 404
        assert (await http.get("/v1/api/orders/")).json()["count"] == 0
    await capture_history(
        stack.client.get_workflow_handle(payment_order_workflow_id(rejected["uuid"])),
        "payment_order_rejected",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"total_amount_incl_tax": 1}, "total_amount_incl_tax"),
        ({"total_amount_excl_tax": 1}, "total_amount_excl_tax"),
        ({"total_amount_tax": 1}, "total_amount_tax"),
        ({"currency": "USD"}, "currency"),
        ({"locale": "xx"}, "locale"),
        ({"payment_link_duration": 60}, "payment_link_duration"),
        ({"external_order_uid": None}, "external_order_uid"),
        ({"order_lines": []}, "order_lines"),
        ({"buyer_company": {"website": "x"}}, "buyer_company.name"),
        (
            {"buyer_representative": {"first_name": "A", "last_name": "B"}},
            "buyer_representative.email",
        ),
        ({"billing_address": {"city": "X", "postal_code": "1"}}, "billing_address.country"),
        ({"seller_urls": {"success_url": "not a url"}}, "seller_urls.success_url"),
        ({"seller_urls": {"cancel_url": "javascript:alert(1)"}}, "seller_urls.cancel_url"),
        ({"seller_urls": {"error_url": "data:text/html,x"}}, "seller_urls.error_url"),
        ({"seller_urls": {"pending_url": "http:///no-host"}}, "seller_urls.pending_url"),
        ({"seller_urls": {"success_url": "https://a;script-src/"}}, "seller_urls.success_url"),
        ({"seller_urls": {"success_url": "https://a.b/" + "x" * 2000}}, "seller_urls.success_url"),
        ({"webhook_urls": {"webhook_url": "ftp://x"}}, "webhook_urls.webhook_url"),
        # the server calls it: the webhook check refuses what it would refuse as an endpoint
        (
            {"webhook_urls": {"webhook_url": "https://user:pw@shop.example/hook"}},
            "webhook_urls.webhook_url",
        ),
        ({"amount": 5}, "amount"),
    ],
)
async def test_order_request_validation(
    stack: Stack, db: Database, change: dict[str, Any], field: str
) -> None:
    seller = await make_seller(stack, db)
    body = order_request(**change)
    async with stack.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=body)
        assert answer.status_code == 422, answer.text
        assert field in [e["field"] for e in answer.json()["errors"]]
        assert (await http.get("/v1/api/orders/")).json()["count"] == 0  # nothing written


def test_seller_pages_are_any_absolute_web_url_with_a_plain_origin() -> None:
    assert web_url("http://shop.example/ok?order=1") == "http://shop.example/ok?order=1"
    assert web_origin("http://User:pw@Shop.Example:8080/x") == "http://shop.example:8080"
    assert web_origin("https://[::1]/x") == "https://[::1]"
    assert web_origin("https://bücher.example/") == "https://xn--bcher-kva.example"
    for bad in ("javascript:alert(1)", "data:,x", "/relative", "https://a'b/", "https://a b/"):
        with pytest.raises(ValueError):
            web_url(bad)


async def test_seller_pages_may_be_plain_http(stack: Stack, db: Database) -> None:
    """The buyer's browser goes there, the server never calls them: http is the seller's
    choice (NOTYD's own example URL is http)."""
    seller = await make_seller(stack, db)
    urls = {"success_url": "http://shop.example:8080/done", "cancel_url": "http://10.0.0.7/c"}
    order = await create(stack, seller, order_request(seller_urls=urls))
    assert order["seller_urls"]["success_url"] == urls["success_url"]
    async with stack.http() as http:
        page = await http.get(httpx.URL(order["payment_page_url"]).path)
    form_action = page.headers["content-security-policy"].split("form-action ")[1].split(";")[0]
    assert form_action.split() == ["'self'", "http://10.0.0.7", "http://shop.example:8080"]
    confirmed = await confirm_on_page(stack, order)
    assert confirmed.headers["location"] == "http://shop.example:8080/done"


async def test_url_schemes_in_any_case(
    stack: Stack, db: Database, receiver: tuple[Receiver, str]
) -> None:
    """A URL's scheme is case-insensitive (RFC 3986) and Django REST framework's URLField takes
    it in any case: seller pages, the status webhook and invoice URLs are taken, kept as sent."""
    hooks, hook_url = receiver
    seller = await make_seller(stack, db)
    urls = {"success_url": "HTTPS://shop.example/done", "cancel_url": "Http://shop.example/c"}
    hook = "HTTP" + hook_url.removeprefix("http")
    order = await create(
        stack, seller, order_request(seller_urls=urls, webhook_urls={"webhook_url": hook})
    )
    assert (order["seller_urls"]["success_url"], order["seller_urls"]["cancel_url"]) == (
        urls["success_url"],
        urls["cancel_url"],
    )
    assert order["webhook_urls"] == {"webhook_url": hook}
    async with stack.http() as http:
        page = await http.get(httpx.URL(order["payment_page_url"]).path)
    form_action = page.headers["content-security-policy"].split("form-action ")[1].split(";")[0]
    assert form_action.split() == ["'self'", "http://shop.example", "https://shop.example"]
    confirmed = await confirm_on_page(stack, order)
    assert confirmed.headers["location"] == urls["success_url"]
    async with stack.http(seller.token) as http:
        captured = await http.post(
            f"/v1/api/orders/{order['uuid']}/capture/",
            json={"invoice_url": "HTTPS://shop.example/i/1"},
        )
        assert captured.status_code == 200, captured.text
        path = f"/v1/api/invoices/{captured.json()['invoice_uuid']}/"
        assert (await http.get(path)).json()["invoice_url"] == "HTTPS://shop.example/i/1"
        patched = await http.patch(path, json={"invoice_url": "hTtPs://shop.example/i/2"})
        assert patched.status_code == 200, patched.text
        assert patched.json()["invoice_url"] == "hTtPs://shop.example/i/2"
    bodies = await hooks.wait_for(2)  # accepted, captured
    assert {b["payload"]["order_id"] for b in bodies} == {order["uuid"]}


async def test_refund_names_its_invoice_in_any_spelling(stack: Stack, db: Database) -> None:
    """A refund's invoice_uuid is a uuid: upper case (or braces, no dashes) names the same
    invoice; what is no uuid is no invoice of the order, a 422 naming the field."""
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    await confirm_on_page(stack, order)
    path = f"/v1/api/orders/{order['uuid']}"
    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={})
        assert captured.status_code == 200, captured.text
        invoice_uuid = captured.json()["invoice_uuid"]
        refunds = []
        for spelling in (invoice_uuid.upper(), "{" + invoice_uuid.replace("-", "") + "}"):
            refunds.append(
                await http.post(
                    f"{path}/refund/",
                    json={
                        "description": "Damaged",
                        "amount": 100,
                        "invoices": [{"invoice_uuid": spelling}],
                    },
                )
            )
        malformed = await http.post(
            f"{path}/refund/",
            json={"description": "x", "amount": 100, "invoices": [{"invoice_uuid": "nope"}]},
        )
    for refund in refunds:
        assert refund.status_code == 200, refund.text
        assert [note["invoice"] for note in refund.json()["refunds"]] == [invoice_uuid]
    assert malformed.status_code == 422, malformed.text
    assert [e["field"] for e in malformed.json()["errors"]] == ["invoices[0].invoice_uuid"]


async def test_line_field_validation(stack: Stack, db: Database) -> None:
    seller = await make_seller(stack, db)
    body = order_request()
    body["order_lines"][0]["quantity"] = 1.5
    body["order_lines"][1]["product_tax_rate_percentage"] = "abc"
    async with stack.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=body)
    fields = [e["field"] for e in answer.json()["errors"]]
    assert "order_lines[0].quantity" in fields
    assert "order_lines[1].product_tax_rate_percentage" in fields


async def test_a_rate_answered_as_100_is_refused_and_minus_0_is_0(
    stack: Stack, db: Database
) -> None:
    """Every rate taken must be answerable ("^\\d{1,2}\\.\\d{2}$"): 99.995 and up would be
    "100.00", a 500 after the order was written and on every read of it."""
    seller = await make_seller(stack, db)
    body = order_request()
    body["order_lines"][0]["product_tax_rate_percentage"] = "99.999999"
    async with stack.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=body)
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["errors"]
        assert error["field"] == "order_lines[0].product_tax_rate_percentage"
        assert (await http.get("/v1/api/orders/")).json()["count"] == 0  # nothing written
    body = order_request(total_amount_incl_tax=96800 + 20000 - 1210, total_amount_tax=16800 - 210)
    body["order_lines"][1] |= {"product_price_incl_tax": 20000, "product_tax_rate_percentage": "-0"}
    order = await create(stack, seller, body)
    assert order["order_lines"][1]["product_tax_rate_percentage"] == "0.00"
    async with stack.http(seller.token) as http:
        detail = await http.get(f"/v1/api/orders/{order['uuid']}/")
    assert detail.status_code == 200, detail.text
    assert detail.json()["order_lines"][1]["product_tax_rate_percentage"] == "0.00"


async def test_text_fields_take_json_numbers_as_their_text(stack: Stack, db: Database) -> None:
    """As Django REST framework's CharField: plugins send postal codes, house numbers and
    WooCommerce order ids as JSON numbers. Booleans and numbers in uuid fields are refused."""
    seller = await make_seller(stack, db)
    body = order_request(external_order_uid=7304421653023)
    body["shipping_address"] |= {"postal_code": 9711, "house_number": 1}
    body["buyer_company"]["registration_number"] = 1234567.0
    body["order_lines"][0]["product_name"] = 42
    order = await create(stack, seller, body)
    assert order["external_order_uid"] == "7304421653023"
    assert order["shipping_address"]["postal_code"] == "9711"
    assert order["shipping_address"]["house_number"] == "1"
    assert order["buyer_company"]["registration_number"] == "1234567.0"
    assert order["order_lines"][0]["product_name"] == "42"
    assert order["order_lines"][0]["quantity"] == 2  # numbers stay numbers
    refused = order_request(external_webshop_uid=12345)
    refused["billing_address"]["postal_code"] = True
    async with stack.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=refused)
        assert answer.status_code == 422, answer.text
        fields = {e["field"] for e in answer.json()["errors"]}
        assert fields == {"external_webshop_uid", "billing_address.postal_code"}
        invoice = await http.post(
            f"/v1/api/orders/{order['uuid']}/refund/",
            json={"description": "x", "amount": 1, "invoices": [{"invoice_uuid": 123}]},
        )
        assert invoice.status_code == 422, invoice.text
        assert [e["field"] for e in invoice.json()["errors"]] == ["invoices[0].invoice_uuid"]


async def test_null_is_absent_in_optional_free_text(stack: Stack, db: Database) -> None:
    """Descriptions and external_refund_uid take an explicit null as absent (""), as the PHP
    clients send a string they lack; the order request's enumerated settings do not."""
    seller = await make_seller(stack, db)
    async with stack.http(seller.token) as http:
        for field in ("locale", "currency", "payment_link_duration"):
            answer = await http.post("/v1/api/order-request/", json=order_request(**{field: None}))
            assert answer.status_code == 422, answer.text
            assert [e["field"] for e in answer.json()["errors"]] == [field]
    body = order_request()
    body["discount"]["description"] = None
    order = await create(stack, seller, body)
    assert order["discount"]["description"] == ""
    assert (await confirm_on_page(stack, order)).status_code == 302
    uuid = order["uuid"]
    async with stack.http(seller.token) as http:
        capture = await http.post(f"/v1/api/orders/{uuid}/capture/", json={})
        assert capture.status_code == 200, capture.text
        invoice_uuid = capture.json()["invoice_uuid"]
        line = {"product_id": "SKU-1", "quantity": 1, "description": None}
        line |= {"total_amount_incl_tax": 48400, "total_amount_excl_tax": 40000}
        part = {"tax_rate_percentage": "21", "total_amount_incl_tax": 121, "description": None}
        for item in ({"refund_lines": [line]}, {"refund_amounts": part}):
            refund = await http.post(
                f"/v1/api/orders/{uuid}/refund/",
                json={
                    "description": "Damaged",
                    "external_refund_uid": None,
                    "invoices": [{"invoice_uuid": invoice_uuid} | item],
                },
            )
            assert refund.status_code == 200, refund.text
            [note] = refund.json()["refunds"]
            assert note["external_refund_uid"] == ""
            assert all(line["description"] == "" for line in note["refund_lines"])
        invoice = await http.get(f"/v1/api/invoices/{invoice_uuid}/")
        assert invoice.status_code == 200, invoice.text
        assert len(invoice.json()["refunds"]) == 2


async def test_refund_amounts_null_is_absent_as_refund_lines_null_is(
    stack: Stack, db: Database
) -> None:
    """A PHP client's refund with ``"refund_lines": null, "refund_amounts": null`` names no
    lines and no amounts: it refunds the top-level ``amount`` from that invoice (it answered
    500 when ``refund_amounts`` was null)."""
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    await confirm_on_page(stack, order)
    path = f"/v1/api/orders/{order['uuid']}"
    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={})
        assert captured.status_code == 200, captured.text
        invoice = captured.json()["invoice_uuid"]
        refund = await http.post(
            f"{path}/refund/",
            json={
                "description": "Damaged",
                "amount": 12100,
                "invoices": [
                    {"invoice_uuid": invoice, "refund_lines": None, "refund_amounts": None}
                ],
            },
        )
        assert refund.status_code == 200, refund.text
        [note] = refund.json()["refunds"]
        assert (note["invoice"], note["amount"], note["refund_lines"]) == (invoice, 12100, [])


def two_rate_order() -> dict[str, Any]:
    """Z: 1 x 10000 at 0 %, F: 1 x 12100 / 10000 at 21 %."""
    line = {"quantity": 1, "product_price_excl_tax": 10000}
    return order_request(
        order_lines=[
            line
            | {
                "product_id": "Z",
                "product_name": "Zero-rated",
                "product_price_incl_tax": 10000,
                "product_tax_rate_percentage": 0,
            },
            line
            | {
                "product_id": "F",
                "product_name": "Full rate",
                "product_price_incl_tax": 12100,
                "product_tax_rate_percentage": 21,
            },
        ],
        discount=None,
        total_amount_incl_tax=22100,
        total_amount_excl_tax=20000,
        total_amount_tax=2100,
    )


async def test_a_partially_captured_mixed_rate_order_is_refunded_in_full(
    stack: Stack, db: Database
) -> None:
    """A capture by amount whose tax is the 21 % line's invoices one line, at 21 %, numbered
    1 (the 0 % rate has nothing to capture). The full refund every plugin sends (``amount`` =
    what was captured) credits that line (it answered 500)."""
    seller = await make_seller(stack, db)
    order = await create(stack, seller, two_rate_order())
    await confirm_on_page(stack, order)
    path = f"/v1/api/orders/{order['uuid']}"
    async with stack.http(seller.token) as http:
        captured = await http.post(
            f"{path}/capture/",
            json={
                "total_amount_incl_tax": 12100,
                "total_amount_excl_tax": 10000,
                "total_amount_tax": 2100,
            },
        )
        assert captured.status_code == 200, captured.text
        invoice = (await http.get(f"/v1/api/invoices/{captured.json()['invoice_uuid']}/")).json()
        assert [
            (line["product_id"], line["product_tax_rate_percentage"])
            for line in invoice["invoice_lines"]
        ] == [("partial_capture", "21.00")]
        refund = await http.post(f"{path}/refund/", json={"description": "All", "amount": 12100})
        assert refund.status_code == 200, refund.text
        [note] = refund.json()["refunds"]
        assert note["amount"] == 12100
        assert (await http.get(f"{path}/get_status/")).json() == {"status": "partially_refunded"}
        # nothing of it is left to refund
        assert (await http.get(f"{path}/refundable_invoices/")).json()["results"] == []


async def test_a_refund_line_cannot_refund_more_than_its_quantity_is_worth(
    stack: Stack, db: Database
) -> None:
    """1 of 2 toothbrushes (48400 each) refunded for 96800 is a 409 naming the field and what
    the unit is worth (it was accepted, and refundable_invoices then listed the line with 1
    unit to refund and 0 money); refunded for its price it passes."""
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    await confirm_on_page(stack, order)
    path = f"/v1/api/orders/{order['uuid']}"

    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={})
        invoice = captured.json()["invoice_uuid"]

        def one_toothbrush(incl: int, excl: int) -> dict[str, Any]:
            line = {"product_id": "SKU-1", "quantity": 1}
            line |= {"total_amount_incl_tax": incl, "total_amount_excl_tax": excl}
            item = {"invoice_uuid": invoice, "refund_lines": [line]}
            return {"description": "Return", "invoices": [item]}

        refused = await http.post(f"{path}/refund/", json=one_toothbrush(96800, 80000))
        assert refused.status_code == 409, refused.text
        detail = refused.json()["detail"]
        assert "invoices[0].refund_lines[0].total_amount_incl_tax" in detail, detail
        assert "(48400)" in detail, detail
        refund = await http.post(f"{path}/refund/", json=one_toothbrush(48400, 40000))
        assert refund.status_code == 200, refund.text
        refundable = await http.get(f"{path}/refundable_invoices/")
        toothbrushes = next(
            line
            for line in refundable.json()["results"][0]["invoice_lines"]
            if line["product_id"] == "SKU-1"
        )
        assert toothbrushes["refundable_quantity"] == 1
        assert toothbrushes["total_refundable_amount_incl_tax"] == 48400


async def test_money_a_line_still_lists_as_refundable_can_be_refunded_by_a_refund_line(
    stack: Stack, db: Database
) -> None:
    """Both toothbrushes refunded for 100 (a restocking fee kept): refundable_invoices lists
    the line with no unit and 96700 to refund, and the lines it lists plus the invoice's
    discount refund the rest of the invoice (a refund line copying that line was a 409)."""
    seller = await make_seller(stack, db)
    path = f"/v1/api/orders/{await accepted_order(stack, seller)}"
    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={})
        invoice = captured.json()["invoice_uuid"]
        fee = {"product_id": "SKU-1", "quantity": 2}
        fee |= {"total_amount_incl_tax": 100, "total_amount_excl_tax": 83}
        kept = await http.post(
            f"{path}/refund/",
            json={
                "description": "Return, less a restocking fee",
                "invoices": [{"invoice_uuid": invoice, "refund_lines": [fee]}],
            },
        )
        assert kept.status_code == 200, kept.text
        [listed] = (await http.get(f"{path}/refundable_invoices/")).json()["results"]
        toothbrushes = next(x for x in listed["invoice_lines"] if x["product_id"] == "SKU-1")
        assert toothbrushes["refundable_quantity"] == 0
        assert toothbrushes["total_refundable_amount_incl_tax"] == 96700
        spring = {"description": "Spring", "amount_incl_tax": 1210, "amount_excl_tax": 1000}
        item = {"invoice_uuid": invoice, "refund_lines": every_line_back(listed)}
        rest = await http.post(
            f"{path}/refund/",
            json={"description": "The fee waived", "invoices": [item | {"discount": spring}]},
        )
        assert rest.status_code == 200, rest.text
        assert rest.json()["refunds"][0]["total_amount_incl_tax"] == 119790 - 100
        assert rest.json()["details"] == "Order status updated to refunded."
        left = (await http.get(f"{path}/refundable_invoices/")).json()
    assert left["count"] == 0


async def test_a_capture_of_a_repeated_product_id_with_its_own_prices(
    stack: Stack, db: Database
) -> None:
    """Rule 3 (product_id need not be unique; capture lines take matching lines in order) and
    rule 26 (prices given must match the order line): a capture naming every line with its own
    prices, as WooCommerce sends it, captures the order (it was a 422 when a product_id repeated
    at another price)."""
    seller = await make_seller(stack, db)
    first = {
        "quantity": 1,
        "product_id": "SKU-1",
        "product_name": "Toothbrush",
        "product_price_excl_tax": 40000,
        "product_price_incl_tax": 48400,
        "product_tax_rate_percentage": "21.00",
    }
    second = first | {"product_price_excl_tax": 10000, "product_price_incl_tax": 12100}
    body = order_request(
        order_lines=[first, second],
        discount=None,
        total_amount_incl_tax=60500,
        total_amount_excl_tax=50000,
        total_amount_tax=10500,
    )
    order = await create(stack, seller, body)
    await confirm_on_page(stack, order)
    lines = [{k: v for k, v in line.items() if k != "product_name"} for line in (first, second)]
    async with stack.http(seller.token) as http:
        capture = await http.post(
            f"/v1/api/orders/{order['uuid']}/capture/",
            json={"amount": 60500, "order_lines": lines},
        )
        assert capture.status_code == 200, capture.text
        assert capture.json()["status"] == "captured"
        invoice = await http.get(f"/v1/api/invoices/{capture.json()['invoice_uuid']}/")
        assert [line["product_price_incl_tax"] for line in invoice.json()["invoice_lines"]] == [
            48400,
            12100,
        ]


async def test_an_order_of_nothing_is_refused(stack: Stack, db: Database) -> None:
    """A discount as large as the lines makes an order of 0: it was created and accepted, and
    then its capture answered 409 "Nothing remains to be captured" for ever. The order request
    is a 422 naming the total, and so is a PATCH that would leave an order of nothing."""
    seller = await make_seller(stack, db)
    free = {"description": "Free", "amount_incl_tax": 121000, "amount_excl_tax": 100000}
    message = "must be more than 0: an order of nothing cannot be captured"
    async with stack.http(seller.token) as http:
        for totals, field in (
            (
                {"total_amount_incl_tax": 0, "total_amount_excl_tax": 0, "total_amount_tax": 0},
                "total_amount_incl_tax",
            ),
            ({"amount": 0}, "amount"),
        ):
            body = order_request(discount=free) | totals
            body = {k: v for k, v in body.items() if k in totals or not k.startswith("total_")}
            created = await http.post("/v1/api/order-request/", json=body)
            assert created.status_code == 422, created.text
            errors = [(e["field"], e["message"]) for e in created.json()["errors"]]
            assert errors == [(field, message)]
    order = await create(stack, seller, order_request())
    async with stack.http(seller.token) as http:
        path = f"/v1/api/orders/{order['uuid']}/"
        patched = await http.patch(path, json={"discount": free})
        assert patched.status_code == 422, patched.text
        assert [e["field"] for e in patched.json()["errors"]] == ["discount"]
        assert (await http.get(path)).json()["total_amount_incl_tax"] == order[
            "total_amount_incl_tax"
        ]


async def test_huge_numeric_strings_are_refused_at_once(stack: Stack, db: Database) -> None:
    """A numeric string far past a field's range (``"1e999999"``: a million digits) gets the
    field's own range error in no time, never a million-digit conversion."""
    seller = await make_seller(stack, db)
    body = order_request(payment_link_duration="1e999999", total_amount_tax="-1e999999")
    body["order_lines"][0]["quantity"] = "1e999999"
    body["order_lines"][1]["product_price_incl_tax"] = "9" * 100_000
    body["discount"]["amount_incl_tax"] = "-1e999999"
    async with stack.http(seller.token) as http, asyncio.timeout(10):
        answer = await http.post("/v1/api/order-request/", json=body)
        assert answer.status_code == 422, answer.text
        errors = {e["field"]: e["message"] for e in answer.json()["errors"]}
        limit = stack.settings.max_money_minor_units
        assert errors == {
            "payment_link_duration": "must be one of 900, 86400, 604800",
            "total_amount_tax": f"must be at most {limit} (minor units)",
            "order_lines[0].quantity": "must be at most 2147483647",
            "order_lines[1].product_price_incl_tax": f"must be at most {limit} (minor units)",
            "discount.amount_incl_tax": "must be at least 0",
        }
        assert (await http.get("/v1/api/orders/")).json()["count"] == 0  # nothing written


async def test_link_expires(skipping_stack: Stack, time_skipping: WorkflowEnvironment) -> None:
    stack = skipping_stack
    seller = await make_seller(stack, stack.db)
    order = await create(stack, seller, order_request())
    await time_skipping.sleep(timedelta(seconds=901))
    async with stack.http(seller.token) as http, asyncio.timeout(20):
        while True:
            status = (await http.get(f"/v1/api/orders/{order['uuid']}/get_status/")).json()
            if status["status"] != "pending":
                break
            await asyncio.sleep(0.1)
    assert status == {"status": "expired"}
    async with stack.http() as http:
        page = await http.get(httpx.URL(order["payment_page_url"]).path)
    assert "Deze betaallink is verlopen." in page.text and "csrf_token" not in page.text
    assert "Toothbrush" not in page.text and "Ada" not in page.text  # nor whose order it was
    await capture_history(
        stack.client.get_workflow_handle(payment_order_workflow_id(order["uuid"])),
        "payment_order_expired",
    )


def test_a_payment_page_token_is_its_own_and_bound_to_its_order_and_key() -> None:
    order = uuid4()
    token = link_token("key-1", PAYMENT_PAGE, order)
    assert token == link_token("key-1", PAYMENT_PAGE, order) and len(token) == 43
    assert token != link_token("key-2", PAYMENT_PAGE, order)
    assert token != link_token("key-1", PAYMENT_PAGE, uuid4())
    # a self-service invitation of the same uuid has another link
    assert token != link_token("key-1", SELF_SERVICE_INVITATION, order)
    assert str(order) not in token and order.hex not in token


async def test_the_payment_page_opens_by_its_link_token_not_by_the_orders_uuid(
    stack: Stack, db: Database
) -> None:
    """The order's uuid is in Temporal's workflow id and search attributes and in the status
    webhooks: it opens no page. The link's token is in none of them, nor in the database."""
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    url = httpx.URL(order["payment_page_url"])
    token = url.path.removeprefix("/pay/").removesuffix("/")
    assert str(url).startswith(stack.settings.public_base_url.rstrip("/") + "/pay/")
    assert token and "/" not in token and order["uuid"] not in str(url)
    async with stack.http() as http:
        page = await http.get(url.path)
        assert page.status_code == 200 and "Toothbrush" in page.text and "Ada" in page.text
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        by_uuid = await http.get(f"/pay/{order['uuid']}/")
        assert by_uuid.status_code == 404
        assert "Ada" not in by_uuid.text and "Toothbrush" not in by_uuid.text
        # not even with the page's own form token
        posted = await http.post(
            f"/pay/{order['uuid']}/", data={"csrf_token": csrf, "action": "cancel"}
        )
        assert posted.status_code == 404
        unknown = await http.get(
            f"/pay/{link_token('another key', PAYMENT_PAGE, uuid4())}/",
            headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"},
        )
        assert unknown.status_code == 404 and token not in unknown.text
        # a page in the browser's language, not problem+json (the buyer opened a link)
        assert unknown.headers["content-type"].startswith("text/html")
        assert "Dieser Link ist ungültig" in unknown.text
        assert "default-src 'none'" in unknown.headers["content-security-policy"]
    async with db.session() as session:
        row = await session.scalar(
            select(PaymentOrder).where(PaymentOrder.uuid == UUID(order["uuid"]))
        )
    assert row is not None and row.status == "pending"  # the POST by uuid changed nothing
    assert row.page_link_sha256 == hashlib.sha256(token.encode()).hexdigest()
    stored = {a.key: getattr(row, a.key) for a in PaymentOrder.__mapper__.column_attrs}
    assert token not in json.dumps(stored, default=str)
    handle = stack.client.get_workflow_handle(payment_order_workflow_id(order["uuid"]))
    history = await decoded_history(await handle.fetch_history(), DATA_CONVERTER.payload_codec)
    assert order["uuid"] in history.to_json() and token not in history.to_json()


async def test_a_closed_orders_page_shows_how_it_went_and_not_whose_order_it_was(
    stack: Stack, db: Database
) -> None:
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    path = httpx.URL(order["payment_page_url"]).path
    async with stack.http() as http:
        page = await http.get(path)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        cancelled = await http.post(path, data={"csrf_token": csrf, "action": "cancel"})
        assert cancelled.status_code == 302
        assert cancelled.headers["location"] == "https://shop.example/cancel"
        page = await http.get(path)
    assert page.status_code == 200 and "De bestelling is geannuleerd." in page.text
    for personal in ("Ada", "Buyer", "My Cool Company", "001234567000", "Toothbrush", "1.197,90"):
        assert personal not in page.text, personal
    assert "csrf_token" not in page.text and "Seller " in page.text  # the seller still named


async def test_an_order_of_before_link_tokens_still_opens_at_its_uuid(
    stack: Stack, db: Database
) -> None:
    """A link handed out before orders had a link token names the order's uuid: a buyer may be
    in the middle of paying with it."""
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    token_path = httpx.URL(order["payment_page_url"]).path
    async with db.transaction() as session:  # as migration 0025 leaves an older order
        await session.execute(
            update(PaymentOrder)
            .where(PaymentOrder.uuid == UUID(order["uuid"]))
            .values(page_link_sha256=None)
        )
    old = {"payment_page_url": f"{stack.settings.public_base_url}/pay/{order['uuid']}/"}
    async with stack.http() as http:
        page = await http.get(f"/pay/{order['uuid']}/")
        assert page.status_code == 200 and "Ada" in page.text and "Toothbrush" in page.text
        assert (await http.get(token_path)).status_code == 404  # no token of its own
    async with stack.http(seller.token) as http:  # its answers show the link that opens it
        detail = (await http.get(f"/v1/api/orders/{order['uuid']}/")).json()
    assert detail["payment_page_url"] == old["payment_page_url"]
    confirmed = await confirm_on_page(stack, old)
    assert confirmed.status_code == 302
    assert confirmed.headers["location"] == "https://shop.example/success"


async def accepted_order(stack: Stack, seller: Seller, **overrides: Any) -> str:
    order = await create(stack, seller, order_request(**overrides))
    confirmed = await confirm_on_page(stack, order)
    assert confirmed.status_code == 302
    return str(order["uuid"])


def refused_fields(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [error["field"] for error in answer.json()["errors"]]


async def test_a_tax_outside_0_to_incl_is_refused_on_capture_and_refund(
    stack: Stack, db: Database
) -> None:
    """total_amount_tax is incl - excl and every amount is cents >= 0: a negative tax, or one
    above incl, would book an excl above incl (or below 0) on the invoice or credit note."""
    seller = await make_seller(stack, db)
    path = f"/v1/api/orders/{await accepted_order(stack, seller)}"
    async with stack.http(seller.token) as http:
        for tax in (-500, 1500):
            answer = await http.post(
                f"{path}/capture/", json={"total_amount_incl_tax": 1000, "total_amount_tax": tax}
            )
            assert refused_fields(answer) == ["total_amount_tax"]
        discount = {"amount_incl_tax": 1000, "amount_excl_tax": 1200}
        answer = await http.post(f"{path}/capture/", json={"amount": 1000, "discount": discount})
        assert refused_fields(answer) == ["discount.amount_excl_tax"]
        captured = await http.post(
            f"{path}/capture/", json={"total_amount_incl_tax": 1210, "total_amount_tax": 210}
        )
        assert captured.status_code == 200, captured.text
        invoice = {"invoice_uuid": captured.json()["invoice_uuid"]}
        answer = await http.post(
            f"{path}/refund/",
            json={
                "description": "x",
                "amount": 100,
                "total_amount_tax": -50,
                "invoices": [invoice],
            },
        )
        assert refused_fields(answer) == ["total_amount_tax"]
        lines = invoice | {"refund_lines": [{"product_id": "partial_capture", "quantity": 1}]}
        answer = await http.post(
            f"{path}/refund/",
            json={"description": "x", "amount": 1210, "total_amount_tax": -50, "invoices": [lines]},
        )
        assert refused_fields(answer) == ["total_amount_tax"]
        status = (await http.get(f"{path}/capture_status/")).json()
        assert status["captured"]["total_amount_incl_tax"] == 1210
        assert (await http.get(f"{path}/get_status/")).json() == {"status": "partially_captured"}


async def test_refund_amounts_are_booked_at_their_tax_rate(stack: Stack, db: Database) -> None:
    """refund_amounts[].tax_rate_percentage is the rate the amount is booked at: without
    total_amount_excl_tax, excl = incl / (1 + rate / 100), half up to the cent."""
    seller = await make_seller(stack, db)
    path = f"/v1/api/orders/{await accepted_order(stack, seller)}"
    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={})
        assert captured.status_code == 200, captured.text
        invoice_uuid = captured.json()["invoice_uuid"]
        refund = await http.post(
            f"{path}/refund/",
            json={
                "description": "Credit",
                "amount": 1210 + 1000,
                "invoices": [
                    {
                        "invoice_uuid": invoice_uuid,
                        "refund_amounts": [
                            {"tax_rate_percentage": "21.000000", "total_amount_incl_tax": 1210},
                            {"tax_rate_percentage": 21, "total_amount_incl_tax": 1000},
                        ],
                    }
                ],
            },
        )
        assert refund.status_code == 200, refund.text
        [note] = refund.json()["refunds"]
        assert (note["total_amount_incl_tax"], note["total_amount_excl_tax"]) == (2210, 1826)
        assert note["total_amount_tax"] == 384
        # Magento: one object, rate 0, its own excl, taken as sent
        magento = await http.post(
            f"{path}/refund/",
            json={
                "description": "Adjustment",
                "amount": 605,
                "invoices": [
                    {
                        "invoice_uuid": invoice_uuid,
                        "refund_amounts": {
                            "tax_rate_percentage": 0,
                            "total_amount_incl_tax": 605,
                            "total_amount_excl_tax": 500,
                        },
                    }
                ],
            },
        )
        assert magento.status_code == 200, magento.text
        [note] = magento.json()["refunds"]
        assert (note["total_amount_incl_tax"], note["total_amount_excl_tax"]) == (605, 500)


async def test_a_discounted_invoice_is_refunded_by_its_lines_less_its_discount(
    stack: Stack, db: Database
) -> None:
    """invoices[].discount (nested-shapes §4.1, rule 27) is taken off the refund_lines' sum,
    up to the invoice's discount not refunded yet: the lines refundable_invoices lists (121000)
    and the discount (1210) refund the whole invoice (119790)."""
    seller = await make_seller(stack, db)
    path = f"/v1/api/orders/{await accepted_order(stack, seller)}"
    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={})
        assert captured.status_code == 200, captured.text
        invoice_uuid = captured.json()["invoice_uuid"]
        [listed] = (await http.get(f"{path}/refundable_invoices/")).json()["results"]
        lines = every_line_back(listed)
        assert sum(line["total_amount_incl_tax"] for line in lines) == 121000

        def refund(discount: dict[str, Any] | None, **item: Any) -> dict[str, Any]:
            invoice = {"invoice_uuid": invoice_uuid, "refund_lines": lines} | item
            if discount is not None:
                invoice["discount"] = discount
            return {"description": "Return", "amount": 119790, "invoices": [invoice]}

        spring = {"description": "Spring", "amount_incl_tax": 1210, "amount_excl_tax": 1000}
        without = await http.post(f"{path}/refund/", json=refund(None))
        assert without.status_code == 409, without.text
        too_much = await http.post(
            f"{path}/refund/", json=refund(spring | {"amount_incl_tax": 1211}) | {"amount": 119789}
        )
        assert too_much.status_code == 409, too_much.text
        assert too_much.json()["detail"].startswith("invoices[0].discount:")
        bare = await http.post(
            f"{path}/refund/",
            json={
                "description": "x",
                "amount": 100,
                "invoices": [{"invoice_uuid": invoice_uuid, "discount": spring}],
            },
        )
        assert refused_fields(bare) == ["invoices[0].discount"]
        negative_tax = await http.post(
            f"{path}/refund/", json=refund(spring | {"amount_tax": 1211, "amount_excl_tax": None})
        )
        assert refused_fields(negative_tax) == ["invoices[0].discount.amount_tax"]

        full = await http.post(f"{path}/refund/", json=refund(spring | {"amount_tax": 210}))
        assert full.status_code == 200, full.text
        assert full.json()["details"] == "Order status updated to refunded."
        [note] = full.json()["refunds"]
        assert (note["total_amount_incl_tax"], note["total_amount_excl_tax"]) == (119790, 99000)
        assert note["amount"] == 119790
        assert sum(line["total_amount_incl_tax"] for line in note["refund_lines"]) == 121000
        assert note["discount"] == spring | {"amount_tax": 210}
        invoice = (await http.get(f"/v1/api/invoices/{invoice_uuid}/")).json()
        assert invoice["refunds"][0]["discount"] == note["discount"]
        assert invoice["payment_status"]["value"] == "refunded"


async def test_the_rest_captured_after_a_capture_by_amount_is_refunded_by_its_lines_and_discount(
    stack: Stack, db: Database
) -> None:
    """The order (121000 of lines, discount 1210) captured by amount (50000), then the rest
    (`{}`, 69790 with the discount): the rest's per-rate lines hold its amount and the
    discount it took (71000), so those lines and that discount refund it in full, and the
    order is `refunded`."""
    seller = await make_seller(stack, db)
    path = f"/v1/api/orders/{await accepted_order(stack, seller)}"
    async with stack.http(seller.token) as http:
        first = await http.post(f"{path}/capture/", json={"amount": 50000})
        assert first.status_code == 200, first.text
        rest = await http.post(f"{path}/capture/", json={})
        assert rest.json()["status"] == "captured", rest.text
        status = (await http.get(f"{path}/capture_status/")).json()
        assert status["captured"]["discount"]["amount_incl_tax"] == 1210
        listed = (await http.get(f"{path}/refundable_invoices/")).json()["results"]
        by_uuid = {invoice["uuid"]: invoice for invoice in listed}
        # the discount each capture took: none by the amount, the rest of it by `{}`
        took = {first.json()["invoice_uuid"]: None, rest.json()["invoice_uuid"]: 1210}
        for invoice_uuid, discount in took.items():
            item: dict[str, Any] = {
                "invoice_uuid": invoice_uuid,
                "refund_lines": every_line_back(by_uuid[invoice_uuid]),
            }
            if discount:
                item["discount"] = {
                    "description": "Spring",
                    "amount_incl_tax": discount,
                    "amount_excl_tax": 1000,
                }
            answer = await http.post(
                f"{path}/refund/", json={"description": "Return", "invoices": [item]}
            )
            assert answer.status_code == 200, answer.text
        order = (await http.get(f"{path}/")).json()
        left = (await http.get(f"{path}/refundable_invoices/")).json()
    assert left["count"] == 0, [
        (i["total_amount_incl_tax"], [r["total_amount_incl_tax"] for r in i["refunds"]])
        for i in left["results"]
    ]
    assert order["status"]["value"] == "refunded"


def one_line_order(**line: Any) -> dict[str, Any]:
    """Line A: 1 x 12100 incl. / 10000 excl. tax at 21 %, no discount."""
    order_line = {
        "quantity": 1,
        "product_id": "A",
        "product_name": "A",
        "product_price_excl_tax": 10000,
        "product_price_incl_tax": 12100,
        "product_tax_rate_percentage": 21,
    } | line
    incl = order_line["product_price_incl_tax"]
    excl = order_line["product_price_excl_tax"]
    return {
        "order_lines": [order_line],
        "discount": None,
        "total_amount_incl_tax": incl,
        "total_amount_excl_tax": excl,
        "total_amount_tax": incl - excl,
    }


async def test_no_capture_refund_or_line_makes_a_negative_tax(stack: Stack, db: Database) -> None:
    """total_amount_tax is incl - excl, and a capture's or refund's excl and tax lie between 0
    and its incl: taking more tax than remains would leave the rest (and its invoice or credit
    note) with a tax below 0, and the rest of a fully captured order is nothing to capture."""
    seller = await make_seller(stack, db)
    async with stack.http(seller.token) as http:
        answer = await http.post(
            "/v1/api/order-request/",
            json=order_request(
                **one_line_order(product_price_excl_tax=20000, product_price_incl_tax=10000)
            ),
        )
        assert refused_fields(answer) == ["order_lines[0].product_price_excl_tax"]
    path = f"/v1/api/orders/{await accepted_order(stack, seller, **one_line_order())}"
    async with stack.http(seller.token) as http:
        for triple in ((5000, 0, 5000), (12100, 9000, 3100)):
            answer = await http.post(
                f"{path}/capture/",
                json=dict(
                    zip(
                        ("total_amount_incl_tax", "total_amount_excl_tax", "total_amount_tax"),
                        triple,
                        strict=True,
                    )
                ),
            )
            assert answer.status_code == 409, answer.text
        status = (await http.get(f"{path}/capture_status/")).json()
        assert status["uncaptured"]["total_amount_tax"] == 2100
        captured = await http.post(
            f"{path}/capture/",
            json={"total_amount_incl_tax": 12100, "total_amount_excl_tax": 10000},
        )
        assert captured.status_code == 200, captured.text
        rest = await http.post(f"{path}/capture/", json={})
        assert rest.status_code == 409, rest.text
        # a refund's incl. decides; its tax is no more than the invoice has left (2100)
        refund = await http.post(
            f"{path}/refund/",
            json={
                "description": "r1",
                "total_amount_incl_tax": 5000,
                "total_amount_excl_tax": 0,
                "total_amount_tax": 5000,
            },
        )
        assert refund.status_code == 200, refund.text
        [note] = refund.json()["refunds"]
        assert (note["total_amount_excl_tax"], note["total_amount_tax"]) == (2900, 2100)
        refund = await http.post(f"{path}/refund/", json={"description": "r2", "amount": 7100})
        assert refund.status_code == 200, refund.text
        [note] = refund.json()["refunds"]
        assert (note["total_amount_excl_tax"], note["total_amount_tax"]) == (7100, 0)
        assert (await http.get(f"{path}/get_status/")).json() == {"status": "refunded"}


async def test_a_refunds_amount_must_equal_its_total_amount_incl_tax_next_to_invoice_amounts(
    stack: Stack, db: Database
) -> None:
    """nested-shapes §10 rule 5: amount and total_amount_incl_tax, if both are present, must
    be equal, also when the invoices carry refund_amounts."""
    seller = await make_seller(stack, db)
    path = f"/v1/api/orders/{await accepted_order(stack, seller)}"
    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={})
        assert captured.status_code == 200, captured.text
        amounts = [{"tax_rate_percentage": 21, "total_amount_incl_tax": 1210}]
        answer = await http.post(
            f"{path}/refund/",
            json={
                "description": "x",
                "amount": 100,
                "total_amount_incl_tax": 1210,
                "invoices": [
                    {"invoice_uuid": captured.json()["invoice_uuid"], "refund_amounts": amounts}
                ],
            },
        )
        assert refused_fields(answer) == ["amount"]


async def test_a_405_allows_every_method_the_path_serves(stack: Stack, db: Database) -> None:
    """RFC 9110 §15.5.6: Allow lists the methods the resource supports; an order is read
    with GET and changed with PATCH."""
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    async with stack.http(seller.token) as http:
        answer = await http.delete(f"/v1/api/orders/{order['uuid']}/")
    assert answer.status_code == 405, answer.text
    assert {"GET", "PATCH"} <= {m.strip() for m in answer.headers["allow"].split(",")}


async def test_a_confirm_whose_credit_check_outlasts_the_command_deadline_goes_to_pending_url(
    stack: Stack, db: Database
) -> None:
    """The buyer is redirected to pending_url while the decision is pending, also when the
    credit check (the bureau away, retried) takes longer than the API waits for a command."""
    seller = await make_seller(stack, db)
    settings = stack.settings.model_copy(
        update={
            "command_deadline": timedelta(seconds=1),
            "credit_check_retry_interval": timedelta(milliseconds=200),
            "credit_check_give_up_after": timedelta(seconds=4),
        }
    )
    async with serving(create_app(settings, db=db, temporal_client=stack.client)) as base_url:
        impatient = Stack(base_url, settings, db, stack.client)
        body = order_request(
            buyer_company={"name": "Outage B.V.", "registration_number": "UNAVAILABLE0000"},
            seller_urls={
                "success_url": "https://shop.example/success",
                "error_url": "https://shop.example/error",
                "pending_url": "https://shop.example/pending",
            },
        )
        order = await create(impatient, seller, body)
        confirmed = await confirm_on_page(impatient, order)
    assert confirmed.status_code == 302, confirmed.text
    assert confirmed.headers["location"] == "https://shop.example/pending"


async def test_a_discount_taking_more_tax_than_the_lines_hold_is_refused(
    stack: Stack, db: Database
) -> None:
    """The order's tax is incl - excl, cents >= 0: lines of 12100 / 10000 less a discount of
    3000 / 0 would total 9100 / 10000, a tax of -900, on create or PATCH."""
    seller = await make_seller(stack, db)
    discount = {"description": "All the tax", "amount_incl_tax": 3000, "amount_excl_tax": 0}
    body = one_line_order() | {
        "discount": discount,
        "total_amount_incl_tax": 9100,
        "total_amount_excl_tax": 10000,
        "total_amount_tax": -900,
    }
    order = await create(stack, seller, order_request(**one_line_order()))
    async with stack.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=order_request(**body))
        assert refused_fields(answer) == ["discount"]
        answer = await http.patch(f"/v1/api/orders/{order['uuid']}/", json={"discount": discount})
        assert refused_fields(answer) == ["discount"]


async def test_a_capture_after_a_refund_leaves_the_order_partially_refunded(
    stack: Stack, db: Database
) -> None:
    """The status moves captured -> partially_refunded -> refunded, never back: capturing the
    rest of an order with a refund made it "captured" again, and told the seller so."""
    seller = await make_seller(stack, db)
    path = f"/v1/api/orders/{await accepted_order(stack, seller)}"
    async with stack.http(seller.token) as http:
        first = await http.post(
            f"{path}/capture/", json={"order_lines": [{"product_id": "SKU-1", "quantity": 1}]}
        )
        assert first.status_code == 200, first.text
        refund = await http.post(f"{path}/refund/", json={"description": "Dent", "amount": 1000})
        assert refund.status_code == 200, refund.text
        assert (await http.get(f"{path}/get_status/")).json() == {"status": "partially_refunded"}
        rest = await http.post(f"{path}/capture/", json={})
        assert rest.status_code == 200, rest.text
        assert (await http.get(f"{path}/get_status/")).json() == {"status": "partially_refunded"}


async def test_a_partial_capture_by_amount_has_a_line_per_rate_taxed_at_it(
    stack: Stack, db: Database
) -> None:
    """nested-shapes rule 26: a capture by amount makes one line per tax rate covering the
    amount. Each line is taxed at its own rate: the amounts' tax (1050 here) falls on the 21 %
    part. Before, every line had the whole's ratio: a 0.00 % line carried 475 of tax."""
    seller = await make_seller(stack, db)
    lines = [
        {
            "quantity": 1,
            "product_id": "A",
            "product_name": "Car",
            "product_price_excl_tax": 10000,
            "product_price_incl_tax": 12100,
            "product_tax_rate_percentage": 21,
        },
        {
            "quantity": 1,
            "product_id": "B",
            "product_name": "Export papers",
            "product_price_excl_tax": 10000,
            "product_price_incl_tax": 10000,
            "product_tax_rate_percentage": 0,
        },
    ]
    totals = {"total_amount_incl_tax": 22100, "total_amount_excl_tax": 20000}
    body = order_request(order_lines=lines, discount=None, total_amount_tax=2100, **totals)
    path = f"/v1/api/orders/{await accepted_order(stack, seller, **body)}"
    async with stack.http(seller.token) as http:
        amount = {"total_amount_incl_tax": 11050, "total_amount_excl_tax": 10000}
        captured = await http.post(f"{path}/capture/", json=amount | {"total_amount_tax": 1050})
        assert captured.status_code == 200, captured.text
        invoice = await http.get(f"/v1/api/invoices/{captured.json()['invoice_uuid']}/")
    by_rate = {
        line["product_tax_rate_percentage"]: (
            line["total_product_price_incl_tax"],
            line["total_product_price_excl_tax"],
            line["tax"],
        )
        for line in invoice.json()["invoice_lines"]
    }
    assert by_rate == {"0.00": (5000, 5000, 0), "21.00": (6050, 5000, 1050)}, by_rate


async def test_a_capture_by_amount_never_invoices_a_line_with_a_negative_tax(
    stack: Stack, db: Database
) -> None:
    """An order at 0 %, 21 % and 6 % captured for 143 (133 excl. pro rata): the cent its
    split at the rates rounds off went to the largest line, the 0 % one (67 incl, 68 excl,
    tax -1), which refundable_invoices then listed and a refund of those lines refused. Now
    every line has 0 <= excl <= incl, and the lines listed refund the invoice whole."""
    seller = await make_seller(stack, db)

    def line(product: str, quantity: int, incl: int, excl: int, rate: int) -> dict[str, Any]:
        return {
            "quantity": quantity,
            "product_id": product,
            "product_name": product,
            "product_price_incl_tax": incl,
            "product_price_excl_tax": excl,
            "product_tax_rate_percentage": rate,
        }

    lines = [
        line("A", 2, 22456, 22456, 0),
        line("B", 1, 35518, 29354, 21),
        line("C", 1, 18713, 17654, 6),
    ]
    totals = {"total_amount_incl_tax": 99143, "total_amount_excl_tax": 91920}
    body = order_request(order_lines=lines, discount=None, total_amount_tax=7223, **totals)
    path = f"/v1/api/orders/{await accepted_order(stack, seller, **body)}"
    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={"amount": 143})
        assert captured.status_code == 200, captured.text
        invoice_uuid = captured.json()["invoice_uuid"]
        invoice = (await http.get(f"/v1/api/invoices/{invoice_uuid}/")).json()
        by_rate = {
            line["product_tax_rate_percentage"]: (
                line["total_product_price_incl_tax"],
                line["total_product_price_excl_tax"],
                line["tax"],
            )
            for line in invoice["invoice_lines"]
        }
        assert all(tax >= 0 and excl <= incl for incl, excl, tax in by_rate.values()), by_rate
        assert sum(incl for incl, _, _ in by_rate.values()) == 143, by_rate
        assert sum(excl for _, excl, _ in by_rate.values()) == 133, by_rate
        assert by_rate["0.00"] == (67, 67, 0), by_rate
        [listed] = (await http.get(f"{path}/refundable_invoices/")).json()["results"]
        refund_lines = every_line_back(listed)
        assert all(r["total_amount_excl_tax"] <= r["total_amount_incl_tax"] for r in refund_lines)
        refund = await http.post(
            f"{path}/refund/",
            json={
                "description": "Return",
                "amount": 143,
                "invoices": [{"invoice_uuid": invoice_uuid, "refund_lines": refund_lines}],
            },
        )
        assert refund.status_code == 200, refund.text
        [note] = refund.json()["refunds"]
        assert (note["total_amount_incl_tax"], note["total_amount_excl_tax"]) == (143, 133)


def _note(answer: httpx.Response) -> tuple[int, int, int]:
    assert answer.status_code == 200, answer.text
    [note] = answer.json()["refunds"]
    assert note["refund_lines"] == [] and note["amount"] == note["total_amount_incl_tax"]
    triple = (
        note["total_amount_incl_tax"],
        note["total_amount_excl_tax"],
        note["total_amount_tax"],
    )
    assert triple[0] >= triple[1] >= 0 and triple[2] == triple[0] - triple[1]
    return triple


def _magento_adjustment(invoice_uuid: str, amount: int) -> dict[str, Any]:
    """What Magento's RefundOrder.php sends for an adjustment refund."""
    return {
        "amount": float(amount),
        "description": "(Partial) Refund order 1",
        "invoices": [
            {
                "invoice_uuid": invoice_uuid,
                "refund_amounts": {
                    "tax_rate_percentage": 0,
                    "total_amount_excl_tax": float(amount),
                    "total_amount_incl_tax": float(amount),
                    "description": "Credit",
                },
            }
        ],
    }


async def test_a_magento_adjustment_refund_refunds_what_the_invoice_has_left(
    stack: Stack, db: Database
) -> None:
    """Magento books an adjustment at rate 0 with excl = incl (nested-shapes §4.1, rules 4
    and 27): it fits by its incl., so it is made, the credit note taking the excl. and tax the
    invoice has left. It was refused (409) as more excl. tax than remained."""
    seller = await make_seller(stack, db)
    two = one_line_order(quantity=2) | {
        "total_amount_incl_tax": 24200,
        "total_amount_excl_tax": 20000,
        "total_amount_tax": 4200,
    }
    for first_by_lines in (False, True):
        path = f"/v1/api/orders/{await accepted_order(stack, seller, **two)}"
        async with stack.http(seller.token) as http:
            captured = await http.post(f"{path}/capture/", json={})
            assert captured.status_code == 200, captured.text
            invoice_uuid = captured.json()["invoice_uuid"]
            rest = 24200
            if first_by_lines:
                line = {"product_id": "A", "quantity": 1, "total_amount_incl_tax": 12100}
                one = await http.post(
                    f"{path}/refund/",
                    json={
                        "description": "One back",
                        "amount": 12100,
                        "invoices": [{"invoice_uuid": invoice_uuid, "refund_lines": [line]}],
                    },
                )
                assert one.status_code == 200, one.text
                [left] = (await http.get(f"{path}/refundable_invoices/")).json()["results"]
                assert left["invoice_lines"][0]["refundable_quantity"] == 1
                rest = 12100
            answer = await http.post(
                f"{path}/refund/", json=_magento_adjustment(invoice_uuid, rest)
            )
            assert _note(answer) == (rest, rest * 100 // 121, rest * 21 // 121)
            assert (await http.get(f"{path}/get_status/")).json() == {"status": "refunded"}
            refundable = (await http.get(f"{path}/refundable_invoices/")).json()
            assert refundable["count"] == 0 and refundable["results"] == []
            more = await http.post(f"{path}/refund/", json=_magento_adjustment(invoice_uuid, 1))
            assert more.status_code == 409, more.text


async def test_the_rest_at_one_rate_as_core_sends_it_refunds_the_order(
    stack: Stack, db: Database
) -> None:
    """CORE's RefundAmountHandler sends what remains at one rate with its excl. at that rate:
    8000 at 21 % (6612) when the invoice has 661 of tax left. It was refused (409), leaving
    the order partially_refunded for good; the note books the excl. and tax that remain."""
    seller = await make_seller(stack, db)
    lines = [
        {
            "quantity": 1,
            "product_id": "A",
            "product_name": "Shirt",
            "product_price_excl_tax": 10000,
            "product_price_incl_tax": 12100,
            "product_tax_rate_percentage": "21.000000",
        },
        {
            "quantity": 1,
            "product_id": "B",
            "product_name": "Book",
            "product_price_excl_tax": 10000,
            "product_price_incl_tax": 10900,
            "product_tax_rate_percentage": "9.000000",
        },
    ]
    totals = {"total_amount_incl_tax": 23000, "total_amount_excl_tax": 20000}
    body = order_request(order_lines=lines, discount=None, total_amount_tax=3000, **totals)
    path = f"/v1/api/orders/{await accepted_order(stack, seller, **body)}"
    async with stack.http(seller.token) as http:
        captured = await http.post(f"{path}/capture/", json={})
        assert captured.status_code == 200, captured.text
        invoice_uuid = captured.json()["invoice_uuid"]

        def refund(amount: int, amounts: list[dict[str, Any]]) -> dict[str, Any]:
            item = {"invoice_uuid": invoice_uuid, "refund_amounts": amounts}
            return {"amount": amount, "description": "Refund", "invoices": [item]}

        first = await http.post(
            f"{path}/refund/",
            json=refund(
                15000,
                [
                    {
                        "tax_rate_percentage": "21.000000",
                        "total_amount_excl_tax": 10000,
                        "total_amount_incl_tax": 12100,
                    },
                    {
                        "tax_rate_percentage": "9.000000",
                        "total_amount_excl_tax": 2661,
                        "total_amount_incl_tax": 2900,
                    },
                ],
            ),
        )
        assert _note(first) == (15000, 12661, 2339)
        assert (await http.get(f"{path}/get_status/")).json() == {"status": "partially_refunded"}
        [left] = (await http.get(f"{path}/refundable_invoices/")).json()["results"]
        assert left["uuid"] == invoice_uuid
        rest = await http.post(
            f"{path}/refund/",
            json=refund(
                8000,
                [
                    {
                        "tax_rate_percentage": "21.000000",
                        "total_amount_excl_tax": 6612,
                        "total_amount_incl_tax": 8000,
                    }
                ],
            ),
        )
        assert _note(rest) == (8000, 7339, 661)
        assert (await http.get(f"{path}/get_status/")).json() == {"status": "refunded"}
        refundable = (await http.get(f"{path}/refundable_invoices/")).json()
        assert refundable["count"] == 0 and refundable["results"] == []
        invoice = (await http.get(f"/v1/api/invoices/{invoice_uuid}/")).json()
        assert [note["total_amount_tax"] for note in invoice["refunds"]] == [2339, 661]


async def test_the_order_detail_and_list_carry_the_payment_page_url(
    stack: Stack, db: Database
) -> None:
    """nested-shapes rule 6: responses carry payment_page_url; the detail and the list show
    the order request's own link (its link token), which opens the page."""
    seller = await make_seller(stack, db)
    body = order_request()
    order = await create(stack, seller, body)
    url = order["payment_page_url"]
    async with stack.http(seller.token) as http:
        detail = (await http.get(f"/v1/api/orders/{order['uuid']}/")).json()
        listed = await http.get(
            "/v1/api/orders/", params={"external_order_uid": body["external_order_uid"]}
        )
    assert detail["payment_page_url"] == url
    assert [item["payment_page_url"] for item in listed.json()["results"]] == [url]
    async with stack.http() as http:
        assert (await http.get(httpx.URL(url).path)).status_code == 200


async def test_captures_and_refunds_sent_at_once_each_write_theirs(
    stack: Stack, db: Database
) -> None:
    """Six captures of one order sent at once were each answered 200 with an invoice, but a
    capture whose write finished after a later one's was dropped whole: its invoice never
    existed (404, the buyer never invoiced). Refunds lost their credit notes the same way.
    Each writes its own now; the order keeps the newest state."""
    seller = await make_seller(stack, db)
    async with stack.http(seller.token) as http:
        for _ in range(4):
            order = await create(stack, seller, order_request())
            await confirm_on_page(stack, order)
            path = f"/v1/api/orders/{order['uuid']}"
            captured = await asyncio.gather(
                *(http.post(f"{path}/capture/", json={"amount": 1000}) for _ in range(6))
            )
            assert [a.status_code for a in captured] == [200] * 6, [a.text for a in captured]
            invoices = [a.json()["invoice_uuid"] for a in captured]
            listed = await http.get("/v1/api/invoices/", params={"order__uuid": order["uuid"]})
            assert sorted(i["uuid"] for i in listed.json()["results"]) == sorted(invoices)
            refunded = await asyncio.gather(
                *(
                    http.post(
                        f"{path}/refund/",
                        json={
                            "description": "Return",
                            "amount": 100,
                            "invoices": [{"invoice_uuid": uuid}],
                        },
                    )
                    for uuid in invoices
                )
            )
            assert [a.status_code for a in refunded] == [200] * 6, [a.text for a in refunded]
            for uuid in invoices:
                shown = (await http.get(f"/v1/api/invoices/{uuid}/")).json()
                assert [r["total_amount_incl_tax"] for r in shown["refunds"]] == [100], shown


async def status_notices(db: Database, uuid: str) -> list[dict[str, Any]]:
    """The status webhooks queued for the order ``uuid``, in the order they were queued."""
    async with db.session() as session:
        return [
            d.payload
            for d in await session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.event_type == "order_status_changed")
                .order_by(WebhookDelivery.id)
            )
            if d.payload["payload"]["order_id"] == uuid
        ]


async def test_a_status_change_is_notified_when_a_later_capture_is_written_first(
    stack: Stack, db: Database, receiver: tuple[Receiver, str], monkeypatch: Any
) -> None:
    """Two captures of an accepted order: the first changes the status (accepted ->
    partially_captured) and carries the webhook notice, the second changes nothing. When the
    second's write commits first (captures sent at once), the first's still queues its
    notice (nested-shapes rule 28: sent on every status change). Here the first capture's
    write is held until the second's is done."""
    from activities.payments import payment_orders

    hooks, hook_url = receiver
    seller = await make_seller(stack, db)
    uuid = await accepted_order(stack, seller, webhook_urls={"webhook_url": hook_url})
    await hooks.wait_for(1)  # accepted
    real_write = payment_orders._write_order
    held, release = asyncio.Event(), asyncio.Event()

    async def first_write_held(session: Any, state: Any) -> Any:
        if state.uuid == uuid and state.status == "partially_captured" and not held.is_set():
            held.set()
            await release.wait()
        return await real_write(session, state)

    monkeypatch.setattr(payment_orders, "_write_order", first_write_held)
    path = f"/v1/api/orders/{uuid}/capture/"
    # the second capture is taken in once the held write's workflow task is heartbeated (8 s)
    settings = stack.settings.model_copy(update={"command_deadline": timedelta(seconds=40)})
    async with serving(create_app(settings, db=db, temporal_client=stack.client)) as base_url:
        patient = Stack(base_url, settings, db, stack.client)
        async with patient.http(seller.token) as http:
            http.timeout = httpx.Timeout(60)
            first = asyncio.create_task(http.post(path, json={"amount": 1000}))
            await asyncio.wait_for(held.wait(), 20)
            second = await http.post(path, json={"amount": 1000})
            assert second.status_code == 200, second.text
            release.set()
            assert (await first).status_code == 200
    # accepted, then partially_captured: the second capture changed nothing
    assert len(await status_notices(db, uuid)) == 2


async def test_a_status_notice_is_queued_once_when_its_write_is_retried(
    stack: Stack, db: Database, receiver: tuple[Receiver, str], monkeypatch: Any
) -> None:
    """The write of a cancellation commits its notice, then fails before it starts the
    delivery: the retried write finds the notice queued and queues no second one."""
    from activities.payments.payment_orders import PaymentOrderActivities

    hooks, hook_url = receiver
    seller = await make_seller(stack, db)
    uuid = await accepted_order(stack, seller, webhook_urls={"webhook_url": hook_url})
    await hooks.wait_for(1)  # accepted
    real_start = PaymentOrderActivities._start
    failed: list[str] = []

    async def start_fails_once(self: PaymentOrderActivities, delivery: str | None) -> None:
        if delivery is not None and not failed:
            failed.append(delivery)
            raise RuntimeError("the worker lost its connection after the commit")
        await real_start(self, delivery)

    monkeypatch.setattr(PaymentOrderActivities, "_start", start_fails_once)
    async with stack.http(seller.token) as http:
        cancelled = await http.post(f"/v1/api/orders/{uuid}/cancel/")
    assert cancelled.status_code == 200, cancelled.text
    assert failed
    assert len(await status_notices(db, uuid)) == 2  # accepted, cancelled


# Temporal's default cap on the Updates one workflow run takes (history.maxTotalUpdates)
TEMPORAL_MAX_TOTAL_UPDATES = 2000


async def test_an_order_patched_2000_times_can_still_be_cancelled(
    stack: Stack, db: Database
) -> None:
    """Every command is an Update of the order's workflow, and Temporal takes at most 2000
    in one run (then refuses each with FAILED_PRECONDITION): a webshop that sends `PATCH {}`
    whenever it saves the order must not leave an order that takes no further command."""
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request(payment_link_duration=86400))
    path = f"/v1/api/orders/{order['uuid']}/"
    async with stack.http(seller.token) as http:

        async def patches(count: int) -> None:
            for _ in range(count):
                answer = await http.patch(path, json={})
                assert answer.status_code == 200, answer.text

        # the order request's `create` is the first Update
        sent = TEMPORAL_MAX_TOTAL_UPDATES - 1
        share = sent // 4
        await asyncio.gather(patches(sent - 3 * share), *(patches(share) for _ in range(3)))
        cancelled = await http.post(f"{path}cancel/")
    assert cancelled.status_code == 200, cancelled.text


def test_a_command_refused_at_a_workflow_limit_is_a_503_to_retry() -> None:
    """Temporal refuses an Update past a run's limits with FAILED_PRECONDITION: the command
    was not applied, and a retry once the run has continued as new goes through."""
    refused = RPCError(
        "The limit on the total number of distinct updates in this workflow has been reached",
        RPCStatusCode.FAILED_PRECONDITION,
        b"",
    )
    problem = temporal_problem(refused)
    assert problem is not None and problem.status == 503
    assert problem.headers and "Retry-After" in problem.headers


async def test_an_order_continues_as_new_and_keeps_its_captures_and_refunds(
    stack: Stack, db: Database
) -> None:
    """A run of the order's workflow hands the order to a new run after its share of
    commands: the order goes on as it was, its invoices refundable, its link confirmable."""
    seller = await make_seller(stack, db)
    stack.settings.payment_order_updates_per_run = 3
    try:
        order = await create(stack, seller, order_request())
        uuid = order["uuid"]
        handle = stack.client.get_workflow_handle(payment_order_workflow_id(uuid))
        first_run = (await handle.describe()).run_id
        path = f"/v1/api/orders/{uuid}"
        async with stack.http(seller.token) as http:
            for _ in range(2):  # with the create, the run's three
                assert (await http.patch(f"{path}/", json={})).status_code == 200
            assert (await confirm_on_page(stack, order)).status_code == 302  # in the next run
            captured = await http.post(f"{path}/capture/", json={"amount": 1000})
            assert captured.json()["status"] == "partially_captured", captured.text
            refunded = await http.post(
                f"{path}/refund/", json={"description": "Scratch", "amount": 1000}
            )  # the next run's third: the third run takes the rest
            assert refunded.status_code == 200, refunded.text
            rest = await http.post(f"{path}/capture/", json={})
            assert rest.status_code == 200, rest.text
            status = (await http.get(f"{path}/capture_status/")).json()
            listed = (await http.get(f"{path}/refundable_invoices/")).json()
        described = await handle.describe()
        assert described.run_id != first_run
        assert status["captured"]["total_amount_incl_tax"] == 119_790, status
        # the first invoice was refunded in full: the rest's is left to refund
        assert [i["uuid"] for i in listed["results"]] == [rest.json()["invoice_uuid"]]
        await capture_history(
            stack.client.get_workflow_handle(handle.id, run_id=first_run),
            "payment_order_before_continue_as_new",
        )
        await capture_history(handle, "payment_order_continued_as_new")
    finally:
        stack.settings.payment_order_updates_per_run = 1000


async def test_a_capture_retried_after_its_503_invoices_once(stack: Stack, db: Database) -> None:
    """A capture whose write outlasts the command deadline answers 503 (the command may still
    be applied); its retry with the same Idempotency-Key gets the first capture's result and
    does not invoice the buyer a second time for one shipment. Here the order's row is locked
    while the first capture's write waits for it."""
    seller = await make_seller(stack, db)
    uuid = await accepted_order(stack, seller)
    settings = stack.settings.model_copy(update={"command_deadline": timedelta(seconds=1)})
    capture = {"amount": 1000, "external_invoice_uid": "INV-1"}
    headers = {"Idempotency-Key": "capture-INV-1"}
    async with serving(create_app(settings, db=db, temporal_client=stack.client)) as base_url:
        impatient = Stack(base_url, settings, db, stack.client)
        async with impatient.http(seller.token) as http:
            async with db.transaction() as session:  # the order row, locked meanwhile
                await session.scalar(
                    select(PaymentOrder).where(PaymentOrder.uuid == UUID(uuid)).with_for_update()
                )
                first = await http.post(
                    f"/v1/api/orders/{uuid}/capture/", json=capture, headers=headers
                )
            assert first.status_code == 503, first.text
            assert "Retry with the same Idempotency-Key" in first.json()["detail"]
            await asyncio.sleep(2)  # the first capture's write goes through
            retried = await http.post(
                f"/v1/api/orders/{uuid}/capture/", json=capture, headers=headers
            )
            assert retried.status_code == 200, retried.text
            listed = await http.get("/v1/api/invoices/", params={"order__uuid": uuid})
    invoices = listed.json()["results"]
    assert [i["external_invoice_uid"] for i in invoices] == ["INV-1"], invoices
    assert retried.json()["invoice_uuid"] == invoices[0]["uuid"]


async def test_an_order_request_retried_after_its_503_is_one_order(
    stack: Stack, db: Database
) -> None:
    """An order request whose create outlasts the command deadline answers 503; its retry
    with the same Idempotency-Key answers the order the first attempt made, not a second one.
    Without a key, the 503 says that a retry is another order request. Here the seller's row
    is locked while the first create's write waits for it."""
    seller = await make_seller(stack, db)
    settings = stack.settings.model_copy(update={"command_deadline": timedelta(seconds=1)})
    body = order_request()
    async with serving(create_app(settings, db=db, temporal_client=stack.client)) as base_url:
        impatient = Stack(base_url, settings, db, stack.client)
        async with impatient.http(seller.token) as http:
            answers = []
            for headers in ({"Idempotency-Key": "order-1"}, {}):
                async with db.transaction() as session:  # the seller, locked meanwhile
                    await session.scalar(
                        select(Partner)
                        .where(Partner.profile_uuid == UUID(seller.profile))
                        .with_for_update()
                    )
                    answers.append(
                        await http.post("/v1/api/order-request/", json=body, headers=headers)
                    )
            keyed, unkeyed = answers
            assert [keyed.status_code, unkeyed.status_code] == [503, 503], unkeyed.text
            assert "Retry with the same Idempotency-Key" in keyed.json()["detail"]
            assert "A retry sends the command again" in unkeyed.json()["detail"]
            await asyncio.sleep(2)  # the first create's write goes through
            retried = await http.post(
                "/v1/api/order-request/", json=body, headers={"Idempotency-Key": "order-1"}
            )
            assert retried.status_code == 201, retried.text
            again = await http.post(
                "/v1/api/order-request/", json=body, headers={"Idempotency-Key": "order-1"}
            )
            listed = (await http.get("/v1/api/orders/")).json()
    assert again.json()["uuid"] == retried.json()["uuid"]
    # the keyed request's order, once, and the unkeyed one's
    assert listed["count"] == 2, listed
    assert retried.json()["uuid"] in {o["uuid"] for o in listed["results"]}


async def test_one_idempotency_key_at_two_sellers_of_an_organization_makes_an_order_each(
    stack: Stack, db: Database
) -> None:
    """A retry is the same request from the same seller: seller B sending the key and body
    seller A sent makes its own order. B was answered 404 naming A's order, and had none."""
    suffix, password = uuid4().hex[:8], f"pw-{uuid4().hex}"
    async with db.transaction() as session:
        org = await identity.create_organization(session, f"Shop {suffix}")
        for name in ("a", "b"):
            partner = await identity.create_partner(session, org, f"Seller {name} {suffix}", "NL")
            await identity.create_user(
                session, f"{name}-{suffix}", password, organization=org, partner=partner
            )
    body, same_key = order_request(), {"Idempotency-Key": str(uuid4())}
    async with (
        stack.http(await stack.login(f"a-{suffix}", password)) as seller_a,
        stack.http(await stack.login(f"b-{suffix}", password)) as seller_b,
    ):
        made_a = await seller_a.post("/v1/api/order-request/", json=body, headers=same_key)
        made_b = await seller_b.post("/v1/api/order-request/", json=body, headers=same_key)
        again_b = await seller_b.post("/v1/api/order-request/", json=body, headers=same_key)
        listed_a = (await seller_a.get("/v1/api/orders/")).json()
        listed_b = (await seller_b.get("/v1/api/orders/")).json()
    assert [made_a.status_code, made_b.status_code] == [201, 201], made_b.text
    assert made_a.json()["uuid"] not in made_b.text
    assert again_b.json()["uuid"] == made_b.json()["uuid"]  # B's own retry is B's order
    assert [o["uuid"] for o in listed_a["results"]] == [made_a.json()["uuid"]]
    assert [o["uuid"] for o in listed_b["results"]] == [made_b.json()["uuid"]]


async def test_a_busy_orders_429_carries_x_rate_limit_reset(
    stack: Stack, db: Database, monkeypatch: Any
) -> None:
    """nested-shapes rule 30: "429 answers carry `X-Rate-Limit-Reset` as an HTTP date" (CORE
    waits until that moment). A command queued behind the order's commands in flight answers
    429: here the order's gate is full (as with MAX_IN_FLIGHT commands of the order still
    running) and the queue wait short."""
    seller = await make_seller(stack, db)
    uuid = await accepted_order(stack, seller)
    workflow_id = payment_order_workflow_id(uuid)
    monkeypatch.setattr(commands, "QUEUE_WAIT_SECONDS", 0.2)
    full = commands._Gate(semaphore=asyncio.Semaphore(0), users=1)
    commands._gates[workflow_id] = full
    try:
        async with stack.http(seller.token) as http:
            answer = await http.post(f"/v1/api/orders/{uuid}/capture/", json={})
    finally:
        del commands._gates[workflow_id]
    assert answer.status_code == 429, answer.text
    assert answer.json()["details"]
    assert answer.headers["Retry-After"] == "1"
    reset = parsedate_to_datetime(answer.headers["X-Rate-Limit-Reset"])
    assert datetime.now(UTC) < reset <= datetime.now(UTC) + timedelta(seconds=2)
