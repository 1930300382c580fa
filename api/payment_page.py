"""The hosted payment page: the buyer's representative sees the order and confirms it.

``GET /pay/{uuid}/`` renders the seller, the lines and the totals in the order's locale (the
language part when the region has no texts of its own; English when neither has). The form
posts back with the order's own anti-forgery token (a cross-site form cannot read it), the
order's workflow runs the credit check, and the buyer is redirected (302) to the request's
``seller_urls``: ``success_url`` when accepted, ``error_url`` when rejected or failed,
``cancel_url`` when the buyer cancels, ``pending_url`` (else ``success_url``) while pending.
Without such a URL the page itself says how it went.
"""

from __future__ import annotations

import hmac
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from temporalio.client import Client

from api.deps import database, temporal
from api.errors import Problem
from api.payment_common import order_command, parse_uuid
from api.payment_views import SYMBOLS
from store.db import Database
from store.models import PaymentOrder
from workflows.payment_order import PaymentOrderWorkflow
from workflows.payment_order_model import CancelOrder, ConfirmOrder

router = APIRouter(prefix="/pay", tags=["Hosted payment page"])
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Pay by invoice",
        "seller": "Seller",
        "order": "order",
        "buyer": "Buyer",
        "product": "Product",
        "quantity": "Qty",
        "price": "Amount",
        "discount": "Discount",
        "excl_tax": "Total excl. tax",
        "tax": "Tax",
        "total": "Total",
        "terms": "You pay the invoice within %s days of shipment.",
        "confirm": "Confirm the order",
        "cancel": "Cancel",
        "accepted": "Your order is accepted. You will receive the invoice by e-mail.",
        "rejected": "We cannot offer payment by invoice for this order.",
        "failed": "The order could not be checked. Please try again later.",
        "cancelled": "The order was cancelled.",
        "expired": "This payment link has expired.",
        "other": "This order is already being processed.",
    },
    "nl": {
        "title": "Betalen op factuur",
        "seller": "Verkoper",
        "order": "bestelling",
        "buyer": "Koper",
        "product": "Product",
        "quantity": "Aantal",
        "price": "Bedrag",
        "discount": "Korting",
        "excl_tax": "Totaal excl. btw",
        "tax": "Btw",
        "total": "Totaal",
        "terms": "U betaalt de factuur binnen %s dagen na verzending.",
        "confirm": "Bestelling bevestigen",
        "cancel": "Annuleren",
        "accepted": "Uw bestelling is geaccepteerd. U ontvangt de factuur per e-mail.",
        "rejected": "Wij kunnen voor deze bestelling geen betaling op factuur aanbieden.",
        "failed": "De bestelling kon niet worden gecontroleerd. Probeer het later opnieuw.",
        "cancelled": "De bestelling is geannuleerd.",
        "expired": "Deze betaallink is verlopen.",
        "other": "Deze bestelling wordt al verwerkt.",
    },
    "de": {
        "title": "Kauf auf Rechnung",
        "seller": "Verkäufer",
        "order": "Bestellung",
        "buyer": "Käufer",
        "product": "Produkt",
        "quantity": "Menge",
        "price": "Betrag",
        "discount": "Rabatt",
        "excl_tax": "Summe netto",
        "tax": "MwSt.",
        "total": "Gesamt",
        "terms": "Sie zahlen die Rechnung innerhalb von %s Tagen nach Versand.",
        "confirm": "Bestellung bestätigen",
        "cancel": "Abbrechen",
        "accepted": "Ihre Bestellung ist angenommen. Die Rechnung erhalten Sie per E-Mail.",
        "rejected": "Für diese Bestellung können wir keinen Kauf auf Rechnung anbieten.",
        "failed": "Die Bestellung konnte nicht geprüft werden. Bitte versuchen Sie es später.",
        "cancelled": "Die Bestellung wurde abgebrochen.",
        "expired": "Dieser Zahlungslink ist abgelaufen.",
        "other": "Diese Bestellung wird bereits bearbeitet.",
    },
    "fr": {
        "title": "Paiement sur facture",
        "seller": "Vendeur",
        "order": "commande",
        "buyer": "Acheteur",
        "product": "Produit",
        "quantity": "Qté",
        "price": "Montant",
        "discount": "Remise",
        "excl_tax": "Total HT",
        "tax": "TVA",
        "total": "Total TTC",
        "terms": "Vous payez la facture dans les %s jours suivant l'expédition.",
        "confirm": "Confirmer la commande",
        "cancel": "Annuler",
        "accepted": "Votre commande est acceptée. Vous recevrez la facture par e-mail.",
        "rejected": "Nous ne pouvons pas proposer le paiement sur facture pour cette commande.",
        "failed": "La commande n'a pas pu être vérifiée. Veuillez réessayer plus tard.",
        "cancelled": "La commande a été annulée.",
        "expired": "Ce lien de paiement a expiré.",
        "other": "Cette commande est déjà en cours de traitement.",
    },
}


