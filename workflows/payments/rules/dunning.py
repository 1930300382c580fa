"""The dunning ladder of an invoice and the payment plans that replace it, as pure code.

An invoice is due ``payment_terms`` days (14, 30 or 60) after it was issued. Its ladder is a
fixed sequence of letters, each at an offset from the due date (a setting; the defaults are
in ``DunningOffsets``): a friendly note before the due date, the due notice, a free reminder,
two reminders, the last notice, collection calls and finally the hand-over to the debt
collection agency. Each letter the buyer gets sets the NOTYD counter and timestamp named
after it (``reminder_1_sent``, ``reminder_1_sent_at``, ...); the last two steps have no
counter in NOTYD v1, they show only in ``dunning_status``.

A payment plan (``PAYMENT_PLAN_AGREED``) replaces the ladder with instalments: the
outstanding amount split in whole cents over due dates a fixed interval apart.

Workflow code calls this, so it is deterministic: every date and amount is an input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from pydantic import BaseModel, model_validator

# The payment terms NOTYD offers (its order filter ``dunning``: 14_days, 30_days, 60_days)
PAYMENT_TERMS_DAYS = (14, 30, 60)


class DunningStep(StrEnum):
    """The ladder's letters, in the order the buyer receives them."""

    UPCOMING_PAYMENT = "UPCOMING_PAYMENT"
    INVOICE_DUE = "INVOICE_DUE"
    FREE_REMINDER = "FREE_REMINDER"
    REMINDER_1 = "REMINDER_1"
    REMINDER_2 = "REMINDER_2"
    LAST_NOTICE = "LAST_NOTICE"
    COLLECTION_CALLS = "COLLECTION_CALLS"
    DCA_HANDOVER = "DCA_HANDOVER"


class DunningStatus(IntEnum):
    """NOTYD's ``dunning_status`` codes (the invoice list filter's enum)."""

    INITIAL = 0
    UPCOMING_PAYMENT = 5
    INVOICE_DUE = 10
    FREE_REMINDER = 20
    REMINDER_1 = 30
    REMINDER_2 = 40
    LAST_NOTICE = 50
    COLLECTION_CALLS = 55
    DCA_HANDOVER = 60
    PAYMENT_PLAN_AGREED = 65
    DCA_SENT = 70


# The label each status shows beside its value in the answers' ``{name, value}`` pairs
DUNNING_LABELS: dict[DunningStatus, str] = {
    DunningStatus.INITIAL: "Initial",
    DunningStatus.UPCOMING_PAYMENT: "Upcoming payment",
    DunningStatus.INVOICE_DUE: "Invoice due",
    DunningStatus.FREE_REMINDER: "Free reminder",
    DunningStatus.REMINDER_1: "Reminder 1",
    DunningStatus.REMINDER_2: "Reminder 2",
    DunningStatus.LAST_NOTICE: "Last notice",
    DunningStatus.COLLECTION_CALLS: "Collection calls",
    DunningStatus.DCA_HANDOVER: "DCA handover",
    DunningStatus.PAYMENT_PLAN_AGREED: "Payment plan agreed",
    DunningStatus.DCA_SENT: "DCA sent",
}

# The NOTYD invoice fields each letter counts in: ``<prefix>_sent`` (how many were sent) and
# ``<prefix>_sent_at`` (the latest). NOTYD v1 has none for collection calls and DCA hand-over.
STEP_COUNTERS: dict[DunningStep, str | None] = {
    DunningStep.UPCOMING_PAYMENT: "upcoming_payment_reminder",
    DunningStep.INVOICE_DUE: "invoice_due",
    DunningStep.FREE_REMINDER: "free_reminder",
    DunningStep.REMINDER_1: "reminder_1",
    DunningStep.REMINDER_2: "reminder_2",
    DunningStep.LAST_NOTICE: "last_notice",
    DunningStep.COLLECTION_CALLS: None,
    DunningStep.DCA_HANDOVER: None,
}


def counter_fields(step: DunningStep) -> tuple[str, str] | None:
    """The invoice's ``*_sent`` and ``*_sent_at`` field names for ``step``, if NOTYD has them."""
    prefix = STEP_COUNTERS[step]
    return (f"{prefix}_sent", f"{prefix}_sent_at") if prefix else None


