"""The buyer-facing catalogues (store/i18n.py): complete in every language, in step with the
texts in the code and templates, read without a compile step; and the locale's formats."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from store import i18n
from store.i18n import LOCALE_DIR, BuyerLocale

pytestmark = pytest.mark.fast

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalog(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def source_messages() -> set[str]:
    """What scripts/i18n would extract from the code and templates today."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", ["de", "fr", "nl"])
def test_every_text_is_translated_with_the_same_placeholders(lang: str) -> None:
    missing, wrong = [], []
    for message in catalog(lang):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings) or message.fuzzy:
            missing.append(ids[0])
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
            wrong.append(ids[0])
    assert missing == [] and wrong == []


def test_the_catalogues_are_in_step_with_the_sources() -> None:
    """A text changed in a template or in code without scripts/i18n fails here."""
    sources = source_messages()
    assert len(sources) > 100
    for lang in ("de", "fr", "nl"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(lang) if m.id}
        assert sources - ids == set(), f"{lang}: not in the catalogue, run scripts/i18n"
        assert ids - sources == set(), f"{lang}: no longer used, run scripts/i18n"


def test_the_catalogues_are_read_from_their_po_files_without_compiling() -> None:
    assert not list(LOCALE_DIR.rglob("*.mo"))  # nothing compiled is kept or needed
    assert i18n.translations("de").gettext("Pay by invoice") == "Kauf auf Rechnung"
    assert i18n.translations("nl_BE").gettext("Pay by invoice") == "Betalen op factuur"
    assert i18n.translations("es").gettext("Pay by invoice") == "Pay by invoice"


@pytest.mark.parametrize(
    ("locale", "money", "day", "rate"),
    [
        ("de", "18.500,00\xa0€", "2. März 2026", "19\xa0%"),
        ("de_AT", "€\xa018.500,00", "2. März 2026", "19\xa0%"),
        ("fr", "18\u202f500,00\xa0€", "2 mars 2026", "19\xa0%"),
        ("nl", "€\xa018.500,00", "2 maart 2026", "19%"),
        ("nl_BE", "€\xa018.500,00", "2 maart 2026", "19%"),
        ("en", "€18,500.00", "March 2, 2026", "19%"),
        ("en_GB", "€18,500.00", "2 March 2026", "19%"),
        ("pl_PL", "€18,500.00", "March 2, 2026", "19%"),  # no Polish texts: English formats
    ],
)
def test_amounts_dates_and_rates_in_the_buyers_format(
    locale: str, money: str, day: str, rate: str
) -> None:
    t = BuyerLocale(locale)
    assert t.money(18_500_00, "EUR") == money
    assert t.date(date(2026, 3, 2)) == day
    assert t.rate(Decimal("19.000000")) == rate


def test_a_buyer_reads_an_amount_to_its_last_minor_unit() -> None:
    """An invoice of 18,500.50 forints is not written "18 500 Ft" (Babel's cash rounding)."""
    assert BuyerLocale("de").money(18_500_50, "HUF") == "18.500,50\xa0HUF"
    assert BuyerLocale("en").money(1_850_005, "IQD") == "IQD1,850.005"


def test_a_buyers_country_picks_its_language() -> None:
    assert [BuyerLocale.for_country(c).lang for c in ("DE", "AT", "FR", "NL", "BE", "PL")] == [
        "de",
        "de",
        "fr",
        "nl",
        "nl",
        "en",
    ]
