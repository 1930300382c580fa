"""Staff forms of the web app over plain HTTP (a signed-in session and its CSRF token): a KYC
verification left for review approved from the buyer page; a payment recorded from the invoice
page that settles the invoice; a payment plan and a write-off on the invoice page; a webhook
endpoint registered (its secret shown once), edited as PATCH /v1/webhooks/{id} would (a stale
form refused), test-fired and deleted; its whole delivery history paged through and any delivery
replayed; an order's changes recorded with the source of their commands, which the order page's
timeline shows; odd input on the forms refused naming the field, never a 5xx, nothing written."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import func, select
from temporalio.testing import ActivityEnvironment

from activities.orders.order_store import OrderStoreActivities
from activities.payments.dunning import start_dunning
from activities.webhooks.delivery import new_delivery_id
from api.nt24.buyers.kyc_verification import review
from api.shared.errors import Problem
from store.models import (
    Buyer,
    Event,
    IncomingPayment,
    KycVerification,
    Order,
    OrderChange,
    Organization,
    Partner,
    PaymentCapture,
    PaymentOrder,
    PaymentRefund,
    PiiAccessLog,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from store.web import AuditEntry
from tests.conftest import Stack, make_tenant, serving
from tests.order_flow import TOTAL, OrderClient, key, money, pdf, seller_session, seller_today
from tests.payment_invoices import captured_invoice, invoice_row, staff_member, statement_paying
from tests.test_kyc_verification import decided, kyc_until, nt24_buyer
from tests.test_payment_orders import accepted_order, make_seller
from tests.test_web_admin import signed_in
from tests.test_webhooks import Receiver, register, verified
from workflows.buyers.kyc_verification import KycWorkflow, ReviewDecision
from workflows.buyers.rules.kyc_verification import REVIEW
from workflows.ids import kyc_workflow_id
from workflows.orders.activities import OrderSnapshot, PendingEvent
from workflows.orders.model import OrderIdentity
from workflows.orders.workflow import OrderWorkflow

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@asynccontextmanager
async def web_session(stack: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A staff member signed in through the login form: the client and the session's token."""
    staff = await staff_member(stack.db)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as web:
        login = await web.get("/app/login")
        token = TOKEN.search(login.text)
        assert token, login.text
        answer = await web.post(
            "/app/login",
            data={"csrf_token": token[1], "username": staff.username, "password": "x" * 12},
        )
        assert answer.status_code == 303, answer.text
        page = await web.get("/app/dashboard")
        assert page.status_code == 200 and "Dunning volume" in page.text
        yield web, TOKEN.search(page.text)[1]  # type: ignore[index]


async def buyer_awaiting_review(stack: Stack) -> str:
    """An NT24-led buyer whose verification waits for a staff decision (REVIEW)."""
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Reviewing")
        assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
    handle = stack.client.get_workflow_handle(kyc_workflow_id(buyer))
    async with asyncio.timeout(30):
        while (await handle.query(KycWorkflow.state))["phase"] != REVIEW:
            await asyncio.sleep(0.2)
    return buyer


async def test_staff_block_a_buyer_from_its_page_saying_why(stack: Stack):
    buyer = await buyer_awaiting_review(stack)
    async with web_session(stack) as (web, token):
        unexplained = await web.post(f"/app/buyers/{buyer}/block", data={"csrf_token": token})
        assert unexplained.status_code == 422 and "say why the buyer is blocked" in unexplained.text
        answer = await web.post(
            f"/app/buyers/{buyer}/block", data={"csrf_token": token, "reason": "fraud suspicion"}
        )
        assert answer.status_code == 303, answer.text
        page = await web.get(f"/app/buyers/{buyer}")
        assert "Buyer blocked" in page.text and "(fraud suspicion)" in page.text


async def audited(stack: Stack, action: str, object_id: str) -> AuditEntry | None:
    async with stack.db.session() as session:
        return await session.scalar(
            select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == object_id)
        )


async def test_staff_approve_a_kyc_review_from_the_buyer_page(stack: Stack):
    buyer = await buyer_awaiting_review(stack)
    async with web_session(stack) as (web, token):
        page = await web.get(f"/app/buyers/{buyer}")
        assert 'id="kyc-review"' in page.text and "Approve" in page.text
        refused = await web.post(
            f"/app/buyers/{buyer}/kyc-review", data={"csrf_token": token, "decision": "reject"}
        )
        assert refused.status_code == 422 and "say why" in refused.text  # a reason to reject
        unexplained = await web.post(
            f"/app/buyers/{buyer}/kyc-review", data={"csrf_token": token, "decision": "approve"}
        )
        assert unexplained.status_code == 422  # and one to approve despite the match
        assert "say why the verification is approved" in unexplained.text
        # a reason past 500 characters is refused beside the field; it had the decision's
        # write retried for ever, and the page waited for it
        long = "Register extract does not match the company; " * 27
        too_long = await web.post(
            f"/app/buyers/{buyer}/kyc-review",
            data={"csrf_token": token, "decision": "reject", "reason": long},
        )
        assert too_long.status_code == 422 and "at most 500 characters" in too_long.text
        # and by the workflow, for the command line as for the page
        with pytest.raises(Problem) as refused_by_the_workflow:
            await review(stack.client, UUID(buyer), ReviewDecision(False, long, "staff"))
        assert refused_by_the_workflow.value.slug == "validation-error"
        assert 'data-confirm="Approve this buyer' in page.text
        answer = await web.post(
            f"/app/buyers/{buyer}/kyc-review",
            data={"csrf_token": token, "decision": "approve", "reason": "namesake"},
        )
        assert answer.status_code == 303, answer.text
        page = await web.get(f"/app/buyers/{buyer}")
        assert "Verification decided: verified." in page.text
        assert 'id="kyc-review"' not in page.text
    async with stack.db.session() as session:
        decided = await session.scalar(
            select(KycVerification.decided_by).where(
                KycVerification.workflow_id == kyc_workflow_id(buyer),
                KycVerification.status == "VERIFIED",
            )
        )
        audited = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "buyer.kyc_review", AuditEntry.object_id == buyer
            )
        )
    assert decided and decided != "SYSTEM"
    assert audited is not None and audited.after["outcome"] == "VERIFIED"
    assert audited.after["reason"] == "namesake"
    async with web_session(stack) as (web, _token):
        log = await web.get("/app/audit", params={"object": buyer})
    # the audit log names the buyer instead of showing its uuid
    assert re.search(rf'<a href="/app/buyers/{buyer}">Buyer [^<(]+ \(\w+\)</a>', log.text)


async def test_the_events_a_staff_kyc_review_causes_say_the_web_app_made_it(stack: Stack):
    """An event's source is the origin of the change. A buyer edit, block or KYC upload tells
    the orders who made it; a staff member's KYC review in the web app told them through the
    verification workflow, which said nothing of it: the order the approval decided said its
    decision came from SYSTEM."""
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Reviewing")
        assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
        handle = stack.client.get_workflow_handle(kyc_workflow_id(buyer))
        async with asyncio.timeout(30):
            while (await handle.query(KycWorkflow.state))["phase"] != REVIEW:
                await asyncio.sleep(0.2)
        order = await client.delivered(buyer)
        before = await client.compliance_until(order, lambda r: r["blockers"])
        assert before.get("complianceStatus") == "INCOMPLETE", before
        async with web_session(stack) as (web, token):
            answer = await web.post(
                f"/app/buyers/{buyer}/kyc-review",
                data={"csrf_token": token, "decision": "approve", "reason": "namesake"},
            )
            assert answer.status_code == 303, answer.text
        after = await client.compliance_until(
            order, lambda r: r.get("complianceStatus") != "INCOMPLETE"
        )
        assert after.get("decision"), after
        await client.export_file_until(order, 1)
        feed = (await http.get("/v1/events", params={"orderId": order})).json()["data"]
        async with web_session(stack) as (web, _token):
            page = await web.get(f"/app/orders/{order}")
    decided = [e for e in feed if e["type"] == "compliance.decision_made"]
    assert [e["source"] for e in decided] == ["WEB_APP"], decided
    # the Export File the decision asked for says so too, on the feed and the order's timeline
    generated = [e for e in feed if e["type"] == "export_file.generated"]
    assert [e["source"] for e in generated] == ["WEB_APP"], generated
    milestone = re.search(r"<td>Export File version 1</td><td>[^<]*</td><td>(.*?)</td>", page.text)
    assert milestone and ">WEB_APP<" in milestone[1], page.text


async def test_a_kyc_review_without_a_decision_is_refused_not_taken_as_a_rejection(stack: Stack):
    """The review's decision is "approve" or "reject"; anything else (a capital, none at all)
    decides nothing: the form comes back naming the decision, the review still waits."""
    buyer = await buyer_awaiting_review(stack)
    async with web_session(stack) as (web, token):
        for odd in ({"decision": "Approve"}, {}):
            answer = await web.post(
                f"/app/buyers/{buyer}/kyc-review",
                data={"csrf_token": token, "reason": "namesake, checked"} | odd,
            )
            assert answer.status_code == 422, answer.status_code
            assert "decision: choose approve or reject" in answer.text
            assert 'id="kyc-review"' in answer.text  # the form, shown again
        page = await web.get(f"/app/buyers/{buyer}")
    assert "Verification decided" not in page.text and 'id="kyc-review"' in page.text
    assert await audited(stack, "buyer.kyc_review", buyer) is None
    state = await stack.client.get_workflow_handle(kyc_workflow_id(buyer)).query(KycWorkflow.state)
    assert state["phase"] == REVIEW


