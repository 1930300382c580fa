"""Webhook delivery's side effects: fan-out of the outbox, signed HTTP attempts, the sweep.

- The outbox relay (``OutboxRelay``, kicked by a producer's activity once its events are
  committed) and ``fan_out_events`` (the sweep's) claim events not fanned out yet
  (``events.fanned_out_at``) and, in the same transaction, write one delivery per subscribed
  endpoint; the relay then makes each first attempt inline, and only a failed one starts the
  delivery's workflow.
- ``attempt_delivery`` (a workflow's attempt) and the relay's POST one delivery, signed, and
  record the attempt; failures count against the endpoint (auto-pause, 410 disables it).
  ``settle_failure`` records the retry the workflow planned, or the terminal failure.
- ``start_pending_deliveries`` and ``purge_deliveries`` are the sweep's: restart what should be
  running, and forget finished deliveries past the retention.

Starting a workflow is always best effort: what was not started stays in the database and the
sweep starts it. Workflows are referred to by name here (they import this module).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import socket
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import structlog
from sqlalchemy import and_, bindparam, delete, func, insert, not_, or_, select, update
from sqlalchemy.orm import Session
from standardwebhooks import Webhook
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from activities.kept_alive import KeptAliveClients
from activities.schedules import ensure_interval_schedule
from activities.workflow_metadata import (
    delivery_start,
    fan_out_start,
    paused_notice_start,
    sweep_start,
)
from settings import Settings
from store.db import Database, affected_rows
from store.models import (
    Event,
    Organization,
    Partner,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from store.webhooks.events import (
    EVENT_TYPES,
    delivered_version,
    event_envelope,
    record_event,
    subscribed,
    utc_timestamp,
)
from telemetry import SECRET_PATH
from workflows.activities import OutgoingEmail
from workflows.ids import (
    WEBHOOK_SWEEP_SCHEDULE,
    webhook_delivery_workflow_id,
    webhook_fan_out_workflow_id,
    webhook_paused_notice_workflow_id,
)
from workflows.webhooks import activities as interface
from workflows.webhooks.activities import (
    ACTIVE,
    DELIVERED,
    DELIVERY_WORKFLOW,
    DISABLED,
    FAILED,
    FAN_OUT_WORKFLOW,
    GONE,
    PARKED,
    PAUSED,
    PAUSED_NOTICE_WORKFLOW,
    PENDING,
    RETRY,
    SWEEP_WORKFLOW,
    AttemptOutcome,
    Batch,
    Cursor,
    DeliveryInput,
    DeliveryRef,
    PausedNotice,
    RetryPlan,
    StartedPage,
)
from workflows.webhooks.rules import next_attempt_at, retry_offsets

log = structlog.get_logger(__name__)

USER_AGENT = "NT24-Webhooks/1"
SECRET_PREFIX = "whsec_"


def new_delivery_id() -> str:
    return f"del_{secrets.token_hex(8)}"


# ----- secrets and signatures -----


def new_secret() -> str:
    """``whsec_`` and the base64 of 32 random bytes: a Standard Webhooks secret too."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


# A secret a client chooses: ``whsec_`` (the contract's format) and visible ASCII, no spaces or
# control characters; at least the contract's own example (``whsec_abc123``), at most what the
# encrypted column holds with room to spare
SECRET_TAIL = re.compile(r"[\x21-\x7e]{6,90}")


def secret_problem(secret: str) -> str | None:
    """Why a secret a client chose cannot be an endpoint's, or None. Any ``whsec_`` string of
    visible ASCII will do: the contract's signature is keyed with the whole string's bytes.
    Standard Webhooks' needs base64 after ``whsec_``; a secret without it goes without
    those headers (``standard_webhooks_key``)."""
    if not secret.startswith(SECRET_PREFIX):
        return "must start with whsec_"
    if not SECRET_TAIL.fullmatch(secret.removeprefix(SECRET_PREFIX)):
        return (
            "must be whsec_ followed by 6 to 90 visible ASCII characters "
            "(no spaces or control characters)"
        )
    return None


