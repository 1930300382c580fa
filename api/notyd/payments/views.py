"""NOTYD answers built from the payment read model.

Amounts are integer cents; ``*_in_currency_units`` are cents / 100 as a JSON number (all three
currencies have two minor units), computed through ``Decimal``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from api.notyd.payments.schemas import Currency, Locale
from store.models import (
    Partner,
    PaymentInvoice,
    PaymentInvoiceLine,
    PaymentOrder,
    PaymentOrderLine,
    PaymentRefund,
)
from workflows.payments.rules.amounts import rate_text
from workflows.payments.rules.dunning import DUNNING_LABELS, DunningStatus
from workflows.payments.rules.invoice_money import PAYMENT_STATUS_LABELS, PaymentStatus
from workflows.payments.rules.orders import STATUS_LABELS, STATUSES

SYMBOLS = {"EUR": "€", "GBP": "£", "DKK": "kr."}
ADDRESS_KEYS = (
    "street",
    "house_number",
    "house_number_suffix",
    "street_address_1",
    "street_address_2",
    "region",
    "city",
    "postal_code",
    "country",
)

# The answers' shapes, as /openapi.json declares them. Every route answers through one of
# these (``response_model``), so what a view below builds is checked against it: a key that
# is not declared here, or a value of the wrong type, fails instead of reaching a client.

Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Units = Annotated[int | float, WithJsonSchema({"type": "number"})]  # cents / 100
Rate = Annotated[str, Field(pattern=r"^\d{1,2}\.\d{2}$", examples=["21.00"])]
if TYPE_CHECKING:  # a type checker cannot read a Literal made at run time: the values' types
    OrderStatusValue = str
    PaymentStatusValue = str
    DunningStatusValue = int
else:  # the values themselves, as an enum in /openapi.json
    OrderStatusValue = Literal[STATUSES]
    PaymentStatusValue = Literal[tuple(s.value for s in PaymentStatus)]
    DunningStatusValue = Literal[tuple(int(c) for c in DunningStatus)]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoneyOut(Answer):
    currency: Currency
    value: int
    value_in_currency_units: Units
    symbol: str


class OrderStatusOut(Answer):
    name: str
    value: OrderStatusValue


class PaymentStatusOut(Answer):
    name: str
    value: PaymentStatusValue


class DunningStatusOut(Answer):
    name: str
    value: DunningStatusValue


class AddressOut(Answer):
    """All nine keys, ``null`` where nothing was given: an address always has the same shape."""

    street: str | None
    house_number: str | None
    house_number_suffix: str | None
    street_address_1: str | None
    street_address_2: str | None
    region: str | None
    city: str | None
    postal_code: str | None
    country: str | None


class DiscountOut(Answer):
    description: str
    amount_incl_tax: int
    amount_excl_tax: int
    amount_tax: int


class CompanyOut(Answer):
    """The buyer (``company``) and the ``seller`` of an order or invoice, nested in full."""

    uuid: str
    name: str | None
    vat_number: str | None
    registration_number: str | None
    website: str | None
    country: str | None
    created_at: Timestamp | None
    updated_at: Timestamp | None


class BuyerCompanyOut(Answer):
    """The order request's ``buyer_company``, echoed."""

    name: str | None
    registration_number: str | None
    vat_number: str | None
    website: str | None
    country: str | None


class RepresentativeOut(Answer):
    first_name: str
    last_name: str
    email: str
    phone_number: str | None


class SellerUrlsOut(Answer):
    success_url: str | None
    error_url: str | None
    cancel_url: str | None
    pending_url: str | None


class WebhookUrlsOut(Answer):
    webhook_url: str | None


class OrderLineOut(Answer):
    quantity: int
    product_id: str
    product_name: str
    product_description: str | None
    product_price_excl_tax: int
    product_price_incl_tax: int
    product_tax_rate_percentage: Rate


class OrderRequestOut(Answer):
    """The 201 of ``POST order-request/``."""

    uuid: str
    created_at: Timestamp
    updated_at: Timestamp
    external_webshop_uid: str | None
    external_order_uid: str
    total_amount_incl_tax: int
    total_amount_excl_tax: int
    total_amount_tax: int
    currency: Currency
    order_lines: list[OrderLineOut]
    discount: DiscountOut | None
    buyer_company: BuyerCompanyOut
    buyer_representative: RepresentativeOut
    shipping_address: AddressOut
    billing_address: AddressOut
    locale: Locale
    payment_link_duration: Literal[900, 86400, 604800]
    seller_urls: SellerUrlsOut | None
    webhook_urls: WebhookUrlsOut | None
    order_request_label: str | None
    amount: int
    payment_page_url: str


