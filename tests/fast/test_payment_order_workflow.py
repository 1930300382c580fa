"""PaymentOrderWorkflow on the time-skipping server: the credit bureau and the read-model
writes are mocks.

What the user depends on: the credit check's verdict (accepted, rejected, failed, never a
guess), the payment link's expiry, captures that invoice what was delivered and refunds that
credit it, the status notices to the seller's webhook, and what each status refuses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio
from temporalio import activity, workflow
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from tests.fast.harness import mocked_worker, refusal, until
from worker import workflow_runner
from workflows.payments.payment_order import PaymentOrderWorkflow
from workflows.payments.payment_order_model import (
    CancelOrder,
    CaptureOrder,
    CaptureWrite,
    ConfirmOrder,
    CreatePaymentOrderRow,
    CreditCheckRequest,
    CreditVerdict,
    InvoiceDraft,
    NewPaymentOrder,
    OrderState,
    PatchOrder,
    PaymentOrderSettings,
    PaymentOrderStart,
    RefundOrder,
    RefundWrite,
)
from workflows.payments.rules.amounts import ZERO, Discount, GivenTotals, Triple
from workflows.payments.rules.orders import (
    CaptureLineRequest,
    CaptureRequest,
    OrderLineState,
    RefundAmountRequest,
    RefundInvoiceRequest,
    RefundLineRequest,
    RefundRequest,
)

pytestmark = pytest.mark.fast

WEBHOOK = "https://shop.example/notyd-webhook"
# A car at EUR 12,100 and its delivery at EUR 121, both with 21 % VAT
LINES = [
    OrderLineState(1, "car", "Used car", None, 1, 1_210_000, 1_000_000, "21.00"),
    OrderLineState(2, "delivery", "Delivery", None, 1, 12_100, 10_000, "21.00"),
]
TOTAL = Triple(1_222_100, 1_010_000)


class PaymentActivities:
    """The bureau answers ``verdict`` (None: it is down); every write is recorded."""

    def __init__(self) -> None:
        self.verdict: CreditVerdict | None = CreditVerdict(True, "CB-1", None)
        self.credit_checks: list[CreditCheckRequest] = []
        self.states: list[OrderState] = []
        self.captures: list[CaptureWrite] = []
        self.refunds: list[RefundWrite] = []

    @activity.defn(name="check_credit")
    async def check_credit(self, request: CreditCheckRequest) -> CreditVerdict:
        self.credit_checks.append(request)
        if self.verdict is None:
            raise ApplicationError("the credit bureau answered 503", type="HTTP_503")
        return self.verdict

    @activity.defn(name="create_payment_order")
    async def create_payment_order(self, row: CreatePaymentOrderRow) -> None:
        pass

    @activity.defn(name="write_payment_order")
    async def write_payment_order(self, state: OrderState) -> None:
        self.states.append(state)

    @activity.defn(name="create_invoice_for_capture")
    async def create_invoice_for_capture(self, write: CaptureWrite) -> None:
        self.states.append(write.order)
        self.captures.append(write)

    @activity.defn(name="create_credit_notes")
    async def create_credit_notes(self, write: RefundWrite) -> None:
        self.states.append(write.order)
        self.refunds.append(write)

    @property
    def activities(self) -> list:
        return [
            self.check_credit,
            self.create_payment_order,
            self.write_payment_order,
            self.create_invoice_for_capture,
            self.create_credit_notes,
        ]

    def notified(self) -> list[str]:
        """The statuses the seller's webhook was told of, in order."""
        return [s.status for s in self.states if s.notice is not None]


