"""``POST /v1/api/diagnostics/round-trip``: run the round-trip workflow for the caller's
organization and answer with its result, proving API, Temporal, worker and database together."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from fastapi import APIRouter
from pydantic import BaseModel, Field

from activities.workflow_metadata import round_trip_start
from api.notyd.identity.user_auth import OrganizationUser
from api.shared.deps import AppSettings, Db, Temporal
from store.identity.queries import organization_uuid
from workflows.ids import round_trip_workflow_id
from workflows.round_trip import RoundTripInput, RoundTripWorkflow

router = APIRouter(prefix="/v1/api/diagnostics", tags=["Diagnostics"])


class RoundTripBody(BaseModel):
    message: str = Field("ping", max_length=200)


class RoundTripAnswer(BaseModel):
    workflow_id: str
    organization_name: str
    message: str
    confirmed_by: str


@router.post("/round-trip/", response_model=RoundTripAnswer, summary="Run a workflow round trip")
async def round_trip(
    body: RoundTripBody,
    user: OrganizationUser,
    db: Db,
    client: Temporal,
    settings: AppSettings,
) -> RoundTripAnswer:
    assert user.organization_id is not None  # an OrganizationUser belongs to one
    org_uuid = await organization_uuid(db, user.organization_id)
    workflow_id = round_trip_workflow_id(uuid4())
    result = await client.execute_workflow(
        RoundTripWorkflow.run,
        RoundTripInput(str(org_uuid), body.message),
        id=workflow_id,
        task_queue=settings.task_queue,
        execution_timeout=timedelta(minutes=1),
        **round_trip_start(str(org_uuid)),
    )
    return RoundTripAnswer(workflow_id=workflow_id, **vars(result))
