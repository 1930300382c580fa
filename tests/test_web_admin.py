"""The web app's administration over plain HTTP: what an organization's own user may not do
(grant itself capabilities or a rate tier, make users or staff, see another organization), a
seller's user kept out of the web app (its pages show the whole organization), and staff
making a seller's user (NOTYD: a user of a seller profile) from the organization page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
from sqlalchemy import select

from store.identity import identity
from store.models import ApiClient, Buyer, Organization, Partner, User
from store.web import AuditEntry, WebSession
from tests.conftest import ApiTenant, Stack, make_tenant
from tests.order_flow import OrderClient, seller_session
from tests.payment_invoices import staff_member

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@asynccontextmanager
async def signed_in(
    stack: Stack, username: str, password: str, landing: str = "/app/dashboard"
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as web:
        login = await web.get("/app/login")
        token = TOKEN.search(login.text)
        assert token, login.text
        answer = await web.post(
            "/app/login", data={"csrf_token": token[1], "username": username, "password": password}
        )
        assert answer.status_code == 303, answer.text
        page = await web.get(landing)
        assert page.status_code == 200, page.text
        yield web, TOKEN.search(page.text)[1]  # type: ignore[index]


async def organization(stack: Stack, slug: str) -> Organization:
    async with stack.db.session() as session:
        org = await session.scalar(select(Organization).where(Organization.slug == slug))
    assert org is not None
    return org


async def test_an_organization_user_cannot_grant_itself_anything_nor_see_another(stack: Stack):
    tenant = await make_tenant(stack.db)
    other = await make_tenant(stack.db, dpa=False)
    own, theirs = (
        await organization(stack, tenant.org_slug),
        await organization(stack, other.org_slug),
    )
    # an order and a buyer of another organization, made over its API
    api_tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, api_tenant, http)
        foreign_buyer = await client.buyer(documents=False)
        foreign_order = (await client.order(foreign_buyer))["uuid"]

    async with signed_in(stack, tenant.username, tenant.password) as (web, token):
        page = await web.get(f"/app/admin/organizations/{own.uuid}")
        assert page.status_code == 200
        assert f'action="/app/admin/organizations/{own.uuid}/capabilities"' not in page.text

        # capabilities and the rate tier are staff's: refused, nothing changes
        granted = await web.post(
            f"/app/admin/organizations/{own.uuid}/capabilities",
            data={
                "csrf_token": token,
                "allow_marketplace_led_kyc": "on",
                "allow_multi_vin_orders": "on",
                "allow_contact_personal_data": "on",
                "allow_kyc_document_download": "on",
                "rateLimitTier": "ENTERPRISE",
            },
        )
        assert granted.status_code == 404, granted.text
        # nor may it add users (a staff member, or one of another seller) or partners
        for action, form in (
            ("users", {"username": f"mallory-{uuid4().hex[:6]}", "password": "p" * 12}),
            ("partners", {"name": "Shadow GmbH", "country": "DE"}),
        ):
            answer = await web.post(
                f"/app/admin/organizations/{own.uuid}/{action}", data={"csrf_token": token} | form
            )
            assert answer.status_code == 404, (action, answer.text)
        made_staff = await web.post(
            "/app/admin/staff",
            data={"csrf_token": token, "username": f"root-{uuid4().hex[:6]}", "password": "p" * 12},
        )
        assert made_staff.status_code == 404
        assert (await web.get("/app/admin/staff")).status_code == 404

        # another organization: its administration page, its actions, its orders and buyers
        for path in (
            f"/app/admin/organizations/{theirs.uuid}",
            f"/app/admin/organizations/{api_tenant.org.uuid}",
            f"/app/orders/{foreign_order}",
            f"/app/buyers/{foreign_buyer}",
        ):
            assert (await web.get(path)).status_code == 404, path
        for action, form in (
            ("dpa", {"dpaVersion": "2026-01"}),
            ("api-clients", {"name": "Intruder"}),
            ("capabilities", {"allow_multi_vin_orders": "on"}),
        ):
            answer = await web.post(
                f"/app/admin/organizations/{theirs.uuid}/{action}",
                data={"csrf_token": token} | form,
            )
            assert answer.status_code == 404, (action, answer.text)
        listing = await web.get("/app/admin")
        assert str(theirs.uuid) not in listing.text and theirs.name not in listing.text
        for path in ("/app/orders", "/app/buyers", "/app/audit", "/app/webhooks", "/app/events"):
            answer = await web.get(path)
            assert foreign_order not in answer.text and foreign_buyer not in answer.text, path
            assert str(theirs.uuid) not in answer.text, path

    after = await organization(stack, tenant.org_slug)
    assert (after.rate_limit_tier, after.allow_multi_vin_orders) == ("STANDARD", False)
    assert not (after.allow_contact_personal_data or after.allow_kyc_document_download)
    assert not after.allow_marketplace_led_kyc
    untouched = await organization(stack, other.org_slug)
    assert untouched.dpa_version is None and not untouched.allow_multi_vin_orders


async def test_a_sellers_user_cannot_sign_in_nor_keep_a_session_of_the_web_app(stack: Stack):
    """A user tied to seller A would see seller B's orders and could make organization-wide API
    clients: the web app refuses its sign-in in words, and ends a session it had before it was
    tied to its seller."""
    tenant, http = await seller_session(stack)
    seller_b = ApiTenant(
        tenant.org, tenant.other_partner, tenant.client_id, tenant.client_secret, tenant.partner
    )
    async with http:
        client = OrderClient(stack, seller_b, http)
        order_of_b = (await client.order(await client.buyer(documents=False)))["uuid"]
    username, password = f"seller-a-{uuid4().hex[:8]}", "p" * 12
    late, late_password = f"later-a-{uuid4().hex[:8]}", "q" * 12
    async with stack.db.transaction() as session:
        org = await session.get(Organization, tenant.org.id)
        partner_a = await session.get(Partner, tenant.partner.id)
        assert org is not None and partner_a is not None
        await identity.create_user(session, username, password, organization=org, partner=partner_a)
        await identity.create_user(session, late, late_password, organization=org)

    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as web:
        login = await web.get("/app/login")
        token = TOKEN.search(login.text)
        assert token, login.text
        refused = await web.post(
            "/app/login", data={"csrf_token": token[1], "username": username, "password": password}
        )
        assert refused.status_code == 403, refused.text
        assert "NOTYD Payments API" in refused.text and "nt24_session" not in refused.cookies
        assert (await web.get(f"/app/orders/{order_of_b}")).status_code == 303  # the login

    # signed in as the whole organization's user, then tied to seller A: the session ends
    async with signed_in(stack, late, late_password) as (web, token):
        assert order_of_b in (await web.get(f"/app/orders/{order_of_b}")).text
        async with stack.db.transaction() as session:
            user = await session.scalar(select(User).where(User.username == late))
            assert user is not None
            user.partner_id = tenant.partner.id
            user_id = user.id
        page = await web.get(f"/app/orders/{order_of_b}")
        assert page.status_code == 303 and "/app/login" in page.headers["location"]
        made = await web.post(
            f"/app/admin/organizations/{tenant.org.uuid}/api-clients",
            data={"csrf_token": token, "name": "Seller A's own"},
        )
        assert made.status_code == 303 and "/app/login" in made.headers["location"]
    async with stack.db.session() as session:
        clients = (
            await session.scalars(select(ApiClient).where(ApiClient.organization_id == org.id))
        ).all()
        sessions = (
            await session.scalars(select(WebSession).where(WebSession.user_id == user_id))
        ).all()
    assert [c.client_id for c in clients] == [tenant.client_id] and sessions == []


async def test_staff_make_a_sellers_user_with_its_seller_profile(stack: Stack):
    tenant = await make_tenant(stack.db)
    org = await organization(stack, tenant.org_slug)
    stranger = await make_tenant(stack.db)
    async with stack.db.transaction() as session:
        mine = await identity.create_partner(
            session, await session.get(Organization, org.id), "Autohaus Nord", "DE"
        )
        theirs = await identity.create_partner(
            session,
            await session.get(Organization, (await organization(stack, stranger.org_slug)).id),
            "Autohaus Fremd",
            "AT",
        )
    staff = await staff_member(stack.db)
    username = f"seller-{uuid4().hex[:8]}"
    async with signed_in(stack, staff.username, "x" * 12) as (web, token):
        page = await web.get(f"/app/admin/organizations/{org.uuid}")
        assert f'value="{mine.uuid}"' in page.text and str(theirs.uuid) not in page.text
        refused = await web.post(
            f"/app/admin/organizations/{org.uuid}/users",
            data={
                "csrf_token": token,
                "username": username,
                "password": "p" * 12,
                "partner": str(theirs.uuid),
            },
        )
        assert refused.status_code == 422 and "not a partner of this organization" in refused.text
        made = await web.post(
            f"/app/admin/organizations/{org.uuid}/users",
            data={
                "csrf_token": token,
                "username": username,
                "password": "p" * 12,
                "partner": str(mine.uuid),
            },
        )
        assert made.status_code == 303, made.text
        page = await web.get(f"/app/admin/organizations/{org.uuid}")
        assert re.search(rf"<td>{username}</td>.*?<td>Autohaus Nord</td>", page.text, re.S)

    async with stack.db.session() as session:
        user = await session.scalar(select(User).where(User.username == username))
        partner = await session.get(Partner, mine.id)
    assert user is not None and partner is not None
    assert (user.organization_id, user.partner_id) == (org.id, mine.id)

    # the NOTYD user answer names its seller profile, and the filters find it by it
    access = await stack.login(tenant.username, tenant.password)
    async with stack.http(access) as notyd:
        users = (await notyd.get("/v1/api/users/")).json()["results"]
        [seller] = [u for u in users if u["username"] == username]
        assert seller["seller_profile_uuid"] == str(partner.profile_uuid)
        [admin] = [u for u in users if u["username"] == tenant.username]
        assert admin["seller_profile_uuid"] is None
        by_profile = await notyd.get(
            "/v1/api/users/", params={"seller_profile__uuid": str(partner.profile_uuid)}
        )
        assert [u["username"] for u in by_profile.json()["results"]] == [username]
        by_seller = await notyd.get(
            "/v1/api/users/", params={"seller_profile__seller__uuid": str(partner.uuid)}
        )
        assert [u["username"] for u in by_seller.json()["results"]] == [username]


async def test_staff_forms_refuse_what_does_not_fit_and_pages_ignore_numbers_out_of_range(
    stack: Stack,
):
    """A value longer than its column is the field's error (422), never a 500; a name as long
    as its column is taken whole, its slug and client id cut to fit theirs. A page number, a
    cursor or a filter code no column can hold is no filter, not a 500; nor is a time filter
    past either end of the calendar."""
    staff = await staff_member(stack.db)
    longest = "Ä" + "b" * 199  # Organization.name and ApiClient.name hold 200
    async with signed_in(stack, staff.username, "x" * 12) as (web, token):
        too_long = await web.post(
            "/app/admin/organizations", data={"csrf_token": token, "name": longest + "c"}
        )
        assert too_long.status_code == 422, too_long.text
        assert "must be at most 200 characters" in too_long.text
        made = await web.post(
            "/app/admin/organizations", data={"csrf_token": token, "name": longest}
        )
        assert made.status_code == 303, made.text
        org_path = made.headers["location"]
        client = await web.post(
            f"{org_path}/api-clients", data={"csrf_token": token, "name": longest}
        )
        assert client.status_code == 200 and "shown only now" in client.text, client.text
        dpa = await web.post(f"{org_path}/dpa", data={"csrf_token": token, "dpaVersion": "9" * 41})
        assert dpa.status_code == 422 and "must be at most 40 characters" in dpa.text
        staff_form = {"csrf_token": token, "username": "u" * 151, "password": "p" * 12}
        user = await web.post("/app/admin/staff", data=staff_form)
        assert user.status_code == 422 and "must be at most 150 characters" in user.text
        huge = "9" * 25
        for path in (
            f"/app/payments/invoices?dunning={huge}&page={huge}",
            "/app/payments/invoices?page=%C2%B2",  # "²" is a digit, not a number
            f"/app/orders?page={huge}",
            f"/app/buyers?page={huge}",
            f"/app/events?before={huge}",
            f"/app/audit?before={huge}",
            "/app/orders?createdAfter=0001-01-01T00:00:00%2B01:00",  # the year 0 in UTC
            "/app/orders?updatedAfter=9999-12-31T23:59:59-12:00",  # the year 10000 in UTC
        ):
            page = await web.get(path)
            assert page.status_code == 200, (path, page.status_code)
        # a date filter that is no date is named, not silently left out of a list of them all
        unread = await web.get("/app/orders?createdAfter=garbage")
        assert unread.status_code == 200 and "Not applied, not a date" in unread.text
        assert "Not applied" not in (await web.get("/app/orders?createdAfter=2026-01-01")).text
    async with stack.db.session() as session:
        org = await session.scalar(select(Organization).where(Organization.name == longest))
        assert org is not None and org.slug == "b" * 100  # "ä" is no slug letter
        clients = (await session.scalars(select(ApiClient).where(ApiClient.name == longest))).all()
    assert [c.client_id for c in clients] == ["api-client-" + "b" * 139]
    assert org.dpa_version is None


async def test_an_unknown_rate_limit_tier_is_refused_beside_the_field(stack: Stack):
    """A tier that is none of STANDARD, HIGH_VOLUME and ENTERPRISE (a lowercase "enterprise")
    is the field's error, the form shown again with the operator's boxes; nothing is saved."""
    tenant = await make_tenant(stack.db)
    org = await organization(stack, tenant.org_slug)
    staff = await staff_member(stack.db)
    async with signed_in(stack, staff.username, "x" * 12) as (web, token):
        answer = await web.post(
            f"/app/admin/organizations/{org.uuid}/capabilities",
            data={
                "csrf_token": token,
                "allow_multi_vin_orders": "on",
                "rateLimitTier": "enterprise",
            },
        )
    assert answer.status_code == 422, answer.status_code
    form = answer.text.split('id="capabilities"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<select name="rateLimitTier" aria-invalid="true">', form), form
    assert "must be one of STANDARD, HIGH_VOLUME, ENTERPRISE" in form
    assert re.search(
        r'<option value="STANDARD" selected>', form
    )  # the saved tier, not "enterprise"
    assert re.search(r'name="allow_multi_vin_orders" checked', form)  # the operator's box
    after = await organization(stack, tenant.org_slug)
    assert (after.rate_limit_tier, after.allow_multi_vin_orders) == ("STANDARD", False)


def sent_by_browser(page: str, form_id: str) -> dict[str, str]:
    """What a browser sends of the form as the page shows it: its hidden inputs, its ticked
    boxes and its selected options."""
    form = page.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    sent = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    sent |= {name: "on" for name in re.findall(r'type="checkbox" name="([^"]+)" checked', form)}
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        if chosen:
            sent[name] = chosen[1]
    return sent


async def capabilities_page(web: httpx.AsyncClient, org: Organization) -> dict[str, str]:
    page = await web.get(f"/app/admin/organizations/{org.uuid}")
    assert page.status_code == 200, page.text
    return sent_by_browser(page.text, "capabilities")


async def colleague_sets(stack: Stack, org: Organization, **values: Any) -> None:
    """A colleague's change saved meanwhile (another tab, the command line)."""
    async with stack.db.transaction() as session:
        row = await session.get_one(Organization, org.id)
        for name, value in values.items():
            setattr(row, name, value)


