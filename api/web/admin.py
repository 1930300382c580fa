"""Administration: organizations, their partners, capabilities, DPA acceptance, API clients and
users; staff manage every organization, a user sees (and keeps the API clients and DPA of) its
own. The same store functions as the admin command line do the work; staff browse the audit
log here too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData

from api.nt24.identity.auth import dpa_accepted
from api.nt24.values import country_code
from api.shared.deps import app_settings, database
from api.shared.errors import Problem
from api.web.conflicts import Conflict, comparison
from api.web.core import (
    FormErrors,
    PostedForm,
    SignedIn,
    StaffOnly,
    Viewer,
    WebRoute,
    before_the_dpa,
    checked,
    parse_uuid,
    record,
    redirect,
    render,
    text,
    values,
    whole_number,
)
from api.web.l10n import operator_locale
from store.identity import api_clients, identity
from store.identity.identity import FLAGS, TIERS, organization_view
from store.identity.queries import (
    live_api_client,
    live_api_clients,
    organization_by_id,
    organization_by_uuid,
    organizations_by_name,
    partner_in_organization,
    partners_of_organization,
    users_by_username,
)
from store.identity.tenancy import Tenant
from store.models import (
    ApiClient,
    Organization,
    Partner,
    User,
    utcnow,
)
from store.web import AuditEntry, AuditFilter, audit_entries, audit_subject_names
from workflows.buyers.rules.vat_numbers import InvalidVatNumber, normalize_vat_number

router = APIRouter(prefix="/app", route_class=WebRoute, include_in_schema=False)
MIN_PASSWORD = 8


@router.get("/admin")
@before_the_dpa
async def organizations(request: Request, seen: SignedIn) -> Response:
    if not seen.is_staff:
        org = await organization_by_id(database(request), seen.organization_id)
        assert org is not None
        return redirect(f"/app/admin/organizations/{org.uuid}")
    orgs = await organizations_by_name(database(request))
    return render(request, "admin_orgs.html", organizations=orgs, form={}, errors={})


@router.post("/admin/organizations")
async def create_organization(
    request: Request,
    seen: StaffOnly,
    form: PostedForm,
) -> Response:
    try:
        name = text(form, "name", fits=Organization.name)
        if not name:
            raise FormErrors({"name": "is required"})
        async with database(request).transaction() as session:
            org = await identity.create_organization(
                session,
                name,
                allow_marketplace_led_kyc=checked(form, "allow_marketplace_led_kyc"),
                allow_multi_vin_orders=checked(form, "allow_multi_vin_orders"),
            )
    except (FormErrors, IntegrityError) as exc:
        fields = exc.fields if isinstance(exc, FormErrors) else {"name": "is taken already"}
        orgs = await organizations_by_name(database(request))
        return render(
            request,
            "admin_orgs.html",
            status_code=422,
            organizations=orgs,
            form=values(form),
            errors=fields,
        )
    await record(
        request,
        "organization.create",
        "organization",
        str(org.uuid),
        org.id,
        None,
        organization_view(org),
    )
    return redirect(f"/app/admin/organizations/{org.uuid}", "Organization created.")


async def _organization(request: Request, seen: Viewer, uuid: str) -> Organization:
    org = await organization_by_uuid(database(request), parse_uuid(uuid))
    if org is None or not seen.may_see(org.id):
        raise Problem("not-found", f"Organization {uuid} was not found.")
    return org


@router.get("/admin/organizations/{uuid}")
@before_the_dpa
async def organization_page(uuid: str, request: Request, seen: SignedIn) -> Response:
    org = await _organization(request, seen, uuid)
    return await _organization_page(request, org)


async def _organization_page(
    request: Request,
    org: Organization,
    *,
    status_code: int = 200,
    failed: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    secret: dict[str, str] | None = None,
    conflict: Conflict | None = None,
) -> Response:
    db = database(request)
    partners = await partners_of_organization(db, Tenant(org.id))
    clients = await live_api_clients(db, org.id)
    users = await users_by_username(db, org.id)
    settings = app_settings(request)
    return render(
        request,
        "admin_org.html",
        status_code=status_code,
        org=org,
        partners=partners,
        partner_choices=[(str(p.uuid), p.name) for p in partners],
        partner_names={p.id: p.name for p in partners},
        clients=clients,
        users=users,
        flags=FLAGS,
        tiers=TIERS,
        capabilities=_capabilities(org),
        conflict=conflict,
        dpa_current=settings.dpa_current_version,
        dpa_accepted=dpa_accepted(org, settings),
        failed=failed,
        errors=errors or {},
        form=form or {},
        secret=secret,
    )


# Who may do what on an organization's page: staff everything, its users their API clients
# and the DPA; a user of another organization never gets this far (404).
_STAFF_ONLY = {"capabilities", "partners", "users"}


@router.post("/admin/organizations/{uuid}/{action}")
@before_the_dpa
async def organization_action(
    uuid: str,
    action: str,
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    org = await _organization(request, seen, uuid)
    if action in _STAFF_ONLY and not seen.is_staff:
        raise Problem("not-found", "There is no such page.")
    secret: dict[str, str] | None = None
    try:
        async with database(request).transaction() as session:
            # as saved now, never as read before: a merge would write back what was read then
            org = await session.get_one(Organization, org.id, with_for_update=True)
            before: Any = organization_view(org)
            if action == "capabilities":
                changes = _capability_changes(form, _capabilities(org))
                for field, chosen in changes.items():
                    if field == "rateLimitTier":
                        org.rate_limit_tier = chosen
                    else:
                        setattr(org, field, chosen == "on")
                after: Any = organization_view(org)
                done = "Capabilities saved."
            elif action == "dpa":
                version = text(form, "dpaVersion", fits=Organization.dpa_version)
                current = app_settings(request).dpa_current_version
                if not version:
                    raise FormErrors({"dpaVersion": f"is required: the current DPA is {current}"})
                if version != current:
                    # the version the platform offers, never one typed ahead of it: an
                    # acceptance of a later version would satisfy every DPA to come
                    raise FormErrors({"dpaVersion": f"must be the current DPA, {current}"})
                org.dpa_version, org.dpa_accepted_at = version, utcnow()
                after, done = organization_view(org), f"DPA {version} accepted."
            elif action == "partners":
                partner = await _new_partner(session, org, form)
                before, after = None, {"partner": str(partner.uuid), "name": partner.name}
                done = f"Partner {partner.name} added."
            elif action == "api-clients":
                name = text(form, "name", fits=ApiClient.name)
                if not name:
                    raise FormErrors({"name": "is required"})
                created, value = await api_clients.create_api_client(session, org, name)
                before, after = None, {"clientId": created.client_id, "name": name}
                secret = {"clientId": created.client_id, "secret": value}
                done = "API client created: copy its secret now, it is not shown again."
            elif action in _CLIENT_ACTIONS:
                client = await live_api_client(session, org.id, text(form, "clientId") or "")
                if client is None:
                    raise Problem("not-found", "There is no such API client.")
                before = _client_view(client)
                if action == "rotate":
                    grace = _grace_of(form, app_settings(request).client_secret_rotation_grace)
                    value = await api_clients.rotate_secret(session, client, grace)
                    secret = {"clientId": client.client_id, "secret": value}
                    done = "New secret made: copy it now."
                else:
                    _CLIENT_ACTIONS[action](client)
                    done = f"API client {client.client_id}: {_CLIENT_DONE[action]}"
                after = _client_view(client)
            elif action == "users":
                user = await _new_user(session, org, form)
                before, after = None, {"username": user.username, "uuid": str(user.uuid)}
                if user.partner_id is not None:
                    after["partner"] = text(form, "partner")
                done = f"User {user.username} created."
            else:
                raise Problem("not-found", "There is no such action.")
    except _StaleCapabilities as stale:
        org = await _organization(request, seen, uuid)
        conflict = comparison(
            await _capabilities_saved(request, org),
            "organization",
            stale.mine,
            operator_locale(request),
        )
        return await _organization_page(
            request, org, status_code=409, failed=action, conflict=conflict
        )
    except (FormErrors, IntegrityError) as exc:
        fields = exc.fields if isinstance(exc, FormErrors) else {"name": "is taken already"}
        fields = fields or {"form": getattr(exc, "detail", None) or "could not be saved"}
        org = await _organization(request, seen, uuid)
        return await _organization_page(
            request, org, status_code=422, failed=action, errors=fields, form=values(form)
        )
    target = action if action not in _CLIENT_ACTIONS else _CLIENT_AUDIT[action]
    await record(
        request, target.replace("-", "_"), "organization", str(org.uuid), org.id, before, after
    )
    if secret is not None:
        # shown on this answer only: never stored in clear, never in a redirect or a cookie
        return await _organization_page(request, org, secret=secret)
    return redirect(f"/app/admin/organizations/{org.uuid}", done)


# The capabilities form sends back the values it showed (``shown.<field>``) beside the ones the
# operator chose: only what the operator changed is saved, so a colleague's change made after
# the page was opened stays. A change of the operator's to a field a colleague set otherwise
# meanwhile is refused (409), both values side by side.
_CAPABILITY_FIELDS = (*FLAGS, "rateLimitTier")


def _capabilities(org: Organization) -> dict[str, str]:
    """The capabilities as the form holds them: each box "on" or "off", and the tier."""
    boxes = {flag: "on" if getattr(org, flag) else "off" for flag in FLAGS}
    return boxes | {"rateLimitTier": org.rate_limit_tier}


class _StaleCapabilities(Exception):
    """The operator changed a capability a colleague set otherwise after the page was shown;
    ``mine``: the form that saves the operator's values over the saved ones."""

    def __init__(self, mine: dict[str, str]) -> None:
        super().__init__("changed by someone else meanwhile")
        self.mine = mine


