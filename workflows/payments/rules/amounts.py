"""NOTYD amounts as pure code: reading what plugins send, and the totals an order must add up to.

Amounts are integer cents everywhere. Plugins send JSON integers, integral floats (``10000.0``)
and numeric strings (``"900"``, ``"1.0000"``); all are read into ``int`` here, through
``Decimal`` so that no float ever carries an amount. A float a hair off an integer is that
integer: Magento sends its grand total x 100 as a float, and ``19.99 * 100`` is
``1998.9999999999998``. A fractional or non-numeric value is refused. Tax rates are decimals
(``"21.000000"``, ``21``, ``9.5``) with at most six places. A numeric string is written with
the digits 0-9: ``Decimal`` would also read other scripts' digits (``"٢١"`` as 21) and
underscores (``"2_1"``), which no plugin writes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any


class AmountError(ValueError):
    """A value that is not what the field takes; the message says why, for a 422."""


# Every whole-number field's range lies within the signed 64-bit range (2**63 - 1 < 10**19)
BEYOND_EVERY_RANGE = 10**19
# How far a JSON float may lie from an integer and still be it: the noise of an amount in
# currency units times 100 (19.99 * 100 == 1998.9999999999998), never a real fraction of a cent
FLOAT_NOISE = 1e-6


def _float_noise_removed(value: float) -> float:
    """``value``, or the integer it lies within float noise of (``FLOAT_NOISE``, or a few units
    in the last place where floats are coarser than that, above 2**33)."""
    if not math.isfinite(value) or value == int(value):
        return value
    nearest = float(round(value))
    return nearest if abs(value - nearest) <= max(FLOAT_NOISE, 4 * math.ulp(value)) else value


def _numeric_text(value: str) -> str:
    text = value.strip()
    if not text.isascii() or "_" in text:
        raise AmountError("must be written with the digits 0-9")
    return text


def whole_number(value: Any) -> int:
    """An integer from a JSON integer, an integral float (or one within float noise of an
    integer, ``_float_noise_removed``) or an integral numeric string.

    A string of 10**19 or more in magnitude (``"1e999999"``, a million digits) is read as
    +/-``BEYOND_EVERY_RANGE`` without being converted: it is outside every field's range, so
    the field's own range check refuses it in its own words, and no million-digit integer is
    ever built (that alone would take minutes of CPU).
    """
    if isinstance(value, bool):
        raise AmountError("must be an integer, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # repr gives the shortest decimal that reads back as the float: 10000.0 -> "10000.0"
        number = Decimal(repr(_float_noise_removed(value)))
    elif isinstance(value, str):
        try:
            number = Decimal(_numeric_text(value))
        except InvalidOperation as exc:
            raise AmountError("must be an integer") from exc
    else:
        raise AmountError("must be an integer")
    if not number.is_finite() or number != number.to_integral_value():
        raise AmountError("must be a whole number (integer cents)")
    if number and number.adjusted() >= 19:
        return -BEYOND_EVERY_RANGE if number < 0 else BEYOND_EVERY_RANGE
    return int(number)


def tax_rate(value: Any) -> Decimal:
    """A tax rate percentage: 0 <= rate < 100, at most six decimal places, and below 100 also
    as answers write it (``rate_text``: 99.995 would be ``"100.00"``). ``-0`` is 0.

    At most two digits before the decimal point as written, the zeros an exponent adds among
    them, as Django REST framework's ``DecimalField`` counts digits: ``"1E+1"`` is 10, read
    as ``10``; ``"0E+30"`` is refused, like ``"0E+999999999"``, a zero whose exponent every
    sum and product it met would carry (Python built a number of a billion digits from it)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AmountError("must be a number or a numeric string")
    try:
        rate = Decimal(repr(value) if isinstance(value, float) else _numeric_text(str(value)))
    except InvalidOperation as exc:
        raise AmountError("must be a number or a numeric string") from exc
    if not rate.is_finite():
        raise AmountError("must be a number")
    _, digits, exponent = rate.as_tuple()
    assert isinstance(exponent, int)  # a finite number's
    if exponent < -6:
        raise AmountError("must have at most 6 decimal places")
    if not 0 <= rate < 100:
        raise AmountError("must be at least 0 and below 100")
    if len(digits) + exponent > 2:
        raise AmountError("must have at most 2 digits before the decimal point")
    if Decimal(rate_text(rate)) >= 100:
        raise AmountError("must be below 99.995 (rates are answered with two decimals)")
    if exponent > 0:  # 1E+1: a plain 10, as every answer and record writes it
        rate = rate.quantize(Decimal(1))
    return rate.copy_abs()  # -0 (and -0.00) is 0, never answered as "-0.00"