async def test_a_stale_capabilities_form_does_not_undo_a_colleagues_grant(stack: Stack):
    """Staff open an organization's page; meanwhile a colleague grants multi-VIN orders. The
    first operator, on the page as it was shown, grants KYC document download: saved, and the
    colleague's grant stays (only what the operator changed is written)."""
    tenant = await make_tenant(stack.db)
    org = await organization(stack, tenant.org_slug)
    staff = await staff_member(stack.db)
    async with signed_in(stack, staff.username, "x" * 12) as (web, token):
        shown = await capabilities_page(web, org)
        assert "allow_multi_vin_orders" not in shown and shown["rateLimitTier"] == "STANDARD"
        await colleague_sets(stack, org, allow_multi_vin_orders=True, rate_limit_tier="HIGH_VOLUME")
        answer = await web.post(
            f"/app/admin/organizations/{org.uuid}/capabilities",
            data=shown | {"csrf_token": token, "allow_kyc_document_download": "on"},
        )
        assert answer.status_code == 303, answer.text
        # and unticking a box the colleague did not touch withdraws only that one
        shown = await capabilities_page(web, org)
        assert shown["allow_multi_vin_orders"] == "on" == shown["allow_kyc_document_download"]
        await colleague_sets(stack, org, allow_contact_personal_data=True)
        del shown["allow_kyc_document_download"]
        answer = await web.post(
            f"/app/admin/organizations/{org.uuid}/capabilities",
            data=shown | {"csrf_token": token},
        )
        assert answer.status_code == 303, answer.text
    after = await organization(stack, tenant.org_slug)
    assert after.allow_multi_vin_orders and after.rate_limit_tier == "HIGH_VOLUME"
    assert after.allow_contact_personal_data and not after.allow_kyc_document_download
    async with stack.db.session() as session:
        audited = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.object_id == str(org.uuid), AuditEntry.action == "capabilities")
                .order_by(AuditEntry.id)
            )
        ).all()
    # the audit log's "before" is the row as it was saved, the colleague's changes in it
    logged = [(a.before or {}, a.after or {}) for a in audited]
    assert [
        (before["allow_multi_vin_orders"], after["allow_kyc_document_download"])
        for before, after in logged
    ] == [(True, True), (True, False)]


