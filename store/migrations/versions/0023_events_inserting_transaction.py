"""events.xid: the id of the transaction that inserted the event (PostgreSQL), so that the
events feed shows an event only once no transaction that may still commit an earlier one is
in flight (api/nt24/webhooks/events.py)

On PostgreSQL the column's default is ``pg_current_xact_id()`` (PostgreSQL 13+) as a bigint;
events recorded before it have 0 (settled long ago). On SQLite, where one writer at a time
makes the sequence order the commit order, it is 0 and unused.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

INSERTING_TRANSACTION = "(pg_current_xact_id()::text::bigint)"


def upgrade() -> None:
    # a constant default fills the rows there are without rewriting the table (PostgreSQL 11+)
    op.add_column(
        "events",
        sa.Column("xid", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("events", "xid", server_default=sa.text(INSERTING_TRANSACTION))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_feed", ["organization_id", "xid", "sequence"])


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_feed")
        batch_op.drop_column("xid")
