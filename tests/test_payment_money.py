"""Incoming money by staff, write-offs and the payout run, on PostgreSQL and the dev server;
and the admin command line that books payments and imports statements."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import select, update
from temporalio.client import ScheduleIntervalSpec
from temporalio.testing import WorkflowEnvironment

import admin
from activities.payments.dunning import start_dunning
from activities.payments.payouts import ensure_payout_schedule
from api.notyd.payments.dunning_commands import notify_dunning
from settings import get_settings
from store.identity import identity
from store.models import Partner, PaymentInvoice, Payout
from store.payments import payment_money
from store.payments.payment_money import MoneyError
from tests.conftest import Stack
from tests.payment_invoices import (
    captured_invoice,
    invoice_row,
    seller,
    staff_member,
    statement_paying,
)
from tests.test_payment_orders import confirm_on_page, create, make_seller, order_request
from workflows.ids import PAYOUT_RUN_SCHEDULE, dunning_workflow_id
from workflows.payments.activities import PayoutRunInput
from workflows.payments.dunning import DunningWorkflow
from workflows.payments.payouts import PayoutRunResult, PayoutRunWorkflow


async def pay(stack: Stack, reference: str, amount: int) -> payment_money.PaymentRecorded:
    staff = await staff_member(stack.db)
    async with stack.db.transaction() as session:
        return await payment_money.record_payment(session, staff, reference, amount)


async def payout_run(stack: Stack, partner_id: int) -> list[tuple[int, int]]:
    """Run the payouts now; this seller's payouts as (amount, invoices)."""
    result: PayoutRunResult = await stack.client.execute_workflow(
        PayoutRunWorkflow.run,
        PayoutRunInput(),
        id=f"payout-run-test-{uuid4().hex[:8]}",
        task_queue=stack.settings.task_queue,
    )
    async with stack.db.session() as session:
        partner = await session.get_one(Partner, partner_id)
    return [(p.amount, p.invoices) for p in result.payouts if p.partner_uuid == str(partner.uuid)]


async def test_the_payout_run_passes_what_buyers_paid_on_to_the_seller(stack: Stack):
    now = datetime.now(UTC)
    shop = await seller(stack.db)
    paid = await captured_invoice(stack.db, now, total=595_00, partner=shop)
    half = await captured_invoice(stack.db, now, total=200_00, partner=shop)
    unpaid = await captured_invoice(stack.db, now, total=595_00, partner=shop)
    await pay(stack, paid.payment_reference, 595_00)
    await pay(stack, half.payment_reference, 100_00)

    assert await payout_run(stack, shop[1]) == [(695_00, 2)]
    settled, partly = await invoice_row(stack.db, paid.uuid), await invoice_row(stack.db, half.uuid)
    assert (settled.payment_status, settled.paid_to_seller, settled.paid_to_seller_settled) == (
        "paid_to_seller_settled",
        True,
        True,
    )
    assert (partly.payment_status, partly.paid_to_seller, partly.paid_to_seller_settled) == (
        "paid_to_seller",
        True,
        False,
    )
    assert (await invoice_row(stack.db, unpaid.uuid)).paid_to_seller is False
    assert await payout_run(stack, shop[1]) == []  # nothing paid twice

    await pay(stack, half.payment_reference, 100_00)
    assert await payout_run(stack, shop[1]) == [(100_00, 1)]
    assert (await invoice_row(stack.db, half.uuid)).payment_status == "paid_to_seller_settled"

    # a credit note after the payout: the seller owes it back, the next payout deducts it
    async with stack.db.transaction() as session:
        await session.execute(
            update(PaymentInvoice)
            .where(PaymentInvoice.payment_reference == paid.payment_reference)
            .values(refunded_amount_incl_tax=95_00)
        )
    assert await payout_run(stack, shop[1]) == []  # -95.00 alone is no payout
    await pay(stack, unpaid.payment_reference, 595_00)
    assert await payout_run(stack, shop[1]) == [(500_00, 2)]
    async with stack.db.session() as session:
        amounts = list(
            await session.scalars(
                select(Payout.amount).where(Payout.partner_id == shop[1]).order_by(Payout.id)
            )
        )
    assert amounts == [695_00, 100_00, 500_00]


