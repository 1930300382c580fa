"""The compliance rollup of an order: every rule, its outcome and its legal basis, as pure code.

``evaluate(facts)`` judges whether the order is a VAT-exempt intra-community supply
(Art. 138 VAT Directive, with the transport presumption of Art. 45a Implementing Regulation
282/2011) and what still blocks the proof. The rules, their legal basis and when each one
blocks or invalidates are written down in docs/compliance-rules.md; the outline:

- A decision is made only once the facts it rests on can no longer change: after delivery is
  confirmed (a pickup can be revoked and corrected until then), or when the evidence deadline
  has passed without proof of the transport.
- INVALID (decision VAT_APPLICABLE) only for facts that exclude the exemption as recorded:
  the buyer's VAT number invalid in VIES at the time of supply, the buyer identified for VAT
  in the member state where the transport began, the goods not leaving that state, a used
  vehicle sold under the margin scheme, transport evidence still missing at its deadline.
- Anything missing, unclear or correctable is a blocker and leaves the order INCOMPLETE;
  VIES being unavailable is VIES_PENDING, never a verdict. A default (the seller's country for
  the origin, the buyer's for the destination, an issuer type for a document) may fill a field
  for display but never proves a condition.
- VALID (decision VALID_EXPORT) only when every rule passed or does not apply.

Workflow code calls this, so it is deterministic: ``today`` and every limit are inputs.
"""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, timedelta
from functools import cache

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import siren, siret, tva

from workflows.buyers.rules.kyc import NT24_LED, KycFacts, overall_status
from workflows.buyers.rules.vat_numbers import COUNTRIES as VIES_COUNTRIES
from workflows.currencies import plain_amount
from workflows.money import Money
from workflows.orders.rules.cash_limits import CASH_LIMITS, CashLimit, limits_in_force
from workflows.orders.rules.outcome import Blocker, ComplianceStatus, Decision

# Rule outcomes
PASSED = "PASSED"
FAILED = "FAILED"
PENDING = "PENDING"
NOT_APPLICABLE = "NOT_APPLICABLE"

# The rule set's version: every decision and Export File names it. A change to a rule, a
# table or a threshold is a new version (docs/compliance-rules.md, "Releasing a rule change").
RULE_SET = "2026.12.9"

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
ART_138_DISPATCH = (
    f"Art. 138(1) {_VAT_DIRECTIVE} (opening words, as amended by Directive (EU) 2018/1910): "
    "goods dispatched or transported from the member state where the transport begins to "
    "another member state"
)
ART_138_1B = (
    f"Art. 138(1)(b) {_VAT_DIRECTIVE}: buyer a taxable person identified for VAT in a "
    "member state other than the one where the transport begins"
)
ART_138_VIES = f"{ART_138_1B}; Art. 18(1)(a) {_REGULATION} and Art. 31 Regulation (EU) 904/2010"
ART_139_3 = f"Art. 139(3) {_VAT_DIRECTIVE}: no exemption for supplies under the margin scheme"
ART_2_2_B = (
    f"Art. 2(2)(b), Art. 138(2)(a), Art. 2(1)(b)(ii) and Art. 226(12) {_VAT_DIRECTIVE}: a new "
    "means of transport is exempt whoever the acquirer, its acquisition taxed in the destination"
)
ART_139_3_NEW = (
    f"Art. 311(1)(1) and Art. 139(3) {_VAT_DIRECTIVE}: the margin scheme is for second-hand "
    "goods, which a new means of transport is not"
)
ART_45A_EVIDENCE = (
    f"Art. 45a(1)(a) and (3) {_REGULATION}: two non-contradictory items from two parties "
    "independent of each other, of the vendor and of the acquirer"
)
ART_45A_STATEMENT = (
    f"Art. 45a(1)(b)(i) {_REGULATION} (transport by or on behalf of the acquirer; "
    "Art. 18(1)(a) of the same Regulation)"
)
ART_226 = f"Art. 226 and Art. 203 {_VAT_DIRECTIVE}: invoice contents; VAT shown is owed"
ART_203_226_11 = (
    f"Art. 203 and Art. 226(11) {_VAT_DIRECTIVE}: VAT shown on an invoice is owed; an exempt "
    "supply's invoice cites the exemption"
)
ART_67_EVIDENCE = (
    f"Art. 67 and Art. 69 {_VAT_DIRECTIVE}: VAT on the supply becomes chargeable by the 15th "
    "of the month after it; without proof of the transport by the return for that period the "
    "supply is taxed"
)
KYC_BASIS = (
    "Customer due diligence: Art. 10-13 Directive (EU) 2015/849 (AMLD); seller's duty of care"
)
AMLR_CASH = "Art. 80 Regulation (EU) 2024/1624 (AMLR) and national cash payment limits"
CONTRACT = "NT24 contract: compliance validation rules"
CONTRACT_VIES_WINDOW = (
    "NT24 contract: a VIES check failing between pickup and delivery turns the buyer's open "
    f"orders INVALID unless resolved within the transport window; {ART_138_1B}"
)

