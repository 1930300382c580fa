"""Webhooks in the web app: endpoints (register, edit, pause, resume, test fire, delete), their
deliveries with status and the receiver's answer, replay, and the events feed. Changes run
through the API's own functions; a new endpoint's signing secret is shown on the answer to the
form only, as the API shows it in its answer only."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from api.nt24.webhooks.webhooks import (
    DeliveryOut,
    TestFire,
    WebhookEndpointIn,
    WebhookEndpointOut,
    WebhookEndpointPatch,
    delete_webhook,
    queue_test_fire,
    register_endpoint,
    replay_delivery,
    update_endpoint,
)
from api.shared.deps import app_settings, database, temporal
from api.shared.errors import Problem
from api.shared.input_limits import TOO_DEEP, json_problems
from api.web.conflicts import Conflict, conflict_of, is_conflict
from api.web.core import (
    INT64,
    SENT_ALREADY,
    WEB_APP,
    FormErrors,
    PostedForm,
    SignedIn,
    Viewer,
    WebRoute,
    acting_as,
    build,
    first_sending,
    operator_locale,
    record,
    redirect,
    render,
    text,
    values,
    whole_number,
)
from store.identity.queries import (
    organization_by_id,
    organization_by_uuid,
    organizations_by_name,
    partners_of_organization,
    partners_with_organization_names,
)
from store.identity.tenancy import Tenant
from store.models import Organization, WebhookEndpoint
from store.webhooks.events import EVENT_TYPES, SCHEMA_VERSIONS
from store.webhooks.queries import (
    EventListFilter,
    delivery_page,
    endpoint_with_organization,
    endpoints_with_organization_names,
    latest_events,
)
from workflows.change_source import ChangeSource

router = APIRouter(prefix="/app", route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 50


@router.get("/webhooks")
async def endpoints(request: Request, seen: SignedIn) -> Response:
    return await _endpoints_page(request, seen)


async def _endpoints_page(
    request: Request,
    seen: Viewer,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    db = database(request)
    rows = await endpoints_with_organization_names(db, seen)
    all_organizations = await organizations_by_name(db) if seen.is_staff else []
    partners = await partners_with_organization_names(db, seen)
    return render(
        request,
        "webhooks.html",
        status_code=status_code,
        endpoints=rows,
        organizations=all_organizations,
        partners=[(str(p.uuid), f"{org_name}: {p.name}") for p, org_name in partners],
        event_groups=event_groups(),
        errors=errors or {},
        problem=problem,
        form=form or {},
    )


@router.post("/webhooks")
async def create_endpoint(
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    data, typed = _endpoint_form(form)
    try:
        organization = await _organization(request, seen, text(form, "organization"))
        body = build(WebhookEndpointIn, data, {})
        row = await register_endpoint(
            body, request, acting_as(seen, organization), database(request)
        )
    except (FormErrors, Problem) as exc:
        status_code, failure = _refused(exc)
        return await _endpoints_page(
            request,
            seen,
            status_code=status_code,
            errors=failure.fields,
            problem=failure.summary,
            form=typed,
        )
    # the audit entry is the API's answer without the secret
    after = WebhookEndpointOut.of(row)
    await record(
        request, "webhook.create", "webhook_endpoint", row.public_id, organization.id, None, after
    )
    # shown on this answer only: never again, never in a redirect, a cookie or the audit log
    return await _endpoint_page(request, seen, row.public_id, secret=row.secret)


def _chosen(form: FormData, name: str) -> list[str]:
    """The values of checkboxes or of a multiple select; a list typed (or sent back by the
    form that saves over a colleague's change) as one value, separated by commas or spaces,
    counts as well."""
    return [
        item
        for value in form.getlist(name)
        if isinstance(value, str)
        for item in value.replace(",", " ").split()
    ]


def _endpoint_form(form: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """What registering and editing an endpoint share: the API's input (the URL, the
    catalogue's types and segment wildcards chosen, the partners chosen, none: all of them)
    and the form as it was filled, to show it again with its errors."""
    events, partners = _chosen(form, "events"), _chosen(form, "partnerIds")
    data: dict[str, Any] = {"url": text(form, "url") or "", "events": events}
    data["partnerIds"] = partners or None
    return data, values(form) | {"events": events, "partnerIds": partners}


def _refused(exc: FormErrors | Problem) -> tuple[int, FormErrors]:
    """The status and the errors by field of a refused form; a 404 stays the page it is."""
    if isinstance(exc, FormErrors):
        return 422, exc
    if not exc.errors and exc.status == 404:
        raise exc
    return exc.status, FormErrors.of_problem(exc)


async def _organization(request: Request, seen: Viewer, raw: str | None) -> Organization:
    """The organization a new endpoint belongs to: staff choose it, a user's is their own."""
    db = database(request)
    if not seen.is_staff:
        found = await organization_by_id(db, seen.organization_id)
    else:
        if not raw:
            raise FormErrors({"organization": "choose the organization"})
        try:
            found = await organization_by_uuid(db, UUID(raw))
        except ValueError:
            found = None
        if found is None:
            raise FormErrors({"organization": "is not a known organization"})
    assert found is not None
    return found


async def _endpoint(
    request: Request, seen: Viewer, public_id: str
) -> tuple[WebhookEndpoint, Organization]:
    found = await endpoint_with_organization(database(request), seen, public_id)
    if found is None:
        raise Problem("not-found", f"Webhook endpoint {public_id} was not found.")
    return found[0], found[1]


@router.get("/webhooks/{public_id}")
async def endpoint_page(public_id: str, request: Request, seen: SignedIn) -> Response:
    return await _endpoint_page(request, seen, public_id)


async def _endpoint_page(
    request: Request,
    seen: Viewer,
    public_id: str,
    *,
    status_code: int = 200,
    secret: str | None = None,
    failed: str | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    form: dict[str, Any] | None = None,
    conflict: Conflict | None = None,
) -> Response:
    endpoint, organization = await _endpoint(request, seen, public_id)
    q = request.query_params
    status = q.get("status") if q.get("status") in ("PENDING", "DELIVERED", "FAILED") else None
    db = database(request)
    # every delivery the API lists can be reached, page by page, and replayed from its page
    deliveries = await delivery_page(
        db, endpoint.id, status, PAGE_SIZE, before=q.get("before"), after=q.get("after")
    )
    partners = await partners_of_organization(db, Tenant(organization.id))
    return render(
        request,
        "webhook.html",
        status_code=status_code,
        endpoint=endpoint,
        organization=organization,
        deliveries=deliveries,
        status=status,
        secret=secret,
        event_types=[(t, t) for t in EVENT_TYPES],
        partners=[(str(p.uuid), p.name) for p in partners],
        event_groups=event_groups(),
        schema_versions=[
            str(v) for v in sorted({*SCHEMA_VERSIONS, *endpoint.accepted_schema_versions})
        ],
        # the edit form as the endpoint is now, until a refused edit shows the operator's
        saved={
            "url": endpoint.url,
            "events": endpoint.events,
            "partnerIds": endpoint.partner_ids or [],
            "acceptedSchemaVersions": [str(v) for v in endpoint.accepted_schema_versions],
        },
        failed=failed,
        errors=errors or {},
        problem=problem,
        form=form or {},
        conflict=conflict,
    )


@router.post("/webhooks/{public_id}/{action}")
async def endpoint_action(
    public_id: str,
    action: str,
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    if action == "delete":
        return await _delete(request, seen, public_id)
    if action == "test":
        return await _test_fire(request, seen, public_id, form)
    if action == "edit":
        return await _edit(request, seen, public_id, form)
    if action not in ("pause", "resume"):
        raise Problem("not-found", "There is no such action.")
    endpoint, organization = await _endpoint(request, seen, public_id)
    before = WebhookEndpointOut.of(endpoint)
    body = WebhookEndpointPatch(status="PAUSED" if action == "pause" else "ACTIVE")
    try:
        row = await _update(request, seen, organization, public_id, body, _version(form, "choose"))
    except (FormErrors, Problem) as exc:
        if isinstance(exc, Problem) and not is_conflict(exc):
            raise
        # the page as it is now, saying so in words (not the API's If-Match wording)
        return await _endpoint_page(
            request,
            seen,
            public_id,
            status_code=409,
            failed="status",
            problem=(
                exc.summary
                if isinstance(exc, FormErrors)
                else "The endpoint was changed by someone else since the page was shown: it is "
                f"{endpoint.status.lower()} as shown now. Choose again."
            ),
        )
    after = WebhookEndpointOut.of(row)
    await record(
        request, f"webhook.{action}", "webhook_endpoint", public_id, organization.id, before, after
    )
    done = "Endpoint paused: deliveries wait." if action == "pause" else "Endpoint resumed."
    return redirect(f"/app/webhooks/{public_id}", done)


def _version(form: FormData, verb: str) -> int:
    """The version the endpoint was shown at, which the form carries."""
    version = whole_number(text(form, "version"))
    if version is None:
        raise FormErrors(detail=f"The form has no version: reload the page and {verb} again.")
    return version


async def _update(
    request: Request,
    seen: Viewer,
    organization: Organization,
    public_id: str,
    body: WebhookEndpointPatch,
    version: int,
) -> WebhookEndpoint:
    """PATCH /v1/webhooks/{id} with If-Match ``version``, on behalf of the organization."""
    return await update_endpoint(
        public_id,
        body,
        version,
        request,
        acting_as(seen, organization),
        database(request),
        await temporal(request),
        app_settings(request),
    )


async def _edit(request: Request, seen: Viewer, public_id: str, form: FormData) -> Response:
    """The URL, the events, the partners and the schema versions, as PATCH /v1/webhooks/{id}
    changes them, from a form read at the version it carries (the status stays with the pause
    button, the secret with a new endpoint)."""
    endpoint, organization = await _endpoint(request, seen, public_id)
    before = WebhookEndpointOut.of(endpoint)
    data, typed = _endpoint_form(form)
    chosen = typed["acceptedSchemaVersions"] = _chosen(form, "acceptedSchemaVersions")
    try:
        version = _version(form, "edit")  # the one it was shown with: a change since is a 409
        errors: dict[str, str] = {}
        if not data["events"]:
            errors["events"] = "choose at least one event type or segment"
        schema_versions = [whole_number(v) for v in chosen]
        if not chosen:
            errors["acceptedSchemaVersions"] = "choose at least one schema version"
        elif None in schema_versions:
            errors["acceptedSchemaVersions"] = "choose among the versions shown"
        data["acceptedSchemaVersions"] = [v for v in schema_versions if v is not None]
        body = build(WebhookEndpointPatch, data, errors)
        row = await _update(request, seen, organization, public_id, body, version)
    except (FormErrors, Problem) as exc:
        status_code, failure = _refused(exc)
        conflict = None
        if isinstance(exc, Problem) and is_conflict(exc):
            partners = await partners_of_organization(database(request), Tenant(organization.id))
            conflict = conflict_of(
                exc,
                "webhook endpoint",
                {k: ", ".join(v) if isinstance(v, list) else v for k, v in typed.items()},
                operator_locale(request),
                {str(p.uuid): p.name for p in partners},
            )
        return await _endpoint_page(
            request,
            seen,
            public_id,
            status_code=status_code,
            failed="edit",
            errors=failure.fields,
            problem=conflict.message if conflict else failure.summary,
            form=typed,  # with the version it was shown with: sent again, refused again
            conflict=conflict,
        )
    after = WebhookEndpointOut.of(row)
    if after == before:
        done = "Nothing to change: the endpoint already had these values."
        return redirect(f"/app/webhooks/{public_id}", done)
    await record(
        request, "webhook.update", "webhook_endpoint", public_id, organization.id, before, after
    )
    return redirect(f"/app/webhooks/{public_id}", "Endpoint updated.")


async def _delete(request: Request, seen: Viewer, public_id: str) -> Response:
    endpoint, organization = await _endpoint(request, seen, public_id)
    before = WebhookEndpointOut.of(endpoint)
    await delete_webhook(public_id, acting_as(seen, organization), database(request))
    await record(
        request, "webhook.delete", "webhook_endpoint", public_id, organization.id, before, None
    )
    return redirect("/app/webhooks", f"Endpoint {public_id} deleted with its delivery history.")


async def _test_fire(request: Request, seen: Viewer, public_id: str, form: FormData) -> Response:
    _, organization = await _endpoint(request, seen, public_id)
    try:
        errors: dict[str, str] = {}
        raw = text(form, "data") or "{}"
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, too many digits, nested too deep
            payload = None
        found = json_problems(raw.encode())  # what the API's strict decoder refuses
        too_deep = any(e["message"] == TOO_DEEP for e in found)
        if not isinstance(payload, dict) and not too_deep:
            errors["data"] = 'must be a JSON object, e.g. {"orderUuid": "..."}'
        elif found:
            errors["data"] = "; ".join(
                e["message"] if e["field"] == "body" else f"{e['field']} {e['message']}"
                for e in found[:3]
            )
        # a refused payload is not validated again: the form names what is wrong with it
        kept = payload if isinstance(payload, dict) and "data" not in errors else {}
        data: dict[str, Any] = {"eventType": text(form, "eventType"), "data": kept}
        if partner := text(form, "partnerId"):
            data["partnerId"] = partner
        body = build(TestFire, data, errors)
        delivery = await queue_test_fire(
            public_id,
            body,
            request,
            acting_as(seen, organization),
            database(request),
            await temporal(request),
            app_settings(request),
            WEB_APP,
        )
    except (FormErrors, Problem) as exc:
        status_code, failure = _refused(exc)
        return await _endpoint_page(
            request,
            seen,
            public_id,
            status_code=status_code,
            failed="test",
            errors=failure.fields,
            problem=failure.summary,
            form=values(form),
        )
    await record(
        request,
        "webhook.test",
        "webhook_delivery",
        delivery.public_id,
        organization.id,
        None,
        DeliveryOut.of(delivery),
    )
    return redirect(
        f"/app/webhooks/{public_id}", f"Test event {body.eventType} queued for delivery."
    )


@router.post("/webhooks/{public_id}/deliveries/{delivery_id}/replay")
async def replay(
    public_id: str,
    delivery_id: str,
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    _, organization = await _endpoint(request, seen, public_id)
    page, flash = f"/app/webhooks/{public_id}", "Replay queued: the same event, signed afresh."
    # the form sent again (a double click, the browser's resend) queues no second replay, as
    # the API's Idempotency-Key does for its clients; a new rendering of the page replays anew
    async with first_sending(request, organization.id, form) as first:
        if not first:
            return redirect(page, f"{SENT_ALREADY} {flash}")
        answer = await replay_delivery(
            public_id,
            delivery_id,
            acting_as(seen, organization),
            database(request),
            await temporal(request),
            app_settings(request),
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
    return redirect(page, flash)


@router.get("/events")
async def events(request: Request, seen: SignedIn) -> Response:
    q = request.query_params
    only = EventListFilter(
        type=q["type"] if q.get("type") in EVENT_TYPES else None,
        source=q["source"] if q.get("source") in tuple(ChangeSource) else None,
        before_sequence=whole_number(q.get("before"), INT64),
    )
    rows = await latest_events(database(request), seen, only, PAGE_SIZE)
    return render(
        request,
        "events.html",
        events=rows,
        types=list(EVENT_TYPES),
        sources=list(ChangeSource),
        filters=dict(q),
        older=rows[-1][0].sequence if len(rows) == PAGE_SIZE else None,
    )


def event_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue for the endpoint form: per segment its wildcard and its types, each type
    with when it fires."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, event in EVENT_TYPES.items():
        groups.setdefault(name.split(".")[0], []).append((name, event.fires_when))
    return list(groups.items())
