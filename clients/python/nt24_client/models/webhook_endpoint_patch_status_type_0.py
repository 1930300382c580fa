from enum import StrEnum


class WebhookEndpointPatchStatusType0(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"

    def __str__(self) -> str:
        return str(self.value)
