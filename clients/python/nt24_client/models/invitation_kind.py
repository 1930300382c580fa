from enum import StrEnum


class InvitationKind(StrEnum):
    KYC = "KYC"
    PROSPECT = "PROSPECT"

    def __str__(self) -> str:
        return str(self.value)