async def test_a_new_buyer_form_for_an_existing_buyer_does_not_claim_to_create_it(stack: Stack):
    """The "new buyer" form is the API's upsert: for a buyer the API made with the same data it
    answers that buyer (200), so the page says it exists and nothing changed, no VIES check is
    claimed and no ``buyer.create`` entry names the operator its creator; other data for the
    same VAT number changes nothing either, and the page leads to the buyer to change it."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
    form = {
        "partner": str(tenant.partner.uuid),
        "kycMode": "MARKETPLACE_LED",
        "vatNumber": "FR40303265045",
        "companyName": "Garage Dupont SARL",
        "address.street": "1 rue de la Paix",
        "address.postCode": "75002",
        "address.city": "Paris",
        "address.country": "FR",
    }
    async with web_session(stack) as (web, token):
        answer = await web.post("/app/buyers/new", data=form | {"csrf_token": token})
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"/app/buyers/{buyer}"
        page = await web.get(answer.headers["location"])
        assert "VAT number FR40303265045 exists already, as typed: nothing changed." in page.text
        assert "its VIES check has started" not in page.text
        other = form | {"csrf_token": token, "companyName": "Garage Dupont et Fils SARL"}
        refused = await web.post("/app/buyers/new", data=other)
        assert refused.status_code == 409, refused.text
        assert f'<a href="/app/buyers/{buyer}">Open the buyer to change it.</a>' in refused.text
    assert await audited(stack, "buyer.create", buyer) is None
    async with stack.db.session() as session:
        names = await session.scalars(select(Buyer.company_name).where(Buyer.uuid == UUID(buyer)))
        assert list(names) == ["Garage Dupont SARL"]


async def test_a_new_order_form_sent_twice_creates_the_order_once(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
    async with web_session(stack) as (web, token):
        form = {
            "csrf_token": token,
            "buyer": buyer,
            "externalOrderId": f"twice-{uuid4().hex[:8]}",
            "vin": "WVWZZZ1KZAW000001",
            "totalAmount": "18,500.00",
        }
        first = await web.post("/app/orders/new", data=form)
        assert first.status_code == 303, first.text
        again = await web.post("/app/orders/new", data=form)
        assert again.status_code == 303, again.text
        assert again.headers["location"] == first.headers["location"]
        page = await web.get(again.headers["location"])
    assert (
        f"Order {form['externalOrderId']} exists already, as typed: nothing changed." in page.text
    )
    order = first.headers["location"].rsplit("/", 1)[1]
    async with stack.db.session() as session:
        created = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "order.create", AuditEntry.object_id == order)
        )
    assert created == 1


async def test_the_buyer_page_starts_the_verification_and_adds_contacts_as_the_api_does(
    stack: Stack,
):
    """POST .../kyc/verify and GET/POST .../contacts, from the buyer page: the same functions,
    the same refusals beside the fields, each showing of the contacts in the personal-data
    access log, an audit entry per action; another organization's buyer is not there."""
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Verifiable")
        async with web_session(stack) as (web, token):
            page = await web.get(f"/app/buyers/{buyer}")
            assert f'action="/app/buyers/{buyer}/verify"' in page.text
            assert "<td>Anna Verifiable</td><td>anna@example.com</td>" in page.text
            started = await web.post(f"/app/buyers/{buyer}/verify", data={"csrf_token": token})
            assert started.status_code == 303, started.text
            page = await web.get(f"/app/buyers/{buyer}")
            assert "Verification started: the buyer verifies its identity at http" in page.text
            again = await web.post(f"/app/buyers/{buyer}/verify", data={"csrf_token": token})
            assert again.status_code == 303, again.text
            page = await web.get(f"/app/buyers/{buyer}")
            assert "already open" in page.text and "no second one was started" in page.text

            url = f"/app/buyers/{buyer}/add-contact"
            wrong = await web.post(
                url, data={"csrf_token": token, "firstName": "Max", "email": "max at example"}
            )
            assert wrong.status_code == 422, wrong.text
            assert "lastName: is required" in wrong.text and "email: " in wrong.text
            added = await web.post(
                url,
                data={
                    "csrf_token": token,
                    "firstName": "Max",
                    "lastName": "Muster",
                    "email": "max@example.com",
                    "phone": "+33 1 23 45 67 89",
                },
            )
            assert added.status_code == 303, added.text
            page = await web.get(f"/app/buyers/{buyer}")
            assert "Contact person Max Muster added." in page.text
            assert "<td>Max Muster</td><td>max@example.com</td>" in page.text
        listed = (await client.get(f"/buyers/{buyer}/contacts")).json()
        assert {c["lastName"] for c in listed} == {"Verifiable", "Muster"}
    async with stack.db.session() as session:
        verified = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "buyer.verify", AuditEntry.object_id == buyer)
            .order_by(AuditEntry.id)
        )
        # the first started the verification, the second found it open
        assert [e.after["created"] for e in verified] == [True, False]
    contact = await audited(stack, "buyer.add_contact", buyer)
    assert contact is not None and "max@example.com" not in str(contact.after)
    async with stack.db.session() as session:
        logged = {
            (row.action, row.resource)
            for row in await session.scalars(
                select(PiiAccessLog).where(PiiAccessLog.actor.startswith("web:"))
            )
        }
    assert ("WRITE", f"/app/buyers/{buyer}/add-contact") in logged
    assert ("READ", f"/app/buyers/{buyer}") in logged

    # a marketplace-led buyer of an organization that keeps no contact persons' data
    tenant, http = await seller_session(stack)
    async with http:
        plain = await OrderClient(stack, tenant, http).buyer(documents=False)
    async with web_session(stack) as (web, token):
        page = await web.get(f"/app/buyers/{plain}")
        assert 'id="verify"' not in page.text and 'id="add-contact"' not in page.text
        assert "may not keep contact persons' personal data" in page.text
        refused = await web.post(f"/app/buyers/{plain}/verify", data={"csrf_token": token})
        assert refused.status_code == 400 and "this buyer is MARKETPLACE_LED" in refused.text
        contact_form = {"csrf_token": token, "firstName": "A", "lastName": "B", "email": "a@b.fr"}
        refused = await web.post(f"/app/buyers/{plain}/add-contact", data=contact_form)
        assert refused.status_code == 403 and "allowContactPersonalData" in refused.text

    other = await make_tenant(stack.db)
    async with signed_in(stack, other.username, other.password) as (web, token):
        for action in ("verify", "add-contact"):
            hidden = await web.post(f"/app/buyers/{buyer}/{action}", data={"csrf_token": token})
            assert hidden.status_code == 404, (action, hidden.status_code)
    assert await audited(stack, "buyer.verify", plain) is None


async def verified_buyer(client: OrderClient, buyer: str | None = None) -> tuple[str, dict]:
    """An NT24-led buyer the identity provider verified, and its KYC status as the API says."""
    buyer = buyer or await nt24_buyer(client, "Muster")
    assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
    status = await kyc_until(client, buyer, decided)
    assert status["verificationStatus"] == "VERIFIED", status
    return buyer, status


async def test_the_signed_kyc_profile_is_downloaded_from_the_buyer_page(stack: Stack):
    """GET .../kyc/profile hands out the signed KYC profile that proves a verification; the
    buyer page links the same file, read as the KYC documents are: a buyer without a valid
    profile shows no link and its address says why in words; another organization's buyer
    is not there."""
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Muster")
        marketplace_led = await client.buyer(vat="DE129273398", country="DE", documents=False)
        link = f'href="/app/buyers/{buyer}/kyc-profile"'
        async with web_session(stack) as (web, _token):
            page = await web.get(f"/app/buyers/{buyer}")
            none = await web.get(f"/app/buyers/{buyer}/kyc-profile")
            assert link not in page.text
            assert none.status_code == 409, none.text
            assert "no valid signed KYC profile: verification NOT_STARTED" in none.text
            assert "<html" in none.text.lower()  # a page in words, not the API's JSON
            never = await web.get(f"/app/buyers/{marketplace_led}/kyc-profile")
            assert never.status_code == 400 and "have no KYC profile" in never.text

            await verified_buyer(client, buyer)
            from_api = await client.get(f"/buyers/{buyer}/kyc/profile")
            assert from_api.status_code == 200, from_api.text
            page = await web.get(f"/app/buyers/{buyer}")
            profile = await web.get(f"/app/buyers/{buyer}/kyc-profile")
    assert link in page.text
    assert profile.status_code == 200, profile.text
    assert profile.headers["content-type"] == "application/pdf"
    assert profile.content == from_api.content
    other = await make_tenant(stack.db)
    async with signed_in(stack, other.username, other.password) as (web, _token):
        assert (await web.get(f"/app/buyers/{buyer}/kyc-profile")).status_code == 404


async def test_the_buyer_page_says_until_when_the_verification_holds(stack: Stack):
    """The API's KYC status says until when a verified profile holds
    (``verificationExpiresAt``); the buyer page says so beside the verification, and once the
    profile expired (the buyer's orders get KYC_EXPIRED) it says that instead, with no
    profile to download."""
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer, status = await verified_buyer(client)
        async with web_session(stack) as (web, _token):
            page = await web.get(f"/app/buyers/{buyer}")
            expires = status["verificationExpiresAt"]
            assert f"holds until {expires[:10]}" in page.text, expires
            # as the workflow writes it when the profile lapses
            async with stack.db.transaction() as session:
                row = await session.scalar(select(Buyer).where(Buyer.uuid == UUID(buyer)))
                assert row is not None
                row.verification_status, row.verification_expired = "NOT_STARTED", True
            lapsed = await web.get(f"/app/buyers/{buyer}")
            refused = await web.get(f"/app/buyers/{buyer}/kyc-profile")
    assert f"the verified profile expired {expires[:10]}" in lapsed.text
    assert "holds until" not in lapsed.text and "/kyc-profile" not in lapsed.text
    assert refused.status_code == 409 and "verification expired" in refused.text


