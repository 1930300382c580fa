"""The migrations give exactly the models' schema on PostgreSQL, the production database: an
autogenerate comparison of the migrated test database with the models finds nothing (tables,
columns, their types and nullability, indexes, unique constraints, foreign keys)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

import store.web  # noqa: F401  (its tables are part of the metadata)
from store.db import Database
from store.models import Base
from store.orders.views import milestone_address
from workflows.orders.model import Address


async def test_autogenerate_finds_nothing_between_the_migrations_and_the_models(db: Database):
    assert db.engine.dialect.name == "postgresql"  # scripts/test's throwaway cluster

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


def test_0028_gives_the_milestone_addresses_written_before_the_uuids_answers_show():
    """An order delivered before addresses had a uuid gets, by the migration, the uuid the
    read-model writer gives the same address now: GETs before and after its next change show
    one uuid. The downgrade takes them away again."""
    migration = _migration("0028_milestone_address_uuids.py")
    order_uuid = uuid4()
    address = Address("Hauptstr. 1", "10115", "Berlin", "DE")
    shown = milestone_address(address, str(order_uuid), "collectionAddress", revoked_before=1)
    assert shown is not None
    written_before = {k: v for k, v in shown.items() if k != "uuid"}
    transport = {
        "status": "DELIVERED",
        "pickup": {"type": "COMPANY_TRANSPORT", "confirmedAt": "2026-05-04T09:30:00Z"}
        | {"collectionAddress": written_before},
        "delivery": {"deliveryDate": "2026-05-06"},  # confirmed without an address
        "revocations": [{"reason": "wrong truck", "revokedAt": "2026-05-04T09:00:00Z"}],
    }
    upgraded = migration._with_uuids(order_uuid, transport, add=True)
    assert upgraded["pickup"]["collectionAddress"] == shown
    assert upgraded["delivery"] == transport["delivery"]
    assert migration._with_uuids(order_uuid, upgraded, add=True) is None  # nothing left to add
    assert migration._with_uuids(order_uuid, upgraded, add=False) == transport


def _migration(file_name: str) -> ModuleType:
    path = Path(__file__).parent.parent / "store" / "migrations" / "versions" / file_name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