async def test_the_payout_schedule_follows_the_setting(stack: Stack):
    await ensure_payout_schedule(stack.client, stack.settings)
    await ensure_payout_schedule(stack.client, stack.settings)  # the second start updates it
    handle = stack.client.get_schedule_handle(PAYOUT_RUN_SCHEDULE)
    described = await handle.describe()
    [interval] = described.schedule.spec.intervals
    assert interval == ScheduleIntervalSpec(every=stack.settings.payout_interval)
    await handle.delete()


async def test_recording_money_refuses_what_it_cannot_book(stack: Stack):
    staff = await staff_member(stack.db)
    invoice = await captured_invoice(stack.db, datetime.now(UTC), total=100_00)
    ref = invoice.payment_reference

    async def refused(call) -> MoneyError:  # type: ignore[no-untyped-def]
        with pytest.raises(MoneyError) as caught:
            async with stack.db.transaction() as session:
                await call(session)
        return caught.value

    unknown = await refused(lambda s: payment_money.record_payment(s, staff, "NTYNOPE0000", 5))
    assert (unknown.status, unknown.field) == (404, "payment_reference")
    zero = await refused(lambda s: payment_money.record_payment(s, staff, ref, 0))
    assert (zero.status, zero.field) == (422, "amount")
    dkk = await refused(lambda s: payment_money.record_payment(s, staff, ref, 5, currency="DKK"))
    assert (dkk.status, dkk.field) == (422, "currency")
    async with stack.db.transaction() as session:
        org = await identity.create_organization(session, f"Shop {uuid4().hex[:8]}")
        user = await identity.create_user(
            session, f"seller-{uuid4().hex[:8]}", "x" * 12, email="u@example.com", organization=org
        )
    not_staff = await refused(lambda s: payment_money.record_payment(s, user, ref, 5))
    assert not_staff.status == 403
    bad_kind = await refused(lambda s: payment_money.write_off(s, staff, ref, "paid", "why"))
    assert bad_kind.field == "kind"
    assert (await invoice_row(stack.db, invoice.uuid)).paid_amount == 0  # nothing half-written

    # typed with spaces and in lower case, as buyers do; and paid twice over
    over = await pay(stack, " ".join([ref[:4].lower(), ref[4:]]), 150_00)
    assert (over.payment_status, over.outstanding, over.overpaid) == ("paid", 0, 50_00)
    closed = await refused(
        lambda s: payment_money.write_off(s, staff, ref, "write_off_credit", "x")
    )
    assert (closed.status, str(closed)) == (409, "nothing is outstanding")


async def test_the_admin_command_line_books_money_and_tells_the_dunning(
    stack: Stack,
    dev_server: WorkflowEnvironment,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
):
    staff = await staff_member(stack.db)
    invoice = await captured_invoice(stack.db, datetime.now(UTC), total=595_00)
    await start_dunning(stack.client, stack.settings, invoice.uuid, invoice.due_at)
    monkeypatch.setenv("NT24_DATABASE_URL", pg_url)
    monkeypatch.setenv("NT24_TEMPORAL_ADDRESS", dev_server.client.service_client.config.target_host)
    get_settings.cache_clear()
    try:
        ref = invoice.payment_reference
        cli = ["--no-migrate", "record-payment", ref, "9500", "--staff", staff.username]
        assert await asyncio.to_thread(admin.main, cli) == 0
        assert "95.00 booked, payment_status partially_paid, outstanding 500.00" in (
            capsys.readouterr().out
        )
        statement = tmp_path / "statement.xml"
        statement.write_bytes(statement_paying(ref, 500_00))
        cli = ["--no-migrate", "import-statement", str(statement), "--staff", staff.username]
        assert await asyncio.to_thread(admin.main, cli) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("camt.053.001.02 ") and out[0].endswith(" imported")
        assert out[1].startswith("MATCHED ") and f"{ref}: 500.00 booked" in out[1]
        assert "payment_status paid, outstanding 0.00" in out[1]
        assert out[2].startswith("UNMATCHED ") and "PRH4D2KT8N" in out[2]
        assert [line.split()[0] for line in out[5:]] == ["NOT_INCOMING", "NOT_INCOMING"]
        handle = stack.client.get_workflow_handle_for(
            DunningWorkflow.run, dunning_workflow_id(invoice.uuid)
        )
        assert (await handle.result()).closed  # the CLI's signal ended the dunning

        cli = ["--no-migrate", "record-payment", "NTYNOPE0000", "1", "--staff", staff.username]
        assert await asyncio.to_thread(admin.main, cli) == 2
        assert "no invoice has the payment reference" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


