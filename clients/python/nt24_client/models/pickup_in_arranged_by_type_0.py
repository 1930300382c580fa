from enum import StrEnum


class PickupInArrangedByType0(StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"

    def __str__(self) -> str:
        return str(self.value)
