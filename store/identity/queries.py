"""Queries of who calls the APIs: an organization's partners (sellers) and the users."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from store.db import Database
from store.identity.tenancy import Tenant
from store.models import Partner, User


async def partner_of_organization(db: Database, tenant: Tenant, uuid: UUID) -> Partner | None:
    """The organization's partner (None for another organization's, or none at all)."""
    async with db.session() as session:
        return await session.scalar(tenant.select(Partner).where(Partner.uuid == uuid))


async def partners_of_organization(db: Database, tenant: Tenant) -> list[Partner]:
    """The organization's partners, by name."""
    async with db.session() as session:
        return list(await session.scalars(tenant.select(Partner).order_by(Partner.name)))


async def user_by_uuid(db: Database, uuid: UUID) -> User | None:
    async with db.session() as session:
        return await session.scalar(select(User).where(User.uuid == uuid))
