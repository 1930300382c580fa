"""Queries of the buyers a seller has, as the NT24 API reads them: the buyers, their KYC
documents and verifications, and their self-service invitations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, selectinload

from store.buyers.buyers import KYC_MODULE, active_kyc_document_types
from store.db import AnyRow, Database, PointRead
from store.identity.tenancy import Scope, Tenant
from store.link_tokens import token_sha256
from store.models import (
    Buyer,
    Document,
    KycVerification,
    Order,
    Organization,
    Partner,
    ProviderCallback,
    SelfServiceInvitation,
    ViesCheck,
)
from store.queries import contains, contains_identifier, shown_after
from workflows.buyers.invitation_model import ACTIVE, EXPIRED


def _of_seller(tenant: Tenant, partner_id: int, contacts: bool) -> Select[Any]:
    query = tenant.select(Buyer).where(Buyer.partner_id == partner_id)
    return query.options(selectinload(Buyer.contacts)) if contacts else query


async def buyer_of_seller(
    session: AsyncSession,
    tenant: Tenant,
    partner_id: int,
    uuid: UUID,
    *,
    contacts: bool = False,
    lock: bool = False,
) -> Buyer | None:
    """The organization's buyer under this seller (None for anyone else's); ``lock`` holds its
    row until the transaction ends."""
    query = _of_seller(tenant, partner_id, contacts).where(Buyer.uuid == uuid)
    return await session.scalar(query.with_for_update(of=Buyer) if lock else query)


async def buyer_by_vat_number(
    session: AsyncSession, tenant: Tenant, partner_id: int, vat_number: str, *, contacts: bool
) -> Buyer | None:
    """The seller's buyer with this VAT number (a buyer upsert's key), with its contacts when
    asked."""
    return await session.scalar(
        _of_seller(tenant, partner_id, contacts).where(Buyer.vat_number == vat_number)
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


async def kyc_documents(
    session: AsyncSession, buyer_id: int, type: str | None = None, status: str | None = None
) -> list[Document]:
    """The buyer's KYC documents, superseded ones too, in upload order; of one type or status
    when given."""
    query = (
        select(Document)
        .where(Document.buyer_id == buyer_id, Document.module == KYC_MODULE)
        .order_by(Document.id)
    )
    if type:
        query = query.where(Document.type == type)
    if status:
        query = query.where(Document.status == status)
    return list(await session.scalars(query))


async def kyc_document(session: AsyncSession, buyer_id: int, uuid: UUID) -> Document | None:
    return await session.scalar(
        select(Document).where(
            Document.buyer_id == buyer_id, Document.module == KYC_MODULE, Document.uuid == uuid
        )
    )


def supersede_kyc_documents(session: Session, buyer_id: int, type: str) -> None:
    """The buyer's ACTIVE KYC documents of this type become SUPERSEDED (a new one comes)."""
    session.execute(
        update(Document)
        .where(
            Document.buyer_id == buyer_id,
            Document.module == KYC_MODULE,
            Document.type == type,
            Document.status == "ACTIVE",
        )
        .values(status="SUPERSEDED")
    )


async def signed_kyc_profile(session: AsyncSession, buyer_id: int) -> KycVerification | None:
    """The buyer's latest VERIFIED verification with a signed KYC profile, if any."""
    return await session.scalar(
        select(KycVerification)
        .where(
            KycVerification.buyer_id == buyer_id,
            KycVerification.status == "VERIFIED",
            KycVerification.profile_sha256.is_not(None),
        )
        .order_by(KycVerification.completed_at.desc(), KycVerification.id.desc())
        .limit(1)
    )


async def valid_kyc_profile(session: AsyncSession, buyer: Buyer) -> KycVerification | None:
    """The signed KYC profile that proves the buyer verified now: none unless the buyer is
    VERIFIED (a lapsed verification's profile proves nothing)."""
    if buyer.verification_status != "VERIFIED":
        return None
    return await signed_kyc_profile(session, buyer.id)


async def identity_result_accepted(db: Database, scan_ref: str) -> bool:
    """A callback with this identity check's final result was accepted before."""
    async with db.session() as session:
        earlier = await session.scalar(
            select(ProviderCallback.id).where(
                ProviderCallback.scan_ref == scan_ref, ProviderCallback.outcome == "ACCEPTED"
            )
        )
    return earlier is not None


