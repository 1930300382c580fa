"""The Export File: the dossier a tax auditor reads, years later, to see why an order's supply
was, or was not, a VAT-exempt intra-community supply.

Its input is a plain snapshot (frozen dataclasses, carried by the project's pydantic data
converter) filled from the order workflow and the database; rendering reads nothing else.
The same snapshot renders to the same bytes: reportlab runs in invariant mode and the PDF's
creation date is the snapshot's ``generated_at``, so a regenerated file can be compared by its
sha256 and a test can pin the output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache, partial
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
import structlog
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaFrag

from workflows.currencies import plain_amount
from workflows.money import Money
from workflows.orders.rules.outcome import Blocker, ComplianceStatus, Decision, RuleResult

log = structlog.get_logger(__name__)

# ----- the snapshot -----


@dataclass(frozen=True)
class AddressFacts:
    street: str
    post_code: str
    city: str
    country: str


@dataclass(frozen=True)
class SellerFacts:
    name: str
    country: str
    vat_number: str | None


@dataclass(frozen=True)
class VehicleFacts:
    vin: str
    brand: str | None = None
    model: str | None = None
    purchase_amount: Money | None = None
    mileage: int | None = None  # km
    first_registration_date: date | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderFacts:
    uuid: str
    external_order_id: str
    status: str
    purchase_date: date | None
    total_amount: Money
    vins: tuple[VehicleFacts, ...]


@dataclass(frozen=True)
class BuyerFacts:
    company_name: str
    vat_number: str
    address: AddressFacts
    kyc_mode: str  # MARKETPLACE_LED or NT24_LED
    kyc_status: str  # the KYC overallStatus
    verification_status: str | None = None  # NT24_LED buyers only
    aml_status: str | None = None  # NT24_LED buyers only


@dataclass(frozen=True)
class ViesCheckFacts:
    checked_at: datetime
    vat_number: str
    result: str  # VALID, INVALID or UNKNOWN
    request_identifier: str | None = None  # the consultation number
    name: str | None = None  # as VIES returned them
    address: str | None = None
    error_code: str | None = None
    trigger: str | None = None  # MANUAL, UPSERT or DAILY


@dataclass(frozen=True)
class InvoiceFacts:
    type: str  # PRELIMINARY or FINAL
    number: str
    invoice_date: date
    amount: Money
    vat_included: bool
    margin_scheme: bool = False


@dataclass(frozen=True)
class PaymentFacts:
    payment_date: date
    bank_amount: Money
    cash_amount: Money
    source_iban: str | None = None  # in full: the Export File prints its last 4 characters only
    amount_matches_invoice: bool | None = None
    iban_consistent: bool | None = None


@dataclass(frozen=True)
class PickupFacts:
    type: str  # SELF_PICKUP or COMPANY_TRANSPORT
    pickup_date: date
    driver_identification: str | None = None
    collection_country: str | None = None


@dataclass(frozen=True)
class DeliveryFacts:
    delivery_date: date
    country: str | None = None


@dataclass(frozen=True)
class RevocationFacts:
    reason: str
    revoked_at: datetime
    pickup: PickupFacts  # the pickup it withdrew


@dataclass(frozen=True)
class TransportFacts:
    pickup: PickupFacts | None = None
    delivery: DeliveryFacts | None = None
    revocations: tuple[RevocationFacts, ...] = ()


@dataclass(frozen=True)
class DocumentFacts:
    type: str
    document_date: date | None
    issuer_type: str
    issuer_name: str | None
    file_name: str
    size: int
    sha256: str
    status: str  # ACTIVE or SUPERSEDED
    uploaded_at: datetime
    # what the rules read of it besides: who issued it by number, the vehicles it covers
    # (None: all the order's), where it states the transport began and ended
    issuer_id: str | None = None
    vins: tuple[str, ...] | None = None
    origin_country: str | None = None
    destination_country: str | None = None


@dataclass(frozen=True)
class InvoiceVersionFacts:
    """One version of an order's invoice as it was written: version 0 as submitted, each
    later one a correction."""

    type: str  # PRELIMINARY or FINAL
    version: int
    number: str
    invoice_date: date | None
    amount: Money | None
    vat_included: bool | None
    margin_scheme: bool | None
    recorded_at: datetime
    source: str  # API, WEB_APP, SYSTEM


@dataclass(frozen=True)
class SupersededVersion:
    version: int
    generated_at: datetime
    reason: str


@dataclass(frozen=True)
class ExportFileContent:
    version: int
    generated_at: datetime
    organization_name: str
    seller: SellerFacts
    order: OrderFacts
    buyer: BuyerFacts
    compliance_status: ComplianceStatus
    decision: Decision | None  # None until compliance is decided
    vies_checks: tuple[ViesCheckFacts, ...] = ()
    invoices: tuple[InvoiceFacts, ...] = ()
    payments: tuple[PaymentFacts, ...] = ()
    transport: TransportFacts = field(default_factory=TransportFacts)
    documents: tuple[DocumentFacts, ...] = ()
    blockers: tuple[Blocker, ...] = ()
    rules: tuple[RuleResult, ...] = ()
    superseded_versions: tuple[SupersededVersion, ...] = ()
    rule_set: str | None = None  # the version of the compliance rules the decision was made under
    kyc_documents: tuple[DocumentFacts, ...] = ()  # the buyer's, superseded ones included
    invoice_history: tuple[InvoiceVersionFacts, ...] = ()  # every version, oldest first


# ----- what the decision means, in words an auditor reads -----

# An unknown decision fails the rendering: no legal wording is guessed.
_DECISION_WORDS = {
    Decision.VALID_EXPORT: (
        "VAT-exempt intra-community supply",
        "All conditions for exempting this supply are met: it is an intra-community supply "
        "of goods, exempt from VAT. The buyer's VAT identification number, the payment and "
        "the transport of the vehicles to another Member State are documented below. The "
        "exemption also requires the seller to report this supply in its recapitulative "
        "statement (Article 138(1a)), which this file cannot show.",
    ),
    Decision.VAT_APPLICABLE: (
        "VAT applies",
        "The conditions for exempting this supply as an intra-community supply are not met, "
        "so VAT must be charged on it. Section 1 lists the rules that failed and why.",
    ),
}

LEGAL_BASIS = (
    "Article 138(1) of Council Directive 2006/112/EC (the VAT Directive) exempts a supply of "
    "goods dispatched or transported to another Member State to a taxable person identified "
    "for VAT there, who has given the supplier that VAT identification number; under Article "
    "138(1a) a missing or incorrect recapitulative statement removes the exemption. Article "
    "45a of Council Implementing Regulation (EU) No 282/2011 presumes the transport when the "
    "vendor holds at least two non-contradictory items of evidence issued by parties "
    "independent of vendor and acquirer, together with the acquirer's written statement when "
    "the acquirer transported the goods."
)

# ----- formatting -----


def format_money(money: Money | None) -> str:
    """18,500.00 EUR, 1,850,000 JPY: integer arithmetic, so no amount is ever rounded through a
    float, and a currency's own decimals."""
    if money is None:
        return "-"
    return f"{plain_amount(money.value, money.currency)} {money.currency}"


