"""Every onboarding command the README shows, run as the README writes it, on an SQLite database
of its own; each one's effect is checked in the database (and the seller user's over the NOTYD
API's own view of a user)."""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

import admin
from api.notyd.identity.users import SellerUser
from settings import get_settings
from store.db import Database
from store.identity.api_clients import secret_matches
from store.identity.identity import authenticate
from store.models import ApiClient, BankStatementImport, Organization, Partner, User
from store.web import AuditEntry

ROOT = Path(__file__).parent.parent
PASSWORD = "readme-pass-1"


def readme_commands() -> list[list[str]]:
    """The ``nt24-admin`` lines of the README's Administration block, as argument lists."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Administration", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0].endswith("nt24-admin"):
            commands.append(words[1:])
    return commands


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'admin.db'}"
    monkeypatch.setenv("NT24_DATABASE_URL", url)
    # passwords the README leaves out are read from here instead of a prompt
    monkeypatch.setenv("NT24_ADMIN_PASSWORD", PASSWORD)
    # nothing listens here: the statement import's dunning notice fails fast, as documented
    monkeypatch.setenv("NT24_TEMPORAL_ADDRESS", "127.0.0.1:9")
    monkeypatch.chdir(tmp_path)
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


def test_the_readme_names_every_onboarding_command():
    names = {argv[0] for argv in readme_commands()}
    assert {
        "create-org",
        "create-user",
        "create-staff",
        "set-flags",
        "create-partner",
        "create-api-client",
        "accept-dpa",
        "reset-password",
        "import-statement",
        "rotate-secret",
        "end-grace",
        "disable-api-client",
        "enable-api-client",
        "delete-api-client",
        "reencrypt-secrets",
        "what-if",
    } <= names


def test_each_readme_command_does_what_it_says(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    shutil.copy(ROOT / "tests" / "data" / "camt053_v02.xml", tmp_path / "day.xml")
    printed: dict[str, str] = {}
    for argv in readme_commands():
        assert admin.main(argv) == 0, (argv, capsys.readouterr().err)
        printed[shlex.join(argv)] = capsys.readouterr().out

    def everything(session: Any) -> Any:
        async def read() -> dict[str, Any]:
            org = await session.scalar(
                select(Organization).where(Organization.slug == "santander-consumer-bank")
            )
            users = {
                u.username: u
                for u in await session.scalars(
                    select(User).options(selectinload(User.partner)).order_by(User.username)
                )
            }
            partners = (
                await session.scalars(select(Partner).where(Partner.organization_id == org.id))
            ).all()
            clients = (
                await session.scalars(select(ApiClient).where(ApiClient.organization_id == org.id))
            ).all()
            statements = (await session.scalars(select(BankStatementImport))).all()
            audited = (
                await session.scalars(
                    select(AuditEntry.action).where(AuditEntry.object_type == "api_client")
                )
            ).all()
            return {
                "org": org,
                "users": users,
                "partners": partners,
                "clients": clients,
                "statements": statements,
                "audited": audited,
                "bert": SellerUser.of(users["bert"]),
                "alice": await authenticate(session, "alice", PASSWORD),
                "operator": await authenticate(session, "operator", PASSWORD),
            }

        return read()

    found = _query(sqlite_url, everything)
    org = found["org"]
    # create-org with its flag; set-flags; accept-dpa
    assert org.name == "Santander Consumer Bank"
    assert org.allow_multi_vin_orders and org.allow_marketplace_led_kyc
    assert not org.allow_contact_personal_data and not org.allow_kyc_document_download
    assert org.dpa_version == "2026-01" and org.dpa_accepted_at is not None
    # create-user, create-staff, reset-password (the password read from NT24_ADMIN_PASSWORD)
    alice, operator, bert = (found["users"][n] for n in ("alice", "operator", "bert"))
    assert alice.organization_id == org.id and alice.partner_id is None
    assert alice.first_name == "Alice" and not alice.is_staff
    assert alice.token_generation == 1  # the reset revoked earlier tokens
    assert found["alice"] is not None and found["operator"] is not None
    assert operator.is_staff and operator.organization_id is None
    # create-partner; create-user --partner: a seller user with its seller profile
    [partner] = found["partners"]
    assert (partner.name, partner.country, partner.vat_number) == (
        "Autohaus Nord",
        "DE",
        "DE136695976",
    )
    assert bert.organization_id == org.id and bert.partner_id == partner.id
    assert found["bert"].seller_profile_uuid == str(partner.profile_uuid)
    assert str(partner.profile_uuid) in next(v for k, v in printed.items() if "bert" in k)
    # create-api-client: its secret printed once (and only its hash kept); the client id is
    # the name's slug, which the API client commands after it name
    clients = {c.client_id: c for c in found["clients"]}
    client = clients["api-client-santander-dms"]
    [out] = [v for k, v in printed.items() if k.startswith("create-api-client") and "DMS" in k]
    secret = re.search(r"client_secret (\S+)", out)
    assert client.client_id in out and secret is not None and len(secret.group(1)) == 64
    assert secret.group(1) not in repr(vars(client))
    # rotate-secret --grace, then end-grace: only the rotated secret works; disabled and
    # enabled again, it is active; each change audited by the staff member named
    [rotated] = [v for k, v in printed.items() if k.startswith("rotate-secret")]
    new_secret = re.search(r"client_secret (\S+)", rotated)
    assert new_secret is not None and "keeps working until" in rotated
    assert client.previous_secret_hash is None and client.rotated_at is not None
    assert secret_matches(client, new_secret.group(1))
    assert not secret_matches(client, secret.group(1))
    assert client.is_active and client.deleted_at is None
    deleted = clients["api-client-santander-test"]
    assert deleted.deleted_at is not None and not deleted.is_active
    made = ["create"] * len(clients)  # each client the README makes, and each change of one
    assert sorted(found["audited"]) == sorted(
        f"api_client.{action}"
        for action in (*made, "rotate", "end_grace", "disable", "enable", "delete")
    )
    # reencrypt-secrets and what-if: nothing to do on a new database, said so
    assert "0 of 0 webhook secrets" in printed["reencrypt-secrets"]
    [what_if] = [v for k, v in printed.items() if k.startswith("what-if")]
    assert "0 orders would change" in what_if
    # import-statement: the statement is on file, booked by the staff member
    [statement] = found["statements"]
    assert statement.imported_by == "operator" and statement.file_name == "day.xml"
