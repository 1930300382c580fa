"""The Temporal worker: every workflow and every activity of the platform, on one task queue."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.buyer_orders import BuyerOrdersActivities
from activities.order_store import ExportFileActivities, OrderStoreActivities
from activities.round_trip import RoundTripActivities
from activities.vies import ViesActivities
from activities.webhooks import WebhookActivities, ensure_sweep_schedule
from settings import Settings, get_settings
from store.db import Database
from store.documents import DocumentStore
from workflows.converter import DATA_CONVERTER
from workflows.order import OrderWorkflow
from workflows.round_trip import RoundTripWorkflow
from workflows.vies_check import BuyerViesCheckWorkflow
from workflows.webhook_delivery import (
    WebhookDeliveryWorkflow,
    WebhookFanOutWorkflow,
    WebhookSweepWorkflow,
)

log = structlog.get_logger(__name__)

WORKFLOWS: Sequence[type] = (
    RoundTripWorkflow,
    BuyerViesCheckWorkflow,
    OrderWorkflow,
    WebhookDeliveryWorkflow,
    WebhookFanOutWorkflow,
    WebhookSweepWorkflow,
)


def activities(db: Database, settings: Settings) -> list[Any]:
    round_trip = RoundTripActivities(db)
    vies = ViesActivities(db, settings)
    order_store = OrderStoreActivities(db)
    buyer_orders = BuyerOrdersActivities(db)
    export_files = ExportFileActivities(db, DocumentStore(settings.effective_document_store_dir))
    webhooks = WebhookActivities(db, settings)
    return [
        round_trip.confirm_round_trip,
        vies.check_vat_number,
        vies.record_vies_check,
        order_store.write_order,
        buyer_orders.notify_buyer_orders,
        export_files.generate_export_file,
        webhooks.fan_out_events,
        webhooks.attempt_delivery,
        webhooks.settle_failure,
        webhooks.start_pending_deliveries,
        webhooks.purge_deliveries,
    ]


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox every workflow runs in, here and in the replay tests."""
    return SandboxedWorkflowRunner(
        # pure libraries and the project's pure rules: imported once, not per workflow run (and
        # pydantic then resolves the rules' dataclasses in workflow inputs)
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            "schwifty", "vininfo", "stdnum", "pydantic", "sqlalchemy", "workflows.rules"
        )
    )


def build_worker(client: Client, db: Database, settings: Settings) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=activities(db, settings),
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=timedelta(seconds=5),
    )


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
    )


def _keep_bytecode(settings: Settings) -> None:
    """The workflow sandbox re-imports workflow modules per run: without bytecode caching
    (PYTHONDONTWRITEBYTECODE) that doubles the worker's CPU, so cache it in the data folder."""
    if sys.dont_write_bytecode:
        sys.dont_write_bytecode = False
        sys.pycache_prefix = str(settings.data_dir / "pycache")
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


async def main() -> None:
    settings = get_settings()
    _keep_bytecode(settings)
    db = Database(settings.effective_database_url)
    client = await connect(settings)
    await ensure_sweep_schedule(client, settings)
    worker = build_worker(client, db, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started", task_queue=settings.task_queue, address=settings.temporal_address)
    async with worker:
        await stop.wait()
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