async def invitation_by_token(
    session: AsyncSession, token: str, *, lock: bool = False
) -> SelfServiceInvitation | None:
    """The invitation a link's token names, with its buyer and seller; ``lock`` holds its row
    until the transaction ends."""
    query = (
        select(SelfServiceInvitation)
        .options(
            selectinload(SelfServiceInvitation.buyer),
            selectinload(SelfServiceInvitation.partner),
        )
        .where(SelfServiceInvitation.token_sha256 == token_sha256(token))
    )
    return await session.scalar(query.with_for_update(of=SelfServiceInvitation) if lock else query)


async def invitation_of_buyer(
    session: AsyncSession, tenant: Tenant, buyer_id: int, uuid: UUID
) -> SelfServiceInvitation | None:
    return await session.scalar(
        tenant.select(SelfServiceInvitation).where(
            SelfServiceInvitation.buyer_id == buyer_id, SelfServiceInvitation.uuid == uuid
        )
    )


def invitations_of_buyer(
    tenant: Tenant, buyer_id: int, status: str | None, now: datetime
) -> Select[Any]:
    """The buyer's invitations, of one status when given (the caller pages and sorts them).
    An ACTIVE invitation past its expiry counts as EXPIRED: its timer is about to write so."""
    query = tenant.select(SelfServiceInvitation).where(SelfServiceInvitation.buyer_id == buyer_id)
    if status == EXPIRED:
        return query.where(
            (SelfServiceInvitation.status == EXPIRED)
            | ((SelfServiceInvitation.status == ACTIVE) & (SelfServiceInvitation.expires_at <= now))
        )
    if status == ACTIVE:
        return query.where(
            SelfServiceInvitation.status == ACTIVE, SelfServiceInvitation.expires_at > now
        )
    if status:
        return query.where(SelfServiceInvitation.status == status)
    return query


