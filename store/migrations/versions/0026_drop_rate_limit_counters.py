"""rate_limit_counters dropped: rate-limit windows are counted in the API process's memory or
in Redis (NT24_RATE_LIMIT_STORAGE), never in the database; nothing has written the table since

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-09 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("rate_limit_counters")


def downgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_rate_limit_counters_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_counters")),
        sa.UniqueConstraint(
            "organization_id",
            "category",
            "window_start",
            name=op.f("uq_rate_limit_counters_organization_id_category_window_start"),
        ),
    )
