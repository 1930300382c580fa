"""Incoming money, by staff: payments recorded against a payment reference, camt.053 bank
statements matched by reference, and write-offs.

Each function works in the caller's session and transaction, acts for a staff member (the
web app and the admin command line call the same functions) and returns, besides what it
did, the ``DunningNotice``s to signal once the transaction has committed
(``api/dunning_commands.notify_dunning``): a payment that leaves nothing owed ends the
invoice's dunning. The invoice row is locked while its sums change, so concurrent payments
add up. Rules (statuses, sums, reference matching): ``workflows/payments/rules/invoice_money.py``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    BankStatementEntry,
    BankStatementImport,
    IncomingPayment,
    InvoiceWriteOff,
    PaymentInvoice,
    PayoutLine,
    User,
    utcnow,
)
from store.payments.camt053 import StatementEntry, parse_statement
from workflows.payments.rules.invoice_money import (
    WRITE_OFFS,
    Balance,
    PaymentStatus,
    normalize_reference,
    reference_candidates,
    write_off_allowed,
)

STAFF, STATEMENT = "STAFF", "STATEMENT"

# What became of a statement entry
MATCHED = "MATCHED"
UNMATCHED = "UNMATCHED"  # no invoice has a reference the transfer quotes
AMBIGUOUS = "AMBIGUOUS"  # it quotes the references of several invoices
CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
NOT_INCOMING = "NOT_INCOMING"  # a debit, a pending credit or a reversal
DUPLICATE = "DUPLICATE"  # already booked from an earlier statement
BOOKED_BY_HAND = "BOOKED_BY_HAND"  # UNMATCHED or AMBIGUOUS, then booked to an invoice by staff
BOOKABLE_BY_HAND = (UNMATCHED, AMBIGUOUS)
PAID_MAX = 2**63 - 1  # PaymentInvoice.paid_amount, a BigInteger: a signed 64-bit integer


class MoneyError(Exception):
    """Refused: ``field`` names what is wrong; ``status`` is the HTTP status it would be."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class DunningNotice:
    invoice_uuid: str
    outstanding: int


@dataclass(frozen=True)
class PaymentRecorded:
    payment_uuid: str
    invoice_uuid: str
    payment_reference: str
    amount: int
    payment_status: str
    outstanding: int
    overpaid: int
    notice: DunningNotice
    # the same form sent again: this is the payment its first sending booked, nothing new
    replayed: bool = False


@dataclass(frozen=True)
class EntryResult:
    statement_id: str
    amount: int
    currency: str
    booking_date: date | None
    debtor_name: str | None
    remittance: tuple[str, ...]
    outcome: str
    payment: PaymentRecorded | None = None


@dataclass
class StatementImported:
    import_uuid: str
    file_sha256: str
    version: str
    already_imported: bool  # the same file again: nothing was booked twice
    entries: list[EntryResult] = field(default_factory=list)

    @property
    def notices(self) -> list[DunningNotice]:
        return [e.payment.notice for e in self.entries if e.payment is not None]


@dataclass(frozen=True)
class WrittenOff:
    invoice_uuid: str
    payment_reference: str
    kind: str
    amount: int
    notice: DunningNotice


def require_staff(user: User) -> str:
    """The staff member's username, or refused: only platform staff handle incoming money."""
    if not (user.is_staff and user.is_active):
        raise MoneyError(f"{user.username} is not active staff", "staff", 403)
    return user.username


async def paid_out(session: AsyncSession, invoice_id: int) -> int:
    """What payouts passed on to the seller for the invoice so far, net."""
    total = await session.scalar(
        select(func.coalesce(func.sum(PayoutLine.amount), 0)).where(
            PayoutLine.invoice_id == invoice_id
        )
    )
    return int(total or 0)