def _capability_changes(form: FormData, saved: dict[str, str]) -> dict[str, str]:
    """What the operator changed on the form, by field, against what it showed them."""
    tier = text(form, "rateLimitTier")
    if tier is not None and tier not in TIERS:
        raise FormErrors({"rateLimitTier": f"must be one of {', '.join(TIERS)}"})
    shown = {name: text(form, f"shown.{name}") for name in _CAPABILITY_FIELDS}
    if None in shown.values():  # none to compare with: what it would save is a guess
        raise FormErrors({"form": "is out of date, it does not say what it showed: reload it"})
    sent = {flag: "on" if checked(form, flag) else "off" for flag in FLAGS}
    sent["rateLimitTier"] = tier or str(shown["rateLimitTier"])
    changes = {name: value for name, value in sent.items() if value != shown[name]}
    if any(saved[name] not in (shown[name], value) for name, value in changes.items()):
        mine = saved | changes
        raise _StaleCapabilities(
            {name: value for name, value in mine.items() if value != "off"}
            | {f"shown.{name}": value for name, value in saved.items()}
        )
    return changes


async def _capabilities_saved(request: Request, org: Organization) -> dict[str, Any]:
    """The organization as saved, with when it last changed by the audit log."""
    async with database(request).session() as session:
        last = await audit_entries(session, AuditFilter(object_id=str(org.uuid)), 1)
    changed = {"updatedAt": last[0][0].created_at.isoformat()} if last else {}
    return organization_view(org) | changed


