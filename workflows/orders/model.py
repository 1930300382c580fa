"""The order's state as its workflow holds it, and the inputs of every order command.

Plain dataclasses: the workflow, its activities and the API share them, and the project's
pydantic data converter carries them through Temporal. Field names are Python's; the
contract's camelCase JSON is rendered outside the workflow, in ``store.orders.views``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from workflows.change_source import ChangeSource
from workflows.money import Money
from workflows.orders.rules.compliance import Policy


@dataclass
class Address:
    street: str
    post_code: str
    city: str
    country: str


@dataclass
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str | None = None


@dataclass
class OrderVin:
    vin: str
    brand: str | None = None
    model: str | None = None
    purchase_amount: Money | None = None
    mileage: int | None = None
    first_registration_date: date | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class BuyerRef:
    """What the order knows of its buyer; refreshed when the buyer's KYC or VIES changes."""

    uuid: str
    vat_number: str
    company_name: str
    country: str
    kyc_mode: str
    kyc_status: str  # the buyer's KYC overallStatus: INCOMPLETE, VALID, INVALID
    status: str = "ACTIVE"  # ACTIVE or BLOCKED
    vies_result: str = "PENDING"
    vies_last_checked_at: datetime | None = None
    documents_complete: bool = False
    verification_status: str = "NOT_STARTED"
    # None in histories from before AML was recorded: the mode's default then
    aml_status: str | None = None
    verification_expired: bool = False
    vies_trader_name: str | None = None  # the name VIES gave with the last answer


@dataclass
class Invoice:
    type: str  # PRELIMINARY or FINAL
    invoice_date: date
    invoice_number: str
    vat_included: bool
    amount: Money
    margin_scheme: bool = False
    version: int = 0
    updated_at: datetime | None = None
    # when a PATCH last changed it: a PDF received before shows the invoice as it was (None:
    # never corrected, or corrected before this was recorded)
    corrected_at: datetime | None = None


@dataclass
class Payment:
    payment_date: date
    bank_amount: Money
    cash_amount: Money
    source_iban: str | None = None
    ready_for_pickup: bool = False
    version: int = 0
    updated_at: datetime | None = None
    # when a PATCH last changed its date, amounts or IBAN: a proof received before is of the
    # payment as it was (None: never corrected, or corrected before this was recorded)
    corrected_at: datetime | None = None
    # the IBAN the seller declared a new account of the buyer's (contract P5: consistent with
    # the IBANs seen before, or a declared new one); it speaks for that IBAN only
    declared_new_iban: str | None = None


@dataclass
class Pickup:
    type: str  # SELF_PICKUP or COMPANY_TRANSPORT
    pickup_date: date
    driver_identification: str | None
    collection_address: Address | None
    confirmed_at: datetime | None = None
    # Who arranged the transport: SELLER or BUYER (Art. 45a(1)(a) or (b)). None in orders
    # from before it was asked: company transport then means the seller, self-pickup the buyer.
    arranged_by: str | None = None


@dataclass
class Delivery:
    delivery_date: date
    delivery_address: Address | None
    confirmed_at: datetime | None = None


@dataclass
class Revocation:
    reason: str
    revoked_at: datetime
    pickup: Pickup


@dataclass
class Transport:
    pickup: Pickup | None = None
    delivery: Delivery | None = None
    revocations: list[Revocation] = field(default_factory=list)
    version: int = 0
    updated_at: datetime | None = None


@dataclass
class DocumentRef:
    """A document's metadata; the bytes stay in the document store (only sha256 travels)."""

    uuid: str
    module: str  # invoice, payment, transport, order
    type: str
    document_date: date | None
    issuer_type: str
    issuer_name: str | None
    file_name: str
    content_type: str
    size: int
    sha256: str
    pages: int | None = None
    status: str = "ACTIVE"  # ACTIVE or SUPERSEDED
    source: ChangeSource = ChangeSource.API
    created_at: datetime | None = None
    issuer_id: str | None = None  # the issuer's VAT or registration number, when given
    vins: list[str] | None = None  # the VINs it covers; None: all of the order's
    # Where a transport document says the transport began and ended (a CMR's places of
    # taking over and of delivery), when the upload states them
    origin_country: str | None = None
    destination_country: str | None = None
    # The upload named its issuerType (False: the document type's default filled it; None:
    # attached before this was recorded). A default proves no issuer (docs/compliance-rules.md)
    issuer_type_stated: bool | None = None


@dataclass
class ViesEvidence:
    checked_at: datetime
    result: str  # VALID, INVALID, UNKNOWN
    request_identifier: str | None = None
    error_code: str | None = None
    trigger: str = "DAILY"
    trader_name: str | None = None  # the name VIES holds for the number, when it discloses it


@dataclass
class ExportFileVersion:
    version: int
    sha256: str
    generated_at: datetime
    decision: str
    reason: str


