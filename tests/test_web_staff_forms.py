"""Staff forms of the web app over plain HTTP (a signed-in session and its CSRF token): a KYC
verification left for review approved from the buyer page, and a payment recorded from the
invoice page that settles the invoice."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from sqlalchemy import select

from store.models import KycVerification, utcnow
from store.web import AuditEntry
from tests.conftest import Stack
from tests.order_flow import OrderClient, seller_session
from tests.payment_invoices import captured_invoice, invoice_row, staff_member, statement_paying
from tests.test_kyc_verification import nt24_buyer
from workflows.kyc_verification import KycWorkflow, kyc_workflow_id
from workflows.rules.kyc_verification import REVIEW

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


async def test_staff_approve_a_kyc_review_from_the_buyer_page(stack: Stack):
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Reviewing")
        assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
    handle = stack.client.get_workflow_handle(kyc_workflow_id(buyer))
    async with asyncio.timeout(30):
        while (await handle.query(KycWorkflow.state))["phase"] != REVIEW:
            await asyncio.sleep(0.2)
    async with web_session(stack) as (web, token):
        page = await web.get(f"/app/buyers/{buyer}")
        assert 'id="kyc-review"' in page.text and "Approve" in page.text
        refused = await web.post(
            f"/app/buyers/{buyer}/kyc-review", data={"csrf_token": token, "decision": "reject"}
        )
        assert refused.status_code == 422 and "say why" in refused.text  # a reason to reject
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
