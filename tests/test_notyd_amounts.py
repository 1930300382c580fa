"""The pure NOTYD amount rules: reading what plugins send, totals, captures and refunds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.notyd.payments.schemas import RefundAmountIn, RefundIn
from workflows.payments.rules.amounts import (
    BEYOND_EVERY_RANGE,
    ZERO,
    AmountError,
    Discount,
    GivenTotals,
    Line,
    TotalsProblem,
    Triple,
    allocate,
    amounts_of,
    discount_of,
    discounted_tax_problem,
    empty_order_problem,
    excl_at_rate,
    line_sum,
    order_total,
    price_problem,
    rate_text,
    reconcile_totals,
    split_at_rates,
    tax_rate,
    totals_problem,
    whole_number,
)
from workflows.payments.rules.orders import (
    CaptureLineRequest,
    CapturePlan,
    CaptureRequest,
    CreditNotePlan,
    InvoiceLineState,
    InvoiceState,
    OrderLineState,
    RefundAmountRequest,
    RefundInvoiceRequest,
    RefundLineRequest,
    RefundRequest,
    Refusal,
    RefusalKind,
    check_capture,
    check_refund,
    check_refund_totals,
    check_totals,
    line_at,
    plan_capture,
    plan_refund,
    status_after_capture,
)

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("given", "cents"), [(900, 900), (10000.0, 10000), ("900", 900), ("1.0000", 1)]
)
def test_whole_numbers_plugins_send(given: object, cents: int) -> None:
    assert whole_number(given) == cents


@pytest.mark.parametrize(
    ("given", "cents"),
    [
        (19.99 * 100, 1999),  # 1998.9999999999998: Magento's grand total x 100
        (1998.9999999999998, 1999),
        (-1998.9999999999998, -1999),
        (0.1 * 3 * 10, 3),  # 3.0000000000000004
        (123456789.12 * 100, 12345678912),  # coarser floats: a few units in the last place
    ],
)
def test_a_float_within_float_noise_of_an_integer_is_that_integer(given: float, cents: int) -> None:
    assert whole_number(given) == cents


@pytest.mark.parametrize(
    "given",
    [30250.5, 1998.5, 1998.99, 1998.999, "1998.9999999999998", "12.5", "abc", True, None, [1]],
)
def test_fractions_and_junk_are_refused(given: object) -> None:
    with pytest.raises(AmountError):
        whole_number(given)


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("1e99999", BEYOND_EVERY_RANGE),
        ("1e999999", BEYOND_EVERY_RANGE),
        ("-1e999999", -BEYOND_EVERY_RANGE),
        ("9" * 1_000_000, BEYOND_EVERY_RANGE),
        ("1e19", 10**19),
        ("9999999999999999999", 9999999999999999999),
        ("0e999999", 0),
        ("1" + "0" * 100_000 + "e-100000", 1),
    ],
)
def test_huge_numeric_strings_are_never_converted(given: str, read: int) -> None:
    """A magnitude past every field's range is read as just past it, at once: the field's
    range check refuses it in its own words (a million-digit int took 26 s of CPU)."""
    assert whole_number(given) == read


@pytest.mark.parametrize("given", ["99.995", "99.999999", 99.995, "99.9950"])
def test_a_rate_answered_as_100_is_refused(given: object) -> None:
    with pytest.raises(AmountError, match="below 99.995"):
        tax_rate(given)


@pytest.mark.parametrize(
    ("given", "text"),
    [("99.994999", "99.99"), ("-0", "0.00"), ("-0.000000", "0.00"), (-0.0, "0.00"), (0, "0.00")],
)
def test_every_rate_taken_is_answered_as_two_digits_and_two_decimals(
    given: object, text: str
) -> None:
    assert rate_text(tax_rate(given)) == text


def test_tax_rates() -> None:
    assert tax_rate("21.000000") == Decimal("21")
    assert tax_rate(9.5) == Decimal("9.5")
    for bad in ("100", "-1", "1.1234567", "x"):
        with pytest.raises(AmountError):
            tax_rate(bad)


def test_totals_triple_and_legacy_amount() -> None:
    expected = Triple(12100, 10000)
    assert reconcile_totals(GivenTotals(12100, 10000, 2100), expected) == expected
    assert reconcile_totals(GivenTotals(amount=12100), expected) == expected
    wrong = reconcile_totals(GivenTotals(12100, 9999), expected)
    assert isinstance(wrong, TotalsProblem) and wrong.field == "total_amount_excl_tax"
    tax = reconcile_totals(GivenTotals(12100, 10000, 1), expected)
    assert isinstance(tax, TotalsProblem) and tax.field == "total_amount_tax"
    both = reconcile_totals(GivenTotals(12100, 10000, amount=1), expected)
    assert isinstance(both, TotalsProblem) and both.field == "amount"


def test_order_totals_given_or_computed_for_a_patch() -> None:
    lines = [Line(2, 6050, 5000, Decimal(21))]
    spring = Discount("Spring", 1210, 1000)
    expected = Triple(10890, 9000)
    assert order_total(lines, spring, GivenTotals(10890, 9000, 1890)) == expected
    required = order_total(lines, spring, GivenTotals())
    assert isinstance(required, TotalsProblem) and required.field == "total_amount_incl_tax"
    # a PATCH without totals gets the only totals that could pass the exact check
    assert order_total(lines, spring, GivenTotals(), required=False) == expected
    given = order_total(lines, None, GivenTotals(10890, 9000), required=False)
    assert isinstance(given, TotalsProblem) and given.field == "total_amount_incl_tax"
    too_much = order_total(lines, Discount("", 20000, 20000), GivenTotals(), required=False)
    assert too_much == TotalsProblem("discount", "is more than the order lines")


def test_amount_alone_is_split_pro_rata() -> None:
    assert amounts_of(GivenTotals(amount=6050), Triple(12100, 10000)) == Triple(6050, 5000)


def test_allocate_is_exact_to_the_cent() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert sum(allocate(9999, [3, 7, 11])) == 9999


LINES = [
    OrderLineState(1, "A", "A", None, 2, 12100, 10000, "21"),
    OrderLineState(2, "B", "B", None, 1, 10900, 10000, "9"),
]
TOTAL = Triple(35100, 30000)


def test_capture_by_lines_then_rest() -> None:
    first = plan_capture(
        LINES, TOTAL, Triple(0, 0), None, Triple(0, 0), CaptureRequest([CaptureLineRequest("A", 1)])
    )
    assert isinstance(first, CapturePlan) and first.amounts == Triple(12100, 10000)
    LINES_AFTER = [OrderLineState(1, "A", "A", None, 2, 12100, 10000, "21", captured=1), LINES[1]]
    rest = plan_capture(LINES_AFTER, TOTAL, first.amounts, None, Triple(0, 0), CaptureRequest())
    assert isinstance(rest, CapturePlan) and rest.amounts == Triple(23000, 20000)
    assert [(t.position, t.quantity) for t in rest.takes] == [(1, 1), (2, 1)]


def _one_sku_at_two_prices() -> tuple[list[OrderLineState], Triple]:
    """SKU twice (rule 3: a product_id need not be unique): at 48400 / 40000 and at 12100 /
    10000, both at 21 %."""
    lines = [
        OrderLineState(1, "SKU", "SKU", None, 1, 48400, 40000, "21"),
        OrderLineState(2, "SKU", "SKU", None, 1, 12100, 10000, "21"),
    ]
    return lines, line_sum([item.line for item in lines])


def test_capture_line_prices_are_checked_against_the_line_they_take() -> None:
    """With the first SKU line captured, a capture of SKU giving the second line's prices takes
    that line: its prices were compared with the first line's (48400) and refused, and prices
    of the first line took the second at its own price."""
    lines, total = _one_sku_at_two_prices()
    lines[0].captured = 1
    captured = Triple(48400, 40000)
    own = CaptureRequest(lines=[CaptureLineRequest("SKU", 1, 12100, 10000, "21.000000")])
    plan = plan_capture(lines, total, captured, None, ZERO, own)
    assert isinstance(plan, CapturePlan), plan
    assert (plan.amounts, [t.position for t in plan.takes]) == (Triple(12100, 10000), [2])
    first_s = CaptureRequest(lines=[CaptureLineRequest("SKU", 1, 48400)])
    assert plan_capture(lines, total, captured, None, ZERO, first_s) == Refusal(
        RefusalKind.REQUEST,
        "order_lines[0].product_price_incl_tax",
        "must equal the order line's (12100)",
    )
    # the Update handler replays captures accepted under the old comparison as they were
    replayed = plan_capture(lines, total, captured, None, ZERO, first_s, prices_checked=False)
    assert isinstance(replayed, CapturePlan), replayed
    assert replayed.amounts == Triple(12100, 10000)


def test_a_full_capture_naming_every_line_with_its_prices_passes_with_a_repeated_id() -> None:
    """WooCommerce's capture (nested-shapes §3.1) names every order line with its prices; a
    capture line spanning both lines gives prices that one of them does not have."""
    lines, total = _one_sku_at_two_prices()
    request = CaptureRequest(
        lines=[
            CaptureLineRequest("SKU", 1, 48400, 40000, "21.000000"),
            CaptureLineRequest("SKU", 1, 12100, 10000, "21.000000"),
        ]
    )
    plan = plan_capture(lines, total, ZERO, None, ZERO, request)
    assert isinstance(plan, CapturePlan), plan
    assert plan.amounts == total
    both = CaptureRequest(lines=[CaptureLineRequest("SKU", 2, price_excl=40000)])
    refused = plan_capture(lines, total, ZERO, None, ZERO, both)
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.REQUEST, refused
    assert refused.field == "order_lines[0].product_price_excl_tax"


def test_capture_by_amount_books_lines_per_rate_and_refuses_too_much() -> None:
    plan = plan_capture(
        LINES,
        TOTAL,
        Triple(0, 0),
        None,
        Triple(0, 0),
        CaptureRequest(totals=GivenTotals(11700, 10000)),
    )
    assert isinstance(plan, CapturePlan)
    assert sum(line.total_incl for line in plan.invoice_lines) == 11700
    assert {line.rate for line in plan.invoice_lines} == {"21", "9"}
    too_much = plan_capture(
        LINES, TOTAL, Triple(0, 0), None, Triple(0, 0), CaptureRequest(totals=GivenTotals(99999, 1))
    )
    assert isinstance(too_much, Refusal) and too_much.kind == RefusalKind.STATE


def _mixed_rates() -> tuple[list[OrderLineState], Triple]:
    """Z at 0 % (10000), F at 21 % (12100 / 10000), N at 9 % (10900 / 10000)."""
    lines = [
        OrderLineState(1, "Z", "Z", None, 1, 10000, 10000, "0"),
        OrderLineState(2, "F", "F", None, 1, 12100, 10000, "21"),
        OrderLineState(3, "N", "N", None, 1, 10900, 10000, "9"),
    ]
    return lines, line_sum([item.line for item in lines])


def _invoice_of_capture(plan: CapturePlan | Refusal) -> InvoiceState:
    assert isinstance(plan, CapturePlan), plan
    return InvoiceState("i", 1, "R", plan.amounts.incl, plan.amounts.excl, plan.invoice_lines)


def test_a_capture_by_amount_numbers_its_invoice_lines_from_1() -> None:
    """A capture by amount whose tax is that of the 21 % and 9 % lines has nothing at 0 %: its
    invoice has two lines, numbered 1 and 2. Captures planned before kept the 0 % rate's
    number (2 and 3), and those invoices are stored so."""
    lines, total = _mixed_rates()
    request = CaptureRequest(totals=GivenTotals(23000, 19600, 3400))
    plan = plan_capture(lines, total, ZERO, None, ZERO, request)
    assert isinstance(plan, CapturePlan), plan
    assert [(line.position, line.rate) for line in plan.invoice_lines] == [(1, "21"), (2, "9")]
    before = plan_capture(lines, total, ZERO, None, ZERO, request, numbered_from_1=False)
    assert isinstance(before, CapturePlan), before
    assert [(line.position, line.rate) for line in before.invoice_lines] == [(2, "21"), (3, "9")]


@pytest.mark.parametrize("numbered_from_1", [True, False])
def test_the_whole_of_such_an_invoice_can_be_refunded(numbered_from_1: bool) -> None:
    """Its lines are found by their numbers, not by their places in the list: the refund of
    the whole of an invoice stored with a line 2 and no line 1 passes the checks (it was an
    IndexError, a 500)."""
    lines = [
        OrderLineState(1, "Z", "Z", None, 1, 10000, 10000, "0"),
        OrderLineState(2, "F", "F", None, 1, 12100, 10000, "21"),
    ]
    total = line_sum([item.line for item in lines])
    request = CaptureRequest(totals=GivenTotals(12100, 10000, 2100))
    invoice = _invoice_of_capture(
        plan_capture(lines, total, ZERO, None, ZERO, request, numbered_from_1=numbered_from_1)
    )
    assert [line.position for line in invoice.lines] == [1 if numbered_from_1 else 2]
    plans = plan_refund([invoice], RefundRequest("All", totals=GivenTotals(amount=12100)))
    assert not isinstance(plans, Refusal), plans
    assert check_refund([invoice], plans) is None
    assert [(part.invoice_line, part.amounts) for part in plans[0].lines] == [
        (invoice.lines[0].position, Triple(12100, 10000))
    ]


@pytest.mark.parametrize("numbered_from_1", [True, False])
def test_a_refund_of_an_invoice_line_is_checked_against_that_line(numbered_from_1: bool) -> None:
    """The 21 % line of an invoice stored as lines 2 and 3 is refunded whole: it was checked
    against line 3 (9 %, 7597) and refused as more than remains of it."""
    lines, total = _mixed_rates()
    request = CaptureRequest(totals=GivenTotals(23000, 19600, 3400))
    invoice = _invoice_of_capture(
        plan_capture(lines, total, ZERO, None, ZERO, request, numbered_from_1=numbered_from_1)
    )

    def refund_of(line: RefundLineRequest) -> list[CreditNotePlan]:
        plans = plan_refund(
            [invoice], RefundRequest("x", invoices=[RefundInvoiceRequest("i", lines=[line])])
        )
        assert not isinstance(plans, Refusal), plans
        return plans

    plans = refund_of(RefundLineRequest("partial_capture", 1))
    assert check_refund([invoice], plans) is None
    [part] = plans[0].lines
    assert line_at(invoice.lines, part.invoice_line).rate == "21"
    assert part.amounts == Triple(15403, 12630)
    # a tax of more than the 21 % line holds (2773) is refused
    refused = check_refund(
        [invoice], refund_of(RefundLineRequest("partial_capture", 1, 15403, 12500))
    )
    assert refused is not None and refused.field == "total_amount_tax", refused
    assert "(2773)" in refused.message


def _two_toothbrushes() -> InvoiceState:
    """An invoice of 2 toothbrushes at 48400 / 40000."""
    line = InvoiceLineState(1, "SKU", "T", None, 2, 48400, 40000, "21", 96800, 80000)
    return InvoiceState("i", 1, "R", 96800, 80000, [line])


def _by_lines(*lines: RefundLineRequest) -> RefundRequest:
    return RefundRequest("Return", invoices=[RefundInvoiceRequest("i", lines=list(lines))])


def test_a_refund_line_refunds_no_more_than_its_quantity_is_worth() -> None:
    """refund_lines' totals are those of the quantity refunded (nested-shapes §4.1): 1 of 2
    toothbrushes refunded for 96800 left the line 1 unit to refund and no money for it."""
    invoice = _two_toothbrushes()
    refused = plan_refund([invoice], _by_lines(RefundLineRequest("SKU", 1, 96800, 80000)))
    assert refused == Refusal(
        RefusalKind.STATE,
        "invoices[0].refund_lines[0].total_amount_incl_tax",
        "is more than 1 of the units left to refund are worth (48400)",
    )
    excl = plan_refund([invoice], _by_lines(RefundLineRequest("SKU", 1, 48400, 48400)))
    assert isinstance(excl, Refusal)
    assert excl.field == "invoices[0].refund_lines[0].total_amount_excl_tax", excl
    for asked in (RefundLineRequest("SKU", 1), RefundLineRequest("SKU", 1, 20000, 16529)):
        plans = plan_refund([invoice], _by_lines(asked))
        assert not isinstance(plans, Refusal), plans
        assert check_refund([invoice], plans) is None
    # the Update handler replays refunds accepted before the check as they were
    replayed = plan_refund(
        [invoice], _by_lines(RefundLineRequest("SKU", 1, 96800, 80000)), units_worth=False
    )
    assert not isinstance(replayed, Refusal), replayed


def test_the_last_units_of_a_line_refund_all_that_remains_of_it() -> None:
    """A toothbrush refunded for 20000 (a partial credit) leaves 76800 for the other: the last
    unit may take all of it, and a refund of 1 of 3 units takes its share, to the cent up."""
    invoice = _two_toothbrushes()
    line = invoice.lines[0]
    line.refunded_quantity, line.refunded_incl, line.refunded_excl = 1, 20000, 16529
    plans = plan_refund([invoice], _by_lines(RefundLineRequest("SKU", 1, 76800, 63471)))
    assert not isinstance(plans, Refusal), plans
    assert check_refund([invoice], plans) is None
    three = InvoiceLineState(1, "SKU", "T", None, 3, 33, 33, "0", 100, 100)
    assert [three.refundable_for(q) for q in (1, 2, 3)] == [
        Triple(34, 34),
        Triple(67, 67),
        Triple(100, 100),
    ]


def _book(invoice: InvoiceState, plans: list[CreditNotePlan] | Refusal) -> None:
    """What the order's workflow books of ``plans``."""
    assert not isinstance(plans, Refusal), plans
    for plan in plans:
        invoice.refunded_incl += plan.amounts.incl
        invoice.refunded_excl += plan.amounts.excl
        for part in plan.lines:
            line = line_at(invoice.lines, part.invoice_line)
            line.refunded_quantity += part.quantity
            line.refunded_incl += part.amounts.incl
            line.refunded_excl += part.amounts.excl