@dataclass
class PaymentOrders:
    env: WorkflowEnvironment
    task_queue: str
    bureau: PaymentActivities

    async def create(
        self,
        link_duration: int = 86_400,
        lines: list[OrderLineState] = LINES,
        total: Triple = TOTAL,
        updates_per_run: int = 1000,
    ) -> WorkflowHandle:
        """A webshop's order request (of ``lines``, adding up to ``total``), pending on the
        buyer's confirmation; each run of its workflow takes ``updates_per_run`` commands."""
        uuid = str(uuid4())
        handle = await self.env.client.start_workflow(
            PaymentOrderWorkflow.run,
            PaymentOrderStart(timedelta(hours=1)),
            id=f"payment-order-{uuid}",
            task_queue=self.task_queue,
        )
        company = {"name": "Auto Dupont SARL", "vat_number": "FR40303265045", "country": "FR"}
        answer = await handle.execute_update(
            PaymentOrderWorkflow.create,
            NewPaymentOrder(
                uuid=uuid,
                organization_id=1,
                partner_id=1,
                created_by_user_id=None,
                external_webshop_uid="shop-1",
                external_order_uid=f"WS-{uuid[:8]}",
                order_request_label=None,
                currency="EUR",
                locale="fr",
                payment_link_duration=link_duration,
                total=total,
                discount=None,
                lines=[OrderLineState(**vars(line)) for line in lines],
                buyer_company=company,
                buyer_representative={"first_name": "Marie", "last_name": "Dupont"},
                shipping_address={},
                billing_address={},
                seller_urls=None,
                webhook_urls={"webhook_url": WEBHOOK},
                page_token="page-token",
                settings=PaymentOrderSettings(
                    payment_terms_days=14,
                    credit_check_attempt_timeout=timedelta(seconds=5),
                    credit_check_retry_interval=timedelta(milliseconds=100),
                    credit_check_give_up_after=timedelta(seconds=1),
                    updates_per_run=updates_per_run,
                ),
            ),
        )
        assert answer.status == "pending"
        return handle

    async def confirmed(
        self, lines: list[OrderLineState] = LINES, total: Triple = TOTAL
    ) -> tuple[WorkflowHandle, str]:
        handle = await self.create(lines=lines, total=total)
        answer = await handle.execute_update(PaymentOrderWorkflow.confirm, ConfirmOrder())
        return handle, answer.status


@pytest_asyncio.fixture(loop_scope="session")
async def payment_orders(time_skipping: WorkflowEnvironment) -> AsyncIterator[PaymentOrders]:
    bureau = PaymentActivities()
    async with mocked_worker(
        time_skipping, [PaymentOrderWorkflow], bureau.activities
    ) as task_queue:
        running = PaymentOrders(time_skipping, task_queue, bureau)
        yield running


async def test_an_accepted_order_is_captured_in_parts_and_refunded(payment_orders: PaymentOrders):
    bureau = payment_orders.bureau
    handle, status = await payment_orders.confirmed()
    assert status == "accepted"
    assert bureau.credit_checks[-1].amount == TOTAL.incl

    car = CaptureOrder(CaptureRequest(lines=[CaptureLineRequest("car", 1)]))
    first = await handle.execute_update(PaymentOrderWorkflow.capture, car)
    assert first.status == "partially_captured"
    assert first.payment_reference.startswith("NTY")
    assert bureau.captures[-1].invoice.amounts == Triple(1_210_000, 1_000_000)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(PaymentOrderWorkflow.capture, car)  # taken already
    assert refusal(refused.value).type == "MORE_THAN_REMAINS"

    rest = await handle.execute_update(PaymentOrderWorkflow.capture, CaptureOrder(CaptureRequest()))
    assert rest.status == "captured"
    assert bureau.captures[-1].invoice.amounts == Triple(12_100, 10_000)

    refund = await handle.execute_update(
        PaymentOrderWorkflow.refund,
        RefundOrder(
            RefundRequest("the car was returned", totals=GivenTotals(TOTAL.incl, TOTAL.excl))
        ),
    )
    assert refund.status == "refunded"
    assert len(refund.credit_notes) == 2  # one per invoice
    assert await handle.result() == "refunded"
    assert bureau.notified() == [
        "accepted",
        "partially_captured",
        "captured",
        "refunded",
    ]
    notice = next(s.notice for s in bureau.states if s.notice is not None)
    assert (notice.url, notice.body["event_type"]) == (WEBHOOK, "order_status_changed")


async def test_a_refused_credit_check_rejects_the_order(payment_orders: PaymentOrders):
    payment_orders.bureau.verdict = CreditVerdict(False, "CB-2", "insufficient credit")
    try:
        handle, status = await payment_orders.confirmed()
    finally:
        payment_orders.bureau.verdict = CreditVerdict(True, "CB-1", None)
    assert status == "rejected"
    assert await handle.result() == "rejected"
    assert payment_orders.bureau.states[-1].credit_check == CreditVerdict(
        False, "CB-2", "insufficient credit"
    )


async def test_a_credit_bureau_that_stays_down_fails_the_order_without_a_verdict(
    payment_orders: PaymentOrders,
):
    bureau = payment_orders.bureau
    bureau.verdict = None
    try:
        handle, status = await payment_orders.confirmed()
    finally:
        bureau.verdict = CreditVerdict(True, "CB-1", None)
    assert status == "failed"
    assert len(bureau.credit_checks) > 1  # retried until the give-up
    assert bureau.states[-1].credit_check is not None
    assert not bureau.states[-1].credit_check.approved
    assert await handle.result() == "failed"


