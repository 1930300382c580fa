"""The compliance rollup as a table of cases: every rule's pass, fail and pending path."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from workflows.buyers.rules.kyc import NT24_LED, KycFacts
from workflows.orders.rules.cash_limits import CASH_LIMITS, CashLimit
from workflows.orders.rules.compliance import (
    BuyerFacts,
    BuyerSummary,
    ComplianceFacts,
    DocumentFacts,
    InvoiceFacts,
    InvoiceSummary,
    Money,
    OrderFacts,
    OrderSummary,
    PaymentFacts,
    PaymentSummary,
    Rollup,
    RuleOutcome,
    TransportFacts,
    TransportSummary,
    Vehicle,
    ViesCheck,
    VinSummary,
    amount_matches_invoice,
    buyer_statement_due_date,
    evaluate,
    iban_consistent,
    is_new_means_of_transport,
    local_date,
)
from workflows.orders.rules.outcome import ComplianceStatus
from workflows.orders.rules.versions import EVALUATORS

pytestmark = pytest.mark.fast

VIN = "WVWZZZ1KZAW000001"
OTHER_VIN = "WAUZZZ8V5KA012345"
IBAN = "DE89370400440532013000"
OTHER_IBAN = "FR1420041010050500013M02606"
TODAY = date(2026, 5, 20)
PICKUP = date(2026, 5, 4)
ARRIVED = date(2026, 5, 6)
EUR_18500 = Money(1_850_000)


def doc(type_: str, issuer: str, name: str | None = None, **more: Any) -> DocumentFacts:
    return DocumentFacts(type_, issuer_type=issuer, issuer_name=name, **more)


CMR = doc("TRANSPORT_CMR", "CARRIER", "Trans Logistik GmbH")
# billed on the arrival: a carrier's bill shows its transport by its date
FORWARDER_INVOICE = doc(
    "TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Spedition Meier", document_date=ARRIVED
)
INVOICE_PDF = doc("SHIPMENT_PRELIMINARY_INVOICE", "SELLER")
FINAL_PDF = doc("SHIPMENT_INVOICE", "SELLER")
BANK_PROOF = doc("PAYMENT_CONFIRMATION", "BANK", "Deutsche Bank")
SOURCE_OF_FUNDS = doc("PAYMENT_SOURCE_OF_FUNDS_DECLARATION", "BUYER")
# The buyer's statement names the vehicle and the destination, and is sent as the buyer's.
NAMING = dict(vins=(VIN,), destination_country="FR", issuer_stated=True)
PICKUP_DECLARATION = doc("TRANSPORT_PICKUP_DECLARATION", "BUYER", received_on=PICKUP, **NAMING)
# the buyer's papers of the arrival bear their date of issue: signed and sent two days after it
SIGNED: dict[str, Any] = dict(document_date=date(2026, 5, 8), received_on=date(2026, 5, 8))
STATEMENT = doc("BUYER_TRANSPORT_STATEMENT", "BUYER", **SIGNED, **NAMING)
GELANGENSBESTAETIGUNG = doc("NATIONAL_ARRIVAL_CONFIRMATION", "BUYER", **SIGNED, **NAMING)
INSURANCE = doc("TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz")

# A German dealer sells a 2019 Golf to a French company; a carrier takes it to Lyon.
HAPPY = ComplianceFacts(
    today=TODAY,
    seller_country="DE",
    seller_name="Autohaus Schmidt GmbH",
    seller_vat_number="DE811907980",
    buyer=BuyerFacts(
        name="Auto Dupont SARL",
        vat_number="FR40303265045",
        country="FR",
        kyc=KycFacts("MARKETPLACE_LED", "ACTIVE", "VALID", documents_complete=True),
        vies_checks=(ViesCheck(PICKUP, "VALID", "WAPIAAAAZ1"),),
    ),
    order=OrderFacts(EUR_18500, (Vehicle(VIN, date(2019, 3, 1), 85_000),)),
    invoices=(InvoiceFacts("PRELIMINARY", "R-2026-17", EUR_18500, vat_included=False),),
    payment=PaymentFacts(date(2026, 4, 25), EUR_18500, Money(0), IBAN, ready_for_pickup=True),
    transport=TransportFacts("COMPANY_TRANSPORT", PICKUP, "DE", date(2026, 5, 6), "FR"),
    documents=(INVOICE_PDF, BANK_PROOF, CMR, FORWARDER_INVOICE),
)


def change(base: ComplianceFacts = HAPPY, **changes: Any) -> ComplianceFacts:
    """``change(buyer__kyc__vies_result="INVALID")``: a copy with nested fields replaced."""
    for key, value in changes.items():
        base = _set(base, key.split("__"), value)
    return base


def _set(obj: Any, path: list[str], value: Any) -> Any:
    if len(path) > 1:
        value = _set(getattr(obj, path[0]), path[1:], value)
    return replace(obj, **{path[0]: value})


def docs(*add: DocumentFacts, drop: tuple[DocumentFacts, ...] = ()) -> tuple[DocumentFacts, ...]:
    return tuple(d for d in HAPPY.documents if d not in drop) + add


def vies(*checks: tuple[date, str]) -> tuple[ViesCheck, ...]:
    return tuple(ViesCheck(day, result) for day, result in checks)


NOT_PICKED_UP = dict(transport=TransportFacts(), payment__ready_for_pickup=True)
SELF_PICKUP = dict(
    transport__pickup_type="SELF_PICKUP",
    documents=(INVOICE_PDF, BANK_PROOF, PICKUP_DECLARATION, STATEMENT, CMR, INSURANCE),
)
# The buyer hired the carrier: the buyer's written statement is needed (Art. 45a(1)(b)).
BUYER_HIRED = dict(transport__arranged_by="BUYER")
# A French seller (cash limit EUR 1,000, no national transport proof) selling to Germany.
FRENCH_SELLER = dict(
    seller_country="FR",
    buyer__country="DE",
    transport__collection_country="FR",
    transport__delivery_country="DE",
)
NEW_VEHICLE = dict(order__vehicles=(Vehicle(VIN, date(2025, 12, 1), 3_000),))
FINAL_EXEMPT = InvoiceFacts("FINAL", "R-2026-18", EUR_18500, vat_included=False)
FINAL_WITH_VAT = replace(FINAL_EXEMPT, amount=Money(2_201_500), vat_included=True)


@dataclass(frozen=True)
class Case:
    name: str
    facts: ComplianceFacts
    status: str  # compliance status
    rule: str  # the rule the case is about
    outcome: str  # its outcome
    code: str | None = None  # the blocker it raises


CASES = [
    # --- the whole order ---
    Case("happy path", HAPPY, "VALID", "VIES_AT_SUPPLY", "PASSED"),
    Case(
        "Mode B buyer verified and clear",
        change(buyer__kyc=KycFacts(NT24_LED, "ACTIVE", "VALID", True, "VERIFIED", "CLEAR")),
        "VALID",
        "KYC",
        "PASSED",
    ),
    # --- buyer ---
    Case(
        "blocked buyer blocks, no VAT verdict",
        change(buyer__kyc__buyer_status="BLOCKED"),
        "INCOMPLETE",
        "BUYER_ACTIVE",
        "FAILED",
        "BUYER_BLOCKED",
    ),
    Case(
        "KYC documents incomplete",
        change(buyer__kyc__documents_complete=False),
        "INCOMPLETE",
        "KYC",
        "PENDING",
        "KYC_INCOMPLETE",
    ),
    Case(
        "Mode B AML screening pending",
        change(buyer__kyc=KycFacts(NT24_LED, "ACTIVE", "VALID", True, "VERIFIED", "PENDING")),
        "INCOMPLETE",
        "KYC",
        "PENDING",
        "KYC_INCOMPLETE",
    ),
    Case(
        "Mode B identity rejected",
        change(buyer__kyc=KycFacts(NT24_LED, "ACTIVE", "VALID", True, "REJECTED", "CLEAR")),
        "INCOMPLETE",
        "KYC",
        "FAILED",
        "KYC_REJECTED",
    ),
    Case(
        "buyer identified in the origin state",
        change(buyer__country="DE"),
        "INVALID",
        "BUYER_IDENTIFIED_IN_OTHER_MEMBER_STATE",
        "FAILED",
        "BUYER_SAME_COUNTRY",
    ),
    Case(
        "EL is Greece: a Greek buyer collecting in Greece",
        change(buyer__country="EL", transport__collection_country="GR"),
        "INVALID",
        "BUYER_IDENTIFIED_IN_OTHER_MEMBER_STATE",
        "FAILED",
        "BUYER_SAME_COUNTRY",
    ),
    Case(
        "before pickup VIES valid today",
        change(**NOT_PICKED_UP),
        "INCOMPLETE",
        "VIES_BEFORE_SUPPLY",
        "PASSED",
    ),
    Case(
        "before pickup VIES invalid warns, no verdict yet",
        change(**NOT_PICKED_UP, buyer__kyc__vies_result="INVALID"),
        "INCOMPLETE",
        "VIES_BEFORE_SUPPLY",
        "FAILED",
        "VIES_INVALID",
    ),
    Case(
        "before pickup VIES unavailable",
        change(**NOT_PICKED_UP, buyer__kyc__vies_result="UNKNOWN"),
        "INCOMPLETE",
        "VIES_BEFORE_SUPPLY",
        "PENDING",
        "VIES_PENDING",
    ),
    # --- VIES at the time of supply (pickup) ---
    Case(
        "VIES unavailable at supply is pending, never invalid",
        change(buyer__vies_checks=vies((PICKUP, "UNKNOWN"), (date(2026, 5, 5), "UNKNOWN"))),
        "INCOMPLETE",
        "VIES_AT_SUPPLY",
        "PENDING",
        "VIES_PENDING",
    ),
    Case(
        "no VIES check at all",
        change(buyer__vies_checks=()),
        "INCOMPLETE",
        "VIES_AT_SUPPLY",
        "PENDING",
        "VIES_PENDING",
    ),
    Case(
        "VIES invalid at supply",
        change(buyer__vies_checks=vies((PICKUP, "INVALID"))),
        "INVALID",
        "VIES_AT_SUPPLY",
        "FAILED",
        "VIES_INVALID",
    ),
    Case(
        "invalid the day before, valid at supply",
        change(buyer__vies_checks=vies((date(2026, 5, 3), "INVALID"), (PICKUP, "VALID"))),
        "VALID",
        "VIES_AT_SUPPLY",
        "PASSED",
    ),
    Case(
        "the later answer of the supply day counts",
        change(buyer__vies_checks=vies((PICKUP, "VALID"), (PICKUP, "INVALID"))),
        "INVALID",
        "VIES_AT_SUPPLY",
        "FAILED",
        "VIES_INVALID",
    ),
    Case(
        "the answer the order was created with speaks for the supply beside its own later ones",
        change(
            buyer__vies_checks=vies((date(2026, 5, 7), "VALID")),
            buyer__vies_heard=vies((PICKUP, "VALID")),
        ),
        "VALID",
        "VIES_AT_SUPPLY",
        "PASSED",
    ),
    Case(
        "invalid during the transport, resolved by a valid answer before the delivery",
        change(
            buyer__vies_checks=vies(
                (PICKUP, "VALID"), (date(2026, 5, 5), "INVALID"), (date(2026, 5, 6), "VALID")
            )
        ),
        "VALID",
        "VIES_DURING_TRANSPORT",
        "PASSED",
    ),
    Case(
        "invalid during the transport warns until the delivery",
        change(
            buyer__vies_checks=vies((PICKUP, "VALID"), (date(2026, 5, 5), "INVALID")),
            transport__delivery_date=None,
            transport__delivery_country=None,
        ),
        "INCOMPLETE",
        "VIES_DURING_TRANSPORT",
        "FAILED",
        "VIES_INVALID_DURING_TRANSPORT",
    ),
    Case(
        "valid a day before the supply still counts",
        change(buyer__vies_checks=vies((date(2026, 5, 3), "VALID"))),
        "VALID",
        "VIES_AT_SUPPLY",
        "PASSED",
    ),
    Case(
        "a valid answer days before the supply is stale",
        change(buyer__vies_checks=vies((date(2026, 4, 28), "VALID"))),
        "INCOMPLETE",
        "VIES_AT_SUPPLY",
        "PENDING",
        "VIES_PENDING",
    ),
    Case(
        "equally near: before the supply beats after",
        change(buyer__vies_checks=vies((date(2026, 5, 5), "VALID"), (date(2026, 5, 3), "INVALID"))),
        "INVALID",
        "VIES_AT_SUPPLY",
        "FAILED",
        "VIES_INVALID",
    ),
    Case(
        "an invalid answer after a valid supply-time one does not undo it",
        change(buyer__vies_checks=vies((PICKUP, "VALID"), (date(2026, 5, 10), "INVALID"))),
        "VALID",
        "VIES_AT_SUPPLY",
        "PASSED",
    ),
    Case(
        "a VIES name that is the buyer's, in another order and legal form",
        change(buyer__vies_checks=(ViesCheck(PICKUP, "VALID", name="SARL AUTO DUPONT"),)),
        "VALID",
        "VIES_NAME_MATCHES_BUYER",
        "PASSED",
    ),
    Case(
        "a member state that withholds the name",
        change(buyer__vies_checks=(ViesCheck(PICKUP, "VALID", name="---"),)),
        "VALID",
        "VIES_NAME_MATCHES_BUYER",
        "NOT_APPLICABLE",
    ),
    # --- order: new means of transport (Art. 138(2)(a)) ---
    Case(
        "new by mileage: exempt, decided",
        change(order__vehicles=(Vehicle(VIN, date(2019, 3, 1), 5_000),)),
        "VALID",
        "NEW_MEANS_OF_TRANSPORT",
        "PASSED",
    ),
    Case(
        "new by age: exempt, decided",
        change(order__vehicles=(Vehicle(VIN, date(2025, 11, 4), 20_000),)),
        "VALID",
        "NEW_MEANS_OF_TRANSPORT",
        "PASSED",
    ),
    Case(
        "a new vehicle is exempt whatever VIES says",
        change(**NEW_VEHICLE, buyer__vies_checks=vies((PICKUP, "INVALID"))),
        "VALID",
        "VIES_AT_SUPPLY",
        "NOT_APPLICABLE",
    ),
    Case(
        "a new vehicle is exempt for a buyer of the origin state too",
        change(**NEW_VEHICLE, buyer__country="DE"),
        "VALID",
        "BUYER_IDENTIFIED_IN_OTHER_MEMBER_STATE",
        "NOT_APPLICABLE",
    ),
    Case(
        "a new vehicle still has to leave the origin state",
        change(**NEW_VEHICLE, transport__delivery_country="DE"),
        "INVALID",
        "INTRA_EU_MOVEMENT",
        "FAILED",
        "NO_INTRA_EU_MOVEMENT",
    ),
    Case(
        "a new vehicle cannot be sold under the margin scheme",
        change(**NEW_VEHICLE, invoices=(replace(HAPPY.invoices[0], margin_scheme=True),)),
        "INCOMPLETE",
        "NO_MARGIN_SCHEME",
        "FAILED",
        "MARGIN_SCHEME_NEW_VEHICLE",
    ),
    Case(
        "new at order creation, used at the supply: measured at the supply",
        change(
            order__vehicles=(Vehicle(VIN, date(2025, 10, 20), 20_000),),
            # decided on the day of the delivery, the earliest: a transport dated ahead waits
            today=date(2026, 5, 6),
            # received at the supply: one received before it would be of no transport
            documents=tuple(replace(d, received_on=PICKUP) for d in HAPPY.documents),
        ),
        "VALID",
        "BUYER_IDENTIFIED_IN_OTHER_MEMBER_STATE",
        "PASSED",
    ),
    Case(
        "vehicle data missing",
        change(order__vehicles=(Vehicle(VIN),)),
        "INCOMPLETE",
        "NEW_MEANS_OF_TRANSPORT",
        "PENDING",
        "VEHICLE_DATA_MISSING",
    ),
    Case(
        "high mileage does not rule out a recent first registration",
        change(order__vehicles=(Vehicle(VIN, None, 85_000),)),
        "INCOMPLETE",
        "NEW_MEANS_OF_TRANSPORT",
        "PENDING",
        "VEHICLE_DATA_MISSING",
    ),
    # --- invoice ---
    Case(
        "no invoice",
        change(invoices=()),
        "INCOMPLETE",
        "INVOICE_SUBMITTED",
        "PENDING",
        "MISSING_INVOICE",
    ),
    Case(
        "invoice differs from the order total",
        change(invoices=(replace(HAPPY.invoices[0], amount=Money(1_800_000)),)),
        "INCOMPLETE",
        "INVOICE_MATCHES_ORDER",
        "FAILED",
        "AMOUNT_MISMATCH",
    ),
    Case(
        "invoice names another buyer",
        change(invoices=(replace(HAPPY.invoices[0], buyer_name="Auto Durand SARL"),)),
        "INCOMPLETE",
        "INVOICE_BUYER_NAME",
        "FAILED",
        "BUYER_NAME_MISMATCH",
    ),
    Case(
        "a differently written legal form is for a person to check",
        change(invoices=(replace(HAPPY.invoices[0], buyer_name="AUTO-DUPONT S.A.R.L."),)),
        "INCOMPLETE",
        "INVOICE_BUYER_NAME",
        "FAILED",
        "BUYER_NAME_MISMATCH",
    ),
    Case(
        "buyer name in other case and spacing",
        change(invoices=(replace(HAPPY.invoices[0], buyer_name=" auto  DUPONT sarl"),)),
        "VALID",
        "INVOICE_BUYER_NAME",
        "PASSED",
    ),
    Case(
        "invoice PDF missing",
        change(documents=docs(drop=(INVOICE_PDF,))),
        "INCOMPLETE",
        "INVOICE_PDF",
        "PENDING",
        "MISSING_INVOICE_PDF",
    ),
    Case(
        "a superseded invoice PDF does not count",
        change(documents=docs(replace(INVOICE_PDF, status="SUPERSEDED"), drop=(INVOICE_PDF,))),
        "INCOMPLETE",
        "INVOICE_PDF",
        "PENDING",
        "MISSING_INVOICE_PDF",
    ),
    Case(
        "margin scheme",
        change(invoices=(replace(HAPPY.invoices[0], margin_scheme=True),)),
        "INVALID",
        "NO_MARGIN_SCHEME",
        "FAILED",
        "MARGIN_SCHEME",
    ),
    Case(
        "exempt final invoice after VALID",
        change(invoices=(*HAPPY.invoices, FINAL_EXEMPT), documents=docs(FINAL_PDF)),
        "VALID",
        "FINAL_INVOICE_VAT",
        "PASSED",
    ),
    Case(
        "final invoice charging VAT on an exempt supply",
        change(invoices=(*HAPPY.invoices, FINAL_WITH_VAT), documents=docs(FINAL_PDF)),
        "INCOMPLETE",
        "FINAL_INVOICE_VAT",
        "FAILED",
        "FINAL_INVOICE_VAT_MISMATCH",
    ),
    Case(
        "exempt final invoice although VAT applies",
        change(
            invoices=(*HAPPY.invoices, FINAL_EXEMPT),
            documents=docs(FINAL_PDF),
            buyer__vies_checks=vies((PICKUP, "INVALID")),
        ),
        "INVALID",
        "FINAL_INVOICE_VAT",
        "FAILED",
        "FINAL_INVOICE_VAT_MISMATCH",
    ),
    Case(
        "final invoice with VAT when VAT applies",
        change(
            invoices=(*HAPPY.invoices, FINAL_WITH_VAT),
            documents=docs(FINAL_PDF),
            buyer__vies_checks=vies((PICKUP, "INVALID")),
        ),
        "INVALID",
        "FINAL_INVOICE_VAT",
        "PASSED",
    ),
    Case(
        "final invoice before the decision waits",
        change(invoices=(*HAPPY.invoices, FINAL_EXEMPT), documents=docs(), **NOT_PICKED_UP),
        "INCOMPLETE",
        "FINAL_INVOICE_VAT",
        "PENDING",
    ),
    # --- payment ---
    Case(
        "no payment",
        change(payment=None),
        "INCOMPLETE",
        "PAYMENT_SUBMITTED",
        "PENDING",
        "MISSING_PAYMENT",
    ),
    Case(
        "paid less than the invoice",
        change(payment__bank_amount=Money(1_750_000)),
        "INCOMPLETE",
        "PAYMENT_MATCHES_INVOICE",
        "FAILED",
        "AMOUNT_MISMATCH",
    ),
    Case(
        "bank and cash together match (within the French buyer's limit)",
        change(
            payment__bank_amount=Money(1_800_000),
            payment__cash_amount=Money(50_000),
            documents=docs(SOURCE_OF_FUNDS),
        ),
        "VALID",
        "PAYMENT_MATCHES_INVOICE",
        "PASSED",
    ),
    Case(
        "the buyer's country's cash limit applies too (none in the seller's DE)",
        change(
            payment__bank_amount=Money(1_350_000),
            payment__cash_amount=Money(500_000),
            documents=docs(SOURCE_OF_FUNDS),
        ),
        "INCOMPLETE",
        "CASH_LIMIT",
        "FAILED",
        "CASH_LIMIT_EXCEEDED",
    ),
    Case(
        "bank transfer without its IBAN",
        change(payment__source_iban=None),
        "INCOMPLETE",
        "PAYMENT_IBAN",
        "PENDING",
        "IBAN_MISSING",
    ),
    Case(
        "IBAN with a wrong check digit",
        change(payment__source_iban="DE89370400440532013001"),
        "INCOMPLETE",
        "PAYMENT_IBAN",
        "FAILED",
        "IBAN_INVALID",
    ),
    Case(
        "IBAN never seen for this buyer",
        change(payment__known_ibans=(OTHER_IBAN,)),
        "INCOMPLETE",
        "PAYMENT_IBAN",
        "FAILED",
        "IBAN_INCONSISTENT",
    ),
    Case(
        "IBAN seen before, written with spaces",
        change(payment__known_ibans=(OTHER_IBAN, "DE89 3704 0044 0532 0130 00")),
        "VALID",
        "PAYMENT_IBAN",
        "PASSED",
    ),
    Case(
        "cash only needs no IBAN",
        change(
            payment__bank_amount=Money(0),
            payment__cash_amount=EUR_18500,
            payment__source_iban=None,
            documents=docs(SOURCE_OF_FUNDS, drop=(BANK_PROOF,)),
            buyer__country="AT",  # no national cash limit in Austria or Germany in 2026
        ),
        "VALID",
        "PAYMENT_IBAN",
        "NOT_APPLICABLE",
    ),
    Case(
        "bank transfer without proof",
        change(documents=docs(drop=(BANK_PROOF,))),
        "INCOMPLETE",
        "PAYMENT_PROOF",
        "PENDING",
        "MISSING_PAYMENT_PROOF",
    ),
    Case(
        "cash without a source-of-funds declaration",
        change(payment__bank_amount=Money(1_350_000), payment__cash_amount=Money(500_000)),
        "INCOMPLETE",
        "PAYMENT_PROOF",
        "PENDING",
        "MISSING_PAYMENT_PROOF",
    ),
    Case(
        "cash above the French limit is an AML breach, not a VAT verdict",
        change(
            **FRENCH_SELLER,
            payment__bank_amount=Money(1_700_000),
            payment__cash_amount=Money(150_000),
            documents=docs(SOURCE_OF_FUNDS),
        ),
        "INCOMPLETE",
        "CASH_LIMIT",
        "FAILED",
        "CASH_LIMIT_EXCEEDED",
    ),
    Case(
        "cash at the French limit",
        change(
            **FRENCH_SELLER,
            payment__bank_amount=Money(1_750_000),
            payment__cash_amount=Money(100_000),
            documents=docs(SOURCE_OF_FUNDS),
        ),
        "VALID",
        "CASH_LIMIT",
        "PASSED",
    ),
    Case(
        "the EU-wide limit from 10 July 2027 applies in Germany and Austria too",
        change(
            buyer__country="AT",
            payment__payment_date=date(2027, 7, 10),
            payment__bank_amount=Money(0),
            payment__cash_amount=EUR_18500,
            documents=docs(SOURCE_OF_FUNDS),
        ),
        "INCOMPLETE",
        "CASH_LIMIT",
        "FAILED",
        "CASH_LIMIT_EXCEEDED",
    ),
    Case(
        "cash in another currency than the limit's",
        change(
            **FRENCH_SELLER,
            order__total=Money(8_000_000, "PLN"),
            invoices=(replace(HAPPY.invoices[0], amount=Money(8_000_000, "PLN")),),
            payment__bank_amount=Money(7_900_000, "PLN"),
            payment__cash_amount=Money(100_000, "PLN"),
            documents=docs(SOURCE_OF_FUNDS),
        ),
        "INCOMPLETE",
        "CASH_LIMIT",
        "PENDING",
        "CASH_LIMIT_UNVERIFIABLE",
    ),
    # --- transport milestones and movement ---
    Case(
        "not picked up yet",
        change(**NOT_PICKED_UP),
        "INCOMPLETE",
        "PICKUP",
        "PENDING",
        "PICKUP_MISSING",
    ),
    Case(
        "picked up, not delivered",
        change(transport__delivery_date=None, transport__delivery_country=None),
        "INCOMPLETE",
        "DELIVERY",
        "PENDING",
        "DELIVERY_MISSING",
    ),
    Case(
        "delivered in the origin state",
        change(transport__delivery_country="DE"),
        "INVALID",
        "INTRA_EU_MOVEMENT",
        "FAILED",
        "NO_INTRA_EU_MOVEMENT",
    ),
    Case(
        "delivered outside the EU",
        change(transport__delivery_country="CH"),
        "INCOMPLETE",
        "INTRA_EU_MOVEMENT",
        "FAILED",
        "NOT_INTRA_EU",
    ),
    Case(
        "no delivery address: the buyer's country proves nothing",
        change(transport__delivery_country=None),
        "INCOMPLETE",
        "INTRA_EU_MOVEMENT",
        "PENDING",
        "DELIVERY_COUNTRY_MISSING",
    ),
    Case(
        "no collection address: the seller's country proves nothing",
        change(transport__collection_country=None),
        "INCOMPLETE",
        "INTRA_EU_MOVEMENT",
        "PENDING",
        "COLLECTION_COUNTRY_MISSING",
    ),
    # --- transport documents and Art. 45a evidence ---
    Case(
        "company transport without CMR",
        change(documents=docs(drop=(CMR,))),
        "INCOMPLETE",
        "TRANSPORT_DOCUMENT",
        "PENDING",
        "MISSING_CMR",
    ),
    Case(
        "self-pickup without the pickup declaration",
        change(**SELF_PICKUP | {"documents": docs(STATEMENT, INSURANCE)}),
        "INCOMPLETE",
        "TRANSPORT_DOCUMENT",
        "PENDING",
        "MISSING_PICKUP_DECLARATION",
    ),
    Case(
        "CMR and invoice of the same carrier",
        change(
            documents=docs(
                replace(FORWARDER_INVOICE, issuer_name="Trans-Logistik GmbH"),
                drop=(FORWARDER_INVOICE,),
            )
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    Case(
        "a paper without its issuer's name proves no party",
        change(
            documents=docs(replace(FORWARDER_INVOICE, issuer_name=None), drop=(FORWARDER_INVOICE,))
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    Case(
        "CMR and an insurance policy: list (a) with list (b)",
        change(documents=docs(INSURANCE, drop=(FORWARDER_INVOICE,))),
        "VALID",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PASSED",
    ),
    Case(
        "list (b) alone is not enough",
        change(
            documents=docs(
                INSURANCE,
                doc("TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT", "BANK", "Sparkasse"),
                drop=(FORWARDER_INVOICE, CMR),
            ),
            transport__pickup_type="SELF_PICKUP",
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    Case(
        "papers by the seller are not independent",
        change(
            documents=docs(
                replace(FORWARDER_INVOICE, issuer_type="SELLER"), drop=(FORWARDER_INVOICE,)
            )
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    Case(
        "the buyer's confirmation of arrival is not independent",
        change(
            documents=docs(
                doc("TRANSPORT_CONFIRMATION_OF_ARRIVAL", "BUYER"), drop=(FORWARDER_INVOICE,)
            )
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    Case(
        "a notary's confirmation of arrival is list (b)",
        change(
            documents=docs(
                doc(
                    "TRANSPORT_CONFIRMATION_OF_ARRIVAL",
                    "NOTARY",
                    "Maître Roux",
                    destination_country="FR",
                ),
                drop=(FORWARDER_INVOICE,),
            )
        ),
        "VALID",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PASSED",
    ),
    Case(
        "a superseded paper does not count",
        change(
            documents=docs(
                replace(FORWARDER_INVOICE, status="SUPERSEDED"), drop=(FORWARDER_INVOICE,)
            )
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    Case(
        "a paper naming another vehicle does not count",
        change(
            documents=docs(replace(FORWARDER_INVOICE, vins=(OTHER_VIN,)), drop=(FORWARDER_INVOICE,))
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    Case(
        "evidence is awaited until delivery without a blocker of its own",
        change(
            documents=docs(drop=(FORWARDER_INVOICE,)),
            transport__delivery_date=None,
            transport__delivery_country=None,
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
    ),
    # --- the buyer transports: written statement and national proof ---
    Case(
        "self-pickup with everything",
        change(**SELF_PICKUP),
        "VALID",
        "ART_45A_BUYER_STATEMENT",
        "PASSED",
    ),
    Case(
        "buyer's statement not yet received, not yet due",
        change(**BUYER_HIRED),
        "INCOMPLETE",
        "ART_45A_BUYER_STATEMENT",
        "PENDING",
        "BUYER_STATEMENT_MISSING",
    ),
    Case(
        "the buyer-signed pickup declaration, dated and sent on the arrival, is the buyer's "
        "statement",
        change(
            **SELF_PICKUP
            | {
                "documents": docs(
                    replace(PICKUP_DECLARATION, received_on=ARRIVED, document_date=ARRIVED),
                    INSURANCE,
                )
            }
        ),
        "VALID",
        "ART_45A_BUYER_STATEMENT",
        "PASSED",
    ),
    Case(
        "buyer's statement missing after the 10th of the next month",
        change(
            **BUYER_HIRED,
            today=date(2026, 6, 11),
        ),
        "INCOMPLETE",
        "ART_45A_BUYER_STATEMENT",
        "FAILED",
        "BUYER_STATEMENT_OVERDUE",
    ),
    Case(
        "buyer's statement received on the due date",
        change(
            **BUYER_HIRED,
            documents=docs(replace(STATEMENT, received_on=date(2026, 6, 10))),
            today=date(2026, 7, 1),
        ),
        "VALID",
        "ART_45A_BUYER_STATEMENT",
        "PASSED",
    ),
    Case(
        "buyer's statement received late",
        change(
            **BUYER_HIRED,
            documents=docs(replace(STATEMENT, received_on=date(2026, 6, 11))),
            today=date(2026, 7, 1),
        ),
        "INCOMPLETE",
        "ART_45A_BUYER_STATEMENT",
        "FAILED",
        "BUYER_STATEMENT_OVERDUE",
    ),
    Case(
        "a corrected copy does not make a timely statement late",
        change(
            **BUYER_HIRED,
            documents=docs(
                replace(STATEMENT, status="SUPERSEDED"),
                replace(STATEMENT, received_on=date(2026, 6, 20)),
            ),
            today=date(2026, 7, 1),
        ),
        "VALID",
        "ART_45A_BUYER_STATEMENT",
        "PASSED",
    ),
    Case(
        "Gelangensbestätigung proves a German self-pickup alone",
        change(
            transport__pickup_type="SELF_PICKUP",
            documents=(INVOICE_PDF, BANK_PROOF, PICKUP_DECLARATION, GELANGENSBESTAETIGUNG),
            today=date(2026, 7, 1),
        ),
        "VALID",
        "NATIONAL_TRANSPORT_PROOF",
        "PASSED",
    ),
    Case(
        "a Gelangensbestätigung without the VIN does not do",
        change(
            transport__pickup_type="SELF_PICKUP",
            documents=(
                INVOICE_PDF,
                BANK_PROOF,
                PICKUP_DECLARATION,
                replace(GELANGENSBESTAETIGUNG, vins=None),
            ),
            today=date(2026, 7, 1),
        ),
        "INCOMPLETE",
        "NATIONAL_TRANSPORT_PROOF",
        "PENDING",
    ),
    Case(
        "no national proof outside Germany",
        change(
            **FRENCH_SELLER,
            transport__pickup_type="SELF_PICKUP",
            documents=(
                INVOICE_PDF,
                BANK_PROOF,
                PICKUP_DECLARATION,
                STATEMENT,
                GELANGENSBESTAETIGUNG,
            ),
        ),
        "INCOMPLETE",
        "ART_45A_INDEPENDENT_EVIDENCE",
        "PENDING",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
]


def _outcome(rollup: Rollup, rule: str) -> RuleOutcome:
    (found,) = [o for o in rollup.rule_outcomes if o.rule == rule]
    return found


@dataclass(frozen=True)
class Changed:
    """A case a rule set decides differently from the one before it: (status, outcome, code)
    of ``rule`` under each of ``rule_sets``."""

    name: str
    facts: ComplianceFacts
    rule: str
    before: tuple[str, str, str | None]
    after: tuple[str, str, str | None]
    rule_sets: tuple[str, str] = ("2026.12", "2026.12.1")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


CHANGED = [
    # An answer after the supply says nothing about the time of supply.
    Changed(
        "stale before, a valid answer two days after the supply",
        change(buyer__vies_checks=vies((date(2026, 4, 28), "VALID"), (date(2026, 5, 6), "VALID"))),
        "VIES_AT_SUPPLY",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "VIES_PENDING"),
    ),
    Changed(
        "no answer before the supply, a valid one the day after",
        change(buyer__vies_checks=vies((date(2026, 5, 5), "VALID"))),
        "VIES_AT_SUPPLY",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "VIES_PENDING"),
    ),
    # Two answers of the supply day: the later one in time, not in arrival, is the last.
    Changed(
        "invalid in the afternoon, recorded before the morning's valid answer",
        change(
            buyer__vies_checks=(
                ViesCheck(PICKUP, "INVALID", checked_at=at(PICKUP, 16)),
                ViesCheck(PICKUP, "VALID", checked_at=at(PICKUP, 9)),
            )
        ),
        "VIES_AT_SUPPLY",
        ("VALID", "PASSED", None),
        ("INVALID", "FAILED", "VIES_INVALID"),
    ),
    # The contract's transport window: INVALID after the pickup, up to the delivery.
    Changed(
        "invalid the day after the pickup, nothing after it before the delivery",
        change(buyer__vies_checks=vies((PICKUP, "VALID"), (date(2026, 5, 5), "INVALID"))),
        "VIES_DURING_TRANSPORT",
        ("VALID", "PASSED", None),  # 2026.12 has no such rule: the rule looked at is absent
        ("INVALID", "FAILED", "VIES_INVALID_DURING_TRANSPORT"),
    ),
    Changed(
        "invalid after the delivery date but before the delivery was confirmed",
        change(
            buyer__vies_checks=(
                ViesCheck(PICKUP, "VALID", checked_at=at(PICKUP, 9)),
                ViesCheck(date(2026, 5, 8), "INVALID", checked_at=at(date(2026, 5, 8), 10)),
            ),
            transport__delivery_confirmed_at=at(date(2026, 5, 8), 12),
        ),
        "VIES_DURING_TRANSPORT",
        ("VALID", "PASSED", None),
        ("INVALID", "FAILED", "VIES_INVALID_DURING_TRANSPORT"),
    ),
    # A first registration after the supply contradicts it; it does not make a vehicle new.
    Changed(
        "first registered after the pickup, with a used vehicle's mileage",
        change(order__vehicles=(Vehicle(VIN, date(2026, 6, 1), 85_000),)),
        "NEW_MEANS_OF_TRANSPORT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "VEHICLE_DATA_MISSING"),
    ),
    Changed(
        "first registered after the pickup, and the buyer invalid in VIES",
        change(
            order__vehicles=(Vehicle(VIN, date(2026, 6, 1), 85_000),),
            buyer__vies_checks=vies((PICKUP, "INVALID")),
        ),
        "VIES_AT_SUPPLY",
        ("VALID", "NOT_APPLICABLE", None),  # "new": exempt whoever the buyer is
        ("INCOMPLETE", "FAILED", "VIES_INVALID"),  # blocks until the data are corrected
    ),
    Changed(
        "first registered five years after the supply",
        change(order__vehicles=(Vehicle(VIN, date(2031, 3, 1), None),)),
        "NEW_MEANS_OF_TRANSPORT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "VEHICLE_DATA_MISSING"),
    ),
    # The buyer's statement (Art. 45a(1)(b)(i)) names the vehicle and the destination, and is
    # the buyer's: the self-pickup's declaration and statement changed as named.
    *(
        Changed(
            f"self-pickup: the buyer's statement {flaw}",
            change(
                **SELF_PICKUP
                | {
                    "documents": (
                        INVOICE_PDF,
                        BANK_PROOF,
                        replace(PICKUP_DECLARATION, **changes),
                        replace(STATEMENT, **changes),
                        CMR,
                        INSURANCE,
                    )
                }
            ),
            "ART_45A_BUYER_STATEMENT",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
        )
        for flaw, changes in (
            ("names no VIN", {"vins": None}),
            ("names no destination", {"destination_country": None}),
            ("is the buyer's only by the type's default", {"issuer_stated": False}),
        )
    ),
]


NOTARY = doc(
    "TRANSPORT_CONFIRMATION_OF_ARRIVAL",
    "NOTARY",
    "Maître Roux, notaire à Lyon",
    destination_country="FR",
)
LATE_NIGHT = datetime(2026, 6, 10, 22, 30, tzinfo=UTC)  # 00:30 on June 11 in Germany
STATEMENT_AT_MIDNIGHT = replace(STATEMENT, received_on=LATE_NIGHT.date(), received_at=LATE_NIGHT)
# each a VALID of 2026.12.1 that the law does not accept
CHANGED_IN_2026_12_2 = [
    Changed(
        "delivered to Réunion, a French overseas department",
        change(transport__delivery_post_code="97400"),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "NOT_INTRA_EU"),
    ),
    Changed(
        "collected on Heligoland",
        change(transport__collection_post_code="27498"),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "NOT_INTRA_EU"),
    ),
    Changed(
        "a CMR whose issuerName is the word 'Carrier'",
        change(documents=docs(replace(CMR, issuer_name="Carrier"), drop=(CMR,))),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    *(
        Changed(
            f"a notary's confirmation of arrival {when} the delivery",
            change(documents=docs(replace(NOTARY, **dates), drop=(FORWARDER_INVOICE,))),
            "ART_45A_INDEPENDENT_EVIDENCE",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
        )
        for when, dates in (
            ("received before", {"received_on": PICKUP}),
            ("dated before", {"received_on": ARRIVED, "document_date": PICKUP}),
        )
    ),
    Changed(
        "self-pickup: the buyer's statement signed by the carrier",
        change(
            **SELF_PICKUP
            | {
                "documents": (
                    INVOICE_PDF,
                    BANK_PROOF,
                    replace(PICKUP_DECLARATION, issuer_name="Trans Logistik GmbH"),
                    replace(STATEMENT, issuer_name="Trans Logistik"),
                    CMR,
                    INSURANCE,
                )
            }
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "self-pickup: the buyer's statement received at 00:30 on the 11th in the origin state",
        change(
            **SELF_PICKUP
            | {
                "documents": (
                    INVOICE_PDF,
                    BANK_PROOF,
                    replace(PICKUP_DECLARATION, destination_country=None),
                    STATEMENT_AT_MIDNIGHT,
                    CMR,
                    INSURANCE,
                ),
                "today": date(2026, 6, 12),
            }
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "BUYER_STATEMENT_OVERDUE"),
    ),
    Changed(
        "a Gelangensbestätigung that is the buyer's only by the type's default",
        change(
            transport__pickup_type="SELF_PICKUP",
            documents=(
                INVOICE_PDF,
                BANK_PROOF,
                PICKUP_DECLARATION,
                replace(GELANGENSBESTAETIGUNG, issuer_stated=False),
            ),
            today=date(2026, 7, 1),
        ),
        "NATIONAL_TRANSPORT_PROOF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", None),
    ),
    Changed(
        "the destination stated by the payment's proof alone",
        change(
            transport__delivery_country=None,
            documents=docs(replace(BANK_PROOF, destination_country="FR"), drop=(BANK_PROOF,)),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "DELIVERY_COUNTRY_MISSING"),
    ),
]
CHANGED += [replace(c, rule_sets=("2026.12.1", "2026.12.2")) for c in CHANGED_IN_2026_12_2]


REVOKED = datetime(2026, 5, 3, 12, tzinfo=UTC)
ONE_FILE = "ab" * 32
# each a VALID of 2026.12.2 that the law does not accept
CHANGED_IN_2026_12_3 = [
    Changed(
        "a CMR dated half a year before the pickup",
        change(documents=docs(replace(CMR, document_date=date(2025, 11, 3)), drop=(CMR,))),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "the buyer's statement signed before the vehicle arrived",
        change(
            **BUYER_HIRED,
            documents=docs(
                replace(STATEMENT, received_on=date(2026, 4, 20), document_date=date(2026, 4, 20))
            ),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "the pickup declaration received three weeks before the pickup",
        change(
            **SELF_PICKUP
            | {
                "documents": (
                    INVOICE_PDF,
                    BANK_PROOF,
                    replace(PICKUP_DECLARATION, received_on=date(2026, 4, 13)),
                    CMR,
                    INSURANCE,
                )
            }
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "the forwarder's invoice of a transport revoked before the pickup",
        change(
            transport__revoked_at=REVOKED,
            documents=docs(
                replace(FORWARDER_INVOICE, received_at=REVOKED - timedelta(days=1)),
                replace(CMR, issuer_name="Eurotrans Kft", received_at=REVOKED + timedelta(days=1)),
                drop=(CMR, FORWARDER_INVOICE),
            ),
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "one file sent as the CMR at pickup and as the CMR at delivery",
        change(
            documents=docs(
                replace(CMR, sha256=ONE_FILE),
                doc(
                    "TRANSPORT_CMR_DELIVERY",
                    "CARRIER",
                    "Eurotrans Kft",
                    sha256=ONE_FILE,
                    received_on=ARRIVED,
                ),
                drop=(CMR, FORWARDER_INVOICE),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "VIES VALID at 00:30 the day after the supply in Germany, INVALID that morning",
        change(
            buyer__vies_checks=(
                ViesCheck(PICKUP, "INVALID", checked_at=at(PICKUP, 8)),
                ViesCheck(PICKUP, "VALID", checked_at=datetime.combine(PICKUP, time(22, 30), UTC)),
            )
        ),
        "VIES_AT_SUPPLY",
        ("VALID", "PASSED", None),
        ("INVALID", "FAILED", "VIES_INVALID"),
    ),
]
CHANGED += [replace(c, rule_sets=("2026.12.2", "2026.12.3")) for c in CHANGED_IN_2026_12_3]

# each a VALID of 2026.12.3 that the law does not accept, but the last: Monaco, which it
# blocked as outside the EU and decided INVALID at the evidence deadline
CHANGED_IN_2026_12_4 = [
    Changed(
        "the seller's own logistics as the CMR's issuer and as a carrier on the forwarder's bill",
        change(
            documents=docs(
                doc("TRANSPORT_CMR", "SELLER", "Schmidt Logistik"),
                doc("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Schmidt Logistik"),
                INSURANCE,
                drop=(CMR, FORWARDER_INVOICE),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "the seller under another spelling of its name as the carrier",
        change(
            documents=docs(
                doc("TRANSPORT_CMR", "CARRIER", "AUTOHAUS SCHMIDT SE"),
                INSURANCE,
                drop=(CMR, FORWARDER_INVOICE),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "a delivery address in London sent as Northern Ireland (XI)",
        change(transport__delivery_country="XI", transport__delivery_post_code="SW1A 1AA"),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "NOT_INTRA_EU"),
    ),
    Changed(
        "a delivery dated after today",
        change(today=date(2026, 5, 5)),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "DELIVERY_DATED_AHEAD"),
    ),
    Changed(
        "a delivery to Monaco, which VAT treats as France (Art. 7)",
        change(transport__delivery_country="MC", transport__delivery_post_code="98000"),
        "INTRA_EU_MOVEMENT",
        ("INCOMPLETE", "FAILED", "NOT_INTRA_EU"),
        ("VALID", "PASSED", None),
    ),
]
CHANGED += [replace(c, rule_sets=("2026.12.3", "2026.12.4")) for c in CHANGED_IN_2026_12_4]

SOLD = date(2026, 4, 20)
A_YEAR_BEFORE = date(2025, 1, 10)
WAREHOUSE = doc(
    "TRANSPORT_WAREHOUSE_RECEIPT", "WAREHOUSE_KEEPER", "Entrepôts Rhône SA", received_on=ARRIVED
)
# each a VALID of 2026.12.4 that the law does not accept
CHANGED_IN_2026_12_5 = [
    Changed(
        "the pickup declaration signed at the pickup as the buyer's statement",
        change(**SELF_PICKUP | {"documents": docs(PICKUP_DECLARATION, INSURANCE)}),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "a forwarder's invoice dated a year before the sale",
        change(
            order__purchase_date=SOLD,
            documents=docs(
                replace(FORWARDER_INVOICE, document_date=A_YEAR_BEFORE), drop=(FORWARDER_INVOICE,)
            ),
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "a bank's payment for a transport dated a year before the sale",
        change(
            order__purchase_date=SOLD,
            documents=docs(
                doc(
                    "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT",
                    "BANK",
                    "Sparkasse",
                    document_date=A_YEAR_BEFORE,
                ),
                drop=(FORWARDER_INVOICE,),
            ),
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "a warehouse keeper's receipt that does not say where the warehouse is",
        change(documents=docs(WAREHOUSE, drop=(FORWARDER_INVOICE,))),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
]
CHANGED += [replace(c, rule_sets=("2026.12.4", "2026.12.5")) for c in CHANGED_IN_2026_12_5]

BEFORE_PICKUP = date(2026, 4, 1)  # a month before the pickup of 4 May
AFTER_ARRIVAL = date(2026, 5, 15)  # nine days after the arrival of 6 May
# each a VALID of 2026.12.5 that the law does not accept
CHANGED_IN_2026_12_6 = [
    Changed(
        "the destination stated only by a CMR of an earlier transport",
        change(
            transport__delivery_country=None,
            documents=docs(
                replace(CMR, destination_country="FR", document_date=BEFORE_PICKUP),
                INSURANCE,
                drop=(CMR,),
            ),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "DELIVERY_COUNTRY_MISSING"),
    ),
    Changed(
        "the destination stated only by a CMR signed at delivery dated before the arrival",
        change(
            transport__delivery_country=None,
            documents=docs(
                doc(
                    "TRANSPORT_CMR_DELIVERY",
                    "CARRIER",
                    "Rhône Transports SA",
                    document_date=date(2026, 5, 1),
                    destination_country="FR",
                ),
                INSURANCE,
            ),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "DELIVERY_COUNTRY_MISSING"),
    ),
    Changed(
        "the origin stated only by a CMR of an earlier transport",
        change(
            transport__collection_country=None,
            documents=docs(
                replace(CMR, origin_country="DE", document_date=BEFORE_PICKUP),
                INSURANCE,
                drop=(CMR,),
            ),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "COLLECTION_COUNTRY_MISSING"),
    ),
    Changed(
        "a warehouse keeper's confirmation of arrival that does not say where the warehouse is",
        change(
            documents=docs(
                doc(
                    "TRANSPORT_CONFIRMATION_OF_ARRIVAL",
                    "WAREHOUSE_KEEPER",
                    "Entrepôts Rhône SA",
                    issuer_stated=True,
                    received_on=ARRIVED,
                ),
                drop=(FORWARDER_INVOICE,),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "a CMR dated after the arrival",
        change(documents=docs(replace(CMR, document_date=AFTER_ARRIVAL), drop=(CMR,))),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "the contract's CMR of an earlier transport",
        change(documents=docs(replace(CMR, document_date=BEFORE_PICKUP), INSURANCE, drop=(CMR,))),
        "TRANSPORT_DOCUMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "MISSING_CMR"),
    ),
    Changed(
        "a vehicle sold after it arrived",
        change(
            order__purchase_date=AFTER_ARRIVAL,
            # the carrier billed after the sale: a bill before it is of another transport
            documents=docs(
                replace(FORWARDER_INVOICE, document_date=AFTER_ARRIVAL), drop=(FORWARDER_INVOICE,)
            ),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "SOLD_AFTER_ARRIVAL"),
    ),
    Changed(
        "a statement sent as the buyer's naming another company's VAT number",
        change(
            **BUYER_HIRED,
            documents=docs(
                replace(STATEMENT, issuer_name="Garage Martin", issuer_id="FR99999999999")
            ),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "a statement sent as the buyer's signed by another company",
        change(**BUYER_HIRED, documents=docs(replace(STATEMENT, issuer_name="Garage Martin SARL"))),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "a final invoice without VAT of another amount than the order",
        change(
            invoices=(HAPPY.invoices[0], replace(FINAL_EXEMPT, amount=Money(500_000))),
            documents=docs(FINAL_PDF),
        ),
        "INVOICE_MATCHES_ORDER",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "AMOUNT_MISMATCH"),
    ),
    Changed(
        "a final invoice in another currency than the order",
        change(
            invoices=(HAPPY.invoices[0], replace(FINAL_EXEMPT, amount=Money(1_850_000, "PLN"))),
            documents=docs(FINAL_PDF),
        ),
        "INVOICE_MATCHES_ORDER",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "AMOUNT_MISMATCH"),
    ),
]
CHANGED_IN_2026_12_6 += [
    Changed(
        "cash above the limit of the state the buyer is established in, not its VAT number's",
        change(
            buyer__country="AT",
            buyer__vat_number="ATU13585627",
            buyer__address_country="FR",
            payment__bank_amount=Money(1_350_000),
            payment__cash_amount=Money(500_000),
            documents=docs(SOURCE_OF_FUNDS),
        ),
        "CASH_LIMIT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "CASH_LIMIT_EXCEEDED"),
    )
]
CORRECTED = at(date(2026, 4, 27), 9)  # the payment's IBAN corrected after its proof came
CHANGED_IN_2026_12_6 += [
    Changed(
        "the bank's confirmation of the payment as it was before its correction",
        change(
            payment__corrected_at=CORRECTED,
            documents=docs(
                replace(BANK_PROOF, received_at=CORRECTED - timedelta(days=1)), drop=(BANK_PROOF,)
            ),
        ),
        "PAYMENT_PROOF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "MISSING_PAYMENT_PROOF"),
    )
]
CHANGED += [replace(c, rule_sets=("2026.12.5", "2026.12.6")) for c in CHANGED_IN_2026_12_6]

# each a verdict of 2026.12.6 that the contract does not give
CHANGED_IN_2026_12_7 = [
    Changed(
        "a decided order's final invoice, its PDF still to come",
        change(decided=ComplianceStatus.VALID, invoices=(*HAPPY.invoices, FINAL_EXEMPT)),
        "FINAL_INVOICE_VAT",
        ("INCOMPLETE", "PENDING", None),
        ("INCOMPLETE", "PASSED", None),
    ),
    Changed(
        "a final invoice with VAT on a supply decided exempt, its PDF still to come",
        change(decided=ComplianceStatus.VALID, invoices=(*HAPPY.invoices, FINAL_WITH_VAT)),
        "FINAL_INVOICE_VAT",
        ("INCOMPLETE", "PENDING", None),
        ("INCOMPLETE", "FAILED", "FINAL_INVOICE_VAT_MISMATCH"),
    ),
    Changed(
        "an exempt final invoice of an order decided VAT_APPLICABLE, valid by today's evidence",
        change(
            decided=ComplianceStatus.INVALID,
            invoices=(*HAPPY.invoices, FINAL_EXEMPT),
            documents=docs(FINAL_PDF),
        ),
        "FINAL_INVOICE_VAT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "FINAL_INVOICE_VAT_MISMATCH"),
    ),
]
CHANGED_IN_2026_12_7 += [
    Changed(
        "the invoice's PDF received before the invoice was corrected",
        change(
            invoices=(replace(HAPPY.invoices[0], corrected_at=CORRECTED),),
            documents=docs(
                replace(INVOICE_PDF, received_at=CORRECTED - timedelta(hours=1)),
                drop=(INVOICE_PDF,),
            ),
        ),
        "INVOICE_PDF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "MISSING_INVOICE_PDF"),
    ),
]
CHANGED_IN_2026_12_7 += [
    Changed(
        "a VIES VALID given after the pickup was confirmed, an INVALID before it that day",
        change(
            transport__pickup_confirmed_at=at(PICKUP, 7),
            buyer__vies_checks=(
                ViesCheck(PICKUP, "INVALID", checked_at=at(PICKUP, 6)),
                ViesCheck(PICKUP, "VALID", checked_at=at(PICKUP, 8)),
            ),
        ),
        "VIES_AT_SUPPLY",
        ("VALID", "PASSED", None),
        ("INVALID", "FAILED", "VIES_INVALID"),
    ),
]
CHANGED_IN_2026_12_7 += [
    Changed(
        "a payment from an account the seller declared the buyer's new one",
        change(
            payment__known_ibans=("FR7630006000011234567890189",),
            payment__new_iban_declared=True,
        ),
        "PAYMENT_IBAN",
        ("INCOMPLETE", "FAILED", "IBAN_INCONSISTENT"),
        ("VALID", "PASSED", None),
    ),
]
# each a VALID of 2026.12.6 that the law does not accept
STANDING_POLICY = replace(INSURANCE, document_date=A_YEAR_BEFORE)  # older than the sale
CHANGED_IN_2026_12_7 += [
    Changed(
        "the destination stated only by a standing insurance policy older than the sale",
        change(
            order__purchase_date=SOLD,
            transport__delivery_country=None,
            documents=docs(replace(STANDING_POLICY, destination_country="FR")),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "DELIVERY_COUNTRY_MISSING"),
    ),
    Changed(
        "the origin stated only by a standing insurance policy older than the sale",
        change(
            order__purchase_date=SOLD,
            transport__collection_country=None,
            documents=docs(replace(STANDING_POLICY, origin_country="DE")),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "COLLECTION_COUNTRY_MISSING"),
    ),
    Changed(
        "the destination stated only by an insurance policy dated before the pickup, the sale "
        "date unknown",
        change(
            transport__delivery_country=None,
            documents=docs(
                replace(INSURANCE, document_date=BEFORE_PICKUP, destination_country="FR")
            ),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "DELIVERY_COUNTRY_MISSING"),
    ),
]
# a carrier's bill of an earlier transport, while the order states no purchaseDate
CHANGED_IN_2026_12_7 += [
    Changed(
        "a forwarder's invoice a year before the pickup, the sale date unknown",
        change(
            documents=docs(
                replace(FORWARDER_INVOICE, document_date=A_YEAR_BEFORE), drop=(FORWARDER_INVOICE,)
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "a bank's payment for a transport a month before the pickup, the sale date unknown",
        change(
            documents=docs(
                doc(
                    "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT",
                    "BANK",
                    "Sparkasse",
                    document_date=BEFORE_PICKUP,
                ),
                drop=(FORWARDER_INVOICE,),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
]


def authority_document(issuer: str, name: str, **more: Any) -> DocumentFacts:
    """A public authority's document of the arrival in France, in place of the forwarder's
    invoice."""
    more.setdefault("destination_country", "FR")
    return doc("TRANSPORT_PUBLIC_AUTHORITY_DOCUMENT", issuer, name, received_on=ARRIVED, **more)


CHANGED_IN_2026_12_7 += [
    Changed(
        f"a public authority's document sent as issued by {issuer}",
        change(
            documents=docs(
                authority_document(issuer, "Garage Martin SARL", issuer_stated=True),
                drop=(FORWARDER_INVOICE,),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    )
    for issuer in ("CARRIER", "OTHER")
]
# the contract's paper for a self-pickup: the declaration signed by the buyer (contract §8, T1)
SELF_PICKUP_PAPERS = (INVOICE_PDF, BANK_PROOF, STATEMENT, CMR, INSURANCE)
CHANGED_IN_2026_12_7 += [
    Changed(
        "a self-pickup declaration sent as the seller's",
        change(
            transport__pickup_type="SELF_PICKUP",
            documents=(
                *SELF_PICKUP_PAPERS,
                doc(
                    "TRANSPORT_PICKUP_DECLARATION",
                    "SELLER",
                    "Autohaus Schmidt GmbH",
                    issuer_stated=True,
                    received_on=PICKUP,
                ),
            ),
        ),
        "TRANSPORT_DOCUMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "MISSING_PICKUP_DECLARATION"),
    )
]
# each a VALID of 2026.12.6 the law does not accept: a paper whose issuer is not who it says
BUYERS_FILE = "cd" * 32
PAYMENT_FILE = "ab" * 32
CHANGED_IN_2026_12_7 += [
    *(
        Changed(
            f"a statement sent as the buyer's signed by {company}",
            change(**BUYER_HIRED, documents=docs(replace(STATEMENT, issuer_name=company))),
            "ART_45A_BUYER_STATEMENT",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
        )
        # the EU's common legal forms, also those that are words or names in another spelling
        for company in (
            "Garage Martin SAS",
            "Transporte Müller AG",
            "Van Dijk Transport B.V.",
            "Auto Polska Sp. z o.o.",
            "Autos García S.A.",
            "Nordic Cars AB",
            "Jensen Biler A/S",
            "Spedition Huber KG",
            "Autohandel Peeters N.V.",
            "Autotalo Virtanen Oy",
            "SIA Baltic Auto",
            "Auto Hellas IKE",
        )
    ),
    Changed(
        "a statement in the buyer's name under the seller's VAT number",
        change(
            **BUYER_HIRED,
            documents=docs(
                replace(
                    STATEMENT, issuer_name="Auto Dupont SARL", issuer_id=HAPPY.seller_vat_number
                )
            ),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    *(
        Changed(
            f"a carrier whose number is the French buyer's {registration}",
            change(
                documents=docs(
                    replace(FORWARDER_INVOICE, issuer_id=number), drop=(FORWARDER_INVOICE,)
                )
            ),
            "ART_45A_INDEPENDENT_EVIDENCE",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
        )
        # a French VAT number is FR, two check digits and the SIREN; a SIRET is SIREN + NIC
        for registration, number in (("SIREN", "303 265 045"), ("SIRET", "303 265 045 00012"))
    ),
    Changed(
        "a carrier whose number is the French seller's SIRET",
        change(
            **FRENCH_SELLER,
            seller_vat_number="FR96552100554",
            buyer__vat_number="DE811907980",
            documents=docs(
                replace(FORWARDER_INVOICE, issuer_id="55210055400013"), drop=(FORWARDER_INVOICE,)
            ),
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    *(
        Changed(
            f"the seller's own CMR under its name written with {spelling}",
            change(documents=docs(doc("TRANSPORT_CMR", "CARRIER", name), drop=(CMR,))),
            "ART_45A_INDEPENDENT_EVIDENCE",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
        )
        for spelling, name in (
            ("a soft hyphen", "Auto\u00adhaus Schmidt"),
            ("a zero-width space", "Auto\u200bhaus Schmidt"),
            ("a Cyrillic A", "AUTOH\u0410US SCHMIDT"),
        )
    ),
    Changed(
        "a statement sent as the buyer's signed by a company whose legal form hides a soft hyphen",
        change(
            **BUYER_HIRED,
            documents=docs(replace(STATEMENT, issuer_name="Garage Martin S\u00adAS")),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "the seller's own CMR under its VAT number written with a Cyrillic E",
        change(
            documents=docs(
                doc(
                    "TRANSPORT_CMR",
                    "CARRIER",
                    "Schmidt Fahrzeuglogistik",
                    issuer_id="D\u0415811907980",
                ),
                drop=(CMR,),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "a statement sent as the buyer's signed with a name written with a Cyrillic o",
        change(
            **BUYER_HIRED,
            documents=docs(replace(STATEMENT, issuer_name="Jean Dup\u043ent")),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "the buyer's superseded statement sent again as a carrier's confirmation of arrival",
        change(
            **BUYER_HIRED,
            documents=docs(
                replace(STATEMENT, sha256=BUYERS_FILE, status="SUPERSEDED"),
                replace(STATEMENT, sha256="ef" * 32),  # the corrected statement
                doc(
                    "TRANSPORT_CONFIRMATION_OF_ARRIVAL",
                    "CARRIER",
                    "Rhône Express SARL",
                    sha256=BUYERS_FILE,
                    received_on=ARRIVED,
                ),
                drop=(FORWARDER_INVOICE,),
            ),
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    *(
        Changed(
            f"the bank's {proof} of the price's payment sent again as a payment for the transport",
            change(
                documents=docs(
                    doc(proof, "BANK", "Deutsche Bank", sha256=PAYMENT_FILE),
                    doc(
                        "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT",
                        "BANK",
                        "Deutsche Bank",
                        sha256=PAYMENT_FILE,
                    ),
                    drop=(BANK_PROOF, FORWARDER_INVOICE),
                )
            ),
            "ART_45A_INDEPENDENT_EVIDENCE",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
        )
        for proof in ("PAYMENT_CONFIRMATION", "PAYMENT_BANK_TRANSFER_SCREENSHOT")
    ),
    Changed(
        "a Gelangensbestätigung sent as the buyer's signed by another company",
        change(
            documents=docs(
                replace(GELANGENSBESTAETIGUNG, issuer_name="Garage Martin SAS"),
                drop=(FORWARDER_INVOICE,),
            )
        ),
        "NATIONAL_TRANSPORT_PROOF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", None),
    ),
]
CHANGED_IN_2026_12_7 += [
    Changed(
        "an undated carrier's bill as the second independent party",
        change(
            documents=docs(
                replace(FORWARDER_INVOICE, document_date=None), drop=(FORWARDER_INVOICE,)
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "an undated bank payment for the transport as the second independent party",
        change(
            documents=docs(
                doc("TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT", "BANK", "BNP"),
                drop=(FORWARDER_INVOICE,),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
]
CHANGED += [replace(c, rule_sets=("2026.12.6", "2026.12.7")) for c in CHANGED_IN_2026_12_7]

# 00:30 on 6 May in France, still the 5th in UTC: a delivery to France dated the 6th has come
ARRIVAL_DAY_BEGUN = datetime(2026, 5, 5, 22, 30, tzinfo=UTC)
# each an INCOMPLETE of 2026.12.7 that waited for UTC's day, not the day of the arrival
CHANGED_IN_2026_12_8 = [
    Changed(
        "a delivery dated today in France, in the first hour of France's day",
        change(today=ARRIVAL_DAY_BEGUN.date(), now=ARRIVAL_DAY_BEGUN),
        "INTRA_EU_MOVEMENT",
        ("INCOMPLETE", "PENDING", "DELIVERY_DATED_AHEAD"),
        ("VALID", "PASSED", None),
    ),
]
# each a VALID of 2026.12.7 the contract does not accept (§17: a name matching the seller's is
# not independent): the seller's own CMR under its legal form written out
CHANGED_IN_2026_12_8 += [
    Changed(
        f"the seller's CMR as {carrier!r}",
        change(seller_name=seller, documents=docs(replace(CMR, issuer_name=carrier), drop=(CMR,))),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    )
    for seller, carrier in (
        ("Autohaus Schmidt UG", "Autohaus Schmidt UG (haftungsbeschränkt)"),
        ("Autohaus Schmidt GmbH", "Autohaus Schmidt Gesellschaft mit beschränkter Haftung"),
        ("Autohaus Schmidt GmbH", "Autohaus Schmidt gGmbH"),
        ("Autohaus Schmidt GmbH", "Autohaus Schmidt & Cie"),
    )
]
# each a VALID of 2026.12.7 the law does not accept: the buyer's statement (Art. 45a(1)(b)(i))
# and the Gelangensbestätigung (§ 17b Abs. 2 Satz 1 Nr. 2 UStDV) open with their date of issue;
# undated, nothing shows they were written after the arrival, not with the purchase contract
UNDATED_STATEMENT = replace(STATEMENT, document_date=None)
UNDATED_GELANGENSBESTAETIGUNG = replace(GELANGENSBESTAETIGUNG, document_date=None)
CHANGED_IN_2026_12_8 += [
    Changed(
        "the buyer's statement without its date of issue",
        change(**BUYER_HIRED, documents=docs(UNDATED_STATEMENT)),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "self-pickup: the buyer's statement without its date of issue",
        change(
            **SELF_PICKUP
            | {
                "documents": (
                    INVOICE_PDF,
                    BANK_PROOF,
                    PICKUP_DECLARATION,
                    UNDATED_STATEMENT,
                    CMR,
                    INSURANCE,
                )
            }
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "an undated Gelangensbestätigung beside the CMR",
        change(documents=docs(UNDATED_GELANGENSBESTAETIGUNG, drop=(FORWARDER_INVOICE,))),
        "NATIONAL_TRANSPORT_PROOF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", None),
    ),
    Changed(
        "an undated Gelangensbestätigung proving a self-pickup alone",
        change(
            transport__pickup_type="SELF_PICKUP",
            documents=(INVOICE_PDF, BANK_PROOF, PICKUP_DECLARATION, UNDATED_GELANGENSBESTAETIGUNG),
            today=date(2026, 7, 1),
        ),
        "NATIONAL_TRANSPORT_PROOF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", None),
    ),
]

# A German dealer sells to a Portuguese company: the vehicle arrives in Porto on 6 May (ARRIVED)
TO_PORTUGAL: dict[str, Any] = dict(
    buyer__country="PT",
    buyer__vat_number="PT501964843",
    buyer__name="Auto Porto Lda",
    transport__delivery_country="PT",
)
# 22:30 UTC on 5 May: 00:30 on the 6th in Germany, still 23:30 on the 5th in Porto
EVE_IN_PORTO = datetime(2026, 5, 5, 22, 30, tzinfo=UTC)
# 21:30 UTC on 5 May: 00:30 on the 6th in Greece, still 23:30 on the 5th in Germany
ARRIVAL_DAY_IN_GREECE = datetime(2026, 5, 5, 21, 30, tzinfo=UTC)
TO_GREECE: dict[str, Any] = dict(
    buyer__country="EL",
    buyer__vat_number="EL094014201",
    buyer__name="Auto Athina AE",
    transport__delivery_country="GR",
)


def received(paper: DocumentFacts, moment: datetime, **more: Any) -> DocumentFacts:
    return replace(paper, received_on=moment.date(), received_at=moment, **more)


def notary(destination: str) -> DocumentFacts:
    """A notary's confirmation of the arrival (Art. 45a(3)(b)(ii))."""
    return doc(
        "TRANSPORT_CONFIRMATION_OF_ARRIVAL",
        "NOTARY",
        "Cartório Notarial Silva",
        issuer_stated=True,
        destination_country=destination,
    )