# Art. 45a(3)(a): documents relating to the transport, from the carrier or forwarder.
_LIST_A_TYPES = frozenset(
    {"TRANSPORT_CMR", "TRANSPORT_CMR_DELIVERY", "TRANSPORT_FORWARDER_INVOICE"}
)
# Art. 45a(3)(b): insurance, bank payment for the transport, public authority (notary) papers
# confirming arrival, a warehouse keeper's receipt in the destination state.
_WAREHOUSE_RECEIPT = "TRANSPORT_WAREHOUSE_RECEIPT"
_PUBLIC_AUTHORITY_DOCUMENT = "TRANSPORT_PUBLIC_AUTHORITY_DOCUMENT"
_LIST_B_TYPES = frozenset(
    {
        "TRANSPORT_INSURANCE_POLICY",
        "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT",
        _PUBLIC_AUTHORITY_DOCUMENT,
        _WAREHOUSE_RECEIPT,
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
# Who issues each paper of the lists that is named for its issuer, and the law naming it: a
# paper of the type is one only from them (the upload's issuerType, by default the type's
# issuer); sent as another's (a garage's "bank payment") it is no such paper
_ISSUED_BY: dict[str, tuple[frozenset[str], str]] = {
    # no issuer type tells a forwarder from a carrier: the forwarder's is CARRIER
    "TRANSPORT_FORWARDER_INVOICE": (
        frozenset({"CARRIER"}),
        "a carrier or forwarder (CARRIER; Art. 45a(3)(a): an invoice from the forwarder)",
    ),
    "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT": (
        frozenset({"BANK"}),
        "a bank (Art. 45a(3)(b)(i): bank documents proving payment for the transport)",
    ),
    "TRANSPORT_INSURANCE_POLICY": (
        frozenset({"INSURER"}),
        "an insurer (Art. 45a(3)(b)(i): an insurance policy)",
    ),
    _PUBLIC_AUTHORITY_DOCUMENT: (
        frozenset({"PUBLIC_AUTHORITY", "NOTARY"}),
        "a public authority or a notary (Art. 45a(3)(b)(ii): official documents issued by a "
        "public authority, such as a notary)",
    ),
    _WAREHOUSE_RECEIPT: (
        frozenset({"WAREHOUSE_KEEPER"}),
        "a warehouse keeper (Art. 45a(3)(b)(iii): a receipt issued by a warehouse keeper)",
    ),
}
_NOT_INDEPENDENT = frozenset({"SELLER", "BUYER"})
BUYER_STATEMENT = "BUYER_TRANSPORT_STATEMENT"
# The papers of the transport: the evidence lists', the buyer's statements and the national
# confirmation of arrival (a picture states no place)
_ROUTE_PAPERS = _LIST_A_TYPES | {
    *_LIST_B_TYPES,
    _ARRIVAL_CONFIRMATION,
    BUYER_STATEMENT,
    "TRANSPORT_PICKUP_DECLARATION",
    "NATIONAL_ARRIVAL_CONFIRMATION",
}
NATIONAL_PROOF_BASIS = (
    f"The origin state's own proof of transport, where the presumption of {_REGULATION} "
    "Art. 45a is not met (it is rebuttable and not the only proof)"
)


# ----- facts -----


@dataclass(frozen=True)
class Policy:
    """Limits and thresholds: inputs, so a setting (not a code change) moves them."""

    cash_limits: tuple[CashLimit, ...] = CASH_LIMITS
    new_vehicle_months: int = 6  # Art. 2(2)(b)(i): at most 6 months since first entry into service
    new_vehicle_max_km: int = 6_000  # ... or at most 6,000 km travelled
    statement_due_day: int = 10  # Art. 45a(1)(b)(i): by the 10th of the month after the supply
    vies_max_age_days: int = 1  # an answer this many days before the supply still counts
    # Rule sets up to 2026.12 took the first answer this many days after the supply when none
    # came before it; from 2026.12.1 no answer after the supply counts (it says nothing about
    # the time of supply), and this is kept only so the frozen rule sets evaluate as they did.
    vies_after_supply_days: int = 2
    # Transport evidence is due this many days after the VAT became chargeable (the 15th of
    # the month after the supply, Art. 67): about when the return for that period is filed
    evidence_grace_days: int = 30


@dataclass(frozen=True)
class Vehicle:
    vin: str
    first_registration_date: date | None = None
    mileage_km: int | None = None


@dataclass(frozen=True)
class OrderFacts:
    total: Money
    vehicles: tuple[Vehicle, ...]
    purchase_date: date | None = None  # when the seller and the buyer made the sale


@dataclass(frozen=True)
class ViesCheck:
    checked_on: date
    result: str  # VALID, INVALID, or UNKNOWN when VIES did not answer
    consultation_number: str | None = None
    name: str | None = None  # the trader name VIES holds, when the member state discloses it
    # when VIES answered: two answers of one day are ordered by it, not by their arrival
    checked_at: datetime | None = None


@dataclass(frozen=True)
class BuyerFacts:
    name: str
    country: str  # member state of the buyer's VAT number (EL is read as GR)
    kyc: KycFacts  # mode, buyer status, VIES result now, documents, verification, AML
    vies_checks: tuple[ViesCheck, ...] = ()  # oldest first
    vat_number: str | None = None
    # Answers the order heard of through the buyer's record rather than checked itself (the
    # one it was created with): they count as much as its own
    vies_heard: tuple[ViesCheck, ...] = ()
    # where the buyer is established (its address), which may differ from its VAT number's
    address_country: str | None = None


@dataclass(frozen=True)
class InvoiceFacts:
    type: str  # PRELIMINARY or FINAL
    number: str
    amount: Money
    vat_included: bool
    margin_scheme: bool = False
    buyer_name: str | None = None  # as printed on the invoice, when known
    # when it was last corrected, if ever: a PDF received before shows it as it was
    corrected_at: datetime | None = None


@dataclass(frozen=True)
class PaymentFacts:
    payment_date: date
    bank_amount: Money
    cash_amount: Money
    source_iban: str | None = None
    # The buyer's IBANs from its other orders or confirmed by staff; never this order's own.
    known_ibans: tuple[str, ...] = ()
    ready_for_pickup: bool = False
    # when its date, amounts or IBAN were last corrected, if ever
    corrected_at: datetime | None = None
    # the seller declared source_iban a new account of the buyer's (contract P5)
    new_iban_declared: bool = False


@dataclass(frozen=True)
class TransportFacts:
    pickup_type: str | None = None  # SELF_PICKUP or COMPANY_TRANSPORT, once picked up
    pickup_date: date | None = None  # the time of supply
    collection_country: str | None = None  # where the transport began, as stated; no default
    delivery_date: date | None = None
    delivery_country: str | None = None  # where it ended, as stated; no default
    arranged_by: str | None = None  # SELLER or BUYER; None: company transport is the seller's
    # when the delivery was confirmed: the daily VIES checks run until then, and a backdated
    # delivery date does not end the transport window before it
    delivery_confirmed_at: datetime | None = None
    # the post codes of the collection and delivery addresses: some lie in parts of a member
    # state outside the EU's VAT territory (Art. 6 VAT Directive)
    collection_post_code: str | None = None
    delivery_post_code: str | None = None
    # when the last pickup was revoked (its transport aborted): the transport's papers received
    # before then are that transport's, not the one that followed
    revoked_at: datetime | None = None
    # when the pickup was confirmed (the vehicle has left by then): a VIES answer later that
    # day is after the supply
    pickup_confirmed_at: datetime | None = None


@dataclass(frozen=True)
class DocumentFacts:
    type: str  # TRANSPORT_CMR, SHIPMENT_INVOICE, BUYER_TRANSPORT_STATEMENT, ...
    status: str = ACTIVE  # ACTIVE or SUPERSEDED: only active documents count
    issuer_type: str = "OTHER"  # SELLER, BUYER, CARRIER, PUBLIC_AUTHORITY, NOTARY, INSURER, ...
    issuer_name: str | None = None  # without it the paper proves no party
    vins: tuple[str, ...] | None = None  # the VINs it names; None: the whole order, unnamed
    received_on: date | None = None  # upload date in UTC; unknown counts as today
    issuer_id: str | None = None  # the issuer's VAT or registration number
    # where the document says the transport began and ended (a CMR's places of taking over
    # and of delivery), when the upload states them
    origin_country: str | None = None
    destination_country: str | None = None
    # the upload named issuer_type; a type's default (CMR: CARRIER) proves no issuer
    issuer_stated: bool = False
    document_date: date | None = None  # the date the document bears, as the upload states it
    # when it was received (uploaded): its day is the one of the member state where the
    # transport began, where the supply is taxed
    received_at: datetime | None = None
    # the file's: one file is one item of evidence, however often and as whatever it is sent
    sha256: str | None = None


@dataclass(frozen=True)
class ComplianceFacts:
    today: date
    seller_country: str  # where the seller is established: never taken as the origin
    buyer: BuyerFacts
    order: OrderFacts
    invoices: tuple[InvoiceFacts, ...] = ()
    payment: PaymentFacts | None = None
    transport: TransportFacts = TransportFacts()
    documents: tuple[DocumentFacts, ...] = ()
    policy: Policy = Policy()
    seller_name: str | None = None
    seller_vat_number: str | None = None
    # the verdict a decided order holds (contract §12): the final invoice follows the decision,
    # so it is checked against it, not against what the evidence says today (the final
    # invoice's own PDF, still to come, keeps today's verdict INCOMPLETE)
    decided: ComplianceStatus | None = None
    # the moment of the evaluation, of which ``today`` is the UTC day: a day stated by the
    # parties is the day where it happened, which may have begun before UTC's
    now: datetime | None = None


# ----- results -----


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
    compliance_status: ComplianceStatus
    decision: Decision | None  # None until decided
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


def _iban_accepted(payment: PaymentFacts) -> bool:
    """The payment's IBAN is one the buyer paid from before, or its first, or declared new."""
    iban = payment.source_iban
    return iban is not None and (
        iban_consistent(iban, payment.known_ibans)
        or (payment.new_iban_declared and _valid_iban(iban) is not None)
    )


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


# Member states an hour behind or ahead of Central European Time (standard time; all of them
# keep summer time together, Directive 2000/84/EC). Portugal's is the mainland's.
_WESTERN_EUROPEAN_TIME = frozenset({"IE", "PT", "XI"})
_EASTERN_EUROPEAN_TIME = frozenset({"BG", "CY", "EE", "FI", "GR", "LT", "LV", "RO"})


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC; one without a zone is taken as UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_date(moment: datetime, member_state: str) -> date:
    """The day ``moment`` falls on in ``member_state``: UTC+1 (Central European Time), UTC+0
    or UTC+2 for the states in the tables above, an hour more in summer time, which runs from
    01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October."""
    utc = _utc(moment)
    state = _state(member_state)
    hours = 0 if state in _WESTERN_EUROPEAN_TIME else 2 if state in _EASTERN_EUROPEAN_TIME else 1
    summer = _last_sunday(utc.year, 3) <= utc < _last_sunday(utc.year, 10)
    try:
        return (utc + timedelta(hours=hours + summer)).date()
    except OverflowError:  # the last hours of the calendar
        return utc.date()


def _today_in(facts: ComplianceFacts, member_state: str) -> date:
    """Today in ``member_state``: a delivery at 00:30 in France is dated the day that has
    begun there, an hour or two before it begins in UTC."""
    return local_date(facts.now, member_state) if facts.now is not None else facts.today


def _last_sunday(year: int, month: int) -> datetime:
    """01:00 UTC on the month's last Sunday, when summer time begins or ends."""
    last = date(year, month, monthrange(year, month)[1])
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    return datetime(sunday.year, sunday.month, sunday.day, 1, tzinfo=UTC)


def transport_evidence_deadline(supply_date: date, grace_days: int = 30) -> date:
    """The last day to complete the proof of the transport: VAT on the supply becomes
    chargeable on the 15th of the month after it (Art. 67), plus the grace of the policy."""
    return _add_months(supply_date.replace(day=15), 1) + timedelta(days=grace_days)


# ----- the rollup -----


def evaluate(facts: ComplianceFacts) -> Rollup:
    newness = _newness(facts)
    # A new means of transport is exempt under Art. 138(2)(a) whoever the buyer is; while it
    # is unknown whether a vehicle is new, the buyer's VAT status cannot decide either.
    buyer_matters = not newness.all_new
    buyer_decides = newness.all_used
    outcomes = [
        _buyer_active(facts),
        _kyc(facts),
        _buyer_identified_elsewhere(facts, buyer_matters, buyer_decides),
        _vies_now(facts, buyer_matters),
        _vies_name(facts, buyer_matters),
        _new_means_of_transport(facts, newness),
        *_invoice_rules(facts, newness),
        *_payment_rules(facts),
        *_transport_rules(facts, buyer_matters, buyer_decides),
    ]
    # The invoices must agree with the verdict of all the other rules.
    verdict = _status(facts, outcomes)
    outcomes += [_invoice_vat(facts, verdict), _final_invoice(facts, facts.decided or verdict)]
    outcomes.sort(key=lambda o: MODULES.index(o.module))
    status = _status(facts, outcomes)
    return Rollup(
        compliance_status=status,
        decision={
            ComplianceStatus.VALID: Decision.VALID_EXPORT,
            ComplianceStatus.INVALID: Decision.VAT_APPLICABLE,
        }.get(status),
        blockers=tuple(Blocker(o.module, o.code, o.detail) for o in outcomes if o.code),
        rule_outcomes=tuple(outcomes),
        modules=_modules(facts, outcomes, status),
    )


def _status(facts: ComplianceFacts, outcomes: list[RuleOutcome]) -> ComplianceStatus:
    """Decided only when the facts can no longer change: after delivery (until then a pickup
    can be revoked and corrected), or once the evidence deadline passed without proof."""
    overdue = any(o.rule == EVIDENCE_DEADLINE and o.outcome == FAILED for o in outcomes)
    if not (facts.transport.delivery_date is not None or overdue):
        return ComplianceStatus.INCOMPLETE
    if any(o.outcome == FAILED and o.invalidates for o in outcomes):
        return ComplianceStatus.INVALID
    if all(o.outcome in (PASSED, NOT_APPLICABLE) for o in outcomes):
        return ComplianceStatus.VALID
    return ComplianceStatus.INCOMPLETE


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
    if status == "VALID":
        return rule(PASSED, f"KYC of {facts.buyer.name} is complete ({kyc.kyc_mode})")
    if status == "INVALID":
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


def _buyer_identified_elsewhere(
    facts: ComplianceFacts, matters: bool, decides: bool
) -> RuleOutcome:
    rule = _rule("BUYER_IDENTIFIED_IN_OTHER_MEMBER_STATE", "buyer", ART_138_1B)
    if not matters:
        return rule(NOT_APPLICABLE, "a new means of transport is exempt whoever the buyer is")
    origin, buyer_country = _origin(facts), _state(facts.buyer.country)
    if origin is None:
        if buyer_country == _state(facts.seller_country):
            return rule(
                PENDING,
                f"the buyer is registered for VAT in {buyer_country}, the seller's country: the "
                "supply will be taxable unless the vehicle is collected in another member state",
                "BUYER_IN_SELLER_COUNTRY",
            )
        return rule(PENDING, "compared with the member state where the transport begins")
    if buyer_country == origin:
        return rule(
            FAILED,
            f"the buyer's VAT number is from {origin}, where the transport begins: "
            "no intra-community supply, VAT of the origin state applies",
            "BUYER_SAME_COUNTRY",
            invalidates=decides,
        )
    return rule(PASSED, f"buyer identified for VAT in {buyer_country}, transport from {origin}")


def _vies_now(facts: ComplianceFacts, matters: bool) -> RuleOutcome:
    """Before the supply, today's VIES answer warns early; at the supply VIES_AT_SUPPLY rules."""
    rule = _rule("VIES_BEFORE_SUPPLY", "buyer", ART_138_VIES)
    if not matters:
        return rule(NOT_APPLICABLE, "a new means of transport is exempt whoever the buyer is")
    if facts.transport.pickup_date is not None:
        return rule(NOT_APPLICABLE, "supplied: the VIES answer at the time of supply decides")
    result = facts.buyer.kyc.vies_result
    if result == "VALID":
        return rule(PASSED, "the buyer's VAT number is valid in VIES today")
    if result == "INVALID":
        return rule(
            FAILED,
            "VIES says the buyer's VAT number is invalid: if it is still invalid at pickup, "
            "the supply is not exempt and VAT applies",
            "VIES_INVALID",
        )
    return rule(PENDING, "no VIES answer for the buyer's VAT number yet", "VIES_PENDING")


# What member states that withhold the trader's name send instead of it
_UNDISCLOSED_NAMES = frozenset({"", "---"})


def _vies_name(facts: ComplianceFacts, matters: bool) -> RuleOutcome:
    """The VAT number must be the buyer's own: the name VIES holds for it is the buyer's."""
    rule = _rule("VIES_NAME_MATCHES_BUYER", "buyer", ART_138_VIES)
    if not matters:
        return rule(NOT_APPLICABLE, "a new means of transport is exempt whoever the buyer is")
    supply = facts.transport.pickup_date
    checks = _vies_answers(facts)
    check = _supply_time_check(checks, facts.transport, facts.policy)[0] if supply else None
    if check is None:
        check = next((c for c in reversed(checks) if c.result == "VALID"), None)
    name = (check.name or "").strip() if check else ""
    if check is None or name in _UNDISCLOSED_NAMES:
        return rule(NOT_APPLICABLE, "VIES disclosed no name for the buyer's VAT number")
    if _same_entity_name(name, facts.buyer.name):
        return rule(
            PASSED, f"VIES names {name!r} for the number, the buyer is {facts.buyer.name!r}"
        )
    return rule(
        FAILED,
        f"VIES names {name!r} for the buyer's VAT number on {check.checked_on}, but the buyer is "
        f"registered as {facts.buyer.name!r}: the number may not be the buyer's own",
        "BUYER_NAME_MISMATCH",
    )


# ----- order -----


@dataclass(frozen=True)
class _Newness:
    new: tuple[Vehicle, ...]
    unknown: tuple[str, ...]  # VINs that cannot be ruled new or used yet
    supply: date
    supplied: bool  # the supply date is the pickup date, not today
    vehicle_count: int
    # first registered after the supply: the data contradict the supply, they prove no newness
    contradicted: tuple[Vehicle, ...] = ()

    @property
    def all_new(self) -> bool:
        return not self.unknown and 0 < len(self.new) == self.vehicle_count

    @property
    def all_used(self) -> bool:
        return not self.new and not self.unknown


def _newness(facts: ComplianceFacts) -> _Newness:
    """Art. 2(2)(b): whether each vehicle is a new means of transport at the supply."""
    policy = facts.policy
    supply = facts.transport.pickup_date or facts.today
    new, unknown, contradicted = [], [], []
    for vehicle in facts.order.vehicles:
        registered = vehicle.first_registration_date
        if registered is not None and registered > supply:
            contradicted.append(vehicle)
            unknown.append(vehicle.vin)
            continue
        verdict = is_new_means_of_transport(
            vehicle.first_registration_date,
            vehicle.mileage_km,
            supply,
            months=policy.new_vehicle_months,
            max_km=policy.new_vehicle_max_km,
        )
        if verdict:
            new.append(vehicle)
        elif verdict is None:
            unknown.append(vehicle.vin)
    return _Newness(
        tuple(new),
        tuple(unknown),
        supply,
        facts.transport.pickup_date is not None,
        len(facts.order.vehicles),
        tuple(contradicted),
    )


def _new_means_of_transport(facts: ComplianceFacts, newness: _Newness) -> RuleOutcome:
    rule = _rule("NEW_MEANS_OF_TRANSPORT", "order", ART_2_2_B)
    policy = facts.policy
    when = "at supply on" if newness.supplied else "if supplied on"
    if newness.contradicted:
        return rule(
            PENDING,
            "; ".join(
                f"{v.vin} was first registered on {v.first_registration_date}, after the "
                f"supply on {newness.supply}"
                for v in newness.contradicted
            )
            + ": a vehicle is registered before it is supplied, so the date is wrong and "
            "proves nothing (not a new means of transport). Correct the vehicle data",
            "VEHICLE_DATA_MISSING",
        )
    if newness.unknown:
        return rule(
            PENDING,
            f"first registration date and mileage of {', '.join(newness.unknown)} are needed to "
            "tell whether it is a new means of transport",
            "VEHICLE_DATA_MISSING",
        )
    if newness.new:
        described = ", ".join(_describe_vehicle(v) for v in newness.new)
        return rule(
            PASSED,
            f"{described}: a new means of transport {when} {newness.supply} (at most "
            f"{policy.new_vehicle_months} months or {policy.new_vehicle_max_km:,} km). Its "
            "supply is exempt under Art. 138(2)(a) whoever the buyer is, and its acquisition is "
            "taxed in the destination state (Art. 2(1)(b)(ii)). The invoice must show, per "
            "Art. 226(12), the date of first entry into service and the distance travelled; "
            "the seller reports the supply to the destination state where that state requires",
        )
    return rule(PASSED, f"no new means of transport {when} {newness.supply}")


def _describe_vehicle(vehicle: Vehicle) -> str:
    known = [
        f"first registered {vehicle.first_registration_date}"
        if vehicle.first_registration_date
        else None,
        f"{vehicle.mileage_km:,} km" if vehicle.mileage_km is not None else None,
    ]
    return f"{vehicle.vin} ({', '.join(k for k in known if k)})"


# ----- invoice -----


def _invoice_rules(facts: ComplianceFacts, newness: _Newness) -> list[RuleOutcome]:
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
        _margin_scheme(facts, newness, margin),
    ]


def _invoice_amount(facts: ComplianceFacts, invoice: InvoiceFacts, rule: _Maker) -> RuleOutcome:
    """The invoice the deal was priced on is the order total, and so is a final invoice
    without VAT; a final invoice adding VAT is at least in the order's currency."""
    total = facts.order.total
    wrong = [
        i
        for i in (invoice, *(i for i in facts.invoices if i.type == FINAL and i is not invoice))
        if not (
            i.amount.currency == total.currency
            if i is not invoice and i.vat_included
            else _same(i.amount, total)
        )
    ]
    if not wrong:
        return rule(PASSED, f"invoice {invoice.number} is {_fmt(total)}, the order total")
    return rule(
        FAILED,
        "; ".join(
            f"{i.type.lower()} invoice {i.number} is {_fmt(i.amount)}, the order total "
            f"{_fmt(total)}"
            for i in wrong
        ),
        "AMOUNT_MISMATCH",
    )


def _invoice_buyer_name(facts: ComplianceFacts, rule: _Maker) -> RuleOutcome:
    buyer = facts.buyer.name
    named = [i for i in facts.invoices if i.buyer_name is not None]
    if not named:
        return rule(NOT_APPLICABLE, "the invoice data carries no buyer name; its PDF shows it")
    wrong = [
        i for i in named if i.buyer_name is not None and _name_key(i.buyer_name) != _name_key(buyer)
    ]
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
    """Each invoice's PDF, received since the invoice was last corrected: one received before
    shows it as it was (the VAT it charged, its amount), and VAT shown is owed (Art. 203)."""
    pdf_types = {PRELIMINARY: "SHIPMENT_PRELIMINARY_INVOICE", FINAL: "SHIPMENT_INVOICE"}

    def has_pdf(invoice: InvoiceFacts) -> bool:
        return any(
            d.type == pdf_types[invoice.type]
            for d in _received_since(facts.documents, invoice.corrected_at)
        )

    missing = [i for i in facts.invoices if not has_pdf(i)]
    if missing:
        return rule(
            PENDING,
            "; ".join(
                f"the PDF of {i.type} invoice {i.number} is missing"
                + (
                    f" (one received since its correction, {_utc(i.corrected_at):%Y-%m-%d %H:%M} "
                    "UTC)"
                    if i.corrected_at
                    else ""
                )
                for i in missing
            ),
            "MISSING_INVOICE_PDF",
        )
    return rule(PASSED, "every invoice has its PDF")


def _margin_scheme(facts: ComplianceFacts, newness: _Newness, rule: _Maker) -> RuleOutcome:
    margin = next((i for i in facts.invoices if i.margin_scheme), None)
    if margin is None:
        return rule(PASSED, "no margin scheme")
    if newness.new:
        return replace(
            rule(
                FAILED,
                f"invoice {margin.number} applies the margin scheme to "
                f"{', '.join(v.vin for v in newness.new)}, a new means of transport: it is not "
                "second-hand goods, so the margin scheme cannot apply. Correct the invoice",
                "MARGIN_SCHEME_NEW_VEHICLE",
            ),
            legal_basis=ART_139_3_NEW,
        )
    if newness.unknown:
        return rule(
            PENDING,
            f"invoice {margin.number} applies the margin scheme: allowed only for a used "
            "vehicle, which the vehicle data must show first",
        )
    return rule(
        FAILED,
        f"invoice {margin.number} applies the margin scheme: an intra-community supply under "
        "the margin scheme is not exempt, margin VAT is due in the origin state",
        "MARGIN_SCHEME",
        invalidates=True,
    )


def _invoice_vat(facts: ComplianceFacts, verdict: ComplianceStatus) -> RuleOutcome:
    """The invoice of a supply claimed exempt must not charge VAT: VAT shown is owed."""
    rule = _rule("INVOICE_WITHOUT_VAT", "invoice", ART_203_226_11)
    invoice = _deal_invoice(facts.invoices)
    if invoice is None:
        return rule(PENDING, "waiting for the invoice")
    if verdict == ComplianceStatus.INVALID:
        return rule(NOT_APPLICABLE, "VAT applies to this supply")
    if invoice.margin_scheme:
        return rule(NOT_APPLICABLE, "a margin-scheme invoice shows no VAT separately")
    if invoice.vat_included:
        return rule(
            FAILED,
            f"{invoice.type.lower()} invoice {invoice.number} charges VAT on a supply claimed "
            "exempt: VAT shown on an invoice is owed (Art. 203). Issue it without VAT, citing "
            "the exemption (Art. 226(11))",
            "INVOICE_CHARGES_VAT",
        )
    return rule(PASSED, f"invoice {invoice.number} charges no VAT")


def _final_invoice(facts: ComplianceFacts, verdict: ComplianceStatus) -> RuleOutcome:
    rule = _rule("FINAL_INVOICE_VAT", "invoice", ART_226)
    final = next((i for i in reversed(facts.invoices) if i.type == FINAL), None)
    if final is None:
        return rule(NOT_APPLICABLE, "no final invoice yet: it follows the decision")
    if verdict == ComplianceStatus.INCOMPLETE:
        return rule(PENDING, f"final invoice {final.number} is checked once the decision is made")
    vat_due = verdict == ComplianceStatus.INVALID
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
    if _iban_accepted(payment):
        return rule(
            PASSED, f"{payment.source_iban} is a new account the seller declared the buyer's"
        )
    return rule(
        FAILED,
        f"{payment.source_iban} was never used by this buyer; a new account needs confirming: "
        "declare it the buyer's new account (newIbanDeclared) or correct the IBAN",
        "IBAN_INCONSISTENT",
    )


# The bank's proofs of the payment of the price
_PRICE_PAYMENT_PROOFS = frozenset({"PAYMENT_BANK_TRANSFER_SCREENSHOT", "PAYMENT_CONFIRMATION"})


def _payment_proof(facts: ComplianceFacts, payment: PaymentFacts, rule: _Maker) -> RuleOutcome:
    """A proof of the payment as it stands: one received before its date, amounts or IBAN
    were corrected is of the payment as it was (a paper that still shows it is sent again)."""
    corrected = payment.corrected_at
    proofs = _received_since(facts.documents, corrected)
    missing = []
    if payment.bank_amount.value and not any(d.type in _PRICE_PAYMENT_PROOFS for d in proofs):
        missing.append("a bank transfer proof or the bank's payment confirmation")
    if payment.cash_amount.value and not any(
        d.type == "PAYMENT_SOURCE_OF_FUNDS_DECLARATION" for d in proofs
    ):
        missing.append("a source-of-funds declaration for the cash")
    if missing:
        since = (
            f" received since the payment was corrected ({_utc(corrected):%Y-%m-%d %H:%M} UTC)"
            if corrected
            else ""
        )
        return rule(PENDING, f"missing {' and '.join(missing)}{since}", "MISSING_PAYMENT_PROOF")
    return rule(PASSED, "proof of payment attached")


def _cash_limit(facts: ComplianceFacts, payment: PaymentFacts, rule: _Maker) -> RuleOutcome:
    cash = payment.cash_amount
    if cash.value == 0:
        return rule(NOT_APPLICABLE, "no cash")
    # Cash may change hands in the seller's state or the buyer's: the limits of both apply,
    # the buyer's being where it is established as well as its VAT number's state.
    on = payment.payment_date
    buyer = facts.buyer
    countries = dict.fromkeys(
        _state(c) for c in (facts.seller_country, buyer.country, buyer.address_country) if c
    )
    limits = {
        (limit.jurisdiction, limit.valid_from): limit
        for country in countries
        for limit in limits_in_force(country, on, facts.policy.cash_limits)
    }.values()
    if not limits:
        return rule(
            PASSED, f"{_fmt(cash)} in cash: no cash limit in {', '.join(countries)} on {on}"
        )
    exceeded = [
        lim
        for lim in limits
        if lim.max_cash.currency == cash.currency and cash.value > lim.max_cash.value
    ]
    if exceeded:
        return rule(
            FAILED,
            f"{_fmt(cash)} in cash exceeds "
            + "; ".join(
                f"the limit of {_fmt(lim.max_cash)} in {lim.jurisdiction} ({lim.legal_source})"
                for lim in exceeded
            )
            + f" on {on}: an AML breach, not a VAT matter; correct the payment or resolve it "
            "with compliance",
            "CASH_LIMIT_EXCEEDED",
        )
    foreign = [lim for lim in limits if lim.max_cash.currency != cash.currency]
    if foreign:
        return rule(
            PENDING,
            f"cash of {_fmt(cash)} cannot be compared with "
            + ", ".join(
                f"the limit of {_fmt(lim.max_cash)} in {lim.jurisdiction}" for lim in foreign
            )
            + ": a person checks it at the day's exchange rate",
            "CASH_LIMIT_UNVERIFIABLE",
        )
    within = ", ".join(f"{_fmt(lim.max_cash)} in {lim.jurisdiction}" for lim in limits)
    return rule(PASSED, f"{_fmt(cash)} in cash is within the limits ({within})")


# ----- transport -----

EVIDENCE_DEADLINE = "TRANSPORT_EVIDENCE_DEADLINE"
# A transport not between two parts of the EU's VAT territory: no intra-community supply
NOT_INTRA_EU = "NOT_INTRA_EU"
_DONE = (PASSED, NOT_APPLICABLE)


def _transport_rules(
    facts: ComplianceFacts, buyer_matters: bool, buyer_decides: bool
) -> list[RuleOutcome]:
    transport = facts.transport
    picked_up, delivered = transport.pickup_date is not None, transport.delivery_date is not None
    pickup = _rule("PICKUP", "transport", CONTRACT)
    delivery = _rule("DELIVERY", "transport", CONTRACT)
    # What proves the transport in law; the contract's own paper (CMR, pickup declaration)
    # blocks VALID but its absence does not tax a transport the law regards as proved.
    movement = _movement(facts)
    proof = [
        _delivery(facts, delivery)
        if delivered
        else delivery(PENDING, "delivery is not confirmed yet", "DELIVERY_MISSING"),
        movement,
        *_transport_evidence(facts),
    ]
    return [
        pickup(PASSED, f"picked up on {transport.pickup_date} ({transport.pickup_type})")
        if picked_up
        else pickup(PENDING, "pickup is not confirmed yet", "PICKUP_MISSING"),
        *proof[:2],
        _contract_document(facts),
        *proof[2:],
        _vies_at_supply(facts, buyer_matters, buyer_decides),
        _vies_in_transport(facts, buyer_matters, buyer_decides),
        _evidence_deadline(
            facts,
            proven=all(o.outcome in _DONE for o in proof),
            intra_community=movement.code != NOT_INTRA_EU,
        ),
    ]


def _delivery(facts: ComplianceFacts, rule: _Maker) -> RuleOutcome:
    transport = facts.transport
    assert transport.delivery_date is not None
    if transport.pickup_date is not None and transport.delivery_date < transport.pickup_date:
        return rule(
            FAILED,
            f"delivered on {transport.delivery_date}, before the pickup on "
            f"{transport.pickup_date}: the milestones contradict each other",
            "DELIVERY_BEFORE_PICKUP",
        )
    return rule(PASSED, f"delivered on {transport.delivery_date}")


def _movement(facts: ComplianceFacts) -> RuleOutcome:
    """Both ends of the transport stated, by the milestones or the transport documents, in two
    different member states, and no source contradicting another (Art. 45a: the evidence must
    be non-contradictory)."""
    rule = _rule("INTRA_EU_MOVEMENT", "transport", ART_138_DISPATCH)
    transport = facts.transport
    contradictions = [
        f"the {end} is stated as {' and as '.join(f'{c} ({by})' for c, by in sources.items())}"
        for end, sources in (("origin", _origins(facts)), ("destination", _destinations(facts)))
        if len(sources) > 1
    ]
    if contradictions:
        return rule(
            FAILED,
            f"{'; '.join(contradictions)}: the evidence contradicts itself. Correct the "
            "milestone (revoke the pickup and confirm it again) or supersede the wrong document",
            "TRANSPORT_COUNTRIES_CONTRADICT",
        )
    origin, destination = _origin(facts), _destination(facts)
    if transport.pickup_date is None:
        return rule(PENDING, "where the transport begins is known at pickup")
    if origin is None:
        return rule(
            PENDING,
            "the member state where the transport began is not stated: the seller's country "
            "proves nothing. Revoke the pickup and confirm it again with its collectionAddress, "
            "or upload a transport document stating its originCountry (one dated before the "
            "sale, such as a standing insurance policy, states none)",
            "COLLECTION_COUNTRY_MISSING",
        )
    if transport.delivery_date is None:
        return rule(PENDING, f"from {origin}; the destination is known at delivery")
    arrival_today = _today_in(facts, destination or origin)
    if transport.delivery_date > arrival_today:
        # a transport dated ahead has not happened: no VIES answer of its day exists yet
        return rule(
            PENDING,
            f"the delivery is dated {transport.delivery_date}, after today ({arrival_today}): "
            "the supply is decided once its day has come",
            "DELIVERY_DATED_AHEAD",
        )
    if destination is None:
        return rule(
            PENDING,
            f"from {origin}, but the member state where the transport ended is not stated: the "
            "buyer's country proves nothing. A delivery address is needed, or a transport "
            "document stating its destinationCountry (one dated before the sale, such as a "
            "standing insurance policy, states none)",
            "DELIVERY_COUNTRY_MISSING",
        )
    outside = [c for c in dict.fromkeys((origin, destination)) if c not in MEMBER_STATES]
    if outside:
        return rule(
            FAILED,
            f"{' and '.join(outside)} is not an EU member state: not an intra-community "
            "supply (an export is proved under Art. 146, outside this platform)",
            NOT_INTRA_EU,
        )
    excluded = _outside_vat_territory(facts.transport)
    if excluded:
        return rule(
            FAILED,
            f"{'; '.join(excluded)}, outside the EU's VAT territory (Art. 5 and 6 "
            f"{_VAT_DIRECTIVE}): "
            "not an intra-community supply (an export is proved under Art. 146, outside this "
            "platform)",
            NOT_INTRA_EU,
        )
    if destination == origin:
        return rule(
            FAILED,
            f"delivered in {destination}, where the transport began: the goods did not leave "
            "the origin state, VAT applies",
            "NO_INTRA_EU_MOVEMENT",
            invalidates=True,
        )
    sold = facts.order.purchase_date
    if sold is not None and sold > transport.delivery_date:
        return rule(
            FAILED,
            f"delivered in {destination} on {transport.delivery_date}, before the sale on "
            f"{sold}: a vehicle that had arrived before it was sold was not dispatched under "
            "this supply. Correct the purchaseDate if it is wrong",
            "SOLD_AFTER_ARRIVAL",
        )
    return rule(PASSED, f"from {origin} to {destination}")


# Art. 6 VAT Directive: the parts of member states outside the EU's VAT territory, by the post
# codes (their digits) of the addresses there; the Faroe Islands and Greenland, outside the EU,
# by Danish-style post codes. Places outside the EU addressed with a member state's post codes
# too: the French Southern and Antarctic Lands (Annex II TFEU, Art. 355(2) TFEU), San Marino and
# the Vatican City (third countries, with Italian ones). Büsingen and Campione d'Italia are
# also addressed with their Swiss post codes ("CH-8238"): four digits, where German and Italian
# post codes have five, so they name no place in Germany or Italy.
_OUTSIDE_VAT_TERRITORY: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "DE": (
        (re.compile(r"27498"), "Heligoland"),
        (re.compile(r"78266|8238"), "Büsingen am Hochrhein"),
    ),
    "DK": ((re.compile(r"\d{3}"), "the Faroe Islands"), (re.compile(r"39\d\d"), "Greenland")),
    "ES": (
        (re.compile(r"3[58]\d{3}"), "the Canary Islands"),
        (re.compile(r"51\d{3}"), "Ceuta"),
        (re.compile(r"52\d{3}"), "Melilla"),
    ),
    "FI": ((re.compile(r"22\d{3}"), "the Åland Islands"),),
    "FR": (
        (re.compile(r"97\d{3}"), "a French overseas department or collectivity"),
        (re.compile(r"984\d\d"), "the French Southern and Antarctic Lands"),
        (re.compile(r"98[6-8]\d\d"), "a French overseas collectivity"),
    ),
    "GR": ((re.compile(r"6308[67]"), "Mount Athos"),),
    "IT": (
        (re.compile(r"22061|6911"), "Campione d'Italia"),
        (re.compile(r"23041"), "Livigno"),
        (re.compile(r"4789\d"), "San Marino"),
        (re.compile(r"00120"), "the Vatican City"),
    ),
}


