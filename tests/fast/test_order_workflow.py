"""OrderWorkflow's lifecycle on the time-skipping server: the read-model writes, the Export
File and the VIES checks are mocks that record what the workflow asked of them.

What the user depends on: where an order stands after each command (the read model it writes),
the decision and its Export File, the commands it refuses, and the deadlines it keeps.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio
from temporalio import activity, workflow
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from tests.fast.harness import mocked_worker, refusal, skip, until
from worker import workflow_runner
from workflows.buyers.activities import (
    BuyerOrdersNotice,
    ViesAnswer,
    ViesCheckRecord,
    ViesCheckRecorded,
    ViesCheckRequest,
)
from workflows.buyers.vies_check import BuyerViesCheckWorkflow
from workflows.change_source import ChangeSource
from workflows.orders.activities import (
    BuyerAsked,
    BuyerViesAsked,
    ExportFileRequest,
    GeneratedExportFile,
    OrderSnapshot,
)
from workflows.orders.model import (
    Address,
    AttachDocument,
    BuyerChanged,
    BuyerRef,
    CancelOrder,
    ConfirmDelivery,
    ConfirmPickup,
    CreateOrder,
    Delivery,
    DocumentRef,
    Invoice,
    Money,
    OrderIdentity,
    OrderSettings,
    OrderVin,
    PatchInvoice,
    PatchOrder,
    PatchPayment,
    Payment,
    Pickup,
    ReadyForPickup,
    Redecide,
    RegenerateExport,
    RevokePickup,
    SubmitInvoice,
    SubmitPayment,
    ViesEvidence,
)
from workflows.orders.rollup import LEGACY_RULE_SET, RULE_SET
from workflows.orders.rules.compliance import Policy, transport_evidence_deadline
from workflows.orders.state import OrderStart
from workflows.orders.workflow import OrderWorkflow

pytestmark = pytest.mark.fast

TOTAL = Money(1_850_000)
VIN_A = "WVWZZZ1KZAW000001"
VIN_B = "WBA3A5C50CF256985"
SELLER_VAT = "DE811907980"
BUYER_VAT = "FR40303265045"


class OrderActivities:
    """The order's activities, recorded: what the read model and the Export File would hold."""

    def __init__(self) -> None:
        self.writes: list[OrderSnapshot] = []
        self.export_files: list[ExportFileRequest] = []
        self.vies_checks: list[ViesCheckRequest] = []
        self.buyer: BuyerRef | None = None  # the buyer as the store holds it; None: not known
        self.write_failures = 0  # writes to refuse, as a store that is away would
        self.vies_answers: list[ViesEvidence] = []  # the buyer's, as the store records them

    @activity.defn(name="write_order")
    async def write_order(self, snapshot: OrderSnapshot) -> str:
        if self.write_failures:
            self.write_failures -= 1
            raise ApplicationError("the store is away", non_retryable=True)
        self.writes.append(snapshot)
        return f"head-{snapshot.revision}"

    @activity.defn(name="current_buyer")
    async def current_buyer(self, asked: BuyerAsked) -> BuyerRef | None:
        return self.buyer

    @activity.defn(name="buyer_vies_answers")
    async def buyer_vies_answers(self, asked: BuyerViesAsked) -> list[ViesEvidence]:
        return [e for e in self.vies_answers if e.checked_at >= asked.since]

    @activity.defn(name="generate_export_file")
    async def generate_export_file(self, request: ExportFileRequest) -> GeneratedExportFile:
        self.export_files.append(request)
        decision = request.evaluation.decision
        assert decision is not None, "an Export File is made only for a decided order"
        return GeneratedExportFile(f"sha-{request.version}", request.generated_at, decision)

    @activity.defn(name="check_vat_number")
    async def check_vat_number(self, request: ViesCheckRequest) -> ViesAnswer:
        self.vies_checks.append(request)
        consultation = f"WAPI{len(self.vies_checks):06d}"
        return ViesAnswer(True, None, consultation, "AUTO DUPONT SARL", None, None, 1)

    @activity.defn(name="record_vies_check")
    async def record_vies_check(self, record: ViesCheckRecord) -> ViesCheckRecorded:
        return ViesCheckRecorded(record.check_uuid, buyer_updated=True)

    @activity.defn(name="notify_buyer_orders")
    async def notify_buyer_orders(self, notice: BuyerOrdersNotice) -> int:
        return 0  # the order under test runs its own checks; no other order listens

    @property
    def activities(self) -> list:
        return [
            self.write_order,
            self.current_buyer,
            self.buyer_vies_answers,
            self.generate_export_file,
            self.check_vat_number,
            self.record_vies_check,
            self.notify_buyer_orders,
        ]

    @property
    def last(self) -> OrderSnapshot:
        return self.writes[-1]

    def events(self) -> list[str]:
        return [event.type for write in self.writes for event in write.events]

    def generated_sources(self) -> list[str]:
        """Each export_file.generated event's source, in the order written."""
        return [
            event.source
            for write in self.writes
            for event in write.events
            if event.type == "export_file.generated"
        ]


