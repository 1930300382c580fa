from enum import StrEnum


class BodyUploadPaymentDocumentType(StrEnum):
    PAYMENT_BANK_TRANSFER_SCREENSHOT = "PAYMENT_BANK_TRANSFER_SCREENSHOT"
    PAYMENT_CONFIRMATION = "PAYMENT_CONFIRMATION"
    PAYMENT_SOURCE_OF_FUNDS_DECLARATION = "PAYMENT_SOURCE_OF_FUNDS_DECLARATION"

    def __str__(self) -> str:
        return str(self.value)