# An API client's life on its organization's page; each change is audited as api_client.*
_CLIENT_ACTIONS: dict[str, Any] = {
    "rotate": None,
    "end-grace": api_clients.end_grace,
    "client-disable": api_clients.disable,
    "client-enable": api_clients.enable,
    "client-delete": api_clients.delete,
}
_CLIENT_AUDIT = {
    "rotate": "api_client.rotate",
    "end-grace": "api_client.end_grace",
    "client-disable": "api_client.disable",
    "client-enable": "api_client.enable",
    "client-delete": "api_client.delete",
}
_CLIENT_DONE = {
    "end-grace": "only its current secret works now.",
    "client-disable": "disabled; its tokens stopped working.",
    "client-enable": "enabled; it gets new tokens.",
    "client-delete": "deleted; its tokens stopped working.",
}


def _client_view(client: ApiClient) -> dict[str, Any]:
    until = client.previous_secret_expires_at
    return {
        "clientId": client.client_id,
        "active": client.is_active,
        "deleted": client.deleted_at is not None,
        "previousSecretValidUntil": str(until) if until else None,
    }


def _grace_of(form: FormData, default: timedelta) -> timedelta:
    """The rotation's grace period in hours from the form (0: the old secret stops now)."""
    hours = text(form, "graceHours")
    if hours is None:
        return default
    try:
        value = float(hours)
    except ValueError:
        raise FormErrors({"graceHours": "must be a number of hours, 0 or more"}) from None
    if not 0 <= value <= 24 * 30:
        raise FormErrors({"graceHours": "must be between 0 and 720 hours"})
    return timedelta(hours=value)


