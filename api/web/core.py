"""What every page of the web app shares: templates, the signed-in viewer, CSRF, forms, audit.

Pages are rendered on the server with Jinja2; a page works without JavaScript, which only adds
comfort (confirmations, a busy button). Every form carries the session's CSRF token and a POST
without it is refused (403) before anything else runs. Problems raised by the API's own
functions become pages in words, or errors next to the form field they name.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args
from urllib.parse import quote, unquote
from uuid import UUID

from babel import Locale
from babel.numbers import format_decimal
from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import Select
from starlette.datastructures import FormData, UploadFile

from api.nt24.identity.auth import PartnerScope, Principal, dpa_accepted
from api.nt24.orders.documents import IssuerType
from api.shared.deps import app_settings, database
from api.shared.errors import RETRY_AFTER_SECONDS, Problem, dependency_away
from api.shared.idempotency import claim_key, reclaim_key, release_key, request_scope, store_answer
from api.shared.temporal_calls import TEMPORAL_ERRORS, logged_temporal_problem
from api.web.l10n import (
    EXAMPLE,
    AmountError,
    format_amount,
    format_clock,
    format_money,
    operator_locale,
    parse_cents,
)
from api.web.labels import kyc_document_name
from store.identity.tenancy import EVERY_ORGANIZATION, Tenant
from store.models import Organization, Partner, User, utcnow
from store.orders.queries import blockers_holding_up
from store.web import audit, find_session
from store.webhooks.queries import planned_attempt_at
from workflows.change_source import ChangeSource
from workflows.money import Money
from workflows.money_json import money_json

WEB_APP = ChangeSource.WEB_APP  # the ``source`` of every event a web action causes
SESSION_COOKIE = "nt24_session"
FLASH_COOKIE = "nt24_flash"
LOGIN_CSRF_COOKIE = "nt24_login_csrf"
CSRF_FIELD = "csrf_token"

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def _locale(context: Context) -> Locale | str:
    return context.get("locale") or "en"


@pass_context
def _money(context: Context, cents: int | None, currency: str = "EUR") -> str:
    """An amount in the operator's locale: "18.500,00 €" (de), "€18,500.00" (en)."""
    return format_money(cents, currency or "EUR", _locale(context))


@pass_context
def _amount(context: Context, cents: int | None, currency: str = "EUR") -> str:
    """An amount as a form field shows it, in the operator's locale and with the currency's
    decimals: "18.500,00" (de)."""
    return format_amount(cents, _locale(context), currency or "EUR")


@pass_context
def _clock(context: Context, value: datetime | None) -> str:
    return "" if value is None else format_clock(value, _locale(context))


@pass_context
def _count_of(context: Context, n: int | None, one: str, many: str | None = None) -> str:
    """ "1 order", "2 orders", "1.250 orders" (de): the number in the locale, the word in
    the plural it needs (English: one, or many)."""
    n = n or 0
    return f"{format_decimal(n, locale=_locale(context))} {one if n == 1 else many or one + 's'}"


@pass_context
def _example_amount(context: Context) -> str:
    """The forms' hint: how the operator's locale writes 18,500.00."""
    return format_amount(EXAMPLE, _locale(context))


def _when(value: str | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ").lower()


templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters.update(money=_money, amount=_amount, clock=_clock, when=_when, words=_words)
templates.globals.update(example_amount=_example_amount)
templates.filters.update(kyc_document=kyc_document_name, count_of=_count_of)
templates.filters.update(planned_attempt_at=planned_attempt_at)  # a delivery's next try
templates.filters.update(holding_up=blockers_holding_up)  # an order's blockers, while open


class LoginRequired(Exception):
    """No live session: the browser goes to the login page and comes back afterwards."""


class DpaNotAccepted(Exception):
    """An organization's user on a page of its data while the organization has not accepted
    the current DPA: the page that says so, and where to accept it, is shown instead."""

    def __init__(self, organization: Organization) -> None:
        super().__init__(f"organization {organization.uuid} has not accepted the current DPA")
        self.organization = organization


_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])
_BEFORE_THE_DPA = "nt24_reachable_before_the_dpa"


