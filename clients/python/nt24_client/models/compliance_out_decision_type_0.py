from enum import StrEnum


class ComplianceOutDecisionType0(StrEnum):
    VALID_EXPORT = "VALID_EXPORT"
    VAT_APPLICABLE = "VAT_APPLICABLE"

    def __str__(self) -> str:
        return str(self.value)
