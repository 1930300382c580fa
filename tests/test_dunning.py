"""An invoice's dunning on the time-skipping server: the ladder from the note before the due
date to the hand-over to the debt collection agency, its letters caught by the real SMTP
catcher with the invoice PDF attached; on hold; a payment plan; a bank statement that pays
the invoice and stops the ladder; a write-off; a letter the relay refuses."""

from __future__ import annotations

from typing import Any

from babel.dates import format_date
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from activities.payments.dunning import start_dunning
from api.notyd.payments.dunning_commands import agree_payment_plan, notify_dunning, set_on_hold
from sandboxes.mail import CaughtMessage, MailCatcher
from store.models import DunningLetter, PaymentInvoice
from store.payments import payment_money
from tests.conftest import Stack, capture_history
from tests.payment_invoices import (
    Invoice,
    captured_invoice,
    days,
    invoice_row,
    staff_member,
    statement_paying,
)
from workflows.ids import dunning_workflow_id
from workflows.payments.dunning import DunningView, DunningWorkflow
from workflows.payments.rules.dunning import DunningStep

LADDER_SUBJECTS = [
    "Upcoming payment: invoice {ref} is due on",
    "Invoice due: invoice {ref} is due today",
    "Payment reminder: invoice {ref} is overdue",
    "First reminder: invoice {ref} is still unpaid",
    "Second reminder: invoice {ref} is still unpaid",
    "Final reminder: invoice {ref} before collection",
    "Collection call: invoice {ref}, we will call you",
    "Handed over for collection: invoice {ref}",
]


def is_invoice_mail(message: CaughtMessage) -> bool:
    """The invoice itself, sent when the dunning starts (tests/test_buyer_letters.py)."""
    return message.subject.startswith("Your invoice ")


def letters(catcher: MailCatcher, invoice: Invoice) -> list[CaughtMessage]:
    """The ladder's and the plan's letters to the buyer (the invoice mail left out)."""
    return [m for m in catcher.messages if invoice.email in m.recipients and not is_invoice_mail(m)]


def subjects(catcher: MailCatcher, invoice: Invoice) -> list[str]:
    return [m.subject for m in letters(catcher, invoice)]


async def dunned_invoice(stack: Stack, env: WorkflowEnvironment, **kwargs: Any) -> Invoice:
    """An invoice issued now (the test server's now) and its dunning, started."""
    kwargs.setdefault("locale", "en")
    invoice = await captured_invoice(stack.db, await env.get_current_time(), **kwargs)
    await start_dunning(stack.client, stack.settings, invoice.uuid, invoice.due_at)
    return invoice


async def test_the_ladder_runs_from_before_the_due_date_to_the_dca_handover(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment, mail_catcher: MailCatcher
):
    stack = skipping_stack
    invoice = await dunned_invoice(stack, time_skipping)
    ref = invoice.payment_reference

    await time_skipping.sleep(days(10))
    assert letters(mail_catcher, invoice) == []  # nothing before three days ahead of the due date
    await time_skipping.sleep(days(1) + days(1 / 24))
    [note] = letters(mail_catcher, invoice)
    due = format_date(invoice.due_at.date(), format="long", locale="en")
    assert note.subject == f"Upcoming payment: invoice {ref} is due on {due}"
    assert "Dear Jana," in note.text and "€595.00" in note.text and ref in note.text
    assert note.html is not None and ref in note.html
    [pdf] = note.attachments
    assert (pdf.filename, pdf.content_type) == (f"invoice-{ref}.pdf", "application/pdf")
    assert pdf.content.startswith(b"%PDF")
    row = await invoice_row(stack.db, invoice.uuid)
    assert (row.dunning_status, row.upcoming_payment_reminder_sent) == (5, 1)
    assert row.upcoming_payment_reminder_sent_at is not None

    await time_skipping.sleep(days(3 + 49))  # past the hand-over, 49 days after the due date
    expected = [s.format(ref=ref) for s in LADDER_SUBJECTS]
    got = subjects(mail_catcher, invoice)
    assert [s[: len(e)] for s, e in zip(got, expected, strict=True)] == expected
    assert all(m.attachments[0].content.startswith(b"%PDF") for m in letters(mail_catcher, invoice))
    row = await invoice_row(stack.db, invoice.uuid)
    assert row.dunning_status == 60  # DCA_HANDOVER
    counters = [
        row.upcoming_payment_reminder_sent,
        row.invoice_due_sent,
        row.free_reminder_sent,
        row.reminder_1_sent,
        row.reminder_2_sent,
        row.last_notice_sent,
    ]
    assert counters == [1] * 6
    assert abs(row.invoice_due_sent_at - invoice.due_at) < days(1 / 1440)
    assert abs(row.last_notice_sent_at - (invoice.due_at + days(28))) < days(1 / 1440)
    handle = stack.client.get_workflow_handle_for(
        DunningWorkflow.run, dunning_workflow_id(invoice.uuid)
    )
    view: DunningView = await handle.result()
    assert view.letters == ["INVOICE"] + [step.value for step in DunningStep]
    async with stack.db.session() as session:
        kept = list(
            await session.scalars(
                select(DunningLetter)
                .where(DunningLetter.invoice_id == row.id)
                .order_by(DunningLetter.id)
            )
        )
    assert [k.step for k in kept] == ["INVOICE"] + [step.value for step in DunningStep]
    assert [k.status for k in kept] == ["SENT"] * 9
    assert all(len(k.pdf_sha256) == 64 for k in kept)
    await capture_history(handle, "dunning_ladder")