def test_money_a_line_still_lists_as_refundable_can_be_refunded_by_a_refund_line() -> None:
    """Both toothbrushes refunded for 100 (a Magento credit memo with a restocking fee) leave
    the line no unit and 96700 to refund, as refundable_invoices lists it: a refund line of
    quantity 0 copying that refunds it (it was a 409 "is more than can be refunded"). A
    refund line of quantity 0 takes no money from a line with units left, nor more than the
    line has left."""
    invoice = _two_toothbrushes()
    [line] = invoice.lines
    _book(invoice, plan_refund([invoice], _by_lines(RefundLineRequest("SKU", 2, 100, 83))))
    listed = line.refundable
    assert (line.refundable_quantity, listed) == (0, Triple(96_700, 79_917))
    over = plan_refund([invoice], _by_lines(RefundLineRequest("SKU", 0, 96_701, 79_917)))
    assert isinstance(over, Refusal) and over.kind == RefusalKind.STATE, over
    copied = plan_refund(
        [invoice], _by_lines(RefundLineRequest("SKU", 0, listed.incl, listed.excl))
    )
    assert not isinstance(copied, Refusal), copied
    assert check_refund([invoice], copied) is None
    _book(invoice, copied)
    assert (line.refundable, invoice.refundable) == (ZERO, ZERO)
    untouched = _two_toothbrushes()  # its units left: a refund line refunds units
    refused = plan_refund([untouched], _by_lines(RefundLineRequest("SKU", 0, 100, 83)))
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.STATE, refused


