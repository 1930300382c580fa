from enum import StrEnum


class InvoiceInType(StrEnum):
    FINAL = "FINAL"
    PRELIMINARY = "PRELIMINARY"

    def __str__(self) -> str:
        return str(self.value)
