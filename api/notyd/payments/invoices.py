"""NOTYD invoices: ``GET /v1/api/invoices/`` with every filter of the spec, the detail, and
``PATCH`` of the seller's own invoice number and URL.

Invoices are made by captures (``create_invoice_for_capture``); their dunning and payment
fields are written by the invoice's own workflows. A PATCH touches only its two fields.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, update
from sqlalchemy.orm import selectinload

from api.notyd.errors import AUTHENTICATED, INVALID_PARAMETERS, problem
from api.notyd.pagination import Page, PageParams
from api.notyd.payments.common import (
    Scope,
    SellerScope,
    parse_uuid,
    serve_without_trailing_slash,
)
from api.notyd.payments.orders import day_start, ordering_clause
from api.notyd.payments.schemas import InvoicePatchIn
from api.notyd.payments.views import PaymentInvoiceOut, PaymentStatusValue, invoice_detail
from api.shared.deps import Db
from api.shared.errors import FieldError, Problem, validation_problem
from api.shared.input_limits import NonNegativeInt32
from store.db import Database
from store.models import Partner, PaymentInvoice, PaymentOrder, utcnow
from workflows.payments.rules.dunning import DunningStatus

router = APIRouter(prefix="/v1/api/invoices", tags=["NOTYD: invoices"])

NOT_FOUND = AUTHENTICATED | problem(404, "No such invoice for your seller") | INVALID_PARAMETERS
LOADS = (
    selectinload(PaymentInvoice.lines),
    selectinload(PaymentInvoice.refunds),
    selectinload(PaymentInvoice.order).selectinload(PaymentOrder.partner),
)
ORDERING = {
    "created_at": PaymentInvoice.created_at,
    "updated_at": PaymentInvoice.updated_at,
    "due_date": PaymentInvoice.due_date,
    "dunning_status": PaymentInvoice.dunning_status,
    "payment_status": PaymentInvoice.payment_status,
    "total_amount_incl_tax": PaymentInvoice.total_amount_incl_tax,
}


def _on_hold(value: str | None) -> bool | None:
    """``on_hold`` as Django's boolean filter reads it."""
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise validation_problem([FieldError("on_hold", "must be true or false", value)])


