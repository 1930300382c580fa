"""Dunning's side effects: the letters (text and the invoice PDF, by e-mail) and the invoice's
dunning fields in the read model; and how an invoice's dunning workflow is started.

A letter is sent by ``send_dunning_letter``: it reads the invoice, and sends nothing when the
invoice is closed (paid, refunded, written off) — the database, not a signal that may come
late, has the last word. Otherwise it renders the letter and the invoice PDF, hands them to
``EmailActivities.send_email`` and then, in one transaction, keeps the letter and sets the
step's NOTYD counter, ``*_sent_at`` and ``dunning_status``. The PDF never travels through
workflow history: it is rendered here and only its sha256 is kept.

Each letter has a key unique per invoice (``REMINDER_1``, ``PLAN1-INSTALMENT-2``), so a retry
after the write finds the letter and does nothing more. A retry after the relay took the
message but before the write sends it again with the same Message-ID (at least once; the
receiver can tell). An address the relay refuses for good is kept as a FAILED letter: the
step is reached (``dunning_status`` moves on) but no letter counts as sent.

The workflow is referred to by name here (it imports this module).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from jinja2 import FileSystemLoader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

from activities.email import SMTP_PERMANENT, EmailActivities
from activities.orders.invoice_pdf import (
    InvoiceDiscountFacts,
    InvoiceLineFacts,
    InvoicePdfContent,
    render_invoice_pdf,
)
from activities.workflow_metadata import dunning_start
from settings import Settings
from store import i18n
from store.db import Database
from store.i18n import BuyerLocale
from store.models import DunningLetter, Partner, PaymentInvoice, PaymentOrder
from store.payments.payment_money import balance_of
from workflows.activities import EmailAttachment, OutgoingEmail
from workflows.ids import dunning_workflow_id
from workflows.payments import activities as interface
from workflows.payments.activities import (
    DUNNING_WORKFLOW,
    INVOICE_LETTER,
    DunningInput,
    DunningStateChange,
    InvoiceBalance,
    InvoiceRef,
    LetterOutcome,
    LetterRequest,
)
from workflows.payments.rules.dunning import (
    DunningStep,
    counter_fields,
    status_of,
)

LETTERS = FileSystemLoader(Path(__file__).resolve().parents[2] / "store" / "templates")
INSTALMENT = "INSTALMENT"
SENT, FAILED = "SENT", "FAILED"


def dunning_input(settings: Settings, invoice_uuid: str, due_at: datetime) -> DunningInput:
    return DunningInput(
        invoice_uuid=invoice_uuid,
        due_at=due_at,
        ladder=settings.dunning_offsets.ladder(),
        plan_grace=settings.payment_plan_grace,
        activity_timeout=settings.activity_timeout,
    )


async def start_dunning(
    client: Client,
    settings: Settings,
    invoice_uuid: str,
    due_at: datetime,
    payment_reference: str | None = None,
) -> None:
    """Start the invoice's dunning; a second start for the same invoice changes nothing.
    ``payment_reference``: the invoice's number, to find its dunning in the Temporal UI."""
    await client.start_workflow(
        DUNNING_WORKFLOW,
        dunning_input(settings, invoice_uuid, due_at),
        id=dunning_workflow_id(invoice_uuid),
        task_queue=settings.task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        **dunning_start(
            invoice_uuid=invoice_uuid, payment_reference=payment_reference, due_at=due_at
        ),
    )


def _closed(invoice: PaymentInvoice) -> bool:
    """Nothing is owed any more (paid, credited in full, written off): no letter goes out."""
    return balance_of(invoice).outstanding == 0


# ----- the letters -----


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Sender:
    """Who the letter is from (the platform's legal entity, for the seller) and whom to ask."""

    legal_entity: str
    legal_address: str
    contact: str

    @classmethod
    def of(cls, settings: Settings) -> Sender:
        return cls(
            settings.platform_legal_name,
            settings.platform_legal_address,
            settings.buyer_contact_email,
        )


def step_name(step: DunningStep, t: BuyerLocale) -> str:
    """What the buyer reads a ladder step as, in the order the ladder sends them: nothing that
    sounds like a first step comes after one that says "first"."""
    return {
        DunningStep.UPCOMING_PAYMENT: t.gettext("Upcoming payment"),
        DunningStep.INVOICE_DUE: t.gettext("Invoice due"),
        DunningStep.FREE_REMINDER: t.gettext("Payment reminder"),
        DunningStep.REMINDER_1: t.gettext("First reminder"),
        DunningStep.REMINDER_2: t.gettext("Second reminder"),
        DunningStep.LAST_NOTICE: t.gettext("Final reminder"),
        DunningStep.COLLECTION_CALLS: t.gettext("Collection call"),
        DunningStep.DCA_HANDOVER: t.gettext("Handed over for collection"),
    }[step]


