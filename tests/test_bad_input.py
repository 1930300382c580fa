"""Bad input on both API families, end to end over HTTP: it is refused with a problem+json naming
what is wrong, never a 500, and nothing of it reaches the database or a workflow.

Wrong media types (415), bodies that are not JSON at all (400), JSON a strict decoder refuses
(NaN, Infinity, lone surrogates, numbers beyond 64 bits), integers out of range in queries and
paths, the money limit, NOTYD's ``external_webshop_uid``, paths with and without their trailing
slash, If-Match on webhook endpoints, credit notes of refunds by amount, the admin command's
flags, the NUL character in JSON, queries, paths, forms and uploads, and the size of a body.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import DataError
from temporalio.exceptions import ApplicationError

import admin
from activities.payments.payment_orders import final_on_unwritable
from api.nt24.values import MoneyIn
from api.shared import errors
from api.shared.edge import EdgeMiddleware
from api.shared.errors import FieldError, json_safe
from api.shared.input_limits import (
    BODY_LIMIT,
    FORM_FIELDS_MARGIN,
    JSON_DEPTH_LIMIT,
    MIB,
    json_problems,
)
from settings import Settings
from store.db import Database
from store.models import (
    BankStatementImport,
    IdempotencyRecord,
    Order,
    Organization,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from tests.conftest import Stack
from tests.order_flow import TOTAL, OrderClient, key, pdf, seller_session, seller_today
from tests.payment_invoices import (
    SAMPLE_STATEMENT,
    captured_invoice,
    invoice_row,
    statement_paying,
)
from tests.test_admin_cli import _query, sqlite_url  # noqa: F401 (a fixture)
from tests.test_buyers import buyer_body
from tests.test_payment_orders import confirm_on_page, create, make_seller, order_request
from tests.test_security_web import staff, web_login
from tests.test_web_staff_forms import web_session
from tests.test_webhooks import register

PROBLEM_JSON = "application/problem+json"
TOO_BIG = 2**64 + 1
NOT_JSON = (
    ("application/xml", b"<buyer><vatNumber>FR40303265045</vatNumber></buyer>"),
    ("application/x-www-form-urlencoded", b"vatNumber=FR40303265045&companyName=x"),
    ("text/plain", b'{"vatNumber": "FR40303265045"}'),
)


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON), answer.headers
    return answer.json()


def fields(answer: httpx.Response) -> list[str]:
    return [error["field"] for error in problem(answer, 422)["errors"]]


def raw_json(text: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments sending ``text`` as it is (json= could not write NaN or surrogates)."""
    return {
        "content": text.encode(),
        "headers": (headers or {}) | {"content-type": "application/json"},
    }


# --- pure: the strict decoder and safe problem bodies --------------------------------------


def test_strict_decoder_names_every_offending_value() -> None:
    body = (
        '{"a": NaN, "b": [1, Infinity, -Infinity], "c": {"d": "x\\ud800y"}, "\\udc00": 1,'
        f' "e": {2**63}, "f": {-(2**63)}, "g": 1e400, "h": 1.5, "i": {2**63 - 1}}}'
    )
    found = {error["field"]: error for error in json_problems(body.encode())}
    assert set(found) == {"a", "b[1]", "b[2]", "c.d", "\ufffd", "e", "g"}
    assert found["a"]["rejectedValue"] == "NaN"
    assert found["e"]["rejectedValue"] == str(2**63)
    assert found["c.d"]["rejectedValue"] == "x\ufffdy"
    assert json_problems(b"not json") == [] and json_problems(b'{"ok": [1, 2.5, "\xc3\xa9"]}') == []
    assert json_problems(b"[" + b"9" * 5000 + b"]")[0]["field"] == "[0]"


def test_the_strict_decoder_names_a_member_given_twice() -> None:
    found = json_problems(b'{"a": 1, "b": {"c": [1], "c": 2, "d": "x", "d": "y"}, "a": NaN}')
    assert [(e["field"], e["message"], e.get("rejectedValue")) for e in found] == [
        ("a", "must be sent once, not repeated", None),  # a value refused for itself
        ("a", "must be a finite number (NaN and Infinity are not JSON numbers)", "NaN"),
        ("b.c", "must be sent once, not repeated", None),  # an object or list: its name
        ("b.d", "must be sent once, not repeated", ["x", "y"]),
    ]
    # the same name in two objects is two members, not one repeated
    assert json_problems(b'[{"a": 1}, {"a": 1}, {"b": {"a": 2}, "a": 3}]') == []


def test_problem_bodies_are_always_json() -> None:
    odd = {"b": b"<xml \xff>" * 100, "s": "\ud800", "n": float("nan"), "o": object()}
    safe = json_safe(odd)
    json.dumps(safe, allow_nan=False).encode()
    assert safe["b"].startswith("<xml \ufffd>") and len(safe["b"]) <= 203
    assert safe["s"] == "\ufffd" and safe["n"] == "nan"


def test_rejected_values_are_cut_short() -> None:
    assert FieldError("f", "m", "x" * 1_000_000)["rejectedValue"] == "x" * 200 + "..."
    short = ["x" * 200, "é\u2028", 2**63, 1.5, None, True, list(range(20)), {"a": [1]}]
    assert [FieldError("f", "m", value).get("rejectedValue") for value in short] == short
    assert "rejectedValue" not in FieldError("f", "m", None)  # left out, as null fields are
    assert FieldError("f", "m", list(range(10**6)))["rejectedValue"] == [*range(20), "..."]
    many = FieldError("f", "m", {str(i): "y" * 300 for i in range(10**5)})["rejectedValue"]
    assert list(many) == [*map(str, range(20)), "..."] and many["0"] == "y" * 200 + "..."
    assert FieldError("f", "m", [[[[[1]]]]])["rejectedValue"] == [[["..."]]]
    assert FieldError("f", "m", b"\xff" * 500)["rejectedValue"] == "\ufffd" * 200 + "..."


def money_app(limit: int) -> httpx.AsyncClient:
    """An app taking a ``MoneyIn`` at ``POST /money``, amounts limited to ``limit``."""
    app = FastAPI()
    app.state.settings = Settings(max_money_minor_units=limit)
    app.add_middleware(EdgeMiddleware, settings=app.state.settings)

    @app.post("/money")
    async def money(body: MoneyIn) -> dict[str, int]:
        return {"value": body.value}

    errors.install(app)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_money_limit_is_the_serving_apps_setting() -> None:
    async with money_app(500) as http:
        assert (await http.post("/money", json={"value": 500, "currency": "EUR"})).is_success
        refused = await http.post("/money", json={"value": 501, "currency": "EUR"})
    assert fields(refused) == ["value"]
    assert "at most 500" in refused.json()["errors"][0]["message"]


async def test_an_amount_in_euros_is_told_amounts_are_cents() -> None:
    """``"value": 18500.5`` (euros) answered "Input should be a valid integer, got a number
    with a fractional part": never that amounts are integers of minor units, the one thing an
    integrator sending euros needs to read."""
    async with money_app(10**11) as http:
        refused = await http.post("/money", json={"value": 18500.5, "currency": "EUR"})
        whole = await http.post("/money", json={"value": 1850050, "currency": "EUR"})
    assert fields(refused) == ["value"]
    [error] = refused.json()["errors"]
    assert "minor units (cents for EUR)" in error["message"], error
    assert error["rejectedValue"] == 18500.5
    assert whole.json() == {"value": 1850050}


async def test_an_unwritable_value_fails_the_activity_for_good() -> None:
    @final_on_unwritable
    async def write(amount: int) -> None:
        raise DataError("INSERT", {"amount": amount}, Exception("value out of int64 range"))

    with pytest.raises(ApplicationError) as failed:
        await write(2**70)
    assert failed.value.non_retryable


