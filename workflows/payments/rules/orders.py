"""A payment order's captures and refunds as pure code: what a request may take, and what it
leaves.

A capture takes order lines (by ``product_id``, consuming matching lines in order), or an
amount; each becomes one invoice. A refund credits an invoice by lines, by amounts per tax
rate, or by an amount; each invoice touched gets one credit note. Nothing may take more than
remains: that is a conflict (409) with the order's state, while a malformed or inconsistent
request is a validation error (422) naming its field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, TypeVar

from workflows.payments.rules.amounts import (
    ZERO,
    Discount,
    GivenTotals,
    Line,
    TotalsProblem,
    Triple,
    allocate,
    amounts_of,
    reconcile_totals,
    split_at_rates,
    totals_problem,
)

# Order statuses (the NOTYD API's enum) and which of them end the order's life
PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"
EXPIRED = "expired"
FAILED = "failed"
PARTIALLY_CAPTURED = "partially_captured"
CAPTURED = "captured"
PARTIALLY_REFUNDED = "partially_refunded"
REFUNDED = "refunded"
CANCELLED = "cancelled"
STATUSES = (
    PENDING,
    ACCEPTED,
    REJECTED,
    EXPIRED,
    FAILED,
    PARTIALLY_CAPTURED,
    CAPTURED,
    PARTIALLY_REFUNDED,
    REFUNDED,
    CANCELLED,
)
TERMINAL = frozenset({REJECTED, EXPIRED, FAILED, REFUNDED, CANCELLED})
STATUS_LABELS = {
    PENDING: "Pending",
    ACCEPTED: "Accepted",
    REJECTED: "Rejected",
    EXPIRED: "Expired",
    FAILED: "Failed",
    PARTIALLY_CAPTURED: "Partially captured",
    CAPTURED: "Captured",
    PARTIALLY_REFUNDED: "Partially refunded",
    REFUNDED: "Refunded",
    CANCELLED: "Cancelled",
}
# An amount-only partial capture books one invoice line per tax rate under this product id
PARTIAL_CAPTURE_PRODUCT = "partial_capture"


class _Numbered(Protocol):
    position: int


_Line = TypeVar("_Line", bound=_Numbered)


def line_at(lines: Iterable[_Line], position: int) -> _Line:
    """The order or invoice line numbered ``position``. Found by its number, never by its
    place in the list: the invoices of captures by amount planned before their lines were
    numbered 1..n skipped the number of a tax rate with nothing to capture."""
    return next(line for line in lines if line.position == position)


@dataclass
class OrderLineState:
    position: int
    product_id: str
    product_name: str
    product_description: str | None
    quantity: int
    price_incl: int
    price_excl: int
    rate: str  # decimal text
    captured: int = 0

    @property
    def line(self) -> Line:
        return Line(self.quantity, self.price_incl, self.price_excl, Decimal(self.rate))

    @property
    def remaining(self) -> int:
        return self.quantity - self.captured


@dataclass
class InvoiceLineState:
    position: int
    product_id: str
    product_name: str
    product_description: str | None
    quantity: int
    price_incl: int
    price_excl: int
    rate: str
    total_incl: int
    total_excl: int
    refunded_quantity: int = 0
    refunded_incl: int = 0
    refunded_excl: int = 0

    @property
    def refundable_quantity(self) -> int:
        return self.quantity - self.refunded_quantity

    @property
    def refundable(self) -> Triple:
        return Triple(self.total_incl - self.refunded_incl, self.total_excl - self.refunded_excl)

    def refundable_for(self, quantity: int) -> Triple:
        """What ``quantity`` of the units left to refund may be refunded for: what remains
        of the line per unit left, times ``quantity`` (all that remains, for all the units
        left). Rounded up to the cent, as a refund line's amount spread over several lines
        of its product (``allocate``) may give one of them a cent more than its share."""
        left = self.refundable_quantity
        if quantity >= left:
            return self.refundable
        rest = self.refundable
        return Triple(-(-rest.incl * quantity // left), -(-rest.excl * quantity // left))


@dataclass
class InvoiceState:
    uuid: str
    number: int
    payment_reference: str
    total_incl: int
    total_excl: int
    lines: list[InvoiceLineState]
    refunded_incl: int = 0
    refunded_excl: int = 0
    discount: Triple = ZERO  # the part of the order's discount its capture took
    refunded_discount: Triple = ZERO  # what credit notes gave back of it

    @property
    def discount_left(self) -> Triple:
        return self.discount - self.refunded_discount

    @property
    def refundable(self) -> Triple:
        return Triple(self.total_incl - self.refunded_incl, self.total_excl - self.refunded_excl)


class RefusalKind(StrEnum):
    STATE = "STATE"  # what the order still holds does not allow it (more than remains)
    REQUEST = "REQUEST"  # the request itself is at fault: the field says where


@dataclass(frozen=True)
class Refusal:
    """Why a capture or refund cannot be done, and which field of the request it concerns."""

    kind: RefusalKind
    field: str
    message: str


def _invalid(problem: TotalsProblem) -> Refusal:
    return Refusal(RefusalKind.REQUEST, problem.field, problem.message)


# ----- captures -----


@dataclass
class CaptureLineRequest:
    product_id: str
    quantity: int
    price_incl: int | None = None
    price_excl: int | None = None
    rate: str | None = None


@dataclass
class CaptureRequest:
    lines: list[CaptureLineRequest] | None = None
    discount: Discount | None = None
    totals: GivenTotals = field(default_factory=GivenTotals)


@dataclass
class LineTake:
    position: int  # the order line's
    quantity: int


@dataclass
class CapturePlan:
    amounts: Triple
    discount: Triple  # the part of the order's discount this capture uses
    takes: list[LineTake]  # order line quantities captured
    invoice_lines: list[InvoiceLineState]


def remaining_discount(order_discount: Discount | None, captured_discount: Triple) -> Triple:
    return (order_discount.amounts if order_discount else ZERO) - captured_discount


def _invoice_line(line: OrderLineState, quantity: int, position: int) -> InvoiceLineState:
    return InvoiceLineState(
        position=position,
        product_id=line.product_id,
        product_name=line.product_name,
        product_description=line.product_description,
        quantity=quantity,
        price_incl=line.price_incl,
        price_excl=line.price_excl,
        rate=line.rate,
        total_incl=line.price_incl * quantity,
        total_excl=line.price_excl * quantity,
    )


def _per_rate_lines(
    lines: list[OrderLineState],
    amounts: Triple,
    at_their_rates: bool,
    cents_to_largest: bool,
    numbered_from_1: bool,
) -> list[InvoiceLineState]:
    """Lines covering ``amounts``, one per tax rate of ``lines``, in proportion to what remains
    of each rate: each taxed at its own rate (``split_at_rates``; ``cents_to_largest`` as
    captures planned before placed the cents of rounding) or, in captures planned before
    that (``at_their_rates`` False: their workflows replay them), each with the tax of the
    whole in the same proportion. A rate with nothing to capture gets no line; the lines are
    numbered 1..n, or (``numbered_from_1`` False, as captures planned before numbered them and
    their invoices are stored) by the place of their rate among all rates."""
    weights: dict[str, int] = {}
    for line in lines:
        weights[line.rate] = weights.get(line.rate, 0) + line.price_incl * line.remaining
    if at_their_rates:
        parts = split_at_rates(amounts, weights, cents_to_largest=cents_to_largest)
    else:
        rates = sorted(weights) or ["0"]
        shares = [weights.get(r, 0) for r in rates]
        incl, excl = allocate(amounts.incl, shares), allocate(amounts.excl, shares)
        parts = {rate: Triple(incl[i], excl[i]) for i, rate in enumerate(rates)}
    numbered = [(i + 1, rate, part) for i, (rate, part) in enumerate(parts.items())]
    kept = [(position, rate, part) for position, rate, part in numbered if not part.is_zero]
    if numbered_from_1:
        kept = [(i + 1, rate, part) for i, (_, rate, part) in enumerate(kept)]
    return [
        InvoiceLineState(
            position=position,
            product_id=PARTIAL_CAPTURE_PRODUCT,
            product_name="Partial capture",
            product_description=None,
            quantity=1,
            price_incl=part.incl,
            price_excl=part.excl,
            rate=rate,
            total_incl=part.incl,
            total_excl=part.excl,
        )
        for position, rate, part in kept
    ]


def _lines_worth(amounts: Triple, discount: Triple, less_discount: bool) -> Triple:
    """What a capture's per-rate lines add up to: its amount plus the discount it takes, as an
    invoice is its lines less its discount; or (``less_discount`` False, as captures planned
    before made them: their workflows replay them) the amount alone, the discount besides."""
    return amounts + discount if less_discount else amounts


def _rest(
    lines: list[OrderLineState],
    remaining: Triple,
    discount: Triple,
    at_their_rates: bool,
    cents_to_largest: bool,
    numbered_from_1: bool,
    less_discount: bool,
) -> CapturePlan:
    """Everything that remains: the remaining line quantities, or per-rate lines when earlier
    captures by amount left the lines and the amounts apart."""
    open_lines = [line for line in lines if line.remaining > 0]
    takes = [LineTake(line.position, line.remaining) for line in open_lines]
    by_lines = [_invoice_line(line, line.remaining, i + 1) for i, line in enumerate(open_lines)]
    lines_total = ZERO
    for item in by_lines:
        lines_total = lines_total + Triple(item.total_incl, item.total_excl)
    invoice_lines = (
        by_lines
        if lines_total - discount == remaining
        else _per_rate_lines(
            open_lines,
            _lines_worth(remaining, discount, less_discount),
            at_their_rates,
            cents_to_largest,
            numbered_from_1,
        )
    )
    return CapturePlan(remaining, discount, takes, invoice_lines)


def plan_capture(
    lines: list[OrderLineState],
    total: Triple,
    captured: Triple,
    order_discount: Discount | None,
    captured_discount: Triple,
    request: CaptureRequest,
    *,
    at_their_rates: bool = True,
    cents_to_largest: bool = False,
    numbered_from_1: bool = True,
    less_discount: bool = True,
    prices_checked: bool = True,
) -> CapturePlan | Refusal:
    """What a capture request takes (all that remains, an amount, or named lines), or why
    it cannot. ``at_their_rates``, ``cents_to_largest``, ``numbered_from_1``: see
    ``_per_rate_lines``; ``less_discount``: see ``_lines_worth``.

    With ``prices_checked`` the prices a capture line gives must be those of the order lines
    it takes. The Update handler passes False: the validator has checked them, and captures
    accepted when they were compared with the first line of the product replay as they
    were."""
    remaining = total - captured
    discount_left = remaining_discount(order_discount, captured_discount)
    if remaining.incl <= 0 and not any(line.remaining for line in lines):
        return Refusal(RefusalKind.STATE, "order", "Nothing remains to be captured.")
    if request.lines is None and not request.totals.given:
        if request.discount is not None and request.discount.amounts != discount_left:
            return Refusal(
                RefusalKind.REQUEST,
                "discount",
                "must equal the discount not captured yet for a full capture",
            )
        return _rest(
            lines,
            remaining,
            discount_left,
            at_their_rates,
            cents_to_largest,
            numbered_from_1,
            less_discount,
        )
    discount = request.discount.amounts if request.discount else ZERO
    if not discount.fits_in(discount_left):
        return Refusal(
            RefusalKind.STATE, "discount", "is more than the order's discount not captured yet"
        )
    if request.lines is None:
        amounts = amounts_of(request.totals, remaining)
        if isinstance(amounts, TotalsProblem):
            return _invalid(amounts)
        if amounts.incl <= 0:
            return Refusal(RefusalKind.REQUEST, request.totals.incl_field, "must be more than 0")
        if not amounts.fits_in(remaining):
            return Refusal(
                RefusalKind.STATE,
                "total_amount_incl_tax",
                f"is more than remains to be captured ({remaining.incl})",
            )
        if amounts == remaining:
            return _rest(
                lines,
                remaining,
                discount_left,
                at_their_rates,
                cents_to_largest,
                numbered_from_1,
                less_discount,
            )
        open_lines = [line for line in lines if line.remaining > 0]
        lines_at_rates = _per_rate_lines(
            open_lines,
            _lines_worth(amounts, discount, less_discount),
            at_their_rates,
            cents_to_largest,
            numbered_from_1,
        )
        return CapturePlan(amounts, discount, [], lines_at_rates)
    return _capture_lines(lines, remaining, discount, request, prices_checked)


def _price_refusal(
    wanted: CaptureLineRequest, taken: list[OrderLineState], where: str
) -> Refusal | None:
    """The prices ``wanted`` gives that are not those of a line it takes (nested-shapes
    rule 26): a product_id may be on several lines at several prices (rule 3)."""
    for line in taken:
        for name, given, own in (
            ("product_price_incl_tax", wanted.price_incl, line.price_incl),
            ("product_price_excl_tax", wanted.price_excl, line.price_excl),
        ):
            if given is not None and given != own:
                return Refusal(
                    RefusalKind.REQUEST, f"{where}.{name}", f"must equal the order line's ({own})"
                )
        if wanted.rate is not None and Decimal(wanted.rate) != Decimal(line.rate):
            return Refusal(
                RefusalKind.REQUEST,
                f"{where}.product_tax_rate_percentage",
                "must equal the order line's",
            )
    return None


def _capture_lines(
    lines: list[OrderLineState],
    remaining: Triple,
    discount: Triple,
    request: CaptureRequest,
    prices_checked: bool,
) -> CapturePlan | Refusal:
    assert request.lines is not None
    if not request.lines:
        return Refusal(RefusalKind.REQUEST, "order_lines", "must name at least one line")
    left = {line.position: line.remaining for line in lines}
    takes: list[LineTake] = []
    invoice_lines: list[InvoiceLineState] = []
    for i, wanted in enumerate(request.lines):
        where = f"order_lines[{i}]"
        matching = [line for line in lines if line.product_id == wanted.product_id]
        if not matching:
            return Refusal(RefusalKind.REQUEST, f"{where}.product_id", "is not a line of the order")
        if wanted.quantity < 1:
            return Refusal(RefusalKind.REQUEST, f"{where}.quantity", "must be at least 1")
        need = wanted.quantity
        taken: list[OrderLineState] = []
        for line in matching:  # in order: a product_id need not be unique (rule 3)
            take = min(need, left[line.position])
            if take:
                left[line.position] -= take
                need -= take
                taken.append(line)
                takes.append(LineTake(line.position, take))
                invoice_lines.append(_invoice_line(line, take, len(invoice_lines) + 1))
        refusal = _price_refusal(wanted, taken, where) if prices_checked else None
        if refusal is not None:
            return refusal
        if need:
            return Refusal(
                RefusalKind.STATE, f"{where}.quantity", "is more than remains to be captured"
            )
    lines_total = ZERO
    for item in invoice_lines:
        lines_total = lines_total + Triple(item.total_incl, item.total_excl)
    expected = lines_total - discount
    amounts = expected
    if request.totals.given:
        checked = reconcile_totals(request.totals, expected)
        if isinstance(checked, TotalsProblem):
            return _invalid(checked)
        amounts = checked
    if amounts.incl <= 0:
        return Refusal(RefusalKind.REQUEST, "order_lines", "capture more than 0")
    if not amounts.fits_in(remaining):
        return Refusal(
            RefusalKind.STATE,
            "order_lines",
            f"are more than remains to be captured ({remaining.incl})",
        )
    return CapturePlan(amounts, discount, takes, invoice_lines)


def check_totals(totals: GivenTotals) -> Refusal | None:
    """What a capture's or refund's totals may say at all (``totals_problem``): the Update
    validators check it before planning, so that a tax outside 0..incl is a 422 naming
    ``total_amount_tax`` rather than whatever the plan makes of it. ``amount`` next to
    ``total_amount_incl_tax`` must equal it (nested-shapes §10 rule 5), whatever else the
    request names: the plans check it only for totals without lines or per-invoice amounts
    (``amounts_of``), and refunds with them accepted before replay as they were."""
    if totals.amount is not None and totals.incl is not None and totals.amount != totals.incl:
        return _invalid(TotalsProblem("amount", "must equal total_amount_incl_tax"))
    problem = totals_problem(totals)
    return _invalid(problem) if problem is not None else None


_PART_FIELDS = {
    "incl": "total_amount_incl_tax",
    "excl": "total_amount_excl_tax",
    "tax": "total_amount_tax",
}


def _takes_too_much(amounts: Triple, room: Triple, what: str) -> Refusal | None:
    """``amounts`` taken out of ``room`` must leave a triple with 0 <= excl <= incl: its
    excl and its tax, not only its incl, no more than ``room``'s (``Triple.excess_over``),
    and itself such a triple. The refusal names the part that is too much."""
    part = amounts.excess_over(room)
    if part is not None:
        own = {"incl": room.incl, "excl": room.excl, "tax": room.tax}[part]
        return Refusal(
            RefusalKind.STATE, _PART_FIELDS[part], f"is more than remains {what} ({own})"
        )
    if not amounts.is_valid:  # a discount taking more excl. tax off than the refund holds
        return Refusal(
            RefusalKind.REQUEST,
            "total_amount_excl_tax",
            "must not be more than total_amount_incl_tax",
        )
    return None


def check_capture(total: Triple, captured: Triple, plan: CapturePlan) -> Refusal | None:
    """What ``plan_capture`` lets through and the Update validator refuses (the handler runs
    ``plan_capture`` again when a workflow replays captures accepted before these checks):
    a capture of the rest when nothing remains (an invoice of 0), and a capture whose amount
    excl. tax or tax is more than remains, which would leave a negative tax to capture."""
    remaining = total - captured
    if plan.amounts.incl <= 0:
        return Refusal(RefusalKind.STATE, "order", "Nothing remains to be captured.")
    return _takes_too_much(plan.amounts, remaining, "to be captured")


def status_after_capture(total: Triple, captured: Triple, refunded: Triple) -> str:
    """An order with refunds stays refunded when more is captured: its status never goes back
    to (partially) captured."""
    if refunded.incl > 0:
        return status_after_refund(total, captured, refunded)
    return CAPTURED if captured.incl >= total.incl else PARTIALLY_CAPTURED


# ----- refunds -----


@dataclass
class RefundLineRequest:
    product_id: str
    quantity: int
    incl: int | None = None
    excl: int | None = None
    description: str = ""


@dataclass
class RefundAmountRequest:
    """An amount refunded at a tax rate. The API always fills ``excl`` (from the rate when the
    request left it out: ``RefundAmountIn.request``); None is only in refunds accepted before
    it did, booked at 0 % (excl = incl) as they were, so that their workflows replay."""

    rate: str
    incl: int
    excl: int | None = None
    description: str = ""


@dataclass
class RefundInvoiceRequest:
    invoice_uuid: str
    external_refund_uid: str | None = None
    lines: list[RefundLineRequest] | None = None
    amounts: list[RefundAmountRequest] | None = None
    discount: Discount | None = None  # taken off what the lines or amounts refund


@dataclass
class RefundRequest:
    description: str
    external_refund_uid: str = ""
    totals: GivenTotals = field(default_factory=GivenTotals)
    invoices: list[RefundInvoiceRequest] | None = None


@dataclass
class LineRefund:
    invoice_line: int  # the invoice line's position
    quantity: int
    amounts: Triple
    product_id: str
    description: str


@dataclass
class CreditNotePlan:
    invoice_uuid: str
    external_refund_uid: str
    amounts: Triple
    lines: list[LineRefund]  # what the invoice's lines give up (a full refund: all of them)
    by_lines: bool = False  # the request named refund_lines; else the note lists none
    # the invoice's discount given back: ``amounts`` is the lines' (or amounts') sum less it,
    # as an invoice's total is its lines less its discount
    discount: Discount | None = None


def _refund_all(invoice: InvoiceState, uid: str, description: str) -> CreditNotePlan:
    return CreditNotePlan(
        invoice.uuid,
        uid,
        invoice.refundable,
        [
            LineRefund(
                line.position,
                line.refundable_quantity,
                line.refundable,
                line.product_id,
                description,
            )
            for line in invoice.lines
            if line.refundable_quantity > 0 and not line.refundable.is_zero
        ],
    )


def _excl_within(amounts: Triple, refundable: Triple) -> Triple:
    """A refund by amount (per-invoice ``refund_amounts`` or the top-level totals) as its
    credit note books it: its amount incl. tax as asked, which fits in ``refundable``; its
    amount excl. tax the client's, but within [max(0, R.excl - (R.incl - incl)),
    min(incl, R.excl)] for R = ``refundable``, so that neither the credit note nor what it
    leaves has a tax below 0 or more excl. tax than remains, and a refund of all that
    remains books exactly R.excl. Rates are not checked against prices (nested-shapes
    rule 4): Magento books its adjustments at 0 %, so its excl is the incl."""
    low = max(0, refundable.excl - (refundable.incl - amounts.incl))
    high = min(amounts.incl, refundable.excl)
    return Triple(amounts.incl, min(high, max(low, amounts.excl)))


def _more_than_refundable(field: str, amounts: Triple, refundable: Triple, of: str) -> Refusal:
    """A refund asking more incl. tax than remains: by how much, and what remains."""
    return Refusal(
        RefusalKind.STATE,
        field,
        f"total_amount_incl_tax is {amounts.incl - refundable.incl} more than remains to be "
        f"refunded of {of} ({refundable.incl} remains)",
    )


def plan_refund(
    invoices: list[InvoiceState],
    request: RefundRequest,
    *,
    incl_decides: bool = True,
    units_worth: bool = True,
) -> list[CreditNotePlan] | Refusal:
    """The credit notes a refund request makes, one per invoice, or why it cannot.

    With ``incl_decides`` (the Update handler passes False for refunds accepted before it,
    so that they replay as they were) a refund by amount must fit in what remains by its
    amount incl. tax only; its excl is then kept within what remains (``_excl_within``).
    Without it, its incl and its excl must each fit, as before.

    With ``units_worth`` a refund line refunds no more than the units it names are worth
    (``InvoiceLineState.refundable_for``). The Update handler passes False: the validator has
    checked it, and refunds accepted before the check replay as they were."""
    refundable = sum((invoice.refundable for invoice in invoices), ZERO)
    if refundable.incl <= 0:
        return Refusal(
            RefusalKind.STATE, "order", "Nothing has been captured that could be refunded."
        )
    uid = request.external_refund_uid
    if not request.invoices:
        amounts = amounts_of(request.totals, refundable)
        if isinstance(amounts, TotalsProblem):
            return _invalid(amounts)
        if amounts.incl <= 0:
            return Refusal(RefusalKind.REQUEST, request.totals.incl_field, "must be more than 0")
        if incl_decides:
            if amounts.incl > refundable.incl:
                return _more_than_refundable(
                    request.totals.incl_field, amounts, refundable, "the order"
                )
            amounts = _excl_within(amounts, refundable)
        elif not amounts.fits_in(refundable):
            return Refusal(
                RefusalKind.STATE,
                "total_amount_incl_tax",
                f"is more than can be refunded ({refundable.incl})",
            )
        open_invoices = [i for i in invoices if i.refundable.incl > 0]
        if amounts == refundable:
            return [_refund_all(i, uid, request.description) for i in open_invoices]
        if len(open_invoices) > 1:
            return Refusal(
                RefusalKind.REQUEST,
                "invoices",
                "name the invoice to refund: a partial refund takes one invoice",
            )
        return [CreditNotePlan(open_invoices[0].uuid, uid, amounts, [])]
    if len(request.invoices) > 1 and any(
        item.lines is None and item.amounts is None for item in request.invoices
    ):
        return Refusal(
            RefusalKind.REQUEST,
            "invoices",
            "only one invoice at a time, unless each names its lines or amounts",
        )
    by_uuid = {invoice.uuid: invoice for invoice in invoices}
    plans: list[CreditNotePlan] = []
    for i, item in enumerate(request.invoices):
        where = f"invoices[{i}]"
        invoice = by_uuid.get(item.invoice_uuid)
        if invoice is None:
            return Refusal(
                RefusalKind.REQUEST, f"{where}.invoice_uuid", "is not an invoice of this order"
            )
        if any(plan.invoice_uuid == invoice.uuid for plan in plans):
            return Refusal(RefusalKind.REQUEST, f"{where}.invoice_uuid", "is named twice")
        plan = _refund_invoice(invoice, item, request, where, incl_decides, units_worth)
        if isinstance(plan, Refusal):
            return plan
        plans.append(plan)
    if request.totals.given and any(item.lines or item.amounts for item in request.invoices):
        total = ZERO
        for plan in plans:
            total = total + plan.amounts
        given_incl = (
            request.totals.incl if request.totals.incl is not None else request.totals.amount
        )
        if given_incl != total.incl:
            return Refusal(
                RefusalKind.REQUEST,
                request.totals.incl_field,
                f"must equal the invoices' refunds ({total.incl})",
            )
    return plans


def _refund_invoice(
    invoice: InvoiceState,
    item: RefundInvoiceRequest,
    request: RefundRequest,
    where: str,
    incl_decides: bool,
    units_worth: bool,
) -> CreditNotePlan | Refusal:
    uid = (
        item.external_refund_uid
        if item.external_refund_uid is not None
        else request.external_refund_uid
    )
    refundable = invoice.refundable
    lines: list[LineRefund] = []
    if item.lines:
        left = {line.position: line.refundable_quantity for line in invoice.lines}
        amounts = ZERO
        for j, wanted in enumerate(item.lines):
            at = f"{where}.refund_lines[{j}]"
            matching = [line for line in invoice.lines if line.product_id == wanted.product_id]
            if not matching:
                return Refusal(
                    RefusalKind.REQUEST, f"{at}.product_id", "is not a line of the invoice"
                )
            if wanted.quantity < 0:
                return Refusal(RefusalKind.REQUEST, f"{at}.quantity", "must not be negative")
            need = wanted.quantity
            per_line: list[tuple[InvoiceLineState, int]] = []
            for line in matching:
                take = min(need, left[line.position])
                if take:
                    left[line.position] -= take
                    need -= take
                    per_line.append((line, take))
            if not wanted.quantity and (wanted.incl or wanted.excl):
                per_line = [(line, 0) for line in _money_without_units(matching)]
            if need:
                return Refusal(RefusalKind.STATE, f"{at}.quantity", "is more than can be refunded")
            units = Triple(
                sum(line.price_incl * q for line, q in per_line),
                sum(line.price_excl * q for line, q in per_line),
            )
            given = Triple(
                wanted.incl if wanted.incl is not None else units.incl,
                wanted.excl if wanted.excl is not None else units.excl,
            )
            if given.incl < 0 or given.excl < 0 or given.excl > given.incl:
                return Refusal(
                    RefusalKind.REQUEST,
                    f"{at}.total_amount_incl_tax",
                    "must be at least excl and 0",
                )
            room = ZERO
            for line, _ in per_line:
                room = room + line.refundable
            if per_line and not given.fits_in(room) or not per_line and not given.is_zero:
                return Refusal(
                    RefusalKind.STATE, f"{at}.total_amount_incl_tax", "is more than can be refunded"
                )
            if units_worth:
                refusal = _more_than_units_worth(given, per_line, wanted.quantity, at)
                if refusal is not None:
                    return refusal
            weights = [
                (line.price_incl * q, line.price_excl * q)
                if q
                else (line.refundable.incl, line.refundable.excl)
                for line, q in per_line
            ]
            shares_incl = allocate(given.incl, [incl for incl, _ in weights])
            shares_excl = allocate(given.excl, [excl for _, excl in weights])
            for k, (line, q) in enumerate(per_line):
                lines.append(
                    LineRefund(
                        line.position,
                        q,
                        Triple(shares_incl[k], shares_excl[k]),
                        line.product_id,
                        wanted.description,
                    )
                )
            amounts = amounts + given
    elif item.amounts:
        amounts = ZERO
        for j, part in enumerate(item.amounts):
            excl = part.excl if part.excl is not None else part.incl  # see RefundAmountRequest
            if part.incl < 0 or excl < 0 or excl > part.incl:
                return Refusal(
                    RefusalKind.REQUEST,
                    f"{where}.refund_amounts[{j}].total_amount_excl_tax",
                    "must be between 0 and total_amount_incl_tax",
                )
            amounts = amounts + Triple(part.incl, excl)
    else:
        if item.discount is not None and not item.discount.amounts.is_zero:
            return Refusal(
                RefusalKind.REQUEST, f"{where}.discount", "needs refund_lines or refund_amounts"
            )
        checked = amounts_of(request.totals, refundable)
        if isinstance(checked, TotalsProblem):
            return _invalid(checked)
        amounts = checked
        if incl_decides and 0 < amounts.incl <= refundable.incl:
            amounts = _excl_within(amounts, refundable)
        if amounts == refundable:
            return _refund_all(invoice, uid, request.description)
    discount = item.discount if item.discount and not item.discount.amounts.is_zero else None
    if discount is not None:
        if not discount.amounts.fits_in(invoice.discount_left):
            return Refusal(
                RefusalKind.STATE,
                f"{where}.discount",
                f"is more than the invoice's discount not refunded yet "
                f"({invoice.discount_left.incl})",
            )
        if not discount.amounts.fits_in(amounts):
            return Refusal(
                RefusalKind.REQUEST, f"{where}.discount", "is more than the refund it reduces"
            )
        amounts = amounts - discount.amounts
    if amounts.incl <= 0:
        # a refund by the top-level totals names the field they came in
        at = where if item.lines or item.amounts else request.totals.incl_field
        return Refusal(RefusalKind.REQUEST, at, "must refund more than 0")
    if incl_decides and not item.lines:
        if amounts.incl > refundable.incl:
            at = f"{where}.refund_amounts" if item.amounts else request.totals.incl_field
            return _more_than_refundable(at, amounts, refundable, "the invoice")
        amounts = _excl_within(amounts, refundable)
    elif not amounts.fits_in(refundable):
        if item.lines:
            at = f"{where}.refund_lines"
        else:
            at = f"{where}.refund_amounts" if item.amounts else request.totals.incl_field
        if amounts.incl > refundable.incl:
            return _more_than_refundable(at, amounts, refundable, "the invoice")
        return Refusal(
            RefusalKind.STATE,
            at,
            f"total_amount_excl_tax is {amounts.excl - refundable.excl} more than remains to "
            f"be refunded of the invoice ({refundable.excl} remains)",
        )
    return CreditNotePlan(
        invoice.uuid, uid, amounts, lines, by_lines=bool(item.lines), discount=discount
    )


def _money_without_units(lines: list[InvoiceLineState]) -> list[InvoiceLineState]:
    """The ``lines`` whose units are all refunded and whose money is not (their units were
    refunded for less than they were worth, as with a restocking fee): what a refund line of
    quantity 0 may refund. ``refundable_invoices`` lists that money on them."""
    return [line for line in lines if line.refundable_quantity == 0 and not line.refundable.is_zero]


def _more_than_units_worth(
    given: Triple, per_line: list[tuple[InvoiceLineState, int]], quantity: int, at: str
) -> Refusal | None:
    """A refund line's totals are those of the units it refunds (nested-shapes §4.1): no more
    than those units are worth, so that no line is left with units to refund and no money
    for them."""
    worth = sum((line.refundable_for(q) for line, q in per_line), ZERO)
    for name, asked, own in (
        ("total_amount_incl_tax", given.incl, worth.incl),
        ("total_amount_excl_tax", given.excl, worth.excl),
    ):
        if asked > own:
            return Refusal(
                RefusalKind.STATE,
                f"{at}.{name}",
                f"is more than {quantity} of the units left to refund are worth ({own})",
            )
    return None


def check_refund_totals(request: RefundRequest, plans: list[CreditNotePlan]) -> Refusal | None:
    """Top-level totals next to per-invoice lines or amounts equal the invoices' refunds on
    every side given: ``plan_refund`` compares the amount incl. tax; the Update validator
    compares the amount excl. tax and the tax too, and only the validator (handlers run
    ``plan_refund`` again when a workflow replays refunds accepted before this check)."""
    totals = request.totals
    if not (request.invoices and any(item.lines or item.amounts for item in request.invoices)):
        return None
    # the invoices' refunds as sent: a credit note by amounts may book less excl. tax
    # (``_excl_within``), and the totals are the sum of what the client sent (rule 27)
    total = ZERO
    for item, plan in zip(request.invoices, plans, strict=True):
        if item.amounts and not item.lines:
            asked = sum(
                (
                    Triple(part.incl, part.excl if part.excl is not None else part.incl)
                    for part in item.amounts
                ),
                ZERO,
            )
            if plan.discount is not None:
                asked = asked - plan.discount.amounts
            total = total + asked
        else:
            total = total + plan.amounts
    for name, given, own in (
        ("total_amount_excl_tax", totals.excl, total.excl),
        ("total_amount_tax", totals.tax, total.tax),
    ):
        if given is not None and given != own:
            return Refusal(RefusalKind.REQUEST, name, f"must equal the invoices' refunds ({own})")
    return None


def check_refund(invoices: list[InvoiceState], plans: list[CreditNotePlan]) -> Refusal | None:
    """What ``plan_refund`` lets through and the Update validator refuses (as
    ``check_capture``): a credit note whose amount excl. tax or tax is more than its invoice
    (or one of its lines) has left to refund, which would leave a negative tax there."""
    by_uuid = {invoice.uuid: invoice for invoice in invoices}
    for plan in plans:
        invoice = by_uuid[plan.invoice_uuid]
        refusal = _takes_too_much(plan.amounts, invoice.refundable, "to be refunded")
        if refusal is not None:
            return refusal
        taken: dict[int, Triple] = {}
        for part in plan.lines:
            taken[part.invoice_line] = taken.get(part.invoice_line, ZERO) + part.amounts
        for position, amounts in taken.items():
            line = line_at(invoice.lines, position)
            refusal = _takes_too_much(
                amounts, line.refundable, f"to be refunded of {line.product_id}"
            )
            if refusal is not None:
                return refusal
    return None


def status_after_refund(total: Triple, captured: Triple, refunded: Triple) -> str:
    fully = refunded.incl >= captured.incl and captured.incl >= total.incl
    return REFUNDED if fully else PARTIALLY_REFUNDED
