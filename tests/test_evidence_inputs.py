"""Evidence inputs over HTTP: who arranged the transport, milestone dates not in the future, a
revoke's reason, an upload's issuer number, VINs and the countries its transport went between
(a KYC upload's issuer number too), the seller's name and the name VIES gives.

The real dev server, worker, PostgreSQL and VIES sandbox, as an integrator's client sees them.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, select

from api.nt24.values import latest_today
from api.shared.converter import DATA_CONVERTER
from api.shared.payload_codec import decoded_history
from sandboxes.vies import BY_NUMBER, VALID_NAME
from store.buyers.buyers import buyer_ref
from store.db import Database
from store.models import Base, Buyer, Document, Order
from tests.conftest import Stack, capture_history
from tests.order_flow import TOTAL, OrderClient, key, money, pdf, seller_session, seller_today
from tests.test_web_staff_forms import web_session
from workflows.buyers.vies_check import BuyerViesCheckResult
from workflows.ids import buyer_vies_workflow_id

PROBLEMS = "https://api.novatrade24.com/problems/"
VIN_A = "WVWZZZ1KZAW000001"
VIN_B = "WBA3A5C50CF256985"
NAMED_BY_VIES = next(n for n, magic in BY_NUMBER.items() if magic.code == 100)


def fields(answer: Any) -> list[str]:
    return [e["field"] for e in answer.json()["errors"]]


async def ready_order(client: OrderClient, **overrides: Any) -> str:
    order = (await client.order(await client.buyer(), **overrides))["uuid"]
    await client.invoice_and_payment(order)
    ready = await client.post(f"/orders/{order}/payment/ready-for-pickup")
    assert ready.status_code == 200, ready.text
    return order


def pickup_body(type_: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "pickupDate": seller_today().isoformat()} | extra


# --- pure: the latest today on earth ------------------------------------------------------


def test_latest_today_is_the_calendar_day_at_utc_plus_14():
    assert latest_today(datetime(2026, 12, 5, 9, 59, tzinfo=UTC)) == date(2026, 12, 5)
    assert latest_today(datetime(2026, 12, 5, 10, 0, tzinfo=UTC)) == date(2026, 12, 6)
    assert latest_today() >= datetime.now(UTC).date()


# --- transport ------------------------------------------------------------------------------


async def test_who_arranged_the_transport_is_stored_defaulted_and_shown(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await ready_order(client)

        refused = await client.post(
            f"/orders/{order}/transport/pickup", pickup_body("SELF_PICKUP", arrangedBy="SELLER")
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"] == PROBLEMS + "validation-error"
        assert fields(refused) == ["arrangedBy"]
        unknown = await client.post(
            f"/orders/{order}/transport/pickup",
            pickup_body("COMPANY_TRANSPORT", arrangedBy="CARRIER"),
        )
        assert unknown.status_code == 422 and fields(unknown) == ["arrangedBy"]

        picked = await client.post(
            f"/orders/{order}/transport/pickup",
            pickup_body("COMPANY_TRANSPORT", arrangedBy="BUYER"),
        )
        assert picked.status_code == 200, picked.text
        assert picked.json()["pickup"]["arrangedBy"] == "BUYER"
        shown = (await client.get(f"/orders/{order}/transport")).json()
        assert shown["pickup"]["arrangedBy"] == "BUYER"

        # the defaults: company transport is the seller's, self-pickup always the buyer's
        revoked = await client.post(
            f"/orders/{order}/transport/pickup/revoke", {"reason": "wrong carrier"}
        )
        assert revoked.status_code == 200, revoked.text
        again = await client.post(
            f"/orders/{order}/transport/pickup", pickup_body("COMPANY_TRANSPORT")
        )
        assert again.status_code == 200 and again.json()["pickup"]["arrangedBy"] == "SELLER"
        await client.post(f"/orders/{order}/transport/pickup/revoke", {"reason": "buyer came"})
        itself = await client.post(f"/orders/{order}/transport/pickup", pickup_body("SELF_PICKUP"))
        assert itself.status_code == 200 and itself.json()["pickup"]["arrangedBy"] == "BUYER"


async def test_pickup_and_delivery_dates_may_not_be_in_the_future(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await ready_order(client)
        tomorrow_everywhere = (latest_today() + timedelta(days=1)).isoformat()

        future = await client.post(
            f"/orders/{order}/transport/pickup",
            {"type": "COMPANY_TRANSPORT", "pickupDate": tomorrow_everywhere},
        )
        assert future.status_code == 422, future.text
        assert fields(future) == ["pickupDate"]
        assert future.json()["errors"][0]["rejectedValue"] == tomorrow_everywhere

        # the latest today on earth is some client's today: accepted
        latest = await client.post(
            f"/orders/{order}/transport/pickup",
            {"type": "COMPANY_TRANSPORT", "pickupDate": latest_today().isoformat()},
        )
        assert latest.status_code == 200, latest.text

        late = await client.post(
            f"/orders/{order}/transport/delivery", {"deliveryDate": tomorrow_everywhere}
        )
        assert late.status_code == 422, late.text
        assert fields(late) == ["deliveryDate"]
        assert (await client.get(f"/orders/{order}/transport")).json()["status"] == "IN_PROGRESS"


async def test_a_payment_dated_in_the_future_is_refused(stack: Stack):
    """A payment is a fact like a pickup: one dated ahead would have the Export File state it
    "paid on" a day that has not come. 422 naming paymentDate, on POST and PATCH, nothing
    written."""
    tenant, http = await seller_session(stack)
    tomorrow_everywhere = (latest_today() + timedelta(days=1)).isoformat()
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        body = {
            "paymentDate": tomorrow_everywhere,
            "bankAmount": money(TOTAL),
            "cashAmount": money(0),
            "sourceIban": "DE89370400440532013000",
        }
        submitted = await client.post(f"/orders/{order}/payment", body)
        stored = await client.get(f"/orders/{order}/payment")
        # the latest today on earth is some client's today: accepted
        latest = await client.post(
            f"/orders/{order}/payment", body | {"paymentDate": latest_today().isoformat()}
        )
        assert latest.status_code == 201, latest.text
        patched = await http.patch(
            f"{tenant.seller}/orders/{order}/payment",
            json={"paymentDate": tomorrow_everywhere},
            headers=key() | {"If-Match": latest.headers["ETag"]},
        )
        after = await client.get(f"/orders/{order}/payment")
    assert submitted.status_code == 422, submitted.text
    assert fields(submitted) == ["paymentDate"]
    assert stored.status_code == 404, stored.text  # nothing written
    assert patched.status_code == 422, patched.text
    assert fields(patched) == ["paymentDate"]
    assert after.json()["paymentDate"] == latest_today().isoformat()
    assert after.json()["version"] == latest.json()["version"]


async def test_an_order_purchased_in_a_future_year_is_refused(stack: Stack):
    """A purchase happened, like the first registration the same body refuses ahead: an
    order "bought" in 9999 is a 422 naming purchaseDate on POST and PATCH, and on the web
    app's order forms, which take the API's models; nothing is written."""
    tenant, http = await seller_session(stack)
    far = "9999-12-31"
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        external = f"deal-{uuid4()}"
        created = await client.post("/orders", client.order_body(buyer, external, purchaseDate=far))
        order = await client.order(buyer)
        patched = await http.patch(
            f"{tenant.seller}/orders/{order['uuid']}",
            json={"purchaseDate": far},
            headers=key() | {"If-Match": f'"{order["version"]}"'},
        )
        listed = (await client.get("/orders")).json()["data"]
        async with web_session(stack) as (web, token):
            form = {
                "csrf_token": token,
                "buyer": buyer,
                "externalOrderId": external,
                "vin": VIN_A,
                "totalAmount": "18,500.00",
                "purchaseDate": far,
            }
            new = await web.post("/app/orders/new", data=form)
            edited = await web.post(
                f"/app/orders/{order['uuid']}/edit",
                data={"csrf_token": token, "version": str(order["version"]), "purchaseDate": far},
            )
        after = (await client.get(f"/orders/{order['uuid']}")).json()
    assert created.status_code == 422, created.text
    assert fields(created) == ["purchaseDate"]
    assert patched.status_code == 422, patched.text
    assert fields(patched) == ["purchaseDate"]
    for page in (new, edited):
        assert page.status_code == 422, page.text
        # beside the field, as typed
        assert '<em class="error" id="err-purchaseDate">must not be in the future</em>' in (
            page.text
        )
        assert 'name="purchaseDate" value="9999-12-31"' in page.text
    assert [o["uuid"] for o in listed] == [order["uuid"]]  # none created
    assert (after["purchaseDate"], after["version"]) == (order["purchaseDate"], order["version"])


async def test_a_revoke_without_a_body_names_the_reason(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await ready_order(client)
        assert (await client.pickup(order)).status_code == 200
        path = f"{client.seller}/orders/{order}/transport/pickup/revoke"

        bare = await http.post(path, headers=key())
        assert bare.status_code == 422, bare.text
        assert bare.json()["type"] == PROBLEMS + "validation-error"
        assert fields(bare) == ["reason"]
        empty = await http.post(path, json={}, headers=key())
        assert empty.status_code == 422 and fields(empty) == ["reason"]
        blank = await http.post(path, json={"reason": ""}, headers=key())
        assert blank.status_code == 422 and fields(blank) == ["reason"]
        assert (await client.get(f"/orders/{order}/transport")).json()["status"] == "IN_PROGRESS"

        revoked = await http.post(path, json={"reason": "wrong truck"}, headers=key())
        assert revoked.status_code == 200, revoked.text

        schema = (await http.get("/openapi.json")).json()
        operation = schema["paths"]["/v1/partners/{sellerId}/orders/{uuid}/transport/pickup/revoke"]
        assert operation["post"]["requestBody"]["required"] is True


# --- documents ------------------------------------------------------------------------------


async def upload(client: OrderClient, path: str, type_: str, data: dict[str, Any]) -> Any:
    """A multipart upload; a list value is sent as repeated fields."""
    return await client.http.post(
        f"{client.seller}{path}",
        data={"type": type_} | data,
        files={"file": ("cmr.pdf", pdf(f"{type_} {uuid4()}"), "application/pdf")},
        headers=key(),
    )


async def test_an_upload_names_its_issuer_number_and_the_vins_it_covers(stack: Stack):
    tenant, http = await seller_session(stack, allow_multi_vin_orders=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        vins = [
            {"vin": vin, "brand": "VW", "model": "Golf", "purchaseAmount": money(TOTAL // 2)}
            for vin in (VIN_A, VIN_B)
        ]
        order = (await client.order(await client.buyer(), vins=vins))["uuid"]

        # repeated fields and a comma-separated value are both read; any case, the order's spelling
        answer = await upload(
            client,
            f"/orders/{order}/transport/documents",
            "TRANSPORT_CMR",
            {
                "issuerType": "CARRIER",
                "issuerName": "Speedy Trans GmbH",
                "issuerId": "  de 123 456 789 ",
                "vins": [VIN_B.lower(), f"{VIN_A}, {VIN_B}"],
            },
        )
        assert answer.status_code == 201, answer.text
        uploaded = answer.json()
        assert uploaded["issuerId"] == "DE123456789"
        assert uploaded["vins"] == [VIN_A, VIN_B]

        one = await upload(
            client, f"/orders/{order}/documents", "ORDER_OTHER", {"vins": VIN_B.lower()}
        )
        assert one.status_code == 201, one.text
        assert one.json()["vins"] == [VIN_B] and "issuerId" not in one.json()
        every = await upload(client, f"/orders/{order}/documents", "ORDER_OTHER", {})
        assert every.status_code == 201 and "vins" not in every.json()  # absent: all of them

        listed = {d["uuid"]: d for d in (await client.get(f"/orders/{order}/documents")).json()}
        assert listed[uploaded["uuid"]]["issuerId"] == "DE123456789"
        assert listed[uploaded["uuid"]]["vins"] == [VIN_A, VIN_B]
        assert listed[one.json()["uuid"]]["vins"] == [VIN_B]
        assert listed[every.json()["uuid"]].get("vins") is None
        transport = (await client.get(f"/orders/{order}/transport")).json()
        [cmr] = transport["documents"]
        assert (cmr["issuerId"], cmr["vins"]) == ("DE123456789", [VIN_A, VIN_B])

        async with stack.db.session() as session:
            row = await session.scalar(
                select(Document).where(Document.uuid == UUID(uploaded["uuid"]))
            )
        assert row is not None and (row.issuer_id, row.vins) == ("DE123456789", [VIN_A, VIN_B])

        stranger = await upload(
            client,
            f"/orders/{order}/transport/documents",
            "TRANSPORT_CMR",
            {"vins": f"{VIN_A},WDB9634031L000001"},
        )
        assert stranger.status_code == 422, stranger.text
        assert fields(stranger) == ["vins"]
        too_long = await upload(
            client, f"/orders/{order}/transport/documents", "TRANSPORT_CMR", {"issuerId": "X" * 65}
        )
        assert too_long.status_code == 422 and fields(too_long) == ["issuerId"]
        after = (await client.get(f"/orders/{order}/documents")).json()
        assert len(after) == len(listed)  # a refused upload leaves no trace

        # stored as it reads: a soft hyphen or a zero-width space would make a name another's
        invisible = await upload(
            client,
            f"/orders/{order}/transport/documents",
            "TRANSPORT_CMR",
            {"issuerName": "Auto\u00adhaus Schmidt\u200b", "issuerId": "DE\u200b811907980"},
        )
        assert invisible.status_code == 201, invisible.text
        stored = invisible.json()
        assert (stored["issuerName"], stored["issuerId"]) == ("Autohaus Schmidt", "DE811907980")


async def test_each_vins_cmr_counts_and_a_paper_supersedes_only_what_it_covers(stack: Stack):
    """A multi-VIN order with a CMR for each car: the second does not supersede the first, so
    both cars have the carrier's paper and the order is decided VALID. A paper supersedes an
    earlier one of its type only when it covers every VIN that one covers."""
    tenant, http = await seller_session(stack, allow_multi_vin_orders=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        vins = [
            {
                "vin": vin,
                "brand": "VW",
                "model": "Golf",
                "purchaseAmount": money(TOTAL // 2),
                "mileage": 85_000,
                "firstRegistrationDate": "2019-03-01",
            }
            for vin in (VIN_A, VIN_B)
        ]
        order = await ready_order(client, vins=vins)
        picked = await client.pickup(order)
        assert picked.status_code == 200, picked.text
        transport = f"/orders/{order}/transport/documents"
        carrier, insurer = "Speedy Trans GmbH", "Allianz Versicherung AG"
        uploads: dict[str, str] = {}
        for name, type_, issuer, issuer_name, form in (
            ("cmr A", "TRANSPORT_CMR", "CARRIER", carrier, {"vins": VIN_A}),
            ("cmr B", "TRANSPORT_CMR", "CARRIER", carrier, {"vins": VIN_B}),
            ("policy", "TRANSPORT_INSURANCE_POLICY", "INSURER", insurer, {}),
            ("policy A", "TRANSPORT_INSURANCE_POLICY", "INSURER", insurer, {"vins": VIN_A}),
        ):
            answer = await client.upload(transport, type_, issuer, issuer_name, **form)
            assert answer.status_code == 201, answer.text
            uploads[name] = answer.json()["uuid"]
        delivered = await client.deliver(order)
        assert delivered.status_code == 200, delivered.text

        rollup = await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        assert rollup["blockers"] == []
        listed = (await client.get(f"/orders/{order}/documents")).json()
        statuses = {d["uuid"]: d["status"] for d in listed}
        # the policy for VIN A alone leaves the whole order's active: it still covers VIN B
        assert {name: statuses[uuid] for name, uuid in uploads.items()} == {
            "cmr A": "ACTIVE",
            "cmr B": "ACTIVE",
            "policy": "ACTIVE",
            "policy A": "ACTIVE",
        }

        # a CMR for the whole order supersedes each car's
        whole = await client.upload(transport, "TRANSPORT_CMR", "CARRIER", carrier)
        assert whole.status_code == 201, whole.text
        superseded = await client.get(f"/orders/{order}/documents", params={"status": "SUPERSEDED"})
        assert sorted(d["uuid"] for d in superseded.json()) == sorted(
            [uploads["cmr A"], uploads["cmr B"]]
        )
    # with the patch's marker
    await capture_history(stack.client.get_workflow_handle(f"order-{order}"), "order_vin_documents")


# --- the names the order knows ----------------------------------------------------------------


async def test_the_name_vies_gives_reaches_the_buyer_and_its_orders(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(vat=NAMED_BY_VIES, country="DE")
        result = await stack.client.get_workflow_handle(
            buyer_vies_workflow_id(buyer), result_type=BuyerViesCheckResult
        ).result()
        assert (str(result.result), result.trader_name) == ("VALID", VALID_NAME)

        async with asyncio.timeout(30):
            while True:
                async with stack.db.session() as session:
                    row = await session.scalar(select(Buyer).where(Buyer.uuid == UUID(buyer)))
                    assert row is not None
                    if row.vies_result == "VALID":
                        ref = await buyer_ref(session, row)
                        break
                await asyncio.sleep(0.2)
        assert row.vies_trader_name == VALID_NAME and ref.vies_trader_name == VALID_NAME

        created = await client.order(buyer)
        handle = stack.client.get_workflow_handle(f"order-{created['uuid']}")
        history = await decoded_history(await handle.fetch_history(), DATA_CONVERTER.payload_codec)
        [create, *_] = [
            e.workflow_execution_update_accepted_event_attributes
            for e in history.events
            if e.HasField("workflow_execution_update_accepted_event_attributes")
        ]
        sent = json.loads(create.accepted_request.input.args.payloads[0].data)
        assert sent["identity"]["seller_name"] == tenant.partner.name
        assert sent["buyer"]["vies_trader_name"] == VALID_NAME


async def test_the_web_app_upload_form_takes_the_issuer_number_and_vins(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer(documents=False)))["uuid"]
    async with web_session(stack) as (web, token):
        page = await web.get(f"/app/orders/{order}")
        assert 'name="issuerId"' in page.text and 'name="vins"' in page.text
        form = {
            "csrf_token": token,
            "type": "TRANSPORT_CMR",
            "issuerName": "Speedy\u00ad Trans GmbH",
        }
        files = {"file": ("cmr.pdf", pdf("CMR"), "application/pdf")}
        refused = await web.post(
            f"/app/orders/{order}/documents",
            data=form | {"vins": "WDB9634031L000001"},
            files=files,
        )
        assert refused.status_code != 303 and "not a VIN of this order" in refused.text
        answer = await web.post(
            f"/app/orders/{order}/documents",
            data=form | {"issuerId": "fr 40 303265045", "vins": VIN_A.lower()},
            files=files,
        )
        assert answer.status_code == 303, answer.text
    async with stack.db.session() as session:
        ours = select(Order.id).where(Order.uuid == UUID(order)).scalar_subquery()
        [row] = await session.scalars(select(Document).where(Document.order_id == ours))
    assert (row.issuer_id, row.vins, row.source) == ("FR40303265045", [VIN_A], "WEB_APP")
    assert row.issuer_name == "Speedy Trans GmbH"  # without the soft hyphen it was sent with


# --- the migration --------------------------------------------------------------------------


async def test_the_migrations_give_the_models_columns(db: Database):
    """The test database is migrated to head: it has every column the models declare (the
    new ones included), and nothing the models lack."""

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        found = await connection.run_sync(differences)
    columns = [d for d in found if isinstance(d, tuple) and d[0] in ("add_column", "remove_column")]
    tables = [d for d in found if isinstance(d, tuple) and d[0] in ("add_table", "remove_table")]
    assert (columns, tables) == ([], [])


# --- where a transport document says the transport began and ended --------------------------


async def test_an_upload_states_the_origin_and_destination_country(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer(documents=False)))["uuid"]
        path = f"/orders/{order}/transport/documents"

        answer = await upload(
            client,
            path,
            "TRANSPORT_CMR",
            {"originCountry": " de ", "destinationCountry": "el", "issuerName": "Speedy"},
        )
        assert answer.status_code == 201, answer.text
        cmr = answer.json()
        assert (cmr["originCountry"], cmr["destinationCountry"]) == ("DE", "GR")
        plain = await upload(client, f"/orders/{order}/documents", "ORDER_OTHER", {})
        assert plain.status_code == 201, plain.text
        assert "originCountry" not in plain.json() and "destinationCountry" not in plain.json()

        for field, value in (
            ("originCountry", "DEU"),
            ("destinationCountry", "1X"),
            ("originCountry", "ZZ"),  # two letters, but no country
        ):
            refused = await upload(client, path, "TRANSPORT_CMR", {field: value})
            assert refused.status_code == 422, refused.text
            assert refused.json()["type"] == PROBLEMS + "validation-error"
            assert fields(refused) == [field]
            [error] = refused.json()["errors"]
            assert error["rejectedValue"] == value and "ISO 3166-1" in error["message"]

        listed = {d["uuid"]: d for d in (await client.get(f"/orders/{order}/documents")).json()}
        assert len(listed) == 2  # the refused uploads left no trace
        shown = listed[cmr["uuid"]]
        assert (shown["originCountry"], shown["destinationCountry"]) == ("DE", "GR")
        assert listed[plain.json()["uuid"]].get("originCountry") is None
        [transported] = (await client.get(f"/orders/{order}/transport")).json()["documents"]
        assert (transported["originCountry"], transported["destinationCountry"]) == ("DE", "GR")

        async with stack.db.session() as session:
            row = await session.scalar(select(Document).where(Document.uuid == UUID(cmr["uuid"])))
        assert row is not None and (row.origin_country, row.destination_country) == ("DE", "GR")


async def test_the_web_app_upload_form_takes_the_countries(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer(documents=False)))["uuid"]
    async with web_session(stack) as (web, token):
        page = await web.get(f"/app/orders/{order}")
        assert 'name="originCountry"' in page.text and 'name="destinationCountry"' in page.text
        form = {
            "csrf_token": token,
            "type": "TRANSPORT_CMR",
            "issuerName": "Speedy\u00ad Trans GmbH",
        }
        files = {"file": ("cmr.pdf", pdf("CMR"), "application/pdf")}
        refused = await web.post(
            f"/app/orders/{order}/documents", data=form | {"originCountry": "DEU"}, files=files
        )
        assert refused.status_code != 303 and "ISO 3166-1" in refused.text
        answer = await web.post(
            f"/app/orders/{order}/documents",
            data=form | {"originCountry": "it", "destinationCountry": "EL"},
            files=files,
        )
        assert answer.status_code == 303, answer.text
    async with stack.db.session() as session:
        ours = select(Order.id).where(Order.uuid == UUID(order)).scalar_subquery()
        [row] = await session.scalars(select(Document).where(Document.order_id == ours))
    assert (row.origin_country, row.destination_country) == ("IT", "GR")


# --- a KYC document's issuer number -----------------------------------------------------------


async def test_a_kyc_upload_names_its_issuer_number(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        path = f"/buyers/{buyer}/kyc/documents"

        answer = await upload(
            client,
            path,
            "COC_EXTRACT",
            {"issuerType": "PUBLIC_AUTHORITY", "issuerId": " fr 40 303265045 "},
        )
        assert answer.status_code == 201, answer.text
        uploaded = answer.json()
        assert uploaded["issuerId"] == "FR40303265045"
        plain = await upload(client, path, "AML_DECLARATION", {})
        assert plain.status_code == 201 and plain.json().get("issuerId") is None

        listed = {d["uuid"]: d for d in (await client.get(path)).json()}
        assert listed[uploaded["uuid"]]["issuerId"] == "FR40303265045"
        assert listed[plain.json()["uuid"]].get("issuerId") is None
        too_long = await upload(client, path, "COC_EXTRACT", {"issuerId": "X" * 65})
        assert too_long.status_code == 422 and fields(too_long) == ["issuerId"]
        assert len((await client.get(path)).json()) == 2

        async with stack.db.session() as session:
            row = await session.scalar(
                select(Document).where(Document.uuid == UUID(uploaded["uuid"]))
            )
        assert row is not None and (row.issuer_id, row.module) == ("FR40303265045", "kyc")
