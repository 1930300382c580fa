from enum import StrEnum


class InvoiceOutStatus(StrEnum):
    DRAFT = "DRAFT"
    INVALID = "INVALID"
    SUBMITTED = "SUBMITTED"
    VALID = "VALID"

    def __str__(self) -> str:
        return str(self.value)
