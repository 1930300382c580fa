"""The compliance rules as they stood until rule set 2026.12: frozen, never to be changed.

Orders evaluated under this rule set before 2026.12 was deployed replay their history with it
(the order workflow picks it with ``workflow.patched``), and an auditor can re-run the exact
rules an old decision was made under. New evaluations use ``workflows.orders.rules.compliance``.
Known shortcomings, corrected in 2026.12: origin and destination defaulted to the seller's and
the buyer's country; uploads without an issuer counted as parties; a deal invoice charging VAT,
a carrier hired by the buyer and late VIES answers were not caught.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from workflows.buyers.rules.kyc import NT24_LED, KycFacts, overall_status
from workflows.buyers.rules.vat_numbers import COUNTRIES as VIES_COUNTRIES
from workflows.money import Money

RULE_SET = "2026.11"

# Rule outcomes
PASSED = "PASSED"
FAILED = "FAILED"
PENDING = "PENDING"
NOT_APPLICABLE = "NOT_APPLICABLE"

# Compliance status and decision (the contract's enums)
INCOMPLETE = "INCOMPLETE"
VALID = "VALID"
INVALID = "INVALID"
VALID_EXPORT = "VALID_EXPORT"
VAT_APPLICABLE = "VAT_APPLICABLE"

MODULES = ("buyer", "order", "invoice", "payment", "transport")

ACTIVE = "ACTIVE"
PRELIMINARY = "PRELIMINARY"
FINAL = "FINAL"
SELF_PICKUP = "SELF_PICKUP"
COMPANY_TRANSPORT = "COMPANY_TRANSPORT"

# Member states as ISO 3166 codes (VIES says EL for Greece); XI is Northern Ireland for goods.
MEMBER_STATES = frozenset("GR" if code == "EL" else code for code in VIES_COUNTRIES)

_VAT_DIRECTIVE = "Council Directive 2006/112/EC"
_REGULATION = "Implementing Regulation (EU) 282/2011 as amended by (EU) 2018/1912"
ART_138_1A = f"Art. 138(1)(a) {_VAT_DIRECTIVE}: goods dispatched to another member state"
ART_138_1B = (
    f"Art. 138(1)(b) {_VAT_DIRECTIVE}: buyer a taxable person identified for VAT in a "
    "member state other than the one where the transport begins"
)
ART_138_VIES = f"{ART_138_1B}; Art. 18(1)(a) {_VAT_DIRECTIVE} and Art. 31 Regulation (EU) 904/2010"
ART_139_3 = f"Art. 139(3) {_VAT_DIRECTIVE}: no exemption for supplies under the margin scheme"
ART_2_2_B = f"Art. 2(2)(b) and Art. 138(2)(a) {_VAT_DIRECTIVE}: new means of transport"
ART_45A_EVIDENCE = f"Art. 45a(1)(a) and (3) {_REGULATION}"
ART_45A_STATEMENT = f"Art. 45a(1)(b)(i) {_REGULATION}"
ART_226 = f"Art. 226 and Art. 203 {_VAT_DIRECTIVE}: invoice contents; VAT shown is owed"
KYC_BASIS = (
    "Customer due diligence: Art. 10-13 Directive (EU) 2015/849 (AMLD); seller's duty of care"
)
AMLR_CASH = "Art. 80 Regulation (EU) 2024/1624 (AMLR) and national cash payment limits"
CONTRACT = "NT24 contract: compliance validation rules"

# Art. 45a(3)(a): documents relating to the transport, from the carrier or forwarder.
_LIST_A_TYPES = frozenset(
    {"TRANSPORT_CMR", "TRANSPORT_CMR_DELIVERY", "TRANSPORT_FORWARDER_INVOICE"}
)
# Art. 45a(3)(b): insurance, bank payment for the transport, public authority (notary) papers
# confirming arrival, a warehouse keeper's receipt in the destination state.
_LIST_B_TYPES = frozenset(
    {
        "TRANSPORT_INSURANCE_POLICY",
        "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT",
        "TRANSPORT_PUBLIC_AUTHORITY_DOCUMENT",
        "TRANSPORT_WAREHOUSE_RECEIPT",
    }
)
# A confirmation of arrival belongs to a list by who issued it (from the buyer it is neither).
_ARRIVAL_CONFIRMATION = "TRANSPORT_CONFIRMATION_OF_ARRIVAL"
_ARRIVAL_CONFIRMATION_LIST = {
    "CARRIER": "a",
    "PUBLIC_AUTHORITY": "b",
    "NOTARY": "b",
    "WAREHOUSE_KEEPER": "b",
}
_NOT_INDEPENDENT = frozenset({"SELLER", "BUYER"})
BUYER_STATEMENT = "BUYER_TRANSPORT_STATEMENT"
NATIONAL_PROOF_BASIS = (
    f"The origin state's own proof of transport, where the presumption of {_REGULATION} "
    "Art. 45a is not met (it is rebuttable and not the only proof)"
)


# ----- facts -----


@dataclass(frozen=True)
class CashLimit:
    jurisdiction: str  # a member state (ISO code) or "EU"
    max_cash: Money  # the largest cash payment allowed
    valid_from: date


# The default table; settings may replace it. Limits in force in several member states for
# traders (professional payers), and the EU-wide limit of the AMLR from 10 July 2027. Where
# the law forbids "X or more", the largest allowed amount is one cent below X.
CASH_LIMITS: tuple[CashLimit, ...] = (
    CashLimit("EU", Money(1_000_000), date(2027, 7, 10)),  # AMLR Art. 80: EUR 10,000
    CashLimit("BE", Money(300_000), date(2014, 1, 1)),  # Loi 18.9.2017 art. 67: EUR 3,000
    CashLimit("ES", Money(99_999), date(2021, 7, 11)),  # Ley 7/2012 art. 7: under EUR 1,000
    CashLimit("FR", Money(100_000), date(2015, 9, 1)),  # CMF art. D112-3: EUR 1,000
    CashLimit("GR", Money(50_000), date(2017, 1, 1)),  # Law 4446/2016: EUR 500
    CashLimit("IT", Money(499_999), date(2023, 1, 1)),  # D.lgs. 231/2007 art. 49: under 5,000
    CashLimit("PT", Money(299_999), date(2017, 8, 23)),  # Lei 92/2017: under EUR 3,000
    CashLimit("SK", Money(500_000), date(2013, 1, 1)),  # Act 394/2012: EUR 5,000
)


@dataclass(frozen=True)
class Policy:
    """Limits and thresholds: inputs, so a setting (not a code change) moves them."""

    cash_limits: tuple[CashLimit, ...] = CASH_LIMITS
    new_vehicle_months: int = 6  # Art. 2(2)(b)(i): at most 6 months since first entry into service
    new_vehicle_max_km: int = 6_000  # ... or at most 6,000 km travelled
    statement_due_day: int = 10  # Art. 45a(1)(b)(i): by the 10th of the month after the supply
    vies_max_age_days: int = 1  # a VALID answer this many days before the supply still counts


@dataclass(frozen=True)
class Vehicle:
    vin: str
    first_registration_date: date | None = None
    mileage_km: int | None = None


@dataclass(frozen=True)
class OrderFacts:
    total: Money
    vehicles: tuple[Vehicle, ...]


@dataclass(frozen=True)
class ViesCheck:
    checked_on: date
    result: str  # VALID, INVALID, or UNKNOWN when VIES did not answer
    consultation_number: str | None = None


@dataclass(frozen=True)
class BuyerFacts:
    name: str
    country: str  # member state of the buyer's VAT number (EL is read as GR)
    kyc: KycFacts  # mode, buyer status, VIES result now, documents, verification, AML
    vies_checks: tuple[ViesCheck, ...] = ()  # oldest first


@dataclass(frozen=True)
class InvoiceFacts:
    type: str  # PRELIMINARY or FINAL
    number: str
    amount: Money
    vat_included: bool
    margin_scheme: bool = False
    buyer_name: str | None = None  # as printed on the invoice, when known


@dataclass(frozen=True)
class PaymentFacts:
    payment_date: date
    bank_amount: Money
    cash_amount: Money
    source_iban: str | None = None
    # The buyer's IBANs from its other orders or confirmed by staff; never this order's own.
    known_ibans: tuple[str, ...] = ()
    ready_for_pickup: bool = False


@dataclass(frozen=True)
class TransportFacts:
    pickup_type: str | None = None  # SELF_PICKUP or COMPANY_TRANSPORT, once picked up
    pickup_date: date | None = None  # the time of supply
    collection_country: str | None = None  # where the transport begins; default: the seller's
    delivery_date: date | None = None
    delivery_country: str | None = None


@dataclass(frozen=True)
class DocumentFacts:
    type: str  # TRANSPORT_CMR, SHIPMENT_INVOICE, BUYER_TRANSPORT_STATEMENT, ...
    status: str = ACTIVE  # ACTIVE or SUPERSEDED: only active documents count
    issuer_type: str = "OTHER"  # SELLER, BUYER, CARRIER, PUBLIC_AUTHORITY, NOTARY, INSURER, ...
    issuer_name: str | None = None
    vin: str | None = None  # the VIN it names; None = it concerns the whole order
    received_on: date | None = None  # upload date; unknown counts as today


@dataclass(frozen=True)
class ComplianceFacts:
    today: date
    seller_country: str
    buyer: BuyerFacts
    order: OrderFacts
    invoices: tuple[InvoiceFacts, ...] = ()
    payment: PaymentFacts | None = None
    transport: TransportFacts = TransportFacts()
    documents: tuple[DocumentFacts, ...] = ()
    policy: Policy = Policy()


# ----- results -----


@dataclass(frozen=True)
class Blocker:
    module: str
    code: str
    message: str


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    module: str
    outcome: str  # PASSED, FAILED, PENDING or NOT_APPLICABLE
    detail: str
    legal_basis: str
    code: str | None = None  # the blocker it raises; None when passed or waiting on another
    invalidates: bool = False  # a failure that decides VAT_APPLICABLE


@dataclass(frozen=True)
class BuyerSummary:
    status: str  # the buyer's KYC overallStatus: INCOMPLETE, VALID, INVALID
    vies_result: str
    documents_complete: bool
    kyc_verification_status: str | None  # Mode B only


@dataclass(frozen=True)
class VinSummary:
    vin: str
    compliance_status: str  # PENDING, TRANSPORT_PENDING, VALID, INVALID


@dataclass(frozen=True)
class OrderSummary:
    status: str  # COMPLETE, INCOMPLETE, INVALID
    vins: tuple[VinSummary, ...]


@dataclass(frozen=True)
class InvoiceSummary:
    status: str  # DRAFT (nothing submitted), SUBMITTED, VALID, INVALID
    type: str | None
    vat_included: bool | None
    final_invoice_required: bool
    final_invoice_received: bool


@dataclass(frozen=True)
class PaymentSummary:
    status: str  # DRAFT (nothing submitted), SUBMITTED, VALID, INVALID
    amount_matches_invoice: bool | None
    iban_consistent: bool | None
    ready_for_pickup: bool


@dataclass(frozen=True)
class TransportSummary:
    status: str  # PENDING, IN_PROGRESS, DELIVERED, COMPLETE, INVALID
    pickup_confirmed: bool
    pickup_date: date | None
    delivery_confirmed: bool
    cmr_uploaded: bool
    daily_vies_checks_active: bool


@dataclass(frozen=True)
class Modules:
    buyer: BuyerSummary
    order: OrderSummary
    invoice: InvoiceSummary
    payment: PaymentSummary
    transport: TransportSummary


@dataclass(frozen=True)
class Rollup:
    compliance_status: str  # INCOMPLETE, VALID, INVALID
    decision: str | None  # VALID_EXPORT, VAT_APPLICABLE; None until terminal
    blockers: tuple[Blocker, ...]
    rule_outcomes: tuple[RuleOutcome, ...]
    modules: Modules


# ----- helpers the workflow uses too -----


def amount_matches_invoice(payment: PaymentFacts, invoice_amount: Money) -> bool:
    """Bank and cash parts together are exactly the invoice amount, in its currency."""
    paid = _paid(payment)
    return paid is not None and _same(paid, invoice_amount)


def iban_consistent(iban: str, known_ibans: Iterable[str]) -> bool:
    """A valid IBAN seen before for this buyer, or the buyer's first IBAN ever."""
    compact = _valid_iban(iban)
    known = {_compact_iban(k) for k in known_ibans}
    return compact is not None and (not known or compact in known)


