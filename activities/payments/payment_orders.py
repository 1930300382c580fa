"""A payment order's side effects: its read model, its invoices and credit notes, the credit
check, and its status webhooks.

Every write runs in one transaction with the order row's ``revision`` as its guard: a retried
or late write finds a newer revision and leaves the order's columns as they are. Invoices and
credit notes are never doubled (a retry finds them stored), nor are status notices: one is
queued by the write that carries it, whichever write commits first, under the status
change's own event id (``_notice_event_id``), which a retry finds queued. Each invoice is
created in one place, ``create_invoice_for_capture``.

Status webhooks reuse the platform's delivery machinery: the request's ``webhook_url`` is an
endpoint of the organization (created on first use, subscribed to no NT24 event), and each
status change is a delivery to it carrying NOTYD's body as is; signing, retries, auto-pause
and the delivery log are those of every other webhook.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid5

from sqlalchemy import select, update
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.kept_alive import KeptAliveClients
from activities.payments.credit_bureau import CreditBureauClient
from activities.payments.dunning import start_dunning
from activities.webhooks.delivery import (
    NOTYD_EVENT,
    first_attempt_at,
    new_delivery_id,
    new_secret,
    start_deliveries,
)
from settings import Settings
from store.db import Database
from store.models import (
    PaymentCapture,
    PaymentInvoice,
    PaymentInvoiceLine,
    PaymentOrder,
    PaymentOrderLine,
    PaymentRefund,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from store.payments.page_link import page_link_sha256
from workflows.payments import activities as interface
from workflows.payments.payment_order_model import (
    CaptureWrite,
    CreatePaymentOrderRow,
    CreditCheckRequest,
    CreditVerdict,
    OrderState,
    RefundWrite,
    StatusNotice,
)
from workflows.payments.rules.dunning import due_date
from workflows.payments.rules.invoice_money import (
    WRITE_OFFS,
    Balance,
    PaymentStatus,
    payment_status,
)
from workflows.payments.rules.orders import OrderLineState

UNWRITABLE = "UnwritableValue"

W = TypeVar("W", bound=Callable[..., Awaitable[Any]])


def final_on_unwritable(write: W) -> W:
    """A write the database refuses for its values (an amount beyond its integer columns, text
    it cannot encode) fails the same way on every retry: fail it for good (non-retryable), so
    that no workflow retries it forever. The API's limits keep such values out; this is the
    backstop."""

    @functools.wraps(write)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await write(*args, **kwargs)
        except (DataError, OverflowError, UnicodeEncodeError) as error:
            raise ApplicationError(
                f"the database cannot store this write's values: {error}",
                type=UNWRITABLE,
                non_retryable=True,
            ) from error

    return guarded  # type: ignore[return-value]


class PaymentOrderActivities(interface.PaymentOrderActivities):
    def __init__(self, db: Database, settings: Settings, clients: KeptAliveClients) -> None:
        self.db = db
        self.settings = settings
        self.credit_bureau = CreditBureauClient(
            settings.credit_bureau_base_url, settings.credit_bureau_timeout, clients
        )

    @activity.defn
    async def check_credit(self, request: CreditCheckRequest) -> CreditVerdict:
        return await self.credit_bureau.assess(request)

    @activity.defn
    @final_on_unwritable
    async def create_payment_order(self, row: CreatePaymentOrderRow) -> None:
        order = row.order
        async with self.db.transaction() as session:
            exists = await session.scalar(
                select(PaymentOrder.id).where(PaymentOrder.uuid == UUID(order.uuid))
            )
            if exists is not None:
                return
            company, person = order.buyer_company, order.buyer_representative
            created = PaymentOrder(
                uuid=UUID(order.uuid),
                organization_id=order.organization_id,
                partner_id=order.partner_id,
                created_by_user_id=order.created_by_user_id,
                workflow_id=activity.info().workflow_id,
                external_webshop_uid=order.external_webshop_uid,
                external_order_uid=order.external_order_uid,
                order_request_label=order.order_request_label,
                status="pending",
                currency=order.currency,
                locale=order.locale,
                payment_link_duration=order.payment_link_duration,
                payment_terms_days=row.payment_terms_days,
                total_amount_incl_tax=order.total.incl,
                total_amount_excl_tax=order.total.excl,
                total_amount_tax=order.total.tax,
                discount=order.discount.as_json() if order.discount else None,
                buyer_company=company,
                buyer_representative=person,
                shipping_address=order.shipping_address,
                billing_address=order.billing_address,
                seller_urls=order.seller_urls,
                webhook_urls=order.webhook_urls,
                buyer_company_name=company.get("name"),
                buyer_registration_number=company.get("registration_number"),
                buyer_vat_number=company.get("vat_number"),
                representative_email=person.get("email"),
                page_token=order.page_token,
                page_link_sha256=page_link_sha256(self.settings, UUID(order.uuid)),
                expires_at=row.expires_at,
                revision=0,
                created_at=row.created_at,
                updated_at=row.created_at,
            )
            session.add(created)
            await session.flush()
            await _sync_lines(session, created.id, [], order.lines)

    @activity.defn
    @final_on_unwritable
    async def write_payment_order(self, state: OrderState) -> None:
        delivery = None
        async with self.db.transaction() as session:
            row = await _write_order(session, state)
            delivery = await _queue_notice(session, row, state)
        await self._start(delivery)

    @activity.defn
    @final_on_unwritable
    async def create_invoice_for_capture(self, write: CaptureWrite) -> None:
        """The capture, its invoice and the invoice's lines, with the order's new state."""
        state, draft = write.order, write.invoice
        delivery = None
        # the invoice's dunning (docs/payments-dunning.md); a second start changes nothing, so
        # a retry after the commit starts it too
        due_at = due_date(state.updated_at, draft.payment_terms_days)
        async with self.db.transaction() as session:
            # the capture is written even when a later command's state was stored first (two
            # captures at once): only the order's own columns keep the newer state
            row = await _write_order(session, state)
            if await _stored(session, PaymentCapture, draft.capture_uuid):  # this one, retried
                await start_dunning(
                    activity.client(), self.settings, draft.uuid, due_at, draft.payment_reference
                )
                return
            capture = PaymentCapture(
                uuid=UUID(draft.capture_uuid),
                order_id=row.id,
                number=draft.number,
                total_amount_incl_tax=draft.amounts.incl,
                total_amount_excl_tax=draft.amounts.excl,
                total_amount_tax=draft.amounts.tax,
                discount=draft.discount.as_json() if draft.discount else None,
                created_at=state.updated_at,
            )
            session.add(capture)
            await session.flush()
            invoice = PaymentInvoice(
                uuid=UUID(draft.uuid),
                organization_id=row.organization_id,
                partner_id=row.partner_id,
                order_id=row.id,
                capture_id=capture.id,
                payment_reference=draft.payment_reference,
                external_invoice_uid=draft.external_invoice_uid,
                invoice_url=draft.invoice_url,
                currency=row.currency,
                total_amount_incl_tax=draft.amounts.incl,
                total_amount_excl_tax=draft.amounts.excl,
                total_amount_tax=draft.amounts.tax,
                discount=capture.discount,
                payment_terms_days=draft.payment_terms_days,
                due_date=due_date(state.updated_at, draft.payment_terms_days),
                payment_status=PaymentStatus.NOT_PAID.value,
                dunning_status=0,
                created_at=state.updated_at,
                updated_at=state.updated_at,
            )
            session.add(invoice)
            await session.flush()
            for line in draft.lines:
                session.add(
                    PaymentInvoiceLine(
                        invoice_id=invoice.id,
                        position=line.position,
                        product_id=line.product_id,
                        product_name=line.product_name,
                        product_description=line.product_description,
                        quantity=line.quantity,
                        product_price_excl_tax=line.price_excl,
                        product_price_incl_tax=line.price_incl,
                        product_tax_rate_percentage=Decimal(line.rate),
                        total_product_price_excl_tax=line.total_excl,
                        total_product_price_incl_tax=line.total_incl,
                    )
                )
            delivery = await _queue_notice(session, row, state)
        await start_dunning(
            activity.client(), self.settings, draft.uuid, due_at, draft.payment_reference
        )
        await self._start(delivery)

    @activity.defn
    @final_on_unwritable
    async def create_credit_notes(self, write: RefundWrite) -> None:
        """One credit note per invoice refunded, and what it leaves on the invoice."""
        delivery = None
        async with self.db.transaction() as session:
            # as for a capture: the credit notes are written whatever state was stored first
            row = await _write_order(session, write.order)
            now = write.order.updated_at
            for note in write.credit_notes:
                if await _stored(session, PaymentRefund, note.uuid):  # this write, retried
                    continue
                plan = note.plan
                invoice = await session.scalar(
                    select(PaymentInvoice)
                    .where(PaymentInvoice.uuid == UUID(plan.invoice_uuid))
                    .with_for_update()
                )
                assert invoice is not None
                session.add(
                    PaymentRefund(
                        uuid=UUID(note.uuid),
                        organization_id=row.organization_id,
                        order_id=row.id,
                        invoice_id=invoice.id,
                        external_refund_uid=plan.external_refund_uid or "",
                        description=note.description,
                        total_amount_incl_tax=plan.amounts.incl,
                        total_amount_excl_tax=plan.amounts.excl,
                        total_amount_tax=plan.amounts.tax,
                        refund_lines=[
                            {
                                "product_id": part.product_id,
                                "quantity": part.quantity,
                                "total_amount_incl_tax": part.amounts.incl,
                                "total_amount_excl_tax": part.amounts.excl,
                                "description": part.description,
                            }
                            for part in plan.lines
                        ]
                        if plan.by_lines
                        else [],  # a refund by amount names no lines
                        discount=plan.discount.as_json() if plan.discount else None,
                        created_at=now,
                    )
                )
                invoice.refunded_amount_incl_tax += plan.amounts.incl
                invoice.refunded_amount_excl_tax += plan.amounts.excl
                invoice.refunded_amount_tax += plan.amounts.tax
                invoice.payment_status = _status_after_credit(invoice)
                invoice.updated_at = now
                for part in plan.lines:
                    await session.execute(
                        update(PaymentInvoiceLine)
                        .where(
                            PaymentInvoiceLine.invoice_id == invoice.id,
                            PaymentInvoiceLine.position == part.invoice_line,
                        )
                        .values(
                            refunded_quantity=PaymentInvoiceLine.refunded_quantity + part.quantity,
                            refunded_amount_incl_tax=PaymentInvoiceLine.refunded_amount_incl_tax
                            + part.amounts.incl,
                            refunded_amount_excl_tax=PaymentInvoiceLine.refunded_amount_excl_tax
                            + part.amounts.excl,
                        )
                    )
            delivery = await _queue_notice(session, row, write.order)
        await self._start(delivery)

    async def _start(self, delivery: str | None) -> None:
        """Start the delivery's workflow after its commit (the sweep starts a lost one)."""
        if delivery is not None:
            await start_deliveries(activity.client(), self.settings, [delivery])


