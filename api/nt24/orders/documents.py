"""Order documents: uploads for every module (invoice, payment, transport, order-level), the
list of an order's documents, and the exact bytes back.

An upload is checked by its bytes (PDF parses, not encrypted, within limits; images by their
magic numbers), stored in the content-addressed document store, and attached to the order by
an Update carrying only its metadata and sha256. Article 45a counts transport evidence by
independent issuing party, so every upload says who issued it (``issuerType``, ``issuerName``,
``issuerId``: the issuer's VAT or registration number) and may name the VINs it covers
(``vins``; absent: all of the order's). A transport document may also state where the transport
began and ended (``originCountry``, ``destinationCountry``: a CMR's places of taking over and of
delivery); the compliance rules count them as stated facts. A new document supersedes an earlier
active one of its type only when it covers every VIN that one covers: the order workflow sets
the status, and the list shows it (docs/documents-and-export-file.md).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID, uuid4

import structlog
from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError, WithJsonSchema, field_validator
from starlette.datastructures import UploadFile as StarletteUploadFile
from temporalio.client import Client

from api.nt24.identity.auth import PartnerAccess, PartnerScope
from api.nt24.orders.commands import answer_body, closed_order, order_view, run_command
from api.nt24.schemas import NT24Model, UtcTimestamp
from api.nt24.values import country_code, latest_today
from api.shared.deps import AppSettings, Db, Temporal, app_settings
from api.shared.errors import FieldError, Problem, validation_problem
from api.shared.idempotency import idempotency_key
from api.shared.input_limits import NUL_TEXT, SENT_ONCE
from api.shared.locations import CREATED
from api.shared.versioning import IF_NONE_MATCH, unchanged
from settings import Settings
from store.db import Database
from store.documents import (
    SERVED_TYPES,
    BlobCorrupted,
    BlobNotFound,
    DocumentStore,
    InspectedUpload,
    UnacceptableDocument,
    UploadLimits,
    display_name,
    inspect_upload,
    without_format_characters,
)
from store.models import Document, Order
from store.orders.queries import document_names_blob, order_document, order_documents, order_vins
from workflows.change_source import ChangeSource
from workflows.orders.model import AttachDocument, DocumentRef
from workflows.orders.workflow import OrderWorkflow

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/v1/partners/{sellerId}/orders/{uuid}", tags=["NT24: documents"])

IssuerType = Literal[
    "SELLER",
    "BUYER",
    "CARRIER",
    "PUBLIC_AUTHORITY",
    "NOTARY",
    "INSURER",
    "BANK",
    "WAREHOUSE_KEEPER",
    "OTHER",
]

# Each document type: the module it belongs to and who issues it unless the upload says.
DOCUMENT_TYPES: dict[str, tuple[str, str]] = {
    "SHIPMENT_PRELIMINARY_INVOICE": ("invoice", "SELLER"),
    "SHIPMENT_INVOICE": ("invoice", "SELLER"),
    "PAYMENT_BANK_TRANSFER_SCREENSHOT": ("payment", "BUYER"),
    "PAYMENT_CONFIRMATION": ("payment", "BANK"),
    "PAYMENT_SOURCE_OF_FUNDS_DECLARATION": ("payment", "BUYER"),
    "TRANSPORT_CMR": ("transport", "CARRIER"),
    "TRANSPORT_PICKUP_DECLARATION": ("transport", "BUYER"),
    "TRANSPORT_PICTURE_OF_TRANSPORT": ("transport", "OTHER"),
    "TRANSPORT_CMR_DELIVERY": ("transport", "CARRIER"),
    "TRANSPORT_CONFIRMATION_OF_ARRIVAL": ("transport", "BUYER"),
    # Ours (section 17 of the contract lets order-level documents carry any evidence):
    "BUYER_TRANSPORT_STATEMENT": ("transport", "BUYER"),
    "NATIONAL_ARRIVAL_CONFIRMATION": ("transport", "BUYER"),
    "TRANSPORT_FORWARDER_INVOICE": ("transport", "CARRIER"),
    "TRANSPORT_INSURANCE_POLICY": ("transport", "INSURER"),
    "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT": ("transport", "BANK"),
    "TRANSPORT_PUBLIC_AUTHORITY_DOCUMENT": ("transport", "PUBLIC_AUTHORITY"),
    "TRANSPORT_WAREHOUSE_RECEIPT": ("transport", "WAREHOUSE_KEEPER"),
    "ORDER_OTHER": ("order", "OTHER"),
}


if TYPE_CHECKING:  # a type checker cannot read a Literal made at run time: the values' type
    DocumentType = str
else:  # the types an upload takes, inline in /openapi.json (a list filter's enumeration)
    DocumentType = Literal[tuple(DOCUMENT_TYPES)]


# The upload's date: checked with the other fields (a 422 naming it, an empty field as none),
# declared as a date like every JSON body's date
FormDate = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


def document_type_field(types: Collection[str], description: str) -> Any:
    """The upload's ``type`` form field: a string checked with the other fields (a 422 naming
    it), declared as the enumeration of the types the endpoint takes."""
    return Form(description=description, json_schema_extra={"enum": list(types)})


ISSUER_ID_MAX = 64
ISSUER_NAME_MAX = 300


class DocumentOut(NT24Model):
    uuid: UUID
    type: str
    documentDate: date | None = None
    issuerType: IssuerType
    issuerName: str | None = None
    issuerId: str | None = None
    vins: list[str] | None = Field(None, description="The VINs it covers; absent: all")
    originCountry: str | None = Field(None, description="Where the transport began, as stated")
    destinationCountry: str | None = Field(None, description="Where the transport ended, as stated")
    fileName: str
    contentType: str
    size: int
    sha256: str
    status: Literal["ACTIVE", "SUPERSEDED"]
    createdAt: UtcTimestamp | None = None


class _UploadFields(NT24Model):
    """The form fields, validated like a JSON body so errors name the field."""

    type: str
    documentDate: date | None = None
    issuerType: IssuerType | None = None
    # checked here too: the web app and the upload page send their fields through this model
    issuerName: str | None = Field(None, max_length=ISSUER_NAME_MAX)
    issuerId: str | None = Field(None, max_length=ISSUER_ID_MAX)
    originCountry: str | None = None
    destinationCountry: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(NUL_TEXT)
        return value

    @field_validator("issuerName")
    @classmethod
    def _issuer_name_as_shown(cls, value: str | None) -> str | None:
        # a name is stored as it reads: an invisible character would make the seller's name
        # another's wherever it is compared
        return None if value is None else without_format_characters(value) or None

    @field_validator("issuerId", mode="before")
    @classmethod
    def _normalise_issuer_id(cls, value: object) -> object:
        return normalise_issuer_id(value) if isinstance(value, str) else value

    @field_validator("originCountry", "destinationCountry")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return None if value is None else country_code(value)


def normalise_issuer_id(value: str) -> str | None:
    """A VAT or registration number as one spelling: upper case, no spaces nor format
    characters (a zero-width space); blank is None."""
    normalised = "".join(without_format_characters(value).split()).upper()
    return normalised or None


def requested_vins(values: list[str] | None) -> list[str]:
    """The ``vins`` form values: repeated fields, comma-separated, or both; blanks dropped."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


