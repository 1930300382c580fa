"""The platform's PAdES signer (pyhanko), built once per process for its signing material.

pyhanko's ``SimpleSigner`` parses its private key again for every raw signature, twice a PDF
(the signature size estimate and the signature), and the callers parsed the PEM key once more
per PDF: for an RSA key each parse is a consistency check of ~35 ms of CPU, most of what signing
an Export File cost. Here the key is parsed once and RSA PKCS#1 v1.5 signatures (the platform's
certificates) use it as it is; any other mechanism goes the library's way.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.sign import signers
from pyhanko.sign.general import get_pyca_cryptography_hash
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
