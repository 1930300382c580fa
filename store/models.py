"""Database models: the system of record for reads and for the years a tax audit may ask about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    event,
    insert,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from store.secrets_box import EncryptedBytes, EncryptedString
from workflows.change_source import ChangeSource

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored with their zone; SQLite gives them back naive, so they are read as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organization(Base):
    """An integrating marketplace or bank (the NT24 contract's IntegrationOrganization)."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    rate_limit_tier: Mapped[str] = mapped_column(String(20), default="STANDARD")
    allow_marketplace_led_kyc: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_multi_vin_orders: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_contact_personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_kyc_document_download: Mapped[bool] = mapped_column(Boolean, default=False)
    dpa_version: Mapped[str | None] = mapped_column(String(40))
    dpa_accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    partners: Mapped[list[Partner]] = relationship(back_populates="organization")


class Partner(Base):
    """A seller (trade partner) an organization may act for; the NOTYD seller and seller profile."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    # NOTYD distinguishes a seller from its seller profile; each partner has exactly one.
    profile_uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    webshop_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="partners")


class User(Base):
    """A person: an organization's user (NOTYD seller user) or platform staff."""

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_org_username", "organization_id", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    # Staff belong to no organization: they work across all of them.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    username: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by a password reset: tokens issued before it stop working.
    token_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    organization: Mapped[Organization | None] = relationship()
    partner: Mapped[Partner | None] = relationship()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username


class ApiClient(Base):
    """Machine credentials of an organization (OAuth2 client_credentials).

    Secrets are random 64-character strings kept as argon2 hashes (store/identity/api_clients.py; a
    ``sha256$`` digest of before migration 0016 is verified and rehashed at its next use);
    during a rotation the previous one keeps working until ``previous_secret_expires_at``.
    A disabled client (``is_active``) or a deleted one (``deleted_at``, kept so that its client
    id is never given again) gets no token, and tokens issued before ``tokens_not_before``
    are refused.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(150), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    secret_hash: Mapped[str] = mapped_column(String(200))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(200))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    tokens_not_before: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    organization: Mapped[Organization] = relationship()


class AuthGeneration(Base):
    """One row (``id`` 1): a counter every change to an API client, an organization or a
    partner raises in its own transaction, whichever process makes it (an API, the worker,
    ``nt24-admin``). Each API process reads it at most once a second and drops its cached
    principals when it moved (api/nt24/identity/principal_cache.py)."""

    __tablename__ = "auth_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


AUTH_WATCHED = (ApiClient, Organization, Partner)
"""What a cached NT24 principal is made of: a change to any of them drops it."""
AUTH_CHANGED = "nt24_principals_changed"  # ``session.info`` key: set until the commit


@event.listens_for(Session, "after_flush")
def _raise_auth_generation(session: Session, _context: Any) -> None:
    """In the transaction of the change: committed with it, rolled back with it."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(obj, AUTH_WATCHED) for obj in changed):
        return
    session.info[AUTH_CHANGED] = True
    connection = session.connection()
    raised = connection.execute(
        update(AuthGeneration).where(AuthGeneration.id == 1).values(value=AuthGeneration.value + 1)
    )
    if raised.rowcount == 0:  # a schema made without the migrations (0021 inserts the row)
        connection.execute(insert(AuthGeneration).values(id=1, value=1))


class IdempotencyRecord(Base):
    """A write's stored answer under its Idempotency-Key, scoped to the organization, the
    method and the path (contract §2.2)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("organization_id", "key", "scope_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    key: Mapped[str] = mapped_column(String(255))
    # sha256 of method and path (a hash: a path may be longer than an index entry can hold)
    scope_sha256: Mapped[str] = mapped_column(String(64))
    # sha256 of method, path and body: the same key with another request is refused
    request_sha256: Mapped[str] = mapped_column(String(64))
    # None while the first request is still being answered
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # encrypted: an answer may carry a secret shown only in it (a webhook's signing secret, a
    # self-service link); a body of before is read as it is
    response_body: Mapped[bytes | None] = mapped_column(
        EncryptedBytes("idempotency_records.response_body")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class Buyer(Base):
    """A buyer trade partner of a seller, unique per (partner, VAT number)."""

    __tablename__ = "buyers"
    __table_args__ = (UniqueConstraint("partner_id", "vat_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    # Normalised: country prefix + number, upper case, no separators (DE123456789)
    vat_number: Mapped[str] = mapped_column(String(20), index=True)
    company_name: Mapped[str] = mapped_column(String(300))
    address_uuid: Mapped[UUID] = mapped_column(Uuid, default=uuid4)
    street: Mapped[str] = mapped_column(String(300))
    post_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    kyc_mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")
    blocked_reason: Mapped[str | None] = mapped_column(String(500))
    # Latest VIES outcome (VALID, INVALID, PENDING, UNKNOWN) and when it was checked
    vies_result: Mapped[str] = mapped_column(String(20), default="PENDING")
    vies_last_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # the name VIES gave with its last answer (VALID or INVALID); an outage keeps the old one
    vies_trader_name: Mapped[str | None] = mapped_column(String(500))
    # The platform-led verification (Mode B) as its KycWorkflow last recorded it: the
    # contract's verificationStatus and amlStatus (None: the mode's default), and the profile's
    # validity; ``verification_expired`` says a verified profile lapsed (docs/kyc.md)
    verification_status: Mapped[str] = mapped_column(String(20), default="NOT_STARTED")
    aml_status: Mapped[str | None] = mapped_column(String(20))
    verification_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    verification_expired: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    partner: Mapped[Partner] = relationship()
    contacts: Mapped[list[BuyerContact]] = relationship(
        back_populates="buyer", order_by="BuyerContact.id"
    )


class BuyerContact(Base):
    """A contact person of a buyer: personal data, read only behind allowContactPersonalData."""

    __tablename__ = "buyer_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(150))
    last_name: Mapped[str] = mapped_column(String(150))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    buyer: Mapped[Buyer] = relationship(back_populates="contacts")


class PiiAccessLog(Base):
    """Every read or write of personal data, with who asked and the X-Purpose they gave."""

    __tablename__ = "pii_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))  # the API client_id or the username
    action: Mapped[str] = mapped_column(String(20))  # READ or WRITE
    resource: Mapped[str] = mapped_column(String(500))  # the request path
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("buyers.id"))
    purpose: Mapped[str | None] = mapped_column(String(200))
    trace_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ViesCheck(Base):
    """One VIES consultation, kept as evidence for the tax audit years later."""

    __tablename__ = "vies_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("buyers.id"), index=True)
    vat_number: Mapped[str] = mapped_column(String(20))
    requester_vat_number: Mapped[str | None] = mapped_column(String(20))
    # Why it ran: MANUAL (K2), UPSERT (buyer created), DAILY (ready-for-pickup window)
    trigger: Mapped[str] = mapped_column(String(20))
    # VALID, INVALID or UNKNOWN (unavailable past the retry budget): never a guess
    result: Mapped[str] = mapped_column(String(20))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    request_date: Mapped[str | None] = mapped_column(String(40))  # as VIES stated it
    request_identifier: Mapped[str | None] = mapped_column(String(100))  # consultation number
    name: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(1000))
    error_code: Mapped[str | None] = mapped_column(String(60))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    workflow_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class KycVerification(Base):
    """One identity session of an NT24-led buyer and where it ended: the legal record of its KYC.

    Written only by the buyer's KycWorkflow; ``profile_sha256`` names the signed KYC profile PDF
    in the document store once the buyer is VERIFIED.
    """

    __tablename__ = "kyc_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    session_id: Mapped[str] = mapped_column(String(120), unique=True)  # idenfy_<scanRef>
    scan_ref: Mapped[str] = mapped_column(String(100), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(200))
    # IN_PROGRESS, REVIEW (staff decide), VERIFIED, REJECTED, EXPIRED (the session ran out)
    status: Mapped[str] = mapped_column(String(20))
    # The provider's final overall status and tags, and the person as the document reads
    identity_status: Mapped[str | None] = mapped_column(String(20))
    fraud_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    mismatch_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    person: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    aml_status: Mapped[str | None] = mapped_column(String(20))  # PENDING, CLEAR, FLAGGED
    reason: Mapped[str | None] = mapped_column(String(1000))
    decided_by: Mapped[str | None] = mapped_column(String(200))  # SYSTEM or the staff member
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    profile_sha256: Mapped[str | None] = mapped_column(String(64))
    profile_size: Mapped[int | None] = mapped_column(Integer)
    profile_generated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AmlScreening(Base):
    """One AML check of the company or its representative, with every match as screened."""

    __tablename__ = "aml_screenings"
    __table_args__ = (UniqueConstraint("verification_id", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("kyc_verifications.id"), index=True)
    subject: Mapped[str] = mapped_column(String(20))  # COMPANY or PERSON
    full_name: Mapped[str] = mapped_column(String(300))
    nationality: Mapped[str | None] = mapped_column(String(2))
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    check_id: Mapped[str | None] = mapped_column(String(100))  # the provider's
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    top_score: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[str] = mapped_column(String(20))  # CLEAR, REVIEW, FLAGGED, UNAVAILABLE
    # each {name, score, datasets}: the lists and scores the profile PDF prints
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(String(300))


class ProviderCallback(Base):
    """Every callback a provider (or anyone) sent us, signed or not: the audit of what arrived."""

    __tablename__ = "provider_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    signature_valid: Mapped[bool] = mapped_column(Boolean)
    # ACCEPTED (signalled), NOT_FINAL, REPLAYED, UNKNOWN_CLIENT, MALFORMED, REFUSED_SIGNATURE
    outcome: Mapped[str] = mapped_column(String(30))
    scan_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    client_id: Mapped[str | None] = mapped_column(String(100))
    final: Mapped[bool | None] = mapped_column(Boolean)
    overall_status: Mapped[str | None] = mapped_column(String(20))
    body_sha256: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class Order(Base):
    """The read model of one order: written only by its OrderWorkflow, read by every GET.

    Module states (invoices, payment, transport, rollup, export file) are the workflow's own
    JSON views; ``version`` only grows, so a late write can never overwrite a newer one.
    """

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("partner_id", "external_order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    external_order_id: Mapped[str] = mapped_column(String(200))
    workflow_id: Mapped[str] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    compliance_status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # Grows with every write of the workflow: a late or retried write never wins over a newer
    revision: Mapped[int] = mapped_column(Integer)
    # The order as the API shows it, and each module's state, as the workflow computed them
    order: Mapped[dict[str, Any]] = mapped_column(JSON)
    invoices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    payment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    transport: Mapped[dict[str, Any]] = mapped_column(JSON)
    compliance: Mapped[dict[str, Any]] = mapped_column(JSON)
    export_file: Mapped[dict[str, Any]] = mapped_column(JSON)
    # sha256 of the create request's business content: a repeat with another body is a 409
    create_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # The hash of the order's last evidence entry (store/orders/evidence.py), written with it
    evidence_head: Mapped[str | None] = mapped_column(String(64))

    vins: Mapped[list[OrderVin]] = relationship(order_by="OrderVin.position")


class OrderChange(Base):
    """One written revision of an order: when its workflow committed it and on whose command.

    Written by ``write_order`` in the read-model row's transaction, once per revision; the
    web app's timeline reads a milestone's source here.
    """

    __tablename__ = "order_changes"
    __table_args__ = (UniqueConstraint("order_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    revision: Mapped[int] = mapped_column(Integer)
    # The commit's workflow time: the read model's updated_at of this revision
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(20))  # API, WEB_APP, SYSTEM
    status: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)


class OrderVin(Base):
    """VINs of orders, indexed: the same VIN appears in many orders over time (resale)."""

    __tablename__ = "order_vins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    vin: Mapped[str] = mapped_column(String(17), index=True)


class Document(Base):
    """A document's metadata; its bytes are in the document store under ``sha256``."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("buyers.id"), index=True)
    module: Mapped[str] = mapped_column(String(20))  # invoice, payment, transport, order, kyc
    type: Mapped[str] = mapped_column(String(60))
    document_date: Mapped[date | None] = mapped_column(Date)
    issuer_type: Mapped[str] = mapped_column(String(30))
    issuer_name: Mapped[str | None] = mapped_column(String(300))
    issuer_id: Mapped[str | None] = mapped_column(String(64))  # VAT or registration number
    vins: Mapped[list[str] | None] = mapped_column(JSON)  # the VINs it covers; null: all
    # where a transport document says the transport began and ended (ISO 3166-1 alpha-2)
    origin_country: Mapped[str | None] = mapped_column(String(2))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    # the upload named its issuer type (false: the type's default; null: not recorded then)
    issuer_type_stated: Mapped[bool | None] = mapped_column(Boolean)
    file_name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    pages: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")  # ACTIVE or SUPERSEDED
    source: Mapped[str] = mapped_column(String(20), default=ChangeSource.API)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ExportFile(Base):
    """One generated version of an order's Export File; every version stays downloadable."""

    __tablename__ = "export_files"
    __table_args__ = (UniqueConstraint("order_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(1000))
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EvidenceEntry(Base):
    """One entry of an order's sealed evidence chain (store/orders/evidence.py): append-only.

    ``payload`` is the entry's canonical JSON (RFC 8785) as hashed; ``hash`` is
    sha256(prev_hash + payload). No code path updates or deletes a row, and on PostgreSQL a
    trigger refuses both (migration 0015).
    """

    __tablename__ = "evidence_entries"
    __table_args__ = (UniqueConstraint("order_id", "seq"), UniqueConstraint("order_id", "key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per order
    kind: Mapped[str] = mapped_column(String(30))  # document, vies_check, milestone, ...
    key: Mapped[str] = mapped_column(String(200))  # what it records: appended once per order
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Event(Base):
    """The outbox: an event is committed with the state change it describes, then delivered."""

    __tablename__ = "events"

    # Ordered, gap-tolerant cursor for the events feed
    sequence: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(40), unique=True)  # evt_...
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    type: Mapped[str] = mapped_column(String(60), index=True)
    schema_version: Mapped[str] = mapped_column(String(10), default="1")
    source: Mapped[str] = mapped_column(String(20))  # API, WEB_APP, SYSTEM
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When the webhook fan-out turned the event into deliveries; NULL: still to fan out
    fanned_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # PostgreSQL: the id of the transaction that inserted it (pg_current_xact_id(), the
    # database's default, migration 0023); the events feed shows it once no transaction with
    # an id up to its own is in flight. 0 on SQLite, and for events recorded before
    xid: Mapped[int] = mapped_column(BigInteger, server_default=FetchedValue())

    __table_args__ = (
        # the events feed on PostgreSQL: an organization's events by (xid, sequence)
        Index("ix_events_feed", "organization_id", "xid", "sequence"),
        # the fan-out's queue: only the few events not fanned out yet are in it
        Index(
            "ix_events_to_fan_out",
            "sequence",
            postgresql_where=text("fanned_out_at IS NULL"),
            sqlite_where=text("fanned_out_at IS NULL"),
        ),
    )


class WebhookEndpoint(Base):
    """A receiver URL of an organization, the event types it subscribes to, and its secret.

    The secret is kept encrypted (signing needs it back: store/secrets_box.py, NT24_SECRETS_KEY);
    it is shown once, in the create answer.
    ``consecutive_failures`` and ``failing_since`` count every failed attempt in a row, whatever
    the event; a success resets them. They decide the auto-pause.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # wh_...
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)  # exact types and segment wildcards
    partner_ids: Mapped[list[str] | None] = mapped_column(JSON)  # None: every partner
    secret: Mapped[str] = mapped_column(EncryptedString(200, "webhook_endpoints.secret"))
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")  # ACTIVE, PAUSED, DISABLED
    status_reason: Mapped[str | None] = mapped_column(String(300))
    # The event schema versions it takes, default [1] (conventions §6); each event goes to it in
    # the highest of them (store.webhooks.events.delivered_version)
    accepted_schema_versions: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1])
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One event (or test fire, or replay) on its way to one endpoint, and how it went.

    ``payload`` is the envelope exactly as sent, so a replay re-sends the same event. The retry
    position (``failing_since``, ``retries_used``) lives here too, so a delivery workflow that
    stopped while its endpoint was paused continues where it was when it is started again.
    """

    __tablename__ = "webhook_deliveries"
    # an event is fanned out at most once to each endpoint (test fires and replays have none)
    __table_args__ = (UniqueConstraint("endpoint_id", "event_sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # del_...
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event_sequence: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("events.sequence")
    )
    event_id: Mapped[str] = mapped_column(String(40), index=True)  # evt_...
    event_type: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))  # EVENT, TEST, REPLAY
    replay_of: Mapped[str | None] = mapped_column(String(40))  # the replayed delivery's del_...
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="PENDING", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # While PENDING, when the next attempt is due (the first one: at creation), so the history
    # never shows PENDING without it; NULL only while parked behind a paused or disabled
    # endpoint (and once DELIVERED or FAILED)
    next_retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    retries_used: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


# ----- Payments (NOTYD v1): payment orders, captures, invoices, credit notes -----
# Amounts are integer cents (BigInteger); tax rates are decimals. Written only by each order's
# PaymentOrderWorkflow through its activities (the dunning and incoming-money workflows
# write the invoice's dunning and payment fields), read by every GET.


class PaymentOrder(Base):
    """A NOTYD order (request): the buyer, the lines, the totals and where it stands."""

    __tablename__ = "payment_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # the seller (its seller profile is ``Partner.profile_uuid``)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    workflow_id: Mapped[str] = mapped_column(String(300), unique=True)
    external_webshop_uid: Mapped[str | None] = mapped_column(String(36))
    # not unique: a repeated external_order_uid is another order
    external_order_uid: Mapped[str] = mapped_column(String(255), index=True)
    order_request_label: Mapped[str | None] = mapped_column(String(100))
    # pending, accepted, rejected, expired, failed, partially_captured, captured,
    # partially_refunded, refunded, cancelled
    status: Mapped[str] = mapped_column(String(30), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(10))
    payment_link_duration: Mapped[int] = mapped_column(Integer)  # seconds
    payment_terms_days: Mapped[int] = mapped_column(Integer, index=True)  # 14, 30 or 60
    total_amount_incl_tax: Mapped[int] = mapped_column(BigInteger)
    total_amount_excl_tax: Mapped[int] = mapped_column(BigInteger)
    total_amount_tax: Mapped[int] = mapped_column(BigInteger)
    captured_amount_incl_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    captured_amount_excl_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    captured_amount_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount_incl_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount_excl_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    # {description, amount_incl_tax, amount_excl_tax, amount_tax} or None; and how much of it
    # the captures so far have taken
    discount: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    captured_discount: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the request's nested objects, with every key of their schema (null when not given)
    buyer_company: Mapped[dict[str, Any]] = mapped_column(JSON)
    buyer_representative: Mapped[dict[str, Any]] = mapped_column(JSON)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    seller_urls: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    webhook_urls: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # copied out of the JSON for search
    buyer_company_name: Mapped[str | None] = mapped_column(String(300))
    buyer_registration_number: Mapped[str | None] = mapped_column(String(100))
    buyer_vat_number: Mapped[str | None] = mapped_column(String(40))
    representative_email: Mapped[str | None] = mapped_column(String(254))
    # the hosted payment page: the form's per-order anti-forgery token, and its deadline
    page_token: Mapped[str] = mapped_column(String(64))
    # the sha256 of the page's link token (store/link_tokens.py), which finds the order; None
    # for an order of before migration 0025, whose page is still found by its uuid
    page_link_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # the credit bureau's verdict: approved, rejected or unavailable, with its reference
    credit_check_outcome: Mapped[str | None] = mapped_column(String(20))
    credit_check_reference: Mapped[str | None] = mapped_column(String(100))
    credit_check_reason: Mapped[str | None] = mapped_column(String(300))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # grows with every write of the workflow: a late or retried write never wins
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    partner: Mapped[Partner] = relationship()
    lines: Mapped[list[PaymentOrderLine]] = relationship(order_by="PaymentOrderLine.position")
    invoices: Mapped[list[PaymentInvoice]] = relationship(
        back_populates="order", order_by="PaymentInvoice.id"
    )


class PaymentOrderLine(Base):
    """One line of a payment order; prices per unit, in cents."""

    __tablename__ = "payment_order_lines"
    __table_args__ = (UniqueConstraint("order_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # any string; not unique within an order (a shop may list the same SKU twice)
    product_id: Mapped[str] = mapped_column(String(255))
    product_name: Mapped[str] = mapped_column(String(500))
    product_description: Mapped[str | None] = mapped_column(String(2000))
    quantity: Mapped[int] = mapped_column(Integer)
    product_price_excl_tax: Mapped[int] = mapped_column(BigInteger)
    product_price_incl_tax: Mapped[int] = mapped_column(BigInteger)
    product_tax_rate_percentage: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    captured_quantity: Mapped[int] = mapped_column(Integer, default=0)


class PaymentCapture(Base):
    """One capture of a payment order (goods shipped); each makes exactly one invoice."""

    __tablename__ = "payment_captures"
    __table_args__ = (UniqueConstraint("order_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the order
    total_amount_incl_tax: Mapped[int] = mapped_column(BigInteger)
    total_amount_excl_tax: Mapped[int] = mapped_column(BigInteger)
    total_amount_tax: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PaymentInvoice(Base):
    """The buyer's invoice for one capture: what is due, by when, and how dunning stands.

    Every field of the NOTYD invoice object has its column. ``paid_amount`` is the incoming
    money matched to it; ``dunning_status`` is the integer code of the dunning ladder.
    """

    __tablename__ = "payment_invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("payment_captures.id"), unique=True)
    # what the buyer quotes with the transfer: the key incoming money is matched by
    payment_reference: Mapped[str] = mapped_column(String(20), unique=True)
    external_invoice_uid: Mapped[str | None] = mapped_column(String(255), index=True)
    invoice_url: Mapped[str | None] = mapped_column(String(2000))
    currency: Mapped[str] = mapped_column(String(3))
    total_amount_incl_tax: Mapped[int] = mapped_column(BigInteger)
    total_amount_excl_tax: Mapped[int] = mapped_column(BigInteger)
    total_amount_tax: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    refunded_amount_incl_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount_excl_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # not_paid, partially_paid, paid, refunded, write_off_credit, write_off_fraud,
    # paid_to_seller, paid_to_seller_settled
    payment_status: Mapped[str] = mapped_column(String(30), default="not_paid", index=True)
    # 0 INITIAL, 5 UPCOMING_PAYMENT, 10 INVOICE_DUE, 20 FREE_REMINDER, 30 REMINDER_1,
    # 40 REMINDER_2, 50 LAST_NOTICE, 55 COLLECTION_CALLS, 60 DCA_HANDOVER,
    # 65 PAYMENT_PLAN_AGREED, 70 DCA_SENT
    dunning_status: Mapped[int] = mapped_column(Integer, default=0, index=True)
    upcoming_payment_reminder_sent: Mapped[int] = mapped_column(Integer, default=0)
    upcoming_payment_reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    invoice_due_sent: Mapped[int] = mapped_column(Integer, default=0)
    invoice_due_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    free_reminder_sent: Mapped[int] = mapped_column(Integer, default=0)
    free_reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reminder_1_sent: Mapped[int] = mapped_column(Integer, default=0)
    reminder_1_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reminder_2_sent: Mapped[int] = mapped_column(Integer, default=0)
    reminder_2_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_notice_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_notice_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # None until someone puts it on hold or releases it (the spec shows null)
    on_hold: Mapped[bool | None] = mapped_column(Boolean, index=True)
    on_hold_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # settlement to the seller, by the payout run
    paid_to_seller: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_to_seller_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paid_to_seller_settled: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_to_seller_settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    order: Mapped[PaymentOrder] = relationship(back_populates="invoices")
    lines: Mapped[list[PaymentInvoiceLine]] = relationship(order_by="PaymentInvoiceLine.id")
    refunds: Mapped[list[PaymentRefund]] = relationship(order_by="PaymentRefund.id")


class PaymentInvoiceLine(Base):
    """A line of an invoice (what one capture took of an order line); its id is the API's."""

    __tablename__ = "payment_invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payment_invoices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(String(255))
    product_name: Mapped[str] = mapped_column(String(500))
    product_description: Mapped[str | None] = mapped_column(String(2000))
    quantity: Mapped[int] = mapped_column(Integer)
    product_price_excl_tax: Mapped[int] = mapped_column(BigInteger)
    product_price_incl_tax: Mapped[int] = mapped_column(BigInteger)
    product_tax_rate_percentage: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    # line totals (quantity x unit price, or the captured amount of an amount-only capture)
    total_product_price_excl_tax: Mapped[int] = mapped_column(BigInteger)
    total_product_price_incl_tax: Mapped[int] = mapped_column(BigInteger)
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount_excl_tax: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount_incl_tax: Mapped[int] = mapped_column(BigInteger, default=0)


class PaymentRefund(Base):
    """A credit note: one per invoice a refund touched."""

    __tablename__ = "payment_refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payment_invoices.id"), index=True)
    external_refund_uid: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255))
    total_amount_incl_tax: Mapped[int] = mapped_column(BigInteger)
    total_amount_excl_tax: Mapped[int] = mapped_column(BigInteger)
    total_amount_tax: Mapped[int] = mapped_column(BigInteger)
    # [{product_id, quantity, total_amount_incl_tax, total_amount_excl_tax, description}];
    # empty when refunded by amount
    refund_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # the invoice's discount given back ({description, amount_incl_tax, amount_excl_tax,
    # amount_tax}, as the invoice's own): the totals are the lines' less it; null when none
    discount: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# ----- Payments: incoming money, bank statements, write-offs, payouts, dunning letters -----
# Written by store/payments/payment_money.py (staff, statement imports), the payout run and the
# dunning workflow's activities; amounts are integer cents.


class IncomingPayment(Base):
    """Money the buyer paid against an invoice: recorded by staff or matched from a statement."""

    __tablename__ = "incoming_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payment_invoices.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))  # STAFF or STATEMENT
    statement_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("bank_statement_entries.id"), unique=True
    )
    recorded_by: Mapped[str] = mapped_column(String(150))  # the staff member's username
    note: Mapped[str | None] = mapped_column(String(500))
    # the web form's sending that booked it (api/web/core.py form_sending): sent again, it
    # books nothing and answers this payment
    form_sending_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class BankStatementImport(Base):
    """One camt.053 file staff imported; the same file imported again is recognised."""

    __tablename__ = "bank_statement_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(20))  # camt.053.001.02, ...
    message_id: Mapped[str] = mapped_column(String(100))
    imported_by: Mapped[str] = mapped_column(String(150))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    entries: Mapped[list[BankStatementEntry]] = relationship(order_by="BankStatementEntry.id")


class BankStatementEntry(Base):
    """One entry of an imported statement and what became of it."""

    __tablename__ = "bank_statement_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("bank_statement_imports.id"), index=True)
    statement_id: Mapped[str] = mapped_column(String(100))
    account_iban: Mapped[str | None] = mapped_column(String(34))
    # the same entry in an overlapping statement has the same key (store/payments/camt053.py)
    entry_key: Mapped[str] = mapped_column(String(64), index=True)
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    credit: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    bank_status: Mapped[str] = mapped_column(String(10))  # BOOK, PDNG, INFO
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    booking_date: Mapped[date | None] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    end_to_end_id: Mapped[str | None] = mapped_column(String(100))
    debtor_name: Mapped[str | None] = mapped_column(String(300))
    debtor_iban: Mapped[str | None] = mapped_column(String(34))
    remittance: Mapped[list[str]] = mapped_column(JSON, default=list)
    # MATCHED, UNMATCHED, AMBIGUOUS, CURRENCY_MISMATCH, NOT_INCOMING, DUPLICATE
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("payment_invoices.id"), index=True)


class InvoiceWriteOff(Base):
    """Staff gave up on what an invoice still owed: credit risk, or fraud."""

    __tablename__ = "invoice_write_offs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payment_invoices.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # write_off_credit or write_off_fraud
    amount: Mapped[int] = mapped_column(BigInteger)  # what was outstanding
    reason: Mapped[str] = mapped_column(String(500))
    decided_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Payout(Base):
    """One transfer to a seller: what its buyers paid since the last one, net of credit notes."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    # the transfer's remittance text, so the seller can reconcile it
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    run_id: Mapped[str] = mapped_column(String(200), index=True)  # the payout run's workflow
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    lines: Mapped[list[PayoutLine]] = relationship(order_by="PayoutLine.id")


class PayoutLine(Base):
    """What one payout passed on for one invoice (negative: a credit note deducted)."""

    __tablename__ = "payout_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payment_invoices.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class DunningLetter(Base):
    """A letter of an invoice's dunning (a ladder step or an instalment) and how sending went."""

    __tablename__ = "dunning_letters"
    __table_args__ = (UniqueConstraint("invoice_id", "letter_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True, default=uuid4)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("payment_invoices.id"), index=True)
    # unique per invoice: a retried activity never writes a letter twice
    letter_key: Mapped[str] = mapped_column(String(60))
    step: Mapped[str] = mapped_column(String(30))  # a ladder step or INSTALMENT
    instalment_number: Mapped[int | None] = mapped_column(Integer)
    amount_due: Mapped[int] = mapped_column(BigInteger)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))  # SENT or FAILED (the address bounced)
    error: Mapped[str | None] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(300))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SelfServiceInvitation(Base):
    """An e-mailed link through which a buyer uploads its own KYC documents (docs/kyc.md).

    The link's token is never stored: it is derived from the invitation's uuid with a secret
    key, and only its sha256 is kept, to find the invitation a link names. The status is
    written by the invitation's workflow (USED, REVOKED, EXPIRED); the usage counters by the
    uploads, in the transaction that stores the document.
    """

    __tablename__ = "self_service_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(Uuid, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="KYC")  # KYC or PROSPECT
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")  # USED, REVOKED, EXPIRED
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    recipient_email: Mapped[str] = mapped_column(String(254))
    label: Mapped[str | None] = mapped_column(String(200))
    workflow_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    usage_count: Mapped[int] = mapped_column(Integer, default=0)  # documents uploaded through it
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the buyer submitted
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    emailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    email_message_id: Mapped[str | None] = mapped_column(String(300))

    buyer: Mapped[Buyer] = relationship()
    partner: Mapped[Partner] = relationship()


class WorkerHeartbeat(Base):
    """A worker process saying it is alive: /readyz counts the task queue's freshest one."""

    __tablename__ = "worker_heartbeats"

    identity: Mapped[str] = mapped_column(String(200), primary_key=True)
    task_queue: Mapped[str] = mapped_column(String(200), index=True)
    beat_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InvoiceVersion(Base):
    """Each version of an order's invoice as it was written: the Export File's correction
    history. ``data`` is the invoice as the API answered it at that version (number, date,
    amount, VAT, margin scheme); written by ``write_order`` with the revision that made it."""

    __tablename__ = "invoice_versions"
    __table_args__ = (UniqueConstraint("order_id", "type", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))  # PRELIMINARY or FINAL
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20))  # API, WEB_APP, SYSTEM
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