# --- 1. wrong media type ------------------------------------------------------------------


async def test_json_endpoints_refuse_other_media_types(stack: Stack, db: Database) -> None:
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    async with http, stack.http(seller.token) as notyd:
        for content_type, body in NOT_JSON:
            headers = {"content-type": content_type}
            for path in ("/buyers", "/orders"):
                answer = await http.post(
                    f"{tenant.seller}{path}", content=body, headers=key() | headers
                )
                assert problem(answer, 415)["code"] == "unsupported-media-type", path
            for path in ("/v1/api/order-request/", "/v1/api/order-request"):
                answer = await notyd.post(path, content=body, headers=headers)
                found = problem(answer, 415)
                assert found["details"] == found["detail"]
        xml = await notyd.post(
            "/v1/api/token/", content=b"<a/>", headers={"content-type": "text/xml"}
        )
        assert problem(xml, 415)["code"] == "unsupported-media-type"
        # a body sent without any media type is not guessed at either
        bare = await http.post(f"{tenant.seller}/buyers", content=b"{}", headers=key())
        assert problem(bare, 415)["code"] == "unsupported-media-type"
        assert (await http.get(f"{tenant.seller}/buyers")).json()["data"] == []


async def test_a_body_that_is_not_json_is_400_malformed_request(stack: Stack, db: Database) -> None:
    """Every operation taking a JSON body, on both families: a body that does not parse names
    no field, so it is the contract's 400 malformed-request, not a 422; its detail is Django
    REST framework's, which NOTYD clients know (with ``details`` beside it)."""
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    async with http, stack.http(seller.token) as notyd:
        document = (await http.get("/openapi.json")).json()
        checked = set()
        for path, item in document["paths"].items():
            for method, operation in item.items():
                content = operation.get("requestBody", {}).get("content", {})
                if "application/json" not in content or path.startswith("/v1/providers/"):
                    continue
                url = re.sub(
                    r"\{\w+\}", str(uuid4()), path.replace("{sellerId}", str(tenant.partner.uuid))
                )
                notyd_path = path.startswith("/v1/api/")
                answer = await (notyd if notyd_path else http).request(
                    method, url, **raw_json('{"reason": ', key())
                )
                found = problem(answer, 400)
                assert found["code"] == "malformed-request", (method, path, found)
                detail = "JSON parse error - Expecting value: line 1 column 12 (char 11)"
                assert found["detail"] == detail and "errors" not in found, (method, path)
                if notyd_path:
                    assert found["details"] == detail
                checked.add("notyd" if notyd_path else "nt24")
        assert checked == {"nt24", "notyd"}
        assert (await http.get(f"{tenant.seller}/buyers")).json()["data"] == []


async def test_a_write_without_a_body_names_each_field_its_body_needs(
    stack: Stack, db: Database
) -> None:
    """Every operation of both families whose JSON body has required fields: sent no body at
    all, it answers 422 naming each of them (``reason`` for a cancel), not a field ``body``."""
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    async with http, stack.http(seller.token) as notyd:
        document = (await http.get("/openapi.json")).json()
        schemas = document["components"]["schemas"]
        checked = []
        for path, item in document["paths"].items():
            for method, operation in item.items():
                content = operation.get("requestBody", {}).get("content", {})
                schema = content.get("application/json", {}).get("schema", {})
                if "$ref" in schema:
                    schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
                required = schema.get("required")
                if not required or path.startswith("/v1/providers/"):
                    continue
                url = path.replace("{sellerId}", str(tenant.partner.uuid))
                url = re.sub(r"\{\w+\}", str(uuid4()), url)
                caller = notyd if path.startswith("/v1/api/") else http
                answer = await caller.request(method, url, headers=key() | {"If-Match": '"0"'})
                assert fields(answer) == required, (method, path, answer.text)
                assert {e["message"] for e in answer.json()["errors"]} == {"Field required"}
                checked.append(f"{method.upper()} {path}")
        assert "POST /v1/partners/{sellerId}/orders/{uuid}/cancel" in checked
        assert "POST /v1/api/order-request/" in checked and "POST /v1/api/token/" in checked


# --- 2. values JSON, a database or a workflow cannot carry ---------------------------------


async def test_strict_json_on_nt24_writes(stack: Stack) -> None:
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        buyer = await orders.buyer(documents=False)
        good = orders.order_body(buyer, f"deal-{uuid4()}")
        total, bought = '"totalAmount": {"value": ', '"purchaseAmount": {"value": '
        external = f'"externalOrderId": "{good["externalOrderId"]}"'
        cases = [
            ("totalAmount.value", f"{total}1850000", f"{total}NaN"),
            ("vins[0].purchaseAmount.value", f"{bought}1850000", f"{bought}Infinity"),
            ("vins[0].mileage", '"mileage": 85000', f'"mileage": {TOO_BIG}'),
            ("externalOrderId", external, '"externalOrderId": "x\\udfff"'),
        ]
        for field, sound, bad in cases:
            text = json.dumps(good)
            assert sound in text, sound
            text = text.replace(sound, bad, 1)
            answer = await http.post(f"{tenant.seller}/orders", **raw_json(text, key()))
            assert fields(answer) == [field], answer.text
        buyer_body = {
            "vatNumber": "FR40303265045",
            "companyName": "Garage \ud800",
            "kycMode": "MARKETPLACE_LED",
        }
        answer = await http.post(
            f"{tenant.seller}/buyers", **raw_json(json.dumps(buyer_body), key())
        )
        assert fields(answer) == ["companyName"]
        assert (await http.get(f"{tenant.seller}/orders")).json()["data"] == []
    async with stack.db.session() as session:
        count = select(func.count()).select_from(Order).where(Order.partner_id == tenant.partner.id)
        assert await session.scalar(count) == 0


async def test_strict_json_and_amounts_on_notyd_writes(stack: Stack, db: Database) -> None:
    seller = await make_seller(stack, db)
    price = '"product_price_excl_tax": 40000'
    cases = [
        ("order_lines[0].product_price_excl_tax", price, f'"product_price_excl_tax": {2**63}'),
        ("order_lines[0].product_price_excl_tax", price, f'"product_price_excl_tax": "{2**63}"'),
        ("order_lines[0].product_price_excl_tax", price, '"product_price_excl_tax": NaN'),
        ("order_lines[0].product_price_excl_tax", price, '"product_price_excl_tax": 100000000001'),
        ("total_amount_incl_tax", '_incl_tax": 119790', '_incl_tax": 1e400'),
        ("buyer_company.name", '{"name": "My Cool', '{"name": "\\ud83d My Cool'),
        ("order_lines[0].quantity", '"quantity": 2', '"quantity": 3000000000'),
        ("order_lines[0].quantity", '"quantity": 2', '"quantity": 2000000000'),  # x 40000
    ]  # fmt: skip
    body = json.dumps(order_request())
    async with stack.http(seller.token) as http:
        for field, sound, bad in cases:
            assert sound in body, sound
            text = body.replace(sound, bad, 1)
            answer = await http.post("/v1/api/order-request/", **raw_json(text))
            assert fields(answer) == [field], (bad, answer.text)
        assert (await http.get("/v1/api/orders/")).json()["count"] == 0


