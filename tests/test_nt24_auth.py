"""API clients: the OAuth2 client_credentials grant, JWKS verification, rotation, /v1/me."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from api.nt24.identity.auth import dpa_accepted
from api.nt24.identity.oauth import issue_access_token
from settings import Settings
from store.models import ApiClient, Organization
from tests.conftest import Stack, client_token, make_api_tenant, make_tenant

TOKEN_PATH = "/realms/nt24-idp/protocol/openid-connect/token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_client_credentials_grant_issues_an_rs256_token_verifiable_by_jwks(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    assert len(tenant.client_secret) >= 64
    assert tenant.client_id.startswith("api-client-")
    async with stack.http() as http:
        answer = await http.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": tenant.client_id,
                "client_secret": tenant.client_secret,
            },
        )
        discovery = (await http.get("/realms/nt24-idp/.well-known/openid-configuration")).json()
        keys = (
            await http.get(discovery["jwks_uri"].removeprefix(stack.settings.public_base_url))
        ).json()
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    assert body["not-before-policy"] == 0
    # Independent verification, as a resource server would do it: JWKS by kid, issuer, expiry.
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    jwk = next(k for k in keys["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        body["access_token"],
        jwt.PyJWK(jwk).key,
        algorithms=["RS256"],
        issuer=discovery["issuer"],
        audience=stack.settings.oauth_audience,
    )
    assert claims["azp"] == tenant.client_id
    assert claims["exp"] - claims["iat"] == 300


async def test_http_basic_client_authentication(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    basic = base64.b64encode(f"{tenant.client_id}:{tenant.client_secret}".encode()).decode()
    async with stack.http() as http:
        answer = await http.post(
            TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        wrong = await http.post(
            TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic " + base64.b64encode(b"api-client-x:nope").decode()},
        )
        # the media type's name in any case, with a charset: still the form
        shouted = await http.post(
            TOKEN_PATH,
            content=b"grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "Application/X-WWW-Form-URLencoded; charset=UTF-8",
            },
        )
    assert answer.status_code == 200
    assert shouted.status_code == 200, shouted.text
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")


async def test_token_endpoint_failures_are_rfc6749_errors(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    good = {"client_id": tenant.client_id, "client_secret": tenant.client_secret}
    async with stack.http() as http:
        wrong_secret = await http.post(
            TOKEN_PATH, data=good | {"grant_type": "client_credentials", "client_secret": "x" * 64}
        )
        wrong_grant = await http.post(TOKEN_PATH, data=good | {"grant_type": "password"})
        no_grant = await http.post(TOKEN_PATH, data=good)
        as_json = await http.post(TOKEN_PATH, json=good | {"grant_type": "client_credentials"})
        grant = {"grant_type": "client_credentials"}
        no_secret = await http.post(TOKEN_PATH, data=grant | {"client_id": tenant.client_id})
        no_client = await http.post(TOKEN_PATH, data=grant)
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    # "no client authentication included" is invalid_client too (RFC 6749 5.2)
    for missing in (no_secret, no_client):
        assert (missing.status_code, missing.json()["error"]) == (401, "invalid_client")
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (no_grant.status_code, no_grant.json()["error"]) == (400, "invalid_request")
    assert (as_json.status_code, as_json.json()["error"]) == (400, "invalid_request")
    assert "error_description" in wrong_secret.json()


async def test_repeated_parameters_and_two_authentication_methods_are_invalid_request(
    stack: Stack,
):
    """RFC 6749 3.2: a parameter MUST NOT be included more than once; 2.3: a client MUST NOT use
    more than one authentication method in a request. Either is 400 invalid_request, never a
    token for whichever value came last or for the Basic client."""
    one, other = await make_api_tenant(stack.db), await make_api_tenant(stack.db)
    grant = [("grant_type", "client_credentials")]
    body = [("client_id", one.client_id), ("client_secret", one.client_secret)]
    basic = base64.b64encode(f"{other.client_id}:{other.client_secret}".encode()).decode()
    as_other = {"Authorization": f"Basic {basic}"}
    async with stack.http() as http:
        refused = [
            await http.post(TOKEN_PATH, content=urlencode(form), headers=headers | FORM)
            for form, headers in (
                (grant + grant + body, {}),
                ([("grant_type", "password"), *grant, *body], {}),
                (grant + [("client_id", other.client_id)] + body, {}),
                (grant + body, as_other),
                (grant + [("client_secret", other.client_secret)], as_other),
            )
        ]
        # with Basic, the body may name the same client
        same = await http.post(
            TOKEN_PATH,
            content=urlencode(grant + [("client_id", other.client_id)]),
            headers=as_other | FORM,
        )
    for answer in refused:
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "invalid_request"
        assert answer.json()["error_description"]
    assert "grant_type" in refused[0].json()["error_description"]
    assert same.status_code == 200, same.text
    claims = jwt.decode(same.json()["access_token"], options={"verify_signature": False})
    assert claims["azp"] == other.client_id


async def test_expired_tampered_and_foreign_tokens_are_401(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    expired = issue_access_token(
        stack.settings,
        tenant.client_id,
        str(tenant.org.uuid),
        now=datetime.now(UTC) - timedelta(minutes=10),
    )
    good = await client_token(stack, tenant)
    head, payload, signature = good.split(".")
    tampered = f"{head}.{payload[:-4]}AAAA.{signature}"
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = jwt.encode(
        {"iss": stack.settings.effective_oauth_issuer, "azp": tenant.client_id, "exp": 2**40},
        stranger_key,
        algorithm="RS256",
    )
    for token, words in ((expired, "expired"), (tampered, "invalid"), (foreign, "invalid")):
        async with stack.http(token) as http:
            answer = await http.get("/v1/me")
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "https://api.novatrade24.com/problems/unauthorized"
        assert words in answer.json()["detail"]
    async with stack.http(good) as http:
        assert (await http.get("/v1/me")).status_code == 200


async def test_a_notyd_user_token_is_refused_with_the_token_to_send_instead(stack: Stack):
    """The README's "Try it" gets a token from ``POST /v1/api/token/``; sent to the NT24 API it
    answered "The access token is invalid.", nothing on which token the NT24 API takes. It
    now names the token and where to get it, and what it names works."""
    user = await make_tenant(stack.db)
    tenant = await make_api_tenant(stack.db)
    async with stack.http() as http:
        login = await http.post(
            "/v1/api/token/", json={"username": user.username, "password": user.password}
        )
        assert login.status_code == 200, login.text
        refused = await http.get(
            "/v1/me", headers={"Authorization": f"Bearer {login.json()['access']}"}
        )
        assert refused.status_code == 401
        problem = refused.json()
        assert problem["type"] == "https://api.novatrade24.com/problems/unauthorized"
        assert "/v1/api/token/" in problem["detail"], problem["detail"]
        [told] = re.findall(r"POST (\S+) with grant_type=client_credentials", problem["detail"])
        token = await http.post(
            told,
            data={
                "grant_type": "client_credentials",
                "client_id": tenant.client_id,
                "client_secret": tenant.client_secret,
            },
        )
        assert token.status_code == 200, token.text
        me = await http.get(
            "/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
        assert me.status_code == 200, me.text


async def test_a_rotated_secret_works_beside_the_new_one_until_the_grace_ends(stack: Stack):
    from store.identity.api_clients import rotate_secret

    tenant = await make_api_tenant(stack.db)
    async with stack.db.transaction() as session:
        client = await session.scalar(
            select(ApiClient).where(ApiClient.client_id == tenant.client_id)
        )
        new_secret = await rotate_secret(session, client, timedelta(hours=48))
    old_secret = tenant.client_secret
    await client_token(stack, tenant)  # old secret, inside the grace period
    tenant.client_secret = new_secret
    await client_token(stack, tenant)
    async with stack.db.transaction() as session:
        client = await session.scalar(
            select(ApiClient).where(ApiClient.client_id == tenant.client_id)
        )
        client.previous_secret_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    async with stack.http() as http:
        answer = await http.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": tenant.client_id,
                "client_secret": old_secret,
            },
        )
    assert answer.status_code == 401
    await client_token(stack, tenant)


async def test_me_describes_the_organization(stack: Stack):
    tenant = await make_api_tenant(
        stack.db, allow_multi_vin_orders=True, allow_contact_personal_data=True
    )
    token = await client_token(stack, tenant)
    async with stack.http(token) as http:
        me = (await http.get("/v1/me")).json()
    assert me["organizationUuid"] == str(tenant.org.uuid)
    assert me["name"] == tenant.org.name
    assert sorted(p["uuid"] for p in me["authorizedPartners"]) == sorted(
        [str(tenant.partner.uuid), str(tenant.other_partner.uuid)]
    )
    assert {"uuid", "name", "country"} == set(me["authorizedPartners"][0])
    assert me["capabilities"] == {
        "rateLimitTier": "STANDARD",
        "allowMarketplaceLedKyc": False,
        "allowMultiVinOrders": True,
        "allowContactPersonalData": True,
        "allowKycDocumentDownload": False,
    }
    assert me["dpaVersion"] == "2026-01"
    assert me["dpaAcceptedAt"].endswith("Z")


async def test_me_answers_without_a_dpa_and_omits_its_fields(stack: Stack):
    tenant = await make_api_tenant(stack.db, dpa=False)
    token = await client_token(stack, tenant)
    async with stack.http(token) as http:
        answer = await http.get("/v1/me")
    assert answer.status_code == 200
    assert "dpaVersion" not in answer.json() and "dpaAcceptedAt" not in answer.json()


async def test_a_disabled_client_loses_access_at_once(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    token = await client_token(stack, tenant)
    async with stack.db.transaction() as session:
        client = await session.scalar(
            select(ApiClient).where(ApiClient.client_id == tenant.client_id)
        )
        client.is_active = False
    async with stack.http(token) as http:
        assert (await http.get("/v1/me")).status_code == 401


def test_only_a_month_at_or_after_the_current_dpa_is_its_acceptance():
    """A DPA version is its month: text that sorts after it ("lol", "9999-99") is none."""
    settings, accepted = Settings(dpa_current_version="2026-01"), datetime(2026, 1, 5, tzinfo=UTC)

    def org(version: str | None) -> Organization:
        return Organization(dpa_version=version, dpa_accepted_at=accepted)

    assert dpa_accepted(org("2026-01"), settings) and dpa_accepted(org("2026-03"), settings)
    for version in ("2025-06", "lol", "9999-99", "2026-1", None):
        assert not dpa_accepted(org(version), settings), version
    assert not dpa_accepted(Organization(dpa_version="2026-01"), settings)  # never accepted
