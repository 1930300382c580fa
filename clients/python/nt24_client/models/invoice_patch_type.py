from enum import StrEnum


class InvoicePatchType(StrEnum):
    FINAL = "FINAL"
    PRELIMINARY = "PRELIMINARY"

    def __str__(self) -> str:
        return str(self.value)
