"""Idempotency-Key on every NT24 write (contract section 2.2), kept in the database.

A write (POST, PATCH, PUT, DELETE under ``/v1/partners/`` or ``/v1/webhooks``) of an
authenticated caller needs ``Idempotency-Key`` (1-255 characters), else 400
``malformed-request``. A key is scoped per organization, method and path: the same key on
another endpoint is another key. The request is fingerprinted (method, path with query, media
type, body; a multipart body by its parts, so a retry with a new boundary is the same request):

- first use: an in-progress record is inserted (the unique (organization, key, scope)
  constraint decides a race), the endpoint runs, and its answer is stored before it is sent: status,
  body, ``Content-Type``, ``Location``, ``ETag``. 2xx and 3xx are stored, and a 4xx once the
  command ran (``command_started``): a refusal that describes the state the command met
  (409 ``milestone-already-set``, ``conflict``, ``resource-exists-different-body``). A 4xx
  given before the command ran (400 ``malformed-request`` or a missing If-Match, 403, 404,
  409 ``version-mismatch``, 422 ``validation-error``) changed nothing and is not stored: the
  key is released, so the same key with the request put right (an If-Match, a capability, a
  resource that exists now) runs it, as Stripe keeps "results only if the endpoint started
  executing". A 5xx, a 429 or a crash removes the record too, so a retry runs the request
  again (and its workflow Updates carry ids derived from the key, so Temporal attaches the
  retry to an Update the first attempt left behind instead of applying the command twice:
  api/shared/temporal_calls.py);
- same key, same request within 24 h: the stored answer, with ``Idempotent-Replayed: true``
  (an order's creation, 201, as 200: the contract's order-creation matrix);
- same key and scope, another request (query or body): 422 ``idempotency-key-reused``;
- same key while the first is still running: the duplicate polls until the first finishes
  and then replays its answer. If the first failed (its record is gone), the first waiter to
  notice claims the key and runs the request itself: a waiter is a retry. After
  ``idempotency_wait`` a waiter gives up with 409 ``conflict`` and ``Retry-After``. A record
  left in progress longer than ``idempotency_abandoned_after`` (its process died) is taken over.

Expired records are overwritten when their key comes again and purged a batch at a time, at
most once a minute per API process, when a key is claimed.

A new key costs one statement to claim (an insert unless the key has a record) and one to store
the answer; a replay costs the claim attempt and the read of the stored answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message as MimeHeader
from typing import Annotated, Any

from fastapi import Header
from sqlalchemy import (
    ColumnElement,
    Insert,
    and_,
    bindparam,
    delete,
    exists,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.nt24.identity.auth import authenticate
from api.shared.deps import app_settings, database
from api.shared.errors import Problem, problem_response
from api.shared.metrics import IDEMPOTENCY_REFUSALS
from api.shared.rate_limit import Authenticator, is_nt24_path, nt24_caller
from api.shared.temporal_calls import request_identity
from store.db import Database
from store.models import IdempotencyRecord, utcnow

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
REPLAY_HEADER = "Idempotent-Replayed"
# Headers of the first answer that a replay repeats (rate-limit headers are computed afresh)
STORED_HEADERS = ("content-type", "location", "etag")
PURGE_BATCH = 100
PURGE_EVERY_SECONDS = 60.0


async def idempotency_key(
    key: Annotated[
        str,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description="Unique per intended write (a UUID is recommended); keys are per "
            "organization, method and path. The same key with the same request within 24 h "
            "replays the first answer (marked `Idempotent-Replayed: true`); with another "
            "request to the same method and path it is a 422. A refusal before the command "
            "ran (400, 403, 404, 409 version-mismatch, 422) is not kept: the same key with "
            "the request put right (such as the current If-Match) runs it.",
        ),
    ],
) -> str:
    """Declares the header on a write operation (``dependencies=[Depends(idempotency_key)]``);
    the middleware has already enforced it by the time the endpoint runs. (``async``: FastAPI
    runs a plain function dependency in a worker thread, per request.)"""
    return key


def request_fingerprint(method: str, target: str, content_type: str | None, body: bytes) -> str:
    """sha256 of what makes two requests "the same": method, path and query, media type, body."""
    digest = hashlib.sha256(f"{method.upper()} {target}\n".encode())
    header = MimeHeader()
    header["content-type"] = content_type or "application/octet-stream"
    digest.update(header.get_content_type().encode() + b"\n")
    boundary = header.get_param("boundary")
    if header.get_content_type() == "multipart/form-data" and isinstance(boundary, str):
        # the boundary is chosen afresh by most clients on each attempt: hash the parts only
        for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
            digest.update(len(part).to_bytes(8, "big") + part)
    else:
        digest.update(body)
    return digest.hexdigest()


# The scope of records kept from before keys were scoped (migration 0019): until they expire
# (24 h after it ran) such a record holds its key on every method and path, as it did then, so
# that a retry across the upgrade is still a replay. Unused once no such record is left.
LEGACY_SCOPE = ""


def request_scope(method: str, path: str) -> str:
    """sha256 of what a key is scoped to besides the organization: method and path."""
    return hashlib.sha256(f"{method.upper()} {path}".encode()).hexdigest()


def _reclaimable(now: Any, abandoned_before: Any) -> ColumnElement[bool]:
    """Records a new request may replace: expired ones, and unfinished ones left by a dead
    process (begun before ``abandoned_before``). Datetimes, or bound parameters for them."""
    return or_(
        IdempotencyRecord.expires_at <= now,
        and_(
            IdempotencyRecord.response_status.is_(None),
            IdempotencyRecord.created_at <= abandoned_before,
        ),
    )


async def live_record(
    db: Database,
    organization_id: int,
    key: str,
    scope: str,
    now: datetime,
    abandoned_after: timedelta,
) -> IdempotencyRecord | None:
    """The key's record unless it is absent or may be replaced."""
    async with db.session() as session:
        return await session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.organization_id == organization_id,
                IdempotencyRecord.key == key,
                IdempotencyRecord.scope_sha256.in_((scope, LEGACY_SCOPE)),
                not_(_reclaimable(now, now - abandoned_after)),
            )
        )


