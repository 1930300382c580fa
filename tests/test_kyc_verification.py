"""NT24-led verification for real: iDenfy's sandboxes over loopback HTTP, the real clients, the
signed callback, KycWorkflow on the dev server and on the time-skipping server, PostgreSQL,
and the signed KYC profile PDF checked with pyhanko's validator."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

import sandboxes.app
from activities.buyers.identity_verification import (
    SIGNATURE_HEADER,
    AmlClient,
    AmlRequest,
    IdentityClient,
    ProviderFailure,
    callback_signature,
    read_callback,
)
from activities.buyers.kyc_profile_pdf import (
    CompanyFacts,
    KycProfileActivities,
    ProfileRequest,
    SigningMaterial,
    render_profile,
    self_signed,
    sign_profile,
    signing_material,
)
from activities.kept_alive import KeptAliveClients
from api.nt24.buyers.kyc_verification import review
from sandboxes.idenfy import markdown_tables
from settings import Settings
from store.db import Database
from store.models import KycVerification, ProviderCallback
from tests.conftest import Stack, capture_history, serving, settings_for_tests
from tests.order_flow import OrderClient, key, seller_session
from workflows.buyers.kyc_verification import KycWorkflow, ReviewDecision
from workflows.buyers.rules.kyc_verification import (
    CLEAR,
    COMPANY,
    FLAGGED,
    PERSON,
    REJECTED,
    REVIEW,
    VERIFIED,
    AmlMatch,
    AmlScreening,
    AmlThresholds,
    review_verdict,
    verdict,
)
from workflows.ids import kyc_workflow_id

DOCS = Path(__file__).parent.parent / "docs" / "sandboxes.md"
THRESHOLDS = AmlThresholds(review=70, flag=90)
NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def screening(subject: str, score: int = 0, error: str | None = None) -> AmlScreening:
    matches = [AmlMatch("LISTED PERSON", score, ["PEP_CURRENT"])] if score else []
    return AmlScreening(subject, "Anna Muster", "DE", None, NOW, matches=matches, error=error)


CLEAN = [screening(COMPANY), screening(PERSON)]


# --- the verdict: pure ----------------------------------------------------------------------


def test_approved_and_clear_is_verified():
    decided = verdict("APPROVED", [], [], CLEAN, THRESHOLDS)
    assert (decided.outcome, decided.aml_status) == (VERIFIED, CLEAR)


@pytest.mark.parametrize("status", ["DENIED", "SUSPECTED"])
def test_denied_or_suspected_is_rejected_with_the_tags(status: str):
    decided = verdict(status, ["DUPLICATE_FACE"], ["NAME"], [screening(COMPANY)], THRESHOLDS)
    assert decided.outcome == REJECTED
    assert decided.reason == f"identity verification {status} (DUPLICATE_FACE, NAME)"


@pytest.mark.parametrize(
    ("score", "outcome", "aml"),
    [(69, VERIFIED, CLEAR), (70, REVIEW, "PENDING"), (90, REJECTED, FLAGGED)],
)
def test_aml_scores_against_the_two_thresholds(score: int, outcome: str, aml: str):
    decided = verdict(
        "APPROVED", [], [], [screening(COMPANY), screening(PERSON, score)], THRESHOLDS
    )
    assert (decided.outcome, decided.aml_status) == (outcome, aml)


def test_the_provider_reviewing_or_an_unavailable_screening_goes_to_staff():
    assert verdict("REVIEWING", [], [], CLEAN, THRESHOLDS).outcome == REVIEW
    down = [screening(COMPANY, error="SERVICE_UNAVAILABLE"), screening(PERSON)]
    assert verdict("APPROVED", [], [], down, THRESHOLDS).outcome == REVIEW
    unscreened = verdict("APPROVED", [], [], [screening(COMPANY)], THRESHOLDS)
    assert unscreened.outcome == REVIEW and "not screened" in (unscreened.reason or "")


def test_staff_rejecting_an_aml_doubt_flags_it_and_approving_clears_it():
    pending = verdict("APPROVED", [], [], [screening(COMPANY), screening(PERSON, 80)], THRESHOLDS)
    assert review_verdict(False, "PEP confirmed", pending).aml_status == FLAGGED
    assert review_verdict(True, "namesake", pending).aml_status == CLEAR
    identity_only = verdict("REVIEWING", [], [], CLEAN, THRESHOLDS)
    rejected = review_verdict(False, "photo blurred", identity_only)
    assert (rejected.outcome, rejected.reason) == (REJECTED, "staff: photo blurred")
    assert rejected.aml_status == CLEAR


def test_callbacks_are_read_only_in_the_providers_shape():
    body = {
        "final": True,
        "status": {"overall": "DENIED", "fraudTags": [], "mismatchTags": ["NAME"]},
        "data": {"docFirstName": "ANNA", "docLastName": "MUSTER", "docDob": "1980-04-12"},
        "scanRef": "abc",
        "clientId": str(uuid4()),
    }
    result = read_callback(json.dumps(body).encode())
    assert result is not None and result.overall == "DENIED" and result.mismatch_tags == ["NAME"]
    assert result.person.full_name == "ANNA MUSTER"
    assert read_callback(b"not json") is None
    assert read_callback(json.dumps({"final": True}).encode()) is None


# --- the sandboxes and the real clients -----------------------------------------------------


def test_docs_carry_the_sandbox_tables_verbatim():
    assert markdown_tables() in DOCS.read_text()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def sandbox_url() -> AsyncIterator[str]:
    async with serving(sandboxes.app.create_app()) as base_url:
        yield base_url


def provider_settings(pg_url: str, sandbox_url: str, **overrides: Any) -> Settings:
    return settings_for_tests(
        pg_url,
        **{
            "idenfy_base_url": f"{sandbox_url}/idenfy",
            "idenfy_aml_base_url": f"{sandbox_url}/idenfy-aml",
        }
        | overrides,
    )


async def test_a_session_is_created_and_its_link_opens(
    pg_url: str, sandbox_url: str, outgoing: KeptAliveClients
):
    client = IdentityClient(provider_settings(pg_url, sandbox_url), outgoing)
    session = await client.create_session(str(uuid4()), "Anna", "Expired")
    assert not isinstance(session, ProviderFailure)
    assert session.session_id == f"idenfy_{session.scan_ref}"
    assert session.idenfy_url.startswith(f"{sandbox_url}/idenfy/api/v2/redirect?authToken=")
    async with httpx.AsyncClient() as http:
        assert (await http.get(session.idenfy_url)).status_code == 200


async def test_wrong_credentials_are_final_and_an_outage_is_retryable(
    pg_url: str, sandbox_url: str, outgoing: KeptAliveClients
):
    wrong = IdentityClient(
        provider_settings(pg_url, sandbox_url, idenfy_api_secret="nope"), outgoing
    )
    refused = await wrong.create_session(str(uuid4()), None, None)
    assert refused == ProviderFailure(
        "UNAUTHORIZED", "Incorrect authentication credentials.", final=True
    )
    down = await IdentityClient(provider_settings(pg_url, sandbox_url), outgoing).create_session(
        str(uuid4()), "Anna", "Down"
    )
    assert isinstance(down, ProviderFailure) and not down.final
    unreachable = IdentityClient(
        provider_settings(pg_url, sandbox_url, idenfy_base_url="http://127.0.0.1:9/idenfy"),
        outgoing,
    )
    network = await unreachable.create_session(str(uuid4()), None, None)
    assert isinstance(network, ProviderFailure) and network.code == "NETWORK_ERROR"


async def test_aml_checks_answer_scored_matches_with_their_lists(
    pg_url: str, sandbox_url: str, outgoing: KeptAliveClients
):
    from temporalio.testing import ActivityEnvironment

    client = AmlClient(provider_settings(pg_url, sandbox_url), outgoing)

    async def check(name: str) -> AmlScreening | ProviderFailure:
        request = AmlRequest(str(uuid4()), PERSON, name, "DE", "1980-04-12", THRESHOLDS.review)
        return await ActivityEnvironment().run(client.check, request)

    hit, near, clear, down = [
        await check(n)
        for n in ("Ivan Sanctioned", "Paul Politician", "Anna Muster", "Otto Unreachable")
    ]
    assert isinstance(hit, AmlScreening) and hit.top is not None
    assert (hit.top.score, hit.top.datasets) == (96, ["SANCTION_CURRENT"])
    assert isinstance(near, AmlScreening) and near.top_score == 78
    assert isinstance(clear, AmlScreening) and clear.matches == []
    assert isinstance(down, ProviderFailure) and not down.final


# --- the signed profile PDF -----------------------------------------------------------------


def profile_request() -> ProfileRequest:
    from activities.buyers.identity_verification import IdentityPerson

    return ProfileRequest(
        buyer_uuid=str(uuid4()),
        session_id="idenfy_abc",
        scan_ref="abc",
        identity_status="APPROVED",
        decided_by="SYSTEM",
        person=IdentityPerson("ANNA", "MUSTER", "1980-04-12", "DE", "ID_CARD"),
        screenings=[screening(COMPANY), screening(PERSON, 40)],
        thresholds=THRESHOLDS,
        started_at=NOW,
        verified_at=NOW,
        expires_at=NOW + timedelta(days=365),
    )


async def validate(pdf: bytes, material: SigningMaterial) -> Any:
    certificate = asn1_x509.Certificate.load(pem.unarmor(material.certificate_pem)[2])
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return await async_validate_pdf_signature(
        signature, ValidationContext(trust_roots=[certificate])
    )


async def test_the_profile_is_signed_pades_and_any_changed_byte_breaks_it():
    material = self_signed("NT24 test signer")
    company = CompanyFacts("Autohaus Muster GmbH", "DE136695976", "Hauptstr. 1, Berlin", "NT24_LED")
    # signing runs its own event loop: the activity runs it in a thread too
    signed = await asyncio.to_thread(
        sign_profile, render_profile(profile_request(), company), material
    )
    status = await validate(signed, material)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    # one byte of the rendered content (inside the signed byte range) changed
    at = signed.index(b"stream") + 20
    tampered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :]
    assert not (await validate(tampered, material)).intact
    # a signer nobody trusts is not trusted, even when intact
    assert not (await validate(signed, self_signed("someone else"))).trusted


def test_the_profile_prints_markup_in_a_name_as_text():
    """A company's name or a reviewer's reason is text in the signed profile: no markup of
    theirs becomes a link, a style or an image (a local file read into the PDF)."""
    forged = (
        'ACME & Co <a href="https://evil.example/renew">click</a> <font color="green">CLEAR</font>'
        '<img src="/etc/hostname"/>'
    )
    company = CompanyFacts(forged, "DE136695976", "Hauptstr. 1 <br/>", "NT24_LED")
    pdf = render_profile(replace(profile_request(), review_reason="<b>ok</b>"), company)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert b"/URI" not in pdf and b"/Subtype /Image" not in pdf  # no link, no image
    assert '<a href="https://evil.example/renew">click</a>' in text.replace("\n", "")
    assert "<b>ok</b>" in text and "ACME & Co" in text


# --- end to end over HTTP on the dev server -------------------------------------------------


async def nt24_buyer(
    client: OrderClient, last_name: str, company: str = "Autohaus Muster GmbH"
) -> str:
    answer = await client.post(
        "/buyers",
        {
            "kycMode": "NT24_LED",
            "vatNumber": "FR40303265045",
            "companyName": company,
            "address": {"street": "1 rue", "postCode": "75002", "city": "Paris", "country": "FR"},
            "contacts": [{"firstName": "Anna", "lastName": last_name, "email": "anna@example.com"}],
        },
    )
    assert answer.status_code == 201, answer.text
    buyer = answer.json()["uuid"]
    uploaded = await client.upload(f"/buyers/{buyer}/kyc/documents", "COC_EXTRACT")
    assert uploaded.status_code == 201, uploaded.text
    return buyer


async def kyc_until(client: OrderClient, buyer: str, predicate: Any, seconds: float = 30) -> dict:
    async with asyncio.timeout(seconds):
        while True:
            status = (await client.get(f"/buyers/{buyer}/kyc")).json()
            if predicate(status):
                return status
            await asyncio.sleep(0.2)


def decided(status: dict) -> bool:
    return status["verificationStatus"] in (VERIFIED, REJECTED)


async def events(client: OrderClient, type_: str, buyer: str) -> list[dict]:
    feed = (await client.http.get("/v1/events", params={"type": type_, "size": 100})).json()
    return [e for e in feed["data"] if e["data"]["buyerUuid"] == buyer]


async def callbacks_of(stack: Stack, scan_ref: str) -> list[ProviderCallback]:
    async with stack.db.session() as session:
        rows = await session.scalars(
            select(ProviderCallback)
            .where(ProviderCallback.scan_ref == scan_ref)
            .order_by(ProviderCallback.id)
        )
        return list(rows)


async def test_approved_is_verified_with_a_signed_profile_and_the_event(stack: Stack):
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Muster")
        before = (await client.get(f"/buyers/{buyer}/kyc")).json()
        assert (before["verificationStatus"], before["amlStatus"]) == ("NOT_STARTED", "PENDING")
        assert (await client.get(f"/buyers/{buyer}/kyc/profile")).status_code == 409

        started = await client.post(f"/buyers/{buyer}/kyc/verify")
        assert started.status_code == 201, started.text
        session = started.json()
        assert set(session) == {"sessionId", "idenfyUrl"}
        assert session["sessionId"].startswith("idenfy_")
        status = await kyc_until(client, buyer, decided)
        assert (status["verificationStatus"], status["amlStatus"]) == (VERIFIED, CLEAR)
        assert status["overallStatus"] == "VALID" and "verificationExpiresAt" in status

        [completed] = await events(client, "kyc.verification_completed", buyer)
        assert completed["source"] == "SYSTEM"
        assert completed["data"]["outcome"] == VERIFIED
        assert completed["data"]["sessionId"] == session["sessionId"]

        profile = await client.get(f"/buyers/{buyer}/kyc/profile")
        assert profile.status_code == 200 and profile.headers["content-type"] == "application/pdf"
        status = await validate(profile.content, signing_material(stack.settings))
        assert status.intact and status.valid and status.trusted

        # the provider's non-final callback came first and decided nothing
        scan_ref = session["sessionId"].removeprefix("idenfy_")
        outcomes = [c.outcome for c in await callbacks_of(stack, scan_ref)]
        assert outcomes == ["NOT_FINAL", "ACCEPTED"]

        # replayed, unsigned and wrongly signed callbacks change nothing
        final = (await callbacks_of(stack, scan_ref))[-1].body
        signature = callback_signature(stack.settings.idenfy_callback_signing_key, final)
        path = "/v1/providers/idenfy/callback"
        replayed = await http.post(path, content=final, headers={SIGNATURE_HEADER: signature})
        assert replayed.status_code == 200 and replayed.json() == {"received": "REPLAYED"}
        denied = json.loads(final) | {"status": {"overall": "DENIED"}}
        forged = json.dumps(denied).encode()
        wrong = await http.post(path, content=forged, headers={SIGNATURE_HEADER: signature})
        unsigned = await http.post(path, content=forged)
        assert wrong.status_code == unsigned.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
        outcomes = [(c.outcome, c.signature_valid) for c in await callbacks_of(stack, scan_ref)]
        assert outcomes[2:] == [("REPLAYED", True)]
        async with stack.db.session() as db_session:
            refused = await db_session.scalars(
                select(ProviderCallback.outcome).where(ProviderCallback.body == forged)
            )
            assert list(refused) == ["REFUSED_SIGNATURE", "REFUSED_SIGNATURE"]
        assert decided(await kyc_until(client, buyer, decided))
        assert (await client.get(f"/buyers/{buyer}/kyc")).json()["verificationStatus"] == VERIFIED

        # verified: a new session is refused until the profile is due for renewal
        again = await client.post(f"/buyers/{buyer}/kyc/verify")
        assert again.status_code == 409 and "verified until" in again.json()["detail"]
        await capture_history(
            stack.client.get_workflow_handle(kyc_workflow_id(buyer)), "kyc_verified"
        )


@pytest.mark.parametrize(
    ("last_name", "company", "aml", "reason"),
    [
        ("Denied", "Autohaus Muster GmbH", "PENDING", "identity verification DENIED (NAME)"),
        ("Suspected", "Autohaus Muster GmbH", "PENDING", "SUSPECTED (DUPLICATE_FACE)"),
        ("Muster", "Sanctioned Trading GmbH", FLAGGED, "SANCTION_CURRENT (score 96)"),
    ],
)
async def test_denied_suspected_and_an_aml_hit_are_rejected_with_the_reason(
    stack: Stack, last_name: str, company: str, aml: str, reason: str
):
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, last_name, company)
        assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
        status = await kyc_until(client, buyer, decided)
        assert (status["verificationStatus"], status["amlStatus"]) == (REJECTED, aml)
        assert status["overallStatus"] == "INVALID"
        [completed] = await events(client, "kyc.verification_completed", buyer)
        assert completed["data"]["outcome"] == REJECTED
        assert reason in completed["data"]["reason"]
        assert (await client.get(f"/buyers/{buyer}/kyc/profile")).status_code == 409
        await capture_history(
            stack.client.get_workflow_handle(kyc_workflow_id(buyer)),
            f"kyc_rejected_{'aml_hit' if aml == FLAGGED else last_name.lower()}",
        )


@pytest.mark.parametrize(
    ("last_name", "approve", "outcome", "aml"),
    [("Reviewing", True, VERIFIED, CLEAR), ("Politician", False, REJECTED, FLAGGED)],
)
async def test_staff_decide_what_the_provider_or_a_near_miss_leaves_open(
    stack: Stack, last_name: str, approve: bool, outcome: str, aml: str
):
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, last_name)
        assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
        handle = stack.client.get_workflow_handle(kyc_workflow_id(buyer))
        async with asyncio.timeout(30):
            while (await handle.query(KycWorkflow.state))["phase"] != REVIEW:
                await asyncio.sleep(0.2)
        status = (await client.get(f"/buyers/{buyer}/kyc")).json()
        assert (status["verificationStatus"], status["amlStatus"]) == ("IN_PROGRESS", "PENDING")
        busy = await client.post(f"/buyers/{buyer}/kyc/verify")
        assert busy.status_code == 409 and "review" in busy.json()["detail"]

        answer = await review(
            stack.client, UUID(buyer), ReviewDecision(approve, "checked by hand", "operator")
        )
        assert answer.outcome == outcome
        status = (await client.get(f"/buyers/{buyer}/kyc")).json()
        assert (status["verificationStatus"], status["amlStatus"]) == (outcome, aml)
        [completed] = await events(client, "kyc.verification_completed", buyer)
        assert completed["source"] == "WEB_APP" and completed["data"]["outcome"] == outcome
        if last_name == "Reviewing":
            await capture_history(handle, "kyc_reviewed")


async def test_provider_down_mode_a_and_other_buyers_are_refused(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(stack.settings, "idenfy_session_budget", timedelta(seconds=3))
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        down = await nt24_buyer(client, "Down")
        answer = await client.post(f"/buyers/{down}/kyc/verify")
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
        assert answer.json()["type"].endswith("/service-unavailable")
        kyc = (await client.get(f"/buyers/{down}/kyc")).json()
        assert kyc["verificationStatus"] == "NOT_STARTED"  # nothing half-written

        mode_a = await client.buyer(vat="DE136695976", country="DE", documents=False)
        refused = await client.post(f"/buyers/{mode_a}/kyc/verify")
        assert refused.status_code == 400 and refused.json()["code"] == "malformed-request"
        assert (await client.get(f"/buyers/{mode_a}/kyc/profile")).status_code == 400

        other, other_http = await seller_session(stack)
        async with other_http:
            stranger = await other_http.post(
                f"{other.seller}/buyers/{down}/kyc/verify", headers=key()
            )
            assert stranger.status_code == 404


async def test_a_running_session_is_answered_again_not_duplicated(stack: Stack):
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Expired")
        first, second = [await client.post(f"/buyers/{buyer}/kyc/verify") for _ in range(2)]
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json() == second.json()
        status = (await client.get(f"/buyers/{buyer}/kyc")).json()
        assert (status["verificationStatus"], status["amlStatus"]) == ("IN_PROGRESS", "PENDING")


async def test_an_nt24_led_buyers_order_becomes_valid_only_once_verified(stack: Stack):
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Expired")  # the first session never completes
        assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
        order = (await client.order(buyer))["uuid"]
        await client.invoice_and_payment(order)
        assert (await client.post(f"/orders/{order}/payment/ready-for-pickup")).status_code == 200
        assert (await client.pickup(order)).status_code == 200
        await client.transport_evidence(order)
        assert (await client.deliver(order)).status_code == 200
        rollup = await client.compliance_until(
            order, lambda r: {b["code"] for b in r["blockers"]} == {"KYC_INCOMPLETE"}
        )
        assert rollup["complianceStatus"] == "INCOMPLETE"

        # staff-free path: the provider's final APPROVED arrives for the running session
        scan_ref = (await kyc_session(stack, buyer)).scan_ref
        body = json.dumps(
            {
                "final": True,
                "status": {"overall": "APPROVED", "fraudTags": [], "mismatchTags": []},
                "data": {"docFirstName": "ANNA", "docLastName": "MUSTER", "docDob": "1980-04-12"},
                "scanRef": scan_ref,
                "clientId": buyer,
            }
        ).encode()
        signature = callback_signature(stack.settings.idenfy_callback_signing_key, body)
        sent = await http.post(
            "/v1/providers/idenfy/callback", content=body, headers={SIGNATURE_HEADER: signature}
        )
        assert sent.status_code == 200 and sent.json() == {"received": "ACCEPTED"}
        rollup = await client.compliance_until(
            order, lambda r: r["complianceStatus"] != "INCOMPLETE"
        )
        assert rollup["complianceStatus"] == "VALID", rollup["blockers"]


async def kyc_session(stack: Stack, buyer: str) -> KycVerification:
    async with stack.db.session() as session:
        row = await session.scalar(
            select(KycVerification)
            .where(KycVerification.workflow_id == kyc_workflow_id(buyer))
            .order_by(KycVerification.id.desc())
        )
    assert row is not None
    return row


# --- deadlines and expiry on the time-skipping server ---------------------------------------


async def test_an_unfinished_session_expires_and_can_start_again(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment
):
    stack = skipping_stack
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Expired")
        first = await client.post(f"/buyers/{buyer}/kyc/verify")
        assert first.status_code == 201
        await time_skipping.sleep(stack.settings.kyc_session_deadline + timedelta(minutes=1))
        status = await kyc_until(client, buyer, lambda s: s["verificationStatus"] == "NOT_STARTED")
        assert status["amlStatus"] == "PENDING"
        assert (await kyc_session(stack, buyer)).status == "EXPIRED"
        again = await client.post(f"/buyers/{buyer}/kyc/verify")
        assert again.status_code == 201 and again.json() != first.json()


async def test_a_verified_profile_warns_then_lapses_and_blocks_orders(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment
):
    stack, settings = skipping_stack, skipping_stack.settings
    tenant, http = await seller_session(stack, allow_contact_personal_data=True)
    async with http:
        client = OrderClient(stack, tenant, http)
        buyer = await nt24_buyer(client, "Muster")
        assert (await client.post(f"/buyers/{buyer}/kyc/verify")).status_code == 201
        assert (await kyc_until(client, buyer, decided))["verificationStatus"] == VERIFIED
        order = (await client.order(buyer))["uuid"]
        await client.compliance_until(
            order, lambda r: not {"KYC_INCOMPLETE", "KYC_EXPIRED"} & codes(r)
        )

        notice_in = settings.kyc_profile_valid_for - settings.kyc_profile_expiry_notice
        await time_skipping.sleep(notice_in + timedelta(hours=1))
        async with asyncio.timeout(30):
            while not (expiring := await events(client, "kyc.verification_expiring", buyer)):
                await asyncio.sleep(0.2)
        assert expiring[0]["data"]["expiresAt"]
        assert (await client.get(f"/buyers/{buyer}/kyc")).json()["verificationStatus"] == VERIFIED

        await time_skipping.sleep(settings.kyc_profile_expiry_notice)
        status = await kyc_until(client, buyer, lambda s: s["verificationStatus"] != VERIFIED)
        assert (status["verificationStatus"], status["overallStatus"]) == (
            "NOT_STARTED",
            "INCOMPLETE",
        )
        await client.compliance_until(order, lambda r: "KYC_EXPIRED" in codes(r))
        assert (await client.get(f"/buyers/{buyer}/kyc/profile")).status_code == 409


def codes(rollup: dict) -> set[str]:
    return {b["code"] for b in rollup["blockers"]}


def test_a_production_worker_without_its_signing_certificate_does_not_start(
    tmp_path: Path, db: Database
) -> None:
    production = Settings(environment="production", data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="NT24_KYC_SIGNING_CERTIFICATE"):
        KycProfileActivities(db, production)
    # outside production the worker makes itself a certificate, once
    KycProfileActivities(db, Settings(environment="dev", data_dir=tmp_path))
    assert (tmp_path / "kyc-signing-certificate.pem").exists()


# --- callbacks anyone can send ----------------------------------------------------------------


async def test_a_callback_whose_signature_holds_a_byte_beyond_ascii_is_refused_and_recorded(
    stack: Stack,
):
    """Unsigned or wrongly signed callbacks are refused (401) and recorded: an Idenfy-Signature
    holding a byte beyond ASCII was a 500 (compare_digest takes ASCII text only)."""
    body = json.dumps({"probe": str(uuid4())}).encode()
    async with stack.http() as http:
        for signature in (b"\xff", "é".encode()):
            answer = await http.post(
                "/v1/providers/idenfy/callback",
                content=body,
                headers={"content-type": "application/json", SIGNATURE_HEADER: signature},
            )
            assert answer.status_code == 401, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
    refused = await _callbacks_of(stack, body)
    assert [(c.outcome, c.signature_valid) for c in refused] == [("REFUSED_SIGNATURE", False)] * 2


async def test_an_unsigned_callback_is_recorded_by_its_digest_and_its_start(stack: Stack):
    """Anyone can send unsigned callbacks of up to 1 MiB: each is recorded with its bytes'
    sha256 and their first 4 KiB, not a megabyte of a stranger's bytes in the database."""
    body = json.dumps({"probe": str(uuid4()), "pad": "x" * 900_000}).encode()
    async with stack.http() as http:
        answer = await http.post(
            "/v1/providers/idenfy/callback", content=body, headers={SIGNATURE_HEADER: "0" * 64}
        )
    assert answer.status_code == 401, answer.text
    async with stack.db.session() as session:
        digest = hashlib.sha256(body).hexdigest()
        [recorded] = await session.scalars(
            select(ProviderCallback).where(ProviderCallback.body_sha256 == digest)
        )
    assert recorded.outcome == "REFUSED_SIGNATURE" and recorded.body == body[:4096]


async def test_a_signed_callback_naming_a_scan_ref_longer_than_ours_is_malformed_and_recorded(
    stack: Stack,
):
    """No session of ours has a scanRef over 100 characters: a signed callback naming one is
    a 400 recorded as MALFORMED; it was a 500 writing the record, which was lost."""
    for final in (True, False):
        document = {
            "final": final,
            "status": {"overall": "APPROVED"},
            "clientId": str(uuid4()),
            "scanRef": "s" * 150,
        }
        body = json.dumps(document).encode()
        signature = callback_signature(stack.settings.idenfy_callback_signing_key, body)
        async with stack.http() as http:
            answer = await http.post(
                "/v1/providers/idenfy/callback", content=body, headers={SIGNATURE_HEADER: signature}
            )
        assert answer.status_code == 400, answer.text
        [recorded] = await _callbacks_of(stack, body)
        assert (recorded.outcome, recorded.signature_valid) == ("MALFORMED", True)


async def _callbacks_of(stack: Stack, body: bytes) -> list[ProviderCallback]:
    async with stack.db.session() as session:
        rows = await session.scalars(select(ProviderCallback).where(ProviderCallback.body == body))
        return list(rows)