async def test_a_tier_changed_by_a_colleague_meanwhile_is_shown_beside_mine(stack: Stack):
    """The operator moves the tier from STANDARD to HIGH_VOLUME on a page opened before a
    colleague set ENTERPRISE: refused (409), both tiers side by side; keeping the saved one
    leads to the page, saving mine over it is one more, explicit step, and a colleague's grant
    untouched by either stays."""
    tenant = await make_tenant(stack.db)
    org = await organization(stack, tenant.org_slug)
    staff = await staff_member(stack.db)
    path = f"/app/admin/organizations/{org.uuid}"
    async with signed_in(stack, staff.username, "x" * 12) as (web, token):
        shown = await capabilities_page(web, org)
        await colleague_sets(stack, org, rate_limit_tier="ENTERPRISE", allow_multi_vin_orders=True)
        mine = shown | {"csrf_token": token, "rateLimitTier": "HIGH_VOLUME"}
        refused = await web.post(f"{path}/capabilities", data=mine)
        assert refused.status_code == 409, refused.text
        box = refused.text.split('id="conflict"', 1)[1].split("</section>", 1)[0]
        # the colleague's change left no audit entry: when is not known
        assert "this organization was changed by someone else at an unrecorded time" in box
        assert re.search(r"<th>Rate limit tier</th><td>ENTERPRISE</td><td>HIGH_VOLUME", box)
        assert re.search(r"<th>Allow multi vin orders</th><td>yes</td><td>yes</td>", box)
        assert re.search(r'href="([^"]*)">Keep the saved', box)[1] == path  # type: ignore[index]
        assert 'name="version"' not in box
        again = await web.post(f"{path}/capabilities", data=mine)  # the same form: refused
        assert again.status_code == 409
        assert (await organization(stack, tenant.org_slug)).rate_limit_tier == "ENTERPRISE"
        # nor is a form that does not say what it showed saved
        blind = await web.post(f"{path}/capabilities", data={"csrf_token": token})
        assert blind.status_code == 422 and "it does not say what it showed" in blind.text
        overwrite = sent_by_browser(refused.text, "overwrite")
        chosen = await web.post(f"{path}/capabilities", data=overwrite | {"csrf_token": token})
        assert chosen.status_code == 303, chosen.text
    after = await organization(stack, tenant.org_slug)
    assert (after.rate_limit_tier, after.allow_multi_vin_orders) == ("HIGH_VOLUME", True)


