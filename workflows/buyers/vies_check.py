"""One VIES check of a buyer's VAT number, retried through outages, recorded as evidence.

One runs per buyer at a time (workflow id ``buyer-vies-{buyer_uuid}``). VIES being unavailable
is retried by Temporal with backoff until ``give_up_after``; a final refusal is not retried.
Either way the result is UNKNOWN with the last error code: an outage is never a pass and never
INVALID. Only VIES saying ``valid: false`` is INVALID.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as ActivityTimeoutError

with workflow.unsafe.imports_passed_through():
    from workflows.buyers.activities import (
        FINAL_ERRORS,
        BuyerOrdersActivities,
        BuyerOrdersNotice,
        ViesActivities,
        ViesAnswer,
        ViesCheckRecord,
        ViesCheckRequest,
        ViesResult,
        ViesTrigger,
    )
    from workflows.orders.model import ViesEvidence

# Recording is a small idempotent database write: retried until the database is back.
RECORD_TIMEOUT = timedelta(seconds=30)
RECORD_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


@dataclass
class BuyerViesCheckInput:
    buyer_uuid: str
    vat_number: str
    requester_vat_number: str | None  # the seller's; without it VIES gives no consultation no.
    trigger: ViesTrigger
    # The retry schedule, from settings by the starter (workflows never read settings)
    retry_initial_interval: timedelta
    retry_max_interval: timedelta
    give_up_after: timedelta
    attempt_timeout: timedelta  # one HTTP call to VIES, with a margin over the client timeout


@dataclass
class BuyerViesCheckResult:
    result: ViesResult
    checked_at: datetime
    error_code: str | None
    request_identifier: str | None
    attempts: int
    trader_name: str | None = None  # the name VIES gave; None when withheld or not answered


@workflow.defn
class BuyerViesCheckWorkflow:
    @workflow.run
    async def run(self, request: BuyerViesCheckInput) -> BuyerViesCheckResult:
        record = ViesCheckRecord(
            check_uuid=str(workflow.uuid4()),
            buyer_uuid=request.buyer_uuid,
            vat_number=request.vat_number,
            requester_vat_number=request.requester_vat_number,
            trigger=request.trigger,
            result=ViesResult.UNKNOWN,
            checked_at=workflow.now(),
        )
        what = f"**VIES check** ({request.trigger}) of `{request.vat_number}`"
        workflow.set_current_details(
            f"{what}\n\nWaiting for: VIES (retried through outages for {request.give_up_after})"
        )
        try:
            answer: ViesAnswer = await workflow.execute_activity_method(
                ViesActivities.check_vat_number,
                ViesCheckRequest(request.vat_number, request.requester_vat_number),
                start_to_close_timeout=request.attempt_timeout,
                schedule_to_close_timeout=request.give_up_after,
                retry_policy=RetryPolicy(
                    initial_interval=request.retry_initial_interval,
                    maximum_interval=request.retry_max_interval,
                    non_retryable_error_types=sorted(FINAL_ERRORS),
                ),
                summary=f"VIES check {request.vat_number}",
            )
        except ActivityError as error:
            _record_failure(record, error)
        else:
            record.result = ViesResult.VALID if answer.valid else ViesResult.INVALID
            record.request_date = answer.request_date
            record.request_identifier = answer.request_identifier
            record.name = answer.name
            record.address = answer.address
            record.attempts = answer.attempts
            record.raw_sha256 = answer.raw_sha256
        record.checked_at = workflow.now()  # when the answer, or the give-up, came
        outcome = f"{record.result}" + (f" ({record.error_code})" if record.error_code else "")
        workflow.set_current_details(
            f"{what}\n\nResult **{outcome}** at {record.checked_at:%Y-%m-%dT%H:%M:%SZ}"
            + (f" · consultation `{record.request_identifier}`" * bool(record.request_identifier))
        )
        # Recording and telling the orders are quick writes in the worker's own process: local
        # activities, in the workflow task that got VIES's answer. Runs started before that kept
        # them as activities, two more tasks and six more events.
        local = workflow.patched("vies-record-locally")
        await _write(
            local,
            ViesActivities.record_vies_check,
            record,
            f"Record VIES check {request.vat_number}: {outcome}",
        )
        # Checks recorded before orders listened to them have no notification in history.
        if local or workflow.patched("notify-buyer-orders"):
            await _write(
                local,
                BuyerOrdersActivities.notify_buyer_orders,
                BuyerOrdersNotice(
                    request.buyer_uuid,
                    ViesEvidence(
                        record.checked_at,
                        str(record.result),
                        record.request_identifier,
                        record.error_code,
                        str(record.trigger),
                        trader_name=record.name,
                    ),
                ),
                "Tell the buyer's open orders",
            )
        return BuyerViesCheckResult(
            result=record.result,
            checked_at=record.checked_at,
            error_code=record.error_code,
            request_identifier=record.request_identifier,
            attempts=record.attempts,
            trader_name=record.name,
        )


async def _write(local: bool, activity: Callable[..., Any], arg: Any, summary: str) -> None:
    """One of the check's writes: a local activity, or an activity in runs from before."""
    if local:
        await workflow.execute_local_activity_method(
            activity,
            arg,
            start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=RECORD_RETRY,
            summary=summary,
        )
    else:
        await workflow.execute_activity_method(
            activity,
            arg,
            start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=RECORD_RETRY,
            summary=summary,
        )


def _record_failure(record: ViesCheckRecord, error: ActivityError) -> None:
    """UNKNOWN, with the last VIES error the activity raised (its details: attempt, sha256).

    Temporal ends the retries with the last attempt's failure as the cause, or with a timeout
    whose cause is the attempt before it. A timeout with no attempt failure behind it (the
    worker died mid-call, or the give-up is shorter than one call) is named by its kind.
    """
    cause = error.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__  # what TemporalError.cause answers, on any exception
    if isinstance(cause, ApplicationError):
        record.error_code = cause.type
        details = cause.details
        record.attempts = int(details[0]) if details else record.attempts
        record.raw_sha256 = str(details[1]) if len(details) > 1 and details[1] else None
    elif isinstance(error.cause, ActivityTimeoutError) and error.cause.type is not None:
        record.error_code = f"{error.cause.type.name}_TIMEOUT"
    else:
        record.error_code = "ACTIVITY_FAILED"
