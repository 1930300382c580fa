from enum import StrEnum


class WebhookEndpointCreatedStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"
    PAUSED = "PAUSED"

    def __str__(self) -> str:
        return str(self.value)
