"""export_files.reason: 1,000 characters. A re-decision's reason ("Decided again by <staff>:
<reason>", the reason up to 500 characters) was cut at 200, where the API showed it whole

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-11 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("export_files", schema=None) as batch_op:
        batch_op.alter_column(
            "reason", existing_type=sa.String(length=200), type_=sa.String(length=1000)
        )


def downgrade() -> None:
    with op.batch_alter_table("export_files", schema=None) as batch_op:
        batch_op.alter_column(
            "reason", existing_type=sa.String(length=1000), type_=sa.String(length=200)
        )
