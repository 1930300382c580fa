"""KYC documents of a buyer (K4 and section 17 of the contract): upload, list, download.

They are the buyer's evidence, not an order's: ``Document`` rows with the buyer and no order,
written by the API directly (no workflow owns a buyer). Per type only the newest upload is
ACTIVE and counts for the KYC status; older ones become SUPERSEDED and stay for the audit.
Uploading is open to every integrator; reading them back needs ``allowKycDocumentDownload``,
as they carry personal data (identity documents of the buyer's representatives).
The types and the completeness rule: docs/kyc.md.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from sqlalchemy.orm import Session
from temporalio.client import Client

from activities.buyers.buyer_orders import tell_open_orders
from api.nt24.buyers.buyers import buyer_not_found, load_buyer
from api.nt24.identity.auth import PartnerAccess, PartnerScope, require_capability
from api.nt24.orders.documents import (
    CONTENT_RESPONSES,
    ISSUER_ID_MAX,
    ISSUER_NAME_MAX,
    CheckedUpload,
    DocumentOut,
    FormDate,
    IssuerType,
    check_upload,
    document_content_response,
    document_out,
    document_type_field,
    single_valued_fields,
)
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.errors import Problem
from api.shared.idempotency import idempotency_key
from api.shared.locations import CREATED
from api.shared.versioning import IF_NONE_MATCH
from settings import Settings
from store.buyers.buyers import KYC_MODULE
from store.buyers.queries import (
    buyer_columns,
    kyc_document,
    kyc_documents,
    supersede_kyc_documents,
)
from store.db import Database
from store.models import Buyer, Document
from workflows.buyers.rules.kyc import KYC_DOCUMENT_TYPES
from workflows.change_source import ChangeSource

router = APIRouter(
    prefix="/v1/partners/{sellerId}/buyers/{buyerId}/kyc/documents", tags=["NT24: KYC"]
)

DOWNLOAD_CAPABILITY = "allowKycDocumentDownload"

if TYPE_CHECKING:  # a type checker cannot read a Literal made at run time: the values' type
    KycDocumentType = str
else:  # the types an upload takes, inline in /openapi.json (the list filter's enumeration)
    KycDocumentType = Literal[tuple(KYC_DOCUMENT_TYPES)]


@router.post(
    "",
    response_model=DocumentOut,
    response_model_exclude_none=True,
    status_code=201,
    summary="Upload a KYC document (a newer one of the same type supersedes the older)",
    dependencies=[Depends(idempotency_key), Depends(single_valued_fields)],
    responses={
        **CREATED,
        404: {"description": "not-found: no such buyer of this seller"},
        422: {
            "description": "validation-error naming type, documentDate, issuerId or file "
            "(also a field sent more than once)"
        },
    },
)
async def upload_kyc_document(
    buyerId: UUID,
    settings: AppSettings,
    response: Response,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
    type: Annotated[
        str, document_type_field(KYC_DOCUMENT_TYPES, f"One of: {', '.join(KYC_DOCUMENT_TYPES)}")
    ],
    file: Annotated[UploadFile, File(description="PDF or image")],
    documentDate: Annotated[FormDate | None, Form(description="YYYY-MM-DD")] = None,
    issuerType: Annotated[IssuerType | None, Form()] = None,
    issuerName: Annotated[str | None, Form(max_length=ISSUER_NAME_MAX)] = None,
    issuerId: Annotated[
        str | None,
        Form(
            description="The issuer's VAT or registration number (stored upper case, "
            f"without spaces; at most {ISSUER_ID_MAX} characters)"
        ),
    ] = None,
) -> DocumentOut:
    upload = await check_upload(
        settings,
        KYC_DOCUMENT_TYPES,
        type_=type,
        document_date=documentDate,
        issuer_type=issuerType,
        issuer_name=issuerName,
        file=file,
        issuer_id=issuerId,
    )
    document = await add_kyc_document(scope, buyerId, upload, settings, db, client)
    response.headers["Location"] = (
        f"/v1/partners/{scope.partner.uuid}/buyers/{buyerId}/kyc/documents/{document.uuid}/content"
    )
    return document_out(document)


async def add_kyc_document(
    scope: PartnerScope,
    buyer_id: UUID,
    upload: CheckedUpload,
    settings: Settings,
    db: Database,
    client: Client,
    source: ChangeSource = ChangeSource.API,
) -> Document:
    """Store a checked upload as the buyer's KYC document: shared by the API and the web app."""
    # the buyer first, so that a 404 stores nothing; then the bytes, before the row naming them
    buyer = await db.read(buyer_columns(scope.tenant, scope.partner.id, buyer_id, Buyer.id))
    if buyer is None:
        raise buyer_not_found(buyer_id)
    async with upload.stored(settings, db):
        # one transaction in one trip: on SQLite one hop to its writer thread, not several
        document = await db.run_transaction(partial(write_kyc_document, buyer.id, upload, source))
    await tell_open_orders(client, db, buyer_id, source)  # completeness may have changed
    return document