def balance_of(invoice: PaymentInvoice, paid_out: int = 0) -> Balance:
    status = PaymentStatus(invoice.payment_status)
    return Balance(
        total=invoice.total_amount_incl_tax,
        refunded=invoice.refunded_amount_incl_tax,
        received=invoice.paid_amount,
        paid_out=paid_out,
        write_off=status if status in WRITE_OFFS else None,
    )


async def settle_status(session: AsyncSession, invoice: PaymentInvoice, at: datetime) -> Balance:
    """Bring ``payment_status``, ``closed_at`` and the seller flags in line with the sums."""
    balance = balance_of(invoice, await paid_out(session, invoice.id))
    invoice.payment_status = balance.status.value
    if balance.paid_out > 0 and not invoice.paid_to_seller:
        invoice.paid_to_seller, invoice.paid_to_seller_at = True, at
    settled = balance.status == PaymentStatus.PAID_TO_SELLER_SETTLED
    if settled and not invoice.paid_to_seller_settled:
        invoice.paid_to_seller_settled, invoice.paid_to_seller_settled_at = True, at
    if balance.outstanding == 0 and invoice.closed_at is None:
        invoice.closed_at = at
    invoice.updated_at = at
    return balance


async def invoice_by_reference(
    session: AsyncSession, payment_reference: str, *, lock: bool = False
) -> PaymentInvoice:
    query = select(PaymentInvoice).where(
        PaymentInvoice.payment_reference == normalize_reference(payment_reference)
    )
    invoice = await session.scalar(query.with_for_update() if lock else query)
    if invoice is None:
        raise MoneyError(
            f"no invoice has the payment reference {payment_reference!r}", "payment_reference", 404
        )
    return invoice


async def record_payment(
    session: AsyncSession,
    staff: User,
    payment_reference: str,
    amount: int,
    *,
    currency: str | None = None,
    received_on: date | None = None,
    note: str | None = None,
    form_sending: str | None = None,
) -> PaymentRecorded:
    """Book ``amount`` cents the buyer paid against the invoice with ``payment_reference``.
    ``form_sending`` names the web form's sending (api/web/core.py): sent again, it books
    nothing and answers the payment its first sending booked."""
    username = require_staff(staff)
    # locked first: a second sending racing the first waits for it, then finds its payment
    invoice = await invoice_by_reference(session, payment_reference, lock=True)
    if form_sending is not None:
        first = await session.scalar(
            select(IncomingPayment).where(IncomingPayment.form_sending_sha256 == form_sending)
        )
        if first is not None:
            balance = balance_of(invoice, await paid_out(session, invoice.id))
            return _recorded(invoice, first, balance, replayed=True)
    return await _book(
        session,
        invoice,
        amount,
        currency,
        received_on,
        STAFF,
        username,
        note=note,
        form_sending=form_sending,
    )


async def _book(
    session: AsyncSession,
    invoice: PaymentInvoice,
    amount: int,
    currency: str | None,
    received_on: date | None,
    source: str,
    username: str,
    *,
    note: str | None = None,
    entry: BankStatementEntry | None = None,
    form_sending: str | None = None,
) -> PaymentRecorded:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise MoneyError("the amount must be a positive number of cents", "amount")
    if currency is not None and currency.upper() != invoice.currency:
        raise MoneyError(
            f"the invoice is in {invoice.currency}, not {currency.upper()}", "currency"
        )
    if invoice.paid_amount + amount > PAID_MAX:
        raise MoneyError("the amount is larger than an invoice's payments can add up to", "amount")
    now = utcnow()
    payment = IncomingPayment(
        organization_id=invoice.organization_id,
        invoice_id=invoice.id,
        amount=amount,
        currency=invoice.currency,
        received_on=received_on or now.date(),
        source=source,
        statement_entry_id=entry.id if entry is not None else None,
        recorded_by=username,
        note=note,
        form_sending_sha256=form_sending,
    )
    session.add(payment)
    invoice.paid_amount += amount
    balance = await settle_status(session, invoice, now)
    await session.flush()
    return _recorded(invoice, payment, balance)


