"""Payments (NOTYD) in the web app: payment orders with their lines, captures and invoices,
cancelled, captured and refunded as the NOTYD API does it (api/notyd/payments/orders.py);
invoices with their dunning step and payment status. Staff record incoming money against a
payment reference, import camt.053 statements, put an invoice's dunning on hold, write off what
it still owes and agree a payment plan, through the functions the admin command line calls
(store/payments/payment_money.py, api/notyd/payments/dunning_commands.py).
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData
from temporalio.service import RPCError

from activities.orders.invoice_pdf import render_invoice_pdf
from activities.payments.dunning import pdf_content
from api.notyd.payments.dunning_commands import agree_payment_plan, notify_dunning, set_on_hold
from api.notyd.payments.invoices import correct_invoice
from api.notyd.payments.orders import (
    cancel_payment_order,
    capture_payment_order,
    refund_payment_order,
)
from api.notyd.payments.schemas import CaptureIn, InvoicePatchIn, RefundIn
from api.notyd.payments.views import credit_note, discount
from api.shared.deps import app_settings, database, temporal
from api.shared.errors import Problem
from api.shared.input_limits import NonNegativeInt32
from api.shared.temporal_calls import request_identity
from api.web.core import (
    SENT_ALREADY,
    FormErrors,
    PostedForm,
    SignedIn,
    StaffOnly,
    Viewer,
    WebRoute,
    build,
    cents,
    form_sending,
    operator_locale,
    page_number,
    record,
    redirect,
    render,
    require,
    text,
    upload_of,
    values,
    whole_number,
)
from api.web.l10n import format_money
from store.models import (
    IncomingPayment,
    InvoiceWriteOff,
    PaymentCapture,
    PaymentInvoice,
    PaymentOrder,
    User,
    utcnow,
)
from store.payments.camt053 import StatementError
from store.payments.payment_money import (
    BOOKABLE_BY_HAND,
    DunningNotice,
    MoneyError,
    PaymentRecorded,
    StatementImported,
    WrittenOff,
    book_entry,
    import_statement,
    record_payment,
    write_off,
)
from store.payments.queries import (
    InvoiceListFilter,
    bank_statement_import,
    bookable_entries,
    import_of_entry,
    invoice_history,
    invoice_list_page,
    invoice_with_lines,
    invoices_by_id,
    invoices_by_uuid,
    payment_order_list_page,
    payment_order_with_captures,
    seller_of_invoice,
)
from workflows.payments.payment_order import CANCELLABLE, CAPTURABLE, REFUNDABLE
from workflows.payments.rules import orders as order_rules
from workflows.payments.rules.dunning import DUNNING_LABELS, DunningStatus
from workflows.payments.rules.invoice_money import PaymentStatus

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/app/payments", route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 50
ORDER_STATUSES = list(order_rules.STATUSES)
PAYMENT_STATUSES = [status.value for status in PaymentStatus]


# The invoice list's dunning filter: one of the steps' codes, or no filter
DUNNING_CODES = frozenset(str(status.value) for status in DunningStatus)


def dunning_label(code: int) -> str:
    """The dunning step's name in words (``30`` -> ``Reminder 1``)."""
    try:
        return DUNNING_LABELS[DunningStatus(code)]
    except ValueError:
        return str(code)


def letter_label(step: str, instalment: int | None = None) -> str:
    """A letter's step in words: ``REMINDER_1`` -> "Reminder 1", an instalment with its number."""
    if step == "INSTALMENT":
        return f"Instalment {instalment}" if instalment else "Instalment"
    for status, label in DUNNING_LABELS.items():
        if status.name == step:
            return label
    return step.replace("_", " ").capitalize()