async def test_a_json_body_naming_a_field_twice_is_refused_not_last_wins(
    stack: Stack, db: Database
) -> None:
    """A JSON object naming a member twice was read as its last value, silently: a payment
    sent with cashAmount 9000.00 and then 0.00 was stored with no cash at all (201), a webhook
    naming events twice subscribed to the second list only. RFC 8259 4 calls such an object's
    meaning unpredictable; as a repeated upload field, it is a 422 naming the member, on both
    API families, and nothing is written."""
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    async with http, stack.http(seller.token) as notyd:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        payment = (
            f'{{"paymentDate": "{seller_today().isoformat()}", '
            '"cashAmount": {"value": 900000, "currency": "EUR"}, '
            f'"bankAmount": {{"value": {TOTAL}, "currency": "EUR"}}, '
            '"cashAmount": {"value": 0, "currency": "EUR"}}'
        )
        paid = await http.post(
            f"{tenant.seller}/orders/{order}/payment", **raw_json(payment, key())
        )
        assert fields(paid) == ["cashAmount"]
        assert (await client.get(f"/orders/{order}/payment")).status_code == 404
        hook = await http.post(
            "/v1/webhooks",
            **raw_json(
                '{"url": "http://127.0.0.1:9/h", "events": ["kyc.*"], "events": ["compliance.*"]}',
                key(),
            ),
        )
        assert fields(hook) == ["events"]
        assert (await http.get("/v1/webhooks")).json() == []

        body = json.dumps(order_request())
        twice = body.replace('"quantity": 2', '"quantity": 2, "quantity": 1', 1)
        assert twice != body
        answer = await notyd.post("/v1/api/order-request/", **raw_json(twice))
        found = problem(answer, 422)
        assert fields(answer) == ["order_lines[0].quantity"]
        assert found["errors"][0]["rejectedValue"] == [2, 1]
        assert found["details"] == found["detail"]
        assert (await notyd.get("/v1/api/orders/")).json()["count"] == 0


async def test_a_list_longer_than_any_real_one_is_refused_at_once(
    stack: Stack, db: Database
) -> None:
    """A body under the size cap can still hold 340,000 empty lines: validating each would
    take gigabytes and seconds. The list's length is refused first, naming it."""
    seller = await make_seller(stack, db)
    lines = "[" + ",".join(["{}"] * 340_000) + "]"
    async with stack.http(seller.token) as http:
        body = json.dumps(order_request()).replace(
            '"order_lines": [', '"order_lines": ' + lines + ', "x": [', 1
        )
        answer = await http.post("/v1/api/order-request/", **raw_json(body))
        assert fields(answer) == ["order_lines"], answer.text[:300]
    tenant, nt24 = await seller_session(stack)
    async with nt24:
        client = OrderClient(stack, tenant, nt24)
        order = (await client.order(await client.buyer()))["uuid"]
        vins = [{"vin": "WVWZZZ1KZAW000001"}] * 51
        patched = await nt24.patch(
            f"{tenant.seller}/orders/{order}",
            json={"vins": vins},
            headers=key() | {"If-Match": '"1"'},
        )
        assert fields(patched) == ["vins"], patched.text[:300]


async def test_integers_out_of_range_in_queries_and_paths(stack: Stack, db: Database) -> None:
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    huge = "99999999999999999999"
    async with http, stack.http(seller.token) as notyd:
        for path in ("/orders", "/buyers"):
            for page in (huge, str(2**63 - 1)):
                answer = await http.get(f"{tenant.seller}{path}", params={"page": page})
                assert fields(answer) == ["page"], answer.text
        assert fields(await http.get("/v1/events", params={"after": huge})) == ["after"]
        order = f"{tenant.seller}/orders/{uuid4()}"
        answer = await http.get(f"{order}/finalization/export-file/versions/{huge}/content")
        assert fields(answer) == ["version"]
        for path in ("/v1/api/orders/", "/v1/api/invoices/", "/v1/api/users/"):
            # past the last page, as Django REST framework answers it: never an error of ours
            answer = await notyd.get(path, params={"page": huge})
            assert answer.status_code == 404, (path, answer.text)
            assert answer.json()["detail"] == "Invalid page."
        counters = ("upcoming_payment_reminder", "invoice_due", "free_reminder")
        counters += ("reminder_1", "reminder_2", "last_notice")
        for counter in counters:
            for value in (huge, str(2**40), "-1"):
                answer = await notyd.get("/v1/api/invoices/", params={f"{counter}_sent": value})
                assert fields(answer) == [f"{counter}_sent"], answer.text
        assert (await notyd.get("/v1/api/invoices/", params={"invoice_due_sent": 0})).is_success


async def test_a_repeated_single_valued_query_parameter_is_refused_naming_it(
    stack: Stack, db: Database
) -> None:
    """``GET .../orders?status=CREATED&status=CANCELLED`` answered 200 with no order (the last
    value won, the first was dropped); swapped, it answered every CREATED order: one question
    answered two ways by the order of its parameters. A single-valued query parameter sent
    twice is a 422 naming it on every route of both families (their own problem shapes); a
    list parameter repeats as before."""
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    async with http, stack.http(seller.token) as notyd:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        hook = await register(http, "http://127.0.0.1:9/hooks", ["kyc.*"])
        other = "00000000-0000-4000-8000-000000000000"
        for path, query, name in [
            (f"{tenant.seller}/orders", "status=CREATED&status=CANCELLED", "status"),
            (f"{tenant.seller}/orders", f"buyerId={buyer}&buyerId={other}", "buyerId"),
            (f"{tenant.seller}/orders", "size=1&page=0&size=50", "size"),  # paging's own
            (f"{tenant.seller}/buyers", "status=ACTIVE&status=BLOCKED", "status"),
            (f"/v1/webhooks/{hook['id']}/deliveries", "status=FAILED&status=PENDING", "status"),
            ("/v1/events", "after=0&after=5", "after"),
            ("/v1/events", "size=5&size=10", "size"),
        ]:
            answer = await http.get(f"{path}?{query}")
            assert fields(answer) == [name], (path, query, answer.text)
            error = answer.json()["errors"][0]
            assert error["message"] == "must be sent once, not repeated"
            assert error["rejectedValue"] == [
                v.split("=")[1] for v in query.split("&") if v.startswith(f"{name}=")
            ]
        # once each, or a list parameter repeated: answered as before
        listed = await http.get(f"{tenant.seller}/orders?status=CREATED&buyerId={buyer}")
        assert [o["uuid"] for o in listed.json()["data"]] == [order], listed.text
        types = "type=compliance.status_changed&type=compliance.decision_made"
        assert (await http.get(f"/v1/events?{types}&size=5")).status_code == 200

        answer = await notyd.get("/v1/api/orders/?status=captured&status=cancelled")
        assert fields(answer) == ["status"]
        assert answer.json()["details"] == answer.json()["detail"]
        # an empty filter is none (as django-filter reads it): sent once, not repeated
        assert (await notyd.get("/v1/api/orders/?status=&status=captured")).status_code == 200


# --- 3. the money limit on NT24 ------------------------------------------------------------


async def test_nt24_money_limit(stack: Stack) -> None:
    limit = stack.settings.max_money_minor_units
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        buyer = await orders.buyer(documents=False)
        body = orders.order_body(buyer, f"deal-{uuid4()}")
        body["totalAmount"]["value"] = limit + 1
        answer = await orders.post("/orders", body)
        assert fields(answer) == ["totalAmount.value"]
        assert str(limit) in answer.json()["errors"][0]["message"]
        body["totalAmount"]["value"] = -1
        assert fields(await orders.post("/orders", body)) == ["totalAmount.value"]
        order = await orders.order(buyer)
        invoice = {
            "type": "PRELIMINARY",
            "invoiceDate": "2026-01-02",
            "invoiceNumber": "INV-1",
            "vatIncluded": False,
            "amount": {"value": 2**63, "currency": "EUR"},
        }
        answer = await orders.post(f"/orders/{order['uuid']}/invoice", invoice)
        assert fields(answer) == ["amount.value"]


