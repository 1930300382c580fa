from enum import StrEnum


class KycStatusViesresult(StrEnum):
    INVALID = "INVALID"
    PENDING = "PENDING"
    UNKNOWN = "UNKNOWN"
    VALID = "VALID"

    def __str__(self) -> str:
        return str(self.value)