def test_partial_refund_needs_one_invoice() -> None:
    def invoice(uuid: str) -> InvoiceState:
        line = InvoiceLineState(1, "A", "A", None, 1, 12100, 10000, "21", 12100, 10000)
        return InvoiceState(uuid, 1, "NTYREF", 12100, 10000, [line])

    invoices = [invoice("i1"), invoice("i2")]
    vague = plan_refund(invoices, RefundRequest("x", totals=GivenTotals(amount=100)))
    assert isinstance(vague, Refusal) and vague.field == "invoices"
    full = plan_refund(invoices, RefundRequest("x", totals=GivenTotals(amount=24200)))
    assert isinstance(full, list) and len(full) == 2
    bare_pair = plan_refund(
        invoices,
        RefundRequest("x", invoices=[RefundInvoiceRequest("i1"), RefundInvoiceRequest("i2")]),
    )
    assert isinstance(bare_pair, Refusal) and bare_pair.kind == RefusalKind.REQUEST
    over = plan_refund(
        invoices,
        RefundRequest("x", totals=GivenTotals(amount=12101), invoices=[RefundInvoiceRequest("i1")]),
    )
    assert isinstance(over, Refusal) and over.kind == RefusalKind.STATE


def _invoice(uuid: str) -> InvoiceState:
    line = InvoiceLineState(1, "A", "A", None, 1, 12100, 10000, "21", 12100, 10000)
    return InvoiceState(uuid, 1, "NTYREF", 12100, 10000, [line])


