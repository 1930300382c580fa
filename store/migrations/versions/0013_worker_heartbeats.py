"""worker heartbeats: each worker process records every few seconds that it is alive, so
/readyz notices a dead worker within seconds (Temporal keeps listing its pollers for minutes)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("task_queue", sa.String(length=200), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("identity", name=op.f("pk_worker_heartbeats")),
    )
    op.create_index(
        op.f("ix_worker_heartbeats_task_queue"), "worker_heartbeats", ["task_queue"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_heartbeats_task_queue"), table_name="worker_heartbeats")
    op.drop_table("worker_heartbeats")
