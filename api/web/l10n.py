"""Amounts and times in the operator's locale: parsed and shown the way the operator writes them.

An operator in Germany types "18.500,00" for eighteen thousand five hundred euros; one in
England types "18,500.00". Each amount typed into a form is read with Babel in the operator's
locale, strictly: what the locale cannot read ("18.500,00" in English) and what has more
decimals than its currency ("32.900" in English: thirty-two euros ninety, or a German
thirty-two thousand nine hundred?) is refused with a message that shows how it was read, never
guessed. Amounts are shown in the same locale and in the order's currency ("18.500,00 €" in
German, "€18,500.00" in English, "PLN 74,000.00" for a zloty order).

The locale is the operator's browser's first language the app knows (``Accept-Language``),
English when none is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_datetime, format_time
from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from starlette.requests import Request

from store.i18n import format_minor_units, preferred_languages
from workflows.currencies import in_major_units, minor_digits

DEFAULT = "en"
# The languages of the EU member states the platform serves: their number formats are Babel's
KNOWN = (
    "en", "de", "fr", "nl", "it", "es", "pt", "pl", "cs", "sk", "sl", "hr", "hu", "ro", "bg",
    "el", "da", "sv", "fi", "et", "lv", "lt", "ga", "mt",
)  # fmt: skip
EXAMPLE = 18_500_00  # the amount the forms' hints write in the operator's locale


def negotiate(header: str | None) -> Locale:
    """The operator's locale from the browser's ``Accept-Language``; English by default."""
    chosen = negotiate_locale(preferred_languages(header), KNOWN, sep="-")
    return Locale.parse(chosen or DEFAULT)


def operator_locale(request: Request) -> Locale:
    cached = getattr(request.state, "locale", None)
    if cached is None:
        cached = request.state.locale = negotiate(request.headers.get("accept-language"))
    return cached


def format_money(cents: int | None, currency: str = "EUR", locale: Locale | str = DEFAULT) -> str:
    """Minor units of ``currency``: ``1850000`` -> "18.500,00 €" (de), "€18,500.00" (en),
    "¥1,850,000" (en, JPY), "HUF18,500.50" (en): every decimal the amount has."""
    if cents is None:
        return ""
    return format_minor_units(cents, currency, locale)


def format_amount(cents: int | None, locale: Locale | str = DEFAULT, currency: str = "EUR") -> str:
    """An amount as a form field holds it, without the currency, with the currency's
    decimals: "18.500,00" (de), "1,850,000" (en, JPY)."""
    if cents is None:
        return ""
    return format_decimal(in_major_units(cents, currency), _pattern(currency), locale=locale)


def _pattern(currency: str) -> str:
    """Grouped, always the currency's decimals: how a form shows an amount."""
    digits = minor_digits(currency)
    return "#,##0" + ("." + "0" * digits if digits else "")


def format_when(value: datetime, locale: Locale | str = DEFAULT) -> str:
    """A moment to the minute in the locale's words, in UTC ("14:02" and its date)."""
    return format_datetime(value.astimezone(UTC), "medium", tzinfo=UTC, locale=locale) + " UTC"


def format_clock(value: datetime, locale: Locale | str = DEFAULT) -> str:
    """Only the time of day, UTC: "changed at 14:02 UTC"."""
    return format_time(value.astimezone(UTC), "short", tzinfo=UTC, locale=locale) + " UTC"


class AmountError(ValueError):
    """An amount that cannot be read without guessing; the message says how it was read."""


def _language(locale: Locale) -> str:
    return locale.get_display_name(DEFAULT) or str(locale)


# Amounts are stored as 64-bit minor units: a trillion is far above any invoice and far below that
LARGEST_AMOUNT = Decimal(10**12)


def parse_cents(raw: str, locale: Locale | str = DEFAULT, currency: str = "EUR") -> int:
    """An amount of ``currency`` typed in ``locale`` as integer minor units; refuses what it
    would have to guess."""
    locale = Locale.parse(locale)
    typed = raw.strip()
    for mark in (get_currency_symbol(currency, locale=locale), currency, currency.lower()):
        typed = typed.removeprefix(mark).removesuffix(mark).strip()
    group = get_group_symbol(locale=locale)
    if group.isspace():  # French: a narrow no-break space; a typed space means the same
        typed = typed.replace(" ", group).replace("\u00a0", group)
    example = format_amount(EXAMPLE, locale)
    digits = minor_digits(currency)
    if not typed:
        raise AmountError(f"is not an amount (e.g. {example})")
    not_written_so = AmountError(
        f'"{raw.strip()}" is not an amount as written in {_language(locale)}, where '
        f"eighteen thousand five hundred is {example}"
    )
    # digits 0-9 and the locale's marks only: the parser would also read "1e6" as a million,
    # "1_000" as a thousand and other scripts' digits
    marks = {group, get_decimal_symbol(locale=locale), "-"}
    if any(not ("0" <= c <= "9" or c in marks) for c in typed):
        raise not_written_so
    try:
        amount = parse_decimal(typed, locale=locale, strict=True)
    except (NumberFormatError, ArithmeticError) as error:
        raise not_written_so from error
    if not amount.is_finite():
        raise AmountError(f"is not an amount (e.g. {example})")
    if amount < 0:
        raise AmountError("must be zero or more")
    if amount >= LARGEST_AMOUNT:
        largest = format_amount(int(LARGEST_AMOUNT.scaleb(digits)), locale, currency)
        raise AmountError(f"must be less than {largest}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -digits:
        decimal = get_decimal_symbol(locale=locale)
        as_read = format_decimal(amount, "#,##0." + "0" * -exponent, locale=locale)
        nearest = amount.quantize(Decimal(1).scaleb(-digits))
        candidates = [format_amount(int(nearest.scaleb(digits)), locale, currency)]
        if amount * 1000 == int(amount * 1000) and exponent == -3:
            # "32.900" in English: perhaps thirty-two thousand nine hundred, grouped German-style
            candidates.append(format_amount(int((amount * 1000).scaleb(digits)), locale, currency))
        most = f"{digits} decimals at most" if digits else "no decimals"
        raise AmountError(
            f'"{raw.strip()}" was read as {as_read} ("{decimal}" marks the decimals in '
            f"{_language(locale)}), and an amount in {currency} has {most}: type "
            + " or ".join(dict.fromkeys(candidates))
        )
    return int(amount.scaleb(digits))
