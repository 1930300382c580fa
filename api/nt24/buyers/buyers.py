"""Buyers (section 2 of the contract): upsert by VAT number, read, list, update, block, and
their contact persons (personal data, behind ``allowContactPersonalData``)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from activities.buyers.buyer_orders import tell_open_orders
from api.nt24.buyers.vies_trigger import start_vies_check
from api.nt24.identity.auth import PartnerAccess, PartnerScope, require_capability
from api.nt24.pagination import Page, PageParams
from api.nt24.schemas import (
    CANNOT_CHANGE,
    ID_FIXED,
    RECORDED_BY_THE_SERVER,
    VERSION_BY_IF_MATCH,
    NT24Model,
    PatchModel,
    UtcTimestamp,
)
from api.nt24.values import Address, AddressIn, PersonIn
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.errors import FieldError, Problem, trace_id, validation_problem
from api.shared.idempotency import command_started, idempotency_key
from api.shared.input_limits import TimestampQuery
from api.shared.locations import CREATED
from api.shared.temporal_calls import TEMPORAL_ERRORS, temporal_problem, unavailable
from api.shared.versioning import (
    IF_NONE_MATCH,
    check_version,
    expected_version,
    if_match,
    not_modified,
    versioned,
)
from settings import Settings
from store.buyers.queries import (
    BuyerFilter,
    buyer_by_vat_number,
    buyer_of_seller,
    buyer_version,
    buyers_of_seller,
)
from store.db import Database
from store.models import Buyer, BuyerContact, PiiAccessLog, utcnow
from workflows.buyers.activities import ViesTrigger
from workflows.buyers.rules.kyc import may_change_mode
from workflows.buyers.rules.vat_numbers import InvalidVatNumber, normalize_vat_number
from workflows.change_source import ChangeSource

router = APIRouter(prefix="/v1/partners/{sellerId}/buyers", tags=["NT24: buyers"])

KycMode = Literal["MARKETPLACE_LED", "NT24_LED"]


ContactIn = PersonIn


class Contact(ContactIn):
    uuid: UUID
    createdAt: UtcTimestamp | None = None


# The contract states no limit; a buyer's contact persons are a handful, and each one is a
# row written with the buyer (POST .../contacts adds more)
MAX_UPSERT_CONTACTS = 50


class BuyerUpsert(NT24Model):
    kycMode: KycMode
    vatNumber: str = Field(min_length=4, max_length=20, examples=["DE123456789"])
    companyName: str = Field(min_length=1, max_length=300)
    address: AddressIn
    contacts: list[ContactIn] | None = Field(
        None,
        max_length=MAX_UPSERT_CONTACTS,
        description="Needs allowContactPersonalData; stored on /contacts only. At most "
        f"{MAX_UPSERT_CONTACTS}; add more through POST .../contacts.",
    )


class BuyerPatch(PatchModel):
    FIXED = {
        "vatNumber": "is the buyer's natural key and cannot change",
        "status": "is the buyer's status: POST .../block blocks it, a PATCH cannot set it",
        "uuid": ID_FIXED,
        "version": VERSION_BY_IF_MATCH,
        "createdAt": RECORDED_BY_THE_SERVER,
        "updatedAt": RECORDED_BY_THE_SERVER,
    }

    companyName: str | None = Field(None, min_length=1, max_length=300)
    address: AddressIn | None = None
    kycMode: KycMode | None = Field(None, description="Only MARKETPLACE_LED -> NT24_LED")
    vatNumber: str | None = Field(None, description="The natural key: cannot change")
    status: str | None = Field(None, description=CANNOT_CHANGE)
    uuid: UUID | None = Field(None, description=CANNOT_CHANGE)
    version: int | None = Field(None, description=CANNOT_CHANGE)
    createdAt: datetime | None = Field(None, description=CANNOT_CHANGE)
    updatedAt: datetime | None = Field(None, description=CANNOT_CHANGE)


class BuyerOut(NT24Model):
    uuid: UUID
    vatNumber: str
    companyName: str
    address: Address
    kycMode: KycMode
    status: Literal["ACTIVE", "BLOCKED"]
    version: int
    createdAt: UtcTimestamp
    updatedAt: UtcTimestamp

    @classmethod
    def of(cls, buyer: Buyer) -> BuyerOut:
        return cls(
            uuid=buyer.uuid,
            vatNumber=buyer.vat_number,
            companyName=buyer.company_name,
            address=Address(
                uuid=buyer.address_uuid,
                street=buyer.street,
                postCode=buyer.post_code,
                city=buyer.city,
                country=buyer.country,
            ),
            kycMode=buyer.kyc_mode,
            status=buyer.status,
            version=buyer.version,
            createdAt=buyer.created_at,
            updatedAt=buyer.updated_at,
        )


class BlockRequest(NT24Model):
    # the contract shows no body for the block: one may come with a reason, or none at all
    reason: str | None = Field(None, min_length=1, max_length=500)


def _vat_number(raw: str, field: str = "vatNumber") -> str:
    try:
        return normalize_vat_number(raw).full
    except InvalidVatNumber as exc:
        raise validation_problem([FieldError(field, str(exc), raw)]) from exc


def _apply_address(buyer: Buyer, address: AddressIn) -> None:
    buyer.street, buyer.post_code = address.street, address.postCode
    buyer.city, buyer.country = address.city, address.country


def _same_business_data(buyer: Buyer, body: BuyerUpsert) -> bool:
    return (
        buyer.company_name == body.companyName
        and buyer.kyc_mode == body.kycMode
        and (buyer.street, buyer.post_code, buyer.city, buyer.country)
        == (body.address.street, body.address.postCode, body.address.city, body.address.country)
    )


def _contact_key(contact: ContactIn | BuyerContact) -> tuple[str, str, str, str | None]:
    if isinstance(contact, BuyerContact):
        return (contact.first_name, contact.last_name, contact.email.lower(), contact.phone)
    return (contact.firstName, contact.lastName, str(contact.email).lower(), contact.phone)


def _new_contact(buyer: Buyer, contact: ContactIn) -> BuyerContact:
    return BuyerContact(
        buyer=buyer,
        first_name=contact.firstName,
        last_name=contact.lastName,
        email=str(contact.email),
        phone=contact.phone,
    )


def touch(buyer: Buyer) -> None:
    """Every change of a versioned resource bumps its version."""
    buyer.version += 1
    buyer.updated_at = utcnow()


PURPOSE_LENGTH: int = PiiAccessLog.purpose.type.length  # what the access log keeps of it

XPurpose = Annotated[
    str | None,
    Header(
        alias="X-Purpose",
        max_length=PURPOSE_LENGTH,
        description="Why personal data is accessed (audit)",
    ),
]


async def load_buyer(
    session: AsyncSession,
    scope: PartnerScope,
    buyer_id: UUID,
    *,
    contacts: bool = False,
    lock: bool = False,
) -> Buyer:
    """The caller's buyer under this seller, with its contacts only when asked (the Buyer
    object has none: its business data is read without them); or 404 (another's buyer does
    not exist). A change locks it (``lock``): two edits read at one version are one 200 and
    one 409, never two 200s of which one was lost."""
    buyer = await buyer_of_seller(
        session, scope.tenant, scope.partner.id, buyer_id, contacts=contacts, lock=lock
    )
    if buyer is None:
        raise buyer_not_found(buyer_id)
    return buyer


def buyer_not_found(buyer_id: UUID) -> Problem:
    """The 404 of a buyer that is not the caller's under this seller (or does not exist)."""
    return Problem("not-found", f"Buyer {buyer_id} was not found.")


