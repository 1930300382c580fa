"""Webhooks and the events feed, end to end: real receivers on loopback, real Temporal (the dev
server, and the time-skipping server across the retry schedule), real PostgreSQL.

Receivers check both signatures with code of their own: the ``standardwebhooks`` verifier and
the ten-line HMAC check an integrator would write from the contract.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from jsonschema import Draft202012Validator
from sqlalchemy import func, select
from standardwebhooks import Webhook
from temporalio.api.enums.v1 import EventType
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.webhooks.delivery import (
    Target,
    ensure_sweep_schedule,
    new_delivery_id,
    new_secret,
    vet_target,
    wanted_by,
)
from api.main import create_app
from sandboxes.mail import MailCatcher
from settings import Settings
from store.db import Database
from store.identity import identity
from store.models import Event, WebhookDelivery, WebhookEndpoint, utcnow
from store.webhooks.events import (
    DOC,
    EVENT_TYPES,
    catalogue_markdown,
    documented_catalogue,
    record_event,
)
from tests.conftest import Stack, capture_history, serving, settings_for_tests
from tests.order_flow import OrderClient, key, seller_session
from workflows.ids import WEBHOOK_SWEEP_SCHEDULE, webhook_delivery_workflow_id
from workflows.webhooks.activities import FAN_OUT_WORKFLOW, Batch
from workflows.webhooks.rules import next_attempt_at, retry_offsets

# The contract's retry schedule (nt24-conventions-webhooks.md §5.7: "up to 10 attempts",
# "1m, 5m, 15m, 1h, 4h, 8h, 16h, 24h, 36h, 48h", offsets from the first failed attempt), written
# out here rather than read from the settings, so a changed default fails these tests instead of
# moving them along. The first attempt stands in for the first offset: retries at the other nine
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
SCHEDULE = [1 * MINUTE, 5 * MINUTE, 15 * MINUTE, 1 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR]
SCHEDULE += [24 * HOUR, 36 * HOUR, 48 * HOUR]
RETRIES = SCHEDULE[1:]
ATTEMPTS = 10  # the contract's delivery history shows `attempts: 10` on a FAILED delivery
AUTO_PAUSE_FAILURES = 20  # the contract: 20 consecutive failures (or 72 h of them)
RETENTION = timedelta(days=30)  # the contract's delivery history retention


def verify_nt24(secret: str, body: bytes, header: str, tolerance: int = 300) -> dict[str, Any]:
    """What an integrator writes from the contract: t and v1, HMAC-SHA256 over "t.body"."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    if abs(time.time() - int(fields["t"])) > tolerance:
        raise ValueError("timestamp outside the tolerance")
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), fields["v1"]):
        raise ValueError("signature mismatch")
    return json.loads(body)


