"""Admin command line: organizations, users and staff, flags, password resets.

    nt24-admin create-org "Santander Consumer Bank" --allow-multi-vin-orders
    nt24-admin create-user alice --org santander-consumer-bank --password ...
    nt24-admin create-user bert --org santander-consumer-bank --partner "Autohaus Nord"
    nt24-admin create-staff operator --password ...
    nt24-admin set-flags santander-consumer-bank --allow-marketplace-led-kyc yes
    nt24-admin reset-password alice
    nt24-admin create-partner santander-consumer-bank "Autohaus Nord" --country DE
    nt24-admin create-api-client santander-consumer-bank "Santander Pilot"
    nt24-admin rotate-secret api-client-santander-pilot --grace 48h   (--grace 0: at once)
    nt24-admin disable-api-client api-client-santander-pilot   (enable-, delete-api-client)
    nt24-admin accept-dpa santander-consumer-bank 2026-01
    nt24-admin kyc-review 7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e approve --reason "namesake"

Incoming money and dunning, acting as a staff member (docs/payments-dunning.md):

    nt24-admin record-payment NTYK3M9QX2A 59500 --staff operator
    nt24-admin import-statement statement.xml --staff operator
    nt24-admin write-off NTYK3M9QX2A write_off_credit --reason "insolvent" --staff operator
    nt24-admin hold-invoice NTYK3M9QX2A --staff operator        (--release to resume)
    nt24-admin payment-plan NTYK3M9QX2A 3 --staff operator

Evidence and rules (docs/compliance-rules.md):

    nt24-admin verify-order 7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e   (exit 1: the chain is broken)
    nt24-admin what-if --since 2026-01-01 --country DE

Workflow histories against this code (docs/operations.md#replay-before-a-deploy):

    nt24-admin replay order-7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e   (exit 2: nondeterminism)
    nt24-admin capture order-7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e order_valid
    nt24-admin replay-recent --closed 20

Passwords not given on the command line are asked for (or read from NT24_ADMIN_PASSWORD).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError

from api.notyd.payments.dunning_commands import agree_payment_plan, notify_dunning, set_on_hold
from settings import get_settings
from store.db import Database
from store.identity import api_clients, identity
from store.identity.identity import FLAGS, TIERS, organization_view
from store.migrate import upgrade
from store.models import ApiClient, Organization, Partner, User, utcnow
from store.payments import payment_money
from store.payments.camt053 import StatementError
from store.payments.payment_money import DunningNotice, MoneyError, PaymentRecorded
from store.web import audit
from workflows.buyers.rules.vat_numbers import InvalidVatNumber, normalize_vat_number


class AdminError(Exception):
    pass


def _password(args: argparse.Namespace) -> str:
    password = args.password or os.environ.get("NT24_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("Password: ")
    if len(password) < 8:
        raise AdminError("a password needs at least 8 characters")
    return password


async def _organization(session: AsyncSession, slug: str) -> Organization:
    org = await session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise AdminError(f"no organization with slug {slug!r}")
    return org


async def _user(session: AsyncSession, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AdminError(f"no user {username!r}")
    return user


async def create_org(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await identity.create_organization(session, args.name, slug=args.slug)
    for flag in FLAGS:  # every flag the command accepts (parser(): one option per flag)
        setattr(org, flag, getattr(args, flag))
    await session.flush()
    await _record(
        session,
        args,
        "organization.create",
        "organization",
        str(org.uuid),
        org.id,
        after=organization_view(org),
    )
    return f"organization {org.slug} {org.uuid}"


async def _partner(session: AsyncSession, org: Organization, name_or_uuid: str) -> Partner:
    """One of ``org``'s partners, by its uuid or its exact name."""
    try:
        by = Partner.uuid == UUID(name_or_uuid)
    except ValueError:
        by = Partner.name == name_or_uuid
    found = (
        await session.scalars(select(Partner).where(Partner.organization_id == org.id, by))
    ).all()
    if len(found) != 1:
        problem = "no partner" if not found else "more than one partner"
        raise AdminError(f"{problem} {name_or_uuid!r} in {org.slug}: give its uuid")
    return found[0]


