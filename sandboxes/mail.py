"""The mail catcher: an SMTP server that keeps every message it receives, and an HTTP inbox.

Nothing leaves the machine. The platform's SMTP client (activities/email.py) talks to it as to
any relay; developers and tests read what was sent over HTTP (``GET /mail/messages``, the
inbox page ``GET /mail/``). Messages live in this process's memory: a restart empties it.

Magic recipients force the relay's refusals, by the local part of the address:

- ``bounce...@`` — ``550 5.1.1`` mailbox unavailable, every time (a permanent failure)
- ``greylist...@`` — ``451 4.7.1`` the first time a sender writes to the address, accepted
  from then on (greylisting: a transient failure that a retry gets past)
"""

from __future__ import annotations

import asyncio
import email
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from functools import cached_property
from html import escape
from itertools import count
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import HTMLResponse

BOUNCE = "bounce"
GREYLIST = "greylist"


@dataclass(frozen=True)
class CaughtAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class CaughtMessage:
    id: int
    mail_from: str  # the envelope's sender
    recipients: list[str]  # the envelope's recipients, as accepted
    raw: bytes
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @cached_property
    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        return message

    @property
    def subject(self) -> str:
        return str(self.parsed["Subject"] or "")

    @property
    def message_id(self) -> str:
        return str(self.parsed["Message-ID"] or "")

    def _body(self, subtype: str) -> str | None:
        part = self.parsed.get_body(preferencelist=(subtype,))
        if part is None:
            return None
        return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]

    @property
    def text(self) -> str:
        return self._body("plain") or ""

    @property
    def html(self) -> str | None:
        return self._body("html")

    @property
    def attachments(self) -> list[CaughtAttachment]:
        return [
            CaughtAttachment(
                part.get_filename() or "", part.get_content_type(), part.get_payload(decode=True)
            )
            for part in self.parsed.iter_attachments()
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "receivedAt": self.received_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "from": self.mail_from,
            "to": self.recipients,
            "messageId": self.message_id,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "attachments": [
                {"filename": a.filename, "contentType": a.content_type, "size": len(a.content)}
                for a in self.attachments
            ],
        }


class MailCatcher:
    """The SMTP side (an aiosmtpd handler on its own thread) and the messages it caught."""

    def __init__(self) -> None:
        self.messages: list[CaughtMessage] = []
        self._ids = count(1)
        self._greylist_passed: set[tuple[str, str]] = set()
        self._controller: Controller | None = None

    # ----- the SMTP server's hooks (aiosmtpd calls them by name) -----

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        local_part = address.partition("@")[0].lower()
        if local_part.startswith(BOUNCE):
            return "550 5.1.1 Mailbox unavailable (sandbox: bounce)"
        if local_part.startswith(GREYLIST):
            pair = (str(envelope.mail_from).lower(), address.lower())
            if pair not in self._greylist_passed:
                self._greylist_passed.add(pair)
                return "451 4.7.1 Greylisted, please try again later (sandbox)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        self.messages.append(
            CaughtMessage(
                next(self._ids), str(envelope.mail_from), list(envelope.rcpt_tos), content
            )
        )
        return "250 Message accepted for delivery"

    # ----- running it -----

    def start(self, host: str, port: int) -> None:
        """Listen for SMTP on ``host:port`` (a thread of its own) until ``stop``."""
        self._controller = Controller(self, hostname=host, port=port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def port(self) -> int:
        assert self._controller is not None, "the mail catcher is not listening"
        return self._controller.port

    def clear(self) -> None:
        self.messages.clear()

    def get(self, message_id: int) -> CaughtMessage | None:
        return next((m for m in self.messages if m.id == message_id), None)

    # a test's one-line wait reads best with its limit as an argument
    async def wait_for(
        self,
        predicate: Callable[[CaughtMessage], bool],
        timeout: float = 10,  # noqa: ASYNC109
    ) -> CaughtMessage:
        """The first message caught (already or within ``timeout`` s) that ``predicate`` likes."""
        async with asyncio.timeout(timeout):
            while True:
                found = next((m for m in list(self.messages) if predicate(m)), None)
                if found is not None:
                    return found
                await asyncio.sleep(0.05)


def create_router(catcher: MailCatcher) -> APIRouter:
    router = APIRouter(tags=["mail catcher"])

    @router.get("/messages", summary="Every message caught, oldest first")
    async def list_messages() -> list[dict[str, Any]]:
        return [m.summary() for m in catcher.messages]

    @router.get(
        "/messages/{message_id}",
        summary="One message as it arrived (RFC 5322 source)",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}}},
    )
    async def raw_message(message_id: int) -> Response:
        message = catcher.get(message_id)
        if message is None:
            raise HTTPException(404, f"No message {message_id} was caught.")
        return Response(message.raw, media_type="text/plain; charset=utf-8")

    @router.delete("/messages", status_code=204, summary="Empty the inbox")
    async def clear_messages() -> Response:
        catcher.clear()
        return Response(status_code=204)

    @router.get("/", response_class=HTMLResponse, summary="The inbox, for a browser")
    async def inbox() -> str:
        rows = "".join(
            f"<tr><td>{m.received_at:%Y-%m-%d %H:%M:%S}</td><td>{escape(', '.join(m.recipients))}"
            f"</td><td><a href='messages/{m.id}'>{escape(m.subject) or '(no subject)'}</a></td>"
            f"<td>{escape(', '.join(a.filename for a in m.attachments))}</td></tr>"
            for m in reversed(catcher.messages)
        )
        return (
            "<!doctype html><meta charset=utf-8><title>Mail catcher</title>"
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;"
            "text-align:left;border-bottom:1px solid #ddd}</style>"
            f"<h1>Mail catcher</h1><p>{len(catcher.messages)} message(s), newest first. "
            "JSON: <a href='messages'>messages</a>.</p><table><tr><th>Received (UTC)</th>"
            f"<th>To</th><th>Subject</th><th>Attachments</th></tr>{rows}</table>"
        )

    return router