@dataclass
class Orders:
    env: WorkflowEnvironment
    task_queue: str
    recorded: OrderActivities
    buyers: dict[str, BuyerRef] = field(default_factory=dict)  # by workflow id, as created

    async def today(self) -> date:
        return (await self.env.get_current_time()).date()

    def worker(self, workflow_class: type, **options: Any) -> Worker:
        """A worker of ``workflow_class`` alone (a deployed version of the order workflow),
        with the strict sandbox that checks the workflow code."""
        return Worker(
            self.env.client,
            task_queue=self.task_queue,
            workflows=[workflow_class],
            activities=self.recorded.activities,
            workflow_runner=workflow_runner(strict=True),
            **options,
        )

    async def create(
        self, vins: list[OrderVin] | None = None, **settings: object
    ) -> WorkflowHandle:
        """A German dealer's order of a used car (or of ``vins``) for a French company (VIES:
        valid)."""
        now = await self.env.get_current_time()
        order_uuid = str(uuid4())
        handle = await self.env.client.start_workflow(
            OrderWorkflow.run, OrderStart(), id=f"order-{order_uuid}", task_queue=self.task_queue
        )
        buyer = self.buyers[handle.id] = BuyerRef(
            str(uuid4()),
            BUYER_VAT,
            "Auto Dupont SARL",
            "FR",
            kyc_mode="MARKETPLACE_LED",
            kyc_status="VALID",
            vies_result="VALID",
            vies_last_checked_at=now,
            documents_complete=True,
        )
        await handle.execute_update(
            OrderWorkflow.create,
            CreateOrder(
                identity=OrderIdentity(
                    order_uuid, 1, str(uuid4()), 1, str(uuid4()), "DE", 1, "ORD-1", "Autohaus GmbH"
                ),
                buyer=buyer,
                vins=vins or [OrderVin(VIN_A, "VW", "Golf", TOTAL, 85_000, date(2019, 3, 1))],
                total_amount=TOTAL,
                purchase_date=now.date(),
                responsible_contact=None,
                fingerprint="create-1",
                settings=OrderSettings(requester_vat_number=SELLER_VAT, **settings),
            ),
        )
        return handle

    async def buyer_of(self, handle: WorkflowHandle) -> BuyerRef:
        """The buyer as the order was created with it (``create``'s)."""
        return self.buyers[handle.id]

    async def paid(self, handle: WorkflowHandle) -> None:
        """The preliminary invoice and a bank payment that covers it."""
        today = await self.today()
        await handle.execute_update(
            OrderWorkflow.submit_invoice,
            SubmitInvoice(Invoice("PRELIMINARY", today, "R-2026-17", False, TOTAL)),
        )
        await handle.execute_update(
            OrderWorkflow.submit_payment,
            SubmitPayment(Payment(today, TOTAL, Money(0), "DE89370400440532013000")),
        )

    async def picked_up(self, handle: WorkflowHandle) -> None:
        """Paid, then picked up."""
        await self.paid(handle)
        await self.pick_up(handle)

    async def pick_up(self, handle: WorkflowHandle) -> None:
        """Ready for pickup, and taken by the seller's carrier from Berlin."""
        await handle.execute_update(OrderWorkflow.ready_for_pickup, ReadyForPickup())
        await handle.execute_update(
            OrderWorkflow.confirm_pickup,
            ConfirmPickup(
                Pickup(
                    "COMPANY_TRANSPORT",
                    await self.today(),
                    None,
                    Address("Hauptstr. 1", "10115", "Berlin", "DE"),
                    arranged_by="SELLER",
                )
            ),
        )

    async def delivered(self, handle: WorkflowHandle) -> None:
        await handle.execute_update(
            OrderWorkflow.confirm_delivery,
            ConfirmDelivery(
                Delivery(await self.today(), Address("1 rue de Lyon", "69001", "Lyon", "FR"))
            ),
        )

    async def attach(
        self,
        handle: WorkflowHandle,
        type_: str,
        issuer: str,
        name: str | None,
        vins: list[str] | None = None,
        sha256: str | None = None,
    ) -> str:
        """Attach a document (covering ``vins``, None: all of the order's; a file of its own
        unless ``sha256`` names one); its uuid."""
        module = {"SHIPMENT": "invoice", "PAYMENT": "payment"}.get(type_.split("_")[0], "transport")
        uuid = str(uuid4())
        await handle.execute_update(
            OrderWorkflow.attach_document,
            AttachDocument(
                DocumentRef(
                    uuid,
                    module,
                    type_,
                    await self.today(),
                    issuer,
                    name,
                    f"{type_.lower()}.pdf",
                    "application/pdf",
                    1024,
                    sha256 or hashlib.sha256(uuid.encode()).hexdigest(),
                    vins=vins,
                )
            ),
        )
        return uuid

    def statuses(self) -> dict[str, str]:
        """Each document's status as the last read-model write holds it."""
        return {d.uuid: d.status for d in self.recorded.last.documents}


@pytest_asyncio.fixture(loop_scope="session")
async def orders(time_skipping: WorkflowEnvironment) -> AsyncIterator[Orders]:
    recorded = OrderActivities()
    async with mocked_worker(
        time_skipping, [OrderWorkflow, BuyerViesCheckWorkflow], recorded.activities
    ) as task_queue:
        orders = Orders(time_skipping, task_queue, recorded)
        yield orders


