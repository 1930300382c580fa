"""Each order's sealed evidence chain: append-only entries linked by their hashes.

Every piece of evidence an order collects (a document, a VIES check, a milestone or its
revocation, an invoice or payment version, a decision, an Export File version) becomes one
entry, appended by the read-model write (``write_order``) in its own transaction:

- ``payload`` is the entry's JSON in the canonical form of RFC 8785 (JSON Canonicalization
  Scheme, the ``rfc8785`` package): keys sorted by their UTF-16 code units, no insignificant
  whitespace, UTF-8. Payloads hold only strings, integers, booleans, null, lists and objects.
- ``hash`` = sha256(``prev_hash`` as its 64 hex characters, then the payload's bytes), hex;
  the first entry's ``prev_hash`` is 64 zeros (``GENESIS``).
- ``key`` names what the entry records (``document:<uuid>``, ``invoice:PRELIMINARY:2``, ...):
  it is unique per order, so a retried or repeated write appends nothing twice.
- The last entry's hash, the head, is written to ``orders.evidence_head`` in the same
  transaction, and returned to the workflow, whose history can witness it.

No code updates or deletes an entry; on PostgreSQL a trigger refuses both (migration 0015).
``verify_chain`` recomputes every hash from the stored payloads, checks the links, the
sequence, the head, and the bytes of every document and Export File the chain names in the
document store, and names the first entry that breaks it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import rfc8785
from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from store.documents import BlobCorrupted, BlobNotFound, DocumentStore
from store.models import EvidenceEntry, Order

GENESIS = "0" * 64
# Entry kinds whose payload names stored bytes by their sha256
_BLOB_KINDS = {"document", "export_file"}


def canonical(payload: dict[str, Any]) -> bytes:
    """The payload's RFC 8785 canonical JSON."""
    return rfc8785.dumps(payload)


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + payload).hexdigest()


def utc(moment: datetime | None) -> str | None:
    """A timestamp as it is written into payloads: ISO 8601 in UTC, microseconds kept."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence, before it is sealed into the chain."""

    kind: str
    key: str
    facts: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, **self.facts}


@dataclass(frozen=True)
class Chain:
    """What an order's chain holds: its entries' keys, and its last entry's seq and hash
    ((0, GENESIS) when empty)."""

    keys: frozenset[str]
    seq: int
    head: str


# Built once: building and hashing a statement costs more than running it
_CHAIN = select(EvidenceEntry.key, EvidenceEntry.seq, EvidenceEntry.hash).where(
    EvidenceEntry.order_id == bindparam("order_id")
)
_APPEND = insert(EvidenceEntry)


def chain_of(session: Session, order_id: int) -> Chain:
    """The order's chain as ``append`` needs it, in one read."""
    rows = session.connection().execute(_CHAIN, {"order_id": order_id}).all()
    seq, head = max(((s, h) for _, s, h in rows), default=(0, GENESIS))
    return Chain(frozenset(key for key, _, _ in rows), seq, head)


def append(
    session: Session,
    order_id: int,
    evidence: Iterable[Evidence],
    at: datetime,
    chain: Chain | None = None,
) -> str:
    """Append what the chain does not hold yet (by key), in the given order, and return the
    chain's head after it (``GENESIS`` while it is empty), which the caller records on the
    order row in the same transaction. The caller holds the order row (locked on PostgreSQL),
    so appends to one order never interleave; it may hand in the ``chain`` it read already."""
    chain = chain or chain_of(session, order_id)
    known, seq, head = set(chain.keys), chain.seq, chain.head
    entries: list[dict[str, Any]] = []
    for item in evidence:
        if item.key in known:
            continue
        known.add(item.key)
        payload = canonical(item.payload())
        digest = chain_hash(head, payload)
        seq += 1
        entries.append(
            {
                "order_id": order_id,
                "seq": seq,
                "kind": item.kind,
                "key": item.key,
                "payload": payload.decode("utf-8"),
                "prev_hash": head,
                "hash": digest,
                "created_at": at,
            }
        )
        head = digest
    if entries:
        session.connection().execute(_APPEND, entries)
    return head


async def entries_of(session: AsyncSession, order_id: int) -> list[EvidenceEntry]:
    return list(
        await session.scalars(
            select(EvidenceEntry)
            .where(EvidenceEntry.order_id == order_id)
            .order_by(EvidenceEntry.seq)
        )
    )