def _recorded(
    invoice: PaymentInvoice, payment: IncomingPayment, balance: Balance, *, replayed: bool = False
) -> PaymentRecorded:
    """A payment booked to the invoice and where the invoice stands now."""
    return PaymentRecorded(
        payment_uuid=str(payment.uuid),
        invoice_uuid=str(invoice.uuid),
        payment_reference=invoice.payment_reference,
        amount=payment.amount,
        payment_status=invoice.payment_status,
        outstanding=balance.outstanding,
        overpaid=balance.overpaid,
        notice=DunningNotice(str(invoice.uuid), balance.outstanding),
        replayed=replayed,
    )


async def book_entry(
    session: AsyncSession, staff: User, entry_id: int, payment_reference: str
) -> PaymentRecorded:
    """Book a statement entry the import could not match (UNMATCHED, AMBIGUOUS) to the invoice
    staff name: its amount, on its booking date, linked to the entry, which is then
    BOOKED_BY_HAND (so neither it nor the same entry in another statement is booked again)."""
    username = require_staff(staff)
    entry = await session.scalar(
        select(BankStatementEntry).where(BankStatementEntry.id == entry_id).with_for_update()
    )
    if entry is None:
        raise MoneyError("there is no such statement entry", None, 404)
    if entry.outcome not in BOOKABLE_BY_HAND:
        raise MoneyError(
            f"the entry is {entry.outcome.replace('_', ' ').lower()}: only unmatched or ambiguous "
            "entries are booked by hand",
            None,
            409,
        )
    invoice = await invoice_by_reference(session, payment_reference, lock=True)
    if entry.currency != invoice.currency:
        raise MoneyError(
            f"the entry is in {entry.currency}, the invoice in {invoice.currency}",
            "payment_reference",
        )
    booked = await _book(
        session,
        invoice,
        entry.amount,
        entry.currency,
        entry.booking_date,
        STATEMENT,
        username,
        note=f"statement entry booked by hand ({entry.outcome.lower()})",
        entry=entry,
    )
    entry.outcome = BOOKED_BY_HAND
    entry.invoice_id = invoice.id
    return booked


async def import_statement(
    session: AsyncSession, staff: User, data: bytes, file_name: str
) -> StatementImported:
    """Book every incoming credit of a camt.053 file whose texts quote one invoice's reference.

    The same file imported again books nothing and reports the first import; an entry already
    booked from an overlapping statement is a DUPLICATE. A file that cannot be read is refused
    whole (``StatementError``), before anything is written.
    """
    username = require_staff(staff)
    digest = hashlib.sha256(data).hexdigest()
    earlier = await session.scalar(
        select(BankStatementImport).where(BankStatementImport.file_sha256 == digest)
    )
    if earlier is not None:
        return await _report(session, earlier)
    parsed = parse_statement(data)
    statement_import = BankStatementImport(
        file_sha256=digest,
        file_name=file_name[:300],
        version=parsed.version,
        message_id=parsed.message_id,
        imported_by=username,
    )
    session.add(statement_import)
    await session.flush()
    result = StatementImported(str(statement_import.uuid), digest, parsed.version, False)
    for statement in parsed.statements:
        for entry in statement.entries:
            row = _entry_row(
                statement_import.id, statement.statement_id, statement.account_iban, entry
            )
            session.add(row)
            await session.flush()
            payment = await _match(session, row, entry, username)
            result.entries.append(_entry_result(row, payment))
    return result


