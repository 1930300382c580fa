"""Self-service KYC invitations (section 4 of the contract): create, revoke, list, get.

An invitation e-mails the buyer a link to an upload page (api/nt24/buyers/self_service.py) whose
uploads
land in the buyer's KYC documents exactly as API uploads do. Each invitation is one
``SelfServiceInvitationWorkflow`` (id ``self-service-invitation-{uuid}``): it sends the
e-mail, holds the expiry timer and is the one writer of the status; the API creates the row,
starts the workflow, and sends revocations as Updates. Reads come from the database.
The decisions where the contract is silent: docs/kyc.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, EmailStr, Field
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.workflow_metadata import buyer_start
from api.nt24.buyers.buyers import load_buyer
from api.nt24.identity.auth import PartnerAccess, PartnerScope
from api.nt24.pagination import Page, PageParams
from api.nt24.schemas import NT24Model, UtcTimestamp
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.errors import FieldError, Problem, validation_problem
from api.shared.idempotency import command_started, idempotency_key
from settings import Settings
from store.buyers.invitations import KYC, effective_status, link_token, link_url
from store.buyers.queries import delete_invitation, invitation_of_buyer, invitations_of_buyer
from store.db import Database
from store.link_tokens import token_sha256
from store.models import SelfServiceInvitation, utcnow
from workflows.buyers.invitation_model import ACTIVE
from workflows.buyers.invitation_refusals import InvitationRefusalReason
from workflows.buyers.self_service_invitation import (
    InvitationStart,
    RevokeInvitation,
    SelfServiceInvitationWorkflow,
)
from workflows.ids import invitation_workflow_id

router = APIRouter(
    prefix="/v1/partners/{sellerId}/buyers/{buyerId}/kyc/self-service-invitations",
    tags=["NT24: self-service invitations"],
)

Status = Literal["ACTIVE", "USED", "REVOKED", "EXPIRED"]

# The workflow's refusals: each says the invitation is no longer active, which a revoke answers
# with 409 conflict and the invitation as it stands; a worker of the previous release refuses
# with the problem type "conflict"
NO_LONGER_ACTIVE = {*InvitationRefusalReason, "conflict"}


class InvitationCreate(NT24Model):
    recipientEmail: EmailStr = Field(description="Who receives the e-mail with the link")
    label: str | None = Field(None, max_length=200, description="Your own reference")
    expiresAt: AwareDatetime | None = Field(
        None,
        description="When the link stops working; default 7 days from now, at most 30 "
        "(NT24_INVITATION_TTL, NT24_INVITATION_MAX_TTL)",
    )


class RevokeRequest(NT24Model):
    reason: str = Field(min_length=1, max_length=500)


class Invitation(NT24Model):
    uuid: UUID
    kind: Literal["KYC", "PROSPECT"]
    status: Status
    publicLinkUrl: str | None = None
    createdAt: UtcTimestamp
    expiresAt: UtcTimestamp
    recipientEmail: str | None = None
    label: str | None = None
    lastUsedAt: UtcTimestamp | None = None
    usageCount: int | None = None
    revokedAt: UtcTimestamp | None = None
    revocationReason: str | None = None

    @classmethod
    def of(cls, settings: Settings, row: SelfServiceInvitation) -> Invitation:
        return cls(
            uuid=row.uuid,
            kind=row.kind,
            status=effective_status(row.status, row.expires_at, utcnow()),
            publicLinkUrl=link_url(settings, row.uuid),
            createdAt=row.created_at,
            expiresAt=row.expires_at,
            recipientEmail=row.recipient_email,
            label=row.label,
            lastUsedAt=row.last_used_at,
            usageCount=row.usage_count,
            revokedAt=row.revoked_at,
            revocationReason=row.revocation_reason,
        )


def _body(invitation: Invitation) -> dict[str, Any]:
    return invitation.model_dump(mode="json", exclude_none=True)


def _expiry(requested: datetime | None, now: datetime, settings: Settings) -> datetime:
    if requested is None:
        return now + settings.invitation_ttl
    if requested <= now:
        problem = "must be in the future"
    elif requested > now + settings.invitation_max_ttl:
        problem = f"must be within {settings.invitation_max_ttl.days} days from now"
    else:
        return requested
    raise validation_problem([FieldError("expiresAt", problem, requested.isoformat())])


async def _load(
    db: Database, scope: PartnerScope, buyer_id: UUID, invitation_uuid: UUID
) -> SelfServiceInvitation:
    """The invitation of this buyer of the caller's seller, or 404."""
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyer_id)
        invitation = await invitation_of_buyer(session, scope.tenant, buyer.id, invitation_uuid)
    if invitation is None:
        raise Problem("not-found", f"Invitation {invitation_uuid} was not found.")
    return invitation