async def test_a_link_nobody_confirms_expires(payment_orders: PaymentOrders):
    handle = await payment_orders.create(link_duration=3_600)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(PaymentOrderWorkflow.capture, CaptureOrder(CaptureRequest()))
    assert refusal(refused.value).type == "NOT_CAPTURABLE"  # nothing to capture before acceptance

    assert await handle.result() == "expired"  # the server skips the hour
    assert payment_orders.bureau.notified()[-1] == "expired"


class SlowInvoiceWrites(PaymentActivities):
    """The first invoice write waits until the test lets it go: a capture whose read-model
    write is slower than a refund sent after it."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.waiting = False

    @activity.defn(name="create_invoice_for_capture")
    async def create_invoice_for_capture(self, write: CaptureWrite) -> None:
        if not self.release.is_set():
            self.waiting = True
            await self.release.wait()
        await super().create_invoice_for_capture(write)


@pytest_asyncio.fixture(loop_scope="session")
async def slow_orders(time_skipping: WorkflowEnvironment) -> AsyncIterator[PaymentOrders]:
    bureau = SlowInvoiceWrites()
    async with mocked_worker(
        time_skipping, [PaymentOrderWorkflow], bureau.activities
    ) as task_queue:
        yield PaymentOrders(time_skipping, task_queue, bureau)


async def test_a_capture_answers_the_status_it_made_not_a_later_commands(
    slow_orders: PaymentOrders,
) -> None:
    """The capture's answer (`status`, and the API's `details`: "Order status updated to
    ...") is the status the capture made, even when a refund taken in while its write ran
    has changed it since (the capture answered `partially_refunded`, a status no capture
    sets)."""
    bureau = slow_orders.bureau
    assert isinstance(bureau, SlowInvoiceWrites)
    handle, status = await slow_orders.confirmed()
    assert status == "accepted"
    capture = await handle.start_update(
        PaymentOrderWorkflow.capture,
        CaptureOrder(CaptureRequest(totals=GivenTotals(amount=121_000))),
        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
    )
    await until(lambda: bureau.waiting, "the capture's write started")
    refund = await handle.execute_update(
        PaymentOrderWorkflow.refund,
        RefundOrder(RefundRequest("a scratch", totals=GivenTotals(amount=1_000))),
    )
    assert refund.status == "partially_refunded"
    bureau.release.set()
    answer = await capture.result()
    assert answer.status == "partially_captured"


async def test_an_order_continues_as_new_with_its_state_when_its_run_is_full(
    payment_orders: PaymentOrders,
):
    """Temporal takes at most 2000 Updates in a run: the order's commands go on in a new run
    that carries its state, its captures, invoices and refunds."""
    bureau = payment_orders.bureau
    handle = await payment_orders.create(updates_per_run=3)
    first_run = (await handle.describe()).run_id
    unchanged = PatchOrder(keep_discount=True)
    await handle.execute_update(PaymentOrderWorkflow.patch, unchanged)
    await handle.execute_update(PaymentOrderWorkflow.patch, unchanged)  # the 3rd: run full
    await until(partial(_continued, handle, first_run), "the next run")
    second_run = (await handle.describe()).run_id
    assert (await handle.execute_update(PaymentOrderWorkflow.confirm, ConfirmOrder())).status == (
        "accepted"
    )
    car = CaptureOrder(CaptureRequest(lines=[CaptureLineRequest("car", 1)]))
    captured = await handle.execute_update(PaymentOrderWorkflow.capture, car)
    assert captured.status == "partially_captured"
    refunded = await handle.execute_update(
        PaymentOrderWorkflow.refund,
        RefundOrder(RefundRequest("Scratch", totals=GivenTotals(amount=1_000))),
    )  # the 3rd of the second run
    assert refunded.status == "partially_refunded"
    await until(partial(_continued, handle, second_run), "the third run")
    # the third run has the invoice and what it refunded: it captures the rest of the order,
    # and refuses to refund more than is left
    rest = await handle.execute_update(PaymentOrderWorkflow.capture, CaptureOrder(CaptureRequest()))
    assert rest.status == "partially_refunded"
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            PaymentOrderWorkflow.refund,
            RefundOrder(RefundRequest("All", totals=GivenTotals(amount=TOTAL.incl))),
        )
    assert refusal(refused.value).type == "MORE_THAN_REMAINS"
    states = [s for s in bureau.states if s.uuid == handle.id.removeprefix("payment-order-")]
    assert [s.revision for s in states] == list(range(1, len(states) + 1))  # never restarted
    assert (states[-1].captured, states[-1].refunded.incl) == (TOTAL, 1_000)


async def test_a_keyed_retry_that_reaches_the_next_run_gets_the_first_answer(
    payment_orders: PaymentOrders,
):
    """Temporal knows an Update's id within its run only: a capture retried with its
    Idempotency-Key (the same Update id) after the run that took it continued as new was a
    new capture: refused as more than remains, or a second invoice for an amount. The next
    run answers it as the first did."""
    bureau = payment_orders.bureau
    handle = await payment_orders.create(updates_per_run=3)
    first_run = (await handle.describe()).run_id
    await handle.execute_update(PaymentOrderWorkflow.confirm, ConfirmOrder())
    car = CaptureOrder(CaptureRequest(lines=[CaptureLineRequest("car", 1)]))
    captured = await handle.execute_update(PaymentOrderWorkflow.capture, car, id="cmd-c-1")
    await until(partial(_continued, handle, first_run), "the next run")
    retried = await handle.execute_update(PaymentOrderWorkflow.capture, car, id="cmd-c-1")
    assert retried == captured
    uuid = handle.id.removeprefix("payment-order-")
    assert [c.invoice.uuid for c in bureau.captures if c.order.uuid == uuid] == [
        captured.invoice_uuid
    ]
    # a refund retried the same way, once the run that took it has continued too
    second_run = (await handle.describe()).run_id
    scratch = RefundOrder(RefundRequest("Scratch", totals=GivenTotals(amount=1_000)))
    refunded = await handle.execute_update(PaymentOrderWorkflow.refund, scratch, id="cmd-r-1")
    dent = RefundOrder(RefundRequest("Dent", totals=GivenTotals(amount=500)))
    await handle.execute_update(PaymentOrderWorkflow.refund, dent)  # the 3rd of the second run
    await until(partial(_continued, handle, second_run), "the third run")
    again = await handle.execute_update(PaymentOrderWorkflow.refund, scratch, id="cmd-r-1")
    assert again == refunded
    assert len([r for r in bureau.refunds if r.order.uuid == uuid]) == 2


async def test_a_pending_order_that_continued_as_new_still_expires(
    payment_orders: PaymentOrders,
):
    handle = await payment_orders.create(link_duration=3_600, updates_per_run=2)
    first_run = (await handle.describe()).run_id
    await handle.execute_update(PaymentOrderWorkflow.patch, PatchOrder(keep_discount=True))
    await until(partial(_continued, handle, first_run), "the next run")
    assert await handle.result() == "expired"  # the server skips the hour
    assert payment_orders.bureau.notified()[-1] == "expired"


async def _continued(handle: WorkflowHandle, run_id: str | None) -> bool:
    """Whether the order's workflow runs in another run than ``run_id``."""
    return (await handle.describe()).run_id != run_id


