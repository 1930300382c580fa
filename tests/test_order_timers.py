"""The order's timers across days and weeks, on the time-skipping server: the daily VIES
re-check, an outage that recovers, a number that turns invalid before pickup, and the
deadline of the buyer's transport statement (the 10th of the month after the supply)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest_asyncio
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from store.db import Database
from store.models import Buyer, Event, Order, ViesCheck
from tests.conftest import Stack, capture_history, running_stack, start_time_skipping
from tests.order_flow import OrderClient, partner_in, seller_session
from workflows.orders.model import Redecide
from workflows.orders.rules.compliance import transport_evidence_deadline
from workflows.orders.workflow import OrderWorkflow

TURNS_INVALID = "DE210000009"  # the sandbox: valid for two checks, then invalid
RECOVERS = "DE310000006"  # the sandbox: MS_UNAVAILABLE for three checks, then valid


async def _checks(stack: Stack, buyer: str) -> list[ViesCheck]:
    async with stack.db.session() as session:
        row = await session.scalar(select(Buyer).where(Buyer.uuid == UUID(buyer)))
        return list(
            await session.scalars(
                select(ViesCheck).where(ViesCheck.buyer_id == row.id).order_by(ViesCheck.checked_at)
            )
        )


def _codes(rollup: dict) -> set[str]:
    return {b["code"] for b in rollup["blockers"]}


async def test_daily_rechecks_run_from_ready_for_pickup_until_delivery(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment
):
    stack = skipping_stack
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        await time_skipping.sleep(timedelta(days=2))
        assert [c.trigger for c in await _checks(stack, buyer)] == ["UPSERT"]  # not yet ready

        await client.post(f"/orders/{order}/payment/ready-for-pickup")
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
        assert rollup["modules"]["transport"]["dailyViesChecksActive"] is True
        await time_skipping.sleep(timedelta(days=3, hours=1))
        daily = [c for c in await _checks(stack, buyer) if c.trigger == "DAILY"]
        await capture_history(
            stack.client.get_workflow_handle(f"order-{order}"), "order_daily_rechecks"
        )
        assert len(daily) == 3 and all(c.result == "VALID" for c in daily)
        assert all(c.request_identifier for c in daily)  # each a consultation number

        assert (await client.pickup(order)).status_code == 200
        await time_skipping.sleep(timedelta(days=1, hours=1))
        await client.transport_evidence(order)
        assert (await client.deliver(order)).status_code == 200
        after_delivery = len(await _checks(stack, buyer))
        await time_skipping.sleep(timedelta(days=4))
        assert len(await _checks(stack, buyer)) == after_delivery  # the loop stopped
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
        assert rollup["modules"]["transport"]["dailyViesChecksActive"] is False


async def test_a_vies_outage_is_retried_and_never_a_verdict(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment
):
    stack = skipping_stack
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(vat=RECOVERS, country="DE")
        await time_skipping.sleep(timedelta(hours=2))  # the upsert's check retries through it
        [check] = await _checks(stack, buyer)
        assert (check.result, check.attempts) == ("VALID", 4)


async def test_a_number_that_turns_invalid_before_the_delivery_makes_the_order_invalid(
    clock_at_today: TodayStack,
):
    """An INVALID answer before pickup is a warning; one after the pickup date that no VALID
    answer follows before the delivery is confirmed makes the order INVALID (the contract's
    transport window; rule set 2026.12.1). Here the server's clock runs days ahead of the
    pickup and delivery dates the API accepts: the answer for the supply is the VALID one of
    that day, and the INVALID one came two days later, before the delivery was confirmed.
    Rule set 2026.12 decided this VALID (test_compliance_rules' "invalid after the delivery
    date but before the delivery was confirmed" shows both)."""
    stack, time_skipping = clock_at_today.stack, clock_at_today.env
    tenant, http = await seller_session(stack)
    async with http:
        await partner_in(stack, tenant, "AT", "ATU13585627")  # a German buyer, an Austrian seller
        client = OrderClient(stack, tenant, http)
        # check 1 (upsert): valid, with the name the sandbox's registry holds for the number
        buyer = await client.buyer(vat=TURNS_INVALID, country="DE", name="Sandbox Handels GmbH")
        await _await_checks(stack, time_skipping, buyer, 1)
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        await client.post(f"/orders/{order}/payment/ready-for-pickup")
        await time_skipping.sleep(timedelta(days=2, hours=1))  # daily checks 2 (valid), 3
        assert [c.result for c in await _checks(stack, buyer)] == ["VALID", "VALID", "INVALID"]
        before_pickup = await client.compliance_until(
            order, lambda r: "VIES_INVALID" in {b["code"] for b in r["blockers"]}
        )
        assert before_pickup["complianceStatus"] == "INCOMPLETE"  # it may still be fixed
        assert (await client.pickup(order, country="AT")).status_code == 200
        await client.transport_evidence(order)
        assert (await client.deliver(order, "DE")).status_code == 200
        rollup = await client.compliance_until(order, lambda r: r["complianceStatus"] == "INVALID")
    assert rollup["decision"] == "VAT_APPLICABLE"
    codes = {b["code"] for b in rollup["blockers"]}
    assert "VIES_INVALID_DURING_TRANSPORT" in codes and "VIES_INVALID" not in codes
    async with stack.db.session() as session:
        row = await session.scalar(select(Order).where(Order.uuid == UUID(order)))
        types = list(await session.scalars(select(Event.type).where(Event.order_id == row.id)))
        failed = list(
            await session.scalars(select(Event).where(Event.type == "kyc.vies_check_failed"))
        )
    assert "compliance.decision_made" in types
    # the buyer's event, one for the one failed check, after the VALID check before it
    [event] = [e for e in failed if e.data["buyerUuid"] == buyer]
    assert event.order_id is None and set(event.data) == {
        "buyerUuid",
        "vatNumber",
        "previousResult",
        "currentResult",
        "checkedAt",
        "reason",
    }
    assert (event.data["previousResult"], event.data["currentResult"]) == ("VALID", "INVALID")


@pytest_asyncio.fixture(loop_scope="session")
async def clock_at_today(pg_url: str, db: Database) -> AsyncIterator[TodayStack]:
    """A stack on a time-skipping server of its own: its clock starts at today, as the dates
    the API is sent do (the module's server is as far ahead as earlier tests slept)."""
    env = await start_time_skipping()
    try:
        async with running_stack(pg_url, db, env, wait_for_pollers=False) as stack:
            yield TodayStack(stack, env)
    finally:
        await env.shutdown()


@dataclass
class TodayStack:
    stack: Stack
    env: WorkflowEnvironment


async def test_a_self_pickup_without_the_buyers_statement_is_overdue_after_the_10th(
    clock_at_today: TodayStack,
):
    stack, time_skipping = clock_at_today.stack, clock_at_today.env
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        await client.invoice_and_payment(order)
        await client.post(f"/orders/{order}/payment/ready-for-pickup")
        assert (await client.pickup(order, "SELF_PICKUP")).status_code == 200
        assert (await client.deliver(order)).status_code == 200
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
        assert "BUYER_STATEMENT_MISSING" in _codes(rollup)
        assert "BUYER_STATEMENT_OVERDUE" not in _codes(rollup)
        await time_skipping.sleep(timedelta(days=45))  # past the 10th of next month
        rollup = await client.compliance_until(
            order, lambda r: "BUYER_STATEMENT_OVERDUE" in _codes(r)
        )
        await capture_history(stack.client.get_workflow_handle(f"order-{order}"), "order_overdue")
    assert rollup["complianceStatus"] == "INCOMPLETE"


async def _await_checks(stack: Stack, env: WorkflowEnvironment, buyer: str, count: int) -> None:
    for _ in range(50):
        if len(await _checks(stack, buyer)) >= count:
            return
        await env.sleep(timedelta(minutes=1))
    raise AssertionError(f"fewer than {count} VIES checks recorded")


async def test_a_long_lived_order_continues_as_new_with_its_state(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment
):
    stack = skipping_stack
    stack.settings.order_max_history_events = 60  # a few days of re-checks
    tenant, http = await seller_session(stack)
    try:
        async with http:
            client = OrderClient(stack, tenant, http)
            buyer = await client.buyer()
            order = (await client.order(buyer))["uuid"]
            await client.invoice_and_payment(order)
            await client.post(f"/orders/{order}/payment/ready-for-pickup")
            handle = stack.client.get_workflow_handle(f"order-{order}")
            first_run = (await handle.describe()).run_id
            await time_skipping.sleep(timedelta(days=8, hours=1))
            assert (await handle.describe()).run_id != first_run  # continued as new
            # the state came along: the re-checks went on, and the order takes commands
            daily = [c for c in await _checks(stack, buyer) if c.trigger == "DAILY"]
            assert len(daily) == 8
            assert (await client.pickup(order)).status_code == 200
            view = (await client.get(f"/orders/{order}")).json()
            assert view["status"] == "TRANSPORT_IN_PROGRESS"
            assert (await client.get(f"/orders/{order}/invoice")).json()[0]["type"] == "PRELIMINARY"
            await capture_history(
                stack.client.get_workflow_handle(f"order-{order}", run_id=first_run),
                "order_before_continue_as_new",
            )
            await capture_history(handle, "order_continued_as_new")
    finally:
        stack.settings.order_max_history_events = None


async def test_evidence_that_never_comes_decides_vat_and_a_staff_redecision_lifts_it(
    clock_at_today: TodayStack,
):
    """Past the evidence deadline an unproven transport is VAT_APPLICABLE; the decision is
    held when late evidence arrives, until staff decide again with a reason."""
    stack, time_skipping = clock_at_today.stack, clock_at_today.env
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.picked_up()
        cmr = await client.upload(
            f"/orders/{order}/transport/documents", "TRANSPORT_CMR", "CARRIER", "Speedy Trans"
        )
        assert cmr.status_code == 201, cmr.text
        assert (await client.deliver(order)).status_code == 200
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
        assert rollup["complianceStatus"] == "INCOMPLETE"
        assert "INSUFFICIENT_TRANSPORT_EVIDENCE" in _codes(rollup)

        # the 15th of the month after the pickup plus the grace: 45 to 75 days on; decided after
        pickup = date.fromisoformat(rollup["modules"]["transport"]["pickupDate"])
        deadline = transport_evidence_deadline(pickup, stack.settings.transport_evidence_grace_days)
        today = (await time_skipping.get_current_time()).date()
        await time_skipping.sleep(timedelta(days=(deadline - today).days + 1, hours=1))
        rollup = await client.compliance_until(
            order, lambda r: r["complianceStatus"] != "INCOMPLETE"
        )
        assert (rollup["complianceStatus"], rollup["decision"]) == ("INVALID", "VAT_APPLICABLE")
        assert "TRANSPORT_EVIDENCE_OVERDUE" in _codes(rollup)
        await client.export_file_until(order, 1)

        late = await client.upload(
            f"/orders/{order}/transport/documents",
            "TRANSPORT_INSURANCE_POLICY",
            "INSURER",
            "Allianz Versicherung AG",
        )
        assert late.status_code == 201, late.text
        held = (await client.get(f"/orders/{order}/compliance")).json()
        assert held["decision"] == "VAT_APPLICABLE"  # decided stays decided

        handle = stack.client.get_workflow_handle(f"order-{order}")
        await handle.execute_update(
            OrderWorkflow.redecide,
            Redecide("insurance policy arrived late", "operator", source="WEB_APP"),
        )
        rollup = await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        assert rollup["decision"] == "VALID_EXPORT"
        export = await client.export_file_until(order, 2)
        assert export["decision"] == "VALID_EXPORT"
        await capture_history(handle, "order_redecided")
