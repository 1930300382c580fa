from enum import StrEnum


class ViesCheckQueuedStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    QUEUED = "QUEUED"

    def __str__(self) -> str:
        return str(self.value)