async def test_an_order_runs_from_creation_to_its_decision_and_final_invoice(orders: Orders):
    handle = await orders.create()
    recorded = orders.recorded
    assert (recorded.last.status, recorded.last.compliance_status) == ("CREATED", "INCOMPLETE")

    await orders.paid(handle)
    assert recorded.last.status == "PAYMENT_SUBMITTED"
    await orders.picked_up(handle)
    assert recorded.last.status == "TRANSPORT_IN_PROGRESS"
    for type_, issuer, name in [
        ("SHIPMENT_PRELIMINARY_INVOICE", "SELLER", None),
        ("PAYMENT_CONFIRMATION", "BANK", "Deutsche Bank"),
        ("TRANSPORT_CMR", "CARRIER", "Trans Logistik GmbH"),
        ("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Spedition Meier"),
    ]:
        await orders.attach(handle, type_, issuer, name)
    assert recorded.last.compliance_status == "INCOMPLETE"  # not delivered yet

    await orders.delivered(handle)
    assert (recorded.last.status, recorded.last.compliance_status) == (
        "COMPLIANCE_VALID",
        "VALID",
    )
    assert "compliance.decision_made" in recorded.events()
    await until(lambda: "export_file.generated" in recorded.events(), "the Export File")
    assert [r.evaluation.decision for r in recorded.export_files] == ["VALID_EXPORT"]

    # the final invoice follows the decision: an exempt supply's charges no VAT
    final = Invoice("FINAL", await orders.today(), "R-2026-18", True, Money(2_201_500))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(OrderWorkflow.submit_invoice, SubmitInvoice(final, final=True))
    assert refusal(refused.value).type == "FINAL_INVOICE_VAT"
    # ... and is the order total: a decided order no longer hears the rules on its amount
    for amount in (Money(500_000), Money(TOTAL.value, "PLN")):
        other = replace(final, vat_included=False, amount=amount)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                OrderWorkflow.submit_invoice, SubmitInvoice(other, final=True)
            )
        assert refusal(refused.value).type == "FINAL_INVOICE_AMOUNT"
    final.vat_included, final.amount = False, TOTAL
    await handle.execute_update(OrderWorkflow.submit_invoice, SubmitInvoice(final, final=True))
    await until(lambda: len(recorded.export_files) == 2, "the Export File with the final invoice")
    assert recorded.export_files[-1].reason == "Final invoice received"
    assert recorded.last.status == "COMPLIANCE_VALID"
    invoice = recorded.last.resources.invoices["FINAL"]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            OrderWorkflow.patch_invoice,
            PatchInvoice("FINAL", invoice.version, amount=Money(500_000)),
        )
    assert refusal(refused.value).type == "FINAL_INVOICE_AMOUNT"


async def test_an_older_copy_of_the_buyer_arriving_last_does_not_undo_a_block(orders: Orders):
    """Two buyer changes' signals may arrive in another order than the changes were made (a
    VIES answer's copy of the buyer, read before a block, sent after it): the order reads its
    buyer as the store holds it now, so the block holds and no VALID is decided."""
    handle = await orders.create()
    recorded = orders.recorded
    await orders.picked_up(handle)
    await evidence_for_valid(orders, handle)
    active = await orders.buyer_of(handle)
    recorded.buyer = replace(active, status="BLOCKED")
    writes = len(recorded.writes)
    await handle.signal(OrderWorkflow.buyer_changed, BuyerChanged(recorded.buyer))
    await handle.signal(OrderWorkflow.buyer_changed, BuyerChanged(active))  # older, last
    await until(lambda: len(recorded.writes) >= writes + 2, "both changes written")
    await orders.delivered(handle)
    rollup = recorded.last.resources.evaluation
    assert rollup is not None and rollup.compliance_status == "INCOMPLETE"
    assert "BUYER_BLOCKED" in {b.code for b in rollup.blockers}


async def evidence_for_valid(orders: Orders, handle: WorkflowHandle) -> None:
    for type_, issuer, name in [
        ("SHIPMENT_PRELIMINARY_INVOICE", "SELLER", None),
        ("PAYMENT_CONFIRMATION", "BANK", "Deutsche Bank"),
        ("TRANSPORT_CMR", "CARRIER", "Trans Logistik GmbH"),
        ("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Spedition Meier"),
    ]:
        await orders.attach(handle, type_, issuer, name)


async def test_a_delivered_order_reads_its_buyer_before_it_decides(orders: Orders):
    """A change the order was never told of (Temporal away when the API signalled it): the
    order reads its buyer as the store holds it before the change that would decide, so a
    blocked buyer's order is not decided VALID on the buyer it last heard of."""
    handle = await orders.create()
    recorded = orders.recorded
    await orders.picked_up(handle)
    await orders.delivered(handle)
    recorded.buyer = replace(await orders.buyer_of(handle), status="BLOCKED")
    await evidence_for_valid(orders, handle)
    rollup = recorded.last.resources.evaluation
    assert rollup is not None and rollup.compliance_status == "INCOMPLETE"
    assert "BUYER_BLOCKED" in {b.code for b in rollup.blockers}


async def test_a_write_that_fails_outside_a_command_waits_for_the_store(orders: Orders):
    """The store away past the write budget: a command's write fails the command (its answer
    says so) and the order goes on; a buyer change's write, which no one answers, waits and
    writes again instead of ending the order's workflow."""
    handle = await orders.create()
    recorded = orders.recorded
    recorded.write_failures = 1
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            OrderWorkflow.submit_invoice,
            SubmitInvoice(Invoice("PRELIMINARY", await orders.today(), "R-1", False, TOTAL)),
        )
    recorded.write_failures = 1
    written = len(recorded.writes)
    blocked = replace(await orders.buyer_of(handle), status="BLOCKED")
    await handle.signal(OrderWorkflow.buyer_changed, BuyerChanged(blocked))
    await until(lambda: recorded.write_failures == 0, "the change's first write refused")
    await orders.env.sleep(timedelta(minutes=3))  # past the wait for the store
    await until(lambda: len(recorded.writes) > written, "the change written once the store is back")
    assert recorded.last.source == "SYSTEM"
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING


