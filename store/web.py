"""The web app's own records: login sessions, failed logins and the audit log of web actions.

Sessions live in the database, so every API process knows them and logging out ends them at
once. The cookie carries a random token; only its SHA-256 is stored. Every change made through
the web app is written to ``audit_log`` with who made it, what it was, and the resource before
and after, in words a person reads later; staff browse it at ``/app/audit``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.db import AnyRow
from store.models import Base, Buyer, Order, Organization, PaymentInvoice, User, UtcDateTime, utcnow


class WebSession(Base):
    """A signed-in browser: the cookie's token (hashed) and the CSRF token of its forms."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # the user's token generation at login: a password reset ends the session too
    token_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A wrong password (or unknown username): enough of them in a window refuse more tries."""

    __tablename__ = "web_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), index=True)
    client: Mapped[str | None] = mapped_column(String(100))
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AuditEntry(Base):
    """One action taken in the web app: who, what, on which object, before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: an operator at the command line (``nt24-admin``, username "nt24-admin")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(150))
    is_staff: Mapped[bool] = mapped_column(Boolean)
    # the organization whose data changed (None: the platform itself, e.g. a staff user)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)  # e.g. order.pickup
    object_type: Mapped[str] = mapped_column(String(40))  # order, buyer, webhook_endpoint, ...
    object_id: Mapped[str] = mapped_column(String(100), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


def may_use_web_app(user: User) -> bool:
    """Staff and users of a whole organization; a seller's user (``partner_id``) has the
    NOTYD Payments API, scoped to its seller, and no web app: its pages show a whole
    organization (docs/web-app.md, "Who sees what")."""
    return user.partner_id is None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(
    session: AsyncSession,
    user: User,
    ttl: timedelta,
    now: datetime | None = None,
    *,
    absolute: timedelta | None = None,
) -> tuple[str, WebSession]:
    """A new session for ``user``; the token goes into the cookie and is never stored.

    A fresh random token at every login: a token planted in the browser before the login
    (session fixation) never becomes a signed-in session."""
    now = now or utcnow()
    if absolute is not None:
        ttl = min(ttl, absolute)
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_sha256=_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        token_generation=user.token_generation,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    await session.flush()
    return token, row


async def find_session(
    session: AsyncSession,
    token: str,
    ttl: timedelta,
    now: datetime | None = None,
    *,
    absolute: timedelta | None = None,
) -> WebSession | None:
    """The live session of ``token`` with its active user, its idle expiry pushed on; else None.

    ``ttl`` is the idle timeout; ``absolute`` ends a session that long after its login however
    active it is. A session past either, of a user deactivated or tied to a seller since
    (``may_use_web_app``), or from before the user's password reset is deleted here."""
    now = now or utcnow()
    row = await session.scalar(select(WebSession).where(WebSession.token_sha256 == _digest(token)))
    if row is None:
        return None
    user = await session.get(User, row.user_id)
    if (
        row.expires_at <= now
        or user is None
        or not user.is_active
        or not may_use_web_app(user)
        or user.token_generation != row.token_generation
        or (absolute is not None and row.created_at + absolute <= now)
    ):
        await session.delete(row)
        return None
    row.expires_at = now + ttl
    if absolute is not None:
        row.expires_at = min(row.expires_at, row.created_at + absolute)
    return row


async def close_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.token_sha256 == _digest(token)))


async def close_sessions_of(session: AsyncSession, user_id: int) -> None:
    """End every web session of a user (a password reset, a deactivation)."""
    await session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def locked_until(
    failures: Sequence[datetime], now: datetime, max_failures: int, window: timedelta
) -> datetime | None:
    """When a username may try again, or None: ``max_failures`` failures within ``window``
    lock it until the oldest of them leaves the window."""
    recent = sorted(f for f in failures if f > now - window)
    if len(recent) < max_failures:
        return None
    return recent[-max_failures] + window


async def recent_failures(
    session: AsyncSession, username: str, window: timedelta, now: datetime | None = None
) -> list[datetime]:
    now = now or utcnow()
    return list(
        await session.scalars(
            select(LoginFailure.failed_at).where(
                func.lower(LoginFailure.username) == username.lower(),
                LoginFailure.failed_at > now - window,
            )
        )
    )


