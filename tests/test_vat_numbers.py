"""VAT number normalisation: pure rules, no server."""

from __future__ import annotations

import re

import pytest

from workflows.buyers.rules.vat_numbers import InvalidVatNumber, VatNumber, normalize_vat_number

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("raw", "country", "number"),
    [
        ("DE136695976", "DE", "136695976"),
        ("de 136.695-976", "DE", "136695976"),  # separators and case are noise
        (" DE 136 695 976 ", "DE", "136695976"),
        ("ATU13585627", "AT", "U13585627"),
        ("BE0403170701", "BE", "0403170701"),
        ("BE403170701", "BE", "0403170701"),  # the old 9-digit form gains its zero
        ("FR 40 303265045", "FR", "40303265045"),
        ("NL004495445B01", "NL", "004495445B01"),
        ("ESB58378431", "ES", "B58378431"),
        ("IT00743110157", "IT", "00743110157"),
        ("PL856-734-62-15", "PL", "8567346215"),
        ("PT501964843", "PT", "501964843"),
        ("IE6433435F", "IE", "6433435F"),
        ("CY10259033P", "CY", "10259033P"),
        ("EL094259216", "EL", "094259216"),
        ("GR094259216", "EL", "094259216"),  # Greece's ISO code, read as VIES's EL
        ("XI980780684", "XI", "980780684"),  # Northern Ireland is in VIES for goods
    ],
)
def test_good_numbers_are_normalised(raw: str, country: str, number: str):
    vat = normalize_vat_number(raw)
    assert vat == VatNumber(country, number)
    assert vat.full == country + number


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("DE136695978", "DE136695978 is not a valid German VAT number: the check digit"),
        ("DE13669597", "is not a valid German VAT number: it has the wrong number of characters"),
        ("DE13669597A", "is not a valid German VAT number: it does not have the country's"),
        ("ATU13585626", "is not a valid Austrian VAT number"),
        ("FR40303265046", "is not a valid French VAT number"),
        ("NL004495446B01", "is not a valid Dutch VAT number"),
        ("EL094259217", "is not a valid Greek VAT number"),
        ("PL8567346216", "is not a valid Polish VAT number"),
        ("136695976", "must start with an EU country code (it would be valid as DE136695976)"),
        ("XX123456789", "must start with an EU country code"),
        ("GB980780684", "must start with an EU country code"),  # Great Britain left VIES
        ("EU372000041", "must start with an EU country code"),  # OSS numbers are not in VIES
        ("   ", "a VAT number is required"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(raw: str, message: str):
    with pytest.raises(InvalidVatNumber, match=re.escape(message)):
        normalize_vat_number(raw)


def test_invalid_vat_number_is_a_value_error():
    # So pydantic validators that call it turn it into a 422 naming the field.
    assert issubclass(InvalidVatNumber, ValueError)