DPA_PAGE = "Data processing agreement not accepted"


def buyer_form(token: str, partner: Partner, vat_number: str = "FR40303265045") -> dict[str, str]:
    return {
        "csrf_token": token,
        "partner": str(partner.uuid),
        "kycMode": "MARKETPLACE_LED",
        "vatNumber": vat_number,
        "companyName": "Garage Dupont SARL",
        "address.street": "1 rue de la Paix",
        "address.postCode": "75002",
        "address.city": "Paris",
        "address.country": "FR",
    }


async def buyers_of(stack: Stack, org: Organization) -> list[Buyer]:
    async with stack.db.session() as session:
        found = await session.scalars(select(Buyer).where(Buyer.organization_id == org.id))
        return list(found)


async def test_an_organization_without_the_dpa_sees_where_to_accept_it_and_nothing_else(
    stack: Stack,
):
    """The API refuses such an organization's calls (403 dpa-not-accepted); the web app, which
    calls the API's functions directly, holds its users back the same way: every page of the
    organization's data is the page that says so and links to where the DPA is accepted."""
    tenant = await make_tenant(stack.db, dpa=False, allow_marketplace_led_kyc=True)
    org = await organization(stack, tenant.org_slug)
    async with stack.db.transaction() as session:
        partner = await identity.create_partner(
            session, await session.get(Organization, org.id), "Autohaus Süd", "DE"
        )
    org_page = f"/app/admin/organizations/{org.uuid}"

    async with signed_in(stack, tenant.username, tenant.password, landing=org_page) as (
        web,
        token,
    ):
        for path in (
            "/app",
            "/app/dashboard",
            "/app/orders",
            "/app/orders/new",
            "/app/buyers",
            "/app/buyers/new",
            "/app/search?q=Dupont",
            "/app/payments/invoices",
            "/app/webhooks",
            "/app/events",
        ):
            page = await web.get(path)
            assert page.status_code == 403 and DPA_PAGE in page.text, (path, page.text)
            assert f'href="{org_page}#dpa"' in page.text, path
            assert 'action="/app/logout"' in page.text  # still signed in, and may sign out
        refused = await web.post("/app/buyers/new", data=buyer_form(token, partner))
        assert refused.status_code == 403 and DPA_PAGE in refused.text, refused.text
        endpoint = await web.post(
            "/app/webhooks",
            data={"csrf_token": token, "url": "https://example.com/hook", "events": "kyc.*"},
        )
        assert endpoint.status_code == 403 and DPA_PAGE in endpoint.text
        assert await buyers_of(stack, org) == []

        # the organization's page is where it is accepted; then the same form creates the buyer
        page = await web.get("/app/admin")
        assert page.status_code == 303 and page.headers["location"] == org_page
        page = await web.get(org_page)
        assert page.status_code == 200 and 'id="dpa"' in page.text
        assert "the web app shows none of its data" in page.text
        # only the DPA the platform offers: a version typed ahead of it (or no version at all)
        # would hold for every DPA to come
        for typed in ("9999-12", "lol", "2025-06"):
            ahead = await web.post(
                f"{org_page}/dpa", data={"csrf_token": token, "dpaVersion": typed}
            )
            assert ahead.status_code == 422 and "must be the current DPA, 2026-01" in ahead.text
        refused = await web.post("/app/buyers/new", data=buyer_form(token, partner))
        assert refused.status_code == 403 and DPA_PAGE in refused.text
        accepted = await web.post(
            f"{org_page}/dpa", data={"csrf_token": token, "dpaVersion": "2026-01"}
        )
        assert accepted.status_code == 303, accepted.text
        created = await web.post("/app/buyers/new", data=buyer_form(token, partner))
        assert created.status_code == 303, created.text
        assert created.headers["location"].startswith("/app/buyers/")
        assert (await web.get("/app/dashboard")).status_code == 200
    [buyer] = await buyers_of(stack, org)
    assert buyer.company_name == "Garage Dupont SARL"


