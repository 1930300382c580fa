"""The NOTYD payments API's OpenAPI document is typed and exact.

Every ``/v1/api/`` operation in the served ``/openapi.json`` declares a typed 2xx answer with
the spec's field names (plus the additions of reference section 10 and docs/payments.md), and
problem+json error bodies; the answers an end-to-end flow receives (the order request, the
hosted page's credit check, captures, refunds, invoices, errors) validate against the served
schema itself, by a small JSON Schema reader below (``jsonschema`` is not a dependency).
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
from jsonschema import Draft202012Validator

from store.db import Database
from store.identity import identity
from tests.conftest import Stack
from tests.test_payment_orders import confirm_on_page, order_request

TRIPLE = {"total_amount_incl_tax", "total_amount_excl_tax", "total_amount_tax"}
PAGE = {"count", "next", "previous", "results"}
# The spec's fields of each answer, and what section 10 / docs/payments.md add to them
ORDER_REQUEST = (
    {"uuid", "created_at", "updated_at", "external_webshop_uid", "external_order_uid"}
    | TRIPLE
    | {"currency", "order_lines", "discount", "buyer_company", "buyer_representative"}
    | {"shipping_address", "billing_address", "locale", "payment_link_duration"}
    | {"webhook_urls", "amount"},
    {"payment_page_url", "seller_urls", "order_request_label"},
)
ORDER = (
    {"uuid", "external_order_uid", "company", "seller", "value", "status", "actions"}
    | {"created_at", "created_at_split", "updated_at_split"}
    | TRIPLE
    | {"order_lines", "shipping_address", "billing_address", "discount", "representative"}
    | {"invoices"},
    {"external_webshop_uid", "updated_at", "amount", "currency", "locale", "payment_terms_days"}
    | {"payment_page_url"},
)
COUNTERS = {
    f"{counter}_sent{suffix}"
    for counter in (
        "upcoming_payment_reminder",
        "invoice_due",
        "free_reminder",
        "reminder_1",
        "reminder_2",
        "last_notice",
    )
    for suffix in ("", "_at")
}
INVOICE = (
    {"id", "uuid", "external_invoice_uid", "invoice_url", "payment_status", "closed_at"}
    | {"created_at", "updated_at", "on_hold", "on_hold_at", "order_uuid", "due_date"}
    | {"company", "seller", "dunning_status", "value", "refunds"}
    | {"total_due_excl_tax_in_currency_units", "tax", "invoice_lines"}
    | COUNTERS
    | {"representative", "shipping_address", "billing_address", "seller_company_address"},
    {"payment_reference", "payment_terms_days", "paid_to_seller", "paid_to_seller_settled"}
    | TRIPLE,
)
ACTION = ({"id", "description"}, set[str]())
SELLER_USER = (
    {"id", "uuid", "email", "username", "first_name", "last_name", "name", "is_active"}
    | {"seller_profile_uuid", "webshop_url"},
    set[str](),
)
# (method, path) -> (2xx status, fields of the answer, fields of each result of a page)
OPERATIONS: dict[tuple[str, str], tuple[str, tuple[set[str], set[str]], Any]] = {
    ("post", "/v1/api/token/"): ("200", ({"access", "refresh"}, set()), None),
    ("post", "/v1/api/refresh/"): ("200", ({"access"}, set()), None),
    ("get", "/v1/api/users/"): ("200", (PAGE, set()), SELLER_USER),
    ("get", "/v1/api/users/{uuid}/"): ("200", SELLER_USER, None),
    ("post", "/v1/api/order-request/"): ("201", ORDER_REQUEST, None),
    ("get", "/v1/api/orders/"): ("200", (PAGE, set()), ORDER),
    ("get", "/v1/api/orders/{uuid}/"): ("200", ORDER, None),
    ("patch", "/v1/api/orders/{uuid}/"): ("200", ACTION, None),
    ("get", "/v1/api/orders/{uuid}/get_status/"): ("200", ({"status"}, set()), None),
    ("post", "/v1/api/orders/{uuid}/cancel/"): ("200", ACTION, None),
    ("post", "/v1/api/orders/{uuid}/capture/"): (
        "200",
        ({"id", "status", "invoice_uuid", "payment_reference", "details"}, set()),
        None,
    ),
    ("get", "/v1/api/orders/{uuid}/capture_status/"): (
        "200",
        ({"uuid", "order_amount", "uncaptured", "captured"}, set()),
        None,
    ),
    ("get", "/v1/api/orders/{uuid}/refundable_invoices/"): ("200", (PAGE, set()), INVOICE),
    ("post", "/v1/api/orders/{uuid}/refund/"): (
        "200",
        ({"id", "refunds", "details"}, set()),
        None,
    ),
    ("get", "/v1/api/invoices/"): ("200", (PAGE, set()), INVOICE),
    ("get", "/v1/api/invoices/{uuid}/"): ("200", INVOICE, None),
    ("patch", "/v1/api/invoices/{uuid}/"): ("200", INVOICE, None),
}
PROBLEM_JSON = "application/problem+json"
DIAGNOSTICS = "/v1/api/diagnostics/"  # the platform's round trip, not a NOTYD operation


class Schema:
    """The served OpenAPI document: its answers' schemas, and answers checked against them."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def errors(self, schema: dict[str, Any], value: Any) -> list[str]:
        """Where ``value`` breaks ``schema`` (references resolve within the document)."""
        rooted = schema | {"components": self.document["components"]}
        return [
            f"${error.json_path[1:]}: {error.message}"
            for error in Draft202012Validator(rooted).iter_errors(value)
        ]

    def answer(self, method: str, path: str, status: int, content_type: str) -> dict[str, Any]:
        response = self.document["paths"][path][method]["responses"][str(status)]
        return response["content"][content_type.split(";")[0]]["schema"]

    def properties(self, schema: dict[str, Any]) -> tuple[set[str], set[str]]:
        schema = self.resolve(schema)
        return set(schema["properties"]), set(schema.get("required", []))

    def field(self, schema: dict[str, Any], *path: str) -> dict[str, Any]:
        for name in path:
            schema = self.resolve(schema)
            schema = schema["items"] if name == "[]" else schema["properties"][name]
        return self.resolve(schema)


