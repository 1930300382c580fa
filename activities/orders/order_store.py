"""The order's read model and outbox, written by its workflow, and its Export File.

``write_order`` runs as a local activity after every accepted command: one transaction
writes the order row (only a newer revision wins, so a retried or late write is harmless),
one ``order_changes`` row for the revision (when, on whose command: API, WEB_APP or SYSTEM),
its documents' metadata and the events the change produced (the outbox), and appends what is
new to the order's sealed evidence chain (store/orders/evidence.py), returning the chain's head. An
Update returns only after it, so a client reads its own write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.orders import export_file_pdf as pdf
from activities.orders.export_file_render import ExportFileRenderer
from activities.orders.export_file_signing import ExportFileSigner, Seal
from activities.orders.order_evidence import evidence_of, vies_check_key
from activities.webhooks.delivery import kick_fan_out
from store.buyers.buyers import current_buyer_ref, vies_answers_since
from store.db import Database
from store.documents import DocumentStore
from store.models import (
    Buyer,
    Document,
    Event,
    ExportFile,
    InvoiceVersion,
    Order,
    OrderChange,
    OrderVin,
    Organization,
    Partner,
    ViesCheck,
)
from store.orders import evidence
from store.orders.queries import invoice_corrections, invoice_versions_of
from store.orders.rule_sets import FILES, digest
from store.orders.views import OrderJson, order_json
from workflows.buyers.rules.kyc import NT24_LED
from workflows.money_json import money_from_json
from workflows.orders import activities as interface
from workflows.orders.activities import (
    BuyerAsked,
    BuyerViesAsked,
    ExportFileRequest,
    GeneratedExportFile,
    OrderSnapshot,
)
from workflows.orders.model import BuyerRef, Pickup, ViesEvidence


class OrderStoreActivities(interface.OrderStoreActivities):
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn
    async def current_buyer(self, asked: BuyerAsked) -> BuyerRef | None:
        return await current_buyer_ref(self.db, UUID(asked.buyer_uuid))

    @activity.defn
    async def buyer_vies_answers(self, asked: BuyerViesAsked) -> list[ViesEvidence]:
        return await vies_answers_since(self.db, UUID(asked.buyer_uuid), asked.since)

    @activity.defn
    async def write_order(self, snapshot: OrderSnapshot) -> str:
        """Write the snapshot; the answer is the order's evidence chain head after it."""
        head = await self.db.run_transaction(partial(_write_order, snapshot))
        if snapshot.events:
            await kick_fan_out(snapshot.events[0].id)  # committed: deliver them now
        return head


# The write's statements, built once: building and hashing a statement (its cache key) cost
# more than running it, and the ORM's unit of work, for rows that are only ever inserted or
# overwritten, cost several times the statements it sent (about 5 ms of CPU per write).
_ORDER_ROW = (
    # what the write reads of the row: its JSON views are only overwritten, so the old ones
    # are not loaded (nor decoded); its organization, seller and buyer are the snapshot's
    # identity, fixed when the order was created
    select(Order.id, Order.revision, Order.evidence_head)
    .where(Order.uuid == bindparam("uuid"))
    .with_for_update()
)
_NEW_ORDER = insert(Order).returning(Order.id)
_OVERWRITE_ORDER = update(Order).where(Order.id == bindparam("row_id"))
_NEW_VINS = insert(OrderVin)
_NEW_CHANGE = insert(OrderChange)
_INVOICE_VERSIONS = select(InvoiceVersion.type, InvoiceVersion.version).where(
    InvoiceVersion.order_id == bindparam("order_id")
)
_NEW_INVOICE_VERSIONS = insert(InvoiceVersion)
_DOCUMENTS = select(Document.id, Document.uuid, Document.status).where(
    Document.order_id == bindparam("order_id")
)
_NEW_DOCUMENTS = insert(Document)
_DOCUMENT_STATUS = (
    update(Document)
    .where(Document.id == bindparam("document_id"))
    .values(status=bindparam("new_status"))
)
_STORED_EVENTS = select(Event.id).where(Event.id.in_(bindparam("ids", expanding=True)))
_NEW_EVENTS = insert(Event)
_EXPORT_FILES = (
    select(ExportFile)
    .where(ExportFile.order_id == bindparam("order_id"))
    .order_by(ExportFile.version)
)
_VIES_CHECKS_UNTIL = (
    ViesCheck.buyer_id == bindparam("buyer_id"),
    ViesCheck.checked_at <= bindparam("until"),
)
_VIES_CHECK_UUIDS = select(ViesCheck.uuid).where(*_VIES_CHECKS_UNTIL)
_VIES_CHECKS = (
    select(ViesCheck).where(*_VIES_CHECKS_UNTIL).order_by(ViesCheck.checked_at, ViesCheck.id)
)