class ActionsOut(Answer):
    cancel: bool
    capture: bool
    refund: bool
    update: bool


class SplitOut(Answer):
    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    time: Annotated[str, Field(pattern=r"^\d{2}:\d{2}:\d{2}$")]


class InvoiceSummaryOut(Answer):
    """An order's ``invoices[]``: each invoice its capture created, in order."""

    uuid: str
    external_invoice_uid: str | None
    invoice_url: str | None
    payment_reference: str
    payment_status: PaymentStatusOut
    dunning_status: DunningStatusOut
    value: MoneyOut
    due_date: Timestamp
    created_at: Timestamp


class PaymentOrderOut(Answer):
    """``GET orders/{uuid}/`` and each result of ``GET orders/``."""

    uuid: str
    external_order_uid: str
    external_webshop_uid: str | None
    company: CompanyOut
    seller: CompanyOut
    value: MoneyOut
    status: OrderStatusOut
    actions: ActionsOut
    created_at: Timestamp
    updated_at: Timestamp
    created_at_split: SplitOut
    updated_at_split: SplitOut
    total_amount_incl_tax: int
    total_amount_excl_tax: int
    total_amount_tax: int
    amount: int
    currency: Currency
    locale: Locale
    payment_terms_days: int
    order_lines: list[OrderLineOut]
    shipping_address: AddressOut
    billing_address: AddressOut
    discount: DiscountOut | None
    representative: RepresentativeOut
    invoices: list[InvoiceSummaryOut]
    payment_page_url: str


class InvoiceLineOut(Answer):
    """An invoice's ``invoice_lines[]``: the captured lines with their amounts in cents."""

    id: int
    product_id: str
    product_name: str
    product_description: str | None
    quantity: int
    product_tax_rate_percentage: Rate
    product_price_excl_tax: int
    product_price_excl_tax_in_currency_units: Units
    product_price_incl_tax: int
    product_price_incl_tax_in_currency_units: Units
    total_product_price_excl_tax: int
    total_product_price_excl_tax_in_currency_units: Units
    total_product_price_incl_tax: int
    total_product_price_incl_tax_in_currency_units: Units
    tax: int
    tax_in_currency_units: Units
    currency: Currency
    symbol: str


class RefundableInvoiceLineOut(InvoiceLineOut):
    """A line of ``refundable_invoices``: what is left to refund of each invoice."""

    refundable_quantity: int
    total_refundable_amount_excl_tax: int
    total_refundable_amount_excl_tax_in_currency_units: Units
    total_refundable_amount_incl_tax: int
    total_refundable_amount_incl_tax_in_currency_units: Units


class RefundLineOut(Answer):
    product_id: str
    quantity: int
    total_amount_incl_tax: int
    total_amount_excl_tax: int
    description: str


class CreditNoteOut(Answer):
    """A credit note: ``refunds[]`` of the refund answer and of an invoice (a refund by amount
    names no lines)."""

    uuid: str
    external_refund_uid: str
    invoice: str
    refund_lines: list[RefundLineOut]
    amount: int
    total_amount_incl_tax: int
    total_amount_excl_tax: int
    total_amount_tax: int
    description: str
    discount: DiscountOut | None  # the invoice's discount the refund_lines' sum is less of
    created_at: Timestamp


class InvoiceTaxOut(Answer):
    tax: int
    tax_in_currency_units: Units


class PaymentInvoiceOut(Answer):
    """``GET invoices/{uuid}/``, its PATCH and each result of ``GET invoices/``."""

    id: str
    uuid: str
    external_invoice_uid: str | None
    invoice_url: str | None
    payment_reference: str
    payment_status: PaymentStatusOut
    closed_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    on_hold: bool | None
    on_hold_at: Timestamp | None
    order_uuid: str
    due_date: Timestamp
    payment_terms_days: int
    company: CompanyOut
    seller: CompanyOut
    dunning_status: DunningStatusOut
    value: MoneyOut
    total_amount_incl_tax: int
    total_amount_excl_tax: int
    total_amount_tax: int
    refunds: list[CreditNoteOut]
    total_due_excl_tax_in_currency_units: Units
    tax: InvoiceTaxOut
    invoice_lines: list[InvoiceLineOut]
    paid_to_seller: bool
    paid_to_seller_settled: bool
    upcoming_payment_reminder_sent: int
    upcoming_payment_reminder_sent_at: Timestamp | None
    invoice_due_sent: int
    invoice_due_sent_at: Timestamp | None
    free_reminder_sent: int
    free_reminder_sent_at: Timestamp | None
    reminder_1_sent: int
    reminder_1_sent_at: Timestamp | None
    reminder_2_sent: int
    reminder_2_sent_at: Timestamp | None
    last_notice_sent: int
    last_notice_sent_at: Timestamp | None
    representative: RepresentativeOut
    shipping_address: AddressOut
    billing_address: AddressOut
    seller_company_address: AddressOut