def rate_text(rate: Decimal | str) -> str:
    """A tax rate as responses write it: two decimals (``"21.00"``, the snippets' form)."""
    return f"{Decimal(rate):.2f}"


@dataclass(frozen=True)
class Triple:
    """An amount with and without tax, in cents; ``tax`` is always ``incl - excl``."""

    incl: int
    excl: int

    @property
    def tax(self) -> int:
        return self.incl - self.excl

    def __add__(self, other: Triple) -> Triple:
        return Triple(self.incl + other.incl, self.excl + other.excl)

    def __sub__(self, other: Triple) -> Triple:
        return Triple(self.incl - other.incl, self.excl - other.excl)

    def fits_in(self, other: Triple) -> bool:
        """incl and excl each no more than ``other``'s, the tax unchecked: what the plans,
        which Update handlers run again on replay, have always checked (``excess_over``)."""
        return self.incl <= other.incl and self.excl <= other.excl

    def excess_over(self, other: Triple) -> str | None:
        """The part of ``self`` (``"incl"``, ``"excl"`` or ``"tax"``) that is more than
        ``other``'s, or None when each fits: what remains after taking ``self`` out of
        ``other`` is then a triple with 0 <= excl <= incl, as ``other`` was."""
        for part, mine, theirs in (
            ("incl", self.incl, other.incl),
            ("excl", self.excl, other.excl),
            ("tax", self.tax, other.tax),
        ):
            if mine > theirs:
                return part
        return None

    @property
    def is_valid(self) -> bool:
        """0 <= excl <= incl: no amount and no tax below 0."""
        return 0 <= self.excl <= self.incl

    @property
    def is_zero(self) -> bool:
        return self.incl == 0 and self.excl == 0


ZERO = Triple(0, 0)


@dataclass(frozen=True)
class Line:
    """A priced line: per-unit prices in cents, a quantity and a tax rate."""

    quantity: int
    price_incl: int
    price_excl: int
    rate: Decimal

    @property
    def total(self) -> Triple:
        return Triple(self.price_incl * self.quantity, self.price_excl * self.quantity)


def price_problem(price_incl: int, price_excl: int) -> str | None:
    """What is wrong with a line's per-unit prices: a price excl. tax above the price incl.
    tax is a negative tax (the spec's tax is incl - excl, cents >= 0)."""
    if price_excl > price_incl:
        return "must not be more than product_price_incl_tax"
    return None


def line_sum(lines: Sequence[Line]) -> Triple:
    total = ZERO
    for line in lines:
        total = total + line.total
    return total


@dataclass(frozen=True)
class Discount:
    """An order's (or a capture's) discount, for the whole order, in cents."""

    description: str
    incl: int
    excl: int

    @property
    def amounts(self) -> Triple:
        return Triple(self.incl, self.excl)

    def as_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "amount_incl_tax": self.incl,
            "amount_excl_tax": self.excl,
            "amount_tax": self.incl - self.excl,
        }


def discount_of(
    description: str, incl: int, excl: int | None, tax: int | None
) -> Discount | TotalsProblem:
    """Fill in the discount's missing amounts: without excl it is incl - tax (incl without a
    tax); a tax given must be incl - excl, and excl and tax lie between 0 and incl, as every
    amount's (``amount_tax`` is named when excl was left out, as it was derived from the tax).
    The problem's field is relative to the discount."""
    derived = excl is None
    if excl is None:
        excl = incl - tax if tax is not None else incl
    if tax is not None and tax != incl - excl:
        return TotalsProblem("amount_tax", "must equal amount_incl_tax minus amount_excl_tax")
    if not 0 <= excl <= incl:
        field = "amount_tax" if derived else "amount_excl_tax"
        return TotalsProblem(field, "must be between 0 and amount_incl_tax")
    return Discount(description, incl, excl)


@dataclass(frozen=True)
class GivenTotals:
    """Totals as a request gave them: the triple, the legacy ``amount``, or parts of either."""

    incl: int | None = None
    excl: int | None = None
    tax: int | None = None
    amount: int | None = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.incl, self.excl, self.tax, self.amount))

    @property
    def incl_field(self) -> str:
        """The field the amount incl. tax came in: the legacy ``amount`` when only it was sent."""
        return (
            "amount" if self.incl is None and self.amount is not None else "total_amount_incl_tax"
        )


@dataclass(frozen=True)
class TotalsProblem:
    field: str
    message: str