def format_date(day: date | None) -> str:
    return day.isoformat() if day else "-"


def _utc(moment: datetime) -> datetime:
    # A naive timestamp from the store is UTC already (SQLite drops the zone).
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_timestamp(moment: datetime | None) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "-"


def mask_iban(iban: str | None) -> str:
    """All but the last 4 characters hidden (the file proves consistency, not the account),
    printed in groups of four as IBANs are.
    """
    if not iban:
        return "-"
    compact = "".join(iban.split())
    masked = "*" * max(len(compact) - 4, 0) + compact[-4:]
    return " ".join(masked[start : start + 4] for start in range(0, len(masked), 4))


# An IBAN in running text: two letters, two check digits, then letters and digits, written
# compact or in groups of four; 15 to 34 characters in all (ISO 13616)
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def _masked_if_iban(found: re.Match[str]) -> str:
    text = found.group(0)
    return mask_iban(text) if len(text.replace(" ", "")) >= 15 else text  # VAT numbers are shorter


def mask_ibans(text: str) -> str:
    """Every IBAN in a text masked as ``mask_iban`` does. Rule details and blocker messages
    come from the compliance rules, which name the IBAN they judged in full; the Export File
    prints none in full."""
    return _IBAN_IN_TEXT.sub(_masked_if_iban, text)


