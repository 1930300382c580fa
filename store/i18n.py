"""What buyers read, in their language: gettext catalogues (Babel) and locale formatting.

The buyer-facing texts (the hosted payment page, the self-service upload page and its
invitation e-mail, the invoice e-mail and the dunning letters) are marked for translation in
the templates (``{% trans %}``, ``_()``) and in code (``t.gettext``); their translations are
the ``.po`` catalogues in ``store/locale/<lang>/LC_MESSAGES/messages.po``, kept in the
repository. There is no compile step: a catalogue is read from its ``.po`` file and compiled
in memory the first time a language is asked for (``translations``), so a fresh clone, an
editable install and a wheel all work as they are. To change a text: edit the template or
code, run ``scripts/i18n`` (extract and update the catalogues), translate the new entries;
``tests/test_i18n.py`` fails while an entry is missing or out of date.

Languages: English (the source texts, and the fallback), German, French and Dutch. A NOTYD
order's ``locale`` (``de_AT``, ``nl_BE``, ...) picks its language; a buyer's country picks
the language of its invitation and upload page. Dates and amounts are formatted for the full
locale with ``babel.dates`` and ``babel.numbers`` (``18.500,00 €`` in German, ``€18,500.00``
in English).
"""

from __future__ import annotations

import copy
import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_date, format_datetime, get_timezone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from jinja2 import BaseLoader, Environment, select_autoescape

from workflows.currencies import in_major_units, minor_digits


def format_minor_units(cents: int, currency: str, locale: Locale | str) -> str:
    """Minor units of ``currency`` in the locale's currency format, with every decimal the
    amount has (ISO 4217, ``workflows.currencies``): "18.500,00 €" (de), "HUF18,500.50" (en).
    Babel's own precision is the one people round to in cash (0 for HUF, ...): two amounts
    50 fillér apart would read the same."""
    return _currency_pattern(locale, minor_digits(currency)).apply(
        in_major_units(cents, currency), locale, currency=currency, currency_digits=False
    )


@cache
def _currency_pattern(locale: Locale | str, digits: int) -> NumberPattern:
    """The locale's currency format with ``digits`` decimals, built once: every amount of a
    page or an Export File is formatted with it."""
    pattern = copy.copy(Locale.parse(locale).currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return pattern


LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("en", "de", "fr", "nl")  # English first: the source texts and the fallback
FALLBACK = "en"

# The language a buyer in each country reads when nothing else says (Belgium: Dutch, the
# language of most of its companies; a Walloon order names fr_BE itself)
COUNTRY_LANGUAGES = {
    "AT": "de",
    "DE": "de",
    "LI": "de",
    "CH": "de",
    "FR": "fr",
    "LU": "fr",
    "MC": "fr",
    "NL": "nl",
    "BE": "nl",
}
# The full locale that formats dates and amounts for a country's buyers
COUNTRY_LOCALES = {
    "AT": "de_AT",
    "DE": "de_DE",
    "LI": "de_LI",
    "CH": "de_CH",
    "FR": "fr_FR",
    "LU": "fr_LU",
    "MC": "fr_MC",
    "NL": "nl_NL",
    "BE": "nl_BE",
}


def N_(message: str) -> str:
    """Marks a text for the catalogues where it is defined; it is translated where shown."""
    return message


def language_of(locale: str | None) -> str:
    """The catalogue for a locale (``de_AT`` → ``de``); English for any other."""
    lang = (locale or "").replace("-", "_").split("_")[0].lower()
    return lang if lang in LANGUAGES else FALLBACK


def locale_for_country(country: str | None) -> str:
    return COUNTRY_LOCALES.get((country or "").upper(), FALLBACK)


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of ``lang`` (read from its ``.po``; English: the source texts)."""
    lang = language_of(lang)
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == FALLBACK or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def preferred_languages(header: str | None) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first (q=0 left out)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip().replace("_", "-")))
    return [tag for _, _, tag in sorted(weighted)]


class BuyerLocale:
    """One buyer's language and formats: its texts (``gettext``) and its dates and amounts."""

    def __init__(self, locale: str | None) -> None:
        raw = (locale or FALLBACK).replace("-", "_")
        self.lang = language_of(raw)
        try:
            parsed = Locale.parse(raw)
        except (ValueError, TypeError):
            parsed = Locale.parse(self.lang)
        # a locale of another language (es_ES) reads English texts: format in English too
        self.locale = parsed if parsed.language == self.lang else Locale.parse(self.lang)
        self.translations = translations(self.lang)

    @classmethod
    def for_country(cls, country: str | None) -> BuyerLocale:
        return cls(locale_for_country(country))

    @classmethod
    def for_browser(cls, accept_language: str | None) -> BuyerLocale:
        """The catalogue the buyer's browser wants most (``Accept-Language``), English when it
        wants none of them."""
        chosen = negotiate_locale(preferred_languages(accept_language), LANGUAGES, sep="-")
        return cls(chosen or FALLBACK)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def money(self, cents: int, currency: str) -> str:
        """Minor units in the locale: "18.500,00 €" (de), "¥1,850,000" (en, JPY)."""
        return format_minor_units(cents, currency, self.locale)

    def rate(self, percent: Decimal | str) -> str:
        """A tax rate: ``21 %`` in German, ``21%`` in English."""
        value = (Decimal(percent) / 100).normalize()
        return format_percent(value, locale=self.locale, decimal_quantization=False)

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, format="long", locale=self.locale)

    def datetime(self, value: datetime) -> str:
        """Date and time in UTC, said so."""
        return format_datetime(value, format="long", tzinfo=get_timezone("UTC"), locale=self.locale)

    def template_globals(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "money": self.money,
            "rate": self.rate,
            "number": self.number,
            "format_date": self.date,
            "format_datetime": self.datetime,
        }


@cache
def _environment(loader: BaseLoader, lang: str) -> Environment:
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def environment(loader: BaseLoader, lang: str) -> Environment:
    """One Jinja2 environment per template loader and language, its texts translated."""
    return _environment(loader, language_of(lang))


def render(loader: BaseLoader, name: str, where: BuyerLocale, **context: Any) -> str:
    template = environment(loader, where.lang).get_template(name)
    return template.render(where.template_globals() | context)
