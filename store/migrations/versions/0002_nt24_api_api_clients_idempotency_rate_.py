"""nt24 api: api clients, idempotency, rate limits, buyers, contacts, pii log, vies checks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:37:42.332978
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=150), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("previous_secret_sha256", sa.String(length=64), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_api_clients_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_clients_client_id")),
    )
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_clients_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_idempotency_records_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint(
            "organization_id", "key", name=op.f("uq_idempotency_records_organization_id_key")
        ),
    )
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_records_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "rate_limit_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_rate_limit_counters_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_counters")),
        sa.UniqueConstraint(
            "organization_id",
            "category",
            "window_start",
            name=op.f("uq_rate_limit_counters_organization_id_category_window_start"),
        ),
    )
    op.create_table(
        "buyers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("vat_number", sa.String(length=20), nullable=False),
        sa.Column("company_name", sa.String(length=300), nullable=False),
        sa.Column("address_uuid", sa.Uuid(), nullable=False),
        sa.Column("street", sa.String(length=300), nullable=False),
        sa.Column("post_code", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kyc_mode", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("blocked_reason", sa.String(length=500), nullable=True),
        sa.Column("vies_result", sa.String(length=20), nullable=False),
        sa.Column("vies_last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_buyers_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_buyers_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyers")),
        sa.UniqueConstraint(
            "partner_id", "vat_number", name=op.f("uq_buyers_partner_id_vat_number")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_buyers_uuid")),
    )
    with op.batch_alter_table("buyers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_buyers_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_buyers_vat_number"), ["vat_number"], unique=False)

    op.create_table(
        "buyer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=150), nullable=False),
        sa.Column("last_name", sa.String(length=150), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_buyer_contacts_buyer_id_buyers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_contacts")),
        sa.UniqueConstraint("uuid", name=op.f("uq_buyer_contacts_uuid")),
    )
    with op.batch_alter_table("buyer_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buyer_contacts_buyer_id"), ["buyer_id"], unique=False)

    op.create_table(
        "pii_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("resource", sa.String(length=500), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("trace_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_pii_access_log_buyer_id_buyers")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_pii_access_log_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pii_access_log")),
    )
    with op.batch_alter_table("pii_access_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pii_access_log_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "vies_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=True),
        sa.Column("vat_number", sa.String(length=20), nullable=False),
        sa.Column("requester_vat_number", sa.String(length=20), nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_date", sa.String(length=40), nullable=True),
        sa.Column("request_identifier", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("address", sa.String(length=1000), nullable=True),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=True),
        sa.Column("workflow_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["buyers.id"], name=op.f("fk_vies_checks_buyer_id_buyers")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_vies_checks_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vies_checks")),
        sa.UniqueConstraint("uuid", name=op.f("uq_vies_checks_uuid")),
    )
    with op.batch_alter_table("vies_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vies_checks_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_vies_checks_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("vies_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vies_checks_organization_id"))
        batch_op.drop_index(batch_op.f("ix_vies_checks_buyer_id"))

    op.drop_table("vies_checks")
    with op.batch_alter_table("pii_access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pii_access_log_organization_id"))

    op.drop_table("pii_access_log")
    with op.batch_alter_table("buyer_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buyer_contacts_buyer_id"))

    op.drop_table("buyer_contacts")
    with op.batch_alter_table("buyers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buyers_vat_number"))
        batch_op.drop_index(batch_op.f("ix_buyers_organization_id"))

    op.drop_table("buyers")
    op.drop_table("rate_limit_counters")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_records_expires_at"))

    op.drop_table("idempotency_records")
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_clients_organization_id"))

    op.drop_table("api_clients")
