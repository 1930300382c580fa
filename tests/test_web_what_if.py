"""The staff what-if page (``/app/what-if``, store/orders/what_if.py): staff see the stored orders
whose
decision would change under the rule set this code carries; an organization's own user is told
the page does not exist; an order whose stored facts still decide as it holds is not listed; orders
are judged under the deployment's compliance policy, as their workflows judge them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from store.db import Database
from store.models import Order
from store.orders.rule_sets import RULE_SET
from store.orders.what_if import what_if
from tests.conftest import Stack, make_tenant, running_stack
from tests.order_flow import TOTAL, OrderClient, key, money, seller_session, seller_today
from tests.test_web_admin import signed_in
from tests.test_web_staff_forms import web_session
from workflows.money import Money
from workflows.orders.rules.cash_limits import CashLimit
from workflows.orders.rules.compliance import Policy


async def test_staff_see_the_orders_whose_decision_would_change(stack: Stack) -> None:
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        changing, unchanged = await client.order(buyer), await client.order(buyer)
        for order in (changing, unchanged):
            await client.compliance_until(order["uuid"], lambda rollup: rollup["blockers"])
    # ``changing`` holds a decision its facts no longer carry (as an order decided before a
    # rule or a fact changed does): exported as VALID, though it has no invoice nor payment
    async with stack.db.transaction() as session:
        row = await session.scalar(select(Order).where(Order.uuid == UUID(changing["uuid"])))
        assert row is not None
        row.compliance = dict(row.compliance) | {
            "complianceStatus": "VALID",
            "decision": "VALID_EXPORT",
            "blockers": [],
            "updatedAt": date.today().isoformat(),
        }
        # the order resource itself unchanged for long: a document or a VIES answer changes
        # the order without moving its updatedAt, and still counts as a change since the date
        row.updated_at = datetime(2020, 1, 1, tzinfo=UTC)

    since = date.today().isoformat()
    async with web_session(stack) as (web, _token):
        page = await web.get("/app/what-if", params={"since": since})
        assert page.status_code == 200, page.text
        assert f"What-if: rule set {RULE_SET}" in page.text
        assert f'href="/app/orders/{changing["uuid"]}">{changing["externalOrderId"]}' in page.text
        row_html = page.text.split(changing["externalOrderId"], 1)[1].split("</tr>", 1)[0]
        assert "VALID VALID_EXPORT" in row_html and "no blocker" in row_html
        assert "INCOMPLETE" in row_html  # what it would be now, with its blockers
        assert unchanged["externalOrderId"] not in page.text

        # the country filter: the seller's (DE) lists it, a country of neither party does not
        seller_side = await web.get("/app/what-if", params={"since": since, "country": "de"})
        assert changing["externalOrderId"] in seller_side.text
        elsewhere = await web.get("/app/what-if", params={"since": since, "country": "LU"})
        assert changing["externalOrderId"] not in elsewhere.text
        wrong = await web.get("/app/what-if", params={"since": "yesterday"})
        assert wrong.status_code == 200 and "is not a date" in wrong.text

    # an organization's own user: no such page
    user = await make_tenant(stack.db)
    async with signed_in(stack, user.username, user.password) as (web, _token):
        refused = await web.get("/app/what-if", params={"since": since})
        assert refused.status_code in (403, 404), refused.text
        assert changing["externalOrderId"] not in refused.text


# A deployment's own cash-limit table (NT24_CASH_LIMITS replaces the code's): EUR 1,000 in
# Germany, where the code's table has no limit
GERMAN_LIMIT = CashLimit("DE", Money(100_000, "EUR"), date(2020, 1, 1), "ALL", "counsel, test")


async def test_orders_are_judged_under_the_deployments_policy(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment
) -> None:
    """An order its workflow holds for the deployment's cash limit was listed as one that
    "would become VALID": what-if judged every order under the code's default policy."""
    async with running_stack(pg_url, db, dev_server, cash_limits=[GERMAN_LIMIT]) as stack:
        tenant, http = await seller_session(stack)
        async with http:
            client = OrderClient(stack, tenant, http)
            # an Austrian company: no national limit in Austria, the German seller's applies
            buyer = await client.buyer(vat="ATU13585627", country="AT", name="Autohaus Wien GmbH")
            order = await client.order(buyer)
            uuid = order["uuid"]
            await client.invoice_and_payment(uuid, cash=200_000)  # EUR 2,000 in cash
            funds = await client.upload(
                f"/orders/{uuid}/payment/documents", "PAYMENT_SOURCE_OF_FUNDS_DECLARATION"
            )
            assert funds.status_code == 201, funds.text
            assert (await client.post(f"/orders/{uuid}/payment/ready-for-pickup")).is_success
            assert (await client.pickup(uuid)).status_code == 200
            await client.transport_evidence(uuid)
            assert (await client.deliver(uuid, "AT")).status_code == 200
            held = await client.compliance_until(
                uuid, lambda r: "CASH_LIMIT_EXCEEDED" in {b["code"] for b in r["blockers"]}
            )
            assert [b["code"] for b in held["blockers"]] == ["CASH_LIMIT_EXCEEDED"], held

        today = date.today()
        async with web_session(stack) as (web, _token):
            page = await web.get("/app/what-if", params={"since": today.isoformat()})
            assert page.status_code == 200, page.text
            assert order["externalOrderId"] not in page.text
        async with stack.db.session() as session:
            under_defaults = [
                (c.would_status, c.would_decision, c.would_blockers)
                for c in await what_if(session, since=today, policy=Policy())
                if c.order_uuid == uuid
            ]
        assert under_defaults == [("VALID", "VALID_EXPORT", [])]  # what the page showed before


