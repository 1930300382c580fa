"""The Temporal worker: every workflow and every activity of the platform, on one task queue."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import os
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from uuid import uuid4

import structlog
import uvloop
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    UnsandboxedWorkflowRunner,
    Worker,
    WorkflowInboundInterceptor,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowInterceptorClassInput,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import telemetry
from activities.buyers.buyer_orders import BuyerOrdersActivities
from activities.buyers.identity_verification import IdentityActivities
from activities.buyers.invitations import InvitationActivities
from activities.buyers.kyc_profile_pdf import KycProfileActivities
from activities.buyers.kyc_store import KycStoreActivities
from activities.buyers.vies import ViesActivities
from activities.email import EmailActivities
from activities.kept_alive import KeptAliveClients
from activities.orders.export_file_signing import ExportFileSigner
from activities.orders.order_store import ExportFileActivities, OrderStoreActivities
from activities.payments.dunning import DunningActivities
from activities.payments.payment_orders import PaymentOrderActivities
from activities.payments.payouts import PayoutActivities, ensure_payout_schedule
from activities.round_trip import RoundTripActivities
from activities.webhooks.delivery import WebhookActivities, ensure_sweep_schedule
from api.shared.temporal import connect
from settings import MissingSecrets, Settings, get_settings
from store import worker_heartbeats
from store.db import Database
from store.documents import DocumentStore
from workflows.buyers.kyc_verification import KycWorkflow
from workflows.buyers.self_service_invitation import SelfServiceInvitationWorkflow
from workflows.buyers.vies_check import BuyerViesCheckWorkflow
from workflows.orders.workflow import OrderWorkflow
from workflows.payments.dunning import DunningWorkflow
from workflows.payments.payment_order import PaymentOrderWorkflow
from workflows.payments.payouts import PayoutRunWorkflow
from workflows.round_trip import RoundTripWorkflow
from workflows.webhooks.delivery import (
    WebhookDeliveryWorkflow,
    WebhookFanOutWorkflow,
    WebhookPausedNoticeWorkflow,
    WebhookSweepWorkflow,
)

log = structlog.get_logger(__name__)

WORKFLOWS: Sequence[type] = (
    RoundTripWorkflow,
    BuyerViesCheckWorkflow,
    OrderWorkflow,
    KycWorkflow,
    SelfServiceInvitationWorkflow,
    PaymentOrderWorkflow,
    DunningWorkflow,
    PayoutRunWorkflow,
    WebhookDeliveryWorkflow,
    WebhookFanOutWorkflow,
    WebhookSweepWorkflow,
    WebhookPausedNoticeWorkflow,
)


def activities(db: Database, settings: Settings, clients: KeptAliveClients) -> list[Any]:
    round_trip = RoundTripActivities(db)
    vies = ViesActivities(db, settings, clients)
    order_store = OrderStoreActivities(db)
    buyer_orders = BuyerOrdersActivities(db)
    export_files = ExportFileActivities(
        db,
        DocumentStore(settings.effective_document_store_dir),
        ExportFileSigner.from_settings(settings),
        settings.export_file_processes,
    )
    webhooks = WebhookActivities(db, settings, clients)
    identity = IdentityActivities(settings, clients)
    kyc_store = KycStoreActivities(db)
    kyc_profiles = KycProfileActivities(db, settings)
    payment_orders = PaymentOrderActivities(db, settings, clients)
    email = EmailActivities(settings)
    invitations = InvitationActivities(db, settings, email)
    dunning = DunningActivities(db, settings, email)
    payouts = PayoutActivities(db)
    return [
        round_trip.confirm_round_trip,
        vies.check_vat_number,
        vies.record_vies_check,
        order_store.write_order,
        order_store.current_buyer,
        order_store.buyer_vies_answers,
        buyer_orders.notify_buyer_orders,
        identity.create_identity_session,
        identity.screen_aml,
        kyc_store.record_verification,
        kyc_store.record_buyer_kyc,
        kyc_profiles.generate_kyc_profile,
        export_files.generate_export_file,
        webhooks.fan_out_events,
        webhooks.attempt_delivery,
        webhooks.settle_failure,
        webhooks.start_pending_deliveries,
        webhooks.purge_deliveries,
        payment_orders.check_credit,
        payment_orders.create_payment_order,
        payment_orders.write_payment_order,
        payment_orders.create_invoice_for_capture,
        payment_orders.create_credit_notes,
        webhooks.compose_paused_notice,
        email.send_email,
        invitations.email_invitation,
        invitations.settle_invitation,
        dunning.send_dunning_letter,
        dunning.record_dunning_state,
        dunning.invoice_balance,
        payouts.pay_out_sellers,
    ]


def workflow_runner(*, strict: bool = False) -> WorkflowRunner:
    """How the worker runs workflows: without the sandbox, or in the strict sandbox.

    The worker imports the project's workflow modules once, with the process (each run
    re-importing its own copies held ~120 KiB per open order and paid their import). Inside a
    sandbox that passes them through, their code ran without its checks all the same, while
    every activation and every payload still went through the sandbox: the data converter
    asks the sandboxed instance for each payload's serialization context by executing code in
    it, 12% of the worker's CPU during lifecycles against 2% for the workflow code itself. So
    the worker runs them unsandboxed, and ``strict`` re-imports and checks the workflow code
    (no clock, I/O or randomness but ``workflow``'s) for every run, as the replay tests, the
    fast lane's own runs and ``nt24-admin replay`` do with every saved and recent history."""
    if not strict:
        return DetachedStartRunner(UnsandboxedWorkflowRunner())
    return DetachedStartRunner(
        SandboxedWorkflowRunner(
            # pure libraries and the project's pure rules: imported once, not per workflow run (and
            # pydantic then resolves the rules' dataclasses in workflow inputs)
            restrictions=SandboxRestrictions.default.with_passthrough_modules(
                "schwifty",
                "vininfo",
                "stdnum",
                "pydantic",
                "sqlalchemy",
                "workflows.money",
                "workflows.money_json",
                "workflows.change_source",
                "workflows.orders.status",
                "workflows.ids",
                "workflows.orders.rules",
                "workflows.buyers.rules",
                "workflows.payments.rules",
                # the tracing interceptor's spans, inside and outside the sandbox, are one library's
                "opentelemetry",
            )
        )
    )


def _detached(message: Message) -> Any:
    """A copy of a protobuf message in an arena of its own."""
    copy = type(message)()
    copy.CopyFrom(message)
    return copy


def _detached_map(payloads: Mapping[str, Payload]) -> dict[str, Payload]:
    return {name: _detached(payload) for name, payload in payloads.items()}


class DetachedStartRunner(WorkflowRunner):
    """Runs workflows with ``inner``, keeping nothing of a run's first activation past it.

    The SDK keeps views into the first activation for the whole run: the start's headers (in
    the run's info and its input), memo and last completion result. A view holds the
    activation's whole protobuf arena: the start's input and the order's create Update,
    encrypted and decoded, about 30 KiB per open order (README, **Worker**). This
    runner hands the run copies of the info's parts, ``DetachedStartHeaders`` of the input's.
    """

    def __init__(self, inner: WorkflowRunner) -> None:
        self._inner = inner

    def prepare_workflow(self, defn: Any) -> None:
        self._inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        info = dataclasses.replace(
            det.info,
            headers=_detached_map(det.info.headers),
            raw_memo=_detached_map(det.info.raw_memo),
        )
        return self._inner.create_instance(
            dataclasses.replace(
                det,
                info=info,
                last_completion_result=_detached(det.last_completion_result),
                last_failure=det.last_failure and _detached(det.last_failure),
            )
        )

    def set_worker_level_failure_exception_types(
        self, types: Sequence[type[BaseException]]
    ) -> None:
        self._inner.set_worker_level_failure_exception_types(types)


class DetachedStartHeaders(Interceptor):
    """The run's input carries copies of the start's headers (``DetachedStartRunner``)."""

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        return _DetachStartHeaders


class _DetachStartHeaders(WorkflowInboundInterceptor):
    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        # the SDK keeps this input for the run's life: its headers must not be views
        input.headers = _detached_map(input.headers)
        return await super().execute_workflow(input)


class HeartbeatingWorker(Worker):
    """A Temporal worker that records in the database, every ``worker_heartbeat_interval``
    while it runs, that it is alive, and removes the record when it stops: /readyz reads it
    (store/worker_heartbeats.py says why Temporal's poller list is not enough). When it stops
    it also closes its activities' kept-alive HTTP connections."""

    def __init__(
        self,
        client: Client,
        db: Database,
        settings: Settings,
        clients: KeptAliveClients,
        **options: Any,
    ) -> None:
        super().__init__(client, **options)
        self._db = db
        self._clients = clients
        self._interval = settings.worker_heartbeat_interval.total_seconds()
        self.heartbeat_identity = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"

    async def run(self) -> None:
        beating = asyncio.create_task(self._beat())
        try:
            await super().run()
        finally:
            beating.cancel()
            with contextlib.suppress(BaseException):
                await beating
            with contextlib.suppress(Exception):
                await asyncio.shield(worker_heartbeats.stop(self._db, self.heartbeat_identity))
            await self._clients.close()

    async def _beat(self) -> None:
        while True:
            try:
                await worker_heartbeats.beat(self._db, self.heartbeat_identity, self.task_queue)
            except Exception as exc:  # the database away: /readyz says so by the missing beat
                log.warning("worker heartbeat failed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self._interval)


def build_worker(client: Client, db: Database, settings: Settings) -> Worker:
    clients = KeptAliveClients()
    return HeartbeatingWorker(
        client,
        db,
        settings,
        clients,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=activities(db, settings, clients),
        workflow_runner=workflow_runner(),
        interceptors=[DetachedStartHeaders()],
        max_cached_workflows=settings.workflow_cache_size,
        graceful_shutdown_timeout=timedelta(seconds=5),
    )


async def main() -> None:
    settings = get_settings()
    settings.require_production_secrets()  # before anything starts: name what is missing
    telemetry.setup_logging(settings)
    telemetry.setup_tracing(settings, "nt24-worker")
    db = Database(settings.effective_database_url)
    client = await connect(settings, runtime=telemetry.worker_runtime(settings))
    await ensure_sweep_schedule(client, settings)
    await ensure_payout_schedule(client, settings)
    worker = build_worker(client, db, settings)
    # modules, workflow definitions and the SDK's bindings live as long as the process: out of
    # the collector's reach, a full collection walks what the orders hold, not all of them
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started", task_queue=settings.task_queue, address=settings.temporal_address)
    async with worker:
        await stop.wait()
    await db.dispose()


if __name__ == "__main__":
    try:
        # uvloop: the SDK's core wakes this loop from its own threads on every poll and
        # completion, and activities hand work to threads; its loop costs the worker 5-12%
        # less CPU per order lifecycle than asyncio's own
        uvloop.run(main())
    except MissingSecrets as exc:
        sys.exit(f"The worker refuses to start: {exc}")
