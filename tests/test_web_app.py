"""The web app in a real browser: Playwright drives Debian's chromium against the running stack
(API, worker and sandboxes on loopback, the Temporal dev server, PostgreSQL).

Screenshots of the main pages are written to tests/artifacts/; with NT24_UPDATE_SCREENSHOTS
set, two of them are copied to docs/screenshots/ for the README.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from store.identity import identity
from store.models import PaymentOrder, utcnow
from tests.conftest import Stack, serving
from tests.order_flow import TOTAL, OrderClient, key, pdf, seller_session, seller_today
from tests.payment_invoices import captured_invoice, invoice_row
from tests.test_web_staff_forms import buyer_awaiting_review
from tests.test_webhooks import Receiver, register, until, verified
from workflows.buyers.rules.kyc import REQUIRED_DOCUMENTS

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).parent / "artifacts"
SCREENSHOTS = Path(__file__).parent.parent / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUYER_VAT = "FR40303265045"  # the VIES sandbox answers VALID
# Where the transport ends: stated, since the buyer's country proves nothing
LYON = {
    "deliveryAddress.street": "12 quai Perrache",
    "deliveryAddress.postCode": "69002",
    "deliveryAddress.city": "Lyon",
    "deliveryAddress.country": "FR",
}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One chromium for the whole session; each test opens its own context (cookies)."""
    path = os.environ.get("NT24_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is missing: run the tests through scripts/test, which installs it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        open_context = launched.new_context

        async def watched_context(**options: Any) -> BrowserContext:
            context = await open_context(**options)
            await watch_csp(context)
            return context

        launched.new_context = watched_context  # type: ignore[method-assign]
        yield launched
        await launched.close()


# Every page runs under the app's Content-Security-Policy (api/shared/security_headers.py): a
# violation (an inline script, a style or an image from elsewhere) fails the test that saw it.
CSP_VIOLATIONS: list[str] = []
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', (e) => console.error(
  `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`
));"""


async def watch_csp(context: BrowserContext) -> None:
    await context.add_init_script(REPORT_VIOLATIONS)

    def seen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("CSP violation"):
            CSP_VIOLATIONS.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", seen)


@pytest.fixture(autouse=True)
def no_csp_violation() -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, "\n".join(CSP_VIOLATIONS)


async def staff_user(stack: Stack) -> tuple[str, str]:
    username, password = f"staff-{uuid4().hex[:8]}", f"pw-{uuid4().hex}"
    async with stack.db.transaction() as session:
        await identity.create_user(session, username, password, is_staff=True)
    return username, password


async def signed_in(
    browser: Browser, stack: Stack, username: str, password: str, **options: Any
) -> Page:
    context = await browser.new_context(base_url=stack.base_url, accept_downloads=True, **options)
    page = await context.new_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto("/app/orders")
    assert "/app/login" in page.url  # no session: the login page first
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/app/orders")
    return page


async def shoot(page: Page, name: str, keep: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    # the README's copies change only when asked (as saved histories do): a run leaves the
    # tree as it found it
    if keep and os.environ.get("NT24_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / f"{name}.png")


async def submit(page: Page, form: str, fields: dict[str, str] | None = None, **kw: Any) -> None:
    """Fill a form of the page and send it; waits for the page the answer shows."""
    for name, value in (fields or {}).items():
        selector = f"form#{form} [name='{name}']"
        if await page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            await page.select_option(selector, value)
        else:
            await page.fill(selector, value)
    for name, value in kw.get("files", {}).items():
        await page.set_input_files(f"form#{form} [name='{name}']", files=[value])
    async with page.expect_navigation():
        await page.click(f"form#{form} button[type=submit]")


def a_pdf(name: str) -> dict[str, Any]:
    return {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": pdf(name)}


async def until_shown(page: Page, url: str, pattern: str, seconds: float = 45) -> None:
    """Reload ``url`` until its page matches ``pattern``; a screenshot shows it if it never does."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                await page.goto(url)
                if re.search(pattern, await page.content()):
                    return
                await asyncio.sleep(0.3)
    except TimeoutError:
        await shoot(page, "timed-out")
        raise