async def test_a_long_purpose_on_the_buyer_page_is_refused_naming_it(stack: Stack):
    """The buyer page reads the contacts through the API's ``list_contacts`` and adds one
    through ``add_contact``, each writing the personal-data access log with the request's
    X-Purpose. The API refuses one longer than the log keeps (200 characters, 422); the web
    app calls the functions directly, and PostgreSQL refused the row: the page answered 500.
    Now both are a 422 naming X-Purpose, and nothing is stored."""
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Purposeful")
        async with web_session(stack) as (web, token):
            long_purpose = {"X-Purpose": "p" * 201}
            page = await web.get(f"/app/buyers/{buyer}", headers=long_purpose)
            assert page.status_code == 422, page.text[:500]
            assert "X-Purpose" in page.text and "at most 200 characters" in page.text
            added = await web.post(
                f"/app/buyers/{buyer}/add-contact",
                data={
                    "csrf_token": token,
                    "firstName": "Max",
                    "lastName": "Muster",
                    "email": "max@example.com",
                },
                headers=long_purpose,
            )
            assert added.status_code == 422, added.text[:500]
            assert "X-Purpose" in added.text
            shown = await web.get(f"/app/buyers/{buyer}", headers={"X-Purpose": "p" * 200})
            assert shown.status_code == 200, shown.text[:500]
        listed = (await client.get(f"/buyers/{buyer}/contacts")).json()
    assert [c["lastName"] for c in listed] == ["Purposeful"]  # no contact was added
    assert await audited(stack, "buyer.add_contact", buyer) is None
    async with stack.db.session() as session:
        purposes = await session.scalars(
            select(PiiAccessLog.purpose).where(PiiAccessLog.actor.startswith("web:"))
        )
        assert "p" * 201 not in set(purposes)


async def test_a_payment_recorded_on_the_invoice_page_marks_it_paid(stack: Stack):
    invoice = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=595_00)
    async with web_session(stack) as (web, token):
        page = await web.get(f"/app/payments/invoices/{invoice.uuid}")
        assert page.status_code == 200 and invoice.payment_reference in page.text
        wrong = await web.post(
            f"/app/payments/invoices/{invoice.uuid}/payment",
            data={"csrf_token": token, "amount": "-3"},
        )
        assert wrong.status_code == 422 and "must be zero or more" in wrong.text
        answer = await web.post(
            f"/app/payments/invoices/{invoice.uuid}/payment",
            data={"csrf_token": token, "amount": "595.00", "note": "bank transfer"},
        )
        assert answer.status_code == 303, answer.text
        page = await web.get(f"/app/payments/invoices/{invoice.uuid}")
        assert "Payment booked: the invoice is paid." in page.text
        assert "bank transfer" in page.text
        listed = await web.get("/app/payments/invoices", params={"paymentStatus": "paid"})
        assert invoice.payment_reference in listed.text
        order = re.search(r'href="(/app/payments/orders/[^"]+)"', page.text)
        assert order and (await web.get(order[1])).status_code == 200
        other = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=100_00)
        imported = await web.post(
            "/app/payments/statements",
            data={"csrf_token": token},
            files={"file": ("statement.xml", statement_paying(other.payment_reference, 100_00))},
        )
        assert imported.status_code == 200 and "MATCHED" in imported.text.upper()
        assert other.payment_reference in imported.text
    row = await invoice_row(stack.db, invoice.uuid)
    assert row.payment_status == "paid" and row.paid_amount == 595_00
    assert (await invoice_row(stack.db, other.uuid)).payment_status == "paid"


async def test_a_payment_order_is_captured_refunded_and_cancelled_from_its_page(stack: Stack):
    """What NOTYD's API does to an order (POST /v1/api/orders/{uuid}/capture/, /refund/,
    /cancel/), from the order's page: the same functions, amounts typed in the order's
    currency, the workflow's refusals (409, 422) beside the field or above the form, an audit
    entry each; another organization's order is not there."""
    seller = await make_seller(stack, stack.db)
    order = await accepted_order(stack, seller)  # €1,197.90
    path = f"/app/payments/orders/{order}"
    async with web_session(stack) as (web, token):
        page = await web.get(path)
        actions = re.findall(r'<form method="post" action="([^"]+)"', page.text)
        assert actions[1:] == [f"{path}/capture", f"{path}/cancel"], actions  # after sign-out
        assert "all that remains, €1,197.90" in page.text
        assert 'data-confirm="Cancel this payment order?' in page.text

        too_much = await web.post(
            f"{path}/capture", data={"csrf_token": token, "total_amount_incl_tax": "5,000.00"}
        )
        assert too_much.status_code == 409, too_much.text
        assert 'id="capture"' in too_much.text and "Not saved: " in too_much.text
        unread = await web.post(
            f"{path}/capture", data={"csrf_token": token, "total_amount_incl_tax": "1.000,00"}
        )
        assert unread.status_code == 422 and "is not an amount as written" in unread.text
        captured = await web.post(
            f"{path}/capture", data={"csrf_token": token, "total_amount_incl_tax": "100.00"}
        )
        assert captured.status_code == 303, captured.text
        page = await web.get(path)
        assert re.search(
            r"Captured €100\.00: invoice NTY\w+; the order is partially captured", page.text
        )
        invoice = re.search(r'<option value="([0-9a-f-]{36})"', page.text)
        assert invoice and 'id="refund"' in page.text and 'id="cancel"' not in page.text

        unexplained = await web.post(
            f"{path}/refund", data={"csrf_token": token, "total_amount_incl_tax": "40.00"}
        )
        assert unexplained.status_code == 422 and "description: is required" in unexplained.text
        refund = {"csrf_token": token, "description": "Dent", "invoices": invoice[1]}
        beyond = await web.post(f"{path}/refund", data=refund | {"total_amount_incl_tax": "200"})
        assert beyond.status_code == 409 and 'id="refund"' in beyond.text, beyond.text
        refunded = await web.post(f"{path}/refund", data=refund | {"total_amount_incl_tax": "40"})
        assert refunded.status_code == 303, refunded.text
        assert "Refunded €40.00: 1 credit note." in (await web.get(path)).text
        late = await web.post(f"{path}/cancel", data={"csrf_token": token})
        assert late.status_code == 409 and "cannot be cancelled" in late.text

        other = await accepted_order(stack, seller, currency="GBP")
        shown = (await web.get(f"/app/payments/orders/{other}")).text.split("<main", 1)[1]
        assert "Amount incl. tax (GBP)" in shown and "all that remains, £1,197.90" in shown
        assert "€" not in shown
        cancelled = await web.post(
            f"/app/payments/orders/{other}/cancel", data={"csrf_token": token}
        )
        assert cancelled.status_code == 303, cancelled.text
        assert "Payment order cancelled." in (await web.get(f"/app/payments/orders/{other}")).text
    async with stack.http(seller.token) as http:  # as the seller's API sees it
        assert (await http.get(f"/v1/api/orders/{order}/get_status/")).json() == {
            "status": "partially_refunded"
        }
        status = await http.get(f"/v1/api/orders/{order}/capture_status/")
        assert status.json()["captured"]["total_amount_incl_tax"] == 100_00
        assert (await http.get(f"/v1/api/orders/{other}/get_status/")).json() == {
            "status": "cancelled"
        }
    async with stack.db.session() as session:
        row = await session.scalar(select(PaymentOrder).where(PaymentOrder.uuid == UUID(order)))
    assert row is not None and row.refunded_amount_incl_tax == 40_00
    capture = await audited(stack, "payment_order.capture", order)
    assert capture is not None and capture.after["status"] == "partially_captured"
    assert await audited(stack, "payment_order.refund", order) is not None
    assert await audited(stack, "payment_order.cancel", other) is not None

    stranger = await make_tenant(stack.db)
    async with signed_in(stack, stranger.username, stranger.password) as (web, token):
        assert (await web.get(path)).status_code == 404
        hidden = await web.post(f"{path}/refund", data=refund | {"csrf_token": token})
        assert hidden.status_code == 404


async def test_an_invoices_number_and_url_are_corrected_from_its_page_as_the_api_does(
    stack: Stack,
):
    """The seller's own invoice number and URL, which PATCH /v1/api/invoices/{uuid}/ sets, are
    shown and corrected on the invoice page: what the API refuses is refused beside its field,
    the change is audited, and another organization's invoice is not there."""
    invoice = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=100_00)
    path = f"/app/payments/invoices/{invoice.uuid}"
    typed = {"external_invoice_uid": "FV-2026/0042", "invoice_url": "https://shop.example/42.pdf"}
    async with web_session(stack) as (web, token):
        page = await web.get(path)
        assert 'id="edit"' in page.text and 'name="external_invoice_uid"' in page.text
        for field, wrong in (
            ("invoice_url", "ftp://shop.example/42.pdf"),
            ("invoice_url", "https://shop.example/" + "x" * 2000),
            ("external_invoice_uid", "F" * 256),
        ):
            refused = await web.post(
                f"{path}/edit", data={"csrf_token": token} | typed | {field: wrong}
            )
            assert refused.status_code == 422, (field, wrong, refused.text)
            assert 'aria-describedby="err-' + field in refused.text, (field, refused.text)
        # a NUL is refused for every form before it is read, naming the field
        nul = await web.post(
            f"{path}/edit", data={"csrf_token": token} | typed | {"external_invoice_uid": "F\x00"}
        )
        assert nul.status_code == 422 and "NUL character" in nul.text, nul.text
        assert (await invoice_row(stack.db, invoice.uuid)).external_invoice_uid is None
        answer = await web.post(f"{path}/edit", data={"csrf_token": token} | typed)
        assert answer.status_code == 303, answer.text
        page = await web.get(answer.headers["location"])
        assert 'value="FV-2026/0042"' in page.text and 'value="https://shop.example/42.pdf"' in (
            page.text
        )
    row = await invoice_row(stack.db, invoice.uuid)
    assert (row.external_invoice_uid, row.invoice_url) == tuple(typed.values())
    entry = await audited(stack, "invoice.edit", str(invoice.uuid))
    assert entry is not None and entry.before == {"external_invoice_uid": None, "invoice_url": None}
    assert entry.after == typed

    stranger = await make_tenant(stack.db)
    async with signed_in(stack, stranger.username, stranger.password) as (web, token):
        hidden = await web.post(
            f"{path}/edit", data={"csrf_token": token, "external_invoice_uid": "stolen"}
        )
        assert hidden.status_code == 404
    assert (await invoice_row(stack.db, invoice.uuid)).external_invoice_uid == "FV-2026/0042"


