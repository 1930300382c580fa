from enum import StrEnum


class PickupOutType(StrEnum):
    COMPANY_TRANSPORT = "COMPANY_TRANSPORT"
    SELF_PICKUP = "SELF_PICKUP"

    def __str__(self) -> str:
        return str(self.value)
