"""The admin command line, on an SQLite database of its own (as on a laptop)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

import admin
from settings import get_settings
from store.db import Database
from store.identity.identity import authenticate
from store.models import Organization
from store.web import AuditEntry


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
