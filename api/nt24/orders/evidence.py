"""An order's sealed evidence chain (store/orders/evidence.py), verified on every read: each entry's
sequence number, kind, key and hash, the head, and whether the chain is intact, recomputed from
the stored entries and the stored bytes of every document and Export File it names."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request
from temporalio.client import Client
from temporalio.service import RPCError

from api.nt24.identity.auth import PartnerAccess
from api.nt24.orders.commands import load_order
from api.nt24.schemas import NT24Model, UtcTimestamp
from api.shared.deps import Db, Temporal, app_settings
from store.documents import DocumentStore
from store.orders.evidence import verify_order
from workflows.orders.workflow import OrderWorkflow

router = APIRouter(prefix="/v1/partners/{sellerId}/orders/{uuid}", tags=["NT24: evidence"])


class EvidenceEntryOut(NT24Model):
    seq: int
    kind: str
    key: str
    prevHash: str
    hash: str
    createdAt: UtcTimestamp


class EvidenceBreak(NT24Model):
    seq: int | None = None  # absent: the chain as a whole (its head)
    key: str | None = None
    reason: str


class EvidenceOut(NT24Model):
    orderUuid: UUID
    status: Literal["INTACT", "BROKEN"]
    head: str | None = None  # recomputed from the entries
    recordedHead: str | None = None  # as the order records it
    workflowHead: str | None = None  # as the order's workflow history recorded it
    entries: list[EvidenceEntryOut]
    breaks: list[EvidenceBreak] = []


async def workflow_head(client: Client, workflow_id: str) -> str | None:
    """The head the order's workflow recorded at its last change: the second witness of the
    chain. None when the workflow cannot answer (Temporal away, or an order whose history
    predates the evidence chain); the chain is then verified against the database alone."""
    try:
        return await client.get_workflow_handle(workflow_id).query(OrderWorkflow.evidence_head)
    except (RPCError, RuntimeError):
        return None


def _store(request: Request) -> DocumentStore:
    return DocumentStore(app_settings(request).effective_document_store_dir)


@router.get(
    "/evidence",
    response_model=EvidenceOut,
    response_model_exclude_none=True,
    summary="The order's evidence chain, verified: every entry's hash, the head, intact or not",
)
async def get_evidence(
    uuid: UUID,
    request: Request,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> EvidenceOut:
    row = await load_order(db, scope, uuid)
    witness = await workflow_head(client, row.workflow_id)
    async with db.session() as session:
        verification, entries = await verify_order(session, row, _store(request), witness)
    return EvidenceOut(
        orderUuid=row.uuid,
        status="INTACT" if verification.intact else "BROKEN",
        head=verification.head,
        recordedHead=verification.recorded_head,
        workflowHead=witness,
        entries=[
            EvidenceEntryOut(
                seq=e.seq,
                kind=e.kind,
                key=e.key,
                prevHash=e.prev_hash,
                hash=e.hash,
                createdAt=e.created_at,
            )
            for e in entries
        ],
        breaks=[EvidenceBreak(seq=b.seq, key=b.key, reason=b.reason) for b in verification.breaks],
    )