async def covered_vins(db: Database, order_id: int, requested: list[str]) -> list[str] | None:
    """The order's spelling of each requested VIN (case-insensitive, duplicates once, in the
    order's order); None when none was named: the document covers all of them, and the VINs
    are not read. An unknown VIN is a 422 naming ``vins``."""
    if not requested:
        return None
    vins = await order_vins(db, order_id)
    spelling = {vin.upper(): vin for vin in vins}
    unknown = [v for v in requested if v.upper() not in spelling]
    if unknown:
        raise validation_problem(
            [FieldError("vins", f"{', '.join(unknown)}: not a VIN of this order", unknown)]
        )
    named = {v.upper() for v in requested}
    return [vin for vin in vins if vin.upper() in named]


# The form fields an upload takes once; only ``vins`` may repeat
SINGLE_VALUED_FIELDS = (*_UploadFields.model_fields, "file")


async def single_valued_fields(request: Request) -> None:
    """A 422 naming each single-valued field an upload form repeats: the form parser would
    keep the last one and drop the others silently (a document stored as another type)."""
    form = await request.form()  # parsed once: the endpoint's own fields read the same
    counted = Counter(name for name, _ in form.multi_items())
    repeated = [name for name in SINGLE_VALUED_FIELDS if counted[name] > 1]
    if repeated:
        raise validation_problem(
            [FieldError(name, SENT_ONCE, _sent(form.getlist(name))) for name in repeated]
        )


