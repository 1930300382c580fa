"""Why a PaymentOrderWorkflow refuses a command, in the domain's words; the API maps each reason
to the NOTYD problem it answers (api/notyd/payments/refusals.py). A refusal of the request's
content shows the field at fault (a workflows.refusal.FieldIssue). A leaf."""

from enum import StrEnum


class PaymentOrderRefusalReason(StrEnum):
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ALREADY_CREATED = "ALREADY_CREATED"
    BEING_CONFIRMED = "BEING_CONFIRMED"  # the credit check runs
    NOT_PENDING = "NOT_PENDING"  # only a pending order can be confirmed
    LINK_EXPIRED = "LINK_EXPIRED"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"
    NOT_UPDATABLE = "NOT_UPDATABLE"
    OVER_APPROVED_AMOUNT = "OVER_APPROVED_AMOUNT"  # an accepted order's total may not grow past it
    NOT_CAPTURABLE = "NOT_CAPTURABLE"
    NOT_REFUNDABLE = "NOT_REFUNDABLE"
    MORE_THAN_REMAINS = "MORE_THAN_REMAINS"  # to capture or to refund
    INVALID_REQUEST = "INVALID_REQUEST"  # a capture or refund the order's lines do not allow