async def test_an_older_dpa_holds_back_as_none_does_and_signing_out_stays_open(stack: Stack):
    tenant = await make_tenant(stack.db, dpa=False)
    org = await organization(stack, tenant.org_slug)
    async with stack.db.transaction() as session:
        row = await session.get(Organization, org.id)
        assert row is not None
        row.dpa_version, row.dpa_accepted_at = "2025-06", row.created_at  # before 2026-01
    org_page = f"/app/admin/organizations/{org.uuid}"
    async with signed_in(stack, tenant.username, tenant.password, landing=org_page) as (
        web,
        token,
    ):
        page = await web.get("/app/buyers")
        assert page.status_code == 403 and "2025-06, is older" in page.text
        out = await web.post("/app/logout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/app/login"
        assert (await web.get("/app/buyers")).status_code == 303  # to the login page


async def test_staff_are_not_held_back_by_an_organizations_dpa(stack: Stack):
    tenant = await make_tenant(stack.db, dpa=False, allow_marketplace_led_kyc=True)
    org = await organization(stack, tenant.org_slug)
    async with stack.db.transaction() as session:
        partner = await identity.create_partner(
            session, await session.get(Organization, org.id), "Autohaus West", "DE"
        )
    staff = await staff_member(stack.db)
    async with signed_in(stack, staff.username, "x" * 12) as (web, token):
        assert (await web.get("/app/buyers")).status_code == 200
        created = await web.post("/app/buyers/new", data=buyer_form(token, partner))
        assert created.status_code == 303, created.text
    assert [b.company_name for b in await buyers_of(stack, org)] == ["Garage Dupont SARL"]


def test_every_page_of_the_web_app_but_signing_in_goes_through_the_dpa_gate():
    """Every route under /app depends on ``viewer`` (directly, or through ``staff`` and
    ``posted``), where the DPA is checked; the few reachable before the DPA are named here."""
    from fastapi.routing import APIRoute, iter_route_contexts

    from api.main import create_app
    from api.web.core import _BEFORE_THE_DPA, posted, staff, viewer
    from settings import Settings

    def calls(dependant: Any) -> set[Any]:
        found = {dependant.call}
        for sub in dependant.dependencies:
            found |= calls(sub)
        return found

    before_the_dpa, ungated = set(), set()
    for context in iter_route_contexts(create_app(Settings()).routes):
        route, path = context.original_route, context.path or ""
        if not (isinstance(route, APIRoute) and path.startswith("/app")):
            continue
        name = f"{sorted(route.methods)[0]} {path}"
        if getattr(route.endpoint, _BEFORE_THE_DPA, False):
            before_the_dpa.add(name)
        if not calls(route.dependant) & {viewer, staff, posted}:
            ungated.add(name)
    assert ungated == {"GET /app/login", "POST /app/login"}
    assert before_the_dpa == {
        "GET /app/admin",
        "GET /app/admin/organizations/{uuid}",
        "POST /app/admin/organizations/{uuid}/{action}",
        "POST /app/logout",
    }