async def test_the_buyer_cancels_only_a_pending_order_the_seller_an_accepted_one(
    payment_orders: PaymentOrders,
):
    pending = await payment_orders.create()
    answer = await pending.execute_update(PaymentOrderWorkflow.cancel, CancelOrder(by_buyer=True))
    assert answer.status == "cancelled"

    accepted, _ = await payment_orders.confirmed()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await accepted.execute_update(PaymentOrderWorkflow.cancel, CancelOrder(by_buyer=True))
    assert refusal(refused.value).type == "NOT_CANCELLABLE"
    answer = await accepted.execute_update(PaymentOrderWorkflow.cancel, CancelOrder())
    assert answer.status == "cancelled"
    await until(lambda: payment_orders.bureau.notified()[-1] == "cancelled", "the notice")


async def test_a_patch_changes_what_it_sends_and_keeps_the_rest(payment_orders: PaymentOrders):
    bureau = payment_orders.bureau
    handle = await payment_orders.create()
    uuid = handle.id.removeprefix("payment-order-")

    def written() -> list[OrderState]:
        return [s for s in bureau.states if s.uuid == uuid]

    spring = Discount("Spring", 12_100, 10_000)
    await handle.execute_update(PaymentOrderWorkflow.patch, PatchOrder(discount=spring))
    assert (written()[-1].total, written()[-1].lines) == (Triple(1_210_000, 1_000_000), LINES)

    car_only = [OrderLineState(**vars(LINES[0]))]
    await handle.execute_update(
        PaymentOrderWorkflow.patch,
        PatchOrder(GivenTotals(1_197_900, 990_000), keep_discount=True, lines=car_only),
    )
    assert written()[-1].discount == spring  # not sent: kept
    assert written()[-1].total == Triple(1_197_900, 990_000)

    writes = len(written())
    await handle.execute_update(PaymentOrderWorkflow.patch, PatchOrder(keep_discount=True))
    assert len(written()) == writes  # nothing sent, nothing written

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            PaymentOrderWorkflow.patch, PatchOrder(GivenTotals(1_210_000), keep_discount=True)
        )
    assert refusal(refused.value).type == "INVALID_REQUEST"
    assert "total_amount_incl_tax" in str(refusal(refused.value).details)

    await handle.execute_update(PaymentOrderWorkflow.patch, PatchOrder(discount=None))
    assert (written()[-1].discount, written()[-1].total) == (None, Triple(1_210_000, 1_000_000))
    assert all(s.notice is None for s in written())


