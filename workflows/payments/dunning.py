"""The dunning of one invoice (workflow id ``dunning-{invoice uuid}``), from the note before the
due date to the hand-over to the debt collection agency.

Each ladder letter waits on a durable timer until its offset from the due date; then an
activity sends it (docs/payments-dunning.md). Before the ladder, the invoice itself is
e-mailed to the buyer as soon as the workflow starts, that is when the capture created the
invoice. What the workflow listens to:

- ``set_on_hold`` (Update): pauses the ladder; releasing it moves every letter still to come
  later by the time spent on hold, so the buyer gets the same spacing between letters.
- ``agree_payment_plan`` (Update): replaces the ladder with instalments (``dunning_status``
  65). Each instalment's letter goes out on its date; an instalment still unpaid
  ``plan_grace`` after it breaks the plan and the ladder carries on with the letters not sent
  yet, from that moment, with its own spacing.
- ``payment_recorded`` (Signal from whoever records money or writes an invoice off): when
  nothing is owed any more (paid, credited in full, written off) the workflow ends. The
  letter activity reads the invoice itself before each letter, so a late signal never lets a
  letter out wrongly.

Read-model writes and letters run one at a time (a lock), so an Update's write and a letter's
never overtake each other; an Update answers after its write.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes as sa
    from workflows.payments.activities import (
        DUNNING_WORKFLOW,
        INVOICE_LETTER,
        DunningActivities,
        DunningInput,
        DunningStateChange,
        InvoiceRef,
        LetterOutcome,
        LetterRequest,
    )
    from workflows.payments.rules.dunning import (
        DunningStatus,
        DunningStep,
        Instalment,
        ScheduledStep,
        instalment_missed,
        ladder_schedule,
        resumed_ladder,
        status_of,
    )

# Database work and e-mail: retried until the database and the relay are back.
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))


@dataclass
class HoldChange:
    on_hold: bool


@dataclass
class PaymentPlanTerms:
    instalments: list[Instalment]


@dataclass
class PaymentNotice:
    outstanding: int  # what the invoice still owes after the change, in cents


@dataclass
class DunningView:
    dunning_status: int
    on_hold: bool
    closed: bool
    letters: list[str]  # the letters' keys, in the order they went out
    instalments: list[Instalment]  # the plan in force, if any


@workflow.defn(name=DUNNING_WORKFLOW)
class DunningWorkflow:
    @workflow.init
    def __init__(self, request: DunningInput) -> None:
        self._request = request
        self._status = DunningStatus.INITIAL
        self._on_hold = False
        self._held_since: datetime | None = None
        self._held_for = timedelta(0)  # the ladder moves later by this
        self._closed = False
        self._plan: list[Instalment] = []
        self._plans = 0
        self._sent: list[DunningStep] = []
        self._letters: list[str] = []
        self._lock = asyncio.Lock()
        self._next: tuple[str, datetime] | None = None  # what the workflow waits for, until

    @workflow.run
    async def run(self, request: DunningInput) -> DunningView:
        schedule = ladder_schedule(request.due_at, request.ladder)
        self._show()
        # the invoice itself goes to the buyer when it is created (runs started before this
        # sent their first mail with the note before the due date)
        if workflow.patched("invoice-letter-at-capture"):
            async with self._lock:
                if not self._closed:
                    await self._send(
                        LetterRequest(
                            self._invoice, INVOICE_LETTER, workflow.now(), invoice_notice=True
                        )
                    )
        while not self._closed:
            if self._plan:
                await self._follow_plan(self._plan)
                if self._closed or self._plan:
                    continue  # closed, or another plan replaced this one
                # the plan broke: the letters not sent yet follow from now
                schedule = resumed_ladder(request.ladder, set(self._sent), workflow.now())
                self._held_for = timedelta(0)
                self._held_since = workflow.now() if self._on_hold else None
                continue
            if not schedule:
                break  # handed over to the debt collection agency
            if await self._reached(schedule[0].at, f"{schedule[0].step} letter", shifted=True):
                await self._ladder_letter(schedule)
        self._next = None
        self._show()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view()

    async def _ladder_letter(self, schedule: list[ScheduledStep]) -> None:
        async with self._lock:
            if self._closed or self._plan or self._on_hold:
                return  # something changed while waiting for the lock: look again
            step = schedule.pop(0).step
            await self._send(LetterRequest(self._invoice, step.value, workflow.now(), step=step))
            self._sent.append(step)
            self._set_status(status_of(step))

    async def _follow_plan(self, plan: list[Instalment]) -> None:
        """Each instalment's letter on its date, and a look at the money ``plan_grace`` later.

        Returns when the invoice closed, another plan replaced this one, or this one broke
        (an instalment unpaid, or something left after the last): then no plan is in force.
        """
        key, total = f"PLAN{self._plans}", sum(i.amount for i in plan)
        for instalment in plan:
            what = f"instalment {instalment.number}/{len(plan)} letter"
            if not await self._reached(instalment.due_at, what, shifted=False, plan=plan):
                return
            async with self._lock:
                if self._closed or self._plan is not plan:
                    return
                await self._send(
                    LetterRequest(
                        self._invoice,
                        f"{key}-INSTALMENT-{instalment.number}",
                        workflow.now(),
                        instalment=instalment,
                        instalments=len(plan),
                        plan_total=total,
                        plan_due_by_now=sum(i.amount for i in plan[: instalment.number]),
                    )
                )
            check_at = instalment.due_at + self._request.plan_grace
            what = f"check of instalment {instalment.number}/{len(plan)}'s payment"
            if not await self._reached(check_at, what, shifted=False, plan=plan):
                return
            balance = await workflow.execute_activity_method(
                DunningActivities.invoice_balance,
                InvoiceRef(self._invoice),
                start_to_close_timeout=self._request.activity_timeout,
                retry_policy=RETRY,
                summary=f"Check the balance after instalment {instalment.number}/{len(plan)}",
            )
            self._closed = self._closed or balance.closed
            if self._closed or self._plan is not plan:
                return
            if instalment_missed(plan, instalment.number, total - balance.outstanding):
                break
        self._plan = []

    async def _reached(
        self, at: datetime, what: str, *, shifted: bool, plan: list[Instalment] | None = None
    ) -> bool:
        """Wait until ``at`` (later by the time on hold when ``shifted``), not on hold.

        False when the wait no longer matters: the invoice closed, or the plan in force is
        not ``plan`` any more (one was agreed, or replaced).
        """

        def moot() -> bool:
            return self._closed or (self._plan or None) is not plan

        while not moot():
            when = at + (self._held_for if shifted else timedelta(0))
            self._next = (what, when)
            self._show()
            if self._on_hold:
                await workflow.wait_condition(lambda: not self._on_hold or moot())
                continue
            left = when - workflow.now()
            if left <= timedelta(0):
                return True
            # on timeout the time has come: look again, in case a hold began at that moment
            with suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._on_hold or moot(),
                    timeout=left,
                    timeout_summary=f"Next: {what} at {_utc(when)}",
                )
        return False

    async def _send(self, letter: LetterRequest) -> None:
        outcome: LetterOutcome = await workflow.execute_activity_method(
            DunningActivities.send_dunning_letter,
            letter,
            start_to_close_timeout=self._request.activity_timeout,
            retry_policy=RETRY,
            summary=f"Send the {letter.letter_key} letter",
        )
        self._closed = self._closed or outcome.closed
        if outcome.sent:
            self._letters.append(letter.letter_key)
        self._show()

    async def _record(self, change: DunningStateChange) -> None:
        await workflow.execute_activity_method(
            DunningActivities.record_dunning_state,
            change,
            start_to_close_timeout=self._request.activity_timeout,
            retry_policy=RETRY,
            summary="Record a payment plan"
            if change.dunning_status is not None
            else f"Record on hold: {change.on_hold}",
        )
        self._show()

    @property
    def _invoice(self) -> str:
        return self._request.invoice_uuid

    def _set_status(self, status: DunningStatus) -> None:
        """The ladder's status, also as ``NT24DunningStatus`` (runs from before the patch
        keep the value set at their start)."""
        self._status = status
        if workflow.patched("dunning-status-attribute"):
            workflow.upsert_search_attributes([sa.DUNNING_STATUS.value_set(int(status))])

    def _show(self) -> None:
        """The Temporal UI's current details: where the ladder stands, what comes next."""
        state = "closed (nothing owed)" if self._closed else "on hold" if self._on_hold else "open"
        lines = [
            f"**Dunning of invoice** `{self._invoice}` · due {_utc(self._request.due_at)}",
            f"Status **{self._status.name}** ({self._status.value}) · {state}",
            "Letters sent: " + (", ".join(self._letters) or "none"),
        ]
        if self._plan:
            lines.append(
                "Payment plan: "
                + ", ".join(f"{i.amount / 100:.2f} on {i.due_at:%Y-%m-%d}" for i in self._plan)
            )
        if self._held_for:
            lines.append(f"Ladder moved later by {self._held_for} (time on hold)")
        if self._next is not None and not self._closed:
            what, when = self._next
            until = " (after the hold)" if self._on_hold else ""
            lines.append(f"Waiting for: {what} at {_utc(when)}{until}")
        workflow.set_current_details("\n\n".join(lines))

    # ----- Updates, Signal, Query -----

    @workflow.update
    async def set_on_hold(self, change: HoldChange) -> DunningView:
        async with self._lock:
            if change.on_hold != self._on_hold:
                now = workflow.now()
                if change.on_hold:
                    self._held_since = now
                elif self._held_since is not None:
                    self._held_for += now - self._held_since
                    self._held_since = None
                self._on_hold = change.on_hold
                await self._record(DunningStateChange(self._invoice, now, on_hold=change.on_hold))
        return self.view()

    @set_on_hold.validator
    def _validate_hold(self, change: HoldChange) -> None:
        self._refuse_when_closed()

    @workflow.update
    async def agree_payment_plan(self, terms: PaymentPlanTerms) -> DunningView:
        async with self._lock:
            self._plan = list(terms.instalments)
            self._plans += 1
            self._set_status(DunningStatus.PAYMENT_PLAN_AGREED)
            await self._record(
                DunningStateChange(self._invoice, workflow.now(), dunning_status=self._status)
            )
        return self.view()

    @agree_payment_plan.validator
    def _validate_plan(self, terms: PaymentPlanTerms) -> None:
        self._refuse_when_closed()
        if not terms.instalments:
            raise ApplicationError("a payment plan needs at least one instalment")
        if any(i.amount <= 0 for i in terms.instalments):
            raise ApplicationError("every instalment must be more than zero")
        if [i.number for i in terms.instalments] != list(range(1, len(terms.instalments) + 1)):
            raise ApplicationError("instalments must be numbered 1, 2, ...")
        dates = [i.due_at for i in terms.instalments]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ApplicationError("instalments must fall on successive dates")

    def _refuse_when_closed(self) -> None:
        if self._closed:
            raise ApplicationError("the invoice is closed: its dunning has ended")

    @workflow.signal
    def payment_recorded(self, notice: PaymentNotice) -> None:
        if notice.outstanding == 0:
            self._closed = True
            self._show()

    @workflow.query
    def view(self) -> DunningView:
        return DunningView(
            dunning_status=self._status.value,
            on_hold=self._on_hold,
            closed=self._closed,
            letters=list(self._letters),
            instalments=list(self._plan),
        )


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
