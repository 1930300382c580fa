"""What-if: stored orders re-evaluated under the current rule set, without changing them.

For each order the facts the rules read are rebuilt from the database (the read model's order,
invoices, payment and transport, the order's documents, the buyer's row and VIES checks up to
the evaluation day, the seller), then evaluated twice: under the rule set the order was last
decided under (its evidence chain's last decision; an undecided order is on the current one)
and under the candidate (``RULE_SET`` unless named). An order is listed when the candidate's
status, decision or blockers differ from what the order holds, with the rules whose outcomes
differ between the two versions. Nothing is written: decided orders keep their decision until
staff re-decide them (``nt24-admin redecide``).

The rebuilt facts are today's buyer state: a buyer whose KYC changed since shows up as a
change with no differing rule (``rules`` empty), which tells the facts, not the rules, moved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.buyers.buyers import (
    active_kyc_document_types,
    ibans_paid_besides,
    kyc_facts,
    payment_submitted_at,
)
from store.models import Buyer, Document, EvidenceEntry, Order, OrderChange, Partner, ViesCheck
from store.orders.rule_sets import EVALUATORS, RULE_SET
from workflows.money_json import money_from_json
from workflows.orders.rules import compliance as rules
from workflows.orders.rules.outcome import ComplianceStatus
from workflows.orders.status import OrderStatus


@dataclass
class RuleChange:
    rule: str
    before: str | None  # outcome under the order's rule set; None: not evaluated there
    after: str | None


@dataclass
class WhatIf:
    order_uuid: str
    external_order_id: str
    seller_country: str
    buyer_country: str
    rule_set: str  # what the order was decided (or is evaluated) under
    candidate: str
    status: str
    decision: str | None
    blockers: list[str]
    would_status: str
    would_decision: str | None
    would_blockers: list[str]
    rules: list[RuleChange] = field(default_factory=list)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def _facts(
    session: AsyncSession,
    order: Order,
    buyer: Buyer,
    partner: Partner,
    today: date,
    policy: Any,
    now: datetime | None = None,
) -> rules.ComplianceFacts:
    kyc = kyc_facts(buyer, await active_kyc_document_types(session, buyer.id))
    end = datetime.combine(today, datetime.max.time(), tzinfo=UTC)
    checks = (
        await session.scalars(
            select(ViesCheck)
            .where(ViesCheck.buyer_id == buyer.id, ViesCheck.checked_at <= end)
            .order_by(ViesCheck.checked_at)
        )
    ).all()
    documents = (await session.scalars(select(Document).where(Document.order_id == order.id))).all()
    # as the order was told when its payment came: a payment submitted later is not "seen before"
    submitted = await payment_submitted_at(session, order)
    ibans = (
        await ibans_paid_besides(session, order.uuid, submitted_before=submitted)
        if order.payment
        else []
    )
    own = (order.payment or {}).get("sourceIban")
    corrected = await _corrections(session, order.id)
    transport = order.transport or {}
    pickup, delivery = transport.get("pickup") or {}, transport.get("delivery") or {}
    revocations = transport.get("revocations") or []
    payment = order.payment
    return rules.ComplianceFacts(
        today=today,
        now=now,
        seller_country=partner.country,
        seller_name=partner.name,
        seller_vat_number=partner.vat_number,
        buyer=rules.BuyerFacts(
            name=buyer.company_name,
            vat_number=buyer.vat_number,
            country="GR" if buyer.vat_number[:2] == "EL" else buyer.vat_number[:2],
            address_country=buyer.country,
            kyc=kyc,
            vies_checks=tuple(
                rules.ViesCheck(
                    c.checked_at.date(), c.result, c.request_identifier, c.name, c.checked_at
                )
                for c in checks
            ),
        ),
        order=rules.OrderFacts(
            total=money_from_json(order.order["totalAmount"]),
            vehicles=tuple(
                rules.Vehicle(v["vin"], _day(v.get("firstRegistrationDate")), v.get("mileage"))
                for v in order.order.get("vins", [])
            ),
            purchase_date=_day(order.order.get("purchaseDate")),
        ),
        invoices=tuple(
            rules.InvoiceFacts(
                i["type"],
                str(i.get("invoiceNumber", "")),
                money_from_json(i["amount"]),
                bool(i.get("vatIncluded")),
                bool(i.get("marginScheme")),
                corrected_at=corrected.get(f"invoice:{i['type']}"),
            )
            for i in order.invoices or []
        ),
        payment=rules.PaymentFacts(
            payment_date=_day(payment.get("paymentDate")) or today,
            bank_amount=money_from_json(payment["bankAmount"]),
            cash_amount=money_from_json(payment["cashAmount"]),
            source_iban=own,
            known_ibans=tuple(i for i in ibans if i != own),
            ready_for_pickup=bool(payment.get("readyForPickup")),
            corrected_at=corrected.get("payment"),
            new_iban_declared=bool(payment.get("newIbanDeclared")),
        )
        if payment
        else None,
        transport=rules.TransportFacts(
            pickup_type=pickup.get("type"),
            pickup_date=_day(pickup.get("pickupDate")),
            pickup_confirmed_at=_moment(pickup.get("confirmedAt")),
            collection_country=(pickup.get("collectionAddress") or {}).get("country"),
            delivery_date=_day(delivery.get("deliveryDate")),
            delivery_country=(delivery.get("deliveryAddress") or {}).get("country"),
            arranged_by=pickup.get("arrangedBy"),
            delivery_confirmed_at=_moment(delivery.get("confirmedAt")),
            collection_post_code=(pickup.get("collectionAddress") or {}).get("postCode"),
            delivery_post_code=(delivery.get("deliveryAddress") or {}).get("postCode"),
            revoked_at=_moment(revocations[-1].get("revokedAt")) if revocations else None,
        ),
        documents=tuple(
            rules.DocumentFacts(
                type=d.type,
                status=d.status,
                issuer_type=d.issuer_type,
                issuer_name=d.issuer_name,
                vins=tuple(d.vins) if d.vins is not None else None,
                received_on=d.created_at.date() if d.created_at else None,
                issuer_id=d.issuer_id,
                origin_country=d.origin_country,
                destination_country=d.destination_country,
                issuer_stated=bool(d.issuer_type_stated),
                document_date=d.document_date,
                received_at=d.created_at,
                sha256=d.sha256,
            )
            for d in documents
        ),
        policy=policy,
    )


# what a sealed version says besides its facts
_NOT_FACTS = frozenset({"key", "kind", "version", "updatedAt"})
_A_SECOND_LESS_A_TICK = timedelta(seconds=1) - timedelta(microseconds=1)


async def _corrections(session: AsyncSession, order_id: int) -> dict[str, datetime]:
    """When each invoice (``invoice:<type>``) and the payment were last corrected, as the
    workflow records it (``corrected_at``): the moment of the first sealed version showing
    the facts they have now, when a version before had others. A paper received before it
    shows them as they were. Versions are sealed to the second: a paper received in the
    correction's second is taken as received before it (a question, never a wrong VALID)."""
    entries = await session.execute(
        select(EvidenceEntry.kind, EvidenceEntry.payload)
        .where(EvidenceEntry.order_id == order_id, EvidenceEntry.kind.in_(("invoice", "payment")))
        .order_by(EvidenceEntry.seq)
    )
    seen: dict[str, dict[str, Any]] = {}
    corrected: dict[str, datetime] = {}
    for kind, payload in entries:
        version = json.loads(payload)
        name = f"invoice:{version.get('type')}" if kind == "invoice" else kind
        facts = {k: v for k, v in version.items() if k not in _NOT_FACTS}
        if name in seen and seen[name] != facts and (moment := _moment(version.get("updatedAt"))):
            corrected[name] = moment + _A_SECOND_LESS_A_TICK
        seen[name] = facts
    return corrected