async def test_nt24_amounts_are_json_integers_in_an_iso_4217_currency(stack: Stack) -> None:
    """The contract's money object: ``value`` an integer, ``currency`` an ISO 4217 code. A
    boolean or a numeral in a string is no integer, XYZ no currency: 422 naming the field,
    and nothing is written. Any ISO 4217 code is taken (the contract shows EUR, but does not
    limit the currency), as is a number written with a zero fraction."""
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        buyer = await orders.buyer(documents=False)

        def order(field: str, value: Any) -> dict[str, Any]:
            """An order whose ``field`` (``totalAmount.value``, ...) is ``value``."""
            body = orders.order_body(buyer, f"deal-{uuid4()}")
            amount, key = field.rsplit(".", 1)
            money = (
                body["totalAmount"]
                if amount == "totalAmount"
                else body["vins"][0][amount.removeprefix("vins[0].")]
            )
            money[key] = value
            return body

        for field, value in (
            ("totalAmount.value", True),
            ("totalAmount.value", "1850000"),
            ("totalAmount.currency", "XYZ"),
            ("vins[0].purchaseAmount.value", False),
            ("vins[0].purchaseAmount.currency", "ABC"),
        ):
            answer = await orders.post("/orders", order(field, value))
            assert fields(answer) == [field], (field, value, answer.text)
            assert answer.json()["errors"][0]["rejectedValue"] == value
        assert (await http.get(f"{tenant.seller}/orders")).json()["data"] == []

        made = await orders.post("/orders", order("totalAmount.value", 1850000.0))
        assert made.status_code == 201, made.text
        assert made.json()["totalAmount"] == {"value": 1850000, "currency": "EUR"}
        made = await orders.post("/orders", order("totalAmount.currency", "CHF"))
        assert made.status_code == 201, made.text
        uuid = made.json()["uuid"]
        invoice = {
            "type": "PRELIMINARY",
            "invoiceDate": "2026-01-02",
            "invoiceNumber": "INV-1",
            "vatIncluded": False,
            "amount": {"value": "1850000", "currency": "EUR"},
        }
        answer = await orders.post(f"/orders/{uuid}/invoice", invoice)
        assert fields(answer) == ["amount.value"]
        payment = {
            "paymentDate": "2026-01-03",
            "bankAmount": {"value": 1850000, "currency": "XYZ"},
            "cashAmount": {"value": True, "currency": "EUR"},
        }
        answer = await orders.post(f"/orders/{uuid}/payment", payment)
        assert fields(answer) == ["bankAmount.currency", "cashAmount.value"]
        assert (await orders.get(f"/orders/{uuid}/invoice")).json() == []
        assert (await orders.get(f"/orders/{uuid}/payment")).status_code == 404


async def test_an_address_country_is_an_iso_3166_code(stack: Stack) -> None:
    """A country is checked where an address comes in, as a document's countries are: a
    delivery's address is final once confirmed, so "ZZ" there could never be corrected."""
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        upsert = buyer_body(address=buyer_body()["address"] | {"country": "QQ"})
        answer = await http.post(f"{tenant.seller}/buyers", json=upsert, headers=key())
        assert fields(answer) == ["address.country"], answer.text
        assert "ISO 3166-1 alpha-2" in answer.json()["errors"][0]["message"]
        greek = buyer_body(address=buyer_body()["address"] | {"country": "el"})
        made = await http.post(f"{tenant.seller}/buyers", json=greek, headers=key())
        assert made.status_code == 201 and made.json()["address"]["country"] == "GR", made.text
        order = await orders.order(await orders.buyer(documents=False))
        await orders.invoice_and_payment(order["uuid"])
        ready = await orders.post(f"/orders/{order['uuid']}/payment/ready-for-pickup")
        assert ready.status_code == 200, ready.text
        answer = await orders.pickup(order["uuid"], country="ZZ")
        assert fields(answer) == ["collectionAddress.country"], answer.text
        assert (await orders.pickup(order["uuid"])).status_code == 200
        answer = await orders.deliver(order["uuid"], country="ZZ")
        assert fields(answer) == ["deliveryAddress.country"], answer.text
        transport = (await orders.get(f"/orders/{order['uuid']}/transport")).json()
        assert transport.get("delivery") is None, transport


async def test_nt24_booleans_and_integers_are_json_ones(stack: Stack) -> None:
    """The contract's booleans (an invoice's ``vatIncluded``, ``marginScheme``) are JSON true
    or false and its integers (a VIN's ``mileage``) JSON numbers: "yes", "on", 1 or "5" are a
    422 naming the field, never read as true or 5, and nothing is written."""
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        buyer = await orders.buyer(documents=False)
        for mileage in ("5", True):
            body = orders.order_body(buyer, f"deal-{uuid4()}")
            body["vins"][0]["mileage"] = mileage
            answer = await orders.post("/orders", body)
            assert fields(answer) == ["vins[0].mileage"], (mileage, answer.text)
            assert answer.json()["errors"][0]["rejectedValue"] == mileage
        assert (await http.get(f"{tenant.seller}/orders")).json()["data"] == []

        uuid = (await orders.order(buyer))["uuid"]
        invoice = {
            "type": "PRELIMINARY",
            "invoiceDate": "2026-01-02",
            "invoiceNumber": "INV-1",
            "vatIncluded": False,
            "amount": {"value": 1850000, "currency": "EUR"},
        }
        answer = await orders.post(
            f"/orders/{uuid}/invoice", invoice | {"vatIncluded": "yes", "marginScheme": "on"}
        )
        assert fields(answer) == ["vatIncluded", "marginScheme"]
        answer = await orders.post(f"/orders/{uuid}/invoice", invoice | {"vatIncluded": 1})
        assert fields(answer) == ["vatIncluded"]
        assert (await orders.get(f"/orders/{uuid}/invoice")).json() == []

        made = await orders.post(f"/orders/{uuid}/invoice", invoice)
        assert made.status_code == 201, made.text
        patched = await http.patch(
            f"{tenant.seller}/orders/{uuid}/invoice",
            json={"type": "PRELIMINARY", "marginScheme": "true", "vatIncluded": 0},
            headers=key() | {"If-Match": f'"{made.json()["version"]}"'},
        )
        assert fields(patched) == ["vatIncluded", "marginScheme"]
        kept = (await orders.get(f"/orders/{uuid}/invoice")).json()
        assert [(i["vatIncluded"], i["marginScheme"]) for i in kept] == [(False, False)]


# --- 4. external_webshop_uid --------------------------------------------------------------


async def test_external_webshop_uid_is_a_uuid_or_null(stack: Stack, db: Database) -> None:
    seller = await make_seller(stack, db)
    async with stack.http(seller.token) as http:
        for bad in ("shop-1", "", 42, "ffaf4252-8207-4b74-9668-933274b1bc5"):
            answer = await http.post(
                "/v1/api/order-request/", json=order_request(external_webshop_uid=bad)
            )
            assert fields(answer) == ["external_webshop_uid"], (bad, answer.text)
    made = await create(stack, seller, order_request(external_webshop_uid=None))
    assert made["external_webshop_uid"] is None
    spelled = "FFAF4252-8207-4B74-9668-933274B1BC5F"
    made = await create(stack, seller, order_request(external_webshop_uid=spelled))
    assert made["external_webshop_uid"] == spelled


# --- 5. If-Match on webhook endpoints -----------------------------------------------------


async def test_webhook_patch_without_if_match(stack: Stack) -> None:
    _, http = await seller_session(stack)
    async with http:
        created = await http.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hooks", "events": ["kyc.*"]},
            headers=key(),
        )
        assert created.status_code == 201, created.text
        path = created.headers["location"]
        patched = await http.patch(path, json={"status": "PAUSED"}, headers=key())
        assert patched.status_code == 200, patched.text
        assert patched.json()["status"] == "PAUSED" and patched.headers["etag"] == '"1"'
        stale = await http.patch(
            path, json={"status": "ACTIVE"}, headers=key() | {"If-Match": '"0"'}
        )
        assert problem(stale, 409)["code"] == "version-mismatch"
        garbage = await http.patch(path, json={}, headers=key() | {"If-Match": "seven"})
        assert problem(garbage, 400)["code"] == "malformed-request"


