"""Outgoing e-mail over real SMTP into the mail catcher: what arrives, how refusals are read,
and the catcher's HTTP inbox."""

from __future__ import annotations

import dataclasses
from uuid import uuid4

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

import sandboxes.app
from activities.email import SMTP_PERMANENT, SMTP_TRANSIENT, EmailActivities
from api.shared.converter import DATA_CONVERTER
from sandboxes.mail import MailCatcher
from tests.conftest import free_port, serving, settings_for_tests
from workflows.activities import EmailAttachment, OutgoingEmail

BINARY = bytes(range(256)) * 4  # not UTF-8: must survive JSON payloads as it is


def letter(to: str, **overrides: object) -> OutgoingEmail:
    mail = OutgoingEmail(
        to=[to],
        subject="Zahlungserinnerung Rechnung 2026-0042",
        text="Guten Tag,\n\nbitte begleichen Sie die Rechnung.\n",
        html="<p>Guten Tag,</p><p>bitte begleichen Sie die <b>Rechnung</b>.</p>",
        attachments=[EmailAttachment("Rechnung 2026-0042.pdf", "application/pdf", BINARY)],
        reply_to="buchhaltung@autohaus.example",
    )
    return dataclasses.replace(mail, **overrides)


def address(local: str = "buyer") -> str:
    return f"{local}-{uuid4().hex[:8]}@example.com"


def sender(pg_url: str, **overrides: object) -> tuple[ActivityEnvironment, EmailActivities]:
    env = ActivityEnvironment()
    # every send its own activity, so its own Message-ID
    env.info = dataclasses.replace(env.info, activity_id=uuid4().hex)
    return env, EmailActivities(settings_for_tests(pg_url, **overrides))


async def test_an_email_with_a_binary_attachment_round_trips_through_the_data_converter():
    mail = letter("buyer@example.com")
    payloads = await DATA_CONVERTER.encode([mail])
    decoded = (await DATA_CONVERTER.decode(payloads, [OutgoingEmail]))[0]
    assert decoded == mail
    assert decoded.attachments[0].content == BINARY


async def test_the_email_arrives_with_text_html_attachment_and_reply_to(
    pg_url: str, mail_catcher: MailCatcher
):
    to = address()
    env, activities = sender(pg_url)
    message_id = await env.run(activities.send_email, letter(to))
    caught = await mail_catcher.wait_for(lambda m: to in m.recipients)
    assert caught.message_id == message_id and message_id.endswith("@nt24.localhost>")
    assert caught.mail_from == "no-reply@nt24.localhost"
    assert caught.parsed["From"] == "NT24 <no-reply@nt24.localhost>"
    assert caught.parsed["Reply-To"] == "buchhaltung@autohaus.example"
    assert caught.subject == "Zahlungserinnerung Rechnung 2026-0042"
    assert "bitte begleichen Sie die Rechnung." in caught.text
    assert caught.html is not None and "<b>Rechnung</b>" in caught.html
    [attachment] = caught.attachments
    assert (attachment.filename, attachment.content_type) == (
        "Rechnung 2026-0042.pdf",
        "application/pdf",
    )
    assert attachment.content == BINARY


async def test_a_retried_send_keeps_its_message_id(pg_url: str, mail_catcher: MailCatcher):
    to = address()
    env, activities = sender(pg_url)
    first = await env.run(activities.send_email, letter(to, html=None, attachments=[]))
    env.info = dataclasses.replace(env.info, attempt=2)
    second = await env.run(activities.send_email, letter(to, html=None, attachments=[]))
    assert first == second
    await mail_catcher.wait_for(lambda m: to in m.recipients and m.html is None)


async def test_a_bounce_is_permanent(pg_url: str):
    env, activities = sender(pg_url)
    with pytest.raises(ApplicationError) as refused:
        await env.run(activities.send_email, letter(address("bounce")))
    assert refused.value.type == SMTP_PERMANENT and refused.value.non_retryable
    assert "550" in str(refused.value)


async def test_greylisting_is_transient_and_a_retry_gets_through(
    pg_url: str, mail_catcher: MailCatcher
):
    to = address("greylist")
    env, activities = sender(pg_url)
    with pytest.raises(ApplicationError) as deferred:
        await env.run(activities.send_email, letter(to))
    assert deferred.value.type == SMTP_TRANSIENT and not deferred.value.non_retryable
    assert "451" in str(deferred.value)
    await env.run(activities.send_email, letter(to))  # what Temporal's retry does
    await mail_catcher.wait_for(lambda m: to in m.recipients)


async def test_no_relay_listening_is_transient(pg_url: str):
    env, activities = sender(pg_url, smtp_port=free_port())
    with pytest.raises(ApplicationError) as unreachable:
        await env.run(activities.send_email, letter(address()))
    assert unreachable.value.type == SMTP_TRANSIENT and not unreachable.value.non_retryable


async def test_the_catcher_shows_lists_and_empties_its_inbox_over_http(pg_url: str):
    catcher = MailCatcher()
    catcher.start("127.0.0.1", free_port())
    try:
        env, activities = sender(pg_url, smtp_port=catcher.port)
        to = address()
        await env.run(activities.send_email, letter(to))
        async with (
            serving(sandboxes.app.create_app(catcher)) as base_url,
            httpx.AsyncClient(base_url=f"{base_url}/mail") as http,
        ):
            listed = (await http.get("/messages")).json()
            raw = await http.get(f"/messages/{listed[0]['id']}")
            inbox = await http.get("/")
            missing = await http.get("/messages/999")
            cleared = await http.delete("/messages")
            after = (await http.get("/messages")).json()
    finally:
        catcher.stop()
    [message] = listed
    assert message["to"] == [to] and message["from"] == "no-reply@nt24.localhost"
    assert message["subject"] == "Zahlungserinnerung Rechnung 2026-0042"
    assert message["attachments"] == [
        {"filename": "Rechnung 2026-0042.pdf", "contentType": "application/pdf", "size": 1024}
    ]
    assert raw.status_code == 200 and b"Subject: Zahlungserinnerung" in raw.content
    assert inbox.status_code == 200 and "Zahlungserinnerung Rechnung 2026-0042" in inbox.text
    assert missing.status_code == 404
    assert cleared.status_code == 204 and after == []
