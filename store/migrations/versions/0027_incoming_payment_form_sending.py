"""incoming_payments.form_sending_sha256: a payment booked from the web app's form keeps the
sending that booked it, so the same form sent again books nothing twice; payments of before
have none

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-10 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incoming_payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_sending_sha256", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_incoming_payments_form_sending_sha256"), ["form_sending_sha256"]
        )


def downgrade() -> None:
    with op.batch_alter_table("incoming_payments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_incoming_payments_form_sending_sha256"), type_="unique"
        )
        batch_op.drop_column("form_sending_sha256")
