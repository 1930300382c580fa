"""document issuer_type_stated: whether the upload named its issuer type (false: the document
type's default filled it); null for documents stored before it was recorded

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("issuer_type_stated", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("issuer_type_stated")
