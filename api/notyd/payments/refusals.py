"""The NOTYD problem each refusal of the payment order workflow answers: one table from the
domain reason to the problem type (its status and title follow from it), and the field at
fault of a request the rules refuse, in ``errors[]``."""

from __future__ import annotations

from pydantic import TypeAdapter
from temporalio.exceptions import ApplicationError

from api.shared.errors import FieldError, Problem
from workflows.payments.refusals import PaymentOrderRefusalReason as Refused
from workflows.refusal import FieldIssue

PROBLEM_TYPE: dict[Refused, str] = {
    Refused.ORDER_NOT_FOUND: "not-found",
    Refused.ALREADY_CREATED: "conflict",
    Refused.BEING_CONFIRMED: "conflict",
    Refused.NOT_PENDING: "conflict",
    Refused.LINK_EXPIRED: "conflict",
    Refused.NOT_CANCELLABLE: "conflict",
    Refused.NOT_UPDATABLE: "conflict",
    Refused.OVER_APPROVED_AMOUNT: "conflict",
    Refused.NOT_CAPTURABLE: "conflict",
    Refused.NOT_REFUNDABLE: "conflict",
    Refused.MORE_THAN_REMAINS: "conflict",
    Refused.INVALID_REQUEST: "validation-error",
}

# The refusal's detail arrives as JSON (failure details carry no type): read into its type
_FIELD_ISSUE = TypeAdapter(FieldIssue)


def payment_refusal_problem(failure: ApplicationError) -> Problem | None:
    """The problem a payment order's refusal answers; None for a failure that is not one."""
    reason = Refused.__members__.get(failure.type or "")
    if reason is None:
        return None
    errors = None
    if failure.details:
        issue = _FIELD_ISSUE.validate_python(failure.details[0])
        errors = [FieldError(issue.field, issue.message, issue.rejected_value)]
    return Problem(PROBLEM_TYPE[reason], failure.message, errors=errors)
