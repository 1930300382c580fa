"""NT24-led verification (K3, K5) and the identity provider's callback.

- ``POST .../kyc/verify`` starts the buyer's KycWorkflow (or finds it running) and asks it for
  a session: 201 with a new ``sessionId``/``idenfyUrl``, 200 with the session already running
  (the buyer may not have opened it yet: the same link is the answer, not a second session).
  400 for a marketplace-led buyer; 409 while staff review the buyer or while a verified
  profile is not yet due for renewal; 503 with ``Retry-After`` while the provider is down.
- ``GET .../kyc/profile`` serves the signed KYC profile PDF of a VERIFIED buyer.
- ``POST /v1/providers/idenfy/callback`` is the provider's: it only verifies the signature,
  records what arrived and signals the workflow, so it answers well within the provider's
  10 seconds. Unsigned or wrongly signed callbacks are refused (401) and recorded too.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.buyers.identity_verification import (
    SIGNATURE_HEADER,
    IdentityResult,
    read_callback,
    signature_matches,
)
from activities.workflow_metadata import buyer_start
from api.nt24.buyers.buyers import load_buyer
from api.nt24.buyers.kyc_documents import DOWNLOAD_CAPABILITY
from api.nt24.identity.auth import PartnerAccess, PartnerScope, require_capability
from api.nt24.orders.commands import problem_of
from api.nt24.orders.documents import stored_bytes
from api.nt24.schemas import NT24Model
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.errors import Problem
from api.shared.idempotency import command_started, idempotency_key
from api.shared.locations import CREATED, located
from api.shared.problem_docs import RETRY_AFTER
from settings import Settings
from store.buyers.queries import identity_result_accepted, valid_kyc_profile
from store.db import Database
from store.models import Buyer, ProviderCallback
from workflows.buyers.kyc_verification import (
    KycStart,
    KycWorkflow,
    OpenSession,
    ReviewAnswer,
    ReviewDecision,
    SessionAnswer,
)
from workflows.buyers.refusals import KycRefusalReason as Refused
from workflows.buyers.refusals import ProviderFailure
from workflows.buyers.rules.kyc import NT24_LED
from workflows.buyers.rules.kyc_verification import AmlThresholds
from workflows.change_source import ChangeSource
from workflows.ids import kyc_workflow_id

router = APIRouter(prefix="/v1/partners/{sellerId}/buyers/{buyerId}/kyc", tags=["NT24: KYC"])
callbacks = APIRouter(tags=["Provider callbacks"])

PROVIDER_RETRY_AFTER = "30"
MAX_CALLBACK_BYTES = 1024 * 1024
# Anyone can post an unsigned callback: its record keeps the bytes' sha256 and their start,
# so that a flood of them cannot fill the database a megabyte at a time
REFUSED_BODY_KEPT = 4096


class VerificationSession(NT24Model):
    sessionId: str
    idenfyUrl: str


def kyc_start(settings: Settings, buyer_uuid: UUID | str) -> KycStart:
    return KycStart(
        buyer_uuid=str(buyer_uuid),
        session_deadline=settings.kyc_session_deadline,
        session_budget=settings.idenfy_session_budget,
        provider_timeout=settings.idenfy_http_timeout + settings.vies_attempt_margin,
        aml_thresholds=AmlThresholds(settings.kyc_aml_review_score, settings.kyc_aml_flag_score),
        aml_give_up_after=settings.kyc_aml_give_up_after,
        profile_valid_for=settings.kyc_profile_valid_for,
        expiry_notice=settings.kyc_profile_expiry_notice,
        abandoned_after=settings.order_abandoned_after,
        profile_timeout=settings.export_file_timeout,
    )


# The problem type each refusal of the verification answers
PROBLEM_TYPE: dict[Refused, str] = {
    Refused.AWAITING_REVIEW: "conflict",
    Refused.BEING_DECIDED: "conflict",
    Refused.STILL_VERIFIED: "conflict",
    Refused.NO_REVIEW_PENDING: "conflict",
    Refused.PROVIDER_UNAVAILABLE: "service-unavailable",
    Refused.REJECTION_UNEXPLAINED: "validation-error",
    Refused.REASON_TOO_LONG: "validation-error",
}


def _problem(error: WorkflowUpdateFailedError) -> Problem:
    cause = error.cause
    if not isinstance(cause, ApplicationError):
        raise error
    reason = Refused.__members__.get(cause.type or "")
    if reason is None:
        problem = problem_of(cause)  # a worker of the previous release names the problem
    elif reason == Refused.PROVIDER_UNAVAILABLE:
        failure = ProviderFailure(**cause.details[0])
        problem = Problem(
            "service-unavailable", cause.message, providerError=failure.provider_error
        )
    else:
        problem = Problem(PROBLEM_TYPE[reason], cause.message)
    if problem.slug == "service-unavailable":
        problem.headers["Retry-After"] = PROVIDER_RETRY_AFTER
    return problem


async def open_session(
    client: Client, settings: Settings, buyer: Buyer, source: ChangeSource = ChangeSource.API
) -> SessionAnswer:
    """Ask the buyer's KycWorkflow for a session, starting it with the Update unless it runs
    (update-with-start: one request). A run that ends before it takes the Update (a session
    expired just then) is started anew."""
    contact = buyer.contacts[0] if buyer.contacts else None
    request = OpenSession(
        company_name=buyer.company_name,
        country=buyer.country,
        first_name=contact.first_name if contact else None,
        last_name=contact.last_name if contact else None,
        source=source,
    )
    workflow_id = kyc_workflow_id(str(buyer.uuid))
    for attempt in range(3):
        start = WithStartWorkflowOperation(
            KycWorkflow.run,
            kyc_start(settings, buyer.uuid),
            id=workflow_id,
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            **buyer_start(
                "KYC verification",
                buyer_uuid=str(buyer.uuid),
                buyer_name=buyer.company_name,
                vat_number=buyer.vat_number,
                organization_uuid=None,
            ),
        )
        try:
            return await client.execute_update_with_start_workflow(
                KycWorkflow.open_session, request, start_workflow_operation=start
            )
        except WorkflowUpdateFailedError as error:
            command_started()  # the workflow refused by the buyer's state: the key's answer
            raise _problem(error) from error
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND or attempt == 2:
                raise
    raise AssertionError("unreachable")


async def start_buyer_verification(
    buyer_uuid: UUID,
    settings: Settings,
    scope: PartnerScope,
    db: Database,
    client: Client,
    source: ChangeSource = ChangeSource.API,
) -> SessionAnswer:
    """Start the buyer's NT24-led verification, or answer the session already running:
    shared by the API and the web app. A marketplace-led buyer is refused (400)."""
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyer_uuid, contacts=True)  # the session's names
    if buyer.kyc_mode != NT24_LED:
        raise Problem(
            "malformed-request",
            "NT24-led verification is for NT24_LED buyers; this buyer is MARKETPLACE_LED "
            "(upgrade it with PATCH .../buyers/{buyerId} first).",
        )
    return await open_session(client, settings, buyer, source)


@router.post(
    "/verify",
    response_model=VerificationSession,
    status_code=201,
    summary="Start NT24-led verification (Mode B only)",
    dependencies=[Depends(idempotency_key)],
    responses={
        **CREATED,
        200: {"description": "The session already running", "model": VerificationSession},
        400: {"description": "malformed-request: the buyer is MARKETPLACE_LED"},
        404: {"description": "not-found: no such buyer of this seller"},
        409: {"description": "conflict: staff review the buyer, or it is verified and not due"},
        503: {
            "description": "service-unavailable: the identity provider is down (or the "
            "database, the workflow service or its worker is away)",
            "headers": {"Retry-After": RETRY_AFTER},
        },
    },
)
async def start_verification(
    buyerId: UUID,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    answer = await start_buyer_verification(buyerId, settings, scope, db, client)
    session_answer = JSONResponse(
        {"sessionId": answer.session_id, "idenfyUrl": answer.idenfy_url},
        status_code=201 if answer.created else 200,
    )
    # the buyer's KYC status shows the session
    return located(session_answer, f"/v1/partners/{scope.partner.uuid}/buyers/{buyerId}/kyc")


@router.get(
    "/profile",
    summary="Download the signed KYC profile PDF (Mode B, VERIFIED)",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}},
        400: {"description": "malformed-request: the buyer is MARKETPLACE_LED"},
        403: {"description": "capability-required: allowKycDocumentDownload"},
        404: {"description": "not-found: no such buyer of this seller, or its file is lost"},
        409: {
            "description": "conflict: the buyer is not VERIFIED (or its profile expired), "
            "or the stored file is no longer the one sealed"
        },
    },
)
async def kyc_profile(
    buyerId: UUID,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
) -> Response:
    # It carries the representative's personal data, as the KYC documents do
    require_capability(scope.organization, DOWNLOAD_CAPABILITY)
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyerId)
    return await kyc_profile_download(settings, db, buyer)


async def kyc_profile_download(settings: Settings, db: Database, buyer: Buyer) -> Response:
    """The buyer's signed KYC profile PDF, or the Problem saying why there is none (the caller
    has loaded the buyer in its scope and checked that it may read KYC documents)."""
    if buyer.kyc_mode != NT24_LED:
        raise Problem("malformed-request", "MARKETPLACE_LED buyers have no KYC profile.")
    async with db.session() as session:
        verification = await valid_kyc_profile(session, buyer)
    if verification is None:
        state = "expired" if buyer.verification_expired else buyer.verification_status
        raise Problem(
            "conflict", f"The buyer has no valid signed KYC profile: verification {state}."
        )
    assert verification.profile_sha256 is not None
    name = f"kyc-profile-{buyer.uuid}.pdf"
    content = await stored_bytes(settings, verification.profile_sha256, name)
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Session-Id": verification.session_id,
        },
    )


async def _signal(client: Client, result: IdentityResult) -> bool:
    """Hand the result to the buyer's workflow; False when there is none to hear it."""
    try:
        buyer_uuid = UUID(result.client_id)
    except ValueError:
        return False
    try:
        await client.get_workflow_handle(kyc_workflow_id(str(buyer_uuid))).signal(
            KycWorkflow.identity_result, result
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


@callbacks.post(
    "/v1/providers/idenfy/callback",
    summary="iDenfy's verification result callback (signed with Idenfy-Signature)",
    responses={
        200: {"description": "Received"},
        400: {"description": "malformed-request: signed, but not an identity callback"},
        401: {"description": "unauthorized: unsigned or wrongly signed; recorded"},
        413: {"description": "payload-too-large"},
    },
)
async def idenfy_callback(
    request: Request,
    settings: AppSettings,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_CALLBACK_BYTES:
        raise Problem("payload-too-large", "A callback is at most 1 MiB.")
    valid = signature_matches(
        settings.idenfy_callback_signing_key, body, request.headers.get(SIGNATURE_HEADER)
    )
    result = read_callback(body) if valid else None
    if not valid:
        outcome = "REFUSED_SIGNATURE"
    elif result is None:
        outcome = "MALFORMED"
    elif not result.final:
        outcome = "NOT_FINAL"  # a preliminary result: only a final one decides
    elif await identity_result_accepted(db, result.scan_ref):
        outcome = "REPLAYED"
    else:
        outcome = "ACCEPTED" if await _signal(client, result) else "UNKNOWN_CLIENT"
    async with db.transaction() as session:
        session.add(
            ProviderCallback(
                provider="idenfy",
                signature_valid=valid,
                outcome=outcome,
                scan_ref=result.scan_ref if result else None,
                client_id=result.client_id[:100] if result else None,
                final=result.final if result else None,
                overall_status=result.overall[:20] if result else None,
                body_sha256=hashlib.sha256(body).hexdigest(),
                body=body if valid else body[:REFUSED_BODY_KEPT],
            )
        )
    if outcome == "REFUSED_SIGNATURE":
        raise Problem("unauthorized", f"Missing or wrong {SIGNATURE_HEADER}.")
    if outcome == "MALFORMED":
        raise Problem("malformed-request", "Not an identity verification callback.")
    return JSONResponse({"received": outcome})


async def review(client: Client, buyer_uuid: UUID, decision: ReviewDecision) -> ReviewAnswer:
    """Staff decide a verification under review (the admin command line; the web app)."""
    try:
        return await client.get_workflow_handle(kyc_workflow_id(str(buyer_uuid))).execute_update(
            KycWorkflow.review, decision
        )
    except WorkflowUpdateFailedError as error:
        raise _problem(error) from error
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise Problem("conflict", "No verification of this buyer awaits a review.") from error
        raise