def form_of(html: str, form_id: str) -> dict[str, str]:
    """The hidden fields a form of the page carries (its CSRF token, its one-time key)."""
    form = html.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


async def money_audited(stack: Stack, action: str, object_id: str) -> int:
    async with stack.db.session() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.object_id == object_id)
        )
    return found or 0


async def test_a_payment_form_sent_twice_books_the_money_once(stack: Stack):
    """A double click, a browser's resend or a retry over a slow link sends the invoice page's
    payment form again: the money is booked once and the page says what the first sending
    did. The next rendering of the form is a new payment."""
    invoice = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=595_00)
    path = f"/app/payments/invoices/{invoice.uuid}"
    async with web_session(stack) as (web, _token):
        page = await web.get(path)
        rendered = form_of(page.text, "payment")
        assert rendered["formKey"], rendered
        form = rendered | {"amount": "300.00", "note": "bank transfer"}
        first = await web.post(f"{path}/payment", data=form)
        assert first.status_code == 303, first.text
        again = await web.post(f"{path}/payment", data=form)
        assert again.status_code == 303, again.text
        shown = (await web.get(again.headers["location"])).text
        assert "This form was sent already; nothing was done again." in shown
        assert "Payment booked: the invoice is partially paid." in shown
        assert (await invoice_row(stack.db, invoice.uuid)).paid_amount == 300_00
        # the page rendered anew carries a new key: the rest is a payment of its own
        rest = form_of((await web.get(path)).text, "payment")
        assert rest["formKey"] != rendered["formKey"]
        answer = await web.post(f"{path}/payment", data=rest | {"amount": "295.00"})
        assert answer.status_code == 303, answer.text
    row = await invoice_row(stack.db, invoice.uuid)
    assert (row.paid_amount, row.payment_status) == (595_00, "paid")
    async with stack.db.session() as session:
        payments = await session.scalar(
            select(func.count())
            .select_from(IncomingPayment)
            .where(IncomingPayment.invoice_id == row.id)
        )
    assert payments == 2
    assert await money_audited(stack, "invoice.payment", invoice.uuid) == 2


async def test_a_capture_or_refund_form_sent_twice_is_done_once(stack: Stack):
    """The payment order's Capture and Refund forms sent again capture once and issue one
    credit note, as the API's Idempotency-Key does for its clients: the workflow answers the
    first sending's outcome, which the page shows. A new rendering captures anew."""
    seller = await make_seller(stack, stack.db)
    order = await accepted_order(stack, seller)  # €1,197.90
    path = f"/app/payments/orders/{order}"
    async with web_session(stack) as (web, _token):
        capture = form_of((await web.get(path)).text, "capture")
        assert capture["formKey"], capture
        capture |= {"total_amount_incl_tax": "100.00"}
        first = await web.post(f"{path}/capture", data=capture)
        assert first.status_code == 303, first.text
        said = re.search(r"Captured €100\.00: invoice (NTY\w+)", (await web.get(path)).text)
        assert said, "the first capture is not reported"
        again = await web.post(f"{path}/capture", data=capture)
        assert again.status_code == 303, again.text
        shown = (await web.get(path)).text
        assert "This form was sent already; nothing was done again." in shown
        assert f"Captured €100.00: invoice {said[1]};" in shown  # the first one's invoice

        page = (await web.get(path)).text
        invoice = re.search(r'<option value="([0-9a-f-]{36})"', page)
        assert invoice
        refund = form_of(page, "refund") | {
            "description": "Dent",
            "invoices": invoice[1],
            "total_amount_incl_tax": "40",
        }
        assert (await web.post(f"{path}/refund", data=refund)).status_code == 303
        again = await web.post(f"{path}/refund", data=refund)
        assert again.status_code == 303, again.text
        assert "This form was sent already" in (await web.get(path)).text

        anew = form_of((await web.get(path)).text, "capture") | {"total_amount_incl_tax": "100"}
        assert anew["formKey"] != capture["formKey"]
        assert (await web.post(f"{path}/capture", data=anew)).status_code == 303
    async with stack.db.session() as session:
        row = await session.scalar(select(PaymentOrder).where(PaymentOrder.uuid == UUID(order)))
        assert row is not None
        captures = await session.scalar(
            select(func.count())
            .select_from(PaymentCapture)
            .where(PaymentCapture.order_id == row.id)
        )
        notes = await session.scalar(
            select(func.count()).select_from(PaymentRefund).where(PaymentRefund.order_id == row.id)
        )
    assert (row.captured_amount_incl_tax, captures) == (200_00, 2)
    assert (row.refunded_amount_incl_tax, notes) == (40_00, 1)
    assert await money_audited(stack, "payment_order.capture", order) == 2
    assert await money_audited(stack, "payment_order.refund", order) == 1


async def test_the_invoice_page_lists_its_credit_notes(stack: Stack):
    """GET /v1/api/invoices/{uuid}/ answers ``refunds[]``: each credit note with its
    description, amounts, refund number and date. The invoice page lists the same notes, so
    staff see why, when and under which refund number money went back."""
    seller = await make_seller(stack, stack.db)
    order = await accepted_order(stack, seller)
    path = f"/app/payments/orders/{order}"
    async with web_session(stack) as (web, _token):
        capture = form_of((await web.get(path)).text, "capture")
        captured = await web.post(
            f"{path}/capture", data=capture | {"total_amount_incl_tax": "100"}
        )
        assert captured.status_code == 303, captured.text
        page = (await web.get(path)).text
        invoice = re.search(r'<option value="([0-9a-f-]{36})"', page)
        assert invoice
        refund = form_of(page, "refund") | {
            "description": "Dent on the left door",
            "external_refund_uid": "RF-4711",
            "invoices": invoice[1],
            "total_amount_incl_tax": "40",
        }
        assert (await web.post(f"{path}/refund", data=refund)).status_code == 303
        shown = (await web.get(f"/app/payments/invoices/{invoice[1]}")).text
    notes = shown.split('id="credit-notes"', 1)[1].split("</table>", 1)[0]
    assert "Dent on the left door" in notes
    assert "RF-4711" in notes
    assert "€40.00" in notes


async def test_the_payment_order_page_shows_its_discount(stack: Stack):
    """GET /v1/api/orders/{uuid}/ answers ``discount``: the lines' €1,210.00 less the
    "Spring" discount of €12.10 make the total of €1,197.90. The page shows the discount
    beside the total, so its figures add up."""
    seller = await make_seller(stack, stack.db)
    order = await accepted_order(stack, seller)
    async with stack.http(seller.token) as http:
        shown = (await http.get(f"/v1/api/orders/{order}/")).json()
    assert shown["discount"] is not None and shown["discount"]["description"] == "Spring"
    path = f"/app/payments/orders/{order}"
    async with web_session(stack) as (web, _token):
        page = (await web.get(path)).text.split("<main", 1)[1]
        amounts = page.split("<h2>Amounts</h2>", 1)[1].split("</table>", 1)[0]
        assert "€1,197.90" in amounts
        assert "Spring" in amounts and "€12.10" in amounts, "the discount is not shown"
        # captured whole, the invoice carries the discount and its page says so too
        captured = await web.post(f"{path}/capture", data=form_of(page, "capture"))
        assert captured.status_code == 303, captured.text
        invoice = re.search(r'<option value="([0-9a-f-]{36})"', (await web.get(path)).text)
        assert invoice
        shown = (await web.get(f"/app/payments/invoices/{invoice[1]}")).text
    amounts = shown.split("<h2>Amounts</h2>", 1)[1].split("</table>", 1)[0]
    assert "€1,197.90" in amounts
    assert "Spring" in amounts and "€12.10" in amounts, "the invoice's discount is not shown"


