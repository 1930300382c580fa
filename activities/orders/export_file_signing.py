"""Sealing and signing an Export File version after it is rendered.

The rendered PDF (activities/orders/export_file_pdf.py) gets, before it is signed:

- a last page, "Seal", listing the order's evidence chain head at generation time
  (store/orders/evidence.py), the rule set with its digest (store/orders/rule_sets.py) and the
  sha256 of every
  document the Export File lists;
- the same values in the PDF's document information dictionary: ``/NT24EvidenceHead``,
  ``/NT24RuleSet``, ``/NT24RuleSetDigest``, ``/NT24DocumentSha256`` (space-separated).

Then it is signed by the platform, PAdES baseline (B-B, SHA-256) with pyhanko as an incremental
update, with the certificate and key of the KYC profiles (``NT24_KYC_SIGNING_CERTIFICATE`` and
``_KEY``, activities/buyers/kyc_profile_pdf.py): the signature covers every byte of the file but the
signature value, so any changed byte breaks it. With ``NT24_TSA_URL`` set, the signature
carries an RFC 3161 timestamp from that time-stamping authority (B-T); the dev stack's
sandboxes serve a test TSA at ``/tsa`` (sandboxes/tsa.py).

``verify_export_file`` is the project's own check (``nt24-admin verify-export-file``): the
signature is intact, covers the whole file, and chains to the platform's certificate.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from activities.pdf_signing import certificate_der, sign_pdf

if TYPE_CHECKING:
    from activities.pdf_signing import SigningMaterial
    from settings import Settings

SIGNATURE_FIELD = "NT24ExportFileSignature"


@dataclass(frozen=True)
class Seal:
    evidence_head: str
    rule_set: str | None
    rule_set_digest: str | None
    documents: tuple[tuple[str, str], ...]  # (what it is, sha256), as the Export File lists them

    def info(self) -> dict[str, str]:
        return {
            "/NT24EvidenceHead": self.evidence_head,
            "/NT24RuleSet": self.rule_set or "",
            "/NT24RuleSetDigest": self.rule_set_digest or "",
            "/NT24DocumentSha256": " ".join(sha for _, sha in self.documents),
        }


def _seal_page(seal: Seal) -> bytes:
    styles = getSampleStyleSheet()
    mono = styles["Code"]
    mono.fontSize, mono.leading = 7.5, 9.5
    body = styles["BodyText"]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, invariant=1
    )
    story = [
        Paragraph("Seal", styles["Title"]),
        Paragraph(
            "This Export File is signed electronically by the platform (PAdES). The signature "
            "covers every page, this one included: any change to the file breaks it. The "
            "evidence chain head seals every piece of evidence the order had collected when "
            "this version was generated; the order's evidence listing recomputes it.",
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph("Evidence chain head (sha256)", styles["Heading2"]),
        Paragraph(seal.evidence_head, mono),
        Paragraph("Rule set", styles["Heading2"]),
        Paragraph(escape(f"{seal.rule_set or '-'}, digest {seal.rule_set_digest or '-'}"), mono),
        Paragraph("Documents (sha256)", styles["Heading2"]),
    ]
    # a label is a document's file name, as the uploader gave it: text, not reportlab's markup
    story += [Paragraph(escape(f"{sha}  {label}"), mono) for label, sha in seal.documents] or [
        Paragraph("none", body)
    ]
    document.build(story)
    return buffer.getvalue()


def with_seal(pdf: bytes, seal: Seal) -> bytes:
    """The PDF with the seal page appended and the seal's values in its information."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.append(PdfReader(io.BytesIO(_seal_page(seal))))
    writer.add_metadata(seal.info())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class ExportFileSigner:
    def __init__(self, material: SigningMaterial, timestamper: TimeStamper | None = None) -> None:
        self.material = material
        self.timestamper = timestamper

    @classmethod
    def from_settings(cls, settings: Settings) -> ExportFileSigner:
        # the KYC profiles' module imports the order store, which imports this one
        from activities.buyers.kyc_profile_pdf import signing_material

        url = settings.tsa_url
        return cls(signing_material(settings), HTTPTimeStamper(url) if url else None)

    def sign(self, pdf: bytes) -> bytes:
        return sign_pdf(
            pdf,
            self.material,
            field_name=SIGNATURE_FIELD,
            reason="NT24 Export File",
            timestamper=self.timestamper,
        )

    def seal_and_sign(self, pdf: bytes, seal: Seal) -> bytes:
        return self.sign(with_seal(pdf, seal))


@dataclass
class SignatureCheck:
    valid: bool  # intact, covering the whole file, by a certificate the verifier trusts
    intact: bool
    trusted: bool
    timestamped: bool
    seal: dict[str, str]
    problem: str | None = None


def verify_export_file(
    pdf: bytes, certificates_pem: Sequence[bytes], tsa_certificates_pem: Sequence[bytes] = ()
) -> SignatureCheck:
    """Check the Export File's signature against the platform's certificate(s)."""
    roots = [asn1_x509.Certificate.load(certificate_der(pem)) for pem in certificates_pem]
    roots += [asn1_x509.Certificate.load(certificate_der(pem)) for pem in tsa_certificates_pem]
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        ours = [s for s in reader.embedded_signatures if s.field_name == SIGNATURE_FIELD]
        if len(ours) != 1:
            return SignatureCheck(False, False, False, False, {}, "no platform signature")
        info = reader.trailer_view.get("/Info")
        info = info.get_object() if info is not None else {}
        seal = {str(k): str(v) for k, v in info.items() if str(k).startswith("/NT24")}
        status = validate_pdf_signature(
            ours[0], ValidationContext(trust_roots=roots, allow_fetching=False)
        )
    except Exception as error:  # a damaged file is a failed check, whatever breaks
        return SignatureCheck(False, False, False, False, {}, f"unreadable: {error}")
    whole = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    return SignatureCheck(
        valid=status.bottom_line and whole,
        intact=status.intact and status.valid,
        trusted=status.trusted,
        timestamped=status.timestamp_validity is not None,
        seal=seal,
        problem=None if status.bottom_line and whole else status.summary(),
    )
