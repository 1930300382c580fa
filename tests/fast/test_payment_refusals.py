"""A payment order's refusals answer the same NOTYD problems in domain terms as the problem
types a worker of the previous release refused with."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError

from api.notyd.payments.refusals import PROBLEM_TYPE, payment_refusal_problem
from api.nt24.orders.commands import problem_of
from api.shared.errors import Problem
from workflows.payments.refusals import PaymentOrderRefusalReason

pytestmark = pytest.mark.fast


def answer(problem: Problem) -> tuple[object, ...]:
    return (problem.slug, problem.status, problem.title, problem.detail, problem.errors)


def test_every_reason_has_its_problem():
    assert set(PROBLEM_TYPE) == set(PaymentOrderRefusalReason)


@pytest.mark.parametrize(
    ("refusal", "previous_release"),
    [
        (
            ApplicationError("The order does not exist.", type="ORDER_NOT_FOUND"),
            ApplicationError("The order does not exist.", {}, type="not-found"),
        ),
        (
            ApplicationError("order: Nothing remains to be captured.", type="MORE_THAN_REMAINS"),
            ApplicationError("order: Nothing remains to be captured.", {}, type="conflict"),
        ),
        (
            ApplicationError(
                "Field 'order_lines' must name at least one line",
                {"field": "order_lines", "message": "must name at least one line"},
                type="INVALID_REQUEST",
            ),
            ApplicationError(
                "Field 'order_lines' must name at least one line",
                {
                    "errors": [
                        {
                            "field": "order_lines",
                            "message": "must name at least one line",
                            "rejectedValue": None,
                        }
                    ]
                },
                type="validation-error",
            ),
        ),
    ],
)
def test_a_refusal_answers_as_the_previous_release_did(
    refusal: ApplicationError, previous_release: ApplicationError
):
    expected = answer(problem_of(previous_release, payment_refusal_problem))
    assert answer(problem_of(refusal, payment_refusal_problem)) == expected
