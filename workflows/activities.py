"""What workflows call of the shared activities (e-mail, the round trip): each activity's
name, input and output, nothing else (the convention: workflows/buyers/activities.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass as pydantic_dataclass
from temporalio import activity


# A pydantic dataclass only for its config: the data converter writes JSON, and raw bytes
# (a PDF) are not UTF-8, so they travel base64-encoded.
@pydantic_dataclass(config=ConfigDict(ser_json_bytes="base64", val_json_bytes="base64"))
class EmailAttachment:
    filename: str
    content_type: str  # e.g. application/pdf
    content: bytes


@dataclass
class OutgoingEmail:
    to: list[str]
    subject: str
    text: str
    html: str | None = None  # sent as the alternative to ``text`` when given
    attachments: list[EmailAttachment] = field(default_factory=list)
    reply_to: str | None = None


@dataclass
class RoundTripRequest:
    organization_uuid: str
    message: str


@dataclass
class RoundTripConfirmation:
    organization_name: str
    worker_identity: str


class EmailActivities:
    @activity.defn
    async def send_email(self, mail: OutgoingEmail) -> str:
        """Hand the message to the SMTP relay; its Message-ID."""
        raise NotImplementedError


class RoundTripActivities:
    @activity.defn
    async def confirm_round_trip(self, request: RoundTripRequest) -> RoundTripConfirmation:
        raise NotImplementedError