def _outside_vat_territory(transport: TransportFacts) -> list[str]:
    """Which end's address lies in a part of a member state outside the EU's VAT territory."""
    ends = (
        ("collection", transport.collection_country, transport.collection_post_code),
        ("delivery", transport.delivery_country, transport.delivery_post_code),
    )
    return [
        f"the {end} address ({post_code}, {country}) is in {place}"
        for end, country, post_code in ends
        if country and post_code
        for pattern, place in _OUTSIDE_VAT_TERRITORY.get(_state(country), ())
        if pattern.fullmatch(re.sub(r"\D", "", post_code))
    ] + [
        # XI is Northern Ireland alone, whose post codes are BT ones: the rest of the United
        # Kingdom is outside the EU
        f"the {end} address ({post_code}, XI) is in Great Britain, not Northern Ireland"
        for end, country, post_code in ends
        if country and post_code and _state(country) == "XI"
        if not re.sub(r"\s", "", post_code).upper().startswith("BT")
    ]


def _vies_at_supply(facts: ComplianceFacts, matters: bool, decides: bool) -> RuleOutcome:
    rule = _rule("VIES_AT_SUPPLY", "transport", ART_138_VIES)
    if not matters:
        return rule(NOT_APPLICABLE, "a new means of transport is exempt whoever the buyer is")
    supply = facts.transport.pickup_date
    if supply is None:
        return rule(PENDING, "the buyer's VAT number is checked in VIES at pickup")
    check, why = _supply_time_check(_vies_answers(facts), facts.transport, facts.policy)
    if check is None:
        return rule(
            PENDING,
            f"no conclusive VIES answer for the buyer's VAT number at the supply on {supply} "
            f"({why}); VIES unavailable is no verdict",
            "VIES_PENDING",
        )
    answer = f"VIES answered {check.result} on {check.checked_on}" + (
        f" (consultation number {check.consultation_number})" if check.consultation_number else ""
    )
    if check.result == "VALID":
        return rule(PASSED, f"{answer} for the supply on {supply}")
    return rule(
        FAILED,
        f"{answer}: the buyer was not identified for VAT at the supply on {supply}, VAT applies",
        "VIES_INVALID",
        invalidates=decides,
    )