# In Portugal: a paper of the arrival received before the arrival's day began where the vehicle
# arrived was written before it (2026.12.2), though that day had begun in Germany; 2026.12.7
# read its receipt on the origin's clock. Each a VALID of 2026.12.7 the law does not accept.
IN_PORTO: dict[str, Any] = dict(destination_country="PT")
CHANGED_IN_2026_12_8 += [
    Changed(
        "to Portugal: a notary's confirmation received at 23:30 on the eve of the arrival there",
        change(
            **TO_PORTUGAL,
            documents=docs(received(notary("PT"), EVE_IN_PORTO), drop=(FORWARDER_INVOICE,)),
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "to Portugal: the buyer's statement dated the arrival, received on its eve there",
        change(
            **TO_PORTUGAL,
            **BUYER_HIRED,
            documents=docs(received(STATEMENT, EVE_IN_PORTO, document_date=ARRIVED, **IN_PORTO)),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "to Portugal: the pickup declaration as the statement, received on the arrival's eve",
        change(
            **TO_PORTUGAL,
            **SELF_PICKUP
            | {
                "documents": (
                    INVOICE_PDF,
                    BANK_PROOF,
                    received(PICKUP_DECLARATION, EVE_IN_PORTO, **IN_PORTO),
                    CMR,
                    INSURANCE,
                )
            },
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "to Portugal: a Gelangensbestätigung dated the arrival, received on its eve there",
        change(
            **TO_PORTUGAL,
            transport__pickup_type="SELF_PICKUP",
            documents=(
                INVOICE_PDF,
                BANK_PROOF,
                replace(PICKUP_DECLARATION, **IN_PORTO),
                received(GELANGENSBESTAETIGUNG, EVE_IN_PORTO, document_date=ARRIVED, **IN_PORTO),
            ),
            today=date(2026, 7, 1),
        ),
        "NATIONAL_TRANSPORT_PROOF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", None),
    ),
    # and the other way, an INCOMPLETE of 2026.12.7: in Greece the arrival's day begins an hour
    # before Germany's, and a paper received in its first hour there may well be of the arrival
    Changed(
        "to Greece: a notary's confirmation received at 00:30 on the arrival's day there",
        change(
            **TO_GREECE,
            documents=docs(
                received(notary("GR"), ARRIVAL_DAY_IN_GREECE), drop=(FORWARDER_INVOICE,)
            ),
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
        ("VALID", "PASSED", None),
    ),
]


def list_paper(type_: str, issuer: str, name: str, **more: Any) -> DocumentFacts:
    """A list paper of the arrival's day, in place of the forwarder's invoice."""
    return doc(type_, issuer, name, document_date=ARRIVED, received_on=ARRIVED, **more)


# each a VALID of 2026.12.7 that the law does not accept: a paper the law names by its issuer
# (Art. 45a(3)(a) and (b)) sent as issued by someone who issues no such paper
CHANGED_IN_2026_12_8 += [
    Changed(
        f"a {type_} sent as issued by {issuer}",
        change(
            documents=docs(
                list_paper(type_, issuer, "Garage Martin SARL", issuer_stated=True, **more),
                drop=(FORWARDER_INVOICE,),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    )
    for type_, issuer, more in (
        ("TRANSPORT_FORWARDER_INVOICE", "OTHER", {}),
        ("TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT", "OTHER", {}),
        ("TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT", "CARRIER", {}),
        ("TRANSPORT_INSURANCE_POLICY", "OTHER", {}),
        ("TRANSPORT_INSURANCE_POLICY", "BANK", {}),
        ("TRANSPORT_WAREHOUSE_RECEIPT", "OTHER", {"destination_country": "FR"}),
        ("TRANSPORT_WAREHOUSE_RECEIPT", "CARRIER", {"destination_country": "FR"}),
    )
]
# an export to the Canary Islands (outside the EU's VAT territory, Art. 6): at the evidence
# deadline
TO_LAS_PALMAS = change(
    transport__delivery_country="ES",
    transport__delivery_post_code="35001",
    buyer__country="ES",
    buyer__vat_number="ESB35000000",
    today=date(2026, 8, 1),
)
# an INVALID of 2026.12.7 that the law does not give: an export is not taxed for want of the
# proof of an intra-community supply
CHANGED_IN_2026_12_8 += [
    Changed(
        "an export to the Canary Islands at the evidence deadline",
        TO_LAS_PALMAS,
        "TRANSPORT_EVIDENCE_DEADLINE",
        ("INVALID", "FAILED", "TRANSPORT_EVIDENCE_OVERDUE"),
        ("INCOMPLETE", "NOT_APPLICABLE", None),
    ),
]
# each a VALID of 2026.12.7 the law does not accept: one file is one document of one issuer,
# and a file sent as another's is not the buyer's paper (Art. 45a(1)(b)(i), § 17b(2) UStDV)
SELLERS_FILE = "5e" * 32  # the seller's invoice PDF
CARRIERS_FILE = "ca" * 32  # the carrier's CMR
SELLERS_INVOICE_PDF = replace(INVOICE_PDF, sha256=SELLERS_FILE)
CHANGED_IN_2026_12_8 += [
    Changed(
        "the seller's invoice PDF sent again as the buyer's Gelangensbestätigung",
        change(
            documents=(
                SELLERS_INVOICE_PDF,
                BANK_PROOF,
                CMR,
                replace(GELANGENSBESTAETIGUNG, sha256=SELLERS_FILE, issuer_name="Auto Dupont SARL"),
            )
        ),
        "NATIONAL_TRANSPORT_PROOF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", None),
    ),
    Changed(
        "the seller's invoice PDF sent again as the buyer's statement",
        change(
            **BUYER_HIRED,
            documents=docs(
                replace(STATEMENT, sha256=SELLERS_FILE, issuer_name="Auto Dupont SARL"),
                SELLERS_INVOICE_PDF,
                drop=(INVOICE_PDF,),
            ),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "the carrier's CMR sent again as the buyer's Gelangensbestätigung",
        change(
            documents=(
                INVOICE_PDF,
                BANK_PROOF,
                replace(CMR, sha256=CARRIERS_FILE),
                replace(GELANGENSBESTAETIGUNG, sha256=CARRIERS_FILE),
            )
        ),
        "NATIONAL_TRANSPORT_PROOF",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", None),
    ),
]
# each a VALID of 2026.12.7 the contract does not accept: an entity whose name or number is the
# seller's or the buyer's on one of its papers is theirs on all (contract §17; Art. 45a(1)(a))
CHANGED_IN_2026_12_8 += [
    *(
        Changed(
            f"the carrier's insurance paper under the {whose} VAT number",
            change(
                documents=docs(
                    doc(
                        "TRANSPORT_INSURANCE_POLICY",
                        "INSURER",
                        "Trans Logistik",
                        issuer_id=number,
                        issuer_stated=True,
                    )
                )
            ),
            "ART_45A_INDEPENDENT_EVIDENCE",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
        )
        for whose, number in (("seller's", "DE811907980"), ("buyer's", "FR40303265045"))
    ),
    Changed(
        "the carrier's other paper, no evidence itself, under the seller's VAT number",
        change(
            documents=docs(
                doc("ORDER_OTHER", "OTHER", "TRANS-LOGISTIK", issuer_id="DE 811 907 980")
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
]
# each a VALID of 2026.12.7 the law does not accept: a name once sent as the seller's stays the
# seller's after a newer upload superseded its paper (Art. 45a(1)(a) and (b)(i); contract §17)
SELLERS_OWN_CMR = doc(
    "TRANSPORT_CMR",
    "SELLER",
    "Schmidt Logistik",
    issuer_stated=True,
    status="SUPERSEDED",
    sha256="a1" * 32,
    received_on=PICKUP,
)
CHANGED_IN_2026_12_8 += [
    Changed(
        "the seller's own CMR superseded by a CMR of the same name sent as the carrier's",
        change(
            documents=docs(
                SELLERS_OWN_CMR,
                replace(SELLERS_OWN_CMR, issuer_type="CARRIER", status="ACTIVE", sha256="b1" * 32),
                drop=(CMR,),
            )
        ),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    ),
    Changed(
        "a statement sent as the buyer's signed with the name of the seller's superseded CMR",
        change(
            **BUYER_HIRED,
            documents=docs(SELLERS_OWN_CMR, replace(STATEMENT, issuer_name="Schmidt Logistik")),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
]
# each a VALID of 2026.12.7 the law does not accept: an official document of list (b) confirms
# the arrival in the member state of destination (Art. 45a(3)(b)(ii)), and an insurance policy
# is one for the transport (Art. 45a(3)(b)(i))
CHANGED_IN_2026_12_8 += [
    Changed(
        name,
        change(documents=docs(paper, drop=(FORWARDER_INVOICE,))),
        "ART_45A_INDEPENDENT_EVIDENCE",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
    )
    for name, paper in (
        (
            "a notary's confirmation of arrival that names no destination",
            replace(NOTARY, destination_country=None, received_on=ARRIVED),
        ),
        (
            "a public authority's document that names no destination (a deregistration)",
            authority_document(
                "PUBLIC_AUTHORITY", "Zulassungsstelle Stadt Köln", destination_country=None
            ),
        ),
        (
            "an insurance policy taken out after the arrival",
            replace(INSURANCE, document_date=ARRIVED + timedelta(days=9)),
        ),
    )
]
# a VALID of 2026.12.7 the law does not accept: the pickup declaration standing for the buyer's
# statement bears the statement's date of issue (Art. 45a(1)(b)(i))
CHANGED_IN_2026_12_8 += [
    Changed(
        "an undated pickup declaration, sent on the arrival, as the buyer's statement",
        change(
            **SELF_PICKUP
            | {"documents": docs(replace(PICKUP_DECLARATION, received_on=ARRIVED), INSURANCE)}
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    )
]
CHANGED += [replace(c, rule_sets=("2026.12.7", "2026.12.8")) for c in CHANGED_IN_2026_12_8]

# each a VALID of 2026.12.8 the law or the contract does not accept
CHANGED_IN_2026_12_9: list[Changed] = []
# A paper's receipt was read on the seller's day where its countries were set against the
# transport's, and on the day where the transport ended (or began) where it was counted as
# evidence: received in the first hour of the day in Athens, still the day before in Germany, a
# paper naming another member state counted without contradicting. Each a VALID of 2026.12.8
# the law does not accept (Art. 45a(1)(a): non-contradictory items; (3)(b)(ii) and (iii): of
# the arrival in the member state of destination).
AN_HOUR_INTO_THE_PICKUP_DAY_IN_GREECE = datetime(2026, 5, 3, 21, 30, tzinfo=UTC)
FROM_GREECE: dict[str, Any] = dict(transport__collection_country="GR")


def arrival_paper(type_: str, issuer: str, name: str, destination: str) -> DocumentFacts:
    """A list paper of the arrival (a notary's, a warehouse keeper's, the carrier's signed on
    delivery) naming the member state where the vehicle arrived."""
    return doc(type_, issuer, name, destination_country=destination, document_date=ARRIVED)


ARRIVAL_PAPERS_IN = {
    "a notary's official document": lambda country: arrival_paper(
        "TRANSPORT_PUBLIC_AUTHORITY_DOCUMENT", "NOTARY", "Notariat Papadopoulos", country
    ),
    "a warehouse keeper's receipt": lambda country: arrival_paper(
        "TRANSPORT_WAREHOUSE_RECEIPT", "WAREHOUSE_KEEPER", "Piraeus Storage AE", country
    ),
    "the CMR signed on delivery": lambda country: arrival_paper(
        "TRANSPORT_CMR_DELIVERY", "CARRIER", "Hellas Trans AE", country
    ),
}
CHANGED_IN_2026_12_9 += [
    *(
        Changed(
            f"to Greece: {name} naming France, received at 00:30 on the arrival's day there",
            change(
                **TO_GREECE,
                documents=(
                    INVOICE_PDF,
                    BANK_PROOF,
                    CMR,
                    received(paper("FR"), ARRIVAL_DAY_IN_GREECE),
                ),
            ),
            "INTRA_EU_MOVEMENT",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "FAILED", "TRANSPORT_COUNTRIES_CONTRADICT"),
        )
        for name, paper in ARRIVAL_PAPERS_IN.items()
    ),
    Changed(
        "from Greece: the CMR naming Bulgaria, received at 00:30 on the pickup's day there",
        change(
            **FROM_GREECE,
            documents=docs(
                received(replace(CMR, origin_country="BG"), AN_HOUR_INTO_THE_PICKUP_DAY_IN_GREECE),
                drop=(CMR,),
            ),
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "TRANSPORT_COUNTRIES_CONTRADICT"),
    ),
]
# The buyer's paper signed with the name of another party of the order (the seller, the carrier
# of the CMR) but the buyer's VAT number as its issuerId counted as the buyer's: its number was
# compared with the buyer's before its name with the others'. Each a VALID of 2026.12.8 the law
# does not accept (§ 17b Abs. 2 Satz 1 Nr. 2 UStDV, Art. 45a(1)(b)(i): the acquirer's).
BUYERS_NUMBER = HAPPY.buyer.vat_number


def signed(paper: DocumentFacts, name: str, number: str | None = BUYERS_NUMBER) -> DocumentFacts:
    return replace(paper, issuer_name=name, issuer_id=number)


CHANGED_IN_2026_12_9 += [
    *(
        Changed(
            f"a Gelangensbestätigung signed {whose} with the buyer's VAT number",
            change(documents=(INVOICE_PDF, BANK_PROOF, CMR, signed(GELANGENSBESTAETIGUNG, name))),
            "NATIONAL_TRANSPORT_PROOF",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", None),
        )
        for whose, name in (
            ("as the seller", "Autohaus Schmidt GmbH"),
            ("as the carrier of the CMR", "Trans Logistik GmbH"),
        )
    ),
    Changed(
        "the buyer's statement signed as the seller with the buyer's VAT number",
        change(**BUYER_HIRED, documents=docs(signed(STATEMENT, "Autohaus Schmidt GmbH"))),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
    Changed(
        "the buyer's statement signed as the carrier with the buyer's VAT number",
        change(
            **BUYER_HIRED,
            documents=docs(INSURANCE, signed(STATEMENT, "Trans Logistik GmbH")),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
]


# The seller's or the buyer's VAT number with a label before it, as the API stores it
# ("VAT DE811907980" is "VATDE811907980"), was another number: the seller's own logistics
# counted as an independent carrier. Each a VALID of 2026.12.8 the contract does not accept
# (§17: an entity whose number matches the seller's or the buyer's is not independent;
# Art. 45a(1)(a), (1)(b)(i)).
def cmr_under(number: str) -> DocumentFacts:
    return doc("TRANSPORT_CMR", "CARRIER", "Schmidt Logistik", issuer_id=number)


CHANGED_IN_2026_12_9 += [
    *(
        Changed(
            f"a CMR under {whose} VAT number with a label ({number})",
            change(documents=docs(cmr_under(number), drop=(CMR,))),
            "ART_45A_INDEPENDENT_EVIDENCE",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "PENDING", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
        )
        for whose, number in (
            ("the seller's", "VATDE811907980"),
            ("the seller's", "UST-IDNR.DE811907980"),
            ("the buyer's", "TVAFR40303265045"),
        )
    ),
    Changed(
        "the buyer's statement with the buyer's name and the seller's number with a label",
        change(
            **BUYER_HIRED,
            documents=docs(signed(STATEMENT, "Auto Dupont SARL", "VATDE811907980")),
        ),
        "ART_45A_BUYER_STATEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "PENDING", "BUYER_STATEMENT_MISSING"),
    ),
]


# Places outside the EU's VAT territory addressed with a member state's country code and post
# code were a delivery or collection in that member state: the French Southern and Antarctic
# Lands (984xx), San Marino (4789x) and the Vatican City (00120) under Italian post codes,
# Büsingen and Campione d'Italia under their Swiss ones. Each a VALID of 2026.12.8 the law does
# not accept (Art. 138(1): dispatched to a destination within the Community; Art. 355(2) TFEU,
# Art. 6(2)(b) and (f) VAT Directive; a delivery there is an export, Art. 146).
def delivered_at(country: str, post_code: str) -> ComplianceFacts:
    """Delivered at ``post_code`` in ``country``, from and to a buyer of other member states."""
    return change(
        transport__delivery_country=country,
        transport__delivery_post_code=post_code,
        transport__collection_country="FR" if country == "DE" else "DE",
        buyer__country="FR" if country == "IT" else "IT",
        buyer__vat_number="FR40303265045" if country == "IT" else "IT00743110157",
    )


CHANGED_IN_2026_12_9 += [
    *(
        Changed(
            f"delivered to {place} as {country} {post_code}",
            delivered_at(country, post_code),
            "INTRA_EU_MOVEMENT",
            ("VALID", "PASSED", None),
            ("INCOMPLETE", "FAILED", "NOT_INTRA_EU"),
        )
        for place, country, post_code in (
            ("the Kerguelen Islands (French Southern and Antarctic Lands)", "FR", "98413"),
            ("San Marino", "IT", "47890"),
            ("Serravalle, San Marino", "IT", "47899"),
            ("the Vatican City", "IT", "00120"),
            ("Büsingen am Hochrhein under its Swiss post code", "DE", "CH-8238"),
            ("Büsingen am Hochrhein under its bare Swiss post code", "DE", "8238"),
            ("Campione d'Italia under its Swiss post code", "IT", "CH-6911"),
        )
    ),
    Changed(
        "collected in San Marino as IT 47891",
        change(
            transport__collection_country="IT",
            transport__collection_post_code="47891",
            seller_country="IT",
        ),
        "INTRA_EU_MOVEMENT",
        ("VALID", "PASSED", None),
        ("INCOMPLETE", "FAILED", "NOT_INTRA_EU"),
    ),
]
CHANGED += [replace(c, rule_sets=("2026.12.8", "2026.12.9")) for c in CHANGED_IN_2026_12_9]


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        *(
            (
                f"to Greece: {name} naming Greece, received at {hour} there",
                change(
                    **TO_GREECE,
                    documents=(INVOICE_PDF, BANK_PROOF, CMR, received(paper("GR"), moment)),
                ),
            )
            for name, paper in ARRIVAL_PAPERS_IN.items()
            for hour, moment in (
                ("00:30 on the arrival's day", ARRIVAL_DAY_IN_GREECE),
                (
                    "noon on the arrival's day",
                    ARRIVAL_DAY_IN_GREECE + timedelta(hours=11, minutes=30),
                ),
                ("23:30 on the arrival's day", ARRIVAL_DAY_IN_GREECE + timedelta(hours=23)),
                ("00:30 on the day after the arrival", ARRIVAL_DAY_IN_GREECE + timedelta(days=1)),
            )
        ),
        *(
            (
                f"from Greece: the CMR naming {named}, received at 00:30 on the pickup's day there",
                change(
                    **FROM_GREECE,
                    documents=docs(
                        received(
                            replace(CMR, origin_country=origin),
                            AN_HOUR_INTO_THE_PICKUP_DAY_IN_GREECE,
                        ),
                        drop=(CMR,),
                    ),
                ),
            )
            for named, origin in (("Greece", "GR"), ("no origin", None))
        ),
        (
            "to France: a notary's document naming France, received at 00:30 there",
            change(
                documents=docs(
                    received(ARRIVAL_PAPERS_IN["a notary's official document"]("FR"), EVE_IN_PORTO),
                    drop=(FORWARDER_INVOICE,),
                )
            ),
        ),
    ],
)
def test_what_2026_12_9_still_accepts_of_the_arrivals_country(name: str, facts: ComplianceFacts):
    """A paper naming the member states the transport has counts whenever on the day of the
    pickup or the arrival (where it began, where it ended) it came, as in 2026.12.8."""
    rollup = evaluate(facts)
    assert rollup.compliance_status == "VALID", (name, [b.message for b in rollup.blockers])


BUYERS_LOGISTICS = doc("ORDER_OTHER", "OTHER", "Dupont Logistique", issuer_id=BUYERS_NUMBER)


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        *(
            (
                f"the buyer's statement signed {whose}",
                change(**BUYER_HIRED, documents=docs(signed(STATEMENT, *signature))),
            )
            for whose, signature in (
                ("with the buyer's name and VAT number", ("Auto Dupont SARL",)),
                ("with the buyer's name without its form", ("AUTO DUPONT",)),
                ("by a person, with the buyer's VAT number", ("Jean Dupont",)),
                ("with the buyer's name alone", ("Auto Dupont SARL", None)),
            )
        ),
        (
            "a Gelangensbestätigung signed with the buyer's name and VAT number",
            change(
                documents=(
                    INVOICE_PDF,
                    BANK_PROOF,
                    CMR,
                    signed(GELANGENSBESTAETIGUNG, "Auto Dupont SARL"),
                )
            ),
        ),
        (
            "the statement under the name another paper gives the buyer's VAT number with",
            change(
                **BUYER_HIRED,
                documents=docs(BUYERS_LOGISTICS, signed(STATEMENT, "Dupont Logistique")),
            ),
        ),
    ],
)
def test_what_2026_12_9_still_accepts_as_signed_by_the_buyer(name: str, facts: ComplianceFacts):
    """The buyer's papers signed with the buyer's own name or number, or by a person for it,
    are the buyer's as before; only another party's name makes them another's."""
    rollup = evaluate(facts)
    assert rollup.compliance_status == "VALID", (name, [b.message for b in rollup.blockers])


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        *(
            (
                f"a carrier's CMR under {what} ({number})",
                change(documents=docs(cmr_under(number), drop=(CMR,))),
            )
            for what, number in (
                ("its own VAT number", "DE123456789"),
                ("its own VAT number with a label", "VATDE123456789"),
                ("a number holding the seller's digits", "DE1811907980"),
                ("a number holding the seller's digits, with a label", "UST-IDNR.DE1811907980"),
                ("a Swiss UID holding the seller's digits", "CHE-811.907.980"),
                ("a French number holding the seller's number", "FRDE811907980"),
                ("a register number", "HRB12345"),
            )
        ),
        (
            "the buyer's statement with the buyer's name and its number with a label",
            change(
                **BUYER_HIRED,
                documents=docs(signed(STATEMENT, "Auto Dupont SARL", "TVAFR40303265045")),
            ),
        ),
    ],
)
def test_what_2026_12_9_still_accepts_under_a_labelled_number(name: str, facts: ComplianceFacts):
    """Only the seller's or the buyer's whole VAT number after a label is theirs: a carrier's
    own number, with or without a label, or one that merely holds their digits, is another."""
    rollup = evaluate(facts)
    assert rollup.compliance_status == "VALID", (name, [b.message for b in rollup.blockers])


@pytest.mark.parametrize(
    ("place", "country", "post_code"),
    [
        ("Rome, beside the Vatican City", "IT", "00121"),
        ("Rome", "IT", "00118"),
        ("Rome", "IT", "00199"),
        ("Riccione, beside San Marino", "IT", "47838"),
        ("Rimini area, beside San Marino", "IT", "47889"),
        ("Rimini", "IT", "47900"),
        ("Como, Campione d'Italia's province", "IT", "22100"),
        ("Gailingen, beside Büsingen", "DE", "78262"),
        ("Bergen (Vogtland), five digits beginning 0823", "DE", "08239"),
        ("Lochau, Austria, under Campione's Swiss digits", "AT", "6911"),
        ("Monaco written as France", "FR", "98000"),
        ("Lyon", "FR", "69001"),
    ],
)
def test_what_2026_12_9_still_accepts_by_the_post_code(place: str, country: str, post_code: str):
    """Post codes beside those of the places outside the EU's VAT territory are deliveries in
    the member state as before: the Swiss four-digit codes name no German or Italian place."""
    rollup = evaluate(delivered_at(country, post_code))
    assert rollup.compliance_status == "VALID", (place, [b.message for b in rollup.blockers])


@pytest.mark.parametrize(
    ("name", "paper"),
    [
        ("a notary's confirmation of the arrival in France", replace(NOTARY, received_on=ARRIVED)),
        (
            "a public authority's document of the arrival in France",
            authority_document("PUBLIC_AUTHORITY", "Préfecture du Rhône"),
        ),
        ("an insurance policy dated on the arrival", replace(INSURANCE, document_date=ARRIVED)),
        ("an undated insurance policy", INSURANCE),
        (
            "a carrier's confirmation of arrival naming no destination (list (a))",
            doc("TRANSPORT_CONFIRMATION_OF_ARRIVAL", "CARRIER", "Rhône Logistique SAS"),
        ),
    ],
)
def test_what_2026_12_8_still_accepts_of_list_b(name: str, paper: DocumentFacts):
    """Official documents that place the arrival, and policies taken out for the transport
    (or whose date is not given), still count beside the CMR."""
    rollup = evaluate(change(documents=docs(paper, drop=(FORWARDER_INVOICE,))))
    assert rollup.compliance_status == "VALID", (name, [b.message for b in rollup.blockers])


@pytest.mark.parametrize(
    "carrier",
    [
        "Gesellschaft für Transporte Schmidt mbH",  # a statute's word inside a name
        "Schmidt Aktiengesellschaft Logistik",
        "Cie Générale de Transports",
    ],
)
def test_what_2026_12_8_still_accepts_as_another_entity(carrier: str):
    """A form written out goes only as the whole phrase: a carrier whose name shares words
    with a form, but not the seller's name, is still independent of "Autohaus Schmidt GmbH"."""
    rollup = evaluate(
        change(
            seller_name="Autohaus Schmidt GmbH",
            documents=docs(replace(CMR, issuer_name=carrier), drop=(CMR,)),
        )
    )
    assert rollup.compliance_status == "VALID", [b.code for b in rollup.blockers]


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        (
            "the buyer's statement dated on the arrival, received two days later",
            change(**BUYER_HIRED, documents=docs(replace(STATEMENT, document_date=ARRIVED))),
        ),
        (
            "the buyer's statement dated and received on the arrival's day",
            change(
                **BUYER_HIRED,
                documents=docs(replace(STATEMENT, document_date=ARRIVED, received_on=ARRIVED)),
            ),
        ),
        (
            "a Gelangensbestätigung dated on the arrival, beside the CMR",
            change(
                documents=docs(
                    replace(GELANGENSBESTAETIGUNG, document_date=ARRIVED),
                    drop=(FORWARDER_INVOICE,),
                )
            ),
        ),
        (
            "to Portugal: a notary's confirmation received at 00:30 on the arrival's day there",
            change(
                **TO_PORTUGAL,
                documents=docs(
                    received(notary("PT"), EVE_IN_PORTO + timedelta(hours=1)),
                    drop=(FORWARDER_INVOICE,),
                ),
            ),
        ),
        (
            "to Portugal: the buyer's statement received at 00:30 on the arrival's day there",
            change(
                **TO_PORTUGAL,
                **BUYER_HIRED,
                documents=docs(
                    received(
                        STATEMENT,
                        EVE_IN_PORTO + timedelta(hours=1),
                        document_date=ARRIVED,
                        **IN_PORTO,
                    )
                ),
            ),
        ),
        (
            "to Portugal: a Gelangensbestätigung received at 00:30 on the arrival's day there",
            change(
                **TO_PORTUGAL,
                transport__pickup_type="SELF_PICKUP",
                documents=(
                    INVOICE_PDF,
                    BANK_PROOF,
                    replace(PICKUP_DECLARATION, **IN_PORTO),
                    received(
                        GELANGENSBESTAETIGUNG,
                        EVE_IN_PORTO + timedelta(hours=1),
                        document_date=ARRIVED,
                        **IN_PORTO,
                    ),
                ),
                today=date(2026, 7, 1),
            ),
        ),
        (
            "to France: a notary's confirmation received at 00:30 on the arrival's day there",
            change(documents=docs(received(notary("FR"), EVE_IN_PORTO), drop=(FORWARDER_INVOICE,))),
        ),
        (
            "to France: the buyer's statement received at 00:30 on the arrival's day there",
            change(
                **BUYER_HIRED,
                documents=docs(received(STATEMENT, EVE_IN_PORTO, document_date=ARRIVED)),
            ),
        ),
    ],
)
def test_what_2026_12_8_still_accepts_of_the_arrival(name: str, facts: ComplianceFacts):
    """The buyer's papers dated, and the papers of the arrival received once the arrival's day
    has begun where the vehicle arrived, count as before."""
    rollup = evaluate(facts)
    assert rollup.compliance_status == "VALID", (name, [b.message for b in rollup.blockers])


@pytest.mark.parametrize(
    "moment",
    [EVE_IN_PORTO - timedelta(hours=2, minutes=30), EVE_IN_PORTO],
    ids=["20:00 UTC", "22:30 UTC"],
)
def test_papers_received_before_the_arrival_day_began_in_portugal_prove_no_arrival(
    moment: datetime,
):
    """At 20:00 UTC the eve of the arrival is the eve in Germany too; at 22:30 UTC only in
    Porto, where the vehicle arrived on 6 May: neither paper counts."""
    confirmed = evaluate(
        change(
            **TO_PORTUGAL,
            documents=docs(received(notary("PT"), moment), drop=(FORWARDER_INVOICE,)),
        )
    )
    assert "INSUFFICIENT_TRANSPORT_EVIDENCE" in {b.code for b in confirmed.blockers}
    stated = evaluate(
        change(
            **TO_PORTUGAL,
            **BUYER_HIRED,
            documents=docs(received(STATEMENT, moment, document_date=ARRIVED, **IN_PORTO)),
        )
    )
    assert "BUYER_STATEMENT_MISSING" in {b.code for b in stated.blockers}


def test_an_undated_buyers_paper_is_asked_for_again_with_its_date():
    """Like an undated carrier's bill (2026.12.7), an undated statement or Gelangensbestätigung
    is named under "not counted", with what would make it count."""
    statement = evaluate(change(**BUYER_HIRED, documents=docs(UNDATED_STATEMENT)))
    (missing,) = [b for b in statement.blockers if b.code == "BUYER_STATEMENT_MISSING"]
    assert "not counted: BUYER_TRANSPORT_STATEMENT: undated" in missing.message
    assert "Send it again with its documentDate" in missing.message
    confirmation = evaluate(
        change(documents=docs(UNDATED_GELANGENSBESTAETIGUNG, drop=(FORWARDER_INVOICE,)))
    )
    (insufficient,) = [
        b for b in confirmation.blockers if b.code == "INSUFFICIENT_TRANSPORT_EVIDENCE"
    ]
    assert "NATIONAL_ARRIVAL_CONFIRMATION: undated" in insufficient.message
    assert "Send it again with its documentDate" in insufficient.message
    national = _outcome(confirmation, "NATIONAL_TRANSPORT_PROOF")
    assert "not counted: NATIONAL_ARRIVAL_CONFIRMATION: undated" in national.detail


@pytest.mark.parametrize(
    ("now", "delivery_country"),
    [
        (ARRIVAL_DAY_BEGUN - timedelta(hours=1), "FR"),  # 23:30 on the 5th in France
        (ARRIVAL_DAY_BEGUN, "PT"),  # 23:30 in Lisbon, though 00:30 where the transport began
    ],
)
def test_a_delivery_dated_a_day_not_yet_begun_where_it_arrived_waits(
    now: datetime, delivery_country: str
):
    rollup = evaluate(
        change(today=now.date(), now=now, transport__delivery_country=delivery_country)
    )
    assert rollup.compliance_status == "INCOMPLETE"
    assert "DELIVERY_DATED_AHEAD" in {b.code for b in rollup.blockers}


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        *(
            (
                f"a {type_} sent as issued by {issuer}",
                change(
                    documents=docs(
                        list_paper(type_, issuer, name, issuer_stated=True, **more),
                        drop=(FORWARDER_INVOICE,),
                    )
                ),
            )
            for type_, issuer, name, more in (
                ("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Spedition Meier", {}),
                ("TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT", "BANK", "BNP Paribas", {}),
                ("TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz", {}),
                (
                    "TRANSPORT_WAREHOUSE_RECEIPT",
                    "WAREHOUSE_KEEPER",
                    "Entrepôts Rhône SA",
                    {"destination_country": "FR"},
                ),
                (
                    "TRANSPORT_PUBLIC_AUTHORITY_DOCUMENT",
                    "NOTARY",
                    "Maître Roux",
                    {"destination_country": "FR"},
                ),
            )
        ),
        *(
            # sent without issuerType: the upload takes the type's issuer (the API's default)
            (
                f"a {type_} sent without issuerType",
                change(
                    documents=docs(
                        list_paper(type_, issuer, name, **more), drop=(FORWARDER_INVOICE,)
                    )
                ),
            )
            for type_, issuer, name, more in (
                ("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Spedition Meier", {}),
                ("TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT", "BANK", "BNP Paribas", {}),
                ("TRANSPORT_INSURANCE_POLICY", "INSURER", "Allianz", {}),
                (
                    "TRANSPORT_WAREHOUSE_RECEIPT",
                    "WAREHOUSE_KEEPER",
                    "Entrepôts Rhône SA",
                    {"destination_country": "FR"},
                ),
            )
        ),
        (
            "a forwarder's invoice and a bank's payment for the transport beside the CMR",
            change(
                documents=docs(
                    list_paper(
                        "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT",
                        "BANK",
                        "BNP Paribas",
                        issuer_stated=True,
                    )
                )
            ),
        ),
    ],
)
def test_what_2026_12_8_still_accepts_list_papers_from_their_issuers(
    name: str, facts: ComplianceFacts
):
    """A paper of the lists counts from whoever issues such papers, stated or the type's."""
    assert evaluate(facts).compliance_status == "VALID", name


@pytest.mark.parametrize(
    ("facts", "status", "code"),
    [
        (TO_LAS_PALMAS, "INCOMPLETE", "NOT_INTRA_EU"),
        (
            # the same post code in France lies in the VAT territory
            change(TO_LAS_PALMAS, transport__delivery_country="FR", buyer=HAPPY.buyer),
            "VALID",
            None,
        ),
        (
            change(
                TO_LAS_PALMAS,
                buyer=HAPPY.buyer,
                transport__delivery_country="FR",
                documents=docs(drop=(FORWARDER_INVOICE,)),
            ),
            "INVALID",
            "TRANSPORT_EVIDENCE_OVERDUE",
        ),
    ],
    ids=["export", "intra-community, proved", "intra-community, unproved"],
)
def test_only_an_intra_community_supply_is_taxed_for_want_of_its_proof(
    facts: ComplianceFacts, status: str, code: str | None
):
    """Art. 67 and 69 with Art. 45a: an intra-community supply whose transport is still not
    proved when its VAT is declared is taxed; an export is proved under Art. 146, outside this
    platform, and stays a question however long its papers take."""
    rollup = evaluate(facts)
    assert rollup.compliance_status == status
    assert rollup.decision == {"VALID": "VALID_EXPORT", "INVALID": "VAT_APPLICABLE"}.get(status)
    assert code is None or code in {b.code for b in rollup.blockers}


@pytest.mark.parametrize(
    ("type_", "issuer", "who"),
    [
        ("TRANSPORT_FORWARDER_INVOICE", "OTHER", "not by a carrier or forwarder (CARRIER"),
        ("TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT", "CARRIER", "not by a bank"),
        ("TRANSPORT_INSURANCE_POLICY", "OTHER", "not by an insurer"),
        ("TRANSPORT_WAREHOUSE_RECEIPT", "OTHER", "not by a warehouse keeper"),
    ],
)
def test_a_list_paper_from_who_issues_no_such_paper_says_why_it_is_not_counted(
    type_: str, issuer: str, who: str
):
    """The blocker names the paper and who issues such papers, so it can be sent again."""
    paper = list_paper(
        type_, issuer, "Garage Martin SARL", issuer_stated=True, destination_country="FR"
    )
    facts = change(documents=docs(paper, drop=(FORWARDER_INVOICE,)))
    (blocker,) = [
        b for b in evaluate(facts).blockers if b.code == "INSUFFICIENT_TRANSPORT_EVIDENCE"
    ]
    assert f"sent as issued by {issuer}, {who}" in blocker.message


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        (
            "a forwarder's invoice paid ahead, after the sale and before the pickup",
            change(
                order__purchase_date=SOLD,
                documents=docs(
                    replace(FORWARDER_INVOICE, document_date=date(2026, 4, 28)),
                    drop=(FORWARDER_INVOICE,),
                ),
            ),
        ),
        (
            "a standing insurance policy older than the sale",
            change(
                order__purchase_date=SOLD,
                documents=docs(
                    replace(INSURANCE, document_date=A_YEAR_BEFORE), drop=(FORWARDER_INVOICE,)
                ),
            ),
        ),
        (
            "a warehouse keeper's receipt in the destination state",
            change(
                documents=docs(
                    replace(WAREHOUSE, destination_country="FR"), drop=(FORWARDER_INVOICE,)
                )
            ),
        ),
        (
            "a pickup declaration signed on the day of the arrival",
            change(
                **SELF_PICKUP
                | {
                    "documents": docs(
                        replace(PICKUP_DECLARATION, received_on=ARRIVED, document_date=ARRIVED),
                        INSURANCE,
                    )
                }
            ),
        ),
    ],
)
def test_what_2026_12_5_still_accepts(name: str, facts: ComplianceFacts):
    """The papers the new checks leave counted: they are of this transport."""
    assert evaluate(facts).compliance_status == "VALID", name


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        (
            "the buyer's statement signed by a person for the buyer, with its registration number",
            change(
                **BUYER_HIRED,
                documents=docs(
                    replace(STATEMENT, issuer_name="Jean Dupont", issuer_id="303265045")
                ),
            ),
        ),
        (
            "the buyer's statement under the buyer's name and VAT number",
            change(
                **BUYER_HIRED,
                documents=docs(
                    replace(
                        STATEMENT, issuer_name="Auto Dupont S.A.R.L.", issuer_id="FR40303265045"
                    )
                ),
            ),
        ),
        *(
            (
                f"the buyer's statement signed by {person} for the buyer, with {number}",
                change(
                    **BUYER_HIRED,
                    documents=docs(replace(STATEMENT, issuer_name=person, issuer_id=number)),
                ),
            )
            # a German commercial register's number is not a Croatian VAT number, and some
            # people are named as legal forms are
            for person, number in (
                ("Klaus Weber", "HRB 12345"),
                ("Ike Okafor", None),
                ("Sia Bērziņa", None),
                ("Tamás Sas", "HRA 4711"),
            )
        ),
        (
            "the destination stated by the CMR signed on the day of the arrival",
            change(
                transport__delivery_country=None,
                documents=docs(
                    doc(
                        "TRANSPORT_CMR_DELIVERY",
                        "CARRIER",
                        "Trans Logistik GmbH",
                        document_date=ARRIVED,
                        received_on=ARRIVED,
                        destination_country="FR",
                    )
                ),
            ),
        ),
        (
            "a warehouse keeper's confirmation of arrival in the destination state",
            change(
                documents=docs(
                    doc(
                        "TRANSPORT_CONFIRMATION_OF_ARRIVAL",
                        "WAREHOUSE_KEEPER",
                        "Entrepôts Rhône SA",
                        issuer_stated=True,
                        received_on=ARRIVED,
                        destination_country="FR",
                    ),
                    drop=(FORWARDER_INVOICE,),
                )
            ),
        ),
        ("a vehicle sold on the day it arrived", change(order__purchase_date=ARRIVED)),
        (
            "the bank's confirmation sent again after the payment's correction",
            change(
                payment__corrected_at=CORRECTED,
                documents=docs(
                    replace(BANK_PROOF, received_at=CORRECTED + timedelta(hours=1)),
                    drop=(BANK_PROOF,),
                ),
            ),
        ),
        (
            "a final invoice without VAT of the order total",
            change(invoices=(HAPPY.invoices[0], FINAL_EXEMPT), documents=docs(FINAL_PDF)),
        ),
    ],
)
def test_what_2026_12_6_still_accepts(name: str, facts: ComplianceFacts):
    """The papers and dates the new checks leave counted: the buyer's own, of this
    transport."""
    assert evaluate(facts).compliance_status == "VALID", name


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        (
            "a standing insurance policy older than the sale, the route stated by the milestones",
            change(order__purchase_date=SOLD, documents=docs(STANDING_POLICY)),
        ),
        (
            "the destination stated by an insurance policy taken out after the sale",
            change(
                order__purchase_date=SOLD,
                transport__delivery_country=None,
                documents=docs(
                    replace(INSURANCE, document_date=date(2026, 4, 28), destination_country="FR")
                ),
            ),
        ),
        (
            "a forwarder's invoice paid ahead two weeks before the pickup, the sale date unknown",
            change(
                documents=docs(
                    replace(FORWARDER_INVOICE, document_date=PICKUP - timedelta(days=14)),
                    drop=(FORWARDER_INVOICE,),
                )
            ),
        ),
        (
            "a forwarder's invoice two months before the pickup, after the sale stated",
            change(
                order__purchase_date=date(2026, 3, 1),
                documents=docs(
                    replace(FORWARDER_INVOICE, document_date=date(2026, 3, 5)),
                    drop=(FORWARDER_INVOICE,),
                ),
            ),
        ),
        (
            "a notary's document of the arrival",
            change(
                documents=docs(
                    authority_document("NOTARY", "Maître Roux, notaire à Lyon", issuer_stated=True),
                    drop=(FORWARDER_INVOICE,),
                )
            ),
        ),
        (
            "a public authority's document of the arrival, its issuer the type's",
            change(
                documents=docs(
                    authority_document("PUBLIC_AUTHORITY", "Préfecture du Rhône"),
                    drop=(FORWARDER_INVOICE,),
                )
            ),
        ),
        (
            "a self-pickup declaration sent without issuerType, the type's issuer the buyer",
            change(
                transport__pickup_type="SELF_PICKUP",
                documents=(
                    *SELF_PICKUP_PAPERS,
                    doc("TRANSPORT_PICKUP_DECLARATION", "BUYER", received_on=PICKUP),
                ),
            ),
        ),
        *(
            (
                f"the buyer's statement signed by {person} for the buyer",
                change(**BUYER_HIRED, documents=docs(replace(STATEMENT, issuer_name=person))),
            )
            # people named as a legal form is spelled in another case, or inside the name
            for person in ("Maria Sas", "Anna Sia", "Ike Okafor", "Ab Janssen", "MARIA AG ROSSI")
        ),
        *(
            (
                f"a carrier named {name}",
                change(documents=docs(replace(CMR, issuer_name=name), drop=(CMR,))),
            )
            for name in (
                "Schmidt Fahrzeuglogistik GmbH",  # like the seller's name, not the seller's
                "Автотранс ООО",  # in one script, Cyrillic
                "Μεταφορική Αθηνών ΑΕ",  # Greek
                "ＴＲＡＮＳ ＬＯＧＩＳＴＩＫ GmbH",  # full-width letters
            )
        ),
        (
            "a carrier whose number is written with spaces and dashes",
            change(documents=docs(replace(CMR, issuer_id="DE 129-273-398"), drop=(CMR,))),
        ),
        (
            "a carrier's confirmation of arrival after the buyer's statement was corrected",
            change(
                **BUYER_HIRED,
                documents=docs(
                    replace(STATEMENT, sha256=BUYERS_FILE, status="SUPERSEDED"),
                    replace(STATEMENT, sha256="ef" * 32),
                    doc(
                        "TRANSPORT_CONFIRMATION_OF_ARRIVAL",
                        "CARRIER",
                        "Rhône Express SARL",
                        sha256="12" * 32,  # a file of its own
                        received_on=ARRIVED,
                    ),
                    drop=(FORWARDER_INVOICE,),
                ),
            ),
        ),
        (
            "the bank's payment for the transport, a file of its own",
            change(
                documents=docs(
                    replace(BANK_PROOF, sha256=PAYMENT_FILE),
                    doc(
                        "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT",
                        "BANK",
                        "Deutsche Bank",
                        sha256="34" * 32,
                        document_date=ARRIVED,
                    ),
                    drop=(BANK_PROOF, FORWARDER_INVOICE),
                )
            ),
        ),
        (
            "a carrier whose SIREN is not the French buyer's",
            change(
                documents=docs(
                    replace(FORWARDER_INVOICE, issuer_id="552100554"), drop=(FORWARDER_INVOICE,)
                )
            ),
        ),
        (
            "the buyer's statement signed for the buyer with its SIRET",
            change(
                **BUYER_HIRED,
                documents=docs(
                    replace(STATEMENT, issuer_name="Jean Dupont", issuer_id="30326504500012")
                ),
            ),
        ),
        (
            "the buyer's statement in the buyer's name with a register number of its own",
            change(
                **BUYER_HIRED,
                documents=docs(
                    replace(STATEMENT, issuer_name="Auto Dupont SARL", issuer_id="RCS Lyon B 303")
                ),
            ),
        ),
    ],
)
def test_what_2026_12_7_still_accepts(name: str, facts: ComplianceFacts):
    """The papers the new checks leave counted: of this transport, issued by whom it needs."""
    assert evaluate(facts).compliance_status == "VALID", name


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        (
            "the buyer's statement and its Gelangensbestätigung sent as one file",
            change(
                **BUYER_HIRED,
                documents=docs(
                    replace(STATEMENT, sha256=BUYERS_FILE),
                    replace(GELANGENSBESTAETIGUNG, sha256=BUYERS_FILE),
                ),
            ),
        ),
        (
            "the buyer's statement sent again as the same file after its first copy",
            change(
                **BUYER_HIRED,
                documents=docs(
                    replace(STATEMENT, sha256=BUYERS_FILE, status="SUPERSEDED"),
                    replace(STATEMENT, sha256=BUYERS_FILE),
                ),
            ),
        ),
        (
            "the Gelangensbestätigung, a file of its own beside the seller's and the carrier's",
            change(
                documents=(
                    SELLERS_INVOICE_PDF,
                    BANK_PROOF,
                    replace(CMR, sha256=CARRIERS_FILE),
                    replace(GELANGENSBESTAETIGUNG, sha256=BUYERS_FILE),
                )
            ),
        ),
    ],
)
def test_what_2026_12_8_still_accepts_as_the_buyers_paper(name: str, facts: ComplianceFacts):
    """The buyer's papers the file check leaves the buyer's: files sent as the buyer's only."""
    assert evaluate(facts).compliance_status == "VALID", name


