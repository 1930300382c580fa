"""payments money: incoming payments, bank statement imports and entries, write-offs, payouts,
dunning letters

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_statement_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("imported_by", sa.String(length=150), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_imports")),
        sa.UniqueConstraint("file_sha256", name=op.f("uq_bank_statement_imports_file_sha256")),
        sa.UniqueConstraint("uuid", name=op.f("uq_bank_statement_imports_uuid")),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payouts_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_payouts_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("reference", name=op.f("uq_payouts_reference")),
        sa.UniqueConstraint("uuid", name=op.f("uq_payouts_uuid")),
    )
    op.create_index(
        op.f("ix_payouts_organization_id"), "payouts", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_payouts_partner_id"), "payouts", ["partner_id"], unique=False)
    op.create_index(op.f("ix_payouts_run_id"), "payouts", ["run_id"], unique=False)
    op.create_table(
        "bank_statement_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=100), nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=True),
        sa.Column("entry_key", sa.String(length=64), nullable=False),
        sa.Column("bank_reference", sa.String(length=100), nullable=True),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bank_status", sa.String(length=10), nullable=False),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=100), nullable=True),
        sa.Column("debtor_name", sa.String(length=300), nullable=True),
        sa.Column("debtor_iban", sa.String(length=34), nullable=True),
        sa.Column("remittance", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["bank_statement_imports.id"],
            name=op.f("fk_bank_statement_entries_import_id_bank_statement_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payment_invoices.id"],
            name=op.f("fk_bank_statement_entries_invoice_id_payment_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_entries")),
    )
    op.create_index(
        op.f("ix_bank_statement_entries_entry_key"),
        "bank_statement_entries",
        ["entry_key"],
        unique=False,
    )
    op.create_index(
        op.f("ix_bank_statement_entries_import_id"),
        "bank_statement_entries",
        ["import_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_bank_statement_entries_invoice_id"),
        "bank_statement_entries",
        ["invoice_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_bank_statement_entries_outcome"),
        "bank_statement_entries",
        ["outcome"],
        unique=False,
    )
    op.create_table(
        "dunning_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("letter_key", sa.String(length=60), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("instalment_number", sa.Integer(), nullable=True),
        sa.Column("amount_due", sa.BigInteger(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payment_invoices.id"],
            name=op.f("fk_dunning_letters_invoice_id_payment_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_letters")),
        sa.UniqueConstraint(
            "invoice_id", "letter_key", name=op.f("uq_dunning_letters_invoice_id_letter_key")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_dunning_letters_uuid")),
    )
    op.create_index(
        op.f("ix_dunning_letters_invoice_id"), "dunning_letters", ["invoice_id"], unique=False
    )
    op.create_table(
        "invoice_write_offs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("decided_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payment_invoices.id"],
            name=op.f("fk_invoice_write_offs_invoice_id_payment_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_write_offs")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_invoice_write_offs_invoice_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_invoice_write_offs_uuid")),
    )
    op.create_table(
        "payout_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payout_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payment_invoices.id"],
            name=op.f("fk_payout_lines_invoice_id_payment_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payouts.id"], name=op.f("fk_payout_lines_payout_id_payouts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_lines")),
    )
    op.create_index(
        op.f("ix_payout_lines_invoice_id"), "payout_lines", ["invoice_id"], unique=False
    )
    op.create_index(op.f("ix_payout_lines_payout_id"), "payout_lines", ["payout_id"], unique=False)
    op.create_table(
        "incoming_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("statement_entry_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=150), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["payment_invoices.id"],
            name=op.f("fk_incoming_payments_invoice_id_payment_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_incoming_payments_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_entry_id"],
            ["bank_statement_entries.id"],
            name=op.f("fk_incoming_payments_statement_entry_id_bank_statement_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_payments")),
        sa.UniqueConstraint(
            "statement_entry_id", name=op.f("uq_incoming_payments_statement_entry_id")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_incoming_payments_uuid")),
    )
    op.create_index(
        op.f("ix_incoming_payments_invoice_id"), "incoming_payments", ["invoice_id"], unique=False
    )
    op.create_index(
        op.f("ix_incoming_payments_organization_id"),
        "incoming_payments",
        ["organization_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incoming_payments_organization_id"), table_name="incoming_payments")
    op.drop_index(op.f("ix_incoming_payments_invoice_id"), table_name="incoming_payments")
    op.drop_table("incoming_payments")
    op.drop_index(op.f("ix_payout_lines_payout_id"), table_name="payout_lines")
    op.drop_index(op.f("ix_payout_lines_invoice_id"), table_name="payout_lines")
    op.drop_table("payout_lines")
    op.drop_table("invoice_write_offs")
    op.drop_index(op.f("ix_dunning_letters_invoice_id"), table_name="dunning_letters")
    op.drop_table("dunning_letters")
    op.drop_index(op.f("ix_bank_statement_entries_outcome"), table_name="bank_statement_entries")
    op.drop_index(op.f("ix_bank_statement_entries_invoice_id"), table_name="bank_statement_entries")
    op.drop_index(op.f("ix_bank_statement_entries_import_id"), table_name="bank_statement_entries")
    op.drop_index(op.f("ix_bank_statement_entries_entry_key"), table_name="bank_statement_entries")
    op.drop_table("bank_statement_entries")
    op.drop_index(op.f("ix_payouts_run_id"), table_name="payouts")
    op.drop_index(op.f("ix_payouts_partner_id"), table_name="payouts")
    op.drop_index(op.f("ix_payouts_organization_id"), table_name="payouts")
    op.drop_table("payouts")
    op.drop_table("bank_statement_imports")