async def test_the_lifecycle_refuses_steps_out_of_order(orders: Orders):
    handle = await orders.create()
    pickup = Pickup("SELF_PICKUP", await orders.today(), "ID 123", None)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(OrderWorkflow.confirm_pickup, ConfirmPickup(pickup))
    assert refusal(refused.value).type == "NOT_READY_FOR_PICKUP"  # not ready for pickup

    await handle.execute_update(
        OrderWorkflow.submit_invoice,
        SubmitInvoice(Invoice("PRELIMINARY", await orders.today(), "R-1", False, TOTAL)),
    )
    short = Payment(await orders.today(), Money(1_000_000), Money(0))
    await handle.execute_update(OrderWorkflow.submit_payment, SubmitPayment(short))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(OrderWorkflow.ready_for_pickup, ReadyForPickup())
    assert refusal(refused.value).type == "PAYMENT_NOT_COVERING_INVOICE"
    assert orders.recorded.last.status == "PAYMENT_SUBMITTED"


async def test_a_stale_version_is_refused_and_changes_nothing(orders: Orders):
    handle = await orders.create()
    await orders.paid(handle)
    version, writes = orders.recorded.last.version, len(orders.recorded.writes)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            OrderWorkflow.patch_order, PatchOrder(version - 1, purchase_date=date(2026, 1, 2))
        )
    assert refusal(refused.value).type == "VERSION_CONFLICT"
    assert len(orders.recorded.writes) == writes  # refused before it entered history

    await handle.execute_update(
        OrderWorkflow.patch_order, PatchOrder(version, purchase_date=date(2026, 1, 2))
    )
    assert orders.recorded.last.version == version + 1


async def test_an_order_cancelled_before_pickup_closes_and_after_pickup_it_cannot_be(
    orders: Orders,
):
    handle = await orders.create()
    await orders.paid(handle)
    await handle.execute_update(OrderWorkflow.cancel, CancelOrder("the buyer withdrew"))
    assert await handle.result() == "CANCELLED"
    assert orders.recorded.last.status == "CANCELLED"

    picked_up = await orders.create()
    await orders.picked_up(picked_up)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await picked_up.execute_update(OrderWorkflow.cancel, CancelOrder("too late"))
    assert refusal(refused.value).type == "NOT_CANCELLABLE"
    assert orders.recorded.last.status == "TRANSPORT_IN_PROGRESS"


async def test_transport_evidence_that_never_comes_decides_vat_at_its_deadline(orders: Orders):
    """Delivered without a CMR: the order waits; the day after the deadline (the 15th of the
    next month plus the policy's 30 days) its timer fires and decides VAT_APPLICABLE."""
    handle = await orders.create()
    await orders.picked_up(handle)
    await orders.delivered(handle)
    recorded = orders.recorded
    assert recorded.last.compliance_status == "INCOMPLETE"
    writes = len(recorded.writes)
    pickup = recorded.last.resources.transport.pickup
    assert pickup is not None
    deadline = transport_evidence_deadline(pickup.pickup_date, Policy().evidence_grace_days)
    # Skips to fixed hours of the deadline's day and the next, not whole days from now: the
    # clock also runs in real time, and a skip that lands late on the deadline's day (or a
    # date read after midnight) lets the timer fire before the test has looked.
    deadline_noon = datetime.combine(deadline, time(12), tzinfo=UTC)
    await skip(orders.env, deadline_noon - await orders.env.get_current_time())
    assert len(recorded.writes) == writes  # nothing happens before it has passed
    await skip(orders.env, timedelta(hours=13))  # 01:00 the day after
    await until(lambda: recorded.last.compliance_status != "INCOMPLETE", "the deadline's decision")
    assert (recorded.last.status, recorded.last.source) == ("COMPLIANCE_INVALID", "SYSTEM")
    await until(lambda: recorded.export_files, "the Export File")
    decided = recorded.export_files[-1].evaluation
    assert decided.decision == "VAT_APPLICABLE"
    assert "TRANSPORT_EVIDENCE_OVERDUE" in {b.code for b in decided.blockers}
    # export_file.generated names the source of the change that asked for the Export File:
    # the deadline's is the system's, a regeneration staff asked for the web app's
    await until(lambda: bool(recorded.generated_sources()), "the Export File's event")
    await handle.execute_update(
        OrderWorkflow.regenerate_export, RegenerateExport("Corrupt PDF", ChangeSource.WEB_APP)
    )
    await until(lambda: len(recorded.generated_sources()) == 2, "the regenerated Export File")
    assert recorded.generated_sources() == ["SYSTEM", "WEB_APP"]


async def test_a_redecision_hears_the_vies_answers_given_after_the_decision(orders: Orders):
    """Decided INVALID at the evidence deadline while the vehicle was still on its way, the
    order heard no more of its buyer: VIES then answered INVALID for the buyer during the
    transport, the vehicle arrived, late evidence came, and a staff re-decision judged the
    transport window without that answer: VALID_EXPORT. It reads the buyer's answers since
    the order was created first."""
    handle = await orders.create()
    recorded = orders.recorded
    await orders.picked_up(handle)
    pickup = recorded.last.resources.transport.pickup
    assert pickup is not None
    deadline = transport_evidence_deadline(pickup.pickup_date, Policy().evidence_grace_days)
    deadline_noon = datetime.combine(deadline, time(12), tzinfo=UTC)
    await skip(orders.env, deadline_noon - await orders.env.get_current_time())
    await skip(orders.env, timedelta(hours=13))  # 01:00 the day after: decided
    await until(lambda: recorded.last.status == "COMPLIANCE_INVALID", "the deadline's decision")
    # the buyer's VIES answer while the vehicle is on its way, which the order is not told of
    now = await orders.env.get_current_time()
    recorded.vies_answers.append(ViesEvidence(now, "INVALID", "WAPI-LATE", trigger="MANUAL"))
    await skip(orders.env, timedelta(hours=1))
    await orders.delivered(handle)
    await evidence_for_valid(orders, handle)
    await orders.attach(handle, "TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz")
    await handle.execute_update(
        OrderWorkflow.redecide, Redecide("late evidence arrived", "staff@example.com")
    )
    decided = recorded.last.resources.evaluation
    assert decided is not None and decided.decision == "VAT_APPLICABLE", decided.blockers
    assert "VIES_INVALID_DURING_TRANSPORT" in {b.code for b in decided.blockers}


