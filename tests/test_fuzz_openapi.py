"""Fuzzing every operation of the served /openapi.json, both API families, with schemathesis.

Requests are generated from the document itself (valid ones and, fewer, invalid ones), sent
authenticated (an NT24 client-credentials token of a tenant of this test's own, with its
partners, and a NOTYD user token of a seller of its own) to the real stack, and every answer
is checked against the document: never a 5xx, a declared status, a declared media type, and a
body (problem+json ones too) that matches the declared schema.

Path parameters are the tenant's real ids (its partner, a buyer with a KYC document and an
invitation, an order with a document, a webhook endpoint, a NOTYD order and its invoice) in
some examples and random ones in others, so both "found" and "not found" answers are seen.
Multipart uploads are generated too (random bytes as the file: refused as not a PDF, which
is the answer checked). Destructive operations (cancel, delete, block) act on the test's own
tenant, so no shared fixture depends on what they do; they run last so the earlier operations
see live resources. Nothing is skipped: the readiness probe answers 200 or its declared 503.

Bounded: a fixed number of examples per operation (fewer for operations that start workflows
or call providers), derandomized, no shrinking, no example database; the whole file runs in
well under three minutes on two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from typing import Any

import hypothesis
import hypothesis.strategies as st
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.shared.errors import PROBLEM_JSON
from store.db import Database
from tests.conftest import Stack
from tests.order_flow import OrderClient, key, seller_session
from tests.test_payment_orders import confirm_on_page, create, make_seller, order_request

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 15  # valid requests per operation
NEGATIVE_EXAMPLES = 6  # invalid ones
# operations that start workflows or call a provider: fewer examples
COSTLY = {
    ("POST", "/v1/partners/{sellerId}/orders"),
    ("POST", "/v1/partners/{sellerId}/buyers/{buyerId}/kyc/verify"),
    ("POST", "/v1/partners/{sellerId}/buyers/{buyerId}/kyc/vies-check"),
    ("POST", "/v1/api/order-request/"),
    ("POST", "/v1/api/diagnostics/round-trip/"),
    ("POST", "/pay/{token}/"),
}
COSTLY_EXAMPLES = 3
# run last: they end the resources the other operations act on
LAST = ("cancel", "delete", "block", "revoke", "refund", "capture")


def real_ids(ids: dict[str, str], path: str) -> dict[str, str]:
    """The real id of each path parameter of ``path`` that has one."""
    names = {part[1:-1] for part in path.split("/") if part.startswith("{")}
    chosen = {name: ids[name] for name in names if name in ids}
    if "uuid" in names:
        chosen["uuid"] = ids["notydOrder" if path.startswith("/v1/api/orders") else "uuid"]
        if path.startswith("/v1/api/invoices"):
            chosen["uuid"] = ids["notydInvoice"]
    return chosen


class Findings:
    """Failures by operation and kind; the first example of each is kept to reproduce it."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], str] = {}
        self.statuses: dict[str, set[int]] = defaultdict(set)

    def add(self, label: str, error: BaseException) -> None:
        failures = getattr(error, "exceptions", None) or [error]
        for failure in failures:
            title = getattr(failure, "title", type(failure).__name__)
            self.found.setdefault((label, title), str(error)[:3000])

    def report(self) -> str:
        return "\n\n".join(
            f"== {label}: {title}\n{text}" for (label, title), text in sorted(self.found.items())
        )


def fuzz(
    schema: Any,
    base_url: str,
    tokens: dict[str, str],
    ids: dict[str, str],
    findings: Findings,
) -> None:
    """Every operation in turn, synchronously (run in a thread: the stack serves meanwhile)."""
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: any(word in op.path.split("/")[-2:] for word in LAST))
    operations.sort(key=lambda op: op.method.upper() == "DELETE")
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        headers: dict[str, str] = {}
        if operation.path.startswith(("/v1/api/", "/pay/")):
            headers["Authorization"] = f"Bearer {tokens['notyd']}"
        elif operation.path.startswith(("/v1/partners/", "/v1/me", "/v1/webhooks", "/v1/events")):
            headers["Authorization"] = f"Bearer {tokens['nt24']}"
        fixed = real_ids(ids, operation.path)
        costly = (operation.method.upper(), operation.path) in COSTLY
        positive = st.one_of(
            operation.as_strategy(path_parameters=fixed or None),
            operation.as_strategy(),
        )
        negative = operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
        for strategy, examples in (
            (positive, COSTLY_EXAMPLES if costly else EXAMPLES),
            (negative, 1 if costly else NEGATIVE_EXAMPLES),
        ):
            run_examples(strategy, examples, label, base_url, headers, findings)


