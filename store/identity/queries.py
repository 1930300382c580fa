"""Queries of who calls the APIs: an organization's partners (sellers) and the users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from store.db import AnyRow, Database
from store.identity.tenancy import Scope, Tenant
from store.models import ApiClient, AuthGeneration, Organization, Partner, User
from store.queries import contains_any

_AUTH_GENERATION = select(AuthGeneration.value).where(AuthGeneration.id == 1)


async def auth_generation(db: Database) -> int:
    """The database's auth generation (store/models.py ``AuthGeneration``): one point read."""
    row = await db.read(_AUTH_GENERATION)
    return 0 if row is None else int(row[0])


async def partner_of_organization(db: Database, tenant: Tenant, uuid: UUID) -> Partner | None:
    """The organization's partner (None for another organization's, or none at all)."""
    async with db.session() as session:
        return await partner_in_organization(session, tenant, uuid)


async def partners_of_organization(db: Database, scope: Scope) -> list[Partner]:
    """The partners the scope sees (an organization's, or every one for staff), by name."""
    async with db.session() as session:
        return list(await session.scalars(scope.select(Partner).order_by(Partner.name)))


async def partner_with_organization(db: Database, scope: Scope, uuid: UUID) -> AnyRow | None:
    """The scope's partner with its organization: one ``(partner, organization)`` row (None for
    a partner the scope does not see)."""
    async with db.session() as session:
        return (
            await session.execute(
                scope.select(Partner, Partner, Organization)
                .join(Organization, Organization.id == Partner.organization_id)
                .where(Partner.uuid == uuid)
            )
        ).first()


async def user_by_uuid(db: Database, uuid: UUID) -> User | None:
    async with db.session() as session:
        return await session.scalar(select(User).where(User.uuid == uuid))


async def organization_uuid(db: Database, organization_id: int) -> UUID | None:
    async with db.session() as session:
        return await session.scalar(
            select(Organization.uuid).where(Organization.id == organization_id)
        )


@dataclass(frozen=True)
class UserFilter:
    """The user list's filters; ``None`` filters nothing."""

    search: str | None = None  # part of the username, email, first or last name
    profile_uuid: UUID | None = None  # the seller profile's
    partner_uuid: UUID | None = None  # the seller's
    is_active: bool | None = None


def _users(tenant: Tenant, partner_id: int | None) -> Select[Any]:
    query = tenant.select(User).options(selectinload(User.partner))
    return query if partner_id is None else query.where(User.partner_id == partner_id)


def users_of_seller(tenant: Tenant, partner_id: int | None, only: UserFilter) -> Select[Any]:
    """The users of the organization's seller ``partner_id`` (``None``: of every seller and
    none) with their sellers, oldest first (the caller pages them)."""
    query = _users(tenant, partner_id).order_by(User.id)
    if only.search:
        query = query.where(
            contains_any(only.search, User.username, User.email, User.first_name, User.last_name)
        )
    if only.profile_uuid is not None or only.partner_uuid is not None:
        query = query.join(User.partner)
    if only.profile_uuid is not None:
        query = query.where(Partner.profile_uuid == only.profile_uuid)
    if only.partner_uuid is not None:
        # answers name a seller by its profile's uuid (docs/payments.md): either finds it
        query = query.where(
            or_(Partner.uuid == only.partner_uuid, Partner.profile_uuid == only.partner_uuid)
        )
    if only.is_active is not None:
        query = query.where(User.is_active == only.is_active)
    return query


async def user_of_seller(
    db: Database, tenant: Tenant, partner_id: int | None, uuid: UUID
) -> User | None:
    """A user of ``users_of_seller`` with its seller (None for anybody else's)."""
    async with db.session() as session:
        return await session.scalar(_users(tenant, partner_id).where(User.uuid == uuid))


async def organizations_by_name(db: Database) -> list[Organization]:
    """Every organization, by name (staff choose among them)."""
    async with db.session() as session:
        return list(await session.scalars(select(Organization).order_by(Organization.name)))


async def organization_by_id(db: Database, organization_id: int | None) -> Organization | None:
    async with db.session() as session:
        return await session.get(Organization, organization_id)


async def organization_by_uuid(db: Database, uuid: UUID) -> Organization | None:
    async with db.session() as session:
        return await session.scalar(select(Organization).where(Organization.uuid == uuid))


async def partners_with_organization_names(db: Database, scope: Scope) -> list[AnyRow]:
    """The partners the scope sees by organization and name: ``(partner, organization's
    name)`` rows."""
    async with db.session() as session:
        rows = await session.execute(
            scope.select(Partner, Partner, Organization.name)
            .join(Organization, Organization.id == Partner.organization_id)
            .order_by(Organization.name, Partner.name)
        )
        return list(rows.all())


async def live_api_clients(db: Database, organization_id: int) -> list[ApiClient]:
    """The organization's API clients not deleted, oldest first."""
    async with db.session() as session:
        found = await session.scalars(_live_clients(organization_id).order_by(ApiClient.id))
        return list(found.all())


async def users_by_username(db: Database, organization_id: int | None) -> list[User]:
    """The organization's users by username; ``None``: the staff users (of no organization)."""
    of = (
        User.organization_id.is_(None)
        if organization_id is None
        else User.organization_id == organization_id
    )
    async with db.session() as session:
        return list((await session.scalars(select(User).where(of).order_by(User.username))).all())


def _live_clients(organization_id: int) -> Select[ApiClient]:
    """The organization's API clients that are not deleted."""
    return select(ApiClient).where(
        ApiClient.organization_id == organization_id, ApiClient.deleted_at.is_(None)
    )


async def live_api_client(
    session: AsyncSession, organization_id: int, client_id: str
) -> ApiClient | None:
    """The organization's API client by its client id, unless deleted (in the caller's
    transaction: the staff page changes it next)."""
    return await session.scalar(
        _live_clients(organization_id).where(ApiClient.client_id == client_id)
    )


async def partner_in_organization(
    session: AsyncSession, tenant: Tenant, uuid: UUID
) -> Partner | None:
    """The organization's partner, in the caller's transaction (None for another's)."""
    return await session.scalar(tenant.select(Partner).where(Partner.uuid == uuid))
