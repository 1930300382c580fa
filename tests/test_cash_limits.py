"""The table of national and EU cash-payment limits: its shape and the lookup, no server.

The tests read the amounts and dates from the table itself, so correcting a row never means
editing a test; they check that every row is well formed and reachable through the lookup.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from workflows.money import Money
from workflows.orders.rules import cash_limits
from workflows.orders.rules.cash_limits import (
    CASH_LIMITS,
    EU,
    MEMBER_STATES,
    SCOPES,
    CashLimit,
    limits_in_force,
)

pytestmark = pytest.mark.fast

WITH_NATIONAL_LIMIT = {row.jurisdiction for row in CASH_LIMITS} - {EU}
WITHOUT_NATIONAL_LIMIT = sorted(MEMBER_STATES - WITH_NATIONAL_LIMIT)
EU_ROWS = [row for row in CASH_LIMITS if row.jurisdiction == EU]


def _allowed(amount: Money, limits: tuple[CashLimit, ...]) -> bool:
    """An amount in a limit's currency is allowed when no limit in force is below it."""
    return all(amount.value <= lim.max_cash.value for lim in limits)


def _country_for(row: CashLimit) -> str:
    # The EU row is looked up through a member state that has no national limit of its own.
    return row.jurisdiction if row.jurisdiction != EU else WITHOUT_NATIONAL_LIMIT[0]


def _row_id(row: CashLimit) -> str:
    return f"{row.jurisdiction}-{row.valid_from.isoformat()}-{row.max_cash.currency}"


@pytest.mark.parametrize("row", CASH_LIMITS, ids=_row_id)
def test_every_row_is_in_force_from_its_first_day_and_is_the_boundary(row: CashLimit):
    country = _country_for(row)
    in_force = limits_in_force(country, row.valid_from)
    assert row in in_force
    own = tuple(lim for lim in in_force if lim.jurisdiction == row.jurisdiction)
    assert own == (row,)  # the only row of its jurisdiction that day
    at_limit = Money(row.max_cash.value, row.max_cash.currency)
    one_unit_over = Money(row.max_cash.value + 1, row.max_cash.currency)
    assert _allowed(at_limit, own)
    assert not _allowed(one_unit_over, own)

    day_before = limits_in_force(country, row.valid_from - timedelta(days=1))
    assert row not in day_before


@pytest.mark.parametrize("row", CASH_LIMITS, ids=_row_id)
def test_every_row_is_well_formed(row: CashLimit):
    assert row.jurisdiction in MEMBER_STATES | {EU}
    assert row.scope in SCOPES
    assert row.legal_source.strip()
    assert re.fullmatch(r"[A-Z]{3}", row.max_cash.currency)
    assert isinstance(row.max_cash.value, int) and row.max_cash.value > 0
    assert isinstance(row.valid_from, date)


def test_the_table_has_one_row_per_jurisdiction_and_day():
    keys = [(row.jurisdiction, row.valid_from) for row in CASH_LIMITS]
    assert len(keys) == len(set(keys))


def test_the_table_covers_the_member_states_with_a_national_limit():
    required = {"BE", "BG", "CZ", "DK", "ES", "FR", "GR", "HR", "HU", "IT", "LV", "LT", "MT"}
    required |= {"PL", "PT", "RO", "SK", "SI"}
    assert required <= WITH_NATIONAL_LIMIT
    assert len(EU_ROWS) == 1


def test_the_docstring_names_every_member_state_without_a_limit():
    doc = cash_limits.__doc__ or ""
    assert WITHOUT_NATIONAL_LIMIT  # some member states have none (e.g. DE)
    for state in WITHOUT_NATIONAL_LIMIT:
        assert re.search(rf"\b{state}\b", doc), state


def test_greece_is_found_by_its_vies_code_and_input_is_normalised():
    latest_gr = max((r for r in CASH_LIMITS if r.jurisdiction == "GR"), key=lambda r: r.valid_from)
    on = latest_gr.valid_from
    expected = limits_in_force("GR", on)
    assert latest_gr in expected
    for spelling in ("EL", "el", " el ", "gr", "\tGr\n"):
        assert limits_in_force(spelling, on) == expected


def test_lowercase_and_whitespace_work_for_any_state():
    for row in CASH_LIMITS:
        country = _country_for(row)
        assert limits_in_force(f"  {country.lower()} ", row.valid_from) == limits_in_force(
            country, row.valid_from
        )


@pytest.mark.parametrize("country", WITHOUT_NATIONAL_LIMIT)
def test_a_state_without_a_limit_has_only_the_eu_one_and_only_from_its_first_day(country: str):
    (eu_row,) = EU_ROWS
    assert limits_in_force(country, eu_row.valid_from - timedelta(days=1)) == ()
    assert limits_in_force(country, date(2000, 1, 1)) == ()
    assert limits_in_force(country, eu_row.valid_from) == (eu_row,)
    assert limits_in_force(country, eu_row.valid_from + timedelta(days=3650)) == (eu_row,)


def test_the_national_limit_comes_first_and_the_eu_one_stays_alongside():
    (eu_row,) = EU_ROWS
    for state in sorted(WITH_NATIONAL_LIMIT):
        in_force = limits_in_force(state, eu_row.valid_from)
        assert in_force[-1] == eu_row
        assert len(in_force) == 2 and in_force[0].jurisdiction == state


def test_the_latest_of_two_rows_of_a_jurisdiction_wins():
    older = CashLimit("DE", Money(500_000), date(2026, 1, 1), "ALL", "test act art. 1")
    newer = CashLimit("DE", Money(300_000), date(2026, 6, 1), "ALL", "test act art. 2")
    for table in ((older, newer), (newer, older)):  # order in the table does not matter
        assert limits_in_force("DE", date(2025, 12, 31), table) == ()
        assert limits_in_force("DE", date(2026, 1, 1), table) == (older,)
        assert limits_in_force("DE", date(2026, 5, 31), table) == (older,)
        assert limits_in_force("DE", date(2026, 6, 1), table) == (newer,)
        assert limits_in_force("DE", date(2030, 1, 1), table) == (newer,)


def test_the_latest_row_wins_in_the_real_table():
    for state in sorted(WITH_NATIONAL_LIMIT):
        rows = sorted(
            (r for r in CASH_LIMITS if r.jurisdiction == state), key=lambda r: r.valid_from
        )
        for earlier, later in zip(rows, rows[1:], strict=False):
            own = [r for r in limits_in_force(state, later.valid_from) if r.jurisdiction == state]
            assert own == [later] and earlier not in own


def test_other_countries_rows_are_never_returned():
    for row in CASH_LIMITS:
        for lim in limits_in_force(_country_for(row), row.valid_from):
            assert lim.jurisdiction in (_country_for(row), EU)


def test_an_empty_table_gives_nothing():
    assert limits_in_force("FR", date(2030, 1, 1), ()) == ()
