from enum import StrEnum


class ExportFileOutStatus(StrEnum):
    FAILED = "FAILED"
    GENERATING = "GENERATING"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    PENDING = "PENDING"
    READY = "READY"

    def __str__(self) -> str:
        return str(self.value)
