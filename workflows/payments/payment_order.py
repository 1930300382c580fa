"""PaymentOrderWorkflow: the single writer of one NOTYD payment order's lifecycle.

``pending`` until the buyer's representative confirms on the hosted payment page; then the
credit check decides ``accepted`` or ``rejected`` (``failed`` when the bureau stays
unavailable). A link not confirmed within ``payment_link_duration`` becomes ``expired``.
Accepted orders are captured (each capture makes an invoice), refunded (each refund makes a
credit note per invoice) or cancelled before any capture. Every command is an Update whose
validator refuses what the state does not allow, before it enters history; every status
change is written with the read model and posted to the request's ``webhook_urls``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.patches import adopted
    from workflows.payments.activities import PaymentOrderActivities
    from workflows.payments.payment_order_model import (
        AnsweredCommand,
        CancelOrder,
        CaptureAnswer,
        CaptureOrder,
        CaptureWrite,
        CarriedPaymentOrder,
        ConfirmOrder,
        CreatePaymentOrderRow,
        CreditCheckRequest,
        CreditNoteAnswer,
        CreditNoteDraft,
        CreditVerdict,
        InvoiceDraft,
        NewPaymentOrder,
        OrderState,
        PatchOrder,
        PaymentOrderStart,
        RefundAnswer,
        RefundOrder,
        RefundWrite,
        StatusAnswer,
        StatusNotice,
    )
    from workflows.payments.refusals import PaymentOrderRefusalReason as Refused
    from workflows.payments.rules.amounts import (
        ZERO,
        Discount,
        TotalsProblem,
        Triple,
        discounted_tax_problem,
        empty_order_problem,
        order_total,
    )
    from workflows.payments.rules.orders import (
        ACCEPTED,
        CANCELLED,
        CAPTURED,
        EXPIRED,
        FAILED,
        PARTIALLY_CAPTURED,
        PARTIALLY_REFUNDED,
        PENDING,
        REJECTED,
        TERMINAL,
        CapturePlan,
        CreditNotePlan,
        InvoiceState,
        OrderLineState,
        Refusal,
        RefusalKind,
        check_capture,
        check_refund,
        check_refund_totals,
        check_totals,
        line_at,
        plan_capture,
        plan_refund,
        status_after_capture,
        status_after_refund,
    )
    from workflows.refusal import FieldIssue, refuse

# Read-model writes: small, idempotent by revision, retried until the database is back
STORE_TIMEOUT = timedelta(seconds=30)
STORE_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
CAPTURABLE = (ACCEPTED, PARTIALLY_CAPTURED, CAPTURED, PARTIALLY_REFUNDED)
CANCELLABLE = (PENDING, ACCEPTED)  # by the seller; the buyer cancels a pending order only
REFUNDABLE = (PARTIALLY_CAPTURED, CAPTURED, PARTIALLY_REFUNDED)
# A PATCH that changes nothing writes nothing (before, it wrote a new revision every time)
_UNCHANGED_PATCH = "unchanged-patch-writes-nothing"
# A capture or refund that leaves the status as it was sends no webhook (before, each did)
_NOTIFY_ON_CHANGE = "notify-only-on-status-change"
# A capture by amount's per-rate lines get the cents their split rounds off where each line's
# tax can take them (before, all went to the largest line, a 0 % one then taxed -1). Asked
# again under an id of the moment, as the order workflow's _per_vin does: see _cents_to_largest
_CENTS_WITHIN_TAX = "per-rate-cents-within-tax"
# A capture by amount invoices one line per tax rate, each at its rate (before, lines in
# proportion to the order's). Asked again under an id of the moment since the refund patch below
_AT_THEIR_RATES = "per-rate-lines-at-their-rates"
# A refund by amount fits in what remains by its amount incl. tax, its excl kept within what
# remains (before, its excl and tax had to fit too). The validator always takes the new rule: a
# workflow that replayed a refund from before the deploy, and so kept "no" for the plain patch,
# refused in the handler what its validator had let through
_INCL_DECIDES = "refund-by-amount-fits-by-incl"
# A capture by amount numbers its per-rate lines 1..n (before, a rate with nothing to capture
# kept its number, and the invoice stored lines 2 and 3): those stored invoices keep theirs
_LINES_FROM_1 = "per-rate-lines-numbered-from-1"
# A capture by amount's per-rate lines add up to its amount plus the discount it takes, so that
# its invoice is its lines less its discount (before, they added up to the amount, and the
# discount was taken off twice): those stored invoices keep their lines
_LINES_LESS_DISCOUNT = "per-rate-lines-less-discount"
# A run continues as new with the order's state once it has taken its share of Updates or
# Temporal suggests it (before, a run took every command of the order, and Temporal refused all
# past its 2000th). Asked again under an id of the moment, as _CENTS_WITHIN_TAX is
_CONTINUES_AS_NEW = "continues-as-new-with-its-state"
# The captures' and refunds' answers a run keeps and hands to the next, newest last: a retry
# comes within seconds of its first attempt, while a run takes hundreds of commands
ANSWERS_KEPT = 50
# What buyers quote with their transfer: no 0/O or 1/I to misread
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def plan_refused(refusal: Refusal) -> ApplicationError:
    """A capture or refund the rules refuse: more than remains (the order's state), or a
    request at fault, which shows the field."""
    if refusal.kind == RefusalKind.STATE:
        return refuse(Refused.MORE_THAN_REMAINS, f"{refusal.field}: {refusal.message}")
    return refuse(
        Refused.INVALID_REQUEST,
        f"Field '{refusal.field}' {refusal.message}",
        FieldIssue(refusal.field, refusal.message),
    )


def _refuse_if(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise plan_refused(refusal)


def webhook_time(moment: datetime) -> str:
    """UTC with milliseconds and ``Z``, as NOTYD's ``created``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@workflow.defn
class PaymentOrderWorkflow:
    @workflow.init
    def __init__(self, start: PaymentOrderStart) -> None:
        self.order: NewPaymentOrder | None = None
        self.status = PENDING
        self.revision = 0
        self.created_at: datetime | None = None
        self.total = ZERO
        self.discount: Discount | None = None
        self.lines: list[OrderLineState] = []
        self.captured = ZERO
        self.captured_discount = ZERO
        self.refunded = ZERO
        self.invoices: list[InvoiceState] = []
        self.cents_within_tax = False  # until _cents_to_largest finds the patch adopted
        self.at_their_rates = False  # until _lines_at_their_rates finds the patch adopted
        self.incl_decides = False  # until _refunds_by_incl finds the patch adopted
        self.lines_from_1 = False  # until _lines_numbered_from_1 finds the patch adopted
        self.less_discount = False  # until _lines_less_discount finds the patch adopted
        self.confirming = False  # the credit check runs: the link no longer expires
        self.credit: CreditVerdict | None = None
        self.approved_amount = 0  # what the credit check approved (incl. tax)
        self.confirmed_at: datetime | None = None
        self.decided_at: datetime | None = None
        self.updates = 0  # the Updates this run took
        self.continues = False  # until _took_update finds _CONTINUES_AS_NEW adopted
        self.answered: list[AnsweredCommand] = []
        if start.carried is not None:
            self._take_over(start.carried)

    @workflow.run
    async def run(self, start: PaymentOrderStart) -> str:
        if start.carried is None:
            try:
                await workflow.wait_condition(
                    lambda: self.order is not None,
                    timeout=start.abandoned_after,
                    timeout_summary="Abandoned if the create never arrives",
                )
            except TimeoutError:
                workflow.set_current_details("**Payment order**: ABANDONED (never created)")
                return "ABANDONED"  # started by a request whose create never arrived
        else:
            self._show()
        if start.carried is None or self.status == PENDING:
            try:
                await workflow.wait_condition(
                    lambda: self.status != PENDING or self.confirming or self._run_full(),
                    timeout=self._link_left(),
                    timeout_summary=f"Payment link expires at {_utc(self._link_expiry())}",
                )
            except TimeoutError:
                if self.status == PENDING and not self.confirming:
                    self.status = EXPIRED
                    await self._save(notify=True)
        await workflow.wait_condition(lambda: self.status in TERMINAL or self._run_full())
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self.status not in TERMINAL:
            # only once the run is full: the next run takes the order's further commands
            workflow.continue_as_new(PaymentOrderStart(start.abandoned_after, self._carried()))
        return self.status

    def _took_update(self) -> None:
        """Counts an Update this run took (Temporal takes at most 2000 in a run)."""
        self.updates += 1
        if not self.continues:
            self.continues = adopted(_CONTINUES_AS_NEW)

    def _run_full(self) -> bool:
        """Whether this run should hand the order to a new one: it took its share of Updates,
        or its history grew long enough that Temporal suggests it."""
        if not self.continues or self.order is None:
            return False
        return (
            self.updates >= self.order.settings.updates_per_run
            or workflow.info().is_continue_as_new_suggested()
        )

    def _carried(self) -> CarriedPaymentOrder:
        assert self.order is not None and self.created_at is not None
        return CarriedPaymentOrder(
            order=self.order,
            status=self.status,
            revision=self.revision,
            created_at=self.created_at,
            total=self.total,
            discount=self.discount,
            lines=self.lines,
            captured=self.captured,
            captured_discount=self.captured_discount,
            refunded=self.refunded,
            invoices=self.invoices,
            credit=self.credit,
            approved_amount=self.approved_amount,
            confirmed_at=self.confirmed_at,
            decided_at=self.decided_at,
            answered=self.answered,
        )

    def _take_over(self, carried: CarriedPaymentOrder) -> None:
        """The order as the previous run left it. The patches that run had adopted, this
        run takes from its start (a new run's ``patched`` answers "yes")."""
        self.order, self.status, self.revision = carried.order, carried.status, carried.revision
        self.created_at = carried.created_at
        self.total, self.discount, self.lines = carried.total, carried.discount, carried.lines
        self.captured, self.captured_discount = carried.captured, carried.captured_discount
        self.refunded, self.invoices = carried.refunded, carried.invoices
        self.credit, self.approved_amount = carried.credit, carried.approved_amount
        self.confirmed_at, self.decided_at = carried.confirmed_at, carried.decided_at
        self.answered = carried.answered

    def _link_expiry(self) -> datetime:
        assert self.order is not None and self.created_at is not None
        return self.created_at + timedelta(seconds=self.order.payment_link_duration)

    def _link_left(self) -> timedelta:
        return max(self._link_expiry() - workflow.now(), timedelta(0))

    def _show(self) -> None:
        """The Temporal UI's current details: status, money and what the order waits for."""
        order = self.order
        assert order is not None
        lines = [
            f"**Payment order** `{order.external_order_uid}` (uuid `{order.uuid}`) · buyer "
            f"{order.buyer_company.get('name')} ({order.buyer_company.get('vat_number')})",
            f"Status **{self.status}** · total {_money(self.total.incl, order.currency)} · "
            f"captured {_money(self.captured.incl, order.currency)} · refunded "
            f"{_money(self.refunded.incl, order.currency)} · {len(self.invoices)} invoices",
        ]
        if self.credit is not None:
            lines.append(
                f"Credit check: {'approved' if self.credit.approved else 'not approved'}"
                + (f" ({self.credit.reason})" if self.credit.reason else "")
            )
        if self.confirming:
            lines.append("Waiting for: the credit check")
        elif self.status == PENDING:
            lines.append(f"Waiting for: the buyer's confirmation until {_utc(self._link_expiry())}")
        workflow.set_current_details("\n\n".join(lines))

    # ----- commands -----

    @workflow.update
    async def create(self, order: NewPaymentOrder) -> StatusAnswer:
        self._took_update()
        self.order = order
        self.created_at = workflow.now()
        self.total, self.discount, self.lines = order.total, order.discount, order.lines
        await workflow.execute_local_activity_method(
            PaymentOrderActivities.create_payment_order,
            CreatePaymentOrderRow(
                order,
                self.created_at,
                self.created_at + timedelta(seconds=order.payment_link_duration),
                order.settings.payment_terms_days,
            ),
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
            summary=f"Create payment order {order.external_order_uid}",
        )
        self._show()
        return StatusAnswer(self.status)

    @create.validator
    def _validate_create(self, order: NewPaymentOrder) -> None:
        if self.order is not None:
            raise refuse(Refused.ALREADY_CREATED, "The order exists already.")

    @workflow.update
    async def confirm(self, command: ConfirmOrder) -> StatusAnswer:
        self._took_update()
        order = self.order
        assert order is not None
        self.confirming = True
        self.confirmed_at = workflow.now()
        self._show()
        company = order.buyer_company
        settings = order.settings
        try:
            verdict = await workflow.execute_activity_method(
                PaymentOrderActivities.check_credit,
                CreditCheckRequest(
                    order.uuid,
                    company.get("name"),
                    company.get("registration_number"),
                    company.get("vat_number"),
                    company.get("country"),
                    self.total.incl,
                    order.currency,
                ),
                start_to_close_timeout=settings.credit_check_attempt_timeout,
                schedule_to_close_timeout=settings.credit_check_give_up_after,
                retry_policy=RetryPolicy(
                    initial_interval=settings.credit_check_retry_interval,
                    maximum_interval=settings.credit_check_retry_interval * 8,
                ),
                summary=f"Credit check of {company.get('name')} for "
                f"{_money(self.total.incl, order.currency)}",
            )
        except ActivityError:
            # the bureau stayed unavailable: no verdict, and never a guessed one
            verdict = CreditVerdict(False, None, "The credit bureau could not be reached.")
            self.status = FAILED
        else:
            self.status = ACCEPTED if verdict.approved else REJECTED
        self.credit = verdict
        self.approved_amount = self.total.incl if verdict.approved else 0
        self.decided_at = workflow.now()
        self.confirming = False
        await self._save(notify=True)
        return StatusAnswer(self.status)

    @confirm.validator
    def _validate_confirm(self, command: ConfirmOrder) -> None:
        self._require_created()
        if self.confirming:
            raise refuse(Refused.BEING_CONFIRMED, "The order is being confirmed already.")
        if self.status != PENDING:
            raise refuse(
                Refused.NOT_PENDING, f"The order is {self.status}: it cannot be confirmed."
            )
        if self._link_left() <= timedelta(0):
            raise refuse(Refused.LINK_EXPIRED, "The payment link has expired.")

    @workflow.update
    async def cancel(self, command: CancelOrder) -> StatusAnswer:
        self._took_update()
        self.status = CANCELLED
        await self._save(notify=True)
        return StatusAnswer(self.status)

    @cancel.validator
    def _validate_cancel(self, command: CancelOrder) -> None:
        self._require_created()
        if self.confirming:
            raise refuse(
                Refused.BEING_CONFIRMED,
                "The buyer is confirming the order: it cannot be cancelled now.",
            )
        allowed = (PENDING,) if command.by_buyer else CANCELLABLE
        if self.status not in allowed:
            raise refuse(
                Refused.NOT_CANCELLABLE, f"The order is {self.status}: it cannot be cancelled."
            )

    @workflow.update
    async def patch(self, command: PatchOrder) -> StatusAnswer:
        self._took_update()
        patched = self._patched(command)
        if patched == (self.total, self.discount, self.lines) and workflow.patched(
            _UNCHANGED_PATCH
        ):
            return StatusAnswer(self.status)
        self.total, self.discount, self.lines = patched
        await self._save(notify=False)
        return StatusAnswer(self.status)

    @patch.validator
    def _validate_patch(self, command: PatchOrder) -> None:
        self._require_created()
        if self.confirming or self.status not in (PENDING, ACCEPTED):
            raise refuse(
                Refused.NOT_UPDATABLE, f"The order is {self.status}: it can no longer be updated."
            )
        total, discount, _ = self._patched(command)
        problem = empty_order_problem(total, command.totals, discount) or discounted_tax_problem(
            total
        )
        if problem is not None:
            raise refuse(
                Refused.INVALID_REQUEST,
                f"Field '{problem.field}' {problem.message}",
                FieldIssue(problem.field, problem.message),
            )
        if self.status == ACCEPTED and total.incl > self.approved_amount:
            raise refuse(
                Refused.OVER_APPROVED_AMOUNT,
                f"The credit check approved {self.approved_amount}; an accepted order's total "
                "cannot grow past it.",
            )

    @workflow.update
    async def capture(self, command: CaptureOrder) -> CaptureAnswer:
        self._took_update()
        if (earlier := self._answered_before()) is not None and earlier.capture is not None:
            return earlier.capture
        order = self.order
        assert order is not None
        # invoice lines per rate were each taxed in the proportion of the whole, before
        at_their_rates = self._lines_at_their_rates()
        # the validator compared given prices with the lines taken: captures accepted when
        # they were compared with the product's first line replay as they were
        plan = self._capture_plan(
            command,
            at_their_rates,
            self._cents_to_largest(),
            self._lines_numbered_from_1(),
            self._lines_less_discount(),
            prices_checked=False,
        )
        for take in plan.takes:
            line_at(self.lines, take.position).captured += take.quantity
        self.captured = self.captured + plan.amounts
        self.captured_discount = self.captured_discount + plan.discount
        # a capture after a refund made the order's status "captured" again, before
        refunded = self.refunded if workflow.patched("capture-keeps-refunded-status") else ZERO
        before = self.status
        # the answer's: a command taken in while the write runs may change it again
        made = self.status = status_after_capture(self.total, self.captured, refunded)
        invoice = InvoiceState(
            uuid=str(workflow.uuid4()),
            number=len(self.invoices) + 1,
            payment_reference=self._payment_reference(),
            total_incl=plan.amounts.incl,
            total_excl=plan.amounts.excl,
            lines=plan.invoice_lines,
            discount=plan.discount,
        )
        self.invoices.append(invoice)
        draft = InvoiceDraft(
            uuid=invoice.uuid,
            capture_uuid=str(workflow.uuid4()),
            number=invoice.number,
            payment_reference=invoice.payment_reference,
            amounts=plan.amounts,
            discount=(
                Discount(self.discount.description if self.discount else "", *_pair(plan.discount))
                if not plan.discount.is_zero
                else None
            ),
            lines=plan.invoice_lines,
            payment_terms_days=order.settings.payment_terms_days,
            external_invoice_uid=command.external_invoice_uid,
            invoice_url=command.invoice_url,
        )
        await workflow.execute_local_activity_method(
            PaymentOrderActivities.create_invoice_for_capture,
            CaptureWrite(self._state(notify=self._status_changed(before)), draft),
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
            summary=f"Write invoice {invoice.number} ({invoice.payment_reference}): "
            f"{_money(invoice.total_incl, order.currency)}, {self.status}",
        )
        answer = CaptureAnswer(made, invoice.uuid, invoice.payment_reference)
        self._keep(AnsweredCommand(_update_id(), capture=answer))
        return answer

    @capture.validator
    def _validate_capture(self, command: CaptureOrder) -> None:
        if self._answered_before() is not None:
            return  # a retry of a capture a run before this one took: answered as it was
        self._require_created()
        if self.status not in CAPTURABLE:
            raise refuse(
                Refused.NOT_CAPTURABLE, f"The order is {self.status}: it cannot be captured."
            )
        # checks of the request alone live here, not in plan_capture, which the handler runs
        # again on replay: captures accepted before them must replay as they were
        _refuse_if(check_totals(command.request.totals))
        _refuse_if(check_capture(self.total, self.captured, self._capture_plan(command)))

    def _patched(self, command: PatchOrder) -> tuple[Triple, Discount | None, list[OrderLineState]]:
        """The order after the PATCH: what it did not send stays; the result must add up."""
        lines = command.lines if command.lines is not None else self.lines
        discount = self.discount if command.keep_discount else command.discount
        total = order_total([line.line for line in lines], discount, command.totals, required=False)
        if isinstance(total, TotalsProblem):
            raise refuse(
                Refused.INVALID_REQUEST,
                f"Field '{total.field}' {total.message}",
                FieldIssue(total.field, total.message),
            )
        return total, discount, lines

    def _lines_at_their_rates(self) -> bool:
        """Whether a capture by amount's lines are each at their own rate (``_AT_THEIR_RATES``)."""
        if not self.at_their_rates:
            self.at_their_rates = adopted(_AT_THEIR_RATES)
        return self.at_their_rates

    def _lines_numbered_from_1(self) -> bool:
        """Whether a capture by amount numbers its per-rate lines 1..n (``_LINES_FROM_1``)."""
        if not self.lines_from_1:
            self.lines_from_1 = adopted(_LINES_FROM_1)
        return self.lines_from_1

    def _lines_less_discount(self) -> bool:
        """Whether a capture by amount's per-rate lines cover its discount too
        (``_LINES_LESS_DISCOUNT``)."""
        if not self.less_discount:
            self.less_discount = adopted(_LINES_LESS_DISCOUNT)
        return self.less_discount

    def _refunds_by_incl(self) -> bool:
        """Whether a refund by amount fits by its amount incl. tax (``_INCL_DECIDES``)."""
        if not self.incl_decides:
            self.incl_decides = adopted(_INCL_DECIDES)
        return self.incl_decides

    def _cents_to_largest(self) -> bool:
        """Whether this capture's per-rate lines get all the cents of rounding on the largest
        line, as captures planned before ``_CENTS_WITHIN_TAX`` did (even a 0 % line, then
        taxed -1): only while a workflow replays those.

        ``patched`` answers once per run and id: an order that captured before the deploy
        hears "no" while that replays, and would keep the old split for the rest of its run.
        So it asks again under an id of the moment (``-at-<history length>``, the same in
        every replay) until one is answered "yes", and keeps that answer."""
        if not self.cents_within_tax:
            self.cents_within_tax = adopted(_CENTS_WITHIN_TAX)
        return not self.cents_within_tax

    def _capture_plan(
        self,
        command: CaptureOrder,
        at_their_rates: bool = True,
        cents_to_largest: bool = False,
        numbered_from_1: bool = True,
        less_discount: bool = True,
        prices_checked: bool = True,
    ) -> CapturePlan:
        plan = plan_capture(
            self.lines,
            self.total,
            self.captured,
            self.discount,
            self.captured_discount,
            command.request,
            at_their_rates=at_their_rates,
            cents_to_largest=cents_to_largest,
            numbered_from_1=numbered_from_1,
            less_discount=less_discount,
            prices_checked=prices_checked,
        )
        if isinstance(plan, Refusal):
            raise plan_refused(plan)
        return plan

    @workflow.update
    async def refund(self, command: RefundOrder) -> RefundAnswer:
        self._took_update()
        if (earlier := self._answered_before()) is not None and earlier.refund is not None:
            return earlier.refund
        drafts = []
        # a refund by amount had to fit in what remains by its excl. tax too, before
        incl_decides = self._refunds_by_incl()
        # the validator checked what a refund line's units are worth: refunds accepted before
        # that check replay as they were
        for plan in self._refund_plans(command, incl_decides, units_worth=False):
            self._apply_refund(plan)
            drafts.append(CreditNoteDraft(str(workflow.uuid4()), command.request.description, plan))
        before = self.status
        # the answer's: a command taken in while the write runs may change it again
        made = self.status = status_after_refund(self.total, self.captured, self.refunded)
        await workflow.execute_local_activity_method(
            PaymentOrderActivities.create_credit_notes,
            RefundWrite(self._state(notify=self._status_changed(before)), drafts),
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
            summary=f"Write {len(drafts)} credit notes, {self.status}",
        )
        answer = RefundAnswer(made, [CreditNoteAnswer(d.uuid, d.plan.invoice_uuid) for d in drafts])
        self._keep(AnsweredCommand(_update_id(), refund=answer))
        return answer

    @refund.validator
    def _validate_refund(self, command: RefundOrder) -> None:
        if self._answered_before() is not None:
            return  # a retry of a refund a run before this one took: answered as it was
        self._require_created()
        if self.status not in REFUNDABLE:
            raise refuse(
                Refused.NOT_REFUNDABLE, f"The order is {self.status}: nothing can be refunded."
            )
        # as in _validate_capture: checks of the request that plan_refund does not make
        _refuse_if(check_totals(command.request.totals))
        plans = self._refund_plans(command)
        _refuse_if(check_refund_totals(command.request, plans))
        _refuse_if(check_refund(self.invoices, plans))

    def _refund_plans(
        self, command: RefundOrder, incl_decides: bool = True, units_worth: bool = True
    ) -> list[CreditNotePlan]:
        plans = plan_refund(
            self.invoices, command.request, incl_decides=incl_decides, units_worth=units_worth
        )
        if isinstance(plans, Refusal):
            raise plan_refused(plans)
        return plans

    def _apply_refund(self, plan: CreditNotePlan) -> None:
        invoice = next(i for i in self.invoices if i.uuid == plan.invoice_uuid)
        invoice.refunded_incl += plan.amounts.incl
        invoice.refunded_excl += plan.amounts.excl
        if plan.discount is not None:
            invoice.refunded_discount = invoice.refunded_discount + plan.discount.amounts
        for part in plan.lines:
            line = line_at(invoice.lines, part.invoice_line)
            line.refunded_quantity += part.quantity
            line.refunded_incl += part.amounts.incl
            line.refunded_excl += part.amounts.excl
        self.refunded = self.refunded + plan.amounts

    # ----- helpers -----

    def _answered_before(self) -> AnsweredCommand | None:
        """This Update's answer, when a run before this one took it (``ANSWERS_KEPT``)."""
        update_id = _update_id()
        return next((a for a in self.answered if a.update_id == update_id), None)

    def _keep(self, answer: AnsweredCommand) -> None:
        self.answered = [*self.answered, answer][-ANSWERS_KEPT:]

    def _require_created(self) -> None:
        if self.order is None:
            raise refuse(Refused.ORDER_NOT_FOUND, "The order does not exist.")

    def _status_changed(self, before: str) -> bool:
        """Whether the seller's webhook hears of this write: only a new status is news."""
        return self.status != before or not workflow.patched(_NOTIFY_ON_CHANGE)

    def _payment_reference(self) -> str:
        rng = workflow.random()
        return "NTY" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))

    def _state(self, notify: bool) -> OrderState:
        order = self.order
        assert order is not None
        self.revision += 1
        self._show()
        now = workflow.now()
        url = (order.webhook_urls or {}).get("webhook_url")
        notice = None
        if notify and url:
            notice = StatusNotice(
                url,
                {
                    "event_type": "order_status_changed",
                    "created": webhook_time(now),
                    "payload": {"order_id": order.uuid, "webshop_id": order.external_webshop_uid},
                },
            )
        return OrderState(
            uuid=order.uuid,
            revision=self.revision,
            status=self.status,
            total=self.total,
            discount=self.discount,
            lines=self.lines,
            captured=self.captured,
            captured_discount=self.captured_discount,
            refunded=self.refunded,
            updated_at=now,
            credit_check=self.credit,
            confirmed_at=self.confirmed_at,
            decided_at=self.decided_at,
            notice=notice,
        )

    async def _save(self, notify: bool) -> None:
        await workflow.execute_local_activity_method(
            PaymentOrderActivities.write_payment_order,
            self._state(notify),
            start_to_close_timeout=STORE_TIMEOUT,
            retry_policy=STORE_RETRY,
            summary=f"Write revision {self.revision}: {self.status}"
            + (" (webhook notice)" if notify else ""),
        )


def _pair(amounts: Triple) -> tuple[int, int]:
    return amounts.incl, amounts.excl


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:.2f} {currency}"


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _update_id() -> str:
    update = workflow.current_update_info()
    assert update is not None, "asked in an Update's handler or validator"
    return update.id
