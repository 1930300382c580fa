"""The bridge between the order's state and the pure compliance rules.

``evaluate_order`` gathers the facts the rules need from the workflow's state (no I/O: the
clock is the workflow's) and returns what the workflow keeps: the rollup, the rule outcomes the
Export File prints, the per-module summaries, and when the rollup must be looked at again
(a deadline such as the buyer's transport statement or the transport evidence).

Facts are passed as stated: an address that was not given stays unknown, whatever a default
would show. Orders evaluated under an earlier rule set replay with it
(``workflows.orders.rules.versions``); 2026.11, the oldest, did not hold its decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from workflows.buyers.rules.kyc import KycFacts, default_aml_status
from workflows.orders.model import (
    CreateOrder,
    DocumentRef,
    Invoice,
    Payment,
    Transport,
    ViesEvidence,
)
from workflows.orders.rules import compliance as rules
from workflows.orders.rules.outcome import Blocker, ComplianceStatus, Decision, RuleResult
from workflows.orders.rules.versions import EVALUATORS, OLDEST, RULE_SETS


class OrderState(Protocol):
    """What the rollup reads of an order: the workflow's state (this module does not import
    the workflow, which imports it)."""

    created: CreateOrder | None
    invoices: dict[str, Invoice]
    payment: Payment | None
    transport: Transport
    documents: list[DocumentRef]
    vies: list[ViesEvidence]
    vies_heard: list[ViesEvidence]
    decided: Evaluation | None


LEGACY_RULE_SET = OLDEST
RULE_SET = rules.RULE_SET


@dataclass
class Evaluation:
    compliance_status: ComplianceStatus
    decision: Decision | None  # None until decided
    blockers: list[Blocker] = field(default_factory=list)
    rule_outcomes: list[RuleResult] = field(default_factory=list)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_covers_invoice: bool = False
    review_at: datetime | None = None
    rule_set: str = LEGACY_RULE_SET


def facts_of(order: OrderState, now: datetime) -> rules.ComplianceFacts:
    created = order.created
    assert created is not None
    buyer = created.buyer
    checks = [_vies_check(e) for e in order.vies]
    if buyer.vies_last_checked_at is not None and buyer.vies_result != "PENDING" and not checks:
        # the check made before the order existed (at the buyer's upsert or on request)
        checks.append(
            rules.ViesCheck(
                buyer.vies_last_checked_at.date(),
                buyer.vies_result,
                name=buyer.vies_trader_name,
                checked_at=buyer.vies_last_checked_at,
            )
        )
    payment, transport = order.payment, order.transport
    pickup, delivery = transport.pickup, transport.delivery
    return rules.ComplianceFacts(
        today=now.date(),
        seller_country=created.identity.seller_country,
        seller_name=created.identity.seller_name,
        seller_vat_number=created.settings.requester_vat_number,
        decided=order.decided.compliance_status if order.decided is not None else None,
        now=now,
        buyer=rules.BuyerFacts(
            name=buyer.company_name,
            vat_number=buyer.vat_number,
            country=_member_state(buyer.vat_number),
            address_country=buyer.country,
            kyc=KycFacts(
                kyc_mode=buyer.kyc_mode,
                buyer_status=buyer.status,
                vies_result=buyer.vies_result,
                documents_complete=buyer.documents_complete,
                verification_status=buyer.verification_status,
                aml_status=buyer.aml_status or default_aml_status(buyer.kyc_mode),
                verification_expired=buyer.verification_expired,
            ),
            vies_checks=tuple(checks),
            # all of them: rule sets to 2026.12 read only the last, until the order's own
            vies_heard=tuple(
                _vies_check(e)
                for e in order.vies_heard
                if all(o.checked_at != e.checked_at for o in order.vies)
            ),
        ),
        order=rules.OrderFacts(
            total=created.total_amount,
            vehicles=tuple(
                rules.Vehicle(v.vin, v.first_registration_date, v.mileage) for v in created.vins
            ),
            purchase_date=created.purchase_date,
        ),
        invoices=tuple(
            rules.InvoiceFacts(
                i.type,
                i.invoice_number,
                i.amount,
                i.vat_included,
                i.margin_scheme,
                corrected_at=i.corrected_at,
            )
            for i in order.invoices.values()
        ),
        payment=rules.PaymentFacts(
            payment_date=payment.payment_date,
            bank_amount=payment.bank_amount,
            cash_amount=payment.cash_amount,
            source_iban=payment.source_iban,
            known_ibans=tuple(created.buyer_known_ibans),
            ready_for_pickup=payment.ready_for_pickup,
            corrected_at=payment.corrected_at,
            new_iban_declared=payment.declared_new_iban is not None
            and payment.declared_new_iban == payment.source_iban,
        )
        if payment
        else None,
        transport=rules.TransportFacts(
            pickup_type=pickup.type if pickup else None,
            pickup_date=pickup.pickup_date if pickup else None,
            pickup_confirmed_at=pickup.confirmed_at if pickup else None,
            collection_country=pickup.collection_address.country
            if pickup and pickup.collection_address
            else None,
            delivery_date=delivery.delivery_date if delivery else None,
            delivery_country=delivery.delivery_address.country
            if delivery and delivery.delivery_address
            else None,
            arranged_by=pickup.arranged_by if pickup else None,
            delivery_confirmed_at=delivery.confirmed_at if delivery else None,
            collection_post_code=pickup.collection_address.post_code
            if pickup and pickup.collection_address
            else None,
            delivery_post_code=delivery.delivery_address.post_code
            if delivery and delivery.delivery_address
            else None,
            revoked_at=transport.revocations[-1].revoked_at if transport.revocations else None,
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
            for d in order.documents
        ),
        policy=created.settings.policy,
    )


def evaluate_order(order: OrderState, now: datetime, rule_set: str = RULE_SET) -> Evaluation:
    assert order.created is not None
    facts = facts_of(order, now)
    legacy_rules = rule_set == LEGACY_RULE_SET
    rollup = EVALUATORS[rule_set](facts)
    preliminary = order.invoices.get("PRELIMINARY")
    covers = bool(
        facts.payment
        and preliminary
        and rules.amount_matches_invoice(facts.payment, preliminary.amount)
    )
    return Evaluation(
        # the frozen rule set 2026.11 answers the same values as plain strings
        compliance_status=ComplianceStatus(rollup.compliance_status),
        decision=Decision(rollup.decision) if rollup.decision is not None else None,
        # the frozen rule set 2026.11 has a Blocker of its own, of the same shape
        blockers=[Blocker(b.module, b.code, b.message) for b in rollup.blockers],
        rule_outcomes=[
            RuleResult(r.rule, r.outcome, r.detail, r.legal_basis) for r in rollup.rule_outcomes
        ],
        modules=_modules(rollup.modules, order.created.buyer.vies_last_checked_at),
        payment_covers_invoice=covers,
        review_at=(
            _legacy_review_at(facts)
            if legacy_rules
            else _review_at(facts, waits_for_delivery_day=rule_set in _WAIT_FOR_DELIVERY_DAY)
        ),
        rule_set=rule_set,
    )


# 2026.12.4 and every rule set after it (RULE_SETS is newest first) wait for the day of a
# delivery dated ahead; the ones before decided it at once, and their histories keep that
_WAIT_FOR_DELIVERY_DAY = frozenset(RULE_SETS[: RULE_SETS.index("2026.12.4") + 1])


def _review_at(facts: rules.ComplianceFacts, waits_for_delivery_day: bool) -> datetime | None:
    """The next deadline that can change the rollup by itself: the buyer's statement when the
    buyer transports, the transport evidence, and the day of a delivery dated ahead."""
    supply = facts.transport.pickup_date
    if supply is None:
        return None
    policy = facts.policy
    deadlines = [rules.transport_evidence_deadline(supply, policy.evidence_grace_days)]
    if rules.buyer_transports(facts.transport):
        deadlines.append(rules.buyer_statement_due_date(supply, policy.statement_due_day))
    delivered = facts.transport.delivery_date
    if waits_for_delivery_day and delivered is not None and delivered > facts.today:
        deadlines.append(delivered - timedelta(days=1))  # looked at again on that day
    upcoming = [d for d in deadlines if facts.today <= d]
    return _day_after(min(upcoming)) if upcoming else None


def _legacy_review_at(facts: rules.ComplianceFacts) -> datetime | None:
    """Rule set 2026.11 looked again only when a self-pickup's statement became overdue."""
    transport = facts.transport
    if transport.pickup_type != "SELF_PICKUP" or transport.pickup_date is None:
        return None
    due = rules.buyer_statement_due_date(transport.pickup_date, facts.policy.statement_due_day)
    return _day_after(due) if facts.today <= due else None


