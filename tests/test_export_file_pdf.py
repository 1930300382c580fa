"""The Export File PDF, rendered with reportlab and read back with pypdf as an auditor would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph
from reportlab.platypus.paraparser import ParaParser

from activities.orders import export_file_pdf
from activities.orders.export_file_pdf import (
    AddressFacts,
    BuyerFacts,
    DeliveryFacts,
    DocumentFacts,
    ExportFileContent,
    InvoiceFacts,
    InvoiceVersionFacts,
    OrderFacts,
    PaymentFacts,
    PickupFacts,
    RevocationFacts,
    SellerFacts,
    SupersededVersion,
    TransportFacts,
    VehicleFacts,
    ViesCheckFacts,
    format_money,
    format_timestamp,
    mask_iban,
    mask_ibans,
    render_export_file,
)
from workflows.money import Money
from workflows.orders.rules.outcome import Blocker, RuleResult

pytestmark = pytest.mark.fast

GENERATED_AT = datetime(2026, 5, 4, 9, 30, 15, tzinfo=UTC)
ORDER_UUID = "3f1c2a9e-8b7d-4c52-9a1e-6d0f5b2c7e41"
CONSULTATIONS = ("WAPIAAAAZ0f4lEdN", "WAPIAAAAZ1Ax9kQm", "WAPIAAAAZ2Bq7rTs")
SHA256S = ("a3" * 32, "5c" * 32, "e0" * 32, "17" * 32)
RULE_IDS = (
    "BUYER_VAT_VALID_IN_VIES",
    "INVOICE_MATCHES_ORDER",
    "PAYMENT_MATCHES_INVOICE",
    "TRANSPORT_INDEPENDENT_EVIDENCE",
)


def seller() -> SellerFacts:
    return SellerFacts("Autohaus Nord GmbH", "DE", "DE136695976")


def buyer() -> BuyerFacts:
    return BuyerFacts(
        company_name="Łódź Auto Sp. z o.o. & Partnerzy",
        vat_number="PL8567346215",
        address=AddressFacts("ul. Piotrkowska 12", "90-001", "Łódź", "PL"),
        kyc_mode="NT24_LED",
        kyc_status="VALID",
        verification_status="VERIFIED",
        aml_status="CLEAR",
    )


def full_content() -> ExportFileContent:
    checks = tuple(
        ViesCheckFacts(
            checked_at=datetime(2026, 4, 20 + day, 6, 0, tzinfo=UTC),
            vat_number="PL8567346215",
            result="VALID",
            request_identifier=consultation,
            name="ŁÓDŹ AUTO SP. Z O.O.",
            address="UL. PIOTRKOWSKA 12, 90-001 ŁÓDŹ",
            trigger="DAILY" if day else "UPSERT",
        )
        for day, consultation in enumerate(CONSULTATIONS)
    )
    outage = ViesCheckFacts(
        checked_at=datetime(2026, 4, 23, 6, 0, tzinfo=UTC),
        vat_number="PL8567346215",
        result="UNKNOWN",
        error_code="MS_UNAVAILABLE",
        trigger="DAILY",
    )
    pickup = PickupFacts("COMPANY_TRANSPORT", date(2026, 4, 22), "DE-PL-2026-0815", "DE")
    mistaken = PickupFacts("SELF_PICKUP", date(2026, 4, 21), "DE-PL-2026-0001", "DE")
    documents = tuple(
        DocumentFacts(
            type=kind,
            document_date=date(2026, 4, 21),
            issuer_type=issuer,
            issuer_name=issuer_name,
            file_name=file_name,
            size=size,
            sha256=sha256,
            status=status,
            uploaded_at=datetime(2026, 4, 21, 14, 5, tzinfo=UTC),
        )
        for (kind, issuer, issuer_name, file_name, size, status), sha256 in zip(
            [
                (
                    "SHIPMENT_PRELIMINARY_INVOICE",
                    "SELLER",
                    None,
                    "RE-2026-0042.pdf",
                    48213,
                    "ACTIVE",
                ),
                (
                    "PAYMENT_CONFIRMATION",
                    "BANK",
                    "PKO Bank Polski",
                    "przelew.pdf",
                    120455,
                    "ACTIVE",
                ),
                (
                    "TRANSPORT_CMR",
                    "CARRIER",
                    "Spedition Ost",
                    "cmr-old.jpg",
                    2_334_019,
                    "SUPERSEDED",
                ),
                ("TRANSPORT_CMR", "CARRIER", "Spedition Ost", "cmr.pdf", 912_077, "ACTIVE"),
            ],
            SHA256S,
            strict=True,
        )
    )
    return ExportFileContent(
        version=2,
        generated_at=GENERATED_AT,
        organization_name="Santander Consumer Bank",
        seller=seller(),
        order=OrderFacts(
            uuid=ORDER_UUID,
            external_order_id="MP-2026-000042",
            status="COMPLIANCE_VALID",
            purchase_date=date(2026, 4, 18),
            total_amount=Money(3_700_000),
            vins=(
                VehicleFacts(
                    "WVWZZZ1KZAW000001",
                    "Volkswagen",
                    "Golf",
                    Money(1_850_000),
                    84_500,
                    date(2019, 3, 1),
                ),
                VehicleFacts(
                    "WVWZZZ1KZAW000002",
                    "Volkswagen",
                    "Passat",
                    Money(1_850_000),
                    120_000,
                    date(2018, 7, 15),
                    ("VIN check digit could not be verified",),
                ),
            ),
        ),
        buyer=buyer(),
        compliance_status="VALID",
        decision="VALID_EXPORT",
        vies_checks=(*checks, outage),
        invoices=(
            InvoiceFacts("PRELIMINARY", "RE-2026-0042", date(2026, 4, 18), Money(3_700_000), False),
            InvoiceFacts("FINAL", "RE-2026-0057", date(2026, 5, 2), Money(3_700_000), False),
        ),
        payments=(
            PaymentFacts(
                date(2026, 4, 19),
                Money(3_500_000),
                Money(200_000),
                "PL61 1090 1014 0000 0712 1981 2874",
                amount_matches_invoice=True,
                iban_consistent=True,
            ),
        ),
        transport=TransportFacts(
            pickup=pickup,
            delivery=DeliveryFacts(date(2026, 4, 24), "PL"),
            revocations=(
                RevocationFacts(
                    "Wrong pickup type: a carrier collected the vehicles",
                    datetime(2026, 4, 21, 16, 45, tzinfo=UTC),
                    mistaken,
                ),
            ),
        ),
        documents=documents,
        rules=tuple(
            RuleResult(rule_id, "PASSED", "Checked on the evidence below.", basis)
            for rule_id, basis in zip(
                RULE_IDS,
                (
                    "Art. 138(1)(b) VAT Directive",
                    "Art. 226 VAT Directive",
                    "Art. 138(1) VAT Directive",
                    "Art. 45a(1)(a) Regulation 282/2011",
                ),
                strict=True,
            )
        ),
        superseded_versions=(
            SupersededVersion(1, datetime(2026, 4, 24, 18, 0, tzinfo=UTC), "Final invoice added"),
        ),
    )


def minimal_content() -> ExportFileContent:
    return ExportFileContent(
        version=1,
        generated_at=GENERATED_AT,
        organization_name="Marketplace",
        seller=SellerFacts("Autohaus", "DE", None),
        order=OrderFacts(
            uuid=ORDER_UUID,
            external_order_id="MP-1",
            status="COMPLIANCE_INVALID",
            purchase_date=None,
            total_amount=Money(1_850_000),
            vins=(VehicleFacts("WVWZZZ1KZAW000001"),),
        ),
        buyer=buyer(),
        compliance_status="INVALID",
        decision="VAT_APPLICABLE",
        blockers=(Blocker("buyer", "VIES_INVALID", "VIES said <invalid> on 2026-04-22 & after"),),
    )


def text_of(pdf: bytes) -> str:
    """The words of every page, wrapped lines joined: a sentence is found whatever its width."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf)).pages)


