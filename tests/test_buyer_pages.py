"""The buyer-facing pages: the hosted payment page in each language, and both it and the
self-service upload page in a real browser (Playwright on Debian's chromium) on a phone
(390 px) and a desktop (1280 px): nothing loaded from elsewhere, no script, no CSP violation,
large touch targets, nothing wider than the screen, and axe-core's check when it is there."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from tests.conftest import Stack, make_api_tenant
from tests.test_buyers import api, key
from tests.test_kyc_documents import new_buyer
from tests.test_payment_orders import create, make_seller, order_request

AXE = Path(__file__).parent / "data" / "axe.min.js"  # axe-core, vendored (when present)
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

# (locale, <html lang>, title, unit price of 2 x Toothbrush, VAT rate, total, notice words)
PAGES = [
    ("de", "de", "Kauf auf Rechnung", "484,00\xa0€", "21\xa0%", "1.197,90\xa0€", "Auskunftei"),
    ("fr_BE", "fr", "Paiement sur facture", "484,00\xa0€", "21\xa0%", "1\u202f197,90\xa0€",
     "bureau de crédit"),
    ("nl", "nl", "Betalen op factuur", "€\xa0484,00", "21%", "€\xa01.197,90", "kredietbureau"),
    ("en", "en", "Pay by invoice", "€484.00", "21%", "€1,197.90", "credit bureau"),
]  # fmt: skip


@pytest.mark.parametrize(("locale", "lang", "title", "unit", "rate", "total", "notice"), PAGES)
async def test_the_payment_page_in_each_language(
    stack: Stack, locale: str, lang: str, title: str, unit: str, rate: str, total: str, notice: str
) -> None:
    seller = await make_seller(stack, stack.db)
    order = await create(stack, seller, order_request(locale=locale))
    async with stack.http() as http:
        page = await http.get(urlsplit(order["payment_page_url"]).path)
        privacy_href = re.search(r'href="([^"]*privacy[^"]*)"', page.text)
        assert privacy_href is not None
        privacy = await http.get(urlsplit(privacy_href.group(1)).path, params={"lang": lang})
        css = await http.get("/pay/assets/buyer.css")
    html = page.text
    assert page.status_code == 200 and f'<html lang="{lang}">' in html
    assert title in html and "Toothbrush" in html
    assert stack.settings.platform_legal_name in html and "Seller " in html  # who is who
    assert unit in html and rate in html and total in html  # the buyer's formats
    assert notice in html  # the credit check is announced before the buyer confirms
    # nothing from elsewhere, no script, no inline style: a strict CSP passes
    assert "<script" not in html and "<style" not in html and " style=" not in html
    assert not re.search(r'src="|<link[^>]*href="(https?:)?//', html)  # assets are our own
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "style-src 'self'" in policy
    assert "script-src" not in policy  # none at all: default-src 'none' forbids it
    assert "https://shop.example" in policy  # the 302 after the form goes back to the shop
    assert privacy.status_code == 200 and f'<html lang="{lang}">' in privacy.text
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    path = os.environ.get("NT24_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is missing: run the tests through scripts/test, which installs it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def check_in_browser(browser: Browser, base_url: str, path: str) -> list[str]:
    """The page at a phone's and a desktop's width; what is wrong with it, one line each."""
    problems: list[str] = []
    origin = urlsplit(base_url).netloc
    for viewport in (PHONE, DESKTOP):
        context = await browser.new_context(base_url=base_url, viewport=viewport)
        page = await context.new_page()
        messages: list[str] = []
        page.on("console", lambda m, messages=messages: messages.append(m.text))
        requests: list[str] = []
        page.on("request", lambda r, requests=requests: requests.append(r.url))
        answer = await page.goto(path)
        assert answer is not None and answer.ok, f"{path}: {answer and answer.status}"
        await page.wait_for_load_state("networkidle")
        width = viewport["width"]
        problems += [f"{width}px: {m}" for m in messages if "Content Security Policy" in m]
        problems += [f"{width}px: loads {u}" for u in requests if urlsplit(u).netloc != origin]
        wider = await page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if wider > 0:
            culprits = await page.evaluate(
                "w => [...document.querySelectorAll('body *')]"
                ".filter(e => e.getBoundingClientRect().right > w)"
                ".slice(0, 3).map(e => e.tagName + ' ' + e.textContent.slice(0, 30))",
                width,
            )
            problems.append(f"{width}px: {wider}px wider than the screen: {culprits}")
        for target in await page.query_selector_all("button, select, input:not([type=hidden])"):
            box = await target.bounding_box()
            if box and box["height"] < 44:
                problems.append(f"{width}px: a touch target {box['height']:.0f}px high")
        header = await page.evaluate(
            "() => getComputedStyle(document.querySelector('header')).backgroundColor"
        )
        if header != "rgb(11, 61, 145)":
            problems.append(f"{width}px: the stylesheet did not apply ({header})")
        await context.close()
        if AXE.is_file():  # axe-core is injected as a script: only with the CSP set aside
            context = await browser.new_context(
                base_url=base_url, viewport=viewport, bypass_csp=True
            )
            page = await context.new_page()
            await page.goto(path)
            await page.add_script_tag(path=str(AXE))
            violations = await page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                ".map(v => v.id + ': ' + v.help)"
            )
            problems += [f"{width}px axe: {v}" for v in violations]
            await context.close()
    return problems


@pytest.mark.e2e
async def test_the_payment_page_on_a_phone_and_a_desktop(stack: Stack, browser: Browser) -> None:
    seller = await make_seller(stack, stack.db)
    order = await create(stack, seller, order_request(locale="de"))
    path = urlsplit(order["payment_page_url"]).path
    assert await check_in_browser(browser, stack.base_url, path) == []


@pytest.mark.e2e
async def test_the_self_service_page_on_a_phone_and_a_desktop(
    stack: Stack, browser: Browser
) -> None:
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        kyc_url = await new_buyer(http, tenant)
        created = await http.post(
            f"{kyc_url}/self-service-invitations",
            json={"recipientEmail": "einkauf@autohandel.example"},
            headers=key(),
        )
    assert created.status_code == 201, created.text
    path = urlsplit(created.json()["publicLinkUrl"]).path
    async with httpx.AsyncClient(base_url=stack.base_url) as plain:
        page = await plain.get(path)
    assert "Unterlagen für" in page.text  # a German buyer reads German
    assert await check_in_browser(browser, stack.base_url, path) == []