async def test_papers_of_a_revoked_transport_and_one_file_sent_twice_prove_no_party(
    orders: Orders,
):
    """The pickup's revocation and each paper's file reach the rules (rule set 2026.12.3): the
    carrier's invoice of the aborted transport proves nothing about the next one, and one
    scanned CMR sent as the CMR at pickup and at delivery is one item of evidence."""
    handle = await orders.create()
    await orders.paid(handle)
    await orders.picked_up(handle)
    for type_, issuer, name in [
        ("SHIPMENT_PRELIMINARY_INVOICE", "SELLER", None),
        ("PAYMENT_CONFIRMATION", "BANK", "Deutsche Bank"),
        ("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Trans Logistik GmbH"),
    ]:
        await orders.attach(handle, type_, issuer, name)
    await skip(orders.env, timedelta(hours=1))
    await handle.execute_update(OrderWorkflow.revoke_pickup, RevokePickup("transport aborted"))
    await skip(orders.env, timedelta(hours=1))
    await orders.pick_up(handle)
    scan = "cd" * 32
    await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Eurotrans Kft", sha256=scan)
    await orders.attach(handle, "TRANSPORT_CMR_DELIVERY", "CARRIER", "Spedition Meier", sha256=scan)
    await orders.delivered(handle)

    evidence = {r["rule_id"]: r for r in orders.recorded.last.rule_outcomes}[
        "ART_45A_INDEPENDENT_EVIDENCE"
    ]
    assert orders.recorded.last.compliance_status == "INCOMPLETE", evidence
    assert "so far WVWZZZ1KZAW000001: Eurotrans Kft (list (a))" in evidence["detail"]
    assert "Trans Logistik GmbH: received before the pickup was revoked" in evidence["detail"]
    assert "Spedition Meier: the same file as TRANSPORT_CMR of Eurotrans Kft" in evidence["detail"]


async def test_a_payments_correction_sets_aside_the_proof_received_before_it(orders: Orders):
    """A bank's confirmation is of the payment as it was: after a PATCH changes the IBAN, the
    proof received before it proves nothing, and one sent again does."""
    handle = await orders.create()
    await orders.paid(handle)
    await orders.attach(handle, "PAYMENT_BANK_TRANSFER_SCREENSHOT", "BANK", "Deutsche Bank")

    def proof() -> str:
        return {r["rule_id"]: r for r in orders.recorded.last.rule_outcomes}["PAYMENT_PROOF"][
            "outcome"
        ]

    assert proof() == "PASSED"
    payment = orders.recorded.last.resources.payment
    assert payment is not None
    await handle.execute_update(
        OrderWorkflow.patch_payment,
        PatchPayment(payment.version, source_iban="FR1420041010050500013M02606"),
    )
    assert proof() == "PENDING"
    await orders.attach(handle, "PAYMENT_BANK_TRANSFER_SCREENSHOT", "BANK", "BNP Paribas")
    assert proof() == "PASSED"


async def test_an_invoices_correction_sets_aside_the_pdf_received_before_it(orders: Orders):
    """The preliminary invoice charged VAT, its PDF shows it, then a PATCH drops the VAT: the
    only PDF still shows VAT, which is owed because it is shown (Art. 203). It proves the
    invoice no longer; the corrected invoice's PDF does."""
    handle = await orders.create()
    today = await orders.today()
    await handle.execute_update(
        OrderWorkflow.submit_invoice,
        SubmitInvoice(Invoice("PRELIMINARY", today, "R-2026-17", True, TOTAL)),
    )
    await orders.attach(handle, "SHIPMENT_PRELIMINARY_INVOICE", "SELLER", None)

    def pdf() -> str:
        return {r["rule_id"]: r for r in orders.recorded.last.rule_outcomes}["INVOICE_PDF"][
            "outcome"
        ]

    assert pdf() == "PASSED"
    invoice = orders.recorded.last.resources.invoices["PRELIMINARY"]
    await handle.execute_update(
        OrderWorkflow.patch_invoice,
        PatchInvoice("PRELIMINARY", invoice.version, vat_included=False),
    )
    assert pdf() == "PENDING"
    await orders.attach(handle, "SHIPMENT_PRELIMINARY_INVOICE", "SELLER", None)
    assert pdf() == "PASSED"


