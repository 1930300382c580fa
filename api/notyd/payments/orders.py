"""NOTYD orders: the list and detail from the read model, and the commands on an order.

Each command is an Update of the order's PaymentOrderWorkflow (``api.nt24.orders.commands``'s gate
and refusal mapping): a command the order's state does not allow is a 409, a request that
does not add up a 422 naming the field; the answer comes after the read model is written.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from temporalio.client import Client

from api.notyd.errors import AUTHENTICATED, COMMAND_NOT_NOW, INVALID_PARAMETERS, problem
from api.notyd.identity.user_auth import Scope
from api.notyd.pagination import PAST_THE_LAST_PAGE, FilterQueryRoute, Page, Paging, ordering_query
from api.notyd.payments.common import (
    COMMAND_KEY,
    load_order,
    order_command,
    parse_uuid,
    serve_without_trailing_slash,
)
from api.notyd.payments.schemas import CaptureIn, PatchOrderIn, RefundIn
from api.notyd.payments.views import (
    CaptureOut,
    CaptureStatusOut,
    OrderActionOut,
    OrderStatusStringOut,
    PaymentOrderOut,
    RefundableInvoiceOut,
    RefundOut,
    credit_note,
    discount,
    invoice_detail,
    order_detail,
    order_line,
)
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.errors import Problem
from api.shared.input_limits import DateQuery
from store.db import Database
from store.models import PaymentOrder
from store.payments.page_link import order_page_url
from store.payments.queries import (
    ORDER_SORTS,
    PaymentOrderFilter,
    payment_orders_of_seller,
    refundable_invoices_of_order,
    refunds_by_uuid,
)
from workflows.payments.payment_order import PaymentOrderWorkflow
from workflows.payments.payment_order_model import (
    CancelOrder,
    CaptureOrder,
    RefundOrder,
)
from workflows.payments.rules.orders import (
    STATUSES,
    CaptureLineRequest,
    CaptureRequest,
    RefundInvoiceRequest,
    RefundLineRequest,
    RefundRequest,
)

router = APIRouter(prefix="/v1/api/orders", tags=["NOTYD: orders"], route_class=FilterQueryRoute)

NOT_FOUND = AUTHENTICATED | problem(404, "No such order for your seller") | INVALID_PARAMETERS
CONFLICT = problem(409, "The order's status does not allow it (or too much is asked)")
INVALID = problem(422, "A field is invalid or does not add up; `errors` names it")
DUNNING = {"14_days": 14, "30_days": 30, "60_days": 60}


@router.get(
    "/",
    response_model=Page[PaymentOrderOut],
    summary="List the Orders",
    responses=AUTHENTICATED | PAST_THE_LAST_PAGE | INVALID_PARAMETERS,
)
async def list_orders(
    scope: Scope,
    db: Db,
    settings: AppSettings,
    paging: Paging,
    created_at_after: DateQuery | None = None,
    created_at_before: DateQuery | None = None,
    dunning: Literal["14_days", "30_days", "60_days"] | None = None,
    external_order_uid: str | None = None,
    ordering: Annotated[str | None, ordering_query(ORDER_SORTS)] = None,
    search: Annotated[str | None, Query(description="A search term.")] = None,
    status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
) -> Page[dict[str, Any]]:
    only = PaymentOrderFilter(
        created_from=created_at_after,
        created_until=created_at_before,
        payment_terms_days=DUNNING[dunning] if dunning is not None else None,
        external_order_uid=external_order_uid,
        status=status,
        search=search,
        ordering=ordering,
    )
    query = payment_orders_of_seller(scope.tenant, scope.partner_id, only)
    async with db.session() as session:
        total, orders = await paging.fetch(session, query)
    return paging.page_of(
        total,
        [
            order_detail(order, order_page_url(settings, order.uuid, order.page_link_sha256))
            for order in orders
        ],
    )


@router.get(
    "/{uuid}/", response_model=PaymentOrderOut, summary="Get the Order", responses=NOT_FOUND
)
async def get_order(uuid: str, scope: Scope, db: Db, settings: AppSettings) -> dict[str, Any]:
    order = await load_order(db, scope, parse_uuid(uuid, "Order"))
    return order_detail(order, order_page_url(settings, order.uuid, order.page_link_sha256))


@router.patch(
    "/{uuid}/",
    response_model=OrderActionOut,
    summary="Update the Order",
    dependencies=[COMMAND_KEY],
    responses=NOT_FOUND | CONFLICT | INVALID | COMMAND_NOT_NOW,
)
async def patch_order(
    uuid: str, body: PatchOrderIn, scope: Scope, db: Db, client: Temporal
) -> dict[str, Any]:
    order = await load_order(db, scope, parse_uuid(uuid, "Order"))
    await order_command(client, order, PaymentOrderWorkflow.patch, body.command())
    return {"id": str(order.uuid), "description": "Order has been patched"}


@router.get(
    "/{uuid}/get_status/",
    response_model=OrderStatusStringOut,
    summary="Get the Order status",
    responses=NOT_FOUND,
)
async def get_status(uuid: str, scope: Scope, db: Db) -> dict[str, str]:
    order = await load_order(db, scope, parse_uuid(uuid, "Order"))
    return {"status": order.status}


@router.post(
    "/{uuid}/cancel/",
    response_model=OrderActionOut,
    summary="Cancel order",
    dependencies=[COMMAND_KEY],
    responses=NOT_FOUND | CONFLICT | COMMAND_NOT_NOW,
)
async def cancel_order(uuid: str, scope: Scope, db: Db, client: Temporal) -> dict[str, str]:
    order = await load_order(db, scope, parse_uuid(uuid, "Order"))
    return await cancel_payment_order(client, order)


async def cancel_payment_order(client: Client, order: PaymentOrder) -> dict[str, str]:
    """Cancel the order (pending or accepted; 409 otherwise): shared by the API and the web
    app."""
    await order_command(client, order, PaymentOrderWorkflow.cancel, CancelOrder())
    return {"id": str(order.uuid), "description": "Order has been cancelled"}


@router.post(
    "/{uuid}/capture/",
    response_model=CaptureOut,
    summary="Capture the Order",
    dependencies=[COMMAND_KEY],
    responses=NOT_FOUND | CONFLICT | INVALID | COMMAND_NOT_NOW,
)
async def capture_order(
    uuid: str, scope: Scope, db: Db, client: Temporal, body: CaptureIn | None = None
) -> dict[str, Any]:
    order = await load_order(db, scope, parse_uuid(uuid, "Order"))
    return await capture_payment_order(client, order, body or CaptureIn())


async def capture_payment_order(
    client: Client, order: PaymentOrder, body: CaptureIn
) -> dict[str, Any]:
    """Capture lines, an amount, or all that remains, as one invoice (409 for more than
    remains, 422 naming a field that does not add up): shared by the API and the web app."""
    request = CaptureRequest(
        lines=[
            CaptureLineRequest(
                line.product_id,
                line.quantity,
                line.product_price_incl_tax,
                line.product_price_excl_tax,
                str(line.product_tax_rate_percentage)
                if line.product_tax_rate_percentage is not None
                else None,
            )
            for line in body.order_lines
        ]
        if body.order_lines is not None
        else None,
        discount=body.discount.discount("discount") if body.discount else None,
        totals=body.totals,
    )
    answer = await order_command(
        client,
        order,
        PaymentOrderWorkflow.capture,
        CaptureOrder(request, body.external_invoice_uid, body.invoice_url),
    )
    return {
        "id": str(order.uuid),
        "status": answer.status,
        "invoice_uuid": answer.invoice_uuid,
        "payment_reference": answer.payment_reference,
        "details": f"Order status updated to {answer.status}",
    }


@router.get(
    "/{uuid}/capture_status/",
    response_model=CaptureStatusOut,
    summary="Order captured status",
    responses=NOT_FOUND,
)
async def capture_status(uuid: str, scope: Scope, db: Db) -> dict[str, Any]:
    order = await load_order(db, scope, parse_uuid(uuid, "Order"))
    captured_discount = order.captured_discount or {
        "amount_incl_tax": 0,
        "amount_excl_tax": 0,
        "amount_tax": 0,
    }

    def lines(captured: bool) -> list[dict[str, Any]]:
        shown = []
        for line in order.lines:
            quantity = (
                line.captured_quantity if captured else line.quantity - line.captured_quantity
            )
            if quantity:
                shown.append(
                    {k: v for k, v in order_line(line).items() if k != "product_description"}
                    | {"quantity": quantity}
                )
        return shown

    def rest_discount() -> dict[str, Any] | None:
        if order.discount is None:
            return None
        left = {
            key: order.discount[key] - captured_discount[key]
            for key in ("amount_incl_tax", "amount_excl_tax", "amount_tax")
        }
        return {"description": order.discount.get("description", "")} | left

    captured = (
        order.captured_amount_incl_tax,
        order.captured_amount_excl_tax,
        order.captured_amount_tax,
    )
    total = (order.total_amount_incl_tax, order.total_amount_excl_tax, order.total_amount_tax)
    return {
        "uuid": str(order.uuid),
        "order_amount": order.total_amount_incl_tax,
        "uncaptured": {
            "total_amount_incl_tax": total[0] - captured[0],
            "total_amount_excl_tax": total[1] - captured[1],
            "total_amount_tax": total[2] - captured[2],
            "order_lines": lines(captured=False),
            "discount": rest_discount(),
        },
        "captured": {
            "total_amount_incl_tax": captured[0],
            "total_amount_excl_tax": captured[1],
            "total_amount_tax": captured[2],
            "order_lines": lines(captured=True),
            "discount": discount(
                {"description": (order.discount or {}).get("description", "")} | captured_discount
            )
            if order.captured_discount
            else None,
        },
    }


@router.get(
    "/{uuid}/refundable_invoices/",
    response_model=Page[RefundableInvoiceOut],
    summary="Get the refundable Invoices of the Order",
    responses=NOT_FOUND | CONFLICT,
)
async def refundable_invoices(
    uuid: str, scope: Scope, db: Db, paging: Paging
) -> Page[dict[str, Any]]:
    order = await load_order(db, scope, parse_uuid(uuid, "Order"))
    if not order.captured_amount_incl_tax:  # pending, accepted, or ended before a capture
        raise Problem(
            "conflict", f"The order is {order.status}: nothing was captured, so nothing refunds."
        )
    query = refundable_invoices_of_order(scope.tenant, scope.partner_id, order.id)
    async with db.session() as session:
        total, invoices = await paging.fetch(session, query)
    return paging.page_of(total, [invoice_detail(i, refundable=True) for i in invoices])


@router.post(
    "/{uuid}/refund/",
    response_model=RefundOut,
    summary="Refund the Order",
    dependencies=[COMMAND_KEY],
    responses=NOT_FOUND | CONFLICT | INVALID | COMMAND_NOT_NOW,
)
async def refund_order(
    uuid: str, body: RefundIn, scope: Scope, db: Db, client: Temporal
) -> dict[str, Any]:
    order = await load_order(db, scope, parse_uuid(uuid, "Order"))
    return await refund_payment_order(client, db, order, body)


async def refund_payment_order(
    client: Client, db: Database, order: PaymentOrder, body: RefundIn
) -> dict[str, Any]:
    """Refund by lines, amounts or an amount, one credit note per invoice touched (409 for
    more than was captured, 422 naming a field): shared by the API and the web app."""
    request = RefundRequest(
        description=body.description,
        external_refund_uid=body.external_refund_uid,
        totals=body.totals,
        invoices=[
            RefundInvoiceRequest(
                item.invoice_uuid,
                item.external_refund_uid,
                [
                    RefundLineRequest(
                        line.product_id,
                        line.quantity,
                        line.total_amount_incl_tax,
                        line.total_amount_excl_tax,
                        line.description,
                    )
                    for line in item.refund_lines
                ]
                if item.refund_lines
                else None,
                [part.request() for part in item.refund_amounts] if item.refund_amounts else None,
                item.discount.discount(f"invoices[{i}].discount") if item.discount else None,
            )
            for i, item in enumerate(body.invoices)
        ]
        if body.invoices
        else None,
    )
    answer = await order_command(client, order, PaymentOrderWorkflow.refund, RefundOrder(request))
    notes = {note.uuid: note.invoice_uuid for note in answer.credit_notes}
    rows = await refunds_by_uuid(db, [UUID(u) for u in notes])
    refunds = [credit_note(row, notes[str(row.uuid)]) for row in rows]
    return {
        "id": str(order.uuid),
        "refunds": refunds,
        "details": f"Order status updated to {answer.status}.",
    }


serve_without_trailing_slash(router)
