"""NOTYD JWT tokens and seller users, over HTTP against the real stack and PostgreSQL."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from api.notyd.identity.user_auth import ACCESS, issue
from store.identity import identity
from store.models import Organization, User
from tests.conftest import Stack, make_tenant

PROBLEM = "application/problem+json"


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_login_gives_access_and_refresh_tokens_with_contract_lifetimes(stack: Stack):
    tenant = await make_tenant(stack.db)
    async with stack.http() as http:
        answer = await http.post(
            "/v1/api/token/", json={"username": tenant.username, "password": tenant.password}
        )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access", "refresh"}
    access, refresh = claims(body["access"]), claims(body["refresh"])
    assert access["exp"] - access["iat"] == 2 * 3600
    assert refresh["exp"] - refresh["iat"] == 24 * 3600


async def test_login_accepts_form_encoded_credentials(stack: Stack):
    tenant = await make_tenant(stack.db)
    async with stack.http() as http:
        answer = await http.post(
            "/v1/api/token/", data={"username": tenant.username, "password": tenant.password}
        )
    assert answer.status_code == 200
    assert "access" in answer.json()


async def test_wrong_password_is_a_401_problem(stack: Stack):
    tenant = await make_tenant(stack.db)
    async with stack.http() as http:
        answer = await http.post(
            "/v1/api/token/", json={"username": tenant.username, "password": "wrong-password"}
        )
        unknown = await http.post(
            "/v1/api/token/", json={"username": "nobody-at-all", "password": "whatever"}
        )
    for response in (answer, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["code"] == "unauthorized"
        assert body["type"].endswith("/problems/unauthorized")
        assert body["traceId"].startswith("req_")
        assert body["instance"] == "/v1/api/token/"


async def test_missing_password_is_a_422_naming_the_field(stack: Stack):
    async with stack.http() as http:
        answer = await http.post("/v1/api/token/", json={"username": "someone"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert [e["field"] for e in answer.json()["errors"]] == ["password"]


async def test_refresh_gives_a_new_access_token(stack: Stack):
    tenant = await make_tenant(stack.db)
    async with stack.http() as http:
        pair = (
            await http.post(
                "/v1/api/token/", json={"username": tenant.username, "password": tenant.password}
            )
        ).json()
        refreshed = await http.post("/v1/api/refresh/", json={"refresh": pair["refresh"]})
        with_access = await http.post("/v1/api/refresh/", json={"refresh": pair["access"]})
    assert refreshed.status_code == 200
    new_access = refreshed.json()["access"]
    async with stack.http(new_access) as http:
        assert (await http.get("/v1/api/users/")).status_code == 200
    assert with_access.status_code == 401  # an access token cannot refresh


async def test_expired_and_tampered_tokens_are_refused(stack: Stack):
    tenant = await make_tenant(stack.db)
    async with stack.db.session() as session:
        user = await session.scalar(select(User).where(User.username == tenant.username))
    expired = issue(user, ACCESS, stack.settings, now=datetime.now(UTC) - timedelta(hours=3))
    good = await stack.login(tenant.username, tenant.password)
    header, payload, signature = good.split(".")
    forged_claims = claims(good) | {"sub": "00000000-0000-0000-0000-000000000000"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=")
    tampered = f"{header}.{forged_payload.decode()}.{signature}"
    for token, detail in ((expired, "expired"), (tampered, "invalid"), ("garbage", "invalid")):
        async with stack.http(token) as http:
            answer = await http.get("/v1/api/users/")
        assert answer.status_code == 401, token
        assert detail in answer.json()["detail"]
    async with stack.http() as http:
        assert (await http.get("/v1/api/users/")).status_code == 401


async def test_password_reset_revokes_earlier_tokens(stack: Stack):
    tenant = await make_tenant(stack.db)
    token = await stack.login(tenant.username, tenant.password)
    async with stack.db.transaction() as session:
        user = await session.scalar(select(User).where(User.username == tenant.username))
        await identity.reset_password(session, user, "a-new-password")
    async with stack.http(token) as http:
        assert (await http.get("/v1/api/users/")).status_code == 401
    await stack.login(tenant.username, "a-new-password")


async def test_users_are_scoped_to_the_callers_organization(stack: Stack):
    ours, theirs = await make_tenant(stack.db), await make_tenant(stack.db)
    async with stack.db.session() as session:
        their_user = await session.scalar(select(User).where(User.username == theirs.username))
    token = await stack.login(ours.username, ours.password)
    async with stack.http(token) as http:
        listing = await http.get("/v1/api/users/")
        foreign = await http.get(f"/v1/api/users/{their_user.uuid}/")
    assert listing.status_code == 200
    assert [u["username"] for u in listing.json()["results"]] == [ours.username]
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "not-found"


async def test_user_list_filters_pagination_and_detail(stack: Stack):
    tenant = await make_tenant(stack.db)
    async with stack.db.transaction() as session:
        owner = await session.scalar(select(User).where(User.username == tenant.username))
        org = await session.get(Organization, owner.organization_id)
        partner = await identity.create_partner(
            session, org, "Autohaus Nord", "DE", webshop_url="https://nord.example"
        )
        for i in range(3):
            await identity.create_user(
                session,
                f"{tenant.username}-seller-{i}",
                "password-123",
                email=f"seller{i}@nord.example",
                organization=org,
                partner=partner,
                first_name="Sina",
                last_name=f"Seller{i}",
            )
        inactive = await identity.create_user(
            session, f"{tenant.username}-gone", "password-123", organization=org
        )
        inactive.is_active = False
    token = await stack.login(tenant.username, tenant.password)
    async with stack.http(token) as http:
        page1 = (await http.get("/v1/api/users/", params={"page_size": 2})).json()
        page3 = (await http.get("/v1/api/users/", params={"page_size": 2, "page": 3})).json()
        sellers = (
            await http.get(
                "/v1/api/users/", params={"seller_profile__uuid": str(partner.profile_uuid)}
            )
        ).json()
        by_seller = (
            await http.get(
                "/v1/api/users/", params={"seller_profile__seller__uuid": str(partner.uuid)}
            )
        ).json()
        searched = (await http.get("/v1/api/users/", params={"search": "seller1"})).json()
        wildcard = (await http.get("/v1/api/users/", params={"search": "%"})).json()
        active = (await http.get("/v1/api/users/", params={"user__is_active": "false"})).json()
        unfiltered = await http.get(
            "/v1/api/users/", params={"user__is_active": "", "seller_profile__uuid": ""}
        )
        one = sellers["results"][0]
        detail = (await http.get(f"/v1/api/users/{one['uuid']}/")).json()
        malformed = await http.get("/v1/api/users/not-a-uuid/")
        bad_page = await http.get("/v1/api/users/", params={"page": 0})
        # behind a TLS-terminating proxy a request comes for an internal host
        proxied = (
            await http.get(
                "/v1/api/users/",
                params={"page_size": 1, "page": 2, "user__is_active": "true"},
                headers={"Host": "internal-host:8000"},
            )
        ).json()
    assert page1["count"] == 5 and len(page1["results"]) == 2
    assert page1["previous"] is None and "page=2" in page1["next"]
    assert page3["next"] is None and "page=2" in page3["previous"]
    assert len(page3["results"]) == 1
    assert sellers["count"] == 3 and by_seller["count"] == 3
    assert [u["last_name"] for u in searched["results"]] == ["Seller1"]
    assert wildcard["count"] == 0  # searched for as itself, not as LIKE's wildcard
    assert [u["is_active"] for u in active["results"]] == [False]
    assert unfiltered.json()["count"] == page1["count"]  # empty filters are none
    assert detail == one
    assert set(detail) == {
        "id", "uuid", "email", "username", "first_name", "last_name", "name",
        "is_active", "seller_profile_uuid", "webshop_url",
    }  # fmt: skip
    assert detail["seller_profile_uuid"] == str(partner.profile_uuid)
    assert detail["webshop_url"] == "https://nord.example"
    assert detail["name"] == f"Sina {one['last_name']}"
    # an id that is not a uuid names no user, as for orders and invoices
    assert malformed.status_code == 404 and malformed.json()["code"] == "not-found"
    # as Django REST framework answers it
    assert bad_page.status_code == 404 and bad_page.json()["detail"] == "Invalid page."
    # the links a client follows are the public base URL's, with the request's path and query
    public = httpx.URL(stack.settings.public_base_url)
    for link, page in ((proxied["next"], "3"), (proxied["previous"], "1")):
        url = httpx.URL(link)
        assert (url.scheme, url.host, url.port) == (public.scheme, public.host, public.port)
        assert url.path == "/v1/api/users/"
        assert dict(url.params) == {"page": page, "page_size": "1", "user__is_active": "true"}


async def test_a_sellers_user_sees_only_its_sellers_users(stack: Stack):
    tenant = await make_tenant(stack.db)
    async with stack.db.transaction() as session:
        owner = await session.scalar(select(User).where(User.username == tenant.username))
        org = await session.get(Organization, owner.organization_id)
        north = await identity.create_partner(session, org, "Autohaus Nord", "DE")
        south = await identity.create_partner(session, org, "Autohaus Süd", "DE")
        for partner in (north, south):
            await identity.create_user(
                session,
                f"{tenant.username}-{partner.id}",
                "password-123",
                organization=org,
                partner=partner,
            )
    async with stack.db.session() as session:
        south_user = await session.scalar(
            select(User).where(User.username == f"{tenant.username}-{south.id}")
        )
    north_token = await stack.login(f"{tenant.username}-{north.id}", "password-123")
    async with stack.http(north_token) as http:
        listing = (await http.get("/v1/api/users/")).json()
        other_sellers_user = await http.get(f"/v1/api/users/{south_user.uuid}/")
        by_other_seller = (
            await http.get(
                "/v1/api/users/", params={"seller_profile__seller__uuid": str(south.uuid)}
            )
        ).json()
    owner_token = await stack.login(tenant.username, tenant.password)
    async with stack.http(owner_token) as http:
        everybody = (await http.get("/v1/api/users/")).json()
        # an order's answer names its seller by the profile's uuid: the filter finds it too
        by_answers_uuid = (
            await http.get(
                "/v1/api/users/", params={"seller_profile__seller__uuid": str(south.profile_uuid)}
            )
        ).json()
    assert [u["username"] for u in listing["results"]] == [f"{tenant.username}-{north.id}"]
    assert other_sellers_user.status_code == 404
    assert by_other_seller["count"] == 0
    assert everybody["count"] == 3  # the owner acts for every seller
    assert [u["username"] for u in by_answers_uuid["results"]] == [f"{tenant.username}-{south.id}"]