def _location(scope: PartnerScope, buyer: Buyer) -> str:
    return f"/v1/partners/{scope.partner.uuid}/buyers/{buyer.uuid}"


async def _start_vies_check(
    client: Client, settings: Settings, scope: PartnerScope, buyer: Buyer
) -> None:
    await start_vies_check(
        client,
        settings,
        buyer.uuid,
        buyer.vat_number,
        scope.partner.vat_number,
        ViesTrigger.UPSERT,
    )


async def _repeat_answer(
    client: Client, settings: Settings, scope: PartnerScope, buyer: Buyer, body: BuyerUpsert
) -> JSONResponse:
    """A repeat upsert's answer (``_upsert_answer``). A buyer no VIES check has answered for yet
    may be one whose creation could not start its check (Temporal was away; that upsert
    answered 503): the repeat starts it, as the creation would have. A check that is running
    is left to answer (``IN_PROGRESS``); a buyer checked once is not asked again."""
    answer = _upsert_answer(scope, buyer, body)
    if buyer.vies_last_checked_at is None:
        await _start_vies_check(client, settings, scope, buyer)
    return answer


def _upsert_answer(scope: PartnerScope, buyer: Buyer, body: BuyerUpsert) -> JSONResponse:
    """200 for an identical repeat, 409 with the current resource for a different body."""
    same = _same_business_data(buyer, body) and (
        body.contacts is None
        or sorted(map(_contact_key, body.contacts)) == sorted(map(_contact_key, buyer.contacts))
    )
    current = BuyerOut.of(buyer)
    if not same:
        raise Problem(
            "resource-exists-different-body",
            f"A buyer with VAT number {buyer.vat_number} exists with other data; "
            "change it with PATCH.",
            currentResource=current.model_dump(mode="json", exclude_none=True),
        )
    return versioned(current, buyer.version, status_code=200)