@router.post(
    "",
    response_model=Invitation,
    response_model_exclude_none=True,
    status_code=201,
    summary="Create a self-service KYC invitation; the buyer is e-mailed its link",
    dependencies=[Depends(idempotency_key)],
    responses={
        201: {"headers": {"Location": {"description": "The invitation", "schema": {}}}},
        404: {"description": "not-found: no such buyer of this seller"},
        422: {"description": "validation-error naming recipientEmail, label or expiresAt"},
    },
)
async def create_invitation(
    buyerId: UUID,
    body: InvitationCreate,
    request: Request,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    now = utcnow()
    expires_at = _expiry(body.expiresAt, now, settings)
    invitation_uuid = uuid4()
    async with db.transaction() as session:
        buyer = await load_buyer(session, scope, buyerId)
        invitation = SelfServiceInvitation(
            uuid=invitation_uuid,
            organization_id=buyer.organization_id,
            partner_id=buyer.partner_id,
            buyer_id=buyer.id,
            kind=KYC,
            status=ACTIVE,
            token_sha256=token_sha256(
                link_token(settings.effective_invitation_link_secret, invitation_uuid)
            ),
            recipient_email=str(body.recipientEmail),
            label=body.label,
            workflow_id=invitation_workflow_id(invitation_uuid),
            created_at=now,
            expires_at=expires_at,
            usage_count=0,
        )
        session.add(invitation)
    try:
        await client.start_workflow(
            SelfServiceInvitationWorkflow.run,
            InvitationStart(str(invitation_uuid), expires_at, settings.activity_timeout),
            id=invitation.workflow_id,
            task_queue=settings.task_queue,
            **buyer_start(
                "Self-service KYC invitation",
                buyer_uuid=str(buyer.uuid),
                buyer_name=buyer.company_name,
                vat_number=buyer.vat_number,
                organization_uuid=str(scope.principal.organization_uuid),
            ),
        )
    except RPCError:
        # no workflow, no invitation: nothing half-made stays behind
        await delete_invitation(db, invitation.id)
        raise
    location = f"{request.url.path}/{invitation_uuid}"
    return JSONResponse(
        _body(Invitation.of(settings, invitation)), status_code=201, headers={"Location": location}
    )


async def _revoke(client: Client, invitation: SelfServiceInvitation, reason: str) -> bool:
    """Ask the invitation's workflow to revoke it; False if it had ended meanwhile."""
    try:
        await client.get_workflow_handle(invitation.workflow_id).execute_update(
            SelfServiceInvitationWorkflow.revoke, RevokeInvitation(reason)
        )
    except WorkflowUpdateFailedError as error:
        if isinstance(error.cause, ApplicationError) and error.cause.type in NO_LONGER_ACTIVE:
            return False
        raise
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:  # the workflow has completed
            return False
        raise
    return True


@router.post(
    "/{invitationUuid}/revoke",
    response_model=Invitation,
    response_model_exclude_none=True,
    summary="Revoke a self-service invitation: its link stops working",
    dependencies=[Depends(idempotency_key)],
    responses={
        404: {"description": "not-found: no such invitation of this buyer"},
        409: {"description": "conflict: USED, EXPIRED or REVOKED already, with currentResource"},
        422: {"description": "validation-error naming reason"},
    },
)
async def revoke_invitation(
    buyerId: UUID,
    invitationUuid: UUID,
    body: RevokeRequest,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    invitation = await _load(db, scope, buyerId, invitationUuid)
    command_started()  # from here the invitation's state answers: its 409 is the key's answer
    active = effective_status(invitation.status, invitation.expires_at, utcnow()) == ACTIVE
    revoked = active and await _revoke(client, invitation, body.reason)
    current = Invitation.of(settings, await _load(db, scope, buyerId, invitationUuid))
    if not revoked:
        raise Problem(
            "conflict",
            f"The invitation is {current.status}; only an ACTIVE invitation can be revoked.",
            currentResource=_body(current),
        )
    return JSONResponse(_body(current))


@router.get(
    "",
    response_model=Page[Invitation],
    response_model_exclude_none=True,
    summary="List the buyer's self-service invitations",
)
async def list_invitations(
    buyerId: UUID,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
    paging: Annotated[
        PageParams,
        Depends(PageParams.sortable("createdAt", "expiresAt", default="createdAt,desc")),
    ],
    status: Status | None = None,
) -> Page[Invitation]:
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyerId)
        query = invitations_of_buyer(scope.tenant, buyer.id, status, utcnow())
        return await paging.fetch(session, query, lambda row: Invitation.of(settings, row))


@router.get(
    "/{invitationUuid}",
    response_model=Invitation,
    response_model_exclude_none=True,
    summary="Get a self-service invitation",
    responses={404: {"description": "not-found"}},
)
async def get_invitation(
    buyerId: UUID,
    invitationUuid: UUID,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
) -> Invitation:
    return Invitation.of(settings, await _load(db, scope, buyerId, invitationUuid))
