"""NOTYD payment request bodies, as tolerant as the plugins that send them.

Unknown keys are ignored; integer fields take integral floats and numeric strings (read by
``workflows.payments.rules.amounts``, never through a float); text fields take JSON numbers as
their text (``"postal_code": 9711``, WooCommerce's integer ``product_id`` and
``external_order_uid``), as Django REST framework's ``CharField`` does, but not booleans; uuid
fields take strings only. Every refusal is a 422 naming the field. The shapes of the answers
are in ``api/notyd/payments/views.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)

from api.notyd.payments.web_urls import web_url
from api.shared.errors import FieldError, validation_problem
from api.shared.input_limits import INT32_MAX, max_money
from workflows.payments.payment_order_model import PatchOrder
from workflows.payments.rules.amounts import (
    AmountError,
    Discount,
    GivenTotals,
    Line,
    TotalsProblem,
    Triple,
    discount_of,
    discounted_tax_problem,
    empty_order_problem,
    excl_at_rate,
    line_sum,
    order_total,
    price_problem,
    rate_text,
    tax_rate,
    whole_number,
)
from workflows.payments.rules.orders import OrderLineState, RefundAmountRequest

LINK_DURATIONS = (900, 86400, 604800)
Currency = Literal["EUR", "GBP", "DKK"]
Locale = Literal[
    "en", "nl", "da", "fr", "de", "en_GB", "nl_BE", "fr_BE", "es_ES", "de_AT", "fi_FI",
    "pl_PL", "pt_PT",
]  # fmt: skip


def _whole(value: Any) -> Any:
    if value is None:
        return None
    try:
        return whole_number(value)
    except AmountError as error:
        raise ValueError(str(error)) from error


def _rate(value: Any) -> Decimal:
    try:
        return tax_rate(value)
    except AmountError as error:
        raise ValueError(str(error)) from error


def _optional_rate(value: Any) -> Decimal | None:
    return None if value in (None, "") else _rate(value)


def _at_least(minimum: int) -> Any:
    def check(value: int | None) -> int | None:
        if value is not None and value < minimum:
            raise ValueError(f"must be at least {minimum}")
        return value

    return AfterValidator(check)


def _uuid_text(value: Any) -> Any:
    """A uuid (declared "string or null <uuid>"): the usual 36 characters kept as sent (the
    order's webhooks echo them), another spelling (braces, no dashes) in canonical form."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a uuid or null")
    try:
        canonical = str(UUID(value))
    except ValueError as exc:
        raise ValueError("must be a uuid or null") from exc
    return value if len(value) == len(canonical) else canonical


def _canonical_uuid(value: Any) -> Any:
    """A uuid in another spelling (upper case, braces, no dashes) in canonical form, so that it
    matches the stored one; what is no uuid is left as sent, for the check that names it."""
    if isinstance(value, str):
        try:
            return str(UUID(value))
        except ValueError:
            pass
    return value


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _money(value: int | None) -> int | None:
    """Amounts stay within the platform's money limit (``NT24_MAX_MONEY_MINOR_UNITS``)."""
    limit = max_money()
    if value is not None and abs(value) > limit:
        raise ValueError(f"must be at most {limit} (minor units)")
    return value


def _count(value: int | None) -> int | None:
    """Quantities are stored as 32-bit integers."""
    if value is not None and value > INT32_MAX:
        raise ValueError(f"must be at most {INT32_MAX}")
    return value


def _null_is_empty(value: Any) -> Any:
    return "" if value is None else value


# Optional free text whose absence is "" (descriptions, external_refund_uid): an explicit
# null is absent too, as the PHP clients pass a string they do not have through as null
_Text255 = Annotated[str, StringConstraints(max_length=255)]
_Text500 = Annotated[str, StringConstraints(max_length=500)]
OptionalText255 = Annotated[
    _Text255, BeforeValidator(_null_is_empty, json_schema_input_type=_Text255 | None)
]
OptionalText500 = Annotated[
    _Text500, BeforeValidator(_null_is_empty, json_schema_input_type=_Text500 | None)
]

Money = AfterValidator(_money)
Cents = Annotated[int, BeforeValidator(_whole), _at_least(0), Money]
# pydantic runs the last BeforeValidator first: "" (CORE's empty amount) is absent
OptionalCents = Annotated[
    int | None, BeforeValidator(_whole), BeforeValidator(_blank_is_none), Money
]
Quantity = Annotated[int, BeforeValidator(_whole), _at_least(1), AfterValidator(_count)]
Rate = Annotated[Decimal, BeforeValidator(_rate)]
ProductId = Annotated[str, Field(min_length=1, max_length=255)]
# A scheme in any case (RFC 3986), as Django REST framework's URLField takes it; the URL is kept
# as sent. Character classes, not an (?i) flag: OpenAPI's patterns are ECMA-262's
Url = Annotated[
    str,
    Field(max_length=2000, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://\S+$"),
    AfterValidator(web_url),
]


# No webshop order has a thousand lines; a body of a million empty ones would cost the
# validation gigabytes before it could say so
MAX_LINES = 1000


class Lenient(BaseModel):
    # a JSON number in a text field is its text (12 -> "12", 1.5 -> "1.5"), a boolean is not
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class OrderLineIn(Lenient):
    quantity: Quantity
    product_id: ProductId
    product_name: str = Field(max_length=500)
    product_description: str | None = Field(None, max_length=2000)
    product_price_excl_tax: Cents
    product_price_incl_tax: Cents
    product_tax_rate_percentage: Rate

    def state(self, position: int) -> OrderLineState:
        return OrderLineState(
            position=position,
            product_id=self.product_id,
            product_name=self.product_name,
            product_description=self.product_description or None,
            quantity=self.quantity,
            price_incl=self.product_price_incl_tax,
            price_excl=self.product_price_excl_tax,
            rate=str(self.product_tax_rate_percentage),
        )

    @property
    def line(self) -> Line:
        return Line(
            self.quantity,
            self.product_price_incl_tax,
            self.product_price_excl_tax,
            self.product_tax_rate_percentage,
        )


class DiscountIn(Lenient):
    description: OptionalText500 = ""
    amount_incl_tax: Cents
    amount_excl_tax: Annotated[OptionalCents, _at_least(0)] = None
    amount_tax: OptionalCents = None

    def discount(self, field: str) -> Discount:
        discount = discount_of(
            self.description or "", self.amount_incl_tax, self.amount_excl_tax, self.amount_tax
        )
        if isinstance(discount, TotalsProblem):
            raise validation_problem([FieldError(f"{field}.{discount.field}", discount.message)])
        return discount


class CompanyIn(Lenient):
    name: str | None = Field(None, max_length=300)
    registration_number: str | None = Field(None, max_length=100)
    vat_number: str | None = Field(None, max_length=40)
    website: str | None = Field(None, max_length=500)
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")


class RepresentativeIn(Lenient):
    first_name: str = Field(min_length=1, max_length=150)
    last_name: str = Field(min_length=1, max_length=150)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone_number: str | None = Field(None, max_length=50)


class AddressIn(Lenient):
    street: str | None = Field(None, max_length=300)
    house_number: str | None = Field(None, max_length=20)
    house_number_suffix: str | None = Field(None, max_length=20)
    street_address_1: str | None = Field(None, max_length=300)
    street_address_2: str | None = Field(None, max_length=300)
    region: str | None = Field(None, max_length=200)
    city: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(pattern=r"^[A-Za-z]{2}$")

    def as_json(self) -> dict[str, Any]:
        return self.model_dump() | {"country": self.country.upper()}


class SellerUrlsIn(Lenient):
    success_url: Url | None = None
    error_url: Url | None = None
    cancel_url: Url | None = None
    pending_url: Url | None = None


class WebhookUrlsIn(Lenient):
    webhook_url: Url | None = None


class TotalsIn(Lenient):
    total_amount_incl_tax: OptionalCents = None
    total_amount_excl_tax: OptionalCents = None
    total_amount_tax: OptionalCents = None
    amount: OptionalCents = None

    @property
    def totals(self) -> GivenTotals:
        return GivenTotals(
            self.total_amount_incl_tax,
            self.total_amount_excl_tax,
            self.total_amount_tax,
            self.amount,
        )


def _link_duration(value: Any) -> Any:
    number = _whole(value)
    if number is not None and number not in LINK_DURATIONS:
        raise ValueError("must be one of 900, 86400, 604800")
    return number


def _priced_lines(order_lines: list[OrderLineIn]) -> list[OrderLineState]:
    """The lines sent, each priced with a tax of at least 0 (``price_problem``), and each
    and together within the money limit (422 naming the field)."""
    negative_tax = [
        FieldError(f"order_lines[{i}].product_price_excl_tax", problem)
        for i, line in enumerate(order_lines)
        if (problem := price_problem(line.product_price_incl_tax, line.product_price_excl_tax))
    ]
    if negative_tax:
        raise validation_problem(negative_tax)
    limit = max_money()
    too_big = [
        FieldError(f"order_lines[{i}].quantity", f"makes the line total more than {limit}")
        for i, line in enumerate(order_lines)
        if max(line.line.total.incl, line.line.total.excl) > limit
    ]
    if too_big:
        raise validation_problem(too_big)
    expected = line_sum([line.line for line in order_lines])
    if max(expected.incl, expected.excl) > limit:
        message = f"the order lines add up to more than {limit}"
        raise validation_problem([FieldError("order_lines", message)])
    return [line.state(i + 1) for i, line in enumerate(order_lines)]


class PricedOrderIn(TotalsIn):
    """An order request's lines, discount and totals."""

    order_lines: list[OrderLineIn] = Field(min_length=1, max_length=MAX_LINES)
    discount: DiscountIn | None = None

    def priced(self) -> tuple[Triple, Discount | None, list[OrderLineState]]:
        """Totals checked against the lines (422 naming the field on a mismatch)."""
        discount = self.discount.discount("discount") if self.discount else None
        lines = _priced_lines(self.order_lines)
        total = order_total([line.line for line in lines], discount, self.totals)
        if not isinstance(total, TotalsProblem):
            total = (
                empty_order_problem(total, self.totals, discount)
                or discounted_tax_problem(total)
                or total
            )
        if isinstance(total, TotalsProblem):
            raise validation_problem([FieldError(total.field, total.message)])
        return total, discount, lines


class OrderRequestIn(PricedOrderIn):
    external_webshop_uid: Annotated[
        str | None, BeforeValidator(_uuid_text), Field(json_schema_extra={"format": "uuid"})
    ] = None
    external_order_uid: str = Field(min_length=1, max_length=255)
    currency: Currency = "EUR"
    buyer_company: CompanyIn
    buyer_representative: RepresentativeIn
    shipping_address: AddressIn
    billing_address: AddressIn
    locale: Locale = "en"
    payment_link_duration: Annotated[int, BeforeValidator(_link_duration)] = 900
    seller_urls: SellerUrlsIn | None = None
    webhook_urls: WebhookUrlsIn | None = None
    order_request_label: str | None = Field(None, max_length=100)

    def company(self) -> dict[str, Any]:
        company = self.buyer_company
        if not (company.name or "").strip() and not (company.registration_number or "").strip():
            raise validation_problem(
                [FieldError("buyer_company.name", "name or registration_number is required")]
            )
        country = (company.country or self.billing_address.country).upper()
        return company.model_dump() | {"country": country}


class PatchOrderIn(TotalsIn):
    """A partial update: every field is optional, what is left out keeps its stored value,
    `"discount": null` removes the discount, and totals left out follow from the lines and
    the discount."""

    order_lines: list[OrderLineIn] | None = Field(None, min_length=1, max_length=MAX_LINES)
    discount: DiscountIn | None = None

    def command(self) -> PatchOrder:
        return PatchOrder(
            totals=self.totals,
            discount=self.discount.discount("discount") if self.discount else None,
            keep_discount="discount" not in self.model_fields_set,
            lines=_priced_lines(self.order_lines) if self.order_lines is not None else None,
        )


class CaptureLineIn(Lenient):
    product_id: ProductId
    quantity: Quantity
    product_price_excl_tax: OptionalCents = None
    product_price_incl_tax: OptionalCents = None
    product_tax_rate_percentage: Annotated[Decimal | None, BeforeValidator(_optional_rate)] = None


class CaptureIn(TotalsIn):
    order_lines: list[CaptureLineIn] | None = Field(None, max_length=MAX_LINES)
    discount: DiscountIn | None = None
    external_invoice_uid: str | None = Field(None, max_length=255)
    invoice_url: Url | None = None


class RefundLineIn(Lenient):
    product_id: ProductId
    quantity: Annotated[int, BeforeValidator(_whole), _at_least(0), AfterValidator(_count)]
    total_amount_excl_tax: OptionalCents = None
    total_amount_incl_tax: OptionalCents = None
    description: OptionalText255 = ""


class RefundAmountIn(Lenient):
    tax_rate_percentage: Rate = Decimal(0)
    total_amount_excl_tax: OptionalCents = None
    total_amount_incl_tax: Cents
    description: OptionalText255 = ""

    def request(self) -> RefundAmountRequest:
        """The amount as the refund books it: without ``total_amount_excl_tax``, excl is what
        ``total_amount_incl_tax`` holds at ``tax_rate_percentage`` (``excl_at_rate``). An excl
        given is taken as sent, not checked against the rate (nested-shapes rule 4: rates are
        never checked against prices; Magento sends rate 0 with its amounts)."""
        incl, rate = self.total_amount_incl_tax, self.tax_rate_percentage
        excl = self.total_amount_excl_tax
        return RefundAmountRequest(
            rate_text(rate),
            incl,
            excl if excl is not None else excl_at_rate(incl, rate),
            self.description,
        )


def _as_list(value: Any) -> Any:
    """Magento sends ``refund_amounts`` as one object, not a list."""
    return [value] if isinstance(value, dict) else value


# The length limit belongs to the list, not to the null the PHP clients send for "none"
# (nested-shapes §1): null is absent, as ``refund_lines: null`` is
_RefundAmountList = Annotated[list[RefundAmountIn], Field(max_length=MAX_LINES)]


class RefundInvoiceIn(Lenient):
    invoice_uuid: Annotated[str, Strict(), BeforeValidator(_canonical_uuid)] = Field(
        min_length=1, max_length=36
    )  # no numbers
    external_refund_uid: str | None = Field(None, max_length=255)
    refund_lines: list[RefundLineIn] | None = Field(None, max_length=MAX_LINES)
    refund_amounts: Annotated[_RefundAmountList | None, BeforeValidator(_as_list)] = None
    discount: DiscountIn | None = None


class RefundIn(TotalsIn):
    description: str = Field(min_length=1, max_length=255)
    external_refund_uid: OptionalText255 = ""
    invoices: list[RefundInvoiceIn] | None = Field(None, max_length=MAX_LINES)


class InvoicePatchIn(Lenient):
    external_invoice_uid: str | None = Field(None, max_length=255)
    invoice_url: Url | None = None
