"""Where an order stands: its status, as the workflow sets it and the read model, the API, the
web app and the search attributes show it. A leaf (the standard library only) the sandbox
passes through."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """Serialised as its value, the contract's string (read model, saved histories)."""

    CREATED = "CREATED"
    INVOICE_SUBMITTED = "INVOICE_SUBMITTED"
    PAYMENT_SUBMITTED = "PAYMENT_SUBMITTED"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    TRANSPORT_IN_PROGRESS = "TRANSPORT_IN_PROGRESS"
    TRANSPORT_COMPLETED = "TRANSPORT_COMPLETED"
    COMPLIANCE_VALID = "COMPLIANCE_VALID"
    COMPLIANCE_INVALID = "COMPLIANCE_INVALID"
    CANCELLED = "CANCELLED"


# The steps commands move an order forward through, in order
LIFECYCLE = (
    OrderStatus.CREATED,
    OrderStatus.INVOICE_SUBMITTED,
    OrderStatus.PAYMENT_SUBMITTED,
    OrderStatus.READY_FOR_PICKUP,
    OrderStatus.TRANSPORT_IN_PROGRESS,
    OrderStatus.TRANSPORT_COMPLETED,
)
# From the payment's submission on: an order gets there only through that command
PAID = LIFECYCLE[LIFECYCLE.index(OrderStatus.PAYMENT_SUBMITTED) :]
# Before pickup: the order may still be cancelled
CANCELLABLE = LIFECYCLE[:4]
# Decided or cancelled: the lifecycle no longer moves it, nor does a change of its buyer
CLOSED = (OrderStatus.COMPLIANCE_VALID, OrderStatus.COMPLIANCE_INVALID, OrderStatus.CANCELLED)
