"""An invoice's money as pure code: what it owes, its ``payment_status``, and how incoming
money finds it. Amounts are integer cents; no float ever touches one.

``payment_status`` follows from four sums and an optional write-off:

- ``write_off_credit`` / ``write_off_fraud``: staff gave up on what was outstanding (the
  buyer cannot pay, or the order was fraud). Final, whatever comes in afterwards.
- ``refunded``: credit notes cover the whole invoice; nothing is owed.
- ``paid``: the buyer paid everything owed (the total less its credit notes).
- ``partially_paid``: some, not all, came in.
- ``paid_to_seller``: money the buyer paid has been passed on to the seller by a payout, but
  the invoice is not settled in full yet (partly paid, or paid but only partly paid out).
- ``paid_to_seller_settled``: the buyer paid everything and all of it reached the seller.
- ``not_paid``: nothing came in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class PaymentStatus(StrEnum):
    """NOTYD's invoice ``payment_status`` values."""

    NOT_PAID = "not_paid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    REFUNDED = "refunded"
    PAID_TO_SELLER = "paid_to_seller"
    PAID_TO_SELLER_SETTLED = "paid_to_seller_settled"
    WRITE_OFF_CREDIT = "write_off_credit"
    WRITE_OFF_FRAUD = "write_off_fraud"


# The label each status shows beside its value in the answers' ``{name, value}`` pairs
PAYMENT_STATUS_LABELS: dict[PaymentStatus, str] = {
    PaymentStatus.NOT_PAID: "Not paid",
    PaymentStatus.PARTIALLY_PAID: "Partially paid",
    PaymentStatus.PAID: "Paid",
    PaymentStatus.REFUNDED: "Refunded",
    PaymentStatus.PAID_TO_SELLER: "Paid to seller",
    PaymentStatus.PAID_TO_SELLER_SETTLED: "Paid to seller settled",
    PaymentStatus.WRITE_OFF_CREDIT: "Write off credit",
    PaymentStatus.WRITE_OFF_FRAUD: "Write off fraud",
}

WRITE_OFFS = frozenset({PaymentStatus.WRITE_OFF_CREDIT, PaymentStatus.WRITE_OFF_FRAUD})


@dataclass(frozen=True)
class Balance:
    """An invoice's money, in cents."""

    total: int  # the invoice total including tax
    refunded: int = 0  # credit notes
    received: int = 0  # what the buyer paid
    paid_out: int = 0  # what payouts passed on to the seller
    write_off: PaymentStatus | None = None

    @property
    def owed(self) -> int:
        """What the buyer owes in all, after credit notes."""
        return max(self.total - self.refunded, 0)

    @property
    def outstanding(self) -> int:
        """What the buyer still has to pay; 0 once written off. At 0 dunning ends."""
        return 0 if self.write_off else max(self.owed - self.received, 0)

    @property
    def overpaid(self) -> int:
        """What the buyer paid beyond what it owes (due back to it)."""
        return max(self.received - self.owed, 0)

    @property
    def payable_to_seller(self) -> int:
        """What came in from the buyer for this invoice and has not reached the seller yet.

        Negative when a credit note came after the payout: the seller owes it back, and the
        next payout deducts it.
        """
        return min(self.received, self.owed) - self.paid_out

    @property
    def status(self) -> PaymentStatus:
        return payment_status(self)


def payment_status(balance: Balance) -> PaymentStatus:
    if balance.write_off:
        return balance.write_off
    if balance.owed == 0:
        return PaymentStatus.REFUNDED
    paid_in_full = balance.received >= balance.owed
    if balance.paid_out > 0:
        settled = paid_in_full and balance.paid_out >= balance.owed
        return PaymentStatus.PAID_TO_SELLER_SETTLED if settled else PaymentStatus.PAID_TO_SELLER
    if paid_in_full:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID if balance.received > 0 else PaymentStatus.NOT_PAID


def write_off_allowed(balance: Balance) -> str | None:
    """Why ``balance`` cannot be written off, or None."""
    if balance.write_off:
        return f"the invoice is already {balance.write_off.value}"
    if balance.outstanding == 0:
        return "nothing is outstanding"
    return None


class AmountError(ValueError):
    pass


def cents(amount: str, minor_units: int = 2) -> int:
    """A decimal amount as a bank writes it (``"1234.5"``, ``"0.07"``) in integer cents.

    Exact: more decimals than the currency has, a sign, an exponent or anything but the digits
    0-9 and one dot is refused rather than rounded; so is an amount of more than 18 digits (ISO
    20022's limit), before a long one could become a huge integer.
    """
    text = amount.strip()
    # ASCII digits alone, as ISO 20022's decimal is written: \d would take any script's
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise AmountError(f"not an amount: {amount!r}")
    if len(text.replace(".", "")) > 18:
        raise AmountError(f"more than 18 digits: {text[:24]!r}...")
    try:
        value = Decimal(text)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only decimals
        raise AmountError(f"not an amount: {amount!r}") from error
    scaled = value.scaleb(minor_units)
    if scaled != scaled.to_integral_value():
        raise AmountError(f"{amount!r} has more than {minor_units} decimals")
    return int(scaled)


def normalize_reference(text: str) -> str:
    """A payment reference as it is stored: upper case, letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def reference_candidates(texts: Iterable[str | None], min_length: int = 6) -> list[str]:
    """Every string in a transfer's texts that could be a payment reference, best first.

    Buyers type references with spaces or dashes and banks wrap remittance lines at 35
    characters, so besides each word the joins of neighbouring words count too.
    """
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        words = [normalize_reference(w) for w in re.split(r"[\s/,;:]+", text.upper())]
        words = [w for w in words if w]
        whole = "".join(words)
        if min_length <= len(whole) <= 64 and whole not in found:
            found.append(whole)
        for size in (1, 2, 3):
            for start in range(len(words) - size + 1):
                joined = "".join(words[start : start + size])
                if len(joined) >= min_length and joined not in found:
                    found.append(joined)
    return found
