"""An order's sealed evidence chain as its page shows it: intact, or each break named by what
the entry records (a document by its file, an invoice by its type and version) and why, in
the words of those who hand the evidence out rather than in hashes.

The page verifies what ``GET .../orders/{id}/evidence`` verifies from the database and the
document store: every entry's hash and link, the recorded head, and the stored bytes of every
document and Export File. It does not ask the order's workflow for its copy of the head (a
Temporal query, which replays the workflow on a worker): the page has to open while Temporal
is slow or away, and the API and ``nt24-admin verify-order`` compare that witness too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from store.models import Document
from store.orders.evidence import Break, BreakCause, Verification

K = TypeVar("K")

WHY: dict[BreakCause, str] = {
    "FILE_CHANGED": (
        "its file was changed after it was sealed: the stored bytes are no longer those "
        "recorded when it was added, so the file is not served; restore it from the backup"
    ),
    "FILE_MISSING": "its file is missing from the document store; restore it from the backup",
    "ENTRY_ALTERED": "its sealed record was changed in the database after it was sealed",
    "ENTRY_MISSING": "an entry sealed before it was removed from the database",
    "HEAD": (
        "the chain does not end where the order recorded its end: "
        "sealed entries were added or removed at its end"
    ),
}


@dataclass(frozen=True)
class ChainBreak:
    """One break, as the page says it."""

    seq: int | None  # None: the chain as a whole
    what: str  # "the document cmr.pdf (TRANSPORT_CMR)"
    why: str


@dataclass(frozen=True)
class Mark:
    """Why a document or an Export File version cannot be trusted as it is sealed."""

    why: str
    served: bool  # False: its file is changed or missing, and its download is refused


@dataclass(frozen=True)
class ChainState:
    intact: bool
    entries: int
    breaks: list[ChainBreak]
    # the documents (by uuid) and Export File versions a break names: their rows are marked
    documents: dict[str, Mark] = field(default_factory=dict)
    export_files: dict[int, Mark] = field(default_factory=dict)


def chain_state(verification: Verification, documents: Sequence[Document]) -> ChainState:
    """The verification of an order's chain in words, naming the order's own documents."""
    files = {str(d.uuid): d for d in documents}
    breaks: list[ChainBreak] = []
    marked_documents: dict[str, Mark] = {}
    marked_exports: dict[int, Mark] = {}
    for found in verification.breaks:
        why = WHY[found.cause]
        breaks.append(ChainBreak(found.seq, _what(found, files), why))
        if found.key is None:
            continue
        mark = Mark(why, served=found.cause not in ("FILE_CHANGED", "FILE_MISSING"))
        kind, _, name = found.key.partition(":")
        if kind == "document":
            _mark(marked_documents, name.split(":")[0], mark)
        elif kind == "export_file" and name.isdigit():
            _mark(marked_exports, int(name), mark)
    return ChainState(
        verification.intact, verification.entries, breaks, marked_documents, marked_exports
    )


def _mark(marks: dict[K, Mark], key: K, mark: Mark) -> None:
    """The first break naming it, unless a later one says its file is not served."""
    if key not in marks or not mark.served:
        marks[key] = mark


def _what(found: Break, files: dict[str, Document]) -> str:
    """What the broken entry records, from its key (store/orders/evidence.py names them)."""
    if found.key is None:
        return "the chain as a whole"
    kind, _, rest = found.key.partition(":")
    parts = rest.split(":")
    if kind == "document":
        document = files.get(parts[0])
        named = (
            f"the document {document.file_name} ({document.type})"
            if document
            else f"the document {parts[0]}"
        )
        return named if len(parts) < 3 else f"{named} marked {parts[2].lower()}"
    if kind == "export_file":
        return f"Export File version {rest}"
    if kind == "invoice" and len(parts) == 2:
        return f"the {parts[0].lower()} invoice, version {parts[1]}"
    if kind == "payment":
        return f"the payment, version {rest}"
    if kind == "vies":
        return "a VIES check of the buyer"
    if kind == "decision":
        return "the compliance decision"
    if kind == "revocation":
        return "a revocation of the pickup"
    if kind == "milestone":
        return f"the milestone {parts[0].replace('_', ' ')}"
    return found.key
