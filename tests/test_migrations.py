"""The migrations give exactly the models' schema on PostgreSQL, the production database: an
autogenerate comparison of the migrated test database with the models finds nothing (tables,
columns, their types and nullability, indexes, unique constraints, foreign keys)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

import store.web  # noqa: F401  (its tables are part of the metadata)
from store.db import Database
from store.models import Base


async def test_autogenerate_finds_nothing_between_the_migrations_and_the_models(db: Database):
    assert db.engine.dialect.name == "postgresql"  # scripts/test's throwaway cluster

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
