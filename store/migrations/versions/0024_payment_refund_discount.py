"""payment_refunds.discount: a credit note keeps the invoice's discount it gives back, as the
invoice keeps its own

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discount", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_refunds", schema=None) as batch_op:
        batch_op.drop_column("discount")
