"""KYC documents over HTTP, end to end: upload, supersede, list and download behind the
capability, refusals that write nothing, tenancy, and the KYC status they complete."""

from __future__ import annotations

import asyncio
import hashlib
from functools import partial
from io import BytesIO
from typing import Any

import httpx
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select

from api.nt24.buyers.kyc_documents import write_kyc_document
from api.nt24.orders.documents import CheckedUpload
from store.db import Database
from store.documents import InspectedUpload
from store.models import Buyer, Document
from tests.conftest import ApiTenant, Stack, make_api_tenant
from tests.test_buyers import PROBLEMS, api, buyer_body, key
from tests.test_conventions import new_buyer as new_buyer_row
from tests.test_conventions import new_organization

MODE_A_REQUIRED = (
    "COC_EXTRACT",
    "VAT_REGISTRATION_CERTIFICATE",
    "CONTACT_ID_DOCUMENT",
    "AML_DECLARATION",
)


def pdf(text: str) -> bytes:
    out = BytesIO()
    canvas = Canvas(out, invariant=1)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


async def new_buyer(http: httpx.AsyncClient, tenant: ApiTenant, **overrides: Any) -> str:
    answer = await http.post(f"{tenant.seller}/buyers", json=buyer_body(**overrides), headers=key())
    assert answer.status_code == 201, answer.text
    return f"{tenant.seller}/buyers/{answer.json()['uuid']}/kyc"


async def upload(
    http: httpx.AsyncClient,
    kyc_url: str,
    type_: str,
    data: bytes,
    *,
    file_name: str = "evidence.pdf",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    return await http.post(
        f"{kyc_url}/documents",
        data={"type": type_, "documentDate": "2026-03-02"} | fields,
        files={"file": (file_name, data, "application/pdf")},
        headers=headers or key(),
    )


async def kyc_document_count(stack: Stack, tenant: ApiTenant) -> int:
    async with stack.db.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Document)
            .join(Buyer, Document.buyer_id == Buyer.id)
            .where(Buyer.partner_id == tenant.partner.id, Document.module == "kyc")
        )
    assert count is not None
    return count


