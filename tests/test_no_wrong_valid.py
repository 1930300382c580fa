"""Adversarial evidence sets: each one once came out VALID (or would have) although the law
does not support the exemption. Each stays INCOMPLETE or INVALID with the blocker that says
which fact is missing or wrong (Art. 138 VAT Directive, Art. 45a Regulation 282/2011)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest

from tests.test_compliance_rules import (
    CMR,
    FORWARDER_INVOICE,
    GELANGENSBESTAETIGUNG,
    HAPPY,
    OTHER_VIN,
    PICKUP,
    STATEMENT,
    change,
    doc,
    docs,
    vies,
)
from workflows.orders.rules.compliance import (
    ComplianceFacts,
    Vehicle,
    ViesCheck,
    evaluate,
    transport_evidence_deadline,
)

pytestmark = pytest.mark.fast

NO_FORWARDER = (FORWARDER_INVOICE,)
DEADLINE = transport_evidence_deadline(PICKUP, HAPPY.policy.evidence_grace_days)


@dataclass(frozen=True)
class WrongValid:
    name: str
    facts: ComplianceFacts
    status: str  # INCOMPLETE or INVALID, never VALID
    code: str  # the blocker that says why


CASES = [
    # --- assumed origin and destination ---
    WrongValid(
        "no addresses: a German seller's car in France, French buyer, delivered in France",
        change(transport__collection_country=None, transport__delivery_country=None),
        "INCOMPLETE",
        "COLLECTION_COUNTRY_MISSING",
    ),
    WrongValid(
        "the same sale with its addresses stated is a French domestic supply",
        change(transport__collection_country="FR", transport__delivery_country="FR"),
        "INVALID",
        "BUYER_SAME_COUNTRY",
    ),
    WrongValid(
        "a destination never stated is not the buyer's country",
        change(transport__delivery_country=None),
        "INCOMPLETE",
        "DELIVERY_COUNTRY_MISSING",
    ),
    WrongValid(
        "the CMR says the transport began elsewhere than the collection address",
        change(documents=docs(replace(CMR, origin_country="FR"), drop=(CMR,))),
        "INCOMPLETE",
        "TRANSPORT_COUNTRIES_CONTRADICT",
    ),
    WrongValid(
        "the CMR says the vehicle was delivered in the origin state",
        change(documents=docs(replace(CMR, destination_country="DE"), drop=(CMR,))),
        "INCOMPLETE",
        "TRANSPORT_COUNTRIES_CONTRADICT",
    ),
    WrongValid(
        "a superseded document no longer speaks, the active one contradicts",
        change(
            documents=docs(
                replace(CMR, origin_country="DE", status="SUPERSEDED"),
                replace(CMR, origin_country="AT"),
                drop=(CMR,),
            )
        ),
        "INCOMPLETE",
        "TRANSPORT_COUNTRIES_CONTRADICT",
    ),
    WrongValid(
        "delivered before it was picked up",
        change(transport__delivery_date=PICKUP - timedelta(days=1)),
        "INCOMPLETE",
        "DELIVERY_BEFORE_PICKUP",
    ),
    # --- self-declared independence ---
    WrongValid(
        "two anonymous papers are no parties",
        change(
            documents=docs(
                replace(CMR, issuer_name=None),
                replace(FORWARDER_INVOICE, issuer_name="  "),
                drop=(CMR, FORWARDER_INVOICE),
            )
        ),
        "INCOMPLETE",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    WrongValid(
        "the seller's own CMR entered as a carrier's",
        change(
            documents=docs(
                doc("TRANSPORT_CMR", "CARRIER", "AUTOHAUS SCHMIDT"),
                drop=(CMR,),
            )
        ),
        "INCOMPLETE",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    WrongValid(
        "a carrier whose number is the seller's VAT number",
        change(
            documents=docs(
                doc("TRANSPORT_CMR", "CARRIER", "Schmidt Fahrzeuglogistik", issuer_id="811907980"),
                drop=(CMR,),
            )
        ),
        "INCOMPLETE",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    WrongValid(
        "the buyer under a carrier's label",
        change(
            documents=docs(
                doc("TRANSPORT_FORWARDER_INVOICE", "CARRIER", "Auto-Dupont"),
                drop=NO_FORWARDER,
            )
        ),
        "INCOMPLETE",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    WrongValid(
        "one company under two issuer types counts once",
        change(
            documents=docs(
                doc("TRANSPORT_INSURANCE_POLICY", "INSURER", "TRANS LOGISTIK"),
                drop=NO_FORWARDER,
            )
        ),
        "INCOMPLETE",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    WrongValid(
        "one issuer number under two names counts once",
        change(
            documents=docs(
                replace(CMR, issuer_id="DE 123 456 789"),
                replace(FORWARDER_INVOICE, issuer_id="DE123456789"),
                drop=(CMR, FORWARDER_INVOICE),
            )
        ),
        "INCOMPLETE",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    WrongValid(
        "evidence for another vehicle of a two-vehicle order",
        change(
            order__vehicles=(*HAPPY.order.vehicles, Vehicle(OTHER_VIN, date(2018, 1, 1), 90_000)),
            documents=docs(
                replace(FORWARDER_INVOICE, vins=(OTHER_VIN,)),
                drop=NO_FORWARDER,
            ),
        ),
        "INCOMPLETE",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
    # --- invoices ---
    WrongValid(
        "a deal invoice that charges VAT",
        change(invoices=(replace(HAPPY.invoices[0], vat_included=True),)),
        "INCOMPLETE",
        "INVOICE_CHARGES_VAT",
    ),
    # --- a carrier hired by the buyer ---
    WrongValid(
        "a carrier hired by the buyer, no statement yet",
        change(transport__arranged_by="BUYER"),
        "INCOMPLETE",
        "BUYER_STATEMENT_MISSING",
    ),
    WrongValid(
        "a carrier hired by the buyer, the statement never came",
        change(transport__arranged_by="BUYER", today=date(2026, 6, 11)),
        "INCOMPLETE",
        "BUYER_STATEMENT_OVERDUE",
    ),
    WrongValid(
        "a statement by the seller is not the buyer's",
        change(
            transport__arranged_by="BUYER",
            documents=docs(replace(STATEMENT, issuer_type="SELLER")),
        ),
        "INCOMPLETE",
        "BUYER_STATEMENT_MISSING",
    ),
    # --- VIES at the time of supply ---
    WrongValid(
        "a first VALID answer 40 days after the supply",
        change(buyer__vies_checks=vies((PICKUP + timedelta(days=40), "VALID"))),
        "INCOMPLETE",
        "VIES_PENDING",
    ),
    WrongValid(
        "INVALID before the supply is not undone by VALID after it",
        change(
            buyer__vies_checks=vies(
                (PICKUP - timedelta(days=3), "INVALID"), (PICKUP + timedelta(days=1), "VALID")
            )
        ),
        "INCOMPLETE",
        "VIES_PENDING",
    ),
    WrongValid(
        "INVALID on the day of supply, VALID the day after",
        change(buyer__vies_checks=vies((PICKUP, "INVALID"), (PICKUP + timedelta(days=1), "VALID"))),
        "INVALID",
        "VIES_INVALID",
    ),
    WrongValid(
        "VIES holds another company's name for the number",
        change(buyer__vies_checks=(ViesCheck(PICKUP, "VALID", "WAPI1", "GARAGE MARTIN SAS"),)),
        "INCOMPLETE",
        "BUYER_NAME_MISMATCH",
    ),
    # --- premature decisions ---
    WrongValid(
        "a German buyer of a German seller before pickup: a warning, no decision",
        change(
            buyer__country="DE",
            transport=replace(
                HAPPY.transport,
                pickup_type=None,
                pickup_date=None,
                collection_country=None,
                delivery_date=None,
                delivery_country=None,
            ),
        ),
        "INCOMPLETE",
        "BUYER_IN_SELLER_COUNTRY",
    ),
    WrongValid(
        "a margin-scheme invoice before delivery warns, the decision waits",
        change(
            invoices=(replace(HAPPY.invoices[0], margin_scheme=True),),
            transport__delivery_date=None,
            transport__delivery_country=None,
        ),
        "INCOMPLETE",
        "MARGIN_SCHEME",
    ),
    # --- evidence that never comes ---
    WrongValid(
        "transport evidence still missing after its deadline",
        change(documents=docs(drop=NO_FORWARDER), today=DEADLINE + timedelta(days=1)),
        "INVALID",
        "TRANSPORT_EVIDENCE_OVERDUE",
    ),
    WrongValid(
        "never delivered by the deadline",
        change(
            transport__delivery_date=None,
            transport__delivery_country=None,
            today=DEADLINE + timedelta(days=1),
        ),
        "INVALID",
        "TRANSPORT_EVIDENCE_OVERDUE",
    ),
    WrongValid(
        "on the deadline itself the evidence may still come",
        change(documents=docs(drop=NO_FORWARDER), today=DEADLINE),
        "INCOMPLETE",
        "INSUFFICIENT_TRANSPORT_EVIDENCE",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_never_valid(case: WrongValid):
    rollup = evaluate(case.facts)
    assert rollup.compliance_status == case.status, rollup.blockers
    assert case.code in {b.code for b in rollup.blockers}, rollup.blockers
    assert rollup.decision == {"INVALID": "VAT_APPLICABLE"}.get(case.status)


def test_the_happy_path_is_still_valid():
    """The table proves something only while the facts it changes are VALID as they stand."""
    assert evaluate(HAPPY).compliance_status == "VALID"


def test_the_transport_documents_may_state_both_ends():
    """Without addresses, a CMR stating the places of taking over and of delivery states the
    origin and the destination: the facts are stated, not assumed."""
    rollup = evaluate(
        change(
            transport__collection_country=None,
            transport__delivery_country=None,
            documents=docs(
                replace(CMR, origin_country="DE", destination_country="FR"), drop=(CMR,)
            ),
        )
    )
    assert rollup.compliance_status == "VALID", rollup.blockers


def test_evidence_deadline_follows_chargeability():
    # VAT on a supply of 4 May becomes chargeable on 15 June; 30 days' grace by default.
    assert transport_evidence_deadline(date(2026, 5, 4)) == date(2026, 7, 15)
    assert transport_evidence_deadline(date(2026, 12, 31), 0) == date(2027, 1, 15)


def test_vins_name_the_vehicle_for_the_national_proof():
    german_self_pickup = dict(
        transport__pickup_type="SELF_PICKUP",
        today=date(2026, 7, 1),
    )
    arrival = GELANGENSBESTAETIGUNG
    declaration = doc("TRANSPORT_PICKUP_DECLARATION", "BUYER", received_on=PICKUP)
    base = (HAPPY.documents[0], HAPPY.documents[1], declaration)
    assert evaluate(change(**german_self_pickup, documents=(*base, arrival))).compliance_status == (
        "VALID"
    )
    other = replace(arrival, vins=(OTHER_VIN,))
    assert evaluate(change(**german_self_pickup, documents=(*base, other))).compliance_status == (
        "INCOMPLETE"
    )
