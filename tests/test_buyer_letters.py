"""The buyer's mail: the invoice e-mailed when a capture creates it, and every letter in the
buyer's language (German, French, Dutch, English as the fallback) as HTML with a plain-text
part, a sender block, a contact, the invoice number and the payment reference."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from io import BytesIO
from uuid import uuid4

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from activities.orders.invoice_pdf import InvoiceLineFacts, InvoicePdfContent, render_invoice_pdf
from activities.payments.dunning import Sender, compose_letter, start_dunning, step_name
from sandboxes.mail import MailCatcher
from store.i18n import BuyerLocale
from store.models import DunningLetter
from tests.conftest import Stack, capture_history
from tests.payment_invoices import captured_invoice, invoice_row
from tests.test_payment_orders import confirm_on_page, create, make_seller, order_request
from workflows.ids import dunning_workflow_id
from workflows.payments.activities import INVOICE_LETTER, LetterRequest
from workflows.payments.rules.dunning import DunningStep

SENDER = Sender("NT24 Payments GmbH", "Friedrichstraße 100, 10117 Berlin", "payments@nt24.test")


def content(**overrides: object) -> InvoicePdfContent:
    facts: dict[str, object] = dict(
        payment_reference="NTYPR7Q3M9X",
        invoice_uuid=str(uuid4()),
        external_invoice_uid="RE-2026-0042",
        currency="EUR",
        issued_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
        due_at=datetime(2026, 3, 16, 10, tzinfo=UTC),
        seller_name="Autohaus Nord GmbH",
        seller_country="DE",
        seller_vat_number="DE136695976",
        buyer_name="Fahrzeughandel Berg GmbH",
        buyer_vat_number=None,
        buyer_registration_number=None,
        billing_address=(),
        representative="Jana Berg",
        lines=(),
        total_excl_tax=15_546_22,
        total_tax=2_953_78,
        total_incl_tax=18_500_00,
        refunded=0,
        paid=0,
        outstanding=18_500_00,
        account_holder="NT24 Payments GmbH",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        generated_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    return InvoicePdfContent(**(facts | overrides))  # type: ignore[arg-type]


def reminder(step: DunningStep = DunningStep.FREE_REMINDER) -> LetterRequest:
    return LetterRequest("x", step.value, datetime(2026, 3, 23, tzinfo=UTC), step=step)


# (locale, subject, greeting, amount, due date, the invoice-number label)
LETTERS = [
    (
        "de",
        "Zahlungserinnerung: Rechnung NTYPR7Q3M9X ist überfällig",
        "Guten Tag Jana,",
        "18.500,00\xa0€",
        "16. März 2026",
        "Rechnungsnummer",
    ),
    (
        "fr_BE",
        "Rappel de paiement : la facture NTYPR7Q3M9X est échue",
        "Bonjour Jana,",
        "18\u202f500,00\xa0€",
        "16 mars 2026",
        "Numéro de facture",
    ),
    (
        "nl",
        "Betalingsherinnering: factuur NTYPR7Q3M9X is vervallen",
        "Beste Jana,",
        "€\xa018.500,00",
        "16 maart 2026",
        "Factuurnummer",
    ),
    (
        "en",
        "Payment reminder: invoice NTYPR7Q3M9X is overdue",
        "Dear Jana,",
        "€18,500.00",
        "March 16, 2026",
        "Invoice number",
    ),
]


@pytest.mark.parametrize(("locale", "subject", "greeting", "amount", "due", "label"), LETTERS)
def test_a_letter_in_each_language(
    locale: str, subject: str, greeting: str, amount: str, due: str, label: str
) -> None:
    letter = compose_letter(reminder(), content(), 18_500_00, BuyerLocale(locale), "Jana", SENDER)
    assert letter.subject == subject
    for part in (letter.text, letter.html):
        assert greeting in part
        assert amount in part and due in part
        assert f"{label}" in part and "RE-2026-0042" in part  # the invoice number
        assert part.count("NTYPR7Q3M9X") >= 2  # subject line aside: reference and details
        assert "NT24 Payments GmbH" in part and "Autohaus Nord GmbH" in part  # sender block
        assert "payments@nt24.test" in part  # whom to ask
        assert "DE89370400440532013000" in part
    assert f'<html lang="{locale[:2]}">' in letter.html


def test_an_order_in_another_language_reads_english() -> None:
    letter = compose_letter(reminder(), content(), 595_00, BuyerLocale("es_ES"), None, SENDER)
    assert letter.subject == "Payment reminder: invoice NTYPR7Q3M9X is overdue"
    assert letter.text.startswith("Dear Sir or Madam,") and "€595.00" in letter.text


@pytest.mark.parametrize("locale", ["en", "de", "fr", "nl"])
def test_the_ladder_names_its_steps_in_an_order_that_makes_sense(locale: str) -> None:
    t = BuyerLocale(locale)
    names = [step_name(step, t) for step in DunningStep]
    assert len(set(names)) == len(names)  # every step its own name
    if locale == "en":
        assert names == [
            "Upcoming payment",
            "Invoice due",
            "Payment reminder",
            "First reminder",
            "Second reminder",
            "Final reminder",
            "Collection call",
            "Handed over for collection",
        ]
    # the free reminder is not a numbered one: nothing "first" comes before it
    first = names.index(step_name(DunningStep.REMINDER_1, t))
    assert names.index(step_name(DunningStep.FREE_REMINDER, t)) < first


def test_the_invoice_mail_says_what_it_is() -> None:
    request = LetterRequest("x", INVOICE_LETTER, datetime.now(UTC), invoice_notice=True)
    letter = compose_letter(request, content(), 18_500_00, BuyerLocale("de"), "Jana", SENDER)
    assert letter.subject == "Ihre Rechnung NTYPR7Q3M9X von Autohaus Nord GmbH"
    assert "Anbei erhalten Sie Ihre Rechnung NTYPR7Q3M9X über 18.500,00\xa0€" in letter.text
    assert "zahlbar bis 16. März 2026" in letter.text


async def test_the_invoice_is_emailed_when_its_dunning_starts(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment, mail_catcher: MailCatcher
) -> None:
    stack = skipping_stack
    invoice = await captured_invoice(stack.db, await time_skipping.get_current_time())
    await start_dunning(stack.client, stack.settings, invoice.uuid, invoice.due_at)
    mail = await mail_catcher.wait_for(lambda m: invoice.email in m.recipients, timeout=20)
    ref = invoice.payment_reference
    assert mail.subject.startswith(f"Ihre Rechnung {ref} von Autoteile ")  # locale de
    assert mail.html is not None and ref in mail.html and "595,00\xa0€" in mail.text
    [pdf] = mail.attachments
    assert pdf.filename == f"invoice-{ref}.pdf" and pdf.content.startswith(b"%PDF")
    assert mail.parsed["Reply-To"] == stack.settings.buyer_contact_email
    row = await invoice_row(stack.db, invoice.uuid)
    async with asyncio.timeout(10):  # the letter is kept just after the relay took it
        while True:
            async with stack.db.session() as session:
                kept_letters = list(
                    await session.scalars(
                        select(DunningLetter).where(DunningLetter.invoice_id == row.id)
                    )
                )
            if kept_letters:
                break
            await asyncio.sleep(0.05)
    [kept] = kept_letters
    assert (kept.letter_key, kept.step, kept.status) == ("INVOICE", "INVOICE", "SENT")
    assert kept.amount_due == 595_00 and kept.message_id == mail.message_id
    # the invoice is no step of the ladder: no counter, no dunning status yet
    assert (row.dunning_status, row.upcoming_payment_reminder_sent) == (0, 0)
    handle = stack.client.get_workflow_handle(dunning_workflow_id(invoice.uuid))
    await capture_history(handle, "dunning_invoice_letter")  # with the patch's marker


async def test_a_capture_over_http_emails_its_invoice(stack: Stack, mail_catcher: MailCatcher):
    seller = await make_seller(stack, stack.db)
    email = f"ada-{uuid4().hex[:8]}@example.com"
    body = order_request(
        buyer_representative={"first_name": "Ada", "last_name": "Buyer", "email": email}
    )
    order = await create(stack, seller, body)
    assert (await confirm_on_page(stack, order)).status_code == 302
    async with stack.http(seller.token) as http:
        captured = await http.post(
            f"/v1/api/orders/{order['uuid']}/capture/", json={"external_invoice_uid": "F-77"}
        )
    assert captured.status_code == 200, captured.text
    ref = captured.json()["payment_reference"]
    mail = await mail_catcher.wait_for(lambda m: email in m.recipients, timeout=20)
    assert mail.subject.startswith(f"Uw factuur {ref} van Seller ")  # the order's locale: nl
    assert "Factuurnummer: F-77" in mail.text and "€\xa01.197,90" in mail.text
    assert mail.attachments[0].content.startswith(b"%PDF")


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


async def test_the_buyers_invoice_of_a_discounted_order_adds_up(
    stack: Stack, mail_catcher: MailCatcher
) -> None:
    """The order's lines (2 x 484.00 + 242.00 = 1,210.00 EUR) less its discount (Spring,
    12.10 EUR) are the invoice's 1,197.90 EUR: the PDF e-mailed to the buyer shows the
    discount the capture took among the lines, so that they add up to its totals (it showed
    the lines and the totals only)."""
    seller = await make_seller(stack, stack.db)
    email = f"ada-{uuid4().hex[:8]}@example.com"
    body = order_request(
        buyer_representative={"first_name": "Ada", "last_name": "Buyer", "email": email}
    )
    order = await create(stack, seller, body)
    assert (await confirm_on_page(stack, order)).status_code == 302
    async with stack.http(seller.token) as http:
        captured = await http.post(f"/v1/api/orders/{order['uuid']}/capture/", json={})
    assert captured.status_code == 200, captured.text
    mail = await mail_catcher.wait_for(lambda m: email in m.recipients, timeout=20)
    text = pdf_text(mail.attachments[0].content)
    assert "Discount: Spring -10.00 EUR -12.10 EUR" in text, text
    assert "Total excl. tax 990.00 EUR" in text and "Total incl. tax 1,197.90 EUR" in text
    # an invoice without a discount has no such row
    plain = content(
        lines=(InvoiceLineFacts("A", "Car", 1, "19.00", 18_500_00, 15_546_22, 18_500_00),)
    )
    assert "Discount" not in pdf_text(render_invoice_pdf(plain))
