"""Buyers in the web app: list and search, create and edit with the API's rules (VAT numbers
validated per country, the KYC mode only upgraded MARKETPLACE_LED -> NT24_LED), KYC status and
history, a VIES check on demand, KYC documents and blocking. Every change runs through the
function the API endpoint runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from api.nt24.buyers import buyers as buyer_api
from api.nt24.buyers.buyers import (
    BlockRequest,
    BuyerOut,
    BuyerPatch,
    BuyerUpsert,
    ContactIn,
    add_contact,
    list_contacts,
    update_buyer,
)
from api.nt24.buyers.kyc import trigger_vies_check
from api.nt24.buyers.kyc_documents import add_kyc_document
from api.nt24.buyers.kyc_verification import (
    kyc_profile_download,
    review,
    start_buyer_verification,
)
from api.nt24.buyers.self_service_invitations import (
    Invitation,
    InvitationCreate,
    RevokeRequest,
    create_invitation,
    revoke_invitation,
)
from api.nt24.identity.auth import CAPABILITY_FLAGS, PartnerScope
from api.nt24.orders.documents import check_upload, document_content_response
from api.shared.deps import app_settings, database, temporal
from api.shared.errors import Problem
from api.web.conflicts import Conflict, conflict_of, is_conflict
from api.web.core import (
    ISSUER_TYPES,
    WEB_APP,
    FormErrors,
    PostedForm,
    SignedIn,
    Viewer,
    WebRoute,
    acting_for,
    build,
    operator_locale,
    page_number,
    parse_uuid,
    record,
    redirect,
    render,
    require,
    text,
    upload_of,
    values,
    whole_number,
)
from api.web.labels import kyc_document_choices, kyc_document_name
from store.buyers.buyers import kyc_facts
from store.buyers.queries import (
    BuyerListFilter,
    buyer_history,
    buyer_list_page,
    buyer_with_seller,
    kyc_document,
    valid_kyc_profile,
)
from store.identity.queries import partner_with_organization, partners_of_organization
from store.models import (
    Buyer,
    Partner,
)
from workflows.buyers.kyc_verification import REVIEW_REASON_LENGTH, ReviewDecision
from workflows.buyers.rules.kyc import KYC_DOCUMENT_TYPES, REQUIRED_DOCUMENTS, overall_status
from workflows.buyers.rules.kyc_verification import REVIEW

# What the review form's two buttons send; anything else decides nothing
REVIEW_DECISIONS = ("approve", "reject")

router = APIRouter(prefix="/app/buyers", route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 25


@router.get("")
async def list_buyers(request: Request, seen: SignedIn) -> Response:
    q = request.query_params
    only = BuyerListFilter(
        term=(q.get("q") or "").strip() or None,
        partner_uuid=parse_uuid(q["partner"]) if q.get("partner") else None,
        status=q.get("status"),
        kyc_mode=q.get("kycMode"),
        vies_result=q.get("vies"),
    )
    page = page_number(request)
    async with database(request).session() as session:
        total, rows = await buyer_list_page(session, seen, only, page, PAGE_SIZE)
    partners = await partners_of_organization(database(request), seen)
    return render(
        request,
        "buyers.html",
        buyers=rows,
        partners=partners,
        filters=dict(q),
        page=page,
        pages=max(1, -(-int(total or 0) // PAGE_SIZE)),
        total=total,
    )


async def _partners(request: Request, seen: Viewer) -> list[Partner]:
    return await partners_of_organization(database(request), seen)


async def _partner_scope(request: Request, seen: Viewer, partner_uuid: str | None) -> PartnerScope:
    found = (
        await partner_with_organization(database(request), seen, parse_uuid(partner_uuid))
        if partner_uuid
        else None
    )
    if found is None:
        raise FormErrors({"partner": "choose one of the partners"})
    partner, organization = found
    return acting_for(seen, organization, partner)


ADDRESS_FIELDS = ("street", "postCode", "city", "country")


def _address(form: FormData) -> dict[str, Any]:
    return {k: text(form, f"address.{k}") for k in ADDRESS_FIELDS}


@router.get("/new")
async def new_buyer(request: Request, seen: SignedIn) -> Response:
    partners = await _partners(request, seen)
    return render(request, "buyer_new.html", partners=partners, form={}, errors={})


@router.post("/new")
async def create_buyer(
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    try:
        scope = await _partner_scope(request, seen, text(form, "partner"))
        data = {
            "kycMode": text(form, "kycMode"),
            "vatNumber": text(form, "vatNumber"),
            "companyName": text(form, "companyName"),
            "address": _address(form),
        }
        body = build(BuyerUpsert, data, {})
        answer = await buyer_api.upsert_buyer(
            body, request, app_settings(request), scope, database(request), await temporal(request)
        )
    except (FormErrors, Problem) as exc:
        failure = exc if isinstance(exc, FormErrors) else FormErrors.of_problem(exc)
        # a buyer with this VAT number and other data: the form changes nothing, its page does
        current = exc.extra.get("currentResource") if isinstance(exc, Problem) else None
        return render(
            request,
            "buyer_new.html",
            status_code=422 if failure.fields else getattr(exc, "status", 409),
            partners=await _partners(request, seen),
            form=values(form),
            errors=failure.fields,
            problem=failure.detail,
            existing=current.get("uuid") if isinstance(current, dict) else None,
        )
    saved = BuyerOut.model_validate_json(bytes(answer.body))
    if answer.status_code != 201:  # the upsert answered the buyer it has: nothing was created
        return redirect(f"/app/buyers/{saved.uuid}", await _exists_already(request, seen, saved))
    await record(
        request,
        "buyer.create",
        "buyer",
        str(saved.uuid),
        scope.principal.organization_id,
        None,
        saved,
    )
    return redirect(f"/app/buyers/{saved.uuid}", "Buyer saved; its VIES check has started.")


async def _exists_already(request: Request, seen: Viewer, buyer: BuyerOut) -> str:
    """What a "new buyer" form for a buyer with the same data says: nothing changed (the API's
    repeat upsert, which asks VIES again only for a buyer no check has answered yet)."""
    said = f"A buyer with VAT number {buyer.vatNumber} exists already, as typed: nothing changed."
    found = await buyer_with_seller(database(request), seen, buyer.uuid)
    if found is not None and found[0].vies_last_checked_at is None:
        said += " Its VIES check has not answered yet."
    return said


@dataclass
class Loaded:
    buyer: Buyer
    scope: PartnerScope


async def _load(request: Request, seen: Viewer, uuid: UUID) -> Loaded:
    found = await buyer_with_seller(database(request), seen, uuid, contacts=True)
    if found is None:
        raise Problem("not-found", f"Buyer {uuid} was not found.")
    buyer, partner, organization = found
    return Loaded(buyer, acting_for(seen, organization, partner))


CONTACTS_CAPABILITY = "allowContactPersonalData"
CONTACT_FIELDS = ("firstName", "lastName", "email", "phone")


def _may_keep_contacts(scope: PartnerScope) -> bool:
    """Contact persons are personal data the API keeps only behind the capability; staff act
    through the organization's scope, so the same holds for them."""
    return bool(getattr(scope.organization, CAPABILITY_FLAGS[CONTACTS_CAPABILITY]))


