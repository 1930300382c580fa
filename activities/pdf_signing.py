"""The platform's PAdES signatures (pyhanko): the Export File's and the KYC profile's.

pyhanko's ``SimpleSigner`` parses its private key again for every raw signature, and the
callers parsed the PEM key once more per PDF: for an RSA key each parse is a consistency check
of ~35 ms of CPU, most of what signing an Export File cost. Here the key is parsed once per
process and RSA PKCS#1 v1.5 signatures (the platform's certificates) use it as it is; any other
mechanism goes the library's way.

Before each signature pyhanko also signs a dummy, to learn how much room the signature needs in
the file (its size and a margin of half of it); that room depends on the certificate, the key
and the time-stamping authority only, so ``sign_pdf`` learns it from its first signature and
reserves the same from then on: about 9 of 21 ms of CPU an Export File's signature. A signature
that outgrows it (a time-stamping authority's answer grew) is made again the library's way.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore


@dataclass(frozen=True)
class SigningMaterial:
    """The platform's certificate and private key, PEM (read from settings by
    activities/buyers/kyc_profile_pdf.signing_material)."""

    certificate_pem: bytes
    key_pem: bytes


class _ParsedKeySigner(signers.SimpleSigner):
    def __init__(self, certificate: asn1_x509.Certificate, key: PrivateKeyTypes) -> None:
        super().__init__(
            signing_cert=certificate,
            signing_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            cert_registry=SimpleCertificateStore.from_certs([certificate]),
        )
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if isinstance(self._key, RSAPrivateKey) and mechanism == "rsassa_pkcs1v15":
            return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


def certificate_der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


@functools.lru_cache(maxsize=8)
def pdf_signer(material: SigningMaterial) -> signers.SimpleSigner:
    """The signer of this certificate and key (shared: it keeps no state between PDFs)."""
    return _ParsedKeySigner(
        asn1_x509.Certificate.load(certificate_der(material.certificate_pem)),
        serialization.load_pem_private_key(material.key_pem, password=None),
    )


# room (hex digits) the signature of a material needs, per time-stamping authority (or None)
_room: dict[tuple[SigningMaterial, str | None], int] = {}


def sign_pdf(
    pdf: bytes,
    material: SigningMaterial,
    *,
    field_name: str,
    reason: str,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The PDF with a PAdES signature (SHA-256) in field ``field_name`` appended as an
    incremental update: it covers every byte of the file but the signature value."""
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
    )
    key = (material, _authority(timestamper))
    signer = signers.PdfSigner(metadata, pdf_signer(material), timestamper=timestamper)
    room = _room.get(key)
    if room is not None:
        try:
            return _signed(signer, pdf, room)
        except SigningError:
            pass  # outgrown: the library estimates again below
    signed = _signed(signer, pdf, None)
    value = PdfFileReader(io.BytesIO(signed)).embedded_signatures[-1].sig_object["/Contents"]
    _room[key] = 2 * len(value)  # written as hex digits
    return signed


def _authority(timestamper: TimeStamper | None) -> str | None:
    if timestamper is None:
        return None
    if isinstance(timestamper, HTTPTimeStamper):
        return timestamper.url
    return type(timestamper).__qualname__


def _signed(signer: signers.PdfSigner, pdf: bytes, room: int | None) -> bytes:
    return signer.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=room
    ).getvalue()