# What a break means, for those who read it without the hashes: an entry's stored file was
# changed or is gone, an entry was altered or removed, or the chain's end is not the recorded one
BreakCause = Literal["FILE_CHANGED", "FILE_MISSING", "ENTRY_ALTERED", "ENTRY_MISSING", "HEAD"]


@dataclass
class Break:
    seq: int | None  # None: the chain as a whole (its head)
    key: str | None
    reason: str
    cause: BreakCause = "ENTRY_ALTERED"

    def __str__(self) -> str:
        where = f"entry {self.seq} ({self.key})" if self.seq is not None else "the head"
        return f"{where}: {self.reason}"


@dataclass
class Verification:
    entries: int
    head: str | None  # recomputed from the entries
    recorded_head: str | None  # on the order row
    breaks: list[Break] = field(default_factory=list)
    witness_head: str | None = None  # as the workflow holds it, when asked

    @property
    def intact(self) -> bool:
        return not self.breaks

    def summary(self) -> str:
        if self.intact:
            return f"intact: {self.entries} entries, head {self.head}"
        return f"broken at {self.breaks[0]}"


def verify_chain(
    entries: Sequence[EvidenceEntry],
    recorded_head: str | None,
    read_blob: Callable[[str], bytes] | None,
    witness_head: str | None = None,
) -> Verification:
    """Recompute the chain from the stored entries (and, with ``read_blob``, the stored bytes
    each document or Export File entry names); every break is listed, the first one first."""
    breaks: list[Break] = []
    head = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        here = (entry.seq, entry.key)
        if entry.seq != expected_seq:
            said = f"expected entry {expected_seq}: an entry is missing"
            breaks.append(Break(*here, said, "ENTRY_MISSING"))
        if entry.prev_hash != head:
            breaks.append(Break(*here, "its prev_hash is not the previous entry's hash"))
        raw = entry.payload.encode("utf-8")
        try:
            payload = json.loads(raw)
        except ValueError:
            breaks.append(Break(*here, "its payload is not JSON"))
            payload = None
        if payload is not None and canonical(payload) != raw:
            breaks.append(Break(*here, "its payload is not in canonical form"))
        digest = chain_hash(entry.prev_hash, raw)
        if digest != entry.hash:
            breaks.append(Break(*here, "its hash does not match its payload"))
        if isinstance(payload, dict):
            if payload.get("kind") != entry.kind or payload.get("key") != entry.key:
                breaks.append(Break(*here, "its kind or key differs from its payload's"))
            if read_blob is not None and entry.kind in _BLOB_KINDS:
                problem = _blob_problem(read_blob, str(payload.get("sha256")))
                if problem:
                    breaks.append(Break(*here, *problem))
        head = entry.hash
    computed = head if entries else None
    if recorded_head != computed:
        said = f"the order records head {recorded_head}, the entries give {computed}"
        breaks.append(Break(None, None, said, "HEAD"))
    if witness_head is not None and witness_head != computed:
        said = f"the workflow holds head {witness_head}, the entries give {computed}"
        breaks.append(Break(None, None, said, "HEAD"))
    return Verification(len(entries), computed, recorded_head, breaks, witness_head)


def _blob_problem(read_blob: Callable[[str], bytes], sha256: str) -> tuple[str, BreakCause] | None:
    try:
        data = read_blob(sha256)
    except BlobNotFound:
        return f"the stored bytes {sha256} are missing", "FILE_MISSING"
    except BlobCorrupted:
        return f"the stored bytes no longer hash to {sha256}", "FILE_CHANGED"
    except ValueError:
        return f"it names no valid sha256 ({sha256})", "ENTRY_ALTERED"
    if hashlib.sha256(data).hexdigest() != sha256:
        return f"the stored bytes no longer hash to {sha256}", "FILE_CHANGED"
    return None


async def verify_order(
    session: AsyncSession,
    order: Order,
    documents: DocumentStore | None,
    witness_head: str | None = None,
) -> tuple[Verification, list[EvidenceEntry]]:
    entries = await entries_of(session, order.id)
    # reading and hashing every stored file is blocking work: off the event loop
    verification = await asyncio.to_thread(
        verify_chain,
        entries,
        order.evidence_head,
        documents.get if documents else None,
        witness_head,
    )
    return verification, entries