def dunning_volume(rows: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """(step, invoices) pairs in the ladder's order, for the dashboard's chart."""
    return [(dunning_label(code), n) for code, n in sorted(rows)]


@router.get("")
async def payments_home(_seen: SignedIn) -> Response:
    return redirect("/app/payments/invoices")


@router.get("/orders")
async def list_payment_orders(request: Request, seen: SignedIn) -> Response:
    status = request.query_params.get("status")
    page = page_number(request)
    rows, total = await payment_order_list_page(
        database(request), seen, status if status in ORDER_STATUSES else None, page, PAGE_SIZE
    )
    return render(
        request,
        "payment_orders.html",
        orders=rows,
        total=total,
        page=page,
        pages=(total + PAGE_SIZE - 1) // PAGE_SIZE,
        statuses=ORDER_STATUSES,
        status=status or "",
    )


async def _payment_order(
    request: Request, seen: Viewer, uuid: UUID
) -> tuple[PaymentOrder, list[PaymentCapture]]:
    found = await payment_order_with_captures(database(request), seen, uuid)
    if found is None:
        raise Problem("not-found", f"Payment order {uuid} was not found.")
    return found


@router.get("/orders/{uuid}")
async def payment_order_page(uuid: UUID, request: Request, seen: SignedIn) -> Response:
    return await _payment_order_page(request, *await _payment_order(request, seen, uuid))


async def _payment_order_page(
    request: Request,
    order: PaymentOrder,
    captures: list[PaymentCapture],
    *,
    status_code: int = 200,
    failed: str | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "payment_order.html",
        status_code=status_code,
        order=order,
        captures=captures,
        discount=discount(order.discount),  # as GET /v1/api/orders/{uuid}/ answers it
        # each command only where the order's workflow would take it, which still decides
        cancellable=order.status in CANCELLABLE,
        capturable=order.status in CAPTURABLE
        and order.captured_amount_incl_tax < order.total_amount_incl_tax,
        refundable=order.status in REFUNDABLE,
        uncaptured=order.total_amount_incl_tax - order.captured_amount_incl_tax,
        failed=failed,
        errors=errors or {},
        problem=problem,
        form=form or {},
    )


@router.post("/orders/{uuid}/{action}")
async def payment_order_action(
    uuid: UUID,
    action: str,
    request: Request,
    seen: SignedIn,
    form: PostedForm,
) -> Response:
    """Cancel, capture or refund the order as the NOTYD API's routes do, through the same
    functions: the workflow's refusals (409, 422 naming the API's field) come back beside the
    form's field of that name or above the form."""
    order, captures = await _payment_order(request, seen, uuid)
    before = {
        "status": order.status,
        "capturedAmountInclTax": order.captured_amount_incl_tax,
        "refundedAmountInclTax": order.refunded_amount_incl_tax,
    }
    errors: dict[str, str] = {}
    after: dict[str, Any]
    # a capture or refund sent again carries the Update id of its first sending, which
    # Temporal answers with that sending's outcome instead of capturing or refunding again
    sending = form_sending(request, form) if action in ("capture", "refund") else None
    try:
        with request_identity(sending) if sending is not None else nullcontext():
            after, flash = await _order_command(request, order, action, form, errors)
    except (FormErrors, Problem) as exc:
        if isinstance(exc, Problem) and exc.status == 404 and not exc.errors:
            raise
        failure = exc if isinstance(exc, FormErrors) else FormErrors.of_problem(exc)
        return await _payment_order_page(
            request,
            order,
            captures,
            status_code=422 if isinstance(exc, FormErrors) else exc.status,
            failed=action,
            errors=failure.fields,
            problem=failure.summary,
            form=values(form),
        )
    if sending is not None and _amounts(await _payment_order(request, seen, uuid)) == _amounts(
        (order, captures)
    ):  # Temporal answered the first sending: nothing was captured or refunded now
        return redirect(f"/app/payments/orders/{uuid}", f"{SENT_ALREADY} {flash}")
    await record(
        request,
        f"payment_order.{action}",
        "payment_order",
        str(uuid),
        order.organization_id,
        before,
        after,
    )
    return redirect(f"/app/payments/orders/{uuid}", flash)


def _amounts(found: tuple[PaymentOrder, list[PaymentCapture]]) -> tuple[int, int, int]:
    """What a capture or a refund changes: the captured and refunded amounts, the captures."""
    order, captures = found
    return order.captured_amount_incl_tax, order.refunded_amount_incl_tax, len(captures)


async def _order_command(
    request: Request, order: PaymentOrder, action: str, form: FormData, errors: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """The order's workflow told to cancel, capture or refund: its answer, and the page's
    message."""
    client, locale = await temporal(request), operator_locale(request)
    if action == "cancel":
        after = await cancel_payment_order(client, order)
        flash = "Payment order cancelled."
    elif action == "capture":
        # no amount: all that remains, as the API's capture without lines or amounts
        amount = cents(form, "total_amount_incl_tax", errors, locale, order.currency)
        body = build(CaptureIn, _given(form, amount, CAPTURE_TEXTS), errors)
        after = await capture_payment_order(client, order, body)
        captured = format_money(amount, order.currency, locale) if amount else "all that remained"
        flash = (
            f"Captured {captured}: invoice {after['payment_reference']}; "
            f"the order is {order_rules.STATUS_LABELS[after['status']].lower()}."
        )
    elif action == "refund":
        require(form, ["description", "total_amount_incl_tax"], errors)
        amount = cents(form, "total_amount_incl_tax", errors, locale, order.currency)
        data = _given(form, amount, REFUND_TEXTS)
        if invoice := text(form, "invoices"):  # one invoice; none: every invoice, in full
            data["invoices"] = [{"invoice_uuid": invoice}]
        body = build(RefundIn, data, errors)
        after = await refund_payment_order(client, database(request), order, body)
        notes = len(after["refunds"])
        flash = (
            f"Refunded {format_money(amount, order.currency, locale)}: "
            f"{notes} credit note{'' if notes == 1 else 's'}."
        )
    else:
        raise Problem("not-found", "There is no such action.")
    return after, flash


# What the seller may correct of an invoice, the rest being written by its workflows (the
# API's PATCH body): a capture's form gives them to its invoice too
SELLER_FIELDS = tuple(InvoicePatchIn.model_fields)
# The free-text fields each form sends under the API's own names
CAPTURE_TEXTS = SELLER_FIELDS
REFUND_TEXTS = ("description", "external_refund_uid")


def _given(form: FormData, amount: int | None, texts: tuple[str, ...]) -> dict[str, Any]:
    """The API body of a form: its amount incl. tax in cents and the texts typed in (one left
    empty is not sent, as an API client leaves it out)."""
    data: dict[str, Any] = {name: typed for name in texts if (typed := text(form, name))}
    if amount is not None:
        data["total_amount_incl_tax"] = amount
    return data


@router.get("/invoices")
async def list_invoices(request: Request, seen: SignedIn) -> Response:
    q = request.query_params
    only = InvoiceListFilter(
        payment_status=q["paymentStatus"] if q.get("paymentStatus") in PAYMENT_STATUSES else None,
        dunning_status=int(q["dunning"]) if q.get("dunning") in DUNNING_CODES else None,
        on_hold=q.get("onHold") == "yes",
        payment_reference=q["reference"].strip().upper() if q.get("reference") else None,
    )
    page = page_number(request)
    rows, total = await invoice_list_page(database(request), seen, only, page, PAGE_SIZE)
    return render(
        request,
        "payment_invoices.html",
        invoices=rows,
        total=total,
        page=page,
        pages=(total + PAGE_SIZE - 1) // PAGE_SIZE,
        payment_statuses=PAYMENT_STATUSES,
        steps=[(str(s.value), DUNNING_LABELS[s]) for s in DunningStatus],
        filters=dict(q),
        dunning_label=dunning_label,
    )


def _form_errors(error: MoneyError) -> FormErrors:
    """A refusal of store/payments/payment_money.py next to the field it names, or above the
    form."""
    field = {
        "amount": "amount",
        "currency": "amount",
        "kind": "kind",
        "reason": "reason",
        "instalments": "instalments",
        "first_due": "firstDue",
    }.get(error.field or "")
    return FormErrors({field: str(error)}) if field else FormErrors(detail=str(error))


async def _invoice(request: Request, seen: Viewer, uuid: UUID) -> PaymentInvoice:
    invoice = await invoice_with_lines(database(request), seen, uuid)
    if invoice is None:
        raise Problem("not-found", f"Invoice {uuid} was not found.")
    return invoice


@router.get("/invoices/{uuid}")
async def invoice_page(uuid: UUID, request: Request, seen: SignedIn) -> Response:
    return await _invoice_page(request, await _invoice(request, seen, uuid))


async def _invoice_page(
    request: Request,
    invoice: PaymentInvoice,
    *,
    status_code: int = 200,
    failed: str | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    history = await invoice_history(database(request), invoice)
    return render(
        request,
        "payment_invoice.html",
        letters=history.letters,
        letter_label=letter_label,
        status_code=status_code,
        invoice=invoice,
        discount=discount(invoice.discount),
        # the credit notes as GET /v1/api/invoices/{uuid}/ answers them (``refunds``)
        credit_notes=[credit_note(refund, str(invoice.uuid)) for refund in invoice.refunds],
        partner=history.seller,
        payments=history.payments,
        dunning=dunning_label(invoice.dunning_status),
        failed=failed,
        errors=errors or {},
        problem=problem,
        form=form or {},
    )


async def _notify(request: Request, notices: list[DunningNotice]) -> str:
    """Tell the dunning workflows; the money is booked whatever happens here."""
    try:
        await notify_dunning(await temporal(request), notices)
    except (RPCError, RuntimeError, OSError) as error:
        log.warning("dunning_not_told", error=str(error))
        return " The dunning was not told; its next letter reads the invoice anyway."
    return ""


def _booked(done: PaymentRecorded) -> dict[str, Any]:
    return {
        "payment": done.payment_uuid,
        "paymentReference": done.payment_reference,
        "amount": done.amount,
        "paymentStatus": done.payment_status,
        "outstanding": done.outstanding,
        "overpaid": done.overpaid,
    }


@router.get("/invoices/{uuid}/invoice.pdf")
async def invoice_pdf(uuid: UUID, request: Request, seen: SignedIn) -> Response:
    """The invoice as the letters attach it, drawn now (what is paid and outstanding today)."""
    invoice = await _invoice(request, seen, uuid)
    seller = await seller_of_invoice(database(request), invoice)
    content = pdf_content(invoice, invoice.order, seller, app_settings(request), utcnow())
    return Response(
        render_invoice_pdf(content),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="invoice-{invoice.payment_reference}.pdf"'
        },
    )


@router.post("/invoices/{uuid}/{action}")
async def invoice_action(
    uuid: UUID,
    action: str,
    request: Request,
    seen: StaffOnly,
    form: PostedForm,
) -> Response:
    invoice = await _invoice(request, seen, uuid)
    reference = invoice.payment_reference
    before = {"paymentStatus": invoice.payment_status, "onHold": invoice.on_hold}
    errors: dict[str, str] = {}
    try:
        if action == "payment":
            amount = cents(form, "amount", errors, operator_locale(request), invoice.currency)
            received_on = _day(text(form, "receivedOn"), errors)
            # a day the money can have come: from the invoice's day to today, a day of slack at
            # both ends for the time zones (the operator's today may be tomorrow in UTC), never a
            # typing slip such as 9999-12-31 or 0001-01-01
            earliest = invoice.created_at.date() - timedelta(days=1)
            latest = utcnow().date() + timedelta(days=1)
            if received_on is not None and not earliest <= received_on <= latest:
                errors["receivedOn"] = f"must be between {earliest} and {latest}"
            note = text(form, "note", fits=IncomingPayment.note)
            if amount is None and "amount" not in errors:
                errors["amount"] = "the amount received is required"
            if errors:
                raise FormErrors(errors)
            assert amount is not None
            async with database(request).transaction() as session:
                done = await record_payment(
                    session,
                    await _user(session, seen),
                    reference,
                    amount,
                    received_on=received_on,
                    note=note,
                    form_sending=form_sending(request, form),
                )
            after = _booked(done)
            flash = f"Payment booked: the invoice is {done.payment_status.replace('_', ' ')}."
            if done.replayed:  # the first sending's booking, told as it was
                return redirect(f"/app/payments/invoices/{uuid}", f"{SENT_ALREADY} {flash}")
            flash += await _notify(request, [done.notice])
        elif action in ("hold", "release"):
            async with database(request).session() as session:
                view = await set_on_hold(
                    session,
                    await temporal(request),
                    await _user(session, seen),
                    reference,
                    action == "hold",
                )
            after = {"onHold": view.on_hold}
            flash = "Dunning on hold." if view.on_hold else "Dunning resumed."
        elif action == "write-off":
            async with database(request).transaction() as session:
                written: WrittenOff = await write_off(
                    session,
                    await _user(session, seen),
                    reference,
                    text(form, "kind") or "",
                    text(form, "reason", fits=InvoiceWriteOff.reason) or "",
                )
            after = {"kind": written.kind, "amount": written.amount, "reason": text(form, "reason")}
            flash = (
                f"Written off: "
                f"{format_money(written.amount, invoice.currency, operator_locale(request))} as "
                f"{written.kind.replace('_', ' ')}." + await _notify(request, [written.notice])
            )
        elif action == "payment-plan":
            instalments = whole_number(text(form, "instalments"))
            if instalments is None:
                errors["instalments"] = "is not a number of instalments"
            first = _day(text(form, "firstDue"), errors, "firstDue")
            if errors or instalments is None:
                raise FormErrors(errors)
            async with database(request).session() as session:
                view = await agree_payment_plan(
                    session,
                    await temporal(request),
                    app_settings(request),
                    await _user(session, seen),
                    reference,
                    instalments,
                    datetime.combine(first, time.min, UTC) if first else None,
                )
            after = {
                "instalments": [
                    {"number": i.number, "amount": i.amount, "dueAt": i.due_at.isoformat()}
                    for i in view.instalments
                ]
            }
            first_due = view.instalments[0].due_at if view.instalments else None
            flash = f"Payment plan agreed: {len(view.instalments)} instalments" + (
                f", the first due {first_due:%Y-%m-%d}." if first_due else "."
            )
        elif action == "edit":
            # the seller's own invoice number and URL, as PATCH /v1/api/invoices/{uuid}/ sets
            # them; the form shows both, so one emptied is cleared
            before = _seller_fields(invoice)
            typed = {name: text(form, name) for name in SELLER_FIELDS}
            await correct_invoice(database(request), invoice, build(InvoicePatchIn, typed, errors))
            after = typed
            flash = "Invoice number and URL saved."
        else:
            raise Problem("not-found", "There is no such action.")
    except (FormErrors, MoneyError) as exc:
        failure = _form_errors(exc) if isinstance(exc, MoneyError) else exc
        return await _invoice_page(
            request,
            invoice,
            status_code=exc.status if isinstance(exc, MoneyError) else 422,
            failed=action,
            errors=failure.fields,
            problem=failure.summary,
            form=values(form),
        )
    await record(
        request,
        f"invoice.{action.replace('-', '_')}",
        "invoice",
        str(uuid),
        invoice.organization_id,
        before,
        after,
    )
    return redirect(f"/app/payments/invoices/{uuid}", flash)


def _seller_fields(invoice: PaymentInvoice) -> dict[str, Any]:
    return {name: getattr(invoice, name) for name in SELLER_FIELDS}


def _day(raw: str | None, errors: dict[str, str], name: str = "receivedOn") -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "is not a date (YYYY-MM-DD)"
        return None


async def _user(session: Any, seen: Viewer) -> User:
    """The staff member, as the session of the write knows it."""
    user = await session.get(User, seen.user.id)
    assert user is not None
    return user


@router.get("/statements")
async def statement_form(request: Request, _seen: StaffOnly) -> Response:
    return render(request, "payment_statement.html", imported=None, problem=None)


@router.post("/statements")
async def statement_import(
    request: Request,
    seen: StaffOnly,
    form: PostedForm,
) -> Response:
    file = upload_of(form)
    if file is None:
        return render(
            request,
            "payment_statement.html",
            status_code=422,
            imported=None,
            problem="Choose a camt.053 file to import.",
        )
    data = await file.read()
    try:
        async with database(request).transaction() as session:
            imported: StatementImported = await import_statement(
                session, await _user(session, seen), data, file.filename or "statement.xml"
            )
    except (MoneyError, StatementError) as error:
        status = error.status if isinstance(error, MoneyError) else 422
        return render(
            request,
            "payment_statement.html",
            status_code=status,
            imported=None,
            problem=f"Nothing imported: {error}",
        )
    warning = await _notify(request, imported.notices)
    await record(
        request,
        "statement.import",
        "statement",
        imported.import_uuid,
        None,
        None,
        {
            "file": file.filename,
            "sha256": imported.file_sha256,
            "alreadyImported": imported.already_imported,
            "outcomes": [e.outcome for e in imported.entries],
        },
    )
    async with database(request).session() as session:
        bookable = await bookable_entries(session, UUID(imported.import_uuid))
        references = [e.payment.invoice_uuid for e in imported.entries if e.payment]
        invoices = {
            str(i.uuid): i for i in await invoices_by_uuid(session, [UUID(r) for r in references])
        }
    return render(
        request,
        "payment_statement.html",
        imported=imported,
        invoices=invoices,
        bookable=bookable,
        warning=warning,
        problem=None,
    )


@router.get("/statements/{import_uuid}")
async def statement_page(import_uuid: UUID, request: Request, _seen: StaffOnly) -> Response:
    return await _statement_page(request, import_uuid)


async def _statement_page(
    request: Request,
    import_uuid: UUID,
    *,
    status_code: int = 200,
    failed: int | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    db = database(request)
    statement = await bank_statement_import(db, import_uuid)
    if statement is None:
        raise Problem("not-found", f"Statement import {import_uuid} was not found.")
    ids = [e.invoice_id for e in statement.entries if e.invoice_id]
    invoices = {i.id: i for i in await invoices_by_id(db, ids)}
    return render(
        request,
        "payment_statement.html",
        status_code=status_code,
        imported=None,
        statement=statement,
        invoices_by_id=invoices,
        bookable=[e for e in statement.entries if e.outcome in BOOKABLE_BY_HAND],
        failed=failed,
        errors=errors or {},
        form=form or {},
        problem=None,
    )


@router.post("/statements/entries/{entry_id}/book")
async def book_statement_entry(
    entry_id: NonNegativeInt32,
    request: Request,
    seen: StaffOnly,
    form: PostedForm,
) -> Response:
    """An unmatched or ambiguous entry booked to the invoice staff name by its reference."""
    reference = text(form, "paymentReference") or ""
    import_uuid = await import_of_entry(database(request), entry_id)
    if import_uuid is None:
        raise Problem("not-found", "There is no such statement entry.")
    try:
        if not reference:
            raise MoneyError("name the invoice by its payment reference", "payment_reference")
        async with database(request).transaction() as session:
            done = await book_entry(session, await _user(session, seen), entry_id, reference)
    except MoneyError as error:
        return await _statement_page(
            request,
            import_uuid,
            status_code=error.status if error.status != 404 or error.field else 404,
            failed=entry_id,
            errors={"paymentReference": str(error)},
            form=values(form),
        )
    warning = await _notify(request, [done.notice])
    await record(
        request,
        "statement.book_entry",
        "invoice",
        done.invoice_uuid,
        None,
        None,
        {"entry": entry_id, "statement": str(import_uuid)} | _booked(done),
    )
    return redirect(
        f"/app/payments/statements/{import_uuid}",
        f"Entry booked to {done.payment_reference}: the invoice is "
        f"{done.payment_status.replace('_', ' ')}." + warning,
    )
