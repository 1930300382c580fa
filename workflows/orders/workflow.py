"""OrderWorkflow: the single writer of one order's lifecycle.

Every command is an Update with a validator: a command the state does not allow is refused
before it enters history, never half-applied. An accepted command changes the state,
re-evaluates the compliance rollup, writes the read model and its events in one database
transaction (a local activity), and only then answers, so the caller reads its own write.
Timers live here too: the daily VIES re-check from ready-for-pickup until delivery, and the
deadline of the buyer's transport statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as TimeoutFailure

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes as sa
    from workflows.buyers.activities import ViesTrigger, vies_failure_reason
    from workflows.buyers.vies_check import BuyerViesCheckInput, BuyerViesCheckWorkflow
    from workflows.change_source import ChangeSource
    from workflows.ids import order_vies_check_workflow_id
    from workflows.money import Money
    from workflows.orders.activities import (
        BuyerAsked,
        BuyerViesAsked,
        ExportFileActivities,
        ExportFileRequest,
        OrderSnapshot,
        OrderStoreActivities,
        PendingEvent,
    )
    from workflows.orders.model import (
        BUYER_CHANGED,
        REDECISION_REASON_LENGTH,
        AttachDocument,
        BuyerChanged,
        BuyerRef,
        CancelOrder,
        ConfirmDelivery,
        ConfirmPickup,
        CreateOrder,
        DocumentRef,
        ExportFileVersion,
        Invoice,
        PatchInvoice,
        PatchOrder,
        PatchPayment,
        Payment,
        ReadyForPickup,
        Redecide,
        Redecision,
        RegenerateExport,
        Revocation,
        RevokePickup,
        SubmitInvoice,
        SubmitPayment,
        Transport,
        ViesEvidence,
    )
    from workflows.orders.refusals import OrderRefusal
    from workflows.orders.refusals import OrderRefusalReason as Refused
    from workflows.orders.rollup import (
        LEGACY_RULE_SET,
        Evaluation,
        evaluate_order,
        held,
    )
    from workflows.orders.rules.outcome import ComplianceStatus, Decision
    from workflows.orders.rules.versions import RULE_SETS
    from workflows.orders.shown import (
        COMPLIANCE,
        ORDER,
        PAYMENT,
        TRANSPORT,
        invoice_kind,
        shown_digests,
    )
    from workflows.orders.state import (
        CommandResult,
        OrderResources,
        OrderStart,
        OrderState,
        Resource,
        Shown,
        export_file_url,
        shown_part,
    )
    from workflows.orders.status import CANCELLABLE, CLOSED, LIFECYCLE, OrderStatus
    from workflows.patches import adopted
    from workflows.refusal import FieldIssue, refuse

# Search attributes in one upsert, and only when a value changes (runs before the patch upserted
# the identity at creation and both statuses on every read-model write: 16 upserts in the
# bench's lifecycle, now 8)
_INDEX_ON_CHANGE = "index-on-change"
# A PATCH that changes nothing answers the resource as it is, without a write or a new version
# (runs before the patch wrote and bumped the version on every PATCH)
_UNCHANGED_PATCH = "unchanged-patch-keeps-version"
# export_file.generated's `version` is the Export File's (runs before the patch sent the order's)
_EXPORT_FILE_EVENT_VERSION = "export-file-event-version"
# export_file.generated's `source` is that of the change that requested the Export File: the
# command's whose change decided the order or brought the final invoice, the regeneration's;
# a timer's (a deadline) stays SYSTEM (runs before the patch said SYSTEM for every one). Asked
# again under an id of the moment, as _per_vin does
_EXPORT_FILE_EVENT_SOURCE = "export-file-event-source"
# kyc.vies_check_failed is the buyer's, one per failed check, recorded with the check (runs
# before the patch sent one per open order, each with the order's snapshot's previousResult)
_VIES_FAILED_WITH_THE_CHECK = "vies-failed-event-with-the-check"
# A new document supersedes an earlier active one of its type only when it covers every VIN the
# earlier one covers (runs before the patch superseded every earlier one of the type, whatever
# VINs it covered). Asked again under an id of the moment, as _rule_set does: see _per_vin
_SUPERSEDE_PER_VIN = "supersede-per-vin"
# Each resource's version (its ETag) and updatedAt move whenever what it shows does, the
# rollup's and the order's too, and events carry the order's version after the change (runs
# before the patch bumped a version only where a command did, and the rollup's only when its
# status, decision or blocker codes changed). Asked again under an id of the moment, as
# _per_vin does
_VERSIONS_FOLLOW_CONTENT = "versions-follow-content"
# A buyer change's signal makes the order read its buyer as it is now, and so does a delivered
# order's change before it may decide (runs before the patch took the copy the signal carried,
# so an older copy arriving last, or a change never told, could let it decide VALID)
_BUYER_READ_WHEN_TOLD = "buyer-read-when-told"
# A payment's correction records when it was made (Payment.corrected_at: the proofs received
# before it are of the payment as it was). Runs before the patch recorded none, and a
# correction they made before it keeps none, as the rules expect of it
_PAYMENT_CORRECTION_RECORDED = "payment-correction-recorded"
# An invoice's correction records when it was made (Invoice.corrected_at: its PDF received
# before shows the invoice as it was). Runs before the patch recorded none
_INVOICE_CORRECTION_RECORDED = "invoice-correction-recorded"
# A read-model write that fails outside a command (a deadline's, a buyer change's) is tried
# again after a wait (runs before the patch: the failure failed the order's workflow)
_WRITE_OUTLASTS_AN_OUTAGE = "write-outlasts-an-outage"
# The run wakes to continue as new when its history grows long while it waits, as commands
# (Updates) make it grow (runs before the patch checked only when a timer or a change of what
# it waits for woke it, and Temporal refused every Update past its 2000th in a run). Asked
# again under an id of the moment, as _per_vin does
_CONTINUES_WHEN_LONG = "continues-as-new-when-commands-grow-it"
# How a local activity fails when the store stays away past its budget: its own error (core
# does not wrap a local activity's failure in an ActivityError) or its timeout
STORE_AWAY = (ActivityError, ApplicationError, TimeoutFailure)


@workflow.defn
class OrderWorkflow:
    @workflow.init
    def __init__(self, start: OrderStart) -> None:
        self.state = start.carried or OrderState()
        self.evaluation: Evaluation | None = None
        self.pending_events: list[PendingEvent] = []
        # (order status, compliance status) as last upserted to the search attributes
        self.indexed: tuple[str, str] | None = None
        self.head_revision = 0  # the revision whose evidence chain head ``chain_head`` is
        self.rule_set = LEGACY_RULE_SET  # until _rule_set finds a newer one adopted
        self.supersede_per_vin = False  # until _per_vin finds the patch adopted
        self.versions_follow_content = False  # until _follows_content finds it adopted
        self.reads_buyer = False  # until _reads_buyer finds it adopted
        self.wakes_when_long = False  # until the run finds _CONTINUES_WHEN_LONG adopted
        self.export_event_sourced = False  # until _sources_export_event finds it adopted
        if start.carried is not None:
            self.evaluation = self._evaluate()  # derived state: recomputed, not carried

    # ----- the run: timers and background work -----

    @workflow.run
    async def run(self, start: OrderStart) -> str:
        try:
            await workflow.wait_condition(
                lambda: self.state.created is not None, timeout=start.abandoned_after
            )
        except TimeoutError:
            return "ABANDONED"  # started by a create request that never arrived
        assert self.state.created is not None
        interval = self.state.created.settings.vies_recheck_interval
        while not self._closing():
            if not self.wakes_when_long:
                self.wakes_when_long = adopted(_CONTINUES_WHEN_LONG)
            if self._history_too_long():
                # keep the history bounded for orders that live long (daily re-checks)
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(OrderStart(start.abandoned_after, self.state))
            recheck, finished = self.daily_vies_active, self.finished
            review_at = self.evaluation.review_at if self.evaluation else None
            waits = [interval] if recheck else []
            if review_at is not None:
                waits.append(max(review_at - workflow.now(), timedelta(seconds=1)))
            if finished:  # open for later commands until the retention ends
                waits.append(max(self._retained_until() - workflow.now(), timedelta(seconds=1)))
            timeout = min(waits) if waits else None

            def wake_up(recheck: bool = recheck, finished: bool = finished) -> bool:
                return (
                    self.state.export_requested is not None
                    or self.finished != finished
                    or self.daily_vies_active != recheck
                    # Temporal suggests it for the Updates' count too (before its limit)
                    or (self.wakes_when_long and self._history_too_long())
                )

            try:
                await workflow.wait_condition(
                    wake_up,
                    timeout=timeout,
                    timeout_summary=self._timer_summary(timeout, interval, review_at),
                )
                woken = True
            except TimeoutError:
                woken = False
            if self.state.export_requested is not None:
                await self._generate_export_file()
            elif not woken and review_at is not None and workflow.now() >= review_at:
                # a deadline passed
                await self._commit(ChangeSource.SYSTEM, bump_order=False, answered=False)
            elif not woken and self.daily_vies_active:
                await self._daily_vies_check()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state.status

    def _history_too_long(self) -> bool:
        assert self.state.created is not None
        limit = self.state.created.settings.max_history_events
        info = workflow.info()
        if limit is not None:
            return info.get_current_history_length() > limit
        return info.is_continue_as_new_suggested()

    def _closing(self) -> bool:
        """A cancelled order closes at once; a decided, finished one stays open for the
        commands the contract still allows until its retention ends (before this patch, it
        closed when finished)."""
        if not self.finished:
            return False
        if self.state.status == OrderStatus.CANCELLED or not workflow.patched(
            "order-open-after-final"
        ):
            return True
        return workflow.now() >= self._retained_until()

    def _retained_until(self) -> datetime:
        assert self.state.created is not None and self.state.updated_at is not None
        return self.state.updated_at + self.state.created.settings.retention

    @property
    def finished(self) -> bool:
        """Cancelled, or decided, delivered and finally invoiced with its Export File made."""
        return self.state.status == OrderStatus.CANCELLED or (
            self.decision_final
            and self.state.transport.delivery is not None
            and "FINAL" in self.state.invoices
            and self.state.export_requested is None
            and bool(self.state.export_files)
        )

    def _rule_set(self) -> str:
        """Orders replay with the rule set they ran under; from the first evaluation after a
        deploy, every order (running ones too) uses the newest one.

        Each rule set newer than the order's is asked for, newest first, with
        ``workflow.patched("rule-set-<version>")``. ``patched`` answers once per run and id: an
        order begun before the deploy hears "no" while its history replays and would keep that
        answer, and the old rules, for good. So it asks again under an id of that moment
        (``-at-<history length>``, the same in every replay) until one is answered "yes": the
        first evaluation past the deploy's, which leaves the marker the replays find. A history
        made before a version existed has no marker for it: its replay hears "no" and takes
        the turns it took."""
        for version in RULE_SETS[: RULE_SETS.index(self.rule_set)]:
            if adopted(f"rule-set-{version}"):
                self.rule_set = version
                break
        return self.rule_set

    def _evaluate(self) -> Evaluation:
        self._hear_buyer_vies()
        rule_set = self._rule_set()
        current = evaluate_order(self.state, workflow.now(), rule_set)
        if rule_set == LEGACY_RULE_SET:
            return current
        if self.state.decided is None and current.decision is not None:
            self.state.decided = current
        return held(self.state.decided, current) if self.state.decided is not None else current

    def _hear_buyer_vies(self) -> None:
        """Keep the buyer's last VIES answer before a check or a buyer change overwrites it: the
        answer the order was created with may be the last one before the supply."""
        buyer = self.state.created.buyer if self.state.created else None
        if buyer is None or buyer.vies_last_checked_at is None or buyer.vies_result == "PENDING":
            return
        at = buyer.vies_last_checked_at
        if any(e.checked_at == at for e in (*self.state.vies, *self.state.vies_heard)):
            return
        self.state.vies_heard.append(
            ViesEvidence(at, buyer.vies_result, trader_name=buyer.vies_trader_name, trigger="BUYER")
        )

    def _hear_known_ibans(self, known: list[str] | None) -> None:
        """The payment is judged against the IBANs the buyer paid from before it, as they
        were when it came, not only those known when the order was created (a correction of
        it keeps them: a later order's IBAN was not seen before it)."""
        assert self.state.created is not None
        if known is not None:
            self.state.created.buyer_known_ibans = list(known)

    @property
    def decision_final(self) -> bool:
        return self.evaluation is not None and self.evaluation.decision is not None

    @property
    def final(self) -> bool:
        """Delivered and decided: the order takes only what does not touch its decision."""
        return self.state.transport.delivery is not None and self.decision_final

    @property
    def daily_vies_active(self) -> bool:
        """From ready-for-pickup until delivery is confirmed (the contract's stricter reading)."""
        return (
            self.state.payment is not None
            and self.state.payment.ready_for_pickup
            and self.state.transport.delivery is None
            and self.state.status != OrderStatus.CANCELLED
            and self.state.decided is None  # decided without delivery: evidence came too late
        )

    async def _daily_vies_check(self) -> None:
        """One re-check as a child BuyerViesCheckWorkflow: retried through outages, recorded
        as evidence; UNKNOWN when VIES stays unavailable, which blocks but never decides."""
        assert self.state.created is not None
        settings, buyer = self.state.created.settings, self.state.created.buyer
        self.state.vies_checks_started += 1
        result = await workflow.execute_child_workflow(
            BuyerViesCheckWorkflow.run,
            BuyerViesCheckInput(
                buyer_uuid=buyer.uuid,
                vat_number=buyer.vat_number,
                requester_vat_number=settings.requester_vat_number,
                trigger=ViesTrigger.DAILY,
                retry_initial_interval=settings.vies_retry_initial_interval,
                retry_max_interval=settings.vies_retry_max_interval,
                give_up_after=settings.vies_give_up_after,
                attempt_timeout=settings.vies_attempt_timeout,
            ),
            id=order_vies_check_workflow_id(
                workflow.info().workflow_id, self.state.vies_checks_started
            ),
            static_summary=(
                f"Daily VIES check #{self.state.vies_checks_started} of {buyer.vat_number}"
            ),
        )
        evidence = ViesEvidence(
            result.checked_at,
            str(result.result),
            result.request_identifier,
            result.error_code,
            trader_name=result.trader_name,
        )
        await self._apply_vies(evidence, ChangeSource.SYSTEM)

    async def _apply_vies(self, evidence: ViesEvidence, source: str) -> None:
        assert self.state.created is not None
        if any(e.checked_at == evidence.checked_at for e in self.state.vies):
            return  # the order's own check, heard again through the buyer's notification
        self.state.vies.append(evidence)
        buyer = self.state.created.buyer
        previous = buyer.vies_result
        buyer.vies_last_checked_at = evidence.checked_at
        buyer.vies_result = evidence.result  # UNKNOWN too: the rules read it as VIES_PENDING
        if evidence.result == "INVALID" and not workflow.patched(_VIES_FAILED_WITH_THE_CHECK):
            self._event(
                "kyc.vies_check_failed",
                source,
                {
                    "buyerUuid": buyer.uuid,
                    "orderUuid": self.order_uuid,
                    "vatNumber": buyer.vat_number,
                    "previousResult": previous,
                    "currentResult": evidence.result,
                    "checkedAt": _utc(evidence.checked_at),
                    "reason": vies_failure_reason(evidence.request_identifier),
                },
            )
        await self._commit(source, bump_order=False, answered=False)

    async def _generate_export_file(self) -> None:
        assert self.state.created is not None and self.evaluation is not None
        reason = self.state.export_requested or "Generated"
        requested_by = self.state.export_requested_by or ChangeSource.SYSTEM
        version = (self.state.export_files[-1].version + 1) if self.state.export_files else 1
        self.state.export_requested = self.state.export_requested_by = None
        try:
            generated = await workflow.execute_activity_method(
                ExportFileActivities.generate_export_file,
                self._snapshot_request(version, reason),
                start_to_close_timeout=self.state.created.settings.export_file_timeout,
                retry_policy=RetryPolicy(maximum_attempts=5),
                summary=f"Render Export File v{version} ({self.evaluation.decision}): {reason}",
            )
        except ActivityError:
            self.state.export_failed = True
            await self._commit(ChangeSource.SYSTEM, bump_order=False, answered=False)
            return
        self.state.export_failed = False
        self.state.export_files.append(
            ExportFileVersion(
                version, generated.sha256, generated.generated_at, generated.decision, reason
            )
        )
        self._event(
            "export_file.generated",
            requested_by if self._sources_export_event() else ChangeSource.SYSTEM,
            {
                "orderUuid": self.order_uuid,
                "exportFileVersion": version,
                "decision": generated.decision,
                "generatedAt": _utc(generated.generated_at),
                "downloadUrl": export_file_url(self.state.created.identity, version),
                "sha256": generated.sha256,
            }
            # The contract's `version` here is the Export File's (as in its resource and
            # downloadUrl), not the order's that other events carry
            | ({"version": version} if workflow.patched(_EXPORT_FILE_EVENT_VERSION) else {}),
        )
        await self._commit(ChangeSource.SYSTEM, bump_order=False, answered=False)

    # ----- queries -----

    @workflow.query
    def view(self) -> OrderResources:
        return self._resources()

    @workflow.query
    def evidence_head(self) -> str | None:
        """The evidence chain head this history recorded at the order's last change."""
        return self.state.chain_head

    # ----- commands -----

    @workflow.update
    async def create(self, command: CreateOrder) -> CommandResult:
        if self.state.created is not None:  # update-with-start on an existing order: a repeat
            return self._answer(Resource.ORDER, self.state.version)
        self.state.created = command
        self.state.created_at = self.state.updated_at = workflow.now()
        identity: list[SearchAttributeUpdate] = [
            sa.ORGANIZATION.value_set(command.identity.organization_uuid),
            sa.PARTNER.value_set(command.identity.partner_uuid),
            sa.EXTERNAL_ORDER_ID.value_set(command.identity.external_order_id),
            sa.VINS.value_set([v.vin for v in command.vins]),
            sa.BUYER_VAT_NUMBER.value_set(command.buyer.vat_number),
        ]
        if not workflow.patched(_INDEX_ON_CHANGE):
            workflow.upsert_search_attributes(identity)
            identity = []
        await self._commit(command.source, bump_order=False, index=identity)
        return self._answer(Resource.ORDER, self.state.version, created=True)

    @create.validator
    def _validate_create(self, command: CreateOrder) -> None:
        if self.state.created is not None and command.fingerprint != self.state.created.fingerprint:
            raise self._refuse(
                Refused.EXISTS_WITH_OTHER_DATA,
                f"Order {command.identity.external_order_id} exists with another body; "
                "change it with PATCH.",
                shown=Resource.ORDER,
            )

    @workflow.update
    async def patch_order(self, command: PatchOrder) -> CommandResult:
        assert self.state.created is not None
        given = {
            "responsible_contact": command.responsible_contact,
            "purchase_date": command.purchase_date,
        }
        if self._apply_patch(self.state.created, given):
            await self._commit(command.source)
        return self._answer(Resource.ORDER, self.state.version)

    @patch_order.validator
    def _validate_patch_order(self, command: PatchOrder) -> None:
        # a final order's responsible contact may still change: the decision does not rest
        # on it. Its purchase date may not: the decision made on it is held (section 12)
        self._require_open(allow_terminal=True)
        self._require_version(command.expected_version, self.state.version, Resource.ORDER)
        assert self.state.created is not None
        purchase_date = command.purchase_date
        if self.final and purchase_date not in (None, self.state.created.purchase_date):
            assert purchase_date is not None
            raise self._refuse(
                Refused.ORDER_FINAL,
                "The order is final: its decision is held, so the purchase date it was decided "
                "on can no longer change; only the responsible contact may.",
                shown=Resource.ORDER,
                errors=[
                    FieldIssue(
                        "purchase_date",
                        "cannot change: the order is final and its decision is held",
                        purchase_date.isoformat(),
                    )
                ],
            )

    @workflow.update
    async def cancel(self, command: CancelOrder) -> CommandResult:
        self.state.status = OrderStatus.CANCELLED
        self.state.cancellation_reason = command.reason
        await self._commit(command.source)
        return self._answer(Resource.ORDER, self.state.version)

    @cancel.validator
    def _validate_cancel(self, command: CancelOrder) -> None:
        self._require_created()
        if self.state.status == OrderStatus.CANCELLED:
            raise self._refuse(
                Refused.ORDER_CANCELLED, "The order is already cancelled.", shown=Resource.ORDER
            )
        if self.state.transport.pickup is not None or self.state.status not in CANCELLABLE:
            raise self._refuse(
                Refused.NOT_CANCELLABLE,
                "An order can be cancelled only before pickup.",
                shown=Resource.ORDER,
            )

    @workflow.update
    async def submit_invoice(self, command: SubmitInvoice) -> CommandResult:
        invoice = command.invoice
        existing = self.state.invoices.get(invoice.type)
        if existing is not None:
            return self._answer(Resource.INVOICE, existing.version, key=existing.type)
        invoice.updated_at = workflow.now()
        self.state.invoices[invoice.type] = invoice
        if invoice.type == "PRELIMINARY":
            self._advance(OrderStatus.INVOICE_SUBMITTED)
        else:
            self._request_export("Final invoice received", command.source)
        await self._commit(command.source)
        return self._answer(Resource.INVOICE, invoice.version, key=invoice.type, created=True)

    @submit_invoice.validator
    def _validate_submit_invoice(self, command: SubmitInvoice) -> None:
        self._require_open(allow_terminal=command.final)
        invoice = command.invoice
        if invoice.type == "FINAL" and not command.final:
            raise self._refuse(
                Refused.FINAL_INVOICE_ELSEWHERE,
                "A final invoice comes with the order's finalization, once it is decided.",
                errors=[FieldIssue("invoice_type", "only with the finalization", "FINAL")],
            )
        if command.final:
            if not self.decision_final:
                raise self._refuse(
                    Refused.NOT_DECIDED,
                    "The final invoice is accepted once the compliance decision is known.",
                )
            self._require_final_invoice_fits(
                invoice.vat_included, invoice.margin_scheme, invoice.amount
            )
        existing = self.state.invoices.get(invoice.type)
        if existing is not None and _invoice_key(existing) != _invoice_key(invoice):
            raise self._refuse(
                Refused.EXISTS_WITH_OTHER_DATA,
                f"A {invoice.type} invoice exists with other data; change it with PATCH.",
                shown=Resource.INVOICE,
                key=existing.type,
            )

    @workflow.update
    async def patch_invoice(self, command: PatchInvoice) -> CommandResult:
        invoice = self.state.invoices[command.type]
        fields = ("invoice_date", "invoice_number", "vat_included", "amount", "margin_scheme")
        if self._apply_patch(invoice, {name: getattr(command, name) for name in fields}):
            invoice.version += 1
            invoice.updated_at = workflow.now()
            if adopted(_INVOICE_CORRECTION_RECORDED):
                invoice.corrected_at = invoice.updated_at
            await self._commit(command.source)
        return self._answer(Resource.INVOICE, invoice.version, key=invoice.type)

    @patch_invoice.validator
    def _validate_patch_invoice(self, command: PatchInvoice) -> None:
        self._require_open(allow_terminal=command.type == "FINAL")
        invoice = self.state.invoices.get(command.type)
        if invoice is None:
            raise self._refuse(Refused.NO_INVOICE, f"The order has no {command.type} invoice.")
        if command.type == "FINAL" and (
            command.vat_included is not None
            or command.margin_scheme is not None
            or command.amount is not None
        ):
            self._require_final_invoice_fits(
                invoice.vat_included if command.vat_included is None else command.vat_included,
                invoice.margin_scheme if command.margin_scheme is None else command.margin_scheme,
                invoice.amount if command.amount is None else command.amount,
            )
        self._require_version(
            command.expected_version, invoice.version, Resource.INVOICE, key=invoice.type
        )

    @workflow.update
    async def submit_payment(self, command: SubmitPayment) -> CommandResult:
        if self.state.payment is not None:
            return self._answer(Resource.PAYMENT, self.state.payment.version)
        self.state.payment = command.payment
        self.state.payment.updated_at = workflow.now()
        self._hear_known_ibans(command.buyer_known_ibans)
        self._advance(OrderStatus.PAYMENT_SUBMITTED)
        await self._commit(command.source)
        return self._answer(Resource.PAYMENT, self.state.payment.version, created=True)

    @submit_payment.validator
    def _validate_submit_payment(self, command: SubmitPayment) -> None:
        self._require_open()
        if self.state.payment is not None and _payment_key(self.state.payment) != _payment_key(
            command.payment
        ):
            raise self._refuse(
                Refused.EXISTS_WITH_OTHER_DATA,
                "A payment exists with other data; change it with PATCH.",
                shown=Resource.PAYMENT,
            )

    @workflow.update
    async def patch_payment(self, command: PatchPayment) -> CommandResult:
        payment = self.state.payment
        assert payment is not None
        fields = ("payment_date", "bank_amount", "cash_amount", "source_iban")
        changed = self._apply_patch(payment, {name: getattr(command, name) for name in fields})
        if command.new_iban_declared is not None:
            declared = payment.source_iban if command.new_iban_declared else None
            if declared != payment.declared_new_iban:
                payment.declared_new_iban, changed = declared, True
        if changed:
            payment.version += 1
            payment.updated_at = workflow.now()
            if adopted(_PAYMENT_CORRECTION_RECORDED):
                payment.corrected_at = payment.updated_at
            await self._commit(command.source)
        return self._answer(Resource.PAYMENT, payment.version)

    @patch_payment.validator
    def _validate_patch_payment(self, command: PatchPayment) -> None:
        self._require_open()
        if self.state.payment is None:
            raise self._refuse(Refused.NO_PAYMENT, "The order has no payment yet.")
        self._require_version(
            command.expected_version, self.state.payment.version, Resource.PAYMENT
        )

    @workflow.update
    async def ready_for_pickup(self, command: ReadyForPickup) -> CommandResult:
        assert self.state.payment is not None
        if not self.state.payment.ready_for_pickup:
            self.state.payment.ready_for_pickup = True
            self.state.payment.version += 1
            self.state.payment.updated_at = workflow.now()
            self._advance(OrderStatus.READY_FOR_PICKUP)
            await self._commit(command.source)
        return self._answer(Resource.PAYMENT, self.state.payment.version)

    @ready_for_pickup.validator
    def _validate_ready_for_pickup(self, command: ReadyForPickup) -> None:
        # a repeat answers the payment and changes nothing, whatever happened since (the
        # contract's "safe to call repeatedly ... no error on repeat"): asked before the order's
        # state, which may since have made it final
        self._require_created()
        if self.state.payment is not None and self.state.payment.ready_for_pickup:
            return
        self._require_open()
        if self.state.payment is None:
            raise self._refuse(
                Refused.PAYMENT_FIRST, "Submit the payment before marking it ready for pickup."
            )
        evaluation = self.evaluation
        if evaluation is None or not evaluation.payment_covers_invoice:
            raise self._refuse(
                Refused.PAYMENT_NOT_COVERING_INVOICE,
                "The payment does not cover the invoice yet: ready-for-pickup needs a "
                "preliminary invoice and a payment whose bank and cash amounts add up to it.",
                shown=Resource.PAYMENT,
            )

    @workflow.update
    async def confirm_pickup(self, command: ConfirmPickup) -> CommandResult:
        pickup = command.pickup
        pickup.confirmed_at = workflow.now()
        self.state.transport.pickup = pickup
        self._touch_transport()
        self._advance(OrderStatus.TRANSPORT_IN_PROGRESS, force=True)
        await self._commit(command.source)
        return self._answer(Resource.TRANSPORT, self.state.transport.version)

    @confirm_pickup.validator
    def _validate_confirm_pickup(self, command: ConfirmPickup) -> None:
        # a second pickup is the milestone already set, with the transport to see, whatever
        # happened since (the contract's "any second call"), as a second delivery is
        self._require_created()
        if self.state.transport.pickup is not None:
            raise self._refuse(
                Refused.PICKUP_ALREADY_CONFIRMED,
                "Pickup is already confirmed; revoke it first to correct it.",
                shown=Resource.TRANSPORT,
            )
        self._require_open()
        if self.state.payment is None or not self.state.payment.ready_for_pickup:
            raise self._refuse(
                Refused.NOT_READY_FOR_PICKUP,
                "The order is not ready for pickup yet (POST .../payment/ready-for-pickup).",
                shown=Resource.TRANSPORT,
            )

    @workflow.update
    async def revoke_pickup(self, command: RevokePickup) -> CommandResult:
        assert self.state.transport.pickup is not None
        self.state.transport.revocations.append(
            Revocation(command.reason, workflow.now(), self.state.transport.pickup)
        )
        self.state.transport.pickup = None
        self._touch_transport()
        self.state.status = OrderStatus.READY_FOR_PICKUP
        await self._commit(command.source)
        return self._answer(Resource.TRANSPORT, self.state.transport.version)

    @revoke_pickup.validator
    def _validate_revoke_pickup(self, command: RevokePickup) -> None:
        self._require_created()
        if self.state.transport.delivery is not None:
            raise self._refuse(
                Refused.ALREADY_DELIVERED,
                "Delivery is confirmed: the pickup can no longer be revoked.",
                shown=Resource.TRANSPORT,
            )
        if self.state.transport.pickup is None:
            raise self._refuse(
                Refused.NO_PICKUP,
                "There is no confirmed pickup to revoke.",
                shown=Resource.TRANSPORT,
            )

    @workflow.update
    async def confirm_delivery(self, command: ConfirmDelivery) -> CommandResult:
        delivery = command.delivery
        delivery.confirmed_at = workflow.now()
        self.state.transport.delivery = delivery
        self._touch_transport()
        self._advance(OrderStatus.TRANSPORT_COMPLETED, force=True)
        await self._commit(command.source)
        return self._answer(Resource.TRANSPORT, self.state.transport.version)

    @confirm_delivery.validator
    def _validate_confirm_delivery(self, command: ConfirmDelivery) -> None:
        self._require_created()
        if self.state.transport.delivery is not None:
            raise self._refuse(
                Refused.DELIVERY_ALREADY_CONFIRMED,
                "Delivery is already confirmed.",
                shown=Resource.TRANSPORT,
            )
        if self.state.transport.pickup is None:
            raise self._refuse(
                Refused.NO_PICKUP,
                "Delivery needs a confirmed pickup.",
                shown=Resource.TRANSPORT,
            )
        picked_up_on = self.state.transport.pickup.pickup_date
        if command.delivery.delivery_date < picked_up_on:
            raise self._refuse(
                Refused.DELIVERY_BEFORE_PICKUP,
                f"The delivery date is before the pickup date {picked_up_on}.",
                errors=[
                    FieldIssue(
                        "delivery_date",
                        f"must not be before the pickup date {picked_up_on}",
                        command.delivery.delivery_date.isoformat(),
                    )
                ],
            )

    @workflow.update
    async def attach_document(self, command: AttachDocument) -> CommandResult:
        document = command.document
        document.created_at = workflow.now()
        per_vin = self._per_vin()
        for earlier in self.state.documents:
            if earlier.type != document.type or earlier.status != "ACTIVE":
                continue
            if not per_vin or self._covers_all_of(document, earlier):
                earlier.status = "SUPERSEDED"  # kept for audit; it no longer counts
        self.state.documents.append(document)
        await self._commit(command.source, bump_order=False)
        return self._answer(Resource.DOCUMENT, self.state.version, key=document.uuid, created=True)

    def _per_vin(self) -> bool:
        """Whether a document supersedes only what it covers (``_SUPERSEDE_PER_VIN``).

        ``patched`` answers once per run and id: an order that attached a document before the
        deploy hears "no" while that replays, and would keep superseding by type alone for the
        rest of its run, multi-VIN orders in progress included. So, as ``_rule_set``, it asks
        again under an id of the moment (``-at-<history length>``, the same in every replay)
        until one is answered "yes", and keeps that answer."""
        if not self.supersede_per_vin:
            self.supersede_per_vin = adopted(_SUPERSEDE_PER_VIN)
        return self.supersede_per_vin

    def _covers_all_of(self, document: DocumentRef, earlier: DocumentRef) -> bool:
        """Whether ``document`` covers every VIN ``earlier`` covers (no VINs named: all of the
        order's). Anything less leaves ``earlier`` the evidence for the VINs only it covers, so
        it stays active: a partial overlap supersedes nothing."""
        if document.vins is None:
            return True
        assert self.state.created is not None
        covered = (
            {v.vin for v in self.state.created.vins} if earlier.vins is None else set(earlier.vins)
        )
        return covered <= set(document.vins)

    @attach_document.validator
    def _validate_attach_document(self, command: AttachDocument) -> None:
        self._require_created()
        if self.state.status == OrderStatus.CANCELLED:
            raise self._refuse(Refused.ORDER_CANCELLED, "The order is cancelled.")
        if any(d.uuid == command.document.uuid for d in self.state.documents):
            raise self._refuse(
                Refused.DOCUMENT_ALREADY_ATTACHED, "This document is already attached."
            )

    @workflow.update
    async def regenerate_export(self, command: RegenerateExport) -> CommandResult:
        self._request_export(command.reason, command.source)
        return self._answer(Resource.EXPORT_FILE_REQUESTED, self.state.version)

    @regenerate_export.validator
    def _validate_regenerate_export(self, command: RegenerateExport) -> None:
        self._require_created()
        if not self.decision_final:
            raise self._refuse(
                Refused.NOT_DECIDED,
                "The Export File is NOT_ELIGIBLE: compliance is not VALID or INVALID yet.",
            )

    @workflow.update
    async def redecide(self, command: Redecide) -> CommandResult:
        """Staff decide again: the held decision is dropped and the rules judge today's facts;
        a decision they reach gets a new Export File version naming the reason."""
        assert self.evaluation is not None
        # first, as nothing has changed yet: a store away fails the command, and only it
        if adopted("redecision-hears-vies-answers"):
            await self._hear_vies_answers_since_creation()
        self.state.redecisions.append(
            Redecision(
                command.reason,
                command.staff,
                workflow.now(),
                self.evaluation.decision,
                command.source,
            )
        )
        # no decision held: _commit reads the buyer as it is now before the rules judge (a
        # decided order hears no more of its buyer's changes, nor of its VIES answers: read
        # above)
        self.state.decided = None
        await self._commit(
            command.source,
            bump_order=False,
            redecided=f"Decided again by {command.staff}: {command.reason}",
        )
        return self._answer(Resource.ORDER, self.state.version)

    @redecide.validator
    def _validate_redecide(self, command: Redecide) -> None:
        self._require_created()
        if self.state.status == OrderStatus.CANCELLED:
            raise self._refuse(
                Refused.ORDER_CANCELLED, "The order is cancelled.", shown=Resource.ORDER
            )
        if self.state.decided is None:
            raise self._refuse(
                Refused.NO_DECISION_TO_REMAKE,
                "The order has no decision to make again: the rules decide it as facts arrive.",
                shown=Resource.ORDER,
            )
        if not command.reason.strip() or not command.staff.strip():
            raise self._refuse(
                Refused.REDECISION_UNEXPLAINED,
                "A re-decision needs a reason and the staff member who makes it.",
                errors=[FieldIssue("reason", "must not be empty", command.reason)],
            )
        if len(command.reason) > REDECISION_REASON_LENGTH:
            raise self._refuse(
                Refused.REDECISION_REASON_TOO_LONG,
                f"A re-decision's reason is at most {REDECISION_REASON_LENGTH} characters.",
                errors=[
                    FieldIssue(
                        "reason",
                        f"must be at most {REDECISION_REASON_LENGTH} characters",
                        command.reason,
                    )
                ],
            )

    @workflow.signal(name=BUYER_CHANGED)
    async def buyer_changed(self, change: BuyerChanged) -> None:
        """The buyer's KYC, VIES result or status changed: re-evaluate without a client call.

        The buyer is read as it is now rather than taken from the signal: two changes' signals
        may arrive in another order than their changes were made (a VIES answer's copy of the
        buyer, read before a block, arriving after the block's), and the older copy would undo
        the newer one."""
        created = self.state.created
        if created is None or self.state.status == OrderStatus.CANCELLED:
            return
        now = await self._current_buyer() if self._reads_buyer() else None
        created.buyer = now or change.buyer
        if change.vies is not None:
            await self._apply_vies(change.vies, change.source)
        else:
            await self._commit(change.source, bump_order=False, answered=False)

    async def _current_buyer(self) -> BuyerRef | None:
        """The buyer as the store holds it now; None when it cannot be read (the store away
        past the write budget): a failure here would fail a signal's whole workflow."""
        created = self.state.created
        assert created is not None
        try:
            return await workflow.execute_local_activity_method(
                OrderStoreActivities.current_buyer,
                BuyerAsked(created.buyer.uuid),
                start_to_close_timeout=created.settings.activity_timeout,
                schedule_to_close_timeout=created.settings.read_model_write_budget,
                summary="Read the buyer as it is now",
            )
        except STORE_AWAY:
            return None

    async def _hear_vies_answers_since_creation(self) -> None:
        """The buyer's VIES answers the order was not told of, as the store records them: a
        decided order hears no more of its buyer, so an answer INVALID during the transport,
        given after an INVALID decision at the deadline, would be missed by its re-decision."""
        created, since = self.state.created, self.state.created_at
        assert created is not None and since is not None
        answers = await workflow.execute_local_activity_method(
            OrderStoreActivities.buyer_vies_answers,
            BuyerViesAsked(created.buyer.uuid, since),
            start_to_close_timeout=created.settings.activity_timeout,
            schedule_to_close_timeout=created.settings.read_model_write_budget,
            summary="Read the buyer's VIES answers since the order was created",
        )
        heard = {e.checked_at for e in (*self.state.vies, *self.state.vies_heard)}
        self.state.vies_heard.extend(e for e in answers if e.checked_at not in heard)

    async def _read_buyer_before_deciding(self) -> None:
        """A delivered order not decided yet may decide at this change: it reads its buyer
        first, so a change it was not told of (Temporal away when the API signalled, a block
        committed while it was being created) cannot let it decide on the buyer it last
        heard of. Before the delivery nothing decides VALID."""
        created = self.state.created
        assert created is not None
        if self.state.decided is not None or self.state.transport.delivery is None:
            return
        if self._reads_buyer() and (now := await self._current_buyer()) is not None:
            created.buyer = now

    # ----- the one place state becomes durable -----

    async def _commit(
        self,
        source: str,
        bump_order: bool = True,
        redecided: str | None = None,
        index: list[SearchAttributeUpdate] | None = None,
        answered: bool = True,
    ) -> None:
        """Re-evaluate, record events, write the read model; the answer waits for it.
        ``redecided``: the reason of a staff re-decision, for the Export File it produces;
        ``index``: search attributes to upsert with the statuses (the order's identity);
        ``answered``: a command's change, whose answer says when its write failed (a timer's or
        a signal's has no one to tell, and waits for the store instead)."""
        assert self.state.created is not None
        await self._read_buyer_before_deciding()
        now, before = workflow.now(), self.state.updated_at
        if bump_order:
            self.state.version += 1
        self.state.revision += 1
        self.state.updated_at = now
        previous = self.evaluation
        self.evaluation = self._evaluate()
        rollup_changed = previous is None or _rollup_key(previous) != _rollup_key(self.evaluation)
        if self._follows_content():
            # the events are built once every version has moved: they carry the order's after
            if rollup_changed:
                self.state.compliance_version += 1
                if _decided_now(previous, self.evaluation):
                    self._request_export("Compliance decision made", source)
            if redecided is not None and self.evaluation.decision is not None:
                self._request_export(redecided, source)
            self._settle_status()
            self._follow_content(before, bump_order, rollup_changed)
            if rollup_changed:
                self._rollup_events(previous, self.evaluation, source, request_export=False)
        else:
            if rollup_changed:
                self.state.compliance_version += 1
                self._rollup_events(previous, self.evaluation, source)
            if redecided is not None and self.evaluation.decision is not None:
                # a new version even when the decision is the same
                self._request_export(redecided, source)
            self._settle_status()
        statuses = (self.state.status, self.evaluation.compliance_status)
        if not workflow.patched(_INDEX_ON_CHANGE):
            self.indexed = None  # upserted on every write
        if index or statuses != self.indexed:
            workflow.upsert_search_attributes(
                [
                    *(index or []),
                    sa.ORDER_STATUS.value_set(str(self.state.status)),
                    sa.COMPLIANCE_STATUS.value_set(str(self.evaluation.compliance_status)),
                ]
            )
            self.indexed = statuses
        events, self.pending_events = self.pending_events, []
        workflow.set_current_details(self._details())
        revision, snapshot = self.state.revision, self._snapshot(events, source)
        settings = self.state.created.settings
        summary = (
            f"Write revision {revision} ({source}): {self.state.status}, "
            f"{self.evaluation.compliance_status}"
            + (f", {', '.join(e.type for e in events)}" if events else "")
        )
        while True:
            try:
                head = await workflow.execute_local_activity_method(
                    OrderStoreActivities.write_order,
                    snapshot,
                    start_to_close_timeout=settings.activity_timeout,
                    # a database that stays down fails the command rather than holding it
                    schedule_to_close_timeout=settings.read_model_write_budget,
                    summary=summary,
                )
                break
            except STORE_AWAY:
                # a command's answer says it failed; a timer's or a signal's change has no one
                # to answer, and the failure would end the order's workflow: it waits for the
                # store and writes the same revision again
                if answered or not workflow.patched(_WRITE_OUTLASTS_AN_OUTAGE):
                    raise
                await workflow.sleep(settings.read_model_write_budget, summary="Store away")
        # Handlers interleave at this await: writes of two commands can finish out of order.
        # The head kept is that of the highest revision written, as the read model keeps it.
        if revision > self.head_revision:
            self.state.chain_head, self.head_revision = head, revision

    def _details(self) -> str:
        """What an operator sees first in the Temporal UI: the order, where it stands, what
        blocks it and what it waits for (Markdown)."""
        assert self.state.created is not None and self.evaluation is not None
        created, evaluation = self.state.created, self.evaluation
        buyer = created.buyer
        decision = f" → **{evaluation.decision}**" if evaluation.decision else ""
        lines = [
            f"**Order {created.identity.external_order_id}** · "
            f"{', '.join(v.vin for v in created.vins)}",
            f"Seller {created.identity.seller_name or created.identity.partner_uuid} "
            f"({created.identity.seller_country}) · buyer {buyer.company_name} "
            f"({buyer.vat_number})",
            f"Status **{self.state.status}** · compliance "
            f"**{evaluation.compliance_status}**{decision} (rule set {evaluation.rule_set})",
        ]
        if evaluation.blockers:
            lines.append("Blockers:")
            lines += [f"- `{b.code}` ({b.module}): {b.message}" for b in evaluation.blockers]
        waiting = [
            f"daily VIES re-check every {created.settings.vies_recheck_interval}"
            if self.daily_vies_active
            else None,
            f"deadline at {_utc(evaluation.review_at)}" if evaluation.review_at else None,
            f"Export File: {self.state.export_requested}" if self.state.export_requested else None,
        ]
        if any(waiting):
            lines.append("Waiting for: " + "; ".join(w for w in waiting if w))
        return "\n\n".join(lines)

    def _timer_summary(
        self, timeout: timedelta | None, interval: timedelta, review_at: datetime | None
    ) -> str | None:
        if timeout is None:
            return None
        if review_at is not None and review_at - workflow.now() <= timeout:
            return f"Deadline at {_utc(review_at)} (statement or transport evidence)"
        if self.daily_vies_active and timeout == interval:
            return "Next daily VIES re-check"
        return "Retention of a finished order ends"

    def _reads_buyer(self) -> bool:
        """Whether a buyer change is read from the store (``_BUYER_READ_WHEN_TOLD``), asked as
        ``_per_vin`` asks."""
        if not self.reads_buyer:
            self.reads_buyer = adopted(_BUYER_READ_WHEN_TOLD)
        return self.reads_buyer

    def _follows_content(self) -> bool:
        """Whether versions follow the content (``_VERSIONS_FOLLOW_CONTENT``), asked as
        ``_per_vin`` asks: an order begun before the deploy hears "no" while its history
        replays, so it asks again under an id of the moment until one is answered "yes"."""
        if not self.versions_follow_content:
            self.versions_follow_content = adopted(_VERSIONS_FOLLOW_CONTENT)
        return self.versions_follow_content

    def _follow_content(
        self, before: datetime | None, bump_order: bool, rollup_changed: bool
    ) -> None:
        """Give each resource whose content moved in this change, and whose version the command
        did not already move, its next version (at most one per change), and the order and the
        rollup their time of change. A new order's first change takes its content as it is. An
        order begun before versions followed the content has nothing to compare its first change
        after the deploy with, and that change may have moved any of its resources unversioned:
        each resource the change did not version takes a new version then (a refetch too many
        rather than a 304 on content that changed)."""
        now, shown = workflow.now(), self.state.shown
        adopting = not shown and self.state.revision > 1
        if ORDER not in shown:
            self.state.order_changed_at = now if bump_order or adopting else before
            self.state.compliance_changed_at = now if rollup_changed or adopting else before
        for name, digest in shown_digests(self._resources()).items():
            last = shown.get(name)
            if last is None:
                if adopting and not self._versioned_now(name, bump_order, rollup_changed):
                    self._bump(name)
            elif last.digest != digest and last.version == self._version_of(name):
                self._bump(name)
            version = self._version_of(name)
            if last is not None and last.version != version:
                if name == ORDER:
                    self.state.order_changed_at = now
                elif name == COMPLIANCE:
                    self.state.compliance_changed_at = now
            shown[name] = Shown(digest, version)

    def _versioned_now(self, name: str, bump_order: bool, rollup_changed: bool) -> bool:
        """Whether this change's command (or its rollup) already gave ``name`` a new version."""
        if name == ORDER:
            return bump_order
        if name == COMPLIANCE:
            return rollup_changed
        return self._sub_resource(name).updated_at == workflow.now()

    def _version_of(self, name: str) -> int:
        if name == ORDER:
            return self.state.version
        if name == COMPLIANCE:
            return self.state.compliance_version
        return self._sub_resource(name).version

    def _bump(self, name: str) -> None:
        """The next version of the resource ``name``, changed now (the order's and the rollup's
        time of change: set by ``_follow_content``)."""
        if name == ORDER:
            self.state.version += 1
        elif name == COMPLIANCE:
            self.state.compliance_version += 1
        else:
            changed = self._sub_resource(name)
            changed.version += 1
            changed.updated_at = workflow.now()

    def _sub_resource(self, name: str) -> Invoice | Payment | Transport:
        """The invoice, payment or transport named ``name``: each keeps its version."""
        if name == TRANSPORT:
            return self.state.transport
        if name == PAYMENT:
            assert self.state.payment is not None
            return self.state.payment
        return self.state.invoices[invoice_kind(name)]

    def _rollup_events(
        self,
        previous: Evaluation | None,
        current: Evaluation,
        source: str,
        request_export: bool = True,
    ) -> None:
        before = previous.compliance_status if previous else None
        if before != current.compliance_status and before is not None:
            self._event(
                "compliance.status_changed",
                source,
                {
                    "orderUuid": self.order_uuid,
                    "previousStatus": before,
                    "currentStatus": current.compliance_status,
                    "blockers": [vars(b) for b in current.blockers],
                },
            )
        if _decided_now(previous, current):
            self._event(
                "compliance.decision_made",
                source,
                {
                    "orderUuid": self.order_uuid,
                    "decision": current.decision,
                    "complianceStatus": current.compliance_status,
                },
            )
            if request_export:
                self._request_export("Compliance decision made", source)

    def _request_export(self, reason: str, source: str) -> None:
        """Ask the run for a new Export File version, for ``reason``, on the change of
        ``source`` (a later request before it is made takes it over, as it does the reason)."""
        self.state.export_requested = reason
        self.state.export_requested_by = source

    def _sources_export_event(self) -> bool:
        """Whether export_file.generated takes the source of the change that requested it
        (``_EXPORT_FILE_EVENT_SOURCE``), asked as ``_per_vin`` asks: an order that generated
        an Export File before the deploy hears "no" while that replays, and would keep saying
        SYSTEM for the rest of its run."""
        if not self.export_event_sourced:
            self.export_event_sourced = adopted(_EXPORT_FILE_EVENT_SOURCE)
        return self.export_event_sourced

    def _settle_status(self) -> None:
        assert self.evaluation is not None
        if self.state.status == OrderStatus.CANCELLED:
            return
        if self.evaluation.compliance_status == ComplianceStatus.INVALID:
            self.state.status = OrderStatus.COMPLIANCE_INVALID
        elif self.evaluation.compliance_status == ComplianceStatus.VALID:
            self.state.status = OrderStatus.COMPLIANCE_VALID
        elif self.state.status in (OrderStatus.COMPLIANCE_VALID, OrderStatus.COMPLIANCE_INVALID):
            # a correction reopened the rollup: back to where the lifecycle stands
            self.state.status = self._lifecycle_status()

    def _lifecycle_status(self) -> OrderStatus:
        if self.state.transport.delivery:
            return OrderStatus.TRANSPORT_COMPLETED
        if self.state.transport.pickup:
            return OrderStatus.TRANSPORT_IN_PROGRESS
        if self.state.payment and self.state.payment.ready_for_pickup:
            return OrderStatus.READY_FOR_PICKUP
        if self.state.payment:
            return OrderStatus.PAYMENT_SUBMITTED
        if "PRELIMINARY" in self.state.invoices:
            return OrderStatus.INVOICE_SUBMITTED
        return OrderStatus.CREATED

    def _event(self, type_: str, source: str, data: dict) -> None:
        """An event about the order: its data carry the order's version unless they name
        their own."""
        assert self.state.created is not None
        self.pending_events.append(
            PendingEvent(
                id=f"evt_{workflow.uuid4().hex}",
                type=type_,
                source=source,
                created_at=workflow.now(),
                data=data | {"version": data.get("version", self.state.version)},
            )
        )

    # ----- small helpers -----

    @property
    def order_uuid(self) -> str:
        assert self.state.created is not None
        return self.state.created.identity.order_uuid

    def _snapshot(self, events: list[PendingEvent], source: str) -> OrderSnapshot:
        created, evaluation = self.state.created, self.evaluation
        assert created is not None and evaluation is not None
        assert self.state.created_at is not None and self.state.updated_at is not None
        return OrderSnapshot(
            identity=created.identity,
            revision=self.state.revision,
            status=self.state.status,
            compliance_status=evaluation.compliance_status,
            version=self.state.version,
            fingerprint=created.fingerprint,
            created_at=self.state.created_at,
            updated_at=self.state.updated_at,
            vins=[v.vin for v in created.vins],
            resources=self._resources(),
            rule_outcomes=[dict(vars(r)) for r in evaluation.rule_outcomes],
            documents=list(self.state.documents),
            events=events,
            source=source,
            rule_set=evaluation.rule_set,
        )

    def _snapshot_request(self, version: int, reason: str) -> ExportFileRequest:
        assert self.state.created is not None and self.evaluation is not None
        return ExportFileRequest(
            identity=self.state.created.identity,
            version=version,
            reason=reason,
            generated_at=workflow.now(),
            status=self.state.status,
            purchase_date=self.state.created.purchase_date,
            total_amount=self.state.created.total_amount,
            vins=self.state.created.vins,
            invoices=list(self.state.invoices.values()),
            payment=self.state.payment,
            transport=self.state.transport,
            evaluation=self.evaluation,
        )

    def _advance(self, status: OrderStatus, force: bool = False) -> None:
        """Move forward in the lifecycle; earlier commands never move it back."""
        if self.state.status in CLOSED and not force:
            return
        if force or LIFECYCLE.index(status) > LIFECYCLE.index(
            self.state.status if self.state.status in LIFECYCLE else OrderStatus.CREATED
        ):
            self.state.status = status

    def _apply_patch(self, target: object, given: Mapping[str, object]) -> bool:
        """Set the PATCH's given values (None: not given) on ``target``; whether it is a change
        to write and version."""
        changes = {n: v for n, v in given.items() if v is not None and v != getattr(target, n)}
        for name, value in changes.items():
            setattr(target, name, value)
        return bool(changes) or not workflow.patched(_UNCHANGED_PATCH)

    def _touch_transport(self) -> None:
        self.state.transport.version += 1
        self.state.transport.updated_at = workflow.now()

    def _require_created(self) -> None:
        if self.state.created is None:
            raise self._refuse(Refused.ORDER_NOT_FOUND, "The order does not exist.")

    def _require_open(self, allow_terminal: bool = False) -> None:
        self._require_created()
        if self.state.status == OrderStatus.CANCELLED:
            raise self._refuse(
                Refused.ORDER_CANCELLED, "The order is cancelled.", shown=Resource.ORDER
            )
        if not allow_terminal and self.final:
            raise self._refuse(
                Refused.ORDER_FINAL, "The order is final; only the final invoice may follow."
            )

    def _require_final_invoice_fits(
        self, vat_included: bool, margin_scheme: bool, amount: Money
    ) -> None:
        """The final invoice follows the decision: VAT when it applies, none when exempt, and
        an exempt supply is not under the margin scheme; it is in the order's currency, and
        without VAT it is the order total (the decided order no longer hears the rules on it,
        so it is refused here rather than left to them)."""
        assert self.evaluation is not None and self.state.created is not None
        decision = self.evaluation.decision
        total = self.state.created.total_amount
        if amount.currency != total.currency or (not vat_included and amount.value != total.value):
            must = "be the order total" if not vat_included else f"be in {total.currency}"
            raise self._refuse(
                Refused.FINAL_INVOICE_AMOUNT,
                f"The final invoice is {amount.value} {amount.currency} (minor units), the "
                f"order total {total.value} {total.currency}: a final invoice is in the "
                "order's currency and, without VAT, for the order total.",
                errors=[FieldIssue("amount", f"must {must}", amount.value)],
            )
        if decision == Decision.VALID_EXPORT and margin_scheme:
            raise self._refuse(
                Refused.FINAL_INVOICE_VAT,
                "The decision is VALID_EXPORT: a supply under the margin scheme is taxed in the "
                "member state of origin (Art. 139(3)), so the final invoice of an exempt supply "
                "is not under it.",
                errors=[FieldIssue("margin_scheme", "must be false for an exempt supply", True)],
            )
        if decision == Decision.VAT_APPLICABLE and not vat_included:
            raise self._refuse(
                Refused.FINAL_INVOICE_VAT,
                "The decision is VAT_APPLICABLE: the final invoice must charge VAT.",
                errors=[FieldIssue("vat_included", "must be true when VAT applies", False)],
            )
        if decision == Decision.VALID_EXPORT and vat_included:
            raise self._refuse(
                Refused.FINAL_INVOICE_VAT,
                "The decision is VALID_EXPORT: VAT shown on an invoice is owed (Art. 203), so "
                "the final invoice of an exempt supply charges none and cites the exemption.",
                errors=[FieldIssue("vat_included", "must be false for an exempt supply", True)],
            )

    def _require_version(
        self, expected: int, current: int, shown: Resource, key: str | None = None
    ) -> None:
        if expected != current:
            raise self._refuse(
                Refused.VERSION_CONFLICT,
                f"If-Match version {expected} does not match current version {current}.",
                shown=shown,
                key=key,
            )

    def _refuse(
        self,
        reason: Refused,
        detail: str,
        shown: Resource | None = None,
        key: str | None = None,
        errors: list[FieldIssue] | None = None,
    ) -> ApplicationError:
        """A refusal: its reason, with the order when the answer shows a resource of it."""
        if shown is None and not errors:
            return refuse(reason, detail)
        order = shown_part(self._resources(), shown, key) if shown is not None else None
        return refuse(reason, detail, OrderRefusal(order, shown, key, errors or []))

    def _answer(
        self, shown: Resource, version: int, key: str | None = None, created: bool = False
    ) -> CommandResult:
        order = shown_part(self._resources(), shown, key)
        return CommandResult(shown, order, key, created, version)

    def _resources(self) -> OrderResources:
        """The order as its answers and its read model show it."""
        created = self.state.created
        assert created is not None
        evaluation = self.evaluation
        return OrderResources(
            identity=created.identity,
            buyer_uuid=created.buyer.uuid,
            vins=created.vins,
            total_amount=created.total_amount,
            purchase_date=created.purchase_date,
            responsible_contact=created.responsible_contact,
            status=self.state.status,
            version=self.state.version,
            compliance_version=self.state.compliance_version,
            created_at=self.state.created_at,
            updated_at=self.state.order_changed_at or self.state.updated_at,
            cancellation_reason=self.state.cancellation_reason,
            invoices=self.state.invoices,
            payment=self.state.payment,
            transport=self.state.transport,
            documents=self.state.documents,
            evaluation=evaluation and replace(evaluation, rule_outcomes=[]),
            export_files=self.state.export_files,
            export_requested=self.state.export_requested,
            export_failed=self.state.export_failed,
            daily_vies_active=self.daily_vies_active,
            compliance_updated_at=self.state.compliance_changed_at or self.state.updated_at,
        )


def _invoice_key(invoice: Invoice) -> tuple:
    return (
        invoice.type,
        invoice.invoice_date,
        invoice.invoice_number,
        invoice.vat_included,
        invoice.amount.value,
        invoice.amount.currency,
        invoice.margin_scheme,
    )


def _payment_key(payment: Payment) -> tuple:
    return (
        payment.payment_date,
        payment.bank_amount.value,
        payment.cash_amount.value,
        payment.bank_amount.currency,
        payment.source_iban,
        payment.declared_new_iban,
    )


def _rollup_key(evaluation: Evaluation) -> tuple:
    return (
        evaluation.compliance_status,
        evaluation.decision,
        tuple((b.module, b.code) for b in evaluation.blockers),
    )


def _decided_now(previous: Evaluation | None, current: Evaluation) -> bool:
    """Whether ``current`` makes a decision ``previous`` had not made."""
    return current.decision is not None and (
        previous is None or previous.decision != current.decision
    )


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
