"""evidence entries: each order's sealed, append-only evidence chain, and its head on the order

On PostgreSQL a trigger refuses every UPDATE and DELETE of ``evidence_entries`` (the code has no
such path either). SQLite, the embedded development database, gets no trigger: there the
chain's hashes and the head on the order row are the only protection, and ``nt24-admin
verify-order`` still finds any change.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TRIGGER = "evidence_entries_append_only"


def upgrade() -> None:
    op.add_column("orders", sa.Column("evidence_head", sa.String(length=64), nullable=True))
    op.create_table(
        "evidence_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_evidence_entries_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_entries")),
        sa.UniqueConstraint("order_id", "seq", name=op.f("uq_evidence_entries_order_id_seq")),
        sa.UniqueConstraint("order_id", "key", name=op.f("uq_evidence_entries_order_id_key")),
    )
    op.create_index(
        op.f("ix_evidence_entries_order_id"), "evidence_entries", ["order_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'evidence_entries is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON evidence_entries "
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
        )
        # TRUNCATE bypasses row triggers: refuse it with a statement trigger
        op.execute(
            f"CREATE TRIGGER {TRIGGER}_truncate BEFORE TRUNCATE ON evidence_entries "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON evidence_entries")
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON evidence_entries")
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    op.drop_index(op.f("ix_evidence_entries_order_id"), table_name="evidence_entries")
    op.drop_table("evidence_entries")
    op.drop_column("orders", "evidence_head")