def test_the_full_export_file_carries_every_key_fact():
    pdf = render_export_file(full_content())
    reader = PdfReader(BytesIO(pdf))
    text = text_of(pdf)

    assert len(reader.pages) > 1
    for fact in (
        ORDER_UUID,
        "MP-2026-000042",
        "VALID_EXPORT",
        "VAT-exempt intra-community supply",
        "Article 138(1) of Council Directive 2006/112/EC",
        "Regulation (EU) No 282/2011",
        "Łódź Auto Sp. z o.o. & Partnerzy",
        "WVWZZZ1KZAW000001",
        "WVWZZZ1KZAW000002",
        "37,000.00 EUR",
        "84,500 km",
        "MS_UNAVAILABLE",
        "Wrong pickup type: a carrier collected the vehicles",
        "2026-04-21T16:45:00Z",
        "SUPERSEDED",
        "Final invoice added",
        *CONSULTATIONS,
        *SHA256S,
        *RULE_IDS,
    ):
        assert fact in text, fact
    # The IBAN is printed masked: only its last 4 characters
    assert "2874" in text
    assert "PL61" not in text and "1090" not in text


def test_every_page_is_footed_with_order_version_time_and_page_of_pages():
    pdf = render_export_file(full_content())
    pages = PdfReader(BytesIO(pdf)).pages
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f"page {number} of {len(pages)}" in text
        assert f"Order {ORDER_UUID}" in text
        assert "Export File version 2" in text
        assert "generated 2026-05-04T09:30:15Z" in text