@dataclass
class Call:
    body: bytes
    headers: dict[str, str]
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """Webhook receivers at ``/hooks/{name}``: every request's raw body and headers are kept;
    each name answers the statuses planned for it, then its default (200)."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Call]] = defaultdict(list)
        self.plans: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
        self.default: dict[str, int] = defaultdict(lambda: 200)
        self.app = FastAPI()

        @self.app.post("/hooks/{name}")
        async def hook(name: str, request: Request) -> Response:
            status, headers = (
                self.plans[name].pop(0) if self.plans[name] else (self.default[name], {})
            )
            self.calls[name].append(Call(await request.body(), dict(request.headers), status))
            return Response(status_code=status, headers=headers)

    async def wait_for(self, name: str, count: int, seconds: float = 30) -> list[Call]:
        async with asyncio.timeout(seconds):
            while len(self.calls[name]) < count:
                await asyncio.sleep(0.05)
        return self.calls[name]


def verified(secret: str, call: Call) -> dict[str, Any]:
    """The event, after both signatures and the headers that name it are checked."""
    standard = Webhook(secret).verify(call.body, call.headers)
    event = verify_nt24(secret, call.body, call.headers["x-novatrade-signature"])
    assert standard == event
    assert call.headers["x-novatrade-event-id"] == call.headers["webhook-id"] == event["id"]
    assert call.headers["content-type"] == "application/json"
    return event


async def register(http: httpx.AsyncClient, url: str, events: list[str], **more: Any) -> dict:
    answer = await http.post(
        "/v1/webhooks", json={"url": url, "events": events} | more, headers=key()
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def fire_test(http: httpx.AsyncClient, endpoint: dict, n: int) -> dict:
    answer = await http.post(
        f"/v1/webhooks/{endpoint['id']}/test",
        json={"eventType": "compliance.status_changed", "data": {"n": n}},
        headers=key(),
    )
    assert answer.status_code == 202, answer.text
    return answer.json()


async def deliveries(http: httpx.AsyncClient, endpoint: dict, **query: Any) -> list[dict]:
    answer = await http.get(
        f"/v1/webhooks/{endpoint['id']}/deliveries", params={"size": 100} | query
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def until(predicate: Any, seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_registration_names_bad_fields_shows_the_secret_once_and_is_private(stack: Stack):
    tenant, http = await seller_session(stack)
    _, stranger = await seller_session(stack)
    async with http, stranger:
        bad = await http.post(
            "/v1/webhooks",
            json={
                "url": "ftp://127.0.0.1/hooks",
                "events": ["*", "compliance.nope", "kyc.*"],
                "partnerIds": [str(tenant.partner.uuid), "00000000-0000-4000-8000-000000000000"],
                "secret": "not-a-secret",
            },
            headers=key(),
        )
        assert bad.status_code == 422
        errors = {e["field"]: e for e in bad.json()["errors"]}
        assert set(errors) == {"url", "events[0]", "events[1]", "partnerIds[1]", "secret"}
        assert "rejectedValue" not in errors["secret"]  # a secret is never echoed
        plain = await http.post(
            "/v1/webhooks", json={"url": "http://example.com/h", "events": ["kyc.*"]}, headers=key()
        )
        assert [e["field"] for e in plain.json()["errors"]] == ["url"]

        created = await http.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hooks", "events": ["compliance.*", "kyc.*"]},
            headers=key(),
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()
        path = created.headers["location"]
        assert endpoint["secret"].startswith("whsec_") and endpoint["status"] == "ACTIVE"
        assert path == f"/v1/webhooks/{endpoint['id']}" and endpoint["id"].startswith("wh_")
        read = await http.get(path)
        assert read.headers["etag"] == '"0"' and "secret" not in read.json()
        assert [e["id"] for e in (await http.get("/v1/webhooks")).json()] == [endpoint["id"]]
        assert "secret" not in (await http.get("/v1/webhooks")).json()[0]

        # another organization: nothing of it exists
        assert (await stranger.get("/v1/webhooks")).json() == []
        for answer in (
            await stranger.get(path),
            await stranger.get(f"{path}/deliveries"),
            await stranger.patch(path, json={}, headers=key() | {"If-Match": '"0"'}),
            await stranger.post(
                f"{path}/test",
                json={"eventType": "kyc.vies_check_failed", "data": {}},
                headers=key(),
            ),
            await stranger.delete(path, headers=key()),
        ):
            assert answer.status_code == 404 and answer.json()["code"] == "not-found", answer.text

        # If-Match is optional on a webhook endpoint: without it the current version changes
        no_version = await http.patch(path, json={"events": ["kyc.*"]}, headers=key())
        assert no_version.status_code == 200, no_version.text
        assert no_version.json()["version"] == 1 and no_version.headers["etag"] == '"1"'
        stale = await http.patch(
            path, json={"events": ["kyc.*"]}, headers=key() | {"If-Match": '"0"'}
        )
        assert stale.status_code == 409 and stale.json()["currentResource"]["version"] == 1
        patched = await http.patch(
            path,
            json={"events": ["kyc.vies_check_failed"], "partnerIds": [str(tenant.partner.uuid)]},
            headers=key() | {"If-Match": '"1"'},
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["version"] == 2 and patched.headers["etag"] == '"2"'
        assert patched.json()["partnerIds"] == [str(tenant.partner.uuid)]
        assert "secret" not in patched.json()
        for body, field in (({"events": ["*"]}, "events[0]"), ({"status": "DISABLED"}, "status")):
            refused = await http.patch(path, json=body, headers=key() | {"If-Match": '"2"'})
            assert [e["field"] for e in refused.json()["errors"]] == [field], refused.text
        # the secret is not rotated by PATCH (a new endpoint rotates it): refused, not ignored
        secret = new_secret()
        rotate = await http.patch(path, json={"secret": secret}, headers=key())
        assert rotate.status_code == 422, rotate.text
        assert [e["field"] for e in rotate.json()["errors"]] == ["secret"]
        assert secret not in rotate.text
        assert (await http.get(path)).headers["etag"] == '"2"'

        assert (await http.delete(path, headers=key())).status_code == 204
        assert (await http.get(path)).status_code == 404


async def test_a_secret_the_client_chooses_is_any_whsec_string_and_signs_deliveries(
    stack: Stack,
):
    """Conventions §5.2 and §5.4: `secret` is optional, its format `whsec_...` (the example
    `whsec_abc123...`), the HMAC key of X-Novatrade-Signature the whole string's bytes. Base64
    after `whsec_` is needed only for the Standard Webhooks headers, sent when it is there."""
    receiver = Receiver()
    async with serving(receiver.app) as base:
        _, http = await seller_session(stack)
        async with http:
            for secret in (
                "not-a-secret",  # the contract's format is whsec_...
                "whsec_",
                "whsec_abc",  # too short to be a key
                "whsec_" + "a" * 91,  # too long
                "whsec_abc 123",
                "whsec_abc\n123",
                "whsec_abc\x01123",
                "whsec_abcé123",
            ):
                refused = await http.post(
                    "/v1/webhooks",
                    json={"url": f"{base}/hooks/x", "events": ["kyc.*"], "secret": secret},
                    headers=key(),
                )
                assert refused.status_code == 422, (secret, refused.text)
                [error] = refused.json()["errors"]
                assert error["field"] == "secret" and "rejectedValue" not in error
                assert secret == "whsec_" or secret not in refused.text

            chosen = {
                "example": "whsec_abc123",  # the contract's example, as printed
                "urlsafe": "whsec_" + secrets.token_urlsafe(32),  # has - or _ : not base64
                "longest": "whsec_" + "~!#" * 30,
                "base64": new_secret(),
            }
            endpoints = {
                name: await register(http, f"{base}/hooks/{name}", ["kyc.*"], secret=secret)
                for name, secret in chosen.items()
            }
            for name, endpoint in endpoints.items():
                assert endpoint["secret"] == chosen[name]  # stored and shown as given
                fired = await fire_test(http, endpoint, 0)
                [call] = await receiver.wait_for(name, 1)
                if name == "base64":  # a Standard Webhooks secret: both signatures
                    event = verified(chosen[name], call)
                else:  # the contract's signature only, keyed with the whole string
                    assert not {"webhook-id", "webhook-timestamp", "webhook-signature"} & set(
                        call.headers
                    )
                    event = verify_nt24(
                        chosen[name], call.body, call.headers["x-novatrade-signature"]
                    )
                    with pytest.raises(ValueError):  # and nothing else verifies it
                        verify_nt24(new_secret(), call.body, call.headers["x-novatrade-signature"])
                    assert call.headers["x-novatrade-event-id"] == event["id"]
                assert event["id"] == fired["eventId"] and event["data"] == {"n": 0}

            async def delivered() -> bool:
                rows = [(await deliveries(http, e))[0] for e in endpoints.values()]
                return all(r["status"] == "DELIVERED" for r in rows)

            await until(delivered, 10)


async def test_accepted_schema_versions_are_checked_stored_and_shown(stack: Stack):
    """Conventions §5.1 and §6: acceptedSchemaVersions, optional on create and PATCH, [1] by
    default, shown in every answer; only versions events are emitted in (1 today)."""
    _, http = await seller_session(stack)
    async with http:
        url = "http://127.0.0.1:9/hooks"
        plain = await register(http, url, ["kyc.*"])
        assert plain["acceptedSchemaVersions"] == [1]
        chosen = await register(http, url, ["kyc.*"], acceptedSchemaVersions=[1, 1])
        assert chosen["acceptedSchemaVersions"] == [1]
        for versions, field in (
            ([1, 2], "acceptedSchemaVersions[1]"),
            ([0], "acceptedSchemaVersions[0]"),
            ([], "acceptedSchemaVersions"),
            (["1"], "acceptedSchemaVersions[0]"),
        ):
            refused = await http.post(
                "/v1/webhooks",
                json={"url": url, "events": ["kyc.*"], "acceptedSchemaVersions": versions},
                headers=key(),
            )
            assert refused.status_code == 422, refused.text
            assert [e["field"] for e in refused.json()["errors"]] == [field], versions

        path = f"/v1/webhooks/{plain['id']}"
        assert (await http.get(path)).json()["acceptedSchemaVersions"] == [1]
        listed = (await http.get("/v1/webhooks")).json()
        assert [e["acceptedSchemaVersions"] for e in listed] == [[1], [1]]
        same = await http.patch(path, json={"acceptedSchemaVersions": [1]}, headers=key())
        assert same.status_code == 200 and same.json()["acceptedSchemaVersions"] == [1]
        assert same.json()["version"] == plain["version"]  # nothing changed
        for body, field in (
            ({"acceptedSchemaVersions": None}, "acceptedSchemaVersions"),
            ({"acceptedSchemaVersions": [3]}, "acceptedSchemaVersions[0]"),
        ):
            refused = await http.patch(path, json=body, headers=key())
            assert refused.status_code == 422, refused.text
            assert [e["field"] for e in refused.json()["errors"]] == [field]
    async with stack.db.session() as session:
        row = await session.scalar(
            select(WebhookEndpoint).where(WebhookEndpoint.public_id == plain["id"])
        )
    assert row is not None and row.accepted_schema_versions == [1]


def test_an_endpoint_gets_each_event_in_the_highest_schema_version_it_accepts(monkeypatch):
    """Conventions §6: while an event type is dual-emitted in versions 1 and 2, an endpoint
    receives one of them: the highest it accepts; none when it accepts neither."""
    kind = "compliance.status_changed"
    monkeypatch.setitem(EVENT_TYPES, kind, replace(EVENT_TYPES[kind], schema_versions=(1, 2)))

    def received(accepted: list[int]) -> list[int]:
        endpoint = WebhookEndpoint(
            organization_id=1,
            events=["compliance.*"],
            partner_ids=None,
            accepted_schema_versions=accepted,
        )
        return [
            version
            for version in (1, 2)
            if wanted_by(
                endpoint,
                Event(organization_id=1, type=kind, schema_version=str(version), data={}),
                uuid4(),
            )
        ]

    assert received([1]) == [1]
    assert received([1, 2]) == [2]
    assert received([2]) == [2]
    assert received([3]) == []


async def test_an_order_that_becomes_valid_delivers_its_events_signed(stack: Stack):
    receiver = Receiver()
    async with serving(receiver.app) as base:
        tenant, http = await seller_session(stack)
        async with http:
            mine = await register(
                http,
                f"{base}/hooks/mine",
                ["compliance.*", "export_file.generated"],
                partnerIds=[str(tenant.partner.uuid)],
            )
            theirs = await register(
                http,
                f"{base}/hooks/theirs",
                ["compliance.*"],
                partnerIds=[str(tenant.other_partner.uuid)],
            )
            client = OrderClient(stack, tenant, http)
            order = (await client.order(await client.buyer()))["uuid"]
            await client.invoice_and_payment(order)
            await client.post(f"/orders/{order}/payment/ready-for-pickup")
            assert (await client.pickup(order)).status_code == 200
            await client.transport_evidence(order)
            assert (await client.deliver(order)).status_code == 200
            await client.compliance_until(order, lambda r: r["complianceStatus"] == "VALID")

            calls = await receiver.wait_for("mine", 3)
            events = [verified(mine["secret"], call) for call in calls]
            # each as the OpenAPI document's webhooks describe its delivery
            document = (await http.get("/openapi.json")).json()
            for call, event in zip(calls, events, strict=True):
                operation = document["webhooks"][event["type"]]["post"]
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                checker = Draft202012Validator.FORMAT_CHECKER
                errors = Draft202012Validator(schema, format_checker=checker).iter_errors(event)
                assert [e.message for e in errors] == [], event
                declared = {p["name"].lower() for p in operation["parameters"] if p["required"]}
                assert declared <= set(call.headers), call.headers
            assert sorted(e["type"] for e in events) == [
                "compliance.decision_made",
                "compliance.status_changed",
                "export_file.generated",
            ]
            for event in events:
                assert event["organizationUuid"] == str(tenant.org.uuid)
                assert event["partnerUuid"] == str(tenant.partner.uuid)
                assert event["schemaVersion"] == 1 and event["source"] in ("API", "SYSTEM")
                assert event["data"]["orderUuid"] == order
                assert isinstance(event["data"]["version"], int)
                # the catalogue describes what is really sent
                assert set(event["data"]) == {f.name for f in EVENT_TYPES[event["type"]].fields}
            # export_file.generated's version is the Export File's: the one downloadUrl names
            [generated] = [e["data"] for e in events if e["type"] == "export_file.generated"]
            assert generated["version"] == generated["exportFileVersion"] == 1
            assert generated["downloadUrl"].endswith("/export-file/versions/1/content")

            # the receiver has the calls before the worker records their answers
            async def recorded() -> bool:
                return all(d["status"] != "PENDING" for d in await deliveries(http, mine))

            await until(recorded, 10)
            history = await deliveries(http, mine)
            assert len(history) == 3
            assert all(d["status"] == "DELIVERED" and d["attempts"] == 1 for d in history)
            assert all(d["httpStatus"] == 200 and "nextRetryAt" not in d for d in history)
            # the outbox relay delivered them at their first attempt: no workflow was needed
            for delivery in history:
                with pytest.raises(RPCError):
                    await stack.client.get_workflow_handle(
                        webhook_delivery_workflow_id(delivery["id"])
                    ).describe()
            fired = await fire_test(http, mine, 0)  # a test fire's delivery is a workflow's
            await receiver.wait_for("mine", 4)
            await capture_history(
                stack.client.get_workflow_handle(webhook_delivery_workflow_id(fired["id"])),
                "webhook_delivered",
            )
            # the endpoint filtered to the other partner got nothing
            assert await deliveries(http, theirs) == [] and receiver.calls["theirs"] == []

            # the feed holds the same events, byte for byte as delivered
            feed = (await http.get("/v1/events", params={"orderId": order})).json()
            listed = {e["id"]: e for e in feed["data"]}
            for event in events:
                assert {k: v for k, v in listed[event["id"]].items() if k != "sequence"} == event
            sequences = [e["sequence"] for e in feed["data"]]
            assert sequences == sorted(sequences) and not feed["hasMore"]
            rest = (
                await http.get(
                    "/v1/events", params={"orderId": order, "after": sequences[0], "size": 1}
                )
            ).json()
            assert [e["sequence"] for e in rest["data"]] == sequences[1:2]
            assert rest["nextAfter"] == sequences[1] and rest["hasMore"] == (len(sequences) > 2)
            typed = await http.get(
                "/v1/events", params={"type": ["export_file.generated"], "orderId": order}
            )
            assert {e["type"] for e in typed.json()["data"]} == {"export_file.generated"}
            unknown = await http.get("/v1/events", params={"type": ["order.nope"]})
            assert unknown.json()["errors"][0]["field"] == "type[0]"


async def test_an_export_file_event_names_the_source_of_the_change_that_asked_for_it(
    stack: Stack,
):
    """Conventions section 5.5: the envelope's `source` is the "origin of the change". Every
    `export_file.generated` said `SYSTEM`, so a receiver could not tell the Export File its
    own delivery's decision or its own regeneration (POST .../finalization/regenerate-export)
    produced from the platform's; each now says the source of the change that asked for it,
    as the decision's event does (a deadline's stays `SYSTEM`: tests/fast)."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        order = await client.delivered()
        await client.compliance_until(order, lambda c: c["complianceStatus"] == "VALID", 60)
        await client.export_file_until(order, 1)
        queued = await client.post(f"/orders/{order}/finalization/regenerate-export")
        assert queued.status_code == 202, queued.text
        await client.export_file_until(order, 2)
        feed = (await http.get("/v1/events", params={"orderId": order, "size": 100})).json()
    generated = {
        e["data"]["exportFileVersion"]: e["source"]
        for e in feed["data"]
        if e["type"] == "export_file.generated"
    }
    decided = [e["source"] for e in feed["data"] if e["type"] == "compliance.decision_made"]
    assert decided == ["API"], feed  # the API's delivery decided it
    assert generated == {1: "API", 2: "API"}, feed


