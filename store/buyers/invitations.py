"""Self-service invitations: their links, the buyer's checklist, and the templates both the
e-mail and the upload page are rendered from (docs/kyc.md, "Self-service invitations").

A link is ``{public_base_url}/self-service/{token}``, its token derived from the invitation's
uuid as every link token is (store/link_tokens.py): the platform derives it again whenever it
needs the link (the API's ``publicLinkUrl``, the e-mail) instead of keeping it. The database
holds only the token's sha256, to find the invitation a link names; Temporal's history holds
only the uuid. So a copy of either opens no upload page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

from jinja2 import FileSystemLoader

from settings import Settings
from store.i18n import N_
from store.link_tokens import SELF_SERVICE_INVITATION
from store.link_tokens import link_token as derived_token
from workflows.buyers.invitation_model import ACTIVE, EXPIRED
from workflows.buyers.rules.kyc import KYC_DOCUMENT_TYPES, REQUIRED_DOCUMENTS

KYC = "KYC"  # the only kind this path creates (PROSPECT links are partner-level)

# What the buyer reads for each document type (the types themselves: docs/kyc.md), in English;
# the templates translate them (store/i18n.py)
DOCUMENT_TITLES: dict[str, str] = {
    "COC_EXTRACT": N_("Commercial register extract"),
    "COC_ARTICLES_OF_ASSOCIATION": N_("Articles of association"),
    "BANK_ACCOUNT_CONFIRMATION": N_("Bank account confirmation"),
    "BANK_STATEMENT": N_("Bank statement"),
    "VAT_REGISTRATION_CERTIFICATE": N_("VAT registration certificate"),
    "CONTACT_ID_DOCUMENT": N_("ID card or passport of your representative"),
    "CONTACT_POWER_OF_ATTORNEY": N_("Power of attorney of your representative"),
    "ADDRESS_PROOF": N_("Proof of business address"),
    "TP_TRADE_LICENCE": N_("Trade licence"),
    "TP_SHAREHOLDER_REGISTER": N_("List of shareholders"),
    "TP_UBO_DECLARATION": N_("Declaration of beneficial owners"),
    "AML_DECLARATION": N_("Anti-money-laundering declaration"),
}
assert DOCUMENT_TITLES.keys() == KYC_DOCUMENT_TYPES.keys()


def link_token(secret: str, invitation_uuid: UUID) -> str:
    return derived_token(secret, SELF_SERVICE_INVITATION, invitation_uuid)


def link_url(settings: Settings, invitation_uuid: UUID) -> str:
    token = link_token(settings.effective_invitation_link_secret, invitation_uuid)
    return f"{settings.public_base_url.rstrip('/')}/self-service/{token}"


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """The status as the buyer and the API see it: past its expiry an invitation is EXPIRED
    even in the moment before its workflow's timer has written so."""
    return EXPIRED if status == ACTIVE and now >= expires_at else status


@dataclass(frozen=True)
class ChecklistItem:
    type: str
    title: str
    required: bool  # the buyer's KYC mode needs it for complete documents
    present: bool  # an ACTIVE document of the type is on file


def checklist(kyc_mode: str, active_types: set[str]) -> list[ChecklistItem]:
    """Every KYC document type as the buyer sees it: the required ones first, in the order of
    the catalogue, each saying whether one is already on file."""
    required = REQUIRED_DOCUMENTS[kyc_mode]
    items = [
        ChecklistItem(t, DOCUMENT_TITLES[t], t in required, t in active_types)
        for t in KYC_DOCUMENT_TYPES
    ]
    return sorted(items, key=lambda item: not item.required)


# The e-mail's and the upload page's templates (store/templates/self_service/), installed
# with the package; rendered per language by store/i18n.render
TEMPLATES = FileSystemLoader(Path(__file__).resolve().parents[1] / "templates")
