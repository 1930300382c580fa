"""KYC verification: identity sessions, provider callbacks, AML screenings, signed KYC profiles

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("buyers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "verification_status",
                sa.String(length=20),
                nullable=False,
                server_default="NOT_STARTED",
            )
        )
        batch_op.add_column(sa.Column("aml_status", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("verification_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "verification_expired", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    op.create_table(
        "kyc_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=120), nullable=False),
        sa.Column("scan_ref", sa.String(length=100), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("identity_status", sa.String(length=20), nullable=True),
        sa.Column("fraud_tags", sa.JSON(), nullable=False),
        sa.Column("mismatch_tags", sa.JSON(), nullable=False),
        sa.Column("person", sa.JSON(), nullable=True),
        sa.Column("aml_status", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("profile_sha256", sa.String(length=64), nullable=True),
        sa.Column("profile_size", sa.Integer(), nullable=True),
        sa.Column("profile_generated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_kyc_verifications_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_kyc_verifications_buyer_id_buyers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kyc_verifications")),
        sa.UniqueConstraint("session_id", name=op.f("uq_kyc_verifications_session_id")),
        sa.UniqueConstraint("scan_ref", name=op.f("uq_kyc_verifications_scan_ref")),
    )
    with op.batch_alter_table("kyc_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kyc_verifications_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_kyc_verifications_buyer_id"), ["buyer_id"], unique=False
        )

    op.create_table(
        "aml_screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("verification_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("full_name", sa.String(length=300), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("date_of_birth", sa.String(length=10), nullable=True),
        sa.Column("check_id", sa.String(length=100), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("top_score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["verification_id"],
            ["kyc_verifications.id"],
            name=op.f("fk_aml_screenings_verification_id_kyc_verifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aml_screenings")),
        sa.UniqueConstraint(
            "verification_id", "subject", name=op.f("uq_aml_screenings_verification_id_subject")
        ),
    )
    with op.batch_alter_table("aml_screenings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aml_screenings_verification_id"), ["verification_id"], unique=False
        )

    op.create_table(
        "provider_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signature_valid", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("scan_ref", sa.String(length=100), nullable=True),
        sa.Column("client_id", sa.String(length=100), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=True),
        sa.Column("overall_status", sa.String(length=20), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_callbacks")),
    )
    with op.batch_alter_table("provider_callbacks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provider_callbacks_scan_ref"), ["scan_ref"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_provider_callbacks_body_sha256"), ["body_sha256"], unique=False
        )


def downgrade() -> None:
    op.drop_table("provider_callbacks")
    op.drop_table("aml_screenings")
    op.drop_table("kyc_verifications")
    with op.batch_alter_table("buyers", schema=None) as batch_op:
        batch_op.drop_column("verification_expired")
        batch_op.drop_column("verification_expires_at")
        batch_op.drop_column("aml_status")
        batch_op.drop_column("verification_status")