def _write_order(snapshot: OrderSnapshot, session: Session) -> str:
    """``write_order``'s transaction: a plain function of a plain session, so that on SQLite it
    runs whole in one trip to a worker thread (``Database.run_transaction``). Core statements
    on the session's connection; the ORM only loads the Export File and VIES check rows the
    evidence is made of."""
    connection = session.connection()
    row = connection.execute(_ORDER_ROW, {"uuid": UUID(snapshot.identity.order_uuid)}).first()
    if row is not None and row.revision >= snapshot.revision:
        # a newer state is already there (a later command's write finished first, or this is
        # a retry): its events are this write's own all the same, and are written once
        _write_events(connection, row.id, snapshot)
        return row.evidence_head or evidence.GENESIS
    rendered = order_json(snapshot.resources)
    if row is None:
        order_id = connection.execute(
            _NEW_ORDER, {**_new_order(snapshot), **_views(snapshot, rendered)}
        ).scalar_one()
        connection.execute(
            _NEW_VINS,
            [
                {"order_id": order_id, "position": i, "vin": vin}
                for i, vin in enumerate(snapshot.vins)
            ],
        )
        previous_head = None
    else:
        order_id, previous_head = row.id, row.evidence_head
    connection.execute(
        _NEW_CHANGE,
        {
            # Only a revision newer than the row's gets here (the row is locked), so each is
            # written once; the unique key on (order, revision) holds it to that.
            "order_id": order_id,
            "revision": snapshot.revision,
            "at": snapshot.updated_at,
            "source": snapshot.source,
            "status": snapshot.status,
            "version": snapshot.version,
        },
    )
    _write_invoice_versions(connection, order_id, snapshot, rendered.invoices)
    _write_documents(connection, order_id, snapshot)
    _write_events(connection, order_id, snapshot)
    head = _seal_evidence(session, order_id, snapshot, rendered)
    values = {"evidence_head": previous_head if head == evidence.GENESIS else head}
    if row is not None:
        values.update(_views(snapshot, rendered))
    connection.execute(_OVERWRITE_ORDER, {"row_id": order_id, **values})
    return head


async def evidence_head(db: Database, order_uuid: str) -> str | None:
    """The order's evidence chain head as last written (None: no read model yet)."""
    async with db.session() as session:
        return await session.scalar(
            select(Order.evidence_head).where(Order.uuid == UUID(order_uuid))
        )


def _seal_evidence(
    session: Session, order_id: int, snapshot: OrderSnapshot, rendered: OrderJson
) -> str:
    """Append what this write made known to the order's evidence chain, in its transaction."""
    chain = evidence.chain_of(session, order_id)
    export_files = session.scalars(_EXPORT_FILES, {"order_id": order_id}).all()
    vies_checks = _vies_checks_to_seal(session, snapshot, chain)
    items = evidence_of(snapshot, rendered, vies_checks, export_files)
    return evidence.append(session, order_id, items, snapshot.updated_at, chain)


def _vies_checks_to_seal(
    session: Session, snapshot: OrderSnapshot, chain: evidence.Chain
) -> Sequence[ViesCheck]:
    """The buyer's VIES checks up to this write, oldest first, when the chain lacks any of
    them (``append`` skips those it holds); none when it holds them all, told from their uuids
    alone: a buyer re-checked daily has hundreds, and most writes bring no new one."""
    until = {"buyer_id": snapshot.identity.buyer_id, "until": snapshot.updated_at}
    uuids = session.connection().execute(_VIES_CHECK_UUIDS, until).scalars().all()
    if all(vies_check_key(uuid) in chain.keys for uuid in uuids):
        return ()
    return session.scalars(_VIES_CHECKS, until).all()


