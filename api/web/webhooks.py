"""Webhooks in the web app: endpoints, their deliveries with status and the receiver's answer,
replay, pause and resume, and the events feed. Changes run through the API's own functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from api.errors import Problem
from api.web.core import (
    Viewer,
    WebRoute,
    acting_as,
    database,
    posted,
    record,
    redirect,
    render,
    settings_of,
    text,
    viewer,
)
from api.webhooks import WebhookEndpointOut, WebhookEndpointPatch, replay_delivery, update_endpoint
from store.events import EVENT_TYPES
from store.models import Event, Organization, Partner, WebhookDelivery, WebhookEndpoint

router = APIRouter(prefix="/app", route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 50


@router.get("/webhooks")
async def endpoints(request: Request, seen: Annotated[Viewer, Depends(viewer)]) -> Response:
    async with database(request).session() as session:
        rows = (
            await session.execute(
                seen.select(WebhookEndpoint, WebhookEndpoint, Organization.name)
                .join(Organization, Organization.id == WebhookEndpoint.organization_id)
                .order_by(Organization.name, WebhookEndpoint.created_at)
            )
        ).all()
    return render(request, "webhooks.html", endpoints=rows)


async def _endpoint(
    request: Request, seen: Viewer, public_id: str
) -> tuple[WebhookEndpoint, Organization]:
    async with database(request).session() as session:
        found = (
            await session.execute(
                seen.select(WebhookEndpoint, WebhookEndpoint, Organization)
                .join(Organization, Organization.id == WebhookEndpoint.organization_id)
                .where(WebhookEndpoint.public_id == public_id)
            )
        ).first()
    if found is None:
        raise Problem("not-found", f"Webhook endpoint {public_id} was not found.")
    return found[0], found[1]


@router.get("/webhooks/{public_id}")
async def endpoint_page(
    public_id: str, request: Request, seen: Annotated[Viewer, Depends(viewer)]
) -> Response:
    endpoint, organization = await _endpoint(request, seen, public_id)
    status = request.query_params.get("status")
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status in ("PENDING", "DELIVERED", "FAILED"):
        query = query.where(WebhookDelivery.status == status)
    async with database(request).session() as session:
        deliveries = (
            await session.scalars(
                query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(
                    PAGE_SIZE
                )
            )
        ).all()
    return render(
        request,
        "webhook.html",
        endpoint=endpoint,
        organization=organization,
        deliveries=deliveries,
        status=status,
    )


@router.post("/webhooks/{public_id}/{action}")
async def endpoint_action(
    public_id: str,
    action: str,
    request: Request,
    seen: Annotated[Viewer, Depends(viewer)],
    form: Annotated[FormData, Depends(posted)],
) -> Response:
    if action not in ("pause", "resume"):
        raise Problem("not-found", "There is no such action.")
    endpoint, organization = await _endpoint(request, seen, public_id)
    before = WebhookEndpointOut.of(endpoint)
    version = text(form, "version") or ""
    body = WebhookEndpointPatch(status="PAUSED" if action == "pause" else "ACTIVE")
    row = await update_endpoint(
        public_id,
        body,
        int(version) if version.isdigit() else -1,
        request,
        acting_as(seen, organization),
        database(request),
        await request.app.state.temporal.get(),
        settings_of(request),
    )
    after = WebhookEndpointOut.of(row)
    await record(
        request, f"webhook.{action}", "webhook_endpoint", public_id, organization.id, before, after
    )
    done = "Endpoint paused: deliveries wait." if action == "pause" else "Endpoint resumed."
    return redirect(f"/app/webhooks/{public_id}", done)


@router.post("/webhooks/{public_id}/deliveries/{delivery_id}/replay")
async def replay(
    public_id: str,
    delivery_id: str,
    request: Request,
    seen: Annotated[Viewer, Depends(viewer)],
    _form: Annotated[FormData, Depends(posted)],
) -> Response:
    _, organization = await _endpoint(request, seen, public_id)
    answer = await replay_delivery(
        public_id,
        delivery_id,
        acting_as(seen, organization),
        database(request),
        await request.app.state.temporal.get(),
        settings_of(request),
    )
    await record(
        request,
        "webhook.replay",
        "webhook_delivery",
        delivery_id,
        organization.id,
        None,
        {"replay": bytes(answer.body).decode()},
    )
    return redirect(f"/app/webhooks/{public_id}", "Replay queued: the same event, signed afresh.")


@router.get("/events")
async def events(request: Request, seen: Annotated[Viewer, Depends(viewer)]) -> Response:
    q = request.query_params
    query = (
        seen.select(Event, Event, Organization.name, Partner.name)
        .join(Organization, Organization.id == Event.organization_id)
        .outerjoin(Partner, Partner.id == Event.partner_id)
    )
    if q.get("type") in EVENT_TYPES:
        query = query.where(Event.type == q["type"])
    if q.get("source") in ("API", "WEB_APP", "SYSTEM"):
        query = query.where(Event.source == q["source"])
    before = q.get("before", "")
    if before.isdigit():
        query = query.where(Event.sequence < int(before))
    async with database(request).session() as session:
        rows = (await session.execute(query.order_by(Event.sequence.desc()).limit(PAGE_SIZE))).all()
    return render(
        request,
        "events.html",
        events=rows,
        types=list(EVENT_TYPES),
        filters=dict(q),
        older=rows[-1][0].sequence if len(rows) == PAGE_SIZE else None,
    )
