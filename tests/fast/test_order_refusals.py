"""An order refusal names the command's fields in the domain's words; the API answers with the
contract's names and words, and a refusal of the previous release (which named the contract's
fields itself) answers the same."""

from __future__ import annotations

import dataclasses

import pytest
from temporalio.exceptions import ApplicationError

from api.nt24.orders.refusals import PROBLEM_TYPE, order_refusal_problem
from workflows.orders.refusals import OrderRefusal, OrderRefusalReason
from workflows.refusal import FieldIssue

pytestmark = pytest.mark.fast


def refused(reason: str, detail: str, *issues: FieldIssue) -> ApplicationError:
    # as the client hands a failure's details to the API: JSON, not the dataclass
    return ApplicationError(
        detail, dataclasses.asdict(OrderRefusal(errors=list(issues))), type=reason
    )


def test_every_reason_has_its_problem():
    assert set(PROBLEM_TYPE) == set(OrderRefusalReason)


@pytest.mark.parametrize(
    ("domain", "previous_release", "field", "message"),
    [
        (
            FieldIssue(
                "delivery_date", "must not be before the pickup date 2026-03-02", "2026-03-01"
            ),
            FieldIssue(
                "deliveryDate", "must not be before the pickup date 2026-03-02", "2026-03-01"
            ),
            "deliveryDate",
            "must not be before the pickup date 2026-03-02",
        ),
        (
            FieldIssue("vat_included", "must be false for an exempt supply", True),
            FieldIssue("vatIncluded", "must be false for an exempt supply", True),
            "vatIncluded",
            "must be false for an exempt supply",
        ),
    ],
)
def test_fields_are_named_as_the_contract_names_them(domain, previous_release, field, message):
    for issue in (domain, previous_release):
        problem = order_refusal_problem(refused("DELIVERY_BEFORE_PICKUP", "Refused.", issue))
        assert problem is not None and problem.errors is not None
        assert [(e["field"], e["message"]) for e in problem.errors] == [(field, message)]


def test_a_final_invoice_sent_as_an_invoice_is_pointed_to_its_endpoint():
    for detail, issue in (
        (
            "A final invoice comes with the order's finalization, once it is decided.",
            FieldIssue("invoice_type", "only with the finalization", "FINAL"),
        ),
        (  # the previous release's words
            "A FINAL invoice is submitted through finalization/final-invoice.",
            FieldIssue("type", "use POST .../finalization/final-invoice", "FINAL"),
        ),
    ):
        problem = order_refusal_problem(refused("FINAL_INVOICE_ELSEWHERE", detail, issue))
        assert problem is not None and problem.errors is not None
        assert problem.detail == "A FINAL invoice is submitted through finalization/final-invoice."
        assert [(e["field"], e["message"], e["rejectedValue"]) for e in problem.errors] == [
            ("type", "use POST .../finalization/final-invoice", "FINAL")
        ]