async def test_upload_then_a_newer_one_supersedes_and_both_download(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    first_pdf, second_pdf = pdf("Handelsregister HRB 1"), pdf("Handelsregister HRB 1, 2026")
    async with await api(stack, tenant) as http:
        kyc_url = await new_buyer(http, tenant)
        replay_key = key()
        first = await upload(http, kyc_url, "COC_EXTRACT", first_pdf, headers=replay_key)
        replayed = await upload(http, kyc_url, "COC_EXTRACT", first_pdf, headers=replay_key)
        second = await upload(
            http,
            kyc_url,
            "COC_EXTRACT",
            second_pdf,
            file_name="Auszug Müller.pdf",
            issuerType="NOTARY",
            issuerName="Notar Dr. Weber",
        )
        listed = await http.get(f"{kyc_url}/documents")
        active = await http.get(f"{kyc_url}/documents", params={"status": "ACTIVE"})
        other_type = await http.get(f"{kyc_url}/documents", params={"type": "AML_DECLARATION"})
        contents = [
            await http.get(f"{kyc_url}/documents/{d['uuid']}/content") for d in listed.json()
        ]
    assert first.status_code == 201, first.text
    document = first.json()
    assert document["type"] == "COC_EXTRACT" and document["status"] == "ACTIVE"
    assert document["documentDate"] == "2026-03-02"
    assert document["issuerType"] == "PUBLIC_AUTHORITY"  # the type's default issuer
    assert document["sha256"] == hashlib.sha256(first_pdf).hexdigest()
    assert document["size"] == len(first_pdf) and document["contentType"] == "application/pdf"
    assert document["fileName"] == "evidence.pdf" and document["createdAt"].endswith("Z")
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["uuid"] == document["uuid"]
    assert second.status_code == 201, second.text
    assert (second.json()["issuerType"], second.json()["issuerName"]) == (
        "NOTARY",
        "Notar Dr. Weber",
    )
    assert [(d["uuid"], d["status"]) for d in listed.json()] == [
        (document["uuid"], "SUPERSEDED"),
        (second.json()["uuid"], "ACTIVE"),
    ]
    assert [d["uuid"] for d in active.json()] == [second.json()["uuid"]]
    assert other_type.json() == []
    assert [c.status_code for c in contents] == [200, 200]
    assert [c.content for c in contents] == [first_pdf, second_pdf]
    assert contents[0].headers["content-type"] == "application/pdf"
    assert "Auszug%20M%C3%BCller.pdf" in contents[1].headers["content-disposition"]


async def test_a_download_answers_304_when_if_none_match_names_its_etag(stack: Stack):
    """Contract section 17: If-None-Match on every GET that returns an ETag (here the bytes'
    sha256); a match is 304 with the same ETag and no body."""
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    content = pdf("Handelsregister HRB 2")
    async with await api(stack, tenant) as http:
        kyc_url = await new_buyer(http, tenant)
        uploaded = await upload(http, kyc_url, "COC_EXTRACT", content)
        url = f"{kyc_url}/documents/{uploaded.json()['uuid']}/content"
        first = await http.get(url)
        cached = await http.get(url, headers={"If-None-Match": first.headers["etag"]})
        changed = await http.get(url, headers={"If-None-Match": '"other"'})
    assert first.headers["etag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == first.headers["etag"]
    assert changed.status_code == 200 and changed.content == content


async def test_concurrent_uploads_of_one_type_leave_one_active(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    async with await api(stack, tenant) as http:
        kyc_url = await new_buyer(http, tenant)
        answers = await asyncio.gather(
            *(upload(http, kyc_url, "AML_DECLARATION", pdf(f"declaration {i}")) for i in range(6))
        )
        listed = (await http.get(f"{kyc_url}/documents")).json()
    assert [a.status_code for a in answers] == [201] * 6
    assert len(listed) == 6
    assert [d["status"] for d in listed].count("ACTIVE") == 1
    assert listed[-1]["status"] == "ACTIVE"  # the last one committed is the current one


async def test_concurrent_writes_of_one_type_leave_one_active_on_either_database(store: Database):
    # the upload's rows are written in one trip: on SQLite in its writer thread, on
    # PostgreSQL on the async connection, the buyer's row locked in both
    buyer = await new_buyer_row(store, await new_organization(store), version=0)
    uploads = [
        CheckedUpload(
            type="AML_DECLARATION",
            document_date=None,
            issuer_type=None,
            issuer_name=None,
            file_name=f"declaration {i}.pdf",
            data=b"",
            inspected=InspectedUpload("application/pdf", 1000 + i, f"{i:064x}", 1),
        )
        for i in range(6)
    ]
    written = await asyncio.gather(
        *(store.run_transaction(partial(write_kyc_document, buyer.id, u, "API")) for u in uploads)
    )
    async with store.session() as session:
        mine = select(Document.uuid, Document.status).where(Document.buyer_id == buyer.id)
        rows = (await session.execute(mine)).all()
    assert {uuid for uuid, _ in rows} == {document.uuid for document in written}
    assert sorted(status for _, status in rows) == ["ACTIVE"] + ["SUPERSEDED"] * 5
    assert [document.issuer_type for document in written] == ["BUYER"] * 6  # the type's default


async def test_list_and_download_need_the_capability_upload_does_not(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        kyc_url = await new_buyer(http, tenant)
        uploaded = await upload(http, kyc_url, "CONTACT_ID_DOCUMENT", pdf("Personalausweis"))
        listed = await http.get(f"{kyc_url}/documents")
        content = await http.get(f"{kyc_url}/documents/{uploaded.json()['uuid']}/content")
    assert uploaded.status_code == 201, uploaded.text
    for refused in (listed, content):
        assert refused.status_code == 403
        assert refused.json()["type"] == PROBLEMS + "capability-required"
        assert "allowKycDocumentDownload" in refused.json()["detail"]


async def test_bad_type_date_or_file_is_422_naming_the_field_and_writes_nothing(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    async with await api(stack, tenant) as http:
        kyc_url = await new_buyer(http, tenant)
        order_type = await upload(http, kyc_url, "SHIPMENT_INVOICE", pdf("an invoice"))
        bad_date = await upload(
            http, kyc_url, "COC_EXTRACT", pdf("extract"), documentDate="2026-13-01"
        )
        text_file = await upload(
            http, kyc_url, "COC_EXTRACT", b"just some text\n", file_name="a.pdf"
        )
        bad_issuer = await upload(http, kyc_url, "COC_EXTRACT", pdf("extract"), issuerType="ME")
    for answer, field, rejected in (
        (order_type, "type", "SHIPMENT_INVOICE"),
        (bad_date, "documentDate", "2026-13-01"),
        (text_file, "file", "a.pdf"),
        (bad_issuer, "issuerType", "ME"),
    ):
        assert answer.status_code == 422, answer.text
        assert answer.json()["type"] == PROBLEMS + "validation-error"
        assert [e["field"] for e in answer.json()["errors"]] == [field]
        assert answer.json()["errors"][0]["rejectedValue"] == rejected
    assert "COC_EXTRACT" in order_type.json()["errors"][0]["message"]
    assert await kyc_document_count(stack, tenant) == 0


async def test_an_unknown_type_filter_or_a_repeated_upload_field_is_422_naming_it(stack: Stack):
    """The list's ``type`` is one of the KYC types an upload takes (another is a 422 naming it,
    as ``status`` is); an upload sending ``type`` twice is a 422 naming it, nothing stored."""
    tenant = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    async with await api(stack, tenant) as http:
        kyc_url = await new_buyer(http, tenant)
        bogus = await http.get(f"{kyc_url}/documents", params={"type": "BOGUS"})
        order_type = await http.get(f"{kyc_url}/documents", params={"type": "TRANSPORT_CMR"})
        twice = await http.post(
            f"{kyc_url}/documents",
            data={"type": ["COC_EXTRACT", "AML_DECLARATION"]},
            files={"file": ("a.pdf", pdf("twice"), "application/pdf")},
            headers=key(),
        )
    for answer in (bogus, order_type, twice):
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["type"]
    assert await kyc_document_count(stack, tenant) == 0


async def test_another_organizations_or_partners_buyer_is_404(stack: Stack):
    ours = await make_api_tenant(stack.db, allow_kyc_document_download=True)
    theirs = await make_api_tenant(stack.db)
    async with await api(stack, theirs) as http:
        their_kyc = await new_buyer(http, theirs)
    their_buyer = their_kyc.split("/")[-2]
    async with await api(stack, ours) as http:
        our_kyc = await new_buyer(http, ours)
        our_buyer = our_kyc.split("/")[-2]
        document = (await upload(http, our_kyc, "COC_EXTRACT", pdf("ours"))).json()
        foreign = f"{ours.seller}/buyers/{their_buyer}/kyc"
        other_partner = f"/v1/partners/{ours.other_partner.uuid}/buyers/{our_buyer}/kyc"
        answers = [
            await upload(http, foreign, "COC_EXTRACT", pdf("foreign")),
            await http.get(f"{foreign}/documents"),
            await upload(http, other_partner, "COC_EXTRACT", pdf("other partner")),
            await http.get(f"{other_partner}/documents"),
            await http.get(f"{other_partner}/documents/{document['uuid']}/content"),
        ]
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.json()["type"] == PROBLEMS + "not-found"
    assert await kyc_document_count(stack, theirs) == 0


async def kyc_once_vies_answered(http: httpx.AsyncClient, kyc_url: str) -> dict[str, Any]:
    """The KYC status once the buyer upsert's VIES check has come back from the sandbox."""
    for _ in range(100):
        kyc = (await http.get(kyc_url)).json()
        if kyc["viesResult"] != "PENDING":
            return kyc
        await asyncio.sleep(0.1)
    raise AssertionError(f"the VIES check never answered: {kyc}")


async def test_kyc_status_counts_the_active_documents_of_the_mode(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_marketplace_led_kyc=True)
    async with await api(stack, tenant) as http:
        mode_a = await new_buyer(http, tenant, kycMode="MARKETPLACE_LED")
        before = await kyc_once_vies_answered(http, mode_a)
        for document_type in MODE_A_REQUIRED[:-1]:
            answer = await upload(http, mode_a, document_type, pdf(document_type))
            assert answer.status_code == 201, answer.text
        almost = (await http.get(mode_a)).json()
        await upload(http, mode_a, MODE_A_REQUIRED[-1], pdf("AML declaration"))
        complete = (await http.get(mode_a)).json()
        await upload(http, mode_a, "AML_DECLARATION", pdf("AML declaration, renewed"))
        after_supersede = (await http.get(mode_a)).json()

        mode_b = await new_buyer(http, tenant, vat="DE129273398")
        await upload(http, mode_b, "COC_EXTRACT", pdf("register extract"))
        mode_b_kyc = await kyc_once_vies_answered(http, mode_b)
    assert before["viesResult"] == "VALID"
    assert (before["documentsComplete"], before["overallStatus"]) == (False, "INCOMPLETE")
    assert (almost["documentsComplete"], almost["overallStatus"]) == (False, "INCOMPLETE")
    assert (complete["documentsComplete"], complete["overallStatus"]) == (True, "VALID")
    assert (after_supersede["documentsComplete"], after_supersede["overallStatus"]) == (
        True,
        "VALID",
    )
    assert mode_b_kyc["documentsComplete"] is True
    assert mode_b_kyc["overallStatus"] == "INCOMPLETE"  # the platform's verification is missing
