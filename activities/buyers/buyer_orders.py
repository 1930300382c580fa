"""Telling a buyer's open orders that its KYC facts or VIES result changed."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from temporalio import activity

from store.buyers.buyers import notify_open_orders
from store.db import Database
from workflows.orders.model import ViesEvidence


@dataclass
class BuyerOrdersNotice:
    buyer_uuid: str
    vies: ViesEvidence | None = None


class BuyerOrdersActivities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn
    async def notify_buyer_orders(self, notice: BuyerOrdersNotice) -> int:
        return await notify_open_orders(
            activity.client(), self.db, UUID(notice.buyer_uuid), notice.vies
        )
