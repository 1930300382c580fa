"""NOTYD invoices: ``GET /v1/api/invoices/`` with every filter of the spec, the detail, and
``PATCH`` of the seller's own invoice number and URL.

Invoices are made by captures (``create_invoice_for_capture``); their dunning and payment
fields are written by the invoice's own workflows. A PATCH touches only its two fields.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from api.notyd.errors import AUTHENTICATED, INVALID_PARAMETERS, problem
from api.notyd.identity.user_auth import Scope, SellerScope
from api.notyd.pagination import PAST_THE_LAST_PAGE, FilterQueryRoute, Page, Paging, ordering_query
from api.notyd.payments.common import (
    parse_uuid,
    serve_without_trailing_slash,
)
from api.notyd.payments.schemas import InvoicePatchIn
from api.notyd.payments.views import PaymentInvoiceOut, PaymentStatusValue, invoice_detail
from api.shared.deps import Db
from api.shared.errors import FieldError, Problem, validation_problem
from api.shared.input_limits import NonNegativeInt32, iso_8601
from store.db import Database
from store.models import PaymentInvoice
from store.payments.queries import (
    INVOICE_SORTS,
    InvoiceFilter,
    invoices_of_seller,
    payment_invoice,
    set_seller_invoice_fields,
)
from workflows.payments.rules.dunning import DunningStatus

router = APIRouter(
    prefix="/v1/api/invoices", tags=["NOTYD: invoices"], route_class=FilterQueryRoute
)

NOT_FOUND = AUTHENTICATED | problem(404, "No such invoice for your seller") | INVALID_PARAMETERS


def _day(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(iso_8601(value))
    except ValueError as exc:
        raise validation_problem([FieldError(name, "must be a date YYYY-MM-DD", value)]) from exc


def _on_hold(value: str | None) -> bool | None:
    """``on_hold`` as Django's boolean filter reads it (sent empty, it never gets here:
    ``FilterQueryRoute``)."""
    if value is None:
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
    responses=AUTHENTICATED | PAST_THE_LAST_PAGE | INVALID_PARAMETERS,
)
async def list_invoices(
    scope: Scope,
    db: Db,
    paging: Paging,
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
    ordering: Annotated[str | None, ordering_query(INVOICE_SORTS)] = None,
    payment_status: PaymentStatusValue | None = None,
    search: Annotated[str | None, Query(description="A search term.")] = None,
) -> Page[dict[str, Any]]:
    created_from = _day("created_at_after", created_at_after)
    created_until = _day("created_at_before", created_at_before)
    if dunning_status is not None and dunning_status not in {c.value for c in DunningStatus}:
        raise validation_problem(
            [FieldError("dunning_status", "is not a dunning status code", dunning_status)]
        )
    held = _on_hold(on_hold)
    only = InvoiceFilter(
        created_from=created_from,
        created_until=created_until,
        dunning_status=dunning_status,
        upcoming_payment_reminder_sent=upcoming_payment_reminder_sent,
        invoice_due_sent=invoice_due_sent,
        free_reminder_sent=free_reminder_sent,
        reminder_1_sent=reminder_1_sent,
        reminder_2_sent=reminder_2_sent,
        last_notice_sent=last_notice_sent,
        on_hold=held,
        external_order_uid=order__external_order_uid,
        order_uuid=order__uuid,
        seller_profile_uuid=order__seller_profile__uuid,
        payment_status=payment_status,
        search=search,
        ordering=ordering,
    )
    query = invoices_of_seller(scope.tenant, scope.partner_id, only)
    async with db.session() as session:
        total, invoices = await paging.fetch(session, query)
    return paging.page_of(total, [invoice_detail(invoice) for invoice in invoices])


async def load_invoice(db: Database, scope: SellerScope, uuid: str) -> PaymentInvoice:
    invoice_uuid = parse_uuid(uuid, "Invoice")
    invoice = await payment_invoice(db, scope.tenant, scope.partner_id, invoice_uuid)
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
    await correct_invoice(db, await load_invoice(db, scope, uuid), body)
    return invoice_detail(await load_invoice(db, scope, uuid))


async def correct_invoice(db: Database, invoice: PaymentInvoice, body: InvoicePatchIn) -> None:
    """Write the seller's own number and URL of ``invoice`` as ``body`` gives them (a field
    left out stays as it is); the API's PATCH and the invoice page's edit form both do this.
    There is no version to check: the two fields are the seller's alone, no workflow writes
    them."""
    changes = body.model_dump(exclude_unset=True)
    if changes:
        await set_seller_invoice_fields(db, invoice.id, changes)


serve_without_trailing_slash(router)
