"""Vehicle identification numbers (ISO 3779): normalised, checked and decoded, without a clock.

A VIN is 17 characters of the VIN alphabet: digits and the letters A-Z without I, O and Q
(they read as 1 and 0). Anything else is refused. The check digit at position 9 is mandatory
in North America only (49 CFR 565.15); European VINs often carry a filler there, so a wrong
check digit on a North-American VIN is a warning, never a refusal.

Manufacturer, region and country of manufacture come from vininfo's tables. vininfo's ``Vin``
class reads the clock (its model years and some brands' details do), which workflow code may
not, so the tables are read here and the model year is resolved against ``today``, an input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vininfo.dicts import COUNTRIES, REGIONS, WMI

_ALPHABET = re.compile(r"[0-9A-HJ-NPR-Z]{17}")
# ISO 3779 transliteration: a character's value is its index in this string modulo 10.
_VALUES = "0123456789.ABCDEFGH..JKLMN.P.R..STUVWXYZ"
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Model-year codes at position 10: a 30-year cycle that began with 1980.
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_FIRST_MODEL_YEAR = 1980
_NORTH_AMERICA = "North America"


class InvalidVin(ValueError):
    """The input is not a well-formed VIN; the message says why, for a 422."""


@dataclass(frozen=True)
class VinCheck:
    vin: str  # normalised: upper case, no surrounding blanks
    manufacturer: str | None
    model_year: int | None
    region: str | None  # of manufacture, e.g. "Europe"
    country: str | None  # of manufacture, e.g. "Germany"
    warnings: tuple[str, ...] = ()


def check_vin(raw: str, *, today: date | None = None) -> VinCheck:
    """Normalise, validate and decode ``raw``; raises InvalidVin.

    The model year is read from position 10. Its code repeats every 30 years: on a
    North-American VIN position 7 says which cycle; elsewhere ``today`` does (the latest year
    not after next year's models) and without it ``model_year`` is None. European makers need
    not encode a model year at all, so outside North America it is indicative.
    """
    vin = raw.strip().upper()
    if len(vin) != 17:
        raise InvalidVin(f"a VIN has 17 characters; {vin!r} has {len(vin)}")
    if not _ALPHABET.fullmatch(vin):
        forbidden = sorted(set(vin) & set("IOQ"))
        if forbidden:
            raise InvalidVin(
                f"{vin} contains {' and '.join(forbidden)}: a VIN never uses I, O or Q "
                "(read them as 1 and 0)"
            )
        raise InvalidVin(f"{vin} may contain only digits and the letters A-Z except I, O and Q")

    # A WMI maps to a manufacturer's name or to vininfo's object for it (with its quirks).
    assembler = WMI.get(vin[:3]) or WMI.get(vin[:2])
    manufacturer = (
        assembler if isinstance(assembler, str) else getattr(assembler, "manufacturer", None)
    )
    region = next((name for codes, name in REGIONS.items() if vin[0] in codes), None)
    warnings = []
    expected = check_digit(vin)
    # A brand may use position 9 for something else (vininfo knows which: Ford Australia).
    uses_check_digit = getattr(assembler, "uses_sae_checkdigit", True)
    if region == _NORTH_AMERICA and uses_check_digit and vin[8] != expected:
        warnings.append(
            f"the check digit at position 9 is {vin[8]}, but this VIN's characters give "
            f"{expected}: North-American VINs must carry it, so check for a typo"
        )
    year_code = vin[9 + getattr(assembler, "year_position", 0)]
    return VinCheck(
        vin=vin,
        manufacturer=manufacturer,
        model_year=_model_year(year_code, vin[6] if region == _NORTH_AMERICA else None, today),
        region=region,
        country=COUNTRIES.get(vin[:2]),
        warnings=tuple(warnings),
    )


def check_digit(vin: str) -> str:
    """The ISO 3779 / 49 CFR 565.15 check digit of a 17-character VIN: ``0``-``9`` or ``X``."""
    remainder = sum(_VALUES.index(c) % 10 * w for c, w in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def _model_year(code: str, position_7: str | None, today: date | None) -> int | None:
    if code not in _YEAR_CODES:
        return None  # no year code there (European VINs need not carry one)
    year = _FIRST_MODEL_YEAR + _YEAR_CODES.index(code)
    cycle = len(_YEAR_CODES)
    if position_7 is not None:
        # 49 CFR 565.15: in North America a letter at position 7 means model years from 2010.
        return year if position_7.isdigit() else year + cycle
    if today is None:
        return None
    # Next year's models are on sale this year; anything later is the previous cycle.
    return year + (today.year + 1 - year) // cycle * cycle