def _new_order(snapshot: OrderSnapshot) -> dict[str, Any]:
    identity = snapshot.identity
    return {
        "uuid": UUID(identity.order_uuid),
        "organization_id": identity.organization_id,
        "partner_id": identity.partner_id,
        "buyer_id": identity.buyer_id,
        "external_order_id": identity.external_order_id,
        # the activity's context goes with the transaction (into its thread too)
        "workflow_id": activity.info().workflow_id,
        "create_fingerprint": snapshot.fingerprint,
        "created_at": snapshot.created_at,
    }


def _views(snapshot: OrderSnapshot, rendered: OrderJson) -> dict[str, Any]:
    """The row's columns a write overwrites: its statuses and JSON views."""
    return {
        "revision": snapshot.revision,
        "status": snapshot.status,
        "compliance_status": snapshot.compliance_status,
        "version": snapshot.version,
        # the order's updatedAt, which the list's updatedAfter filter and its sort read: it
        # moves with the order's version, not with every change of a part of it
        "updated_at": snapshot.resources.updated_at or snapshot.updated_at,
        "order": rendered.order,
        "invoices": rendered.invoices,
        "payment": rendered.payment,
        "transport": rendered.transport,
        "compliance": rendered.compliance,
        "export_file": rendered.export_file,
    }


def _write_invoice_versions(
    connection: Connection, order_id: int, snapshot: OrderSnapshot, invoices: list[dict]
) -> None:
    """Each invoice version once, as first written: the Export File's correction history."""
    if not invoices:
        return
    known = {
        (kind, version)
        for kind, version in connection.execute(_INVOICE_VERSIONS, {"order_id": order_id})
    }
    new = []
    for invoice in invoices:
        key = (invoice["type"], invoice.get("version", 0))
        if key not in known:
            known.add(key)
            new.append(
                {
                    "order_id": order_id,
                    "type": key[0],
                    "version": key[1],
                    "data": invoice,
                    "source": snapshot.source,
                    "recorded_at": snapshot.updated_at,
                }
            )
    if new:
        connection.execute(_NEW_INVOICE_VERSIONS, new)


def _write_documents(connection: Connection, order_id: int, snapshot: OrderSnapshot) -> None:
    """New documents' metadata, and the status of those whose status changed (superseded)."""
    if not snapshot.documents:
        return
    known = {
        uuid: (document_id, status)
        for document_id, uuid, status in connection.execute(_DOCUMENTS, {"order_id": order_id})
    }
    new, changed = [], []
    for ref in snapshot.documents:
        existing = known.get(UUID(ref.uuid))
        if existing is not None:
            if existing[1] != ref.status:
                changed.append({"document_id": existing[0], "new_status": ref.status})
            continue
        new.append(
            {
                "uuid": UUID(ref.uuid),
                "organization_id": snapshot.identity.organization_id,
                "order_id": order_id,
                "buyer_id": snapshot.identity.buyer_id,
                "module": ref.module,
                "type": ref.type,
                "document_date": ref.document_date,
                "issuer_type": ref.issuer_type,
                "issuer_name": ref.issuer_name,
                "issuer_id": ref.issuer_id,
                "vins": ref.vins,
                "origin_country": ref.origin_country,
                "destination_country": ref.destination_country,
                "issuer_type_stated": ref.issuer_type_stated,
                "file_name": ref.file_name,
                "content_type": ref.content_type,
                "size": ref.size,
                "sha256": ref.sha256,
                "pages": ref.pages,
                "status": ref.status,
                "source": ref.source,
                "created_at": ref.created_at,
            }
        )
    if new:
        connection.execute(_NEW_DOCUMENTS, new)
    if changed:
        connection.execute(_DOCUMENT_STATUS, changed)


def _write_events(connection: Connection, order_id: int, snapshot: OrderSnapshot) -> None:
    if not snapshot.events:
        return
    ids = [e.id for e in snapshot.events]
    stored = set(connection.execute(_STORED_EVENTS, {"ids": ids}).scalars())
    new = [
        {
            "id": event.id,
            "organization_id": snapshot.identity.organization_id,
            "partner_id": snapshot.identity.partner_id,
            "order_id": order_id,
            "type": event.type,
            "source": event.source,
            "data": event.data,
            "created_at": event.created_at,
        }
        for event in snapshot.events
        if event.id not in stored
    ]
    if new:
        connection.execute(_NEW_EVENTS, new)