async def _stored(session: AsyncSession, model: Any, uuid: str) -> bool:
    """Whether the capture or credit note ``uuid`` is stored already: its write was retried
    after it committed."""
    return await session.scalar(select(model.id).where(model.uuid == UUID(uuid))) is not None


def _status_after_credit(invoice: PaymentInvoice) -> str:
    """A credit note lowers what is owed; write-offs and payouts keep their own status."""
    current = invoice.payment_status
    if current in WRITE_OFFS or current.startswith("paid_to_seller"):
        return current
    balance = Balance(
        total=invoice.total_amount_incl_tax,
        refunded=invoice.refunded_amount_incl_tax,
        received=invoice.paid_amount,
    )
    return payment_status(balance).value


async def _write_order(session: AsyncSession, state: OrderState) -> PaymentOrder:
    """The order row, locked, with ``state`` written on it when it is newer than the one
    stored (a newer or equal revision stored already stays)."""
    row = await session.scalar(
        select(PaymentOrder).where(PaymentOrder.uuid == UUID(state.uuid)).with_for_update()
    )
    assert row is not None, "the order row is written by create_payment_order first"
    if row.revision >= state.revision:
        return row
    row.revision = state.revision
    row.status = state.status
    row.total_amount_incl_tax = state.total.incl
    row.total_amount_excl_tax = state.total.excl
    row.total_amount_tax = state.total.tax
    row.discount = state.discount.as_json() if state.discount else None
    row.captured_amount_incl_tax = state.captured.incl
    row.captured_amount_excl_tax = state.captured.excl
    row.captured_amount_tax = state.captured.tax
    row.captured_discount = (
        None
        if state.captured_discount.is_zero
        else {
            "amount_incl_tax": state.captured_discount.incl,
            "amount_excl_tax": state.captured_discount.excl,
            "amount_tax": state.captured_discount.tax,
        }
    )
    row.refunded_amount_incl_tax = state.refunded.incl
    row.refunded_amount_excl_tax = state.refunded.excl
    row.refunded_amount_tax = state.refunded.tax
    if state.credit_check is not None:
        row.credit_check_outcome = (
            "approved"
            if state.credit_check.approved
            else ("rejected" if state.status == "rejected" else "unavailable")
        )
        row.credit_check_reference = state.credit_check.reference
        row.credit_check_reason = state.credit_check.reason
    row.confirmed_at = state.confirmed_at
    row.decided_at = state.decided_at
    row.updated_at = state.updated_at
    existing = list(
        await session.scalars(select(PaymentOrderLine).where(PaymentOrderLine.order_id == row.id))
    )
    await _sync_lines(session, row.id, existing, state.lines)
    return row


