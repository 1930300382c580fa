"""The names the web app shows for the API's codes (a document type is read by people)."""

from __future__ import annotations

from workflows.buyers.rules.kyc import KYC_DOCUMENT_TYPES

KYC_DOCUMENT_NAMES: dict[str, str] = {
    "COC_EXTRACT": "Company register extract",
    "COC_ARTICLES_OF_ASSOCIATION": "Articles of association",
    "BANK_ACCOUNT_CONFIRMATION": "Bank account confirmation",
    "BANK_STATEMENT": "Bank statement",
    "VAT_REGISTRATION_CERTIFICATE": "VAT registration certificate",
    "CONTACT_ID_DOCUMENT": "Contact person's ID document",
    "CONTACT_POWER_OF_ATTORNEY": "Contact person's power of attorney",
    "ADDRESS_PROOF": "Proof of address",
    "TP_TRADE_LICENCE": "Trade licence",
    "TP_SHAREHOLDER_REGISTER": "Shareholder register",
    "TP_UBO_DECLARATION": "Beneficial owners (UBO) declaration",
    "AML_DECLARATION": "Anti-money-laundering declaration",
}
assert set(KYC_DOCUMENT_NAMES) == set(KYC_DOCUMENT_TYPES), "every KYC type needs a name"


def kyc_document_name(code: str | None) -> str:
    """``COC_EXTRACT`` -> "Company register extract"; an unknown code as it is."""
    return KYC_DOCUMENT_NAMES.get(code or "", code or "")


def kyc_document_choices() -> list[tuple[str, str]]:
    """(code, name) pairs for a select, in the API's order."""
    return [(code, KYC_DOCUMENT_NAMES[code]) for code in KYC_DOCUMENT_TYPES]