async def flash(page: Page) -> str:
    return await page.locator(".flash").inner_text()


async def upload(page: Page, form: str, type_: str, issuer: str = "", name: str = "") -> None:
    fields = {"type": type_, "documentDate": seller_today().isoformat()}
    if issuer:
        fields |= {"issuerType": issuer, "issuerName": name}
    await submit(page, form, fields, files={"file": a_pdf(f"{type_}-{uuid4().hex[:6]}")})
    assert "uploaded" in await flash(page), await page.content()


async def test_an_order_walked_to_valid_and_its_export_file_downloaded_in_the_browser(
    stack: Stack, browser: Browser
) -> None:
    tenant, http = await seller_session(stack)
    await http.aclose()
    page = await signed_in(browser, stack, *await staff_user(stack))

    # the buyer, its KYC documents and its VIES check
    await page.goto("/app/buyers/new")
    await page.select_option("select[name=partner]", str(tenant.partner.uuid))
    await page.select_option("select[name=kycMode]", "MARKETPLACE_LED")
    for name, value in {
        "vatNumber": "FR 40 303 265 045",
        "companyName": "Garage Dupont SARL",
        "address.street": "1 rue de la Paix",
        "address.postCode": "75002",
        "address.city": "Paris",
        "address.country": "FR",
    }.items():
        await page.fill(f"input[name='{name}']", value)
    async with page.expect_navigation():
        await page.click("form.form button[type=submit]")
    assert "Buyer saved" in await flash(page)
    buyer_url = page.url
    for kind in sorted(REQUIRED_DOCUMENTS["MARKETPLACE_LED"]):
        await upload(page, "documents", kind)
    await until_shown(page, buyer_url, r"Overall</th><td><span class=\"badge b-valid")
    await shoot(page, "buyer")

    # the order, from creation to VALID, every step a form
    await page.goto(f"/app/orders/new?buyer={buyer_url.rsplit('/', 1)[1]}")
    external = f"web-{uuid4().hex[:8]}"
    for name, value in {
        "externalOrderId": external,
        "vin": "WVWZZZ1KZAW000001",
        "brand": "Volkswagen",
        "model": "Golf",
        "mileage": "85000",
        "firstRegistrationDate": "2019-03-01",
        "totalAmount": f"{TOTAL / 100:.2f}",
    }.items():
        await page.fill(f"input[name='{name}']", value)
    async with page.expect_navigation():
        await page.click("form.form button[type=submit]")
    assert "Order created" in await flash(page)
    order_url = page.url

    await submit(page, "invoice", {"invoiceNumber": "INV-1"})
    await upload(page, "documents-upload", "SHIPMENT_PRELIMINARY_INVOICE")
    await submit(page, "payment", {"sourceIban": "DE89 3704 0044 0532 0130 00"})
    await upload(page, "documents-upload", "PAYMENT_CONFIRMATION")
    await submit(page, "ready-for-pickup")
    assert "ready for pickup" in (await flash(page)).lower()
    await submit(
        page,
        "pickup",
        {
            "driverIdentification": "DE-FR-2026-1234",
            "collectionAddress.street": "Hauptstr. 1",
            "collectionAddress.postCode": "10115",
            "collectionAddress.city": "Berlin",
            "collectionAddress.country": "DE",
        },
    )
    await upload(page, "documents-upload", "TRANSPORT_CMR", "CARRIER", "Speedy Trans GmbH")
    await upload(page, "documents-upload", "TRANSPORT_CMR_DELIVERY", "CARRIER", "Speedy Trans GmbH")
    await upload(page, "documents-upload", "TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz AG")
    await submit(page, "delivery", LYON)
    assert "Delivery confirmed" in await flash(page)

    await until_shown(page, order_url, r"/export-file/1\"")
    rollup = await page.locator("#rollup").inner_text()
    assert "valid export" in rollup.lower() and "No blockers" in rollup
    # VALID always depends on the seller's own filing, which the order cannot show
    assert "recapitulative statement (Art. 138(1a)" in rollup
    timeline = await page.locator("#timeline").inner_text()
    assert "Delivery confirmed" in timeline and "WEB_APP" in timeline
    assert "compliance.decision_made" in timeline
    await shoot(page, "order", keep=True)

    async with page.expect_download() as downloading:
        await page.click("#export-versions a")
    download = await downloading.value
    content = Path(await download.path()).read_bytes()
    assert content.startswith(b"%PDF") and download.suggested_filename.endswith("-v1.pdf")

    await page.goto(f"/app/orders?compliance=VALID&externalOrderId={external}")
    assert external in await page.locator("table.list").inner_text()
    await shoot(page, "orders")
    await page.goto("/app/dashboard")
    await shoot(page, "dashboard", keep=True)
    await page.context.close()


