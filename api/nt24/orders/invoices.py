"""The order's invoices (section 6): either type by POST (a FINAL one also through the
finalization), either by PATCH, read as a list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from temporalio.client import Client

from api.nt24.identity.auth import PartnerAccess, PartnerScope
from api.nt24.orders.commands import order_command, order_view
from api.nt24.schemas import (
    CANNOT_CHANGE,
    RECORDED_BY_THE_SERVER,
    STATUS_BY_COMMANDS,
    VERSION_BY_IF_MATCH,
    NT24Model,
    PatchModel,
    UtcTimestamp,
)
from api.nt24.values import JsonBool, Money, MoneyIn
from api.shared.deps import Db, Temporal
from api.shared.errors import validation_problem
from api.shared.idempotency import idempotency_key
from api.shared.locations import CREATED, located
from api.shared.versioning import expected_version, if_match
from store.db import Database
from store.models import Order
from workflows.change_source import ChangeSource
from workflows.orders import model as m
from workflows.orders.workflow import OrderWorkflow

router = APIRouter(prefix="/v1/partners/{sellerId}/orders/{uuid}", tags=["NT24: invoice"])


class InvoiceIn(NT24Model):
    type: Literal["PRELIMINARY", "FINAL"]
    invoiceDate: date
    invoiceNumber: str = Field(min_length=1, max_length=100)
    vatIncluded: JsonBool
    amount: MoneyIn
    marginScheme: JsonBool = False

    def model(self) -> m.Invoice:
        return m.Invoice(
            type=self.type,
            invoice_date=self.invoiceDate,
            invoice_number=self.invoiceNumber,
            vat_included=self.vatIncluded,
            amount=self.amount.model(),
            margin_scheme=self.marginScheme,
        )


class InvoicePatch(PatchModel):
    FIXED = {
        "status": STATUS_BY_COMMANDS,
        "finalInvoiceRequired": "is computed from the order's decision",
        "finalInvoiceReceived": "is set when the FINAL invoice is submitted, not by a PATCH",
        "version": VERSION_BY_IF_MATCH,
        "updatedAt": RECORDED_BY_THE_SERVER,
    }

    type: Literal["PRELIMINARY", "FINAL"] = Field(description="Which of the order's invoices")
    invoiceDate: date | None = None
    invoiceNumber: str | None = Field(None, min_length=1, max_length=100)
    vatIncluded: JsonBool | None = None
    amount: MoneyIn | None = None
    marginScheme: JsonBool | None = None
    status: str | None = Field(None, description=CANNOT_CHANGE)
    finalInvoiceRequired: bool | None = Field(None, description=CANNOT_CHANGE)
    finalInvoiceReceived: bool | None = Field(None, description=CANNOT_CHANGE)
    version: int | None = Field(None, description=CANNOT_CHANGE)
    updatedAt: datetime | None = Field(None, description=CANNOT_CHANGE)

    def command(
        self, expected_version: int, source: ChangeSource = ChangeSource.API
    ) -> m.PatchInvoice:
        return m.PatchInvoice(
            type=self.type,
            expected_version=expected_version,
            invoice_date=self.invoiceDate,
            invoice_number=self.invoiceNumber,
            vat_included=self.vatIncluded,
            amount=self.amount.model() if self.amount else None,
            margin_scheme=self.marginScheme,
            source=source,
        )


class InvoiceOut(InvoiceIn):
    amount: Money  # type: ignore[assignment]  # as accepted then
    status: Literal["DRAFT", "SUBMITTED", "VALID", "INVALID"]
    finalInvoiceRequired: bool
    finalInvoiceReceived: bool
    version: int
    updatedAt: UtcTimestamp | None = None


async def submit(
    client: Client,
    db: Database,
    scope: PartnerScope,
    uuid: UUID,
    invoice: m.Invoice,
    source: ChangeSource = ChangeSource.API,
) -> JSONResponse:
    """Submit an invoice of either type: a FINAL one under the finalization's rules, whichever
    endpoint it came through (the natural key is (order, type))."""
    final = invoice.type == "FINAL"
    answer = await order_command(
        client,
        db,
        scope,
        uuid,
        OrderWorkflow.submit_invoice,
        m.SubmitInvoice(invoice, final, source=source),
    )
    # no read of one invoice: the order's invoices list it
    return located(answer, f"/v1/partners/{scope.partner.uuid}/orders/{uuid}/invoice")


@router.post(
    "/invoice",
    response_model=InvoiceOut,
    status_code=201,
    summary="Submit invoice data (upsert by type; a FINAL one once the decision is known)",
    dependencies=[Depends(idempotency_key)],
    responses={
        **CREATED,
        200: {"model": InvoiceOut, "description": "Identical repeat"},
        409: {
            "description": "resource-exists-different-body: use PATCH; or conflict: a FINAL "
            "invoice before the compliance decision"
        },
        422: {"description": "validation-error, e.g. a FINAL invoice's VAT against the decision"},
    },
)
async def submit_invoice(
    uuid: UUID,
    body: InvoiceIn,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    return await submit(client, db, scope, uuid, body.model())


@router.get("/invoice", response_model=list[InvoiceOut], summary="The order's invoices")
async def get_invoices(
    uuid: UUID,
    scope: PartnerAccess,
    db: Db,
) -> JSONResponse:
    row = await order_view(db, scope, uuid, Order.invoices)
    return JSONResponse(row.invoices)


@router.patch(
    "/invoice",
    response_model=InvoiceOut,
    summary="Update invoice data (the invoice of the body's type)",
    dependencies=[Depends(idempotency_key), Depends(if_match)],
    responses={400: {"description": "If-Match missing"}, 409: {"description": "version-mismatch"}},
)
async def patch_invoice(
    uuid: UUID,
    body: InvoicePatch,
    request: Request,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    if errors := body.fixed_field_errors():
        raise validation_problem(errors)
    return await order_command(
        client,
        db,
        scope,
        uuid,
        OrderWorkflow.patch_invoice,
        body.command(expected_version(request)),
    )
