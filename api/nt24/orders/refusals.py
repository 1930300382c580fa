"""The NT24 problem each refusal of the order workflow answers: one table from the domain
reason to the problem type (its status and title follow from the type), and the refused
order rendered as ``currentResource``."""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter
from temporalio.exceptions import ApplicationError

from api.shared.errors import FieldError, Problem
from api.shared.versioning import NO_VERSION, mismatch_detail
from store.orders.views import resource_view
from workflows.orders.refusals import OrderRefusal
from workflows.orders.refusals import OrderRefusalReason as Refused

PROBLEM_TYPE: dict[Refused, str] = {
    Refused.ORDER_NOT_FOUND: "not-found",
    Refused.NO_INVOICE: "not-found",
    Refused.NO_PAYMENT: "not-found",
    Refused.VERSION_CONFLICT: "version-mismatch",
    Refused.EXISTS_WITH_OTHER_DATA: "resource-exists-different-body",
    Refused.PICKUP_ALREADY_CONFIRMED: "milestone-already-set",
    Refused.DELIVERY_ALREADY_CONFIRMED: "milestone-already-set",
    Refused.ORDER_CANCELLED: "conflict",
    Refused.ORDER_FINAL: "conflict",
    Refused.NOT_CANCELLABLE: "conflict",
    Refused.NOT_DECIDED: "conflict",
    Refused.PAYMENT_FIRST: "conflict",
    Refused.PAYMENT_NOT_COVERING_INVOICE: "conflict",
    Refused.NOT_READY_FOR_PICKUP: "conflict",
    Refused.ALREADY_DELIVERED: "conflict",
    Refused.NO_PICKUP: "conflict",
    Refused.DOCUMENT_ALREADY_ATTACHED: "conflict",
    Refused.NO_DECISION_TO_REMAKE: "conflict",
    Refused.FINAL_INVOICE_ELSEWHERE: "validation-error",
    Refused.FINAL_INVOICE_VAT: "validation-error",
    Refused.FINAL_INVOICE_AMOUNT: "validation-error",
    Refused.DELIVERY_BEFORE_PICKUP: "validation-error",
    Refused.REDECISION_UNEXPLAINED: "validation-error",
    Refused.REDECISION_REASON_TOO_LONG: "validation-error",
}

# The contract's words for what the workflow says in the domain's: the fields a refusal names
# (a field the table lacks keeps its name, as workers before this table sent the contract's),
# and the answers that point the caller to another endpoint
CONTRACT_FIELDS = {
    "invoice_type": "type",
    "purchase_date": "purchaseDate",
    "delivery_date": "deliveryDate",
    "vat_included": "vatIncluded",
    "margin_scheme": "marginScheme",
}
CONTRACT_DETAILS: dict[Refused, tuple[str, str | None]] = {
    # (the problem's detail, each field error's message)
    Refused.FINAL_INVOICE_ELSEWHERE: (
        "A FINAL invoice is submitted through finalization/final-invoice.",
        "use POST .../finalization/final-invoice",
    ),
}

# The workflow's words for an If-Match that names no version (versioning.NO_VERSION)
_NO_VERSION = re.compile(rf"If-Match version {NO_VERSION} does not match current version (\d+)\.")

# The refusal's detail arrives as JSON (failure details carry no type): read into its type
_REFUSAL = TypeAdapter(OrderRefusal)


def order_refusal_problem(failure: ApplicationError) -> Problem | None:
    """The problem an order refusal answers; None for a failure that is not one."""
    reason = Refused.__members__.get(failure.type or "")
    if reason is None:
        return None
    detail, message = CONTRACT_DETAILS.get(reason, (failure.message, None))
    if reason is Refused.VERSION_CONFLICT and (unnamed := _NO_VERSION.fullmatch(detail)):
        detail = mismatch_detail(NO_VERSION, int(unnamed[1]))  # a weak or odd If-Match
    extra: dict[str, Any] = {}
    errors = None
    if failure.details:
        refusal = _REFUSAL.validate_python(failure.details[0])
        if refusal.order is not None and refusal.resource is not None:
            extra["currentResource"] = resource_view(refusal.order, refusal.resource, refusal.key)
        errors = [
            FieldError(
                CONTRACT_FIELDS.get(e.field, e.field), message or e.message, e.rejected_value
            )
            for e in refusal.errors
        ]
    return Problem(PROBLEM_TYPE[reason], detail, errors=errors or None, **extra)
