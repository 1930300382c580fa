from enum import StrEnum


class CapabilitiesRatelimittier(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    HIGH_VOLUME = "HIGH_VOLUME"
    STANDARD = "STANDARD"

    def __str__(self) -> str:
        return str(self.value)
