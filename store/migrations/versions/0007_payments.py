"""payments (NOTYD): payment orders, captures, invoices, refunds, dunning, incoming money

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("workflow_id", sa.String(length=300), nullable=False),
        sa.Column("external_webshop_uid", sa.String(length=36), nullable=True),
        sa.Column("external_order_uid", sa.String(length=255), nullable=False),
        sa.Column("order_request_label", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("payment_link_duration", sa.Integer(), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("total_amount_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("captured_amount_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("captured_amount_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("captured_amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.JSON(), nullable=True),
        sa.Column("captured_discount", sa.JSON(), nullable=True),
        sa.Column("buyer_company", sa.JSON(), nullable=False),
        sa.Column("buyer_representative", sa.JSON(), nullable=False),
        sa.Column("shipping_address", sa.JSON(), nullable=False),
        sa.Column("billing_address", sa.JSON(), nullable=False),
        sa.Column("seller_urls", sa.JSON(), nullable=True),
        sa.Column("webhook_urls", sa.JSON(), nullable=True),
        sa.Column("buyer_company_name", sa.String(length=300), nullable=True),
        sa.Column("buyer_registration_number", sa.String(length=100), nullable=True),
        sa.Column("buyer_vat_number", sa.String(length=40), nullable=True),
        sa.Column("representative_email", sa.String(length=254), nullable=True),
        sa.Column("page_token", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credit_check_outcome", sa.String(length=20), nullable=True),
        sa.Column("credit_check_reference", sa.String(length=100), nullable=True),
        sa.Column("credit_check_reason", sa.String(length=300), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_payment_orders_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payment_orders_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_payment_orders_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_orders")),
        sa.UniqueConstraint("uuid", name=op.f("uq_payment_orders_uuid")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_payment_orders_workflow_id")),
    )
    op.create_index(
        op.f("ix_payment_orders_created_at"), "payment_orders", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_payment_orders_external_order_uid"),
        "payment_orders",
        ["external_order_uid"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payment_orders_organization_id"),
        "payment_orders",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payment_orders_partner_id"), "payment_orders", ["partner_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_orders_payment_terms_days"),
        "payment_orders",
        ["payment_terms_days"],
        unique=False,
    )
    op.create_index(op.f("ix_payment_orders_status"), "payment_orders", ["status"], unique=False)
    op.create_table(
        "payment_captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("total_amount_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payment_orders.id"],
            name=op.f("fk_payment_captures_order_id_payment_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_captures")),
        sa.UniqueConstraint("order_id", "number", name=op.f("uq_payment_captures_order_id_number")),
        sa.UniqueConstraint("uuid", name=op.f("uq_payment_captures_uuid")),
    )
    op.create_index(
        op.f("ix_payment_captures_order_id"), "payment_captures", ["order_id"], unique=False
    )
    op.create_table(
        "payment_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=255), nullable=False),
        sa.Column("product_name", sa.String(length=500), nullable=False),
        sa.Column("product_description", sa.String(length=2000), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("product_price_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("product_price_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("product_tax_rate_percentage", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("captured_quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payment_orders.id"],
            name=op.f("fk_payment_order_lines_order_id_payment_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_order_lines")),
        sa.UniqueConstraint(
            "order_id", "position", name=op.f("uq_payment_order_lines_order_id_position")
        ),
    )
    op.create_index(
        op.f("ix_payment_order_lines_order_id"), "payment_order_lines", ["order_id"], unique=False
    )
    op.create_table(
        "payment_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("payment_reference", sa.String(length=20), nullable=False),
        sa.Column("external_invoice_uid", sa.String(length=255), nullable=True),
        sa.Column("invoice_url", sa.String(length=2000), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_amount_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("discount", sa.JSON(), nullable=True),
        sa.Column("refunded_amount_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payment_status", sa.String(length=30), nullable=False),
        sa.Column("dunning_status", sa.Integer(), nullable=False),
        sa.Column("upcoming_payment_reminder_sent", sa.Integer(), nullable=False),
        sa.Column("upcoming_payment_reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invoice_due_sent", sa.Integer(), nullable=False),
        sa.Column("invoice_due_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("free_reminder_sent", sa.Integer(), nullable=False),
        sa.Column("free_reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_1_sent", sa.Integer(), nullable=False),
        sa.Column("reminder_1_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_2_sent", sa.Integer(), nullable=False),
        sa.Column("reminder_2_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_notice_sent", sa.Integer(), nullable=False),
        sa.Column("last_notice_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_hold", sa.Boolean(), nullable=True),
        sa.Column("on_hold_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_to_seller", sa.Boolean(), nullable=False),
        sa.Column("paid_to_seller_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_to_seller_settled", sa.Boolean(), nullable=False),
        sa.Column("paid_to_seller_settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["payment_captures.id"],
            name=op.f("fk_payment_invoices_capture_id_payment_captures"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payment_orders.id"],
            name=op.f("fk_payment_invoices_order_id_payment_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payment_invoices_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_payment_invoices_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_invoices")),
        sa.UniqueConstraint("capture_id", name=op.f("uq_payment_invoices_capture_id")),
        sa.UniqueConstraint(
            "payment_reference", name=op.f("uq_payment_invoices_payment_reference")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_payment_invoices_uuid")),
    )
    op.create_index(
        op.f("ix_payment_invoices_created_at"), "payment_invoices", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_payment_invoices_due_date"), "payment_invoices", ["due_date"], unique=False
    )
    op.create_index(
        op.f("ix_payment_invoices_dunning_status"),
        "payment_invoices",
        ["dunning_status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payment_invoices_external_invoice_uid"),
        "payment_invoices",
        ["external_invoice_uid"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payment_invoices_on_hold"), "payment_invoices", ["on_hold"], unique=False
    )
    op.create_index(
        op.f("ix_payment_invoices_order_id"), "payment_invoices", ["order_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_invoices_organization_id"),
        "payment_invoices",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payment_invoices_partner_id"), "payment_invoices", ["partner_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_invoices_payment_status"),
        "payment_invoices",
        ["payment_status"],
        unique=False,
    )
    op.create_table(
        "payment_invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=255), nullable=False),
        sa.Column("product_name", sa.String(length=500), nullable=False),
        sa.Column("product_description", sa.String(length=2000), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("product_price_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("product_price_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("product_tax_rate_percentage", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("total_product_price_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_product_price_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("refunded_quantity", sa.Integer(), nullable=False),
        sa.Column("refunded_amount_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount_incl_tax", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payment_invoices.id"],
            name=op.f("fk_payment_invoice_lines_invoice_id_payment_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_invoice_lines")),
    )
    op.create_index(
        op.f("ix_payment_invoice_lines_invoice_id"),
        "payment_invoice_lines",
        ["invoice_id"],
        unique=False,
    )
    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("external_refund_uid", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("total_amount_incl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_excl_tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_tax", sa.BigInteger(), nullable=False),
        sa.Column("refund_lines", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payment_invoices.id"],
            name=op.f("fk_payment_refunds_invoice_id_payment_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["payment_orders.id"],
            name=op.f("fk_payment_refunds_order_id_payment_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payment_refunds_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_refunds")),
        sa.UniqueConstraint("uuid", name=op.f("uq_payment_refunds_uuid")),
    )
    op.create_index(
        op.f("ix_payment_refunds_invoice_id"), "payment_refunds", ["invoice_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_refunds_order_id"), "payment_refunds", ["order_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_refunds_organization_id"),
        "payment_refunds",
        ["organization_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_refunds_organization_id"), table_name="payment_refunds")
    op.drop_index(op.f("ix_payment_refunds_order_id"), table_name="payment_refunds")
    op.drop_index(op.f("ix_payment_refunds_invoice_id"), table_name="payment_refunds")
    op.drop_table("payment_refunds")
    op.drop_index(op.f("ix_payment_invoice_lines_invoice_id"), table_name="payment_invoice_lines")
    op.drop_table("payment_invoice_lines")
    op.drop_index(op.f("ix_payment_invoices_payment_status"), table_name="payment_invoices")
    op.drop_index(op.f("ix_payment_invoices_partner_id"), table_name="payment_invoices")
    op.drop_index(op.f("ix_payment_invoices_organization_id"), table_name="payment_invoices")
    op.drop_index(op.f("ix_payment_invoices_order_id"), table_name="payment_invoices")
    op.drop_index(op.f("ix_payment_invoices_on_hold"), table_name="payment_invoices")
    op.drop_index(op.f("ix_payment_invoices_external_invoice_uid"), table_name="payment_invoices")
    op.drop_index(op.f("ix_payment_invoices_dunning_status"), table_name="payment_invoices")
    op.drop_index(op.f("ix_payment_invoices_due_date"), table_name="payment_invoices")
    op.drop_index(op.f("ix_payment_invoices_created_at"), table_name="payment_invoices")
    op.drop_table("payment_invoices")
    op.drop_index(op.f("ix_payment_order_lines_order_id"), table_name="payment_order_lines")
    op.drop_table("payment_order_lines")
    op.drop_index(op.f("ix_payment_captures_order_id"), table_name="payment_captures")
    op.drop_table("payment_captures")
    op.drop_index(op.f("ix_payment_orders_status"), table_name="payment_orders")
    op.drop_index(op.f("ix_payment_orders_payment_terms_days"), table_name="payment_orders")
    op.drop_index(op.f("ix_payment_orders_partner_id"), table_name="payment_orders")
    op.drop_index(op.f("ix_payment_orders_organization_id"), table_name="payment_orders")
    op.drop_index(op.f("ix_payment_orders_external_order_uid"), table_name="payment_orders")
    op.drop_index(op.f("ix_payment_orders_created_at"), table_name="payment_orders")
    op.drop_table("payment_orders")