def compose_letter(
    request: LetterRequest,
    content: InvoicePdfContent,
    amount_due: int,
    t: BuyerLocale,
    first_name: str | None,
    sender: Sender,
) -> Letter:
    """Subject, plain text and HTML of the letter, in the buyer's language (``t``)."""
    values: dict[str, str | int] = {  # the letter's %-placeholders
        "ref": content.payment_reference,
        "seller": content.seller_name,
        "due": t.date(content.due_at),
        "amount": t.money(amount_due, content.currency),
    }
    greeting = (
        t.gettext("Dear %(name)s,") % {"name": first_name}
        if first_name
        else t.gettext("Dear Sir or Madam,")
    )
    if request.invoice_notice:
        subject = t.gettext("Your invoice %(ref)s from %(seller)s") % values
        paragraphs = [
            t.gettext(
                "thank you for your order with %(seller)s. Attached is your invoice %(ref)s "
                "for %(amount)s, payable by %(due)s."
            )
            % values,
            t.gettext(
                "%(seller)s has assigned the claim to us: please pay the invoice to the "
                "account below, not to the seller."
            )
            % values,
        ]
    elif request.instalment is not None:
        values |= {
            "number": request.instalment.number,
            "count": request.instalments,
            "instalment_due": t.date(request.instalment.due_at),
        }
        subject = (
            t.gettext("Instalment %(number)s of %(count)s for invoice %(ref)s: %(amount)s due")
            % values
        )
        paragraphs = [
            t.gettext(
                "as agreed in your payment plan for invoice %(ref)s of %(seller)s, instalment "
                "%(number)s of %(count)s (%(amount)s) is due on %(instalment_due)s."
            )
            % values
        ]
    else:
        step = request.step
        assert step is not None
        subject = t.gettext("%(step)s: %(subject)s") % {
            "step": step_name(step, t),
            "subject": _step_subject(step, t) % values,
        }
        paragraphs = [_step_body(step, t) % values]
    context = {
        "subject": subject,
        "greeting": greeting,
        "paragraphs": paragraphs,
        "invoice_number": content.external_invoice_uid or content.payment_reference,
        "reference": content.payment_reference,
        "issued_at": content.issued_at,
        "due_at": content.due_at,
        "amount_due": amount_due,
        "currency": content.currency,
        "account_holder": content.account_holder,
        "iban": content.iban,
        "bic": content.bic,
        "seller": content.seller_name,
        "legal_entity": sender.legal_entity,
        "legal_address": sender.legal_address,
        "contact": sender.contact,
    }
    return Letter(
        subject,
        i18n.render(LETTERS, "letters/letter.txt", t, **context),
        i18n.render(LETTERS, "letters/letter.html", t, **context),
    )


def _step_subject(step: DunningStep, t: BuyerLocale) -> str:
    return {
        DunningStep.UPCOMING_PAYMENT: t.gettext("invoice %(ref)s is due on %(due)s"),
        DunningStep.INVOICE_DUE: t.gettext("invoice %(ref)s is due today"),
        DunningStep.FREE_REMINDER: t.gettext("invoice %(ref)s is overdue"),
        DunningStep.REMINDER_1: t.gettext("invoice %(ref)s is still unpaid"),
        DunningStep.REMINDER_2: t.gettext("invoice %(ref)s is still unpaid"),
        DunningStep.LAST_NOTICE: t.gettext("invoice %(ref)s before collection"),
        DunningStep.COLLECTION_CALLS: t.gettext("invoice %(ref)s, we will call you"),
        DunningStep.DCA_HANDOVER: t.gettext("invoice %(ref)s"),
    }[step]


def _step_body(step: DunningStep, t: BuyerLocale) -> str:
    return {
        DunningStep.UPCOMING_PAYMENT: t.gettext(
            "a friendly note: your invoice %(ref)s from %(seller)s is due on %(due)s. If you "
            "have paid already, thank you."
        ),
        DunningStep.INVOICE_DUE: t.gettext(
            "your invoice %(ref)s from %(seller)s is due today (%(due)s)."
        ),
        DunningStep.FREE_REMINDER: t.gettext(
            "we have not received the payment of invoice %(ref)s from %(seller)s, due on "
            "%(due)s. Perhaps it slipped through: this reminder is free of charge."
        ),
        DunningStep.REMINDER_1: t.gettext(
            "invoice %(ref)s from %(seller)s was due on %(due)s and is still unpaid. Please pay "
            "%(amount)s now."
        ),
        DunningStep.REMINDER_2: t.gettext(
            "despite our reminder, invoice %(ref)s from %(seller)s, due on %(due)s, is still "
            "unpaid. Please pay %(amount)s within seven days."
        ),
        DunningStep.LAST_NOTICE: t.gettext(
            "invoice %(ref)s from %(seller)s, due on %(due)s, is still unpaid. This is our last "
            "reminder: without payment we will hand the claim over for collection."
        ),
        DunningStep.COLLECTION_CALLS: t.gettext(
            "invoice %(ref)s from %(seller)s, due on %(due)s, is still unpaid. Our collection "
            "team will call you to settle it."
        ),
        DunningStep.DCA_HANDOVER: t.gettext(
            "as invoice %(ref)s from %(seller)s, due on %(due)s, remained unpaid, we have "
            "handed the claim over to a debt collection agency, which will contact you. "
            "Payments to us are still matched until then."
        ),
    }[step]


