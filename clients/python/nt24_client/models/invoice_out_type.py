from enum import StrEnum


class InvoiceOutType(StrEnum):
    FINAL = "FINAL"
    PRELIMINARY = "PRELIMINARY"

    def __str__(self) -> str:
        return str(self.value)
