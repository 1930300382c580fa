"""Running workflows and schedules are found by their ids: each format is pinned here, so a
change to one fails before it strands the workflows started under the old id."""

from __future__ import annotations

from uuid import UUID

from workflows import ids

U = UUID("0b7d2c6e-5a41-4f3e-9c1d-2e8f7a6b5c4d")


def test_every_workflow_id_keeps_its_format():
    assert ids.order_workflow_id(U) == "order-0b7d2c6e-5a41-4f3e-9c1d-2e8f7a6b5c4d"
    assert ids.order_vies_check_workflow_id(f"order-{U}", 3) == f"order-{U}/vies-3"
    assert ids.buyer_vies_workflow_id(str(U)) == f"buyer-vies-{U}"
    assert ids.kyc_workflow_id(str(U)) == f"kyc-{U}"
    assert ids.invitation_workflow_id(U) == f"self-service-invitation-{U}"
    assert ids.payment_order_workflow_id(str(U)) == f"payment-order-{U}"
    assert ids.dunning_workflow_id(str(U)) == f"dunning-{U}"
    assert ids.webhook_delivery_workflow_id("dlv_1") == "webhook-delivery-dlv_1"
    assert ids.webhook_fan_out_workflow_id("evt_1") == "webhook-fanout-evt_1"
    assert ids.webhook_paused_notice_workflow_id("evt_1") == "webhook-paused-notice-evt_1"
    assert ids.webhook_resume_sweep_workflow_id("wh_1", 4) == "webhook-resume-wh_1-4"
    assert ids.round_trip_workflow_id(U) == f"round-trip-{U}"
    assert ids.WEBHOOK_SWEEP_SCHEDULE == "webhook-sweep"
    assert ids.PAYOUT_RUN_SCHEDULE == "payout-run"


def test_an_order_is_read_back_from_its_workflow_ids_and_its_childrens():
    assert ids.order_uuid_of(ids.order_workflow_id(U)) == str(U)
    assert ids.order_uuid_of(ids.order_vies_check_workflow_id(f"order-{U}", 1)) == str(U)
    assert ids.order_uuid_of(ids.kyc_workflow_id(str(U))) is None