@pytest.mark.parametrize(
    ("name", "facts"),
    [
        (
            "the carrier's insurance paper under the carrier's own number",
            change(
                documents=docs(
                    doc(
                        "TRANSPORT_INSURANCE_POLICY",
                        "INSURER",
                        "Trans Logistik",
                        issuer_id="DE123456789",
                        issuer_stated=True,
                    )
                )
            ),
        ),
        (
            "the carrier's delivery CMR under its number, the CMR under its name alone",
            change(
                documents=docs(
                    doc(
                        "TRANSPORT_CMR_DELIVERY",
                        "CARRIER",
                        "TRANS LOGISTIK",
                        issuer_id="DE123456789",
                        document_date=ARRIVED,
                        received_on=ARRIVED,
                    )
                )
            ),
        ),
        (
            "the seller's paper under a trade name and its number, the carriers named otherwise",
            change(
                documents=docs(
                    doc("ORDER_OTHER", "OTHER", "Schmidt Fahrzeuglogistik", issuer_id="DE811907980")
                )
            ),
        ),
        (
            "a carrier's CMR beside the seller's superseded paper under the seller's own name",
            change(documents=docs(replace(SELLERS_OWN_CMR, issuer_name="Autohaus Schmidt GmbH"))),
        ),
        (
            "the carrier's CMR corrected by a newer upload under the carrier's name",
            change(
                documents=docs(
                    replace(CMR, status="SUPERSEDED", sha256="c1" * 32),
                    replace(CMR, sha256="c2" * 32),
                    drop=(CMR,),
                )
            ),
        ),
        (
            "the buyer's statement corrected, both signed by one person for the buyer",
            change(
                **BUYER_HIRED,
                documents=docs(
                    replace(STATEMENT, issuer_name="Jean Dupont", status="SUPERSEDED"),
                    replace(STATEMENT, issuer_name="Jean Dupont", sha256="d1" * 32),
                ),
            ),
        ),
    ],
)
def test_what_2026_12_8_still_accepts_as_independent_parties(name: str, facts: ComplianceFacts):
    """The entities the seller's and the buyer's names and numbers leave independent: those no
    paper ties to them."""
    assert evaluate(facts).compliance_status == "VALID", name