def _yes_no(value: bool | None) -> str:
    return "not checked" if value is None else ("yes" if value else "no")


def _text(value: str | None) -> str:
    return value if value else "-"


# ----- fonts and styles -----

_REPORTLAB_FONTS = Path(reportlab.__file__).parent / "fonts"
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FONT_FILES = (
    # DejaVu (Debian's fonts-dejavu-core) has the letters of every EU language: Łódź, Dvořák,
    # Győr. Vera ships with reportlab, so it is always there, but has Western European only.
    (_DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"),
    (_REPORTLAB_FONTS / "Vera.ttf", _REPORTLAB_FONTS / "VeraBd.ttf"),
)
SANS, SANS_BOLD, MONO = "ExportSans", "ExportSans-Bold", "Courier"


@cache
def _register_fonts() -> None:
    regular, bold = next(pair for pair in _FONT_FILES if all(p.is_file() for p in pair))
    if regular != _FONT_FILES[0][0]:
        log.warning(
            "export_file_font_fallback",
            missing=str(_DEJAVU),
            consequence="letters outside Western European scripts are left out",
            remedy="install fonts-dejavu-core",
        )
    pdfmetrics.registerFont(TTFont(SANS, str(regular)))
    pdfmetrics.registerFont(TTFont(SANS_BOLD, str(bold)))
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD)


_BODY = ParagraphStyle("body", fontName=SANS, fontSize=9, leading=12, spaceAfter=4)
_TITLE = ParagraphStyle("title", _BODY, fontName=SANS_BOLD, fontSize=22, leading=27)
_SUBTITLE = ParagraphStyle("subtitle", _BODY, fontSize=12, leading=16, spaceAfter=14)
_HEADING = ParagraphStyle(
    "heading", _BODY, fontName=SANS_BOLD, fontSize=13, leading=17, spaceBefore=12, spaceAfter=6
)
_SUBHEADING = ParagraphStyle(
    "subheading", _BODY, fontName=SANS_BOLD, fontSize=10, leading=13, spaceBefore=8
)
_DECISION = ParagraphStyle("decision", _HEADING, fontSize=16, leading=20, spaceBefore=16)
_CELL = ParagraphStyle("cell", _BODY, fontSize=7.5, leading=9.5, spaceAfter=0)
_CELL_HEAD = ParagraphStyle("cell-head", _CELL, fontName=SANS_BOLD)
_CELL_MONO = ParagraphStyle("cell-mono", _CELL, fontName=MONO)
# A rule's name on a row of its own, never split inside a word (it would read as two rules)
_RULE_NAME = ParagraphStyle("rule-name", _CELL_MONO, fontName="Courier-Bold", splitLongWords=0)
_FOOTER_SIZE = 7

_PAGE_MARGIN = 18 * mm
_FRAME_WIDTH = A4[0] - 2 * _PAGE_MARGIN
_GRID = colors.HexColor("#b0b0b0")
_SHADE = colors.HexColor("#ececec")

_Cell = str | Flowable  # a string becomes an escaped, wrapping Paragraph