class ExportFileActivities(interface.ExportFileActivities):
    def __init__(
        self,
        db: Database,
        documents: DocumentStore,
        signer: ExportFileSigner | None = None,
        processes: int = 0,
    ) -> None:
        self.db = db
        self.documents = documents
        if signer is None:
            from settings import get_settings

            signer = ExportFileSigner.from_settings(get_settings())
        # every version is sealed (evidence head, rule set digest, documents' sha256) and signed
        # after rendering (activities/orders/export_file_signing.py), in processes of their own
        # when ``processes`` > 0 (activities/orders/export_file_render.py)
        self.renderer = ExportFileRenderer(signer, processes)

    @activity.defn
    async def generate_export_file(self, request: ExportFileRequest) -> GeneratedExportFile:
        """Render, store and register one version; a retry of the same version is a no-op."""
        async with self.db.session() as session:
            order = await session.scalar(
                select(Order).where(Order.uuid == UUID(request.identity.order_uuid))
            )
            if order is None:
                raise ApplicationError("the order's read model is missing", non_retryable=False)
            done = await session.scalar(
                select(ExportFile).where(
                    ExportFile.order_id == order.id, ExportFile.version == request.version
                )
            )
            if done is not None:
                return GeneratedExportFile(done.sha256, done.generated_at, done.decision)
            content = await _export_content(session, order, request)
        rule_set = content.rule_set
        rule_set_digest = digest(rule_set) if rule_set in FILES else None
        if rule_set_digest:
            content = replace(content, rule_set=f"{rule_set}, digest {rule_set_digest}")
        seal = Seal(
            evidence_head=order.evidence_head or evidence.GENESIS,
            rule_set=rule_set,
            rule_set_digest=rule_set_digest,
            documents=tuple(
                (f"{d.type} {d.file_name}", d.sha256)
                for d in (*content.documents, *content.kyc_documents)
            ),
        )
        pdf = await self.renderer.render(content, seal)
        blob = await asyncio.to_thread(self.documents.put, pdf)
        decision = request.evaluation.decision or "NONE"
        async with self.db.transaction() as session:
            session.add(
                ExportFile(
                    order_id=order.id,
                    version=request.version,
                    sha256=blob.sha256,
                    size=blob.size,
                    decision=decision,
                    # whole: reasons are bounded where they come in, far below its column
                    reason=request.reason[: ExportFile.reason.type.length],
                    generated_at=request.generated_at,
                )
            )
        return GeneratedExportFile(blob.sha256, request.generated_at, decision)


def _pickup(pickup: Pickup) -> pdf.PickupFacts:
    address = pickup.collection_address
    return pdf.PickupFacts(
        pickup.type,
        pickup.pickup_date,
        pickup.driver_identification,
        address.country if address else None,
    )


def _document(d: Document) -> pdf.DocumentFacts:
    return pdf.DocumentFacts(
        d.type,
        d.document_date,
        d.issuer_type,
        d.issuer_name,
        d.file_name,
        d.size,
        d.sha256,
        d.status,
        d.created_at,
        d.issuer_id,
        tuple(d.vins) if d.vins is not None else None,
        d.origin_country,
        d.destination_country,
    )


def _invoice_version(v: InvoiceVersion) -> pdf.InvoiceVersionFacts:
    """A version as its API answer recorded it (``invoice_view``)."""
    data = v.data
    amount = data.get("amount")
    day = data.get("invoiceDate")
    return pdf.InvoiceVersionFacts(
        type=v.type,
        version=v.version,
        number=str(data.get("invoiceNumber") or "-"),
        invoice_date=date.fromisoformat(day) if day else None,
        amount=money_from_json(amount) if amount else None,
        vat_included=data.get("vatIncluded"),
        margin_scheme=data.get("marginScheme"),
        recorded_at=v.recorded_at,
        source=v.source,
    )