async def claim_key(
    db: Database,
    organization_id: int,
    key: str,
    scope: str,
    fingerprint: str,
    now: datetime,
    abandoned_after: timedelta,
) -> int | None:
    """Insert the in-progress record unless the key has one (in its scope, or a live legacy
    one): its id, or None. One statement (``INSERT ... SELECT ... ON CONFLICT DO NOTHING``),
    so a new key costs one round trip to claim; a held key is looked at by ``live_record``
    and, if its record may be replaced, taken over by ``reclaim_key``."""
    values = {
        "claim_organization_id": organization_id,
        "claim_key": key,
        "claim_scope_sha256": scope,
        "claim_request_sha256": fingerprint,
        "claim_created_at": now,
        "claim_expires_at": now + RETENTION,
        "claim_abandoned_before": now - abandoned_after,
    }
    claim = _CLAIM[db.engine.dialect.name]
    return await db.run_statements(lambda connection: connection.scalar(claim, values))


def _claim(insert: Callable[[type[IdempotencyRecord]], Any]) -> Insert:
    record = IdempotencyRecord
    now = bindparam("claim_created_at", type_=record.created_at.type)
    live_legacy = select(record.id).where(
        record.organization_id == bindparam("claim_organization_id"),
        record.key == bindparam("claim_key"),
        record.scope_sha256 == LEGACY_SCOPE,
        not_(_reclaimable(now, bindparam("claim_abandoned_before", type_=record.created_at.type))),
    )
    columns = {
        "organization_id": bindparam("claim_organization_id", type_=record.organization_id.type),
        "key": bindparam("claim_key", type_=record.key.type),
        "scope_sha256": bindparam("claim_scope_sha256", type_=record.scope_sha256.type),
        "request_sha256": bindparam("claim_request_sha256", type_=record.request_sha256.type),
        "created_at": now,
        "expires_at": bindparam("claim_expires_at", type_=record.expires_at.type),
    }
    return (
        insert(record)
        .from_select(list(columns), select(*columns.values()).where(~exists(live_legacy)))
        .on_conflict_do_nothing(index_elements=["organization_id", "key", "scope_sha256"])
        .returning(record.id)
    )


