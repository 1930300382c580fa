"""Currencies' minor units (ISO 4217): an amount is an integer of its currency's minor unit,
so JPY 1000 is a thousand yen and EUR 1000 ten euros."""

from __future__ import annotations

from decimal import Decimal

# The currencies whose minor unit is not the hundredth
_MINOR_DIGITS = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI"), 0
    ),
    **dict.fromkeys(("VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def minor_digits(currency: str) -> int:
    """The decimals of the currency's minor unit (ISO 4217): 2 for EUR, 0 for JPY, 3 for KWD."""
    return _MINOR_DIGITS.get(currency, 2)


def in_major_units(value: int, currency: str) -> Decimal:
    """Minor units as the amount they are: 1850000 EUR is 18500.00, 1850000 JPY 1850000."""
    return Decimal(value).scaleb(-minor_digits(currency))


def plain_amount(value: int, currency: str) -> str:
    """The amount with its currency's decimals, grouped, with integer arithmetic only:
    "18,500.00" (EUR), "1,850,000" (JPY), "-0.05"."""
    digits = minor_digits(currency)
    major, minor = divmod(abs(value), 10**digits)
    sign = "-" if value < 0 else ""
    return f"{sign}{major:,}" + (f".{minor:0{digits}d}" if digits else "")