@router.get(
    "/",
    response_model=Page[PaymentInvoiceOut],
    summary="List the Invoices",
    responses=AUTHENTICATED | INVALID_PARAMETERS,
)
async def list_invoices(
    scope: Scope,
    db: Db,
    paging: Annotated[PageParams, Depends()],
    created_at_after: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    created_at_before: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    dunning_status: Annotated[
        int | None, Query(description="0, 5, 10, 20, 30, 40, 50, 55, 60, 65 or 70")
    ] = None,
    upcoming_payment_reminder_sent: NonNegativeInt32 | None = None,
    invoice_due_sent: NonNegativeInt32 | None = None,
    free_reminder_sent: NonNegativeInt32 | None = None,
    reminder_1_sent: NonNegativeInt32 | None = None,
    reminder_2_sent: NonNegativeInt32 | None = None,
    last_notice_sent: NonNegativeInt32 | None = None,
    on_hold: Annotated[str | None, Query(description="Invoices on hold: true or false")] = None,
    order__external_order_uid: str | None = None,
    order__seller_profile__uuid: UUID | None = None,
    order__uuid: UUID | None = None,
    ordering: Annotated[str | None, Query(description="A field, `-` for descending")] = None,
    payment_status: PaymentStatusValue | None = None,
    search: Annotated[str | None, Query(description="A search term.")] = None,
) -> Page[dict[str, Any]]:
    query = scope.invoices().options(*LOADS).join(PaymentOrder, PaymentInvoice.order)
    for name, value in (
        ("created_at_after", created_at_after),
        ("created_at_before", created_at_before),
    ):
        if value is None:
            continue
        try:
            day = day_start(date.fromisoformat(value))
        except ValueError as exc:
            raise validation_problem(
                [FieldError(name, "must be a date YYYY-MM-DD", value)]
            ) from exc
        if name == "created_at_after":
            query = query.where(PaymentInvoice.created_at >= day)
        else:
            query = query.where(PaymentInvoice.created_at < day + timedelta(days=1))
    if dunning_status is not None:
        if dunning_status not in {code.value for code in DunningStatus}:
            raise validation_problem(
                [FieldError("dunning_status", "is not a dunning status code", dunning_status)]
            )
        query = query.where(PaymentInvoice.dunning_status == dunning_status)
    counters = {
        "upcoming_payment_reminder_sent": upcoming_payment_reminder_sent,
        "invoice_due_sent": invoice_due_sent,
        "free_reminder_sent": free_reminder_sent,
        "reminder_1_sent": reminder_1_sent,
        "reminder_2_sent": reminder_2_sent,
        "last_notice_sent": last_notice_sent,
    }
    for name, count in counters.items():
        if count is not None:
            query = query.where(getattr(PaymentInvoice, name) == count)
    held = _on_hold(on_hold)
    if held is True:
        query = query.where(PaymentInvoice.on_hold.is_(True))
    elif held is False:
        query = query.where(
            or_(PaymentInvoice.on_hold.is_(False), PaymentInvoice.on_hold.is_(None))
        )
    if order__external_order_uid is not None:
        query = query.where(PaymentOrder.external_order_uid == order__external_order_uid)
    if order__uuid is not None:
        query = query.where(PaymentOrder.uuid == order__uuid)
    if order__seller_profile__uuid is not None:
        query = query.join(Partner, PaymentInvoice.partner_id == Partner.id).where(
            Partner.profile_uuid == order__seller_profile__uuid
        )
    if payment_status is not None:
        query = query.where(PaymentInvoice.payment_status == payment_status)
    if search:
        term = f"%{search}%"
        query = query.where(
            or_(
                PaymentInvoice.payment_reference.ilike(term),
                PaymentInvoice.external_invoice_uid.ilike(term),
                PaymentOrder.external_order_uid.ilike(term),
                PaymentOrder.buyer_company_name.ilike(term),
                PaymentOrder.representative_email.ilike(term),
            )
        )
    query = query.order_by(
        *ordering_clause(ordering, ORDERING, PaymentInvoice.created_at), PaymentInvoice.id.desc()
    )
    async with db.session() as session:
        total, invoices = await paging.fetch(session, query)
    return paging.page_of(total, [invoice_detail(invoice) for invoice in invoices])


async def load_invoice(db: Database, scope: SellerScope, uuid: str) -> PaymentInvoice:
    invoice_uuid = parse_uuid(uuid, "Invoice")
    async with db.session() as session:
        invoice = await session.scalar(
            scope.invoices().options(*LOADS).where(PaymentInvoice.uuid == invoice_uuid)
        )
    if invoice is None:
        raise Problem("not-found", f"Invoice {uuid} was not found.")
    return invoice


@router.get(
    "/{uuid}/", response_model=PaymentInvoiceOut, summary="Get the Invoice", responses=NOT_FOUND
)
async def get_invoice(uuid: str, scope: Scope, db: Db) -> dict[str, Any]:
    return invoice_detail(await load_invoice(db, scope, uuid))


@router.patch(
    "/{uuid}/",
    response_model=PaymentInvoiceOut,
    summary="Update the Invoice",
    responses=NOT_FOUND | problem(422, "A field is invalid; `errors` names it"),
)
async def patch_invoice(uuid: str, body: InvoicePatchIn, scope: Scope, db: Db) -> dict[str, Any]:
    invoice = await load_invoice(db, scope, uuid)
    changes = body.model_dump(exclude_unset=True)
    if changes:
        async with db.transaction() as session:
            await session.execute(
                update(PaymentInvoice)
                .where(PaymentInvoice.id == invoice.id)
                .values(**changes, updated_at=utcnow())
            )
    return invoice_detail(await load_invoice(db, scope, uuid))


serve_without_trailing_slash(router)
