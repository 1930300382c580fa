"""What the payments' workflows call: each activity's name, input and output, nothing else
(the convention is explained in workflows/buyers/activities.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import activity

from workflows.payments.payment_order_model import (
    CaptureWrite,
    CreatePaymentOrderRow,
    CreditCheckRequest,
    CreditVerdict,
    OrderState,
    RefundWrite,
)
from workflows.payments.rules.dunning import DunningStep, Instalment, LadderStep

PAYOUT_RUN_WORKFLOW = "PayoutRunWorkflow"


@dataclass
class PayoutRunInput:
    sellers_per_batch: int = 50


@dataclass
class PayoutBatch:
    run_id: str  # the run's workflow id: every payout it writes names it
    run_at: datetime  # the workflow's clock
    after_partner_id: int
    size: int


@dataclass
class PayoutMade:
    reference: str
    partner_uuid: str
    currency: str
    amount: int
    invoices: int


@dataclass
class PayoutBatchResult:
    payouts: list[PayoutMade]
    next_after: int | None  # None: no seller left


DUNNING_WORKFLOW = "DunningWorkflow"


@dataclass
class DunningInput:
    invoice_uuid: str
    due_at: datetime
    # From settings by the starter (workflows never read settings)
    ladder: list[LadderStep]
    plan_grace: timedelta  # an instalment unpaid this long after its date breaks the plan
    activity_timeout: timedelta


@dataclass
class LetterRequest:
    invoice_uuid: str
    letter_key: str  # unique per invoice: a retried activity writes one letter
    sent_at: datetime  # the workflow's clock
    step: DunningStep | None = None  # a ladder letter, or
    instalment: Instalment | None = None  # an instalment of a payment plan
    instalments: int = 0  # how many the plan has
    # the invoice itself, sent when it is created (no ladder step; ``dunning_status`` stays)
    invoice_notice: bool = False
    plan_total: int = 0  # what was outstanding when the plan was agreed
    plan_due_by_now: int = 0  # what the plan wants paid by this instalment's date


@dataclass
class LetterOutcome:
    sent: bool  # False: the invoice is closed, nothing is due, or the address bounced
    closed: bool
    outstanding: int


@dataclass
class DunningStateChange:
    invoice_uuid: str
    at: datetime
    dunning_status: int | None = None
    on_hold: bool | None = None


@dataclass
class InvoiceRef:
    invoice_uuid: str


@dataclass
class InvoiceBalance:
    outstanding: int
    closed: bool


INVOICE_LETTER = "INVOICE"  # the letter key (and step) of the invoice sent at its capture


class PayoutActivities:
    @activity.defn
    async def pay_out_sellers(self, batch: PayoutBatch) -> PayoutBatchResult:
        raise NotImplementedError


class DunningActivities:
    @activity.defn
    async def invoice_balance(self, ref: InvoiceRef) -> InvoiceBalance:
        raise NotImplementedError

    @activity.defn
    async def send_dunning_letter(self, request: LetterRequest) -> LetterOutcome:
        raise NotImplementedError

    @activity.defn
    async def record_dunning_state(self, change: DunningStateChange) -> None:
        raise NotImplementedError


class PaymentOrderActivities:
    @activity.defn
    async def check_credit(self, request: CreditCheckRequest) -> CreditVerdict:
        raise NotImplementedError

    @activity.defn
    async def create_payment_order(self, row: CreatePaymentOrderRow) -> None:
        raise NotImplementedError

    @activity.defn
    async def write_payment_order(self, state: OrderState) -> None:
        raise NotImplementedError

    @activity.defn
    async def create_invoice_for_capture(self, write: CaptureWrite) -> None:
        raise NotImplementedError

    @activity.defn
    async def create_credit_notes(self, write: RefundWrite) -> None:
        raise NotImplementedError
