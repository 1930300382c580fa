"""Finalization (section 10): the final invoice once the decision is known, the Export File's
status, every version's PDF, and regeneration."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from api.nt24.identity.auth import PartnerAccess
from api.nt24.orders.commands import answer_body, closed_order, order_view, run_command
from api.nt24.orders.compliance import DecisionValue
from api.nt24.orders.documents import DAMAGED_FILE_RESPONSES, attachment, stored_bytes
from api.nt24.orders.invoices import InvoiceIn, InvoiceOut, submit
from api.nt24.schemas import NT24Model, UtcTimestamp
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.errors import Problem
from api.shared.idempotency import idempotency_key
from api.shared.input_limits import NonNegativeInt32
from api.shared.locations import CREATED
from store.models import Order
from store.orders.queries import export_file_version
from workflows.orders import model as m
from workflows.orders.workflow import OrderWorkflow

router = APIRouter(
    prefix="/v1/partners/{sellerId}/orders/{uuid}/finalization", tags=["NT24: finalization"]
)


class FinalInvoiceIn(InvoiceIn):
    type: Literal["FINAL"] = "FINAL"


class SupersededVersion(NT24Model):
    version: int
    generatedAt: UtcTimestamp
    archivedReason: str
    downloadUrl: str | None = None


class ExportFileOut(NT24Model):
    status: Literal["NOT_ELIGIBLE", "PENDING", "GENERATING", "READY", "FAILED"]
    version: int | None = None
    downloadUrl: str | None = None
    generatedAt: UtcTimestamp | None = None
    decision: DecisionValue | None = None
    supersededVersions: list[SupersededVersion] = []


@router.post(
    "/final-invoice",
    response_model=InvoiceOut,
    status_code=201,
    summary="Submit the final invoice (once the decision is known; regenerates the Export File)",
    dependencies=[Depends(idempotency_key)],
    responses={
        **CREATED,
        409: {"description": "no decision yet, or a different final invoice exists"},
        422: {"description": "VAT_APPLICABLE needs vatIncluded: true"},
    },
)
async def final_invoice(
    uuid: UUID,
    body: FinalInvoiceIn,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    return await submit(client, db, scope, uuid, body.model())


@router.get(
    "/export-file",
    response_model=ExportFileOut,
    response_model_exclude_none=True,
    summary="The Export File: status, version, download URL, superseded versions",
)
async def export_file(
    uuid: UUID,
    scope: PartnerAccess,
    db: Db,
) -> JSONResponse:
    row = await order_view(db, scope, uuid, Order.export_file)
    return JSONResponse(row.export_file)


@router.get(
    "/export-file/versions/{version}/content",
    summary="Download one version of the Export File (PDF)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **DAMAGED_FILE_RESPONSES},
)
async def export_file_content(
    uuid: UUID,
    version: NonNegativeInt32,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
) -> Response:
    row = await order_view(db, scope, uuid, Order.id, Order.external_order_id)
    export = await export_file_version(db, row.id, version)
    if export is None:
        raise Problem("not-found", f"Export File version {version} was not found.")
    name = f"export-file-{row.external_order_id}-v{version}.pdf"
    pdf = await stored_bytes(settings, export.sha256, name)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": attachment(name)},
    )


@router.post(
    "/regenerate-export",
    response_model=ExportFileOut,
    status_code=202,
    summary="Regenerate the Export File (a new version; earlier ones stay downloadable)",
    dependencies=[Depends(idempotency_key)],
    responses={409: {"description": "NOT_ELIGIBLE: compliance is not terminal yet"}},
)
async def regenerate_export(
    uuid: UUID,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    row = await order_view(db, scope, uuid, Order.workflow_id)
    result = await run_command(
        client,
        row.workflow_id,
        OrderWorkflow.regenerate_export,
        m.RegenerateExport(),
        closed=closed_order(db, row.workflow_id),
    )
    return JSONResponse(answer_body(result), status_code=202)