def before_the_dpa(endpoint: _Endpoint) -> _Endpoint:
    """Mark a page an organization's user reaches before its organization has accepted the
    DPA: the organization's own page, where the DPA is accepted, and signing out. Every other
    page that calls ``viewer`` (all but the login page) shows an organization's user its
    organization's data, and the DPA must be accepted first, as the API requires
    (``dpa_accepted``, the one definition of it). Staff are never held back."""
    setattr(endpoint, _BEFORE_THE_DPA, True)
    return endpoint


def _reachable_before_the_dpa(request: Request) -> bool:
    return getattr(request.scope.get("endpoint"), _BEFORE_THE_DPA, False)


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a request: staff see every organization, users only their own."""

    user: User
    csrf_token: str

    @property
    def is_staff(self) -> bool:
        return self.user.is_staff

    @property
    def organization_id(self) -> int | None:
        return self.user.organization_id

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        """A query of ``model`` limited to what this viewer may see (tenancy in one place)."""
        if self.is_staff:
            return EVERY_ORGANIZATION.select(model, *columns)
        assert self.organization_id is not None
        return Tenant(self.organization_id).select(model, *columns)

    def may_see(self, organization_id: int) -> bool:
        return self.is_staff or organization_id == self.organization_id


def acting_as(viewer: Viewer, organization: Organization) -> Principal:
    """The caller the API's functions expect, for a web user acting in ``organization``; its
    actor name (as the PII log shows it) says it was the web app and who."""
    return Principal(
        organization.id,
        organization.uuid,
        f"web:{viewer.user.username}",
        organization.rate_limit_tier,
        organization,
    )


def acting_for(viewer: Viewer, organization: Organization, partner: Partner) -> PartnerScope:
    """``acting_as`` for one of the organization's partners (the API's ``{sellerId}``)."""
    return PartnerScope(acting_as(viewer, organization), partner)


async def viewer(request: Request) -> Viewer:
    """The signed-in viewer (a dependency of every page but the login page); an organization's
    user only once its organization has accepted the DPA, but on the pages ``before_the_dpa``.
    """
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is None:
        cached = await _signed_in(request)
    without_dpa: Organization | None = getattr(request.state, "without_dpa", None)
    if without_dpa is not None and not _reachable_before_the_dpa(request):
        raise DpaNotAccepted(without_dpa)
    return cached


async def _signed_in(request: Request) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    settings = app_settings(request)
    async with database(request).transaction() as session:
        found = await find_session(
            session, token, settings.web_session_ttl, absolute=settings.web_session_absolute_ttl
        )
        user = await session.get(User, found.user_id) if found else None
        organization = (
            await session.get(Organization, user.organization_id)
            if user is not None and not user.is_staff and user.organization_id is not None
            else None
        )
    if found is None or user is None:
        raise LoginRequired
    request.state.viewer = Viewer(user, found.csrf_token)
    # the page that refuses still shows who is signed in, and signs out
    refused = organization is not None and not dpa_accepted(organization, settings)
    request.state.without_dpa = organization if refused else None
    return request.state.viewer


async def staff(request: Request) -> Viewer:
    """Staff only; anyone else is told the page does not exist."""
    seen = await viewer(request)
    if not seen.is_staff:
        raise Problem("not-found", "There is no such page.")
    return seen


async def posted(request: Request) -> FormData:
    """The form of a POST once its CSRF token matches the session's (403 otherwise)."""
    seen = await viewer(request)
    form = await request.form()
    if form.get(CSRF_FIELD) != seen.csrf_token:
        raise Problem("forbidden", "The form has expired or did not come from this site.")
    return form


