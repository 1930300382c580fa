"""The smallest complete path through the platform: API -> workflow -> activity -> database.

It proves the pipe is real (the end-to-end test), lets an operator check a deployment, and is
the "trivial one-activity workflow" the benchmark compares every lifecycle against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.activities import (
        RoundTripActivities,
        RoundTripConfirmation,
        RoundTripRequest,
    )


@dataclass
class RoundTripInput:
    organization_uuid: str
    message: str
    activity_timeout: timedelta = timedelta(seconds=30)


@dataclass
class RoundTripResult:
    organization_name: str
    message: str
    confirmed_by: str


@workflow.defn
class RoundTripWorkflow:
    @workflow.run
    async def run(self, request: RoundTripInput) -> RoundTripResult:
        workflow.set_current_details(
            f"**Round trip** of organization `{request.organization_uuid}`: waiting for the "
            "database's confirmation"
        )
        confirmation: RoundTripConfirmation = await workflow.execute_activity_method(
            RoundTripActivities.confirm_round_trip,
            RoundTripRequest(request.organization_uuid, request.message),
            start_to_close_timeout=request.activity_timeout,
            retry_policy=RetryPolicy(maximum_attempts=3),
            summary="Confirm the round trip in the database",
        )
        workflow.set_current_details(
            f"**Round trip** of {confirmation.organization_name}: confirmed by "
            f"{confirmation.worker_identity}"
        )
        return RoundTripResult(
            organization_name=confirmation.organization_name,
            message=request.message,
            confirmed_by=confirmation.worker_identity,
        )