def reconcile_totals(
    given: GivenTotals, expected: Triple, *, prefix: str = ""
) -> Triple | TotalsProblem:
    """The totals of a request checked against what its lines add up to.

    With the triple, incl and excl must each equal the line sums minus the discount, and tax
    must be incl - excl. With only ``amount``, it must equal the incl side; excl comes from
    the lines. ``amount`` next to the triple must equal ``total_amount_incl_tax``.
    """
    incl = given.incl if given.incl is not None else given.amount
    if given.amount is not None and given.incl is not None and given.amount != given.incl:
        return TotalsProblem(f"{prefix}amount", "must equal total_amount_incl_tax")
    if incl is None:
        return TotalsProblem(f"{prefix}total_amount_incl_tax", "is required")
    if incl != expected.incl:
        return TotalsProblem(
            f"{prefix}{given.incl_field}",
            f"must equal the sum of the order lines' product_price_incl_tax x quantity minus "
            f"the discount's amount_incl_tax ({expected.incl})",
        )
    legacy = given.incl is None and given.excl is None and given.tax is None
    if legacy:
        return expected
    if given.excl is None:
        return TotalsProblem(f"{prefix}total_amount_excl_tax", "is required with the triple")
    if given.excl != expected.excl:
        return TotalsProblem(
            f"{prefix}total_amount_excl_tax",
            f"must equal the sum of the order lines' product_price_excl_tax x quantity minus "
            f"the discount's amount_excl_tax ({expected.excl})",
        )
    if given.tax is not None and given.tax != incl - given.excl:
        return TotalsProblem(
            f"{prefix}total_amount_tax",
            "must equal total_amount_incl_tax minus total_amount_excl_tax",
        )
    return Triple(incl, given.excl)


def order_total(
    lines: Sequence[Line], discount: Discount | None, given: GivenTotals, *, required: bool = True
) -> Triple | TotalsProblem:
    """An order's totals: its lines' sums minus its discount, checked against the totals the
    request gave (``reconcile_totals``). Without ``required`` (a PATCH) and no totals given,
    they are those sums: nothing else could pass the exact check. A discount larger than the
    lines is refused."""
    expected = line_sum(lines)
    if discount is not None:
        expected = expected - discount.amounts
    total = reconcile_totals(given, expected) if required or given.given else expected
    if isinstance(total, TotalsProblem):
        return total
    if total.incl < 0 or total.excl < 0:
        return TotalsProblem("discount", "is more than the order lines")
    return total


def discounted_tax_problem(total: Triple) -> TotalsProblem | None:
    """An order's total (``order_total``) with a tax below 0: lines each priced with a tax of
    at least 0 (``price_problem``) less a discount whose own tax is more than theirs. The API
    and the PATCH Update validator check it; ``order_total``, which the PATCH handler runs
    again when a workflow replays, does not."""
    if total.excl > total.incl:
        return TotalsProblem(
            "discount", "takes more tax off than the order lines hold (amount_tax too large)"
        )
    return None


def empty_order_problem(
    total: Triple, given: GivenTotals, discount: Discount | None
) -> TotalsProblem | None:
    """An order of 0 (lines at 0, or a discount as large as its lines): the credit check would
    accept it, but nothing of it could ever be captured. The field named is the total given,
    else what made it 0. The order request and the PATCH Update validator check it;
    ``order_total``, which the PATCH handler runs again on replay, does not."""
    if total.incl > 0:
        return None
    if given.given:
        field = given.incl_field
    else:
        field = "discount" if discount is not None and discount.amounts.incl > 0 else "order_lines"
    return TotalsProblem(field, "must be more than 0: an order of nothing cannot be captured")


def totals_problem(given: GivenTotals, *, prefix: str = "") -> TotalsProblem | None:
    """What no capture or refund may say, whatever it is checked against: an amount incl. tax
    below 0, or an amount excl. tax or a tax outside 0..incl (the spec: integer cents >= 0,
    tax = incl - excl).

    The Update validators check it before planning; ``amounts_of``, which the Update handlers
    run again when a workflow replays, checks its excl side only, as it always did: a tax
    outside 0..incl that was accepted before the validators refused it replays as it was.
    """
    incl = given.incl if given.incl is not None else given.amount
    if incl is not None and incl < 0:
        return TotalsProblem(f"{prefix}{given.incl_field}", "must not be negative")
    for name, part in (("total_amount_excl_tax", given.excl), ("total_amount_tax", given.tax)):
        if part is not None and (part < 0 or incl is not None and part > incl):
            return TotalsProblem(f"{prefix}{name}", "must be between 0 and total_amount_incl_tax")
    return None


