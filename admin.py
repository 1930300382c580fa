"""Admin command line: organizations, users and staff, flags, password resets.

    nt24-admin create-org "Santander Consumer Bank" --allow-multi-vin-orders
    nt24-admin create-user alice --org santander-consumer-bank --password ...
    nt24-admin create-staff operator --password ...
    nt24-admin set-flags santander-consumer-bank --allow-marketplace-led-kyc yes
    nt24-admin reset-password alice
    nt24-admin create-partner santander-consumer-bank "Autohaus Nord" --country DE
    nt24-admin create-api-client santander-consumer-bank "Santander Pilot"
    nt24-admin rotate-secret api-client-santander-pilot
    nt24-admin accept-dpa santander-consumer-bank 2026-01

Passwords not given on the command line are asked for (or read from NT24_ADMIN_PASSWORD).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from settings import get_settings
from store import api_clients, identity
from store.db import Database
from store.migrate import upgrade
from store.models import Organization, User, utcnow
from workflows.rules.vat_numbers import InvalidVatNumber, normalize_vat_number

FLAGS = (
    "allow_marketplace_led_kyc",
    "allow_multi_vin_orders",
    "allow_contact_personal_data",
    "allow_kyc_document_download",
)
TIERS = ("STANDARD", "HIGH_VOLUME", "ENTERPRISE")


class AdminError(Exception):
    pass


def _password(args: argparse.Namespace) -> str:
    password = args.password or os.environ.get("NT24_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("Password: ")
    if len(password) < 8:
        raise AdminError("a password needs at least 8 characters")
    return password


async def _organization(session: AsyncSession, slug: str) -> Organization:
    org = await session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise AdminError(f"no organization with slug {slug!r}")
    return org


async def _user(session: AsyncSession, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AdminError(f"no user {username!r}")
    return user


async def create_org(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await identity.create_organization(
        session,
        args.name,
        slug=args.slug,
        allow_marketplace_led_kyc=args.allow_marketplace_led_kyc,
        allow_multi_vin_orders=args.allow_multi_vin_orders,
    )
    return f"organization {org.slug} {org.uuid}"


async def create_user(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    user = await identity.create_user(
        session,
        args.username,
        _password(args),
        email=args.email or "",
        organization=org,
        first_name=args.first_name,
        last_name=args.last_name,
    )
    return f"user {user.username} {user.uuid} in {org.slug}"


async def create_staff(session: AsyncSession, args: argparse.Namespace) -> str:
    user = await identity.create_user(
        session, args.username, _password(args), email=args.email or "", is_staff=True
    )
    return f"staff {user.username} {user.uuid}"


async def set_flags(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    for flag in FLAGS:
        value = getattr(args, flag)
        if value is not None:
            setattr(org, flag, value == "yes")
    if args.rate_limit_tier:
        org.rate_limit_tier = args.rate_limit_tier
    shown = [f"{flag}={getattr(org, flag)}" for flag in FLAGS]
    return ", ".join([*shown, f"rate_limit_tier={org.rate_limit_tier}"])


async def create_partner(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    vat = normalize_vat_number(args.vat_number).full if args.vat_number else None
    partner = await identity.create_partner(
        session, org, args.name, args.country, vat_number=vat, webshop_url=args.webshop_url
    )
    return f"partner {partner.name} {partner.uuid} of {org.slug}"


async def create_api_client(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    client, secret = await api_clients.create_api_client(session, org, args.name)
    return (
        f"client_id     {client.client_id}\n"
        f"client_secret {secret}\n"
        f"organization  {org.uuid}\n"
        "The secret is shown only now: store it safely."
    )


async def rotate_secret(session: AsyncSession, args: argparse.Namespace) -> str:
    client = await api_clients.find_client(session, args.client_id)
    if client is None:
        raise AdminError(f"no active API client {args.client_id!r}")
    grace = get_settings().client_secret_rotation_grace
    secret = await api_clients.rotate_secret(session, client, grace)
    until = f"{client.previous_secret_expires_at:%Y-%m-%d %H:%M} UTC"
    return f"client_secret {secret}\nThe previous secret keeps working until {until}."


async def accept_dpa(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    org.dpa_version = args.version
    org.dpa_accepted_at = utcnow()
    return f"{org.slug} accepted DPA {org.dpa_version} at {org.dpa_accepted_at:%Y-%m-%dT%H:%M:%SZ}"


async def reset_password(session: AsyncSession, args: argparse.Namespace) -> str:
    user = await _user(session, args.username)
    await identity.reset_password(session, user, _password(args))
    return f"password of {user.username} reset; earlier tokens no longer work"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nt24-admin", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("create-org", help="create an organization")
    c.add_argument("name")
    c.add_argument("--slug")
    for flag in FLAGS:
        c.add_argument(f"--{flag.replace('_', '-')}", action="store_true")
    c.set_defaults(run=create_org)

    for name, run in (("create-user", create_user), ("create-staff", create_staff)):
        c = sub.add_parser(name, help=f"{name.replace('-', ' ')}")
        c.add_argument("username")
        if run is create_user:
            c.add_argument("--org", required=True, help="organization slug")
            c.add_argument("--first-name", default="")
            c.add_argument("--last-name", default="")
        c.add_argument("--email")
        c.add_argument("--password")
        c.set_defaults(run=run)

    c = sub.add_parser("set-flags", help="set an organization's capabilities and rate tier")
    c.add_argument("org", help="organization slug")
    for flag in FLAGS:
        c.add_argument(f"--{flag.replace('_', '-')}", choices=("yes", "no"))
    c.add_argument("--rate-limit-tier", choices=TIERS)
    c.set_defaults(run=set_flags)

    c = sub.add_parser("create-partner", help="add a seller the organization may act for")
    c.add_argument("org", help="organization slug")
    c.add_argument("name")
    c.add_argument("--country", required=True, help="ISO 3166-1 alpha-2")
    c.add_argument("--vat-number")
    c.add_argument("--webshop-url")
    c.set_defaults(run=create_partner)

    c = sub.add_parser("create-api-client", help="new OAuth2 client; prints its secret once")
    c.add_argument("org", help="organization slug")
    c.add_argument("name", help="e.g. the consuming system: 'Santander DMS'")
    c.set_defaults(run=create_api_client)

    c = sub.add_parser("rotate-secret", help="new client secret; the old one works for a while")
    c.add_argument("client_id")
    c.set_defaults(run=rotate_secret)

    c = sub.add_parser("accept-dpa", help="record the organization's DPA acceptance")
    c.add_argument("org", help="organization slug")
    c.add_argument("version", help="e.g. 2026-01")
    c.set_defaults(run=accept_dpa)

    c = sub.add_parser("reset-password", help="set a new password; earlier tokens stop working")
    c.add_argument("username")
    c.add_argument("--password")
    c.set_defaults(run=reset_password)

    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    return p


async def run(
    command: Callable[[AsyncSession, argparse.Namespace], Awaitable[str]],
    args: argparse.Namespace,
    url: str,
) -> str:
    db = Database(url)
    try:
        async with db.transaction() as session:
            return await command(session, args)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    args: Any = parser().parse_args(argv)
    url = get_settings().effective_database_url
    if not args.no_migrate:
        upgrade(url)
    try:
        print(asyncio.run(run(args.run, args, url)))
    except (AdminError, IntegrityError, InvalidVatNumber) as exc:
        reason = "that name is taken" if isinstance(exc, IntegrityError) else exc
        print(f"nt24-admin: {reason}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
