"""What an OrderWorkflow run starts from: nothing yet (the order arrives with the ``create``
Update), or the state carried over from the previous run (continue-as-new); and the order as
its answers show it (``OrderResources``), which the API and the read-model writer render.

Kept outside the workflow module, with real (not postponed) annotations, so the data
converter resolves every type inside the workflow sandbox.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from workflows.money import Money
from workflows.orders.model import (
    CreateOrder,
    DocumentRef,
    ExportFileVersion,
    Invoice,
    OrderIdentity,
    OrderVin,
    Payment,
    Person,
    Redecision,
    Transport,
    ViesEvidence,
)
from workflows.orders.rollup import Evaluation
from workflows.orders.status import OrderStatus


@dataclass
class Shown:
    """A resource as it was last shown: its content's digest and the version it had then."""

    digest: str
    version: int


@dataclass
class OrderState:
    """The order's state, whole: the workflow holds one and continue-as-new carries it into
    the next run as it is. What is derived from it (the rollup's evaluation) is recomputed."""

    created: CreateOrder | None = None  # None until the ``create`` Update arrives
    status: OrderStatus = OrderStatus.CREATED
    version: int = 0
    revision: int = 0  # every read-model write, for last-writer-wins by revision
    created_at: datetime | None = None
    updated_at: datetime | None = None
    invoices: dict[str, Invoice] = field(default_factory=dict)
    payment: Payment | None = None
    transport: Transport = field(default_factory=Transport)
    documents: list[DocumentRef] = field(default_factory=list)
    vies: list[ViesEvidence] = field(default_factory=list)
    # The buyer's VIES answers the order learnt from the buyer's record (the one it was created
    # with, those of buyer changes), not by checks of its own: the record keeps only the last
    vies_heard: list[ViesEvidence] = field(default_factory=list)
    vies_checks_started: int = 0
    compliance_version: int = 0
    export_files: list[ExportFileVersion] = field(default_factory=list)
    export_requested: str | None = None  # the reason of a pending generation
    # the source of the change that requested it (a command's, a timer's SYSTEM): its
    # export_file.generated event's. None: requested before it was recorded (SYSTEM)
    export_requested_by: str | None = None
    export_failed: bool = False
    cancellation_reason: str | None = None
    decided: Evaluation | None = None  # the decision as made, held until a re-decision
    redecisions: list[Redecision] = field(default_factory=list)
    # The head of the order's evidence chain as the read-model write sealed it: the
    # database's chain and this history witness each other (None before the first write)
    chain_head: str | None = None
    # What each resource showed after the last change (workflows/orders/shown.py), by its
    # name there: a resource whose content moves without its version gets a new one. Empty
    # until the first change that compares (orders begun before it: that change's content)
    shown: dict[str, Shown] = field(default_factory=dict)
    # When the order's and the rollup's versions last moved: their ``updatedAt`` (None in
    # orders from before, which show ``updated_at``, the last change of anything)
    order_changed_at: datetime | None = None
    compliance_changed_at: datetime | None = None


@dataclass
class OrderStart:
    """The run's input: the order itself arrives with the ``create`` Update, or is carried
    over from the previous run when the history grew long (continue-as-new)."""

    # A workflow started but never created (its creator gave up) ends after this
    abandoned_after: timedelta = timedelta(hours=1)
    carried: OrderState | None = None


@dataclass
class OrderResources:
    """The order as its answers and its read model show it: domain state, no JSON. The
    workflow takes it after every change; the API and the read-model writer render each
    resource's JSON from it (store/orders/views.py), outside the workflow. A command's
    answer or refusal carries only the part its resource renders (``shown_part``)."""

    identity: OrderIdentity
    buyer_uuid: str
    vins: list[OrderVin]
    total_amount: Money
    purchase_date: date | None
    responsible_contact: Person | None
    status: OrderStatus
    version: int
    compliance_version: int
    created_at: datetime | None
    updated_at: datetime | None
    cancellation_reason: str | None
    invoices: dict[str, Invoice]
    payment: Payment | None
    transport: Transport
    documents: list[DocumentRef]
    # The rollup; without its rule outcomes, which no answer shows (the read model gets them
    # apart), so they stay out of every Update's result in history
    evaluation: Evaluation | None
    export_files: list[ExportFileVersion]
    export_requested: str | None
    export_failed: bool
    daily_vies_active: bool
    # When the rollup last changed (None from a worker of the previous release: updated_at)
    compliance_updated_at: datetime | None = None