async def test_the_webhook_hears_of_a_status_only_when_it_changes(payment_orders: PaymentOrders):
    bureau = payment_orders.bureau
    handle, _ = await payment_orders.confirmed()
    uuid = handle.id.removeprefix("payment-order-")

    def notified() -> list[str]:
        return [s.status for s in bureau.states if s.uuid == uuid and s.notice is not None]

    part = CaptureOrder(CaptureRequest(totals=GivenTotals(amount=121_000)))
    for _ in range(2):
        answer = await handle.execute_update(PaymentOrderWorkflow.capture, part)
        assert answer.status == "partially_captured"
    first = bureau.captures[-2].invoice.uuid
    scratch = RefundOrder(
        RefundRequest(
            "a scratch",
            totals=GivenTotals(amount=12_100),
            invoices=[RefundInvoiceRequest(first)],
        )
    )
    for _ in range(2):
        answer = await handle.execute_update(PaymentOrderWorkflow.refund, scratch)
        assert answer.status == "partially_refunded"
    assert notified() == ["accepted", "partially_captured", "partially_refunded"]


def deployed(orders: PaymentOrders, workflow_class: type, **options: Any) -> Worker:
    """A worker of ``workflow_class`` alone on ``orders``' task queue: a deployed version of the
    payment order workflow, with the strict sandbox that checks the workflow code."""
    return Worker(
        orders.env.client,
        task_queue=orders.task_queue,
        workflows=[workflow_class],
        activities=orders.bureau.activities,
        workflow_runner=workflow_runner(strict=True),
        workflow_failure_exception_types=[Exception],
        **options,
    )


@workflow.defn(name="PaymentOrderWorkflow", sandboxed=False)
class PaymentOrderWorkflowBeforeInclDecides(PaymentOrderWorkflow):
    """The payment order workflow as deployed before a refund by amount fitted by its amount
    incl. tax: its excl and tax had to fit in what remains too, in validator and handler."""

    @workflow.run
    async def run(self, start: PaymentOrderStart) -> str:
        return await super().run(start)

    def _refund_plans(
        self, command: RefundOrder, incl_decides: bool = True, units_worth: bool = True
    ) -> list:
        return super()._refund_plans(command, incl_decides=False, units_worth=units_worth)

    def _refunds_by_incl(self) -> bool:
        return False  # it knew no such patch