async def test_auto_pause_then_resume_delivers_what_queued_and_replay_resends(
    stack: Stack, mail_catcher: MailCatcher
):
    receiver = Receiver()
    receiver.default["flaky"] = 500
    receiver.default["gone"] = 410
    pause_after = AUTO_PAUSE_FAILURES
    async with serving(receiver.app) as base:
        tenant, http = await seller_session(stack)
        admin, seller_user = (f"{uuid4().hex[:8]}@example.com" for _ in range(2))
        async with stack.db.transaction() as session:
            org = await session.get(type(tenant.org), tenant.org.id)
            await identity.create_user(session, admin, "pw-admin-1", email=admin, organization=org)
            partner = await session.get(type(tenant.partner), tenant.partner.id)
            await identity.create_user(
                session,
                seller_user,
                "pw-seller-1",
                email=seller_user,
                organization=org,
                partner=partner,
            )
        async with http:
            flaky = await register(http, f"{base}/hooks/flaky", ["kyc.*"])
            watcher = await register(http, f"{base}/hooks/watcher", ["webhook.*"])
            gone = await register(http, f"{base}/hooks/gone", ["kyc.*"])
            path = f"/v1/webhooks/{flaky['id']}"

            # test fires go out whatever the endpoint subscribes to
            for n in range(pause_after):
                await fire_test(http, flaky, n)
            notice = verified(watcher["secret"], (await receiver.wait_for("watcher", 1))[0])
            assert notice["type"] == "webhook.endpoint_auto_paused" and "partnerUuid" not in notice
            assert notice["data"]["endpointId"] == flaky["id"]
            assert notice["data"]["consecutiveFailures"] == pause_after
            paused = (await http.get(path)).json()
            assert paused["status"] == "PAUSED" and paused["statusReason"].startswith("Auto-paused")
            assert len(receiver.calls["flaky"]) == pause_after
            failed = await deliveries(http, flaky, status="PENDING")
            assert all(d["attempts"] == 1 and d["httpStatus"] == 500 for d in failed)
            assert all(d["kind"] == "TEST" and d["error"] == "HTTP 500" for d in failed)
            # and the organization's administrators (not a seller's users) get an e-mail
            mail = await mail_catcher.wait_for(lambda m: admin in m.recipients, timeout=30)
            assert mail.recipients == [admin]
            assert mail.subject == f"Webhook endpoint paused: {base}/hooks/flaky"
            assert flaky["id"] in mail.text and f"{pause_after} consecutive" in mail.text
            await capture_history(
                stack.client.get_workflow_handle(f"webhook-paused-notice-{notice['id']}"),
                "webhook_paused_notice",
            )

            # while paused, deliveries queue without an attempt
            queued = [await fire_test(http, flaky, n) for n in (100, 101)]

            async def parked() -> bool:
                rows = {d["id"]: d for d in await deliveries(http, flaky, status="PENDING")}
                return all(rows[q["id"]]["attempts"] == 0 for q in queued)

            await until(parked)
            receiver.default["flaky"] = 200
            resumed = await http.patch(
                path,
                json={"status": "ACTIVE"},
                headers=key() | {"If-Match": f'"{paused["version"]}"'},
            )
            assert resumed.status_code == 200 and resumed.json()["status"] == "ACTIVE"

            def arrived() -> dict[str, Call]:
                return {c.event["id"]: c for c in receiver.calls["flaky"] if c.answered == 200}

            async def both_arrived() -> bool:
                return {q["eventId"] for q in queued} <= set(arrived())

            await until(both_arrived)

            # a replay re-sends the same event, byte for byte, with a fresh signature
            original = arrived()[queued[0]["eventId"]]
            await asyncio.sleep(1.1)  # signature timestamps have a resolution of a second
            replay = await http.post(f"{path}/deliveries/{queued[0]['id']}/replay", headers=key())
            assert replay.status_code == 202, replay.text
            assert (
                replay.json()["kind"] == "REPLAY" and replay.json()["replayOf"] == queued[0]["id"]
            )

            async def replayed() -> bool:
                return (
                    sum(c.event["id"] == queued[0]["eventId"] for c in receiver.calls["flaky"]) == 2
                )

            await until(replayed)
            again = [c for c in receiver.calls["flaky"] if c.event["id"] == queued[0]["eventId"]][
                -1
            ]
            assert again.body == original.body
            assert verified(flaky["secret"], again) == verified(flaky["secret"], original)
            assert int(again.headers["webhook-timestamp"]) > int(
                original.headers["webhook-timestamp"]
            )
            missing = await http.post(f"{path}/deliveries/del_0000/replay", headers=key())
            assert missing.status_code == 404

            # 410 Gone disables the endpoint
            await fire_test(http, gone, 0)

            async def disabled() -> bool:
                return (await http.get(f"/v1/webhooks/{gone['id']}")).json()["status"] == "DISABLED"

            await until(disabled)


