"""Orders in the web app: the list with the API's filters, one page per order with its timeline
and rollup, and every command of the API as a form.

Each form is validated by the API's own input model and sent to the order's workflow as the
same Update the API sends, with ``source`` WEB_APP: the events it causes say so, the version
bumps, and an integrator holding an older ETag gets 409. A refused command changes nothing and
the form comes back with the error next to its field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from api.nt24.identity.auth import PartnerScope
from api.nt24.orders import orders as order_api
from api.nt24.orders.commands import answer_body, order_command, run_command
from api.nt24.orders.documents import DOCUMENT_TYPES, document_content_response, upload_document
from api.nt24.orders.finalization import FinalInvoiceIn, export_file_content
from api.nt24.orders.invoices import InvoiceIn, InvoicePatch, submit
from api.nt24.orders.orders import CancelRequest, OrderCreate, OrderPatch
from api.nt24.orders.payment_proof import PaymentIn, PaymentPatch
from api.nt24.orders.transport import DeliveryIn, PickupIn, RevokeIn
from api.shared.deps import app_settings, database, temporal
from api.shared.errors import Problem
from api.shared.input_limits import NonNegativeInt32
from api.web import timeline as tl
from api.web.conflicts import Conflict, conflict_of, is_conflict
from api.web.core import (
    INT64,
    ISSUER_TYPES,
    SENT_ALREADY,
    WEB_APP,
    FormErrors,
    PostedForm,
    SignedIn,
    Viewer,
    WebRoute,
    acting_for,
    build,
    cents,
    checked,
    first_sending,
    money,
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
from api.web.evidence import chain_state
from store.buyers.buyers import ibans_seen_besides
from store.buyers.queries import active_buyers_with_sellers, buyer_with_seller
from store.documents import DocumentStore
from store.identity.queries import partners_of_organization
from store.models import (
    Buyer,
    ExportFile,
    Order,
    Organization,
    Partner,
)
from store.orders.evidence import verify_order
from store.orders.queries import (
    OrderListFilter,
    order_document,
    order_history,
    order_list_page,
    order_with_parties,
)
from workflows.orders import model as m
from workflows.orders.rules.compliance import local_date
from workflows.orders.rules.outcome import ComplianceStatus
from workflows.orders.status import CANCELLABLE, OrderStatus
from workflows.orders.workflow import OrderWorkflow

router = APIRouter(prefix="/app/orders", route_class=WebRoute, include_in_schema=False)

STATUSES = list(OrderStatus)
COMPLIANCE = list(ComplianceStatus)
PAGE_SIZE = 25


def _date(raw: str | None, name: str, unread: list[str]) -> datetime | None:
    """A date filter; one that is not a date is left out and named in ``unread``."""
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        unread.append(name)
        return None


@router.get("")
async def list_orders(request: Request, seen: SignedIn) -> Response:
    q = request.query_params
    unread: list[str] = []  # filters not applied: the page says so, rather than list them all
    only = OrderListFilter(
        partner_uuid=parse_uuid(q["partner"]) if q.get("partner") else None,
        status=q["status"] if q.get("status") in STATUSES else None,
        compliance_status=q["compliance"] if q.get("compliance") in COMPLIANCE else None,
        blocker=q["blocker"].upper() if q.get("blocker") else None,
        buyer_uuid=parse_uuid(q["buyer"]) if q.get("buyer") else None,
        vin_part=q["vin"].strip() if q.get("vin") else None,
        external_id_part=q["externalOrderId"].strip() if q.get("externalOrderId") else None,
        term=(q.get("q") or "").strip() or None,
        created_after=_date(q.get("createdAfter"), "Created after", unread),
        updated_after=_date(q.get("updatedAfter"), "Updated after", unread),
    )
    page = page_number(request)
    async with database(request).session() as session:
        total, rows = await order_list_page(session, seen, only, page, PAGE_SIZE)
    partners = await partners_of_organization(database(request), seen)
    names = {p.id: p.name for p in partners}
    return render(
        request,
        "orders.html",
        orders=rows,
        partner_names=names,
        partners=partners,
        statuses=STATUSES,
        compliance=COMPLIANCE,
        filters=dict(q),
        unread=unread,
        page=page,
        pages=max(1, -(-int(total or 0) // PAGE_SIZE)),
        total=total,
    )


# ----- creating an order -----


def _sellers_today(partners: list[Partner]) -> str:
    """The day a form's dates default to: today where the sellers are (the latest of their
    days), which in Europe begins before UTC's, as the rules date VIES answers and papers."""
    now = datetime.now(UTC)
    return max((local_date(now, p.country) for p in partners), default=now.date()).isoformat()