def _entry_row(
    import_id: int, statement_id: str, iban: str | None, entry: StatementEntry
) -> BankStatementEntry:
    return BankStatementEntry(
        import_id=import_id,
        statement_id=statement_id,
        account_iban=iban,
        entry_key=entry.entry_key,
        bank_reference=entry.bank_reference,
        credit=entry.credit,
        amount=entry.amount,
        currency=entry.currency,
        bank_status=entry.status,
        reversal=entry.reversal,
        booking_date=entry.booking_date,
        value_date=entry.value_date,
        end_to_end_id=entry.end_to_end_id,
        debtor_name=entry.debtor_name,
        debtor_iban=entry.debtor_iban,
        remittance=list(entry.remittance),
        outcome=UNMATCHED,
    )


async def _match(
    session: AsyncSession, row: BankStatementEntry, entry: StatementEntry, username: str
) -> PaymentRecorded | None:
    if not entry.incoming:
        row.outcome = NOT_INCOMING
        return None
    booked_before = await session.scalar(
        select(BankStatementEntry.id).where(
            BankStatementEntry.entry_key == entry.entry_key,
            BankStatementEntry.id != row.id,
            BankStatementEntry.outcome != NOT_INCOMING,
        )
    )
    if booked_before is not None:
        row.outcome = DUPLICATE
        return None
    candidates = reference_candidates([*entry.remittance, entry.end_to_end_id])
    invoices = (
        list(
            await session.scalars(
                select(PaymentInvoice)
                .where(PaymentInvoice.payment_reference.in_(candidates))
                .order_by(PaymentInvoice.id)
                .with_for_update()
            )
        )
        if candidates
        else []
    )
    if len(invoices) != 1:
        row.outcome = AMBIGUOUS if invoices else UNMATCHED
        return None
    [invoice] = invoices
    row.invoice_id = invoice.id
    if entry.currency != invoice.currency:
        row.outcome = CURRENCY_MISMATCH
        return None
    row.outcome = MATCHED
    return await _book(
        session,
        invoice,
        entry.amount,
        entry.currency,
        entry.booking_date,
        STATEMENT,
        username,
        entry=row,
    )


def _entry_result(row: BankStatementEntry, payment: PaymentRecorded | None) -> EntryResult:
    return EntryResult(
        statement_id=row.statement_id,
        amount=row.amount,
        currency=row.currency,
        booking_date=row.booking_date,
        debtor_name=row.debtor_name,
        remittance=tuple(row.remittance),
        outcome=row.outcome,
        payment=payment,
    )


async def _report(session: AsyncSession, earlier: BankStatementImport) -> StatementImported:
    rows = await session.scalars(
        select(BankStatementEntry)
        .where(BankStatementEntry.import_id == earlier.id)
        .order_by(BankStatementEntry.id)
    )
    return StatementImported(
        str(earlier.uuid),
        earlier.file_sha256,
        earlier.version,
        True,
        [_entry_result(row, None) for row in rows],
    )


async def write_off(
    session: AsyncSession, staff: User, payment_reference: str, kind: str, reason: str
) -> WrittenOff:
    """Give up on what the invoice still owes: ``write_off_credit`` or ``write_off_fraud``."""
    username = require_staff(staff)
    try:
        status = PaymentStatus(kind)
    except ValueError:
        status = None
    if status not in WRITE_OFFS:
        raise MoneyError("the kind must be write_off_credit or write_off_fraud", "kind")
    if not reason.strip():
        raise MoneyError("a write-off needs a reason", "reason")
    invoice = await invoice_by_reference(session, payment_reference, lock=True)
    balance = balance_of(invoice)
    refused = write_off_allowed(balance)
    if refused:
        raise MoneyError(refused, "payment_reference", 409)
    session.add(
        InvoiceWriteOff(
            invoice_id=invoice.id,
            kind=status.value,
            amount=balance.outstanding,
            reason=reason.strip()[:500],
            decided_by=username,
        )
    )
    invoice.payment_status = status.value
    await settle_status(session, invoice, utcnow())
    return WrittenOff(
        str(invoice.uuid),
        invoice.payment_reference,
        status.value,
        balance.outstanding,
        DunningNotice(str(invoice.uuid), 0),
    )