def _vies_in_transport(facts: ComplianceFacts, matters: bool, decides: bool) -> RuleOutcome:
    """The contract's transport window: the last conclusive VIES answer after the pickup, up
    to the delivery, must not be INVALID; a VALID one after it within the window resolves it."""
    rule = _rule("VIES_DURING_TRANSPORT", "transport", CONTRACT_VIES_WINDOW)
    if not matters:
        return rule(NOT_APPLICABLE, "a new means of transport is exempt whoever the buyer is")
    transport = facts.transport
    pickup, delivery = transport.pickup_date, transport.delivery_date
    if pickup is None:
        return rule(NOT_APPLICABLE, "the transport window opens at pickup")

    def in_window(check: ViesCheck) -> bool:
        if check.checked_on <= pickup or check.result not in ("VALID", "INVALID"):
            return False
        if delivery is None or check.checked_on <= delivery:
            return True
        confirmed, at = transport.delivery_confirmed_at, check.checked_at
        return confirmed is not None and at is not None and at <= confirmed

    window = [c for c in _vies_answers(facts) if in_window(c)]
    if not window or window[-1].result == "VALID":
        return rule(PASSED, "no VIES answer since the pickup says INVALID, or a VALID one followed")
    last = window[-1]
    return rule(
        FAILED,
        f"VIES answered INVALID on {last.checked_on}, after the pickup on {pickup} and "
        + (f"by the delivery on {delivery}" if delivery else "before the delivery")
        + ", and no VALID answer followed within the transport window: under the contract "
        "the order is INVALID unless the buyer's registration is restored before delivery",
        "VIES_INVALID_DURING_TRANSPORT",
        invalidates=decides,
    )


def _supply_time_check(
    checks: tuple[ViesCheck, ...], transport: TransportFacts, policy: Policy
) -> tuple[ViesCheck | None, str]:
    """The VIES answer that speaks for the time of supply, and why there is none.

    The last conclusive answer at or before the supply, at most ``vies_max_age_days`` old. An
    answer after the supply says nothing about the time of supply (Art. 138(1)(b) asks for the
    buyer's identification at the supply), however soon after it came. On the day of the
    supply, an answer given after the pickup was confirmed came after the vehicle left: it
    speaks for the supply only when none came before it that day or within the age limit, and
    a VALID one never outweighs an INVALID one given after the confirmation too.
    """
    supply = transport.pickup_date
    assert supply is not None
    conclusive = [c for c in checks if c.result in ("VALID", "INVALID")]
    before = [c for c in conclusive if c.checked_on <= supply]
    # days between dates, not a date shifted by days: a supply dated 0001-01-01 has no eve
    recent = [c for c in before if (supply - c.checked_on).days <= policy.vies_max_age_days]
    confirmed = transport.pickup_confirmed_at
    after_it = [
        c
        for c in recent
        if confirmed is not None
        and c.checked_at is not None
        and c.checked_on == supply
        and _utc(c.checked_at) > _utc(confirmed)
    ]
    until_it = [c for c in recent if c not in after_it]
    if until_it or after_it:
        check = until_it[-1] if until_it else after_it[0]
        refused = next((c for c in after_it if c.result == "INVALID"), None)
        return (refused if check.result == "VALID" and refused else check), ""
    if before:
        return None, (
            f"the last answer before it, on {before[-1].checked_on}, is more than "
            f"{policy.vies_max_age_days} day(s) older than the supply"
        )
    if any(c.checked_on > supply for c in conclusive):
        return None, "only answers after the supply, which say nothing about the time of supply"
    return None, "none at or before the supply"


def _vies_answers(facts: ComplianceFacts) -> tuple[ViesCheck, ...]:
    """Every VIES answer for the buyer's number, the order's own and those it heard of, once
    each, in the order VIES gave them, each on its day in the member state where the transport
    began (the seller's until that is stated), as a paper's day of receipt is: an answer at
    00:30 on the 5th there says nothing about a supply on the 4th."""
    state = _origin(facts) or facts.seller_country
    answers = dict.fromkeys((*facts.buyer.vies_checks, *facts.buyer.vies_heard))
    return _in_order(
        tuple(
            replace(c, checked_on=local_date(c.checked_at, state)) if c.checked_at else c
            for c in answers
        )
    )


def _in_order(checks: tuple[ViesCheck, ...]) -> tuple[ViesCheck, ...]:
    """Oldest first by the time VIES answered: of two answers of one day, the later one is
    the last, whichever was recorded first (an answer without its time sorts first that day)."""

    def moment(check: ViesCheck) -> tuple[date, float]:
        at = check.checked_at
        if at is None:
            return check.checked_on, float("-inf")
        return check.checked_on, _utc(at).timestamp()

    return tuple(sorted(checks, key=moment))


def _evidence_deadline(
    facts: ComplianceFacts, *, proven: bool, intra_community: bool
) -> RuleOutcome:
    rule = _rule(EVIDENCE_DEADLINE, "transport", ART_67_EVIDENCE)
    supply = facts.transport.pickup_date
    if supply is None:
        return rule(NOT_APPLICABLE, "runs from the supply (pickup)")
    if not intra_community:
        # an export (or a transport into the EU) is exempt or taxed by its own proof, which
        # this platform does not judge: the want of this one's proof taxes nothing
        return rule(
            NOT_APPLICABLE,
            "the transport does not run between two parts of the EU's VAT territory: no proof "
            "of an intra-community supply falls due (an export is proved under Art. 146, "
            "outside this platform)",
        )
    deadline = transport_evidence_deadline(supply, facts.policy.evidence_grace_days)
    if proven:
        return rule(PASSED, f"the transport is proved (evidence was due by {deadline})")
    if facts.today <= deadline:
        return rule(NOT_APPLICABLE, f"the proof of the transport is due by {deadline}")
    return rule(
        FAILED,
        f"the transport was still not proved on {deadline}, when the VAT on the supply had to be "
        "declared: the supply is taxed. Staff can decide again if the evidence arrives later",
        "TRANSPORT_EVIDENCE_OVERDUE",
        invalidates=True,
    )