async def _export_content(
    session: AsyncSession, order: Order, request: ExportFileRequest
) -> pdf.ExportFileContent:
    org = await session.get(Organization, order.organization_id)
    partner = await session.get(Partner, order.partner_id)
    buyer = await session.get(Buyer, order.buyer_id)
    assert org is not None and partner is not None and buyer is not None
    checks = (
        await session.scalars(
            select(ViesCheck)
            .where(ViesCheck.buyer_id == buyer.id, ViesCheck.checked_at <= request.generated_at)
            .order_by(ViesCheck.checked_at)
        )
    ).all()
    documents = (
        await session.scalars(
            select(Document).where(Document.order_id == order.id).order_by(Document.id)
        )
    ).all()
    kyc_documents = (
        await session.scalars(
            select(Document)
            .where(
                Document.buyer_id == buyer.id,
                Document.module == "kyc",
                Document.created_at <= request.generated_at,
            )
            .order_by(Document.id)
        )
    ).all()
    invoice_versions = (await session.scalars(invoice_versions_of(order.id))).all()
    earlier = (
        await session.scalars(
            select(ExportFile).where(ExportFile.order_id == order.id).order_by(ExportFile.version)
        )
    ).all()
    evaluation, transport = request.evaluation, request.transport
    delivery = transport.delivery
    nt24_led = buyer.kyc_mode == NT24_LED
    return pdf.ExportFileContent(
        version=request.version,
        generated_at=request.generated_at,
        organization_name=org.name,
        seller=pdf.SellerFacts(partner.name, partner.country, partner.vat_number),
        order=pdf.OrderFacts(
            uuid=str(order.uuid),
            external_order_id=order.external_order_id,
            status=request.status,
            purchase_date=request.purchase_date,
            total_amount=request.total_amount,
            vins=tuple(
                pdf.VehicleFacts(
                    v.vin,
                    v.brand,
                    v.model,
                    v.purchase_amount,
                    v.mileage,
                    v.first_registration_date,
                    tuple(v.warnings),
                )
                for v in request.vins
            ),
        ),
        buyer=pdf.BuyerFacts(
            company_name=buyer.company_name,
            vat_number=buyer.vat_number,
            address=pdf.AddressFacts(buyer.street, buyer.post_code, buyer.city, buyer.country),
            kyc_mode=buyer.kyc_mode,
            kyc_status=evaluation.modules.get("buyer", {}).get("status", "INCOMPLETE"),
            # the platform's own checks, of an NT24-led buyer only
            verification_status=buyer.verification_status if nt24_led else None,
            aml_status=buyer.aml_status if nt24_led else None,
        ),
        compliance_status=evaluation.compliance_status,
        decision=evaluation.decision,
        rule_set=evaluation.rule_set,
        vies_checks=tuple(
            pdf.ViesCheckFacts(
                c.checked_at,
                c.vat_number,
                c.result,
                c.request_identifier,
                c.name,
                c.address,
                c.error_code,
                c.trigger,
            )
            for c in checks
        ),
        invoices=tuple(
            pdf.InvoiceFacts(
                i.type,
                i.invoice_number,
                i.invoice_date,
                i.amount,
                i.vat_included,
                i.margin_scheme,
            )
            for i in request.invoices
        ),
        payments=tuple(
            pdf.PaymentFacts(
                p.payment_date,
                p.bank_amount,
                p.cash_amount,
                p.source_iban,
                evaluation.modules.get("payment", {}).get("amountMatchesInvoice"),
                evaluation.modules.get("payment", {}).get("ibanConsistent"),
            )
            for p in [request.payment]
            if p is not None
        ),
        transport=pdf.TransportFacts(
            pickup=_pickup(transport.pickup) if transport.pickup else None,
            delivery=pdf.DeliveryFacts(
                delivery.delivery_date,
                delivery.delivery_address.country if delivery.delivery_address else buyer.country,
            )
            if delivery
            else None,
            revocations=tuple(
                pdf.RevocationFacts(r.reason, r.revoked_at, _pickup(r.pickup))
                for r in transport.revocations
            ),
        ),
        documents=tuple(_document(d) for d in documents),
        kyc_documents=tuple(_document(d) for d in kyc_documents),
        invoice_history=tuple(_invoice_version(v) for v in invoice_corrections(invoice_versions)),
        blockers=tuple(evaluation.blockers),
        rules=tuple(evaluation.rule_outcomes),
        # each earlier version was archived for the reason of the one that replaced it
        superseded_versions=tuple(
            pdf.SupersededVersion(e.version, e.generated_at, reason)
            for e, reason in zip(
                earlier, [*(later.reason for later in earlier[1:]), request.reason], strict=False
            )
        ),
    )