def test_an_entity_the_seller_or_buyer_on_another_paper_says_why():
    facts = change(
        documents=docs(
            doc("TRANSPORT_INSURANCE_POLICY", "INSURER", "Trans Logistik", issuer_id="DE811907980")
        )
    )
    detail = _outcome(evaluate(facts), "ART_45A_INDEPENDENT_EVIDENCE").detail
    assert (
        "TRANSPORT_CMR of Trans Logistik GmbH: its issuer is one entity with the seller, by a "
        "name or number another of its papers gives"
    ) in detail


def test_a_buyers_paper_sent_as_another_issuers_file_says_whose():
    facts = change(
        **BUYER_HIRED,
        documents=docs(replace(STATEMENT, sha256=SELLERS_FILE), SELLERS_INVOICE_PDF),
    )
    detail = _outcome(evaluate(facts), "ART_45A_BUYER_STATEMENT").detail
    assert (
        "BUYER_TRANSPORT_STATEMENT: the same file as SHIPMENT_PRELIMINARY_INVOICE, sent as "
        "issued by SELLER: one file is one issuer's document, not the buyer's"
    ) in detail


def test_a_carriers_bill_of_an_unknown_sale_asks_for_the_purchase_date():
    """Without the sale date an old carrier's bill cannot be shown to be of this transport:
    the blocker says what would show it."""
    facts = change(
        documents=docs(
            replace(FORWARDER_INVOICE, document_date=A_YEAR_BEFORE), drop=(FORWARDER_INVOICE,)
        )
    )
    (blocker,) = [
        b for b in evaluate(facts).blockers if b.code == "INSUFFICIENT_TRANSPORT_EVIDENCE"
    ]
    assert "no purchaseDate" in blocker.message and "State the order's purchaseDate" in (
        blocker.message
    )


