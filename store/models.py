"""Database models: the system of record for reads and for the years a tax audit may ask about."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
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

    Secrets are random 64+ character strings, so a SHA-256 digest is a safe hash; during a
    rotation the previous digest keeps working until ``previous_secret_expires_at``.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(150), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    secret_sha256: Mapped[str] = mapped_column(String(64))
    previous_secret_sha256: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    organization: Mapped[Organization] = relationship()


class IdempotencyRecord(Base):
    """A write's stored answer under its Idempotency-Key, scoped to the organization."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    key: Mapped[str] = mapped_column(String(255))
    # sha256 of method, path and body: the same key with another request is refused
    request_sha256: Mapped[str] = mapped_column(String(64))
    # None while the first request is still being answered
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class RateLimitCounter(Base):
    """Requests of one organization in one category and window; shared by every API process."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (UniqueConstraint("organization_id", "category", "window_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    category: Mapped[str] = mapped_column(String(20))
    # Unix seconds at which the window opens; the window's length is implied by the rule
    window_start: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer, default=0)


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