async def test_on_hold_pauses_the_ladder_and_release_continues_with_the_same_spacing(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment, mail_catcher: MailCatcher
):
    stack = skipping_stack
    staff = await staff_member(stack.db)
    invoice = await dunned_invoice(stack, time_skipping)
    await time_skipping.sleep(days(14) + days(1 / 24))  # the note and the due notice
    assert len(letters(mail_catcher, invoice)) == 2

    async with stack.db.session() as session:
        view = await set_on_hold(session, stack.client, staff, invoice.payment_reference, True)
    assert view.on_hold
    row = await invoice_row(stack.db, invoice.uuid)
    assert row.on_hold is True and row.on_hold_at is not None
    await time_skipping.sleep(days(20))
    assert len(letters(mail_catcher, invoice)) == 2  # the free reminder (due + 7) held back

    async with stack.db.session() as session:
        await set_on_hold(session, stack.client, staff, invoice.payment_reference, False)
    assert (await invoice_row(stack.db, invoice.uuid)).on_hold is False
    await time_skipping.sleep(days(6))  # due + 7 moved 20 days later: not yet
    assert len(letters(mail_catcher, invoice)) == 2
    await time_skipping.sleep(days(1))
    assert subjects(mail_catcher, invoice)[2].startswith("Payment reminder: invoice")
    await capture_history(
        stack.client.get_workflow_handle(dunning_workflow_id(invoice.uuid)), "dunning_on_hold"
    )


async def test_a_payment_plan_replaces_the_ladder_until_an_instalment_is_missed(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment, mail_catcher: MailCatcher
):
    stack = skipping_stack
    staff = await staff_member(stack.db)
    invoice = await dunned_invoice(stack, time_skipping, total=300_01)
    ref = invoice.payment_reference
    await time_skipping.sleep(days(14) + days(1 / 24))
    assert len(letters(mail_catcher, invoice)) == 2

    async with stack.db.session() as session:
        view = await agree_payment_plan(
            session, stack.client, stack.settings, staff, ref, 3, invoice.due_at + days(2)
        )
    assert [i.amount for i in view.instalments] == [100_01, 100_00, 100_00]
    assert (await invoice_row(stack.db, invoice.uuid)).dunning_status == 65
    await time_skipping.sleep(days(2))
    third = letters(mail_catcher, invoice)[2]
    assert third.subject == f"Instalment 1 of 3 for invoice {ref}: €100.01 due"
    assert third.attachments[0].content.startswith(b"%PDF")

    async with stack.db.transaction() as session:
        paid = await payment_money.record_payment(session, staff, ref, 100_01)
    await notify_dunning(stack.client, [paid.notice])
    assert paid.payment_status == "partially_paid"
    await time_skipping.sleep(days(30))  # instalment 2, thirty days after the first
    assert subjects(mail_catcher, invoice)[3].startswith("Instalment 2 of 3")
    assert len(letters(mail_catcher, invoice)) == 4  # no reminder while the plan holds

    await time_skipping.sleep(days(7) + days(1 / 24))  # unpaid a week after: the plan broke
    fifth = letters(mail_catcher, invoice)[4]
    assert fifth.subject == f"Payment reminder: invoice {ref} is overdue"  # the ladder goes on
    assert "€200.00" in fifth.text  # what is still outstanding
    row = await invoice_row(stack.db, invoice.uuid)
    assert (row.dunning_status, row.free_reminder_sent) == (20, 1)
    await capture_history(
        stack.client.get_workflow_handle(dunning_workflow_id(invoice.uuid)), "dunning_payment_plan"
    )