def amounts_of(given: GivenTotals, basis: Triple, *, prefix: str = "") -> Triple | TotalsProblem:
    """Totals given without lines to check them against (a capture or refund by amount).

    The triple is taken as given (tax = incl - excl); the legacy ``amount`` alone gets its
    excl side pro rata from ``basis`` (what remains to capture or refund). The range of a
    tax given without excl is ``totals_problem``'s, checked before (see there).
    """
    if given.amount is not None and given.incl is not None and given.amount != given.incl:
        return TotalsProblem(f"{prefix}amount", "must equal total_amount_incl_tax")
    incl = given.incl if given.incl is not None else given.amount
    if incl is None:
        return TotalsProblem(f"{prefix}total_amount_incl_tax", "is required")
    if given.tax is not None and given.excl is not None and given.tax != incl - given.excl:
        return TotalsProblem(
            f"{prefix}total_amount_tax",
            "must equal total_amount_incl_tax minus total_amount_excl_tax",
        )
    problem = totals_problem(replace(given, tax=None), prefix=prefix)
    if problem is not None:
        return problem
    if given.excl is not None:
        return Triple(incl, given.excl)
    if given.tax is not None:
        return Triple(incl, incl - given.tax)
    return Triple(incl, pro_rata(incl, basis.excl, basis.incl))


def pro_rata(amount: int, part: int, whole: int) -> int:
    """``amount x part / whole`` rounded half up, in integers; ``amount`` when whole is 0."""
    if whole == 0:
        return amount
    return (2 * amount * part + whole) // (2 * whole)


def excl_at_rate(incl: int, rate: Decimal) -> int:
    """The amount excl. tax that ``incl`` holds at ``rate`` percent: incl / (1 + rate / 100),
    rounded half up to the cent (``pro_rata``, exact in integers: 1210 at 21 % is 1000, 1000
    at 21 % is 826)."""
    numerator, denominator = rate.as_integer_ratio()
    return pro_rata(incl, 100 * denominator, 100 * denominator + numerator)


def split_at_rates(
    amounts: Triple, weights: dict[str, int], *, cents_to_largest: bool = False
) -> dict[str, Triple]:
    """``amounts`` over tax rates (percent, as text), in proportion to ``weights`` (amounts
    incl. tax), each part taxed at its own rate as nearly as ``amounts`` allow: the parts'
    tax is made ``amounts.tax`` by moving incl. tax between the highest and the lowest rate,
    and the cents left by rounding (or a tax no split at these rates holds) are placed where
    the parts' tax can take them (``_excl_cents_placed``), so that with 0 <= excl <= incl
    in ``amounts`` every part has it too. One rate takes ``amounts`` whole.

    ``cents_to_largest``: those cents all go to the largest part, as in captures planned
    before (their workflows replay them), even where that makes its tax negative (a 0 % part
    with excl above incl)."""
    rates = sorted(weights) or ["0"]
    incl = allocate(amounts.incl, [weights.get(rate, 0) for rate in rates])
    share = [Fraction(Decimal(rate)) / (100 + Fraction(Decimal(rate))) for rate in rates]
    high = max(range(len(rates)), key=share.__getitem__)
    low = min(range(len(rates)), key=share.__getitem__)
    if share[high] != share[low]:
        held = sum(part * tax for part, tax in zip(incl, share, strict=True))
        moved = round((amounts.tax - held) / (share[high] - share[low]))
        moved = max(-incl[high], min(incl[low], moved))
        incl[high], incl[low] = incl[high] + moved, incl[low] - moved
    excl = [excl_at_rate(part, Decimal(rate)) for part, rate in zip(incl, rates, strict=True)]
    if not cents_to_largest:
        highest_first = sorted(range(len(rates)), key=share.__getitem__, reverse=True)
        excl = _excl_cents_placed(amounts.excl - sum(excl), incl, excl, highest_first)
    largest = max(range(len(rates)), key=incl.__getitem__)
    excl[largest] += amounts.excl - sum(excl)
    return {rate: Triple(incl[i], excl[i]) for i, rate in enumerate(rates)}


def _excl_cents_placed(
    cents: int, incl: list[int], excl: list[int], order: Sequence[int]
) -> list[int]:
    """``excl`` with ``cents`` (more excl. tax when above 0, less when below) placed on the
    parts in ``order``, each taking no more than keeps it 0 <= excl <= incl: cents more go
    to a part's tax room (incl - excl), cents less come out of its excl. What no part can take
    (amounts whose own tax is below 0 or above incl) is left for the caller to place."""
    placed = list(excl)
    for i in order:
        room = incl[i] - placed[i] if cents > 0 else -placed[i]
        taken = min(cents, room) if cents > 0 else max(cents, room)
        placed[i] += taken
        cents -= taken
    return placed


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` over ``weights`` in proportion, to the cent (largest remainder)."""
    total = sum(weights)
    if total == 0:
        return [amount] + [0] * (len(weights) - 1) if weights else []
    shares = [amount * w // total for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in remainders[: amount - sum(shares)]:
        shares[i] += 1
    return shares