# Built once per dialect (an upsert built per request is compiled anew each time: it has no
# cache key) and run on a plain connection, without an ORM session around one statement
_CLAIM = {"postgresql": _claim(postgresql.insert), "sqlite": _claim(sqlite.insert)}


async def reclaim_key(
    db: Database,
    organization_id: int,
    key: str,
    scope: str,
    fingerprint: str,
    now: datetime,
    abandoned_after: timedelta,
) -> int | None:
    """Replace the key's record if it may be replaced (expired, or left in progress by a dead
    process) with a new in-progress one: its id, or None when a live record holds the key."""
    try:
        async with db.transaction() as session:
            await session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.organization_id == organization_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.scope_sha256.in_((scope, LEGACY_SCOPE)),
                    _reclaimable(now, now - abandoned_after),
                )
            )
            record = IdempotencyRecord(
                organization_id=organization_id,
                key=key,
                scope_sha256=scope,
                request_sha256=fingerprint,
                created_at=now,
                expires_at=now + RETENTION,
            )
            session.add(record)
            await session.flush()
    except IntegrityError:
        return None
    return record.id


async def purge_expired(db: Database, now: datetime) -> None:
    """Delete a batch of expired records; SKIP LOCKED (PostgreSQL) keeps concurrent purges
    apart."""
    expired = (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.expires_at <= now)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    async with db.transaction() as session:
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(expired)))


async def store_answer(
    db: Database, record_id: int, status: int, headers: dict[str, str], body: bytes
) -> None:
    answer = {
        "answer_record_id": record_id,
        "answer_status": status,
        "answer_headers": headers,
        "answer_body": body,
    }
    await db.run_statements(lambda connection: connection.execute(_STORE_ANSWER, answer))


_STORE_ANSWER = (
    update(IdempotencyRecord)
    .where(IdempotencyRecord.id == bindparam("answer_record_id"))
    .values(
        response_status=bindparam("answer_status"),
        response_headers=bindparam("answer_headers"),
        response_body=bindparam("answer_body"),
    )
)


async def release_key(db: Database, record_id: int) -> None:
    """Forget an unfinished record, so that a retry runs the request again."""
    async with db.transaction() as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == record_id, IdempotencyRecord.response_status.is_(None)
            )
        )


@dataclass
class _Execution:
    """Whether the current request's command has begun (``command_started``)."""

    started: bool = False


_execution: ContextVar[_Execution | None] = ContextVar("idempotent_execution", default=None)


def command_started() -> None:
    """Say that the current request's command has begun to act: it reached its workflow, or
    the write it is. From here on its answer, a refusal too, is the answer to its
    Idempotency-Key. A refusal before this (the request's own input, headers, rights or
    target) is not stored. Without a key (not an NT24 write) it does nothing."""
    execution = _execution.get()
    if execution is not None:
        execution.started = True


def storable(status: int, started: bool) -> bool:
    """Whether an answer is kept as the key's: a 5xx or 429 says "try again later" (storing it
    would replay the failure for 24 h); a 4xx before the command ran (``started`` false)
    changed nothing, and the same key with the request put right must run it."""
    if status >= 500 or status == 429:
        return False
    return status < 400 or started


# The contract's order-creation matrix (O1) answers the same key and body again with "cached
# response replayed, 200": the first request created the order, the replay creates nothing.
# Every other replay repeats the original status (section 2.2: "the cached original response").
_ORDER_CREATION = re.compile(r"/v1/partners/[^/]+/orders/?")


def replay(record: IdempotencyRecord, request: Request) -> Response:
    assert record.response_status is not None
    headers = dict(record.response_headers or {}) | {REPLAY_HEADER: "true"}
    status = record.response_status
    if status == 201 and request.method == "POST" and _ORDER_CREATION.fullmatch(request.url.path):
        status = 200
    return Response(record.response_body or b"", status, headers)


