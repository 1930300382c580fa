from enum import StrEnum


class BuyerPatchKycModeType0(StrEnum):
    MARKETPLACE_LED = "MARKETPLACE_LED"
    NT24_LED = "NT24_LED"

    def __str__(self) -> str:
        return str(self.value)