def nullable(schema: dict[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in schema.get("anyOf", []))


async def served(stack: Stack) -> Schema:
    async with stack.http() as http:
        answer = await http.get("/openapi.json")
    assert answer.status_code == 200
    return Schema(answer.json())


async def test_every_notyd_operation_declares_its_typed_answer(stack: Stack) -> None:
    schema = await served(stack)
    operations = {
        (method, path)
        for path, item in schema.document["paths"].items()
        if path.startswith("/v1/api/") and not path.startswith(DIAGNOSTICS)
        for method in item
    }
    assert operations == set(OPERATIONS)
    for (method, path), (status, (spec, added), result) in OPERATIONS.items():
        responses = schema.document["paths"][path][method]["responses"]
        assert [code for code in responses if code.startswith("2")] == [status], (method, path)
        answer = responses[status]["content"]["application/json"]["schema"]
        properties, required = schema.properties(answer)
        assert properties == spec | added, (method, path, properties ^ (spec | added))
        assert spec <= required, (method, path, spec - required)
        if result is not None:
            items = schema.field(answer, "results", "[]")
            assert set(items["properties"]) == result[0] | result[1], (method, path)
        for code, response in responses.items():
            if code.startswith("4"):
                problem = schema.resolve(response["content"][PROBLEM_JSON]["schema"])
                assert {"detail", "details", "status"} <= set(problem["required"]), (path, code)
                assert "application/json" not in response["content"], (method, path, code)

    order = ("get", "/v1/api/orders/{uuid}/")
    invoice = ("get", "/v1/api/invoices/{uuid}/")

    def field(operation: tuple[str, str], *path: str) -> dict[str, Any]:
        method, route = operation
        return schema.field(schema.answer(method, route, 200, "application/json"), *path)

    for name in TRIPLE | {"amount"}:
        assert field(order, name)["type"] == "integer"
    assert set(field(order, "currency")["enum"]) == {"GBP", "DKK", "EUR"}
    assert field(order, "status", "value")["enum"] == [
        "pending",
        "accepted",
        "rejected",
        "expired",
        "failed",
        "partially_captured",
        "captured",
        "partially_refunded",
        "refunded",
        "cancelled",
    ]
    assert field(order, "value", "value")["type"] == "integer"
    assert field(order, "value", "value_in_currency_units")["type"] == "number"
    assert nullable(field(order, "discount"))
    assert field(order, "order_lines", "[]", "product_tax_rate_percentage")["type"] == "string"
    assert set(field(order, "actions")["properties"]) == {"cancel", "capture", "refund", "update"}
    assert set(field(invoice, "payment_status", "value")["enum"]) == {
        "not_paid",
        "paid",
        "paid_to_seller",
        "paid_to_seller_settled",
        "partially_paid",
        "refunded",
        "write_off_credit",
        "write_off_fraud",
    }
    assert sorted(field(invoice, "dunning_status", "value")["enum"]) == [
        0,
        5,
        10,
        20,
        30,
        40,
        50,
        55,
        60,
        65,
        70,
    ]
    assert field(invoice, "invoice_lines", "[]", "id")["type"] == "integer"
    for name in ("closed_at", "on_hold", "on_hold_at", "reminder_1_sent_at"):
        assert nullable(field(invoice, name)), name
    refundable = schema.answer(
        "get", "/v1/api/orders/{uuid}/refundable_invoices/", 200, "application/json"
    )
    assert (
        "refundable_quantity"
        in schema.field(refundable, "results", "[]", "invoice_lines", "[]")["properties"]
    )
    status = schema.answer("get", "/v1/api/orders/{uuid}/get_status/", 200, "application/json")
    assert schema.field(status, "status")["type"] == "string"  # a plain string, not an object
    created = schema.answer("post", "/v1/api/order-request/", 201, "application/json")
    assert schema.field(created, "payment_link_duration")["enum"] == [900, 86400, 604800]
    assert len(schema.field(created, "locale")["enum"]) == 13


class Checked:
    """Calls the API and checks each answer against the served document."""

    def __init__(self, http: httpx.AsyncClient, schema: Schema) -> None:
        self.http = http
        self.schema = schema
        self.seen: set[tuple[str, str, int]] = set()

    async def __call__(
        self, method: str, path: str, status: int = 200, uuid: str = "", **kwargs: Any
    ) -> Any:
        answer = await self.http.request(method, path.replace("{uuid}", uuid), **kwargs)
        assert answer.status_code == status, (method, path, answer.text)
        content_type = answer.headers["content-type"]
        expected = PROBLEM_JSON if status >= 400 else "application/json"
        assert content_type.startswith(expected), (method, path, content_type)
        body = answer.json()
        declared = self.schema.answer(method.lower(), path, status, content_type)
        assert self.schema.errors(declared, body) == [], (method, path, status)
        self.seen.add((method.lower(), path, status))
        return body


async def test_answers_validate_against_the_served_schema(stack: Stack, db: Database) -> None:
    schema = await served(stack)
    suffix = uuid4().hex[:8]
    username, password = f"seller-{suffix}", f"pw-{uuid4().hex}"
    async with db.transaction() as session:
        org = await identity.create_organization(session, f"Shop {suffix}")
        partner = await identity.create_partner(session, org, f"Seller {suffix} B.V.", "NL")
        await identity.create_user(session, username, password, organization=org, partner=partner)
    async with stack.http() as http:
        check = Checked(http, schema)
        await check("GET", "/v1/api/orders/", 401)
        await check("POST", "/v1/api/token/", 401, json={"username": username, "password": "x"})
        await check("POST", "/v1/api/token/", 422, json={"username": username})
        tokens = await check(
            "POST", "/v1/api/token/", json={"username": username, "password": password}
        )
        await check("POST", "/v1/api/refresh/", json={"refresh": tokens["refresh"]})
        await check("POST", "/v1/api/refresh/", 401, json={"refresh": tokens["access"]})
    async with stack.http(tokens["access"]) as http:
        check.http = http
        me = (await check("GET", "/v1/api/users/"))["results"][0]
        await check("GET", "/v1/api/users/{uuid}/", uuid=me["uuid"])
        await check("GET", "/v1/api/users/{uuid}/", 404, uuid=str(uuid4()))

        body = order_request()
        order = await check("POST", "/v1/api/order-request/", 201, json=body)
        await check("POST", "/v1/api/order-request/", 422, json=order_request(currency="USD"))
        uuid = order["uuid"]
        patch = {key: body[key] for key in ("order_lines", "discount", *TRIPLE)}
        await check("PATCH", "/v1/api/orders/{uuid}/", uuid=uuid, json=patch)
        await check("GET", "/v1/api/orders/{uuid}/get_status/", uuid=uuid)
        await check("GET", "/v1/api/orders/{uuid}/", 404, uuid=str(uuid4()))
        assert (await confirm_on_page(stack, order)).status_code == 302

        capture = "/v1/api/orders/{uuid}/capture/"
        one = {"order_lines": [{"product_id": "SKU-1", "quantity": 1}]}
        first = await check("POST", capture, uuid=uuid, json=one | {"external_invoice_uid": "I"})
        too_much = {"order_lines": [{"product_id": "SKU-1", "quantity": 5}]}
        await check("POST", capture, 409, uuid=uuid, json=too_much)
        status = await check("GET", "/v1/api/orders/{uuid}/capture_status/", uuid=uuid)
        assert status["captured"]["order_lines"] and status["uncaptured"]["discount"]
        invoice_uuid = first["invoice_uuid"]
        refund = {
            "description": "Damaged goods",
            "amount": 12100,
            "invoices": [{"invoice_uuid": invoice_uuid}],
        }
        refunded = await check("POST", "/v1/api/orders/{uuid}/refund/", uuid=uuid, json=refund)
        assert refunded["refunds"][0]["invoice"] == invoice_uuid
        await check("POST", "/v1/api/orders/{uuid}/refund/", 422, uuid=uuid, json={})
        await check("POST", capture, uuid=uuid, json={})
        page = await check("GET", "/v1/api/orders/{uuid}/refundable_invoices/", uuid=uuid)
        assert page["results"][0]["invoice_lines"][0]["refundable_quantity"] >= 0
        detail = await check("GET", "/v1/api/orders/{uuid}/", uuid=uuid)
        assert detail["invoices"] and detail["discount"]
        await check("GET", "/v1/api/orders/", params={"page_size": 1})
        await check("GET", "/v1/api/orders/", 422, params={"status": "lost"})
        await check("POST", "/v1/api/orders/{uuid}/cancel/", 409, uuid=uuid)

        invoice = await check("GET", "/v1/api/invoices/{uuid}/", uuid=invoice_uuid)
        assert invoice["refunds"][0]["refund_lines"] == []
        await check("GET", "/v1/api/invoices/{uuid}/", 404, uuid=str(uuid4()))
        await check(
            "PATCH",
            "/v1/api/invoices/{uuid}/",
            uuid=invoice_uuid,
            json={"invoice_url": "https://shop.example/i/1"},
        )
        await check("GET", "/v1/api/invoices/", params={"order__uuid": uuid})

        other = await check("POST", "/v1/api/order-request/", 201, json=order_request())
        await check("POST", "/v1/api/orders/{uuid}/cancel/", uuid=other["uuid"])
    answered = {(method, path) for method, path, code in check.seen if code < 300}
    assert answered == set(OPERATIONS)  # every operation's answer was checked