async def test_the_sweep_delivers_what_a_crash_left_behind_and_purges_old_history(stack: Stack):
    receiver = Receiver()
    async with serving(receiver.app) as base:
        tenant, http = await seller_session(stack)
        async with http:
            endpoint = await register(http, f"{base}/hooks/late", ["kyc.verification_completed"])
            # as a producer would, but the process dies before it kicks the fan-out
            async with stack.db.transaction() as session:
                event = record_event(
                    session,
                    tenant.org.id,
                    "kyc.verification_completed",
                    {"buyerUuid": "7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "outcome": "VERIFIED"},
                    utcnow(),
                    partner_id=tenant.partner.id,
                )
                endpoint_id = await session.scalar(
                    select(WebhookEndpoint.id).where(WebhookEndpoint.public_id == endpoint["id"])
                )
                expired = WebhookDelivery(
                    public_id=new_delivery_id(),
                    organization_id=tenant.org.id,
                    endpoint_id=endpoint_id,
                    event_id="evt_expired",
                    event_type="kyc.verification_completed",
                    kind="TEST",
                    payload={},
                    status="DELIVERED",
                    created_at=utcnow() - RETENTION - timedelta(hours=1),
                )
                # a test fire written by an API process that died before starting its workflow
                orphan = WebhookDelivery(
                    public_id=new_delivery_id(),
                    organization_id=tenant.org.id,
                    endpoint_id=endpoint_id,
                    event_id="evt_orphan",
                    event_type="kyc.verification_completed",
                    kind="TEST",
                    payload={"id": "evt_orphan"},
                    created_at=utcnow(),
                )
                session.add_all([expired, orphan])

            # Only a sweep starts the orphan. The event goes with the next fan-out, whoever
            # kicks it: each takes every event not fanned out yet; the sweep's is the one due.
            await ensure_sweep_schedule(stack.client, stack.settings)
            schedule = stack.client.get_schedule_handle(WEBHOOK_SWEEP_SCHEDULE)
            try:
                await schedule.trigger()
                calls = await receiver.wait_for("late", 2)
                assert {verified(endpoint["secret"], c)["id"] for c in calls} == {
                    event.id,
                    "evt_orphan",
                }

                async def purged() -> bool:
                    return all(
                        d["id"] != expired.public_id for d in await deliveries(http, endpoint)
                    )

                await until(purged)
            finally:
                await schedule.delete()


async def test_a_receiver_that_fails_then_recovers_gets_every_event_once(
    skipping_stack: Stack, time_skipping: WorkflowEnvironment
):
    stack = skipping_stack
    receiver = Receiver()
    receiver.plans["flaky"] = [(429, {"Retry-After": "3600"})] + [(503, {})] * 6
    receiver.default["down"] = 503
    async with serving(receiver.app) as base:
        _, http = await seller_session(stack)
        async with http:
            flaky = await register(http, f"{base}/hooks/flaky", ["compliance.*"])
            down = await register(http, f"{base}/hooks/down", ["compliance.*"])
            watcher = await register(http, f"{base}/hooks/watcher", ["webhook.*"])
            fired = [await fire_test(http, flaky, n) for n in range(3)]
            lost = await fire_test(http, down, 0)
            await receiver.wait_for("flaky", 3)
            await time_skipping.sleep(SCHEDULE[-1] * 1.2)

            # every event arrives, once per successful delivery
            answered = Counter(c.event["id"] for c in receiver.calls["flaky"] if c.answered == 200)
            assert answered == Counter(f["eventId"] for f in fired)
            assert len(receiver.calls["flaky"]) == 3 + 7
            history = {d["id"]: d for d in await deliveries(http, flaky)}
            assert {d["status"] for d in history.values()} == {"DELIVERED"}
            assert sum(d["attempts"] for d in history.values()) == 10
            # the one answered 429 with Retry-After waited an hour, not a minute
            throttled = next(
                f for f in fired if f["eventId"] == receiver.calls["flaky"][0].event["id"]
            )
            assert (await _timers(stack, throttled["id"]))[0] >= timedelta(minutes=59)

            # the one that never recovers: the first attempt and nine retries, then FAILED
            calls = receiver.calls["down"]
            assert len(calls) == ATTEMPTS
            assert {verified(down["secret"], c)["id"] for c in calls} == {lost["eventId"]}
            final = (await deliveries(http, down))[0]
            assert final["status"] == "FAILED" and final["attempts"] == ATTEMPTS
            assert final["httpStatus"] == 503 and "nextRetryAt" not in final
            waited = timedelta(0)
            jitter = stack.settings.webhook_retry_jitter
            for offset, timer in zip(RETRIES, await _timers(stack, lost["id"]), strict=True):
                waited += timer
                assert offset - timedelta(minutes=1) <= waited <= offset * (1 + jitter)
            assert waited >= SCHEDULE[-1] - timedelta(minutes=1)  # the last at the last offset
            await capture_history(
                stack.client.get_workflow_handle(webhook_delivery_workflow_id(lost["id"])),
                "webhook_delivery_fails_terminally",
            )

            notice = verified(watcher["secret"], (await receiver.wait_for("watcher", 1))[0])
            assert notice["type"] == "webhook.delivery_failed_terminal"
            assert notice["data"] == {
                "endpointId": down["id"],
                "deliveryId": lost["id"],
                "eventId": lost["eventId"],
                "eventType": "compliance.status_changed",
                "attempts": ATTEMPTS,
                "lastHttpStatus": 503,
                "lastError": "HTTP 503",
            }
            feed = await http.get("/v1/events", params={"type": "webhook.delivery_failed_terminal"})
            assert [
                {k: v for k, v in e.items() if k != "sequence"} for e in feed.json()["data"]
            ] == [notice]


async def test_the_feed_skips_no_event_a_transaction_still_open_commits_later(stack: Stack):
    """PostgreSQL draws an event's sequence when it is inserted, not when it commits: a feed
    in sequence order alone would show a later-numbered event committed first, and its cursor
    would pass the earlier one for good. Two real transactions, one held open: the feed holds
    back what may still be overtaken and then delivers every event once, in order."""
    tenant, http = await seller_session(stack)
    kind = "kyc.verification_completed"

    def recorded(session: Any, n: int) -> Event:
        return record_event(
            session,
            tenant.org.id,
            kind,
            {"buyerUuid": str(uuid4()), "outcome": "VERIFIED", "n": n},
            utcnow(),
            partner_id=tenant.partner.id,
        )

    async def feed(after: int) -> dict[str, Any]:
        answer = await http.get("/v1/events", params={"type": kind, "after": after})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def ns(page: dict[str, Any]) -> list[int]:
        return [e["data"]["n"] for e in page["data"]]

    async with http:
        start = (await feed(0))["nextAfter"]

        # A inserts an event (the lower sequence) and stays open; B inserts one and commits
        async with stack.db.transaction() as a:
            one = recorded(a, 1)
            await a.flush()
            async with stack.db.transaction() as b:
                two = recorded(b, 2)
            assert one.sequence < two.sequence
            # B's event is committed, but A may still commit a lower number: held back
            held = await feed(start)
            assert held["data"] == [] and held["nextAfter"] == start
        # A settled: both, in order, and nothing is left behind the cursor
        page = await feed(start)
        assert ns(page) == [1, 2] and page["nextAfter"] == two.sequence
        assert (await feed(page["nextAfter"]))["data"] == []

        # C has its transaction id already (an earlier write) when D, begun later, inserts an
        # event and stays open; C then inserts the higher sequence and commits. C's event is
        # settled, D's not: C's comes first, D's after it once D commits, not lost behind the
        # cursor that passed its lower sequence
        after = page["nextAfter"]
        async with stack.db.transaction() as c:
            await c.execute(select(func.pg_current_xact_id()))  # C's id, before D's
            async with stack.db.transaction() as d:
                three = recorded(d, 3)
                await d.flush()
                four = recorded(c, 4)
                await c.flush()
                assert three.sequence < four.sequence
                await c.commit()
                first = await feed(after)
                assert ns(first) == [4] and first["nextAfter"] == four.sequence
            rest = await feed(first["nextAfter"])
            assert ns(rest) == [3] and rest["nextAfter"] == three.sequence
            assert (await feed(rest["nextAfter"]))["data"] == []
        # from the start, the feed is the same: every event once, in the order it shows them
        assert ns(await feed(start)) == [1, 2, 4, 3]


async def test_an_event_whose_first_attempt_fails_goes_to_its_workflow(stack: Stack):
    """The outbox relay's inline attempt fails: the delivery's workflow starts from that
    outcome, plans the first retry (the schedule's second offset: the first attempt stands in
    for its first) and waits for it."""
    receiver = Receiver()
    receiver.default["later"] = 503
    async with serving(receiver.app) as base:
        tenant, http = await seller_session(stack)
        async with http:
            endpoint = await register(http, f"{base}/hooks/later", ["kyc.verification_completed"])
            async with stack.db.transaction() as session:
                event = record_event(
                    session,
                    tenant.org.id,
                    "kyc.verification_completed",
                    {"buyerUuid": "7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "outcome": "VERIFIED"},
                    utcnow(),
                    partner_id=tenant.partner.id,
                )
            await stack.client.execute_workflow(
                FAN_OUT_WORKFLOW,
                Batch(),
                id=f"webhook-fanout-{event.id}",
                task_queue=stack.settings.task_queue,
                result_type=int,
            )
            [call] = await receiver.wait_for("later", 1)
            assert verified(endpoint["secret"], call)["id"] == event.id
            [delivery] = await deliveries(http, endpoint)

            async def retry_planned() -> bool:
                try:
                    return bool(await _timers(stack, delivery["id"]))
                except RPCError:  # not started yet
                    return False

            await until(retry_planned)
            [timer] = await _timers(stack, delivery["id"])
            jitter = stack.settings.webhook_retry_jitter
            assert RETRIES[0] - timedelta(seconds=5) <= timer <= RETRIES[0] * (1 + jitter)
            history = await stack.client.get_workflow_handle(
                webhook_delivery_workflow_id(delivery["id"])
            ).fetch_history()
            activities = [
                e.activity_task_scheduled_event_attributes.activity_type.name
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            ]
            assert activities == ["settle_failure"]  # the first attempt was the relay's
            [row] = await deliveries(http, endpoint)
            assert (row["status"], row["attempts"], row["httpStatus"]) == ("PENDING", 1, 503)
            assert len(receiver.calls["later"]) == 1
            deleted = await http.delete(f"/v1/webhooks/{endpoint['id']}", headers=key())
            assert deleted.status_code == 204, deleted.text


async def test_a_worker_killed_mid_delivery_loses_nothing(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment, tmp_path: Path
):
    """The worker process dies (SIGKILL) while a receiver is answering; the attempt runs out
    of time on the server and another worker process delivers the same event, same id."""
    settings = settings_for_tests(
        pg_url,
        webhook_timeout=timedelta(seconds=3),
        webhook_attempt_margin=timedelta(seconds=1),
    )
    env = os.environ | {
        "NT24_ENVIRONMENT": "test",
        "NT24_DATABASE_URL": pg_url,
        "NT24_TEMPORAL_ADDRESS": dev_server.client.service_client.config.target_host,
        "NT24_TASK_QUEUE": settings.task_queue,
        "NT24_DATA_DIR": str(tmp_path),
        "NT24_SECRETS_KEY": settings.effective_secrets_key,  # the webhook secrets' key
        "NT24_PAYLOAD_KEYS": settings.effective_payload_keys,  # the test clients' payload keys
        "NT24_WEBHOOK_TIMEOUT": "PT3S",
        "NT24_WEBHOOK_ATTEMPT_MARGIN": "PT1S",
    }

    async def worker_process() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "worker.py", cwd=Path(__file__).parent.parent, env=env
        )

    receiver = Receiver()
    answering = asyncio.Event()

    @receiver.app.post("/slow")
    async def slow(request: Request) -> Response:
        receiver.calls["slow"].append(Call(await request.body(), dict(request.headers), 200))
        answering.set()
        if len(receiver.calls["slow"]) == 1:
            await asyncio.sleep(10)  # the worker dies meanwhile
        return Response(status_code=200)

    app = create_app(settings, db=db, temporal_client=dev_server.client)
    first = await worker_process()
    second = None
    try:
        async with serving(receiver.app) as hooks, serving(app) as base_url:
            stack = Stack(base_url, settings, db, dev_server.client)
            _, http = await seller_session(stack)
            async with http:
                endpoint = await register(http, f"{hooks}/slow", ["compliance.*"])
                fired = await fire_test(http, endpoint, 1)
                async with asyncio.timeout(60):
                    await answering.wait()
                first.kill()
                await first.wait()
                second = await worker_process()
                calls = await receiver.wait_for("slow", 2, seconds=60)
                assert [verified(endpoint["secret"], c)["id"] for c in calls] == [
                    fired["eventId"]
                ] * 2

                async def delivered() -> bool:
                    return (await deliveries(http, endpoint))[0]["status"] == "DELIVERED"

                await until(delivered)
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
        # the worker process made the sweep schedule for its own task queue
        await dev_server.client.get_schedule_handle(WEBHOOK_SWEEP_SCHEDULE).delete()


async def _timers(stack: Stack, delivery_id: str) -> list[timedelta]:
    history = await stack.client.get_workflow_handle(
        webhook_delivery_workflow_id(delivery_id)
    ).fetch_history()
    return [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]


async def test_the_catalogue_is_the_documentation(stack: Stack):
    # the contract's ten, and ours: kyc.verification_expiring (docs/kyc.md)
    assert len(EVENT_TYPES) == 11
    assert documented_catalogue(DOC.read_text()) == catalogue_markdown(), (
        "docs/webhooks.md is behind the catalogue: run .venv/bin/python -m store.webhooks.events"
    )
    _, http = await seller_session(stack)
    async with http:
        types = (await http.get("/v1/events/types")).json()
    assert [t["type"] for t in types] == list(EVENT_TYPES)
    assert all(t["example"]["type"] == t["type"] and t["dataFields"] for t in types)


async def test_where_deliveries_may_go():
    production = Settings(environment="production")
    for url in (
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
        "http://93.184.215.14/hook",
        "https://user:pw@93.184.215.14/hook",
        "https://no-such-host.invalid/hook",
    ):
        assert (await vet_target(url, production)).problem, url
    assert await vet_target("https://93.184.215.14/hook", production) == Target()
    dev = Settings(environment="dev")
    assert (await vet_target("http://127.0.0.1:8000/hook", dev)).problem is None
    assert (await vet_target("http://localhost/hook", dev)).problem is None
    assert (await vet_target("http://example.com/hook", dev)).problem == "must use https"
    anywhere = Settings(webhook_allow_http=True)
    assert (await vet_target("http://example.com/hook", anywhere)).problem is None
    # what is not a URI, or names no port a connection can use, in every environment
    for settings in (production, dev, anywhere):
        for url in (
            "https://exa mple.com/h",
            "https://example.com/h\n",
            "https://example.com/<h>",
            "https://example.com/h?x=%zz",
            "https://bücher.example/h",
            "https://xn--a.com/h",  # an "xn--" label that is no IDNA name
            "https://xn--zz.example/h",
        ):
            assert "not a valid URL" in str((await vet_target(url, settings)).problem), url
        for port in ("0", "65536", "99999999999999999999", "x"):
            url = f"https://example.com:{port}/h"
            assert "port" in str((await vet_target(url, settings)).problem), url
    assert (await vet_target("https://127.0.0.1:65535/h?a=%C3%A9&b=[1]", dev)).problem is None


async def test_a_delivery_connects_to_the_address_that_was_checked():
    """The name is resolved once: the connection goes to the vetted address, while the Host
    header, TLS's SNI and its certificate check keep the URL's own name (no DNS rebinding)."""
    target = await vet_target("http://localhost:8123/hooks/a?x=1", Settings(environment="dev"))
    assert target.problem is None and target.address in {"127.0.0.1", "::1"}
    url, headers, extensions = Target(address="203.0.113.9").request(
        "https://hooks.example.com/in?x=1"
    )
    assert url == "https://203.0.113.9/in?x=1"
    assert headers == {"Host": "hooks.example.com"}
    assert extensions == {"sni_hostname": "hooks.example.com"}
    url, headers, _ = Target(address="2001:db8::7").request("https://hooks.example.com:8443/in")
    assert (url, headers) == ("https://[2001:db8::7]:8443/in", {"Host": "hooks.example.com:8443"})
    # an address in the URL needs no pinning
    assert Target().request("https://203.0.113.9/in") == ("https://203.0.113.9/in", {}, {})


def test_the_retry_plan():
    start = datetime(2026, 4, 22, tzinfo=UTC)
    hour = timedelta(hours=1)
    # ten attempts in all: the first, and nine retries ending at the schedule's last offset
    assert retry_offsets(SCHEDULE) == RETRIES and 1 + len(RETRIES) == ATTEMPTS
    assert retry_offsets(SCHEDULE)[-1] == SCHEDULE[-1] == 48 * hour
    assert next_attempt_at(SCHEDULE, start, 0, start, None, 0) == start + SCHEDULE[0]
    assert next_attempt_at(SCHEDULE, start, 3, start, None, 0.05) == start + SCHEDULE[3] * 1.05
    # Retry-After moves a retry later, never past the schedule's end
    assert next_attempt_at(SCHEDULE, start, 0, start, hour, 0) == start + hour
    assert next_attempt_at(SCHEDULE, start, 0, start, 100 * hour, 0) == start + SCHEDULE[-1]
    assert next_attempt_at(SCHEDULE, start, len(SCHEDULE), start, None, 0) is None


async def test_a_test_fire_or_replay_racing_the_endpoints_delete_is_202_or_404(
    either_stack: Stack,
):
    """A test fire and a replay read the endpoint unlocked and then stored a delivery for it:
    a DELETE committed in between broke the deliveries' foreign key, a 500 (on SQLite, which
    has no SELECT ... FOR UPDATE, still after that was fixed on PostgreSQL). Each is a 202
    (it came first) or a 404 (the endpoint is gone)."""
    tenant, http = await seller_session(either_stack)
    statuses: list[int] = []
    fire = {"eventType": "kyc.vies_check_failed", "data": {}}
    async with http:
        for _ in range(3):
            endpoint = await http.post(
                "/v1/webhooks",
                json={"url": "http://127.0.0.1:9/hooks", "events": ["kyc.*"]},
                headers=key(),
            )
            hook = endpoint.json()["id"]
            first = await http.post(f"/v1/webhooks/{hook}/test", json=fire, headers=key())
            delivery = first.json()["id"]
            fires = [
                http.post(f"/v1/webhooks/{hook}/test", json=fire, headers=key()) for _ in range(5)
            ]
            replays = [
                http.post(f"/v1/webhooks/{hook}/deliveries/{delivery}/replay", headers=key())
                for _ in range(5)
            ]
            delete = http.delete(f"/v1/webhooks/{hook}", headers=key())
            answers = await asyncio.gather(*fires, delete, *replays)
            assert answers[5].status_code == 204, answers[5].text
            statuses += [a.status_code for a in answers if a.request.method == "POST"]
        # and edits of an endpoint at one If-Match: one applies, the others are 409
        endpoint = await http.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hooks", "events": ["kyc.*"]},
            headers=key(),
        )
        edits = await asyncio.gather(
            *(
                http.patch(
                    f"/v1/webhooks/{endpoint.json()['id']}",
                    json={"url": f"http://127.0.0.1:9/hooks/{i}"},
                    headers=key() | {"If-Match": endpoint.headers["etag"]},
                )
                for i in range(6)
            )
        )
    assert set(statuses) <= {202, 404}, sorted(statuses)
    assert sorted(e.status_code for e in edits) == [200] + [409] * 5
