"""Queries of the buyers a seller has, as the NT24 API reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from store.db import Database
from store.identity.tenancy import Tenant
from store.models import Buyer
from store.queries import shown_after


def _of_seller(tenant: Tenant, partner_id: int, contacts: bool) -> Select[Any]:
    query = tenant.select(Buyer).where(Buyer.partner_id == partner_id)
    return query.options(selectinload(Buyer.contacts)) if contacts else query


async def buyer_of_seller(
    session: AsyncSession, tenant: Tenant, partner_id: int, uuid: UUID, *, contacts: bool = False
) -> Buyer | None:
    """The organization's buyer under this seller (None for anyone else's)."""
    return await session.scalar(_of_seller(tenant, partner_id, contacts).where(Buyer.uuid == uuid))


async def buyer_by_vat_number(
    session: AsyncSession, tenant: Tenant, partner_id: int, vat_number: str
) -> Buyer | None:
    """The seller's buyer with this VAT number, with its contacts (a buyer upsert's key)."""
    return await session.scalar(
        _of_seller(tenant, partner_id, True).where(Buyer.vat_number == vat_number)
    )


@dataclass(frozen=True)
class BuyerFilter:
    """The buyer list's filters; ``None`` filters nothing."""

    vat_number: str | None = None
    status: str | None = None
    kyc_mode: str | None = None
    created_after: datetime | None = None
    updated_after: datetime | None = None


def buyers_of_seller(tenant: Tenant, partner_id: int, only: BuyerFilter) -> Select[Any]:
    """The seller's buyers as the list shows them (the caller pages and sorts them)."""
    query = _of_seller(tenant, partner_id, False)
    if only.vat_number:
        query = query.where(Buyer.vat_number == only.vat_number)
    if only.status:
        query = query.where(Buyer.status == only.status)
    if only.kyc_mode:
        query = query.where(Buyer.kyc_mode == only.kyc_mode)
    if only.created_after:
        query = query.where(shown_after(Buyer.created_at, only.created_after))
    if only.updated_after:
        query = query.where(shown_after(Buyer.updated_at, only.updated_after))
    return query


async def vies_last_checked_at(db: Database, buyer_id: int) -> datetime | None:
    async with db.session() as session:
        return await session.scalar(select(Buyer.vies_last_checked_at).where(Buyer.id == buyer_id))