def _contract_document(facts: ComplianceFacts) -> RuleOutcome:
    """The contract's transport paper: a CMR for company transport, the buyer's signed pickup
    declaration for self-pickup. The declaration is the buyer's when sent as the buyer's: the
    contract lets an upload leave issuerType out, the type's issuer (the buyer) then, so
    unlike the statement of Art. 45a(1)(b) it need not be stated."""
    rule = _rule("TRANSPORT_DOCUMENT", "transport", CONTRACT)
    pickup_type = facts.transport.pickup_type
    if pickup_type is None:
        return rule(PENDING, "the transport document depends on how the vehicle is picked up")
    doc_type, code, paper, signed_by = {
        COMPANY_TRANSPORT: ("TRANSPORT_CMR", "MISSING_CMR", "the CMR", None),
        SELF_PICKUP: (
            "TRANSPORT_PICKUP_DECLARATION",
            "MISSING_PICKUP_DECLARATION",
            "the pickup declaration signed by the buyer",
            "BUYER",
        ),
    }[pickup_type]
    papers = [d for d in _active(facts.documents) if d.type == doc_type]
    missing = [
        v.vin
        for v in facts.order.vehicles
        if not any(
            _concerns(d, v.vin)
            and signed_by in (None, d.issuer_type)
            and _not_of_this_transport(facts, d) is None
            for d in papers
        )
    ]
    if missing:
        others = [
            f"{_document_name(d)} was sent with issuerType {d.issuer_type}, not {signed_by}"
            for d in papers
            if signed_by not in (None, d.issuer_type)
        ]
        return rule(
            PENDING,
            f"{paper} of this transport for {', '.join(missing)} is missing"
            + (f" ({'; '.join(others)})" if others else ""),
            code,
        )
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
    national = NATIONAL_PROOFS.get(origin) if origin else None
    national_rule = _rule(
        "NATIONAL_TRANSPORT_PROOF",
        "transport",
        national.legal_basis if national else NATIONAL_PROOF_BASIS,
    )
    parties = {v.vin: _independent_parties(facts, v.vin) for v in vehicles}
    short = [vin for vin, found in parties.items() if not _presumed(found)]
    found = "; ".join(f"{vin}: {_describe_parties(p)}" for vin, p in parties.items())
    if not short:
        attested = evidence(PASSED, f"two independent parties attest the transport ({found})")
    elif facts.transport.delivery_date is None:
        attested = evidence(PENDING, f"collected by delivery; so far {found}")
    else:
        alternative = f", or {national.name}" if national else ""
        uncounted = "; ".join(
            [
                *_uncounted(facts),
                *_issued_by_another(facts),
                *_national_proofs_uncounted(facts, national),
            ]
        )
        attested = evidence(
            PENDING,
            f"the transport of {', '.join(short)} needs two items of evidence from two parties "
            "independent of each other, of the seller and of the buyer, each named with its "
            "issuerName (a CMR signed by the carrier, the carrier's invoice; or one of these "
            "with an insurance policy, a bank payment for the transport, a public authority's or "
            f"notary's document or a warehouse receipt){alternative}; so far {found}"
            + (f"; not counted: {uncounted}" if uncounted else ""),
            "INSUFFICIENT_TRANSPORT_EVIDENCE",
        )

    if attested.outcome == PASSED and statement.outcome in _DONE:
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
            if statement.outcome in _DONE
            else replace(statement, outcome=NOT_APPLICABLE, detail=not_needed, code=None),
            national_rule(PASSED, f"{national.name} is attached"),
        ]
    if national:
        not_counted = "; ".join(_national_proofs_uncounted(facts, national))
        fallback = national_rule(
            PENDING,
            f"{national.name} would prove the transport too"
            + (f"; not counted: {not_counted}" if not_counted else ""),
        )
    elif origin is None:
        fallback = national_rule(PENDING, "depends on the member state where the transport began")
    else:
        fallback = national_rule(NOT_APPLICABLE, f"no national alternative for {origin}")
    return [attested, statement, fallback]


def buyer_transports(transport: TransportFacts) -> bool:
    """Art. 45a(1)(b): the buyer collected the vehicle or hired the carrier."""
    return transport.pickup_type == SELF_PICKUP or transport.arranged_by == "BUYER"


def _buyer_statement(facts: ComplianceFacts, rule: _Maker) -> RuleOutcome:
    transport = facts.transport
    if transport.pickup_type is None or transport.pickup_date is None:
        return rule(PENDING, "needed if the buyer transports the vehicle or hires the carrier")
    if not buyer_transports(transport):
        return rule(NOT_APPLICABLE, "the seller arranged the transport")
    due = buyer_statement_due_date(transport.pickup_date, facts.policy.statement_due_day)
    statements = {v.vin: _first_statement_for(facts, v.vin) for v in facts.order.vehicles}
    late = [
        f"{vin} (received {_received_on(facts, doc)})"
        for vin, doc in statements.items()
        if doc and _received_on(facts, doc) > due
    ]
    missing = [vin for vin, doc in statements.items() if doc is None]
    if not late and not missing:
        return rule(PASSED, f"the buyer's written statement was received by {due}")
    uncounted = [
        f"{_document_name(d)}: {why}"
        for d in _active(facts.documents)
        if d.type in _STATEMENT_TYPES
        and (
            why := _unidentified(d)
            or _not_a_statement_of_this_transport(facts, d)
            or _a_file_of_another_issuer(facts, d)
        )
    ]
    not_counted = f"; not counted: {'; '.join(uncounted)}" if uncounted else ""
    if late or facts.today > due:
        return rule(
            FAILED,
            "the buyer's written statement was due by "
            f"{due}: {', '.join(late + [f'{vin} (missing)' for vin in missing])}. The "
            "presumption of Art. 45a is lost for this supply; prove the transport otherwise"
            + not_counted,
            "BUYER_STATEMENT_OVERDUE",
        )
    return rule(
        PENDING,
        f"the buyer's written statement for {', '.join(missing)} is due by {due} (destination, "
        "date of issue, buyer's name and address, the vehicle and its VIN, date and place of "
        "arrival, who accepted the vehicle); the pickup declaration signed by the buyer is it "
        "when it names the VIN and the destination and is signed on or after the arrival. "
        "Upload it with issuerType BUYER, its vins and its destinationCountry, the one the "
        "transport ended in" + not_counted,
        "BUYER_STATEMENT_MISSING",
    )


# The buyer's written statement of Art. 45a(1)(b): its own document, or the pickup declaration
# the buyer signs, which the contract asks to name the VIN and the destination.
_STATEMENT_TYPES = frozenset({BUYER_STATEMENT, "TRANSPORT_PICKUP_DECLARATION"})


def _first_statement_for(facts: ComplianceFacts, vin: str) -> DocumentFacts | None:
    """The first statement received for this VIN while one is active: a corrected copy that
    superseded it cannot make it late.

    Art. 45a(1)(b)(i) asks the acquirer's statement to identify the goods and the destination
    member state: a paper counts only when it names this VIN (naming none is not naming every
    vehicle), names the destination the transport has, and was sent as issued by the buyer (a
    type's default issuer proves no one signed it) and not signed by another party."""
    statements = [
        d
        for d in facts.documents
        if d.type in _STATEMENT_TYPES
        and _the_buyers(facts, d, vin)
        and _not_a_statement_of_this_transport(facts, d) is None
    ]
    if not any(d.status == ACTIVE for d in statements):
        return None
    return min(statements, key=lambda d: _received_on(facts, d))


def _not_a_statement_of_this_transport(facts: ComplianceFacts, doc: DocumentFacts) -> str | None:
    """Why a paper cannot be the buyer's statement of this transport, or None. The statement
    gives the date and place of arrival (Art. 45a(1)(b)(i)): the pickup declaration, signed
    when the vehicle is taken over, is it only when dated and received on or after the
    arrival, as the buyer's own statement is, which bears its date of issue besides."""
    if why := _not_of_this_transport(facts, doc) or _undated(doc, _DATED_AS_STATEMENT):
        return why
    arrival = facts.transport.delivery_date
    if (
        doc.type == "TRANSPORT_PICKUP_DECLARATION"
        and arrival is not None
        and _dated_or_received_before(facts, doc, arrival, _transport_days(facts)[1])
    ):
        return (
            f"dated or received before the delivery on {arrival}, so it cannot state the date "
            "and place of arrival the buyer's statement gives"
        )
    return None


# The buyer's papers of the arrival whose contents the law opens with their date of issue: the
# written statement (Art. 45a(1)(b)(i)) and the Gelangensbestätigung (§ 17b Abs. 2 Satz 1 Nr. 2
# UStDV, its Ausstellungsdatum). Undated, nothing shows one was issued after the arrival it
# reports rather than in advance, signed with the purchase contract.
_DATED_BY_LAW = frozenset({BUYER_STATEMENT, "NATIONAL_ARRIVAL_CONFIRMATION"})
# and the pickup declaration where it stands for the statement, whose date it then bears
_DATED_AS_STATEMENT = _DATED_BY_LAW | _STATEMENT_TYPES


def _undated(doc: DocumentFacts, dated_by_law: frozenset[str] = _DATED_BY_LAW) -> str | None:
    """Why a paper the law asks to bear its date of issue (one of ``dated_by_law``) proves
    nothing without one, or None."""
    if doc.type not in dated_by_law or doc.document_date is not None:
        return None
    return (
        "undated: the law asks for its date of issue, and nothing shows it was issued after "
        "the arrival it reports rather than in advance. Send it again with its documentDate"
    )


def _the_buyers(facts: ComplianceFacts, doc: DocumentFacts, vin: str) -> bool:
    """A paper the buyer gives about the transport of a vehicle (its written statement, the
    pickup declaration standing for it, a national confirmation of arrival): sent as the
    buyer's, naming the VIN and the destination the transport has, its file sent as no other
    issuer's, and not signed by the seller or by another party of the order's papers under
    the buyer's label."""
    destination = _destination(facts)
    return (
        doc.issuer_type == "BUYER"
        and doc.issuer_stated
        and doc.vins is not None
        and vin in doc.vins
        and destination is not None
        and doc.destination_country is not None
        and _state(doc.destination_country) == destination
        and _unidentified(doc) is None
        and _a_file_of_another_issuer(facts, doc) is None
        and not _signed_by_another(facts, doc)
    )


def _a_file_of_another_issuer(facts: ComplianceFacts, doc: DocumentFacts) -> str | None:
    """Why a paper sent as the buyer's is another's file, or None: one file is one document
    of one issuer, so a file also sent under another issuer type (the seller's invoice, the
    carrier's CMR; superseded or not) is not the buyer's, whatever it is sent as."""
    other = next(
        (
            d
            for d in facts.documents
            if doc.sha256 and d.sha256 == doc.sha256 and d.issuer_type != doc.issuer_type
        ),
        None,
    )
    if other is None:
        return None
    return (
        f"the same file as {_document_name(other)}, sent as issued by {other.issuer_type}: one "
        "file is one issuer's document, not the buyer's"
    )


def _signed_by_another(facts: ComplianceFacts, doc: DocumentFacts) -> bool:
    """The paper names its issuer, and that issuer is not the buyer: the seller (as the order
    names it, or a paper sent as the seller's, also one since superseded), an issuer of the
    order's other papers (a carrier, an insurer ...), or another company, by a VAT number
    or a company's name that is not the buyer's. A person signing for the buyer, or the
    buyer's registration number, is the buyer's; a number that is another's makes the paper
    another's, whatever name it gives, and so does the name of another party of the order,
    whatever number it gives: the seller's name beside the buyer's VAT number is the seller's
    signature (§ 17b Abs. 2 Satz 1 Nr. 2 UStDV, Art. 45a(1)(b)(i): the acquirer's)."""
    name, number = (doc.issuer_name or "").strip(), _id_key(doc.issuer_id)
    buyers_number = _id_key(facts.buyer.vat_number)
    others = [
        (facts.seller_name, facts.seller_vat_number),
        *(
            (d.issuer_name, d.issuer_id)
            for d in facts.documents
            if d is not doc
            and d.issuer_type != "BUYER"
            and (d.status == ACTIVE or d.issuer_type == "SELLER")
        ),
    ]
    anothers = _a_vat_number(number) or any(
        _same_number(number, _id_key(other_id)) for _, other_id in others
    )
    if anothers and not _same_number(number, buyers_number):
        return True
    if not _same_entity_name(name, facts.buyer.name) and any(
        # a paper that gives the name with the buyer's number is the buyer's under that name
        _same_entity_name(name, other or "") and not _same_number(_id_key(other_id), buyers_number)
        for other, other_id in others
    ):
        return True
    if _same_entity(name, number, facts.buyer.name, facts.buyer.vat_number):
        return False
    if _a_company_name(name):
        return True
    return any(_same_entity(name, number, other, other_id) for other, other_id in others)


def _a_vat_number(number: str) -> bool:
    """A member state's VAT number by its form: its prefix, then a national part of that
    state's length and characters (a wrong check digit still makes one). A registration
    number is not one, though it may begin with letters: "HRB 12345" is a German register's,
    not a Croatian VAT number."""
    try:
        vat.validate(number)
    except InvalidChecksum:
        return True
    except ValidationError:
        return False
    return True