def test_a_minimal_export_file_says_why_vat_applies():
    text = text_of(render_export_file(minimal_content()))
    for fact in (
        ORDER_UUID,
        "VAT_APPLICABLE",
        "VAT applies",
        "VIES_INVALID",
        "VIES said <invalid> on 2026-04-22 & after",  # user text is printed, never markup
        "18,500.00 EUR",
    ):
        assert fact in text, fact
    assert "None recorded." in text


def test_an_export_file_without_a_decision_says_so():
    content = replace(minimal_content(), compliance_status="INCOMPLETE", decision=None)
    text = text_of(render_export_file(content))
    assert "No decision" in text
    assert "Compliance is INCOMPLETE" in text


def test_the_same_content_renders_to_the_same_bytes_dated_by_the_content():
    content = full_content()
    first = render_export_file(content)

    assert render_export_file(content) == first
    assert PdfReader(BytesIO(first)).metadata.creation_date == GENERATED_AT
    later = replace(content, generated_at=GENERATED_AT + timedelta(hours=1))
    assert render_export_file(later) != first


def test_each_paragraph_is_broken_into_lines_once_per_width(monkeypatch: pytest.MonkeyPatch):
    # a table wraps its cells to measure each row and again to draw it: the lines of the
    # first breaking serve the second, and the file is the one breaking them anew would make
    breakings: list[tuple[int, tuple[float, ...]]] = []
    break_lines = Paragraph.breakLines

    def counted(paragraph: Paragraph, widths: list[float]) -> object:
        breakings.append((id(paragraph), tuple(widths)))
        return break_lines(paragraph, widths)

    monkeypatch.setattr(Paragraph, "breakLines", counted)
    pdf = render_export_file(full_content())
    assert len(breakings) == len(set(breakings))
    once = len(breakings)

    breakings.clear()
    monkeypatch.setattr(export_file_pdf._Text, "wrap", Paragraph.wrap)
    assert render_export_file(full_content()) == pdf
    assert len(breakings) > once  # without it, tables break their cells again


def test_text_without_markup_is_laid_out_as_reportlab_would_parse_it(
    monkeypatch: pytest.MonkeyPatch,
):
    # such text skips reportlab's markup parser: the file is the one that parsing every
    # paragraph makes, for text with runs of spaces and line breaks too
    awkward = SellerFacts("  Autohaus\n Nord   GmbH ", "DE", "DE136695976")
    content = replace(full_content(), seller=awkward)
    parses: list[str] = []
    parse = ParaParser.parse

    def counted(parser: ParaParser, text: str, style: object) -> object:
        parses.append(text)
        return parse(parser, text, style)

    monkeypatch.setattr(ParaParser, "parse", counted)
    skipping = render_export_file(content)
    parsed_when_skipping = len(parses)

    parses.clear()
    monkeypatch.setattr(
        export_file_pdf,
        "_paragraph",
        lambda text, style=export_file_pdf._BODY: export_file_pdf._Text(escape(text), style),
    )
    assert render_export_file(content) == skipping
    assert (
        parsed_when_skipping < len(parses) / 10
    )  # only the texts with "&", "<" or ">" were parsed