def test_a_public_authority_document_from_no_authority_says_why_it_is_not_counted():
    facts = change(
        documents=docs(
            authority_document("CARRIER", "Garage Martin SARL", issuer_stated=True),
            drop=(FORWARDER_INVOICE,),
        )
    )
    (blocker,) = [
        b for b in evaluate(facts).blockers if b.code == "INSUFFICIENT_TRANSPORT_EVIDENCE"
    ]
    assert "sent as issued by CARRIER, not by a public authority or a notary" in blocker.message


def test_a_standing_insurance_policy_naming_another_destination_still_contradicts():
    """A paper older than the sale states neither end of this transport, but as an item of
    the evidence (Art. 45a(3)(b)) it must not contradict the others (Art. 45a(1)(a))."""
    facts = change(
        order__purchase_date=SOLD,
        documents=docs(replace(STANDING_POLICY, destination_country="AT")),
    )
    rollup = evaluate(facts)
    assert "TRANSPORT_COUNTRIES_CONTRADICT" in {b.code for b in rollup.blockers}


@pytest.mark.parametrize("case", CHANGED, ids=[c.name for c in CHANGED])
def test_what_a_rule_set_decides_differently_from_the_one_before(case: Changed):
    for rule_set, expected in zip(case.rule_sets, (case.before, case.after), strict=True):
        rollup = EVALUATORS[rule_set](case.facts)
        rules = {o.rule: o for o in rollup.rule_outcomes}
        # a rule the older rule set did not have reads as passed there
        outcome = rules.get(case.rule, RuleOutcome(case.rule, "", "PASSED", "absent", ""))
        found = (rollup.compliance_status, outcome.outcome, outcome.code)
        assert found == expected, f"{rule_set}: {outcome.detail}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rules(case: Case):
    rollup = evaluate(case.facts)
    outcome = _outcome(rollup, case.rule)
    assert (outcome.outcome, outcome.code) == (case.outcome, case.code), outcome.detail
    assert rollup.compliance_status == case.status, rollup.blockers
    if case.code:
        assert case.code in {b.code for b in rollup.blockers}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_rollup_is_consistent(case: Case):
    rollup = evaluate(case.facts)
    rules = [o.rule for o in rollup.rule_outcomes]
    assert sorted(rules) == sorted(set(rules)) and len(rules) == 28  # each rule once, always
    assert all(o.legal_basis and o.detail for o in rollup.rule_outcomes)
    expected_decision = {"VALID": "VALID_EXPORT", "INVALID": "VAT_APPLICABLE"}
    assert rollup.decision == expected_decision.get(rollup.compliance_status)
    if rollup.compliance_status == "VALID":
        assert rollup.blockers == ()
    else:  # whatever is not VALID says why
        assert rollup.blockers
    invalidating = [o for o in rollup.rule_outcomes if o.invalidates]
    if rollup.compliance_status == "INVALID":
        assert invalidating
    decidable = case.facts.transport.delivery_date is not None
    if invalidating and decidable:  # before delivery a failure warns; it decides after it
        assert rollup.compliance_status == "INVALID"
    if not decidable:
        assert rollup.compliance_status != "VALID"


