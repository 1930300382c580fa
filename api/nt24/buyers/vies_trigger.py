"""Starting a buyer's VIES check: for K2 (manual), a buyer upsert, or the daily re-check.

One check runs per buyer at a time, under the workflow id ``buyer-vies-{buyer_uuid}``:

- the id reuse policy ALLOW_DUPLICATE lets a finished check (whatever its outcome) run again;
- the id conflict policy FAIL makes the server refuse a second start while one is running.

That refusal is how the two answers are told apart: a start that succeeds is ``QUEUED`` (a new
check), one refused with WorkflowAlreadyStartedError is ``IN_PROGRESS`` (the running check
will answer; nothing new is queued). USE_EXISTING would attach to the running check just the
same, but the SDK does not say whether it attached or started, so the answer would be a guess.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.workflow_metadata import start_metadata
from settings import Settings
from workflows.buyers.activities import ViesTrigger
from workflows.buyers.vies_check import BuyerViesCheckInput, BuyerViesCheckWorkflow
from workflows.ids import buyer_vies_workflow_id

ViesCheckJobStatus = Literal["QUEUED", "IN_PROGRESS"]


async def start_vies_check(
    client: Client,
    settings: Settings,
    buyer_uuid: UUID | str,
    vat_number: str,
    requester_vat_number: str | None,
    trigger: ViesTrigger,
) -> ViesCheckJobStatus:
    """Start a check of ``vat_number`` (normalised) unless one is running for the buyer."""
    request = BuyerViesCheckInput(
        buyer_uuid=str(buyer_uuid),
        vat_number=vat_number,
        requester_vat_number=requester_vat_number,
        trigger=trigger,
        retry_initial_interval=settings.vies_retry_initial_interval,
        retry_max_interval=settings.vies_retry_max_interval,
        give_up_after=settings.vies_give_up_after,
        attempt_timeout=settings.vies_http_timeout + settings.vies_attempt_margin,
    )
    try:
        await client.start_workflow(
            BuyerViesCheckWorkflow.run,
            request,
            id=buyer_vies_workflow_id(str(buyer_uuid)),
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            **start_metadata(
                f"VIES check of {request.vat_number} ({request.trigger.value})",
                [f"**VIES check** of `{request.vat_number}`", f"**Buyer uuid**: `{buyer_uuid}`"],
                buyer_vat_number=request.vat_number,
            ),
        )
    except WorkflowAlreadyStartedError:
        return "IN_PROGRESS"
    return "QUEUED"
