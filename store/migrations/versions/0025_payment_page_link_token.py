"""payment_orders.page_link_sha256: the hosted payment page is found by a link token of its
own, of which only the sha256 is kept, no longer by the order's uuid (which Temporal, search
attributes and status webhooks show); orders of before keep their page at their uuid

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page_link_sha256", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_payment_orders_page_link_sha256"), ["page_link_sha256"]
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payment_orders_page_link_sha256"), type_="unique")
        batch_op.drop_column("page_link_sha256")