def buyer_statement_due_date(supply_date: date, due_day: int = 10) -> date:
    """The buyer's written statement is due by this day of the month after the supply."""
    return _add_months(supply_date.replace(day=1), 1).replace(day=due_day)


def is_new_means_of_transport(
    first_registration_date: date | None,
    mileage_km: int | None,
    supply_date: date,
    *,
    months: int = 6,
    max_km: int = 6_000,
) -> bool | None:
    """Art. 2(2)(b)(i): new if supplied at most ``months`` after first entry into service OR
    having travelled at most ``max_km``. None when the known facts cannot rule it out."""
    by_age = None
    if first_registration_date is not None:
        by_age = supply_date <= _add_months(first_registration_date, months)
    by_km = None if mileage_km is None else mileage_km <= max_km
    if by_age or by_km:
        return True
    if by_age is None or by_km is None:
        return None
    return False


def cash_limit_for(
    country: str, on_date: date, table: Iterable[CashLimit] = CASH_LIMITS
) -> Money | None:
    """The largest cash payment allowed in ``country`` on ``on_date``: the lower of the
    national limit and the EU-wide one then in force; None when there is none."""
    in_force: dict[str, CashLimit] = {}
    for limit in table:
        if limit.jurisdiction in (_state(country), "EU") and limit.valid_from <= on_date:
            current = in_force.get(limit.jurisdiction)
            if current is None or limit.valid_from > current.valid_from:
                in_force[limit.jurisdiction] = limit
    return min((lim.max_cash for lim in in_force.values()), key=lambda m: m.value, default=None)


