"""idempotency records: a key is scoped per organization, method and path (contract §2.2),
no longer per organization alone

Records kept from before have no scope to recover (their fingerprint hashes the body too): they
get the empty one, with which they hold their key on every method and path as before, until they
expire within 24 hours (api/shared/idempotency.py, LEGACY_SCOPE).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-12 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_records") as batch:
        batch.add_column(
            sa.Column("scope_sha256", sa.String(length=64), nullable=False, server_default="")
        )
        batch.drop_constraint("uq_idempotency_records_organization_id_key", type_="unique")
        batch.create_unique_constraint(
            "uq_idempotency_records_organization_id_key_scope_sha256",
            ["organization_id", "key", "scope_sha256"],
        )
    with op.batch_alter_table("idempotency_records") as batch:
        batch.alter_column("scope_sha256", server_default=None)


def downgrade() -> None:
    # keys become unique per organization again: drop the records that would collide
    op.execute(sa.text("DELETE FROM idempotency_records"))
    with op.batch_alter_table("idempotency_records") as batch:
        batch.drop_constraint(
            "uq_idempotency_records_organization_id_key_scope_sha256", type_="unique"
        )
        batch.create_unique_constraint(
            "uq_idempotency_records_organization_id_key", ["organization_id", "key"]
        )
        batch.drop_column("scope_sha256")
