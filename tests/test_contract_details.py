"""Contract details pinned to the contract's own values, end to end over HTTP.

- Timestamps are shown to the second, and the time filters compare at that precision: a row
  shown as created at ``15:14:00Z`` is never "created after" ``15:14:00.5Z``, whatever fraction
  of a second the database holds (README, API conventions).
- A time filter at either end of the calendar answers, on both API families: a moment before
  the year 1 in UTC lets everything through, one after the last second of 9999 nothing.
- NT24 answers omit null fields (conventions section 2.6): an optional field without a value
  is absent, in lists as in single resources.
- The settings' defaults are the contract's values, written out here as literals.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy import select

from api.notyd.payments.views import timestamp
from api.nt24.buyers.buyers import BuyerOut, BuyerPatch
from api.nt24.orders.invoices import InvoiceOut, InvoicePatch
from api.nt24.orders.orders import OrderOut, OrderPatch
from api.nt24.orders.payment_proof import PaymentOut, PaymentPatch
from api.nt24.schemas import PatchModel
from api.nt24.webhooks.webhooks import WebhookEndpointOut, WebhookEndpointPatch
from settings import RateLimits, Settings
from store.db import Database
from store.models import Buyer, Order, WebhookDelivery
from tests.conftest import Stack
from tests.order_flow import TOTAL, OrderClient, key, money, seller_session
from tests.test_payment_orders import create, make_seller, order_request

STORED = datetime(2026, 3, 2, 15, 14, 0, 700_000, tzinfo=UTC)


def ids(answer) -> list[str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.text
    return [row.get("uuid") or row.get("id") for row in answer.json()["data"]]


async def test_time_filters_compare_at_the_second_they_are_shown(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        hook = await http.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hooks", "events": ["compliance.*"]},
            headers=key(),
        )
        assert hook.status_code == 201, hook.text
        endpoint = hook.json()["id"]
        fired = await http.post(
            f"/v1/webhooks/{endpoint}/test",
            json={"eventType": "compliance.status_changed", "data": {}},
            headers=key(),
        )
        assert fired.status_code == 202, fired.text
        delivery = fired.json()["id"]

        # what each row shows, and what the database holds (a fraction of a second more)
        async def shown_now() -> dict[tuple[str, str], str]:
            orders = await http.get(f"{tenant.seller}/orders")
            [shown_order] = [o for o in orders.json()["data"] if o["uuid"] == order]
            buyers = await http.get(f"{tenant.seller}/buyers")
            [shown_buyer] = [b for b in buyers.json()["data"] if b["uuid"] == buyer]
            deliveries = await http.get(f"/v1/webhooks/{endpoint}/deliveries")
            [shown_delivery] = deliveries.json()["data"]
            return {
                ("orders", "createdAfter"): shown_order["createdAt"],
                ("orders", "updatedAfter"): shown_order["updatedAt"],
                ("buyers", "createdAfter"): shown_buyer["createdAt"],
                ("buyers", "updatedAfter"): shown_buyer["updatedAt"],
                ("deliveries", "since"): shown_delivery["createdAt"],
            }

        async def stored_now() -> dict[tuple[str, str], datetime | None]:
            async with stack.db.session() as session:
                return {
                    ("orders", "createdAfter"): await session.scalar(
                        select(Order.created_at).where(Order.uuid == UUID(order))
                    ),
                    ("orders", "updatedAfter"): await session.scalar(
                        select(Order.updated_at).where(Order.uuid == UUID(order))
                    ),
                    ("buyers", "createdAfter"): await session.scalar(
                        select(Buyer.created_at).where(Buyer.uuid == UUID(buyer))
                    ),
                    ("buyers", "updatedAfter"): await session.scalar(
                        select(Buyer.updated_at).where(Buyer.uuid == UUID(buyer))
                    ),
                    ("deliveries", "since"): await session.scalar(
                        select(WebhookDelivery.created_at).where(
                            WebhookDelivery.public_id == delivery
                        )
                    ),
                }

        # the buyer's VIES check may still change the buyer and the order: one snapshot whose
        # rows read the same before and after the database's values
        for _ in range(50):
            shown = await shown_now()
            stored = await stored_now()
            if await shown_now() == shown:
                break
            await asyncio.sleep(0.1)
        lists = {
            "orders": (f"{tenant.seller}/orders", order),
            "buyers": (f"{tenant.seller}/buyers", buyer),
            "deliveries": (f"/v1/webhooks/{endpoint}/deliveries", delivery),
        }
        for (resource, name), text in shown.items():
            assert text.endswith("Z") and "." not in text, text  # to the second, in UTC
            second = datetime.fromisoformat(text)
            assert second <= stored[resource, name] < second + timedelta(seconds=1)
            path, wanted = lists[resource]
            for moment, found in (
                (second + timedelta(milliseconds=500), False),  # within the second shown
                (second, False),  # the very second shown: not after it
                (second + timedelta(microseconds=999_999), False),
                (second - timedelta(milliseconds=1), True),
                (second - timedelta(seconds=1), True),
            ):
                value = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                listed = await http.get(path, params={name: value, "size": 100})
                assert (wanted in ids(listed)) is found, (resource, name, value)
            # another zone says the same moment; a moment without a zone is UTC
            within = second + timedelta(milliseconds=500)
            for value in (
                within.astimezone(timezone(timedelta(hours=1))).isoformat(),
                within.replace(tzinfo=None).isoformat(),
            ):
                listed = await http.get(path, params={name: value, "size": 100})
                assert wanted not in ids(listed), (resource, name, value)


# Moments a client may send that lie before every stored timestamp, and after every one
BEFORE_ALL = (
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",  # in UTC: the year 0
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-12:00",
    "0001-01-01T00:00:00",
)
AFTER_ALL = (
    "9999-12-31T23:59:59Z",  # its next second: the year 10000
    "9999-12-31T23:59:59.999Z",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59-12:00",  # in UTC: the year 10000
    "9999-12-31T23:59:59",
)


async def test_time_filters_at_the_ends_of_the_calendar(stack: Stack, db: Database):
    tenant, http = await seller_session(stack)
    seller = await make_seller(stack, db)
    async with http, stack.http(seller.token) as notyd:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        hook = await http.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hooks", "events": ["compliance.*"]},
            headers=key(),
        )
        endpoint = hook.json()["id"]
        fired = await http.post(
            f"/v1/webhooks/{endpoint}/test",
            json={"eventType": "compliance.status_changed", "data": {}},
            headers=key(),
        )
        assert fired.status_code == 202, fired.text
        filters = (
            (f"{tenant.seller}/orders", "createdAfter", order),
            (f"{tenant.seller}/orders", "updatedAfter", order),
            (f"{tenant.seller}/buyers", "createdAfter", buyer),
            (f"{tenant.seller}/buyers", "updatedAfter", buyer),
            (f"/v1/webhooks/{endpoint}/deliveries", "since", fired.json()["id"]),
        )
        for path, name, wanted in filters:
            for value in BEFORE_ALL:
                listed = await http.get(path, params={name: value})
                assert wanted in ids(listed), (path, name, value)
            for value in AFTER_ALL:
                listed = await http.get(path, params={name: value})
                assert ids(listed) == [], (path, name, value)
                assert listed.json()["pagination"]["totalElements"] == 0

        # NOTYD's filters take days, through the last day of the calendar
        made = await create(stack, seller, order_request())
        for params, count in (
            ({"created_at_after": "0001-01-01"}, 1),
            ({"created_at_before": "9999-12-31"}, 1),
            ({"created_at_after": "0001-01-01", "created_at_before": "9999-12-31"}, 1),
            ({"created_at_after": "9999-12-31"}, 0),
            ({"created_at_before": "0001-01-01"}, 0),
        ):
            for path in ("/v1/api/orders/", "/v1/api/invoices/"):
                listed = await notyd.get(path, params=params)
                assert listed.status_code == 200, (path, params, listed.text)
                if path == "/v1/api/orders/":
                    assert [o["uuid"] for o in listed.json()["results"]] == [made["uuid"]] * count
        # a day is YYYY-MM-DD, as Django's date filter reads it: not ISO 8601's basic form,
        # nor a number of seconds since 1970
        for value in ("20270101", "1735689600"):
            for path in ("/v1/api/orders/", "/v1/api/invoices/"):
                refused = await notyd.get(path, params={"created_at_after": value})
                assert refused.status_code == 422, (path, value, refused.text)
                assert "created_at_after" in refused.text


def nulls(value: Any, path: str = "") -> list[str]:
    """Where ``value`` (decoded JSON) holds a null: ``data[0].phone``."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{path}[{i}]")]
    return []


