"""The inputs and answers of PaymentOrderWorkflow, and what its activities write.

One dataclass per workflow start, Update and activity; the API builds the commands, the
workflow decides, the activities (``activities/payments/payment_orders.py``) write the read model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from workflows.payments.rules.amounts import Discount, GivenTotals, Triple
from workflows.payments.rules.orders import (
    CaptureRequest,
    CreditNotePlan,
    InvoiceLineState,
    InvoiceState,
    OrderLineState,
    RefundRequest,
)


@dataclass
class PaymentOrderStart:
    abandoned_after: timedelta  # a start whose create never arrives ends after this
    # the order as the previous run left it, when that run continued as new
    carried: CarriedPaymentOrder | None = None


# Temporal refuses every Update past 2000 in one run (history.maxTotalUpdates): a run continues
# as new after this many, leaving room for the Updates that arrive while its last ones finish
UPDATES_PER_RUN = 1000


@dataclass
class PaymentOrderSettings:
    """Copied from settings by the API when it creates the order."""

    payment_terms_days: int
    credit_check_attempt_timeout: timedelta
    credit_check_retry_interval: timedelta
    credit_check_give_up_after: timedelta
    updates_per_run: int = UPDATES_PER_RUN


@dataclass
class NewPaymentOrder:
    """The create Update: a validated order request."""

    uuid: str
    organization_id: int
    partner_id: int
    created_by_user_id: int | None
    external_webshop_uid: str | None
    external_order_uid: str
    order_request_label: str | None
    currency: str
    locale: str
    payment_link_duration: int
    total: Triple
    discount: Discount | None
    lines: list[OrderLineState]
    buyer_company: dict[str, Any]
    buyer_representative: dict[str, Any]
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any]
    seller_urls: dict[str, Any] | None
    webhook_urls: dict[str, Any] | None
    page_token: str
    settings: PaymentOrderSettings


@dataclass
class CarriedPaymentOrder:
    """What a run hands to the next when it continues as new: the order's whole state (a run
    continues only once its commands have finished, so none is half done)."""

    order: NewPaymentOrder
    status: str
    revision: int
    created_at: datetime
    total: Triple
    discount: Discount | None
    lines: list[OrderLineState]
    captured: Triple
    captured_discount: Triple
    refunded: Triple
    invoices: list[InvoiceState]
    credit: CreditVerdict | None
    approved_amount: int
    confirmed_at: datetime | None
    decided_at: datetime | None
    # the last captures' and refunds' answers (PaymentOrderWorkflow.ANSWERS_KEPT)
    answered: list[AnsweredCommand] = field(default_factory=list)


@dataclass
class ConfirmOrder:
    """The buyer's representative confirmed the order on the hosted payment page."""


@dataclass
class CancelOrder:
    by_buyer: bool = False  # on the payment page, before a decision


@dataclass
class PatchOrder:
    """A partial update of lines, discount and totals: what was not sent keeps its stored
    value, and the result must add up as an order request's does.

    Histories recorded before partial updates hold ``total`` (the triple the API had already
    checked against the lines sent, hence the same as computed), ``discount`` (null removed
    it) and ``lines``; they read as this with every field sent and no totals given.
    """

    totals: GivenTotals = field(default_factory=GivenTotals)
    discount: Discount | None = None
    keep_discount: bool = False  # "discount" was not sent (an explicit null removes it)
    lines: list[OrderLineState] | None = None  # None: not sent, the stored lines stay


@dataclass
class CaptureOrder:
    request: CaptureRequest
    external_invoice_uid: str | None = None
    invoice_url: str | None = None


@dataclass
class RefundOrder:
    request: RefundRequest


@dataclass
class StatusAnswer:
    status: str


@dataclass
class CaptureAnswer:
    status: str
    invoice_uuid: str
    payment_reference: str


@dataclass
class CreditNoteAnswer:
    uuid: str
    invoice_uuid: str


@dataclass
class RefundAnswer:
    status: str
    credit_notes: list[CreditNoteAnswer]


@dataclass
class AnsweredCommand:
    """A capture's or a refund's answer, by its Update's id. Temporal knows the Update ids of
    one run only: a retry with the same id (an Idempotency-Key's) that reaches the next run
    is answered from here, not taken again."""

    update_id: str
    capture: CaptureAnswer | None = None
    refund: RefundAnswer | None = None


# ----- credit check -----


@dataclass
class CreditCheckRequest:
    order_uuid: str
    company_name: str | None
    registration_number: str | None
    vat_number: str | None
    country: str | None
    amount: int  # cents, incl. tax
    currency: str


@dataclass
class CreditVerdict:
    approved: bool
    reference: str | None
    reason: str | None


# ----- what the activities write -----


@dataclass
class StatusNotice:
    """A status change for the request's ``webhook_urls``: NOTYD's body, to one URL."""

    url: str
    body: dict[str, Any]


@dataclass
class OrderState:
    """The order row as the workflow has it after a change (``revision`` orders writes)."""

    uuid: str
    revision: int
    status: str
    total: Triple
    discount: Discount | None
    lines: list[OrderLineState]
    captured: Triple
    captured_discount: Triple
    refunded: Triple
    updated_at: datetime
    credit_check: CreditVerdict | None = None
    confirmed_at: datetime | None = None
    decided_at: datetime | None = None
    notice: StatusNotice | None = None


@dataclass
class CreatePaymentOrderRow:
    order: NewPaymentOrder
    created_at: datetime
    expires_at: datetime
    payment_terms_days: int


@dataclass
class InvoiceDraft:
    """An invoice for one capture, as ``create_invoice_for_capture`` writes it."""

    uuid: str
    capture_uuid: str
    number: int
    payment_reference: str
    amounts: Triple
    discount: Discount | None
    lines: list[InvoiceLineState]
    payment_terms_days: int
    external_invoice_uid: str | None
    invoice_url: str | None


@dataclass
class CaptureWrite:
    order: OrderState
    invoice: InvoiceDraft


@dataclass
class CreditNoteDraft:
    uuid: str
    description: str
    plan: CreditNotePlan


@dataclass
class RefundWrite:
    order: OrderState
    credit_notes: list[CreditNoteDraft] = field(default_factory=list)