async def test_a_payment_plan_and_a_write_off_from_the_invoice_page(stack: Stack):
    planned = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=300_01)
    await start_dunning(stack.client, stack.settings, planned.uuid, planned.due_at)
    lost = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=100_00)
    async with web_session(stack) as (web, token):
        page = await web.get(f"/app/payments/invoices/{planned.uuid}")
        assert 'id="payment-plan"' in page.text and 'id="write-off"' in page.text
        url = f"/app/payments/invoices/{planned.uuid}/payment-plan"
        wrong = await web.post(url, data={"csrf_token": token, "instalments": "three"})
        assert wrong.status_code == 422 and "is not a number of instalments" in wrong.text
        first_due = (utcnow() + timedelta(days=10)).date().isoformat()
        answer = await web.post(
            url, data={"csrf_token": token, "instalments": "3", "firstDue": first_due}
        )
        assert answer.status_code == 303, answer.text
        page = await web.get(f"/app/payments/invoices/{planned.uuid}")
        assert f"Payment plan agreed: 3 instalments, the first due {first_due}." in page.text

        url = f"/app/payments/invoices/{lost.uuid}/write-off"
        wrong = await web.post(url, data={"csrf_token": token, "kind": "write_off_fraud"})
        assert wrong.status_code == 422 and "a write-off needs a reason" in wrong.text
        assert (await invoice_row(stack.db, lost.uuid)).payment_status == "not_paid"
        answer = await web.post(
            url, data={"csrf_token": token, "kind": "write_off_fraud", "reason": "stolen identity"}
        )
        assert answer.status_code == 303, answer.text
        page = await web.get(f"/app/payments/invoices/{lost.uuid}")
        assert "Written off: €100.00 as write off fraud." in page.text
        again = await web.post(
            url, data={"csrf_token": token, "kind": "write_off_credit", "reason": "twice"}
        )
        assert again.status_code == 409 and "already write_off_fraud" in again.text
    assert (await invoice_row(stack.db, lost.uuid)).payment_status == "write_off_fraud"
    plan = await audited(stack, "invoice.payment_plan", planned.uuid)
    assert plan is not None and len(plan.after["instalments"]) == 3
    written = await audited(stack, "invoice.write_off", lost.uuid)
    assert written is not None and written.after["amount"] == 100_00


async def test_a_webhook_endpoint_registered_test_fired_and_deleted(stack: Stack):
    receiver = Receiver()
    tenant, http = await seller_session(stack)
    await http.aclose()
    async with serving(receiver.app) as hooks, web_session(stack) as (web, token):
        form = {"csrf_token": token, "organization": str(tenant.org.uuid)}
        wrong = await web.post(
            "/app/webhooks", data=form | {"url": "ftp://example.com", "events": "no.such"}
        )
        assert wrong.status_code == 422
        assert "must be an absolute https URL" in wrong.text and 'name="events"' in wrong.text
        answer = await web.post(
            "/app/webhooks",
            data=form | {"url": f"{hooks}/hooks/web", "events": "compliance.*, kyc.*"},
        )
        assert answer.status_code == 200, answer.text
        secret = re.search(r"(whsec_[A-Za-z0-9+/=]+)", answer.text)
        assert secret, answer.text
        async with stack.db.session() as session:  # secrets are encrypted: no query by one
            endpoints = await session.scalars(
                select(WebhookEndpoint).where(WebhookEndpoint.organization_id == tenant.org.id)
            )
            endpoint = next((e for e in endpoints if e.secret == secret[1]), None)
        assert endpoint is not None and endpoint.organization_id == tenant.org.id
        assert endpoint.events == ["compliance.*", "kyc.*"]
        page = await web.get(f"/app/webhooks/{endpoint.public_id}")
        assert page.status_code == 200 and secret[1] not in page.text  # never shown again

        fire = f"/app/webhooks/{endpoint.public_id}/test"
        wrong = await web.post(
            fire,
            data={"csrf_token": token, "eventType": "compliance.status_changed", "data": "[1]"},
        )
        assert wrong.status_code == 422 and "must be a JSON object" in wrong.text
        answer = await web.post(
            fire,
            data={
                "csrf_token": token,
                "eventType": "compliance.status_changed",
                "data": '{"n": 1}',
            },
        )
        assert answer.status_code == 303, answer.text
        event = verified(secret[1], (await receiver.wait_for("web", 1))[0])
        assert event["type"] == "compliance.status_changed" and event["data"] == {"n": 1}
        assert event["source"] == "WEB_APP"

        answer = await web.post(
            f"/app/webhooks/{endpoint.public_id}/delete", data={"csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        gone = await web.get(f"/app/webhooks/{endpoint.public_id}")
        assert gone.status_code == 404
    async with stack.db.session() as session:
        assert await session.get(WebhookEndpoint, endpoint.id) is None
        assert not (
            await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
            )
        ).all()
        entries = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.organization_id == tenant.org.id)
            )
        ).all()
    assert {"webhook.create", "webhook.test", "webhook.delete"} <= {e.action for e in entries}
    assert all(secret[1] not in str((e.before, e.after)) for e in entries)


EDIT_VERSION = re.compile(
    r'<form[^>]*id="(edit|overwrite)"(?:(?!</form>).)*?name="version" value="(\d+)"', re.S
)


async def test_a_webhook_endpoint_edited_from_its_page_as_the_api_would(stack: Stack):
    tenant, http = await seller_session(stack)
    stranger, theirs = await seller_session(stack)
    async with http, theirs, web_session(stack) as (web, token):
        endpoint = await register(http, "http://127.0.0.1:9/hooks/before", ["kyc.*"])
        api, hook = f"/v1/webhooks/{endpoint['id']}", f"/app/webhooks/{endpoint['id']}"
        page = await web.get(hook)
        # the form as the endpoint is: its URL, its events checked, the version it was read at
        assert 'value="http://127.0.0.1:9/hooks/before"' in page.text
        assert 'value="kyc.*" checked' in page.text
        assert dict(EDIT_VERSION.findall(page.text)) == {"edit": "0"}
        mine = {
            "csrf_token": token,
            "version": "0",
            "url": "http://127.0.0.1:9/hooks/after",
            "events": ["compliance.*", "kyc.verification_completed"],
            "partnerIds": [str(tenant.partner.uuid)],
            "acceptedSchemaVersions": "1",
        }

        # what the API refuses is named beside its field, the form shown as it was filled
        wrong = await web.post(
            f"{hook}/edit",
            data=mine | {"url": "ftp://example.com/x", "partnerIds": [str(stranger.partner.uuid)]},
        )
        assert wrong.status_code == 422, wrong.text
        assert "Not saved: Please correct the fields marked below (url: must be an absolute" in (
            wrong.text
        )
        assert "must be an absolute https URL" in wrong.text
        assert "is not one of your organization&#39;s authorized partners" in wrong.text
        assert 'value="ftp://example.com/x"' in wrong.text
        assert 'value="compliance.*" checked' in wrong.text
        none_chosen = await web.post(f"{hook}/edit", data=mine | {"events": []})
        assert none_chosen.status_code == 422
        assert "choose at least one event type or segment" in none_chosen.text
        unchanged = (await http.get(api)).json()
        assert (unchanged["url"], unchanged["version"]) == (endpoint["url"], 0)

        # saved as PATCH /v1/webhooks/{id} saves it: the API shows it, the version moved on
        saved = await web.post(f"{hook}/edit", data=mine)
        assert saved.status_code == 303 and saved.headers["location"] == hook, saved.text
        assert "Endpoint updated." in (await web.get(hook)).text
        changed = (await http.get(api)).json()
        assert changed["url"] == "http://127.0.0.1:9/hooks/after"
        assert changed["events"] == ["compliance.*", "kyc.verification_completed"]
        assert changed["partnerIds"] == [str(tenant.partner.uuid)]
        assert changed["version"] == 1
        entry = await audited(stack, "webhook.update", endpoint["id"])
        assert entry is not None and entry.organization_id == tenant.org.id
        assert (entry.before["url"], entry.before["version"]) == (endpoint["url"], 0)
        assert (entry.after["url"], entry.after["version"]) == (changed["url"], 1)
        assert "secret" not in entry.before and "secret" not in entry.after

        # a form shown before a colleague's change is refused in words, with the saved values
        stale = await web.post(f"{hook}/edit", data=mine | {"url": "http://127.0.0.1:9/hooks/x"})
        assert stale.status_code == 409, stale.text
        assert "this webhook endpoint was changed by someone else at" in stale.text
        assert "If-Match" not in stale.text and "version-mismatch" not in stale.text
        conflict = stale.text.split('id="conflict"')[1].split("</section>")[0]
        assert "http://127.0.0.1:9/hooks/after" in conflict  # saved now
        assert "http://127.0.0.1:9/hooks/x" in conflict  # the operator's, not saved
        assert tenant.partner.name in conflict  # partners by name
        # the form keeps the version it was shown with: sent again, it is refused again
        assert dict(EDIT_VERSION.findall(stale.text)) == {"edit": "0", "overwrite": "1"}
        again = await web.post(f"{hook}/edit", data=mine | {"url": "http://127.0.0.1:9/hooks/x"})
        assert again.status_code == 409
        assert (await http.get(api)).json() == changed
        # saving mine over it is one more, explicit step: the form carrying the current version
        hidden = stale.text.split('id="overwrite"')[1].split("</form>")[0]
        assert 'name="events" value="compliance.*, kyc.verification_completed"' in hidden
        overwrite = mine | {"version": "1", "url": "http://127.0.0.1:9/hooks/x"}
        chosen = await web.post(f"{hook}/edit", data=overwrite | {"events": "kyc.*, compliance.*"})
        assert chosen.status_code == 303, chosen.text
        assert (await http.get(api)).json()["events"] == ["kyc.*", "compliance.*"]

        # another organization's endpoint: not there for this organization's user
        foreign = await register(theirs, "http://127.0.0.1:9/hooks/theirs", ["kyc.*"])
        other = await make_tenant(stack.db)
        async with signed_in(stack, other.username, other.password) as (user, user_token):
            answer = await user.post(
                f"/app/webhooks/{foreign['id']}/edit",
                data=mine | {"csrf_token": user_token, "url": "http://127.0.0.1:9/hooks/mine"},
            )
            assert answer.status_code == 404, answer.text
            assert "hooks/theirs" not in answer.text
        kept = (await theirs.get(f"/v1/webhooks/{foreign['id']}")).json()
        assert (kept["url"], kept["version"]) == (foreign["url"], 0)