async def test_a_staff_edit_shows_in_the_api_and_as_a_web_app_event(
    stack: Stack, browser: Browser
) -> None:
    receiver = Receiver()
    tenant, http = await seller_session(stack)
    async with serving(receiver.app) as hooks, http:
        endpoint = await register(http, f"{hooks}/hooks/web", ["compliance.*"])
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        await client.invoice_and_payment(order)
        assert (await client.post(f"/orders/{order}/payment/ready-for-pickup")).status_code == 200
        assert (await client.pickup(order)).status_code == 200
        await client.transport_evidence(order)
        held = await client.get(f"/orders/{order}")
        old_etag = held.headers["etag"]

        page = await signed_in(browser, stack, *await staff_user(stack))
        await page.goto(f"/app/orders/{order}")
        corrected = (seller_today() - timedelta(days=1)).isoformat()
        await page.click("summary:has-text('Edit or cancel')")
        await submit(page, "edit", {"purchaseDate": corrected})
        assert "Order updated" in await flash(page)

        answer = await client.get(f"/orders/{order}")
        assert answer.json()["purchaseDate"] == corrected
        assert answer.json()["version"] == held.json()["version"] + 1
        assert answer.headers["etag"] != old_etag
        stale = await http.patch(
            f"{tenant.seller}/orders/{order}",
            json={"purchaseDate": seller_today().isoformat()},
            headers=key() | {"If-Match": old_etag},
        )
        assert stale.status_code == 409, stale.text

        await submit(page, "delivery", LYON)

        async def status_changed() -> bool:
            # delivery order is not guaranteed: decision_made may come first
            return any(
                c.event["type"] == "compliance.status_changed" for c in receiver.calls["web"]
            )

        await until(status_changed)
        events = [verified(endpoint["secret"], call) for call in receiver.calls["web"]]
        changed = next(e for e in events if e["type"] == "compliance.status_changed")
        assert changed["source"] == "WEB_APP"
        assert changed["data"]["orderUuid"] == order
        assert changed["data"]["currentStatus"] == "VALID"
        feed = await http.get("/v1/events", params={"orderId": order})
        assert "WEB_APP" in {e["source"] for e in feed.json()["data"]}

        await page.goto(f"/app/audit?object={order}")
        audit = await page.locator("#audit").inner_text()
        assert "order.edit" in audit and "order.delivery" in audit
        await shoot(page, "audit")
        await page.goto("/app/events?source=WEB_APP")
        await shoot(page, "events")
        await page.context.close()


async def test_a_post_without_the_csrf_token_is_refused(stack: Stack, browser: Browser) -> None:
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer(documents=False)))["uuid"]
    page = await signed_in(browser, stack, *await staff_user(stack))
    refused = await page.request.post(
        f"/app/orders/{order}/cancel", form={"reason": "forged"}, max_redirects=0
    )
    assert refused.status == 403
    forged = await page.request.post(
        f"/app/orders/{order}/cancel",
        form={"reason": "forged", "csrf_token": "not-the-token"},
        max_redirects=0,
    )
    assert forged.status == 403
    await page.goto(f"/app/orders/{order}")
    assert "b-cancelled" not in await page.locator(".meta").inner_html()
    # the same form with its token goes through
    await page.click("summary:has-text('Edit or cancel')")
    await submit(page, "cancel", {"reason": "buyer withdrew"})
    assert "Order cancelled" in await flash(page)
    await page.context.close()


