"""The round-trip activity: reads the organization from the database, as a real activity would."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from store.db import Database
from store.models import Organization
from workflows import activities as interface
from workflows.activities import RoundTripConfirmation, RoundTripRequest


class RoundTripActivities(interface.RoundTripActivities):
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn
    async def confirm_round_trip(self, request: RoundTripRequest) -> RoundTripConfirmation:
        async with self.db.session() as session:
            name = await session.scalar(
                select(Organization.name).where(
                    Organization.uuid == UUID(request.organization_uuid)
                )
            )
        if name is None:
            raise ApplicationError("unknown organization", non_retryable=True)
        return RoundTripConfirmation(name, activity.client().identity)