# ----- the rollup -----


def evaluate(facts: ComplianceFacts) -> Rollup:
    nmt = _new_means_of_transport(facts)
    # A new means of transport is exempt under Art. 138(2)(a) whatever the buyer's VAT status,
    # so the buyer rules cannot make it VAT_APPLICABLE; it waits for a person instead.
    buyer_decides = nmt.outcome != FAILED
    outcomes = [
        _buyer_active(facts),
        _kyc(facts),
        _buyer_identified_elsewhere(facts, buyer_decides),
        _vies_now(facts),
        nmt,
        *_invoice_rules(facts),
        *_payment_rules(facts),
        *_transport_rules(facts, buyer_decides),
    ]
    # The final invoice must agree with the verdict of all the other rules.
    outcomes.append(_final_invoice(facts, _status(outcomes)))
    outcomes.sort(key=lambda o: MODULES.index(o.module))
    status = _status(outcomes)
    return Rollup(
        compliance_status=status,
        decision={VALID: VALID_EXPORT, INVALID: VAT_APPLICABLE}.get(status),
        blockers=tuple(Blocker(o.module, o.code, o.detail) for o in outcomes if o.code),
        rule_outcomes=tuple(outcomes),
        modules=_modules(facts, outcomes, status),
    )


def _status(outcomes: list[RuleOutcome]) -> str:
    if any(o.outcome == FAILED and o.invalidates for o in outcomes):
        return INVALID
    if all(o.outcome in (PASSED, NOT_APPLICABLE) for o in outcomes):
        return VALID
    return INCOMPLETE


# ----- buyer -----


def _buyer_active(facts: ComplianceFacts) -> RuleOutcome:
    rule = _rule("BUYER_ACTIVE", "buyer", KYC_BASIS)
    if facts.buyer.kyc.buyer_status == "BLOCKED":
        return rule(
            FAILED, f"{facts.buyer.name} is blocked: no order of it is certified", "BUYER_BLOCKED"
        )
    return rule(PASSED, f"{facts.buyer.name} is active")


def _kyc(facts: ComplianceFacts) -> RuleOutcome:
    rule = _rule("KYC", "buyer", KYC_BASIS)
    kyc = facts.buyer.kyc
    # VIES and blocking have rules of their own; this one judges documents, identity and AML.
    status = overall_status(replace(kyc, vies_result="VALID", buyer_status="ACTIVE"))
    if status == VALID:
        return rule(PASSED, f"KYC of {facts.buyer.name} is complete ({kyc.kyc_mode})")
    if status == INVALID:
        reasons = [
            text
            for wrong, text in (
                (kyc.verification_status == "REJECTED", "identity verification was rejected"),
                (kyc.aml_status == "FLAGGED", "AML screening flagged the buyer"),
            )
            if wrong
        ]
        return rule(FAILED, f"KYC of {facts.buyer.name}: {' and '.join(reasons)}", "KYC_REJECTED")
    if kyc.verification_expired and kyc.verification_status != "VERIFIED":
        return rule(
            PENDING,
            f"KYC of {facts.buyer.name}: the verified profile expired; verify the buyer again",
            "KYC_EXPIRED",
        )
    missing = [
        text
        for lacking, text in (
            (not kyc.documents_complete, "KYC documents are incomplete"),
            (
                kyc.kyc_mode == NT24_LED and kyc.verification_status != "VERIFIED",
                "identity verification is not finished",
            ),
            (kyc.kyc_mode == NT24_LED and kyc.aml_status != "CLEAR", "AML screening is not clear"),
        )
        if lacking
    ]
    return rule(PENDING, f"KYC of {facts.buyer.name}: {'; '.join(missing)}", "KYC_INCOMPLETE")


def _buyer_identified_elsewhere(facts: ComplianceFacts, decides: bool) -> RuleOutcome:
    rule = _rule("BUYER_IDENTIFIED_IN_OTHER_MEMBER_STATE", "buyer", ART_138_1B)
    origin, buyer_country = _origin(facts), _state(facts.buyer.country)
    if buyer_country == origin:
        return rule(
            FAILED,
            f"the buyer's VAT number is from {origin}, where the transport begins: "
            "no intra-community supply, VAT of the origin state applies",
            "BUYER_SAME_COUNTRY",
            invalidates=decides,
        )
    return rule(PASSED, f"buyer identified for VAT in {buyer_country}, transport from {origin}")


def _vies_now(facts: ComplianceFacts) -> RuleOutcome:
    """Before the supply, today's VIES answer warns early; at the supply VIES_AT_SUPPLY rules."""
    rule = _rule("VIES_BEFORE_SUPPLY", "buyer", ART_138_VIES)
    if facts.transport.pickup_date is not None:
        return rule(NOT_APPLICABLE, "supplied: the VIES answer at the time of supply decides")
    result = facts.buyer.kyc.vies_result
    if result == VALID:
        return rule(PASSED, "the buyer's VAT number is valid in VIES today")
    if result == INVALID:
        return rule(
            FAILED,
            "VIES says the buyer's VAT number is invalid: if it is still invalid at pickup, "
            "the supply is not exempt and VAT applies",
            "VIES_INVALID",
        )
    return rule(PENDING, "no VIES answer for the buyer's VAT number yet", "VIES_PENDING")