async def test_a_time_filter_given_as_a_bare_number_is_refused_naming_it(stack: Stack):
    """Conventions 3: timestamps are ISO 8601. A bare number was read as Unix seconds: ISO
    8601's basic 20270101 (after every order) listed every order, as of 1970-08-24."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        await client.order(await client.buyer(documents=False))
        for path, name in (
            ("/orders", "createdAfter"),
            ("/orders", "updatedAfter"),
            ("/buyers", "createdAfter"),
            ("/buyers", "updatedAfter"),
        ):
            answer = await http.get(f"{tenant.seller}{path}", params={name: "20270101"})
            assert answer.status_code == 422, answer.text
            assert [e["field"] for e in answer.json()["errors"]] == [name], answer.json()
        iso = await http.get(f"{tenant.seller}/orders", params={"createdAfter": "2027-01-01"})
    assert iso.status_code == 200 and iso.json()["data"] == []


async def test_nt24_answers_omit_null_fields(stack: Stack):
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    answers: list[httpx.Response] = []

    async def keep(answer: httpx.Response) -> None:
        await answer.aread()
        answers.append(answer)

    http.event_hooks["response"] = [keep]
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()  # its KYC documents name no issuer
        person = {"firstName": "Camille", "lastName": "Dupont", "email": "c@example.com"}
        await client.post(f"/buyers/{buyer}/contacts", person)  # no phone
        await client.get(f"/buyers/{buyer}/contacts")
        await client.get(f"/buyers/{buyer}/kyc/documents")
        await client.get("/buyers")
        vehicle = {"vin": "WVWZZZ1KZAW000001", "purchaseAmount": money(TOTAL)}  # no model
        order = (await client.order(buyer, vins=[vehicle]))["uuid"]  # nor a contact
        await client.get("/orders")
        await client.get(f"/orders/{order}")
        await client.upload(f"/orders/{order}/documents", "TRANSPORT_CMR")
        await client.get(f"/orders/{order}/documents")
        # a problem too: a required field left out has no rejected value to show
        refused = await client.post(f"/orders/{order}/cancel", {})
    answers.remove(refused)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    assert nulls(refused.json()) == [], refused.json()
    assert len(answers) > 10 and all(a.is_success for a in answers), answers
    found = {
        f"{a.request.method} {a.request.url.path}": nulls(a.json())
        for a in answers
        if nulls(a.json())
    }
    assert found == {}


def test_notyd_timestamps_are_shown_to_the_second():
    assert timestamp(STORED) == "2026-03-02T15:14:00+00:00"
    assert timestamp(date(2026, 3, 2)) == "2026-03-02"
    assert timestamp(None) is None


def test_the_defaults_are_the_contracts_values():
    """nt24-conventions-webhooks.md §5.7, §5.8 and the rate-limits section, as literals."""
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    settings = Settings()
    assert settings.webhook_retry_schedule == [
        1 * minute,
        5 * minute,
        15 * minute,
        1 * hour,
        4 * hour,
        8 * hour,
        16 * hour,
        24 * hour,
        36 * hour,
        48 * hour,
    ]
    assert settings.webhook_auto_pause_failures == 20
    assert settings.webhook_auto_pause_after == timedelta(hours=72)
    assert settings.webhook_history_retention == timedelta(days=30)
    # "300" on a read answer's X-RateLimit-Limit; "60 requests per minute for write category"
    assert settings.rate_limits_standard.read == 300
    assert settings.rate_limits_standard.write == 60
    assert isinstance(settings.rate_limits_standard, RateLimits)


async def test_a_patch_setting_a_status_is_refused_naming_it(stack: Stack):
    """A status follows a resource's commands (block, cancel, ready-for-pickup ...): a PATCH
    {"status": "ACTIVE"} of a blocked buyer, or {"status": "CANCELLED"} of an order, answered
    200 and changed nothing, as if it had taken effect. It is a 422 naming the field, and
    nothing is written."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        blocked = await http.post(f"{tenant.seller}/buyers/{buyer}/block", headers=key())
        etag = {"If-Match": blocked.headers["ETag"]}
        refused = {
            "buyer": await http.patch(
                f"{tenant.seller}/buyers/{buyer}", json={"status": "ACTIVE"}, headers=key() | etag
            ),
        }
        for part, body in (
            ("", {"status": "CANCELLED"}),
            ("/invoice", {"type": "PRELIMINARY", "status": "VALID"}),
            ("/payment", {"readyForPickup": True}),
        ):
            url = f"{tenant.seller}/orders/{order}{part}"
            shown = await http.get(url)
            # the invoices are a list: each its own version
            version = shown.headers.get("ETag") or f'"{shown.json()[0]["version"]}"'
            refused[part or "order"] = await http.patch(
                url, json=body, headers=key() | {"If-Match": version}
            )
        after = (await http.get(f"{tenant.seller}/buyers/{buyer}")).json()
    for name, answer in refused.items():
        assert answer.status_code == 422, (name, answer.text)
        field = "readyForPickup" if name == "/payment" else "status"
        assert [e["field"] for e in answer.json()["errors"]] == [field], name
    assert after["status"] == "BLOCKED"


