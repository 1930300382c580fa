from enum import StrEnum


class DeliveryOutKind(StrEnum):
    EVENT = "EVENT"
    REPLAY = "REPLAY"
    TEST = "TEST"

    def __str__(self) -> str:
        return str(self.value)