async def test_an_organization_user_cannot_reach_another_organizations_order(
    stack: Stack, browser: Browser
) -> None:
    other, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, other, http)
        foreign = await client.order(await client.buyer(documents=False))
    mine, http = await seller_session(stack)
    await http.aclose()
    username, password = f"user-{uuid4().hex[:8]}", f"pw-{uuid4().hex}"
    async with stack.db.transaction() as session:
        org = await session.get(type(mine.org), mine.org.id)
        await identity.create_user(session, username, password, organization=org)
    page = await signed_in(browser, stack, username, password)

    answer = await page.goto(f"/app/orders/{foreign['uuid']}")
    assert answer is not None and answer.status == 404
    assert foreign["externalOrderId"] not in await page.content()
    await page.goto("/app/orders")
    assert foreign["externalOrderId"] not in await page.content()
    download = await page.request.get(f"/app/orders/{foreign['uuid']}/export-file/1")
    assert download.status == 404
    await page.goto("/app/audit")  # staff only: for a user it does not exist
    assert "There is no such page" in await page.content()
    await page.context.close()


async def test_wrong_passwords_never_lock_the_account(stack: Stack, browser: Browser) -> None:
    # the throttle's 429s per address are attacked in tests/test_security_credentials.py
    username, password = await staff_user(stack)
    context = await browser.new_context(base_url=stack.base_url)
    page = await context.new_page()
    statuses = []
    for _ in range(6):
        await page.goto("/app/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", "wrong password")
        async with page.expect_navigation() as navigation:
            await page.click("button[type=submit]")
        statuses.append((await navigation.value).status)
    assert statuses == [401] * 6
    cookies = {c["name"]: c for c in await context.cookies()}
    assert "nt24_session" not in cookies
    # the owner still signs in: wrong passwords alone never lock an account
    await page.fill("input[name=password]", password)
    async with page.expect_navigation() as navigation:
        await page.click("button[type=submit]")
    assert (await navigation.value).status == 200
    assert "/app/login" not in page.url
    await context.close()


async def test_the_session_cookie_is_http_only_and_logout_ends_it(
    stack: Stack, browser: Browser
) -> None:
    page = await signed_in(browser, stack, *await staff_user(stack))
    cookie = next(c for c in await page.context.cookies() if c["name"] == "nt24_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert not cookie["secure"]  # plain http on loopback; Secure outside dev and test
    async with page.expect_navigation():
        await page.click("form.logout button")
    assert "/app/login" in page.url
    # the old cookie no longer opens anything
    await page.context.add_cookies([cookie | {"expires": -1}])
    await page.goto("/app/dashboard")
    assert "/app/login" in page.url
    await page.context.close()


async def test_staff_register_a_webhook_endpoint_and_record_a_payment_in_the_browser(
    stack: Stack, browser: Browser
) -> None:
    tenant, http = await seller_session(stack)
    await http.aclose()
    invoice = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=595_00)
    page = await signed_in(browser, stack, *await staff_user(stack))

    # the endpoint: its secret on the answer to the form, and nowhere after it
    await page.goto("/app/webhooks")
    # the event types are picked from the catalogue, not typed
    await page.check("form#new-endpoint input[name=events][value='compliance.*']")
    await page.check("form#new-endpoint input[name=events][value='kyc.verification_completed']")
    await submit(
        page,
        "new-endpoint",
        {"organization": str(tenant.org.uuid), "url": "http://127.0.0.1:9/hooks/browser"},
    )
    secret = (await page.locator("#secret .mono").inner_text()).strip()
    assert secret.startswith("whsec_")
    await page.reload()
    assert re.search(r"/app/webhooks/wh_\w+$", page.url)
    assert secret not in await page.content()
    assert await page.locator("#secret").count() == 0
    # edited on its page: the form holds what is saved, one more event checked is saved too
    await page.click("text=Edit the URL, events, partners and schema versions")
    assert await page.is_checked("form#edit input[name=events][value='compliance.*']")
    await page.check("form#edit input[name=events][value='kyc.*']")
    await submit(page, "edit", {"url": "http://127.0.0.1:9/hooks/edited"})
    assert "Endpoint updated." in await flash(page)
    await page.goto("/app/webhooks")
    listed = await page.locator("table.list").inner_text()
    assert "127.0.0.1:9/hooks/edited" in listed
    assert "compliance.*, kyc.*, kyc.verification_completed" in listed
    assert secret not in await page.content()

    # a payment booked on the invoice page settles the invoice
    await page.goto(f"/app/payments/invoices/{invoice.uuid}")
    await submit(page, "payment", {"amount": "595.00", "note": "bank transfer"})
    assert "Payment booked: the invoice is paid." in await flash(page)
    assert "€595.00" in await page.locator("#paid").inner_text()
    await shoot(page, "payment-invoice")
    assert (await invoice_row(stack.db, invoice.uuid)).payment_status == "paid"
    await page.context.close()