def standard_webhooks_key(secret: str) -> bytes | None:
    """The Standard Webhooks key of a secret: the bytes its part after ``whsec_`` encodes in
    standard base64 (padded, nothing else in it); None when that part is not such base64, as
    a secret a client chose may not be: its deliveries carry the contract's signature only."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def signature_headers(
    secret: str, event_id: str, delivery_id: str, body: bytes, timestamp: int
) -> dict[str, str]:
    """The signatures over the exact body bytes, and the headers that go with them.

    ``X-Novatrade-Signature``: HMAC-SHA256 keyed with the whole secret string's UTF-8 bytes,
    ``whsec_`` included, over ``<t>.<body>``, on every delivery. ``webhook-signature``
    (Standard Webhooks): keyed with the base64-decoded bytes after ``whsec_``, over
    ``<webhook-id>.<t>.<body>``, with ``webhook-id`` and ``webhook-timestamp``, when that part
    is standard base64 (``standard_webhooks_key``: generated secrets always are).
    """
    nt24 = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Novatrade-Signature": f"t={timestamp},v1={nt24.hexdigest()}",
        "X-Novatrade-Event-Id": event_id,
        "X-Novatrade-Delivery-Id": delivery_id,
    }
    if standard_webhooks_key(secret) is None:
        return headers
    moment = datetime.fromtimestamp(timestamp, UTC)
    return headers | {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": Webhook(secret).sign(event_id, moment, body.decode()),
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


# ----- where deliveries may go -----

# The event type of a NOTYD order's status webhook (activities/payments/payment_orders.py). Its
# body is NOTYD's, signed, and carries no personal data ({event_type, created, payload
# {order_id, webshop_id}}): it may go over plain http, as NOTYD's shop plugins (Magento on
# http) take it. Every other delivery carries NT24 events, personal data among them: https.
NOTYD_EVENT = "order_status_changed"


def _is_loopback_name(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# IPv6 prefixes that reach IPv4 hosts, or are not to be routed, although Python's ``is_global``
# (the IANA special-purpose registries) calls some of them global
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 host
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: a network's own translator
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291, deprecated: ::a.b.c.d
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")  # RFC 3879, deprecated, routed inside sites
_TEREDO = ipaddress.IPv6Network("2001::/32")  # RFC 4380: a tunnel to an IPv4 host


def _is_public_v4(ip: ipaddress.IPv4Address) -> bool:
    # is_global excludes loopback, private, link-local (cloud metadata), shared (CGNAT),
    # benchmarking, documentation and reserved ranges
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def _is_public(address: str) -> bool:
    """Whether a connection to ``address`` stays on the public internet.

    IPv4 by the IANA registry (``is_global``). IPv6 too, after the forms that carry or reach an
    IPv4 address are unwrapped and that address judged: IPv4-mapped, NAT64 (64:ff9b::/96) and
    6to4 (2002::/16). IPv4-compatible addresses, a network's local NAT64 prefix, Teredo and
    site-local addresses are refused outright: what they reach is decided inside a network.
    """
    ip = ipaddress.ip_address(address.partition("%")[0])  # an IPv6 zone id is not an address
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_public_v4(ip)
    if ip.ipv4_mapped is not None:
        return _is_public_v4(ip.ipv4_mapped)
    if ip in _NAT64:
        return _is_public_v4(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        return _is_public_v4(ip.sixtofour)
    if any(ip in net for net in (_IPV4_COMPATIBLE, _NAT64_LOCAL, _SITE_LOCAL, _TEREDO)):
        return False
    return ip.is_global and not ip.is_multicast and not ip.is_site_local


async def _addresses(host: str, port: int) -> set[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return set()
    return {str(info[4][0]) for info in infos}


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: why it may not (``problem``), or the address to connect to.

    The host is resolved once and the connection goes to that very address (``address``), so
    the name cannot resolve to a public address for the check and a private one for the
    connection (DNS rebinding). None: the URL's host is an address already.
    """

    problem: str | None = None
    address: str | None = None

    def request(self, url: str) -> tuple[str, dict[str, str], dict[str, str]]:
        """The URL, extra headers and transport extensions that reach ``url`` at ``address``:
        the Host header and TLS's SNI and certificate check keep the URL's own host name."""
        if self.address is None:
            return url, {}, {}
        parts = urlsplit(url)
        literal = f"[{self.address}]" if ":" in self.address else self.address
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        pinned = parts._replace(netloc=netloc).geturl()
        host = parts.netloc.rpartition("@")[2]
        return pinned, {"Host": host}, {"sni_hostname": parts.hostname or ""}


# What a URI may hold (RFC 3986: unreserved, reserved and percent-encoded characters): no
# spaces, control characters, non-ASCII, or "<>\"{}|\\^`"
_URI = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