@pytest.mark.parametrize(
    ("totals", "field"),
    [
        (GivenTotals(amount=0), "amount"),
        (GivenTotals(amount=-5), "amount"),
        (GivenTotals(incl=0), "total_amount_incl_tax"),
        (GivenTotals(incl=-5, amount=-5), "total_amount_incl_tax"),
    ],
)
def test_a_refund_of_nothing_names_the_field_it_came_in(totals: GivenTotals, field: str) -> None:
    for invoices in (None, [RefundInvoiceRequest("i1")]):
        refused = plan_refund(
            [_invoice("i1")], RefundRequest("x", totals=totals, invoices=invoices)
        )
        assert isinstance(refused, Refusal) and refused.kind == RefusalKind.REQUEST
        assert refused.field == field, invoices


@pytest.mark.parametrize(
    ("totals", "field"),
    [(GivenTotals(amount=-1), "amount"), (GivenTotals(amount=0), "amount"),
     (GivenTotals(incl=-1), "total_amount_incl_tax")],
)  # fmt: skip
def test_a_capture_of_nothing_names_the_field_it_came_in(totals: GivenTotals, field: str) -> None:
    refused = plan_capture(LINES, TOTAL, ZERO, None, ZERO, CaptureRequest(totals=totals))
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.REQUEST
    assert refused.field == field


@pytest.mark.parametrize(
    ("totals", "field"),
    [
        (GivenTotals(incl=1000, tax=-500), "total_amount_tax"),
        (GivenTotals(incl=1000, tax=1500), "total_amount_tax"),
        (GivenTotals(amount=100, tax=-50), "total_amount_tax"),
        (GivenTotals(incl=1000, excl=1001), "total_amount_excl_tax"),
        (GivenTotals(incl=1000, excl=-1), "total_amount_excl_tax"),
        (GivenTotals(amount=-1), "amount"),
    ],
)
def test_a_tax_or_excl_outside_0_to_incl_is_refused(totals: GivenTotals, field: str) -> None:
    """The spec: all amounts are cents >= 0 and tax = incl - excl, so 0 <= tax <= incl."""
    assert totals_problem(totals) == TotalsProblem(
        field, "must not be negative" if field == "amount" else ANY_RANGE_MESSAGE
    )
    refused = check_totals(totals)
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.REQUEST
    assert refused.field == field


ANY_RANGE_MESSAGE = "must be between 0 and total_amount_incl_tax"


@pytest.mark.parametrize(
    "totals",
    [GivenTotals(incl=1000, tax=0), GivenTotals(incl=1000, tax=1000), GivenTotals(amount=0),
     GivenTotals(incl=1000, excl=826, tax=174), GivenTotals()],
)  # fmt: skip
def test_totals_within_range_pass(totals: GivenTotals) -> None:
    assert totals_problem(totals) is None and check_totals(totals) is None


def test_amounts_of_still_takes_a_tax_as_it_did_for_requests_already_accepted() -> None:
    """A capture's plan is made again when its workflow replays; the tax range is the
    validators' (check_totals), so a request accepted before that replays unchanged."""
    assert amounts_of(GivenTotals(1000, tax=-500), ZERO) == Triple(1000, 1500)


def test_top_level_excl_and_tax_next_to_invoice_lines_equal_their_refunds() -> None:
    invoices = [_invoice("i1")]
    lines = [RefundInvoiceRequest("i1", lines=[RefundLineRequest("A", 1)])]
    for totals, field in (
        (GivenTotals(amount=12100, tax=-50), "total_amount_tax"),
        (GivenTotals(amount=12100, excl=9000), "total_amount_excl_tax"),
        (GivenTotals(12100, 10000, 2000), "total_amount_tax"),
    ):
        request = RefundRequest("x", totals=totals, invoices=lines)
        plans = plan_refund(invoices, request)
        assert isinstance(plans, list)
        refused = check_refund_totals(request, plans)
        assert isinstance(refused, Refusal) and refused.field == field, totals
    good = RefundRequest("x", totals=GivenTotals(12100, 10000, 2100), invoices=lines)
    plans = plan_refund(invoices, good)
    assert isinstance(plans, list) and check_refund_totals(good, plans) is None


@pytest.mark.parametrize(
    ("incl", "excl", "tax", "field"),
    [(1210, None, -1, "amount_tax"), (1210, None, 1211, "amount_tax"),
     (1210, 1211, None, "amount_excl_tax"), (1210, 1000, 200, "amount_tax")],
)  # fmt: skip
def test_a_discount_tax_outside_0_to_incl_is_refused(
    incl: int, excl: int | None, tax: int | None, field: str
) -> None:
    problem = discount_of("", incl, excl, tax)
    assert isinstance(problem, TotalsProblem) and problem.field == field


def test_a_discount_fills_in_what_is_missing() -> None:
    assert discount_of("x", 1210, None, 210) == Discount("x", 1210, 1000)
    assert discount_of("x", 1210, 1000, None) == Discount("x", 1210, 1000)
    assert discount_of("x", 1210, None, None) == Discount("x", 1210, 1210)
    assert discount_of("", 0, 0, 0) == Discount("", 0, 0)