class IdempotencyMiddleware:
    """Enforces, stores and replays Idempotency-Key on NT24 writes (see the module text)."""

    def __init__(self, app: ASGIApp, authenticate: Authenticator = authenticate) -> None:
        self.app = app
        self.authenticate = authenticate
        self._next_purge = 0.0  # event-loop time of this app's next purge of expired records

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in WRITE_METHODS
            or not is_nt24_path(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        caller = await nt24_caller(request, self.authenticate)
        if caller is None:
            await self.app(scope, receive, send)
            return
        key = request.headers.get(HEADER)
        if not key or len(key) > MAX_KEY_LENGTH:
            IDEMPOTENCY_REFUSALS.labels("key-missing" if not key else "key-too-long").inc()
            problem = Problem(
                "malformed-request",
                f"The {HEADER} header is required on every write: 1 to {MAX_KEY_LENGTH} "
                "characters, a UUID is recommended.",
            )
            await problem_response(request, problem)(scope, receive, send)
            return
        body = await request.body()
        query = scope["query_string"].decode("latin-1")
        target = f"{scope['path']}?{query}" if query else scope["path"]
        fingerprint = request_fingerprint(
            scope["method"], target, request.headers.get("content-type"), body
        )
        key_scope = request_scope(scope["method"], scope["path"])
        answer = await self._answer(
            request, caller.organization_id, key, key_scope, fingerprint, body, send
        )
        if answer is not None:
            await answer(scope, receive, send)

    async def _answer(
        self,
        request: Request,
        organization_id: int,
        key: str,
        key_scope: str,
        fingerprint: str,
        body: bytes,
        send: Send,
    ) -> Response | None:
        """The replay or problem to send, or None once the request ran and was answered."""
        db = database(request)
        settings = app_settings(request)
        abandoned_after = settings.idempotency_abandoned_after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.idempotency_wait.total_seconds()
        pause = 0.02
        while True:
            now = utcnow()
            claim = (db, organization_id, key, key_scope, fingerprint, now, abandoned_after)
            record_id = await claim_key(*claim)
            record = None
            if record_id is None:
                record = await live_record(
                    db, organization_id, key, key_scope, now, abandoned_after
                )
                if record is None:  # expired, or its process died: take it over
                    record_id = await reclaim_key(*claim)
            if record_id is not None:
                if loop.time() >= self._next_purge:
                    self._next_purge = loop.time() + PURGE_EVERY_SECONDS
                    await purge_expired(db, now)
                # the request's Updates get ids derived from it: a retry after a 503
                # attaches to the Update the first attempt left with Temporal
                with request_identity(f"{organization_id}\n{key}\n{fingerprint}"):
                    await self._run(request, db, record_id, body, send)
                return None
            # else the key is held (or another request took it over first: None)
            if record is not None and record.request_sha256 != fingerprint:
                IDEMPOTENCY_REFUSALS.labels("key-reused").inc()
                return problem_response(
                    request,
                    Problem(
                        "idempotency-key-reused",
                        f"This {HEADER} was used within the last 24 hours for a different "
                        "request to this method and path (query or body); use a new key for a "
                        "new request.",
                    ),
                )
            if record is not None and record.response_status is not None:
                return replay(record, request)
            if loop.time() >= deadline:
                IDEMPOTENCY_REFUSALS.labels("in-progress").inc()
                return problem_response(
                    request,
                    Problem(
                        "conflict",
                        f"A request with this {HEADER} is still being processed; "
                        "retry in a moment to get its answer.",
                        headers={"Retry-After": "1"},
                    ),
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.2)

    async def _run(
        self, request: Request, db: Database, record_id: int, body: bytes, send: Send
    ) -> None:
        """Run the endpoint as the key's owner; store its answer before sending it."""
        body_sent = False

        async def receive_body() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await request.receive()

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        content = b""
        stored = False
        execution = _Execution()
        token = _execution.set(execution)
        try:
            try:
                await self.app(request.scope, receive_body, capture)
            finally:
                _execution.reset(token)
            content = b"".join(chunks)
            if storable(start["status"], execution.started):
                headers = {
                    name.decode("latin-1").lower(): value.decode("latin-1")
                    for name, value in start.get("headers", [])
                    if name.decode("latin-1").lower() in STORED_HEADERS
                }
                await store_answer(db, record_id, start["status"], headers, content)
                stored = True
        finally:
            if not stored:
                # shielded: a cancelled request must still free its key
                await asyncio.shield(release_key(db, record_id))
        await send(start)
        await send({"type": "http.response.body", "body": content})