@router.post(
    "",
    response_model=BuyerOut,
    status_code=201,
    summary="Upsert a buyer (create or return the existing one by VAT number)",
    dependencies=[Depends(idempotency_key)],
    responses={
        **CREATED,
        200: {"model": BuyerOut, "description": "Existing buyer returned (identical body)"},
        403: {"description": "capability-required (MARKETPLACE_LED, contacts) or forbidden"},
        409: {"description": "resource-exists-different-body, with currentResource"},
        422: {"description": "validation-error or idempotency-key-reused"},
    },
)
async def upsert_buyer(
    body: BuyerUpsert,
    request: Request,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
    _purpose: XPurpose = None,  # recorded with the contacts' access, as on /contacts
) -> JSONResponse:
    vat_number = _vat_number(body.vatNumber)
    if body.kycMode == "MARKETPLACE_LED":
        require_capability(scope.organization, "allowMarketplaceLedKyc")
    if body.contacts:
        require_capability(scope.organization, "allowContactPersonalData")
    # a repeat compares the contacts only when the body names some
    with_contacts = body.contacts is not None
    async with db.session() as session:
        existing = await buyer_by_vat_number(
            session, scope.tenant, scope.partner.id, vat_number, contacts=with_contacts
        )
    command_started()  # the natural key decides from here: its 409 is the key's answer
    if existing is not None:
        return await _repeat_answer(client, settings, scope, existing, body)
    try:
        async with db.transaction() as session:
            buyer = Buyer(
                organization_id=scope.principal.organization_id,
                partner_id=scope.partner.id,
                vat_number=vat_number,
                company_name=body.companyName,
                kyc_mode=body.kycMode,
                version=0,
            )
            _apply_address(buyer, body.address)
            session.add(buyer)
            for contact in body.contacts or []:
                session.add(_new_contact(buyer, contact))
            await session.flush()
            if body.contacts:
                _log_pii(session, request, scope, buyer, "WRITE")
    except IntegrityError:
        # A concurrent upsert of the same (seller, VAT number) won the race: answer as a repeat.
        async with db.session() as session:
            winner = await buyer_by_vat_number(
                session, scope.tenant, scope.partner.id, vat_number, contacts=with_contacts
            )
        assert winner is not None
        return await _repeat_answer(client, settings, scope, winner, body)
    try:
        await _start_vies_check(client, settings, scope, buyer)
    except TEMPORAL_ERRORS as exc:
        problem = temporal_problem(exc)
        if problem is None or problem.status != 503:
            raise
        # The buyer stays (others may have read it already); the repeat upsert starts its check
        raise unavailable(
            f"Buyer {buyer.uuid} was saved, but its VIES check could not be started: the "
            "workflow service is unavailable. Repeat the upsert to start it."
        ) from exc
    response = versioned(BuyerOut.of(buyer), buyer.version, status_code=201)
    response.headers["Location"] = _location(scope, buyer)
    return response


