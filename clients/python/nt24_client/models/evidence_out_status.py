from enum import StrEnum


class EvidenceOutStatus(StrEnum):
    BROKEN = "BROKEN"
    INTACT = "INTACT"

    def __str__(self) -> str:
        return str(self.value)
