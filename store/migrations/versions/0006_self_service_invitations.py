"""self-service invitations and outgoing mail

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "self_service_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=500), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_message_id", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_self_service_invitations_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_self_service_invitations_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["buyers.id"],
            name=op.f("fk_self_service_invitations_buyer_id_buyers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_service_invitations")),
        sa.UniqueConstraint("uuid", name=op.f("uq_self_service_invitations_uuid")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_self_service_invitations_token_sha256")),
    )
    with op.batch_alter_table("self_service_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_self_service_invitations_organization_id"),
            ["organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_self_service_invitations_buyer_id"), ["buyer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("self_service_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_service_invitations_buyer_id"))
        batch_op.drop_index(batch_op.f("ix_self_service_invitations_organization_id"))
    op.drop_table("self_service_invitations")
