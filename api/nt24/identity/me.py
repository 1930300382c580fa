"""``GET /v1/me``: who the token belongs to, what it may do, and the DPA state.

The first call every client makes; it stays reachable without an accepted DPA so that a
client can see which version it still has to accept.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request

from api.nt24.identity.auth import CallerWithoutDpaGate, authorized_partners
from api.nt24.schemas import NT24Model, UtcTimestamp

router = APIRouter(prefix="/v1", tags=["NT24: organization"])


class AuthorizedPartner(NT24Model):
    uuid: UUID
    name: str
    country: str


class Capabilities(NT24Model):
    rateLimitTier: Literal["STANDARD", "HIGH_VOLUME", "ENTERPRISE"]
    allowMarketplaceLedKyc: bool
    allowMultiVinOrders: bool
    allowContactPersonalData: bool
    allowKycDocumentDownload: bool


class Me(NT24Model):
    organizationUuid: UUID
    name: str
    authorizedPartners: list[AuthorizedPartner]
    capabilities: Capabilities
    dpaVersion: str | None = None
    dpaAcceptedAt: UtcTimestamp | None = None


@router.get(
    "/me",
    response_model=Me,
    response_model_exclude_none=True,
    summary="The calling organization, its partners, capabilities and DPA state",
)
async def me(request: Request, caller: CallerWithoutDpaGate) -> Me:
    org = caller.organization
    partners = await authorized_partners(request, caller)
    return Me(
        organizationUuid=org.uuid,
        name=org.name,
        authorizedPartners=[
            AuthorizedPartner(uuid=p.uuid, name=p.name, country=p.country) for p in partners
        ],
        capabilities=Capabilities(
            rateLimitTier=org.rate_limit_tier,
            allowMarketplaceLedKyc=org.allow_marketplace_led_kyc,
            allowMultiVinOrders=org.allow_multi_vin_orders,
            allowContactPersonalData=org.allow_contact_personal_data,
            allowKycDocumentDownload=org.allow_kyc_document_download,
        ),
        dpaVersion=org.dpa_version,
        dpaAcceptedAt=org.dpa_accepted_at,
    )
