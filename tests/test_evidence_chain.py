"""The sealed evidence chain (store/orders/evidence.py), signed Export Files and the rule-set
digest:
an order's evidence is appended once, hash-linked, refused any UPDATE or DELETE by PostgreSQL,
and a changed row or a changed document's bytes is named by the API and by nt24-admin."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import UUID

import pypdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import admin
from activities.buyers.kyc_profile_pdf import self_signed, signing_material
from activities.orders.export_file_signing import ExportFileSigner, Seal, verify_export_file
from activities.orders.order_evidence import vies_check_key
from activities.orders.order_store import _vies_checks_to_seal, evidence_head
from store.db import Database
from store.documents import DocumentStore
from store.models import Document, EvidenceEntry, Order, ViesCheck
from store.orders import evidence
from store.orders.evidence import GENESIS, Evidence, canonical, chain_hash, verify_chain
from store.orders.rule_sets import RULE_SET, RULE_SET_DIGEST
from store.orders.what_if import what_if
from tests.conftest import Stack
from tests.order_flow import OrderClient, seller_session
from tests.test_conventions import new_buyer, new_organization

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _chain(*facts: dict) -> list[EvidenceEntry]:
    entries, head = [], GENESIS
    for seq, fact in enumerate(facts, start=1):
        item = Evidence("milestone", f"milestone:{seq}", fact)
        payload = canonical(item.payload())
        digest = chain_hash(head, payload)
        entries.append(
            EvidenceEntry(
                order_id=1,
                seq=seq,
                kind=item.kind,
                key=item.key,
                payload=payload.decode(),
                prev_hash=head,
                hash=digest,
                created_at=AT,
            )
        )
        head = digest
    return entries


def test_the_payload_is_rfc_8785_canonical_json_and_the_hash_links_it():
    assert canonical({"b": 1, "a": "é", "c": None}) == '{"a":"é","b":1,"c":null}'.encode()
    entries = _chain({"n": 1}, {"n": 2}, {"n": 3})
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].hash == chain_hash(entries[1].hash, entries[2].payload.encode())
    checked = verify_chain(entries, entries[-1].hash, None)
    assert checked.intact and checked.head == entries[-1].hash
    assert checked.summary().startswith("intact: 3 entries")


def test_every_kind_of_change_is_named_by_its_entry():
    entries = _chain({"n": 1}, {"n": 2}, {"n": 3})
    head = entries[-1].hash

    entries[1].payload = entries[1].payload.replace("2", "7")
    broken = verify_chain(entries, head, None)
    assert not broken.intact
    assert (broken.breaks[0].seq, broken.breaks[0].reason) == (
        2,
        "its hash does not match its payload",
    )
    assert (
        broken.summary() == "broken at entry 2 (milestone:2): its hash does not match its payload"
    )

    removed = _chain({"n": 1}, {"n": 2}, {"n": 3})
    del removed[1]
    assert verify_chain(removed, head, None).breaks[0].seq == 3  # the gap and the broken link

    last_gone = _chain({"n": 1}, {"n": 2}, {"n": 3})[:2]
    gone = verify_chain(last_gone, head, None)
    assert [b.seq for b in gone.breaks] == [None]  # only the head tells: it was recorded
    assert "the order records head" in gone.breaks[0].reason

    rehashed = _chain({"n": 1}, {"n": 9}, {"n": 3})  # rewritten from entry 2 on, consistently
    assert verify_chain(rehashed, head, None).breaks[0].seq is None  # the recorded head differs
    witness = verify_chain(rehashed, rehashed[-1].hash, None, witness_head=head)
    assert "the workflow holds head" in witness.breaks[0].reason


async def _verify(stack: Stack, order: str) -> evidence.Verification:
    async with stack.db.session() as session:
        row = await session.scalar(select(Order).where(Order.uuid == _uuid(order)))
        assert row is not None
        store = DocumentStore(stack.settings.effective_document_store_dir)
        verification, _ = await evidence.verify_order(session, row, store)
    return verification


def _uuid(order: str):  # type: ignore[no-untyped-def]
    from uuid import UUID

    return UUID(order)


async def _superuser_update(stack: Stack, entry_id: int, payload: str) -> None:
    """What only someone with the table owner's rights can do: switch the trigger off."""
    async with stack.db.transaction() as session:
        await session.execute(
            text("ALTER TABLE evidence_entries DISABLE TRIGGER evidence_entries_append_only")
        )
        await session.execute(
            text("UPDATE evidence_entries SET payload = :payload WHERE id = :id"),
            {"payload": payload, "id": entry_id},
        )
        await session.execute(
            text("ALTER TABLE evidence_entries ENABLE TRIGGER evidence_entries_append_only")
        )


