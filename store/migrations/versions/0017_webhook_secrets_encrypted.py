"""webhook endpoints: signing secrets encrypted at rest

Every secret still in clear is encrypted in place with the current key of NT24_SECRETS_KEY
(store/secrets_box.py): the migration needs the key the API and the worker use. A secret in
clear that a row still holds later (none should) is read as it is.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PURPOSE = "webhook_endpoints.secret"


def upgrade() -> None:
    from store.secrets_box import PREFIX, encrypt

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, secret FROM webhook_endpoints")).all()
    for row_id, secret in rows:
        if secret and not secret.startswith(PREFIX):
            connection.execute(
                sa.text("UPDATE webhook_endpoints SET secret = :secret WHERE id = :id"),
                {"secret": encrypt(secret, PURPOSE), "id": row_id},
            )


def downgrade() -> None:
    from store.secrets_box import decrypt

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, secret FROM webhook_endpoints")).all()
    for row_id, secret in rows:
        connection.execute(
            sa.text("UPDATE webhook_endpoints SET secret = :secret WHERE id = :id"),
            {"secret": decrypt(secret, PURPOSE), "id": row_id},
        )