@router.get(
    "",
    response_model=Page[BuyerOut],
    summary="List buyers",
)
async def list_buyers(
    scope: PartnerAccess,
    db: Db,
    paging: Annotated[
        PageParams,
        Depends(PageParams.sortable("createdAt", "updatedAt", "companyName", "vatNumber")),
    ],
    vatNumber: str | None = None,
    status: Literal["ACTIVE", "BLOCKED"] | None = None,
    kycMode: KycMode | None = None,
    createdAfter: TimestampQuery | None = None,
    updatedAfter: TimestampQuery | None = None,
) -> Page[BuyerOut]:
    vat_number = _vat_number(vatNumber) if vatNumber else None
    only = BuyerFilter(vat_number, status, kycMode, createdAfter, updatedAfter)
    query = buyers_of_seller(scope.tenant, scope.partner.id, only)
    async with db.session() as session:
        return await paging.fetch(session, query, BuyerOut.of)


@router.get(
    "/{buyerId}",
    response_model=BuyerOut,
    summary="Get a buyer (business data only)",
    openapi_extra=IF_NONE_MATCH,
    responses={304: {"description": "Not modified"}, 404: {"description": "not-found"}},
)
async def get_buyer(
    buyerId: UUID,
    request: Request,
    scope: PartnerAccess,
    db: Db,
) -> Response:
    current = partial(buyer_version, scope.tenant, scope.partner.id, buyerId)
    unchanged = await not_modified(request, db, current)
    if unchanged is not None:
        return unchanged
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyerId)
    return versioned(BuyerOut.of(buyer), buyer.version, request=request)