async def test_a_webhook_url_must_be_a_uri_with_a_usable_port(stack: Stack) -> None:
    _, http = await seller_session(stack)
    async with http:
        for url in (
            "https://exa mple.com/h",
            "https://example.com:0/h",
            "https://a.example:65536/",
        ):
            answer = await http.post(
                "/v1/webhooks", json={"url": url, "events": ["kyc.*"]}, headers=key()
            )
            assert fields(answer) == ["url"], url


async def test_if_match_compares_strongly_on_orders(stack: Stack) -> None:
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        order = await orders.order(await orders.buyer())
        path = f"{tenant.seller}/orders/{order['uuid']}"
        body = {"purchaseDate": order["purchaseDate"]}
        for tag in ('W/"0"', '"00"', "00"):
            answer = await http.patch(path, json=body, headers=key() | {"If-Match": tag})
            assert problem(answer, 409)["code"] == "version-mismatch", tag
            assert problem(answer, 409)["currentResource"]["version"] == 0
            assert "never matches" in answer.json()["detail"]
        garbage = await http.patch(path, json=body, headers=key() | {"If-Match": "x" * 5000})
        assert problem(garbage, 400)["detail"].endswith("x" * 200 + "...")
        taken = await http.patch(path, json=body, headers=key() | {"If-Match": '"0"'})
        assert taken.status_code == 200, taken.text


# --- 6. NOTYD paths with and without the trailing slash -----------------------------------


async def test_every_notyd_path_answers_without_its_trailing_slash(stack: Stack) -> None:
    async with stack.http() as http:
        document = (await http.get("/openapi.json")).json()
        paths = [path for path in document["paths"] if path.startswith("/v1/api/")]
        assert paths and all(path.endswith("/") for path in paths)
        for path in paths:
            for method, operation in document["paths"][path].items():
                url = path.replace("{uuid}", str(uuid4()))
                kwargs: dict[str, Any] = {"json": {}} if "requestBody" in operation else {}
                with_slash = await http.request(method, url, **kwargs)
                without = await http.request(method, url.rstrip("/"), **kwargs)
                assert without.status_code == with_slash.status_code, (method, url, without.text)
                assert without.status_code not in (307, 308, 404, 405), (method, url)
                assert "location" not in without.headers
        # and the slashless forms stay out of the document
        assert not [
            path
            for path in document["paths"]
            if path.startswith("/v1/api/") and not path.endswith("/")
        ]


# --- 7. credit notes of refunds by amount --------------------------------------------------


async def test_refunds_by_amount_make_credit_notes_without_lines(
    stack: Stack, db: Database
) -> None:
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    assert (await confirm_on_page(stack, order)).status_code == 302
    uuid = order["uuid"]
    async with stack.http(seller.token) as http:
        one = {"order_lines": [{"product_id": "SKU-1", "quantity": 1}]}
        first = await http.post(f"/v1/api/orders/{uuid}/capture/", json=one)
        assert first.status_code == 200, first.text
        rest = await http.post(f"/v1/api/orders/{uuid}/capture/", json={})
        assert rest.status_code == 200, rest.text
        # the whole first invoice, by amount
        full = await http.post(
            f"/v1/api/orders/{uuid}/refund/",
            json={
                "description": "Returned",
                "amount": 48400,
                "invoices": [{"invoice_uuid": first.json()["invoice_uuid"]}],
            },
        )
        assert full.status_code == 200, full.text
        assert [note["refund_lines"] for note in full.json()["refunds"]] == [[]]
        # by lines: the note lists them
        by_lines = await http.post(
            f"/v1/api/orders/{uuid}/refund/",
            json={
                "description": "One paste",
                "invoices": [
                    {
                        "invoice_uuid": rest.json()["invoice_uuid"],
                        "refund_lines": [
                            {
                                "product_id": "77",
                                "quantity": 1,
                                "total_amount_incl_tax": 1210,
                                "total_amount_excl_tax": 1000,
                            }
                        ],
                    }
                ],
            },
        )
        assert by_lines.status_code == 200, by_lines.text
        [note] = by_lines.json()["refunds"]
        assert [line["product_id"] for line in note["refund_lines"]] == ["77"]
        # everything left, by the order's amount without naming an invoice
        left = await http.post(
            f"/v1/api/orders/{uuid}/refund/",
            json={"description": "All the rest", "amount": 119790 - 48400 - 1210},
        )
        assert left.status_code == 200, left.text
        assert [note["refund_lines"] for note in left.json()["refunds"]] == [[]]
        invoice = (await http.get(f"/v1/api/invoices/{first.json()['invoice_uuid']}/")).json()
        assert invoice["refunds"][0]["refund_lines"] == []
        refundable = (await http.get(f"/v1/api/orders/{uuid}/refundable_invoices/")).json()
        for result in refundable["results"]:
            assert all(line["refundable_quantity"] == 0 for line in result["invoice_lines"])


# --- 8. nt24-admin create-org ---------------------------------------------------------------


def test_create_org_applies_every_flag(sqlite_url: str) -> None:  # noqa: F811
    flags = [f"--{flag.replace('_', '-')}" for flag in admin.FLAGS]
    assert admin.main(["create-org", "Every Flag Bank", *flags]) == 0
    assert admin.main(["create-org", "No Flag Bank"]) == 0

    async def orgs(session: Any) -> dict[str, Organization]:
        rows = await session.scalars(select(Organization))
        return {org.slug: org for org in rows}

    found = _query(sqlite_url, orgs)
    for flag in admin.FLAGS:
        assert getattr(found["every-flag-bank"], flag) is True, flag
        assert getattr(found["no-flag-bank"], flag) is False, flag


# --- 7. the NUL character, which no PostgreSQL text column stores ---------------------------


async def test_nul_characters_are_refused_wherever_text_comes_in(
    stack: Stack, db: Database
) -> None:
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    order = await create(stack, seller, order_request())
    async with http, stack.http(seller.token) as notyd:
        orders = OrderClient(stack, tenant, http)
        buyer = {"vatNumber": "FR40303265045", "companyName": "a\u0000b"}
        answer = await http.post(f"{tenant.seller}/buyers", **raw_json(json.dumps(buyer), key()))
        assert fields(answer) == ["companyName"]
        answer = await http.get(f"{tenant.seller}/orders", params={"externalOrderId": "a\x00"})
        assert fields(answer) == ["externalOrderId"]
        assert fields(await notyd.get("/v1/api/orders/", params={"search": "\x00"})) == ["search"]
        assert problem(await notyd.get("/v1/api/orders/a%00b/"), 404)["code"] == "not-found"
        buyer_id = await orders.buyer(documents=False)
        documents = f"/buyers/{buyer_id}/kyc/documents"
        named = await orders.upload(documents, "COC_EXTRACT", issuer_name="Notar\x00 Meyer")
        assert fields(named) == ["issuerName"]
        # written by hand: httpx would percent-encode the NUL of a file name
        parts = (
            b'--B\r\nContent-Disposition: form-data; name="type"\r\n\r\nCOC_EXTRACT\r\n'
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="a\x00.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n" + pdf("KYC") + b"\r\n--B--\r\n"
        )
        multipart = key() | {"content-type": "multipart/form-data; boundary=B"}
        file_named = await http.post(
            f"{tenant.seller}{documents}", content=parts, headers=multipart
        )
        assert fields(file_named) == ["file"]
        page = httpx.URL(order["payment_page_url"]).path
        form = await http.post(page, data={"csrf_token": "\x00", "action": "confirm"})
        # the buyer's page answers a page, naming the field (api/notyd/payments/page.py)
        assert form.status_code == 422 and form.headers["content-type"].startswith("text/html")
        assert "This did not work" in form.text and "csrf_token:" in form.text
        token = await http.post(
            "/realms/nt24-idp/protocol/openid-connect/token",
            data={"grant_type": "client_credentials", "client_id": "a\x00", "client_secret": "b"},
        )
        assert token.status_code == 400 and token.json()["error"] == "invalid_request"
        assert (await http.get(f"{tenant.seller}/buyers")).json()["data"][0]["uuid"] == buyer_id


