from enum import StrEnum


class BodyUploadPaymentDocumentIssuerTypeType0(StrEnum):
    BANK = "BANK"
    BUYER = "BUYER"
    CARRIER = "CARRIER"
    INSURER = "INSURER"
    NOTARY = "NOTARY"
    OTHER = "OTHER"
    PUBLIC_AUTHORITY = "PUBLIC_AUTHORITY"
    SELLER = "SELLER"
    WAREHOUSE_KEEPER = "WAREHOUSE_KEEPER"

    def __str__(self) -> str:
        return str(self.value)