def _sent(values: list[str | StarletteUploadFile]) -> list[str | None]:
    """A repeated field's values as a refusal shows them: a file by its name."""
    return [
        value
        if isinstance(value, str)
        else display_name(value.filename)
        if value.filename
        else None
        for value in values
    ]


def document_types_for(module: str | None) -> list[str]:
    """The types an upload to ``module`` takes (None: the order's own upload, every type)."""
    return [t for t, (mod, _) in DOCUMENT_TYPES.items() if module is None or mod == module]


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose form fields and bytes passed every check; nothing is stored yet."""

    type: str
    document_date: date | None
    issuer_type: str | None
    issuer_name: str | None
    file_name: str
    data: bytes
    inspected: InspectedUpload
    issuer_id: str | None = None
    origin_country: str | None = None
    destination_country: str | None = None

    @asynccontextmanager
    async def stored(self, settings: Settings, db: Database) -> AsyncIterator[None]:
        """The bytes in the document store while the write naming them runs (stored before
        it: a row must never name bytes that are not there).

        A refused write (a 4xx, or ``UploadRefused``) names nothing: bytes this upload put
        there are removed again, unless a document is those bytes meanwhile (the store is by
        sha256: a concurrent upload of the same file shares them), so a refused upload leaves
        no trace. Bytes that were there before stay, and so do they after a 5xx or a timeout,
        when the write may still be applied. After a write that went through they are put
        back, should a concurrent refused upload of the same bytes have just removed them."""
        store = DocumentStore(settings.effective_document_store_dir)
        blob = await asyncio.to_thread(store.put, self.data)
        try:
            yield
        except (Problem, UploadRefused) as refusal:
            if isinstance(refusal, UploadRefused) or refusal.status < 500:
                await self._forget(store, db, blob.sha256 if blob.created else None)
            raise
        if not await asyncio.to_thread(store.exists, blob.sha256):
            await asyncio.to_thread(store.put, self.data)

    async def _forget(self, store: DocumentStore, db: Database, created: str | None) -> None:
        if created is not None and not await document_names_blob(db, created):
            await asyncio.to_thread(store.remove, created)


class UploadRefused(Exception):
    """A write ``CheckedUpload.stored`` guards was refused without a problem raised: it names
    nothing (the self-service page answers such a refusal with a page of its own)."""


async def check_upload(
    settings: Settings,
    allowed_types: Collection[str],
    *,
    type_: str,
    document_date: str | None,
    issuer_type: str | None,
    issuer_name: str | None,
    file: StarletteUploadFile,  # the web app's form hands in its base class
    issuer_id: str | None = None,
    origin_country: str | None = None,
    destination_country: str | None = None,
) -> CheckedUpload:
    """Check a multipart upload's fields and bytes; a 422 naming the field refuses it.

    Every check runs before anything is written, so a refused upload leaves no trace; a write
    refused after the bytes were stored removes them again (``CheckedUpload.stored``).
    """
    try:
        fields = _UploadFields(
            type=type_,
            documentDate=document_date or None,
            issuerType=issuer_type or None,
            issuerName=issuer_name or None,
            issuerId=issuer_id or None,
            originCountry=origin_country or None,
            destinationCountry=destination_country or None,
        )
    except ValidationError as exc:
        raise validation_problem(
            [
                FieldError(str(e["loc"][0]), e["msg"].removeprefix("Value error, "), e.get("input"))
                for e in exc.errors(include_url=False)
            ]
        ) from exc
    if fields.type not in allowed_types:
        raise validation_problem(
            [FieldError("type", f"must be one of {', '.join(allowed_types)}", fields.type)]
        )
    data = await file.read(settings.max_upload_bytes + 1)
    try:
        # parsing a large PDF is CPU work: keep it off the event loop
        inspected = await asyncio.to_thread(
            inspect_upload,
            data,
            file.filename or "",
            file.content_type,
            UploadLimits.from_settings(settings),
        )
    except UnacceptableDocument as exc:
        rejected = display_name(file.filename) if file.filename else None
        raise validation_problem([FieldError("file", str(exc), rejected)]) from exc
    return CheckedUpload(
        type=fields.type,
        document_date=fields.documentDate,
        issuer_type=fields.issuerType,
        issuer_name=fields.issuerName,
        file_name=display_name(file.filename),
        data=data,
        inspected=inspected,
        issuer_id=fields.issuerId,
        origin_country=fields.originCountry,
        destination_country=fields.destinationCountry,
    )


async def upload_document(
    *,
    module: str | None,
    request: Request,
    scope: PartnerScope,
    db: Database,
    client: Client,
    order_uuid: UUID,
    type_: str,
    document_date: str | None,
    issuer_type: str | None,
    issuer_name: str | None,
    file: StarletteUploadFile,  # the web app's form hands in its base class
    source: ChangeSource = ChangeSource.API,
    issuer_id: str | None = None,
    vins: list[str] | None = None,
    origin_country: str | None = None,
    destination_country: str | None = None,
) -> JSONResponse:
    settings = app_settings(request)
    upload = await check_upload(
        settings,
        document_types_for(module),
        type_=type_,
        document_date=document_date,
        issuer_type=issuer_type,
        issuer_name=issuer_name,
        file=file,
        issuer_id=issuer_id,
        origin_country=origin_country,
        destination_country=destination_country,
    )
    if upload.document_date is not None and upload.document_date > latest_today():
        # an order's paper dated ahead attests what has not happened (a CMR signed at a
        # delivery to come); a KYC document's date may be its expiry, and is not held to this
        raise validation_problem(
            [FieldError("documentDate", "must not be in the future", document_date)]
        )
    row = await order_view(db, scope, order_uuid, Order.id, Order.workflow_id)
    covered = await covered_vins(db, row.id, requested_vins(vins))
    doc_module, default_issuer = DOCUMENT_TYPES[upload.type]
    document = DocumentRef(
        uuid=str(uuid4()),
        module=doc_module,
        type=upload.type,
        document_date=upload.document_date,
        issuer_type=upload.issuer_type or default_issuer,
        issuer_type_stated=upload.issuer_type is not None,
        issuer_name=upload.issuer_name,
        file_name=upload.file_name,
        content_type=upload.inspected.content_type,
        size=upload.inspected.size,
        sha256=upload.inspected.sha256,
        pages=upload.inspected.pages,
        source=source,
        issuer_id=upload.issuer_id,
        vins=covered,
        origin_country=upload.origin_country,
        destination_country=upload.destination_country,
    )
    async with upload.stored(settings, db):  # a refused command leaves no file behind
        result = await run_command(
            client,
            row.workflow_id,
            OrderWorkflow.attach_document,
            AttachDocument(document, source=source),
            closed=closed_order(db, row.workflow_id),
        )
    content = f"/v1/partners/{scope.partner.uuid}/orders/{order_uuid}/documents/{document.uuid}"
    return JSONResponse(
        answer_body(result), status_code=201, headers={"Location": f"{content}/content"}
    )


def upload_route(module: str | None, path: str, summary: str) -> None:
    """Register ``POST {path}`` for the document types of ``module`` (None: every type)."""
    types = document_types_for(module)

    @router.post(
        path,
        response_model=DocumentOut,
        status_code=201,
        summary=summary,
        description=f"Multipart upload. `type` is one of: {', '.join(types)}.",
        dependencies=[Depends(idempotency_key), Depends(single_valued_fields)],
        responses={
            **CREATED,
            409: {"description": "conflict: the order is cancelled or finished"},
            422: {
                "description": "validation-error naming type, documentDate, issuerId, vins, "
                "originCountry, destinationCountry or file (also a field sent more than once; "
                "only vins may repeat)"
            },
        },
        name=f"upload_{module or 'order'}_document",
    )
    async def upload(
        uuid: UUID,
        request: Request,
        scope: PartnerAccess,
        db: Db,
        client: Temporal,
        file: Annotated[UploadFile, File(description="PDF or image")],
        # a default, not an annotation: annotations are strings here (postponed evaluation),
        # read in the module's namespace, where this endpoint's types are not
        type: str = document_type_field(types, "The document type"),
        documentDate: Annotated[
            FormDate | None,
            Form(description="YYYY-MM-DD, not in the future (the latest today, UTC+14)"),
        ] = None,
        issuerType: Annotated[IssuerType | None, Form()] = None,
        issuerName: Annotated[str | None, Form(max_length=ISSUER_NAME_MAX)] = None,
        issuerId: Annotated[
            str | None,
            Form(
                description="The issuer's VAT or registration number (stored upper case, "
                f"without spaces; at most {ISSUER_ID_MAX} characters)"
            ),
        ] = None,
        vins: Annotated[
            list[str] | None,
            Form(
                description="The order's VINs the document covers (repeat the field, or "
                "separate by commas); absent: all of them"
            ),
        ] = None,
        originCountry: Annotated[
            str | None,
            Form(
                description="Where the transport began as the document states it (a CMR's "
                "place of taking over): ISO 3166-1 alpha-2, any case; EL is stored as GR"
            ),
        ] = None,
        destinationCountry: Annotated[
            str | None,
            Form(
                description="Where the transport ended as the document states it (a CMR's "
                "place of delivery): ISO 3166-1 alpha-2, any case; EL is stored as GR"
            ),
        ] = None,
    ) -> JSONResponse:
        return await upload_document(
            module=module,
            request=request,
            scope=scope,
            db=db,
            client=client,
            order_uuid=uuid,
            type_=type,
            document_date=documentDate,
            issuer_type=issuerType,
            issuer_name=issuerName,
            file=file,
            issuer_id=issuerId,
            vins=vins,
            origin_country=originCountry,
            destination_country=destinationCountry,
        )


upload_route("invoice", "/invoice/documents", "Upload the invoice PDF")
upload_route("payment", "/payment/documents", "Upload a proof of payment")
upload_route("transport", "/transport/documents", "Upload a transport document")
upload_route(None, "/documents", "Upload a document to the order (any type)")


@router.get(
    "/documents",
    response_model=list[DocumentOut],
    response_model_exclude_none=True,
    summary="List the order's documents",
)
async def list_documents(
    uuid: UUID,
    scope: PartnerAccess,
    db: Db,
    type: DocumentType | None = None,
    status: Literal["ACTIVE", "SUPERSEDED"] | None = None,
) -> list[DocumentOut]:
    row = await order_view(db, scope, uuid, Order.id)
    return [document_out(d) for d in await order_documents(db, row.id, type, status)]


def document_out(document: Document) -> DocumentOut:
    return DocumentOut(
        uuid=document.uuid,
        type=document.type,
        documentDate=document.document_date,
        issuerType=document.issuer_type,
        issuerName=document.issuer_name,
        issuerId=document.issuer_id,
        vins=document.vins,
        originCountry=document.origin_country,
        destinationCountry=document.destination_country,
        fileName=display_name(document.file_name),
        contentType=document.content_type,
        size=document.size,
        sha256=document.sha256,
        status=document.status,
        createdAt=document.created_at,
    )


# A stored file's damage, as ``stored_bytes`` answers it
DAMAGED_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "not-found: no such file, or its bytes are missing from the store"},
    409: {"description": "conflict: the stored bytes are no longer those sealed at upload"},
}

# A download's answers: its bytes, or a 304 when If-None-Match names their sha256 (the ETag)
CONTENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}, "image/*": {}}},
    304: {"description": "Not modified (If-None-Match)"},
    **DAMAGED_FILE_RESPONSES,
}


@router.get(
    "/documents/{documentUuid}/content",
    summary="Download a document: the exact bytes uploaded",
    response_class=Response,
    openapi_extra=IF_NONE_MATCH,
    responses=CONTENT_RESPONSES,
)
async def document_content(
    uuid: UUID,
    documentUuid: UUID,
    request: Request,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
) -> Response:
    row = await order_view(db, scope, uuid, Order.id)
    document = await order_document(db, row.id, documentUuid)
    if document is None:
        raise Problem("not-found", f"Document {documentUuid} was not found.")
    return await document_content_response(settings, document, request)


async def document_content_response(
    settings: Settings, document: Document, request: Request
) -> Response:
    """The document's exact bytes as a download: the media type its bytes were verified as
    at upload (anything else would be served as opaque bytes), never sniffed by the browser.
    Its ETag is the bytes' sha256: an If-None-Match naming it is a 304, the bytes not read."""
    tag = f'"{document.sha256}"'
    if (not_changed := unchanged(request, tag)) is not None:
        return not_changed
    data = await stored_bytes(settings, document.sha256, document.file_name)
    verified = document.content_type in SERVED_TYPES
    return Response(
        data,
        media_type=document.content_type if verified else "application/octet-stream",
        headers={
            "Content-Disposition": attachment(document.file_name),
            "ETag": tag,
            "X-Content-Type-Options": "nosniff",
        },
    )