class RefundableInvoiceOut(PaymentInvoiceOut):
    """A result of ``refundable_invoices``: the invoice with its lines' refundable rest."""

    invoice_lines: list[RefundableInvoiceLineOut]  # type: ignore[assignment]


class OrderStatusStringOut(Answer):
    """``get_status``: the order's status as a plain JSON string, not an object."""

    status: OrderStatusValue


class OrderActionOut(Answer):
    """The answer of cancel and of an order PATCH."""

    id: str
    description: str


class CaptureOut(Answer):
    id: str
    status: OrderStatusValue
    invoice_uuid: str
    payment_reference: str
    details: str


class RefundOut(Answer):
    id: str
    refunds: list[CreditNoteOut]
    details: str


class CaptureStatusLineOut(Answer):
    product_id: str
    product_name: str
    quantity: int
    product_price_excl_tax: int
    product_price_incl_tax: int
    product_tax_rate_percentage: Rate


class CaptureStatusPartOut(Answer):
    total_amount_incl_tax: int
    total_amount_excl_tax: int
    total_amount_tax: int
    order_lines: list[CaptureStatusLineOut]
    discount: DiscountOut | None


class CaptureStatusOut(Answer):
    """``capture_status``: how much of the order has been captured."""

    uuid: str
    order_amount: int
    uncaptured: CaptureStatusPartOut
    captured: CaptureStatusPartOut


def units(cents: int) -> int | float:
    """Cents as whole currency units: ``48400`` -> ``484``, ``8401`` -> ``84.01``."""
    value = Decimal(cents) / 100
    return int(value) if value == value.to_integral_value() else float(value)


def timestamp(moment: datetime | date | None) -> str | None:
    """ISO 8601 to the second, the precision of every timestamp shown (README, API
    conventions); a date as a date."""
    if isinstance(moment, datetime):
        return moment.isoformat(timespec="seconds")
    return moment.isoformat() if moment is not None else None


def money(currency: str, cents: int) -> dict[str, Any]:
    return {
        "currency": currency,
        "value": cents,
        "value_in_currency_units": units(cents),
        "symbol": SYMBOLS.get(currency, currency),
    }


def order_status(status: str) -> dict[str, str]:
    return {"name": STATUS_LABELS[status], "value": status}


def payment_status(value: str) -> dict[str, str]:
    return {"name": PAYMENT_STATUS_LABELS[PaymentStatus(value)], "value": value}


def dunning_status(code: int) -> dict[str, Any]:
    return {"name": DUNNING_LABELS[DunningStatus(code)], "value": code}


def address(value: dict[str, Any] | None) -> dict[str, Any]:
    value = value or {}
    return {key: value.get(key) for key in ADDRESS_KEYS}


def discount(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "description": value.get("description", ""),
        "amount_incl_tax": value["amount_incl_tax"],
        "amount_excl_tax": value["amount_excl_tax"],
        "amount_tax": value["amount_tax"],
    }


def buyer_company(order: PaymentOrder) -> dict[str, Any]:
    company = order.buyer_company
    return {
        "uuid": str(order.uuid),  # the buyer is known through this order only
        "name": company.get("name"),
        "vat_number": company.get("vat_number"),
        "registration_number": company.get("registration_number"),
        "website": company.get("website"),
        "country": company.get("country"),
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(order.updated_at),
    }


def seller(partner: Partner) -> dict[str, Any]:
    return {
        "uuid": str(partner.profile_uuid),
        "name": partner.name,
        "vat_number": partner.vat_number,
        "registration_number": None,
        "website": partner.webshop_url,
        "country": partner.country,
        "created_at": timestamp(partner.created_at),
        "updated_at": timestamp(partner.created_at),
    }


def seller_address(partner: Partner) -> dict[str, Any]:
    return address({"country": partner.country})


def representative(order: PaymentOrder) -> dict[str, Any]:
    person = order.buyer_representative
    return {key: person.get(key) for key in ("first_name", "last_name", "email", "phone_number")}


