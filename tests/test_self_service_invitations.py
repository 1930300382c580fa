"""Self-service KYC invitations end to end: the e-mail in the mail catcher, the upload page
fetched and posted like a browser would, the documents in the buyer's KYC records, the events,
revocation, expiry on the time-skipping server, refusals and tenancy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import httpx
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from sandboxes.mail import MailCatcher
from store.buyers.invitations import checklist, effective_status, link_token
from store.models import Document, SelfServiceInvitation
from tests.conftest import ApiTenant, Stack, capture_history, make_api_tenant
from tests.test_buyers import PROBLEMS, api, key
from tests.test_kyc_documents import new_buyer, pdf, upload
from workflows.buyers.invitation_model import ACTIVE, EXPIRED, USED
from workflows.ids import invitation_workflow_id

# ----- the pure parts -----


def test_a_link_token_is_unguessable_stable_and_bound_to_its_invitation_and_key():
    invitation = uuid4()
    token = link_token("key-1", invitation)
    assert token == link_token("key-1", invitation)
    assert len(token) == 43 and "=" not in token  # 256 bits, base64url
    assert token != link_token("key-2", invitation)
    assert token != link_token("key-1", uuid4())


def test_past_its_expiry_an_active_invitation_reads_expired():
    expires = datetime(2026, 5, 1, tzinfo=UTC)
    assert effective_status(ACTIVE, expires, expires - timedelta(seconds=1)) == ACTIVE
    assert effective_status(ACTIVE, expires, expires) == EXPIRED
    assert effective_status(USED, expires, expires + timedelta(days=1)) == USED


def test_the_checklist_puts_the_modes_required_documents_first():
    items = checklist("MARKETPLACE_LED", {"COC_EXTRACT", "BANK_STATEMENT"})
    required = [i.type for i in items if i.required]
    assert [i.type for i in items[: len(required)]] == required
    assert set(required) == {
        "COC_EXTRACT",
        "VAT_REGISTRATION_CERTIFICATE",
        "CONTACT_ID_DOCUMENT",
        "AML_DECLARATION",
    }
    assert {i.type for i in items if i.present} == {"COC_EXTRACT", "BANK_STATEMENT"}
    assert len(items) == 12


# ----- over HTTP -----


def recipient() -> str:
    return f"einkauf-{uuid4().hex[:8]}@autohandel.example"


async def invite(http: httpx.AsyncClient, kyc_url: str, **body: Any) -> httpx.Response:
    return await http.post(
        f"{kyc_url}/self-service-invitations",
        json={"recipientEmail": recipient()} | body,
        headers=key(),
    )


def page_path(invitation: dict[str, Any]) -> str:
    return urlsplit(invitation["publicLinkUrl"]).path


async def post_document(
    browser: httpx.AsyncClient, path: str, type_: str, data: bytes, name: str = "Auszug.pdf"
) -> httpx.Response:
    return await browser.post(
        f"{path}/documents",
        data={"type": type_, "documentDate": "2026-03-02"},
        files={"file": (name, data, "application/pdf")},
    )


async def events_of(http: httpx.AsyncClient, event_type: str, invitation_uuid: str) -> list[dict]:
    feed = (await http.get("/v1/events", params={"type": event_type, "size": 100})).json()
    return [e for e in feed["data"] if e["data"]["invitationUuid"] == invitation_uuid]


async def test_the_buyer_uploads_through_the_emailed_link_like_an_api_upload_then_submits(
    stack: Stack, mail_catcher: MailCatcher
):
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    to = recipient()
    async with await api(stack, tenant) as http, stack.http() as browser:
        kyc_url = await new_buyer(http, tenant)
        by_api = await upload(http, kyc_url, "COC_EXTRACT", pdf("HRB 4711 (2025)"))
        created = await http.post(
            f"{kyc_url}/self-service-invitations",
            json={"recipientEmail": to, "label": "Onboarding 2026"},
            headers=key(),
        )
        invitation = created.json()
        mail = await mail_catcher.wait_for(lambda m: to in m.recipients)
        path = page_path(invitation)
        page = await browser.get(path)
        extract = pdf("HRB 4711 (2026)")
        posted = await post_document(browser, path, "COC_EXTRACT", extract)
        after_upload = await browser.get(posted.headers["location"])
        uploaded = (await http.get(f"{invitation_url(kyc_url, invitation)}")).json()
        submitted = await browser.post(f"{path}/submit")
        reopened = await browser.get(path)
        late_upload = await post_document(browser, path, "AML_DECLARATION", pdf("AML"))
        documents = (await http.get(f"{kyc_url}/documents")).json()
        used = (await http.get(invitation_url(kyc_url, invitation))).json()
        listed = (await http.get(f"{kyc_url}/self-service-invitations")).json()
        events = await events_of(http, "self_service_invitation.used", invitation["uuid"])
        revoke_after_use = await http.post(
            f"{invitation_url(kyc_url, invitation)}/revoke", json={"reason": "x"}, headers=key()
        )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == invitation_url(kyc_url, invitation)
    assert invitation["kind"] == "KYC" and invitation["status"] == "ACTIVE"
    assert invitation["recipientEmail"] == to and invitation["label"] == "Onboarding 2026"
    assert invitation["usageCount"] == 0 and "lastUsedAt" not in invitation
    expires = datetime.fromisoformat(invitation["expiresAt"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    # the branded e-mail carries the link, in the buyer's language (a German company: German)
    assert mail.subject == f"{tenant.partner.name} bittet um Ihre Unternehmensunterlagen"
    assert invitation["publicLinkUrl"] in mail.text
    assert mail.html is not None and invitation["publicLinkUrl"] in mail.html
    assert "Handelsregisterauszug (bereits vorhanden)" in mail.text
    # the page, then one upload through the form
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Unterlagen für Autohandel Müller GmbH" in page.text and tenant.partner.name in page.text
    assert 'name="documentDate"' in page.text and 'type="file"' in page.text
    assert posted.status_code == 303, posted.text
    assert "Ihr Dokument „Handelsregisterauszug“ ist eingegangen" in after_upload.text
    assert "Sie haben 1 Dokument über diese Seite hochgeladen" in after_upload.text
    assert uploaded["usageCount"] == 1 and uploaded["status"] == "ACTIVE"
    # it landed exactly as an API upload: same shape, and it superseded the API's
    by_self_service = documents[-1]
    assert [(d["uuid"], d["status"]) for d in documents] == [
        (by_api.json()["uuid"], "SUPERSEDED"),
        (by_self_service["uuid"], "ACTIVE"),
    ]
    assert by_self_service.keys() == by_api.json().keys()
    assert (by_self_service["type"], by_self_service["issuerType"]) == (
        "COC_EXTRACT",
        "PUBLIC_AUTHORITY",
    )
    assert by_self_service["documentDate"] == "2026-03-02"
    assert by_self_service["fileName"] == "Auszug.pdf" and by_self_service["size"] == len(extract)
    async with stack.db.session() as session:
        source = await session.scalar(
            select(Document.source).where(Document.uuid == UUID(by_self_service["uuid"]))
        )
    assert source == "SELF_SERVICE"
    # submitting uses the invitation up: the link stops working, the event fires
    assert submitted.status_code == 200 and "Vielen Dank" in submitted.text
    assert reopened.status_code == 410 and "Ihre Unterlagen wurden gesendet" in reopened.text
    assert late_upload.status_code == 410 and len(documents) == 2
    assert used["status"] == "USED" and used["usageCount"] == 1 and "lastUsedAt" in used
    assert [i["uuid"] for i in listed["data"]] == [invitation["uuid"]]
    [event] = events
    assert event["source"] == "WEB_APP" and event["partnerUuid"] == str(tenant.partner.uuid)
    assert event["data"] == {
        "invitationUuid": invitation["uuid"],
        "kind": "KYC",
        "buyerUuid": kyc_url.split("/")[-2],
    }
    assert revoke_after_use.status_code == 409
    assert revoke_after_use.json()["type"] == PROBLEMS + "conflict"
    assert revoke_after_use.json()["currentResource"]["status"] == "USED"
    handle = stack.client.get_workflow_handle(invitation_workflow_id(invitation["uuid"]))
    assert await handle.result() == "USED"
    await capture_history(handle, "self_service_invitation_used")


def invitation_url(kyc_url: str, invitation: dict[str, Any]) -> str:
    return f"{kyc_url}/self-service-invitations/{invitation['uuid']}"


async def test_a_revoked_link_stops_working_and_a_second_revoke_is_a_conflict(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    async with await api(stack, tenant) as http, stack.http() as browser:
        kyc_url = await new_buyer(http, tenant)
        invitation = (await invite(http, kyc_url)).json()
        url = invitation_url(kyc_url, invitation)
        revoked = await http.post(
            f"{url}/revoke", json={"reason": "Sent to the wrong address"}, headers=key()
        )
        again = await http.post(f"{url}/revoke", json={"reason": "twice"}, headers=key())
        page = await browser.get(page_path(invitation))
        posted = await post_document(browser, page_path(invitation), "COC_EXTRACT", pdf("HRB"))
        submitted = await browser.post(f"{page_path(invitation)}/submit")
        documents = (await http.get(f"{kyc_url}/documents")).json()
        revoked_only = (
            await http.get(f"{kyc_url}/self-service-invitations", params={"status": "REVOKED"})
        ).json()
    assert revoked.status_code == 200, revoked.text
    body = revoked.json()
    assert body["status"] == "REVOKED" and body["revocationReason"] == "Sent to the wrong address"
    assert "revokedAt" in body
    assert again.status_code == 409
    assert again.json()["currentResource"]["revocationReason"] == "Sent to the wrong address"
    assert page.status_code == 410 and "Dieser Link wurde zurückgezogen" in page.text
    assert posted.status_code == 410 and submitted.status_code == 410
    assert documents == []
    assert [i["uuid"] for i in revoked_only["data"]] == [invitation["uuid"]]
    handle = stack.client.get_workflow_handle(invitation_workflow_id(invitation["uuid"]))
    assert await handle.result() == "REVOKED"


async def invitations_of(stack: Stack, tenant: ApiTenant) -> int:
    async with stack.db.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(SelfServiceInvitation)
            .where(SelfServiceInvitation.partner_id == tenant.partner.id)
        )
    assert count is not None
    return count


async def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    now = datetime.now(UTC)
    to = {"recipientEmail": "a@b.example"}
    bodies = [
        ("recipientEmail", {"label": "no recipient"}),
        ("recipientEmail", {"recipientEmail": "not-an-address"}),
        ("expiresAt", to | {"expiresAt": "2020-01-01T00:00:00Z"}),  # past
        ("expiresAt", to | {"expiresAt": (now + timedelta(days=31)).isoformat()}),  # too far
        ("expiresAt", to | {"expiresAt": "2030-01-01T00:00:00"}),  # no time zone
        ("label", to | {"label": "x" * 201}),
    ]
    async with await api(stack, tenant) as http:
        kyc_url = await new_buyer(http, tenant)
        answers = [
            (
                field,
                await http.post(f"{kyc_url}/self-service-invitations", json=body, headers=key()),
            )
            for field, body in bodies
        ]
        written = await invitations_of(stack, tenant)
        invitation = (await invite(http, kyc_url)).json()
        url = invitation_url(kyc_url, invitation)
        no_reason = await http.post(f"{url}/revoke", json={}, headers=key())
        long_reason = await http.post(f"{url}/revoke", json={"reason": "x" * 501}, headers=key())
        still = (await http.get(url)).json()
    for field, answer in answers:
        assert answer.status_code == 422, (field, answer.text)
        assert answer.json()["type"] == PROBLEMS + "validation-error"
        assert [e["field"] for e in answer.json()["errors"]] == [field], answer.text
    assert written == 0
    for answer in (no_reason, long_reason):
        assert answer.status_code == 422
        assert [e["field"] for e in answer.json()["errors"]] == ["reason"]
    assert still["status"] == "ACTIVE"


async def test_the_page_refuses_bad_uploads_naming_the_field_and_unknown_links(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    async with await api(stack, tenant) as http, stack.http() as browser:
        kyc_url = await new_buyer(http, tenant)
        invitation = (await invite(http, kyc_url)).json()
        path = page_path(invitation)
        bad_type = await post_document(browser, path, "PASSPORT_SELFIE", pdf("x"))
        not_a_pdf = await post_document(browser, path, "COC_EXTRACT", b"plain text")
        bad_date = await browser.post(
            f"{path}/documents",
            data={"type": "COC_EXTRACT", "documentDate": "02.03.2026"},
            files={"file": ("a.pdf", pdf("x"), "application/pdf")},
        )
        no_file = await browser.post(f"{path}/documents", data={"type": "COC_EXTRACT"})
        early_submit = await browser.post(f"{path}/submit")
        unknown = await browser.get(f"/self-service/{link_token('another key', uuid4())}")
        documents = (await http.get(f"{kyc_url}/documents")).json()
        unchanged = (await http.get(invitation_url(kyc_url, invitation))).json()
    assert bad_type.status_code == 422 and "Dokument: must be one of" in bad_type.text
    assert not_a_pdf.status_code == 422 and "Datei:" in not_a_pdf.text
    assert bad_date.status_code == 422 and "Datum des Dokuments:" in bad_date.text
    assert (
        no_file.status_code == 422 and "Datei: wählen Sie die hochzuladende Datei" in no_file.text
    )
    assert (
        early_submit.status_code == 422
        and "laden Sie zuerst mindestens ein Dokument hoch" in early_submit.text
    )
    assert unknown.status_code == 404 and "This link is not valid" in unknown.text
    assert documents == [] and unchanged["usageCount"] == 0


async def test_another_organizations_buyer_or_invitation_is_not_found(stack: Stack):
    owner = await make_api_tenant(stack.db)
    other = await make_api_tenant(stack.db)
    async with await api(stack, owner) as http:
        kyc_url = await new_buyer(http, owner)
        invitation = (await invite(http, kyc_url)).json()
    buyer_id = kyc_url.split("/")[-2]
    async with await api(stack, other) as http:
        own_kyc = await new_buyer(http, other)
        foreign_buyer = f"{other.seller}/buyers/{buyer_id}/kyc/self-service-invitations"
        answers = [
            await http.post(foreign_buyer, json={"recipientEmail": "a@b.example"}, headers=key()),
            await http.get(foreign_buyer),
            await http.get(f"{foreign_buyer}/{invitation['uuid']}"),
            await http.get(invitation_url(own_kyc, invitation)),
            await http.post(
                f"{invitation_url(own_kyc, invitation)}/revoke",
                json={"reason": "not mine"},
                headers=key(),
            ),
        ]
    assert [a.status_code for a in answers] == [404] * 5
    assert all(a.json()["type"] == PROBLEMS + "not-found" for a in answers)
    assert await invitations_of(stack, owner) == 1


async def test_an_unused_invitation_expires_on_its_timer(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment
):
    stack = skipping_stack
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http, stack.http() as browser:
        kyc_url = await new_buyer(http, tenant)
        expires_at = datetime.now(UTC) + timedelta(hours=1)
        invitation = (await invite(http, kyc_url, expiresAt=expires_at.isoformat())).json()
        # The server's clock may run ahead of ours (earlier tests skipped time): an hour on it
        # is at least the hour the invitation has
        await time_skipping.sleep(timedelta(hours=1, minutes=1))
        handle = stack.client.get_workflow_handle(invitation_workflow_id(invitation["uuid"]))
        assert await handle.result() == "EXPIRED"
        page = await browser.get(page_path(invitation))
        expired = (await http.get(invitation_url(kyc_url, invitation))).json()
        events = await events_of(http, "self_service_invitation.expired", invitation["uuid"])
        revoke = await http.post(
            f"{invitation_url(kyc_url, invitation)}/revoke", json={"reason": "late"}, headers=key()
        )
    assert page.status_code == 410 and "Dieser Link ist abgelaufen" in page.text
    assert expired["status"] == "EXPIRED" and "revokedAt" not in expired
    [event] = events
    assert event["source"] == "SYSTEM"
    assert event["data"] == {
        "invitationUuid": invitation["uuid"],
        "kind": "KYC",
        "buyerUuid": kyc_url.split("/")[-2],
        "expiresAt": invitation["expiresAt"],
    }
    assert revoke.status_code == 409 and revoke.json()["currentResource"]["status"] == "EXPIRED"
    await capture_history(handle, "self_service_invitation_expired")