# ----- order -----


def _new_means_of_transport(facts: ComplianceFacts) -> RuleOutcome:
    rule = _rule("NEW_MEANS_OF_TRANSPORT", "order", ART_2_2_B)
    policy = facts.policy
    supply = facts.transport.pickup_date or facts.today
    when = "at supply on" if facts.transport.pickup_date else "if supplied on"
    new, unknown = [], []
    for vehicle in facts.order.vehicles:
        verdict = is_new_means_of_transport(
            vehicle.first_registration_date,
            vehicle.mileage_km,
            supply,
            months=policy.new_vehicle_months,
            max_km=policy.new_vehicle_max_km,
        )
        if verdict:
            new.append(_describe_vehicle(vehicle))
        elif verdict is None:
            unknown.append(vehicle.vin)
    if new:
        return rule(
            FAILED,
            f"{', '.join(new)}: a new means of transport {when} {supply} (at most "
            f"{policy.new_vehicle_months} months or {policy.new_vehicle_max_km:,} km). It is "
            "exempt here under Art. 138(2)(a) and taxed in the destination state whatever the "
            "buyer's status; the invoice must state its first registration and mileage. "
            "The platform does not certify it: a person decides",
            "NEW_MEANS_OF_TRANSPORT",
        )
    if unknown:
        return rule(
            PENDING,
            f"first registration date and mileage of {', '.join(unknown)} are needed to rule "
            "out a new means of transport",
            "VEHICLE_DATA_MISSING",
        )
    return rule(PASSED, f"no new means of transport {when} {supply}")


def _describe_vehicle(vehicle: Vehicle) -> str:
    known = [
        f"first registered {vehicle.first_registration_date}"
        if vehicle.first_registration_date
        else None,
        f"{vehicle.mileage_km:,} km" if vehicle.mileage_km is not None else None,
    ]
    return f"{vehicle.vin} ({', '.join(k for k in known if k)})"


# ----- invoice -----


def _invoice_rules(facts: ComplianceFacts) -> list[RuleOutcome]:
    invoice = _deal_invoice(facts.invoices)
    submitted = _rule("INVOICE_SUBMITTED", "invoice", CONTRACT)
    amount = _rule("INVOICE_MATCHES_ORDER", "invoice", CONTRACT)
    name = _rule("INVOICE_BUYER_NAME", "invoice", ART_226)
    pdf = _rule("INVOICE_PDF", "invoice", ART_226)
    margin = _rule("NO_MARGIN_SCHEME", "invoice", ART_139_3)
    if invoice is None:
        waiting = "waiting for the invoice"
        return [
            submitted(PENDING, "no invoice has been submitted", "MISSING_INVOICE"),
            amount(PENDING, waiting),
            name(PENDING, waiting),
            pdf(PENDING, waiting),
            margin(PENDING, waiting),
        ]
    return [
        submitted(PASSED, ", ".join(f"{i.type} invoice {i.number}" for i in facts.invoices)),
        _invoice_amount(facts, invoice, amount),
        _invoice_buyer_name(facts, name),
        _invoice_pdf(facts, pdf),
        _margin_scheme(facts, margin),
    ]


def _invoice_amount(facts: ComplianceFacts, invoice: InvoiceFacts, rule: _Maker) -> RuleOutcome:
    total = facts.order.total
    if _same(invoice.amount, total):
        return rule(PASSED, f"invoice {invoice.number} is {_fmt(total)}, the order total")
    return rule(
        FAILED,
        f"invoice {invoice.number} is {_fmt(invoice.amount)}, the order total {_fmt(total)}",
        "AMOUNT_MISMATCH",
    )


def _invoice_buyer_name(facts: ComplianceFacts, rule: _Maker) -> RuleOutcome:
    buyer = facts.buyer.name
    named = [i for i in facts.invoices if i.buyer_name is not None]
    if not named:
        return rule(NOT_APPLICABLE, "the invoice data carries no buyer name; its PDF shows it")
    wrong = [i for i in named if _name_key(i.buyer_name) != _name_key(buyer)]
    if wrong:
        return rule(
            FAILED,
            "; ".join(
                f"invoice {i.number} names {i.buyer_name!r}, the buyer is {buyer!r}" for i in wrong
            ),
            "BUYER_NAME_MISMATCH",
        )
    return rule(PASSED, f"the invoice names {buyer}")


def _invoice_pdf(facts: ComplianceFacts, rule: _Maker) -> RuleOutcome:
    pdf_types = {PRELIMINARY: "SHIPMENT_PRELIMINARY_INVOICE", FINAL: "SHIPMENT_INVOICE"}
    missing = [i for i in facts.invoices if not _active_of_type(facts, pdf_types[i.type])]
    if missing:
        return rule(
            PENDING,
            "; ".join(f"the PDF of {i.type} invoice {i.number} is missing" for i in missing),
            "MISSING_INVOICE_PDF",
        )
    return rule(PASSED, "every invoice has its PDF")


def _margin_scheme(facts: ComplianceFacts, rule: _Maker) -> RuleOutcome:
    margin = next((i for i in facts.invoices if i.margin_scheme), None)
    if margin is None:
        return rule(PASSED, "no margin scheme")
    return rule(
        FAILED,
        f"invoice {margin.number} applies the margin scheme: an intra-community supply under "
        "the margin scheme is not exempt, margin VAT is due in the origin state",
        "MARGIN_SCHEME",
        invalidates=True,
    )


def _final_invoice(facts: ComplianceFacts, verdict: str) -> RuleOutcome:
    rule = _rule("FINAL_INVOICE_VAT", "invoice", ART_226)
    final = next((i for i in reversed(facts.invoices) if i.type == FINAL), None)
    if final is None:
        return rule(NOT_APPLICABLE, "no final invoice yet: it follows the decision")
    if verdict == INCOMPLETE:
        return rule(PENDING, f"final invoice {final.number} is checked once the decision is made")
    vat_due = verdict == INVALID
    if final.vat_included == vat_due:
        return rule(PASSED, f"final invoice {final.number} matches the decision")
    if vat_due:
        return rule(
            FAILED,
            f"final invoice {final.number} is without VAT, but VAT applies to this supply",
            "FINAL_INVOICE_VAT_MISMATCH",
        )
    return rule(
        FAILED,
        f"final invoice {final.number} charges VAT on an exempt supply; VAT shown on an "
        "invoice is owed, so issue it without VAT, stating the exemption",
        "FINAL_INVOICE_VAT_MISMATCH",
    )


