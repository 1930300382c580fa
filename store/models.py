"""Database models: the system of record for reads and for the years a tax audit may ask about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
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
    text,
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

    vins: Mapped[list[OrderVin]] = relationship(order_by="OrderVin.position")


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
    file_name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")  # ACTIVE or SUPERSEDED
    source: Mapped[str] = mapped_column(String(20), default="API")
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
    reason: Mapped[str] = mapped_column(String(200))
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime())


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

    __table_args__ = (
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

    The secret is kept as given (signing needs it); it is shown once, in the create answer.
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
    secret: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")  # ACTIVE, PAUSED, DISABLED
    status_reason: Mapped[str | None] = mapped_column(String(300))
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
    # NULL while PENDING: not attempted yet, or parked until its endpoint is active again
    next_retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    retries_used: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