def record_failure(
    session: AsyncSession, username: str, client: str | None, now: datetime | None = None
) -> None:
    session.add(
        # lowered first: a letter may lower to two ("İ"), and the column holds 150
        LoginFailure(username=username.lower()[:150], client=client, failed_at=now or utcnow())
    )


async def forget_failures(session: AsyncSession, username: str, before: datetime) -> None:
    """A successful login clears the username's failures; old ones of anyone go too."""
    await session.execute(
        delete(LoginFailure).where(
            (func.lower(LoginFailure.username) == username.lower())
            | (LoginFailure.failed_at < before)
        )
    )


CLI_ACTOR = "nt24-admin"


def audit(
    session: AsyncSession,
    user: User | None,
    action: str,
    object_type: str,
    object_id: str,
    *,
    organization_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record a web action (or an ``nt24-admin`` one: ``user`` None) in the caller's
    transaction."""
    entry = AuditEntry(
        user_id=user.id if user else None,
        username=user.username if user else CLI_ACTOR,
        is_staff=user.is_staff if user else True,
        organization_id=organization_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        created_at=utcnow(),
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """The audit log page's filters; ``None`` filters nothing."""

    username: str | None = None
    object_id: str | None = None
    action_prefix: str | None = None  # "order." finds every order action
    staff_only: bool = False
    before_id: int | None = None  # the page after the one ending there


async def audit_entries(session: AsyncSession, only: AuditFilter, limit: int) -> list[AnyRow]:
    """The latest audit entries the filters let through, newest first: ``(entry,
    organization's name or None)`` rows."""
    query = select(AuditEntry, Organization.name).outerjoin(
        Organization, Organization.id == AuditEntry.organization_id
    )
    if only.username:
        query = query.where(AuditEntry.username == only.username)
    if only.object_id:
        query = query.where(AuditEntry.object_id == only.object_id)
    if only.action_prefix:
        query = query.where(AuditEntry.action.startswith(only.action_prefix))
    if only.staff_only:
        query = query.where(AuditEntry.is_staff.is_(True))
    if only.before_id is not None:
        query = query.where(AuditEntry.id < only.before_id)
    return list((await session.execute(query.order_by(AuditEntry.id.desc()).limit(limit))).all())


async def audit_subject_names(
    session: AsyncSession, ids: dict[str, list[UUID]]
) -> dict[tuple[str, str], str]:
    """What the audit log names its subjects by, per kind and uuid: an order by its external id
    and buyer, a buyer by company and VAT number, an invoice by its payment reference, an
    organization and a user by name. A uuid not found has no name."""
    names: dict[tuple[str, str], str] = {}
    if found := ids.get("order"):
        for uuid, external, company in await session.execute(
            select(Order.uuid, Order.external_order_id, Buyer.company_name)
            .join(Buyer, Buyer.id == Order.buyer_id)
            .where(Order.uuid.in_(found))
        ):
            names["order", str(uuid)] = f"Order {external} ({company})"
    if found := ids.get("buyer"):
        for uuid, company, vat in await session.execute(
            select(Buyer.uuid, Buyer.company_name, Buyer.vat_number).where(Buyer.uuid.in_(found))
        ):
            names["buyer", str(uuid)] = f"Buyer {company} ({vat})"
    if found := ids.get("invoice"):
        for uuid, reference in await session.execute(
            select(PaymentInvoice.uuid, PaymentInvoice.payment_reference).where(
                PaymentInvoice.uuid.in_(found)
            )
        ):
            names["invoice", str(uuid)] = f"Invoice {reference}"
    if found := ids.get("organization"):
        for uuid, name in await session.execute(
            select(Organization.uuid, Organization.name).where(Organization.uuid.in_(found))
        ):
            names["organization", str(uuid)] = f"Organization {name}"
    if found := ids.get("user"):
        for uuid, username in await session.execute(
            select(User.uuid, User.username).where(User.uuid.in_(found))
        ):
            names["user", str(uuid)] = f"User {username}"
    return names