def _deal_invoice(invoices: tuple[InvoiceFacts, ...]) -> InvoiceFacts | None:
    """The invoice the deal was priced and paid on: the preliminary one if there is one (a
    final invoice may add VAT after the decision), else the final one."""
    by_type = {i.type: i for i in invoices}
    return by_type.get(PRELIMINARY) or by_type.get(FINAL)


# ----- payment -----


def _payment_rules(facts: ComplianceFacts) -> list[RuleOutcome]:
    payment = facts.payment
    submitted = _rule("PAYMENT_SUBMITTED", "payment", CONTRACT)
    amount = _rule("PAYMENT_MATCHES_INVOICE", "payment", CONTRACT)
    iban = _rule("PAYMENT_IBAN", "payment", KYC_BASIS)
    proof = _rule("PAYMENT_PROOF", "payment", CONTRACT)
    cash = _rule("CASH_LIMIT", "payment", AMLR_CASH)
    if payment is None:
        waiting = "waiting for the payment"
        return [
            submitted(PENDING, "no payment has been submitted", "MISSING_PAYMENT"),
            amount(PENDING, waiting),
            iban(PENDING, waiting),
            proof(PENDING, waiting),
            cash(PENDING, waiting),
        ]
    return [
        submitted(PASSED, f"paid on {payment.payment_date}"),
        _payment_amount(facts, payment, amount),
        _payment_iban(payment, iban),
        _payment_proof(facts, payment, proof),
        _cash_limit(facts, payment, cash),
    ]


def _payment_amount(facts: ComplianceFacts, payment: PaymentFacts, rule: _Maker) -> RuleOutcome:
    invoice = _deal_invoice(facts.invoices)
    if invoice is None:
        return rule(PENDING, "waiting for the invoice")
    paid = _describe_paid(payment)
    if amount_matches_invoice(payment, invoice.amount):
        return rule(PASSED, f"{paid} is the invoice amount")
    return rule(
        FAILED,
        f"{paid}, but invoice {invoice.number} is {_fmt(invoice.amount)}",
        "AMOUNT_MISMATCH",
    )


def _payment_iban(payment: PaymentFacts, rule: _Maker) -> RuleOutcome:
    if payment.bank_amount.value == 0:
        return rule(NOT_APPLICABLE, "no bank transfer")
    if payment.source_iban is None:
        return rule(PENDING, "the IBAN the transfer came from is missing", "IBAN_MISSING")
    if _valid_iban(payment.source_iban) is None:
        return rule(FAILED, f"{payment.source_iban} is not a valid IBAN", "IBAN_INVALID")
    if not payment.known_ibans:
        return rule(PASSED, f"{payment.source_iban} is the buyer's first IBAN")
    if iban_consistent(payment.source_iban, payment.known_ibans):
        return rule(PASSED, f"{payment.source_iban} was used by this buyer before")
    return rule(
        FAILED,
        f"{payment.source_iban} was never used by this buyer; a new account needs confirming",
        "IBAN_INCONSISTENT",
    )


def _payment_proof(facts: ComplianceFacts, payment: PaymentFacts, rule: _Maker) -> RuleOutcome:
    missing = []
    if payment.bank_amount.value and not _active_of_type(
        facts, "PAYMENT_BANK_TRANSFER_SCREENSHOT", "PAYMENT_CONFIRMATION"
    ):
        missing.append("a bank transfer proof or the bank's payment confirmation")
    if payment.cash_amount.value and not _active_of_type(
        facts, "PAYMENT_SOURCE_OF_FUNDS_DECLARATION"
    ):
        missing.append("a source-of-funds declaration for the cash")
    if missing:
        return rule(PENDING, f"missing {' and '.join(missing)}", "MISSING_PAYMENT_PROOF")
    return rule(PASSED, "proof of payment attached")


def _cash_limit(facts: ComplianceFacts, payment: PaymentFacts, rule: _Maker) -> RuleOutcome:
    cash = payment.cash_amount
    if cash.value == 0:
        return rule(NOT_APPLICABLE, "no cash")
    # Cash changes hands at the seller's: its state's limit applies.
    country, on = _state(facts.seller_country), payment.payment_date
    limit = cash_limit_for(country, on, facts.policy.cash_limits)
    if limit is None:
        return rule(PASSED, f"{_fmt(cash)} in cash: no cash limit in {country} on {on}")
    if limit.currency != cash.currency:
        return rule(
            PENDING,
            f"cash of {_fmt(cash)} cannot be compared with the limit of {_fmt(limit)}: "
            "a person checks it",
            "CASH_LIMIT_UNVERIFIABLE",
        )
    if cash.value > limit.value:
        return rule(
            FAILED,
            f"{_fmt(cash)} in cash exceeds the limit of {_fmt(limit)} in {country} on {on}: an "
            "AML breach, not a VAT matter; correct the payment or resolve it with compliance",
            "CASH_LIMIT_EXCEEDED",
        )
    return rule(PASSED, f"{_fmt(cash)} in cash is within the limit of {_fmt(limit)}")


# ----- transport -----


def _transport_rules(facts: ComplianceFacts, buyer_decides: bool) -> list[RuleOutcome]:
    transport = facts.transport
    picked_up, delivered = transport.pickup_date is not None, transport.delivery_date is not None
    pickup = _rule("PICKUP", "transport", CONTRACT)
    delivery = _rule("DELIVERY", "transport", CONTRACT)
    return [
        pickup(PASSED, f"picked up on {transport.pickup_date} ({transport.pickup_type})")
        if picked_up
        else pickup(PENDING, "pickup is not confirmed yet", "PICKUP_MISSING"),
        delivery(PASSED, f"delivered on {transport.delivery_date}")
        if delivered
        else delivery(PENDING, "delivery is not confirmed yet", "DELIVERY_MISSING"),
        _movement(facts),
        _vies_at_supply(facts, buyer_decides),
        _contract_document(facts),
        *_transport_evidence(facts),
    ]


