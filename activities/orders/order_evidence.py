"""What an order's read-model write adds to its evidence chain (``store/orders/evidence.py``).

``evidence_of`` lists every piece of evidence the written state holds, each under a key that
names it for good (a document's uuid, an invoice's type and version, a decision's rollup
version, ...); ``store.orders.evidence.append`` then seals only those the chain does not hold yet,
so
a retried or repeated write appends nothing twice and an entry, once written, is never
rewritten. VIES checks and Export File versions are read from their own tables (their
activities wrote them before the workflow committed); everything else from the snapshot, as
the read model renders it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from store.models import ExportFile, ViesCheck
from store.orders.evidence import Evidence, utc
from store.orders.rule_sets import FILES, digest
from workflows.orders.status import OrderStatus

if TYPE_CHECKING:
    from store.orders.views import OrderJson
    from workflows.orders.activities import OrderSnapshot

_INVOICE_FACTS = (
    "type",
    "invoiceNumber",
    "invoiceDate",
    "amount",
    "vatIncluded",
    "marginScheme",
    "version",
    "updatedAt",
)
_PAYMENT_FACTS = (
    "paymentDate",
    "bankAmount",
    "cashAmount",
    "sourceIban",
    "version",
    "updatedAt",
)


def _pick(values: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {k: values[k] for k in keys if values.get(k) is not None}


def vies_check_key(check_uuid: UUID) -> str:
    """The key of a VIES check's entry in an order's chain."""
    return f"vies:{check_uuid}"


def _revoked_pickups_in_the_same_second(snapshot: OrderSnapshot) -> int:
    """How many revoked pickups were confirmed in the second the current pickup was."""
    transport = snapshot.resources.transport
    current = transport.pickup.confirmed_at if transport.pickup else None
    if current is None:
        return 0
    return sum(
        1
        for r in transport.revocations
        if r.pickup.confirmed_at is not None
        and r.pickup.confirmed_at.replace(microsecond=0) == current.replace(microsecond=0)
    )


def evidence_of(
    snapshot: OrderSnapshot,
    rendered: OrderJson,
    vies_checks: Sequence[ViesCheck] = (),
    export_files: Sequence[ExportFile] = (),
) -> list[Evidence]:
    at = utc(snapshot.updated_at)
    order = rendered.order
    items = [
        Evidence(
            "milestone",
            "milestone:created",
            {
                "milestone": "CREATED",
                "orderUuid": snapshot.identity.order_uuid,
                "externalOrderId": snapshot.identity.external_order_id,
                "vins": list(snapshot.vins),
                "totalAmount": order.get("totalAmount"),
                "purchaseDate": order.get("purchaseDate"),
                "fingerprint": snapshot.fingerprint,
                "at": utc(snapshot.created_at),
            },
        )
    ]
    for ref in snapshot.documents:
        items.append(
            Evidence(
                "document",
                f"document:{ref.uuid}",
                {
                    "uuid": ref.uuid,
                    "module": ref.module,
                    "type": ref.type,
                    "sha256": ref.sha256,
                    "size": ref.size,
                    "fileName": ref.file_name,
                    "contentType": ref.content_type,
                    "documentDate": ref.document_date.isoformat() if ref.document_date else None,
                    "issuerType": ref.issuer_type,
                    "issuerName": ref.issuer_name,
                    "issuerId": ref.issuer_id,
                    "vins": ref.vins,
                    "originCountry": ref.origin_country,
                    "destinationCountry": ref.destination_country,
                    "uploadedAt": utc(ref.created_at),
                    "source": ref.source,
                },
            )
        )
        if ref.status != "ACTIVE":
            items.append(
                Evidence(
                    "document_status",
                    f"document:{ref.uuid}:status:{ref.status}",
                    {"uuid": ref.uuid, "status": ref.status, "at": at},
                )
            )
    for check in vies_checks:
        items.append(
            Evidence(
                "vies_check",
                vies_check_key(check.uuid),
                {
                    "uuid": str(check.uuid),
                    "vatNumber": check.vat_number,
                    "requesterVatNumber": check.requester_vat_number,
                    "trigger": check.trigger,
                    "result": check.result,
                    "checkedAt": utc(check.checked_at),
                    "requestDate": check.request_date,
                    "consultationNumber": check.request_identifier,
                    "name": check.name,
                    "address": check.address,
                    "errorCode": check.error_code,
                    "rawSha256": check.raw_sha256,
                },
            )
        )
    for invoice in rendered.invoices:
        items.append(
            Evidence(
                "invoice",
                f"invoice:{invoice['type']}:{invoice.get('version', 0)}",
                _pick(invoice, _INVOICE_FACTS),
            )
        )
    payment = rendered.payment
    if payment:
        items.append(
            Evidence(
                "payment", f"payment:{payment.get('version', 0)}", _pick(payment, _PAYMENT_FACTS)
            )
        )
        if payment.get("readyForPickup"):
            items.append(
                Evidence(
                    "milestone",
                    "milestone:ready_for_pickup",
                    {"milestone": "READY_FOR_PICKUP", "at": payment.get("updatedAt") or at},
                )
            )
    transport = rendered.transport
    # Keys name a moment to the second, as the answers show it: of two revocations, or of a
    # pickup and the revoked one before it, in one second, the later is that key's next (#2 ...)
    # and is sealed too; the first keeps the key it always had.
    seen: Counter[str] = Counter()
    for revocation in transport.get("revocations", []):
        key = f"revocation:{revocation.get('revokedAt')}"
        seen[key] += 1
        items.append(
            Evidence(
                "revocation",
                key if seen[key] == 1 else f"{key}#{seen[key]}",
                {"milestone": "PICKUP_REVOKED", **revocation},
            )
        )
    for name in ("pickup", "delivery"):
        milestone = transport.get(name)
        if milestone:
            key = f"milestone:{name}:{milestone.get('confirmedAt')}"
            before = _revoked_pickups_in_the_same_second(snapshot) if name == "pickup" else 0
            items.append(
                Evidence(
                    "milestone",
                    key if not before else f"{key}#{before + 1}",
                    {"milestone": name.upper(), **milestone},
                )
            )
    if snapshot.status == OrderStatus.CANCELLED:
        items.append(
            Evidence(
                "milestone",
                "milestone:cancelled",
                {"milestone": "CANCELLED", "reason": order.get("cancellationReason"), "at": at},
            )
        )
    items.extend(_decision(snapshot, rendered.compliance, at))
    for export in export_files:
        items.append(
            Evidence(
                "export_file",
                f"export_file:{export.version}",
                {
                    "version": export.version,
                    "sha256": export.sha256,
                    "size": export.size,
                    "decision": export.decision,
                    "reason": export.reason,
                    "generatedAt": utc(export.generated_at),
                },
            )
        )
    return items


def _decision(snapshot: OrderSnapshot, compliance: dict, at: str | None) -> list[Evidence]:
    if not compliance.get("decision"):
        return []
    rule_set = snapshot.rule_set
    return [
        Evidence(
            "decision",
            f"decision:{compliance.get('version', 0)}",
            {
                "complianceStatus": compliance.get("complianceStatus"),
                "decision": compliance.get("decision"),
                "ruleSet": rule_set,
                # the digest of the code this worker runs, when it is the rule set decided under
                "ruleSetDigest": digest(rule_set) if rule_set in FILES else None,
                "blockers": sorted(b.get("code", "") for b in compliance.get("blockers", [])),
                "ruleOutcomes": [
                    {"rule": r.get("rule_id"), "outcome": r.get("outcome")}
                    for r in snapshot.rule_outcomes
                ],
                "at": at,
            },
        )
    ]
