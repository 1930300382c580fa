"""document origin and destination country: where a transport document says the transport
began and ended (a CMR's places of taking over and of delivery), ISO 3166-1 alpha-2; null
when the upload did not state them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("origin_country", sa.String(length=2), nullable=True))
    op.add_column("documents", sa.Column("destination_country", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("destination_country")
        batch.drop_column("origin_country")