# Legal forms no one is named, by their words ("Sp. z o.o." is "sp z oo"): a name with one is
# a company's wherever the form stands
_COMPANY_FORMS = frozenset(
    {
        "aps", "asbl", "bvba", "corp", "cvba", "doo", "ead", "eood", "eurl", "gbr", "gmbh",
        "inc", "jdoo", "kft", "kgaa", "limited", "llc", "lda", "ltd", "ltda", "mbh", "nyrt",
        "ohg", "ood", "oyj", "plc", "sapa", "sarl", "sasu", "scrl", "selarl", "sll", "slu",
        "snc", "sp z oo", "spa", "spk", "spol", "sprl", "srl", "srls", "sro", "uab", "vof",
        "vzw", "zrt",
    }
)  # fmt: skip
# Legal forms that are words or people's names too ("Sas", "Sia", "Ike", "Ab", "As"): a
# company's only as a form is written, in capitals or with its dots, opening or closing the
# name ("Garage Martin SAS", "Van Dijk Transport B.V.", "SIA Baltic Auto"), never a person's
# "Maria Sas" or "Anna Sia"
_FORMS_AS_WRITTEN = frozenset(
    form.removesuffix(".")
    for form in (
        "A.E.", "A.S.", "A/S", "AB", "AD", "AE", "AG", "AS", "AY", "B.V.", "BT", "BV", "Bt.",
        "C.V.", "CV", "D.D.", "DAC", "E.P.E.", "EPE", "HB", "I.K.E.", "I/S", "IKE", "IVS",
        "K/S", "KB", "KG", "KS", "Ky", "KY", "MB", "N.V.", "NV", "O.E.", "OE", "OG", "OY",
        "OÜ", "Oy", "P/S", "S.A.", "S.A.S.", "S.C.", "S.L.", "S.a.s.", "S.à r.l.", "SA", "SAS",
        "SC", "SCA", "SCI", "SCS", "SE", "SIA", "SL", "UG", "V.O.S.", "a.s.", "d.d.", "e.K.",
        "k.s.", "v.o.s.",
    )
)  # fmt: skip


def _a_company_name(name: str) -> bool:
    """A name with a company's legal form ("Garage Martin SARL", "Transporte Müller AG"),
    unlike a person's."""
    words = " ".join(_name_words(name))
    if any(f" {form} " in f" {words} " for form in _COMPANY_FORMS):
        return True
    written = _as_shown(name).replace(",", " ").split()
    ends = {
        " ".join(part).removesuffix(".")
        for n in range(1, min(3, len(written) - 1) + 1)
        for part in (written[:n], written[-n:])
    }
    return bool(ends & _FORMS_AS_WRITTEN)


def _same_entity(name: str, number: str, other: str | None, other_number: str | None) -> bool:
    """One entity: the same name without legal form, or the same VAT or registration number."""
    return _same_entity_name(name, other or "") or _same_number(number, _id_key(other_number))


def _received_on(
    facts: ComplianceFacts, doc: DocumentFacts, received_in: str | None = None
) -> date:
    """The day a paper was received in the member state where the transport began (the
    seller's, until that is stated), or in ``received_in``: a statement uploaded at 00:30 on
    the 11th there is late, though it is still the 10th in UTC. Unknown, today."""
    if doc.received_at is not None:
        return local_date(doc.received_at, received_in or _origin(facts) or facts.seller_country)
    return doc.received_on or facts.today


def _national_proof_for(facts: ComplianceFacts, proof: NationalProof, vin: str) -> bool:
    """The origin state's own proof for the vehicle, from whom that state asks it: the buyer's
    confirmation of arrival is read as the buyer's statement is (its VIN, the destination, sent
    as the buyer's, dated), and no confirmation of arrival predates the arrival."""
    return any(
        d.type == proof.document_type
        and (
            _the_buyers(facts, d, vin)
            if proof.issuer_type == "BUYER"
            else d.issuer_type == proof.issuer_type and d.vins is not None and vin in d.vins
        )
        and _not_a_national_proof_of_this_transport(facts, d) is None
        for d in _active(facts.documents)
    )


def _not_a_national_proof_of_this_transport(
    facts: ComplianceFacts, doc: DocumentFacts
) -> str | None:
    """Why the origin state's proof is not one of this transport (the Gelangensbestätigung is
    dated, as the buyer's statement is), or None."""
    return _not_of_this_transport(facts, doc) or _undated(doc)


def _national_proofs_uncounted(facts: ComplianceFacts, proof: NationalProof | None) -> list[str]:
    """The origin state's proofs sent that are not of this transport, and why: they are asked
    for again, not dropped unsaid."""
    if proof is None:
        return []
    return [
        f"{_document_name(d)}: {why}"
        for d in _active(facts.documents)
        if d.type == proof.document_type
        and (why := _not_a_national_proof_of_this_transport(facts, d))
    ]


# Papers that confirm the arrival (Art. 45a(3): the CMR signed at delivery, a confirmation of
# arrival, a public authority's, a warehouse keeper's receipt in the destination state), and
# the buyer's statement, which gives the date and place of arrival (Art. 45a(1)(b)(i))
_ARRIVAL_PAPERS = frozenset(
    {
        "TRANSPORT_CMR_DELIVERY",
        _ARRIVAL_CONFIRMATION,
        _PUBLIC_AUTHORITY_DOCUMENT,
        _WAREHOUSE_RECEIPT,
        BUYER_STATEMENT,
        *(proof.document_type for proof in NATIONAL_PROOFS.values()),
    }
)
# Papers made when the vehicle is taken over: the CMR the carrier signs then, the pickup
# declaration the buyer signs
_PICKUP_PAPERS = frozenset({"TRANSPORT_CMR", "TRANSPORT_PICKUP_DECLARATION"})
# The consignment note is made out when the vehicle is taken over and signed when it arrives:
# one dated after the arrival is not of this transport
_CONSIGNMENT_NOTES = frozenset({"TRANSPORT_CMR", "TRANSPORT_CMR_DELIVERY"})
# The carrier's bill and the payment of it: made for one transport, never before the sale (an
# insurance policy may be a standing one, older than the sale, and is not among them)
_PAID_FOR_A_TRANSPORT = frozenset(
    {"TRANSPORT_FORWARDER_INVOICE", "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT"}
)
# While the sale date is unknown, a carrier's bill or its payment counts only this many days
# before the pickup at most (a transport booked and paid ahead); an older one may be of an
# earlier transport, which the sale date alone would rule out
_BILLED_AHEAD_DAYS = 14
_TRANSPORT_PAPERS = _ROUTE_PAPERS | _ARRIVAL_PAPERS
_INSURANCE_POLICY = "TRANSPORT_INSURANCE_POLICY"


def _not_of_this_transport(
    facts: ComplianceFacts, doc: DocumentFacts, days: tuple[str, str] | None = None
) -> str | None:
    """Why a paper of the transport cannot be about the transport its milestones record, or
    None: received before the pickup was revoked (a paper of the aborted transport), dated or
    received before the pickup or the arrival it would attest (a paper written in advance, or
    of an earlier transport), a consignment note dated after the arrival, a carrier's bill or
    its payment undated or dated before the sale (while the sale date is unknown, more than
    ``_BILLED_AHEAD_DAYS`` before the pickup), or a warehouse keeper's receipt or confirmation of
    arrival that does not place the warehouse in a member state. It contradicts the milestones
    rather than proving them; a paper that still holds is sent again. ``days`` are the member
    states on whose days a receipt is set against the pickup and against the arrival, by
    default where the transport began and where it ended (``_transport_days``)."""
    transport = facts.transport
    if doc.type not in _TRANSPORT_PAPERS:
        return None
    if revoked := _of_a_revoked_transport(facts, doc):
        return revoked
    for papers, milestone, day, end in (
        (_PICKUP_PAPERS, "pickup", transport.pickup_date, 0),
        (_ARRIVAL_PAPERS, "delivery", transport.delivery_date, 1),
    ):
        if (
            doc.type in papers
            and day is not None
            and _dated_or_received_before(
                facts,
                doc,
                day,
                # the pickup's day is the origin's, the delivery's the destination's
                (days or _transport_days(facts))[end] if doc.received_at else None,
            )
        ):
            return f"dated or received before the {milestone} on {day}, so it cannot attest it"
    sold, arrived, dated = facts.order.purchase_date, transport.delivery_date, doc.document_date
    if doc.type in _CONSIGNMENT_NOTES and arrived and dated and dated > arrived:
        return (
            f"dated {dated}, after the arrival on {arrived}: a consignment note is made out "
            "when the vehicle is taken over and signed when it arrives"
        )
    if doc.type in _PAID_FOR_A_TRANSPORT and dated is None:
        return (
            "undated: a bill or a payment shows its transport by its date, and nothing shows "
            "this one is of this transport rather than an earlier one. Send it again with its "
            "documentDate"
        )
    if doc.type in _PAID_FOR_A_TRANSPORT and sold and dated and dated < sold:
        return f"dated {dated}, before the vehicle was sold on {sold}: of another transport"
    picked_up = transport.pickup_date
    if (
        doc.type in _PAID_FOR_A_TRANSPORT
        and sold is None
        and dated
        and picked_up
        and (picked_up - dated).days > _BILLED_AHEAD_DAYS
    ):
        return (
            f"dated {dated}, more than {_BILLED_AHEAD_DAYS} days before the pickup on "
            f"{picked_up}, and the order states no purchaseDate: nothing shows it is of this "
            "transport rather than an earlier one. State the order's purchaseDate (a PATCH of "
            "the order)"
        )
    if _a_warehouse_keepers(doc) and not (doc.destination_country or "").strip():
        return (
            "it does not state where the warehouse is (destinationCountry): only a warehouse "
            "keeper's receipt in the member state of destination counts (Art. 45a(3)(b))"
        )
    if _official_of_the_arrival(doc) and not (doc.destination_country or "").strip():
        return (
            "it does not state the member state where the vehicle arrived "
            "(destinationCountry): an official document counts as it confirms the arrival in "
            "the member state of destination (Art. 45a(3)(b)(ii))"
        )
    if doc.type == _INSURANCE_POLICY and arrived and dated and dated > arrived:
        return (
            f"dated {dated}, after the arrival on {arrived}: a policy taken out once the "
            "transport had ended insured none of it"
        )
    return None


def _dated_or_received_before(
    facts: ComplianceFacts, doc: DocumentFacts, day: date, received_in: str | None
) -> bool:
    dated = doc.document_date is not None and doc.document_date < day
    return dated or _received_on(facts, doc, received_in) < day


def _transport_days(facts: ComplianceFacts) -> tuple[str, str]:
    """The member states on whose days a paper's receipt is set against the pickup and against
    the arrival: the pickup date is a day of where the transport began (the seller's, while
    that is not stated), the delivery date one of where it ended (where it began, while that
    is not stated), as ``_movement`` reads it; so a paper received at 23:30 in Porto was
    written before an arrival in Porto the next day, though that day had begun in Germany."""
    return _days_of(facts, _origin(facts), _destination(facts))


def _days_of(
    facts: ComplianceFacts, origin: str | None, destination: str | None
) -> tuple[str, str]:
    began = origin or facts.seller_country
    return began, destination or began


def _official_of_the_arrival(doc: DocumentFacts) -> bool:
    """An official document of list (b): a public authority's or a notary's, which counts as
    it confirms the arrival in the member state of destination (Art. 45a(3)(b)(ii)); one that
    names no destination confirms none."""
    return doc.type == _PUBLIC_AUTHORITY_DOCUMENT or (
        doc.type == _ARRIVAL_CONFIRMATION and doc.issuer_type in ("PUBLIC_AUTHORITY", "NOTARY")
    )


def _a_warehouse_keepers(doc: DocumentFacts) -> bool:
    """A warehouse keeper's paper of the arrival: its receipt, or its confirmation of arrival,
    both list (b) only as the receipt of the member state of destination (Art. 45a(3)(b))."""
    return doc.type == _WAREHOUSE_RECEIPT or (
        doc.type == _ARRIVAL_CONFIRMATION and doc.issuer_type == "WAREHOUSE_KEEPER"
    )


def _of_a_revoked_transport(facts: ComplianceFacts, doc: DocumentFacts) -> str | None:
    """Why a paper of the transport is one of the transport whose pickup was revoked: it
    was received before the revocation (in UTC: no member state's day is needed)."""
    revoked = facts.transport.revoked_at
    if doc.type not in _TRANSPORT_PAPERS or revoked is None or not _received_before(doc, revoked):
        return None
    return f"received before the pickup was revoked ({_utc(revoked):%Y-%m-%d %H:%M} UTC)"


def _received_before(doc: DocumentFacts, moment: datetime) -> bool:
    if doc.received_at is not None:
        return _utc(doc.received_at) < _utc(moment)
    return doc.received_on is not None and doc.received_on < _utc(moment).date()


@dataclass
class _Party:
    """One issuing entity: the papers whose normalised name or number are the same."""

    name: str  # as first written
    lists: set[str]  # "a", "b"


