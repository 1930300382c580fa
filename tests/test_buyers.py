"""Buyers over HTTP, end to end: upsert, scope, capabilities, versions, contacts, KYC, VIES."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
from sqlalchemy import func, select

from store.models import Buyer, PiiAccessLog, ViesCheck
from tests.conftest import ApiTenant, Stack, client_token, make_api_tenant

PROBLEMS = "https://api.novatrade24.com/problems/"
VALID_DE = "DE136695976"  # well-formed; the VIES sandbox answers VALID for it


def buyer_body(vat: str = VALID_DE, **overrides: object) -> dict:
    body = {
        "kycMode": "NT24_LED",
        "vatNumber": vat,
        "companyName": "Autohandel Müller GmbH",
        "address": {
            "street": "Hauptstr. 1",
            "postCode": "10115",
            "city": "Berlin",
            "country": "de",
        },
    }
    return body | overrides


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid4())}


async def api(stack: Stack, tenant: ApiTenant) -> httpx.AsyncClient:
    return stack.http(await client_token(stack, tenant))


async def test_upsert_creates_then_returns_then_refuses_a_different_body(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        created = await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        again = await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        other = await http.post(
            f"{tenant.seller}/buyers", json=buyer_body(companyName="Other"), headers=key()
        )
    assert created.status_code == 201, created.text
    buyer = created.json()
    assert created.headers["location"] == f"{tenant.seller}/buyers/{buyer['uuid']}"
    assert created.headers["etag"] == '"0"'
    assert buyer["version"] == 0 and buyer["status"] == "ACTIVE"
    assert buyer["address"]["country"] == "DE" and "uuid" in buyer["address"]
    assert buyer["createdAt"].endswith("Z")
    assert "contacts" not in buyer  # personal data lives on /contacts only
    assert again.status_code == 200 and again.json()["uuid"] == buyer["uuid"]
    assert other.status_code == 409
    problem = other.json()
    assert problem["type"] == PROBLEMS + "resource-exists-different-body"
    assert problem["currentResource"]["companyName"] == "Autohandel Müller GmbH"


async def test_vat_numbers_are_normalised_and_validated(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        spaced = await http.post(
            f"{tenant.seller}/buyers", json=buyer_body("de 136.695.976"), headers=key()
        )
        bad = await http.post(f"{tenant.seller}/buyers", json=buyer_body("DE123"), headers=key())
        missing = await http.post(
            f"{tenant.seller}/buyers", json={"kycMode": "NT24_LED"}, headers=key()
        )
    assert spaced.status_code == 201 and spaced.json()["vatNumber"] == VALID_DE
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "vatNumber"
    assert bad.json()["errors"][0]["rejectedValue"] == "DE123"
    assert {e["field"] for e in missing.json()["errors"]} == {
        "vatNumber",
        "companyName",
        "address",
    }
    async with stack.db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Buyer).where(Buyer.partner_id == tenant.partner.id)
        )
    assert count == 1  # nothing half-written by the refused requests


async def test_capabilities_gate_marketplace_led_kyc_and_contacts(stack: Stack):
    plain = await make_api_tenant(stack.db)
    allowed = await make_api_tenant(
        stack.db, allow_marketplace_led_kyc=True, allow_contact_personal_data=True
    )
    contacts = [{"firstName": "Ada", "lastName": "Muster", "email": "ada@example.com"}]
    async with await api(stack, plain) as http:
        mode_a = await http.post(
            f"{plain.seller}/buyers", json=buyer_body(kycMode="MARKETPLACE_LED"), headers=key()
        )
        with_contacts = await http.post(
            f"{plain.seller}/buyers", json=buyer_body(contacts=contacts), headers=key()
        )
    async with await api(stack, allowed) as http:
        ok = await http.post(
            f"{allowed.seller}/buyers",
            json=buyer_body(kycMode="MARKETPLACE_LED", contacts=contacts),
            headers=key(),
        )
    for refused, capability in (
        (mode_a, "allowMarketplaceLedKyc"),
        (with_contacts, "allowContactPersonalData"),
    ):
        assert refused.status_code == 403
        assert refused.json()["type"] == PROBLEMS + "capability-required"
        assert capability in refused.json()["detail"]
    assert ok.status_code == 201


async def test_an_upsert_takes_at_most_50_contacts(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_contact_personal_data=True)
    contacts = [
        {"firstName": "Ada", "lastName": f"Muster{n}", "email": f"ada{n}@example.com"}
        for n in range(51)
    ]
    async with await api(stack, tenant) as http:
        too_many = await http.post(
            f"{tenant.seller}/buyers", json=buyer_body(contacts=contacts), headers=key()
        )
        fifty = await http.post(
            f"{tenant.seller}/buyers", json=buyer_body(contacts=contacts[:50]), headers=key()
        )
    assert too_many.status_code == 422
    assert [e["field"] for e in too_many.json()["errors"]] == ["contacts"]
    assert fifty.status_code == 201, fifty.text  # the first that wrote anything


async def test_foreign_partner_is_403_and_foreign_buyer_is_404(stack: Stack):
    ours, theirs = await make_api_tenant(stack.db), await make_api_tenant(stack.db)
    async with await api(stack, theirs) as http:
        their_buyer = (
            await http.post(f"{theirs.seller}/buyers", json=buyer_body(), headers=key())
        ).json()
    async with await api(stack, ours) as http:
        foreign_seller = await http.get(f"{theirs.seller}/buyers/{their_buyer['uuid']}")
        foreign_buyer = await http.get(f"{ours.seller}/buyers/{their_buyer['uuid']}")
        mine = (await http.post(f"{ours.seller}/buyers", json=buyer_body(), headers=key())).json()
        other_partner = await http.get(
            f"/v1/partners/{ours.other_partner.uuid}/buyers/{mine['uuid']}"
        )
    assert foreign_seller.status_code == 403
    assert foreign_seller.json()["type"] == PROBLEMS + "forbidden"
    assert foreign_buyer.status_code == 404
    assert foreign_buyer.json()["type"] == PROBLEMS + "not-found"
    assert other_partner.status_code == 404


async def test_without_an_accepted_dpa_everything_but_me_is_403(stack: Stack):
    tenant = await make_api_tenant(stack.db, dpa=False)
    async with await api(stack, tenant) as http:
        listing = await http.get(f"{tenant.seller}/buyers")
        me = await http.get("/v1/me")
    assert listing.status_code == 403
    assert listing.json()["type"] == PROBLEMS + "dpa-not-accepted"
    assert me.status_code == 200


async def test_patch_needs_if_match_and_only_upgrades_the_kyc_mode(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_marketplace_led_kyc=True)
    async with await api(stack, tenant) as http:
        buyer = (
            await http.post(
                f"{tenant.seller}/buyers",
                json=buyer_body(kycMode="MARKETPLACE_LED"),
                headers=key(),
            )
        ).json()
        url = f"{tenant.seller}/buyers/{buyer['uuid']}"
        current = (await http.get(url)).json()["version"]
        no_match = await http.patch(url, json={"companyName": "New"}, headers=key())
        stale = await http.patch(
            url, json={"companyName": "New"}, headers=key() | {"If-Match": f'"{current + 5}"'}
        )
        upgraded = await http.patch(
            url,
            json={"kycMode": "NT24_LED", "companyName": "New GmbH"},
            headers=key() | {"If-Match": f'"{current}"'},
        )
        downgrade = await http.patch(
            url,
            json={"kycMode": "MARKETPLACE_LED"},
            headers=key() | {"If-Match": upgraded.headers["etag"]},
        )
        new_vat = await http.patch(
            url, json={"vatNumber": "DE129273398"}, headers=key() | {"If-Match": '"99"'}
        )
    assert no_match.status_code == 400
    assert no_match.json()["type"] == PROBLEMS + "malformed-request"
    assert stale.status_code == 409
    assert stale.json()["type"] == PROBLEMS + "version-mismatch"
    assert stale.json()["currentResource"]["version"] == current
    assert upgraded.status_code == 200, upgraded.text
    assert upgraded.json()["version"] == current + 1
    assert upgraded.json()["kycMode"] == "NT24_LED"
    assert upgraded.headers["etag"] == f'"{current + 1}"'
    assert downgrade.status_code == 422
    assert downgrade.json()["errors"][0]["field"] == "kycMode"
    assert new_vat.status_code in (409, 422)


async def test_a_patch_refused_for_its_if_match_runs_when_retried_with_the_right_one(stack: Stack):
    """A 409 version-mismatch or a 400 without If-Match changed nothing: the same key and body
    with the current version apply the change instead of replaying the refusal."""
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        buyer = (
            await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        ).json()
        url, p1, p2 = f"{tenant.seller}/buyers/{buyer['uuid']}", key(), key()
        stale = await http.patch(url, json={"companyName": "One"}, headers=p1 | {"If-Match": '"5"'})
        right = await http.patch(url, json={"companyName": "One"}, headers=p1 | {"If-Match": '"0"'})
        missing = await http.patch(url, json={"companyName": "Two"}, headers=p2)
        given = await http.patch(url, json={"companyName": "Two"}, headers=p2 | {"If-Match": '"1"'})
        again = await http.patch(url, json={"companyName": "Two"}, headers=p2 | {"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["type"] == PROBLEMS + "version-mismatch"
    assert right.status_code == 200, right.text
    assert "idempotent-replayed" not in right.headers
    assert right.json()["companyName"] == "One" and right.json()["version"] == 1
    assert missing.status_code == 400
    assert given.status_code == 200 and "idempotent-replayed" not in given.headers
    assert given.json()["version"] == 2
    assert again.headers["idempotent-replayed"] == "true" and again.json() == given.json()


async def test_edits_read_at_one_version_are_one_200_and_409s(either_stack: Stack):
    """Eight PATCHes (and a block) sent at once with the same If-Match: one applies, the
    others are 409 version-mismatch. Each read the row unlocked and wrote it unconditionally,
    so two or more answered 200 with version 1 and different names, one of them lost (on
    SQLite, which has no SELECT ... FOR UPDATE, still after that was fixed on PostgreSQL)."""
    stack = either_stack
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        buyer = (
            await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        ).json()
        url = f"{tenant.seller}/buyers/{buyer['uuid']}"
        for round_ in range(3):
            etag = (await http.get(url)).headers["etag"]
            answers = await asyncio.gather(
                *(
                    http.patch(
                        url,
                        json={"companyName": f"Name {round_}-{i}"},
                        headers=key() | {"If-Match": etag},
                    )
                    for i in range(8)
                )
            )
            assert sorted(a.status_code for a in answers) == [200] + [409] * 7, round_
            applied = next(a for a in answers if a.status_code == 200).json()
            assert (await http.get(url)).json()["companyName"] == applied["companyName"]


async def test_a_long_purpose_of_an_upsert_with_contacts_is_refused_naming_it(stack: Stack):
    """X-Purpose is recorded in the personal-data access log (at most 200 characters). The
    contacts endpoints refused a longer one, the upsert with contacts answered 500."""
    tenant = await make_api_tenant(stack.db, allow_contact_personal_data=True)
    contacts = [{"firstName": "Anne", "lastName": "Müller", "email": "anne@example.com"}]
    async with await api(stack, tenant) as http:
        answer = await http.post(
            f"{tenant.seller}/buyers",
            json=buyer_body(contacts=contacts),
            headers=key() | {"X-Purpose": "p" * 201},
        )
        listed = await http.get(f"{tenant.seller}/buyers", params={"vatNumber": VALID_DE})
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["X-Purpose"]
    assert listed.json()["data"] == []  # nothing was stored


async def test_if_none_match_answers_304(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        buyer = (
            await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        ).json()
        url = f"{tenant.seller}/buyers/{buyer['uuid']}"
        first = await http.get(url)
        cached = await http.get(url, headers={"If-None-Match": first.headers["etag"]})
        stale = await http.get(url, headers={"If-None-Match": '"12345"'})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == first.headers["etag"]
    assert stale.status_code == 200


async def test_list_filters_and_pages(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_marketplace_led_kyc=True)
    numbers = ["DE129273398", "DE136695976", "ATU13585627"]
    async with await api(stack, tenant) as http:
        for i, vat in enumerate(numbers):
            mode = "MARKETPLACE_LED" if i == 0 else "NT24_LED"
            answer = await http.post(
                f"{tenant.seller}/buyers", json=buyer_body(vat, kycMode=mode), headers=key()
            )
            assert answer.status_code == 201, answer.text
        page = (await http.get(f"{tenant.seller}/buyers", params={"size": 2})).json()
        last = (await http.get(f"{tenant.seller}/buyers", params={"size": 2, "page": 1})).json()
        by_vat = await http.get(f"{tenant.seller}/buyers", params={"vatNumber": "ATU13585627"})
        by_mode = (
            await http.get(f"{tenant.seller}/buyers", params={"kycMode": "MARKETPLACE_LED"})
        ).json()
        sorted_desc = (
            await http.get(f"{tenant.seller}/buyers", params={"sort": "vatNumber,desc"})
        ).json()
        bad_size = await http.get(f"{tenant.seller}/buyers", params={"size": 101})
    assert page["pagination"] == {
        "page": 0,
        "size": 2,
        "totalElements": 3,
        "totalPages": 2,
        "hasNext": True,
        "hasPrevious": False,
    }
    assert len(last["data"]) == 1 and last["pagination"]["hasPrevious"]
    assert [b["vatNumber"] for b in by_vat.json()["data"]] == ["ATU13585627"]
    assert [b["vatNumber"] for b in by_mode["data"]] == ["DE129273398"]
    assert [b["vatNumber"] for b in sorted_desc["data"]] == sorted(numbers, reverse=True)
    assert bad_size.status_code == 422


async def test_contacts_need_the_capability_and_every_access_is_logged(stack: Stack):
    tenant = await make_api_tenant(stack.db, allow_contact_personal_data=True)
    plain = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        buyer = (
            await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        ).json()
        url = f"{tenant.seller}/buyers/{buyer['uuid']}/contacts"
        added = await http.post(
            url,
            json={"firstName": "Ada", "lastName": "Muster", "email": "ada@example.com"},
            headers=key() | {"X-Purpose": "ONBOARDING"},
        )
        listed = await http.get(url, headers={"X-Purpose": "DUE_DILIGENCE"})
        bad = await http.post(
            url, json={"firstName": "X", "lastName": "Y", "email": "no-email"}, headers=key()
        )
    async with await api(stack, plain) as http:
        other = (await http.post(f"{plain.seller}/buyers", json=buyer_body(), headers=key())).json()
        refused = await http.get(f"{plain.seller}/buyers/{other['uuid']}/contacts")
    assert added.status_code == 201
    assert set(added.json()) >= {"uuid", "firstName", "lastName", "email", "createdAt"}
    assert [c["email"] for c in listed.json()] == ["ada@example.com"]
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"
    assert refused.status_code == 403
    assert refused.json()["type"] == PROBLEMS + "capability-required"
    async with stack.db.session() as session:
        log = (
            await session.scalars(
                select(PiiAccessLog)
                .where(PiiAccessLog.organization_id == tenant.org.id)
                .order_by(PiiAccessLog.id)
            )
        ).all()
    assert [(e.action, e.purpose) for e in log] == [
        ("WRITE", "ONBOARDING"),
        ("READ", "DUE_DILIGENCE"),
    ]
    assert all(e.actor == tenant.client_id and e.trace_id for e in log)


async def test_block_a_buyer(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        buyer = (
            await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        ).json()
        url = f"{tenant.seller}/buyers/{buyer['uuid']}/block"
        blocked = await http.post(url, json={"reason": "fraud suspicion"}, headers=key())
        empty_reason = await http.post(url, json={"reason": ""}, headers=key())
        # the contract shows no body: a block without a reason is a block
        again = await http.post(url, json={}, headers=key())
    assert blocked.status_code == 200
    assert blocked.json()["status"] == "BLOCKED"
    assert blocked.json()["version"] > buyer["version"]
    assert empty_reason.status_code == 422
    assert (again.status_code, again.json()["version"]) == (200, blocked.json()["version"])


async def test_concurrent_upserts_under_one_key_create_one_buyer(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    headers = key()
    async with await api(stack, tenant) as http:
        answers = await asyncio.gather(
            *(
                http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=headers)
                for _ in range(24)
            )
        )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["uuid"] for a in answers}) == 1
    async with stack.db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Buyer).where(Buyer.partner_id == tenant.partner.id)
        )
    assert count == 1


async def test_concurrent_upserts_with_different_keys_create_one_buyer(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        answers = await asyncio.gather(
            *(
                http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
                for _ in range(8)
            )
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 7 + [201]
    assert len({a.json()["uuid"] for a in answers}) == 1


async def test_kyc_status_and_a_vies_check_through_the_sandbox(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    async with await api(stack, tenant) as http:
        buyer = (
            await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        ).json()
        kyc_url = f"{tenant.seller}/buyers/{buyer['uuid']}/kyc"
        queued = await http.post(f"{kyc_url}/vies-check", headers=key())
        for _ in range(100):
            kyc = (await http.get(kyc_url)).json()
            if kyc["viesResult"] == "VALID":
                break
            await asyncio.sleep(0.1)
    assert queued.status_code == 202
    assert queued.json()["status"] in ("QUEUED", "IN_PROGRESS")
    assert kyc["viesResult"] == "VALID" and kyc["viesLastCheckedAt"].endswith("Z")
    assert kyc["kycMode"] == "NT24_LED"
    assert kyc["overallStatus"] == "INCOMPLETE"  # verification not done yet
    assert kyc["verificationStatus"] == "NOT_STARTED"
    async with stack.db.session() as session:
        evidence = (
            await session.scalars(select(ViesCheck).where(ViesCheck.vat_number == VALID_DE))
        ).all()
    assert any(e.request_identifier and e.result == "VALID" for e in evidence)