@pytest.mark.parametrize(
    ("incl", "rate", "excl"),
    [
        (1210, "21", 1000),
        (1210, "21.000000", 1000),
        (1000, "21", 826),  # 826.446...
        (100, "9", 92),  # 91.743...
        (4, "60", 3),  # 2.5: half up
        (1095, "9.5", 1000),
        (500, "0", 500),
        (0, "21", 0),
    ],
)
def test_the_excl_an_amount_holds_at_a_rate(incl: int, rate: str, excl: int) -> None:
    assert excl_at_rate(incl, tax_rate(rate)) == excl


def test_a_refund_amount_without_excl_is_booked_at_its_rate() -> None:
    at_21 = RefundAmountIn.model_validate(
        {"tax_rate_percentage": "21.000000", "total_amount_incl_tax": 1210}
    ).request()
    assert (at_21.incl, at_21.excl, at_21.rate) == (1210, 1000, "21.00")
    # an excl sent is taken as sent, not checked against the rate (Magento sends rate 0)
    magento = RefundAmountIn.model_validate(
        {"tax_rate_percentage": 0, "total_amount_incl_tax": 1210, "total_amount_excl_tax": 1000}
    ).request()
    assert (magento.incl, magento.excl) == (1210, 1000)
    no_rate = RefundAmountIn.model_validate({"total_amount_incl_tax": 1210}).request()
    assert no_rate.excl == 1210


def test_refund_amounts_null_is_absent() -> None:
    """PHP clients send null for a value they do not have (nested-shapes §1): a null
    ``refund_amounts`` is absent, as a null ``refund_lines`` is, not a server error."""
    item = {"invoice_uuid": "6a6ceb0a-c7f5-4456-84ef-6ddabddd75fd"}
    body = {"description": "x", "amount": 100}
    parsed = RefundIn.model_validate(
        body | {"invoices": [item | {"refund_lines": None, "refund_amounts": None}]}
    )
    assert parsed.invoices is not None
    assert (parsed.invoices[0].refund_lines, parsed.invoices[0].refund_amounts) == (None, None)
    # the list keeps its limit, and Magento's single object is still a list of one
    too_many = [{"total_amount_incl_tax": 1}] * 1001
    with pytest.raises(ValidationError, match="at most 1000 items"):
        RefundIn.model_validate(body | {"invoices": [item | {"refund_amounts": too_many}]})
    one = RefundIn.model_validate(
        body | {"invoices": [item | {"refund_amounts": {"total_amount_incl_tax": 100}}]}
    )
    assert one.invoices is not None and one.invoices[0].refund_amounts is not None
    assert [part.total_amount_incl_tax for part in one.invoices[0].refund_amounts] == [100]


def test_a_refund_by_lines_is_less_the_invoice_discount_it_gives_back() -> None:
    lines = [
        InvoiceLineState(1, "A", "A", None, 2, 12100, 10000, "21", 24200, 20000),
    ]
    invoice = InvoiceState("i1", 1, "NTYREF", 23595, 19500, lines, discount=Triple(605, 500))
    half = Discount("Spring", 303, 250)

    def refund(discount: Discount | None) -> list[CreditNotePlan] | Refusal:
        item = RefundInvoiceRequest("i1", lines=[RefundLineRequest("A", 1)], discount=discount)
        return plan_refund([invoice], RefundRequest("x", invoices=[item]))

    def note(discount: Discount | None) -> CreditNotePlan:
        plans = refund(discount)
        assert isinstance(plans, list)
        [plan] = plans
        return plan

    note_half = note(half)
    assert note_half.amounts == Triple(12100 - 303, 10000 - 250) and note_half.discount == half
    # the invoice's discount not refunded yet caps it
    invoice.refunded_discount = Triple(303, 250)
    over = refund(Discount("", 303, 250))
    assert isinstance(over, Refusal) and over.kind == RefusalKind.STATE
    assert over.field == "invoices[0].discount"
    assert note(Discount("", 302, 250)).amounts == Triple(12100 - 302, 10000 - 250)
    # an all-zero discount is no discount
    plain = note(Discount("", 0, 0))
    assert plain.amounts == Triple(12100, 10000) and plain.discount is None


# 2 x 48400/40000 and 1 x 24200/20000 at 21 %, discount 1210/1000: 119790/99000
DISCOUNTED = [
    OrderLineState(1, "SKU-1", "Toothbrush", None, 2, 48_400, 40_000, "21.00"),
    OrderLineState(2, "77", "Paste", None, 1, 24_200, 20_000, "21.00"),
]
SPRING = Discount("Spring", 1_210, 1_000)
DISCOUNTED_TOTAL = Triple(119_790, 99_000)


def lines_less_discount(plan: CapturePlan) -> Triple:
    lines = sum((Triple(line.total_incl, line.total_excl) for line in plan.invoice_lines), ZERO)
    return lines - plan.discount


@pytest.mark.parametrize(
    ("captured", "request_"),
    [
        # the rest after a capture by amount: per-rate lines, and the rest of the discount
        (Triple(50_000, 41_322), CaptureRequest()),
        # a partial capture by amount with a discount ("only specified amount and discount
        # will be captured")
        (ZERO, CaptureRequest(discount=SPRING, totals=GivenTotals(amount=50_000))),
    ],
)
def test_an_invoice_is_its_lines_less_its_discount(
    captured: Triple, request_: CaptureRequest
) -> None:
    """A capture invoicing one line per rate makes those lines cover its amount and the
    discount it takes: a refund of every line plus that discount refunds the invoice."""
    plan = plan_capture(DISCOUNTED, DISCOUNTED_TOTAL, captured, SPRING, ZERO, request_)
    assert isinstance(plan, CapturePlan), plan
    assert plan.discount == SPRING.amounts
    assert lines_less_discount(plan) == plan.amounts


def test_captures_planned_before_keep_the_discount_besides_their_lines() -> None:
    """Invoices already stored have per-rate lines covering their amount alone: their
    workflows replay those captures as they were (``less_discount`` False)."""
    request_ = CaptureRequest(discount=SPRING, totals=GivenTotals(amount=50_000))
    plan = plan_capture(
        DISCOUNTED, DISCOUNTED_TOTAL, ZERO, SPRING, ZERO, request_, less_discount=False
    )
    assert isinstance(plan, CapturePlan), plan
    assert lines_less_discount(plan) + plan.discount == plan.amounts == Triple(50_000, 41_322)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("0E+999999999", "at most 2 digits before the decimal point"),
        ("0E+30", "at most 2 digits before the decimal point"),
        ("٢١", "digits 0-9"),  # Arabic-Indic digits: Decimal reads 21
        ("２１", "digits 0-9"),  # full-width
        ("2_1", "digits 0-9"),
    ],
)
def test_a_rate_is_plain_ascii_digits_of_a_sane_magnitude(given: str, message: str) -> None:
    with pytest.raises(AmountError, match=message):
        tax_rate(given)


