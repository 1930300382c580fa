"""document issuer id and VINs, the buyer's VIES trader name: who issued a document (its VAT
or registration number), which of the order's VINs it covers (null: all of them), and the
name VIES gave with the buyer's last answer

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("issuer_id", sa.String(length=64), nullable=True))
    op.add_column("documents", sa.Column("vins", sa.JSON(), nullable=True))
    op.add_column("buyers", sa.Column("vies_trader_name", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("buyers") as batch:
        batch.drop_column("vies_trader_name")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("vins")
        batch.drop_column("issuer_id")
