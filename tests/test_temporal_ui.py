"""The Temporal UI as an operator meets it (docs/operations.md): a dev server of its own with
its Web UI on (the suite's runs headless), the stack on it, one order, and the order
workflow's page in chromium showing the workflow's current details (what it waits for).

The screenshot is written to tests/artifacts/temporal-ui-order.png; with
NT24_UPDATE_SCREENSHOTS set it is copied to docs/screenshots/ for docs/operations.md.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Page, Route, async_playwright
from temporalio.testing import WorkflowEnvironment

from api.shared.converter import DATA_CONVERTER
from store.db import Database
from store.models import Partner
from tests.conftest import free_port, running_stack, start_dev_server
from tests.order_flow import OrderClient, client_token, make_api_tenant
from tests.test_web_app import ARTIFACTS, CHROMIUM_ARGS, SCREENSHOTS

pytestmark = pytest.mark.e2e

NAME = "temporal-ui-order"
CODEC = "http://codec.invalid/codec"  # see with_ui


@pytest_asyncio.fixture(loop_scope="session")
async def with_ui(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[WorkflowEnvironment, str]]:
    """A dev server whose Web UI listens on a free loopback port: the environment, the UI's URL."""
    ui_port = free_port()
    ui_url = f"http://127.0.0.1:{ui_port}"
    extra = ["--ui-ip", "127.0.0.1", "--ui-disable-news-fetch"]
    if getattr(DATA_CONVERTER, "payload_codec", None) is not None:
        # encrypted payloads: the UI decodes them at the API's codec server from the browser;
        # the API's port is known only later, so the browser's calls to CODEC are routed there
        extra += ["--ui-codec-endpoint", CODEC]
        monkeypatch.setenv("NT24_TEMPORAL_UI_URL", ui_url)
    env = await start_dev_server(*extra, ui=True, ui_port=ui_port)
    try:
        yield env, ui_url
    finally:
        await env.shutdown()


async def shown(page: Page, *words: str, seconds: float = 30) -> None:
    """Wait until every word is on the page: the UI renders the workflow's Markdown (summary,
    details, current details) in frames of their own."""
    text = ""
    try:
        async with asyncio.timeout(seconds):
            while True:
                text = "\n".join([await frame.inner_text("body") for frame in page.frames])
                if all(word in text for word in words):
                    return
                await asyncio.sleep(0.5)
    except TimeoutError:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"{NAME}-failed.png"))
        missing = [word for word in words if word not in text]
        raise AssertionError(f"the Temporal UI does not show {missing}:\n{text}") from None


async def test_an_orders_workflow_page_shows_its_current_details(
    pg_url: str, db: Database, with_ui: tuple[WorkflowEnvironment, str]
) -> None:
    env, ui_url = with_ui
    async with running_stack(pg_url, db, env) as stack:
        tenant = await make_api_tenant(
            db, allow_marketplace_led_kyc=True, allow_kyc_document_download=True
        )
        async with db.transaction() as session:  # the seller of docs/operations.md's example
            seller = await session.get(Partner, tenant.partner.id)
            assert seller is not None
            seller.name = "Autohaus Nord GmbH"
        async with stack.http(await client_token(stack, tenant)) as http:
            client = OrderClient(stack, tenant, http)
            buyer = await client.buyer()
            order = await client.order(buyer, externalOrderId="deal-4711")
            await client.compliance_until(order["uuid"], lambda rollup: rollup["blockers"])
        handle = env.client.get_workflow_handle(f"order-{order['uuid']}")
        run_id = (await handle.describe()).run_id

        path = os.environ.get("NT24_CHROMIUM") or shutil.which("chromium")
        if not path:
            pytest.fail("Chromium is missing: run the tests through scripts/test")
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1440, "height": 1000})

                async def to_the_api(route: Route) -> None:
                    target = route.request.url.replace(CODEC, f"{stack.base_url}/codec", 1)
                    await route.fulfill(response=await route.fetch(url=target))

                await page.route(f"{CODEC}/**", to_the_api)
                url = f"{ui_url}/namespaces/default/workflows/{handle.id}/{run_id}/history"
                await page.goto(url)
                await page.get_by_text("OrderWorkflow").first.wait_for(timeout=30_000)
                # the current details (the workflow's own Markdown): the order, its compliance,
                # its blockers and what it waits for, as the metadata query answers them now
                await page.get_by_role("tab", name="User Metadata").click()
                await page.get_by_text("Current Details").first.wait_for(timeout=30_000)
                await shown(
                    page,
                    "Order deal-4711: WVWZZZ1KZAW000001; Autohaus Nord GmbH",  # the summary
                    "Status CREATED · compliance INCOMPLETE",  # the current details
                    "MISSING_INVOICE",
                )
                ARTIFACTS.mkdir(exist_ok=True)
                shot = ARTIFACTS / f"{NAME}.png"
                await page.screenshot(path=str(shot), full_page=False)
            finally:
                await browser.close()
    if os.environ.get("NT24_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / f"{NAME}.png")


def test_the_screenshot_is_shown_in_the_operations_runbook() -> None:
    runbook = (Path(__file__).parent.parent / "docs" / "operations.md").read_text()
    assert f"screenshots/{NAME}.png" in runbook
