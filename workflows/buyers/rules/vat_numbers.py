"""EU VAT numbers: normalised to the form VIES asks about, validated with python-stdnum.

A number is accepted only with its VIES member-state prefix (Greece is ``EL``; ``GR`` is read
as ``EL``; Northern Ireland's ``XI`` is in VIES for trade in goods) and only when its national
part passes that country's format and check-digit rules, so VIES is never asked about a typo.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import util
from stdnum.eu import vat
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

# The VIES member-state codes and the adjective an error message names them by.
COUNTRIES: dict[str, str] = {
    "AT": "Austrian",
    "BE": "Belgian",
    "BG": "Bulgarian",
    "CY": "Cypriot",
    "CZ": "Czech",
    "DE": "German",
    "DK": "Danish",
    "EE": "Estonian",
    "EL": "Greek",
    "ES": "Spanish",
    "FI": "Finnish",
    "FR": "French",
    "HR": "Croatian",
    "HU": "Hungarian",
    "IE": "Irish",
    "IT": "Italian",
    "LT": "Lithuanian",
    "LU": "Luxembourgish",
    "LV": "Latvian",
    "MT": "Maltese",
    "NL": "Dutch",
    "PL": "Polish",
    "PT": "Portuguese",
    "RO": "Romanian",
    "SE": "Swedish",
    "SI": "Slovenian",
    "SK": "Slovak",
    "XI": "Northern Irish",
}

# ISO 3166 codes people type instead of the VIES code.
_ALIASES = {"GR": "EL"}


class InvalidVatNumber(ValueError):
    """The input is not a well-formed EU VAT number; the message says why, for a 422."""


@dataclass(frozen=True)
class VatNumber:
    country: str  # VIES member-state code: DE, FR, EL, ...
    number: str  # the national part, compact: 136695976

    @property
    def full(self) -> str:
        return f"{self.country}{self.number}"


def normalize_vat_number(raw: str) -> VatNumber:
    """``"de 136.695-976"`` -> ``VatNumber("DE", "136695976")``; raises InvalidVatNumber."""
    compact = util.clean(raw, " -./,\t\n\r").upper()
    if not compact:
        raise InvalidVatNumber("a VAT number is required")
    country = _ALIASES.get(compact[:2], compact[:2])
    if country not in COUNTRIES:
        raise InvalidVatNumber(f"{compact} must start with an EU country code{_hint(compact)}")
    national = compact[2:]
    try:
        full = vat.validate(country + national)
    except ValidationError as error:
        raise InvalidVatNumber(
            f"{country}{national} is not a valid {COUNTRIES[country]} VAT number: {_reason(error)}"
        ) from None
    # stdnum's compact form can differ from the input (e.g. BE gains its leading zero).
    return VatNumber(country, full[2:])


def _reason(error: ValidationError) -> str:
    if isinstance(error, InvalidChecksum):
        return "the check digit does not match"
    if isinstance(error, InvalidLength):
        return "it has the wrong number of characters"
    return "it does not have the country's format"


def _hint(compact: str) -> str:
    """Name the countries a number without a prefix would be valid in: the likely fix."""
    guesses = sorted(_ALIASES.get(cc.upper(), cc.upper()) for cc in vat.guess_country(compact))
    guesses = [cc for cc in guesses if cc in COUNTRIES]
    if not guesses:
        return " (for example DE, FR or EL)"
    return f" (it would be valid as {' or '.join(cc + compact for cc in guesses)})"