def order_line(line: PaymentOrderLine) -> dict[str, Any]:
    return {
        "quantity": line.quantity,
        "product_id": line.product_id,
        "product_name": line.product_name,
        "product_description": line.product_description,
        "product_price_excl_tax": line.product_price_excl_tax,
        "product_price_incl_tax": line.product_price_incl_tax,
        "product_tax_rate_percentage": rate_text(line.product_tax_rate_percentage),
    }


def order_request(order: PaymentOrder, payment_page_url: str) -> dict[str, Any]:
    """The 201 of ``POST order-request/``: the request echoed, with ``uuid`` and the page."""
    return {
        "uuid": str(order.uuid),
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(order.updated_at),
        "external_webshop_uid": order.external_webshop_uid,
        "external_order_uid": order.external_order_uid,
        "total_amount_incl_tax": order.total_amount_incl_tax,
        "total_amount_excl_tax": order.total_amount_excl_tax,
        "total_amount_tax": order.total_amount_tax,
        "currency": order.currency,
        "order_lines": [order_line(line) for line in order.lines],
        "discount": discount(order.discount),
        "buyer_company": dict(order.buyer_company),
        "buyer_representative": representative(order),
        "shipping_address": address(order.shipping_address),
        "billing_address": address(order.billing_address),
        "locale": order.locale,
        "payment_link_duration": order.payment_link_duration,
        "seller_urls": order.seller_urls,
        "webhook_urls": order.webhook_urls,
        "order_request_label": order.order_request_label,
        "amount": order.total_amount_incl_tax,
        "payment_page_url": payment_page_url,
    }


def actions(order: PaymentOrder) -> dict[str, bool]:
    captured = order.captured_amount_incl_tax
    return {
        "cancel": order.status in ("pending", "accepted"),
        "capture": order.status in ("accepted", "partially_captured", "partially_refunded")
        and captured < order.total_amount_incl_tax,
        "refund": order.status in ("partially_captured", "captured", "partially_refunded")
        and order.refunded_amount_incl_tax < captured,
        "update": order.status in ("pending", "accepted"),
    }


def split(moment: datetime) -> dict[str, str]:
    return {"date": moment.strftime("%Y-%m-%d"), "time": moment.strftime("%H:%M:%S")}


def invoice_summary(invoice: PaymentInvoice) -> dict[str, Any]:
    return {
        "uuid": str(invoice.uuid),
        "external_invoice_uid": invoice.external_invoice_uid,
        "invoice_url": invoice.invoice_url,
        "payment_reference": invoice.payment_reference,
        "payment_status": payment_status(invoice.payment_status),
        "dunning_status": dunning_status(invoice.dunning_status),
        "value": money(invoice.currency, invoice.total_amount_incl_tax),
        "due_date": timestamp(invoice.due_date),
        "created_at": timestamp(invoice.created_at),
    }


def order_detail(order: PaymentOrder, payment_page_url: str) -> dict[str, Any]:
    """An order as ``GET orders/{uuid}/`` and ``GET orders/`` show it, with its page's link
    (``store.payments.page_link.order_page_url``), as the order request's 201 has it."""
    return {
        "uuid": str(order.uuid),
        "external_order_uid": order.external_order_uid,
        "external_webshop_uid": order.external_webshop_uid,
        "company": buyer_company(order),
        "seller": seller(order.partner),
        "value": money(order.currency, order.total_amount_incl_tax),
        "status": order_status(order.status),
        "actions": actions(order),
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(order.updated_at),
        "created_at_split": split(order.created_at),
        "updated_at_split": split(order.updated_at),
        "total_amount_incl_tax": order.total_amount_incl_tax,
        "total_amount_excl_tax": order.total_amount_excl_tax,
        "total_amount_tax": order.total_amount_tax,
        "amount": order.total_amount_incl_tax,
        "currency": order.currency,
        "locale": order.locale,
        "payment_terms_days": order.payment_terms_days,
        "order_lines": [order_line(line) for line in order.lines],
        "shipping_address": address(order.shipping_address),
        "billing_address": address(order.billing_address),
        "discount": discount(order.discount),
        "representative": representative(order),
        "invoices": [invoice_summary(invoice) for invoice in order.invoices],
        "payment_page_url": payment_page_url,
    }