@pytest.mark.parametrize(
    ("patch", "shown"),
    [
        (BuyerPatch, BuyerOut),
        (OrderPatch, OrderOut),
        (InvoicePatch, InvoiceOut),
        (PaymentPatch, PaymentOut),
        (WebhookEndpointPatch, WebhookEndpointOut),
    ],
)
def test_every_field_a_resource_shows_is_set_by_its_patch_or_refused(
    patch: type[PatchModel], shown: type[BaseModel]
) -> None:
    """A field the resource shows and its PATCH ignored would be a 200 that changed nothing:
    each is either one the PATCH sets or one it refuses (``FIXED``, declared to be seen)."""
    assert set(shown.model_fields) <= set(patch.model_fields)
    assert set(patch.FIXED) <= set(patch.model_fields)


async def test_a_patch_of_a_computed_field_is_refused_naming_it(stack: Stack):
    """A PATCH giving a field the resource shows but the client cannot set answered 200 and
    changed nothing, as if it had taken effect: payment amountMatchesInvoice and
    ibanConsistent, invoice finalInvoiceReceived and finalInvoiceRequired, the order's
    cancellationReason, and what the server records (ids, versions, times). Each is a 422
    naming it, as status is, and nothing is written."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        hook = await http.post(
            "/v1/webhooks", json={"url": "http://127.0.0.1:9/h", "events": ["kyc.*"]}, headers=key()
        )
        refused = {}
        for url, body in (
            (f"/orders/{order}/payment", {"amountMatchesInvoice": False}),
            (f"/orders/{order}/payment", {"ibanConsistent": False}),
            (f"/orders/{order}/payment", {"version": 7}),
            (f"/orders/{order}/invoice", {"type": "PRELIMINARY", "finalInvoiceReceived": True}),
            (f"/orders/{order}/invoice", {"type": "PRELIMINARY", "finalInvoiceRequired": False}),
            (f"/orders/{order}", {"cancellationReason": "deal off"}),
            (f"/orders/{order}", {"updatedAt": "2020-01-01T00:00:00Z"}),
            (f"/buyers/{buyer}", {"createdAt": "2020-01-01T00:00:00Z"}),
        ):
            shown = await http.get(f"{tenant.seller}{url}")
            version = shown.headers.get("ETag") or f'"{shown.json()[0]["version"]}"'
            answer = await http.patch(
                f"{tenant.seller}{url}", json=body, headers=key() | {"If-Match": version}
            )
            after = await http.get(f"{tenant.seller}{url}")
            field = next(k for k in body if k != "type")
            refused[f"{url} {field}"] = (answer, field, shown.json() == after.json())
        answer = await http.patch(
            f"/v1/webhooks/{hook.json()['id']}",
            json={"statusReason": "all fine"},
            headers=key() | {"If-Match": hook.headers["ETag"]},
        )
        refused["webhook statusReason"] = (answer, "statusReason", True)
    for name, (answer, field, unchanged) in refused.items():
        assert answer.status_code == 422, (name, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == [field], name
        assert unchanged, name


async def test_a_decision_withdrawn_by_a_redecision_is_not_the_export_files(stack: Stack):
    """Staff re-decide a VALID_EXPORT order after its buyer was blocked, and the rules reach
    no decision: the Export File resource still answered READY with decision VALID_EXPORT,
    the withdrawn verdict an integrator would issue an exempt final invoice on. It is
    NOT_ELIGIBLE (compliance not terminal) with no decision; its versions stay listed."""
    from workflows.ids import order_workflow_id
    from workflows.orders.model import Redecide
    from workflows.orders.workflow import OrderWorkflow

    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        order = await client.delivered(buyer)
        await client.compliance_until(order, lambda r: r.get("complianceStatus") == "VALID")
        await client.export_file_until(order, 1)
        assert (await client.post(f"/buyers/{buyer}/block", {"reason": "fraud"})).status_code == 200
        await stack.client.get_workflow_handle(order_workflow_id(UUID(order))).execute_update(
            OrderWorkflow.redecide, Redecide("buyer blocked", "operator")
        )
        rollup = await client.compliance_until(
            order, lambda r: r.get("complianceStatus") == "INCOMPLETE"
        )
        export = (await client.get(f"/orders/{order}/finalization/export-file")).json()
    assert "decision" not in rollup
    assert export["status"] == "NOT_ELIGIBLE" and "decision" not in export, export
    assert export["version"] == 1 and rollup["modules"]["exportFile"]["status"] == "NOT_ELIGIBLE"


async def test_events_a_buyer_change_causes_carry_who_made_it(stack: Stack):
    """conventions 5.5: an event's source is the origin of the change. A delivered order waits
    only for its buyer's KYC; the integrator uploads the last KYC document through the API and
    the order is decided: its compliance events said SYSTEM, as every buyer change did."""
    from workflows.buyers.rules.kyc import REQUIRED_DOCUMENTS

    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        kinds = sorted(REQUIRED_DOCUMENTS["MARKETPLACE_LED"])
        for kind in kinds[:-1]:
            uploaded = await client.upload(f"/buyers/{buyer}/kyc/documents", kind)
            assert uploaded.status_code == 201, uploaded.text
        order = await client.delivered(buyer)
        await client.compliance_until(
            order, lambda r: "KYC_INCOMPLETE" in {b["code"] for b in r["blockers"]}
        )
        last = await client.upload(f"/buyers/{buyer}/kyc/documents", kinds[-1])
        assert last.status_code == 201, last.text
        await client.compliance_until(order, lambda r: r.get("complianceStatus") == "VALID")
        feed = (await http.get("/v1/events", params={"orderId": order})).json()["data"]
    decided = [e for e in feed if e["type"] == "compliance.decision_made"]
    assert [e["source"] for e in decided] == ["API"], decided