async def test_a_statement_that_pays_the_invoice_stops_the_ladder(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment, mail_catcher: MailCatcher
):
    stack = skipping_stack
    staff = await staff_member(stack.db)
    invoice = await dunned_invoice(stack, time_skipping)
    await time_skipping.sleep(days(14) + days(1 / 24))
    assert len(letters(mail_catcher, invoice)) == 2

    async with stack.db.transaction() as session:
        part = await payment_money.record_payment(session, staff, invoice.payment_reference, 95_00)
    await notify_dunning(stack.client, [part.notice])
    assert (part.payment_status, part.outstanding) == ("partially_paid", 500_00)
    await time_skipping.sleep(days(7))
    reminder = letters(mail_catcher, invoice)[2]
    assert "€500.00" in reminder.text  # the reminder asks for what is left

    # the bank statement: the sample's first credit quotes our reference, for 595.00 - 95.00
    statement = statement_paying(invoice.payment_reference, 500_00)
    async with stack.db.transaction() as session:
        imported = await payment_money.import_statement(session, staff, statement, "stmt.xml")
    await notify_dunning(stack.client, imported.notices)
    outcomes = [e.outcome for e in imported.entries]
    assert outcomes[0] == "MATCHED" and outcomes[4:] == ["NOT_INCOMING", "NOT_INCOMING"]
    row = await invoice_row(stack.db, invoice.uuid)
    assert (row.payment_status, row.paid_amount) == ("paid", 595_00)
    assert row.closed_at is not None

    handle = stack.client.get_workflow_handle_for(
        DunningWorkflow.run, dunning_workflow_id(invoice.uuid)
    )
    view = await handle.result()
    assert view.closed and view.dunning_status == 20
    await time_skipping.sleep(days(60))
    assert len(letters(mail_catcher, invoice)) == 3  # nothing after the payment
    async with stack.db.session() as session:
        again = await payment_money.import_statement(session, staff, statement, "stmt.xml")
    assert again.already_imported and again.notices == []
    assert (await invoice_row(stack.db, invoice.uuid)).paid_amount == 595_00
    await capture_history(handle, "dunning_paid_by_statement")


async def test_a_write_off_ends_the_dunning(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment, mail_catcher: MailCatcher
):
    stack = skipping_stack
    staff = await staff_member(stack.db)
    invoice = await dunned_invoice(stack, time_skipping)
    async with stack.db.transaction() as session:
        done = await payment_money.write_off(
            session, staff, invoice.payment_reference, "write_off_fraud", "stolen identity"
        )
    await notify_dunning(stack.client, [done.notice])
    handle = stack.client.get_workflow_handle_for(
        DunningWorkflow.run, dunning_workflow_id(invoice.uuid)
    )
    assert (await handle.result()).closed
    row: PaymentInvoice = await invoice_row(stack.db, invoice.uuid)
    assert row.payment_status == "write_off_fraud"
    await time_skipping.sleep(days(20))
    assert letters(mail_catcher, invoice) == []


async def test_a_letter_the_relay_refuses_for_good_is_kept_as_failed(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment, mail_catcher: MailCatcher
):
    stack = skipping_stack
    invoice = await dunned_invoice(stack, time_skipping, mailbox="bounce")
    await time_skipping.sleep(days(11) + days(1 / 24))
    row = await invoice_row(stack.db, invoice.uuid)
    assert (row.dunning_status, row.upcoming_payment_reminder_sent) == (5, 0)  # reached, not sent
    async with stack.db.session() as session:
        kept = list(
            await session.scalars(
                select(DunningLetter)
                .where(DunningLetter.invoice_id == row.id)
                .order_by(DunningLetter.id)
            )
        )
    assert [k.letter_key for k in kept] == ["INVOICE", "UPCOMING_PAYMENT"]
    assert all(k.status == "FAILED" and "550" in (k.error or "") for k in kept)
    assert letters(mail_catcher, invoice) == []
