"""The hosted payment page: the buyer's representative sees the order and confirms it.

``GET /pay/{token}/`` (the order's link token, store/payments/page_link.py, never its uuid)
renders who the buyer deals with (the platform's legal entity, for the seller), the buyer's
company and representative, the lines with unit prices and VAT and the totals, in the order's
locale: its texts from the gettext catalogues (``store/i18n.py``: German, French, Dutch,
English as fallback), its amounts and numbers formatted for the full locale (``nl_BE``,
``de_AT``). A notice says that confirming runs a credit check and links to the privacy notice
(``/pay/privacy`` unless ``NT24_PRIVACY_NOTICE_URL`` names another). The page loads nothing
from elsewhere and runs no script; its stylesheet and icon are served under ``/pay/assets/``.
The form posts back with the order's own anti-forgery token (a cross-site form cannot read
it), the order's workflow runs the credit check, and the buyer is redirected (302) to the
request's ``seller_urls``: ``success_url`` when accepted, ``error_url`` when rejected or failed,
``cancel_url`` when the buyer cancels, ``pending_url`` (else ``success_url``) while pending.
Without such a URL the page itself says how it went. Once the order is no longer pending the
page shows only how it went: no buyer, no lines, no totals, whoever opens the link later.
A problem on these paths (a link no order has, a form that is not the order's, the database
away) is a page too, in the language the browser asks for (``problem_page``).
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import FileSystemLoader
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

from api.notyd.payments.common import order_command
from api.notyd.payments.web_urls import web_origin
from api.shared.deps import Db, Temporal, app_settings
from api.shared.errors import Problem
from settings import Settings
from store import i18n
from store.db import Database
from store.i18n import BuyerLocale
from store.models import PaymentOrder
from store.payments.queries import order_on_payment_page
from workflows.payments.payment_order import PaymentOrderWorkflow
from workflows.payments.payment_order_model import CancelOrder, ConfirmOrder

router = APIRouter(prefix="/pay", tags=["Hosted payment page"])
TEMPLATES = FileSystemLoader(Path(__file__).resolve().parent / "templates")
ASSETS = Path(__file__).resolve().parents[3] / "store" / "templates" / "buyer"
ASSET_TYPES = {"buyer.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml"}


def status_text(t: BuyerLocale, status: str) -> str:
    return {
        "accepted": t.gettext("Your order is accepted. You will receive the invoice by e-mail."),
        "rejected": t.gettext("We cannot offer payment by invoice for this order."),
        "failed": t.gettext("The order could not be checked. Please try again later."),
        "cancelled": t.gettext("The order was cancelled."),
        "expired": t.gettext("This payment link has expired."),
    }.get(status) or t.gettext("This order is already being processed.")


def page_headers(form_targets: list[str] | None = None) -> dict[str, str]:
    """A strict policy for the buyer's pages: nothing but the platform's own stylesheet and
    icon, no script at all, forms posted to the page itself (and, after the 302, to the
    seller's own pages), never framed."""
    sources = " ".join(["'self'", *sorted(set(form_targets or []))])
    return {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'self'; img-src 'self'; "
            f"form-action {sources}; frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


async def _order(db: Database, token: str) -> PaymentOrder:
    order = await order_on_payment_page(db, token)
    if order is None:
        # the link's token is a credential: not echoed
        raise Problem("not-found", "No payment page has this link.")
    return order


def render(order: PaymentOrder, request: Request) -> HTMLResponse:
    settings = app_settings(request)
    t = BuyerLocale(order.locale)
    common = {
        "seller": order.partner.name,
        "status_text": status_text(t, order.status),
        "legal_entity": settings.platform_legal_name,
        "legal_address": settings.platform_legal_address,
        "contact": settings.buyer_contact_email,
        "privacy_url": privacy_url(settings, t),
    }
    targets = [web_origin(str(url)) for url in (order.seller_urls or {}).values() if url]
    headers = page_headers([t for t in targets if t])
    if order.status != "pending":
        # decided, cancelled or expired: the link shows how it went, not whose order it was
        body = i18n.render(TEMPLATES, "payment_page.html", t, open=False, **common)
        return HTMLResponse(body, headers=headers)
    currency = order.currency
    person = order.buyer_representative
    company = order.buyer_company
    discount = (order.discount or {}).get("amount_incl_tax", 0)
    body = i18n.render(
        TEMPLATES,
        "payment_page.html",
        t,
        open=True,
        order=order,
        company=company.get("name") or company.get("registration_number"),
        person=" ".join(p for p in (person.get("first_name"), person.get("last_name")) if p),
        lines=[
            {
                "name": line.product_name,
                "quantity": t.number(line.quantity),
                "unit_price": t.money(line.product_price_incl_tax, currency),
                "rate": t.rate(line.product_tax_rate_percentage),
                "total": t.money(line.product_price_incl_tax * line.quantity, currency),
            }
            for line in sorted(order.lines, key=lambda line: line.position)
        ],
        discount=t.money(discount, currency) if discount else None,
        totals={
            "excl": t.money(order.total_amount_excl_tax, currency),
            "tax": t.money(order.total_amount_tax, currency),
            "incl": t.money(order.total_amount_incl_tax, currency),
        },
        days=order.payment_terms_days,
        action=str(request.url.path),
        csrf_token=order.page_token,
        **common,
    )
    return HTMLResponse(body, headers=headers)


def problem_heading(t: BuyerLocale, status: int) -> str:
    """What a buyer's page says first about a problem of this status."""
    if status == 404:
        return t.gettext("This link is not valid")
    if status == 413:
        return t.gettext("The file is too large")
    if status >= 500:
        return t.gettext("The page is not available right now. Please try again later.")
    return t.gettext("This did not work")


def problem_message(problem: Problem) -> str:
    """The check's own words, with each field it names (English, as the API's)."""
    return " ".join(
        [problem.detail, *(f"{e['field']}: {e['message']}" for e in problem.errors or [])]
    )


def problem_page(request: Request, problem: Problem) -> Response:
    """A problem met on the payment page's paths, in words, in the language the buyer's browser
    asks for: which order the link was meant for is not known here."""
    settings = app_settings(request)
    t = BuyerLocale.for_browser(request.headers.get("accept-language"))
    body = i18n.render(
        TEMPLATES,
        "payment_problem.html",
        t,
        heading=problem_heading(t, problem.status),
        message=problem_message(problem),
        legal_entity=settings.platform_legal_name,
        legal_address=settings.platform_legal_address,
        contact=settings.buyer_contact_email,
        privacy_url=privacy_url(settings, t),
    )
    return HTMLResponse(body, status_code=problem.status, headers=page_headers() | problem.headers)


def privacy_url(settings: Settings, t: BuyerLocale) -> str:
    if settings.privacy_notice_url:
        return settings.privacy_notice_url
    return f"{settings.effective_privacy_notice_url}?lang={t.lang}"


@router.get("/assets/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    """The buyer pages' stylesheet and icon (the self-service page uses them too)."""
    if name not in ASSET_TYPES:
        raise Problem("not-found", f"No asset {name}.")
    return Response(
        (ASSETS / name).read_bytes(),
        media_type=ASSET_TYPES[name],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/privacy", response_class=HTMLResponse, include_in_schema=False)
async def privacy_notice(request: Request, lang: str = "en") -> HTMLResponse:
    """The platform's short privacy notice the payment page links to, in ``lang``."""
    settings = app_settings(request)
    t = BuyerLocale(i18n.language_of(lang))
    body = i18n.render(
        TEMPLATES,
        "privacy.html",
        t,
        legal_entity=settings.platform_legal_name,
        legal_address=settings.platform_legal_address,
        contact=settings.buyer_contact_email,
    )
    return HTMLResponse(body, headers=page_headers())


# the link's token (store/payments/page_link.py): the only credential of the page
LinkToken = Annotated[
    str,
    PathParam(
        description="The token of the order request's `payment_page_url`; an order's uuid "
        "names only the page of an order created before payment pages had a token of their own"
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "not-found: no payment page has this link"}
}


@router.get(
    "/{token}/",
    response_class=HTMLResponse,
    summary="The hosted payment page",
    responses=NOT_FOUND,
)
async def payment_page(token: LinkToken, request: Request, db: Db) -> HTMLResponse:
    return render(await _order(db, token), request)


def _redirect_target(order: PaymentOrder, status: str) -> str | None:
    urls: dict[str, Any] = order.seller_urls or {}
    match status:
        case "accepted":
            return urls.get("success_url")
        case "rejected" | "failed" | "expired":
            return urls.get("error_url")
        case "cancelled":
            return urls.get("cancel_url")
        case _:
            return urls.get("pending_url") or urls.get("success_url")


def _still_running(problem: Problem) -> bool:
    """The 503 of a command whose deadline passed while the workflow ran it (``run_command``),
    not of a workflow service that could not be reached."""
    return problem.status == 503 and isinstance(
        problem.__cause__, TimeoutError | WorkflowUpdateRPCTimeoutOrCancelledError
    )


@router.post(
    "/{token}/",
    # the page again when the seller gave no URL for the outcome
    response_class=HTMLResponse,
    summary="Confirm or cancel on the hosted payment page",
    responses={
        302: {"description": "Back to the seller's URL for the outcome"},
        403: {"description": "forbidden: the form is not this order's (its csrf_token)"},
        **NOT_FOUND,
    },
)
async def submit_payment_page(
    token: LinkToken,
    request: Request,
    csrf_token: Annotated[str, Form()],
    action: Annotated[str, Form(pattern="^(confirm|cancel)$")],
    db: Db,
    client: Temporal,
) -> Response:
    order = await _order(db, token)
    if not hmac.compare_digest(csrf_token.encode(), order.page_token.encode()):
        raise Problem("forbidden", "The form is not this order's: reload the payment page.")
    if order.status == "pending":
        command = ConfirmOrder() if action == "confirm" else CancelOrder(by_buyer=True)
        update = (
            PaymentOrderWorkflow.confirm if action == "confirm" else PaymentOrderWorkflow.cancel
        )
        try:
            await order_command(client, order, update, command)
        except Problem as problem:
            # 409: another request decided the order first. A command still running at the
            # command deadline (a credit check outlasting it) is being decided: both answer
            # with the order as it now is, a pending one with pending_url (else success_url)
            if problem.status != 409 and not _still_running(problem):
                raise
    order = await _order(db, token)
    target = _redirect_target(order, order.status)
    if target:
        return RedirectResponse(target, status_code=302)
    return render(order, request)
