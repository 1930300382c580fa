"""The buyer's self-service upload page: ``/self-service/{token}``, server-rendered HTML.

The link's token is the only credential (256 bits, docs/kyc.md). The buyer uploads one
document at a time (type, document date, file); each passes the same checks and is written
by the same code as an API upload (``api.nt24.buyers.kyc_documents.write_kyc_document``), with
``source``
``SELF_SERVICE``, and is counted on the invitation in the same transaction. When the buyer
says it has uploaded everything, the invitation's workflow marks it USED and the link stops
working. Unknown links answer 404; used, revoked and expired ones 410 Gone, each with a page
saying so.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.buyers.buyer_orders import tell_open_orders
from api.notyd.payments.page import (
    page_headers,
    privacy_url,
    problem_heading,
    problem_message,
)
from api.nt24.buyers.kyc_documents import write_kyc_document
from api.nt24.orders.documents import UploadRefused, check_upload
from api.shared.deps import AppSettings, Db, Temporal, app_settings
from api.shared.errors import Problem
from store import i18n
from store.buyers.buyers import active_kyc_document_types
from store.buyers.invitations import (
    DOCUMENT_TITLES,
    TEMPLATES,
    checklist,
    effective_status,
)
from store.buyers.queries import invitation_by_token
from store.db import Database
from store.i18n import N_, BuyerLocale
from store.models import SelfServiceInvitation, utcnow
from workflows.buyers.invitation_model import ACTIVE, EXPIRED, REVOKED, USED
from workflows.buyers.rules.kyc import KYC_DOCUMENT_TYPES
from workflows.buyers.self_service_invitation import SelfServiceInvitationWorkflow, UseInvitation
from workflows.change_source import ChangeSource

router = APIRouter(prefix="/self-service", include_in_schema=False)

SOURCE = "SELF_SERVICE"  # the documents' source: uploaded by the buyer through its link
FIELD_LABELS = {
    "type": N_("Document"),
    "documentDate": N_("Date of the document"),
    "file": N_("File"),
}


def _locale(invitation: SelfServiceInvitation | None) -> BuyerLocale:
    """The page speaks the buyer's language: its country's (store/i18n.py)."""
    return BuyerLocale.for_country(invitation.buyer.country if invitation else None)


def _html(
    request: Request,
    name: str,
    t: BuyerLocale,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    settings = app_settings(request)
    body = i18n.render(
        TEMPLATES,
        name,
        t,
        legal_entity=settings.platform_legal_name,
        legal_address=settings.platform_legal_address,
        contact=settings.buyer_contact_email,
        privacy_url=privacy_url(settings, t),
        **context,
    )
    return HTMLResponse(body, status_code=status_code, headers=page_headers())


async def _invitation(db: Database, token: str) -> SelfServiceInvitation | None:
    async with db.session() as session:
        return await invitation_by_token(session, token)


def _status(invitation: SelfServiceInvitation | None) -> str | None:
    if invitation is None:
        return None
    return effective_status(invitation.status, invitation.expires_at, utcnow())


def _closed(request: Request, invitation: SelfServiceInvitation | None) -> HTMLResponse:
    """The page of a link that does not (or no longer) work, with its status code."""
    status = _status(invitation)
    t = _locale(invitation)
    if invitation is None or status is None:
        heading, message, code = (
            t.gettext("This link is not valid"),
            t.gettext(
                "Check that you opened the whole link from the e-mail. If it still does not "
                "work, ask the seller for a new one."
            ),
            404,
        )
    else:
        values = {
            "seller": invitation.partner.name,
            "until": t.datetime(invitation.expires_at),
        }
        heading, message = {
            USED: (
                t.gettext("Your documents were sent"),
                t.gettext(
                    "The documents uploaded through this link were sent to %(seller)s. If "
                    "you need to send more, ask them for a new link."
                ),
            ),
            REVOKED: (
                t.gettext("This link was withdrawn"),
                t.gettext(
                    "%(seller)s withdrew this link. Ask them for a new one if you still need "
                    "to upload documents."
                ),
            ),
            EXPIRED: (
                t.gettext("This link has expired"),
                t.gettext("It worked until %(until)s. Ask %(seller)s for a new one."),
            ),
        }[status]
        message = message % values
        code = 410
    return _html(
        request, "self_service/closed.html", t, {"heading": heading, "message": message}, code
    )


async def _page(
    request: Request,
    db: Database,
    token: str,
    invitation: SelfServiceInvitation,
    *,
    errors: list[dict[str, str]] | None = None,
    chosen: dict[str, str | None] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    async with db.session() as session:
        active_types = await active_kyc_document_types(session, invitation.buyer_id)
    uploaded = request.query_params.get("uploaded")
    return _html(
        request,
        "self_service/page.html",
        _locale(invitation),
        {
            "token": token,
            "seller": invitation.partner.name,
            "company": invitation.buyer.company_name,
            "expires_at": invitation.expires_at,
            "checklist": checklist(invitation.buyer.kyc_mode, active_types),
            "usage_count": invitation.usage_count,
            "uploaded": DOCUMENT_TITLES.get(uploaded or "", ""),
            "errors": errors or [],
            "chosen_type": (chosen or {}).get("type"),
            "chosen_date": (chosen or {}).get("documentDate"),
        },
        status_code,
    )


def _errors(problem: Problem, t: BuyerLocale) -> list[dict[str, str]]:
    """A refused upload's field errors (``check_upload`` names the field), for the buyer: the
    field in the buyer's language; the check's own message as it is (English)."""
    return [
        {"label": t.gettext(FIELD_LABELS.get(e["field"], e["field"])), "message": e["message"]}
        for e in problem.errors or []
    ]


def problem_page(request: Request, problem: Problem) -> Response:
    """A problem met before this page's own code could answer (a file past the size limit, a
    NUL in a field, a path no link has, an unexpected error), in words, in the language the
    buyer's browser asks for: the link's invitation is not read here."""
    t = BuyerLocale.for_browser(request.headers.get("accept-language"))
    heading, message = problem_heading(t, problem.status), problem_message(problem)
    page = _html(
        request,
        "self_service/closed.html",
        t,
        {"heading": heading, "message": message},
        problem.status,
    )
    page.headers.update(problem.headers)
    return page


@router.get("/{token}", response_class=HTMLResponse)
async def upload_page(token: str, request: Request, db: Db) -> Response:
    invitation = await _invitation(db, token)
    if invitation is None or _status(invitation) != ACTIVE:
        return _closed(request, invitation)
    return await _page(request, db, token, invitation)


async def _count_upload(session: AsyncSession, token: str) -> SelfServiceInvitation | None:
    """The invitation, locked, with this upload counted; None if it is no longer ACTIVE
    (its workflow's settling waits for the lock, so it never ends mid-upload)."""
    invitation = await invitation_by_token(session, token, lock=True)
    if invitation is None or _status(invitation) != ACTIVE:
        return None
    invitation.usage_count += 1
    invitation.last_used_at = utcnow()
    return invitation


@router.post("/{token}/documents", response_class=HTMLResponse)
async def upload_document(
    token: str,
    request: Request,
    settings: AppSettings,
    db: Db,
    client: Temporal,
    type: Annotated[str, Form()] = "",
    documentDate: Annotated[str | None, Form()] = None,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    invitation = await _invitation(db, token)
    if invitation is None or _status(invitation) != ACTIVE:
        return _closed(request, invitation)
    chosen = {"type": type, "documentDate": documentDate}
    if file is None or not file.filename:
        t = _locale(invitation)
        missing = [
            {
                "label": t.gettext(FIELD_LABELS["file"]),
                "message": t.gettext("choose the file to upload"),
            }
        ]
        return await _page(
            request, db, token, invitation, errors=missing, chosen=chosen, status_code=422
        )
    try:
        upload = await check_upload(
            settings,
            KYC_DOCUMENT_TYPES,
            type_=type,
            document_date=documentDate,
            issuer_type=None,
            issuer_name=None,
            file=file,
        )
    except Problem as problem:
        return await _page(
            request,
            db,
            token,
            invitation,
            errors=_errors(problem, _locale(invitation)),
            chosen=chosen,
            status_code=422,
        )
    try:
        async with upload.stored(settings, db), db.transaction() as session:
            counted = await _count_upload(session, token)
            if counted is None:  # it ended while the file was being checked
                raise UploadRefused
            await session.run_sync(partial(write_kyc_document, counted.buyer_id, upload, SOURCE))
    except UploadRefused:  # the file is not kept: nothing names it
        return _closed(request, await _invitation(db, token))
    # completeness may have changed, by the buyer's own upload: the platform's link, no client's
    await tell_open_orders(client, db, counted.buyer.uuid, ChangeSource.SYSTEM)
    return RedirectResponse(f"/self-service/{token}?uploaded={upload.type}", status_code=303)


@router.post("/{token}/submit", response_class=HTMLResponse)
async def submit(
    token: str,
    request: Request,
    db: Db,
    client: Temporal,
) -> Response:
    invitation = await _invitation(db, token)
    if invitation is None or _status(invitation) != ACTIVE:
        return _closed(request, invitation)
    if invitation.usage_count == 0:
        t = _locale(invitation)
        nothing = [
            {
                "label": t.gettext("Nothing to send"),
                "message": t.gettext("upload at least one document first"),
            }
        ]
        return await _page(request, db, token, invitation, errors=nothing, status_code=422)
    try:
        await client.get_workflow_handle(invitation.workflow_id).execute_update(
            SelfServiceInvitationWorkflow.use, UseInvitation()
        )
    except WorkflowUpdateFailedError:  # it ended meanwhile (revoked, expired): say how
        return _closed(request, await _invitation(db, token))
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:  # NOT_FOUND: its workflow has completed
            raise
        return _closed(request, await _invitation(db, token))
    t = _locale(invitation)
    thanks = t.gettext("Your documents were sent to %(seller)s. You can close this page.")
    return _html(
        request,
        "self_service/closed.html",
        t,
        {
            "heading": t.gettext("Thank you"),
            "message": thanks % {"seller": invitation.partner.name},
        },
    )
