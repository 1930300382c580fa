from enum import StrEnum


class BuyerOutStatus(StrEnum):
    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"

    def __str__(self) -> str:
        return str(self.value)
