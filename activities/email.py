"""Outgoing e-mail over SMTP (aiosmtplib): self-service invitations, dunning letters, ...

The caller composes the message; this sends it to the relay the settings name (the dev stack's
mail catcher by default, docs/sandboxes.md). An SMTP 5xx answer is permanent (the recipient
does not exist, the sender or the login is refused): a non-retryable ApplicationError of type
``SMTP_PERMANENT``, as resending cannot help. A 4xx answer (greylisting, a full mailbox) and
any connection trouble are transient: ``SMTP_TRANSIENT``, retried by Temporal with backoff.

The Message-ID is derived from the activity's run and id, so an attempt retried after the
relay took the message once carries the same Message-ID and receivers can tell the duplicate.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from uuid import NAMESPACE_URL, uuid5

import aiosmtplib
from temporalio import activity
from temporalio.exceptions import ApplicationError

from settings import Settings
from store.models import utcnow
from workflows import activities as interface
from workflows.activities import OutgoingEmail

SMTP_PERMANENT = "SMTP_PERMANENT"
SMTP_TRANSIENT = "SMTP_TRANSIENT"


def compose(mail: OutgoingEmail, sender: str, message_id: str) -> EmailMessage:
    """The MIME message: plain text, an HTML alternative if any, then the attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def smtp_failure(error: Exception) -> ApplicationError:
    """The SMTP error as Temporal should treat it: 5xx answers permanent, the rest transient."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
    elif isinstance(error, aiosmtplib.SMTPResponseException):
        codes = [error.code]
    else:
        codes = []  # no answer at all: connection refused, reset, timed out
    permanent = bool(codes) and all(code >= 500 for code in codes)
    return ApplicationError(
        f"SMTP: {error}",
        type=SMTP_PERMANENT if permanent else SMTP_TRANSIENT,
        non_retryable=permanent,
    )


class EmailActivities(interface.EmailActivities):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sender_address = parseaddr(settings.mail_from)[1]
        self.domain = self.sender_address.rpartition("@")[2] or "localhost"

    def message_id(self) -> str:
        info = activity.info()
        return (
            f"<{uuid5(NAMESPACE_URL, f'{info.workflow_run_id}/{info.activity_id}')}@{self.domain}>"
        )

    @activity.defn
    async def send_email(self, mail: OutgoingEmail) -> str:
        """Hand the message to the SMTP relay; its Message-ID."""
        if not mail.to:
            raise ApplicationError("an e-mail needs a recipient", non_retryable=True)
        message_id = self.message_id()
        settings = self.settings
        try:
            await aiosmtplib.send(
                compose(mail, settings.mail_from, message_id),
                sender=self.sender_address,
                recipients=mail.to,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout.total_seconds(),
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            raise smtp_failure(error) from error
        return message_id
