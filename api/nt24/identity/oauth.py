"""The embedded OAuth2 issuer for API clients (client_credentials only), shaped like Keycloak.

``POST /realms/nt24-idp/protocol/openid-connect/token`` issues RS256 JWTs valid 300 s;
``.../certs`` publishes the keys as JWKS and ``/realms/nt24-idp/.well-known/openid-configuration``
describes the issuer, so an integrator's Keycloak-configured client only changes the host,
and a deployment can swap this issuer for a real OpenID Connect provider by settings alone.
Failures answer with RFC 6749 error bodies, not problem+json, as OAuth2 clients expect.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import uuid4

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel, Field

from api.shared.deps import AppSettings, Db
from api.shared.errors import safe_text
from api.shared.login_throttle import address_of, login_throttle
from settings import Settings
from store.identity.api_clients import find_client, secret_matches

REALM = "/realms/nt24-idp"
router = APIRouter(prefix=REALM, tags=["OAuth2 (API clients)"])


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}


def _key_pem(settings: Settings) -> bytes:
    if settings.oauth_private_key_pem:
        return settings.oauth_private_key_pem.encode()
    if settings.environment == "production":
        raise RuntimeError("NT24_OAUTH_PRIVATE_KEY_PEM must be set in production")
    path: Path = settings.data_dir / "oauth-signing-key.pem"
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return path.read_bytes()


@lru_cache(maxsize=8)
def _load_key(pem: bytes) -> SigningKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise RuntimeError("the OAuth signing key must be an RSA key")
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKey(key, hashlib.sha256(der).hexdigest()[:16])


def signing_key(settings: Settings) -> SigningKey:
    return _load_key(_key_pem(settings))


def issue_access_token(
    settings: Settings, client_id: str, organization_uuid: str, now: datetime | None = None
) -> str:
    now = now or datetime.now(UTC)
    key = signing_key(settings)
    claims = {
        "iss": settings.effective_oauth_issuer,
        "sub": client_id,
        "azp": client_id,
        "client_id": client_id,
        "organization_uuid": organization_uuid,
        "typ": "Bearer",
        "scope": "profile email",
        "aud": settings.oauth_audience,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + settings.oauth_token_ttl).timestamp()),
        "jti": uuid4().hex,
    }
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


class TokenAnswer(BaseModel):
    access_token: str
    expires_in: int
    token_type: str = "Bearer"
    not_before_policy: int = Field(0, alias="not-before-policy")
    scope: str = "profile email"


class OAuthError(BaseModel):
    error: str
    error_description: str


def _oauth_error(status: int, error: str, description: str, basic: bool = False) -> JSONResponse:
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if basic:
        headers["WWW-Authenticate"] = 'Basic realm="nt24-idp"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _slow_down(seconds: int) -> JSONResponse:
    """Too many failed attempts for this client or from this address
    (api/shared/login_throttle.py)."""
    answer = _oauth_error(
        429,
        "temporarily_unavailable",
        f"Too many failed attempts: try again in {seconds} seconds.",
    )
    answer.headers["Retry-After"] = str(seconds)
    return answer


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/protocol/openid-connect/token",
    response_model=TokenAnswer,
    summary="Get an access token (OAuth2 client_credentials)",
    openapi_extra=_FORM,
    responses={
        400: {"model": OAuthError, "description": "invalid_request or unsupported_grant_type"},
        401: {"model": OAuthError, "description": "invalid_client"},
        429: {
            "model": OAuthError,
            "description": "temporarily_unavailable: too many failed attempts for this client "
            "or from this address; `Retry-After` says when to try again",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    },
)
async def token(
    request: Request,
    db: Db,
    settings: AppSettings,
) -> JSONResponse:
    # a media type's name is case-insensitive (RFC 9110 8.3.1); parameters may follow it
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        return _oauth_error(
            400, "invalid_request", "The body must be application/x-www-form-urlencoded."
        )
    form = await request.form()
    # RFC 6749 3.2: parameters MUST NOT be included more than once (else the last one won)
    counted = Counter(name for name, _ in form.multi_items())
    if repeated := sorted(name for name, count in counted.items() if count > 1):
        return _oauth_error(
            400, "invalid_request", safe_text(f"Repeated form parameter: {', '.join(repeated)}")
        )
    grant_type = form.get("grant_type")
    if not grant_type:
        return _oauth_error(400, "invalid_request", "Missing form parameter: grant_type")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", f"Unsupported grant: {grant_type}")
    basic = _basic_credentials(request)
    # RFC 6749 2.3: one authentication method a request. With HTTP Basic the body may still
    # name the same client (client_id), but no secret and no other client; an empty parameter
    # counts as omitted (3.2).
    if basic is not None and (
        form.get("client_secret") or (form.get("client_id") or basic[0]) != basic[0]
    ):
        return _oauth_error(
            400,
            "invalid_request",
            "Use one client authentication method: HTTP Basic or client_id and client_secret "
            "in the body, not both.",
        )
    client_id, secret = basic or (str(form.get("client_id") or ""), "")
    if basic is None:
        secret = str(form.get("client_secret") or "")
    if not client_id or not secret:  # no client authentication included (RFC 6749 5.2)
        return _oauth_error(
            401, "invalid_client", "Client credentials are missing.", basic=bool(basic)
        )
    if "\x00" in client_id + secret:  # no credential holds one (nor can a database column)
        return _oauth_error(400, "invalid_request", "Client credentials hold a NUL character.")
    throttle = login_throttle(request)
    attempt = await throttle.begin(throttle.keys("client", client_id, address_of(request)))
    if attempt.wait is not None:
        return _slow_down(attempt.wait)
    async with db.transaction() as session:  # commits a secret's hash made again
        client = await find_client(session, client_id)
        org_uuid = str(client.organization.uuid) if client is not None else ""
        # argon2 (store/identity/api_clients.py) is slow on purpose: off the event loop
        if not await asyncio.to_thread(secret_matches, client, secret):
            return _oauth_error(
                401,
                "invalid_client",
                "Invalid client or Invalid client credentials",
                basic=bool(basic),
            )
    await throttle.succeeded(attempt)
    answer = TokenAnswer(
        access_token=issue_access_token(settings, client_id, org_uuid),
        expires_in=int(settings.oauth_token_ttl.total_seconds()),
    )
    return JSONResponse(
        answer.model_dump(by_alias=True),
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


@router.get("/protocol/openid-connect/certs", summary="The issuer's public keys (JWKS)")
async def jwks(settings: AppSettings) -> dict[str, Any]:
    return {"keys": [signing_key(settings).public_jwk]}


@router.get("/.well-known/openid-configuration", summary="OpenID Connect discovery")
async def discovery(settings: AppSettings) -> dict[str, Any]:
    issuer = settings.effective_oauth_issuer
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/protocol/openid-connect/token",
        "jwks_uri": f"{issuer}/protocol/openid-connect/certs",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
    }
