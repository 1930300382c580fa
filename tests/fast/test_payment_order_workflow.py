"""PaymentOrderWorkflow on the time-skipping server: the credit bureau and the read-model
writes are mocks.

What the user depends on: the credit check's verdict (accepted, rejected, failed, never a
guess), the payment link's expiry, captures that invoice what was delivered and refunds that
credit it, the status notices to the seller's webhook, and what each status refuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from tests.fast.harness import mocked_worker, refusal, until
from workflows.payments.payment_order import PaymentOrderWorkflow
from workflows.payments.payment_order_model import (
    CancelOrder,
    CaptureOrder,
    CaptureWrite,
    ConfirmOrder,
    CreatePaymentOrderRow,
    CreditCheckRequest,
    CreditVerdict,
    NewPaymentOrder,
    OrderState,
    PatchOrder,
    PaymentOrderSettings,
    PaymentOrderStart,
    RefundOrder,
    RefundWrite,
)
from workflows.payments.rules.amounts import Discount, GivenTotals, Triple
from workflows.payments.rules.orders import (
    CaptureLineRequest,
    CaptureRequest,
    OrderLineState,
    RefundInvoiceRequest,
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

    async def create(self, link_duration: int = 86_400) -> WorkflowHandle:
        """A webshop's order request, pending on the buyer's confirmation."""
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
                total=TOTAL,
                discount=None,
                lines=[OrderLineState(**vars(line)) for line in LINES],
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
                ),
            ),
        )
        assert answer.status == "pending"
        return handle

    async def confirmed(self) -> tuple[WorkflowHandle, str]:
        handle = await self.create()
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
