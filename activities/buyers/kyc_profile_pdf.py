"""The signed KYC profile PDF of a verified NT24-led buyer.

Rendered with reportlab (company, representative, verification result and its reference, the
AML screenings with their lists and scores, timestamps) and signed PAdES (B-B, SHA-256) with
pyhanko, as an incremental update: the signature's ``/ByteRange`` covers every byte of the
file but the signature value itself, so any changed byte breaks it. The certificate and key
come from settings (PEM text or a file path); outside production a self-signed pair is made
into ``data/`` on first use, as the OAuth signing key is.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.pdf_signing import SigningMaterial, sign_pdf
from settings import Settings
from store.db import Database
from store.documents import DocumentStore
from store.models import Buyer
from workflows.buyers import activities as interface
from workflows.buyers.activities import ProfileRef, ProfileRequest
from workflows.buyers.rules.kyc_verification import aml_level

SIGNATURE_FIELD = "NT24KycProfileSignature"


def _pem(value: str) -> bytes:
    """A setting holding PEM text, or the path of a PEM file."""
    return value.encode() if "-----BEGIN" in value else Path(value).read_bytes()


def signing_material(settings: Settings) -> SigningMaterial:
    if settings.kyc_signing_certificate and settings.kyc_signing_key:
        return SigningMaterial(
            _pem(settings.kyc_signing_certificate), _pem(settings.kyc_signing_key)
        )
    if settings.environment == "production":
        raise RuntimeError("NT24_KYC_SIGNING_CERTIFICATE and NT24_KYC_SIGNING_KEY must be set")
    cert_path = settings.data_dir / "kyc-signing-certificate.pem"
    key_path = settings.data_dir / "kyc-signing-key.pem"
    if not (cert_path.exists() and key_path.exists()):
        material = self_signed("NT24 KYC profiles (development)")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        key_path.write_bytes(material.key_pem)
        key_path.chmod(0o600)
        cert_path.write_bytes(material.certificate_pem)
    return SigningMaterial(cert_path.read_bytes(), key_path.read_bytes())


def self_signed(common_name: str, valid_for: timedelta = timedelta(days=3650)) -> SigningMaterial:
    """A self-signed RSA certificate fit for signing documents."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NT24"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return SigningMaterial(
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def sign_profile(pdf: bytes, material: SigningMaterial) -> bytes:
    """The profile's PDF with the platform's PAdES signature."""
    return sign_pdf(pdf, material, field_name=SIGNATURE_FIELD, reason="NT24 KYC profile")


@dataclass
class CompanyFacts:
    name: str
    vat_number: str
    address: str
    kyc_mode: str


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_profile(request: ProfileRequest, company: CompanyFacts) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"KYC profile {company.name}",
        author="NT24",
        subject=request.session_id,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    )

    def table(rows: list[list[str]], widths: list[float], header: bool = False) -> Table:
        # every value may come from a user (a company's name, a reviewer's reason): escaped, so
        # that no markup of theirs becomes a link, a style or an image in a signed document
        cells = [[Paragraph(escape(str(c)), small) for c in row] for row in rows]
        t = Table(cells, colWidths=widths)
        # A command: its name, the first and last cell, then its arguments.
        style: list[tuple[str, tuple[int, int], tuple[int, int], *tuple[Any, ...]]] = [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
        t.setStyle(TableStyle(style))
        return t

    facts = [60 * mm, 114 * mm]
    person = request.person
    story = [
        Paragraph("KYC profile", styles["Title"]),
        Paragraph(
            f"Platform-led (NT24_LED) verification of {escape(company.name)}: VERIFIED. "
            "This document is signed electronically (PAdES); any change to it breaks the "
            "signature.",
            small,
        ),
        Spacer(1, 4 * mm),
        Paragraph("Company", styles["Heading2"]),
        table(
            [
                ["Name", company.name],
                ["VAT number", company.vat_number],
                ["Address", company.address],
                ["Buyer", request.buyer_uuid],
            ],
            facts,
        ),
        Paragraph("Representative", styles["Heading2"]),
        table(
            [
                ["Name", person.full_name or "-"],
                ["Date of birth", person.date_of_birth or "-"],
                ["Nationality", person.nationality or "-"],
                ["Identity document", person.document_type or "-"],
            ],
            facts,
        ),
        Paragraph("Identity verification", styles["Heading2"]),
        table(
            [
                ["Provider", "iDenfy (ID document scan and selfie liveness)"],
                ["Result", request.identity_status],
                ["Reference (scanRef)", request.scan_ref],
                ["Session", request.session_id],
                [
                    "Fraud / mismatch tags",
                    ", ".join(request.fraud_tags + request.mismatch_tags) or "none",
                ],
                ["Decided by", request.decided_by],
                *([["Staff review of", request.review_reason]] if request.review_reason else []),
            ],
            facts,
        ),
        Paragraph("AML screening", styles["Heading2"]),
        Paragraph(
            f"Sanctions, PEP and watch lists. Matches scoring {request.thresholds.review} or more "
            f"are reviewed by staff; {request.thresholds.flag} or more reject the buyer.",
            small,
        ),
    ]
    rows = [["Screened", "Checked at", "Result", "Matches (score, lists)"]]
    for screening in request.screenings:
        matches = "; ".join(
            f"{m.name} ({m.score}, {', '.join(m.datasets)})" for m in screening.matches
        )
        who = f"{screening.subject.title()}: {screening.full_name}"
        rows.append(
            [
                who,
                _utc(screening.checked_at),
                aml_level(screening, request.thresholds),
                matches or "no match",
            ]
        )
    story += [
        table(rows, [50 * mm, 36 * mm, 22 * mm, 66 * mm], header=True),
        Paragraph("Timestamps", styles["Heading2"]),
        table(
            [
                ["Session started", _utc(request.started_at)],
                ["Verified", _utc(request.verified_at)],
                ["Valid until", _utc(request.expires_at)],
            ],
            facts,
        ),
    ]
    document.build(story)
    return buffer.getvalue()


class KycProfileActivities(interface.KycProfileActivities):
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.store = DocumentStore(settings.effective_document_store_dir)
        # read once, when the worker starts: a production worker without its certificate
        # fails to start instead of retrying every profile forever
        self.material = signing_material(settings)

    @activity.defn
    async def generate_kyc_profile(self, request: ProfileRequest) -> ProfileRef:
        async with self.db.session() as session:
            buyer = await session.scalar(
                select(Buyer).where(Buyer.uuid == UUID(request.buyer_uuid))
            )
        if buyer is None:
            raise ApplicationError("unknown buyer", type="UNKNOWN_BUYER", non_retryable=True)
        company = CompanyFacts(
            buyer.company_name,
            buyer.vat_number,
            f"{buyer.street}, {buyer.post_code} {buyer.city}, {buyer.country}",
            buyer.kyc_mode,
        )

        def build() -> bytes:
            return sign_profile(render_profile(request, company), self.material)

        signed = await asyncio.to_thread(build)
        stored = await asyncio.to_thread(self.store.put, signed)
        return ProfileRef(
            stored.sha256, stored.size, activity.info().current_attempt_scheduled_time
        )