def _may_read_documents(seen: Viewer, scope: PartnerScope) -> bool:
    """KYC documents carry personal data: staff read them, users behind the capability."""
    return seen.is_staff or scope.organization.allow_kyc_document_download


def _require_documents_readable(seen: Viewer, scope: PartnerScope) -> None:
    if not _may_read_documents(seen, scope):
        raise Problem("forbidden", "Your organization may not download KYC documents.")


@router.get("/{uuid}")
async def buyer_page(uuid: UUID, request: Request, seen: SignedIn) -> Response:
    return await _buyer_page(request, seen, await _load(request, seen, uuid))


async def _buyer_page(
    request: Request,
    seen: Viewer,
    loaded: Loaded,
    *,
    status_code: int = 200,
    failed: str | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    form: dict[str, str] | None = None,
    conflict: Conflict | None = None,
) -> Response:
    buyer = loaded.buyer
    history = await buyer_history(database(request), buyer.id)
    facts = kyc_facts(buyer, history.active_kyc_document_types)
    verification = history.verification
    settings = app_settings(request)
    may_keep_contacts = _may_keep_contacts(loaded.scope)
    # through the API's read, so that each showing is in the personal-data access log
    contacts = (
        await list_contacts(buyer.uuid, request, loaded.scope, database(request))
        if may_keep_contacts
        else []
    )
    may_read = _may_read_documents(seen, loaded.scope)
    async with database(request).session() as session:
        profile = await valid_kyc_profile(session, buyer) if may_read else None
    return render(
        request,
        "buyer.html",
        status_code=status_code,
        buyer=buyer,
        partner=loaded.scope.partner,
        organization=loaded.scope.organization,
        facts=facts,
        overall=overall_status(facts),
        required=sorted(kyc_document_name(c) for c in REQUIRED_DOCUMENTS[buyer.kyc_mode]),
        checks=history.vies_checks,
        documents=history.kyc_documents,
        may_read=may_read,
        has_profile=profile is not None,
        orders=history.orders,
        verification=verification,
        awaits_review=verification is not None and verification.status == REVIEW,
        invitations=[Invitation.of(settings, row) for row in history.invitations],
        may_keep_contacts=may_keep_contacts,
        contacts=contacts,
        kyc_types=kyc_document_choices(),
        issuer_types=ISSUER_TYPES,
        failed=failed,
        errors=errors or {},
        problem=problem,
        form=form or {},
        conflict=conflict,
    )


