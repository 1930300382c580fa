"""api clients: argon2 secret hashes, disabled and deleted clients' tokens refused; audit
entries of nt24-admin without a user

The SHA-256 digests become ``sha256$<hex>`` in ``secret_hash`` (verified, then replaced by an
argon2 hash at the client's next token request: store/identity/api_clients.py); ``deleted_at``
keeps a
deleted client's id from being given again, ``tokens_not_before`` refuses its older tokens.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-12 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_clients") as batch:
        batch.add_column(sa.Column("secret_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("previous_secret_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("tokens_not_before", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE api_clients SET secret_hash = 'sha256$' || secret_sha256")
    op.execute(
        "UPDATE api_clients SET previous_secret_hash = 'sha256$' || previous_secret_sha256 "
        "WHERE previous_secret_sha256 IS NOT NULL"
    )
    with op.batch_alter_table("api_clients") as batch:
        batch.alter_column("secret_hash", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("secret_sha256")
        batch.drop_column("previous_secret_sha256")
    # nt24-admin's changes are audited without a user
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM audit_log WHERE user_id IS NULL")
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    # argon2 hashes cannot become digests again: those clients need a new secret
    with op.batch_alter_table("api_clients") as batch:
        batch.add_column(sa.Column("secret_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("previous_secret_sha256", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE api_clients SET secret_sha256 = substr(secret_hash, 8) "
        "WHERE secret_hash LIKE 'sha256$%'"
    )
    op.execute("UPDATE api_clients SET secret_sha256 = '' WHERE secret_sha256 IS NULL")
    with op.batch_alter_table("api_clients") as batch:
        batch.alter_column("secret_sha256", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("tokens_not_before")
        batch.drop_column("deleted_at")
        batch.drop_column("previous_secret_hash")
        batch.drop_column("secret_hash")
