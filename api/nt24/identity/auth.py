"""Who calls the NT24 API, and what it may do: the contract's three authorization layers.

1. Organization scope: the Bearer token (RS256, verified by JWKS, issuer, audience, expiry
   and not-before) names an API client (``azp``), whose organization is the caller. Another
   organization's data does not exist for it (404).
2. Partner scope: ``{sellerId}`` must be one of the organization's partners (403 ``forbidden``).
3. Capability flags (403 ``capability-required``) and the DPA gate (403 ``dpa-not-accepted``
   on every call but ``GET /v1/me``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Annotated, Any
from uuid import UUID

import jwt
import structlog
from fastapi import Depends, Path, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2

from api.notyd.identity.user_auth import ISSUER as NOTYD_ISSUER
from api.nt24.identity.oauth import REALM, signing_key
from api.nt24.identity.principal import Principal
from api.nt24.identity.principal_cache import PrincipalCache
from api.shared.bearer import BearerDependency
from api.shared.counters import shared_redis_url
from api.shared.deps import app_settings, database
from api.shared.errors import Problem
from settings import Settings
from store.identity.api_clients import find_client
from store.identity.queries import (
    auth_generation,
    partner_of_organization,
    partners_of_organization,
)
from store.identity.tenancy import Tenant
from store.models import ApiClient, Organization, Partner

TOKEN_URL = f"{REALM}/protocol/openid-connect/token"

# What /openapi.json declares: the client-credentials flow and its token URL, so that a
# generated client or Swagger UI's Authorize fetches a token itself. Only the document's: the
# token is checked as a Bearer token by the dependencies below (``authenticate``).
_bearer = OAuth2(
    flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL)),
    auto_error=False,
    scheme_name="OAuth2ClientCredentials",
    description="An access token from the OAuth2 token endpoint (client_credentials grant), "
    "sent as `Authorization: Bearer <token>`.",
)


CAPABILITY_FLAGS = {
    "allowMarketplaceLedKyc": "allow_marketplace_led_kyc",
    "allowMultiVinOrders": "allow_multi_vin_orders",
    "allowContactPersonalData": "allow_contact_personal_data",
    "allowKycDocumentDownload": "allow_kyc_document_download",
}


def _unauthorized(detail: str) -> Problem:
    return Problem("unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=600)


_public_keys: dict[tuple[str, str], Any] = {}


def _embedded_public_key(settings: Settings) -> Any:
    # the embedded issuer's key: read (and its public half derived) once, not per request
    where = (settings.oauth_private_key_pem, str(settings.data_dir))
    key = _public_keys.get(where)
    if key is None:
        key = _public_keys[where] = signing_key(settings).private_key.public_key()
    return key


async def _verification_key(token: str, settings: Settings) -> Any:
    if settings.oauth_jwks_url:
        # An external OpenID Connect provider: its JWKS, fetched off the event loop and cached.
        client = _jwks_client(settings.oauth_jwks_url)
        return (await asyncio.to_thread(client.get_signing_key_from_jwt, token)).key
    return _embedded_public_key(settings)


async def verify_token(token: str, settings: Settings) -> dict[str, Any]:
    try:
        key = await _verification_key(token, settings)
        return jwt.decode(
            token,
            key,
            algorithms=["RS256"],  # never "none", never HS256 with the public key as secret
            issuer=settings.effective_oauth_issuer,
            audience=settings.oauth_audience,
            leeway=settings.oauth_clock_leeway,
            # pyjwt checks exp, nbf (when present) and iat (not in the future) on its own
            options={"require": ["exp", "iat", "iss", "aud"], "verify_signature": True},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("The access token has expired.") from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise _unauthorized(_invalid_token_detail(token)) from exc


def _invalid_token_detail(token: str) -> str:
    """What a refused token's caller is told to send instead; a NOTYD user's token (the
    README's "Try it") is named as such, its claims read unverified only to say so."""
    wanted = (
        f"the access token of an API client: POST {TOKEN_URL} with "
        "grant_type=client_credentials, client_id and client_secret"
    )
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        issuer = None
    if issuer == NOTYD_ISSUER:
        return (
            "The access token is a NOTYD user's (from /v1/api/token/), which the NT24 API "
            f"does not take; send {wanted}."
        )
    return f"The access token is invalid. The NT24 API takes {wanted}."


def _issued_for(client: ApiClient, claims: dict[str, Any]) -> bool:
    """Whether the token was issued to this client as it is now: after it was last disabled
    (``tokens_not_before``; ``iat`` has whole seconds, so a token of that very second is
    refused too), and for its organization when the token names one."""
    cutoff = client.tokens_not_before
    if cutoff is not None and int(claims.get("iat", 0)) <= int(cutoff.timestamp()):
        return False
    named = claims.get("organization_uuid")
    return named is None or named == str(client.organization.uuid)


def principal_cache(request: Request) -> PrincipalCache:
    """The API process's cache of verified tokens (made on first use)."""
    state = request.app.state
    cache = getattr(state, "principals", None)
    if cache is None:
        settings, db = app_settings(request), database(request)
        cache = state.principals = PrincipalCache(
            shared_redis_url(settings.rate_limit_storage),
            settings.auth_cache_ttl.total_seconds(),
            partial(auth_generation, db),
        )
    return cache


async def authenticate(request: Request) -> Principal:
    """The verified caller; computed once per request and kept on ``request.state``; reused
    from the process's cache for the token's lifetime (api/nt24/identity/principal_cache.py)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("A Bearer access token is required.")
    cache = principal_cache(request)
    entry, generation = await cache.get(token)
    if entry is None:
        claims = await verify_token(token, app_settings(request))
        client_id = claims.get("azp") or claims.get("client_id")
        if not client_id:
            raise _unauthorized("The access token names no client.")
        async with database(request).session() as session:
            client = await find_client(session, client_id)
        if client is None or not _issued_for(client, claims):
            raise _unauthorized("The API client of this token is unknown or disabled.")
        org = client.organization
        principal = Principal(org.id, org.uuid, client.client_id, org.rate_limit_tier, org)
        entry = cache.put(token, principal, float(claims["exp"]), generation)
    request.state.principal = entry.principal
    request.state.principal_partners = entry.partners
    return entry.principal


class _CallerWithoutDpaGate(BearerDependency):
    async def __call__(self, request: Request) -> Principal:
        """The caller, without the DPA gate: only ``GET /v1/me`` uses this directly."""
        return await authenticate(request)


CallerWithoutDpaGate = Annotated[Principal, Depends(_CallerWithoutDpaGate(_bearer))]


# A DPA version is its month; a newer acceptance also satisfies an older requirement
_DPA_VERSION = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def dpa_accepted(org: Organization, settings: Settings) -> bool:
    version = org.dpa_version or ""
    return (
        bool(org.dpa_accepted_at)
        and _DPA_VERSION.fullmatch(version) is not None
        and version >= settings.dpa_current_version
    )


class _OrganizationAccess(BearerDependency):
    async def __call__(self, request: Request) -> Principal:
        """The caller, once its organization has accepted the current DPA."""
        return await _dpa_checked(request)


async def _dpa_checked(request: Request) -> Principal:
    caller = await authenticate(request)
    settings = app_settings(request)
    if not dpa_accepted(caller.organization, settings):
        raise Problem(
            "dpa-not-accepted",
            f"Your organization has not accepted the data processing agreement version "
            f"{settings.dpa_current_version}. See GET /v1/me.",
        )
    return caller


Caller = Annotated[Principal, Depends(_OrganizationAccess(_bearer))]


@dataclass(frozen=True)
class PartnerScope:
    """The caller acting for one of its authorized partners (the ``{sellerId}`` of the path)."""

    principal: Principal
    partner: Partner

    @property
    def organization(self) -> Organization:
        return self.principal.organization

    @property
    def tenant(self) -> Tenant:
        return self.principal.tenant


class _PartnerAccess(BearerDependency):
    async def __call__(
        self,
        request: Request,
        seller_id: Annotated[
            UUID, Path(alias="sellerId", description="UUID of the seller trade partner")
        ],
    ) -> PartnerScope:
        """The caller acting for the seller of the path."""
        caller = await _dpa_checked(request)
        # the partners this token was checked against, dropped with it
        # (api/nt24/identity/principal_cache.py)
        known: dict[UUID, Partner | None] = getattr(request.state, "principal_partners", {})
        if seller_id in known:
            partner = known[seller_id]
        else:
            partner = await partner_of_organization(database(request), caller.tenant, seller_id)
            known[seller_id] = partner
        if partner is None:
            raise Problem(
                "forbidden",
                f"Partner {seller_id} is not in your organization's authorized partners.",
            )
        structlog.contextvars.bind_contextvars(
            organization=str(caller.organization.uuid), partner=str(partner.uuid)
        )
        return PartnerScope(caller, partner)


PartnerAccess = Annotated[PartnerScope, Depends(_PartnerAccess(_bearer))]


def require_capability(org: Organization, capability: str) -> None:
    """403 ``capability-required`` unless the organization has ``capability`` (contract name)."""
    if not getattr(org, CAPABILITY_FLAGS[capability]):
        raise Problem(
            "capability-required",
            f"Your organization lacks the capability {capability}.",
            capability=capability,
        )


async def authorized_partners(request: Request, caller: Principal) -> list[Partner]:
    return await partners_of_organization(database(request), caller.tenant)