class Resource(StrEnum):
    """Which of the order's resources an answer shows."""

    ORDER = "ORDER"
    INVOICE = "INVOICE"  # the one of ``CommandResult.key``'s type
    PAYMENT = "PAYMENT"
    TRANSPORT = "TRANSPORT"
    DOCUMENT = "DOCUMENT"  # the one whose uuid is ``CommandResult.key``
    EXPORT_FILE = "EXPORT_FILE"
    EXPORT_FILE_REQUESTED = "EXPORT_FILE_REQUESTED"  # a new version asked for, not begun


@dataclass
class CommandResult:
    """What an order command answers: the part of the order its answer renders (all of it,
    from a worker of the previous release), which resource of it the answer shows, that
    resource's version, and whether the command created it."""

    resource: Resource | None = None
    order: OrderResources | None = None
    key: str | None = None
    created: bool = False
    version: int = 0
    # The rendered answer, as a worker of the previous release sends it (None from this one)
    body: dict | None = None


def shown_part(order: OrderResources, resource: Resource, key: str | None = None) -> OrderResources:
    """What of the order an answer showing ``resource`` renders (store/orders/views.py):
    that resource and the few order fields its view reads, the rest left empty. Each command's
    result is kept in the workflow's history, so it must not grow with the order."""
    evaluated = order.evaluation and replace(order.evaluation, blockers=[], modules={})
    if resource == Resource.ORDER:  # each VIN's status reads the rollup's and the transport's
        transport = Transport(pickup=order.transport.pickup, delivery=order.transport.delivery)
        return replace(
            order,
            invoices={},
            payment=None,
            transport=transport,
            documents=[],
            evaluation=evaluated,
            export_files=[],
        )
    rest = replace(
        order,
        vins=[],
        invoices={},
        payment=None,
        transport=Transport(),
        documents=[],
        evaluation=None,
        export_files=[],
    )
    if resource == Resource.INVOICE:  # and whether the final invoice arrived
        invoices = {kind: i for kind, i in order.invoices.items() if kind in (key, "FINAL")}
        return replace(
            rest, invoices=invoices, evaluation=_module_only(order.evaluation, "invoice")
        )
    if resource == Resource.PAYMENT:
        return replace(
            rest, payment=order.payment, evaluation=_module_only(order.evaluation, "payment")
        )
    if resource == Resource.TRANSPORT:
        documents = [d for d in order.documents if d.module == "transport"]
        return replace(rest, transport=order.transport, documents=documents)
    if resource == Resource.DOCUMENT:
        return replace(rest, documents=[d for d in order.documents if d.uuid == key])
    # the Export File's status reads whether the order was evaluated
    return replace(rest, export_files=order.export_files, evaluation=evaluated)


def _module_only(evaluation: Evaluation | None, module: str) -> Evaluation | None:
    """The rollup with only ``module``'s entry, which an invoice's or payment's answer shows."""
    if evaluation is None:
        return None
    entry = evaluation.modules.get(module)
    return replace(evaluation, blockers=[], modules={module: entry} if entry is not None else {})


def export_file_url(identity: OrderIdentity, version: int) -> str:
    """Where a version of the order's Export File is downloaded (its answers and events)."""
    return (
        f"/v1/partners/{identity.partner_uuid}/orders/{identity.order_uuid}"
        f"/finalization/export-file/versions/{version}/content"
    )