async def _new_partner(session: Any, org: Organization, form: FormData) -> Partner:
    errors: dict[str, str] = {}
    name = text(form, "name", fits=Partner.name)
    country, vat = "", None
    if not name:
        errors["name"] = "is required"
    try:  # as a buyer's address country is read (api/nt24/values.py)
        country = country_code(text(form, "country") or "") or ""
    except ValueError as exc:
        errors["country"] = str(exc)
    if not country and "country" not in errors:
        errors["country"] = "is required: an ISO 3166-1 alpha-2 country code, such as DE"
    # its column's length first: stdnum's country guess reads a long run of digits as a number
    if raw := text(form, "vatNumber", fits=Partner.vat_number):
        try:
            number = normalize_vat_number(raw)
            vat = number.full
        except InvalidVatNumber as exc:
            errors["vatNumber"] = str(exc)
        else:
            of = country_code(number.country)  # EL, the VAT numbers' Greece, is GR
            if country and of != country:
                errors["vatNumber"] = f"is a VAT number of {of}, not of {country}"
    if errors:
        raise FormErrors(errors)
    assert name is not None
    return await identity.create_partner(
        session,
        org,
        name,
        country,
        vat_number=vat,
        webshop_url=text(form, "webshopUrl", fits=Partner.webshop_url),
    )


async def _new_user(session: Any, org: Organization | None, form: FormData) -> User:
    errors: dict[str, str] = {}
    username = text(form, "username", fits=User.username)
    password = str(form.get("password") or "")
    if not username:
        errors["username"] = "is required"
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"needs at least {MIN_PASSWORD} characters"
    email = text(form, "email", fits=User.email) or ""
    if email:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as exc:
            errors["email"] = f"is not an e-mail address: {exc}"
    partner: Partner | None = None
    if org is not None and (chosen := text(form, "partner")):
        # a seller user belongs to one of this organization's partners (its NOTYD seller
        # profile); a partner of another organization is not one to choose
        try:
            partner = await partner_in_organization(session, Tenant(org.id), UUID(chosen))
        except ValueError:
            partner = None
        if partner is None:
            errors["partner"] = "is not a partner of this organization"
    if errors:
        raise FormErrors(errors)
    assert username is not None
    try:
        async with session.begin_nested():
            return await identity.create_user(
                session,
                username,
                password,
                email=email,
                organization=org,
                partner=partner,
                first_name=text(form, "firstName", fits=User.first_name) or "",
                last_name=text(form, "lastName", fits=User.last_name) or "",
                is_staff=org is None,
            )
    except IntegrityError as exc:
        raise FormErrors({"username": "is taken already"}) from exc


@router.get("/admin/staff")
async def staff_users(request: Request, seen: StaffOnly) -> Response:
    return await _staff_page(request)


async def _staff_page(request: Request, **context: Any) -> Response:
    users = await users_by_username(database(request), None)
    context.setdefault("errors", {})
    context.setdefault("form", {})
    return render(request, "admin_staff.html", users=users, **context)


@router.post("/admin/staff")
async def create_staff(
    request: Request,
    seen: StaffOnly,
    form: PostedForm,
) -> Response:
    try:
        async with database(request).transaction() as session:
            user = await _new_user(session, None, form)
    except FormErrors as exc:
        return await _staff_page(request, status_code=422, errors=exc.fields, form=values(form))
    await record(
        request, "staff.create", "user", str(user.uuid), None, None, {"username": user.username}
    )
    return redirect("/app/admin/staff", f"Staff user {user.username} created.")


@router.get("/audit")
async def audit_log(request: Request, seen: StaffOnly) -> Response:
    q = request.query_params
    only = AuditFilter(
        username=q.get("user") or None,
        object_id=q.get("object") or None,
        action_prefix=q.get("action") or None,
        staff_only=q.get("staff") == "1",
        before_id=whole_number(q.get("before")),
    )
    async with database(request).session() as session:
        rows = await audit_entries(session, only, 50)
        names = await audit_names(session, [row[0] for row in rows])
    return render(
        request,
        "audit.html",
        entries=rows,
        names=names,
        filters=dict(q),
        older=rows[-1][0].id if len(rows) == 50 else None,
    )


async def audit_names(session: Any, entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """What each entry's object is called, for people: an order by its external id and buyer,
    a buyer by its company name and VAT number, an invoice by its payment reference, an
    organization by its name, a user by username. Keyed by (object type, object id)."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        wanted.setdefault(entry.object_type, set()).add(entry.object_id)

    def uuids(kind: str) -> list[UUID]:
        found = []
        for raw in wanted.get(kind, ()):
            try:
                found.append(UUID(raw))
            except ValueError:
                continue
        return found

    names = await audit_subject_names(
        session,
        {kind: uuids(kind) for kind in ("order", "buyer", "invoice", "organization", "user")},
    )
    for public_id in wanted.get("webhook_endpoint", ()):
        names["webhook_endpoint", public_id] = f"Webhook endpoint {public_id}"
    for public_id in wanted.get("webhook_delivery", ()):
        names["webhook_delivery", public_id] = f"Webhook delivery {public_id}"
    return names
