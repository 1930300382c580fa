"""The payout run: every seller gets what its buyers paid since the last run.

Started by the ``payout-run`` Temporal Schedule (every ``NT24_PAYOUT_INTERVAL``) or directly;
it pages through the sellers with money to pass on (activities/payments/payouts.py). Overlapping
runs
are skipped by the Schedule, and what is payable follows from the database, so a run that
is retried or repeated pays nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.payments.activities import (
        PAYOUT_RUN_WORKFLOW,
        PayoutActivities,
        PayoutBatch,
        PayoutMade,
        PayoutRunInput,
    )

DB_TIMEOUT = timedelta(minutes=2)
DB_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


@dataclass
class PayoutRunResult:
    payouts: list[PayoutMade] = field(default_factory=list)


@workflow.defn(name=PAYOUT_RUN_WORKFLOW)
class PayoutRunWorkflow:
    @workflow.run
    async def run(self, request: PayoutRunInput) -> PayoutRunResult:
        result, run_at = PayoutRunResult(), workflow.now()
        after: int | None = 0  # the last seller paid; None: no more pages
        while after is not None:
            workflow.set_current_details(
                f"**Payout run** of {run_at:%Y-%m-%d %H:%M} UTC: {len(result.payouts)} payouts "
                f"so far; next page after seller {after}"
            )
            page = await workflow.execute_activity_method(
                PayoutActivities.pay_out_sellers,
                PayoutBatch(workflow.info().workflow_id, run_at, after, request.sellers_per_batch),
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
                summary=f"Pay out up to {request.sellers_per_batch} sellers after {after}",
            )
            result.payouts.extend(page.payouts)
            after = page.next_after
        workflow.set_current_details(
            f"**Payout run** of {run_at:%Y-%m-%d %H:%M} UTC: done, {len(result.payouts)} payouts"
            + "".join(
                f", {sum(p.amount for p in result.payouts if p.currency == c) / 100:.2f} {c}"
                for c in sorted({p.currency for p in result.payouts})
            )
        )
        return result
