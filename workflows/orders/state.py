"""What an OrderWorkflow run starts from: nothing yet (the order arrives with the ``create``
Update), or the state carried over from the previous run (continue-as-new).

Kept outside the workflow module, with real (not postponed) annotations, so the data
converter resolves every type inside the workflow sandbox.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from workflows.orders.model import (
    CreateOrder,
    DocumentRef,
    ExportFileVersion,
    Invoice,
    Payment,
    Redecision,
    Transport,
    ViesEvidence,
)
from workflows.orders.rollup import Evaluation
from workflows.orders.status import OrderStatus

# The order's state: what continue-as-new carries into the next run
CARRIED = (
    "created",
    "status",
    "version",
    "revision",
    "created_at",
    "updated_at",
    "invoices",
    "payment",
    "transport",
    "documents",
    "vies",
    "vies_checks_started",
    "compliance_version",
    "export_files",
    "export_requested",
    "export_failed",
    "cancellation_reason",
    "decided",
    "redecisions",
    "chain_head",
)


@dataclass
class OrderCarry:
    created: CreateOrder
    status: OrderStatus
    version: int
    revision: int
    created_at: datetime
    updated_at: datetime
    invoices: dict[str, Invoice]
    payment: Payment | None
    transport: Transport
    documents: list[DocumentRef]
    vies: list[ViesEvidence]
    vies_checks_started: int
    compliance_version: int
    export_files: list[ExportFileVersion]
    export_requested: str | None
    export_failed: bool
    cancellation_reason: str | None
    decided: Evaluation | None = None  # the decision as made, held until a re-decision
    redecisions: list[Redecision] = field(default_factory=list)
    chain_head: str | None = None  # the evidence chain head of the last read-model write


@dataclass
class OrderStart:
    """The run's input: the order itself arrives with the ``create`` Update, or is carried
    over from the previous run when the history grew long (continue-as-new)."""

    # A workflow started but never created (its creator gave up) ends after this
    abandoned_after: timedelta = timedelta(hours=1)
    carried: OrderCarry | None = None