def run_examples(
    strategy: Any,
    examples: int,
    label: str,
    base_url: str,
    headers: dict[str, str],
    findings: Findings,
) -> None:
    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def example(case: Any) -> None:
        if "Idempotency-Key" in (case.headers or {}):
            case.headers["Idempotency-Key"] = key()["Idempotency-Key"]
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            findings.statuses[label].add(response.status_code)
            sent = {"base_url": base_url, "headers": headers, "timeout": 30}
            case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs=sent)
        except (FailureGroup, Exception) as failure:  # a check failed, or no answer came
            findings.add(label, failure)

    # an operation may have no invalid request to make (no parameters, no body)
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        example()


async def real_resources(stack: Stack, db: Database) -> tuple[dict[str, str], dict[str, str]]:
    """A tenant of the test's own with one of each resource; their ids and both tokens."""
    tenant, http = await seller_session(
        stack, allow_multi_vin_orders=True, allow_contact_personal_data=True
    )
    async with http:
        orders = OrderClient(stack, tenant, http)
        buyer = await orders.buyer(documents=False)
        document = await orders.upload(f"/buyers/{buyer}/kyc/documents", "COC_EXTRACT")
        assert document.status_code == 201, document.text
        invitation = await orders.post(
            f"/buyers/{buyer}/kyc/self-service-invitations",
            {"recipientEmail": "buyer@example.com"},
        )
        assert invitation.status_code == 201, invitation.text
        order = await orders.order(buyer)
        order_document = await orders.upload(f"/orders/{order['uuid']}/documents", "ORDER_OTHER")
        assert order_document.status_code == 201, order_document.text
        endpoint = await http.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hooks", "events": ["kyc.*"]},
            headers=key(),
        )
        assert endpoint.status_code == 201, endpoint.text
        token = http.headers["Authorization"].removeprefix("Bearer ")
    seller = await make_seller(stack, db)
    notyd_order = await create(stack, seller, order_request())
    paid = await create(stack, seller, order_request())
    assert (await confirm_on_page(stack, paid)).status_code == 302
    async with stack.http(seller.token) as notyd:
        captured = await notyd.post(f"/v1/api/orders/{paid['uuid']}/capture/", json={})
        assert captured.status_code == 200, captured.text
    ids = {
        "sellerId": str(tenant.partner.uuid),
        "buyerId": buyer,
        "documentUuid": document.json()["uuid"],
        "invitationUuid": invitation.json()["uuid"],
        "uuid": order["uuid"],
        "endpointId": endpoint.json()["id"],
        "notydOrder": notyd_order["uuid"],
        "token": notyd_order["payment_page_url"].rstrip("/").rsplit("/", 1)[-1],
        "notydInvoice": captured.json()["invoice_uuid"],
    }
    return ids, {"nt24": token, "notyd": seller.token}


async def test_every_failure_is_declared_as_a_problem_or_a_page(stack: Stack) -> None:
    async with stack.http() as http:
        document = (await http.get("/openapi.json")).json()
    assert "HTTPValidationError" not in json.dumps(document)  # FastAPI's, not what we answer
    for path, item in document["paths"].items():
        if path.startswith(("/healthz", "/readyz", "/realms/")):
            continue  # their own bodies: health checks, RFC 6749 errors
        for method, operation in item.items():
            responses = operation["responses"]
            # the buyer's payment page answers its failures as pages (api/notyd/payments/page.py)
            failure = "text/html" if path.startswith("/pay/") else PROBLEM_JSON
            for code, response in responses.items():
                if code.startswith("4"):
                    assert list(response["content"]) == [failure], (method, path, code)
            if path.startswith(("/v1/partners/", "/v1/webhooks", "/v1/events")):
                assert {"401", "403", "422", "429"} <= set(responses), (method, path)
            if "requestBody" in operation:
                assert "400" in responses, (method, path)


async def test_every_operation_answers_as_its_document_says(stack: Stack, db: Database) -> None:
    ids, tokens = await real_resources(stack, db)
    async with stack.http() as http:
        document = (await http.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    findings = Findings()
    started = time.monotonic()
    await asyncio.to_thread(fuzz, schema, stack.base_url, tokens, ids, findings)
    took = time.monotonic() - started
    every = {f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()}
    assert set(findings.statuses) == every  # each operation was sent requests, and answered
    assert not findings.found, (
        f"{len(findings.found)} findings in {took:.0f} s\n" + findings.report()
    )