async def vet_target(url: str, settings: Settings, *, any_http: bool = False) -> Target:
    """Whether deliveries may go to ``url``; asked at registration and on every attempt.

    A URI (RFC 3986's characters only) with a port from 1 to 65535 if it names one, in every
    environment. https only; http for loopback receivers outside production, or anywhere when
    ``webhook_allow_http`` or ``any_http`` (a NOTYD status webhook, ``NOTYD_EVENT``). In
    production the host must resolve to public addresses only, whatever the scheme.
    """
    if not _URI.fullmatch(url):
        return Target(
            "is not a valid URL: only the characters of a URI (RFC 3986), no spaces or "
            "control characters; percent-encode anything else"
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return Target("is not a valid URL")
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port = 0
    if parts.scheme not in ("https", "http") or not host:
        return Target("must be an absolute https URL")
    if port == 0:
        return Target("has no valid port: a port is a number from 1 to 65535")
    try:
        # the host as the HTTP client reads it: an "xn--" label that is no IDNA name failed
        # every attempt before one was made
        httpx.URL(url).host  # noqa: B018
    except (ValueError, httpx.InvalidURL):  # idna's errors are ValueErrors
        return Target("is not a valid URL: its host is not a valid domain name")
    if parts.username is not None or parts.password is not None:
        return Target("must not carry credentials")
    production = settings.environment == "production"
    local_http = not production and _is_loopback_name(host)
    if parts.scheme == "http" and not (any_http or settings.webhook_allow_http or local_http):
        return Target("must use https")
    if _is_address(host):
        addresses = {host}
    else:
        addresses = await _addresses(host, port or (443 if parts.scheme == "https" else 80))
        if not addresses:
            # outside production an unresolvable test host fails at delivery, not registration
            return Target(f"has a host that does not resolve: {host}") if production else Target()
    if production:
        private = sorted(a for a in addresses if not _is_public(a))
        if private:
            return Target(
                f"resolves to a non-public address ({private[0]}): loopback, private, "
                "link-local and metadata addresses are refused"
            )
    return Target(address=None if _is_address(host) else sorted(addresses)[0])


# What of a receiver's answer body is read so that its connection serves the next delivery;
# a longer body is left unread, and its connection closed
DRAINED_BYTES = 64 * 1024


async def _drain(response: httpx.Response) -> None:
    """Read the answer's body, which nobody looks at, up to ``DRAINED_BYTES``: only a response
    read to its end gives its connection back to the pool. An error while reading costs the
    connection, never the delivery: its status has arrived."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read > DRAINED_BYTES:
            return


# ----- activity inputs and outputs (one dataclass each) -----


@dataclass(frozen=True)
class _Answer:
    status: int | None  # None: no HTTP answer
    error: str | None
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _retry_after(value: str | None) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; None when absent, past or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            wait = parsedate_to_datetime(value) - datetime.now(UTC)
        except (TypeError, ValueError):
            return None
    return wait if wait > timedelta(0) else None


def wanted_by(endpoint: WebhookEndpoint, event: Event, partner_uuid: UUID | None) -> bool:
    """Whether ``endpoint`` gets ``event``: subscribed, in the schema version it should receive
    (of an event dual-emitted in two, only one), for one of its partners, and never a meta event
    about itself (an endpoint failing would otherwise hear of it forever)."""
    if endpoint.organization_id != event.organization_id or not subscribed(
        endpoint.events, event.type
    ):
        return False
    if int(event.schema_version) != delivered_version(
        endpoint.accepted_schema_versions, event.type
    ):
        return False
    if not EVENT_TYPES[event.type].partner_scoped:
        return event.data.get("endpointId") != endpoint.public_id
    return endpoint.partner_ids is None or str(partner_uuid) in endpoint.partner_ids


def first_attempt_at(endpoint: WebhookEndpoint, created_at: datetime) -> datetime | None:
    """A new delivery's ``next_retry_at``: its first attempt is due at once, unless the endpoint
    is paused or disabled (it queues, parked, until the endpoint is active again)."""
    return created_at if endpoint.status == ACTIVE else None


# ----- starting workflows -----


def delivery_input(
    settings: Settings, delivery_id: str, first_outcome: AttemptOutcome | None = None
) -> DeliveryInput:
    return DeliveryInput(
        delivery_id=delivery_id,
        retry_schedule=list(settings.webhook_retry_schedule),
        jitter=settings.webhook_retry_jitter,
        attempt_timeout=attempt_timeout(settings),
        first_outcome=first_outcome,
    )


def attempt_timeout(settings: Settings) -> timedelta:
    """One attempt's time: the receiver's, plus the database work around it."""
    return settings.webhook_timeout + settings.webhook_attempt_margin


async def start_deliveries(
    client: Client,
    settings: Settings,
    delivery_ids: list[str],
    described: dict[str, dict[str, str]] | None = None,
    first_outcomes: dict[str, AttemptOutcome] | None = None,
) -> None:
    """Start each delivery's workflow, or leave the running one be. ``described``: a
    delivery's ``endpoint_id`` and ``event_type`` where the caller knows them (Temporal UI);
    ``first_outcomes``: the failed first attempts the outbox relay made already."""
    limit = asyncio.Semaphore(20)

    async def start(delivery_id: str) -> None:
        async with limit:
            try:
                await client.start_workflow(
                    DELIVERY_WORKFLOW,
                    delivery_input(settings, delivery_id, (first_outcomes or {}).get(delivery_id)),
                    id=webhook_delivery_workflow_id(delivery_id),
                    task_queue=settings.task_queue,
                    # a delivery parked while its endpoint was paused runs again on resume
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                    **delivery_start(delivery_id, **(described or {}).get(delivery_id, {})),
                )
            except RPCError as error:
                log.warning(
                    "delivery not started; the sweep will", delivery=delivery_id, error=error
                )

    await asyncio.gather(*(start(d) for d in delivery_ids))


async def start_sweep(client: Client, settings: Settings, workflow_id: str) -> None:
    """Run the sweep now (e.g. on resume), besides the schedule's."""
    try:
        await client.start_workflow(
            SWEEP_WORKFLOW,
            Batch(),
            id=workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            **sweep_start(f"run now as `{workflow_id}`"),
        )
    except RPCError as error:
        log.warning("sweep not started; the schedule's will run", error=error)


async def kick_fan_out(event_id: str) -> None:
    """From an activity that has just committed events: deliver them now, not at the next
    sweep. The worker's outbox relay does it in this process (``OutboxRelay``); a worker without
    webhook activities starts a fan-out workflow on the activity's client and task queue."""
    relay = _relays.get(activity.info().task_queue)
    if relay is not None:
        relay.kick(activity.client())
        return
    await _start_workflow(
        activity.client(),
        activity.info().task_queue,
        FAN_OUT_WORKFLOW,
        Batch(),
        webhook_fan_out_workflow_id(event_id),
        "the sweep will fan out",
        **fan_out_start(event_id),
    )


async def _start_paused_notice(client: Client, task_queue: str, event_id: str) -> None:
    """Mail the organization about an auto-pause; started once per event, by its fan-out."""
    await _start_workflow(
        client,
        task_queue,
        PAUSED_NOTICE_WORKFLOW,
        PausedNotice(event_id),
        webhook_paused_notice_workflow_id(event_id),
        "no e-mail about this auto-pause",
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        **paused_notice_start(event_id),
    )


async def _start_workflow(
    client: Client,
    task_queue: str,
    workflow: str,
    arg: Any,
    workflow_id: str,
    otherwise: str,
    *,
    id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    **metadata: Any,
) -> None:
    """Start ``workflow``, or join the running one; a failure is logged with ``otherwise``
    (what follows from it), never raised: the caller's own work is committed already.
    ``metadata``: activities/workflow_metadata.py."""
    try:
        await client.start_workflow(
            workflow,
            arg,
            id=workflow_id,
            task_queue=task_queue,
            id_reuse_policy=id_reuse_policy,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            rpc_timeout=timedelta(seconds=5),
            **metadata,
        )
    except (RPCError, WorkflowAlreadyStartedError) as error:
        log.warning(
            "workflow not started", workflow_id=workflow_id, otherwise=otherwise, error=error
        )


async def ensure_sweep_schedule(client: Client, settings: Settings) -> None:
    """Create the sweep's Temporal Schedule, or bring it in line with the settings."""
    await ensure_interval_schedule(
        client,
        WEBHOOK_SWEEP_SCHEDULE,
        SWEEP_WORKFLOW,
        Batch(),
        task_queue=settings.task_queue,
        every=settings.webhook_sweep_interval,
        **sweep_start(),
    )


# ----- the activities -----


@dataclass
class FannedOut:
    """What a fan-out claimed and wrote: the deliveries to send now (to active endpoints),
    each described for the Temporal UI, and the auto-pause events among the events."""

    claimed: int = 0
    due: list[str] = field(default_factory=list)
    described: dict[str, dict[str, str]] = field(default_factory=dict)
    auto_paused: list[str] = field(default_factory=list)


# At most this many first attempts in flight in a worker process; past it, deliveries go to
# their workflows at once rather than wait behind slow receivers
INLINE_ATTEMPTS = 50


# The fan-out's statements, built once (building and hashing a statement cost more than
# running it)
_UNCLAIMED = (
    select(Event.sequence)
    .where(Event.fanned_out_at.is_(None))
    .order_by(Event.sequence)
    .limit(bindparam("batch_size"))
    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serializes writers
)
_CLAIM = (
    update(Event)
    .where(Event.sequence.in_(_UNCLAIMED), Event.fanned_out_at.is_(None))
    .values(fanned_out_at=bindparam("claimed_at"))
    .returning(Event.sequence)
)
_CLAIMED_EVENTS = (
    select(Event, Organization.uuid, Partner.uuid)
    .join(Organization, Event.organization_id == Organization.id)
    .outerjoin(Partner, Event.partner_id == Partner.id)
    .where(Event.sequence.in_(bindparam("sequences", expanding=True)))
    .order_by(Event.sequence)
)
_ENDPOINTS_OF = (
    select(WebhookEndpoint)
    .where(
        WebhookEndpoint.organization_id.in_(bindparam("organizations", expanding=True)),
        # a paused endpoint queues; a disabled one (410 Gone) gets nothing
        WebhookEndpoint.status != DISABLED,
    )
    .order_by(WebhookEndpoint.id)
)
_NEW_DELIVERIES = insert(WebhookDelivery)


def _fan_out(batch: Batch, now: datetime, session: Session) -> FannedOut:
    """``WebhookActivities.fan_out``'s transaction."""
    fanned = FannedOut()
    statements = session.connection()
    claimed = list(
        statements.execute(_CLAIM, {"batch_size": batch.size, "claimed_at": now}).scalars()
    )
    if not claimed:
        return fanned
    fanned.claimed = len(claimed)
    events = session.execute(_CLAIMED_EVENTS, {"sequences": claimed}).all()
    organizations = list({e.organization_id for e, _, _ in events})
    endpoints = session.scalars(_ENDPOINTS_OF, {"organizations": organizations}).all()
    deliveries = []
    for event, organization_uuid, partner_uuid in events:
        for endpoint in endpoints:
            if not wanted_by(endpoint, event, partner_uuid):
                continue
            public_id = new_delivery_id()
            deliveries.append(
                {
                    "public_id": public_id,
                    "organization_id": event.organization_id,
                    "endpoint_id": endpoint.id,
                    "event_sequence": event.sequence,
                    "event_id": event.id,
                    "event_type": event.type,
                    "kind": "EVENT",
                    "payload": event_envelope(event, organization_uuid, partner_uuid),
                    "created_at": now,
                    "next_retry_at": first_attempt_at(endpoint, now),
                }
            )
            if endpoint.status == ACTIVE:
                fanned.due.append(public_id)
                fanned.described[public_id] = {
                    "endpoint_id": endpoint.public_id,
                    "event_type": event.type,
                }
    if deliveries:
        statements.execute(_NEW_DELIVERIES, deliveries)
    fanned.auto_paused = [e.id for e, _, _ in events if e.type == "webhook.endpoint_auto_paused"]
    return fanned


class OutboxRelay:
    """Sends committed events from the worker process that committed them, without a workflow
    while all goes well: a kick (``kick_fan_out``, after a producer's commit) runs a fan-out
    pass here, and each delivery due is attempted at once, inline. Only a failed first attempt
    starts the delivery's workflow, which plans the retries from that outcome.

    Best effort, as the kick always was: nothing here is durable but the database. Should the
    process die, the sweep fans out what is left and starts the workflow of each delivery that
    is not waiting for a planned retry: never attempted, or overdue (an attempt counted but
    never settled). Passes do not overlap: kicks during one make one more pass after it.
    """

    def __init__(self, webhooks: WebhookActivities) -> None:
        self.webhooks = webhooks
        self.settings = webhooks.settings
        self.passing: asyncio.Task[None] | None = None
        self.again = False
        self.in_flight = 0
        self.tasks: set[asyncio.Task[None]] = set()  # held: the loop keeps only weak references

    def kick(self, client: Client) -> None:
        if self.passing is not None and not self.passing.done():
            self.again = True
        else:
            self.passing = self._spawn(self._passes(client))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _passes(self, client: Client) -> None:
        try:
            batch = Batch()
            while True:
                self.again = False
                fanned = await self.webhooks.fan_out(batch)
                await self.send(client, fanned)
                if not self.again and fanned.claimed < batch.size:
                    return
        except Exception:  # a background task's error would go unseen otherwise
            log.exception("outbox relay pass failed; the sweep will fan out what is left")

    async def send(self, client: Client, fanned: FannedOut) -> None:
        """Attempt each delivery due inline while there is room, else start its workflow; and
        start the notice of each auto-pause."""
        overflow = []
        for delivery_id in fanned.due:
            if self.in_flight < INLINE_ATTEMPTS:
                self.in_flight += 1
                self._spawn(self._attempt(client, delivery_id, fanned.described[delivery_id]))
            else:
                overflow.append(delivery_id)
        await start_deliveries(client, self.settings, overflow, fanned.described)
        for event_id in fanned.auto_paused:
            await _start_paused_notice(client, self.settings.task_queue, event_id)

    async def _attempt(self, client: Client, delivery_id: str, described: dict[str, str]) -> None:
        try:
            outcome, paused = await self.webhooks.attempt(delivery_id, utcnow())
            if paused is not None:
                self.kick(client)
            if outcome.result == FAILED:
                await start_deliveries(
                    client,
                    self.settings,
                    [delivery_id],
                    {delivery_id: described},
                    {delivery_id: outcome},
                )
        except Exception:  # as in _passes; the sweep starts the delivery's workflow
            log.exception("inline attempt failed; the sweep will retry", delivery=delivery_id)
        finally:
            self.in_flight -= 1


# Each worker's relay, by its task queue: producers' activities kick the one of their worker
_relays: dict[str, OutboxRelay] = {}


class WebhookActivities(interface.WebhookActivities):
    def __init__(self, db: Database, settings: Settings, clients: KeptAliveClients) -> None:
        self.db = db
        self.settings = settings
        self.clients = clients  # the receivers' connections, kept open between deliveries
        self.relay = _relays[settings.task_queue] = OutboxRelay(self)

    @activity.defn
    async def fan_out_events(self, batch: Batch) -> int:
        """Claim up to ``batch.size`` events not fanned out yet and write their deliveries; the
        outbox relay sends those due. How many were claimed (the sweep's fan-out, and the
        fan-out workflow's of before the relay)."""
        fanned = await self.fan_out(batch)
        await self.relay.send(activity.client(), fanned)
        return fanned.claimed

    async def fan_out(self, batch: Batch) -> FannedOut:
        """Claim up to ``batch.size`` events not fanned out yet and write their deliveries, in
        one transaction (on SQLite in one trip to a worker thread: ``Database.run_transaction``)."""
        return await self.db.run_transaction(partial(_fan_out, batch, utcnow()))

    @activity.defn
    async def compose_paused_notice(self, notice: PausedNotice) -> OutgoingEmail | None:
        """The e-mail to the organization's administrators (its users not bound to one seller)
        about an auto-paused endpoint; None when it has none."""
        async with self.db.session() as session:
            event = await session.scalar(select(Event).where(Event.id == notice.event_id))
            if event is None:
                return None
            recipients = list(
                await session.scalars(
                    select(User.email)
                    .where(
                        User.organization_id == event.organization_id,
                        User.partner_id.is_(None),
                        User.is_active.is_(True),
                        User.email != "",
                    )
                    .order_by(User.id)
                )
            )
        if not recipients:
            return None
        data = event.data
        return OutgoingEmail(
            to=recipients,
            subject=f"Webhook endpoint paused: {data['url']}",
            text=(
                f"Deliveries to your webhook endpoint {data['endpointId']} ({data['url']}) were "
                f"paused at {data['pausedAt']}.\n\nReason: {data['reason']}.\n\n"
                "Events keep queuing while it is paused. Once the receiver answers again, resume "
                "the endpoint (PATCH /v1/webhooks/{id} with status ACTIVE) and everything that "
                "queued meanwhile is delivered.\n"
            ),
        )

    @activity.defn
    async def attempt_delivery(self, ref: DeliveryRef) -> AttemptOutcome:
        """POST the delivery once, signed afresh, and record how it went (``attempt``)."""
        # The server's clock, as the workflow's: retry and auto-pause arithmetic stay on one
        # clock (the time-skipping test server's too).
        now = activity.info().current_attempt_scheduled_time
        outcome, paused = await self.attempt(ref.delivery_id, now)
        if paused is not None:
            await kick_fan_out(paused.id)
        return outcome

    async def attempt(self, delivery_id: str, now: datetime) -> tuple[AttemptOutcome, Event | None]:
        """POST the delivery once, signed afresh, and record how it went; with the
        ``webhook.endpoint_auto_paused`` event, should this failure have paused the endpoint.

        The attempt is counted before the request goes out, so one whose result is lost (the
        worker died mid-request, and this activity is retried) still counts: a delivery the
        receiver saw twice says ``attempts: 2``. The same transaction records the retry that
        follows should this attempt fail, and the one that records the answer keeps it up to
        date, so a PENDING delivery always shows its next retry (``settle_failure`` then writes
        the workflow's own plan, its jitter included).
        """
        begun = await self.db.run_transaction(partial(self._begin_attempt, delivery_id, now))
        if isinstance(begun, AttemptOutcome):
            return begun, None
        delivery, endpoint = begun
        answer = await self._send(endpoint, delivery)
        paused = await self.db.run_transaction(
            partial(self._record_answer, delivery, endpoint, answer, now)
        )
        if answer.ok:
            return AttemptOutcome(DELIVERED), None
        failed = AttemptOutcome(
            FAILED, now, answer.retry_after, delivery.failing_since, delivery.retries_used
        )
        return failed, paused

    def _begin_attempt(
        self, delivery_id: str, now: datetime, session: Session
    ) -> tuple[WebhookDelivery, WebhookEndpoint] | AttemptOutcome:
        """``attempt``'s first transaction: count the attempt and plan the retry should it
        fail; or the outcome already, when there is nothing to send."""
        found = session.execute(_DELIVERY_TO_ATTEMPT, {"delivery_id": delivery_id}).first()
        if found is None or found[0].status != PENDING:
            return AttemptOutcome(GONE)
        delivery, endpoint = found
        statements = session.connection()
        if endpoint.status != ACTIVE:
            statements.execute(_PARK, {"row_id": delivery.id})
            return AttemptOutcome(PARKED)
        begun = statements.execute(
            _BEGIN_ATTEMPT,
            {
                "row_id": delivery.id,
                "attempted_at": now,
                "retry_at": self._retry_if_failed(delivery, now, None),
            },
        )
        if begun.first() is None:
            return AttemptOutcome(GONE)
        return delivery, endpoint

    def _record_answer(
        self,
        delivery: WebhookDelivery,
        endpoint: WebhookEndpoint,
        answer: _Answer,
        now: datetime,
        session: Session,
    ) -> Event | None:
        """``attempt``'s last transaction: the answer on its endpoint's record and on the
        delivery; the auto-pause event, should this failure have paused the endpoint. The
        endpoint's row is written first, as a DELETE of the endpoint locks it before its
        deliveries: the other order deadlocked the two."""
        statements = session.connection()
        if answer.ok:
            statements.execute(_ENDPOINT_ANSWERED, {"endpoint_id": endpoint.id})
            paused = None
        else:
            paused = self._count_failure(session, endpoint, answer, now)
        statements.execute(
            _RECORD_ANSWER,
            {
                "row_id": delivery.id,
                "answer_status": answer.status,
                "answer_error": answer.error,
                "retry_at": None
                if answer.ok
                else self._retry_if_failed(delivery, now, answer.retry_after),
                # a failure leaves it PENDING, as the WHERE clause found it
                "settled_as": DELIVERED if answer.ok else PENDING,
            },
        )
        return paused

    def _retry_if_failed(
        self, delivery: WebhookDelivery, attempted_at: datetime, retry_after: timedelta | None
    ) -> datetime:
        """When the delivery is retried if the attempt at ``attempted_at`` fails: the
        schedule's next offset without jitter (the workflow adds it when it settles the
        failure). After the schedule's last retry, the attempt itself: none follows it, and the
        workflow settles the delivery as FAILED at once."""
        due = next_attempt_at(
            retry_offsets(self.settings.webhook_retry_schedule),
            delivery.failing_since or attempted_at,
            delivery.retries_used,
            attempted_at,
            retry_after,
            0,
        )
        return due or attempted_at

    async def _send(self, endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> _Answer:
        # a NOTYD status body (its own or a replay of one) may go over http; nothing else may
        notyd = delivery.event_type == NOTYD_EVENT and delivery.kind != "TEST"
        target = await vet_target(endpoint.url, self.settings, any_http=notyd)
        if target.problem is not None:
            return _Answer(None, f"not sent: the URL {target.problem}"[:300])
        url, host_headers, extensions = target.request(endpoint.url)
        body = encode(delivery.payload)
        headers = host_headers | signature_headers(
            endpoint.secret, delivery.event_id, delivery.public_id, body, int(time.time())
        )
        timeout = self.settings.webhook_timeout.total_seconds()
        status: int | None = None
        retry_after: str | None = None
        try:
            # the whole exchange, not each read, must fit in the timeout
            async with (
                asyncio.timeout(timeout),
                self.clients.client(url, extensions.get("sni_hostname")) as http,
                http.stream(
                    "POST",
                    url,
                    content=body,
                    headers=headers,
                    extensions=extensions | {SECRET_PATH: True},
                    timeout=timeout,
                ) as response,
            ):
                status = response.status_code
                retry_after = response.headers.get("retry-after")
                await _drain(response)
        except (TimeoutError, httpx.TimeoutException):
            if status is None:
                return _Answer(None, f"no answer within {timeout:g} s")
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as error:
            # UnicodeError: a name the client cannot encode (IDNA) is a failed attempt too
            if status is None:
                return _Answer(None, f"{type(error).__name__}: {error}"[:300])
        assert status is not None  # what failed after the status line cost only the connection
        if 200 <= status < 300:
            return _Answer(status, None)
        wait = _retry_after(retry_after) if status in (429, 503) else None
        return _Answer(status, f"HTTP {status}", wait)

    def _count_failure(
        self, session: Session, endpoint: WebhookEndpoint, answer: _Answer, now: datetime
    ) -> Event | None:
        """Count a failed attempt against the endpoint: a 410 disables it; too many failures
        in a row, or for too long, pause it. The auto-pause event, if this paused it."""
        if answer.status == 410:
            _change_status(session, endpoint.id, DISABLED, "The receiver answered 410 Gone", now)
            return None
        failures, since = session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint.id)
            .values(
                consecutive_failures=WebhookEndpoint.consecutive_failures + 1,
                failing_since=func.coalesce(WebhookEndpoint.failing_since, now),
            )
            .returning(WebhookEndpoint.consecutive_failures, WebhookEndpoint.failing_since)
            .execution_options(synchronize_session=False)
        ).one()
        assert since is not None  # the coalesce above set it
        if failures >= self.settings.webhook_auto_pause_failures:
            reason = f"{failures} consecutive failed deliveries"
        elif now - since >= self.settings.webhook_auto_pause_after:
            reason = f"failing for {(now - since).total_seconds() / 3600:.0f} h"
        else:
            return None
        if not _change_status(session, endpoint.id, PAUSED, f"Auto-paused: {reason}", now):
            return None  # already paused or disabled by another attempt
        return record_event(
            session,
            endpoint.organization_id,
            "webhook.endpoint_auto_paused",
            {
                "endpointId": endpoint.public_id,
                "url": endpoint.url,
                "reason": reason,
                "consecutiveFailures": failures,
                "failingSince": utc_timestamp(since),
                "pausedAt": utc_timestamp(now),
            },
            now,
        )

    @activity.defn
    async def settle_failure(self, plan: RetryPlan) -> str:
        """Record the planned retry (RETRY), park it while its endpoint is not active
        (PARKED), or fail it for good (FAILED) with ``webhook.delivery_failed_terminal``."""
        now = activity.info().current_attempt_scheduled_time
        async with self.db.transaction() as session:
            found = (
                await session.execute(
                    select(WebhookDelivery, WebhookEndpoint)
                    .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
                    .where(WebhookDelivery.public_id == plan.delivery_id)
                    .with_for_update(of=WebhookDelivery)
                )
            ).first()
            if found is None or found[0].status != PENDING:
                return GONE
            delivery, endpoint = found
            delivery.failing_since, delivery.retries_used = plan.failing_since, plan.retries_used
            if plan.next_attempt_at is not None:
                active = endpoint.status == ACTIVE
                delivery.next_retry_at = plan.next_attempt_at if active else None
                return RETRY if active else PARKED
            delivery.status, delivery.next_retry_at = FAILED, None
            data = {
                "endpointId": endpoint.public_id,
                "deliveryId": delivery.public_id,
                "eventId": delivery.event_id,
                "eventType": delivery.event_type,
                "attempts": delivery.attempts,
                "lastHttpStatus": delivery.http_status,
                "lastError": delivery.error,
            }
            terminal = record_event(
                session,
                endpoint.organization_id,
                "webhook.delivery_failed_terminal",
                {k: v for k, v in data.items() if v is not None},
                now,
            )
        await kick_fan_out(terminal.id)
        return FAILED

    @activity.defn
    async def start_pending_deliveries(self, cursor: Cursor) -> StartedPage:
        """Start the workflow of PENDING deliveries to active endpoints that are not waiting
        for a planned retry: never started (the start was lost), parked before a resume, or
        overdue (the workflow was lost). A running workflow is left be."""
        now = utcnow()
        async with self.db.session() as session:
            page = (
                await session.execute(
                    select(WebhookDelivery.id, WebhookDelivery.public_id)
                    .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
                    .where(
                        WebhookDelivery.id > cursor.after,
                        WebhookDelivery.status == PENDING,
                        WebhookEndpoint.status == ACTIVE,
                        or_(
                            WebhookDelivery.next_retry_at.is_(None),
                            WebhookDelivery.next_retry_at <= now,
                        ),
                        # not an event's delivery the outbox relay may be about to attempt
                        not_(
                            and_(
                                WebhookDelivery.kind == "EVENT",
                                WebhookDelivery.attempts == 0,
                                WebhookDelivery.next_retry_at.is_not(None),
                                WebhookDelivery.created_at > now - attempt_timeout(self.settings),
                            )
                        ),
                    )
                    .order_by(WebhookDelivery.id)
                    .limit(cursor.size)
                )
            ).all()
        await start_deliveries(activity.client(), self.settings, [p for _, p in page])
        return StartedPage(len(page), page[-1][0] if len(page) == cursor.size else None)

    @activity.defn
    async def purge_deliveries(self, batch: Batch) -> int:
        """Delete up to ``batch.size`` finished deliveries older than the retention."""
        cutoff = utcnow() - self.settings.webhook_history_retention
        async with self.db.transaction() as session:
            expired = (
                select(WebhookDelivery.id)
                .where(WebhookDelivery.status != PENDING, WebhookDelivery.created_at < cutoff)
                .limit(batch.size)
            )
            return await affected_rows(
                session,
                delete(WebhookDelivery)
                .where(WebhookDelivery.id.in_(expired))
                .execution_options(synchronize_session=False),
            )


