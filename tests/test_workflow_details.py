"""The Temporal UI tells the story of a dunning ladder and of a webhook delivery by itself: the
workflow's current details say where it stands and what it waits for until when, its
activities and timers carry summaries, and the dunning status is a search attribute."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import temporalio.api.sdk.v1
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.payments.dunning import start_dunning
from api.notyd.payments.dunning_commands import agree_payment_plan, notify_dunning
from api.shared.converter import DATA_CONVERTER
from api.shared.payload_codec import decode_message
from sandboxes.mail import MailCatcher
from store.payments.payment_money import DunningNotice
from tests.conftest import Stack, serving
from tests.order_flow import seller_session
from tests.payment_invoices import captured_invoice, staff_member
from tests.test_webhooks import Receiver, fire_test, register
from workflows import search_attributes as sa
from workflows.ids import dunning_workflow_id, webhook_delivery_workflow_id
from workflows.payments.dunning import DunningWorkflow


async def details_until(handle: WorkflowHandle[Any, Any], wanted: Callable[[str], bool]) -> str:
    """The workflow's current details (Markdown), once ``wanted``."""
    async with asyncio.timeout(30):
        while True:
            metadata = await handle.query(
                "__temporal_workflow_metadata",
                result_type=temporalio.api.sdk.v1.WorkflowMetadata,
            )
            if wanted(metadata.current_details):
                return metadata.current_details
            await asyncio.sleep(0.1)


async def summaries(handle: WorkflowHandle[Any, Any]) -> list[str]:
    """The summaries of the history's activities and timers, in order (not the start's)."""
    found = []
    async for event in handle.fetch_history_events():
        await decode_message(DATA_CONVERTER.payload_codec, event)  # encrypted on the server
        started = event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
        if event.user_metadata.HasField("summary") and not started:
            found.append(json.loads(event.user_metadata.summary.data))
    return found


async def test_a_dunning_ladder_shows_its_status_and_next_step(
    stack: Stack, dev_server: WorkflowEnvironment, mail_catcher: MailCatcher
):
    staff = await staff_member(stack.db)
    invoice = await captured_invoice(stack.db, await dev_server.get_current_time(), locale="en")
    await start_dunning(
        stack.client, stack.settings, invoice.uuid, invoice.due_at, invoice.payment_reference
    )
    handle = stack.client.get_workflow_handle(dunning_workflow_id(invoice.uuid))
    details = await details_until(handle, lambda d: "INVOICE" in d)
    assert f"`{invoice.uuid}`" in details and "Status **INITIAL** (0) · open" in details
    assert "Waiting for: UPCOMING_PAYMENT letter at " in details

    async with stack.db.session() as session:
        await agree_payment_plan(
            session, stack.client, stack.settings, staff, invoice.payment_reference, 2
        )
    details = await details_until(handle, lambda d: "PAYMENT_PLAN_AGREED" in d)
    assert "Payment plan: 297.50 on " in details
    assert "Waiting for: instalment 1/2 letter at " in details
    described = await handle.describe()
    assert described.typed_search_attributes.get(sa.DUNNING_STATUS) == 65
    assert described.typed_search_attributes.get(sa.INVOICE_NUMBER) == invoice.payment_reference
    assert invoice.payment_reference in (await described.static_summary() or "")

    await notify_dunning(stack.client, [DunningNotice(invoice.uuid, 0)])
    await stack.client.get_workflow_handle_for(DunningWorkflow.run, handle.id).result()
    details = await details_until(handle, lambda d: "closed" in d)
    assert "Waiting for" not in details
    told = await summaries(handle)
    assert told[0] == "Send the INVOICE letter"
    assert any(s.startswith("Next: UPCOMING_PAYMENT letter at ") for s in told)
    assert "Record a payment plan" in told


async def test_a_webhook_delivery_shows_its_attempts_and_next_retry(stack: Stack):
    receiver = Receiver()
    receiver.default["down"] = 503
    async with serving(receiver.app) as base:
        _, http = await seller_session(stack)
        async with http:
            ok = await register(http, f"{base}/hooks/ok", ["compliance.*"])
            down = await register(http, f"{base}/hooks/down", ["compliance.*"])
            delivered = await fire_test(http, ok, 1)
            failing = await fire_test(http, down, 2)
            await receiver.wait_for("down", 1)

    handle = stack.client.get_workflow_handle(webhook_delivery_workflow_id(delivered["id"]))
    assert await handle.result() == "DELIVERED"
    details = await details_until(handle, lambda d: "DELIVERED" in d)
    assert f"`{delivered['id']}`: compliance.status_changed to endpoint {ok['id']}" in details
    assert "State **DELIVERED** · 1 attempts" in details
    assert await summaries(handle) == [
        f"Deliver compliance.status_changed to endpoint {ok['id']} (attempt 1 of this run)"
    ]

    handle = stack.client.get_workflow_handle(webhook_delivery_workflow_id(failing["id"]))
    try:
        details = await details_until(handle, lambda d: "failing" in d)
        assert "Waiting for: the next retry at " in details and "Failing since " in details
        async with asyncio.timeout(30):
            while not any(s.startswith("Retry 1 at ") for s in await summaries(handle)):
                await asyncio.sleep(0.1)
        told = await summaries(handle)
        assert told[0].startswith(f"Deliver compliance.status_changed to endpoint {down['id']}")
        assert told[1].startswith("Failed: next retry at ")
    finally:
        await handle.terminate("the test is over")