async def test_a_vies_valid_given_after_the_pickup_was_confirmed_does_not_speak_for_it(
    orders: Orders,
):
    """The contract has the pickup confirmed when the vehicle leaves the seller: an answer
    given after that confirmation, on the same day, is after the supply. VIES VALID the day
    before, INVALID in the morning, the pickup confirmed, VALID again an hour later: the buyer
    was not identified when the car left; the order was decided VALID_EXPORT on the last
    answer of the day."""
    handle = await orders.create()
    recorded = orders.recorded
    now = await orders.env.get_current_time()
    morning = datetime.combine(now.date() + timedelta(days=1), time(6), tzinfo=UTC)
    await skip(orders.env, morning - now)
    await orders.paid(handle)
    await handle.execute_update(OrderWorkflow.ready_for_pickup, ReadyForPickup())
    buyer = await orders.buyer_of(handle)

    async def vies_answer(result: str) -> None:
        at = await orders.env.get_current_time()
        writes = len(recorded.writes)
        told = replace(buyer, vies_result=result, vies_last_checked_at=at)
        evidence = ViesEvidence(at, result, f"WAPI-{result}", trigger="MANUAL")
        await handle.signal(OrderWorkflow.buyer_changed, BuyerChanged(told, evidence))
        await until(lambda: len(recorded.writes) > writes, f"the {result} answer heard")

    await skip(orders.env, timedelta(hours=1))
    await vies_answer("INVALID")
    before = recorded.last.resources.evaluation
    assert before is not None and "VIES_INVALID" in {b.code for b in before.blockers}
    await skip(orders.env, timedelta(hours=1))
    await orders.pick_up(handle)  # confirmed now, dated today
    await skip(orders.env, timedelta(hours=1))
    await vies_answer("VALID")
    await evidence_for_valid(orders, handle)
    await orders.delivered(handle)

    rollup = recorded.last.resources.evaluation
    assert rollup is not None
    assert rollup.compliance_status == "INVALID", [(b.code, b.message) for b in rollup.blockers]
    assert "VIES_INVALID" in {b.code for b in rollup.blockers}


async def test_a_long_lived_order_continues_as_new_with_its_state(orders: Orders):
    """Ready for pickup, the order checks the buyer's VAT number daily; its history grows until
    it continues as new, and the new run carries the order on."""
    handle = await orders.create(max_history_events=60)
    await orders.paid(handle)
    await handle.execute_update(OrderWorkflow.ready_for_pickup, ReadyForPickup())
    first_run = (await handle.describe()).run_id
    before = orders.recorded.last

    await skip(orders.env, timedelta(days=8, hours=1))
    assert (await handle.describe()).run_id != first_run
    assert len(orders.recorded.vies_checks) == 8
    assert {c.requester_vat_number for c in orders.recorded.vies_checks} == {SELLER_VAT}

    await orders.pick_up(handle)
    after = orders.recorded.last
    assert after.status == "TRANSPORT_IN_PROGRESS"
    assert after.version == before.version + 1  # the versions go on, not from zero
    assert after.created_at == before.created_at
    assert list(after.resources.invoices) == ["PRELIMINARY"]


async def test_an_order_that_only_takes_commands_continues_as_new(orders: Orders):
    """Commands alone grow the run's history (Temporal takes at most 2000 Updates in a run):
    the run continues as new while it waits, not only when a timer wakes it."""
    handle = await orders.create(max_history_events=60)
    first_run = (await handle.describe()).run_id
    for day in range(1, 15):
        version = orders.recorded.last.version
        await handle.execute_update(
            OrderWorkflow.patch_order, PatchOrder(version, purchase_date=date(2026, 1, day))
        )
        if (await handle.describe()).run_id != first_run:
            break
    assert (await handle.describe()).run_id != first_run
    version = orders.recorded.last.version
    await handle.execute_update(
        OrderWorkflow.patch_order, PatchOrder(version, purchase_date=date(2026, 2, 1))
    )
    assert orders.recorded.last.version == version + 1  # the next run goes on from it


def two_cars() -> list[OrderVin]:
    half = Money(TOTAL.value // 2)
    return [
        OrderVin(VIN_A, "VW", "Golf", half, 85_000, date(2019, 3, 1)),
        OrderVin(VIN_B, "BMW", "320d", half, 120_000, date(2018, 6, 1)),
    ]


async def test_a_document_supersedes_only_one_whose_vins_it_all_covers(orders: Orders):
    """Two cars, a CMR for each: both count, and the order is decided. A paper supersedes an
    earlier active one of its type only when it covers every VIN that one covers."""
    handle = await orders.create(two_cars())
    await orders.picked_up(handle)
    # the forwarder's invoice (list b) covers the whole order; each car has its own CMR
    for type_, issuer, name in [
        ("SHIPMENT_PRELIMINARY_INVOICE", "SELLER", None),
        ("PAYMENT_CONFIRMATION", "BANK", "Deutsche Bank"),
        ("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Spedition Meier"),
    ]:
        await orders.attach(handle, type_, issuer, name)
    cmr_a = await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans Logistik GmbH", [VIN_A])
    cmr_b = await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans Logistik GmbH", [VIN_B])
    assert (orders.statuses()[cmr_a], orders.statuses()[cmr_b]) == ("ACTIVE", "ACTIVE")
    await orders.delivered(handle)
    assert orders.recorded.last.compliance_status == "VALID"

    # a policy for the whole order, then one for a single car: the first still covers the other
    policy = await orders.attach(handle, "TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz AG")
    for_a = await orders.attach(
        handle, "TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz AG", [VIN_A]
    )
    assert (orders.statuses()[policy], orders.statuses()[for_a]) == ("ACTIVE", "ACTIVE")
    # naming every VIN of the order is covering the whole order
    both = await orders.attach(
        handle, "TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz AG", [VIN_A, VIN_B]
    )
    assert [orders.statuses()[d] for d in (policy, for_a, both)] == [
        "SUPERSEDED",
        "SUPERSEDED",
        "ACTIVE",
    ]
    # a CMR for the whole order supersedes each car's
    whole = await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans Logistik GmbH")
    assert [orders.statuses()[d] for d in (cmr_a, cmr_b, whole)] == [
        "SUPERSEDED",
        "SUPERSEDED",
        "ACTIVE",
    ]


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBeforePerVinSupersede(OrderWorkflow):
    """The order workflow as deployed before a document superseded only what it covers."""

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)

    def _per_vin(self) -> bool:
        return False