@dataclass
class _Entity:
    """One entity the order and its papers name: every normalised name and number that one
    of them gives with another is one entity's (contract §17: the same normalised name or
    issuerId is one entity, whatever issuerType it was sent with)."""

    name_keys: set[str]
    ids: set[str]
    # what makes it the seller or the buyer (the order's name or number of them, or a paper
    # sent as theirs), when one of its names or numbers is theirs; None: independent of them
    theirs: str | None

    def names(self, name: str, number: str) -> bool:
        key = _entity_key(name) if _names_an_entity(name) else ""
        return key in self.name_keys or any(_same_number(number, known) for known in self.ids)


def _entities(facts: ComplianceFacts) -> list[_Entity]:
    """The entities of the seller, of the buyer and of the issuers of the active papers, each
    name and number joined with those given beside it: an entity whose name or number is the
    seller's or the buyer's on one paper is theirs on all (contract §17)."""
    entities: list[_Entity] = []

    def add(name: str | None, number: str | None, theirs: str | None) -> None:
        name, number = (name or "").strip(), _id_key(number)
        key = _entity_key(name) if _names_an_entity(name) else ""
        if not key and not number:
            return
        entity = _Entity({key} - {""}, {number} - {""}, theirs)
        for other in [e for e in entities if e.names(name, number)]:
            entities.remove(other)  # one paper may join two entities seen apart so far
            entity = _Entity(
                other.name_keys | entity.name_keys,
                other.ids | entity.ids,
                other.theirs or entity.theirs,
            )
        entities.append(entity)

    add(facts.seller_name, facts.seller_vat_number, "the seller")
    add(facts.buyer.name, facts.buyer.vat_number, "the buyer")
    for doc in _own_papers(facts):
        add(
            doc.issuer_name,
            doc.issuer_id,
            f"{_document_name(doc)}, sent as the {doc.issuer_type.lower()}'s",
        )
    for doc in _active(facts.documents):
        if doc.issuer_type not in _NOT_INDEPENDENT and _unidentified(doc) is None:
            add(doc.issuer_name, doc.issuer_id, None)
    return entities


def _entity_of(entities: list[_Entity], doc: DocumentFacts) -> _Entity | None:
    name, number = (doc.issuer_name or "").strip(), _id_key(doc.issuer_id)
    return next((e for e in entities if e.names(name, number)), None)


def _independent_parties(facts: ComplianceFacts, vin: str) -> list[_Party]:
    """The entities behind list (a) and list (b) evidence for a VIN that are independent of
    the seller and the buyer. A paper proves a party only with its issuer's name; the same
    name or issuer number under any issuer type is one entity, and one that any paper ties to
    the seller or the buyer is theirs on every paper."""
    parties: dict[int, _Party] = {}
    entities = _entities(facts)
    # one file is one item, whatever it was sent as: the seller's or buyer's own file is theirs
    # under any other label too, and the price's payment proof no proof of the transport's
    files = set(_files_that_prove_no_party(facts))
    for doc in _active(facts.documents):
        kind = _evidence_list(doc)
        name = (doc.issuer_name or "").strip()
        if not kind or not _concerns(doc, vin) or not _names_an_entity(name):
            continue
        if _not_of_this_transport(facts, doc) is not None or doc.sha256 in files:
            continue
        if _unidentified(doc) or doc.issuer_type in _NOT_INDEPENDENT:
            continue
        entity = _entity_of(entities, doc)
        if entity is None or entity.theirs is not None:
            continue
        if doc.sha256:
            files.add(doc.sha256)
        parties.setdefault(id(entity), _Party(name, set())).lists.add(kind)
    return list(parties.values())


def _uncounted(facts: ComplianceFacts) -> list[str]:
    """The evidence papers that name an issuer and still prove no party, and why."""
    reasons = []
    files: dict[str, DocumentFacts] = {}
    own = [(d.issuer_name, d.issuer_id) for d in _own_papers(facts)]  # as their papers name them
    seller_and_buyer = _seller_and_buyer(facts)
    entities = _entities(facts)
    spoken_for = _files_that_prove_no_party(facts)
    for doc in _active(facts.documents):
        name = (doc.issuer_name or "").strip()
        if not _evidence_list(doc) or not _entity_key(name):
            continue
        first = files.setdefault(doc.sha256, doc) if doc.sha256 else doc
        if unidentified := _unidentified(doc):
            reasons.append(f"{_document_name(doc)}: {unidentified}")
        elif not _names_an_entity(name):
            reasons.append(f"{_document_name(doc)}: its issuerName names a role, not an entity")
        elif why := _not_of_this_transport(facts, doc):
            reasons.append(f"{_document_name(doc)}: {why}")
        elif doc.issuer_type not in _NOT_INDEPENDENT and _is_seller_or_buyer(
            own, name, doc.issuer_id
        ):
            reasons.append(
                f"{_document_name(doc)}: its issuer also issued a paper as the seller or the "
                "buyer, so it is not independent of them"
            )
        elif (
            doc.issuer_type not in _NOT_INDEPENDENT
            and (entity := _entity_of(entities, doc)) is not None
            and entity.theirs is not None
            and not _is_seller_or_buyer(seller_and_buyer, name, doc.issuer_id)
        ):
            reasons.append(
                f"{_document_name(doc)}: its issuer is one entity with {entity.theirs}, by a "
                "name or number another of its papers gives, so it is not independent of the "
                "seller and the buyer"
            )
        elif doc.issuer_type not in _NOT_INDEPENDENT and doc.sha256 in spoken_for:
            reasons.append(f"{_document_name(doc)}: the same file as {spoken_for[doc.sha256]}")
        elif first is not doc:
            reasons.append(
                f"{_document_name(doc)}: the same file as {_document_name(first)}, one item "
                "of evidence"
            )
    return reasons


def _issued_by_another(facts: ComplianceFacts) -> list[str]:
    """The list papers sent as issued by someone who issues no such paper, which no list
    takes."""
    return [
        f"{_document_name(d)}: sent as issued by {d.issuer_type}, not by {_ISSUED_BY[d.type][1]}"
        for d in _active(facts.documents)
        if not _issued_by_its_issuer(d)
    ]


def _issued_by_its_issuer(doc: DocumentFacts) -> bool:
    """Whether a paper named for its issuer (a bank's payment, a public authority's
    document, ...) was sent as issued by one; any other paper is."""
    issuers = _ISSUED_BY.get(doc.type)
    return issuers is None or doc.issuer_type in issuers[0]


def _own_papers(facts: ComplianceFacts) -> list[DocumentFacts]:
    """The papers the seller or the buyer issued, by their own label, also those a newer
    upload superseded: a name or number once sent as theirs stays theirs, as their files do."""
    return [d for d in facts.documents if d.issuer_type in _NOT_INDEPENDENT]


def _files_that_prove_no_party(facts: ComplianceFacts) -> dict[str, str]:
    """The files that are another item than the transport's, whatever else they are sent as,
    with the paper they are: those the seller or the buyer sent as their own (a file once
    theirs stays theirs, also after a corrected copy superseded it), and the proofs of the
    price's payment, which prove no payment for the transport (Art. 45a(3)(b))."""
    files: dict[str, str] = {}
    for d in facts.documents:
        if not d.sha256:
            continue
        if d.issuer_type in _NOT_INDEPENDENT:
            files.setdefault(
                d.sha256, f"{_document_name(d)}, sent as the seller's or the buyer's: theirs"
            )
        elif d.type in _PRICE_PAYMENT_PROOFS:
            files.setdefault(
                d.sha256,
                f"{_document_name(d)}, the proof of the price's payment, which proves no "
                "payment for the transport",
            )
    return files


def _seller_and_buyer(facts: ComplianceFacts) -> list[tuple[str | None, str | None]]:
    """The seller and the buyer (name, number) as the order names them, and as each paper
    they issued themselves does: that name or number on a carrier's paper is still theirs."""
    return [
        (facts.seller_name, facts.seller_vat_number),
        (facts.buyer.name, facts.buyer.vat_number),
        *((d.issuer_name, d.issuer_id) for d in _own_papers(facts)),
    ]


def _is_seller_or_buyer(
    own: list[tuple[str | None, str | None]], name: str, issuer_id: str | None
) -> bool:
    return any(_same_entity(name, _id_key(issuer_id), *party) for party in own)


def _evidence_list(doc: DocumentFacts) -> str | None:
    if not _issued_by_its_issuer(doc):
        return None
    if doc.type in _LIST_A_TYPES:
        return "a"
    if doc.type in _LIST_B_TYPES:
        return "b"
    if doc.type == _ARRIVAL_CONFIRMATION:
        return _ARRIVAL_CONFIRMATION_LIST.get(doc.issuer_type)
    return None


def _presumed(parties: list[_Party]) -> bool:
    """Two list (a) items from two parties, or one list (a) item and one list (b) item from
    another party (Art. 45a(1)(a)(i)): two entities, one of them behind a list (a) item."""
    return len(parties) >= 2 and any("a" in p.lists for p in parties)


def _describe_parties(parties: list[_Party]) -> str:
    described = [
        f"{p.name} (list {' and '.join(f'({k})' for k in sorted(p.lists))})" for p in parties
    ]
    return ", ".join(described) or "no independent named issuer"


# ----- module summaries -----