def _movement(facts: ComplianceFacts) -> RuleOutcome:
    rule = _rule("INTRA_EU_MOVEMENT", "transport", ART_138_1A)
    origin, transport = _origin(facts), facts.transport
    if transport.delivery_date is None:
        return rule(PENDING, f"from {origin}; the destination is known at delivery")
    # Without a delivery address the contract takes the buyer's country (section 17).
    destination = _state(transport.delivery_country or facts.buyer.country)
    outside = [c for c in (origin, destination) if c not in MEMBER_STATES]
    if outside:
        return rule(
            FAILED,
            f"{' and '.join(outside)} is not an EU member state: not an intra-community "
            "supply (an export is proved under Art. 146, outside this platform)",
            "NOT_INTRA_EU",
        )
    if destination == origin:
        return rule(
            FAILED,
            f"delivered in {destination}, where the transport began: the goods did not leave "
            "the origin state, VAT applies",
            "NO_INTRA_EU_MOVEMENT",
            invalidates=True,
        )
    return rule(PASSED, f"from {origin} to {destination}")


def _vies_at_supply(facts: ComplianceFacts, decides: bool) -> RuleOutcome:
    rule = _rule("VIES_AT_SUPPLY", "transport", ART_138_VIES)
    supply = facts.transport.pickup_date
    if supply is None:
        return rule(PENDING, "the buyer's VAT number is checked in VIES at pickup")
    check = _supply_time_check(facts.buyer.vies_checks, supply, facts.policy.vies_max_age_days)
    if check is None:
        return rule(
            PENDING,
            f"no conclusive VIES answer for the buyer's VAT number around the supply on "
            f"{supply} yet (VIES unavailable is no verdict); checks continue",
            "VIES_PENDING",
        )
    answer = f"VIES answered {check.result} on {check.checked_on}" + (
        f" (consultation number {check.consultation_number})" if check.consultation_number else ""
    )
    if check.result == VALID:
        return rule(PASSED, f"{answer} for the supply on {supply}")
    return rule(
        FAILED,
        f"{answer}: the buyer was not identified for VAT at the supply on {supply}, VAT applies",
        "VIES_INVALID",
        invalidates=decides,
    )


def _supply_time_check(
    checks: tuple[ViesCheck, ...], supply: date, max_age_days: int
) -> ViesCheck | None:
    """The conclusive answer nearest the supply: from ``max_age_days`` before it onwards,
    before beating after on a tie, the later of two on the same day."""
    earliest = supply - timedelta(days=max_age_days)
    conclusive = [c for c in checks if c.result in (VALID, INVALID) and c.checked_on >= earliest]
    return min(
        reversed(conclusive),
        key=lambda c: (abs((c.checked_on - supply).days), c.checked_on > supply),
        default=None,
    )


def _contract_document(facts: ComplianceFacts) -> RuleOutcome:
    """The contract's transport paper: a CMR for company transport, the buyer's signed pickup
    declaration for self-pickup."""
    rule = _rule("TRANSPORT_DOCUMENT", "transport", CONTRACT)
    pickup_type = facts.transport.pickup_type
    if pickup_type is None:
        return rule(PENDING, "the transport document depends on how the vehicle is picked up")
    doc_type, code, paper = {
        COMPANY_TRANSPORT: ("TRANSPORT_CMR", "MISSING_CMR", "the CMR"),
        SELF_PICKUP: (
            "TRANSPORT_PICKUP_DECLARATION",
            "MISSING_PICKUP_DECLARATION",
            "the pickup declaration signed by the buyer",
        ),
    }[pickup_type]
    missing = [
        v.vin for v in facts.order.vehicles if not _active_of_type(facts, doc_type, vin=v.vin)
    ]
    if missing:
        return rule(PENDING, f"{paper} for {', '.join(missing)} is missing", code)
    return rule(PASSED, f"{paper} is attached")


@dataclass(frozen=True)
class NationalProof:
    document_type: str
    issuer_type: str
    name: str
    legal_basis: str


# Where Art. 45a's presumption is not met, a member state's own proof may still be: Germany
# accepts the buyer's confirmation of arrival, naming the VIN for vehicles.
NATIONAL_PROOFS: dict[str, NationalProof] = {
    "DE": NationalProof(
        "NATIONAL_ARRIVAL_CONFIRMATION",
        "BUYER",
        "a Gelangensbestätigung signed by the buyer naming the VIN",
        "§ 17b Abs. 2 Satz 1 Nr. 2 UStDV (Gelangensbestätigung; for vehicles with the VIN)",
    ),
}


def _transport_evidence(facts: ComplianceFacts) -> list[RuleOutcome]:
    """Art. 45a presumption (independent evidence, plus the buyer's statement when the buyer
    transports) or the origin state's own proof: either one proves the transport."""
    vehicles, origin = facts.order.vehicles, _origin(facts)
    evidence = _rule("ART_45A_INDEPENDENT_EVIDENCE", "transport", ART_45A_EVIDENCE)
    statement = _buyer_statement(
        facts, _rule("ART_45A_BUYER_STATEMENT", "transport", ART_45A_STATEMENT)
    )
    national = NATIONAL_PROOFS.get(origin)
    national_rule = _rule(
        "NATIONAL_TRANSPORT_PROOF",
        "transport",
        national.legal_basis if national else NATIONAL_PROOF_BASIS,
    )
    parties = {v.vin: _independent_parties(facts, v.vin) for v in vehicles}
    short = [vin for vin, (a, b) in parties.items() if not _presumed(a, b)]
    found = "; ".join(f"{vin}: {_describe_parties(*lists)}" for vin, lists in parties.items())
    if not short:
        attested = evidence(PASSED, f"two independent parties attest the transport ({found})")
    elif facts.transport.delivery_date is None:
        attested = evidence(PENDING, f"collected by delivery; so far {found}")
    else:
        alternative = f", or {national.name}" if national else ""
        attested = evidence(
            PENDING,
            f"the transport of {', '.join(short)} needs two items of evidence from two parties "
            "independent of seller and buyer (a CMR signed by the carrier, the carrier's "
            "invoice; or one of these with an insurance policy, a bank payment for the "
            f"transport, a public authority's or notary's document or a warehouse receipt)"
            f"{alternative}; so far {found}",
            "INSUFFICIENT_TRANSPORT_EVIDENCE",
        )
    done = (PASSED, NOT_APPLICABLE)

    if attested.outcome == PASSED and statement.outcome in done:
        return [
            attested,
            statement,
            national_rule(NOT_APPLICABLE, "not needed: the Art. 45a presumption holds"),
        ]
    if national and all(_national_proof_for(facts, national, v.vin) for v in vehicles):
        # The national proof suffices: what Art. 45a still lacks no longer blocks.
        not_needed = f"not needed: transport proved by {national.name}"
        return [
            attested
            if attested.outcome == PASSED
            else evidence(NOT_APPLICABLE, f"{not_needed}; so far {found}"),
            statement
            if statement.outcome in done
            else replace(statement, outcome=NOT_APPLICABLE, detail=not_needed, code=None),
            national_rule(PASSED, f"{national.name} is attached"),
        ]
    return [
        attested,
        statement,
        national_rule(PENDING, f"{national.name} would prove the transport too")
        if national
        else national_rule(NOT_APPLICABLE, f"no national alternative for {origin}"),
    ]


