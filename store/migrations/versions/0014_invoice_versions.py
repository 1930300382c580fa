"""invoice versions: every version of an order's invoice as written, for the Export File's
correction history

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_invoice_versions_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_versions")),
        sa.UniqueConstraint(
            "order_id", "type", "version", name=op.f("uq_invoice_versions_order_id_type_version")
        ),
    )
    op.create_index(
        op.f("ix_invoice_versions_order_id"), "invoice_versions", ["order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_versions_order_id"), table_name="invoice_versions")
    op.drop_table("invoice_versions")