async def _admin_verify(stack: Stack, order: str) -> tuple[bool, str]:
    args = argparse.Namespace(order=order)
    try:
        return True, await admin.run(admin.verify_order, args, stack.settings.database_url)
    except admin.ChainBroken as broken:
        return False, str(broken)


async def test_an_orders_evidence_is_sealed_verified_and_every_change_caught(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")
        await client.export_file_until(order, 1)

        answer = await client.get(f"/orders/{order}/evidence")
        assert answer.status_code == 200, answer.text
        chain = answer.json()
        assert chain["status"] == "INTACT" and chain["breaks"] == []
        kinds = {e["kind"] for e in chain["entries"]}
        assert {
            "milestone",
            "document",
            "vies_check",
            "invoice",
            "payment",
            "decision",
            "export_file",
        } <= kinds
        assert [e["seq"] for e in chain["entries"]] == list(range(1, len(chain["entries"]) + 1))
        assert chain["head"] == chain["recordedHead"] == chain["entries"][-1]["hash"]
        assert chain["workflowHead"] == chain["head"]  # Temporal's history witnesses the chain
        assert chain["head"] == await evidence_head(stack.db, order)
        keys = [e["key"] for e in chain["entries"]]
        assert len(keys) == len(set(keys))  # every write appended only what was new
        milestones = {k.split(":")[1] for k in keys if k.startswith("milestone:")}
        assert {"created", "ready_for_pickup", "pickup", "delivery"} <= milestones

        # the Export File is signed by the platform and sealed with the chain's head then
        export = await http.get(f"{tenant.seller}/orders/{order}/finalization/export-file")
        pdf = (await http.get(export.json()["downloadUrl"])).content
        platform = signing_material(stack.settings).certificate_pem
        signed = await asyncio.to_thread(verify_export_file, pdf, [platform])
        assert signed.valid and signed.intact and signed.trusted, signed.problem
        sealed_at = next(e for e in chain["entries"] if e["key"] == "export_file:1")["seq"]
        earlier = {e["hash"] for e in chain["entries"] if e["seq"] < sealed_at}
        assert signed.seal["/NT24EvidenceHead"] in earlier
        assert signed.seal["/NT24RuleSet"] == RULE_SET
        assert signed.seal["/NT24RuleSetDigest"] == RULE_SET_DIGEST
        sealed = set(signed.seal["/NT24DocumentSha256"].split())
        async with stack.db.session() as session:
            order_id = select(Order.id).where(Order.uuid == _uuid(order)).scalar_subquery()
            documents = set(
                await session.scalars(select(Document.sha256).where(Document.order_id == order_id))
            )
        assert len(documents) >= 5 and documents <= sealed  # every document is named
        text_of = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert f"{RULE_SET}, digest" in text_of and "Evidence chain head" in text_of
        changed = bytearray(pdf)
        changed[len(pdf) // 2] ^= 0x01
        assert not (await asyncio.to_thread(verify_export_file, bytes(changed), [platform])).valid
        stranger = [self_signed("someone else").certificate_pem]
        assert not (await asyncio.to_thread(verify_export_file, pdf, stranger)).valid

        # another organization does not see the order at all
        _, stranger = await seller_session(stack)
        async with stranger:
            other = OrderClient(stack, _, stranger)
            assert (await other.get(f"/orders/{order}/evidence")).status_code == 404

    ok, report = await _admin_verify(stack, order)
    assert ok and report.endswith(
        f"order {order}: intact: {len(keys)} entries, head {chain['head']}"
    )

    # what-if: the facts rebuilt from the database decide as the workflow did, so under the
    # rule set it was decided with the order would not change; under 2026.11 it is compared
    async with stack.db.session() as session:
        unchanged = await what_if(session, since=date.today())
        assert order not in {c.order_uuid for c in unchanged}
        for change in await what_if(session, since=date.today(), candidate="2026.11"):
            assert change.rule_set == RULE_SET and change.candidate == "2026.11"
        # the frozen 2026.12 is still at hand: it decides this plain order alike, without the
        # rule 2026.12.1 added
        frozen = {
            c.order_uuid: c for c in await what_if(session, since=date.today(), candidate="2026.12")
        }
        change = frozen[order]
        assert (change.would_status, change.would_blockers) == (change.status, change.blockers)
        assert [(r.rule, r.before, r.after) for r in change.rules] == [
            ("VIES_DURING_TRANSPORT", "PASSED", None)
        ]
    report = await admin.run(
        admin.what_if, argparse.Namespace(since=None, country="de"), stack.settings.database_url
    )
    assert report.startswith(f"rule set {RULE_SET} (digest {RULE_SET_DIGEST}):")
    assert order not in report

    async with stack.db.session() as session:
        row = await session.scalar(select(Order).where(Order.uuid == _uuid(order)))
        assert row is not None
        entries = await evidence.entries_of(session, row.id)
    payment = next(e for e in entries if e.kind == "payment")
    document = next(e for e in entries if e.kind == "document")

    # a repeated write (a retried local activity) appends nothing
    async with stack.db.transaction() as session:
        row = await session.get(Order, row.id)
        assert row is not None
        again = [
            Evidence(e.kind, e.key, {k: v for k, v in json.loads(e.payload).items()})
            for e in entries
        ]
        for item in again:
            item.facts.pop("kind"), item.facts.pop("key")
        head = await session.run_sync(evidence.append, row.id, again, AT)
        assert head == chain["head"]
    async with stack.db.session() as session:
        count = select(func.count()).where(EvidenceEntry.order_id == row.id)
        assert await session.scalar(count) == len(entries)

    # PostgreSQL refuses to change or remove an entry
    for statement in (
        "UPDATE evidence_entries SET payload = '{}' WHERE id = :id",
        "DELETE FROM evidence_entries WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with stack.db.transaction() as session:
                await session.execute(text(statement), {"id": payment.id})

    # a row changed behind the trigger's back is named
    forged = payment.payload.replace('"paymentDate":"', '"paymentDate":"1')
    assert forged != payment.payload
    await _superuser_update(stack, payment.id, forged)
    try:
        broken = await _verify(stack, order)
        assert not broken.intact
        assert broken.breaks[0].seq == payment.seq
        assert broken.breaks[0].reason == "its hash does not match its payload"
        ok, report = await _admin_verify(stack, order)
        assert not ok and f"broken at entry {payment.seq} ({payment.key})" in report
        async with http_for(stack, tenant) as http:
            seen = (await http.get(f"{tenant.seller}/orders/{order}/evidence")).json()
        assert seen["status"] == "BROKEN" and seen["breaks"][0]["seq"] == payment.seq
    finally:
        await _superuser_update(stack, payment.id, payment.payload)
    assert (await _verify(stack, order)).intact

    # a document's bytes changed in the document store are named
    sha256 = json.loads(document.payload)["sha256"]
    path = DocumentStore(stack.settings.effective_document_store_dir).path(sha256)
    original = path.read_bytes()
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        broken = await _verify(stack, order)
        assert [(b.seq, b.reason) for b in broken.breaks] == [
            (document.seq, f"the stored bytes no longer hash to {sha256}")
        ]
    finally:
        path.write_bytes(original)
    assert (await _verify(stack, order)).intact


def http_for(stack: Stack, tenant):  # type: ignore[no-untyped-def]
    from tests.conftest import client_token

    class _Session:
        async def __aenter__(self):  # type: ignore[no-untyped-def]
            self.http = stack.http(await client_token(stack, tenant))
            return await self.http.__aenter__()

        async def __aexit__(self, *exc):  # type: ignore[no-untyped-def]
            await self.http.__aexit__(*exc)

    return _Session()


def test_a_signed_export_file_with_a_timestamp_is_accepted_and_one_changed_byte_refused():
    from activities.orders.export_file_pdf import render_export_file
    from sandboxes.tsa import timestamper, tsa_material
    from tests.test_export_file_pdf import full_content

    platform, tsa = self_signed("NT24 test platform"), tsa_material()
    seal = Seal("ab" * 32, RULE_SET, RULE_SET_DIGEST, (("TRANSPORT_CMR cmr.pdf", "cd" * 32),))
    signer = ExportFileSigner(platform, timestamper(tsa))
    pdf = signer.seal_and_sign(render_export_file(full_content()), seal)

    checked = verify_export_file(pdf, [platform.certificate_pem], [tsa.certificate_pem])
    assert checked.valid and checked.timestamped, checked.problem
    assert checked.seal == seal.info()
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert "Seal" in pages[-1].extract_text() and "cd" * 32 in pages[-1].extract_text()

    for position in (100, len(pdf) // 2, len(pdf) - 100):
        changed = bytearray(pdf)
        changed[position] ^= 0x01
        check = verify_export_file(bytes(changed), [platform.certificate_pem])
        assert not check.valid, position


def test_the_seal_page_prints_file_names_as_they_were_given():
    """A file name is the uploader's text (a buyer's, through the self-service page): markup
    characters in it must neither stop the Export File nor shape its seal page."""
    from activities.orders.export_file_signing import with_seal

    names = ("a<b.pdf", "<b>bold</b> & <br/>.pdf", "x<img src='y'>.pdf")
    seal = Seal("ab" * 32, RULE_SET, RULE_SET_DIGEST, tuple((n, "cd" * 32) for n in names))
    blank = pypdf.PdfWriter()
    blank.add_blank_page(width=595, height=842)
    rendered = io.BytesIO()
    blank.write(rendered)
    pdf = with_seal(rendered.getvalue(), seal)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[-1].extract_text()
    for name in names:
        assert name in text


def test_a_signature_that_outgrows_the_room_the_one_before_needed_is_still_made():
    """Signing reserves the room the first signature needed (its margin included); a
    time-stamping authority whose answers grew past it must not break the next Export File."""
    from activities.orders.export_file_pdf import render_export_file
    from sandboxes.tsa import timestamper, tsa_material
    from tests.test_export_file_pdf import full_content

    def contents(pdf: bytes) -> int:
        [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        return len(signature.sig_object["/Contents"])

    platform, small = self_signed("NT24 test platform"), tsa_material()
    # the same authority after a change of certificate: one naming 200 hosts
    hosts = [f"tsa-{n:03}.time-stamping.example" for n in range(200)]
    grown = tsa_material("NT24 grown TSA", hosts)
    rendered = render_export_file(full_content())
    seal = Seal("ab" * 32, RULE_SET, RULE_SET_DIGEST, ())
    before = ExportFileSigner(platform, timestamper(small)).seal_and_sign(rendered, seal)
    after = ExportFileSigner(platform, timestamper(grown)).seal_and_sign(rendered, seal)

    assert contents(after) > contents(before)  # it did outgrow the room
    checked = verify_export_file(after, [platform.certificate_pem], [grown.certificate_pem])
    assert checked.valid and checked.timestamped, checked.problem


async def test_an_order_write_reads_the_buyers_vies_checks_whole_only_when_one_is_new(
    db: Database,
):
    """A buyer re-checked daily has hundreds of checks: a write tells from their uuids alone
    that its chain holds them all. A check the chain lacks (recorded after the order's last
    write) brings them all back, oldest first, for ``append`` to seal the new one; a check
    made after the write's moment waits for a later write."""
    buyer = await new_buyer(db, await new_organization(db), version=1)
    async with db.transaction() as session:
        checks = [
            ViesCheck(
                organization_id=buyer.organization_id,
                buyer_id=buyer.id,
                vat_number=buyer.vat_number,
                trigger="DAILY",
                result="VALID",
                checked_at=datetime(2026, 11, day, 6, tzinfo=UTC),
            )
            for day in (3, 1, 2)  # recorded out of their order
        ]
        session.add_all(checks)
    first, second, third = sorted(checks, key=lambda c: c.checked_at)

    async def to_seal(held: list[ViesCheck], day: int) -> list[UUID]:
        chain = evidence.Chain(frozenset(vies_check_key(c.uuid) for c in held), len(held), GENESIS)
        write = SimpleNamespace(
            identity=SimpleNamespace(buyer_id=buyer.id),
            updated_at=datetime(2026, 11, day, 12, tzinfo=UTC),
        )

        def read(session: Session) -> list[UUID]:
            found = _vies_checks_to_seal(session, write, chain)  # type: ignore[arg-type]
            return [c.uuid for c in found]

        return await db.run_transaction(read)

    assert await to_seal([first, second], 2) == []
    assert await to_seal([first], 2) == [first.uuid, second.uuid]
    assert await to_seal([first, second], 3) == [first.uuid, second.uuid, third.uuid]
    assert await to_seal([first, second, third], 3) == []


async def test_every_pickup_and_revocation_is_sealed_even_within_one_second(stack: Stack):
    """A revocation's key is its revokedAt, a pickup's its confirmedAt, to the second: a
    pickup confirmed, revoked and confirmed again within one second (a client's retry loop)
    shared one key, and the chain sealed the first and dropped the others, the pickup that
    stands among them."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = (await client.order(await client.buyer()))["uuid"]
        await client.invoice_and_payment(order)
        assert (await client.post(f"/orders/{order}/payment/ready-for-pickup")).status_code == 200
        for reason in ("wrong truck", "wrong driver"):
            assert (await client.pickup(order)).status_code == 200
            revoked = await client.post(
                f"/orders/{order}/transport/pickup/revoke", {"reason": reason}
            )
            assert revoked.status_code == 200, revoked.text
        assert (await client.pickup(order, driverIdentification="DE-FR-FINAL")).status_code == 200
        chain = (await client.get(f"/orders/{order}/evidence")).json()
    revocations = [e for e in chain["entries"] if e["kind"] == "revocation"]
    pickups = [e for e in chain["entries"] if e["key"].startswith("milestone:pickup:")]
    assert (len(revocations), len(pickups)) == (2, 3), [e["key"] for e in revocations + pickups]