def test_happy_path_summaries():
    rollup = evaluate(HAPPY)
    assert (rollup.compliance_status, rollup.decision, rollup.blockers) == (
        "VALID",
        "VALID_EXPORT",
        (),
    )
    modules = rollup.modules
    assert modules.buyer == BuyerSummary("VALID", "VALID", True, None)
    assert modules.order == OrderSummary("COMPLETE", (VinSummary(VIN, "VALID"),))
    assert modules.invoice == InvoiceSummary("VALID", "PRELIMINARY", False, True, False)
    assert modules.payment == PaymentSummary("VALID", True, True, True)
    assert modules.transport == TransportSummary(
        "COMPLETE", True, PICKUP, True, cmr_uploaded=True, daily_vies_checks_active=False
    )
    supply = _outcome(rollup, "VIES_AT_SUPPLY")
    assert "consultation number WAPIAAAAZ1" in supply.detail
    assert "Art. 138(1)(b)" in supply.legal_basis


def test_summaries_while_in_transit():
    rollup = evaluate(change(transport__delivery_date=None, transport__delivery_country=None))
    assert rollup.modules.transport.status == "IN_PROGRESS"
    assert rollup.modules.transport.daily_vies_checks_active  # from ready-for-pickup to delivery
    assert rollup.modules.order.vins == (VinSummary(VIN, "TRANSPORT_PENDING"),)
    assert [(b.module, b.code) for b in rollup.blockers] == [("transport", "DELIVERY_MISSING")]