async def test_a_captured_invoice_is_dunned_and_paid_by_statement_over_http(stack: Stack):
    seller = await make_seller(stack, stack.db)
    order = await create(stack, seller, order_request())
    assert (await confirm_on_page(stack, order)).status_code == 302
    async with stack.http(seller.token) as http:
        captured = await http.post(f"/v1/api/orders/{order['uuid']}/capture/", json={})
        assert captured.status_code == 200, captured.text
        invoice_uuid, ref = captured.json()["invoice_uuid"], captured.json()["payment_reference"]
        invoice = (await http.get(f"/v1/api/invoices/{invoice_uuid}/")).json()
    assert invoice["payment_status"] == {"name": "Not paid", "value": "not_paid"}
    handle = stack.client.get_workflow_handle_for(
        DunningWorkflow.run, dunning_workflow_id(invoice_uuid)
    )
    assert (await handle.query(DunningWorkflow.view)).dunning_status == 0  # started on capture

    statement = statement_paying(ref, invoice["value"]["value"])
    staff = await staff_member(stack.db)
    async with stack.db.transaction() as session:
        imported = await payment_money.import_statement(session, staff, statement, "day.xml")
    await notify_dunning(stack.client, imported.notices)
    assert imported.entries[0].outcome == "MATCHED"
    assert (await handle.result()).closed
    async with stack.http(seller.token) as http:
        invoice = (await http.get(f"/v1/api/invoices/{invoice_uuid}/")).json()
        paid = (await http.get("/v1/api/invoices/", params={"payment_status": "paid"})).json()
        # as django-filter: filters sent empty are none
        empty = {"payment_status": "", "dunning_status": "", "order__uuid": "", "on_hold": ""}
        unfiltered = (await http.get("/v1/api/invoices/", params=empty)).json()
    assert [i["uuid"] for i in unfiltered["results"]] == [invoice_uuid]
    assert invoice["payment_status"] == {"name": "Paid", "value": "paid"}
    assert invoice["closed_at"] is not None
    assert [i["uuid"] for i in paid["results"]] == [invoice_uuid]


async def test_an_entry_seen_in_an_earlier_statement_is_not_booked_twice(stack: Stack):
    staff = await staff_member(stack.db)
    invoice = await captured_invoice(stack.db, datetime.now(UTC), total=595_00)
    first = statement_paying(invoice.payment_reference, 100_00)
    # the next day's statement repeats the entry: another file, the same bank entry
    overlapping = first.replace(b"<MsgId>STMT20261130-0001", b"<MsgId>STMT20261201-0001")
    async with stack.db.transaction() as session:
        booked = await payment_money.import_statement(session, staff, first, "mon.xml")
        again = await payment_money.import_statement(session, staff, overlapping, "tue.xml")
    assert booked.entries[0].outcome == "MATCHED" and not again.already_imported
    assert again.entries[0].outcome == "DUPLICATE"
    assert (await invoice_row(stack.db, invoice.uuid)).paid_amount == 100_00