async def _sync_lines(
    session: AsyncSession,
    order_id: int,
    existing: list[PaymentOrderLine],
    lines: list[OrderLineState],
) -> None:
    by_position = {line.position: line for line in existing}
    for line in lines:
        stored = by_position.pop(line.position, None) or PaymentOrderLine(
            order_id=order_id, position=line.position
        )
        stored.product_id = line.product_id
        stored.product_name = line.product_name
        stored.product_description = line.product_description
        stored.quantity = line.quantity
        stored.product_price_excl_tax = line.price_excl
        stored.product_price_incl_tax = line.price_incl
        stored.product_tax_rate_percentage = Decimal(line.rate)
        stored.captured_quantity = line.captured
        session.add(stored)
    for gone in by_position.values():  # a PATCH before capture may drop lines
        await session.delete(gone)


def _notice_event_id(state: OrderState, notice: StatusNotice) -> str:
    """The event id of the status change ``state`` carries a notice of: the same for every
    attempt of its write (the order, its revision and the moment of the change), so that the
    notice is queued once, and receivers see one event id for it."""
    change = uuid5(UUID(state.uuid), f"status {state.revision} {notice.body.get('created')}")
    return f"evt_{change.hex}"


async def _queue_notice(
    session: AsyncSession, order: PaymentOrder, state: OrderState
) -> str | None:
    """A delivery of NOTYD's body to the order's webhook URL, in the caller's transaction,
    when ``state`` carries a notice not queued yet. Queued whether or not ``state`` was newer
    than the stored one: a status change whose write commits after a later command's (two
    captures at once) is notified all the same."""
    notice = state.notice
    if notice is None:
        return None
    event_id = _notice_event_id(state, notice)
    queued = await session.scalar(
        select(WebhookDelivery.id).where(WebhookDelivery.event_id == event_id).limit(1)
    )
    if queued is not None:  # this write, retried after its commit
        return None
    endpoint = await session.scalar(
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.organization_id == order.organization_id,
            WebhookEndpoint.url == notice.url,
        )
        .order_by(WebhookEndpoint.id)
        .limit(1)
    )
    if endpoint is None:
        endpoint = WebhookEndpoint(
            public_id=f"wh_{secrets.token_hex(8)}",
            organization_id=order.organization_id,
            url=notice.url,
            events=[],  # NOTYD status changes only: no NT24 event is fanned out to it
            partner_ids=None,
            secret=new_secret(),
            status="ACTIVE",
            consecutive_failures=0,
            version=0,
        )
        session.add(endpoint)
        await session.flush()
    delivery = WebhookDelivery(
        public_id=new_delivery_id(),
        organization_id=order.organization_id,
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=NOTYD_EVENT,
        kind="EVENT",
        payload=notice.body,
        status="PENDING",
        attempts=0,
        retries_used=0,
        next_retry_at=first_attempt_at(endpoint, utcnow()),
    )
    session.add(delivery)
    return delivery.public_id