def _address_lines(address: dict[str, str | None]) -> tuple[str, ...]:
    street = address.get("street_address_1") or " ".join(
        part
        for part in (
            address.get("street"),
            address.get("house_number"),
            address.get("house_number_suffix"),
        )
        if part
    )
    lines = (
        street,
        address.get("street_address_2"),
        " ".join(p for p in (address.get("postal_code"), address.get("city")) if p),
        address.get("region"),
        address.get("country"),
    )
    return tuple(line for line in lines if line)


def _tax_rate(rate: Decimal) -> str:
    return f"{rate:.2f}"


def pdf_content(
    invoice: PaymentInvoice, order: PaymentOrder, seller: Partner, settings: Settings, at: datetime
) -> InvoicePdfContent:
    company = order.buyer_company
    representative = order.buyer_representative
    balance = balance_of(invoice)
    return InvoicePdfContent(
        payment_reference=invoice.payment_reference,
        invoice_uuid=str(invoice.uuid),
        external_invoice_uid=invoice.external_invoice_uid,
        currency=invoice.currency,
        issued_at=invoice.created_at,
        due_at=invoice.due_date,
        seller_name=seller.name,
        seller_country=seller.country,
        seller_vat_number=seller.vat_number,
        buyer_name=company.get("name") or company.get("registration_number") or "-",
        buyer_vat_number=company.get("vat_number"),
        buyer_registration_number=company.get("registration_number"),
        billing_address=_address_lines(order.billing_address),
        representative=" ".join(
            p for p in (representative.get("first_name"), representative.get("last_name")) if p
        ),
        lines=tuple(
            InvoiceLineFacts(
                product_id=line.product_id,
                product_name=line.product_name,
                quantity=line.quantity,
                tax_rate=_tax_rate(line.product_tax_rate_percentage),
                unit_price_incl_tax=line.product_price_incl_tax,
                total_excl_tax=line.total_product_price_excl_tax,
                total_incl_tax=line.total_product_price_incl_tax,
            )
            for line in invoice.lines
        ),
        total_excl_tax=invoice.total_amount_excl_tax,
        total_tax=invoice.total_amount_tax,
        total_incl_tax=invoice.total_amount_incl_tax,
        refunded=invoice.refunded_amount_incl_tax,
        paid=invoice.paid_amount,
        outstanding=balance.outstanding,
        account_holder=settings.payments_account_holder,
        iban=settings.payments_iban,
        bic=settings.payments_bic,
        generated_at=at,
        discount=_discount_facts(invoice.discount),
    )


def _discount_facts(discount: dict[str, Any] | None) -> InvoiceDiscountFacts | None:
    """The invoice's discount (``Discount.as_json``), for its PDF."""
    if discount is None:
        return None
    return InvoiceDiscountFacts(
        description=discount.get("description") or "",
        amount_excl_tax=discount["amount_excl_tax"],
        amount_incl_tax=discount["amount_incl_tax"],
    )


