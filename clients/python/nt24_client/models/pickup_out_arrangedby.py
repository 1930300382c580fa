from enum import StrEnum


class PickupOutArrangedby(StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"

    def __str__(self) -> str:
        return str(self.value)