def _modules(
    facts: ComplianceFacts, outcomes: list[RuleOutcome], status: ComplianceStatus
) -> Modules:
    kyc, transport, payment = facts.buyer.kyc, facts.transport, facts.payment
    invoice = _deal_invoice(facts.invoices)
    shown = next((i for i in reversed(facts.invoices) if i.type == FINAL), invoice)
    picked_up, delivered = transport.pickup_date is not None, transport.delivery_date is not None
    vin_status: str = status
    if status == ComplianceStatus.INCOMPLETE:
        vin_status = "TRANSPORT_PENDING" if picked_up and not delivered else "PENDING"
    return Modules(
        buyer=BuyerSummary(
            status=overall_status(kyc),
            vies_result=kyc.vies_result,
            documents_complete=kyc.documents_complete,
            kyc_verification_status=kyc.verification_status if kyc.kyc_mode == NT24_LED else None,
        ),
        order=OrderSummary(
            status=_module_status(outcomes, "order", valid="COMPLETE", pending="INCOMPLETE"),
            vins=tuple(VinSummary(v.vin, vin_status) for v in facts.order.vehicles),
        ),
        invoice=InvoiceSummary(
            status=_module_status(outcomes, "invoice", valid="VALID", pending="SUBMITTED")
            if shown
            else "DRAFT",
            type=shown.type if shown else None,
            vat_included=shown.vat_included if shown else None,
            final_invoice_required=any(i.type == PRELIMINARY for i in facts.invoices),
            final_invoice_received=any(i.type == FINAL for i in facts.invoices),
        ),
        payment=PaymentSummary(
            status=_module_status(outcomes, "payment", valid="VALID", pending="SUBMITTED")
            if payment
            else "DRAFT",
            amount_matches_invoice=amount_matches_invoice(payment, invoice.amount)
            if payment and invoice
            else None,
            iban_consistent=_iban_accepted(payment) if payment and payment.source_iban else None,
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
        return "INVALID"
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


def _origin(facts: ComplianceFacts) -> str | None:
    """The member state where the transport began, when stated (by the pickup's collection
    address or a transport document) and not contradicted; never assumed."""
    return _ends_stated_by(facts, _route_papers(facts))[0]


def _destination(facts: ComplianceFacts) -> str | None:
    """Where the transport ended, when stated (delivery address or a transport document)."""
    return _ends_stated_by(facts, _route_papers(facts))[1]


def _origins(facts: ComplianceFacts) -> dict[str, str]:
    """Each member state stated as the origin, with who stated it first."""
    return _origins_in(facts, _route_papers(facts))


def _destinations(facts: ComplianceFacts) -> dict[str, str]:
    return _destinations_in(facts, _route_papers(facts))


def _origins_in(facts: ComplianceFacts, papers: list[DocumentFacts]) -> dict[str, str]:
    return _stated(
        ("the collection address", facts.transport.collection_country),
        *((_document_name(d), d.origin_country) for d in papers),
    )


def _destinations_in(facts: ComplianceFacts, papers: list[DocumentFacts]) -> dict[str, str]:
    return _stated(
        ("the delivery address", facts.transport.delivery_country),
        *((_document_name(d), d.destination_country) for d in papers),
    )


def _ends_stated_by(
    facts: ComplianceFacts, papers: list[DocumentFacts]
) -> tuple[str | None, str | None]:
    """Where the transport began and where it ended, as the milestones and ``papers`` state
    them, when one member state is stated and a milestone or a paper of this sale states it."""
    of_this_sale = [d for d in papers if not _dated_before_the_sale(facts, d)]
    return (
        _the_one(_origins_in(facts, papers), _origins_in(facts, of_this_sale)),
        _the_one(_destinations_in(facts, papers), _destinations_in(facts, of_this_sale)),
    )


def _route_papers(facts: ComplianceFacts) -> list[DocumentFacts]:
    """The papers whose word on where the transport began and ended counts: the transport's
    own and the buyer's statements about it, not an invoice, a payment or an order's note,
    nor a paper of another transport.

    Their receipt is read as every other rule reads it, on the days of where the transport
    began and ended (``_transport_days``), which are what these papers state: read first on
    the seller's day, then on the days the papers taken so far state, until those days were
    all read. A paper of this transport on any day read is taken, so one counted as evidence
    on the transport's days always had its countries set against the others (Art. 45a(1)(a):
    non-contradictory items): a notary's paper naming France, received at 00:30 on the day of
    an arrival in Athens (23:30 the day before in Germany), contradicts the delivery address."""
    candidates = [d for d in _active(facts.documents) if d.type in _ROUTE_PAPERS]
    taken: list[DocumentFacts] = []
    read: list[tuple[str, str]] = []
    days = _days_of(facts, None, None)
    while days not in read:
        read.append(days)
        taken = [
            d
            for d in candidates
            if any(d is t for t in taken) or _not_of_this_transport(facts, d, days) is None
        ]
        days = _days_of(facts, *_ends_stated_by(facts, taken))
    return taken


def _dated_before_the_sale(facts: ComplianceFacts, doc: DocumentFacts) -> bool:
    """A paper dated before the sale (before the pickup while the sale date is unknown) was
    not written for this transport: a standing insurance policy still counts as evidence
    (Art. 45a(3)(b)), and contradicts the others where it names another country, but the
    origin and destination it names are those of whatever transport it was taken out for, so
    its word alone does not say where this one began or ended."""
    dated = doc.document_date
    since = facts.order.purchase_date or facts.transport.pickup_date
    return dated is not None and since is not None and dated < since


def _stated(*sources: tuple[str, str | None]) -> dict[str, str]:
    stated: dict[str, str] = {}
    for by, country in sources:
        if country and country.strip():
            stated.setdefault(_state(country), by)
    return stated


def _the_one(stated: dict[str, str], of_this_sale: dict[str, str]) -> str | None:
    """The one member state stated, when a milestone or a paper of this sale states it."""
    return next(iter(stated)) if len(stated) == 1 and of_this_sale else None


def _document_name(doc: DocumentFacts) -> str:
    issuer = f" of {doc.issuer_name.strip()}" if doc.issuer_name and doc.issuer_name.strip() else ""
    return f"{doc.type}{issuer}"


def _state(country: str) -> str:
    """The member state a country code stands for in VAT: EL is Greece's code in VAT numbers,
    and Monaco is treated as France (Art. 7 VAT Directive)."""
    code = country.strip().upper()
    return {"EL": "GR", "MC": "FR"}.get(code, code)


def _active(documents: Iterable[DocumentFacts]) -> list[DocumentFacts]:
    return [d for d in documents if d.status == ACTIVE]


def _concerns(doc: DocumentFacts, vin: str) -> bool:
    return doc.vins is None or vin in doc.vins


def _active_of_type(facts: ComplianceFacts, *types: str, vin: str | None = None) -> bool:
    return any(
        d.type in types and (vin is None or _concerns(d, vin)) for d in _active(facts.documents)
    )


def _received_since(
    documents: tuple[DocumentFacts, ...], corrected: datetime | None
) -> list[DocumentFacts]:
    """The active papers received since the data they prove was last corrected: one received
    before shows it as it was (a paper without its receipt time is taken as it is)."""
    return [
        d
        for d in _active(documents)
        if corrected is None or d.received_at is None or _utc(d.received_at) >= _utc(corrected)
    ]


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


# The words of legal forms besides the company forms' above (those of forms written apart or
# abbreviated among them)
_FORM_WORDS = frozenset(
    {
        "a",  # A/S
        "ab",
        "ad",
        "ag",
        "aps",
        "as",
        "bt",
        "bv",
        "bvba",
        "co",
        "corp",
        "cv",
        "cvba",
        "dd",
        "doo",
        "ek",
        "eood",
        "eurl",
        "gbr",
        "gmbh",
        "inc",
        "kft",
        "kg",
        "limited",
        "llc",
        "ltd",
        "mbh",
        "nv",
        "nyrt",
        "o",
        "ohg",
        "oo",
        "ood",
        "ou",
        "oy",
        "oyj",
        "plc",
        "sa",
        "sapa",
        "sarl",
        "sas",
        "sasu",
        "sca",
        "scrl",
        "sia",
        "sl",
        "sll",
        "slu",
        "snc",
        "sp",
        "spa",
        "spol",
        "sprl",
        "srl",
        "srls",
        "sro",
        "tmi",
        "uab",
        "ug",
        "haftungsbeschrankt",  # UG (haftungsbeschränkt), the UG's statutory name (§ 5a GmbHG)
        "ggmbh",  # gemeinnützige GmbH
        "cie",  # & Cie, et Compagnie
        "vof",
        "z",
        "zoo",
        "zrt",
        # and the words of forms written apart or abbreviated: "S.à r.l.", "spol. s r.o.",
        # "Lda", "A/S", "SE", "OG", "IKE", "EPE"
        "ae",
        "asbl",
        "epe",
        "gie",
        "ike",
        "kd",
        "ks",
        "lda",
        "ltda",
        "og",
        "rl",
        "ro",
        "s",
        "sc",
        "scs",
        "se",
        "vzw",
    }
)


def _as_shown(text: str) -> str:
    """Text as it reads: without format characters, which show as nothing (a soft hyphen, a
    zero-width space: "Auto\u00adhaus" is "Autohaus"), and in its compatibility form (a
    full-width "Ａ" is "A")."""
    return unicodedata.normalize(
        "NFKC", "".join(c for c in text if unicodedata.category(c) != "Cf")
    )


def _entity_key(name: str) -> str:
    """An entity's name without case, accents, punctuation, word order and legal form, also
    written out: "Auto Müller GmbH", "AUTO MUELLER", "Auto Muller" and "Auto Müller
    Gesellschaft mit beschränkter Haftung" are one entity."""
    words = _name_words(name)
    for form in _FORMS_WRITTEN_OUT:
        words = _without(words, form)
    return " ".join(sorted(set(words) - _LEGAL_FORMS))


def _without(words: list[str], phrase: tuple[str, ...]) -> list[str]:
    """``words`` without each run of them that is ``phrase``."""
    kept, i = [], 0
    while i < len(words):
        if tuple(words[i : i + len(phrase)]) == phrase:
            i += len(phrase)
        else:
            kept.append(words[i])
            i += 1
    return kept


def _name_words(name: str) -> list[str]:
    """A name's words in plain letters, in their order; a dotted abbreviation is one word:
    "S.A.R.L." is "sarl"."""
    undotted = re.sub(r"(?<=\w)\.(?=\w)", "", _as_shown(name))
    return [_plain_word(word) for word in re.findall(r"\w+", undotted.casefold())]


def _plain_word(word: str) -> str:
    """A word in plain Latin letters: accents dropped (é, à, ø), ß as ss, and the umlauts'
    written forms (ae, oe, ue) as their letter, so a name spelled either way is one."""
    folded = (
        _as_shown(word).replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("ł", "l")
    )
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return re.sub(r"([aou])e", r"\1", plain)


# Legal forms written out as their statutes name them, which say nothing about who an entity
# is either (their words may be a name's elsewhere, so only the whole phrase goes)
_FORMS_WRITTEN_OUT = tuple(
    tuple(_name_words(form))
    for form in (
        "Gesellschaft mit beschränkter Haftung",
        "Unternehmergesellschaft",
        "Aktiengesellschaft",
        "Kommanditgesellschaft",
        "offene Handelsgesellschaft",
        "eingetragener Kaufmann",
        "Société à responsabilité limitée",
        "Société anonyme",
        "Société par actions simplifiée",
        "Société en nom collectif",
        "Besloten vennootschap",
        "Naamloze vennootschap",
        "Società a responsabilità limitata",
        "Società per azioni",
        "Sociedad de responsabilidad limitada",
        "Sociedad limitada",
        "Sociedad anónima",
        "Spółka z ograniczoną odpowiedzialnością",
        "Spółka akcyjna",
        "Anpartsselskab",
        "Aktieselskab",
        "Aktiebolag",
    )
)

# Legal forms say nothing about who an entity is: "Auto Müller GmbH" is "AUTO MÜLLER". One
# definition with the forms that tell a company's name from a person's.
_LEGAL_FORMS = _FORM_WORDS | frozenset(
    word for form in _COMPANY_FORMS | _FORMS_AS_WRITTEN for word in _name_words(form)
)


# Names of a role or of nothing: "Carrier" or "N/A" as an issuerName proves no party
_NO_ENTITY = frozenset(
    _entity_key(name)
    for name in (
        "bank",
        "buyer",
        "carrier",
        "customs",
        "driver",
        "forwarder",
        "freight forwarder",
        "haulier",
        "insurance",
        "insurance company",
        "insurer",
        "n/a",
        "none",
        "notary",
        "null",
        "other",
        "public authority",
        "seller",
        "spedition",
        "test",
        "transport",
        "transport company",
        "transporter",
        "unknown",
        "warehouse",
        "warehouse keeper",
    )
)


def _names_an_entity(name: str) -> bool:
    key = _entity_key(name)
    return bool(key) and key not in _NO_ENTITY and len(key) > 1


def _same_entity_name(one: str, other: str) -> bool:
    key = _entity_key(one)
    return bool(key) and key == _entity_key(other)


def _id_key(number: str | None) -> str:
    """A VAT or registration number as one spelling: its letters and digits, without a label
    written before a VAT number ("VAT DE811907980", "USt-IdNr. DE811907980", stored as
    "VATDE811907980", "UST-IDNR.DE811907980", are DE811907980: contract §17, the seller's
    number under a label is still the seller's)."""
    return _without_label(re.sub(r"[^0-9A-Z]", "", _as_shown(number or "").upper()))


@cache
def _without_label(key: str) -> str:
    """The VAT number a key ends with after a label: the label letters alone, what follows
    them a VAT number with its country prefix by its form, and the whole no VAT number itself.
    A number holding another's digits is not it: "DE1811907980" is not DE811907980, nor is
    "FRDE811907980", a French number by its form."""
    if _a_vat_number(key):
        return key
    letters = len(key) - len(key.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    # the number keeps its two letters of country prefix
    return next((key[cut:] for cut in range(1, letters - 1) if _a_vat_number(key[cut:])), key)


# Scripts whose letters look alike: a word mixing them is written to pass for another
_LOOKALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})


def _unidentified(doc: DocumentFacts) -> str | None:
    """Why a paper's issuer identifies no entity, though it names one: a word of its name
    mixes scripts whose letters look alike (a Cyrillic "А" in "AUTOHАUS"), or its number holds
    letters or digits other than A-Z and 0-9 (a Cyrillic "Е" in "DЕ811907980"). Such a name or
    number reads as the seller's or the buyer's and compares as another's."""
    for word in re.findall(r"\w+", _as_shown(doc.issuer_name or "")):
        scripts = {unicodedata.name(c, "").split(" ")[0] for c in word if c.isalpha()}
        if len(mixed := sorted(scripts & _LOOKALIKE_SCRIPTS)) > 1:
            return (
                f"its issuerName mixes {' and '.join(m.capitalize() for m in mixed)} letters "
                f"in one word ({word}), so it identifies no entity"
            )
    if any(c.isalnum() and not c.isascii() for c in _as_shown(doc.issuer_id or "")):
        return (
            "its issuerId holds letters or digits other than A-Z and 0-9, so it identifies no "
            "entity"
        )
    return None


def _same_number(one: str, other: str) -> bool:
    """Two VAT or registration numbers are the same with or without the country prefix, and
    a French company's VAT number, SIREN and SIRET are its one registration."""

    def bare(n: str) -> str:
        return n[2:] if len(n) > 2 and n[:2].isalpha() else n

    if not (one and other):
        return False
    if one == other or bare(one) == bare(other):
        return True
    sirens = _siren(one), _siren(other)
    return None not in sirens and sirens[0] == sirens[1]


def _siren(number: str) -> str | None:
    """The SIREN (the French company register's number) a number carries: a French VAT
    number is FR, two check characters and the SIREN; a SIRET is the SIREN and the
    establishment's NIC. None for another number."""
    if number.startswith("FR") and len(number) == 13:
        try:
            return siren.validate(tva.to_siren(number))
        except ValidationError:  # Monaco's numbers carry no SIREN
            return None
    if number.isdigit() and len(number) in (9, 14):
        try:
            return siren.validate(siret.to_siren(number) if len(number) == 14 else number)
        except ValidationError:
            return None
    return None


def _fmt(money: Money) -> str:
    return f"{money.currency} {plain_amount(money.value, money.currency)}"


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day; past
    either end of the calendar, its first or last day (a client may date a first registration
    in December 9999: the rollup must still answer)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > MAXYEAR:
        return date.max
    if year < MINYEAR:
        return date.min
    return date(year, month, min(day.day, monthrange(year, month)[1]))