@dataclass
class OrderSettings:
    """Every interval and policy value the workflow uses, copied from settings at creation."""

    vies_recheck_interval: timedelta = timedelta(hours=24)
    vies_retry_initial_interval: timedelta = timedelta(seconds=30)
    vies_retry_max_interval: timedelta = timedelta(minutes=30)
    vies_give_up_after: timedelta = timedelta(hours=12)
    vies_attempt_timeout: timedelta = timedelta(seconds=40)
    requester_vat_number: str | None = None  # the seller's VAT number
    activity_timeout: timedelta = timedelta(seconds=30)
    export_file_timeout: timedelta = timedelta(minutes=2)
    read_model_write_budget: timedelta = timedelta(minutes=2)
    # The compliance policy (cash limits per country, new-vehicle thresholds, deadlines)
    policy: Policy = field(default_factory=Policy)
    # Continue-as-new past this many history events (None: when Temporal suggests it)
    max_history_events: int | None = None
    # A decided order keeps taking the commands the contract allows after the decision
    # (regenerate-export, the final invoice, late documents, a re-decision) this long after
    # its last change: the retention of VAT evidence
    retention: timedelta = timedelta(days=3653)

    def __post_init__(self) -> None:
        self.policy = _shared(self.policy)


# Every open order holds its settings, and with them a policy of 17 cash limits (~22 KiB
# decoded): orders share one copy of each policy in use. A handful are (the settings'); past
# this many, a policy is held as decoded.
_SHARED_POLICIES = 32
_policies: dict[Policy, Policy] = {}


def _shared(policy: Policy) -> Policy:
    if (known := _policies.get(policy)) is not None:
        return known
    if len(_policies) < _SHARED_POLICIES:
        _policies[policy] = policy
    return policy


@dataclass
class OrderIdentity:
    order_uuid: str
    organization_id: int
    organization_uuid: str
    partner_id: int
    partner_uuid: str
    seller_country: str
    buyer_id: int
    external_order_id: str
    seller_name: str | None = None  # the partner's company name: not independent of itself


# ----- command inputs (one dataclass each) -----


@dataclass
class CreateOrder:
    identity: OrderIdentity
    buyer: BuyerRef
    vins: list[OrderVin]
    total_amount: Money
    purchase_date: date | None
    responsible_contact: Person | None
    fingerprint: str  # sha256 of the create request's business content
    settings: OrderSettings
    # IBANs the buyer paid from in its other orders: a new one here is flagged
    buyer_known_ibans: list[str] = field(default_factory=list)
    source: ChangeSource = ChangeSource.API


@dataclass
class PatchOrder:
    expected_version: int
    responsible_contact: Person | None = None
    purchase_date: date | None = None
    source: ChangeSource = ChangeSource.API


@dataclass
class CancelOrder:
    reason: str
    source: ChangeSource = ChangeSource.API


@dataclass
class SubmitInvoice:
    invoice: Invoice
    final: bool = False  # a FINAL invoice, under the finalization's rules (the API sets it)
    source: ChangeSource = ChangeSource.API


@dataclass
class PatchInvoice:
    type: str
    expected_version: int
    invoice_date: date | None = None
    invoice_number: str | None = None
    vat_included: bool | None = None
    amount: Money | None = None
    margin_scheme: bool | None = None
    source: ChangeSource = ChangeSource.API


@dataclass
class SubmitPayment:
    payment: Payment
    source: ChangeSource = ChangeSource.API
    # the IBANs the buyer paid from in its other orders when this payment came (None: the ones
    # the order was created with, as before this was sent)
    buyer_known_ibans: list[str] | None = None


@dataclass
class PatchPayment:
    expected_version: int
    payment_date: date | None = None
    bank_amount: Money | None = None
    cash_amount: Money | None = None
    source_iban: str | None = None
    source: ChangeSource = ChangeSource.API
    # True: the IBAN (as corrected) is declared a new account of the buyer's; False: withdrawn
    new_iban_declared: bool | None = None


@dataclass
class ReadyForPickup:
    source: ChangeSource = ChangeSource.API


@dataclass
class ConfirmPickup:
    pickup: Pickup
    source: ChangeSource = ChangeSource.API


@dataclass
class RevokePickup:
    reason: str
    source: ChangeSource = ChangeSource.API


@dataclass
class ConfirmDelivery:
    delivery: Delivery
    source: ChangeSource = ChangeSource.API


@dataclass
class AttachDocument:
    document: DocumentRef
    source: ChangeSource = ChangeSource.API


@dataclass
class RegenerateExport:
    reason: str = "Regeneration requested"
    source: ChangeSource = ChangeSource.API


# The longest reason a re-decision gives: its Export File version keeps it whole, after
# "Decided again by <staff>: "
REDECISION_REASON_LENGTH = 500


@dataclass
class Redecide:
    """Staff decide a decided order again (late evidence, a corrected fact), with a reason."""

    reason: str
    staff: str  # who decided: kept with the reason
    source: ChangeSource = ChangeSource.WEB_APP


@dataclass
class Redecision:
    reason: str
    staff: str
    decided_at: datetime
    previous_decision: str | None
    source: ChangeSource


# The signal's name: the buyer's side sends it by name, without loading the workflow
BUYER_CHANGED = "buyer_changed"


@dataclass
class BuyerChanged:
    """Signal: the buyer's KYC, VIES result or status changed; the rollup re-evaluates."""

    buyer: BuyerRef
    vies: ViesEvidence | None = None
    # who changed the buyer: the order's events caused by it carry it
    source: ChangeSource = ChangeSource.SYSTEM
