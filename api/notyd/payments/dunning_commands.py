"""Staff commands on an invoice's dunning, sent to its DunningWorkflow: hold and release, a
payment plan, and the notices of money recorded (store/payments/payment_money.py).

The admin command line calls these now and the web app will: a session to find the invoice,
the Temporal client to reach its workflow, and the staff member who acts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from settings import Settings
from store.models import User, utcnow
from store.payments.payment_money import (
    DunningNotice,
    MoneyError,
    balance_of,
    invoice_by_reference,
    require_staff,
)
from workflows.ids import dunning_workflow_id
from workflows.payments.dunning import (
    DunningView,
    DunningWorkflow,
    HoldChange,
    PaymentNotice,
    PaymentPlanTerms,
)
from workflows.payments.rules.dunning import MAX_INSTALMENTS, Instalment, instalment_schedule

log = structlog.get_logger(__name__)


async def notify_dunning(client: Client, notices: Iterable[DunningNotice]) -> None:
    """Tell each invoice's dunning what it still owes. Best effort: a dunning that has ended
    needs no notice, and the next letter reads the invoice anyway."""
    for notice in notices:
        handle = client.get_workflow_handle(dunning_workflow_id(notice.invoice_uuid))
        try:
            await handle.signal(DunningWorkflow.payment_recorded, PaymentNotice(notice.outstanding))
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            log.info("dunning_not_running", invoice=notice.invoice_uuid)


async def set_on_hold(
    session: AsyncSession, client: Client, staff: User, payment_reference: str, on_hold: bool
) -> DunningView:
    """Pause (``on_hold``) or resume the invoice's dunning ladder."""
    require_staff(staff)
    invoice = await invoice_by_reference(session, payment_reference)
    return await _update(
        client,
        str(invoice.uuid),
        lambda handle: handle.execute_update(DunningWorkflow.set_on_hold, HoldChange(on_hold)),
    )


async def agree_payment_plan(
    session: AsyncSession,
    client: Client,
    settings: Settings,
    staff: User,
    payment_reference: str,
    instalments: int,
    first_due_at: datetime | None = None,
) -> DunningView:
    """Replace the ladder with ``instalments`` instalments of what is outstanding, the first on
    ``first_due_at`` (default: one plan interval from now), then one every plan interval. The
    first falls within as many plan intervals as a plan may have instalments: a later one is no
    plan (and past the year 9999 no date)."""
    require_staff(staff)
    invoice = await invoice_by_reference(session, payment_reference)
    outstanding = balance_of(invoice).outstanding
    latest = utcnow() + settings.payment_plan_interval * MAX_INSTALMENTS
    if first_due_at is not None and first_due_at > latest:
        raise MoneyError(
            f"the first instalment falls on {latest:%Y-%m-%d} at the latest", "first_due"
        )
    # a day before today in UTC is still today somewhere: no earlier, or the buyer would get a
    # letter for an instalment already overdue (a typing slip such as 2001-01-01)
    earliest = (utcnow() - timedelta(days=1)).date()
    if first_due_at is not None and first_due_at.date() < earliest:
        raise MoneyError(f"the first instalment falls on {earliest} at the earliest", "first_due")
    first = first_due_at or utcnow() + settings.payment_plan_interval
    try:
        plan: list[Instalment] = instalment_schedule(
            outstanding, instalments, first, settings.payment_plan_interval
        )
    except ValueError as error:
        raise MoneyError(str(error), "instalments") from error
    return await _update(
        client,
        str(invoice.uuid),
        lambda handle: handle.execute_update(
            DunningWorkflow.agree_payment_plan, PaymentPlanTerms(plan)
        ),
    )


async def _update(
    client: Client,
    invoice_uuid: str,
    send: Callable[[WorkflowHandle[DunningWorkflow, DunningView]], Awaitable[DunningView]],
) -> DunningView:
    """Send an Update; its refusal (the invoice closed, a bad plan) is a 409 MoneyError."""
    handle = client.get_workflow_handle_for(DunningWorkflow.run, dunning_workflow_id(invoice_uuid))
    try:
        return await send(handle)
    except WorkflowUpdateFailedError as error:
        raise MoneyError(str(error.cause or error), None, 409) from error
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise MoneyError("the invoice's dunning has ended", None, 409) from error
        raise
