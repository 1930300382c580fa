"""A test RFC 3161 time-stamping authority, as the dev stack serves VIES.

``POST /tsa`` takes a DER ``TimeStampReq`` (``application/timestamp-query``) and answers a DER
``TimeStampResp`` (``application/timestamp-reply``), signed with a self-signed TSA certificate
made when the app starts (critical extended key usage ``timeStamping``); ``GET
/tsa/certificate`` serves that certificate as PEM, for a verifier that should trust it. The
responses are built by pyhanko's ``DummyTimeStamper``: fine for tests and the dev stack, never
evidence. Production points ``NT24_TSA_URL`` at a qualified TSA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fastapi import APIRouter, Request, Response
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"


@dataclass(frozen=True)
class TsaMaterial:
    certificate_pem: bytes
    key_pem: bytes


def tsa_material(common_name: str = "NT24 sandbox TSA", hosts: Sequence[str] = ()) -> TsaMaterial:
    """A self-signed TSA certificate and its key; ``hosts`` as its subject alternative names
    (a large certificate makes large timestamps)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NT24 sandboxes"),
        ]
    )
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    )
    if hosts:
        names = [x509.DNSName(host) for host in hosts]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    certificate = builder.sign(key, hashes.SHA256())
    return TsaMaterial(
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def timestamper(material: TsaMaterial) -> DummyTimeStamper:
    """A pyhanko time stamper signing with ``material`` (also usable in-process in tests)."""
    certificate = x509.load_pem_x509_certificate(material.certificate_pem)
    key = serialization.load_pem_private_key(material.key_pem, password=None)
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )


def create_router(material: TsaMaterial | None = None) -> APIRouter:
    material = material or tsa_material()
    stamper = timestamper(material)
    router = APIRouter(tags=["TSA (RFC 3161)"])

    @router.post("", summary="Time-stamp a message imprint (RFC 3161)")
    async def stamp(request: Request) -> Response:
        try:
            query = tsp.TimeStampReq.load(await request.body())
            _ = query.native  # parse it all now: a malformed query is a 400, not a 500
        except (ValueError, TypeError):
            return Response("not a DER TimeStampReq", status_code=400, media_type="text/plain")
        answer = await stamper.async_request_tsa_response(query)
        return Response(answer.dump(), media_type=REPLY)

    @router.get("/certificate", summary="The TSA's certificate (PEM)")
    async def certificate() -> Response:
        return Response(material.certificate_pem, media_type="application/x-pem-file")

    return router
