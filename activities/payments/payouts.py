"""The payout run's side effects: pass what buyers paid on to their sellers.

For each seller and currency, ``pay_out_sellers`` sums what is payable on every invoice (what
the buyer paid, up to what it owes after credit notes, less what earlier payouts passed on)
and, when the sum is positive, writes one payout with a line per invoice and marks the
invoices ``paid_to_seller`` and, once all they owe has reached the seller,
``paid_to_seller_settled`` (their ``payment_status`` follows:
workflows/payments/rules/invoice_money.py).
A credit note after a payout makes an invoice's line negative: the next payout deducts it; a
seller whose sum is not positive waits for the next run. Written-off invoices are not paid
out. What is payable follows from the database alone, so a retried or repeated run pays
nothing twice.

The run is a workflow (by name here; it imports this module) on a Temporal Schedule.
"""

from __future__ import annotations

import secrets
from collections import defaultdict

from sqlalchemy import ColumnElement, case, func, select
from temporalio import activity
from temporalio.client import Client

from activities.schedules import ensure_interval_schedule
from activities.workflow_metadata import payout_run_start
from settings import Settings
from store.db import Database
from store.models import Partner, PaymentInvoice, Payout, PayoutLine
from store.payments.payment_money import settle_status
from workflows.ids import PAYOUT_RUN_SCHEDULE
from workflows.payments import activities as interface
from workflows.payments.activities import (
    PAYOUT_RUN_WORKFLOW,
    PayoutBatch,
    PayoutBatchResult,
    PayoutMade,
    PayoutRunInput,
)
from workflows.payments.rules.invoice_money import WRITE_OFFS


async def ensure_payout_schedule(client: Client, settings: Settings) -> None:
    """Create the payout run's Temporal Schedule, or bring it in line with the settings."""
    await ensure_interval_schedule(
        client,
        PAYOUT_RUN_SCHEDULE,
        PAYOUT_RUN_WORKFLOW,
        PayoutRunInput(),
        task_queue=settings.task_queue,
        every=settings.payout_interval,
        **payout_run_start(),
    )


def _payable() -> ColumnElement[int]:
    """SQL: what an invoice's buyer paid, up to what it owes, less what reached the seller."""
    owed = PaymentInvoice.total_amount_incl_tax - PaymentInvoice.refunded_amount_incl_tax
    received = case((PaymentInvoice.paid_amount < owed, PaymentInvoice.paid_amount), else_=owed)
    passed_on = (
        select(func.coalesce(func.sum(PayoutLine.amount), 0))
        .where(PayoutLine.invoice_id == PaymentInvoice.id)
        .scalar_subquery()
    )
    return received - passed_on


class PayoutActivities(interface.PayoutActivities):
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn
    async def pay_out_sellers(self, batch: PayoutBatch) -> PayoutBatchResult:
        """Pay out up to ``batch.size`` sellers after ``after_partner_id``, one transaction."""
        payable = _payable().label("payable")
        async with self.db.transaction() as session:
            partner_ids = list(
                await session.scalars(
                    select(PaymentInvoice.partner_id)
                    .where(
                        PaymentInvoice.partner_id > batch.after_partner_id,
                        PaymentInvoice.payment_status.not_in([s.value for s in WRITE_OFFS]),
                        payable != 0,
                    )
                    .group_by(PaymentInvoice.partner_id)
                    .order_by(PaymentInvoice.partner_id)
                    .limit(batch.size)
                )
            )
            made: list[PayoutMade] = []
            for partner_id in partner_ids:
                rows = (
                    await session.execute(
                        select(PaymentInvoice, payable)
                        .where(
                            PaymentInvoice.partner_id == partner_id,
                            PaymentInvoice.payment_status.not_in([s.value for s in WRITE_OFFS]),
                            payable != 0,
                        )
                        .order_by(PaymentInvoice.id)
                        .with_for_update(of=PaymentInvoice)
                    )
                ).all()
                by_currency: dict[str, list[tuple[PaymentInvoice, int]]] = defaultdict(list)
                for invoice, amount in rows:
                    by_currency[invoice.currency].append((invoice, int(amount)))
                partner = await session.get_one(Partner, partner_id)
                for currency, lines in sorted(by_currency.items()):
                    total = sum(amount for _, amount in lines)
                    if total <= 0:
                        continue  # credit notes outweigh new money: deducted from a later one
                    payout = Payout(
                        reference=f"PO-{secrets.token_hex(6).upper()}",
                        organization_id=partner.organization_id,
                        partner_id=partner_id,
                        currency=currency,
                        amount=total,
                        run_id=batch.run_id,
                        created_at=batch.run_at,
                    )
                    session.add(payout)
                    await session.flush()
                    for invoice, amount in lines:
                        session.add(
                            PayoutLine(payout_id=payout.id, invoice_id=invoice.id, amount=amount)
                        )
                    await session.flush()
                    for invoice, _ in lines:
                        await settle_status(session, invoice, batch.run_at)
                    made.append(
                        PayoutMade(payout.reference, str(partner.uuid), currency, total, len(lines))
                    )
        next_after = partner_ids[-1] if len(partner_ids) == batch.size else None
        return PayoutBatchResult(made, next_after)