def test_summaries_of_a_new_order():
    rollup = evaluate(change(invoices=(), payment=None, transport=TransportFacts(), documents=()))
    modules = rollup.modules
    assert modules.invoice == InvoiceSummary("DRAFT", None, None, False, False)
    assert modules.payment == PaymentSummary("DRAFT", None, None, False)
    assert modules.transport.status == "PENDING"
    assert modules.order.vins == (VinSummary(VIN, "PENDING"),)
    assert {b.code for b in rollup.blockers} == {
        "MISSING_INVOICE",
        "MISSING_PAYMENT",
        "PICKUP_MISSING",
        "DELIVERY_MISSING",
    }


def test_invalid_path_reports_why_and_what_is_still_missing():
    rollup = evaluate(
        change(buyer__vies_checks=vies((PICKUP, "INVALID")), documents=docs(drop=(CMR,)))
    )
    assert (rollup.compliance_status, rollup.decision) == ("INVALID", "VAT_APPLICABLE")
    assert [(b.module, b.code) for b in rollup.blockers] == [
        ("transport", "MISSING_CMR"),
        ("transport", "INSUFFICIENT_TRANSPORT_EVIDENCE"),
        ("transport", "VIES_INVALID"),
    ]
    assert rollup.modules.buyer.status == "VALID"  # KYC today; the supply-time answer decided