@router.patch(
    "/{buyerId}",
    response_model=BuyerOut,
    summary="Update a buyer, including the KYC mode upgrade A -> B",
    dependencies=[Depends(idempotency_key), Depends(if_match)],
    responses={
        400: {"description": "If-Match missing"},
        409: {"description": "version-mismatch, with currentResource"},
        422: {"description": "validation-error (e.g. a KYC mode downgrade)"},
    },
)
async def patch_buyer(
    buyerId: UUID,
    body: BuyerPatch,
    request: Request,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    buyer = await update_buyer(scope, buyerId, body, expected_version(request), db, client)
    return versioned(BuyerOut.of(buyer), buyer.version)


async def update_buyer(
    scope: PartnerScope,
    buyer_id: UUID,
    body: BuyerPatch,
    expected: int,
    db: Database,
    client: Client,
    source: ChangeSource = ChangeSource.API,
) -> Buyer:
    """Apply a buyer edit read at version ``expected``: shared by the API and the web app."""
    errors = body.fixed_field_errors()
    async with db.transaction() as session:
        buyer = await load_buyer(session, scope, buyer_id, lock=True)
        check_version(expected, buyer.version, BuyerOut.of(buyer))
        if body.kycMode and not may_change_mode(buyer.kyc_mode, body.kycMode):
            errors.append(
                FieldError(
                    "kycMode",
                    "can only be upgraded from MARKETPLACE_LED to NT24_LED, never back",
                    body.kycMode,
                )
            )
        if errors:
            raise validation_problem(errors)
        changed = False
        if body.companyName is not None and body.companyName != buyer.company_name:
            buyer.company_name, changed = body.companyName, True
        if body.address is not None:
            before = (buyer.street, buyer.post_code, buyer.city, buyer.country)
            _apply_address(buyer, body.address)
            changed = changed or before != (
                buyer.street,
                buyer.post_code,
                buyer.city,
                buyer.country,
            )
        if body.kycMode is not None and body.kycMode != buyer.kyc_mode:
            buyer.kyc_mode, changed = body.kycMode, True
        if changed:
            touch(buyer)
    if changed:
        await tell_open_orders(client, db, buyer.uuid, source)
    return buyer


@router.post(
    "/{buyerId}/block",
    response_model=BuyerOut,
    summary="Block a buyer: no new orders, and a blocker on its open orders",
    dependencies=[Depends(idempotency_key)],
)
async def block_buyer(
    buyerId: UUID,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
    body: Annotated[BlockRequest | None, Body()] = None,
) -> JSONResponse:
    buyer = await block(scope, buyerId, body.reason if body else None, db, client)
    return versioned(BuyerOut.of(buyer), buyer.version)


async def block(
    scope: PartnerScope,
    buyer_id: UUID,
    reason: str | None,
    db: Database,
    client: Client,
    source: ChangeSource = ChangeSource.API,
) -> Buyer:
    """Block the buyer and tell its open orders: shared by the API and the web app."""
    async with db.transaction() as session:
        buyer = await load_buyer(session, scope, buyer_id, lock=True)
        if buyer.status != "BLOCKED":
            buyer.status, buyer.blocked_reason = "BLOCKED", reason
            touch(buyer)
    # every time, not only when newly blocked: a repeat tells the orders a first one missed
    await tell_open_orders(client, db, buyer.uuid, source)  # they show a blocker now
    return buyer


def _access_purpose(request: Request) -> str | None:
    """The request's X-Purpose, as the personal-data access log keeps it. The API's endpoints
    declare the header (``XPurpose``); the web app calls them as functions, so the log checks
    it too: a longer one is a 422 naming X-Purpose, raised before anything is stored."""
    purpose = request.headers.get("x-purpose")
    if purpose is not None and len(purpose) > PURPOSE_LENGTH:
        message = f"String should have at most {PURPOSE_LENGTH} characters"
        raise validation_problem([FieldError("X-Purpose", message, purpose)])
    return purpose


def _log_pii(
    session: AsyncSession, request: Request, scope: PartnerScope, buyer: Buyer, action: str
) -> None:
    """One entry of the personal-data access log; raising (in the caller's transaction, which
    then stores nothing) when the request's X-Purpose does not fit it."""
    session.add(
        PiiAccessLog(
            organization_id=scope.principal.organization_id,
            actor=scope.principal.client_id,
            action=action,
            resource=request.url.path,
            buyer_id=buyer.id,
            purpose=_access_purpose(request),
            trace_id=trace_id(request),
        )
    )


@router.get(
    "/{buyerId}/contacts",
    response_model=list[Contact],
    response_model_exclude_none=True,
    summary="List contact persons (personal data; every read is logged)",
    responses={403: {"description": "capability-required: allowContactPersonalData"}},
)
async def list_contacts(
    buyerId: UUID,
    request: Request,
    scope: PartnerAccess,
    db: Db,
    _purpose: XPurpose = None,
) -> list[Contact]:
    require_capability(scope.organization, "allowContactPersonalData")
    async with db.transaction() as session:
        buyer = await load_buyer(session, scope, buyerId, contacts=True)
        _log_pii(session, request, scope, buyer, "READ")
    return [_contact_out(c) for c in buyer.contacts]


def _contact_out(contact: BuyerContact) -> Contact:
    return Contact(
        uuid=contact.uuid,
        firstName=contact.first_name,
        lastName=contact.last_name,
        email=contact.email,
        phone=contact.phone,
        createdAt=contact.created_at,
    )


@router.post(
    "/{buyerId}/contacts",
    response_model=Contact,
    response_model_exclude_none=True,
    status_code=201,
    summary="Add a contact person",
    dependencies=[Depends(idempotency_key)],
    responses={**CREATED, 403: {"description": "capability-required: allowContactPersonalData"}},
)
async def add_contact(
    buyerId: UUID,
    body: ContactIn,
    request: Request,
    response: Response,
    scope: PartnerAccess,
    db: Db,
    _purpose: XPurpose = None,
) -> Contact:
    require_capability(scope.organization, "allowContactPersonalData")
    async with db.transaction() as session:
        buyer = await load_buyer(session, scope, buyerId)
        contact = _new_contact(buyer, body)
        session.add(contact)
        _log_pii(session, request, scope, buyer, "WRITE")
        await session.flush()
    # no read of one contact: the buyer's contacts list it
    response.headers["Location"] = f"{_location(scope, buyer)}/contacts"
    return _contact_out(contact)
