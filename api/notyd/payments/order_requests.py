"""``POST /v1/api/order-request/``: a validated request becomes a pending payment order.

Every field is checked (required ones, enums, totals against the lines); a bad one is a 422
naming it and nothing is written. The order's PaymentOrderWorkflow is started and its
``create`` Update writes the order before the 201 answers, so the order reads back at once.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID, uuid4, uuid5

from fastapi import APIRouter, Request, Response
from temporalio.common import WorkflowIDConflictPolicy

from activities.webhooks.delivery import vet_target
from activities.workflow_metadata import payment_order_start
from api.notyd.errors import AUTHENTICATED, COMMAND_NOT_NOW, problem
from api.notyd.identity.user_auth import Scope
from api.notyd.payments.common import (
    COMMAND_KEY,
    load_order,
    selling_partner,
    serve_without_trailing_slash,
)
from api.notyd.payments.refusals import payment_refusal_problem
from api.notyd.payments.schemas import OrderRequestIn
from api.notyd.payments.views import OrderRequestOut, order_request
from api.nt24.orders.commands import run_command
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.errors import FieldError, validation_problem
from api.shared.locations import CREATED
from api.shared.temporal_calls import request_key_identity
from settings import Settings
from store.models import PaymentOrder
from store.payments import queries
from store.payments.page_link import payment_page_url
from workflows.ids import payment_order_workflow_id
from workflows.payments.payment_order import PaymentOrderWorkflow
from workflows.payments.payment_order_model import (
    NewPaymentOrder,
    PaymentOrderSettings,
    PaymentOrderStart,
)

router = APIRouter(prefix="/v1/api/order-request", tags=["NOTYD: order requests"])

# The namespace of the uuids of orders requested with an Idempotency-Key
KEYED_ORDERS = UUID("6f1d3c52-5d0b-4a7e-9a43-2f6b1e8c9d10")


async def check_webhook_url(body: OrderRequestIn, settings: Settings) -> None:
    """The status webhook, which the server calls, passes the check every webhook endpoint
    passes (activities/webhooks/delivery.py ``vet_target``): no credentials, and in
    production a host on the public internet only; else a 422 naming it. Plain http is
    allowed, as NOTYD allows it: its body is NOTYD's, signed, without personal data, and its
    ``order_id`` opens no payment page (the page has a link token of its own); the endpoints
    of NT24 events stay https only. ``seller_urls`` are only where the buyer's browser goes:
    the schema checks them (absolute http(s))."""
    url = body.webhook_urls.webhook_url if body.webhook_urls else None
    if url is None:
        return
    target = await vet_target(url, settings, any_http=True)
    if target.problem is not None:
        raise validation_problem([FieldError("webhook_urls.webhook_url", target.problem, url)])


def order_settings(settings: Settings) -> PaymentOrderSettings:
    return PaymentOrderSettings(
        payment_terms_days=settings.payment_terms_days,
        credit_check_attempt_timeout=settings.credit_bureau_timeout * 2,
        credit_check_retry_interval=settings.credit_check_retry_interval,
        credit_check_give_up_after=settings.credit_check_give_up_after,
        updates_per_run=settings.payment_order_updates_per_run,
    )


@router.post(
    "/",
    status_code=201,
    response_model=OrderRequestOut,
    summary="Create a new OrderRequest",
    dependencies=[COMMAND_KEY],
    response_description="The order, pending, with the payment_page_url for the buyer",
    responses=CREATED
    | AUTHENTICATED
    | problem(422, "A field is missing or invalid; `errors` names it")
    | COMMAND_NOT_NOW,
)
async def create_order_request(
    body: OrderRequestIn,
    request: Request,
    response: Response,
    scope: Scope,
    db: Db,
    client: Temporal,
    settings: AppSettings,
) -> dict[str, Any]:
    total, discount, lines = body.priced()
    company = body.company()
    await check_webhook_url(body, settings)
    partner = await selling_partner(db, scope)
    # with an Idempotency-Key, a retry of the same request for the same seller is the same
    # order: its workflow (already started) takes the retry's create as the first attempt's,
    # by its Update id. Another seller of the organization sending the same key and body
    # makes an order of its own.
    identity = request_key_identity()
    uuid = str(uuid5(KEYED_ORDERS, f"{identity}\nseller {partner.id}") if identity else uuid4())
    if identity and (
        made := await queries.payment_order(db, scope.tenant, scope.partner_id, UUID(uuid))
    ):
        return _created(response, settings, made)  # made by an earlier attempt
    command = NewPaymentOrder(
        uuid=uuid,
        organization_id=scope.tenant.organization_id,
        partner_id=partner.id,
        created_by_user_id=scope.user.id,
        external_webshop_uid=body.external_webshop_uid,
        external_order_uid=body.external_order_uid,
        order_request_label=body.order_request_label,
        currency=body.currency,
        locale=body.locale,
        payment_link_duration=body.payment_link_duration,
        total=total,
        discount=discount,
        lines=lines,
        buyer_company=company,
        buyer_representative=body.buyer_representative.model_dump(),
        shipping_address=body.shipping_address.as_json(),
        billing_address=body.billing_address.as_json(),
        seller_urls=body.seller_urls.model_dump() if body.seller_urls else None,
        webhook_urls=body.webhook_urls.model_dump() if body.webhook_urls else None,
        page_token=secrets.token_urlsafe(32),
        settings=order_settings(settings),
    )
    workflow_id = payment_order_workflow_id(uuid)
    await client.start_workflow(
        PaymentOrderWorkflow.run,
        PaymentOrderStart(settings.order_abandoned_after),
        id=workflow_id,
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        **payment_order_start(
            order_uuid=uuid,
            external_order_uid=body.external_order_uid,
            label=body.order_request_label,
            buyer_name=company.get("name") or company.get("registration_number"),
            buyer_vat_number=company.get("vat_number"),
            total=f"{total.incl / 100:.2f} {body.currency}",
        ),
    )
    await run_command(
        client, workflow_id, PaymentOrderWorkflow.create, command, refusals=payment_refusal_problem
    )
    return _created(response, settings, await load_order(db, scope, UUID(uuid)))


def _created(response: Response, settings: Settings, order: PaymentOrder) -> dict[str, Any]:
    response.headers["Location"] = f"/v1/api/orders/{order.uuid}/"
    return order_request(order, payment_page_url(settings, order.uuid))


serve_without_trailing_slash(router)