async def test_a_payment_is_judged_against_the_ibans_its_workflow_judged_it_against(
    stack: Stack,
) -> None:
    """The workflow judges a payment against the IBANs the buyer paid from in its other orders
    when the payment came, not only those of the orders created before it. What-if read the
    latter: an order created first but paid from another account after a later order was
    paid holds IBAN_INCONSISTENT, and what-if listed it as one that would drop that blocker
    (and the later order as one that would get it)."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        first = (await client.order(buyer))["uuid"]
        second = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(second)  # from DE89 3704 ..., before the first pays
        paid = await client.post(
            f"/orders/{first}/payment",
            {
                "paymentDate": seller_today().isoformat(),
                "bankAmount": money(TOTAL),
                "cashAmount": money(0),
                "sourceIban": "FR1420041010050500013M02606",
            },
        )
        assert paid.status_code == 201, paid.text
        await client.compliance_until(
            first, lambda r: "IBAN_INCONSISTENT" in {b["code"] for b in r["blockers"]}
        )
        held = await client.compliance_until(second, lambda r: r["blockers"] is not None)
        assert "IBAN_INCONSISTENT" not in {b["code"] for b in held["blockers"]}, held
    async with stack.db.session() as session:
        listed = {
            c.order_uuid: (c.blockers, c.would_blockers)
            for c in await what_if(session, since=date.today())
        }
    assert first not in listed, listed.get(first)
    assert second not in listed, listed.get(second)


async def test_an_invoice_corrected_after_its_pdf_is_judged_as_its_workflow_judges_it(
    stack: Stack,
) -> None:
    """A PDF received before a PATCH corrected the invoice shows it as it was (rule set
    2026.12.7; Art. 203, 226): the workflow holds MISSING_INVOICE_PDF. What-if rebuilt the
    invoice without the correction's moment and listed the order as one that would become
    VALID. It now reads the moment from the invoice's sealed versions."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        await client.invoice_and_payment(order)  # the invoice's PDF comes with it
        [submitted] = (await client.get(f"/orders/{order}/invoice")).json()
        corrected = await http.patch(
            f"{client.seller}/orders/{order}/invoice",
            json={"type": "PRELIMINARY", "invoiceNumber": "INV-CORRECTED"},
            headers=key() | {"If-Match": f'"{submitted["version"]}"'},
        )
        assert corrected.status_code == 200, corrected.text
        ready = await client.post(f"/orders/{order}/payment/ready-for-pickup")
        assert ready.status_code == 200, ready.text
        assert (await client.pickup(order)).status_code == 200
        await client.transport_evidence(order)
        assert (await client.deliver(order)).status_code == 200
        held = await client.compliance_until(
            order, lambda r: "MISSING_INVOICE_PDF" in {b["code"] for b in r["blockers"]}
        )
        assert held["complianceStatus"] == "INCOMPLETE", held
    async with stack.db.session() as session:
        listed = {
            c.order_uuid: (c.would_status, c.would_blockers)
            for c in await what_if(session, since=date.today())
        }
    assert order not in listed, listed.get(order)