async def stored_bytes(settings: Settings, sha256: str, file_name: str) -> bytes:
    """A stored file's bytes, or the Problem an integrator or operator can act on: a file
    missing from the store (404), or one whose bytes are no longer those sealed when it was
    added (409, never served as evidence). Either is the store's damage, logged for the
    operators who restore it from the backup."""
    store = DocumentStore(settings.effective_document_store_dir)
    try:
        return await asyncio.to_thread(store.get, sha256)
    except BlobCorrupted:
        log.error("document_store.file_corrupted", sha256=sha256, file_name=file_name)
        raise Problem(
            "conflict",
            f"The stored file of {display_name(file_name)} is no longer the one sealed when "
            "it was added: it is not served as evidence until it is restored.",
        ) from None
    except BlobNotFound:
        log.error("document_store.file_missing", sha256=sha256, file_name=file_name)
        raise Problem(
            "not-found",
            f"The file of {display_name(file_name)} is missing from the document store "
            "until it is restored.",
        ) from None


def attachment(file_name: str) -> str:
    """A Content-Disposition any client can read, whatever characters the name has (RFC 6266):
    ``filename*`` carries the display name in UTF-8, ``filename`` an ASCII stand-in for old
    clients; both of the sanitised name, so no folder, quote or line break gets through."""
    name = display_name(file_name)
    ascii_name = "".join(c if c.isascii() and c not in '"\\%' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
