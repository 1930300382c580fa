"""webhook endpoints: the event schema versions each one accepts (acceptedSchemaVersions),
[1] for every endpoint registered before, the contract's default

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-12 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "webhook_endpoints",
        sa.Column(
            "accepted_schema_versions",
            sa.JSON(),
            nullable=False,
            server_default=sa.text("'[1]'"),
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("accepted_schema_versions")
