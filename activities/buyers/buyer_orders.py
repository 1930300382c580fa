"""Telling a buyer's open orders that its KYC facts or VIES result changed: the activity the
buyer's workflows call, and the API after a change it made."""

from __future__ import annotations

from uuid import UUID

import structlog
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from store.buyers.buyers import open_orders
from store.db import Database
from workflows.buyers import activities as interface
from workflows.buyers.activities import BuyerOrdersNotice
from workflows.change_source import ChangeSource
from workflows.orders.model import BUYER_CHANGED, BuyerChanged, ViesEvidence

log = structlog.get_logger(__name__)


async def notify_open_orders(
    client: Client,
    db: Database,
    buyer_uuid: UUID,
    vies: ViesEvidence | None = None,
    source: ChangeSource = ChangeSource.SYSTEM,
) -> int:
    """Signal every open order of the buyer with its current KYC facts; returns how many.

    An order that cannot be told now (Temporal away) fails the call: an activity is retried
    (the API, whose change is committed by then, tells them with ``tell_open_orders``)."""
    found = await open_orders(db, buyer_uuid)
    if found is None:
        return 0
    for workflow_id in found.workflow_ids:
        try:
            await client.get_workflow_handle(workflow_id).signal(
                BUYER_CHANGED, BuyerChanged(found.buyer, vies, source)
            )
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                # told to no one is not told: the caller fails (a 503, an activity retried)
                raise
            continue  # the order's workflow has closed meanwhile: nothing to tell it
    return len(found.workflow_ids)


async def tell_open_orders(
    client: Client, db: Database, buyer_uuid: UUID, source: ChangeSource
) -> None:
    """After a buyer change the API (or the web app, ``source``) committed: its answer is that
    change, whether or not Temporal can take the signals now. An order not told reads its
    buyer as it is before it decides (OrderWorkflow._commit), so it cannot decide on the buyer
    it last heard of."""
    try:
        await notify_open_orders(client, db, buyer_uuid, source=source)
    except RPCError as error:
        log.warning("buyer's open orders not told", buyer=str(buyer_uuid), error=str(error)[:200])


class BuyerOrdersActivities(interface.BuyerOrdersActivities):
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn
    async def notify_buyer_orders(self, notice: BuyerOrdersNotice) -> int:
        return await notify_open_orders(
            activity.client(), self.db, UUID(notice.buyer_uuid), notice.vies, notice.source
        )
