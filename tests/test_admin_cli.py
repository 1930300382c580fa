"""The admin command line, on an SQLite database of its own (as on a laptop)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

import admin
from settings import get_settings
from store.db import Database
from store.identity.identity import authenticate
from store.models import Organization
from store.web import AuditEntry
from tests.conftest import Stack
from tests.payment_invoices import staff_member
from tests.test_web_staff_forms import buyer_awaiting_review


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'admin.db'}"
    monkeypatch.setenv("NT24_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _query(url: str, fn):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        db = Database(url)
        try:
            async with db.transaction() as session:
                return await fn(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_create_org_user_flags_and_reset(sqlite_url: str, capsys: pytest.CaptureFixture[str]):
    assert admin.main(["create-org", "Santander Consumer Bank", "--allow-multi-vin-orders"]) == 0
    slug = "santander-consumer-bank"
    assert admin.main(["create-user", "alice", "--org", slug, "--password", "first-pass"]) == 0
    assert admin.main(["create-staff", "operator", "--password", "staff-pass"]) == 0
    assert admin.main(["set-flags", slug, "--allow-marketplace-led-kyc", "yes"]) == 0
    assert admin.main(["reset-password", "alice", "--password", "second-pass"]) == 0
    assert admin.main(["create-user", "alice", "--org", slug, "--password", "x" * 8]) == 2
    assert admin.main(["create-user", "bob", "--org", "nope", "--password", "x" * 8]) == 2
    assert "that name is taken" in capsys.readouterr().err

    org = _query(
        sqlite_url,
        lambda s: s.scalar(select(Organization).where(Organization.slug == slug)),
    )
    assert org.allow_multi_vin_orders and org.allow_marketplace_led_kyc
    assert _query(sqlite_url, lambda s: authenticate(s, "alice", "second-pass")) is not None
    assert _query(sqlite_url, lambda s: authenticate(s, "alice", "first-pass")) is None


def test_every_change_made_from_the_command_line_is_audited(sqlite_url: str):
    """The web app audits making organizations, staff, partners, users and API clients, and
    granting capabilities: nt24-admin audited only an API client's rotation, grace, disabling
    and deleting. Each change is in the log now, by "nt24-admin" or the --staff named."""
    assert admin.main(["create-org", "Audit Bank"]) == 0
    assert admin.main(["create-staff", "root2", "--password", "staff-pass"]) == 0
    assert admin.main(["set-flags", "audit-bank", "--allow-kyc-document-download", "yes"]) == 0
    assert admin.main(["set-flags", "audit-bank", "--allow-kyc-document-download", "yes"]) == 0
    assert admin.main(["create-partner", "audit-bank", "Autohaus", "--country", "DE"]) == 0
    assert admin.main(["create-api-client", "audit-bank", "integration"]) == 0

    async def logged(session):  # type: ignore[no-untyped-def]
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.username, e.before, e.after) for e in rows]

    entries = _query(sqlite_url, logged)
    assert [e[0] for e in entries] == [
        "organization.create",
        "staff.create",
        "capabilities",  # the repeat changed nothing and is not in the log
        "partner.create",
        "api_client.create",
    ]
    assert {e[1] for e in entries} == {"nt24-admin"}
    granted = entries[2]
    assert granted[2]["allow_kyc_document_download"] is False
    assert granted[3]["allow_kyc_document_download"] is True
    assert "client_secret" not in str(entries[4][3]) and entries[4][3]["active"] is True


def test_a_dpa_accepted_from_the_command_line_is_audited(sqlite_url: str):
    """The web app audits an organization's DPA acceptance (action "dpa", the organization's
    view before and after); nt24-admin accept-dpa changed the DPA version and recorded
    nothing. It is in the log now, by "nt24-admin" or the --staff named."""
    assert admin.main(["create-org", "Dpa Bank"]) == 0
    assert admin.main(["create-staff", "dpa-officer", "--password", "staff-pass"]) == 0
    assert admin.main(["accept-dpa", "dpa-bank", "2026-01"]) == 0
    assert admin.main(["accept-dpa", "dpa-bank", "2026-02", "--staff", "dpa-officer"]) == 0

    async def logged(session):  # type: ignore[no-untyped-def]
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.username, e.before, e.after) for e in rows]

    entries = _query(sqlite_url, logged)
    assert [(a, user) for a, user, _, _ in entries] == [
        ("organization.create", "nt24-admin"),
        ("staff.create", "nt24-admin"),
        ("dpa", "nt24-admin"),
        ("dpa", "dpa-officer"),
    ]
    assert [(e[2]["dpaVersion"], e[3]["dpaVersion"]) for e in entries[2:]] == [
        (None, "2026-01"),
        ("2026-01", "2026-02"),
    ]


async def test_a_kyc_review_from_the_command_line_is_audited(
    stack: Stack,
    dev_server: WorkflowEnvironment,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    """The web app audits a staff member's KYC review (action "buyer.kyc_review": the decision,
    its outcome and reason); nt24-admin kyc-review decided the verification and recorded
    nothing. It is in the log now, with who decided, by "nt24-admin" or the --staff named;
    an unknown --staff is refused before anything is decided."""
    buyer = await buyer_awaiting_review(stack)
    staff = await staff_member(stack.db)
    monkeypatch.setenv("NT24_DATABASE_URL", pg_url)
    monkeypatch.setenv("NT24_TEMPORAL_ADDRESS", dev_server.client.service_client.config.target_host)
    get_settings.cache_clear()
    try:
        review = ["--no-migrate", "kyc-review", buyer, "approve", "--reason", "namesake"]
        unknown = [*review, "--staff", "nobody-of-that-name"]
        assert await asyncio.to_thread(admin.main, unknown) == 2
        capsys.readouterr()
        cli = [*review, "--reviewer", "m.weber", "--staff", staff.username]
        assert await asyncio.to_thread(admin.main, cli) == 0, capsys.readouterr().err
        assert f"buyer {buyer}: VERIFIED" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    async with stack.db.session() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.object_id == buyer))
        ).all()
    assert [(e.action, e.username) for e in entries] == [("buyer.kyc_review", staff.username)]
    assert entries[0].before is not None and entries[0].before["uuid"] == buyer
    assert entries[0].after == {
        "decision": "approve",
        "outcome": "VERIFIED",
        "reason": "namesake",
        "reviewer": "m.weber",
    }