# --- 9. the size of a body ------------------------------------------------------------------


# how a body too large for its limit begins: a file part for a multipart body
FILE_PART = b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'


class Stream:
    """A body of ``total`` bytes sent a chunk at a time."""

    def __init__(self, total: int, start: bytes, chunk: int = 256 * 1024) -> None:
        self.total, self.start, self.chunk = total, start, chunk

    async def __aiter__(self) -> Any:
        yield self.start
        for _ in range(0, self.total, self.chunk):
            yield b" " * self.chunk


async def answer_before_the_end(
    stack: Stack, path: str, headers: dict[str, str], start: bytes, sent: int
) -> httpx.Response:
    """The answer to a POST of which only ``sent`` bytes of body were sent (chunked unless
    ``headers`` give a Content-Length), read while the body is still unfinished."""
    url = httpx.URL(stack.base_url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        framing = {} if "content-length" in headers else {"transfer-encoding": "chunked"}
        head = f"POST {path} HTTP/1.1\r\nhost: {url.host}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in (headers | framing).items()
        )
        writer.write(head.encode() + b"\r\n")
        for chunk in (start, *[b" " * (64 * 1024)] * (sent // (64 * 1024))):
            writer.write(chunk if framing == {} else b"%x\r\n%b\r\n" % (len(chunk), chunk))
            await writer.drain()
        status_line, *lines = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).split(
            b"\r\n"
        )
        answer_headers = [line.decode().split(": ", 1) for line in lines if line]
        length = int(next(v for n, v in answer_headers if n.lower() == "content-length"))
        body = await asyncio.wait_for(reader.readexactly(length), 10)
        status = int(status_line.split()[1])
        return httpx.Response(status, headers=answer_headers, content=body)
    finally:
        writer.close()


def too_large(answer: httpx.Response, limit: str, page: bool = False) -> None:
    if page:  # the web app's: a page in words
        assert answer.status_code == 413 and limit in answer.text, answer.text
        assert answer.headers["content-type"].startswith("text/html")
    else:
        body = problem(answer, 413)
        assert body["code"] == "payload-too-large" and limit in body["detail"], body
    # answered inside the request id and the security headers
    assert answer.headers["x-request-id"] and answer.headers["x-content-type-options"]


async def test_bodies_are_capped_while_they_arrive(stack: Stack) -> None:
    tenant, http = await seller_session(stack)
    token = http.headers["authorization"]
    upload = stack.settings.max_upload_bytes + FORM_FIELDS_MARGIN
    async with stack.http() as web:
        session = {"cookie": f"nt24_session={await web_login(web, *await staff(stack))}"}
    async with http:
        buyers = f"{tenant.seller}/buyers"
        address = {"street": "1 rue de la Paix", "postCode": "75002", "city": "Paris"}
        buyer = json.dumps(
            {
                "kycMode": "MARKETPLACE_LED",
                "vatNumber": "FR40303265045",
                "companyName": "Garage Dupont SARL",
                "address": address | {"country": "FR"},
            }
        )
        buyer += " " * (BODY_LIMIT - len(buyer))  # exactly the limit: taken
        taken = await http.post(buyers, **raw_json(buyer, key()))
        assert taken.status_code == 201, taken.text
        too_large(await http.post(buyers, **raw_json(buyer + " ", key())), "1 MiB")
        json_body = {"content-type": "application/json"}
        form = {"content-type": "application/x-www-form-urlencoded"}
        multipart = {"content-type": "multipart/form-data; boundary=B"}
        signed_in = key() | {"authorization": token}
        for path, headers, limit in (
            (buyers, json_body | signed_in, "1 MiB"),  # NT24
            ("/v1/api/orders/", json_body, "1 MiB"),  # NOTYD
            ("/realms/nt24-idp/protocol/openid-connect/token", form, "1 MiB"),  # the tokens'
            ("/v1/api/token/", json_body, "1 MiB"),
            ("/app/login", form, "1 MiB"),  # the web app
            (f"{buyers}/{uuid4()}/kyc/documents", multipart | signed_in, f"{upload / MIB:g} MiB"),
            ("/app/payments/statements", multipart | session, f"{upload / MIB:g} MiB"),
        ):
            size = BODY_LIMIT if limit == "1 MiB" else upload
            start = FILE_PART if "multipart" in headers["content-type"] else b'{"a": "'
            page = path.startswith("/app/")
            # a Content-Length past the limit: refused before a byte of the body is read
            declared = headers | {"content-length": str(300 * MIB)}
            too_large(await answer_before_the_end(stack, path, declared, b"", 0), limit, page)
            # chunked: counted as it arrives, refused without waiting for its end
            early = await answer_before_the_end(stack, path, headers, start, size + MIB)
            too_large(early, limit, page)
            # the server reads past what is left: a client sending it all still gets the 413
            stream = Stream(size + MIB, start)
            too_large(await http.post(path, content=stream, headers=headers), limit, page)
        # reads pay nothing and are unaffected
        assert (await http.get(buyers)).json()["data"][0]["vatNumber"] == "FR40303265045"


async def test_a_long_rejected_value_is_cut_and_the_refusal_is_not_kept(
    stack: Stack, db: Database
) -> None:
    """The answer names the field with the value's first 200 characters; refused before the
    command ran, it is not kept under its Idempotency-Key either."""
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        idempotency = key()
        body = orders.order_body(str(uuid4()), "x" * 1_000_000)
        answer = await http.post(f"{tenant.seller}/orders", json=body, headers=idempotency)
    [error] = problem(answer, 422)["errors"]
    assert error["field"] == "externalOrderId"
    assert error["rejectedValue"] == "x" * 200 + "..."
    assert len(answer.content) < 2000
    async with db.session() as session:
        stored = await session.scalar(
            select(IdempotencyRecord.response_body).where(
                IdempotencyRecord.key == idempotency["Idempotency-Key"]
            )
        )
    assert stored is None


async def test_multipart_text_that_is_not_utf8_is_refused(stack: Stack) -> None:
    tenant, http = await seller_session(stack)
    async with http:
        buyer_id = await OrderClient(stack, tenant, http).buyer(documents=False)
        documents = f"{tenant.seller}/buyers/{buyer_id}/kyc/documents"
        multipart = {"content-type": "multipart/form-data; boundary=B"}

        def body(issuer: bytes, file_name: bytes = b"a.pdf") -> bytes:
            return (
                b'--B\r\nContent-Disposition: form-data; name="type"\r\n\r\nCOC_EXTRACT\r\n'
                b'--B\r\nContent-Disposition: form-data; name="issuerName"\r\n\r\n'
                + issuer
                + b'\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="'
                + file_name
                + b'"\r\nContent-Type: application/pdf\r\n\r\n'
                + pdf("KYC")
                + b"\r\n--B--\r\n"
            )

        # a lone surrogate's bytes: Latin-1 would store "a\xed\xa0\x80b"
        garbled = await http.post(
            documents, content=body(b"a\xed\xa0\x80b"), headers=multipart | key()
        )
        assert fields(garbled) == ["issuerName"]
        assert garbled.json()["errors"][0]["message"] == "is not valid UTF-8 text"
        named = await http.post(
            documents, content=body(b"x", b"\xff.pdf"), headers=multipart | key()
        )
        assert fields(named) == ["file"]

        # sent chunked, without a Content-Length: the same
        async def chunks() -> Any:
            yield body(b"a\xed\xa0\x80b")

        chunked = await http.post(documents, content=chunks(), headers=multipart | key())
        assert fields(chunked) == ["issuerName"]
        # a file part without a file name is a text field: "must be a file"
        for content, media_type in ((pdf("KYC"), "application/pdf"), (b"text", "text/plain")):
            nameless = await http.post(
                documents,
                data={"type": "COC_EXTRACT"},
                files={"file": ("", content, media_type)},
                headers=key(),
            )
            assert fields(nameless) == ["file"]
            assert nameless.json()["errors"][0]["message"].startswith("must be a file")
            assert "rejectedValue" not in nameless.json()["errors"][0]
        taken = await http.post(
            documents, content=body("Notar Müller".encode()), headers=multipart | key()
        )
        assert taken.status_code == 201, taken.text
        assert taken.json()["issuerName"] == "Notar Müller"


# --- 10. pages a browser opens --------------------------------------------------------------


async def test_the_web_app_and_the_upload_page_answer_problems_as_pages(stack: Stack) -> None:
    """A person in a browser never reads problem+json: a path no page has, a NUL in a query, a
    body too large and a file past the upload limit are said in words, the buyer's page in the
    language the browser asks for; the APIs keep their problems."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    too_large = b"0" * (stack.settings.max_upload_bytes + 2 * 1024 * 1024)
    async with stack.http() as browser:
        unknown = await browser.get("/app/no-such-page")
        nul = await browser.get("/app/login", params={"next": "\x00"})
        body = await browser.post("/app/login", content=b"a" * (2 * 1024 * 1024), headers=form)
        upload = await browser.post(
            "/self-service/a-token/documents",
            files={"file": ("scan.pdf", too_large, "application/pdf")},
            headers={"Accept-Language": "de-DE,de;q=0.9"},
        )
        no_link = await browser.get("/self-service/a/b", headers={"Accept-Language": "fr;q=1"})
        api = await browser.get("/v1/no-such-resource")
    for page, status in ((unknown, 404), (nul, 422), (body, 413), (upload, 413), (no_link, 404)):
        assert page.status_code == status, page.text
        assert page.headers["content-type"].startswith("text/html"), page.text
    assert "<h1>Not Found</h1>" in unknown.text and "Back to the dashboard" in unknown.text
    assert "next: must not contain the NUL character" in nul.text
    assert "Die Datei ist zu groß" in upload.text and 'lang="de"' in upload.text
    assert (
        "Ce lien n&#39;est pas valide" in no_link.text or "Ce lien n'est pas valide" in no_link.text
    )
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


# --- 11. JSON nested deeper than any real document --------------------------------------------


def nested(levels: int) -> Any:
    """``levels`` objects in one another, 1 innermost: ``{"a": {"a": 1}}`` for 2."""
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def deep_text(levels: int) -> str:
    """``nested(levels)`` as JSON text, written without recursion (json.dumps would need
    a stack frame a level)."""
    return '{"a": ' * levels + "1" + "}" * levels


def test_the_strict_decoder_names_a_value_nested_too_deep() -> None:
    limit = JSON_DEPTH_LIMIT
    assert json_problems(json.dumps({"data": nested(limit - 1)}).encode()) == []
    (deep,) = json_problems(json.dumps({"data": nested(limit)}).encode())
    assert deep["field"] == "data" + ".a" * (limit - 1)
    assert deep["message"] == f"is nested deeper than {limit} levels"
    assert json_problems(b"[" * limit + b"]" * limit) == []
    assert json_problems(b"[" * (limit + 1) + b"]" * (limit + 1))[0]["field"] == "[0]" * limit
    # deeper than Python's decoder goes: the body is named
    for levels in (900, 5000, 200_000):
        (deep,) = json_problems(f'{{"data": {deep_text(levels)}}}'.encode())
        assert deep["message"] == f"is nested deeper than {limit} levels"
        assert deep["field"] in ("body", "data" + ".a" * (limit - 1))


async def test_json_nested_too_deep_is_refused_naming_the_field(stack: Stack, db: Database) -> None:
    """A webhook's test data nested hundreds of levels deep failed as it was written to the
    delivery (a RecursionError): the strict decoder refuses it first, on both families; one
    level less than the limit is a test fired as usual."""
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    limit = JSON_DEPTH_LIMIT
    async with http, stack.http(seller.token) as notyd:
        created = await http.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hooks", "events": ["kyc.*"]},
            headers=key(),
        )
        assert created.status_code == 201, created.text
        fire = f"/v1/webhooks/{created.json()['id']}/test"
        event = '{"eventType": "kyc.verification_completed", "data": '
        for levels in (limit, 900, 1500, 5000):
            started = asyncio.get_running_loop().time()
            answer = await http.post(fire, **raw_json(event + deep_text(levels) + "}", key()))
            found = problem(answer, 422)
            assert asyncio.get_running_loop().time() - started < 5
            assert found["errors"][0]["field"] in ("body", "data" + ".a" * (limit - 1)), levels
            assert found["errors"][0]["message"] == f"is nested deeper than {limit} levels"
        async with db.session() as session:
            stored = await session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
                .where(WebhookEndpoint.public_id == created.json()["id"])
            )
        assert stored == 0
        under = await http.post(fire, **raw_json(event + deep_text(limit - 1) + "}", key()))
        assert under.status_code == 202, under.text

        body = json.dumps(order_request())[:-1] + ', "extra": ' + deep_text(limit) + "}"
        answer = await notyd.post("/v1/api/order-request/", **raw_json(body))
        found = problem(answer, 422)
        assert fields(answer) == ["extra" + ".a" * (limit - 1)]
        assert found["details"] == found["detail"] and "nested deeper than" in found["details"]
        assert (await notyd.get("/v1/api/orders/")).json()["count"] == 0


async def test_test_data_nested_too_deep_is_refused_on_the_web_page(stack: Stack) -> None:
    _, http = await seller_session(stack)
    async with http:
        endpoint = (await register(http, "http://127.0.0.1:9/hooks", ["kyc.*"]))["id"]
    limit = JSON_DEPTH_LIMIT
    async with web_session(stack) as (web, token):
        for levels in (limit + 1, 900, 1500):
            fired = await web.post(
                f"/app/webhooks/{endpoint}/test",
                data={
                    "csrf_token": token,
                    "eventType": "kyc.verification_completed",
                    "data": deep_text(levels),
                },
            )
            assert fired.status_code == 422, (levels, fired.text)
            # the form again, the error under its field
            invalid = fired.text.split('<label class="field invalid">', 1)[1].split("</label>")[0]
            assert '<textarea name="data"' in invalid
            assert f"is nested deeper than {limit} levels</em>" in invalid
        under = await web.post(
            f"/app/webhooks/{endpoint}/test",
            data={
                "csrf_token": token,
                "eventType": "kyc.verification_completed",
                "data": deep_text(limit - 1),
            },
        )
        assert under.status_code == 303, under.text
    async with stack.db.session() as session:
        stored = await session.scalars(
            select(WebhookDelivery.payload)
            .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
            .where(WebhookEndpoint.public_id == endpoint)
        )
        assert len(list(stored)) == 1


# --- 12. bank statements (camt.053) uploaded on the web app -----------------------------------


async def test_a_statement_text_longer_than_its_column_is_refused_naming_the_entry(
    stack: Stack,
) -> None:
    """PostgreSQL refuses a text longer than its column (SQLite keeps it): a reference, IBAN,
    end-to-end id or name past the column that keeps it is refused as the file is read,
    naming the entry, and nothing of the file is imported."""
    sample = SAMPLE_STATEMENT.read_bytes()
    entry = "2026-11-29-DE89370400440532013000, entry"
    cases = [
        (
            sample.replace(b"<AcctSvcrRef>", b"<AcctSvcrRef>" + b"R" * 101, 1),
            f"{entry} 1: AcctSvcrRef is longer than 100 characters",
        ),
        (
            sample.replace(b"<IBAN>DE89370400440532013000<", b"<IBAN>" + b"D" * 35 + b"<"),
            "2026-11-29-DE89370400440532013000: Acct/Id/IBAN is longer than 34 characters",
        ),
        (
            sample.replace(b"E2E-BV-88123", b"E" * 101),
            f"{entry} 2: EndToEndId is longer than 100 characters",
        ),
        (
            sample.replace(b"Acme Fahrzeughandel GmbH", b"N" * 301),
            f"{entry} 1: Dbtr/Nm is longer than 300 characters",
        ),
        (
            sample.replace(b"DE02120300000000202051", b"DE02120300000000202051" + b"0" * 13),
            f"{entry} 1: DbtrAcct/Id/IBAN is longer than 34 characters",
        ),
        (
            sample.replace(b"STMT20261130-0001", b"M" * 101),
            "the file: GrpHdr/MsgId is longer than 100 characters",
        ),
        (
            sample.replace(b"<Id>2026-11-29-DE89370400440532013000<", b"<Id>" + b"S" * 101 + b"<"),
            "statement 1: Id is longer than 100 characters",
        ),
        (
            sample.replace(b"<Sts>BOOK<", b"<Sts>BOOKEDANDDONE<", 1),
            f"{entry} 1: Sts is longer than 10 characters",
        ),
    ]
    name = f"long-{uuid4()}.xml"
    async with web_session(stack) as (web, token):
        for data, message in cases:
            answer = await web.post(
                "/app/payments/statements",
                data={"csrf_token": token},
                files={"file": (name, data)},
            )
            assert answer.status_code == 422, (message, answer.text)
            assert f"Nothing imported: {message}" in html.unescape(answer.text), message
    async with stack.db.session() as session:
        imported = select(func.count()).where(BankStatementImport.file_name == name)
        assert await session.scalar(imported) == 0


async def test_a_statement_amount_beyond_what_is_kept_is_refused(stack: Stack) -> None:
    """ISO 20022 allows 18 digits: more cents than a 64-bit column keeps. Such an entry is
    refused as the file is read, and payments adding up past what an invoice's total paid
    keeps are refused as they are booked: nothing imported either way."""
    invoice = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=100_00)
    huge = SAMPLE_STATEMENT.read_bytes().replace(b">595.00<", b">999999999999999999<")
    most = 10**18 - 1  # the most an entry holds: 9999999999999999.99, 18 digits
    name = f"amount-{uuid4()}.xml"
    async with web_session(stack) as (web, token):
        answer = await web.post(
            "/app/payments/statements", data={"csrf_token": token}, files={"file": (name, huge)}
        )
        assert answer.status_code == 422, answer.text
        assert "entry 1: Amt 999999999999999999 is larger than any amount kept" in answer.text
        for expected in [200] * 9 + [422]:  # ten of them pass 2**63 - 1
            paying = statement_paying(invoice.payment_reference, most)
            answer = await web.post(
                "/app/payments/statements",
                data={"csrf_token": token},
                files={"file": (name if expected == 422 else "booked.xml", paying)},
            )
            assert answer.status_code == expected, answer.text
        assert "Nothing imported: the amount is larger than an invoice" in answer.text
    assert (await invoice_row(stack.db, invoice.uuid)).paid_amount == 9 * most
    async with stack.db.session() as session:
        imported = select(func.count()).where(BankStatementImport.file_name == name)
        assert await session.scalar(imported) == 0


async def test_a_document_type_declaration_is_refused_wherever_it_stands(stack: Stack) -> None:
    """A comment longer than any look at the file's start, then a DOCTYPE declaring an
    entity: the parser stops at the declaration, and nothing is imported."""
    sample = SAMPLE_STATEMENT.read_bytes()
    _, declaration, document = sample.partition(b"?>")
    padded = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- '
        + b"x" * 5000
        + b' -->\n<!DOCTYPE Document [<!ENTITY who "Mallory">]>'
        + document.replace(b"Acme Fahrzeughandel GmbH", b"&who;")
    )
    assert declaration
    name = f"doctype-{uuid4()}.xml"
    async with web_session(stack) as (web, token):
        answer = await web.post(
            "/app/payments/statements",
            data={"csrf_token": token},
            files={"file": (name, padded)},
        )
    assert answer.status_code == 422, answer.text
    assert "Nothing imported: a document type declaration is not allowed" in answer.text
    async with stack.db.session() as session:
        imported = select(func.count()).where(BankStatementImport.file_name == name)
        assert await session.scalar(imported) == 0


# --- 13. NOTYD tax rates and numeric strings --------------------------------------------------


async def test_notyd_rates_and_numbers_are_plain_ascii_of_a_sane_magnitude(
    stack: Stack, db: Database
) -> None:
    """A zero with an exponent of a billion passed as a rate and stalled the order's workflow
    (a billion-digit number built at every task); digits of other scripts were read as
    numbers. Each is a 422 naming the field, at once, on every body taking a rate or a
    numeric string, and nothing is stored."""
    seller = await make_seller(stack, db)
    rate = "order_lines[0].product_tax_rate_percentage"
    cases = [
        (rate, "0E+999999999"),
        (rate, "0E+30"),
        (rate, "٢١"),
        ("order_lines[0].product_price_excl_tax", "٤٠٠٠٠"),
        ("order_lines[0].quantity", "٢"),
        ("total_amount_incl_tax", "１１９７９０"),
    ]
    async with stack.http(seller.token) as http:
        for field, value in cases:
            body = order_request()
            if field.startswith("order_lines"):
                body["order_lines"][0][field.split(".")[1]] = value
            else:
                body[field] = value
            started = asyncio.get_running_loop().time()
            answer = await http.post("/v1/api/order-request/", json=body)
            assert fields(answer) == [field], (value, answer.text)
            assert asyncio.get_running_loop().time() - started < 2, value
        assert (await http.get("/v1/api/orders/")).json()["count"] == 0

    order = await create(stack, seller, order_request())
    assert (await confirm_on_page(stack, order)).status_code == 302
    uuid = order["uuid"]
    async with stack.http(seller.token) as http:
        for value in ("0E+999999999", "٢١"):
            line = {"product_id": "SKU-1", "quantity": 1, "product_tax_rate_percentage": value}
            capture = await http.post(
                f"/v1/api/orders/{uuid}/capture/", json={"order_lines": [line]}
            )
            assert fields(capture) == [rate], capture.text
        assert (await http.get(f"/v1/api/orders/{uuid}/")).json()["invoices"] == []
        captured = await http.post(f"/v1/api/orders/{uuid}/capture/", json={})
        assert captured.status_code == 200, captured.text
        invoice = captured.json()["invoice_uuid"]
        for value in ("0E+999999999", "٢١"):
            refund = await http.post(
                f"/v1/api/orders/{uuid}/refund/",
                json={
                    "description": "Returned",
                    "invoices": [
                        {
                            "invoice_uuid": invoice,
                            "refund_amounts": [
                                {"tax_rate_percentage": value, "total_amount_incl_tax": 100}
                            ],
                        }
                    ],
                },
            )
            field = "invoices[0].refund_amounts[0].tax_rate_percentage"
            assert fields(refund) == [field], refund.text
        assert (await http.get(f"/v1/api/invoices/{invoice}/")).json()["refunds"] == []