def _day_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def _modules(
    modules: Any,  # any rule set's Modules
    vies_last_checked_at: datetime | None,
) -> dict[str, dict[str, Any]]:
    buyer, invoice, payment, transport = (
        modules.buyer,
        modules.invoice,
        modules.payment,
        modules.transport,
    )
    return {
        "buyer": {
            "status": buyer.status,
            # when the result beside it was given: held with it once the order is decided
            "viesLastCheckedAt": vies_last_checked_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            if vies_last_checked_at
            else None,
            "viesResult": buyer.vies_result,
            "documentsComplete": buyer.documents_complete,
            "kycVerificationStatus": buyer.kyc_verification_status,
        },
        "invoice": {
            "status": invoice.status,
            "type": invoice.type,
            "vatIncluded": invoice.vat_included,
            "finalInvoiceRequired": invoice.final_invoice_required,
            "finalInvoiceReceived": invoice.final_invoice_received,
        },
        "payment": {
            "status": payment.status,
            "amountMatchesInvoice": payment.amount_matches_invoice,
            "ibanConsistent": payment.iban_consistent,
            "readyForPickup": payment.ready_for_pickup,
        },
        "transport": {
            "status": transport.status,
            "pickupConfirmed": transport.pickup_confirmed,
            "pickupDate": transport.pickup_date.isoformat() if transport.pickup_date else None,
            "deliveryConfirmed": transport.delivery_confirmed,
            "cmrUploaded": transport.cmr_uploaded,
        },
    }


def _vies_check(e: ViesEvidence) -> rules.ViesCheck:
    return rules.ViesCheck(
        e.checked_at.date(), e.result, e.request_identifier, e.trader_name, e.checked_at
    )


def _member_state(vat_number: str) -> str:
    prefix = vat_number[:2]
    return "GR" if prefix == "EL" else prefix


def held(decided: Evaluation, current: Evaluation) -> Evaluation:
    """A decided order keeps its decision (contract §12): later changes of the buyer's KYC or
    status, or anything else, no longer move it; only a staff re-decision does. What follows
    the decision, the final invoice, is taken from the current evaluation."""
    final_invoice = {r.rule_id: r for r in current.rule_outcomes}.get("FINAL_INVOICE_VAT")
    return replace(
        decided,
        rule_outcomes=[
            final_invoice if final_invoice and r.rule_id == "FINAL_INVOICE_VAT" else r
            for r in decided.rule_outcomes
        ],
        modules=decided.modules | {"invoice": current.modules["invoice"]},
        payment_covers_invoice=current.payment_covers_invoice,
        review_at=None,
    )
