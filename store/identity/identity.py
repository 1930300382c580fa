"""Organizations, users and passwords: shared by the API, the admin CLI and the dev stack."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Organization, Partner, User
from store.web import close_sessions_of

# An organization's capability flags (columns of Organization) and rate-limit tiers: what
# the admin command line and the staff web app may set
FLAGS = (
    "allow_marketplace_led_kyc",
    "allow_multi_vin_orders",
    "allow_contact_personal_data",
    "allow_kyc_document_download",
)
TIERS = ("STANDARD", "HIGH_VOLUME", "ENTERPRISE")


def organization_view(org: Organization) -> dict[str, Any]:
    """An organization as the audit log records it, from the web app and ``nt24-admin``."""
    return {
        "name": org.name,
        "rateLimitTier": org.rate_limit_tier,
        **{flag: getattr(org, flag) for flag in FLAGS},
        "dpaVersion": org.dpa_version,
    }


_hasher = PasswordHasher()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_hash_outdated(password_hash: str) -> bool:
    """Whether a matched hash should be made again with today's argon2 parameters."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def slugify(name: str, max_length: int) -> str:
    """``name`` in lower-case letters, digits and dashes, cut to fit ``max_length``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "org"


async def authenticate(session: AsyncSession, username: str, password: str) -> User | None:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not user.is_active or not verify_password(user.password_hash, password):
        return None
    if password_hash_outdated(user.password_hash):
        user.password_hash = hash_password(password)
    return user


async def create_organization(
    session: AsyncSession,
    name: str,
    *,
    slug: str | None = None,
    allow_marketplace_led_kyc: bool = False,
    allow_multi_vin_orders: bool = False,
    dpa_version: str | None = None,
    dpa_accepted_at: datetime | None = None,
) -> Organization:
    org = Organization(
        name=name,
        slug=slug or slugify(name, Organization.slug.type.length),
        allow_marketplace_led_kyc=allow_marketplace_led_kyc,
        allow_multi_vin_orders=allow_multi_vin_orders,
        dpa_version=dpa_version,
        dpa_accepted_at=dpa_accepted_at,
    )
    session.add(org)
    await session.flush()
    return org


async def create_partner(
    session: AsyncSession,
    organization: Organization,
    name: str,
    country: str,
    vat_number: str | None = None,
    webshop_url: str | None = None,
) -> Partner:
    partner = Partner(
        organization_id=organization.id,
        name=name,
        country=country.upper(),
        vat_number=vat_number,
        webshop_url=webshop_url,
    )
    session.add(partner)
    await session.flush()
    return partner


async def create_user(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    email: str = "",
    organization: Organization | None = None,
    partner: Partner | None = None,
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
) -> User:
    if organization is None and not is_staff:
        raise ValueError("an organization user needs an organization")
    user = User(
        username=username,
        email=email or username,
        organization_id=organization.id if organization else None,
        partner_id=partner.id if partner else None,
        first_name=first_name,
        last_name=last_name,
        password_hash=hash_password(password),
        is_staff=is_staff,
    )
    session.add(user)
    await session.flush()
    return user


async def reset_password(session: AsyncSession, user: User, password: str) -> None:
    """A new password: earlier NOTYD tokens stop working (their generation) and every web
    session of the user ends on the server."""
    user.password_hash = hash_password(password)
    user.token_generation += 1
    await close_sessions_of(session, user.id)