async def test_a_running_order_supersedes_per_vin_from_its_first_document_after_the_deploy(
    time_skipping: WorkflowEnvironment,
):
    """An order that attached a document before the deploy supersedes by VIN from its first
    document after it (the worker replays its history first), and replays the same way."""
    recorded = OrderActivities()
    orders = Orders(time_skipping, f"deploy-{uuid4().hex[:8]}", recorded)

    async with orders.worker(OrderWorkflowBeforePerVinSupersede, max_cached_workflows=0):
        handle = await orders.create(two_cars())
        first_a = await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans GmbH", [VIN_A])
        second_a = await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans GmbH", [VIN_A])
        before_b = await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans GmbH", [VIN_B])
    # before the deploy, any CMR superseded every earlier one
    assert [orders.statuses()[d] for d in (first_a, second_a, before_b)] == [
        "SUPERSEDED",
        "SUPERSEDED",
        "ACTIVE",
    ]

    async with orders.worker(OrderWorkflow):  # the deploy: the current code, nothing cached
        # the first command replays the attachments that came before
        for_a = await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans GmbH", [VIN_A])
        for_b = await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans GmbH", [VIN_B])
    assert [orders.statuses()[d] for d in (first_a, second_a, before_b, for_a, for_b)] == [
        "SUPERSEDED",  # as they were
        "SUPERSEDED",
        "SUPERSEDED",  # the new CMR for VIN B replaced it
        "ACTIVE",  # VIN B's CMR no longer replaces VIN A's
        "ACTIVE",
    ]
    replayer = Replayer(
        workflows=[OrderWorkflow],
        data_converter=time_skipping.client.data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
    await replayer.replay_workflow(await handle.fetch_history())


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12(OrderWorkflow):
    """The order workflow as deployed before rule set 2026.12: it knew only 2026.11."""

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)

    def _rule_set(self) -> str:
        return LEGACY_RULE_SET