class _Text(Paragraph):
    """A paragraph that breaks its lines once per width. A table wraps each cell to measure
    its row and again to draw it, and a page break wraps a split table's rows once more: a
    bench order's Export File wrapped its 401 paragraphs 1,015 times, 560 of them at a width
    they had just been broken for. The lines depend on the width alone (reportlab's
    ``Paragraph.wrap`` reads nothing else that changes), so the last breaking is reused while
    it is there (``split`` drops it from a paragraph it moves whole to the next page)."""

    _broken_for: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        last = self._broken_for
        if last is not None and last[0] == availWidth and hasattr(self, "blPara"):
            self.width, self.height = last[1]  # as the breaking left them
            return last[1]
        size = super().wrap(availWidth, availHeight)
        self._broken_for = (availWidth, size)
        return size


def _paragraph(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    """Every value comes from users: escaped, so an '&' in a company name stays an '&'.

    Text without markup characters skips reportlab's markup parser (a seventh of a file's
    rendering): its paragraph gets what the parser would have made of it, the style's one
    fragment holding the text as reportlab cleans it, or none for an empty text."""
    line = cleanBlockQuotedText(text)
    if _MARKUP.isdisjoint(line) and not style.textTransform:
        fragment = _plain_fragment(style).clone(text=line, link=[], us_lines=[])
        return _Text(line, style, frags=[fragment] if line else [])
    return _Text(escape(text), style)


_MARKUP = frozenset("&<>")  # what escaping changes; without them a text is its own markup


@cache
def _plain_fragment(style: ParagraphStyle) -> ParaFrag:
    """The fragment reportlab's parser makes of plain text in ``style``."""
    (fragment,) = Paragraph("x", style).frags
    return fragment


def _mono(text: str) -> Paragraph:
    return _paragraph(text, _CELL_MONO)


def _label(text: str) -> Paragraph:
    return _paragraph(text, _CELL_HEAD)


def _cell(value: _Cell) -> Flowable:
    return _paragraph(value, _CELL) if isinstance(value, str) else value


def _grid(
    rows: Sequence[Sequence[_Cell]],
    widths: Sequence[float],
    *,
    header: bool = True,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A table across the frame; ``extra`` are more TableStyle commands.

    ``widths`` are scaled to the frame; callers give them in points of the full frame (493),
    measured so that timestamps, VINs, codes and consultation numbers do not wrap.
    """
    scale = _FRAME_WIDTH / sum(widths)
    cells = [[_cell(value) for value in row] for row in rows]
    table = Table(cells, colWidths=[w * scale for w in widths], repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), _SHADE))
    table.setStyle(TableStyle([*commands, *extra]))
    return table


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[_Cell]],
    widths: Sequence[float],
    extra: Sequence[tuple[Any, ...]] = (),
) -> Flowable:
    """A table with a header row, or a line saying there is nothing to tabulate."""
    if not rows:
        return _paragraph("None recorded.")
    return _grid([[_label(h) for h in head], *rows], widths, extra=extra)


def _facts(pairs: Sequence[tuple[str, _Cell]]) -> Table:
    """Label and value, one pair a row."""
    rows = [(_label(label), value) for label, value in pairs]
    shade = [("BACKGROUND", (0, 0), (0, -1), _SHADE)]
    return _grid(rows, (123, 370), header=False, extra=shade)


def _section(title: str, *body: Flowable) -> list[Flowable]:
    return [_paragraph(title, _HEADING), *body]


# ----- the document -----


def render_export_file(content: ExportFileContent) -> bytes:
    """The Export File PDF of ``content``: A4, every page footed with order, version, time."""
    order = content.order
    return render_a4(
        lambda: _story(content),
        title=f"Export File {order.external_order_id} version {content.version}",
        author=content.organization_name,
        subject="Evidence of an intra-community supply (Art. 138 VAT Directive)",
        keywords=[f"order {order.uuid}"],
        footer=(
            f"Order {order.uuid}  ·  Export File version {content.version}  ·  "
            f"generated {format_timestamp(content.generated_at)}"
        ),
        created=content.generated_at,
    )


def render_a4(
    story: Callable[[], list[Flowable]],
    *,
    title: str,
    author: str,
    subject: str,
    footer: str,
    created: datetime,
    keywords: Sequence[str] = (),
) -> bytes:
    """A document of the platform's (the Export File, an invoice): A4 in its fonts, each page
    footed with ``footer`` and "page X of Y", dated ``created``, byte for byte reproducible.
    ``story`` makes the content once the fonts it names are registered."""
    _register_fonts()
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=_PAGE_MARGIN,
        rightMargin=_PAGE_MARGIN,
        topMargin=_PAGE_MARGIN,
        bottomMargin=_PAGE_MARGIN + 6 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="NT24 on Temporal",
        keywords=list(keywords),
        invariant=1,  # no wall-clock time, no random ID: the same content, the same bytes
    )
    canvasmaker = partial(_ExportFileCanvas, footer=footer, created=created)
    document.build(story(), canvasmaker=canvasmaker)
    return out.getvalue()


class _ExportFileCanvas(Canvas):
    """Holds every page back until the end, to foot each with "page X of Y"."""

    def __init__(self, *args: Any, footer: str, created: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict[str, Any]] = []
        # The creation date is the content's, not the clock's (invariant mode would say 2000).
        stamp = _utc(created).strftime("D:%Y%m%d%H%M%S+00'00'")
        self.setDateFormatter(lambda *_: stamp)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # Canvas's own, not in its stubs

    def save(self) -> None:
        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self._foot(number, total)
            super().showPage()
        super().save()

    def _foot(self, number: int, total: int) -> None:
        width = A4[0]  # render_a4's pages
        y = _PAGE_MARGIN - 2 * mm
        self.saveState()
        self.setStrokeColor(_GRID)
        self.setLineWidth(0.4)
        self.line(_PAGE_MARGIN, y + 3 * mm, width - _PAGE_MARGIN, y + 3 * mm)
        self.setFont(SANS, _FOOTER_SIZE)
        self.drawString(_PAGE_MARGIN, y, self._footer)
        self.drawRightString(width - _PAGE_MARGIN, y, f"page {number} of {total}")
        self.restoreState()


def _story(content: ExportFileContent) -> list[Flowable]:
    sections: list[Callable[[ExportFileContent], list[Flowable]]] = [
        _title_page,
        _rules,
        _parties,
        _order,
        _vies_checks,
        _invoices,
        _payments,
        _transport,
        _documents,
        _versions,
    ]
    return [flowable for section in sections for flowable in section(content)]


def _title_page(content: ExportFileContent) -> list[Flowable]:
    order, seller, buyer = content.order, content.seller, content.buyer
    if content.decision is None:
        headline = "No decision"
        explanation = (
            f"Compliance is {content.compliance_status}: the evidence is not complete, so no "
            "decision has been taken."
        )
    else:
        headline, explanation = _DECISION_WORDS[content.decision]
    return [
        _paragraph("Export File", _TITLE),
        _paragraph("Evidence of an intra-community supply of goods", _SUBTITLE),
        _facts(
            [
                ("Order", order.external_order_id),
                ("Order id", _mono(order.uuid)),
                ("Seller", f"{seller.name}, {seller.country}, VAT {_text(seller.vat_number)}"),
                ("Buyer", f"{buyer.company_name}, {buyer.address.country}, VAT {buyer.vat_number}"),
                ("Organization", content.organization_name),
                ("Vehicles", _mono(", ".join(vehicle.vin for vehicle in order.vins) or "-")),
                ("Total amount", format_money(order.total_amount)),
                ("Compliance status", content.compliance_status),
                ("Decision", content.decision or "none yet"),
                ("Rule set", content.rule_set or "-"),
                ("Export File version", str(content.version)),
                ("Generated at", format_timestamp(content.generated_at)),
            ]
        ),
        _paragraph(headline, _DECISION),
        _paragraph(explanation),
        _paragraph("Legal basis", _SUBHEADING),
        _paragraph(LEGAL_BASIS),
        _paragraph(
            "Amounts are in the order's currency; dates are YYYY-MM-DD; times are UTC. "
            "Each document is identified by the SHA-256 digest of its exact bytes, as kept "
            "in the platform's document store."
        ),
        PageBreak(),
    ]


def _rules(content: ExportFileContent) -> list[Flowable]:
    rows: list[list[_Cell]] = [[_label("Outcome"), _label("Detail"), _label("Legal basis")]]
    style: list[tuple[Any, ...]] = []
    for rule in content.rules:
        # the rule's name across the table, then what it found: a name is never wrapped
        rows.append([_paragraph(rule.rule_id, _RULE_NAME), "", ""])
        at = len(rows) - 1
        style += [
            ("SPAN", (0, at), (-1, at)),
            ("BACKGROUND", (0, at), (-1, at), _SHADE),
            ("NOSPLIT", (0, at), (-1, at + 1)),
        ]
        rows.append([rule.outcome, mask_ibans(rule.detail), rule.legal_basis])
    blockers = [(b.module, _mono(b.code), mask_ibans(b.message)) for b in content.blockers]
    return _section(
        "1. Compliance rules and outcome",
        _paragraph(
            f"Compliance status {content.compliance_status}; decision "
            f"{content.decision or 'none yet'}. Each rule below was evaluated on the evidence "
            "in the following sections. IBANs are printed with their last 4 characters only."
        ),
        _grid(rows, (78, 270, 145), extra=style) if content.rules else _paragraph("None recorded."),
        _paragraph("Blockers", _SUBHEADING),
        _table(("Module", "Code", "Message"), blockers, (60, 130, 303)),
    )


def _parties(content: ExportFileContent) -> list[Flowable]:
    seller, buyer = content.seller, content.buyer
    address = buyer.address
    buyer_facts: list[tuple[str, _Cell]] = [
        ("Company", buyer.company_name),
        ("VAT number", _mono(buyer.vat_number)),
        ("Address", f"{address.street}, {address.post_code} {address.city}, {address.country}"),
        ("KYC mode", buyer.kyc_mode),
        ("KYC status", buyer.kyc_status),
    ]
    if buyer.verification_status:
        buyer_facts.append(("Identity verification", buyer.verification_status))
    if buyer.aml_status:
        buyer_facts.append(("AML screening", buyer.aml_status))
    return _section(
        "2. Parties",
        _paragraph("Seller (supplier)", _SUBHEADING),
        _facts(
            [
                ("Name", seller.name),
                ("Country", seller.country),
                ("VAT number", _mono(_text(seller.vat_number))),
                ("Acting through", content.organization_name),
            ]
        ),
        _paragraph("Buyer (acquirer)", _SUBHEADING),
        _facts(buyer_facts),
    )


def _order(content: ExportFileContent) -> list[Flowable]:
    order = content.order
    vehicles = [
        (
            _mono(vehicle.vin),
            " ".join(part for part in (vehicle.brand, vehicle.model) if part) or "-",
            format_money(vehicle.purchase_amount),
            f"{vehicle.mileage:,} km" if vehicle.mileage is not None else "-",
            format_date(vehicle.first_registration_date),
            "; ".join(vehicle.warnings) or "-",
        )
        for vehicle in order.vins
    ]
    return _section(
        "3. Order and vehicles",
        _facts(
            [
                ("Order", order.external_order_id),
                ("Order id", _mono(order.uuid)),
                ("Status", order.status),
                ("Purchase date", format_date(order.purchase_date)),
                ("Total amount", format_money(order.total_amount)),
            ]
        ),
        Spacer(1, 6),
        _table(
            ("VIN", "Vehicle", "Purchase amount", "Mileage", "First registration", "Warnings"),
            vehicles,
            (88, 92, 72, 55, 62, 124),
        ),
    )


def _vies_checks(content: ExportFileContent) -> list[Flowable]:
    rows: list[list[_Cell]] = []
    spans: list[tuple[Any, ...]] = []
    for check in content.vies_checks:
        rows.append(
            [
                format_timestamp(check.checked_at),
                _mono(check.vat_number),
                check.result,
                _mono(_text(check.request_identifier)),
                _text(check.trigger),
                _mono(_text(check.error_code)),
            ]
        )
        if check.name or check.address:
            # What VIES said the number belongs to, under the check it answered
            returned = " / ".join(part for part in (check.name, check.address) if part)
            rows.append(["", f"Returned by VIES: {returned}", "", "", "", ""])
            spans += [
                ("SPAN", (1, len(rows)), (-1, len(rows))),
                ("NOSPLIT", (0, len(rows) - 1), (-1, len(rows))),
            ]
    head = ("Checked at", "VAT number", "Result", "Consultation number", "Trigger", "Error")
    return _section(
        "4. VIES checks of the buyer's VAT number",
        _paragraph(
            "Every consultation of the EU VIES service for this buyer, oldest first. UNKNOWN "
            "means VIES could not answer (an outage), never that the number is invalid."
        ),
        _table(head, rows, (97, 74, 52, 100, 46, 124), extra=spans),
    )


def _invoices(content: ExportFileContent) -> list[Flowable]:
    rows = [
        (
            invoice.type,
            invoice.number,
            format_date(invoice.invoice_date),
            format_money(invoice.amount),
            _yes_no(invoice.vat_included),
            _yes_no(invoice.margin_scheme),
        )
        for invoice in content.invoices
    ]
    head = ("Type", "Number", "Date", "Amount", "VAT included", "Margin scheme")
    history = [
        (
            f"{version.type} v{version.version}, "
            + ("submitted" if version.version == 0 else "corrected"),
            format_timestamp(version.recorded_at),
            version.source,
            version.number,
            format_date(version.invoice_date),
            format_money(version.amount),
            _yes_no(version.vat_included),
            _yes_no(version.margin_scheme),
        )
        for version in content.invoice_history
    ]
    return _section(
        "5. Invoices",
        _table(head, rows, (62, 130, 60, 85, 78, 78)),
        _paragraph("Correction history", _SUBHEADING),
        _paragraph(
            "Each invoice as it was recorded, oldest first: version 0 as submitted, then each "
            "later version that corrected its data, with the values it set."
        ),
        _table(
            ("Invoice", "Recorded at", "By", "Number", "Date", "Amount", "VAT incl.", "Margin"),
            history,
            (84, 97, 46, 72, 56, 72, 33, 33),
        ),
    )


def _payments(content: ExportFileContent) -> list[Flowable]:
    rows = [
        (
            format_date(payment.payment_date),
            format_money(payment.bank_amount),
            format_money(payment.cash_amount),
            _mono(mask_iban(payment.source_iban)),
            _yes_no(payment.amount_matches_invoice),
            _yes_no(payment.iban_consistent),
        )
        for payment in content.payments
    ]
    head = (
        "Date",
        "Bank transfer",
        "Cash",
        "Source IBAN",
        "Amount matches invoice",
        "IBAN consistent",
    )
    return _section("6. Payments", _table(head, rows, (58, 80, 75, 162, 60, 58)))


def _pickup_facts(pickup: PickupFacts) -> list[tuple[str, _Cell]]:
    return [
        ("Pickup type", pickup.type),
        ("Pickup date", format_date(pickup.pickup_date)),
        ("Driver identification", _text(pickup.driver_identification)),
        ("Collected in", _text(pickup.collection_country)),
    ]


def _transport(content: ExportFileContent) -> list[Flowable]:
    transport = content.transport
    body: list[Flowable] = [_paragraph("Pickup", _SUBHEADING)]
    body.append(
        _facts(_pickup_facts(transport.pickup))
        if transport.pickup
        else _paragraph("No pickup confirmed.")
    )
    body.append(_paragraph("Delivery", _SUBHEADING))
    delivery = transport.delivery
    body.append(
        _facts(
            [
                ("Delivery date", format_date(delivery.delivery_date)),
                ("Delivered in", _text(delivery.country)),
            ]
        )
        if delivery
        else _paragraph("No delivery confirmed.")
    )
    if transport.revocations:
        rows = [
            (
                format_timestamp(revocation.revoked_at),
                revocation.reason,
                f"{revocation.pickup.type} on {format_date(revocation.pickup.pickup_date)}, "
                f"driver {_text(revocation.pickup.driver_identification)}, collected in "
                f"{_text(revocation.pickup.collection_country)}",
            )
            for revocation in transport.revocations
        ]
        body += [
            _paragraph("Revoked pickups", _SUBHEADING),
            _paragraph("A pickup confirmed by mistake is withdrawn with a reason, never erased."),
            _table(("Revoked at", "Reason", "Pickup withdrawn"), rows, (97, 180, 216)),
        ]
    return _section("7. Transport", *body)


def _what_it_states(document: DocumentFacts) -> list[list[_Cell]]:
    """The rows of what a document states that the rules read (its issuer's number, the
    vehicles it covers, the route), when it states any of them."""
    stated = (("from", document.origin_country), ("to", document.destination_country))
    route = " ".join(f"{word} {country}" for word, country in stated if country)
    if not (document.issuer_id or document.vins is not None or route):
        return []
    covers = ", ".join(document.vins) if document.vins is not None else "all the order's"
    return [
        [_label("Issuer no."), document.issuer_id or "-", _label("Route"), route or "-"],
        [_label("Vehicles"), covers, "", ""],
    ]


def _document_blocks(documents: Sequence[DocumentFacts]) -> list[Flowable]:
    blocks: list[Flowable] = []
    for document in documents:
        issuer = ", ".join(part for part in (document.issuer_type, document.issuer_name) if part)
        rows: list[list[_Cell]] = [
            [_label("Type"), document.type, _label("Status"), document.status],
            [
                _label("Document date"),
                format_date(document.document_date),
                _label("Uploaded at"),
                format_timestamp(document.uploaded_at),
            ],
            [
                _label("Issuer"),
                issuer,
                _label("File"),
                f"{document.file_name}, {document.size:,} bytes",
            ],
            *_what_it_states(document),
            # The digest on a row of its own: 64 characters that must never wrap
            [_label("SHA-256"), _mono(document.sha256), "", ""],
        ]
        # a row with one value spans the table; the others shade their second label
        whole = [i for i, row in enumerate(rows) if row[2:] == ["", ""]]
        style = [
            ("BACKGROUND", (0, 0), (0, -1), _SHADE),
            *(("BACKGROUND", (2, i), (2, i), _SHADE) for i in range(len(rows)) if i not in whole),
            *(("SPAN", (1, i), (-1, i)) for i in whole),
        ]
        table = _grid(rows, (74, 172.5, 74, 172.5), header=False, extra=style)
        blocks += [KeepTogether(table), Spacer(1, 5)]
    return blocks or [_paragraph("None recorded.")]


def _documents(content: ExportFileContent) -> list[Flowable]:
    return [
        *_section(
            "8. Documents",
            _paragraph(
                "Every document collected for this order, superseded ones included. Its bytes "
                "can be checked against its SHA-256 digest."
            ),
            *_document_blocks(content.documents),
        ),
        *_section(
            "9. The buyer's KYC documents",
            _paragraph(
                "The documents that identify the buyer (know your customer), kept with the "
                "buyer rather than the order, superseded ones included, as they stood when "
                "this file was generated."
            ),
            *_document_blocks(content.kyc_documents),
        ),
    ]


def _versions(content: ExportFileContent) -> list[Flowable]:
    rows = [(str(content.version), format_timestamp(content.generated_at), "this file")]
    rows += [
        (str(old.version), format_timestamp(old.generated_at), f"superseded: {old.reason}")
        for old in content.superseded_versions
    ]
    return _section(
        "10. Versions of this Export File",
        _paragraph(
            "Each regeneration makes a new version; earlier versions are kept and stay "
            "available on request."
        ),
        _table(("Version", "Generated at", "Status"), rows, (50, 100, 343)),
    )