def test_a_rate_written_with_an_exponent_is_read_plain() -> None:
    assert str(tax_rate("1E+1")) == "10" and str(tax_rate("2.15E+1")) == "21.5"
    assert str(tax_rate("0E+1")) == "0"


@pytest.mark.parametrize("given", ["٩٠٠", "９００", "9_00"])
def test_whole_numbers_are_written_with_ascii_digits(given: str) -> None:
    with pytest.raises(AmountError, match="digits 0-9"):
        whole_number(given)


ONE_LINE = [OrderLineState(1, "A", "A", None, 1, 12100, 10000, "21")]
ONE_TOTAL = Triple(12100, 10000)


def _capture(captured: Triple, totals: GivenTotals) -> CapturePlan | Refusal:
    """A capture of the one-line order checked as the Update validator checks it."""
    plan = plan_capture(ONE_LINE, ONE_TOTAL, captured, None, ZERO, CaptureRequest(totals=totals))
    if isinstance(plan, Refusal):
        return plan
    return check_capture(ONE_TOTAL, captured, plan) or plan


def test_excess_over_names_the_part_that_does_not_fit() -> None:
    room = Triple(12100, 10000)  # tax 2100
    assert Triple(12100, 10000).excess_over(room) is None
    assert Triple(12101, 10000).excess_over(room) == "incl"
    assert Triple(12100, 10001).excess_over(room) == "excl"
    assert Triple(5000, 0).excess_over(room) == "tax"
    assert Triple(12100, 9000).excess_over(room) == "tax"
    assert Triple(5000, 0).fits_in(room)  # what plan_capture checks, and lets through
    assert Triple(1000, 0).is_valid and not Triple(1000, 1001).is_valid


@pytest.mark.parametrize(
    ("totals", "field"),
    [
        (GivenTotals(incl=5000, excl=0, tax=5000), "total_amount_tax"),
        (GivenTotals(incl=12100, excl=9000, tax=3100), "total_amount_tax"),
        (GivenTotals(incl=5000, tax=5000), "total_amount_tax"),
    ],
)
def test_a_capture_whose_tax_is_more_than_remains_is_refused(
    totals: GivenTotals, field: str
) -> None:
    """What remains after a capture is itself 0 <= excl <= incl: a capture taking more tax
    (or excl) than remains would leave a negative tax for the rest."""
    refused = _capture(ZERO, totals)
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.STATE
    assert refused.field == field


def test_captures_within_what_remains_on_every_side_pass() -> None:
    first = _capture(ZERO, GivenTotals(incl=6050, excl=5000))
    assert isinstance(first, CapturePlan) and first.amounts.tax == 1050
    rest = _capture(first.amounts, GivenTotals())
    assert isinstance(rest, CapturePlan) and rest.amounts == Triple(6050, 5000)
    by_amount = _capture(ZERO, GivenTotals(amount=1210))
    assert isinstance(by_amount, CapturePlan) and by_amount.amounts == Triple(1210, 1000)


def test_the_rest_of_a_fully_captured_order_is_nothing_to_capture() -> None:
    """Captured in full by amount, its line quantity is still open: the rest is no invoice
    of 0 but a conflict."""
    refused = _capture(ONE_TOTAL, GivenTotals())
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.STATE
    assert refused.field == "order"


def _refund(invoice: InvoiceState, request: RefundRequest) -> list[CreditNotePlan] | Refusal:
    plans = plan_refund([invoice], request)
    if isinstance(plans, Refusal):
        return plans
    return check_refund([invoice], plans) or plans


@pytest.mark.parametrize(
    ("totals", "booked"),
    [
        (GivenTotals(incl=5000, excl=0, tax=5000), Triple(5000, 2900)),
        (GivenTotals(incl=12100, excl=9000), Triple(12100, 10000)),
    ],
)
def test_a_refund_by_totals_whose_tax_is_more_than_remains_books_the_tax_that_remains(
    totals: GivenTotals, booked: Triple
) -> None:
    """The amount incl. tax decides (nested-shapes §4.1, rules 4 and 27); the credit note's
    excl is the client's, moved only as far as keeps its tax and the rest's within 0..remains."""
    for invoices in (None, [RefundInvoiceRequest("i1")]):
        plans = _refund(_invoice("i1"), RefundRequest("r1", totals=totals, invoices=invoices))
        assert isinstance(plans, list) and [plan.amounts for plan in plans] == [booked]


def test_a_refund_by_lines_whose_tax_is_more_than_remains_is_refused() -> None:
    by_lines = RefundInvoiceRequest("i1", lines=[RefundLineRequest("A", 1, 5000, 0)])
    refused = _refund(_invoice("i1"), RefundRequest("r", invoices=[by_lines]))
    assert isinstance(refused, Refusal) and refused.field == "total_amount_tax"


def _two_by_12100(refunded: Triple = ZERO) -> InvoiceState:
    """Magento's order: 2 x 12100 incl. / 10000 excl. at 21 %, captured whole."""
    line = InvoiceLineState(1, "A", "A", None, 2, 12100, 10000, "21", 24200, 20000)
    return InvoiceState("i1", 1, "NTYREF", 24200, 20000, [line], *(refunded.incl, refunded.excl))


def _adjustment(incl: int, excl: int, rate: str = "0") -> RefundRequest:
    amounts = [RefundAmountRequest(rate, incl, excl, "Credit")]
    return RefundRequest(
        "(Partial) Refund order 1",
        totals=GivenTotals(amount=incl),
        invoices=[RefundInvoiceRequest("i1", amounts=amounts)],
    )


def test_a_magento_adjustment_of_the_whole_invoice_at_rate_0_refunds_it() -> None:
    """Magento's RefundOrder.php books an adjustment at rate 0 with excl = incl: the incl.
    fits, so the refund is made, its excl being what the invoice has left (rule 4)."""
    request = _adjustment(24200, 24200)
    plans = _refund(_two_by_12100(), request)
    assert isinstance(plans, list) and [plan.amounts for plan in plans] == [Triple(24200, 20000)]
    assert check_refund_totals(request, plans) is None


def test_the_rest_after_a_refund_by_lines_as_a_magento_adjustment_refunds_it() -> None:
    plans = _refund(_two_by_12100(Triple(12100, 10000)), _adjustment(12100, 12100))
    assert isinstance(plans, list) and [plan.amounts for plan in plans] == [Triple(12100, 10000)]


