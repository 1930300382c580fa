"""The buyer's invoice as a PDF, attached to every dunning letter.

Its input is a plain snapshot read from the database by the letter's activity; rendering
reads nothing else. Like the Export File it renders in reportlab's invariant mode with the
snapshot's time as the creation date, so the same snapshot gives the same bytes (the letter
row keeps their sha256). Fonts, tables and styles are the Export File's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from activities.orders.export_file_pdf import (
    _SUBTITLE,
    _TITLE,
    _facts,
    _paragraph,
    _section,
    _table,
    format_date,
    format_money,
    format_timestamp,
    render_a4,
)
from workflows.money import Money


@dataclass(frozen=True)
class InvoiceLineFacts:
    product_id: str
    product_name: str
    quantity: int
    tax_rate: str  # "21.00"
    unit_price_incl_tax: int  # cents
    total_excl_tax: int
    total_incl_tax: int


@dataclass(frozen=True)
class InvoiceDiscountFacts:
    """The part of the order's discount the invoice's capture took: its total is its lines
    less this."""

    description: str
    amount_excl_tax: int  # cents
    amount_incl_tax: int


@dataclass(frozen=True)
class InvoicePdfContent:
    payment_reference: str
    invoice_uuid: str
    external_invoice_uid: str | None
    currency: str
    issued_at: datetime
    due_at: datetime
    seller_name: str
    seller_country: str
    seller_vat_number: str | None
    buyer_name: str
    buyer_vat_number: str | None
    buyer_registration_number: str | None
    billing_address: tuple[str, ...]  # printed lines
    representative: str
    lines: tuple[InvoiceLineFacts, ...]
    total_excl_tax: int
    total_tax: int
    total_incl_tax: int
    refunded: int
    paid: int
    outstanding: int
    account_holder: str
    iban: str
    bic: str
    generated_at: datetime  # the letter's time: the PDF's creation date
    discount: InvoiceDiscountFacts | None = None


def render_invoice_pdf(content: InvoicePdfContent) -> bytes:
    return render_a4(
        lambda: _story(content),
        title=f"Invoice {content.payment_reference}",
        author=content.account_holder,
        subject=f"Invoice of {content.seller_name} to {content.buyer_name}",
        footer=(
            f"Invoice {content.payment_reference}  ·  pay to {content.iban}  ·  "
            f"as of {format_timestamp(content.generated_at)}"
        ),
        created=content.generated_at,
    )


def _money(cents: int, content: InvoicePdfContent) -> str:
    return format_money(Money(cents, content.currency))


def _story(content: InvoicePdfContent) -> list[Flowable]:
    money = partial(_money, content=content)
    parties = [
        ("Seller", content.seller_name),
        ("Seller country", content.seller_country),
        ("Seller VAT number", content.seller_vat_number or "-"),
        ("Buyer", content.buyer_name),
        ("Buyer VAT number", content.buyer_vat_number or "-"),
        ("Buyer registration no.", content.buyer_registration_number or "-"),
        ("Billing address", ", ".join(content.billing_address) or "-"),
        ("Attention of", content.representative),
    ]
    invoice = [
        ("Payment reference", content.payment_reference),
        ("Seller's invoice number", content.external_invoice_uid or "-"),
        ("Invoice date", format_date(content.issued_at.date())),
        ("Due date", format_date(content.due_at.date())),
    ]
    rows: list[list[Any]] = [
        [
            line.product_id,
            line.product_name,
            str(line.quantity),
            f"{line.tax_rate} %",
            money(line.unit_price_incl_tax),
            money(line.total_excl_tax),
            money(line.total_incl_tax),
        ]
        for line in content.lines
    ]
    if content.discount is not None:  # so that the lines add up to the totals below
        discount = content.discount
        rows.append(
            [
                "",
                f"Discount: {discount.description}" if discount.description else "Discount",
                "",
                "",
                "",
                money(-discount.amount_excl_tax),
                money(-discount.amount_incl_tax),
            ]
        )
    totals = [
        ("Total excl. tax", money(content.total_excl_tax)),
        ("Tax", money(content.total_tax)),
        ("Total incl. tax", money(content.total_incl_tax)),
        ("Credit notes", money(-content.refunded)),
        ("Paid", money(-content.paid)),
        ("Outstanding", money(content.outstanding)),
    ]
    payment = [
        ("Account holder", content.account_holder),
        ("IBAN", content.iban),
        ("BIC", content.bic),
        ("Reference", content.payment_reference),
    ]
    return [
        _paragraph(f"Invoice {content.payment_reference}", _TITLE),
        _paragraph(f"{content.seller_name} to {content.buyer_name}", _SUBTITLE),
        _facts(invoice),
        Spacer(1, 4 * mm),
        *_section("Parties", _facts(parties)),
        *_section(
            "Lines",
            _table(
                ("Product", "Name", "Qty", "Tax", "Unit incl. tax", "Excl. tax", "Incl. tax"),
                rows,
                (60, 143, 30, 45, 75, 70, 70),
            ),
        ),
        *_section("Totals", _facts(totals)),
        *_section(
            "How to pay",
            _paragraph(
                "Please transfer the outstanding amount to the account below, quoting the "
                "payment reference so that your payment is matched to this invoice."
            ),
            _facts(payment),
        ),
    ]