async def _partners_and_buyers(request: Request, seen: Viewer) -> tuple[list[Partner], list[Any]]:
    db = database(request)
    return await partners_of_organization(db, seen), await active_buyers_with_sellers(db, seen)


def _multi_vin(buyers: list[Any]) -> bool:
    """Whether any of the buyers' organizations may have orders with several VINs."""
    return any(row[2] for row in buyers)


@router.get("/new")
async def new_order(request: Request, seen: SignedIn) -> Response:
    partners, buyers = await _partners_and_buyers(request, seen)
    return render(
        request,
        "order_new.html",
        partners=partners,
        buyers=buyers,
        multi_vin=_multi_vin(buyers),
        form={"purchaseDate": _sellers_today(partners), "buyer": request.query_params.get("buyer")},
        errors={},
    )


@router.post("/new")
async def create_order(
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    try:
        scope, body = await _order_create_input(request, seen, form)
        answer = await order_api.create(
            body, app_settings(request), scope, database(request), await temporal(request), WEB_APP
        )
    except (FormErrors, Problem) as exc:
        failure = exc if isinstance(exc, FormErrors) else FormErrors.of_problem(exc)
        partners, buyers = await _partners_and_buyers(request, seen)
        return render(
            request,
            "order_new.html",
            status_code=422 if failure.fields else getattr(exc, "status", 409),
            partners=partners,
            buyers=buyers,
            multi_vin=_multi_vin(buyers),
            form=values(form),
            errors=_create_errors(failure.fields),
            problem=failure.detail,
        )
    created = _json(answer)
    if answer.status_code != 201:  # the API's repeat: the order it has, the same body
        said = f"Order {created['externalOrderId']} exists already, as typed: nothing changed."
        return redirect(f"/app/orders/{created['uuid']}", said)
    organization_id = scope.principal.organization_id
    await record(request, "order.create", "order", created["uuid"], organization_id, None, created)
    return redirect(f"/app/orders/{created['uuid']}", "Order created.")


VIN_FIELD = re.compile(r"vins(?:\[(\d+)\]|\.(\d+))\.(\w+)")


def _create_errors(fields: dict[str, str]) -> dict[str, str]:
    """The API names ``vins[0].vin`` and ``buyerId``; the form has the first vehicle's fields,
    one line per further VIN in ``moreVins``, and a buyer list."""
    errors: dict[str, str] = {}
    for key, message in fields.items():
        found = VIN_FIELD.fullmatch(key)
        if found is None:
            errors.setdefault("buyer" if key == "buyerId" else _money_field(key), message)
            continue
        index, name = int(found[1] or found[2]), found[3]
        if index == 0:
            errors.setdefault(_money_field(name), message)
        else:
            part = VIN_PARTS.get(name, name)
            errors.setdefault("moreVins", f"line {index}, {part}: {message}")
    return errors


def _money_field(name: str) -> str:
    """The form's field of the API's money field: the currency has its own, the amount is the
    total (one vehicle's price is the order's)."""
    if name.endswith(".currency"):
        return "currency"
    return "totalAmount" if name.split(".")[0] in ("purchaseAmount", "totalAmount") else name


# A further vehicle's line in the words of the form: its parts in order, named as the API's
VIN_PARTS = {
    "vin": "VIN",
    "brand": "brand",
    "model": "model",
    "mileage": "mileage",
    "firstRegistrationDate": "first registration",
}


def _more_vins(form: FormData, errors: dict[str, str]) -> list[dict[str, Any]]:
    """The further vehicles of a multi-VIN order: one a line, "VIN" up to "VIN, brand, model,
    mileage, first registration"; what a line has beyond them is refused, never dropped."""
    vehicles: list[dict[str, Any]] = []
    for line in (text(form, "moreVins") or "").splitlines():
        parts = [p.strip() or None for p in line.split(",")]
        if not any(parts):
            continue
        index = len(vehicles) + 1  # the API's vins[index], the first vehicle being vins[0]
        if len(parts) > len(VIN_PARTS):
            errors.setdefault(
                "moreVins",
                f"line {index}: {len(parts)} parts where a line has at most {len(VIN_PARTS)}: "
                + ", ".join(VIN_PARTS.values()),
            )
        vehicle: dict[str, Any] = dict(zip(VIN_PARTS, parts, strict=False))
        vehicle["mileage"] = _mileage(vehicle.get("mileage"), index, errors)
        vehicles.append(vehicle)
    return vehicles


def _mileage(typed: str | None, index: int, errors: dict[str, str]) -> int | None:
    """The API's mileage is a JSON integer: the form's text of vehicle ``index`` is read as one
    here."""
    kilometres = whole_number(typed, INT64)
    if typed is not None and kilometres is None:
        errors.setdefault(f"vins.{index}.mileage", "must be a whole number of kilometres")
    return kilometres


async def _order_create_input(
    request: Request, seen: Viewer, form: FormData
) -> tuple[PartnerScope, OrderCreate]:
    errors: dict[str, str] = {}
    buyer_uuid = text(form, "buyer")
    found = (
        await buyer_with_seller(database(request), seen, parse_uuid(buyer_uuid))
        if buyer_uuid
        else None
    )
    if found is None:
        errors["buyer"] = "choose one of the buyers"
    currency = (text(form, "currency") or "EUR").upper()
    total = cents(form, "totalAmount", errors, operator_locale(request), currency)
    more = _more_vins(form, errors)
    if more and found is not None and not found[2].allow_multi_vin_orders:
        errors["moreVins"] = "this buyer's organization may not have orders with several VINs"
    data = {
        "externalOrderId": text(form, "externalOrderId"),
        "buyerId": buyer_uuid,
        "vins": [
            {
                "vin": text(form, "vin"),
                "brand": text(form, "brand"),
                "model": text(form, "model"),
                # one vehicle: the whole price is its price; several: the total is the order's
                "purchaseAmount": None if more else money(total, currency),
                "mileage": _mileage(text(form, "mileage"), 0, errors),
                "firstRegistrationDate": text(form, "firstRegistrationDate"),
            },
            *more,
        ],
        "totalAmount": money(total, currency),
        "purchaseDate": text(form, "purchaseDate"),
    }
    if total is None:
        errors.setdefault("totalAmount", "is required")
    body = build(OrderCreate, data, _create_errors(errors))
    assert found is not None
    buyer, partner, organization = found
    return acting_for(seen, organization, partner), body


# ----- one order -----


@dataclass
class Loaded:
    row: Order
    organization: Organization
    partner: Partner
    buyer: Buyer
    scope: PartnerScope


async def _load(request: Request, seen: Viewer, uuid: UUID) -> Loaded:
    """The order if the viewer may see it; another organization's order does not exist."""
    found = await order_with_parties(database(request), seen, uuid)
    if found is None:
        raise Problem("not-found", f"Order {uuid} was not found.")
    row, organization, partner, buyer = found
    return Loaded(row, organization, partner, buyer, acting_for(seen, organization, partner))


@router.get("/{uuid}")
async def order_page(uuid: UUID, request: Request, seen: SignedIn) -> Response:
    loaded = await _load(request, seen, uuid)
    return await _order_page(request, loaded)


async def _order_page(
    request: Request,
    loaded: Loaded,
    *,
    status_code: int = 200,
    failed: str | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    form: dict[str, str] | None = None,
    conflict: Conflict | None = None,
) -> Response:
    row = loaded.row
    history = await order_history(database(request), row)
    events = [tl.EventFact(e.created_at, e.type, e.source, e.data) for e in history.events]
    entries = tl.timeline(
        tl.milestones(
            row.order,
            row.invoices,
            row.payment,
            row.transport,
            [(e.version, e.generated_at, e.reason) for e in history.export_files],
            [tl.ChangeFact(c.revision, c.at, c.source, c.status) for c in history.changes],
            [
                tl.InvoiceFact(v.type, v.version, v.data, v.recorded_at, v.source)
                for v in history.invoices
            ],
            tl.export_file_sources(events),
        ),
        events,
        [
            tl.ViesFact(c.checked_at, c.result, c.trigger, c.request_identifier, c.error_code)
            for c in history.vies_checks
        ],
        [
            tl.DocumentFact(
                d.created_at, d.type, d.issuer_type, d.issuer_name, d.file_name, d.status, d.source
            )
            for d in history.documents
        ],
    )
    settings = app_settings(request)
    async with database(request).session() as session:
        verification, _ = await verify_order(
            session, row, DocumentStore(settings.effective_document_store_dir)
        )
    return render(
        request,
        "order.html",
        status_code=status_code,
        o=row.order,
        row=row,
        organization=loaded.organization,
        partner=loaded.partner,
        buyer=loaded.buyer,
        compliance=row.compliance,
        invoices={i["type"]: i for i in row.invoices},
        payment=row.payment,
        transport=row.transport,
        export_file=row.export_file,
        exports=history.export_files,
        documents=history.documents,
        evidence=chain_state(verification, history.documents),
        timeline=entries,
        workflow_url=(
            f"{settings.temporal_ui_url.rstrip('/')}/namespaces/{settings.temporal_namespace}"
            f"/workflows/{row.workflow_id}"
        ),
        document_types=list(DOCUMENT_TYPES),
        issuer_types=ISSUER_TYPES,
        today=_sellers_today([loaded.partner]),
        failed=failed,
        errors=errors or {},
        problem=problem,
        form=form or {},
        conflict=conflict,
        cancellable=CANCELLABLE,
        final_order=order_is_final(row),
    )


def order_is_final(row: Order) -> bool:
    """Delivered and decided: the workflow refuses every command but the final invoice's, a
    document's, a regeneration, a re-decision and a change of the responsible contact ("The
    order is final", ``_require_open``), so the page offers no other form."""
    return row.transport.get("delivery") is not None and bool(row.compliance.get("decision"))


# ----- commands: each reads its form, builds the API's command with source WEB_APP -----

Command = Callable[[Request, Loaded, FormData], Awaitable[tuple[Any, Any]]]
COMMANDS: dict[str, tuple[str, Command]] = {}


def command(name: str, done: str) -> Callable[[Command], Command]:
    def register(handler: Command) -> Command:
        COMMANDS[name] = (done, handler)
        return handler

    return register


async def _client(request: Request) -> Any:
    return await temporal(request)


async def _send(request: Request, loaded: Loaded, update: Any, cmd: Any) -> dict[str, Any]:
    answer = await order_command(
        await temporal(request), database(request), loaded.scope, loaded.row.uuid, update, cmd
    )
    return _json(answer)


def _json(answer: Response) -> dict[str, Any]:
    return json.loads(bytes(answer.body))


def _version(form: FormData) -> int:
    version = whole_number(text(form, "version"))
    if version is None:
        raise FormErrors(detail="The form has no version: reload the page and try again.")
    return version


def _currency(loaded: Loaded, saved: dict[str, Any] | None = None) -> str:
    """The currency a form's amount is typed in: the saved amount's when it corrects one, else
    the order's (a form never turns a zloty order's invoice into euros)."""
    amount = (saved or {}).get("currency") or loaded.row.order["totalAmount"]["currency"]
    return str(amount)


def _invoice_data(
    request: Request, form: FormData, errors: dict[str, str], type_: str, currency: str
) -> dict[str, Any]:
    locale = operator_locale(request)
    return {
        "type": type_,
        "invoiceDate": text(form, "invoiceDate"),
        "invoiceNumber": text(form, "invoiceNumber"),
        "vatIncluded": checked(form, "vatIncluded"),
        "amount": money(cents(form, "amount", errors, locale, currency), currency),
        "marginScheme": checked(form, "marginScheme"),
    }


@command("invoice", "Preliminary invoice submitted.")
async def _invoice(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    errors: dict[str, str] = {}
    data = _invoice_data(request, form, errors, "PRELIMINARY", _currency(loaded))
    body = build(InvoiceIn, data, errors)
    client = await temporal(request)
    answer = await submit(
        client, database(request), loaded.scope, loaded.row.uuid, body.model(), WEB_APP
    )
    return None, _json(answer)


@command("final-invoice", "Final invoice submitted; a new Export File version follows.")
async def _final_invoice(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    errors: dict[str, str] = {}
    data = _invoice_data(request, form, errors, "FINAL", _currency(loaded))
    body = build(FinalInvoiceIn, data, errors)
    client = await temporal(request)
    answer = await submit(
        client, database(request), loaded.scope, loaded.row.uuid, body.model(), WEB_APP
    )
    return None, _json(answer)


@command("invoice-edit", "Invoice corrected.")
async def _invoice_edit(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    errors: dict[str, str] = {}
    type_ = text(form, "type") or "PRELIMINARY"
    require(form, ("invoiceDate", "invoiceNumber", "amount"), errors)
    before = next((i for i in loaded.row.invoices if i["type"] == type_), None)
    currency = _currency(loaded, (before or {}).get("amount"))
    body = build(InvoicePatch, _invoice_data(request, form, errors, type_, currency), errors)
    after = await _send(
        request, loaded, OrderWorkflow.patch_invoice, body.command(_version(form), WEB_APP)
    )
    return before, after


def _payment_data(
    request: Request, form: FormData, errors: dict[str, str], loaded: Loaded
) -> dict[str, Any]:
    """The payment typed in, each part in the currency of the part it corrects, else the
    order's."""
    locale = operator_locale(request)
    saved = loaded.row.payment or {}
    bank, cash = (_currency(loaded, saved.get(part)) for part in ("bankAmount", "cashAmount"))
    return {
        "paymentDate": text(form, "paymentDate"),
        "bankAmount": money(cents(form, "bankAmount", errors, locale, bank), bank),
        "cashAmount": money(cents(form, "cashAmount", errors, locale, cash) or 0, cash),
        "sourceIban": text(form, "sourceIban"),
        "newIbanDeclared": form.get("newIbanDeclared") == "on",
    }


@command("payment", "Payment submitted.")
async def _payment(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    errors: dict[str, str] = {}
    body = build(PaymentIn, _payment_data(request, form, errors, loaded), errors)
    known = await ibans_seen_besides(database(request), loaded.row.uuid)
    command = m.SubmitPayment(body.model(), WEB_APP, buyer_known_ibans=known)
    after = await _send(request, loaded, OrderWorkflow.submit_payment, command)
    return None, after


@command("payment-edit", "Payment corrected.")
async def _payment_edit(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    errors: dict[str, str] = {}
    require(form, ("paymentDate", "bankAmount"), errors)  # an emptied cash amount is none
    body = build(PaymentPatch, _payment_data(request, form, errors, loaded), errors)
    after = await _send(
        request, loaded, OrderWorkflow.patch_payment, body.command(_version(form), WEB_APP)
    )
    return loaded.row.payment, after


@command("ready-for-pickup", "Marked ready for pickup: the daily VIES re-check runs.")
async def _ready(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    after = await _send(request, loaded, OrderWorkflow.ready_for_pickup, m.ReadyForPickup(WEB_APP))
    return loaded.row.payment, after


def _address(form: FormData, prefix: str) -> dict[str, Any] | None:
    parts = {k: text(form, f"{prefix}.{k}") for k in ("street", "postCode", "city", "country")}
    return parts if any(parts.values()) else None


@command("pickup", "Pickup confirmed.")
async def _pickup(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    data = {
        "type": text(form, "type"),
        "arrangedBy": text(form, "arrangedBy") or None,
        "pickupDate": text(form, "pickupDate"),
        "driverIdentification": text(form, "driverIdentification"),
        "collectionAddress": _address(form, "collectionAddress"),
    }
    body = build(PickupIn, data, {})
    after = await _send(
        request, loaded, OrderWorkflow.confirm_pickup, m.ConfirmPickup(body.model(), WEB_APP)
    )
    return loaded.row.transport, after


@command("revoke-pickup", "Pickup revoked.")
async def _revoke(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    body = build(RevokeIn, {"reason": text(form, "reason")}, {})
    after = await _send(
        request, loaded, OrderWorkflow.revoke_pickup, m.RevokePickup(body.reason, WEB_APP)
    )
    return loaded.row.transport, after


@command("delivery", "Delivery confirmed.")
async def _delivery(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    data = {
        "deliveryDate": text(form, "deliveryDate"),
        "deliveryAddress": _address(form, "deliveryAddress"),
    }
    body = build(DeliveryIn, data, {})
    after = await _send(
        request, loaded, OrderWorkflow.confirm_delivery, m.ConfirmDelivery(body.model(), WEB_APP)
    )
    return loaded.row.transport, after


@command("edit", "Order updated.")
async def _edit(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    errors: dict[str, str] = {}
    if not order_is_final(loaded.row):  # a final order's form changes only the contact
        require(form, ("purchaseDate",), errors)
    contact = {
        k: text(form, f"responsibleContact.{k}")
        for k in ("firstName", "lastName", "email", "phone")
    }
    if loaded.row.order.get("responsibleContact") and not any(contact.values()):
        # an absent contact in a PATCH leaves the saved one: emptying it changes nothing
        errors["responsibleContact.firstName"] = "the contact can be changed, not removed"
    data = {
        "purchaseDate": text(form, "purchaseDate"),
        "responsibleContact": contact if any(contact.values()) else None,
    }
    body = build(OrderPatch, data, errors)
    if errors:
        raise FormErrors(errors)
    after = await _send(
        request, loaded, OrderWorkflow.patch_order, body.command(_version(form), WEB_APP)
    )
    return loaded.row.order, after


@command("cancel", "Order cancelled.")
async def _cancel(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    body = build(CancelRequest, {"reason": text(form, "reason")}, {})
    after = await _send(request, loaded, OrderWorkflow.cancel, m.CancelOrder(body.reason, WEB_APP))
    return loaded.row.order, after


@command("regenerate-export", "A new Export File version is being generated.")
async def _regenerate(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    # refused past its column, not cut: the reason is the record
    reason = text(form, "reason", fits=ExportFile.reason) or "Regeneration requested in the web app"
    result = await run_command(
        await temporal(request),
        loaded.row.workflow_id,
        OrderWorkflow.regenerate_export,
        m.RegenerateExport(reason, WEB_APP),
    )
    return loaded.row.export_file, answer_body(result)


@command("documents", "Document uploaded.")
async def _document(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    file = upload_of(form)
    if file is None:
        raise FormErrors({"file": "choose a PDF or image to upload"})
    answer = await upload_document(
        module=None,
        request=request,
        scope=loaded.scope,
        db=database(request),
        client=await temporal(request),
        order_uuid=loaded.row.uuid,
        type_=text(form, "type") or "",
        document_date=text(form, "documentDate"),
        issuer_type=text(form, "issuerType"),
        issuer_name=text(form, "issuerName"),
        file=file,
        source=WEB_APP,
        issuer_id=text(form, "issuerId"),
        vins=[v for v in [text(form, "vins")] if v],  # comma-separated; empty: all VINs
        origin_country=text(form, "originCountry"),
        destination_country=text(form, "destinationCountry"),
    )
    return None, _json(answer)


@command("redecide", "Decided again: the rules judged the facts on file.")
async def _redecide(request: Request, loaded: Loaded, form: FormData) -> tuple[Any, Any]:
    reason, staff = text(form, "reason"), text(form, "staff")
    if not reason:
        raise FormErrors({"reason": "Say why the order is decided again."})
    before = {"status": loaded.row.status}
    after = await _send(
        request,
        loaded,
        OrderWorkflow.redecide,
        m.Redecide(reason, staff or "staff", source=WEB_APP),
    )
    return before, {"status": after["status"], "reason": reason}


# Edit forms that carry the version they were opened with, and what each edits
EDITS = {"edit": "order", "invoice-edit": "invoice", "payment-edit": "payment"}

# Commands only staff may give: a re-decision overrides what the rules decided.
STAFF_COMMANDS = frozenset({"redecide"})
# Commands each of whose sendings makes something new (an Export File version): done once
# per rendering of their form
SENT_ONCE = frozenset({"regenerate-export", "redecide"})


@router.post("/{uuid}/{action}")
async def order_command_form(
    uuid: UUID,
    action: str,
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    if action not in COMMANDS:
        raise Problem("not-found", "There is no such command.")
    if action in STAFF_COMMANDS and not seen.is_staff:
        raise Problem("forbidden", "Only staff may decide an order again.")
    loaded = await _load(request, seen, uuid)
    if action in STAFF_COMMANDS:
        form = _with_staff(form, seen.user.username)
    done, handler = COMMANDS[action]
    try:
        # the form sent again (a double click, the browser's resend) makes no second Export
        # File version; a new rendering of the page asks anew
        async with (
            first_sending(request, loaded.row.organization_id, form)
            if action in SENT_ONCE
            else nullcontext(True)
        ) as first:
            if not first:
                return redirect(f"/app/orders/{uuid}", f"{SENT_ALREADY} {done}")
            before, after = await handler(request, loaded, form)
    except (FormErrors, Problem) as exc:
        failure = exc if isinstance(exc, FormErrors) else FormErrors.of_problem(exc)
        status = 422 if isinstance(exc, FormErrors) else exc.status
        conflict = (
            conflict_of(exc, EDITS[action], values(form), operator_locale(request))
            if isinstance(exc, Problem) and action in EDITS and is_conflict(exc)
            else None
        )
        return await _order_page(
            request,
            await _load(request, seen, uuid) if conflict else loaded,
            status_code=status,
            failed=action,
            errors=failure.fields,
            problem=conflict.message if conflict else failure.summary,
            form=values(form),
            conflict=conflict,
        )
    if action in EDITS and before is not None and after.get("version") == before.get("version"):
        # the PATCH changed nothing (the values were those saved): nothing to record
        unchanged = f"Nothing to change: the {EDITS[action]} had these values."
        return redirect(f"/app/orders/{uuid}", unchanged)
    await record(
        request,
        f"order.{action.replace('-', '_')}",
        "order",
        str(uuid),
        loaded.row.organization_id,
        before,
        after,
    )
    return redirect(f"/app/orders/{uuid}", done)


def _with_staff(form: FormData, username: str) -> FormData:
    """The acting staff member comes from the session, never from the form."""
    return FormData([(k, v) for k, v in form.multi_items() if k != "staff"] + [("staff", username)])


# ----- downloads -----


@router.get("/{uuid}/documents/{document}")
async def document_download(
    uuid: UUID, document: UUID, request: Request, seen: SignedIn
) -> Response:
    loaded = await _load(request, seen, uuid)
    found = await order_document(database(request), loaded.row.id, document)
    if found is None:
        raise Problem("not-found", f"Document {document} was not found.")
    return await document_content_response(app_settings(request), found, request)


@router.get("/{uuid}/export-file/{version}")
async def export_download(
    uuid: UUID, version: NonNegativeInt32, request: Request, seen: SignedIn
) -> Response:
    loaded = await _load(request, seen, uuid)
    return await export_file_content(
        uuid, version, app_settings(request), loaded.scope, database(request)
    )