def status_of(step: DunningStep) -> DunningStatus:
    return DunningStatus[step.name]


def due_date(issued_at: datetime, payment_terms_days: int) -> datetime:
    """When an invoice issued at ``issued_at`` must be paid."""
    if payment_terms_days not in PAYMENT_TERMS_DAYS:
        raise ValueError(f"payment terms must be one of {PAYMENT_TERMS_DAYS} days")
    return issued_at + timedelta(days=payment_terms_days)


@dataclass(frozen=True)
class LadderStep:
    step: DunningStep
    offset: timedelta  # from the due date; negative before it


class DunningOffsets(BaseModel):
    """Each letter's offset from the due date: the ladder's setting (NT24_DUNNING_OFFSETS).

    The defaults follow common B2B practice: a note three days ahead, the due notice on the
    day, then a week between letters, collection calls after five weeks and the hand-over to
    the debt collection agency seven weeks after the due date.
    """

    upcoming_payment: timedelta = timedelta(days=-3)
    invoice_due: timedelta = timedelta(0)
    free_reminder: timedelta = timedelta(days=7)
    reminder_1: timedelta = timedelta(days=14)
    reminder_2: timedelta = timedelta(days=21)
    last_notice: timedelta = timedelta(days=28)
    collection_calls: timedelta = timedelta(days=35)
    dca_handover: timedelta = timedelta(days=49)

    @model_validator(mode="after")
    def _in_ladder_order(self) -> DunningOffsets:
        offsets = [step.offset for step in self.ladder()]
        if any(later <= earlier for earlier, later in zip(offsets, offsets[1:], strict=False)):
            raise ValueError("each dunning step must come after the one before it")
        return self

    def ladder(self) -> list[LadderStep]:
        return [LadderStep(step, getattr(self, step.name.lower())) for step in DunningStep]


@dataclass(frozen=True)
class ScheduledStep:
    step: DunningStep
    at: datetime


def ladder_schedule(due_at: datetime, ladder: list[LadderStep]) -> list[ScheduledStep]:
    """When each letter of the ladder goes out for an invoice due at ``due_at``."""
    return [ScheduledStep(s.step, due_at + s.offset) for s in ladder]


def resumed_ladder(
    ladder: list[LadderStep], sent: set[DunningStep], resume_at: datetime
) -> list[ScheduledStep]:
    """The letters not sent yet, starting at ``resume_at`` with the ladder's own spacing.

    Used when a payment plan breaks: dunning carries on where it stopped, not from the start.
    """
    left = [s for s in ladder if s.step not in sent]
    if not left:
        return []
    first = left[0].offset
    return [ScheduledStep(s.step, resume_at + (s.offset - first)) for s in left]


@dataclass(frozen=True)
class Instalment:
    number: int  # 1-based
    due_at: datetime
    amount: int  # cents


# Five years of monthly instalments: a longer plan is a write-off or a collection agency's
MAX_INSTALMENTS = 60


def instalment_schedule(
    outstanding: int, count: int, first_due_at: datetime, interval: timedelta
) -> list[Instalment]:
    """``outstanding`` cents in ``count`` instalments, ``interval`` apart from ``first_due_at``.

    Whole cents only: the amounts differ by at most one cent, the earlier ones carry the extra
    cents, and together they are exactly ``outstanding``. At most ``MAX_INSTALMENTS``: the
    plan travels in its dunning workflow's state and history.
    """
    if outstanding <= 0:
        raise ValueError("nothing is outstanding")
    most = min(outstanding, MAX_INSTALMENTS)
    if not 1 <= count <= most:
        raise ValueError(f"instalments must be between 1 and {most}")
    if interval <= timedelta(0):
        raise ValueError("instalments must be some time apart")
    share, extra = divmod(outstanding, count)
    return [
        Instalment(n + 1, first_due_at + interval * n, share + (1 if n < extra else 0))
        for n in range(count)
    ]


def instalment_missed(plan: list[Instalment], number: int, received_since_plan: int) -> bool:
    """Whether instalment ``number`` is unpaid: less came in since the plan than was due by it."""
    due_so_far = sum(i.amount for i in plan if i.number <= number)
    return received_since_plan < due_so_far