def invoice_line(line: PaymentInvoiceLine, currency: str, refundable: bool) -> dict[str, Any]:
    tax = line.total_product_price_incl_tax - line.total_product_price_excl_tax
    view: dict[str, Any] = {
        "id": line.id,
        "product_id": line.product_id,
        "product_name": line.product_name,
        "product_description": line.product_description,
        "quantity": line.quantity,
        "product_tax_rate_percentage": rate_text(line.product_tax_rate_percentage),
        "product_price_excl_tax": line.product_price_excl_tax,
        "product_price_excl_tax_in_currency_units": units(line.product_price_excl_tax),
        "product_price_incl_tax": line.product_price_incl_tax,
        "product_price_incl_tax_in_currency_units": units(line.product_price_incl_tax),
        "total_product_price_excl_tax": line.total_product_price_excl_tax,
        "total_product_price_excl_tax_in_currency_units": units(line.total_product_price_excl_tax),
        "total_product_price_incl_tax": line.total_product_price_incl_tax,
        "total_product_price_incl_tax_in_currency_units": units(line.total_product_price_incl_tax),
        "tax": tax,
        "tax_in_currency_units": units(tax),
        "currency": currency,
        "symbol": SYMBOLS.get(currency, currency),
    }
    if refundable:
        left_excl = line.total_product_price_excl_tax - line.refunded_amount_excl_tax
        left_incl = line.total_product_price_incl_tax - line.refunded_amount_incl_tax
        view |= {
            "refundable_quantity": line.quantity - line.refunded_quantity,
            "total_refundable_amount_excl_tax": left_excl,
            "total_refundable_amount_excl_tax_in_currency_units": units(left_excl),
            "total_refundable_amount_incl_tax": left_incl,
            "total_refundable_amount_incl_tax_in_currency_units": units(left_incl),
        }
    return view


def credit_note(refund: PaymentRefund, invoice_uuid: str) -> dict[str, Any]:
    return {
        "uuid": str(refund.uuid),
        "external_refund_uid": refund.external_refund_uid,
        "invoice": invoice_uuid,
        "refund_lines": refund.refund_lines,
        "amount": refund.total_amount_incl_tax,
        "total_amount_incl_tax": refund.total_amount_incl_tax,
        "total_amount_excl_tax": refund.total_amount_excl_tax,
        "total_amount_tax": refund.total_amount_tax,
        "description": refund.description,
        "discount": discount(refund.discount),
        "created_at": timestamp(refund.created_at),
    }


def invoice_detail(invoice: PaymentInvoice, refundable: bool = False) -> dict[str, Any]:
    order = invoice.order
    counters = (
        "upcoming_payment_reminder",
        "invoice_due",
        "free_reminder",
        "reminder_1",
        "reminder_2",
        "last_notice",
    )
    due_excl = invoice.total_amount_excl_tax - invoice.refunded_amount_excl_tax
    tax = invoice.total_amount_tax - invoice.refunded_amount_tax
    view: dict[str, Any] = {
        "id": str(invoice.uuid),
        "uuid": str(invoice.uuid),
        "external_invoice_uid": invoice.external_invoice_uid,
        "invoice_url": invoice.invoice_url,
        "payment_reference": invoice.payment_reference,
        "payment_status": payment_status(invoice.payment_status),
        "closed_at": timestamp(invoice.closed_at),
        "created_at": timestamp(invoice.created_at),
        "updated_at": timestamp(invoice.updated_at),
        "on_hold": invoice.on_hold,
        "on_hold_at": timestamp(invoice.on_hold_at),
        "order_uuid": str(order.uuid),
        "due_date": timestamp(invoice.due_date),
        "payment_terms_days": invoice.payment_terms_days,
        "company": buyer_company(order),
        "seller": seller(order.partner),
        "dunning_status": dunning_status(invoice.dunning_status),
        "value": money(invoice.currency, invoice.total_amount_incl_tax),
        "total_amount_incl_tax": invoice.total_amount_incl_tax,
        "total_amount_excl_tax": invoice.total_amount_excl_tax,
        "total_amount_tax": invoice.total_amount_tax,
        "refunds": [credit_note(r, str(invoice.uuid)) for r in invoice.refunds],
        "total_due_excl_tax_in_currency_units": units(due_excl),
        "tax": {"tax": tax, "tax_in_currency_units": units(tax)},
        "invoice_lines": [
            invoice_line(line, invoice.currency, refundable) for line in invoice.lines
        ],
        "paid_to_seller": invoice.paid_to_seller,
        "paid_to_seller_settled": invoice.paid_to_seller_settled,
    }
    for counter in counters:
        view[f"{counter}_sent"] = getattr(invoice, f"{counter}_sent")
        view[f"{counter}_sent_at"] = timestamp(getattr(invoice, f"{counter}_sent_at"))
    view |= {
        "representative": representative(order),
        "shipping_address": address(order.shipping_address),
        "billing_address": address(order.billing_address),
        "seller_company_address": seller_address(order.partner),
    }
    return view