DELIVERY_ON_PAGE = re.compile(r"/deliveries/(del_\w+)/replay")
PAGER = re.compile(r'<a href="(\?[^"]*)">(Newer|Older)</a>')


async def endpoint_with_history(
    stack: Stack, http: httpx.AsyncClient, failed: int, delivered: int
) -> tuple[dict, list[str]]:
    """An endpoint whose history holds ``failed`` FAILED deliveries, newest first, with
    ``delivered`` DELIVERED ones among them; three at a time share their moment."""
    endpoint = await register(http, "http://127.0.0.1:9/hooks", ["compliance.*"])
    async with stack.db.transaction() as session:
        row = await session.scalar(
            select(WebhookEndpoint).where(WebhookEndpoint.public_id == endpoint["id"])
        )
        assert row is not None
        start = utcnow() - timedelta(days=2)
        made = []
        for n in range(failed + delivered):
            status = "DELIVERED" if n % (failed // delivered + 1) == 1 else "FAILED"
            delivery = WebhookDelivery(
                public_id=new_delivery_id(),
                organization_id=row.organization_id,
                endpoint_id=row.id,
                event_id=f"evt_{uuid4().hex}",
                event_type="compliance.status_changed",
                kind="TEST",
                payload={"n": n},
                status=status,
                attempts=1,
                http_status=500 if status == "FAILED" else 204,
                created_at=start + timedelta(minutes=n // 3),
            )
            session.add(delivery)
            made.append(delivery)
        await session.flush()
        newest_first = sorted(made, key=lambda d: (d.created_at, d.id), reverse=True)
        failed_ones = [d.public_id for d in newest_first if d.status == "FAILED"]
    return endpoint, failed_ones


def delivery_list(page: httpx.Response) -> tuple[list[str], dict[str, str]]:
    """The deliveries an endpoint's page lists and the links to its newer and older pages."""
    assert page.status_code == 200, page.text
    links = {name: href.replace("&amp;", "&") for href, name in PAGER.findall(page.text)}
    return DELIVERY_ON_PAGE.findall(page.text), links


async def test_every_delivery_of_an_endpoint_is_reached_and_replayed_from_its_page(
    either_stack: Stack,
):
    """GET /v1/webhooks/{id}/deliveries pages through the whole history; the endpoint's page
    listed its latest 50 deliveries with no way further. It pages on, older and newer, its
    status filter kept, and a delivery past the first page is replayed from its own. Pages
    are keyed on a delivery's timestamp, which each database keeps its own way: both run it."""
    stack = either_stack
    _, http = await seller_session(stack)
    async with http, web_session(stack) as (web, token):
        endpoint, failed = await endpoint_with_history(stack, http, failed=60, delivered=5)
        _, others = await endpoint_with_history(stack, http, failed=3, delivered=1)
        hook = f"/app/webhooks/{endpoint['id']}"
        listed = await http.get(
            f"/v1/webhooks/{endpoint['id']}/deliveries", params={"status": "FAILED", "size": 100}
        )
        assert {d["id"] for d in listed.json()["data"]} == set(failed)  # the API lists them all

        first, links = delivery_list(await web.get(hook, params={"status": "FAILED"}))
        assert first == failed[:50] and set(links) == {"Older"}
        assert "status=FAILED" in links["Older"]
        second, back = delivery_list(await web.get(hook + links["Older"]))
        assert second == failed[50:] and set(back) == {"Newer"}  # the rest, from the oldest
        assert "status=FAILED" in back["Newer"]
        again, links = delivery_list(await web.get(hook + back["Newer"]))
        assert again == first and set(links) == {"Older"}  # the latest page, full
        # unfiltered, the delivered ones count too: 65, the last 15 on the second page
        everything, links = delivery_list(await web.get(hook))
        assert len(everything) == 50 and "status" not in links["Older"]
        rest, _ = delivery_list(await web.get(hook + links["Older"]))
        assert len(rest) == 15 and not set(everything) & set(rest)

        # the oldest is replayed from the page that shows it
        replayed = await web.post(
            f"{hook}/deliveries/{failed[-1]}/replay", data={"csrf_token": token}
        )
        assert replayed.status_code == 303, replayed.text
        async with stack.db.session() as session:
            replay = await session.scalar(
                select(WebhookDelivery).where(WebhookDelivery.replay_of == failed[-1])
            )
        assert replay is not None and replay.kind == "REPLAY"
        latest, _ = delivery_list(await web.get(hook))
        assert latest[0] == replay.public_id  # the replay heads the first page

        # a cursor that names none of the endpoint's deliveries gives the first page, as a
        # page number past the end does elsewhere; never an error
        for cursor in ("nonsense", "del_" + "9" * 200, others[0], "", "%"):
            for direction in ("before", "after"):
                shown, _ = delivery_list(await web.get(hook, params={direction: cursor}))
                assert shown == latest, (direction, cursor)
        assert not set(others) & set(latest)


async def order_changes(stack: Stack, order: str) -> list[OrderChange]:
    async with stack.db.session() as session:
        row = await session.scalar(select(Order).where(Order.uuid == UUID(order)))
        assert row is not None
        return list(
            await session.scalars(
                select(OrderChange)
                .where(OrderChange.order_id == row.id)
                .order_by(OrderChange.revision)
            )
        )


async def rewrite_latest(
    stack: Stack, order: str, behind: int = 0, events: list[PendingEvent] | None = None
) -> None:
    """The read-model write of the order's latest revision once more, as a retry sends it (or
    of a revision ``behind`` it, with ``events``, as a write a later one overtook)."""
    async with stack.db.session() as session:
        row = await session.scalar(select(Order).where(Order.uuid == UUID(order)))
        assert row is not None
        organization = await session.get(Organization, row.organization_id)
        partner = await session.get(Partner, row.partner_id)
        assert organization is not None and partner is not None
    snapshot = OrderSnapshot(
        identity=OrderIdentity(
            str(row.uuid),
            row.organization_id,
            str(organization.uuid),
            row.partner_id,
            str(partner.uuid),
            partner.country,
            row.buyer_id,
            row.external_order_id,
        ),
        revision=row.revision - behind,
        status=row.status,
        compliance_status=row.compliance_status,
        version=row.version,
        fingerprint=row.create_fingerprint,
        created_at=row.created_at,
        updated_at=row.updated_at,
        vins=[],
        resources=await stack.client.get_workflow_handle(row.workflow_id).query(OrderWorkflow.view),
        rule_outcomes=[],
        events=events or [],
        source="WEB_APP",
    )
    # in an activity's context, as the worker runs it: its events are kicked to the outbox
    await ActivityEnvironment(client=stack.client).run(
        OrderStoreActivities(stack.db).write_order, snapshot
    )


async def test_a_replay_form_sent_twice_queues_one_replay(stack: Stack):
    """POST /v1/webhooks/{id}/deliveries/{deliveryId}/replay takes an Idempotency-Key: a
    client's retry queues the replay once. The endpoint page's Replay form carries a one-time
    key as the money forms do: a double click queues one replay, writes one audit entry and
    says the second sending did nothing; a new rendering of the page replays again."""
    _tenant, http = await seller_session(stack)
    async with http:
        endpoint = await register(http, "http://127.0.0.1:9/hooks", ["compliance.*"])
    path = f"/app/webhooks/{endpoint['id']}"
    async with web_session(stack) as (web, token):
        fired = await web.post(
            f"{path}/test",
            data={"csrf_token": token, "eventType": "compliance.status_changed", "data": "{}"},
        )
        assert fired.status_code == 303, fired.text
        async with stack.db.session() as session:
            original = await session.scalar(
                select(WebhookDelivery.public_id)
                .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
                .where(WebhookEndpoint.public_id == endpoint["id"])
            )
        assert original

        def replay_form(page: str) -> dict[str, str]:
            form = page.split(f"/deliveries/{original}/replay", 1)[1].split("</form>", 1)[0]
            return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))

        hidden = replay_form((await web.get(path)).text)
        assert hidden.get("csrf_token") == token and hidden.get("formKey"), hidden
        first = await web.post(f"{path}/deliveries/{original}/replay", data=hidden)
        assert first.status_code == 303, first.text
        assert "Replay queued" in (await web.get(path)).text
        again = await web.post(f"{path}/deliveries/{original}/replay", data=hidden)
        assert again.status_code == 303, again.text
        said = (await web.get(path)).text
        assert "This form was sent already; nothing was done again." in said, said
        anew = replay_form(said)
        assert anew["formKey"] != hidden["formKey"]
        later = await web.post(f"{path}/deliveries/{original}/replay", data=anew)
        assert later.status_code == 303, later.text

    async def counted() -> tuple[int | None, int | None]:
        async with stack.db.session() as session:
            replays = await session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.replay_of == original)
            )
            entries = await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "webhook.replay", AuditEntry.object_id == original)
            )
        return replays, entries

    assert await counted() == (2, 2)  # the double click once, the new rendering once