def _buyer_statement(facts: ComplianceFacts, rule: _Maker) -> RuleOutcome:
    transport = facts.transport
    if transport.pickup_type is None or transport.pickup_date is None:
        return rule(PENDING, "needed if the buyer transports the vehicle")
    if transport.pickup_type != SELF_PICKUP:
        return rule(NOT_APPLICABLE, "the buyer did not transport the vehicle")
    due = buyer_statement_due_date(transport.pickup_date, facts.policy.statement_due_day)
    statements = {v.vin: _statement_for(facts, v.vin) for v in facts.order.vehicles}
    late = [
        f"{vin} (received {doc.received_on or facts.today})"
        for vin, doc in statements.items()
        if doc and (doc.received_on or facts.today) > due
    ]
    missing = [vin for vin, doc in statements.items() if doc is None]
    if not late and not missing:
        return rule(PASSED, f"the buyer's written statement was received by {due}")
    if late or facts.today > due:
        return rule(
            FAILED,
            "the buyer's written statement was due by "
            f"{due}: {', '.join(late + [f'{vin} (missing)' for vin in missing])}. The "
            "presumption of Art. 45a is lost for this supply; prove the transport otherwise",
            "BUYER_STATEMENT_OVERDUE",
        )
    return rule(
        PENDING,
        f"the buyer's written statement for {', '.join(missing)} is due by {due} (destination, "
        "date of issue, buyer's name and address, the vehicle and its VIN, date and place of "
        "arrival, who accepted the vehicle)",
        "BUYER_STATEMENT_MISSING",
    )


def _statement_for(facts: ComplianceFacts, vin: str) -> DocumentFacts | None:
    """The first statement received for this VIN: a later copy cannot make it late."""
    return min(
        (d for d in _active(facts.documents) if d.type == BUYER_STATEMENT and _concerns(d, vin)),
        key=lambda d: d.received_on or facts.today,
        default=None,
    )


def _national_proof_for(facts: ComplianceFacts, proof: NationalProof, vin: str) -> bool:
    # Vehicles need their VIN on it: a paper naming no VIN does not do.
    return any(
        d.type == proof.document_type and d.issuer_type == proof.issuer_type and d.vin == vin
        for d in _active(facts.documents)
    )


_Party = tuple[str, str]  # (issuer type, issuer name as first written; "" when not given)


def _independent_parties(facts: ComplianceFacts, vin: str) -> tuple[set[_Party], set[_Party]]:
    """Parties independent of seller and buyer behind list (a) and list (b) evidence for a VIN.

    Two papers from the same party are one party. A paper without an issuer name is taken to
    come from a named party of the same issuer type if there is one: it cannot prove another.
    """
    docs = [
        (d, _evidence_list(d))
        for d in _active(facts.documents)
        if _concerns(d, vin) and d.issuer_type not in _NOT_INDEPENDENT
    ]
    docs = [(d, kind) for d, kind in docs if kind]
    spelling: dict[tuple[str, str], str] = {}  # (issuer type, name key) -> name as written
    unnamed: dict[str, str] = {}  # issuer type -> the named party an unnamed paper is from
    for d, _ in docs:
        if d.issuer_name:
            name = spelling.setdefault((d.issuer_type, _name_key(d.issuer_name)), d.issuer_name)
            unnamed.setdefault(d.issuer_type, name)
    lists: dict[str, set[_Party]] = {"a": set(), "b": set()}
    for d, kind in docs:
        if d.issuer_name:
            name = spelling[(d.issuer_type, _name_key(d.issuer_name))]
        else:
            name = unnamed.get(d.issuer_type, "")
        lists[kind].add((d.issuer_type, name))
    return lists["a"], lists["b"]


def _evidence_list(doc: DocumentFacts) -> str | None:
    if doc.type in _LIST_A_TYPES:
        return "a"
    if doc.type in _LIST_B_TYPES:
        return "b"
    if doc.type == _ARRIVAL_CONFIRMATION:
        return _ARRIVAL_CONFIRMATION_LIST.get(doc.issuer_type)
    return None


def _presumed(list_a: set[_Party], list_b: set[_Party]) -> bool:
    """Two list (a) items from two parties, or one list (a) item and one list (b) item from
    another party (Art. 45a(1)(a)(i))."""
    return bool(list_a) and len(list_a | list_b) >= 2


def _describe_parties(list_a: set[_Party], list_b: set[_Party]) -> str:
    described = [
        f"{kind} from {issuer.lower().replace('_', ' ')}{f' {name}' if name else ''}"
        for kind, parties in (("list (a)", list_a), ("list (b)", list_b))
        for issuer, name in sorted(parties)
    ]
    return ", ".join(described) or "no independent evidence"


# ----- module summaries -----


