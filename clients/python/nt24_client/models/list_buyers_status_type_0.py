from enum import StrEnum


class ListBuyersStatusType0(StrEnum):
    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"

    def __str__(self) -> str:
        return str(self.value)
