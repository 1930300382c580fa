"""KYC of a buyer (section 3 of the contract): its status and the VIES check trigger.

Its documents have their own module (api/nt24/buyers/kyc_documents.py); the status counts their
ACTIVE types.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.nt24.buyers.buyers import load_buyer
from api.nt24.buyers.vies_trigger import start_vies_check
from api.nt24.identity.auth import PartnerAccess
from api.nt24.schemas import NT24Model, UtcTimestamp
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.idempotency import idempotency_key
from store.buyers.buyers import active_kyc_document_types, kyc_facts
from workflows.buyers.activities import ViesTrigger
from workflows.buyers.rules.kyc import NT24_LED, overall_status

router = APIRouter(prefix="/v1/partners/{sellerId}/buyers/{buyerId}/kyc", tags=["NT24: KYC"])


class KycStatus(NT24Model):
    buyerId: UUID
    kycMode: Literal["MARKETPLACE_LED", "NT24_LED"]
    overallStatus: Literal["INCOMPLETE", "VALID", "INVALID"]
    viesLastCheckedAt: UtcTimestamp | None = None
    viesResult: Literal["VALID", "INVALID", "PENDING", "UNKNOWN"]
    documentsComplete: bool
    verificationStatus: Literal["NOT_STARTED", "IN_PROGRESS", "VERIFIED", "REJECTED"] | None = None
    amlStatus: Literal["NOT_APPLICABLE", "PENDING", "CLEAR", "FLAGGED"] | None = None
    # Mode B: until when a verified profile holds, or when it lapsed (docs/kyc.md)
    verificationExpiresAt: UtcTimestamp | None = None


class ViesCheckQueued(NT24Model):
    status: Literal["QUEUED", "IN_PROGRESS"]


@router.get("", response_model=KycStatus, response_model_exclude_none=True, summary="KYC status")
async def kyc_status(
    buyerId: UUID,
    scope: PartnerAccess,
    db: Db,
) -> KycStatus:
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyerId)
        facts = kyc_facts(buyer, await active_kyc_document_types(session, buyer.id))
    mode_b = buyer.kyc_mode == NT24_LED
    return KycStatus(
        buyerId=buyer.uuid,
        kycMode=buyer.kyc_mode,
        overallStatus=overall_status(facts),
        viesLastCheckedAt=buyer.vies_last_checked_at,
        viesResult=buyer.vies_result,
        documentsComplete=facts.documents_complete,
        verificationStatus=facts.verification_status if mode_b else None,
        amlStatus=facts.aml_status if mode_b else None,
        verificationExpiresAt=buyer.verification_expires_at if mode_b else None,
    )


@router.post(
    "/vies-check",
    response_model=ViesCheckQueued,
    status_code=202,
    summary="Trigger a VIES check of the buyer's VAT number (asynchronous)",
    dependencies=[Depends(idempotency_key)],
)
async def trigger_vies_check(
    buyerId: UUID,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyerId)
    status = await start_vies_check(
        client,
        settings,
        buyer.uuid,
        buyer.vat_number,
        scope.partner.vat_number,
        ViesTrigger.MANUAL,
    )
    return JSONResponse({"status": status}, status_code=202)