def test_the_rest_at_one_rate_as_core_sends_it_refunds_it() -> None:
    """CORE's RefundAmountHandler: 21 % and 9 % lines on one invoice, 15000 refunded, then the
    remaining 8000 sent at 21 % with its excl (6612) at that rate: the tax left (661) is less
    than 21 % of 8000, so the note books the excl that remains."""
    lines = [
        InvoiceLineState(1, "A", "A", None, 1, 12100, 10000, "21", 12100, 10000),
        InvoiceLineState(2, "B", "B", None, 1, 10900, 10000, "9", 10900, 10000),
    ]
    invoice = InvoiceState("i1", 1, "NTYREF", 23000, 20000, lines, 15000, 12661)
    plans = _refund(invoice, _adjustment(8000, 6612, "21.000000"))
    assert isinstance(plans, list) and [plan.amounts for plan in plans] == [Triple(8000, 7339)]


@pytest.mark.parametrize(
    ("incl", "excl", "booked"),
    [
        (1000, 1000, 1000),  # within [0, 1000]: as sent
        (1000, 0, 0),
        (1000, 826, 826),
        (5000, 5000, 5000),  # rate 0, as Magento sends: excl = incl fits
        (5000, 0, 2900),  # its tax no more than remains (2100)
        (12100, 12100, 10000),  # all of the rest: exactly R.excl
        (12100, 0, 10000),
    ],
)
def test_a_refund_by_amounts_keeps_its_excl_within_what_remains(
    incl: int, excl: int, booked: int
) -> None:
    plans = _refund(_invoice("i1"), _adjustment(incl, excl))
    assert isinstance(plans, list) and [plan.amounts for plan in plans] == [Triple(incl, booked)]
    [note] = plans
    rest = _invoice("i1").refundable - note.amounts
    assert note.amounts.is_valid and rest.is_valid


def test_a_refund_asking_more_incl_than_remains_says_by_how_much() -> None:
    refused = _refund(_two_by_12100(Triple(100, 80)), _adjustment(24200, 24200))
    assert refused == Refusal(
        RefusalKind.STATE,
        "invoices[0].refund_amounts",
        "total_amount_incl_tax is 100 more than remains to be refunded of the invoice "
        "(24100 remains)",
    )
    over = _refund(_invoice("i1"), RefundRequest("r", totals=GivenTotals(amount=12101)))
    assert isinstance(over, Refusal) and over.kind == RefusalKind.STATE
    assert over.field == "amount" and "is 1 more than remains" in over.message


def test_refunds_replayed_from_before_keep_their_excl_and_refusals() -> None:
    """Handlers replaying refunds made before the incl. amount decided plan them as then."""
    refused = plan_refund([_two_by_12100()], _adjustment(24200, 24200), incl_decides=False)
    assert isinstance(refused, Refusal) and refused.kind == RefusalKind.STATE
    kept = plan_refund([_invoice("i1")], _adjustment(5000, 0), incl_decides=False)
    assert isinstance(kept, list) and kept[0].amounts == Triple(5000, 0)


def test_top_level_totals_next_to_refund_amounts_equal_what_was_sent() -> None:
    """Rule 27: the totals equal the per-invoice amounts' sum, as the client sent them."""
    request = _adjustment(24200, 24200)
    request.totals = GivenTotals(24200, 24200, 0)
    plans = plan_refund([_two_by_12100()], request)
    assert isinstance(plans, list) and check_refund_totals(request, plans) is None
    request.totals = GivenTotals(24200, 20000, 4200)
    assert isinstance(check_refund_totals(request, plans), Refusal)


def test_refunds_within_what_remains_on_every_side_pass() -> None:
    part = _refund(_invoice("i1"), RefundRequest("r", totals=GivenTotals(amount=6050)))
    assert isinstance(part, list) and part[0].amounts == Triple(6050, 5000)
    whole = _refund(_invoice("i1"), RefundRequest("r", totals=GivenTotals(amount=12100)))
    assert isinstance(whole, list) and whole[0].amounts == Triple(12100, 10000)


def test_a_line_price_excl_tax_above_incl_tax_is_a_negative_tax() -> None:
    assert price_problem(10000, 20000) == "must not be more than product_price_incl_tax"
    assert price_problem(12100, 10000) is None
    assert price_problem(0, 0) is None


def test_amount_next_to_total_amount_incl_tax_must_equal_it_whatever_the_refund_names() -> None:
    """nested-shapes §10 rule 5: if both are present they must be equal; the plan of a refund
    by per-invoice amounts compares only total_amount_incl_tax with them."""
    totals = GivenTotals(incl=1210, amount=100)
    amounts = RefundInvoiceRequest("i1", amounts=[RefundAmountRequest("21", 1210, 1000)])
    assert isinstance(
        plan_refund([_invoice("i1")], RefundRequest("x", totals=totals, invoices=[amounts])), list
    )
    refused = check_totals(totals)
    assert refused == Refusal(RefusalKind.REQUEST, "amount", "must equal total_amount_incl_tax")
    assert check_totals(GivenTotals(incl=1210, amount=1210)) is None


def test_a_discount_taking_more_tax_than_the_lines_hold_is_a_negative_tax() -> None:
    lines = [Line(1, 12100, 10000, Decimal(21))]
    total = order_total(lines, Discount("", 3000, 0), GivenTotals(), required=False)
    assert total == Triple(9100, 10000)  # what order_total computes, as it always did
    assert discounted_tax_problem(total) == TotalsProblem(
        "discount", "takes more tax off than the order lines hold (amount_tax too large)"
    )
    assert discounted_tax_problem(Triple(9100, 7000)) is None


def test_an_order_of_nothing_is_refused_naming_what_made_it_0() -> None:
    """An order of 0 could be accepted but never captured."""
    message = "must be more than 0: an order of nothing cannot be captured"
    free = Discount("Free", 12100, 10000)
    for totals, discount, field in (
        (GivenTotals(0, 0, 0), free, "total_amount_incl_tax"),
        (GivenTotals(amount=0), free, "amount"),
        (GivenTotals(), free, "discount"),  # a PATCH of the discount alone
        (GivenTotals(), None, "order_lines"),
    ):
        assert empty_order_problem(ZERO, totals, discount) == TotalsProblem(field, message)
    assert empty_order_problem(Triple(1, 1), GivenTotals(), free) is None


def test_a_capture_after_a_refund_leaves_the_order_refunded() -> None:
    """The status never goes back to captured: an order with refunds is (partially) refunded."""
    total, half = Triple(12100, 10000), Triple(6050, 5000)
    assert status_after_capture(total, half, ZERO) == "partially_captured"
    assert status_after_capture(total, total, ZERO) == "captured"
    assert status_after_capture(total, total, half) == "partially_refunded"
    assert status_after_capture(total, half + half, Triple(100, 100)) == "partially_refunded"