def texts_for(locale: str) -> tuple[str, dict[str, str]]:
    """The page's language and texts: the locale, its language, or English."""
    for lang in (locale, locale.split("_")[0], "en"):
        if lang in TEXTS:
            return lang, TEXTS[lang]
    raise AssertionError("English is always there")


def amount(cents: int, currency: str) -> str:
    return f"{SYMBOLS.get(currency, currency)} {Decimal(cents) / 100:,.2f}"


async def _order(db: Database, uuid: str) -> PaymentOrder:
    async with db.session() as session:
        order = await session.scalar(
            select(PaymentOrder)
            .options(selectinload(PaymentOrder.partner), selectinload(PaymentOrder.lines))
            .where(PaymentOrder.uuid == parse_uuid(uuid, "Order"))
        )
    if order is None:
        raise Problem("not-found", f"Order {uuid} was not found.")
    return order


def render(order: PaymentOrder, request: Request) -> HTMLResponse:
    lang, t = texts_for(order.locale)
    currency = order.currency
    person = order.buyer_representative
    company = order.buyer_company
    discount = (order.discount or {}).get("amount_incl_tax", 0)
    body = TEMPLATES.get_template("payment_page.html").render(
        lang=lang.split("_")[0],
        t=t,
        order=order,
        seller=order.partner.name,
        company=company.get("name") or company.get("registration_number"),
        person=f"{person.get('first_name')} {person.get('last_name')}",
        lines=[
            {
                "name": line.product_name,
                "quantity": line.quantity,
                "total": amount(line.product_price_incl_tax * line.quantity, currency),
            }
            for line in order.lines
        ],
        discount=amount(discount, currency) if discount else None,
        totals={
            "excl": amount(order.total_amount_excl_tax, currency),
            "tax": amount(order.total_amount_tax, currency),
            "incl": amount(order.total_amount_incl_tax, currency),
        },
        days=order.payment_terms_days,
        open=order.status == "pending",
        action=str(request.url.path),
        csrf_token=order.page_token,
        status_text=t.get(order.status, t["other"]),
    )
    return HTMLResponse(body)


@router.get("/{uuid}/", response_class=HTMLResponse, summary="The hosted payment page")
async def payment_page(
    uuid: str, request: Request, db: Annotated[Database, Depends(database)]
) -> HTMLResponse:
    return render(await _order(db, uuid), request)


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


@router.post(
    "/{uuid}/",
    summary="Confirm or cancel on the hosted payment page",
    responses={
        302: {"description": "Back to the seller's URL for the outcome"},
        403: {"description": "forbidden: the form is not this order's (its csrf_token)"},
    },
)
async def submit_payment_page(
    uuid: str,
    request: Request,
    csrf_token: Annotated[str, Form()],
    action: Annotated[str, Form(pattern="^(confirm|cancel)$")],
    db: Annotated[Database, Depends(database)],
    client: Annotated[Client, Depends(temporal)],
) -> Response:
    order = await _order(db, uuid)
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
            if problem.status != 409:
                raise
    order = await _order(db, uuid)
    target = _redirect_target(order, order.status)
    if target:
        return RedirectResponse(target, status_code=302)
    return render(order, request)