# A form that moves money or issues a document carries a key of its own rendering: a second
# sending of it (a double click, a browser's resend, a retry over a slow link) is then told from
# a new one, as the API tells a retry by its Idempotency-Key
FORM_KEY_FIELD = "formKey"
_FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _form_key() -> Markup:
    """The hidden field with a new one-time key, for each rendering of such a form."""
    return Markup(
        f'<input type="hidden" name="{FORM_KEY_FIELD}" value="{secrets.token_urlsafe(18)}">'
    )


templates.globals.update(form_key=_form_key)


def form_sending(request: Request, form: FormData) -> str:
    """What names one sending of a form (sha256): its one-time key, where it is sent and what
    it says (another amount typed into the same rendering is another sending, not a resend).
    A form without its key (a page rendered before its forms had one) is named by the session
    it is sent in (its CSRF token, checked already): sent again as it was, it is a resend."""
    key = form.get(FORM_KEY_FIELD)
    if not isinstance(key, str) or not _FORM_KEY.fullmatch(key):
        key = f"session:{form.get(CSRF_FIELD)}"
    fields = sorted(
        (name, value)
        for name, value in form.multi_items()
        if isinstance(value, str) and name not in (CSRF_FIELD, FORM_KEY_FIELD)
    )
    said = json.dumps([request.url.path, key, fields], separators=(",", ":"))
    return hashlib.sha256(f"web-form\n{said}".encode()).hexdigest()


# What the page says when a form is sent again: the first sending's result, nothing done anew
SENT_ALREADY = "This form was sent already; nothing was done again. As it was first sent:"


@asynccontextmanager
async def first_sending(
    request: Request, organization_id: int, form: FormData
) -> AsyncIterator[bool]:
    """Whether this is the first sending of ``form`` (``form_sending``), whose command has no
    key of its own to tell a resend by (a row's unique column, a workflow Update's id). The
    sending is claimed as the API claims an Idempotency-Key, in the same table and for as
    long: True, and the claim is kept once the block is done (released if it fails, so that
    the form sent again runs); False for a sending claimed already, the block to do nothing."""
    db, sending = database(request), form_sending(request, form)
    claim = (
        db,
        organization_id,
        sending,
        request_scope(request.method, request.url.path),
        sending,
        utcnow(),
        app_settings(request).idempotency_abandoned_after,
    )
    # a claim expired or left unfinished by a dead process is taken over, as the API does
    record_id = await claim_key(*claim) or await reclaim_key(*claim)
    if record_id is None:
        yield False
        return
    try:
        yield True
    except BaseException:
        await release_key(db, record_id)
        raise
    await store_answer(db, record_id, 303, {}, b"")