async def test_a_running_order_refunds_by_incl_from_its_first_refund_after_the_deploy(
    time_skipping: WorkflowEnvironment,
):
    """An order that refunded before the deploy replays that refund under the old rule, and
    ``patched`` keeps the "no" it heard then: its next refund, a Magento adjustment of the rest
    at 0 % (excl = incl, more excl than remains), was let through by the validator and refused
    by the handler. It is asked again at that refund, which fits by its amount incl. tax and
    books what remains; the history replays on today's code."""
    bureau = PaymentActivities()
    orders = PaymentOrders(time_skipping, f"deploy-{uuid4().hex[:8]}", bureau)
    async with deployed(orders, PaymentOrderWorkflowBeforeInclDecides, max_cached_workflows=0):
        handle, status = await orders.confirmed()
        assert status == "accepted"
        await handle.execute_update(PaymentOrderWorkflow.capture, CaptureOrder(CaptureRequest()))
        invoice = bureau.captures[-1].invoice.uuid
        delivery = RefundRequest("delivery", totals=GivenTotals(amount=12_100))
        await handle.execute_update(PaymentOrderWorkflow.refund, RefundOrder(delivery))
    rest = RefundAmountRequest("0", 1_210_000, 1_210_000, "Credit")
    adjustment = RefundRequest(
        "(Partial) Refund order 1",
        totals=GivenTotals(amount=1_210_000),
        invoices=[RefundInvoiceRequest(invoice, amounts=[rest])],
    )
    async with deployed(orders, PaymentOrderWorkflow, max_cached_workflows=0):  # the deploy
        answer = await handle.execute_update(PaymentOrderWorkflow.refund, RefundOrder(adjustment))
    assert answer.status == "refunded"
    [note] = bureau.refunds[-1].credit_notes
    assert (note.plan.amounts.incl, note.plan.amounts.excl) == (1_210_000, 1_000_000)
    replayer = Replayer(
        workflows=[PaymentOrderWorkflow],
        data_converter=time_skipping.client.data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
    await replayer.replay_workflow(await handle.fetch_history())


@workflow.defn(name="PaymentOrderWorkflow", sandboxed=False)
class PaymentOrderWorkflowBeforeCentsWithinTax(PaymentOrderWorkflow):
    """The payment order workflow as deployed before the cents a per-rate split rounds off
    were kept within each line's tax: they all went to the largest line."""

    @workflow.run
    async def run(self, start: PaymentOrderStart) -> str:
        return await super().run(start)

    def _cents_to_largest(self) -> bool:
        return True


# 2 x 22456/22456 at 0 %, 1 x 35518/29354 at 21 % and 1 x 18713/17654 at 6 %
THREE_RATES = [
    OrderLineState(1, "a", "A", None, 2, 22_456, 22_456, "0.00"),
    OrderLineState(2, "b", "B", None, 1, 35_518, 29_354, "21.00"),
    OrderLineState(3, "c", "C", None, 1, 18_713, 17_654, "6.00"),
]
THREE_RATES_TOTAL = Triple(99_143, 91_920)


async def test_a_running_order_keeps_its_cents_within_tax_from_its_first_capture_after_the_deploy(
    time_skipping: WorkflowEnvironment,
):
    """A capture of 143 before the deploy invoiced a 0 % line of 67 incl / 68 excl (the cent
    its split rounds off, on the largest line). After it, the order replays that capture as it
    was: its invoice keeps that line, which no full refund of the invoice can give back (a tax
    of -1); its next capture of 143 keeps every line's tax at least 0, and that invoice is
    refunded whole. The history replays on today's code."""
    bureau = PaymentActivities()
    orders = PaymentOrders(time_skipping, f"deploy-{uuid4().hex[:8]}", bureau)
    worker = partial(deployed, orders)

    def lines(invoice: InvoiceDraft) -> list[tuple[str, int, int]]:
        return [(line.rate, line.total_incl, line.total_excl) for line in invoice.lines]

    by_amount = CaptureOrder(CaptureRequest(totals=GivenTotals(amount=143)))
    async with worker(PaymentOrderWorkflowBeforeCentsWithinTax, max_cached_workflows=0):
        handle, status = await orders.confirmed(THREE_RATES, THREE_RATES_TOTAL)
        assert status == "accepted"
        await handle.execute_update(PaymentOrderWorkflow.capture, by_amount)
    before = bureau.captures[-1].invoice
    assert lines(before) == [("0.00", 67, 68), ("21.00", 49, 40), ("6.00", 27, 25)]

    def refund_of(invoice: InvoiceDraft) -> RefundOrder:
        whole = [RefundInvoiceRequest(invoice.uuid)]
        return RefundOrder(RefundRequest("x", totals=GivenTotals(amount=143), invoices=whole))

    async with worker(PaymentOrderWorkflow, max_cached_workflows=0):  # the deploy
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(PaymentOrderWorkflow.refund, refund_of(before))
        assert "must not be more than total_amount_incl_tax" in str(refusal(refused.value))
        await handle.execute_update(PaymentOrderWorkflow.capture, by_amount)
        after = bureau.captures[-1].invoice
        await handle.execute_update(PaymentOrderWorkflow.refund, refund_of(after))
    assert lines(after) == [("0.00", 67, 67), ("21.00", 49, 41), ("6.00", 27, 25)]
    [note] = bureau.refunds[-1].credit_notes
    refunded = [(part.amounts.incl, part.amounts.excl) for part in note.plan.lines]
    assert refunded == [(67, 67), (49, 41), (27, 25)]

    replayer = Replayer(
        workflows=[PaymentOrderWorkflow],
        data_converter=time_skipping.client.data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
    await replayer.replay_workflow(await handle.fetch_history())


@workflow.defn(name="PaymentOrderWorkflow", sandboxed=False)
class PaymentOrderWorkflowBeforeLinesFrom1(PaymentOrderWorkflow):
    """The payment order workflow as deployed before a capture by amount numbered its
    per-rate lines 1..n: a rate with nothing to capture kept its number."""

    @workflow.run
    async def run(self, start: PaymentOrderStart) -> str:
        return await super().run(start)

    def _lines_numbered_from_1(self) -> bool:
        return False


# 1 x 10000 at 0 % and 2 x 12100/10000 at 21 %
TWO_RATES = [
    OrderLineState(1, "z", "Zero-rated", None, 1, 10_000, 10_000, "0.00"),
    OrderLineState(2, "f", "Full rate", None, 2, 12_100, 10_000, "21.00"),
]
TWO_RATES_TOTAL = Triple(34_200, 30_000)


async def test_an_invoice_stored_with_its_lines_numbered_from_2_is_refunded_line_by_line(
    time_skipping: WorkflowEnvironment,
):
    """A capture by amount with nothing at 0 % invoiced, before the deploy, its 21 % line as
    line 2 (and no line 1), as the invoice is stored. After the deploy, the order replays that
    capture as it was and finds the line by its number: a refund of it credits line 2 (it
    indexed the list: an IndexError). Its next capture by amount numbers its line 1. The
    history replays on today's code."""
    bureau = PaymentActivities()
    orders = PaymentOrders(time_skipping, f"deploy-{uuid4().hex[:8]}", bureau)
    worker = partial(deployed, orders)
    by_amount = CaptureOrder(CaptureRequest(totals=GivenTotals(12_100, 10_000, 2_100)))

    def lines(invoice: InvoiceDraft) -> list[tuple[int, str, int]]:
        return [(line.position, line.rate, line.total_incl) for line in invoice.lines]

    def refund_of(invoice: InvoiceDraft) -> RefundOrder:
        line = RefundLineRequest("partial_capture", 1)
        return RefundOrder(
            RefundRequest("x", invoices=[RefundInvoiceRequest(invoice.uuid, lines=[line])])
        )

    async with worker(PaymentOrderWorkflowBeforeLinesFrom1, max_cached_workflows=0):
        handle, status = await orders.confirmed(TWO_RATES, TWO_RATES_TOTAL)
        assert status == "accepted"
        await handle.execute_update(PaymentOrderWorkflow.capture, by_amount)
    before = bureau.captures[-1].invoice
    assert lines(before) == [(2, "21.00", 12_100)]

    async with worker(PaymentOrderWorkflow, max_cached_workflows=0):  # the deploy
        await handle.execute_update(PaymentOrderWorkflow.refund, refund_of(before))
        [note] = bureau.refunds[-1].credit_notes
        assert [(part.invoice_line, part.amounts) for part in note.plan.lines] == [
            (2, Triple(12_100, 10_000))
        ]
        await handle.execute_update(PaymentOrderWorkflow.capture, by_amount)
        after = bureau.captures[-1].invoice
        answer = await handle.execute_update(PaymentOrderWorkflow.refund, refund_of(after))
    assert lines(after) == [(1, "21.00", 12_100)]
    assert answer.status == "partially_refunded"
    [note] = bureau.refunds[-1].credit_notes
    assert [(part.invoice_line, part.amounts) for part in note.plan.lines] == [
        (1, Triple(12_100, 10_000))
    ]

    replayer = Replayer(
        workflows=[PaymentOrderWorkflow],
        data_converter=time_skipping.client.data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
    await replayer.replay_workflow(await handle.fetch_history())


@workflow.defn(name="PaymentOrderWorkflow", sandboxed=False)
class PaymentOrderWorkflowBeforePricesOfTheLineTaken(PaymentOrderWorkflow):
    """The payment order workflow as deployed before a capture line's prices were compared
    with the lines it takes: they were compared with the product's first line, so a capture
    giving that line's prices could take another line at another price (here: never
    compared, which lets that capture through as it did)."""

    @workflow.run
    async def run(self, start: PaymentOrderStart) -> str:
        return await super().run(start)

    def _capture_plan(self, command: CaptureOrder, *args: Any, **kwargs: Any) -> Any:
        return super()._capture_plan(command, *args, **kwargs | {"prices_checked": False})


# the same SKU at 48400/40000 and at 12100/10000, both at 21 %
ONE_SKU_TWO_PRICES = [
    OrderLineState(1, "sku", "Toothbrush", None, 1, 48_400, 40_000, "21.00"),
    OrderLineState(2, "sku", "Toothbrush", None, 1, 12_100, 10_000, "21.00"),
]


async def test_a_capture_that_took_a_line_at_another_price_before_the_deploy_replays(
    time_skipping: WorkflowEnvironment,
):
    """Before the deploy, a capture of the SKU at the first line's prices, that line captured
    already, took the second line at its own price. The order replays it as it was; a capture
    at prices no line it takes has is refused after the deploy, and the history replays."""
    bureau = PaymentActivities()
    orders = PaymentOrders(time_skipping, f"deploy-{uuid4().hex[:8]}", bureau)
    worker = partial(deployed, orders)
    first_s = CaptureOrder(CaptureRequest(lines=[CaptureLineRequest("sku", 1, 48_400)]))
    async with worker(PaymentOrderWorkflowBeforePricesOfTheLineTaken, max_cached_workflows=0):
        handle, status = await orders.confirmed(ONE_SKU_TWO_PRICES, Triple(60_500, 50_000))
        assert status == "accepted"
        await handle.execute_update(PaymentOrderWorkflow.capture, first_s)
        await handle.execute_update(PaymentOrderWorkflow.capture, first_s)
    assert bureau.captures[-1].invoice.amounts == Triple(12_100, 10_000)
    async with worker(PaymentOrderWorkflow, max_cached_workflows=0):  # the deploy
        whole = [RefundInvoiceRequest(bureau.captures[-1].invoice.uuid)]
        refund = RefundRequest("x", totals=GivenTotals(amount=12_100), invoices=whole)
        answer = await handle.execute_update(PaymentOrderWorkflow.refund, RefundOrder(refund))
        assert answer.status == "partially_refunded"
        another, _ = await orders.confirmed(ONE_SKU_TWO_PRICES, Triple(60_500, 50_000))
        await another.execute_update(PaymentOrderWorkflow.capture, first_s)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await another.execute_update(PaymentOrderWorkflow.capture, first_s)
    assert "must equal the order line's (12100)" in str(refusal(refused.value))
    replayer = Replayer(
        workflows=[PaymentOrderWorkflow],
        data_converter=time_skipping.client.data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
    await replayer.replay_workflow(await handle.fetch_history())


@workflow.defn(name="PaymentOrderWorkflow", sandboxed=False)
class PaymentOrderWorkflowBeforeLinesLessDiscount(PaymentOrderWorkflow):
    """The payment order workflow as deployed before a capture by amount's per-rate lines
    covered its discount: they added up to its amount, the discount besides."""

    @workflow.run
    async def run(self, start: PaymentOrderStart) -> str:
        return await super().run(start)

    def _lines_less_discount(self) -> bool:
        return False


async def test_a_discounted_invoice_is_its_lines_less_its_discount_from_the_deploy(
    time_skipping: WorkflowEnvironment,
):
    """Before the deploy, half the order captured by amount with half its discount got a
    per-rate line of that amount alone, as its invoice is stored; the order replays it so
    after the deploy (a refund of that line credits what it holds). The rest, captured
    after the deploy, gets a line of its amount plus the rest of the discount: that line
    and that discount refund the invoice in full. The history replays on today's code."""
    bureau = PaymentActivities()
    orders = PaymentOrders(time_skipping, f"deploy-{uuid4().hex[:8]}", bureau)
    worker = partial(deployed, orders)
    half = Discount("Spring", 6_050, 5_000)

    def lines(invoice: InvoiceDraft) -> Triple:
        return sum((Triple(line.total_incl, line.total_excl) for line in invoice.lines), ZERO)

    def every_line_back(invoice: InvoiceDraft, discount: Discount | None = None) -> RefundOrder:
        back = [RefundLineRequest("partial_capture", 1)]
        item = RefundInvoiceRequest(invoice.uuid, lines=back, discount=discount)
        return RefundOrder(RefundRequest("x", invoices=[item]))

    async with worker(PaymentOrderWorkflowBeforeLinesLessDiscount, max_cached_workflows=0):
        handle, status = await orders.confirmed()
        assert status == "accepted"
        spring = Discount("Spring", 12_100, 10_000)
        await handle.execute_update(PaymentOrderWorkflow.patch, PatchOrder(discount=spring))
        by_amount = CaptureRequest(discount=half, totals=GivenTotals(amount=605_000))
        await handle.execute_update(PaymentOrderWorkflow.capture, CaptureOrder(by_amount))
    before = bureau.captures[-1].invoice
    assert lines(before) == before.amounts == Triple(605_000, 500_000)

    async with worker(PaymentOrderWorkflow, max_cached_workflows=0):  # the deploy
        await handle.execute_update(PaymentOrderWorkflow.refund, every_line_back(before))
        assert bureau.refunds[-1].credit_notes[0].plan.amounts == before.amounts
        await handle.execute_update(PaymentOrderWorkflow.capture, CaptureOrder(CaptureRequest()))
        after = bureau.captures[-1].invoice
        assert after.amounts == Triple(605_000, 500_000)
        assert lines(after) - half.amounts == after.amounts
        answer = await handle.execute_update(
            PaymentOrderWorkflow.refund, every_line_back(after, half)
        )
    assert answer.status == "refunded"
    assert bureau.refunds[-1].credit_notes[0].plan.amounts == after.amounts

    replayer = Replayer(
        workflows=[PaymentOrderWorkflow],
        data_converter=time_skipping.client.data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
    await replayer.replay_workflow(await handle.fetch_history())
