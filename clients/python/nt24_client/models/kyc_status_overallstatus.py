from enum import StrEnum


class KycStatusOverallstatus(StrEnum):
    INCOMPLETE = "INCOMPLETE"
    INVALID = "INVALID"
    VALID = "VALID"

    def __str__(self) -> str:
        return str(self.value)