SignedIn = Annotated[Viewer, Depends(viewer)]
StaffOnly = Annotated[Viewer, Depends(staff)]
PostedForm = Annotated[FormData, Depends(posted)]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    seen = getattr(request.state, "viewer", None)
    flash = unquote(request.cookies.get(FLASH_COOKIE) or "") or None
    html = templates.get_template(template).render(
        request=request,
        viewer=seen,
        csrf=Markup(
            f'<input type="hidden" name="{CSRF_FIELD}" value="{seen.csrf_token}">' if seen else ""
        ),
        flash=flash,
        locale=operator_locale(request),
        temporal_ui_url=app_settings(request).temporal_ui_url.rstrip("/"),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if flash:
        secure = app_settings(request).web_secure_cookies
        response.delete_cookie(FLASH_COOKIE, path="/app", secure=secure, httponly=True)
    return response


class FlashRedirect(RedirectResponse):
    """A redirect with a one-time message; its cookie is set by ``WebRoute``, which knows the
    request: Secure where the session cookie is (``web_secure_cookies``)."""

    def __init__(self, url: str, flash: str | None) -> None:
        super().__init__(url, status_code=303)
        self.flash = flash

    def set_flash(self, request: Request) -> None:
        if self.flash:
            # percent-encoded: a cookie is latin-1, and a message may hold "€" or any name
            self.set_cookie(
                FLASH_COOKIE,
                quote(self.flash[:300]),
                path="/app",
                httponly=True,
                samesite="lax",
                secure=app_settings(request).web_secure_cookies,
            )


def redirect(url: str, flash: str | None = None) -> Response:
    """After a successful POST: see the result (303), with a one-time message."""
    return FlashRedirect(url, flash)


def error_page(request: Request, problem: Problem) -> Response:
    """A problem as a page in words, with its headers (a 503's Retry-After)."""
    status, title, detail = problem.status, problem.title, problem.detail
    fields = problem.errors or []
    page = render(
        request, "error.html", status_code=status, title=title, detail=detail, fields=fields
    )
    page.headers.update(problem.headers)
    return page


def dpa_page(request: Request, organization: Organization) -> Response:
    """What an organization's user sees instead of its data until the DPA is accepted (403,
    as the API's ``dpa-not-accepted``): why, and the form on the organization's page."""
    return render(
        request,
        "dpa_required.html",
        status_code=403,
        org=organization,
        dpa_current=app_settings(request).dpa_current_version,
    )


class WebRoute(APIRoute):
    """Routes of the web app: a problem becomes a page in words, a missing session the login."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            answer = await page(request)
            if isinstance(answer, FlashRedirect):
                answer.set_flash(request)
            if answer.status_code == 503:  # a form shown again with a dependency's 503 too
                answer.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
            return answer

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if request.method != "GET":
                    target = "/app"
                return RedirectResponse(f"/app/login?next={quote(target)}", status_code=303)
            except DpaNotAccepted as refused:
                return dpa_page(request, refused.organization)
            except Problem as problem:
                return error_page(request, problem)
            except RequestValidationError:
                return error_page(request, Problem("not-found", "There is no such page."))
            except TEMPORAL_ERRORS as exc:
                return error_page(request, logged_temporal_problem(request, exc))
            except Exception as exc:
                if (away := dependency_away(request, exc)) is None:
                    raise
                return error_page(request, away)

        return handle


# ----- forms -----


class FormErrors(Exception):
    """A form that cannot be sent as it is: errors by field name, or one about the whole form."""

    def __init__(self, fields: dict[str, str] | None = None, detail: str | None = None) -> None:
        super().__init__(detail or "; ".join(f"{k}: {v}" for k, v in (fields or {}).items()))
        self.fields = fields or {}
        self.detail = detail

    @property
    def summary(self) -> str:
        """What the form's problem box says: the detail, or each field's error, so that a
        field the page has no place to mark beside it (an inline form's) is still named."""
        if self.detail:
            return self.detail
        named = "; ".join(f"{field}: {message}" for field, message in self.fields.items())
        return f"Please correct the fields marked below ({named})."

    @classmethod
    def of_problem(cls, problem: Problem) -> FormErrors:
        fields = {e["field"]: e["message"] for e in problem.errors or []}
        return cls(fields, None if fields else problem.detail)

    @classmethod
    def of_validation(cls, error: ValidationError, prefix: str = "") -> FormErrors:
        fields: dict[str, str] = {}
        for item in error.errors(include_url=False):
            path = prefix + ".".join(str(p) for p in item["loc"])
            message = item["msg"].removeprefix("Value error, ")
            fields.setdefault(path or "form", message)
        return cls(fields)


def field_error(errors: dict[str, str], name: str) -> str | None:
    """The error of input ``name``: its own, or one of a field inside it (``amount.value``)."""
    if name in errors:
        return errors[name]
    for key, message in errors.items():
        if key.startswith((f"{name}.", f"{name}[")):
            return message
    return None


def choices(items: Iterable[Any], value: str, label: str) -> list[tuple[str, str]]:
    """(value, label) pairs of a select from objects' attributes."""
    return [(str(getattr(item, value)), str(getattr(item, label))) for item in items]


templates.globals.update(field_error=field_error, choices=choices)


def text(form: FormData, name: str, *, fits: Any = None) -> str | None:
    """A text input, trimmed; empty counts as not given. With ``fits``, the string column it is
    stored in (``Organization.name``), a longer one is an error of the field."""
    value = form.get(name)
    if isinstance(value, UploadFile) or value is None:
        return None
    value = value.strip()
    if fits is not None and len(value) > fits.type.length:
        raise FormErrors({name: f"must be at most {fits.type.length} characters"})
    return value or None


# The whole numbers a query or form field may carry: what the database's integer columns hold
INT32 = 2**31 - 1
INT64 = 2**63 - 1


def whole_number(raw: str | None, at_most: int = INT32) -> int | None:
    """``raw`` as a whole number from 0 to ``at_most``; None for anything else (empty, a sign,
    another script's digits, too large for its column)."""
    if raw is None or not (raw.isascii() and raw.isdigit()):
        return None
    if len(raw.lstrip("0")) > len(str(at_most)):  # before int(): it refuses 4,300 digits
        return None
    value = int(raw)
    return value if value <= at_most else None


def page_number(request: Request) -> int:
    """The page of a list the query asks for (``?page=``); the first when it names none."""
    return max(1, whole_number(request.query_params.get("page")) or 1)


def checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def cents(
    form: FormData,
    name: str,
    errors: dict[str, str],
    locale: Locale | str,
    currency: str = "EUR",
) -> int | None:
    """An amount of ``currency`` typed the way the operator's locale writes it ("18.500,00" in
    German, "18,500.00" in English) as integer minor units; what cannot be read without
    guessing is an error of the field that says how it was read (api/web/l10n.py)."""
    raw = text(form, name)
    if raw is None:
        return None
    try:
        return parse_cents(raw, locale, currency)
    except AmountError as error:
        errors[name] = str(error)
        return None


def money(value: int | None, currency: str = "EUR") -> dict[str, Any] | None:
    """Minor units typed in a form as the API's money input, in the currency the form is in."""
    return None if value is None else money_json(Money(value, currency))


def require(form: FormData, names: Iterable[str], errors: dict[str, str]) -> None:
    """Each of ``names`` typed in. An edit form shows every field filled in: one emptied is a
    mistake to name, not "leave it as it was" (which a PATCH body's absent field means)."""
    for name in names:
        if text(form, name) is None:
            errors.setdefault(name, "is required")


def build(model: Any, data: dict[str, Any], errors: dict[str, str]) -> Any:
    """Validate ``data`` with the API's own input model; errors join those found so far."""
    try:
        built = model.model_validate(data)
    except ValidationError as exc:
        for key, message in FormErrors.of_validation(exc).fields.items():
            errors.setdefault(key, message)
        raise FormErrors(errors) from exc
    if errors:
        raise FormErrors(errors)
    return built


def upload_of(form: FormData, name: str = "file") -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def values(form: FormData) -> dict[str, str]:
    """What was typed, to show the form again with its errors."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


async def record(
    request: Request,
    action: str,
    object_type: str,
    object_id: str,
    organization_id: int | None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Write the audit entry of a web action that has just succeeded."""
    seen = await viewer(request)
    async with database(request).transaction() as session:
        audit(
            session,
            seen.user,
            action,
            object_type,
            object_id,
            organization_id=organization_id,
            before=_jsonable(before),
            after=_jsonable(after),
        )


def _jsonable(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return value
    return {"value": value}


def parse_uuid(raw: str | None) -> UUID:
    """An identifier from a URL or form; anything else names nothing (404)."""
    try:
        return UUID(raw or "")
    except ValueError as exc:
        raise Problem("not-found", f"{raw} is not a known identifier.") from exc


ISSUER_TYPES = list(get_args(IssuerType))