async def _decided_under(session: AsyncSession, order_id: int) -> str | None:
    payload = await session.scalar(
        select(EvidenceEntry.payload)
        .where(EvidenceEntry.order_id == order_id, EvidenceEntry.kind == "decision")
        .order_by(EvidenceEntry.seq.desc())
        .limit(1)
    )
    return json.loads(payload).get("ruleSet") if payload else None


@dataclass
class _Unjudged:
    """What a rule set that cannot evaluate an order's facts answers in what-if."""

    compliance_status: str
    decision: None = None
    blockers: tuple[()] = ()
    rule_outcomes: tuple[()] = ()


def _outcomes(rollup: Any) -> dict[str, str]:
    return {r.rule: r.outcome for r in rollup.rule_outcomes}


async def what_if(
    session: AsyncSession,
    *,
    since: date | None = None,
    country: str | None = None,
    candidate: str = RULE_SET,
    policy: Any = None,
    today: date | None = None,
) -> list[WhatIf]:
    """The orders (changed on or after ``since``; seller or buyer in ``country``) whose status,
    decision or blockers would change under ``candidate``. Changed: any write of the order, a
    document's or a VIES answer's too, as its changes record them (the order's ``updatedAt``
    moves only with what the order resource shows)."""
    policy = policy or rules.Policy()
    # judged now, an order is judged at this moment, as its workflow would judge it; judged on
    # a given day, on that UTC day
    moment = datetime.now(UTC) if today is None else None
    day = moment.date() if moment is not None else today
    assert day is not None
    query = (
        select(Order, Buyer, Partner)
        .join(Buyer, Buyer.id == Order.buyer_id)
        .join(Partner, Partner.id == Order.partner_id)
        .where(Order.status != OrderStatus.CANCELLED)
        .order_by(Order.updated_at)
    )
    if since is not None:
        start = datetime.combine(since, datetime.min.time(), UTC)
        query = query.where(
            Order.id.in_(select(OrderChange.order_id).where(OrderChange.at >= start))
        )
    if country:
        query = query.where((Partner.country == country) | (Buyer.country == country))
    changes = []
    for order, buyer, partner in await session.execute(query):
        compliance = order.compliance or {}
        decided = compliance.get("decision")
        on = (_day(compliance.get("updatedAt")) if decided else None) or day
        at = moment if on == day else None
        facts = await _facts(session, order, buyer, partner, on, policy, at)
        recorded = (await _decided_under(session, order.id)) or RULE_SET
        held = sorted(b.get("code", "") for b in compliance.get("blockers", []))
        try:
            before = EVALUATORS.get(recorded, EVALUATORS[RULE_SET])(facts)
            after = EVALUATORS[candidate](facts)
        except (ValueError, OverflowError) as exc:
            # the frozen rule sets predate the handling of dates at the calendar's ends (a
            # pickup on 0001-01-01): the order is listed as one they cannot judge
            after = _Unjudged(f"NOT_EVALUATED ({type(exc).__name__}: {exc})")
            before = _Unjudged("")
        would = sorted(b.code for b in after.blockers)
        was, now = _outcomes(before), _outcomes(after)
        differing = [
            RuleChange(rule, was.get(rule), now.get(rule))
            for rule in sorted(set(was) | set(now))
            if was.get(rule) != now.get(rule)
        ]
        same = (compliance.get("complianceStatus"), decided, held) == (
            after.compliance_status,
            after.decision,
            would,
        )
        if same and not differing:
            continue
        changes.append(
            WhatIf(
                order_uuid=str(order.uuid),
                external_order_id=order.external_order_id,
                seller_country=partner.country,
                buyer_country=buyer.country,
                rule_set=recorded,
                candidate=candidate,
                status=compliance.get("complianceStatus", ComplianceStatus.INCOMPLETE),
                decision=decided,
                blockers=held,
                would_status=after.compliance_status,
                would_decision=after.decision,
                would_blockers=would,
                rules=differing,
            )
        )
    return changes