@router.post("/{uuid}/{action}")
async def buyer_action(
    uuid: UUID,
    action: str,
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    loaded = await _load(request, seen, uuid)
    db, client = database(request), await temporal(request)
    before = BuyerOut.of(loaded.buyer)
    after: Any
    try:
        if action == "edit":
            data = {"companyName": text(form, "companyName"), "address": _address(form)}
            if text(form, "kycMode") != loaded.buyer.kyc_mode:
                data["kycMode"] = text(form, "kycMode")
            errors: dict[str, str] = {}
            require(form, ["companyName", *(f"address.{k}" for k in ADDRESS_FIELDS)], errors)
            body = build(BuyerPatch, data, errors)
            version = whole_number(text(form, "version"))
            if version is None:
                raise FormErrors(detail="The form has no version: reload the page.")
            edited = await update_buyer(loaded.scope, uuid, body, version, db, client, WEB_APP)
            after = BuyerOut.of(edited)
            done = "Buyer updated."
        elif action == "vies-check":
            answer = await trigger_vies_check(uuid, app_settings(request), loaded.scope, db, client)
            after = json.loads(bytes(answer.body))
            done = "VIES check queued: its result appears below shortly."
        elif action == "block":
            reason = text(form, "reason")
            if reason is None:  # the API may block without one; staff say why, for the audit
                raise FormErrors({"reason": "say why the buyer is blocked"})
            body = build(BlockRequest, {"reason": reason}, {})
            blocked = await buyer_api.block(loaded.scope, uuid, body.reason, db, client, WEB_APP)
            after = BuyerOut.of(blocked)
            done = "Buyer blocked: no new orders, and its open orders show a blocker."
        elif action == "documents":
            file = upload_of(form)
            if file is None:
                raise FormErrors({"file": "choose a PDF or image to upload"})
            if text(form, "documentDate") is None:
                raise FormErrors({"documentDate": "the date the document was issued is required"})
            settings = app_settings(request)
            upload = await check_upload(
                settings,
                KYC_DOCUMENT_TYPES,
                type_=text(form, "type") or "",
                document_date=text(form, "documentDate"),
                issuer_type=text(form, "issuerType"),
                issuer_name=text(form, "issuerName"),
                file=file,
                issuer_id=text(form, "issuerId"),
            )
            document = await add_kyc_document(
                loaded.scope, uuid, upload, settings, db, client, WEB_APP
            )
            after = {"document": str(document.uuid), "type": document.type}
            done = "KYC document uploaded."
        elif action == "kyc-review":
            if not seen.is_staff:
                raise Problem("not-found", "There is no such action.")
            decision_word = text(form, "decision")
            if decision_word not in REVIEW_DECISIONS:  # never read a typo as a rejection
                raise FormErrors({"decision": "choose approve or reject"})
            approve = decision_word == "approve"
            reason = text(form, "reason")
            if reason is not None and len(reason) > REVIEW_REASON_LENGTH:
                raise FormErrors({"reason": f"must be at most {REVIEW_REASON_LENGTH} characters"})
            if reason is None:  # approving a PEP or sanctions match needs a reason as well
                raise FormErrors(
                    {
                        "reason": "say why the verification is approved despite the match"
                        if approve
                        else "say why the verification is rejected"
                    }
                )
            decision = ReviewDecision(approve, reason or "", seen.user.username, WEB_APP)
            reviewed = await review(client, uuid, decision)
            after = {
                "decision": "approve" if approve else "reject",
                "outcome": reviewed.outcome,
                "reason": reason,  # the reviewer's, for an approval as for a rejection
            }
            done = f"Verification decided: {reviewed.outcome.lower()}."
        elif action == "verify":
            started = await start_buyer_verification(
                uuid, app_settings(request), loaded.scope, db, client, WEB_APP
            )
            # the session's link is the buyer's to open: it goes to the operator, not the log
            after = {"sessionId": started.session_id, "created": started.created}
            done = (
                f"Verification started: the buyer verifies its identity at {started.idenfy_url}"
                if started.created
                else "The buyer's identity session is already open, at "
                f"{started.idenfy_url}: no second one was started."
            )
        elif action == "add-contact":
            errors = {}
            require(form, CONTACT_FIELDS[:3], errors)
            data = {name: text(form, name) for name in CONTACT_FIELDS}
            body = build(ContactIn, data, errors)
            contact = await add_contact(uuid, body, request, Response(), loaded.scope, db)
            after = {"contact": str(contact.uuid)}  # the person's data stays out of the log
            done = f"Contact person {contact.firstName} {contact.lastName} added."
        elif action == "invite":
            body = build(InvitationCreate, {"recipientEmail": text(form, "recipientEmail")}, {})
            answer = await create_invitation(
                uuid, body, request, app_settings(request), loaded.scope, db, client
            )
            after = json.loads(bytes(answer.body))
            done = f"Invitation sent to {body.recipientEmail}."
        elif action == "revoke-invitation":
            body = build(RevokeRequest, {"reason": text(form, "reason")}, {})
            invitation = parse_uuid(text(form, "invitation"))
            answer = await revoke_invitation(
                uuid, invitation, body, app_settings(request), loaded.scope, db, client
            )
            after = json.loads(bytes(answer.body))
            done = "Invitation revoked: its link no longer works."
        else:
            raise Problem("not-found", "There is no such action.")
    except (FormErrors, Problem) as exc:
        if isinstance(exc, Problem) and exc.status == 404 and not exc.errors:
            raise
        failure = exc if isinstance(exc, FormErrors) else FormErrors.of_problem(exc)
        conflict = (
            conflict_of(exc, "buyer", values(form), operator_locale(request))
            if isinstance(exc, Problem) and action == "edit" and is_conflict(exc)
            else None
        )
        return await _buyer_page(
            request,
            seen,
            await _load(request, seen, uuid) if conflict else loaded,
            status_code=422 if isinstance(exc, FormErrors) else exc.status,
            failed=action,
            errors=failure.fields,
            problem=conflict.message if conflict else failure.summary,
            form=values(form),
            conflict=conflict,
        )
    await record(
        request,
        f"buyer.{action.replace('-', '_')}",
        "buyer",
        str(uuid),
        loaded.buyer.organization_id,
        before,
        after,
    )
    return redirect(f"/app/buyers/{uuid}", done)


@router.get("/{uuid}/documents/{document}")
async def kyc_document_download(
    uuid: UUID, document: UUID, request: Request, seen: SignedIn
) -> Response:
    loaded = await _load(request, seen, uuid)
    _require_documents_readable(seen, loaded.scope)
    async with database(request).session() as session:
        found = await kyc_document(session, loaded.buyer.id, document)
    if found is None:
        raise Problem("not-found", f"Document {document} was not found.")
    return await document_content_response(app_settings(request), found, request)


@router.get("/{uuid}/kyc-profile")
async def kyc_profile_page_download(uuid: UUID, request: Request, seen: SignedIn) -> Response:
    """The signed KYC profile, as GET .../kyc/profile hands it: it carries the representative's
    personal data, so it is read as the KYC documents are."""
    loaded = await _load(request, seen, uuid)
    _require_documents_readable(seen, loaded.scope)
    return await kyc_profile_download(app_settings(request), database(request), loaded.buyer)
