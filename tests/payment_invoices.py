"""Captured invoices for the dunning and money tests, written straight into the database as a
capture writes them (activities/payments/payment_orders.py), and a staff member to act on them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

from sqlalchemy import select

from store.db import Database
from store.identity import identity
from store.models import (
    PaymentCapture,
    PaymentInvoice,
    PaymentInvoiceLine,
    PaymentOrder,
    User,
)
from workflows.payments.rules.dunning import due_date

ADDRESS = {
    "street": "Hauptstraße",
    "house_number": "12",
    "house_number_suffix": None,
    "street_address_1": None,
    "street_address_2": None,
    "region": None,
    "city": "Köln",
    "postal_code": "50667",
    "country": "DE",
}


SAMPLE_STATEMENT = Path(__file__).parent / "data" / "camt053_v02.xml"


def statement_paying(reference: str, amount: int) -> bytes:
    """The sample camt.053 whose first credit quotes ``reference`` for ``amount`` cents; its
    bank references are fresh, so it is not the sample's entries seen again."""
    fresh = secrets.token_hex(4).encode()
    return (
        SAMPLE_STATEMENT.read_bytes()
        .replace(b"PR7Q 3M9X WK", reference.encode())
        .replace(b">595.00<", f">{amount // 100}.{amount % 100:02d}<".encode())
        .replace(b"<AcctSvcrRef>20261129", b"<AcctSvcrRef>" + fresh)
    )


@dataclass
class Invoice:
    uuid: str
    payment_reference: str
    due_at: datetime
    email: str
    partner_id: int


async def seller(db: Database) -> tuple[int, int]:
    """A fresh organization and seller: (organization id, partner id)."""
    suffix = uuid4().hex[:8]
    async with db.transaction() as session:
        org = await identity.create_organization(session, f"Shop {suffix}")
        partner = await identity.create_partner(
            session, org, f"Autoteile {suffix} GmbH", "DE", vat_number="DE136695976"
        )
    return org.id, partner.id


async def captured_invoice(
    db: Database,
    issued_at: datetime,
    *,
    total: int = 595_00,
    terms: int = 14,
    currency: str = "EUR",
    partner: tuple[int, int] | None = None,
    mailbox: str = "buyer",
    locale: str = "de",
) -> Invoice:
    """An order of one line, captured whole at ``issued_at``: its invoice, not paid yet."""
    org_id, partner_id = partner or await seller(db)
    suffix = uuid4().hex[:8]
    email = f"{mailbox}-{suffix}@example.com"  # the mail catcher bounces bounce-...@
    excl = total * 100 // 119
    order_uuid, invoice_uuid = uuid4(), uuid4()
    reference = "NTY" + secrets.token_hex(4).upper()
    async with db.transaction() as session:
        order = PaymentOrder(
            uuid=order_uuid,
            organization_id=org_id,
            partner_id=partner_id,
            workflow_id=f"payment-order-{order_uuid}",
            external_order_uid=f"order-{suffix}",
            status="captured",
            currency=currency,
            locale=locale,
            payment_link_duration=900,
            payment_terms_days=terms,
            total_amount_incl_tax=total,
            total_amount_excl_tax=excl,
            total_amount_tax=total - excl,
            buyer_company={"name": f"Fahrzeughandel {suffix} GmbH", "vat_number": "DE811907980"},
            buyer_representative={"first_name": "Jana", "last_name": "Berg", "email": email},
            shipping_address=ADDRESS,
            billing_address=ADDRESS,
            page_token=secrets.token_hex(16),
            expires_at=issued_at,
            created_at=issued_at,
            updated_at=issued_at,
        )
        session.add(order)
        await session.flush()
        capture = PaymentCapture(
            uuid=uuid4(),
            order_id=order.id,
            number=1,
            total_amount_incl_tax=total,
            total_amount_excl_tax=excl,
            total_amount_tax=total - excl,
            created_at=issued_at,
        )
        session.add(capture)
        await session.flush()
        due = due_date(issued_at, terms)
        invoice = PaymentInvoice(
            uuid=invoice_uuid,
            organization_id=org_id,
            partner_id=partner_id,
            order_id=order.id,
            capture_id=capture.id,
            payment_reference=reference,
            currency=currency,
            total_amount_incl_tax=total,
            total_amount_excl_tax=excl,
            total_amount_tax=total - excl,
            payment_terms_days=terms,
            due_date=due,
            created_at=issued_at,
            updated_at=issued_at,
        )
        session.add(invoice)
        await session.flush()
        session.add(
            PaymentInvoiceLine(
                invoice_id=invoice.id,
                position=1,
                product_id="BRK-4711",
                product_name="Bremsscheiben Satz",
                quantity=1,
                product_price_excl_tax=excl,
                product_price_incl_tax=total,
                product_tax_rate_percentage=Decimal("19"),
                total_product_price_excl_tax=excl,
                total_product_price_incl_tax=total,
            )
        )
    return Invoice(str(invoice_uuid), reference, due, email, partner_id)


async def staff_member(db: Database) -> User:
    async with db.transaction() as session:
        return await identity.create_user(
            session, f"operator-{uuid4().hex[:8]}", "x" * 12, email="ops@example.com", is_staff=True
        )


async def invoice_row(db: Database, invoice_uuid: str) -> PaymentInvoice:
    async with db.session() as session:
        row = await session.scalar(
            select(PaymentInvoice).where(PaymentInvoice.uuid == UUID(invoice_uuid))
        )
    assert row is not None
    return row


def days(n: float) -> timedelta:
    return timedelta(days=n)
