"""Database models: the system of record for reads and for the years a tax audit may ask about."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
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