class _DeployedKnowing(OrderWorkflow):
    """The order workflow as deployed when ``KNOWN`` (newest first) were all its rule sets: it
    asks for each one newer than the order's, as ``OrderWorkflow._rule_set`` does."""

    KNOWN: tuple[str, ...] = ()

    def _rule_set(self) -> str:
        at = workflow.info().get_current_history_length()
        for version in self.KNOWN[: self.KNOWN.index(self.rule_set)]:
            if workflow.patched(f"rule-set-{version}") or workflow.patched(
                f"rule-set-{version}-at-{at}"
            ):
                self.rule_set = version
                break
        return self.rule_set


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_1(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12: it knew 2026.11 and 2026.12."""

    KNOWN = ("2026.12", LEGACY_RULE_SET)

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_2(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12.1: it knew 2026.11 to 2026.12.1."""

    KNOWN = ("2026.12.1", "2026.12", LEGACY_RULE_SET)

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_3(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12.2: it knew 2026.11 to 2026.12.2."""

    KNOWN = ("2026.12.2", "2026.12.1", "2026.12", LEGACY_RULE_SET)

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_4(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12.3: it knew 2026.11 to 2026.12.3."""

    KNOWN = ("2026.12.3", "2026.12.2", "2026.12.1", "2026.12", LEGACY_RULE_SET)

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_5(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12.4: it knew 2026.11 to 2026.12.4."""

    KNOWN = ("2026.12.4", "2026.12.3", "2026.12.2", "2026.12.1", "2026.12", LEGACY_RULE_SET)

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_6(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12.5: it knew 2026.11 to 2026.12.5."""

    KNOWN = (
        "2026.12.5",
        "2026.12.4",
        "2026.12.3",
        "2026.12.2",
        "2026.12.1",
        "2026.12",
        LEGACY_RULE_SET,
    )

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_7(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12.6: it knew 2026.11 to 2026.12.6."""

    KNOWN = (
        "2026.12.6",
        "2026.12.5",
        "2026.12.4",
        "2026.12.3",
        "2026.12.2",
        "2026.12.1",
        "2026.12",
        LEGACY_RULE_SET,
    )

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_8(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12.7: it knew 2026.11 to 2026.12.7."""

    KNOWN = (
        "2026.12.7",
        "2026.12.6",
        "2026.12.5",
        "2026.12.4",
        "2026.12.3",
        "2026.12.2",
        "2026.12.1",
        "2026.12",
        LEGACY_RULE_SET,
    )

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBefore2026_12_9(_DeployedKnowing):
    """The order workflow as deployed with rule set 2026.12.8: it knew 2026.11 to 2026.12.8."""

    KNOWN = (
        "2026.12.8",
        "2026.12.7",
        "2026.12.6",
        "2026.12.5",
        "2026.12.4",
        "2026.12.3",
        "2026.12.2",
        "2026.12.1",
        "2026.12",
        LEGACY_RULE_SET,
    )

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)


@pytest.mark.parametrize(
    ("deployed", "held_before"),
    [
        (OrderWorkflowBefore2026_12, LEGACY_RULE_SET),
        (OrderWorkflowBefore2026_12_1, "2026.12"),
        (OrderWorkflowBefore2026_12_2, "2026.12.1"),
        (OrderWorkflowBefore2026_12_3, "2026.12.2"),
        (OrderWorkflowBefore2026_12_4, "2026.12.3"),
        (OrderWorkflowBefore2026_12_5, "2026.12.4"),
        (OrderWorkflowBefore2026_12_6, "2026.12.5"),
        (OrderWorkflowBefore2026_12_7, "2026.12.6"),
        (OrderWorkflowBefore2026_12_8, "2026.12.7"),
        (OrderWorkflowBefore2026_12_9, "2026.12.8"),
    ],
    ids=[
        "from-2026.11",
        "from-2026.12",
        "from-2026.12.1",
        "from-2026.12.2",
        "from-2026.12.3",
        "from-2026.12.4",
        "from-2026.12.5",
        "from-2026.12.6",
        "from-2026.12.7",
        "from-2026.12.8",
    ],
)
async def test_a_running_order_takes_up_a_new_rule_set_at_its_first_command_after_the_deploy(
    time_skipping: WorkflowEnvironment, deployed: type, held_before: str
):
    """An order begun under a previous rule set is judged by the current one from its first
    evaluation after the deploy (the worker replays its history first), and its history
    replays the same way later."""
    recorded = OrderActivities()
    orders = Orders(time_skipping, f"deploy-{uuid4().hex[:8]}", recorded)

    # uncached, so that no task waits for the stopped worker's sticky queue (whose timeout
    # the test server's clock would not reach while an Update holds it)
    async with orders.worker(deployed, max_cached_workflows=0):
        handle = await orders.create()
        await orders.paid(handle)
    assert {w.rule_set for w in recorded.writes} == {held_before}
    before = len(recorded.writes)

    async with orders.worker(OrderWorkflow):  # the deploy: the current code, nothing cached
        await orders.pick_up(handle)  # the first command replays all that came before
    after_deploy = recorded.writes[before:]
    assert [w.status for w in after_deploy] == ["READY_FOR_PICKUP", "TRANSPORT_IN_PROGRESS"]
    assert {w.rule_set for w in after_deploy} == {RULE_SET}
    # a later replay takes the same turn at the same point
    replayer = Replayer(
        workflows=[OrderWorkflow],
        data_converter=time_skipping.client.data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
    await replayer.replay_workflow(await handle.fetch_history())


@workflow.defn(name="OrderWorkflow", sandboxed=False)
class OrderWorkflowBeforeVersionsFollowContent(OrderWorkflow):
    """The order workflow as deployed before a resource's version followed its content."""

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        return await super().run(start)

    def _follows_content(self) -> bool:
        return False


async def test_a_running_order_versions_what_changes_from_its_first_change_after_the_deploy(
    time_skipping: WorkflowEnvironment,
):
    """Before the deploy a transport document moved no version; an order begun then has
    nothing to compare its first change after the deploy with, so each of its resources takes a
    new version at that change (a refetch too many rather than a 304 on changed content), and
    from its next change on a document is one new transport version. Its history replays the
    same way."""
    recorded = OrderActivities()
    orders = Orders(time_skipping, f"deploy-{uuid4().hex[:8]}", recorded)

    async with orders.worker(OrderWorkflowBeforeVersionsFollowContent, max_cached_workflows=0):
        handle = await orders.create()
        await orders.picked_up(handle)
        picked_up = recorded.last.resources.transport.version
        await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans GmbH")
    assert recorded.last.resources.transport.version == picked_up  # the old behaviour

    async with orders.worker(OrderWorkflow):  # the deploy: the current code, nothing cached
        before = recorded.last.resources
        await orders.attach(handle, "TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz AG")
        adopted = recorded.last.resources
        await orders.attach(handle, "TRANSPORT_CMR_DELIVERY", "CARRIER", "Trans GmbH")
        after = recorded.last.resources
    # the first change after the deploy: every resource one new version, once
    assert adopted.transport.version == picked_up + 1
    assert adopted.version == before.version + 1
    assert adopted.compliance_version == before.compliance_version + 1
    assert adopted.payment is not None and before.payment is not None
    assert adopted.payment.version == before.payment.version + 1
    # then what a change moves, and nothing else
    assert after.transport.version == adopted.transport.version + 1
    assert after.version == adopted.version
    assert after.payment is not None and after.payment.version == adopted.payment.version
    assert after.transport.updated_at == recorded.last.updated_at
    replayer = Replayer(
        workflows=[OrderWorkflow],
        data_converter=time_skipping.client.data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
    await replayer.replay_workflow(await handle.fetch_history())


async def test_each_change_gives_what_it_changed_one_new_version(orders: Orders):
    """A new order: each resource whose content a change moves takes one new version in it
    (a command's own, or one for the content), the rest keep theirs; the rollup's events
    carry the order's version after the change."""
    handle = await orders.create()
    await orders.picked_up(handle)
    start = orders.recorded.last.resources
    assert start.payment is not None
    await orders.attach(handle, "SHIPMENT_PRELIMINARY_INVOICE", "SELLER", None)
    await orders.attach(handle, "PAYMENT_CONFIRMATION", "BANK", "Deutsche Bank")
    paid = orders.recorded.last.resources
    await orders.attach(handle, "TRANSPORT_CMR", "CARRIER", "Trans Logistik GmbH")
    await orders.attach(handle, "TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz AG")
    documented = orders.recorded.last.resources
    await orders.delivered(handle)
    decided = orders.recorded.last

    assert paid.payment is not None and paid.payment.version == start.payment.version + 1
    assert documented.transport.version == paid.transport.version + 2  # one per document
    assert documented.version == start.version  # the order showed nothing new
    # the delivery: the transport's own version, and the order's (the command's: one)
    assert decided.status == "COMPLIANCE_VALID"
    assert decided.resources.transport.version == documented.transport.version + 1
    assert decided.version == documented.version + 1
    events = {e.type: e.data for e in decided.events}
    assert events["compliance.decision_made"]["version"] == decided.version
    assert events["compliance.status_changed"]["version"] == decided.version