# An attempt's statements, built once (building and hashing a statement cost more than
# running it). Its writes touch the delivery's row only while it is still PENDING: nothing
# settled changes.
_DELIVERY_TO_ATTEMPT = (
    select(WebhookDelivery, WebhookEndpoint)
    .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
    .where(WebhookDelivery.public_id == bindparam("delivery_id"))
)
_STILL_PENDING = update(WebhookDelivery).where(
    WebhookDelivery.id == bindparam("row_id"), WebhookDelivery.status == PENDING
)
_PARK = _STILL_PENDING.values(next_retry_at=None)
_BEGIN_ATTEMPT = _STILL_PENDING.values(
    attempts=WebhookDelivery.attempts + 1,
    last_attempt_at=bindparam("attempted_at"),
    next_retry_at=bindparam("retry_at"),
).returning(WebhookDelivery.id)
_RECORD_ANSWER = _STILL_PENDING.values(
    http_status=bindparam("answer_status"),
    error=bindparam("answer_error"),
    next_retry_at=bindparam("retry_at"),
    status=bindparam("settled_as"),
)
_ENDPOINT_ANSWERED = (
    update(WebhookEndpoint)
    .where(WebhookEndpoint.id == bindparam("endpoint_id"))
    .values(consecutive_failures=0, failing_since=None)
)


def _change_status(
    session: Session, endpoint_id: int, status: str, reason: str, now: datetime
) -> bool:
    """Move an ACTIVE endpoint to ``status``; False when it was not ACTIVE any more."""
    changed = session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.status == ACTIVE)
        .values(
            status=status,
            status_reason=reason,
            version=WebhookEndpoint.version + 1,
            updated_at=now,
        )
        .returning(WebhookEndpoint.id)
        .execution_options(synchronize_session=False)
    )
    return changed.first() is not None
