"""The dunning ladder, payment plans and an invoice's money as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from workflows.payments.rules.dunning import (
    MAX_INSTALMENTS,
    DunningOffsets,
    DunningStatus,
    DunningStep,
    counter_fields,
    due_date,
    instalment_missed,
    instalment_schedule,
    ladder_schedule,
    resumed_ladder,
    status_of,
)
from workflows.payments.rules.invoice_money import (
    AmountError,
    Balance,
    PaymentStatus,
    cents,
    reference_candidates,
    write_off_allowed,
)

pytestmark = pytest.mark.fast

ISSUED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize("terms", [14, 30, 60])
def test_the_due_date_follows_the_payment_terms(terms: int):
    assert due_date(ISSUED, terms) == ISSUED + terms * DAY


def test_other_payment_terms_are_refused():
    with pytest.raises(ValueError, match="14, 30, 60"):
        due_date(ISSUED, 45)


def test_the_default_ladder_runs_from_before_the_due_date_to_the_dca():
    due = due_date(ISSUED, 14)
    schedule = ladder_schedule(due, DunningOffsets().ladder())
    assert [s.step for s in schedule] == list(DunningStep)
    assert schedule[0].at == due - 3 * DAY  # the friendly note comes before the due date
    assert schedule[1].at == due
    assert schedule[-1].at == due + 49 * DAY
    assert all(a.at < b.at for a, b in zip(schedule, schedule[1:], strict=False))


def test_offsets_out_of_ladder_order_are_refused():
    with pytest.raises(ValidationError, match="after the one before"):
        DunningOffsets(reminder_1=timedelta(days=30), reminder_2=timedelta(days=21))


def test_each_letter_sets_the_notyd_counter_named_after_it():
    assert counter_fields(DunningStep.UPCOMING_PAYMENT) == (
        "upcoming_payment_reminder_sent",
        "upcoming_payment_reminder_sent_at",
    )
    assert counter_fields(DunningStep.INVOICE_DUE) == ("invoice_due_sent", "invoice_due_sent_at")
    assert counter_fields(DunningStep.REMINDER_2) == ("reminder_2_sent", "reminder_2_sent_at")
    assert counter_fields(DunningStep.LAST_NOTICE) == ("last_notice_sent", "last_notice_sent_at")
    # NOTYD v1 shows these two only in dunning_status
    assert counter_fields(DunningStep.COLLECTION_CALLS) is None
    assert counter_fields(DunningStep.DCA_HANDOVER) is None


def test_steps_map_to_the_spec_dunning_codes():
    codes = [status_of(step).value for step in DunningStep]
    assert codes == [5, 10, 20, 30, 40, 50, 55, 60]
    assert DunningStatus.PAYMENT_PLAN_AGREED == 65


def test_a_broken_plan_resumes_the_ladder_with_its_own_spacing():
    ladder = DunningOffsets().ladder()
    sent = {DunningStep.UPCOMING_PAYMENT, DunningStep.INVOICE_DUE, DunningStep.FREE_REMINDER}
    at = datetime(2026, 6, 1, tzinfo=UTC)
    resumed = resumed_ladder(ladder, sent, at)
    assert [s.step for s in resumed][0] == DunningStep.REMINDER_1
    assert resumed[0].at == at
    assert resumed[1].at == at + 7 * DAY  # reminder 2 a week after reminder 1, as in the ladder
    assert resumed_ladder(ladder, set(DunningStep), at) == []


def test_instalments_are_whole_cents_that_add_up():
    plan = instalment_schedule(100_00 + 1, 3, ISSUED, 30 * DAY)
    assert [i.amount for i in plan] == [33_34, 33_34, 33_33]
    assert sum(i.amount for i in plan) == 100_01
    assert [i.due_at for i in plan] == [ISSUED, ISSUED + 30 * DAY, ISSUED + 60 * DAY]
    assert [i.number for i in plan] == [1, 2, 3]


@pytest.mark.parametrize("count", [0, 11])
def test_instalment_counts_out_of_range_are_refused(count: int):
    with pytest.raises(ValueError):
        instalment_schedule(10, count, ISSUED, DAY)


def test_a_plan_has_at_most_five_years_of_monthly_instalments():
    assert len(instalment_schedule(1_000_000_00, MAX_INSTALMENTS, ISSUED, 30 * DAY)) == 60
    with pytest.raises(ValueError, match="between 1 and 60"):
        instalment_schedule(1_000_000_00, MAX_INSTALMENTS + 1, ISSUED, 30 * DAY)


def test_an_instalment_is_missed_when_less_came_in_than_was_due_by_it():
    plan = instalment_schedule(300, 3, ISSUED, DAY)
    assert not instalment_missed(plan, 1, 100)
    assert instalment_missed(plan, 2, 199)
    assert not instalment_missed(plan, 2, 250 - 50)


def test_payment_status_follows_the_money():
    assert Balance(total=1000).status == PaymentStatus.NOT_PAID
    assert Balance(total=1000, received=400).status == PaymentStatus.PARTIALLY_PAID
    assert Balance(total=1000, received=1000).status == PaymentStatus.PAID
    assert Balance(total=1000, refunded=300, received=700).status == PaymentStatus.PAID
    assert Balance(total=1000, refunded=1000).status == PaymentStatus.REFUNDED
    assert Balance(total=1000, received=400, paid_out=400).status == PaymentStatus.PAID_TO_SELLER
    assert Balance(total=1000, received=1000, paid_out=600).status == PaymentStatus.PAID_TO_SELLER
    settled = Balance(total=1000, received=1000, paid_out=1000)
    assert settled.status == PaymentStatus.PAID_TO_SELLER_SETTLED
    credit = Balance(total=1000, received=200, write_off=PaymentStatus.WRITE_OFF_CREDIT)
    assert credit.status == PaymentStatus.WRITE_OFF_CREDIT and credit.outstanding == 0


def test_balance_sums():
    balance = Balance(total=1000, refunded=300, received=900, paid_out=900)
    assert (balance.owed, balance.outstanding, balance.overpaid) == (700, 0, 200)
    assert balance.payable_to_seller == -200  # a credit note after the payout: deducted next
    assert Balance(total=1000, received=400).payable_to_seller == 400


def test_only_open_invoices_are_written_off():
    assert write_off_allowed(Balance(total=1000, received=200)) is None
    assert write_off_allowed(Balance(total=1000, received=1000)) == "nothing is outstanding"
    fraud = Balance(total=1000, write_off=PaymentStatus.WRITE_OFF_FRAUD)
    assert write_off_allowed(fraud) == "the invoice is already write_off_fraud"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("595.00", 59500), ("1000.35", 100035), ("0.07", 7), ("12", 1200), ("12.5", 1250)],
)
def test_bank_amounts_become_exact_cents(text: str, expected: int):
    assert cents(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1.005",
        "-5.00",
        "1e3",
        "12,50",
        "",
        "abc",
        "9" * 19,
        "9" * 1_000_000 + ".00",
        "\u0665\u0669\u0665.00",  # Arabic-Indic digits
        "\uff15\uff19\uff15",  # full-width digits
    ],
)
def test_amounts_that_are_not_exact_cents_are_refused(text: str):
    with pytest.raises(AmountError):
        cents(text)


def test_references_are_found_however_the_buyer_typed_them():
    found = reference_candidates(["Rechnung 2026-118 Zahlungsreferenz PR7Q 3M9X WK"])
    assert "PR7Q3M9XWK" in found
    assert "PR7Q3M9XWK" in reference_candidates(["pr7q-3m9x-wk"])
    assert reference_candidates([None, "", "ok"]) == []