def test_the_bytes_do_not_depend_on_the_process():
    """Another interpreter, another hash seed: what a regeneration on another worker sees."""
    script = (
        "import sys; from tests.test_export_file_pdf import full_content; "
        "from activities.orders.export_file_pdf import render_export_file; "
        "sys.stdout.buffer.write(render_export_file(full_content()))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    assert other == render_export_file(full_content())


def test_formats_an_auditor_reads():
    assert format_money(Money(1_850_000)) == "18,500.00 EUR"
    assert format_money(Money(-5)) == "-0.05 EUR"
    # minor units of the order's currency: yen have none, dinars three
    assert format_money(Money(1_850_000, "JPY")) == "1,850,000 JPY"
    assert format_money(Money(1_850_005, "KWD")) == "1,850.005 KWD"
    assert format_timestamp(datetime(2026, 4, 22, 12, 0, tzinfo=timezone(timedelta(hours=2)))) == (
        "2026-04-22T10:00:00Z"
    )
    assert format_timestamp(datetime(2026, 4, 22, 10, 0)) == "2026-04-22T10:00:00Z"
    assert mask_iban("DE89 3704 0044 0532 0130 00") == "**** **** **** **** **30 00"
    assert mask_iban(None) == "-"


def test_no_iban_is_printed_in_full_not_even_in_a_rules_detail():
    """The rules name the IBAN they judged (workflows/orders/rules/compliance.py); the file masks
    it."""
    content = replace(
        full_content(),
        rules=(
            RuleResult(
                "PAYMENT_IBAN",
                "PASSED",
                "PL61109010140000071219812874 was used by this buyer before",
                "KYC",
            ),
        ),
        blockers=(
            Blocker(
                "payment",
                "IBAN_INCONSISTENT",
                "PL61 1090 1014 0000 0712 1981 2874 was never used by this buyer",
            ),
        ),
    )
    text = text_of(render_export_file(content))
    assert "was used by this buyer before" in text and "2874" in text
    for part in ("PL61", "1090", "10140000", "0712", "1981"):
        assert part not in text, part
    assert mask_ibans("DE89370400440532013000 is not a valid IBAN") == (
        "**** **** **** **** **30 00 is not a valid IBAN"
    )
    # VAT numbers, VINs and consultation numbers are no IBANs
    for kept in ("FR12345678901", "NL123456789B01", "WVWZZZ1KZAW000001", "WAPIAAAAZ0f4lEdN"):
        assert mask_ibans(f"{kept} checked") == f"{kept} checked"


def test_the_buyers_kyc_documents_are_listed_with_their_hashes():
    kyc = (
        DocumentFacts(
            "COC_EXTRACT",
            date(2026, 3, 1),
            "REGISTRY",
            "KRS",
            "krs.pdf",
            80_211,
            "9b" * 32,
            "ACTIVE",
            datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        ),
        DocumentFacts(
            "AML_DECLARATION",
            None,
            "BUYER",
            None,
            "aml.pdf",
            12_000,
            "4d" * 32,
            "SUPERSEDED",
            datetime(2026, 3, 2, 8, 5, tzinfo=UTC),
        ),
    )
    text = text_of(render_export_file(replace(full_content(), kyc_documents=kyc)))
    assert "The buyer's KYC documents" in text
    for fact in ("COC_EXTRACT", "krs.pdf", "9b" * 32, "AML_DECLARATION", "4d" * 32):
        assert fact in text, fact
    assert "None recorded." in text_of(render_export_file(minimal_content()))


def test_each_document_shows_what_the_rules_read_of_it():
    """Which vehicle a carrier's CMR covers, the route it states and its issuer's number
    decided the order (two entities, the destination), but the document's block printed only
    its type, dates, issuer and file: an auditor could not see them."""
    cmr = DocumentFacts(
        "TRANSPORT_CMR",
        date(2026, 5, 4),
        "CARRIER",
        "Trans Logistik GmbH",
        "cmr-1.pdf",
        51_200,
        "7c" * 32,
        "ACTIVE",
        datetime(2026, 5, 4, 9, 0, tzinfo=UTC),
        issuer_id="DE811907980",
        vins=("WVWZZZ1KZAW000002",),
        origin_country="DE",
        destination_country="FR",
    )
    text = text_of(render_export_file(replace(full_content(), documents=(cmr,))))
    for fact in ("DE811907980", "WVWZZZ1KZAW000002", "from DE to FR"):
        assert fact in text, fact


def test_the_invoices_correction_history_is_shown():
    history = (
        InvoiceVersionFacts(
            "PRELIMINARY",
            0,
            "RE-2026-0041",
            date(2026, 4, 18),
            Money(3_600_000),
            False,
            False,
            datetime(2026, 4, 18, 9, 0, tzinfo=UTC),
            "API",
        ),
        InvoiceVersionFacts(
            "PRELIMINARY",
            1,
            "RE-2026-0042",
            date(2026, 4, 18),
            Money(3_700_000),
            False,
            False,
            datetime(2026, 4, 19, 11, 30, tzinfo=UTC),
            "WEB_APP",
        ),
    )
    text = text_of(render_export_file(replace(full_content(), invoice_history=history)))
    assert "Correction history" in text
    for fact in (
        "PRELIMINARY v0, submitted",
        "RE-2026-0041",
        "36,000.00 EUR",
        "PRELIMINARY v1, corrected",
        "2026-04-19T11:30:00Z",
        "WEB_APP",
    ):
        assert fact in text, fact


def test_a_rule_name_is_never_broken_inside_a_word():
    names = (
        "BUYER_IDENTIFIED_IN_OTHER_MEMBER_STATE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "VIES_NAME_MATCHES_BUYER",
    )
    content = replace(
        full_content(),
        rules=tuple(
            RuleResult(name, "PASSED", "Checked on the evidence below.", "Art. 138(1)")
            for name in names
        ),
    )
    pages = PdfReader(BytesIO(render_export_file(content))).pages
    lines = [line.strip() for page in pages for line in page.extract_text().splitlines()]
    for name in names:
        assert name in lines, name  # whole, on a line of its own