def _modules(facts: ComplianceFacts, outcomes: list[RuleOutcome], status: str) -> Modules:
    kyc, transport, payment = facts.buyer.kyc, facts.transport, facts.payment
    invoice = _deal_invoice(facts.invoices)
    shown = next((i for i in reversed(facts.invoices) if i.type == FINAL), invoice)
    picked_up, delivered = transport.pickup_date is not None, transport.delivery_date is not None
    vin_status = status
    if status == INCOMPLETE:
        vin_status = "TRANSPORT_PENDING" if picked_up and not delivered else "PENDING"
    return Modules(
        buyer=BuyerSummary(
            status=overall_status(kyc),
            vies_result=kyc.vies_result,
            documents_complete=kyc.documents_complete,
            kyc_verification_status=kyc.verification_status if kyc.kyc_mode == NT24_LED else None,
        ),
        order=OrderSummary(
            status=_module_status(outcomes, "order", valid="COMPLETE", pending=INCOMPLETE),
            vins=tuple(VinSummary(v.vin, vin_status) for v in facts.order.vehicles),
        ),
        invoice=InvoiceSummary(
            status=_module_status(outcomes, "invoice", valid=VALID, pending="SUBMITTED")
            if shown
            else "DRAFT",
            type=shown.type if shown else None,
            vat_included=shown.vat_included if shown else None,
            final_invoice_required=any(i.type == PRELIMINARY for i in facts.invoices),
            final_invoice_received=any(i.type == FINAL for i in facts.invoices),
        ),
        payment=PaymentSummary(
            status=_module_status(outcomes, "payment", valid=VALID, pending="SUBMITTED")
            if payment
            else "DRAFT",
            amount_matches_invoice=amount_matches_invoice(payment, invoice.amount)
            if payment and invoice
            else None,
            iban_consistent=iban_consistent(payment.source_iban, payment.known_ibans)
            if payment and payment.source_iban
            else None,
            ready_for_pickup=bool(payment and payment.ready_for_pickup),
        ),
        transport=TransportSummary(
            status=_module_status(
                outcomes,
                "transport",
                valid="COMPLETE",
                pending="DELIVERED" if delivered else "IN_PROGRESS" if picked_up else "PENDING",
            ),
            pickup_confirmed=picked_up,
            pickup_date=transport.pickup_date,
            delivery_confirmed=delivered,
            cmr_uploaded=bool(_active_of_type(facts, "TRANSPORT_CMR")),
            # The daily re-check runs from ready-for-pickup until delivery (contract §17).
            daily_vies_checks_active=bool(payment and payment.ready_for_pickup) and not delivered,
        ),
    )


def _module_status(outcomes: list[RuleOutcome], module: str, *, valid: str, pending: str) -> str:
    mine = [o for o in outcomes if o.module == module]
    if any(o.outcome == FAILED for o in mine):
        return INVALID
    if all(o.outcome in (PASSED, NOT_APPLICABLE) for o in mine):
        return valid
    return pending


# ----- small helpers -----


_Maker = Callable[..., RuleOutcome]


def _rule(rule_id: str, module: str, legal_basis: str) -> _Maker:
    """A maker of this rule's outcome: ``rule(outcome, detail, code=None, invalidates=False)``."""

    def outcome(
        result: str, detail: str, code: str | None = None, *, invalidates: bool = False
    ) -> RuleOutcome:
        return RuleOutcome(rule_id, module, result, detail, legal_basis, code, invalidates)

    return outcome


def _origin(facts: ComplianceFacts) -> str:
    return _state(facts.transport.collection_country or facts.seller_country)


def _state(country: str) -> str:
    code = country.strip().upper()
    return "GR" if code == "EL" else code


def _active(documents: Iterable[DocumentFacts]) -> list[DocumentFacts]:
    return [d for d in documents if d.status == ACTIVE]


def _concerns(doc: DocumentFacts, vin: str) -> bool:
    return doc.vin is None or doc.vin == vin


def _active_of_type(facts: ComplianceFacts, *types: str, vin: str | None = None) -> bool:
    return any(
        d.type in types and (vin is None or _concerns(d, vin)) for d in _active(facts.documents)
    )


def _paid(payment: PaymentFacts) -> Money | None:
    bank, cash = payment.bank_amount, payment.cash_amount
    if cash.value and bank.value and cash.currency != bank.currency:
        return None  # parts in two currencies match no invoice
    currency = bank.currency if bank.value else cash.currency
    return Money(bank.value + cash.value, currency)


def _same(one: Money, other: Money) -> bool:
    # By value, not dataclass equality: inside and outside the workflow sandbox Money may be
    # two classes of the same name.
    return (one.value, one.currency) == (other.value, other.currency)


def _describe_paid(payment: PaymentFacts) -> str:
    parts = [
        f"{_fmt(m)} {how}"
        for m, how in ((payment.bank_amount, "by bank"), (payment.cash_amount, "in cash"))
        if m.value
    ]
    return f"paid {' and '.join(parts) or 'nothing'}"


def _valid_iban(iban: str) -> str | None:
    try:
        return IBAN(iban).compact
    except SchwiftyException:
        return None


def _compact_iban(iban: str) -> str:
    return re.sub(r"\s", "", iban).upper()


def _name_key(name: str) -> str:
    """Names compare without case, punctuation and spacing: "Auto-Müller GmbH" = "AUTO MÜLLER
    GMBH"."""
    return " ".join(re.findall(r"\w+", name.casefold()))


def _fmt(money: Money) -> str:
    units, cents = divmod(money.value, 100)
    return f"{money.currency} {units:,}.{cents:02d}"


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def evaluate_current(facts: Any) -> Rollup:
    """Evaluate facts of today's ``workflows.orders.rules.compliance`` shape the way 2026.11 did:
    the destination defaults to the buyer's country, documents concern the whole order."""
    transport = facts.transport
    delivery_country = transport.delivery_country
    if transport.delivery_date is not None and delivery_country is None:
        delivery_country = facts.buyer.country
    return evaluate(
        ComplianceFacts(
            today=facts.today,
            seller_country=facts.seller_country,
            buyer=BuyerFacts(
                facts.buyer.name,
                facts.buyer.country,
                facts.buyer.kyc,
                tuple(
                    ViesCheck(c.checked_on, c.result, c.consultation_number)
                    for c in facts.buyer.vies_checks
                ),
            ),
            order=OrderFacts(
                Money(facts.order.total.value, facts.order.total.currency),
                tuple(
                    Vehicle(v.vin, v.first_registration_date, v.mileage_km)
                    for v in facts.order.vehicles
                ),
            ),
            invoices=tuple(
                InvoiceFacts(
                    i.type,
                    i.number,
                    Money(i.amount.value, i.amount.currency),
                    i.vat_included,
                    i.margin_scheme,
                )
                for i in facts.invoices
            ),
            payment=PaymentFacts(
                facts.payment.payment_date,
                Money(facts.payment.bank_amount.value, facts.payment.bank_amount.currency),
                Money(facts.payment.cash_amount.value, facts.payment.cash_amount.currency),
                facts.payment.source_iban,
                facts.payment.known_ibans,
                facts.payment.ready_for_pickup,
            )
            if facts.payment
            else None,
            transport=TransportFacts(
                transport.pickup_type,
                transport.pickup_date,
                transport.collection_country,
                transport.delivery_date,
                delivery_country,
            ),
            documents=tuple(
                DocumentFacts(
                    d.type, d.status, d.issuer_type, d.issuer_name, received_on=d.received_on
                )
                for d in facts.documents
            ),
            policy=facts.policy,
        )
    )