async def delete_invitation(db: Database, invitation_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(
            delete(SelfServiceInvitation).where(SelfServiceInvitation.id == invitation_id)
        )


def buyer_columns(tenant: Tenant, partner_id: int, uuid: UUID, *columns: Any) -> PointRead:
    """Columns of the organization's buyer under this seller, read alone (None for anyone
    else's buyer): its version for a 304, its row id before an upload stores anything."""
    return tenant.one_under_seller(Buyer, partner_id, uuid, *columns)


def buyer_version(tenant: Tenant, partner_id: int, uuid: UUID) -> PointRead:
    """The version of the organization's buyer under this seller, read alone for a 304."""
    return buyer_columns(tenant, partner_id, uuid, Buyer.version)


async def vies_checks_by_result(session: AsyncSession, since: datetime) -> list[AnyRow]:
    """How many VIES checks finished since then with each result, across organizations:
    ``(result, count)`` rows."""
    query = (
        select(ViesCheck.result, func.count())
        .where(ViesCheck.checked_at >= since)
        .group_by(ViesCheck.result)
    )
    return list((await session.execute(query)).all())


async def vies_checks_since(session: AsyncSession, scope: Scope, since: datetime) -> list[AnyRow]:
    """The scope's VIES checks finished since then: ``(checked_at, result)`` rows."""
    query = scope.select(ViesCheck, ViesCheck.checked_at, ViesCheck.result).where(
        ViesCheck.checked_at >= since
    )
    return list((await session.execute(query)).all())


def buyer_matches(term: str) -> Any:
    """By a part of the company name or VAT number."""
    return or_(contains(Buyer.company_name, term), contains_identifier(Buyer.vat_number, term))


async def buyers_matching(
    session: AsyncSession, scope: Scope, term: str, limit: int
) -> list[AnyRow]:
    """The scope's buyers the search term finds, by company name: ``(buyer, seller's name)``
    rows."""
    query = (
        scope.select(Buyer, Buyer, Partner.name)
        .join(Partner, Partner.id == Buyer.partner_id)
        .where(buyer_matches(term))
        .order_by(Buyer.company_name, Buyer.id)
        .limit(limit)
    )
    return list((await session.execute(query)).all())


async def active_buyers_with_sellers(db: Database, scope: Scope) -> list[AnyRow]:
    """The scope's active buyers by company name, an order's possible buyers:
    ``(buyer, seller's name, organization's allow_multi_vin_orders)`` rows."""
    async with db.session() as session:
        rows = await session.execute(
            scope.select(Buyer, Buyer, Partner.name, Organization.allow_multi_vin_orders)
            .join(Partner, Partner.id == Buyer.partner_id)
            .join(Organization, Organization.id == Buyer.organization_id)
            .where(Buyer.status == "ACTIVE")
            .order_by(Buyer.company_name)
        )
        return list(rows.all())


async def buyer_with_seller(
    db: Database, scope: Scope, uuid: UUID, *, contacts: bool = False
) -> AnyRow | None:
    """The scope's buyer, with its contacts when asked, its seller and organization: one
    ``(buyer, partner, organization)`` row (None for a buyer the scope does not see)."""
    query = scope.select(Buyer, Buyer, Partner, Organization)
    if contacts:
        query = query.options(selectinload(Buyer.contacts))
    async with db.session() as session:
        return (
            await session.execute(
                query.join(Partner, Partner.id == Buyer.partner_id)
                .join(Organization, Organization.id == Buyer.organization_id)
                .where(Buyer.uuid == uuid)
            )
        ).first()


@dataclass(frozen=True)
class BuyerListFilter:
    """The web app's buyer list filters; ``None`` filters nothing."""

    term: str | None = None  # what the search box finds (``buyer_matches``)
    partner_uuid: UUID | None = None
    status: str | None = None
    kyc_mode: str | None = None
    vies_result: str | None = None


async def buyer_list_page(
    session: AsyncSession, scope: Scope, only: BuyerListFilter, page: int, page_size: int
) -> tuple[int | None, list[AnyRow]]:
    """How many of the scope's buyers the filters let through, and one page of them by company
    name: ``(buyer, seller's name)`` rows."""
    query = scope.select(Buyer, Buyer, Partner.name).join(Partner, Partner.id == Buyer.partner_id)
    if only.term:
        query = query.where(buyer_matches(only.term))
    if only.partner_uuid is not None:
        query = query.where(Partner.uuid == only.partner_uuid)
    for value, column in (
        (only.status, Buyer.status),
        (only.kyc_mode, Buyer.kyc_mode),
        (only.vies_result, Buyer.vies_result),
    ):
        if value:
            query = query.where(column == value)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(Buyer.company_name, Buyer.id).limit(page_size).offset((page - 1) * page_size)
    )
    return total, list(rows.all())


@dataclass(frozen=True)
class BuyerHistory:
    """What the buyer's page shows beside the buyer itself, newest first."""

    active_kyc_document_types: set[str]
    vies_checks: list[ViesCheck]  # the last 50
    kyc_documents: list[Document]  # superseded ones too
    orders: list[Order]  # the last 50
    verification: KycVerification | None  # the latest
    invitations: list[SelfServiceInvitation]  # the last 50


async def buyer_history(db: Database, buyer_id: int) -> BuyerHistory:
    async with db.session() as session:
        types = await active_kyc_document_types(session, buyer_id)
        checks = await session.scalars(
            select(ViesCheck)
            .where(ViesCheck.buyer_id == buyer_id)
            .order_by(ViesCheck.checked_at.desc())
            .limit(50)
        )
        vies_checks = list(checks.all())
        documents = await session.scalars(
            select(Document)
            .where(Document.buyer_id == buyer_id, Document.module == KYC_MODULE)
            .order_by(Document.id.desc())
        )
        kyc_documents = list(documents.all())
        orders = await session.scalars(
            select(Order).where(Order.buyer_id == buyer_id).order_by(Order.id.desc()).limit(50)
        )
        buyer_orders = list(orders.all())
        verification = await session.scalar(
            select(KycVerification)
            .where(KycVerification.buyer_id == buyer_id)
            .order_by(KycVerification.id.desc())
            .limit(1)
        )
        invitations = await session.scalars(
            select(SelfServiceInvitation)
            .where(SelfServiceInvitation.buyer_id == buyer_id)
            .order_by(SelfServiceInvitation.id.desc())
            .limit(50)
        )
        return BuyerHistory(
            types, vies_checks, kyc_documents, buyer_orders, verification, list(invitations.all())
        )