async def create_user(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    # a seller's user (NOTYD: its seller profile) acts for that partner only
    partner = await _partner(session, org, args.partner) if args.partner else None
    user = await identity.create_user(
        session,
        args.username,
        _password(args),
        email=args.email or "",
        organization=org,
        partner=partner,
        first_name=args.first_name,
        last_name=args.last_name,
    )
    await _record(
        session,
        args,
        "user.create",
        "user",
        str(user.uuid),
        org.id,
        after={"username": user.username, "partner": str(partner.uuid) if partner else None},
    )
    seller = f" for {partner.name} (seller profile {partner.profile_uuid})" if partner else ""
    return f"user {user.username} {user.uuid} in {org.slug}{seller}"


async def create_staff(session: AsyncSession, args: argparse.Namespace) -> str:
    user = await identity.create_user(
        session, args.username, _password(args), email=args.email or "", is_staff=True
    )
    await _record(
        session,
        args,
        "staff.create",
        "user",
        str(user.uuid),
        None,
        after={"username": user.username},
    )
    return f"staff {user.username} {user.uuid}"


async def set_flags(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    before = organization_view(org)
    for flag in FLAGS:
        value = getattr(args, flag)
        if value is not None:
            setattr(org, flag, value == "yes")
    if args.rate_limit_tier:
        org.rate_limit_tier = args.rate_limit_tier
    if (after := organization_view(org)) != before:  # as the web app's capabilities form
        await _record(
            session, args, "capabilities", "organization", str(org.uuid), org.id, before, after
        )
    shown = [f"{flag}={getattr(org, flag)}" for flag in FLAGS]
    return ", ".join([*shown, f"rate_limit_tier={org.rate_limit_tier}"])


async def create_partner(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    vat = normalize_vat_number(args.vat_number).full if args.vat_number else None
    partner = await identity.create_partner(
        session, org, args.name, args.country, vat_number=vat, webshop_url=args.webshop_url
    )
    await _record(
        session,
        args,
        "partner.create",
        "partner",
        str(partner.uuid),
        org.id,
        after={"name": partner.name, "country": partner.country, "vatNumber": vat},
    )
    return f"partner {partner.name} {partner.uuid} of {org.slug}"


async def create_api_client(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    client, secret = await api_clients.create_api_client(session, org, args.name)
    await session.flush()
    await _audited(session, args, client, "create", None)  # the secret is never in it
    return (
        f"client_id     {client.client_id}\n"
        f"client_secret {secret}\n"
        f"organization  {org.uuid}\n"
        "The secret is shown only now: store it safely."
    )


def _grace(text: str | None) -> timedelta:
    """``--grace``: 0 (the old secret stops at once), or a number with s, m, h or d."""
    if text is None:
        return get_settings().client_secret_rotation_grace
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise AdminError(f"--grace must be 0 or like 30m, 48h, 7d: {text!r}") from None
    if seconds < 0:
        raise AdminError("--grace cannot be negative")
    return timedelta(seconds=seconds)


async def _api_client(session: AsyncSession, client_id: str) -> ApiClient:
    client = await api_clients.find_any_client(session, client_id)
    if client is None:
        raise AdminError(f"no API client {client_id!r}")
    return client


async def _audited(
    session: AsyncSession,
    args: argparse.Namespace,
    client: ApiClient,
    action: str,
    before: dict[str, Any] | None,
) -> None:
    """Every change to an API client is in the audit log."""
    await _record(
        session,
        args,
        f"api_client.{action}",
        "api_client",
        client.client_id,
        client.organization_id,
        before,
        _client_view(client),
    )


async def _record(
    session: AsyncSession,
    args: argparse.Namespace,
    action: str,
    object_type: str,
    object_id: str,
    organization_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """A change made here in the audit log, as the web app records its own: by the staff
    member ``--staff`` names, or by "nt24-admin"."""
    named = getattr(args, "staff", None)
    staff = await _staff(session, named) if named else None
    audit(
        session,
        staff,
        action,
        object_type,
        object_id,
        organization_id=organization_id,
        before=before,
        after=after,
    )


def _client_view(client: ApiClient) -> dict[str, Any]:
    until = client.previous_secret_expires_at
    return {
        "clientId": client.client_id,
        "active": client.is_active,
        "deleted": client.deleted_at is not None,
        "previousSecretValidUntil": until.isoformat() if until else None,
    }


async def rotate_secret(session: AsyncSession, args: argparse.Namespace) -> str:
    client = await api_clients.find_client(session, args.client_id)
    if client is None:
        raise AdminError(f"no active API client {args.client_id!r}")
    before = _client_view(client)
    secret = await api_clients.rotate_secret(session, client, _grace(args.grace))
    await _audited(session, args, client, "rotate", before)
    if client.previous_secret_expires_at is None:
        return f"client_secret {secret}\nThe previous secret no longer works."
    until = f"{client.previous_secret_expires_at:%Y-%m-%d %H:%M} UTC"
    return f"client_secret {secret}\nThe previous secret keeps working until {until}."


async def end_grace(session: AsyncSession, args: argparse.Namespace) -> str:
    client = await _api_client(session, args.client_id)
    before = _client_view(client)
    api_clients.end_grace(client)
    await _audited(session, args, client, "end_grace", before)
    return f"{client.client_id}: only the current secret works now."


async def disable_api_client(session: AsyncSession, args: argparse.Namespace) -> str:
    client = await _api_client(session, args.client_id)
    before = _client_view(client)
    api_clients.disable(client)
    await _audited(session, args, client, "disable", before)
    return f"{client.client_id} disabled: no new tokens, and its tokens stopped working."


async def enable_api_client(session: AsyncSession, args: argparse.Namespace) -> str:
    client = await _api_client(session, args.client_id)
    before = _client_view(client)
    api_clients.enable(client)
    await _audited(session, args, client, "enable", before)
    return f"{client.client_id} enabled: it gets tokens again (not its earlier ones)."


async def delete_api_client(session: AsyncSession, args: argparse.Namespace) -> str:
    client = await _api_client(session, args.client_id)
    before = _client_view(client)
    api_clients.delete(client)
    await _audited(session, args, client, "delete", before)
    return f"{client.client_id} deleted: its tokens stopped working; its id is not given again."


async def reencrypt_secrets(session: AsyncSession, args: argparse.Namespace) -> str:
    """Encrypt every webhook signing secret with the current key of NT24_SECRETS_KEY (after a
    key was put first, before the old one is dropped; also any secret still in clear)."""
    from sqlalchemy import String, type_coerce, update

    from store.models import WebhookEndpoint
    from store.secrets_box import current_kid, decrypt, key_id_of

    raw = type_coerce(WebhookEndpoint.secret, String)
    rows = (await session.execute(select(WebhookEndpoint.id, raw))).all()
    purpose, done = "webhook_endpoints.secret", 0
    for row_id, stored in rows:
        if key_id_of(stored) != current_kid():
            plain = decrypt(stored, purpose)
            await session.execute(
                update(WebhookEndpoint).where(WebhookEndpoint.id == row_id).values(secret=plain)
            )
            done += 1
    return f"{done} of {len(rows)} webhook secrets encrypted again with key {current_kid()}"


async def accept_dpa(session: AsyncSession, args: argparse.Namespace) -> str:
    org = await _organization(session, args.org)
    before = organization_view(org)
    org.dpa_version = args.version
    org.dpa_accepted_at = utcnow()
    after = organization_view(org)
    await _record(session, args, "dpa", "organization", str(org.uuid), org.id, before, after)
    return f"{org.slug} accepted DPA {org.dpa_version} at {org.dpa_accepted_at:%Y-%m-%dT%H:%M:%SZ}"


async def kyc_review(session: AsyncSession, args: argparse.Namespace) -> str:
    """Staff decide an NT24-led verification left for review (docs/kyc.md)."""
    from api.nt24.buyers.buyers import BuyerOut
    from api.nt24.buyers.kyc_verification import review
    from api.shared.errors import Problem
    from store.models import Buyer
    from worker import connect
    from workflows.buyers.kyc_verification import ReviewDecision

    try:
        buyer_uuid = UUID(args.buyer)
    except ValueError as error:
        raise AdminError(f"not a buyer uuid: {args.buyer!r}") from error
    buyer = await session.scalar(select(Buyer).where(Buyer.uuid == buyer_uuid))
    if buyer is None:
        raise AdminError(f"no buyer {args.buyer}")
    if args.staff:  # before the decision: one taken is not left out of the log
        await _staff(session, args.staff)
    before = BuyerOut.of(buyer).model_dump(mode="json", exclude_none=True)
    decision = ReviewDecision(args.decision == "approve", args.reason or "", args.reviewer)
    try:
        answer = await review(await connect(get_settings()), buyer_uuid, decision)
    except Problem as problem:
        raise AdminError(problem.detail) from problem
    after = {  # as the web app's review records it, and who decided
        "decision": args.decision,
        "outcome": answer.outcome,
        "reason": args.reason,
        "reviewer": args.reviewer,
    }
    await _record(
        session,
        args,
        "buyer.kyc_review",
        "buyer",
        str(buyer_uuid),
        buyer.organization_id,
        before,
        after,
    )
    reason = f" ({answer.reason})" if answer.reason else ""
    return f"buyer {buyer_uuid}: {answer.outcome}{reason}"


async def redecide(session: AsyncSession, args: argparse.Namespace) -> str:
    """Staff decide a decided order again, e.g. when evidence arrived after the deadline
    (docs/compliance-rules.md): the rules judge the facts on file, a decision they reach gets
    a new Export File version, and the audit log keeps who did it and why."""
    from api.nt24.orders.commands import answer_body, run_command
    from api.shared.errors import Problem
    from store.models import Order
    from store.web import audit
    from worker import connect
    from workflows.change_source import ChangeSource
    from workflows.orders.model import Redecide
    from workflows.orders.workflow import OrderWorkflow

    try:
        order_uuid = UUID(args.order)
    except ValueError as error:
        raise AdminError(f"not an order uuid: {args.order!r}") from error
    order = await session.scalar(select(Order).where(Order.uuid == order_uuid))
    if order is None:
        raise AdminError(f"no order {args.order}")
    staff = await _staff(session, args.staff)
    before = {"status": order.status}
    try:
        result = await run_command(
            await connect(get_settings()),
            order.workflow_id,
            OrderWorkflow.redecide,
            Redecide(args.reason, staff.username, source=ChangeSource.SYSTEM),
        )
    except Problem as problem:
        raise AdminError(problem.detail) from problem
    status = answer_body(result)["status"]
    audit(
        session,
        staff,
        "order.redecide",
        "order",
        str(order_uuid),
        organization_id=order.organization_id,
        before=before,
        after={"status": status, "reason": args.reason},
    )
    return f"order {order_uuid}: decided again, now {status}"


class ChainBroken(AdminError):
    """verify-order found a break: exit status 1, the report on standard error."""


async def verify_order(session: AsyncSession, args: argparse.Namespace) -> str:
    """Recompute the order's evidence chain from its stored entries and the stored bytes of
    every document and Export File it names: "intact", or the entry that breaks it."""
    from store.documents import DocumentStore
    from store.models import Order
    from store.orders.evidence import verify_order as verify

    try:
        order_uuid = UUID(args.order)
    except ValueError as error:
        raise AdminError(f"not an order uuid: {args.order!r}") from error
    order = await session.scalar(select(Order).where(Order.uuid == order_uuid))
    if order is None:
        raise AdminError(f"no order {args.order}")
    from api.nt24.orders.evidence import workflow_head
    from worker import connect

    store = DocumentStore(get_settings().effective_document_store_dir)
    try:
        witness = await workflow_head(await connect(get_settings()), order.workflow_id)
    except (OSError, RuntimeError):  # Temporal away: the database alone is checked
        witness = None
    verification, entries = await verify(session, order, store, witness)
    lines = [f"{e.seq:>4}  {e.kind:<16} {e.hash}  {e.key}" for e in entries]
    lines.append(
        f"head {verification.head} (recorded {verification.recorded_head}, "
        f"workflow {witness or 'not asked'})"
    )
    if not verification.intact:
        lines += [f"BROKEN: {b}" for b in verification.breaks]
        raise ChainBroken("\n".join([f"order {order_uuid}: {verification.summary()}", *lines]))
    return "\n".join([*lines, f"order {order_uuid}: {verification.summary()}"])


async def what_if(session: AsyncSession, args: argparse.Namespace) -> str:
    """Re-evaluate stored orders under the current rule set without changing them; list those
    whose decision or blockers would change, with the rules whose outcomes differ."""
    from store.orders.rule_sets import RULE_SET, RULE_SET_DIGEST
    from store.orders.what_if import what_if as evaluate

    since = date.fromisoformat(args.since) if args.since else None
    country = args.country.upper() if args.country else None
    # orders are created under this deployment's settings, and judged under them
    changes = await evaluate(
        session, since=since, country=country, policy=get_settings().compliance_policy
    )
    lines = [f"rule set {RULE_SET} (digest {RULE_SET_DIGEST}): {len(changes)} orders would change"]
    for c in changes:
        lines.append(
            f"{c.order_uuid} {c.external_order_id} ({c.seller_country}->{c.buyer_country}, "
            f"under {c.rule_set}): {c.status}/{c.decision or '-'} -> "
            f"{c.would_status}/{c.would_decision or '-'}; blockers {','.join(c.blockers) or '-'}"
            f" -> {','.join(c.would_blockers) or '-'}"
        )
        lines += [f"    {r.rule}: {r.before or '-'} -> {r.after or '-'}" for r in c.rules]
    return "\n".join(lines)


async def reset_password(session: AsyncSession, args: argparse.Namespace) -> str:
    user = await _user(session, args.username)
    await identity.reset_password(session, user, _password(args))
    return f"password of {user.username} reset; earlier tokens no longer work"


# ----- incoming money and dunning: each its own transaction, then Temporal -----


async def _staff(session: AsyncSession, username: str) -> User:
    user = await _user(session, username)
    payment_money.require_staff(user)
    return user


async def _temporal() -> Client:
    from worker import connect  # only these commands need Temporal, and its workflows

    return await connect(get_settings())


async def _notify(notices: Sequence[DunningNotice]) -> str:
    """Tell the dunning workflows; the money is booked whatever happens here."""
    try:
        await notify_dunning(await _temporal(), notices)
    except (RPCError, RuntimeError, OSError) as error:
        return f"\nwarning: dunning not told ({error}); its next letter reads the invoice anyway"
    return ""


def _booked(done: PaymentRecorded) -> str:
    return (
        f"{done.payment_reference}: {_money(done.amount)} booked, payment_status "
        f"{done.payment_status}, outstanding {_money(done.outstanding)}"
        + (f", overpaid {_money(done.overpaid)}" if done.overpaid else "")
    )


def _money(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


async def record_payment(db: Database, args: argparse.Namespace) -> str:
    async with db.transaction() as session:
        done = await payment_money.record_payment(
            session,
            await _staff(session, args.staff),
            args.payment_reference,
            args.amount_cents,
            currency=args.currency,
            received_on=args.received_on,
            note=args.note,
        )
    return _booked(done) + await _notify([done.notice])


async def import_statement(db: Database, args: argparse.Namespace) -> str:
    data = await asyncio.to_thread(Path(args.file).read_bytes)
    async with db.transaction() as session:
        staff = await _staff(session, args.staff)
        imported = await payment_money.import_statement(session, staff, data, Path(args.file).name)
    lines = [
        f"{imported.version} {imported.file_sha256[:12]}: "
        + ("imported before, nothing booked again" if imported.already_imported else "imported")
    ]
    for entry in imported.entries:
        said = entry.payment and _booked(entry.payment) or " | ".join(entry.remittance)
        lines.append(
            f"{entry.outcome:<17} {entry.currency} {_money(entry.amount):>12}  "
            f"{entry.booking_date or '-'}  {entry.debtor_name or '-'}  {said}"
        )
    return "\n".join(lines) + await _notify(imported.notices)


async def write_off(db: Database, args: argparse.Namespace) -> str:
    async with db.transaction() as session:
        done = await payment_money.write_off(
            session,
            await _staff(session, args.staff),
            args.payment_reference,
            args.kind,
            args.reason,
        )
    return f"{done.payment_reference}: {_money(done.amount)} written off as {done.kind}" + (
        await _notify([done.notice])
    )


async def hold_invoice(db: Database, args: argparse.Namespace) -> str:
    async with db.session() as session:
        view = await set_on_hold(
            session,
            await _temporal(),
            await _staff(session, args.staff),
            args.payment_reference,
            not args.release,
        )
    return f"{args.payment_reference}: dunning {'on hold' if view.on_hold else 'resumed'}"


async def payment_plan(db: Database, args: argparse.Namespace) -> str:
    first = datetime.combine(args.first_due, datetime.min.time(), UTC) if args.first_due else None
    settings = get_settings()
    async with db.session() as session:
        view = await agree_payment_plan(
            session,
            await _temporal(),
            settings,
            await _staff(session, args.staff),
            args.payment_reference,
            args.instalments,
            first,
        )
    return "\n".join(
        f"instalment {i.number}: {_money(i.amount)} due {i.due_at:%Y-%m-%d}"
        for i in view.instalments
    )


async def replay_workflow(_: Database, args: argparse.Namespace) -> str:
    """Replay a workflow's history from Temporal against this code (docs/operations.md)."""
    import replay

    outcome = await replay.replay_one(await _temporal(), args.workflow_id, args.run_id)
    if outcome.failure is not None:
        raise AdminError(outcome.line())
    return outcome.line()


async def capture_history(_: Database, args: argparse.Namespace) -> str:
    """Keep a workflow's history under tests/histories/ for the replay tests."""
    import replay

    folder = Path(args.folder) if args.folder else replay.HISTORIES
    path = await replay.capture(await _temporal(), args.workflow_id, args.name, folder)
    return f"saved {path}"


async def replay_recent(_: Database, args: argparse.Namespace) -> str:
    """Before a deploy: every open run and the last N closed runs of each workflow type."""
    import replay

    outcomes = await replay.replay_recent(await _temporal(), args.closed)
    report = "\n".join(o.line() for o in outcomes) or "no workflow to replay"
    failed = sum(o.failure is not None for o in outcomes)
    if failed:
        raise AdminError(f"{report}\n{failed} of {len(outcomes)} histories do not replay")
    return f"{report}\nall {len(outcomes)} histories replay"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nt24-admin", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("create-org", help="create an organization")
    c.add_argument("name")
    c.add_argument("--slug")
    for flag in FLAGS:
        c.add_argument(f"--{flag.replace('_', '-')}", action="store_true")
    c.set_defaults(run=create_org)

    for name, run in (("create-user", create_user), ("create-staff", create_staff)):
        c = sub.add_parser(name, help=f"{name.replace('-', ' ')}")
        c.add_argument("username")
        if run is create_user:
            c.add_argument("--org", required=True, help="organization slug")
            c.add_argument(
                "--partner",
                help="the partner (uuid or name) whose seller user this is: NOTYD's seller "
                "profile; without it the user acts for the whole organization",
            )
            c.add_argument("--first-name", default="")
            c.add_argument("--last-name", default="")
        c.add_argument("--email")
        c.add_argument("--password")
        c.set_defaults(run=run)

    c = sub.add_parser("set-flags", help="set an organization's capabilities and rate tier")
    c.add_argument("org", help="organization slug")
    for flag in FLAGS:
        c.add_argument(f"--{flag.replace('_', '-')}", choices=("yes", "no"))
    c.add_argument("--rate-limit-tier", choices=TIERS)
    c.set_defaults(run=set_flags)

    c = sub.add_parser("create-partner", help="add a seller the organization may act for")
    c.add_argument("org", help="organization slug")
    c.add_argument("name")
    c.add_argument("--country", required=True, help="ISO 3166-1 alpha-2")
    c.add_argument("--vat-number")
    c.add_argument("--webshop-url")
    c.set_defaults(run=create_partner)

    c = sub.add_parser("create-api-client", help="new OAuth2 client; prints its secret once")
    c.add_argument("org", help="organization slug")
    c.add_argument("name", help="e.g. the consuming system: 'Santander DMS'")
    c.set_defaults(run=create_api_client)

    c = sub.add_parser("rotate-secret", help="new client secret; the old one works for a while")
    c.add_argument("client_id")
    c.add_argument(
        "--grace", help="how long the old secret keeps working: 0 (not at all), 30m, 48h, 7d"
    )
    c.add_argument("--staff", help="the staff member the audit log names (else nt24-admin)")
    c.set_defaults(run=rotate_secret)

    c = sub.add_parser("reencrypt-secrets", help="webhook secrets under the current secrets key")
    c.set_defaults(run=reencrypt_secrets)

    for name, run, what in (
        ("end-grace", end_grace, "the previous secret of a rotation stops working now"),
        ("disable-api-client", disable_api_client, "no tokens; its tokens stop working now"),
        ("enable-api-client", enable_api_client, "a disabled client gets tokens again"),
        ("delete-api-client", delete_api_client, "gone for good; its tokens stop working now"),
    ):
        c = sub.add_parser(name, help=what)
        c.add_argument("client_id")
        c.add_argument("--staff", help="the staff member the audit log names (else nt24-admin)")
        c.set_defaults(run=run)

    c = sub.add_parser("accept-dpa", help="record the organization's DPA acceptance")
    c.add_argument("org", help="organization slug")
    c.add_argument("version", help="e.g. 2026-01")
    c.add_argument("--staff", help="the staff member the audit log names (else nt24-admin)")
    c.set_defaults(run=accept_dpa)

    c = sub.add_parser("reset-password", help="set a new password; earlier tokens stop working")
    c.add_argument("username")
    c.add_argument("--password")
    c.set_defaults(run=reset_password)

    c = sub.add_parser("record-payment", help="book money a buyer paid against an invoice")
    c.add_argument("payment_reference")
    c.add_argument("amount_cents", type=int)
    c.add_argument("--currency", help="the transfer's; must be the invoice's")
    c.add_argument("--received-on", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
    c.add_argument("--note")
    c.set_defaults(run=record_payment, own_transaction=True)

    c = sub.add_parser("import-statement", help="book a camt.053 statement's matching credits")
    c.add_argument("file")
    c.set_defaults(run=import_statement, own_transaction=True)

    c = sub.add_parser("write-off", help="give up on what an invoice still owes")
    c.add_argument("payment_reference")
    c.add_argument("kind", choices=("write_off_credit", "write_off_fraud"))
    c.add_argument("--reason", required=True)
    c.set_defaults(run=write_off, own_transaction=True)

    c = sub.add_parser("hold-invoice", help="pause an invoice's dunning (or --release it)")
    c.add_argument("payment_reference")
    c.add_argument("--release", action="store_true")
    c.set_defaults(run=hold_invoice, own_transaction=True)

    c = sub.add_parser("payment-plan", help="replace the dunning ladder with instalments")
    c.add_argument("payment_reference")
    c.add_argument("instalments", type=int)
    c.add_argument("--first-due", type=date.fromisoformat, help="YYYY-MM-DD")
    c.set_defaults(run=payment_plan, own_transaction=True)

    for name in ("record-payment", "import-statement", "write-off", "hold-invoice", "payment-plan"):
        sub.choices[name].add_argument("--staff", required=True, help="the staff member acting")

    c = sub.add_parser("kyc-review", help="approve or reject a verification under staff review")
    c.add_argument("buyer", help="the buyer's uuid")
    c.add_argument("decision", choices=("approve", "reject"))
    c.add_argument("--reason", help="why; required to reject")
    c.add_argument("--reviewer", default=getpass.getuser(), help="who decides (default: you)")
    c.add_argument("--staff", help="the staff member the audit log names (else nt24-admin)")
    c.set_defaults(run=kyc_review)

    c = sub.add_parser("redecide", help="decide a decided order again, with a reason")
    c.add_argument("order", help="the order's uuid")
    c.add_argument("--reason", required=True, help="why the decision is made again")
    c.add_argument("--staff", required=True, help="the staff member acting")
    c.set_defaults(run=redecide)

    c = sub.add_parser("verify-order", help="verify an order's sealed evidence chain")
    c.add_argument("order", help="the order's uuid")
    c.set_defaults(run=verify_order)

    c = sub.add_parser("what-if", help="orders whose decision would change under the rules now")
    c.add_argument("--since", help="only orders updated on or after this day (YYYY-MM-DD)")
    c.add_argument("--country", help="only orders whose seller or buyer is in this member state")
    c.set_defaults(run=what_if)

    c = sub.add_parser("replay", help="replay a workflow's history against this code")
    c.add_argument("workflow_id")
    c.add_argument("--run-id", help="a run other than the latest")
    c.set_defaults(run=replay_workflow, own_transaction=True)

    c = sub.add_parser("capture", help="save a workflow's history under tests/histories/")
    c.add_argument("workflow_id")
    c.add_argument("name", help="the file's name, without .json")
    c.add_argument("--folder", help="another folder than tests/histories/")
    c.set_defaults(run=capture_history, own_transaction=True)

    c = sub.add_parser("replay-recent", help="before a deploy: replay open and recent runs")
    c.add_argument("--closed", type=int, default=20, help="closed runs per type (default 20)")
    c.set_defaults(run=replay_recent, own_transaction=True)

    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    return p


async def run(
    command: Callable[[Any, argparse.Namespace], Awaitable[str]],
    args: argparse.Namespace,
    url: str,
) -> str:
    db = Database(url)
    try:
        if getattr(args, "own_transaction", False):  # commits, then tells Temporal
            return await command(db, args)
        async with db.transaction() as session:
            return await command(session, args)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    args: Any = parser().parse_args(argv)
    url = get_settings().effective_database_url
    if not args.no_migrate:
        upgrade(url)
    try:
        print(asyncio.run(run(args.run, args, url)))
    except (AdminError, IntegrityError, InvalidVatNumber, MoneyError, StatementError) as exc:
        reason = "that name is taken" if isinstance(exc, IntegrityError) else exc
        print(f"nt24-admin: {reason}", file=sys.stderr)
        return 1 if isinstance(exc, ChainBroken) else 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