async def test_staff_approve_a_kyc_review_in_the_browser(stack: Stack, browser: Browser) -> None:
    buyer = await buyer_awaiting_review(stack)
    page = await signed_in(browser, stack, *await staff_user(stack))
    await page.goto(f"/app/buyers/{buyer}")
    await page.fill("form#kyc-review [name=reason]", "a namesake, not the person")
    async with page.expect_navigation():  # the confirmation is accepted (signed_in)
        await page.click("form#kyc-review button[value=approve]")
    assert "Verification decided: verified." in await flash(page)
    assert await page.locator("form#kyc-review").count() == 0
    await page.context.close()


def test_screenshots_are_shown_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name in ("order", "dashboard"):
        assert f"docs/screenshots/{name}.png" in readme


# ----- every page on a phone and on a desktop, and accessible -----

AXE = Path(__file__).parent / "data" / "axe.min.js"  # axe-core 4.14.1 (MPL-2.0), vendored
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


async def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations of the page, one line each."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated, not a <script> tag: the page's CSP refuses inline script
        await page.evaluate(AXE.read_text() + "\n;undefined")
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


async def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


async def test_every_page_fits_a_phone_has_a_favicon_and_passes_the_accessibility_check(
    stack: Stack, browser: Browser
) -> None:
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        order = await client.delivered(buyer)
        await client.export_file_until(order, 1)
    invoice = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=595_00)
    async with stack.db.session() as session:  # its order's page, with the refund form
        payment_order = await session.get(
            PaymentOrder, (await invoice_row(stack.db, invoice.uuid)).order_id
        )
    assert payment_order is not None
    # under the app's CSP: axe-core is evaluated by Playwright, never a <script> of the page
    page = await signed_in(browser, stack, *await staff_user(stack))
    pages = [
        f"/app/orders/{order}",
        "/app/dashboard",
        "/app/orders",
        "/app/orders/new",
        f"/app/buyers/{buyer}",
        "/app/buyers",
        "/app/buyers/new",
        f"/app/search?q={order[:8]}",
        "/app/payments/invoices",
        f"/app/payments/invoices/{invoice.uuid}",
        "/app/payments/orders",
        f"/app/payments/orders/{payment_order.uuid}",
        "/app/payments/statements",
        "/app/webhooks",
        "/app/events",
        "/app/admin",
        "/app/audit",
    ]
    problems: dict[str, list[str]] = {}
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        for url in pages if size is PHONE else pages[:1]:
            answer = await page.goto(url)
            assert answer is not None and answer.status == 200, url
            found = await accessibility_violations(page)
            if (wider := await overflow(page)) > 0:
                found.append(f"{wider} px wider than the {size['width']} px window")
            if found:
                problems[f"{url} at {size['width']} px"] = found
    await page.set_viewport_size(PHONE)
    await page.goto(f"/app/orders/{order}")
    await shoot(page, "order-phone")
    icon = await page.get_attribute("link[rel=icon]", "href")
    assert icon and (await page.request.get(icon)).status == 200
    await page.goto("/app/login")  # signed out pages too
    assert await page.get_attribute("link[rel=icon]", "href") == icon
    await page.context.close()
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
