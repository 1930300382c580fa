from enum import StrEnum


class BuyerOutKycmode(StrEnum):
    MARKETPLACE_LED = "MARKETPLACE_LED"
    NT24_LED = "NT24_LED"

    def __str__(self) -> str:
        return str(self.value)