class DunningActivities(interface.DunningActivities):
    def __init__(self, db: Database, settings: Settings, email: EmailActivities) -> None:
        self.db = db
        self.settings = settings
        self.email = email

    @activity.defn
    async def invoice_balance(self, ref: InvoiceRef) -> InvoiceBalance:
        async with self.db.session() as session:
            invoice = await _load_invoice(session, ref.invoice_uuid)
        return InvoiceBalance(balance_of(invoice).outstanding, _closed(invoice))

    @activity.defn
    async def send_dunning_letter(self, request: LetterRequest) -> LetterOutcome:
        async with self.db.session() as session:
            invoice = await _load_invoice(session, request.invoice_uuid)
            outstanding = balance_of(invoice).outstanding
            done = await session.scalar(
                select(DunningLetter.status).where(
                    DunningLetter.invoice_id == invoice.id,
                    DunningLetter.letter_key == request.letter_key,
                )
            )
            if done is not None:  # a retry after the write: the letter is out
                return LetterOutcome(done == SENT, _closed(invoice), outstanding)
            if _closed(invoice):
                return LetterOutcome(False, True, 0)
            amount_due = _amount_due(request, invoice, outstanding)
            if amount_due == 0:  # an instalment paid ahead of its date
                return LetterOutcome(False, False, outstanding)
            order = await session.get_one(PaymentOrder, invoice.order_id)
            seller = await session.get_one(Partner, invoice.partner_id)
        content = pdf_content(invoice, order, seller, self.settings, request.sent_at)
        representative = order.buyer_representative
        letter = compose_letter(
            request,
            content,
            amount_due,
            BuyerLocale(order.locale),
            representative.get("first_name"),
            Sender.of(self.settings),
        )
        pdf = render_invoice_pdf(content)
        recipient = representative.get("email") or ""
        status, error, message_id = SENT, None, None
        try:
            if not recipient:
                raise ApplicationError("the order names no e-mail address", type=SMTP_PERMANENT)
            message_id = await self.email.send_email(
                OutgoingEmail(
                    to=[recipient],
                    subject=letter.subject,
                    text=letter.text,
                    html=letter.html,
                    reply_to=self.settings.buyer_contact_email or None,
                    attachments=[
                        EmailAttachment(
                            f"invoice-{invoice.payment_reference}.pdf", "application/pdf", pdf
                        )
                    ],
                )
            )
        except ApplicationError as failure:
            if failure.type != SMTP_PERMANENT:
                raise  # transient: Temporal retries the letter
            status, error = FAILED, str(failure)[:500]
        await self._record_letter(
            invoice.id, request, letter, recipient, amount_due, status, error, message_id, pdf
        )
        return LetterOutcome(status == SENT, False, outstanding)

    async def _record_letter(
        self,
        invoice_id: int,
        request: LetterRequest,
        letter: Letter,
        recipient: str,
        amount_due: int,
        status: str,
        error: str | None,
        message_id: str | None,
        pdf: bytes,
    ) -> None:
        async with self.db.transaction() as session:
            invoice = await session.scalar(
                select(PaymentInvoice).where(PaymentInvoice.id == invoice_id).with_for_update()
            )
            assert invoice is not None
            session.add(
                DunningLetter(
                    invoice_id=invoice_id,
                    letter_key=request.letter_key,
                    step=_letter_step(request),
                    instalment_number=request.instalment.number if request.instalment else None,
                    amount_due=amount_due,
                    recipient=recipient,
                    subject=letter.subject,
                    status=status,
                    error=error,
                    message_id=message_id,
                    pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                    sent_at=request.sent_at,
                )
            )
            if request.step is not None:
                invoice.dunning_status = status_of(request.step).value
                fields = counter_fields(request.step)
                if fields and status == SENT:
                    counter, sent_at = fields
                    setattr(invoice, counter, getattr(invoice, counter) + 1)
                    setattr(invoice, sent_at, request.sent_at)
            invoice.updated_at = request.sent_at

    @activity.defn
    async def record_dunning_state(self, change: DunningStateChange) -> None:
        """``dunning_status`` and ``on_hold`` as the workflow decided them."""
        async with self.db.transaction() as session:
            invoice = await _load_invoice(session, change.invoice_uuid, lock=True)
            if change.dunning_status is not None:
                invoice.dunning_status = change.dunning_status
            if change.on_hold is not None and invoice.on_hold != change.on_hold:
                invoice.on_hold = change.on_hold
                invoice.on_hold_at = change.at
            invoice.updated_at = change.at


async def _load_invoice(
    session: AsyncSession, invoice_uuid: str, *, lock: bool = False
) -> PaymentInvoice:
    query = select(PaymentInvoice).where(PaymentInvoice.uuid == UUID(invoice_uuid))
    query = query.with_for_update() if lock else query.options(selectinload(PaymentInvoice.lines))
    invoice = await session.scalar(query)
    if invoice is None:  # the invoice's own workflow: it cannot be missing but by a bug
        raise ApplicationError(
            f"unknown invoice {invoice_uuid}", type="UNKNOWN_INVOICE", non_retryable=True
        )
    return invoice


def _letter_step(request: LetterRequest) -> str:
    if request.step is not None:
        return request.step.value
    return INVOICE_LETTER if request.invoice_notice else INSTALMENT


def _amount_due(request: LetterRequest, invoice: PaymentInvoice, outstanding: int) -> int:
    """What the letter asks for: all that is outstanding, or what the plan wants by now
    (less what was paid towards the plan ahead of time)."""
    if request.instalment is None:
        return outstanding
    paid_towards_plan = request.plan_total - outstanding
    return max(min(request.plan_due_by_now - paid_towards_plan, outstanding), 0)