def test_an_amount_split_over_rates_is_taxed_at_each() -> None:
    """Each part's tax at its own rate, the parts adding up to the amounts to the cent."""
    two = {"21.00": 12100, "0.00": 10000}
    assert split_at_rates(Triple(11050, 10000), two) == {
        "0.00": Triple(5000, 5000),
        "21.00": Triple(6050, 5000),
    }
    assert split_at_rates(Triple(22100, 20000), two) == {
        "0.00": Triple(10000, 10000),
        "21.00": Triple(12100, 10000),
    }
    three = split_at_rates(Triple(1000, 900), {"21.00": 48400, "9.00": 1090, "0.00": 500})
    assert sum(p.incl for p in three.values()) == 1000
    assert sum(p.excl for p in three.values()) == 900
    assert three["0.00"].tax == 0 and abs(three["9.00"].tax - three["9.00"].excl * 9 / 100) < 1
    assert abs(three["21.00"].tax - three["21.00"].excl * 21 / 100) < 1
    # one rate takes the amounts whole, as they were sent
    assert split_at_rates(Triple(1210, 1100), {"21.00": 1}) == {"21.00": Triple(1210, 1100)}


# An order of 2 x 22456/22456 at 0 %, 1 x 35518/29354 at 21 % and 1 x 18713/17654 at 6 %
THREE_RATES = [
    OrderLineState(1, "A", "A", None, 2, 22456, 22456, "0.00"),
    OrderLineState(2, "B", "B", None, 1, 35518, 29354, "21.00"),
    OrderLineState(3, "C", "C", None, 1, 18713, 17654, "6.00"),
]
THREE_RATES_TOTAL = Triple(99143, 91920)


def test_the_cents_of_rounding_never_make_a_part_s_tax_negative() -> None:
    """A capture of 143 (excl 133 pro rata) splits into 67 at 0 %, 49 at 21 % and 27 at 6 %,
    which hold 67 + 40 + 25 = 132 excl. tax at their rates: the cent left went to the largest
    part, the 0 % one, 67 incl / 68 excl, a tax of -1 that refundable_invoices then listed and
    no refund of its lines could take. It goes to the 21 % part's tax, which can hold it."""
    weights = {"0.00": 44912, "21.00": 35518, "6.00": 18713}
    assert split_at_rates(Triple(143, 133), weights) == {
        "0.00": Triple(67, 67),
        "21.00": Triple(49, 41),
        "6.00": Triple(27, 25),
    }
    # captures planned before replay as they were
    assert split_at_rates(Triple(143, 133), weights, cents_to_largest=True)["0.00"] == Triple(
        67, 68
    )
    plan = plan_capture(
        THREE_RATES,
        THREE_RATES_TOTAL,
        ZERO,
        None,
        ZERO,
        CaptureRequest(totals=GivenTotals(amount=143)),
    )
    assert isinstance(plan, CapturePlan) and plan.amounts == Triple(143, 133)
    assert [(line.rate, line.total_incl, line.total_excl) for line in plan.invoice_lines] == [
        ("0.00", 67, 67),
        ("21.00", 49, 41),
        ("6.00", 27, 25),
    ]


RATES = st.sampled_from(["0.00", "5.50", "6.00", "9.00", "19.00", "21.00", "25.00"])


@st.composite
def order_lines(draw: st.DrawFn) -> list[OrderLineState]:
    """1 to 4 lines at rates of their own, each priced at its rate or a cent or two off it."""
    lines = []
    for position in range(1, draw(st.integers(1, 4)) + 1):
        rate = draw(RATES)
        price_incl = draw(st.integers(1, 10**6))
        price_excl = excl_at_rate(price_incl, Decimal(rate)) + draw(st.integers(-2, 2))
        price_excl = max(0, min(price_incl, price_excl))
        quantity = draw(st.integers(1, 5))
        product = f"P{position}"
        lines.append(
            OrderLineState(position, product, product, None, quantity, price_incl, price_excl, rate)
        )
    return lines


SPLITS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=2_000,
    suppress_health_check=[HealthCheck.too_slow],
)


def _every_part_holds(parts: list[Triple], amounts: Triple) -> None:
    assert all(0 <= part.excl <= part.incl for part in parts), parts
    assert all(part.tax >= 0 for part in parts), parts
    assert sum(part.incl for part in parts) == amounts.incl, parts
    assert sum(part.excl for part in parts) == amounts.excl, parts


@SPLITS
@given(order_lines(), st.data())
def test_a_capture_by_amount_invoices_lines_with_a_tax_of_at_least_0(
    lines: list[OrderLineState], data: st.DataObject
) -> None:
    """For any order and any amount less than it (the legacy ``amount``, its excl pro rata, or
    the triple with any tax from 0 to incl), every per-rate invoice line has 0 <= excl <= incl,
    and the lines add up to the amounts to the cent."""
    total = line_sum([line.line for line in lines])
    assume(total.incl > 1)
    incl = data.draw(st.integers(1, total.incl - 1), "incl")
    if data.draw(st.booleans(), "legacy amount"):
        totals = GivenTotals(amount=incl)
    else:
        least = max(0, incl - total.tax)  # what keeps the tax left to capture at least 0
        totals = GivenTotals(incl, data.draw(st.integers(least, min(incl, total.excl)), "excl"))
    plan = plan_capture(lines, total, ZERO, None, ZERO, CaptureRequest(totals=totals))
    assert isinstance(plan, CapturePlan), plan
    parts = [Triple(line.total_incl, line.total_excl) for line in plan.invoice_lines]
    _every_part_holds(parts, plan.amounts)
    positions = [line.position for line in plan.invoice_lines]
    assert positions == list(range(1, len(positions) + 1)), positions


@SPLITS
@given(
    st.dictionaries(RATES, st.integers(0, 10**7), min_size=1, max_size=5),
    st.integers(0, 10**7),
    st.data(),
)
def test_a_split_at_rates_keeps_every_part_s_tax_at_least_0(
    weights: dict[str, int], incl: int, data: st.DataObject
) -> None:
    """Any amounts with 0 <= excl <= incl, over any weights, even a tax no split at these
    rates holds: every part has 0 <= excl <= incl, the parts adding up to the amounts."""
    amounts = Triple(incl, data.draw(st.integers(0, incl), "excl"))
    parts = split_at_rates(amounts, weights)
    assert set(parts) == set(weights)
    _every_part_holds(list(parts.values()), amounts)
