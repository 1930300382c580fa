from enum import StrEnum


class KycStatusVerificationStatusType0(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    NOT_STARTED = "NOT_STARTED"
    REJECTED = "REJECTED"
    VERIFIED = "VERIFIED"

    def __str__(self) -> str:
        return str(self.value)