def test_insufficient_evidence_names_the_german_alternative():
    rollup = evaluate(change(documents=docs(drop=(FORWARDER_INVOICE,))))
    message = _outcome(rollup, "ART_45A_INDEPENDENT_EVIDENCE").detail
    assert "or a Gelangensbestätigung signed by the buyer naming the VIN" in message
    assert "so far WVWZZZ1KZAW000001: Trans Logistik GmbH (list (a))" in message


def test_two_vehicles_each_need_their_evidence():
    facts = change(
        order__vehicles=(
            Vehicle(VIN, date(2019, 3, 1), 85_000),
            Vehicle(OTHER_VIN, date(2018, 1, 1), 120_000),
        ),
        documents=docs(replace(INSURANCE, vins=(OTHER_VIN,)), drop=(FORWARDER_INVOICE,)),
    )
    detail = _outcome(evaluate(facts), "ART_45A_INDEPENDENT_EVIDENCE").detail
    assert detail.startswith(f"the transport of {VIN} needs")  # the other one has CMR + insurance


@pytest.mark.parametrize(
    ("supply", "due"),
    [
        (date(2026, 5, 4), date(2026, 6, 10)),
        (date(2026, 1, 31), date(2026, 2, 10)),
        (date(2026, 12, 15), date(2027, 1, 10)),
    ],
)
def test_buyer_statement_due_date(supply: date, due: date):
    assert buyer_statement_due_date(supply) == due


@pytest.mark.parametrize(
    ("moment", "member_state", "day"),
    [
        (datetime(2026, 12, 10, 22, 59, tzinfo=UTC), "DE", date(2026, 12, 10)),  # 23:59 CET
        (datetime(2026, 12, 10, 23, 0, tzinfo=UTC), "DE", date(2026, 12, 11)),
        (datetime(2026, 6, 10, 21, 59, tzinfo=UTC), "DE", date(2026, 6, 10)),  # 23:59 CEST
        (datetime(2026, 6, 10, 22, 0, tzinfo=UTC), "DE", date(2026, 6, 11)),
        (datetime(2026, 6, 10, 21, 0, tzinfo=UTC), "FI", date(2026, 6, 11)),  # EEST, UTC+3
        (datetime(2026, 6, 10, 22, 30, tzinfo=UTC), "PT", date(2026, 6, 10)),  # WEST, UTC+1
        (datetime(2026, 12, 10, 23, 30, tzinfo=UTC), "IE", date(2026, 12, 10)),  # GMT
        (datetime(2026, 12, 10, 22, 30, tzinfo=UTC), "EL", date(2026, 12, 11)),  # EET, UTC+2
        # summer time begins at 01:00 UTC on the last Sunday of March (29 March 2026) ...
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), "AT", date(2026, 3, 28)),
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), "AT", date(2026, 3, 30)),
        # ... and ends at 01:00 UTC on the last Sunday of October (25 October 2026)
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), "AT", date(2026, 10, 25)),
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), "AT", date(2026, 10, 25)),
        (datetime(9999, 12, 31, 23, 30, tzinfo=UTC), "DE", date(9999, 12, 31)),
    ],
)
def test_local_date_in_the_member_state(moment: datetime, member_state: str, day: date):
    assert local_date(moment, member_state) == day


def test_papers_that_name_the_buyer_by_a_person_still_count():
    """The buyer's statement signed by its manager, a carrier and a notary's confirmation of
    arrival dated the day of the delivery: the papers of 2026.12.2 still prove the transport."""
    signed = replace(STATEMENT, issuer_name="Jean Dupont, gérant", issuer_id=None)
    arrival = replace(NOTARY, received_on=ARRIVED, document_date=ARRIVED)
    declaration = replace(PICKUP_DECLARATION, destination_country=None)  # not the statement
    facts = change(
        **SELF_PICKUP
        | {
            "documents": (INVOICE_PDF, BANK_PROOF, declaration, signed, CMR, arrival),
            "transport__delivery_post_code": "69003",
        }
    )
    rollup = evaluate(facts)
    assert rollup.compliance_status == "VALID", [b.code for b in rollup.blockers]


def test_a_paper_that_proves_no_party_says_why():
    facts = change(
        documents=docs(
            replace(CMR, issuer_name="Carrier"),
            replace(NOTARY, received_on=PICKUP),
            drop=(CMR, FORWARDER_INVOICE),
        )
    )
    detail = _outcome(evaluate(facts), "ART_45A_INDEPENDENT_EVIDENCE").detail
    assert "TRANSPORT_CMR of Carrier: its issuerName names a role, not an entity" in detail
    assert "before the delivery on 2026-05-06, so it cannot attest it" in detail


def test_an_issuer_written_with_lookalike_letters_says_why():
    facts = change(
        documents=docs(
            doc("TRANSPORT_CMR", "CARRIER", "AUTOH\u0410US SCHMIDT"),
            replace(FORWARDER_INVOICE, issuer_id="D\u0415811907980"),
            drop=(CMR, FORWARDER_INVOICE),
        )
    )
    detail = _outcome(evaluate(facts), "ART_45A_INDEPENDENT_EVIDENCE").detail
    assert "mixes Cyrillic and Latin letters in one word" in detail
    assert "its issuerId holds letters or digits other than A-Z and 0-9" in detail


def test_a_file_of_another_item_says_which():
    facts = change(
        documents=docs(
            replace(STATEMENT, sha256=BUYERS_FILE, status="SUPERSEDED"),
            replace(FORWARDER_INVOICE, sha256=BUYERS_FILE),
            replace(BANK_PROOF, sha256=PAYMENT_FILE),
            doc(
                "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT",
                "BANK",
                "BNP",
                sha256=PAYMENT_FILE,
                document_date=ARRIVED,
            ),
            drop=(FORWARDER_INVOICE, BANK_PROOF),
        )
    )
    detail = _outcome(evaluate(facts), "ART_45A_INDEPENDENT_EVIDENCE").detail
    assert (
        "TRANSPORT_FORWARDER_INVOICE of Spedition Meier: the same file as "
        "BUYER_TRANSPORT_STATEMENT, sent as the seller's or the buyer's: theirs"
    ) in detail
    assert (
        "TRANSPORT_BANK_PAYMENT_FOR_TRANSPORT of BNP: the same file as PAYMENT_CONFIRMATION of "
        "Deutsche Bank, the proof of the price's payment, which proves no payment for the "
        "transport"
    ) in detail


@pytest.mark.parametrize(
    ("first_registration", "km", "expected"),
    [
        (date(2025, 11, 4), 50_000, True),  # exactly six months before the supply
        (date(2025, 11, 3), 50_000, False),  # six months and a day
        (date(2019, 3, 1), 6_000, True),  # exactly 6,000 km
        (date(2019, 3, 1), 6_001, False),
        (None, 6_001, None),  # a recent first registration is not ruled out
        (date(2019, 3, 1), None, None),  # nor a low mileage
        (None, 3_000, True),  # one criterion is enough
        (date(2026, 2, 1), None, True),
        (date(9999, 12, 31), None, True),  # six months later is past the calendar's end
    ],
)
def test_is_new_means_of_transport(first_registration: date | None, km: int | None, expected):
    assert is_new_means_of_transport(first_registration, km, date(2026, 5, 4)) is expected


def test_six_months_from_the_end_of_a_month():
    # 31 August + 6 months is the last day of February.
    assert is_new_means_of_transport(date(2025, 8, 31), None, date(2026, 2, 28)) is True
    assert is_new_means_of_transport(date(2025, 8, 31), 90_000, date(2026, 3, 1)) is False


def test_cash_limit_table_can_be_overridden():
    """A setting may replace the table: a German limit the default table does not have."""
    table = (*CASH_LIMITS, CashLimit("DE", Money(300_000), date(2026, 1, 1), "ALL", "test"))
    rollup = evaluate(
        change(
            policy=replace(HAPPY.policy, cash_limits=table),
            buyer__country="AT",
            payment__bank_amount=Money(1_500_000),
            payment__cash_amount=Money(350_000),
            documents=docs(SOURCE_OF_FUNDS),
        )
    )
    assert _outcome(rollup, "CASH_LIMIT").code == "CASH_LIMIT_EXCEEDED"
    assert "in DE (test)" in _outcome(rollup, "CASH_LIMIT").detail


@pytest.mark.parametrize(
    "limit", CASH_LIMITS, ids=lambda lim: f"{lim.jurisdiction}-{lim.valid_from}"
)
def test_each_cash_limit_at_its_boundary(limit: CashLimit):
    """Every row of the table decides at its own amount: the limit passes, a cent more fails,
    whether the seller's or the buyer's state sets it."""
    country = "DE" if limit.jurisdiction == "EU" else limit.jurisdiction
    currency = limit.max_cash.currency
    for seller, buyer in ((country, "AT"), ("AT", country)):
        if seller == buyer:
            continue
        outcomes = {}
        for cash in (limit.max_cash.value, limit.max_cash.value + 1):
            total = Money(cash + 1_000_000, currency)
            facts = change(
                seller_country=seller,
                buyer__country=buyer,
                order__total=total,
                invoices=(replace(HAPPY.invoices[0], amount=total),),
                payment__payment_date=limit.valid_from,
                payment__bank_amount=Money(1_000_000, currency),
                payment__cash_amount=Money(cash, currency),
                documents=docs(SOURCE_OF_FUNDS),
            )
            outcomes[cash] = _outcome(evaluate(facts), "CASH_LIMIT").code
        assert outcomes[limit.max_cash.value] is None, (seller, buyer)
        assert outcomes[limit.max_cash.value + 1] == "CASH_LIMIT_EXCEEDED", (seller, buyer)


@pytest.mark.parametrize(
    ("iban", "known", "expected"),
    [
        (IBAN, (), True),  # the buyer's first IBAN
        (IBAN, (OTHER_IBAN, IBAN), True),
        ("de89 3704 0044 0532 0130 00", ("DE89 3704 0044 0532 0130 00",), True),
        (IBAN, (OTHER_IBAN,), False),
        ("DE89370400440532013001", (), False),  # check digits wrong
        ("not an iban", (), False),
    ],
)
def test_iban_consistent(iban: str, known: tuple[str, ...], expected: bool):
    assert iban_consistent(iban, known) is expected


def test_amount_matches_invoice():
    payment = replace(HAPPY.payment, bank_amount=Money(1_350_000), cash_amount=Money(500_000))
    assert amount_matches_invoice(payment, EUR_18500)
    assert not amount_matches_invoice(payment, Money(1_850_001))
    assert not amount_matches_invoice(payment, Money(1_850_000, "PLN"))
    mixed = replace(payment, cash_amount=Money(500_000, "PLN"))
    assert not amount_matches_invoice(mixed, Money(1_850_000, "EUR"))


def test_a_frozen_rule_set_keeps_the_digest_its_decisions_carry():
    """2026.12 was frozen as the very file that decided under it: the digests its decisions
    and Export Files name stay what they were."""
    from store.orders.rule_sets import digest

    assert digest("2026.12") == "fa33fb8f7095aba41a144004e7d5b5235219dcc0bd899b5b2c9ce76d3aa5c107"
    assert digest("2026.12.1") == "d9a568f24c2f51306769794ad5db6a9378dbdc5c6cc99df2e5ebcaa8a1d7f4e8"
    assert digest("2026.12.2") == "c6609fe64fded4f2f8d22bce41fc3b00378832aa1946184d8221d0e2f90e3f3b"
    assert digest("2026.12.3") == "d7a040ba0069cd6f1a1fbcda1a876bea9e4c11332970b2b81f26f36bf118a22f"
    assert digest("2026.12.4") == "2e284657b29d58f860ca673f63fb401847d3c570f61785357c98abc3ade0ffc1"
    assert digest("2026.12.5") == "faa49a4c7cd648476d16d98653bc67071242a924bf7d3c9a544e65016f715108"
    assert digest("2026.12.6") == "4dd54a9d88643491c72275ceb62ce120005834aa649fb27b0f4090b1ba33994f"
    assert digest("2026.12.7") == "7d012b759fd813b9680f0461e46be66a81c5684c41b5851e26fa1677967786c8"
    assert digest("2026.12.8") == "a038c2050d5b57c7b979514f28f546ec01c6cbb8c11b1752ed711d82386e7cd5"
    assert digest("2026.11") == "a27cd662599b54f12fa2a1571167561a1f850685cd66da3796aec59766013b80"
    frozen = (
        "2026.12.8",
        "2026.12.7",
        "2026.12.6",
        "2026.12.5",
        "2026.12.4",
        "2026.12.3",
        "2026.12.2",
        "2026.12.1",
        "2026.12",
        "2026.11",
    )
    assert len({digest(), *(digest(rule_set) for rule_set in frozen)}) == len(frozen) + 1


def test_amounts_in_the_rules_words_are_in_their_currencys_minor_units():
    """A value is minor units of its currency: JPY has none, so 1,850,000 is that many yen
    (it read "JPY 18,500.00"), and KWD has three decimals."""
    yen = change(
        order__total=Money(1_850_000, "JPY"),
        invoices=(replace(HAPPY.invoices[0], amount=Money(1_850_000, "JPY")),),
    )
    assert (
        "is JPY 1,850,000, the order total"
        in _outcome(evaluate(yen), "INVOICE_MATCHES_ORDER").detail
    )
    dinar = change(
        order__total=Money(1_850_005, "KWD"),
        invoices=(replace(HAPPY.invoices[0], amount=Money(1_850_005, "KWD")),),
    )
    assert (
        "is KWD 1,850.005, the order total"
        in _outcome(evaluate(dinar), "INVOICE_MATCHES_ORDER").detail
    )
    assert (
        "is EUR 18,500.00, the order total"
        in _outcome(evaluate(HAPPY), "INVOICE_MATCHES_ORDER").detail
    )
