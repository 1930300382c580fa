from enum import StrEnum


class KycStatusAmlStatusType0(StrEnum):
    CLEAR = "CLEAR"
    FLAGGED = "FLAGGED"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    PENDING = "PENDING"

    def __str__(self) -> str:
        return str(self.value)
