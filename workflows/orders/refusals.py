"""Why an OrderWorkflow refuses a command, and what its refusal shows: the order as it stands
and which of its resources, or what is wrong with the command's fields. The API maps each
reason to the NT24 problem it answers (api/nt24/orders/refusals.py). A leaf."""

from dataclasses import dataclass, field
from enum import StrEnum

from workflows.orders.state import OrderResources, Resource
from workflows.refusal import FieldIssue


class OrderRefusalReason(StrEnum):
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    EXISTS_WITH_OTHER_DATA = "EXISTS_WITH_OTHER_DATA"  # a repeated create or submission
    VERSION_CONFLICT = "VERSION_CONFLICT"
    ORDER_CANCELLED = "ORDER_CANCELLED"
    ORDER_FINAL = "ORDER_FINAL"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"
    FINAL_INVOICE_ELSEWHERE = "FINAL_INVOICE_ELSEWHERE"
    NOT_DECIDED = "NOT_DECIDED"
    FINAL_INVOICE_VAT = "FINAL_INVOICE_VAT"
    FINAL_INVOICE_AMOUNT = "FINAL_INVOICE_AMOUNT"
    NO_INVOICE = "NO_INVOICE"
    NO_PAYMENT = "NO_PAYMENT"
    PAYMENT_FIRST = "PAYMENT_FIRST"
    PAYMENT_NOT_COVERING_INVOICE = "PAYMENT_NOT_COVERING_INVOICE"
    PICKUP_ALREADY_CONFIRMED = "PICKUP_ALREADY_CONFIRMED"
    NOT_READY_FOR_PICKUP = "NOT_READY_FOR_PICKUP"
    ALREADY_DELIVERED = "ALREADY_DELIVERED"
    NO_PICKUP = "NO_PICKUP"
    DELIVERY_ALREADY_CONFIRMED = "DELIVERY_ALREADY_CONFIRMED"
    DELIVERY_BEFORE_PICKUP = "DELIVERY_BEFORE_PICKUP"
    DOCUMENT_ALREADY_ATTACHED = "DOCUMENT_ALREADY_ATTACHED"
    NO_DECISION_TO_REMAKE = "NO_DECISION_TO_REMAKE"
    REDECISION_UNEXPLAINED = "REDECISION_UNEXPLAINED"
    REDECISION_REASON_TOO_LONG = "REDECISION_REASON_TOO_LONG"


@dataclass
class OrderRefusal:
    """A refusal's detail: the order and which of its resources the answer shows (none: it
    shows none), or the command's fields at fault."""

    order: OrderResources | None = None
    resource: Resource | None = None
    key: str | None = None  # the invoice's type or the document's uuid, as in CommandResult
    errors: list[FieldIssue] = field(default_factory=list)
