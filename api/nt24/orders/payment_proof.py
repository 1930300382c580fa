"""The order's payment (section 7): submit, read, update, and ready-for-pickup, which starts
the daily VIES re-check."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, Field
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from api.nt24.identity.auth import PartnerAccess
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
from api.nt24.values import HAPPENED_ON, HappenedOn, Money, MoneyIn
from api.shared.deps import Db, Temporal
from api.shared.errors import Problem, validation_problem
from api.shared.idempotency import idempotency_key
from api.shared.locations import CREATED, located
from api.shared.versioning import IF_NONE_MATCH, expected_version, if_match, versioned_json
from store.buyers.buyers import ibans_seen_besides
from store.models import Order
from workflows.change_source import ChangeSource
from workflows.orders import model as m
from workflows.orders.workflow import OrderWorkflow

router = APIRouter(prefix="/v1/partners/{sellerId}/orders/{uuid}/payment", tags=["NT24: payment"])


def _iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValueError(f"is not a valid IBAN: {exc}") from exc


Iban = Annotated[
    str, Field(max_length=42, examples=["DE89370400440532013000"]), AfterValidator(_iban)
]


# Contract P5: the IBAN is consistent with those seen before for this buyer, or declared new
NEW_IBAN_DECLARED = (
    "The seller declares sourceIban a new account of the buyer's: a payment from an IBAN the "
    "buyer never paid from before is then consistent (else the blocker IBAN_INCONSISTENT). The "
    "declaration is of that IBAN: a correction of sourceIban needs it again"
)


class PaymentIn(NT24Model):
    # a payment is a fact: one dated ahead would be "paid on" a day that has not come
    paymentDate: HappenedOn = Field(description=HAPPENED_ON)
    bankAmount: MoneyIn
    cashAmount: MoneyIn
    sourceIban: Iban | None = None
    newIbanDeclared: bool = Field(False, description=NEW_IBAN_DECLARED)

    def model(self) -> m.Payment:
        return m.Payment(
            payment_date=self.paymentDate,
            bank_amount=self.bankAmount.model(),
            cash_amount=self.cashAmount.model(),
            source_iban=self.sourceIban,
            declared_new_iban=self.sourceIban if self.newIbanDeclared else None,
        )


class PaymentPatch(PatchModel):
    FIXED = {
        "status": STATUS_BY_COMMANDS,
        "readyForPickup": "is set by POST .../payment/ready-for-pickup, not by a PATCH",
        "amountMatchesInvoice": "is computed from the payment and the order's invoice",
        "ibanConsistent": "is computed from the source IBAN and those the buyer paid from",
        "version": VERSION_BY_IF_MATCH,
        "updatedAt": RECORDED_BY_THE_SERVER,
    }

    paymentDate: HappenedOn | None = Field(None, description=HAPPENED_ON)
    bankAmount: MoneyIn | None = None
    cashAmount: MoneyIn | None = None
    sourceIban: Iban | None = None
    newIbanDeclared: bool | None = Field(None, description=NEW_IBAN_DECLARED)
    status: str | None = Field(None, description=CANNOT_CHANGE)
    readyForPickup: bool | None = Field(None, description=CANNOT_CHANGE)
    amountMatchesInvoice: bool | None = Field(None, description=CANNOT_CHANGE)
    ibanConsistent: bool | None = Field(None, description=CANNOT_CHANGE)
    version: int | None = Field(None, description=CANNOT_CHANGE)
    updatedAt: datetime | None = Field(None, description=CANNOT_CHANGE)

    def command(
        self, expected_version: int, source: ChangeSource = ChangeSource.API
    ) -> m.PatchPayment:
        return m.PatchPayment(
            expected_version=expected_version,
            payment_date=self.paymentDate,
            bank_amount=self.bankAmount.model() if self.bankAmount else None,
            cash_amount=self.cashAmount.model() if self.cashAmount else None,
            source_iban=self.sourceIban,
            source=source,
            new_iban_declared=self.newIbanDeclared,
        )


class PaymentOut(NT24Model):
    paymentDate: date
    bankAmount: Money
    cashAmount: Money
    sourceIban: str | None = None
    status: Literal["DRAFT", "SUBMITTED", "VALID", "INVALID"]
    amountMatchesInvoice: bool | None = Field(
        None, description="Absent while the order has no invoice: nothing to compare"
    )
    ibanConsistent: bool | None = Field(
        None, description="Absent while the payment names no source IBAN: nothing to compare"
    )
    readyForPickup: bool
    newIbanDeclared: bool | None = Field(
        None, description="true while sourceIban is declared a new account of the buyer's"
    )
    version: int
    updatedAt: UtcTimestamp | None = None


@router.post(
    "",
    response_model=PaymentOut,
    status_code=201,
    summary="Submit payment data (upsert by order)",
    dependencies=[Depends(idempotency_key)],
    responses={
        **CREATED,
        200: {"model": PaymentOut, "description": "Identical repeat"},
        409: {"description": "use PATCH"},
    },
)
async def submit_payment(
    uuid: UUID,
    body: PaymentIn,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    known = await ibans_seen_besides(db, uuid)
    command = m.SubmitPayment(body.model(), buyer_known_ibans=known)
    answer = await order_command(client, db, scope, uuid, OrderWorkflow.submit_payment, command)
    return located(answer, f"/v1/partners/{scope.partner.uuid}/orders/{uuid}/payment")


@router.get(
    "",
    response_model=PaymentOut,
    summary="The order's payment",
    openapi_extra=IF_NONE_MATCH,
    responses={304: {"description": "Not modified"}, 404: {"description": "no payment yet"}},
)
async def get_payment(
    uuid: UUID,
    request: Request,
    scope: PartnerAccess,
    db: Db,
) -> Response:
    row = await order_view(db, scope, uuid, Order.payment)
    if row.payment is None:
        raise Problem("not-found", "The order has no payment yet.")
    return versioned_json(row.payment, row.payment["version"], request=request)


@router.patch(
    "",
    response_model=PaymentOut,
    summary="Update payment data",
    dependencies=[Depends(idempotency_key), Depends(if_match)],
    responses={400: {"description": "If-Match missing"}, 409: {"description": "version-mismatch"}},
)
async def patch_payment(
    uuid: UUID,
    body: PaymentPatch,
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
        OrderWorkflow.patch_payment,
        body.command(expected_version(request)),
    )


@router.post(
    "/ready-for-pickup",
    response_model=PaymentOut,
    summary="Mark the payment ready for pickup (starts the daily VIES re-check)",
    dependencies=[Depends(idempotency_key)],
    responses={409: {"description": "the payment does not cover the invoice yet"}},
)
async def ready_for_pickup(
    uuid: UUID,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    return await order_command(
        client, db, scope, uuid, OrderWorkflow.ready_for_pickup, m.ReadyForPickup()
    )
