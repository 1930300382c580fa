from enum import StrEnum


class InvitationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    USED = "USED"

    def __str__(self) -> str:
        return str(self.value)