def write_kyc_document(
    buyer_id: int, upload: CheckedUpload, source: str, session: Session
) -> Document:
    """In the caller's transaction: the upload becomes the ACTIVE document of its type and
    supersedes the one before. The self-service page writes through here too, in the
    transaction that counts the upload on its invitation. The caller has stored the bytes
    before (a blob without a row is harmless; a row without its blob would be lost evidence)
    and tells open orders after."""
    # The buyer's row stays locked until commit: concurrent uploads of one type then supersede
    # one another in turn instead of both staying ACTIVE.
    buyer = session.get_one(Buyer, buyer_id, with_for_update=True)  # buyers are never deleted
    supersede_kyc_documents(session, buyer.id, upload.type)
    document = Document(
        uuid=uuid4(),
        organization_id=buyer.organization_id,
        buyer_id=buyer.id,
        module=KYC_MODULE,
        type=upload.type,
        document_date=upload.document_date,
        issuer_type=upload.issuer_type or KYC_DOCUMENT_TYPES[upload.type],
        issuer_name=upload.issuer_name,
        issuer_id=upload.issuer_id,
        file_name=upload.file_name,
        content_type=upload.inspected.content_type,
        size=upload.inspected.size,
        sha256=upload.inspected.sha256,
        pages=upload.inspected.pages,
        status="ACTIVE",
        source=source,
    )
    session.add(document)
    session.flush()
    return document


@router.get(
    "",
    response_model=list[DocumentOut],
    response_model_exclude_none=True,
    summary="List the buyer's KYC documents, superseded ones included",
    responses={403: {"description": "capability-required: allowKycDocumentDownload"}},
)
async def list_kyc_documents(
    buyerId: UUID,
    scope: PartnerAccess,
    db: Db,
    type: KycDocumentType | None = None,
    status: Literal["ACTIVE", "SUPERSEDED"] | None = None,
) -> list[DocumentOut]:
    require_capability(scope.organization, DOWNLOAD_CAPABILITY)
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyerId, contacts=False)
        documents = await kyc_documents(session, buyer.id, type, status)
    return [document_out(d) for d in documents]


@router.get(
    "/{documentUuid}/content",
    summary="Download a KYC document: the exact bytes uploaded",
    response_class=Response,
    openapi_extra=IF_NONE_MATCH,
    responses={
        **CONTENT_RESPONSES,
        403: {"description": "capability-required: allowKycDocumentDownload"},
    },
)
async def kyc_document_content(
    buyerId: UUID,
    documentUuid: UUID,
    request: Request,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
) -> Response:
    require_capability(scope.organization, DOWNLOAD_CAPABILITY)
    async with db.session() as session:
        buyer = await load_buyer(session, scope, buyerId, contacts=False)
        document = await kyc_document(session, buyer.id, documentUuid)
    if document is None:
        raise Problem("not-found", f"Document {documentUuid} was not found.")
    return await document_content_response(settings, document, request)
