"""What the order's workflow calls: each activity's name, input and output, nothing else
(the convention is explained in workflows/buyers/activities.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from temporalio import activity

from workflows.orders.model import (
    BuyerRef,
    DocumentRef,
    Invoice,
    Money,
    OrderIdentity,
    OrderVin,
    Payment,
    Transport,
    ViesEvidence,
)
from workflows.orders.rollup import Evaluation
from workflows.orders.rules.outcome import ComplianceStatus
from workflows.orders.state import OrderResources
from workflows.orders.status import OrderStatus


@dataclass
class PendingEvent:
    id: str  # evt_..., made by the workflow: the same across retries and replays
    type: str
    source: str  # API, WEB_APP, SYSTEM
    created_at: datetime
    data: dict[str, Any]


@dataclass
class OrderSnapshot:
    identity: OrderIdentity
    revision: int
    status: OrderStatus
    compliance_status: ComplianceStatus
    version: int
    fingerprint: str
    created_at: datetime
    updated_at: datetime
    vins: list[str]
    resources: OrderResources  # rendered into the read model's JSON by the writer
    rule_outcomes: list[dict[str, Any]]
    documents: list[DocumentRef] = field(default_factory=list)
    events: list[PendingEvent] = field(default_factory=list)
    # Who made the change (API, WEB_APP, SYSTEM); last and defaulted so older histories replay
    source: str = "API"
    # The rule set the evaluation was made under (the evidence chain's decisions name it)
    rule_set: str | None = None


@dataclass
class ExportFileRequest:
    """What the Export File needs from the workflow; the rest is read from the database."""

    identity: OrderIdentity
    version: int
    reason: str
    generated_at: datetime
    status: OrderStatus
    purchase_date: date | None
    total_amount: Money
    vins: list[OrderVin]
    invoices: list[Invoice]
    payment: Payment | None
    transport: Transport
    evaluation: Evaluation


@dataclass
class GeneratedExportFile:
    sha256: str
    generated_at: datetime
    decision: str


@dataclass
class BuyerAsked:
    buyer_uuid: str


@dataclass
class BuyerViesAsked:
    """The buyer's VIES answers given from ``since`` on (the order's creation)."""

    buyer_uuid: str
    since: datetime


class OrderStoreActivities:
    @activity.defn
    async def write_order(self, snapshot: OrderSnapshot) -> str:
        """Write the snapshot; the answer is the order's evidence chain head after it."""
        raise NotImplementedError

    @activity.defn
    async def current_buyer(self, asked: BuyerAsked) -> BuyerRef | None:
        """The buyer's KYC facts as they are now (None: no such buyer)."""
        raise NotImplementedError

    @activity.defn
    async def buyer_vies_answers(self, asked: BuyerViesAsked) -> list[ViesEvidence]:
        """The buyer's VIES answers since a moment, oldest first, as the store records them."""
        raise NotImplementedError


class ExportFileActivities:
    @activity.defn
    async def generate_export_file(self, request: ExportFileRequest) -> GeneratedExportFile:
        """Render, store and register one version; a retry of the same version is a no-op."""
        raise NotImplementedError
