"""VIN normalisation, check digit and decoding: pure rules, no server."""

from __future__ import annotations

import re
from datetime import date

import pytest

from workflows.orders.rules.vin import InvalidVin, VinCheck, check_digit, check_vin

pytestmark = pytest.mark.fast

TODAY = date(2026, 5, 4)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # European VINs: a filler (Z) where North America puts the check digit, no warning
        (
            "WVWZZZ1KZAW000001",
            VinCheck("WVWZZZ1KZAW000001", "Volkswagen", 2010, "Europe", "Germany"),
        ),
        (
            "WAUZZZ8V5KA012345",
            VinCheck("WAUZZZ8V5KA012345", "Audi", 2019, "Europe", "Germany"),
        ),
        (
            "VF1RFB00X56789012",
            VinCheck("VF1RFB00X56789012", "Renault", 2005, "Europe", "France"),
        ),
        # Fiat puts no year code at position 10: no model year rather than a wrong one
        (
            "ZFA31200000123456",
            VinCheck("ZFA31200000123456", "Fiat Automobiles", None, "Europe", "Italy"),
        ),
        # North America: correct check digits (3, and X for ten)
        (
            "1HGCM82633A004352",
            VinCheck("1HGCM82633A004352", "Honda", 2003, "North America", "United States"),
        ),
        (
            "1M8GDM9AXKP042788",  # position 7 is a digit: K is 1989, not 2019
            VinCheck("1M8GDM9AXKP042788", "Mercury", 1989, "North America", "United States"),
        ),
        # Lower case and blanks around it are noise
        (
            "  wvwzzz1kzaw000001\n",
            VinCheck("WVWZZZ1KZAW000001", "Volkswagen", 2010, "Europe", "Germany"),
        ),
        # A world manufacturer code vininfo does not know: decoded as far as it goes
        (
            "WZZZZZZZZZZ123456",
            VinCheck("WZZZZZZZZZZ123456", None, None, "Europe", "Germany"),
        ),
    ],
)
def test_good_vins_are_normalised_and_decoded(raw: str, expected: VinCheck):
    assert check_vin(raw, today=TODAY) == expected


def test_a_wrong_north_american_check_digit_is_a_warning_not_a_refusal():
    checked = check_vin("1HGCM82634A004352", today=TODAY)  # 3 -> 4 at position 10
    assert checked.vin == "1HGCM82634A004352"
    assert checked.manufacturer == "Honda"
    assert checked.model_year == 2004
    (warning,) = checked.warnings
    assert "the check digit at position 9 is 3, but this VIN's characters give 1" in warning


def test_model_year_cycle_follows_today_outside_north_america():
    # Position 10 "5" stands for 2005 and 2035: the later one only once 2035 models exist.
    assert check_vin("VF1RFB00X56789012", today=date(2026, 1, 1)).model_year == 2005
    assert check_vin("VF1RFB00X56789012", today=date(2034, 6, 1)).model_year == 2035
    # Without a reference date it is not determinable (workflow code has no clock).
    assert check_vin("VF1RFB00X56789012").model_year is None
    # North America needs none: position 7 decides.
    assert check_vin("1HGCM82633A004352").model_year == 2003


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("WVWZZZ1KZAW00000", "a VIN has 17 characters; 'WVWZZZ1KZAW00000' has 16"),
        ("WVWZZZ1KZAW0000011", "a VIN has 17 characters; 'WVWZZZ1KZAW0000011' has 18"),
        ("", "a VIN has 17 characters; '' has 0"),
        ("WVWZZZ1KZAW00000O", "WVWZZZ1KZAW00000O contains O: a VIN never uses I, O or Q"),
        ("IVWZZZ1KZAQ000001", "IVWZZZ1KZAQ000001 contains I and Q: a VIN never uses I, O or Q"),
        ("WVW-ZZ1KZAW000001", "may contain only digits and the letters A-Z except I, O and Q"),
        ("WVW ZZ1KZAW000001", "may contain only digits and the letters A-Z except I, O and Q"),
    ],
)
def test_bad_vins_are_refused_with_a_reason(raw: str, message: str):
    with pytest.raises(InvalidVin, match=re.escape(message)):
        check_vin(raw)


def test_invalid_vin_is_a_value_error():
    assert issubclass(InvalidVin, ValueError)


@pytest.mark.parametrize(
    ("vin", "digit"),
    [("1HGCM82633A004352", "3"), ("1M8GDM9AXKP042788", "X"), ("11111111111111111", "1")],
)
def test_check_digit(vin: str, digit: str):
    assert check_digit(vin) == digit