async def test_each_order_change_is_recorded_with_the_source_of_its_command(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer(documents=False)))["uuid"]
    await asyncio.sleep(1.1)  # the read model shows times to the second
    async with web_session(stack) as (web, token):
        answer = await web.post(
            f"/app/orders/{order}/cancel", data={"csrf_token": token, "reason": "buyer withdrew"}
        )
        assert answer.status_code == 303, answer.text
        page = await web.get(f"/app/orders/{order}")
    assert page.status_code == 200
    changes = await order_changes(stack, order)
    assert [c.revision for c in changes] == list(range(1, len(changes) + 1))
    assert changes[0].source == "API"  # the order's creation
    cancelled = [c for c in changes if c.status == "CANCELLED"]
    assert cancelled and cancelled[0].source == "WEB_APP"
    async with stack.db.session() as session:
        row = await session.scalar(select(Order).where(Order.uuid == UUID(order)))
    assert row is not None and changes[-1].revision == row.revision
    assert changes[-1].at == row.updated_at and changes[-1].version == row.version
    # the timeline takes each milestone's source from these changes
    rows = dict(re.findall(r"<td>([^<]+)</td><td>[^<]*</td><td><span[^>]*>(\w+)</span>", page.text))
    assert rows.get("Order created") == "API"
    assert rows.get("Order cancelled") == "WEB_APP"
    # a retried write of a revision already written adds no change
    await rewrite_latest(stack, order)
    assert [(c.revision, c.source) for c in await order_changes(stack, order)] == [
        (c.revision, c.source) for c in changes
    ]


async def test_a_write_a_later_one_overtook_still_writes_its_events_once(stack: Stack):
    """Two commands' writes can finish out of order, and a retry comes after both: the older
    revision leaves the views to the newer one, but its events are its own and reach the
    events feed, once."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer(documents=False)))["uuid"]
        await client.invoice_and_payment(order)
        before = (await client.get(f"/orders/{order}")).json()
        event = PendingEvent(
            f"evt_{uuid4().hex}",
            "order.status_changed",
            "API",
            utcnow(),
            {"orderUuid": order, "previousStatus": "CREATED", "currentStatus": "INVOICE_SUBMITTED"},
        )
        for _ in range(2):
            await rewrite_latest(stack, order, behind=1, events=[event])
        after = (await client.get(f"/orders/{order}")).json()
    async with stack.db.session() as session:
        stored = await session.scalar(select(func.count()).where(Event.id == event.id))
    assert stored == 1
    assert after == before  # the views stay the newer revision's


# a re-decision's reason, longer than the 200 characters an Export File's reason was cut at
REASON = "CMR corrected by the carrier;" + " the second stamp reads Lyon, not Lille." * 6


async def test_staff_decide_a_decided_order_again_with_a_reason(stack: Stack):
    """A re-decision is a staff command with a reason, audited, and produces a new Export File
    version naming the reason; without a reason it is refused beside the field."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.export_file_until(order, 1)
        async with web_session(stack) as (web, token):
            page = await web.get(f"/app/orders/{order}")
            assert 'id="redecide"' in page.text
            refused = await web.post(f"/app/orders/{order}/redecide", data={"csrf_token": token})
            assert refused.status_code == 422 and "Say why" in refused.text
            too_long = await web.post(
                f"/app/orders/{order}/redecide", data={"csrf_token": token, "reason": "x" * 501}
            )
            assert too_long.status_code == 422 and "at most 500 characters" in too_long.text
            answer = await web.post(
                f"/app/orders/{order}/redecide",
                data={"csrf_token": token, "reason": REASON, "staff": "someone else"},
            )
            assert answer.status_code == 303, answer.text
            export = await client.export_file_until(order, 2)
            # the page lists the version with its reason whole, as the API does: it was cut
            # at 200 characters
            page = await web.get(f"/app/orders/{order}")
    assert export["decision"] == "VALID_EXPORT"
    assert export["supersededVersions"][0]["archivedReason"].endswith(f": {REASON}")
    [listed] = re.findall(r"<li>(?:<a [^>]*>)?Version 2.*?</li>", page.text, re.S)
    assert REASON in listed, listed
    entry = await audited(stack, "order.redecide", order)
    assert entry is not None and entry.after["reason"] == REASON
    assert entry.username != "someone else"  # the acting staff member is the session's


async def test_a_regenerate_form_sent_twice_makes_one_export_file_version(stack: Stack):
    """Each sending of Regenerate makes an Export File version: the same rendering of the form
    sent again (a double click, the browser's resend) makes none and writes no audit entry,
    and says so; a new rendering of the page asks anew."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.export_file_until(order, 1)
        async with web_session(stack) as (web, _token):
            page = await web.get(f"/app/orders/{order}")
            form = form_of(page.text, "regenerate-export") | {"reason": "stamp corrected"}
            first = await web.post(f"/app/orders/{order}/regenerate-export", data=form)
            again = await web.post(f"/app/orders/{order}/regenerate-export", data=form)
            assert first.status_code == again.status_code == 303, again.text
            await client.export_file_until(order, 2)
            told = await web.get(again.headers["location"])
            page = await web.get(f"/app/orders/{order}")
            anew = form_of(page.text, "regenerate-export") | {"reason": "stamp corrected"}
            assert (await web.post(f"/app/orders/{order}/regenerate-export", data=anew)).is_redirect
            export = await client.export_file_until(order, 3)
    assert "This form was sent already" in told.text
    assert export["version"] == 3 and len(export["supersededVersions"]) == 2
    assert await money_audited(stack, "order.regenerate_export", order) == 2


async def test_a_final_order_offers_only_the_forms_the_workflow_still_takes(stack: Stack):
    """Delivered and decided, an order refuses every correction but its final invoice's and
    its responsible contact's (409 "The order is final"). Its page still offered the
    preliminary invoice's and the payment's corrections and the order's whole edit form, each
    Save a refusal the operator could not foresee; it now offers the final invoice, documents,
    the re-decision and the responsible contact only (the purchase date is shown, held)."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        async with web_session(stack) as (web, token):
            page = await web.get(f"/app/orders/{order}")
            version = re.search(r'id="order-version">(\d+)<', page.text)
            assert version, page.text
            # what the edit form would send: the workflow refuses it
            refused = await web.post(
                f"/app/orders/{order}/edit",
                data={"csrf_token": token, "version": version[1], "purchaseDate": "2026-01-02"},
            )
            contact = await web.post(
                f"/app/orders/{order}/edit",
                data={
                    "csrf_token": token,
                    "version": version[1],
                    "responsibleContact.firstName": "Anna",
                    "responsibleContact.lastName": "Berger",
                    "responsibleContact.email": "anna.berger@example.com",
                },
            )
            final = await web.post(
                f"/app/orders/{order}/final-invoice",
                data={
                    "csrf_token": token,
                    "invoiceNumber": "FIN-7",
                    "invoiceDate": seller_today().isoformat(),
                    "amount": "18,500.00",
                },
            )
            after = await web.get(f"/app/orders/{order}")
    assert refused.status_code == 409 and "The order is final" in refused.text
    assert "its decision is held" in refused.text
    offered = set(re.findall(r'<form[^>]*id="([\w-]+)"', page.text))
    assert offered == {"final-invoice", "documents-upload", "regenerate-export", "redecide", "edit"}
    assert 'name="purchaseDate"' not in page.text and 'id="purchase-date-held"' in page.text
    assert contact.status_code == 303, contact.text
    assert 'value="Berger"' in after.text
    entry = await audited(stack, "order.edit", order)
    assert entry is not None and entry.after is not None
    assert entry.after["responsibleContact"]["lastName"] == "Berger"
    assert "The order is final" in page.text and "the final invoice may follow" in page.text
    assert final.status_code == 303, final.text
    # the final invoice, once there, may be corrected (PATCH .../invoice with type FINAL)
    assert set(re.findall(r'<form[^>]*id="([\w-]+)"', after.text)) == offered - {
        "final-invoice"
    } | {"final-invoice-edit"}
    assert "the final invoice may still be corrected" in after.text


async def test_a_redecision_judges_the_buyer_as_it_is_now(stack: Stack):
    """A decided order hears no more of its buyer (a block signals open orders only): staff
    deciding it again after the buyer was blocked get the block's blocker, not VALID again on
    the buyer as the first decision saw it."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        order = await client.delivered(buyer)
        decided = (await client.get(f"/orders/{order}/compliance")).json()
        assert decided["complianceStatus"] == "VALID"
        blocked = await client.post(f"/buyers/{buyer}/block", {"reason": "fraud suspected"})
        assert blocked.status_code == 200, blocked.text
        async with web_session(stack) as (web, token):
            answer = await web.post(
                f"/app/orders/{order}/redecide",
                data={"csrf_token": token, "reason": "buyer under review"},
            )
            assert answer.status_code == 303, answer.text
        rollup = (await client.get(f"/orders/{order}/compliance")).json()
    assert rollup["complianceStatus"] == "INCOMPLETE", rollup
    assert "BUYER_BLOCKED" in {b["code"] for b in rollup["blockers"]}


NUL = "a\x00b"


DE_VAT = "DE136695976"  # a German VAT number, valid by its check digit


def fields_named(page: httpx.Response) -> list[str]:
    """The fields a refusal's page names (api/web/templates/error.html), as a person reads it."""
    assert page.headers["content-type"].startswith("text/html"), page.text
    _, listed, rest = page.text.partition('<ul class="problem">')
    return re.findall(r"<li>([^:<]+): ", rest.split("</ul>")[0]) if listed else []


