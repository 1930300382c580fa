from enum import StrEnum


class TransportOutStatus(StrEnum):
    DELIVERED = "DELIVERED"
    IN_PROGRESS = "IN_PROGRESS"
    PENDING = "PENDING"

    def __str__(self) -> str:
        return str(self.value)
