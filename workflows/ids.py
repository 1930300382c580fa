"""Every workflow's and schedule's id, in one place: the API, the activities, the store and the
command line find a running workflow by these strings, so they never change.

A leaf (the standard library only): the workflow sandbox, the API and the store import it.
"""

from __future__ import annotations

from uuid import UUID

ORDER_PREFIX = "order-"

# Schedules (a scheduled run's workflow id is the schedule's id and its time)
WEBHOOK_SWEEP_SCHEDULE = "webhook-sweep"
PAYOUT_RUN_SCHEDULE = "payout-run"


def order_workflow_id(order_uuid: UUID | str) -> str:
    return f"{ORDER_PREFIX}{order_uuid}"


def order_uuid_of(workflow_id: str) -> str | None:
    """The order an order's workflow, or one of its children, belongs to; None for others."""
    if not workflow_id.startswith(ORDER_PREFIX):
        return None
    return workflow_id.removeprefix(ORDER_PREFIX).split("/")[0]


def order_vies_check_workflow_id(order_workflow: str, check: int) -> str:
    """An order's own VIES check, a child of its workflow: the order's nth."""
    return f"{order_workflow}/vies-{check}"


def buyer_vies_workflow_id(buyer_uuid: UUID | str) -> str:
    return f"buyer-vies-{buyer_uuid}"


def kyc_workflow_id(buyer_uuid: UUID | str) -> str:
    return f"kyc-{buyer_uuid}"


def invitation_workflow_id(invitation_uuid: UUID | str) -> str:
    return f"self-service-invitation-{invitation_uuid}"


def payment_order_workflow_id(order_uuid: UUID | str) -> str:
    return f"payment-order-{order_uuid}"


def dunning_workflow_id(invoice_uuid: UUID | str) -> str:
    return f"dunning-{invoice_uuid}"


def webhook_delivery_workflow_id(delivery_id: str) -> str:
    return f"webhook-delivery-{delivery_id}"


def webhook_fan_out_workflow_id(event_id: str) -> str:
    return f"webhook-fanout-{event_id}"


def webhook_paused_notice_workflow_id(event_id: str) -> str:
    return f"webhook-paused-notice-{event_id}"


def webhook_resume_sweep_workflow_id(endpoint_id: str, endpoint_version: int) -> str:
    """The sweep run when an endpoint resumes: once per resume (the version counts them)."""
    return f"webhook-resume-{endpoint_id}-{endpoint_version}"


def round_trip_workflow_id(run: UUID) -> str:
    return f"round-trip-{run}"