async def test_odd_input_on_the_forms_is_refused_naming_the_field_and_writes_nothing(
    stack: Stack,
):
    """Text holding a NUL character sent as multipart (a browser may send any form so), ids
    past their column, a note longer than its column, a plan's first date in the year 9999,
    test data a strict JSON decoder refuses, a VAT number of thousands of digits: each a 4xx
    naming the field, never a 5xx, and nothing written."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer(documents=False)
        order = (await client.order(buyer))["uuid"]
        endpoint = await register(http, "http://127.0.0.1:9/hooks", ["compliance.*"])
    invoice = await captured_invoice(stack.db, utcnow() - timedelta(days=1), total=100_00)
    org, pay = (
        f"/app/admin/organizations/{tenant.org.uuid}",
        f"/app/payments/invoices/{invoice.uuid}",
    )
    async with web_session(stack) as (web, token):
        for path, fields, field in [
            ("/app/admin/organizations", {"name": NUL}, "name"),
            (f"{org}/dpa", {"dpaVersion": NUL}, "dpaVersion"),
            (f"{org}/api-clients", {"name": NUL}, "name"),
            (f"{org}/users", {"username": NUL, "password": "p" * 12}, "username"),
            ("/app/admin/staff", {"username": "s", "password": "p" * 12, "email": NUL}, "email"),
            ("/app/orders/new", {"buyer": buyer, "externalOrderId": NUL}, "externalOrderId"),
            (f"{pay}/payment", {"amount": "1.00", "note": NUL}, "note"),
            ("/app/login", {"username": NUL, "password": "x"}, "username"),
        ]:
            parts = {k: (None, v) for k, v in ({"csrf_token": token} | fields).items()}
            answer = await web.post(path, files=parts)
            assert answer.status_code == 422, (path, answer.text)
            assert fields_named(answer) == [field], path
        # the admin forms check the values as the API checks them
        for path, fields, message in [
            (f"{org}/partners", {"name": "P", "country": "XX"}, "ISO 3166-1 alpha-2"),
            (f"{org}/partners", {"name": "P", "country": "FR", "vatNumber": DE_VAT}, "not of FR"),
            (f"{org}/users", {"username": "u", "password": "p" * 12, "email": "no"}, "e-mail"),
            # an inline form with no place beside its field: the alert names it
            (
                f"{org}/rotate",
                {"clientId": tenant.client_id, "graceHours": "-1"},
                "graceHours: must be between 0 and 720 hours",
            ),
        ]:
            answer = await web.post(path, data={"csrf_token": token} | fields)
            assert answer.status_code == 422 and message in answer.text, (path, fields)
        # the API's limits hold on the web app's upload too
        upload = {"csrf_token": token, "type": "ORDER_OTHER", "issuerType": "CARRIER"}
        answer = await web.post(
            f"/app/orders/{order}/documents",
            data=upload | {"issuerName": "N" * 5000},
            files={"file": ("a.pdf", pdf("long issuer"), "application/pdf")},
        )
        assert answer.status_code == 422 and "at most 300 characters" in answer.text
        # a file name holding a NUL, written by hand: httpx would percent-encode it
        statement = (
            (
                f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
                '--B\r\nContent-Disposition: form-data; name="file"; filename="s\x00.xml"\r\n\r\n'
            ).encode()
            + statement_paying(invoice.payment_reference, 100_00)
            + b"\r\n--B--\r\n"
        )
        answer = await web.post(
            "/app/payments/statements",
            content=statement,
            headers={"content-type": "multipart/form-data; boundary=B"},
        )
        assert answer.status_code == 422 and fields_named(answer) == ["file"]

        # ids past their 32-bit column name nothing
        assert (await web.get(f"/app/orders/{order}/export-file/{2**31}")).status_code == 404
        book = await web.post(
            f"/app/payments/statements/entries/{2**63}/book",
            data={"csrf_token": token, "paymentReference": invoice.payment_reference},
        )
        assert book.status_code == 404 and "no such page" in book.text

        form = {"csrf_token": token}
        long_note = await web.post(f"{pay}/payment", data=form | {"amount": "1", "note": "n" * 501})
        assert long_note.status_code == 422 and "must be at most 500 characters" in long_note.text
        # a pause from a stale page is refused in words, the page showing the endpoint as it is
        hook = f"/app/webhooks/{endpoint['id']}"
        for stale, said in (
            ({"version": "99"}, "changed by someone else since the page was shown"),
            ({}, "The form has no version"),
        ):
            paused = await web.post(f"{hook}/pause", data=form | stale)
            assert paused.status_code == 409 and said in paused.text, paused.text
            assert "If-Match" not in paused.text
        assert (await web.post(f"{hook}/pause", data=form | {"version": "0"})).status_code == 303
        # a reason longer than it is kept is refused, not cut short
        long_reason = await web.post(
            f"{pay}/write-off", data=form | {"kind": "WRITTEN_OFF", "reason": "r" * 501}
        )
        assert long_reason.status_code == 422 and "at most 500 characters" in long_reason.text
        regenerate = await web.post(
            f"/app/orders/{order}/regenerate-export", data=form | {"reason": "r" * 1001}
        )
        assert regenerate.status_code == 422  # before any command: the order is not decided
        for day in ("9999-12-31", "0001-01-01"):  # no money comes on such a day
            slip = await web.post(f"{pay}/payment", data=form | {"amount": "1", "receivedOn": day})
            assert slip.status_code == 422 and "must be between" in slip.text, day
        # the operator's today may be tomorrow in UTC: that far, no further
        tomorrow = utcnow().date() + timedelta(days=1)
        ahead = await web.post(
            f"{pay}/payment",
            data=form | {"amount": "1", "receivedOn": str(tomorrow + timedelta(days=1))},
        )
        assert ahead.status_code == 422 and f"and {tomorrow}" in ahead.text
        far = await web.post(
            f"{pay}/payment-plan", data=form | {"instalments": "3", "firstDue": "9999-12-31"}
        )
        assert far.status_code == 422 and "the first instalment falls on" in far.text
        past = await web.post(
            f"{pay}/payment-plan", data=form | {"instalments": "3", "firstDue": "2001-01-01"}
        )
        assert past.status_code == 422 and "at the earliest" in past.text

        for data in ("9" * 5000, '{"n": ' + "9" * 5000 + "}", '{"n": NaN}', '{"n": 1e400}'):
            fired = await web.post(
                f"/app/webhooks/{endpoint['id']}/test",
                data=form | {"eventType": "compliance.status_changed", "data": data},
            )
            assert fired.status_code == 422, fired.text
            assert "must be a JSON object" in fired.text or "must be a finite number" in fired.text

        partner = await web.post(
            f"{org}/partners", data=form | {"name": "P", "country": "DE", "vatNumber": "9" * 5000}
        )
        assert partner.status_code == 422 and "at most 20 characters" in partner.text
    assert (await invoice_row(stack.db, invoice.uuid)).payment_status == "not_paid"
    async with stack.db.session() as session:
        deliveries = await session.scalars(
            select(WebhookDelivery)
            .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
            .where(WebhookEndpoint.public_id == endpoint["id"])
        )
        partners = await session.scalars(
            select(Partner).where(Partner.organization_id == tenant.org.id, Partner.name == "P")
        )
        assert list(deliveries) == [] and list(partners) == []


async def test_the_timeline_keeps_the_payment_submitted_when_it_is_marked_ready(stack: Stack):
    """The invoice and the payment are submitted over the API; later the invoice is corrected
    and the payment marked ready for pickup in the web app. The read model keeps only each
    module's latest change; the timeline keeps every milestone, when and by whom."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await client.buyer()
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        invoice = (await client.get(f"/orders/{order}/invoice")).json()[0]
        async with web_session(stack) as (web, token):
            before = await web.get(f"/app/orders/{order}")
            assert "<td>Payment submitted</td>" in before.text
            corrected = await http.patch(
                f"{tenant.seller}/orders/{order}/invoice",
                json={"type": "PRELIMINARY", "invoiceNumber": "FV-1/K"},
                headers=key() | {"If-Match": f'"{invoice["version"]}"'},
            )
            assert corrected.status_code == 200, corrected.text
            ready = await web.post(
                f"/app/orders/{order}/ready-for-pickup", data={"csrf_token": token}
            )
            assert ready.status_code == 303, ready.text
            page = await web.get(f"/app/orders/{order}")
    rows = re.findall(
        r'<tr class="t-milestone"><td>[^<]*</td><td>([^<]+)</td><td>[^<]*</td>'
        r'<td><span class="source s-\w+">(\w+)</span>',
        page.text,
    )
    assert ("Ready for pickup", "WEB_APP") in rows, rows
    assert ("Payment submitted", "API") in rows, rows  # the API's submission is history too
    assert (f"Preliminary invoice {invoice['invoiceNumber']}", "API") in rows, rows
    assert ("Preliminary invoice corrected: FV-1/K", "API") in rows, rows


async def test_a_payment_before_the_invoice_is_not_said_to_mismatch_it(stack: Stack):
    """A payment submitted before the preliminary invoice has nothing to be compared with (the
    API leaves ``amountMatchesInvoice`` out): the order page says so, and says "does not match
    the invoice" only once an invoice of another amount is there."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        paid = await client.post(
            f"/orders/{order}/payment",
            {
                "paymentDate": seller_today().isoformat(),
                "bankAmount": money(TOTAL),
                "cashAmount": money(0),
                "sourceIban": "DE89 3704 0044 0532 0130 00",
            },
        )
        assert paid.status_code == 201, paid.text
        assert "amountMatchesInvoice" not in (await client.get(f"/orders/{order}/payment")).json()
        async with web_session(stack) as (web, _token):
            before = await web.get(f"/app/orders/{order}")
            invoiced = await client.post(
                f"/orders/{order}/invoice",
                {
                    "type": "PRELIMINARY",
                    "invoiceDate": seller_today().isoformat(),
                    "invoiceNumber": f"INV-{uuid4().hex[:6]}",
                    "vatIncluded": False,
                    "amount": money(TOTAL + 100_00),
                },
            )
            assert invoiced.status_code == 201, invoiced.text
            await client.compliance_until(
                order, lambda r: r["modules"]["payment"].get("amountMatchesInvoice") is False
            )
            after = await web.get(f"/app/orders/{order}")
    assert before.status_code == after.status_code == 200
    assert "does not match the invoice" not in before.text
    assert "no invoice yet to compare it with" in before.text
    assert "does not match the invoice" in after.text
    assert "no invoice yet" not in after.text
