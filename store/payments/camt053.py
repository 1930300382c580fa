"""ISO 20022 bank-to-customer statements (camt.053): the credits on our collection account.

Read with the standard library's ``xml.etree`` by local element names, so every version of
the message (``urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN``) that keeps the elements below
is read the same way. Tested with .02 (the one most banks still send, SEPA's EPC
recommendation) and .08 (the CBPR+/SEPA 2023+ version); the differences handled are the
entry status (``<Sts>BOOK</Sts>`` up to .06, ``<Sts><Cd>BOOK</Cd></Sts>`` from .07) and the
party (``<Dbtr><Nm>`` up to .06, ``<Dbtr><Pty><Nm>`` from .07).

What is read, per statement (``BkToCstmrStmt/Stmt``): its id, the account IBAN and every
entry (``Ntry``): amount in cents, currency, credit or debit, status, reversal flag, booking
and value date, the bank's reference, and from each transaction (``NtryDtls/TxDtls``) the
end-to-end id, the debtor's name and IBAN, unstructured remittance lines (``RmtInf/Ustrd``)
and the structured creditor reference (``RmtInf/Strd/CdtrRefInf/Ref``). A batch entry with
several transactions, each with its own amount, becomes one entry per transaction.

A document type declaration is refused wherever it stands (the parser stops at it): bank
statements have none, and refusing it shuts out entity expansion and external entities in an
uploaded file.

A text longer than the column that keeps it (``BankStatementImport``, ``BankStatementEntry``)
is refused naming the entry, rather than cut or left for the database to refuse; ISO 20022
allows each far less (35 characters for an id or reference, 140 for a name).
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String

from store.models import BankStatementEntry, BankStatementImport
from workflows.payments.rules.invoice_money import AmountError, cents

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.053\.001\.\d{2})$")
CREDIT, DEBIT = "CRDT", "DBIT"
BOOKED = "BOOK"


class StatementError(ValueError):
    """The file is not a camt.053 statement we can read; the message says where."""


@dataclass(frozen=True)
class StatementEntry:
    entry_key: str  # stable across imports of overlapping statements: finds duplicates
    bank_reference: str | None  # AcctSvcrRef
    credit: bool
    amount: int  # cents, positive
    currency: str
    status: str  # BOOK, PDNG, INFO
    reversal: bool
    booking_date: date | None
    value_date: date | None
    end_to_end_id: str | None
    debtor_name: str | None
    debtor_iban: str | None
    remittance: tuple[str, ...]  # unstructured lines, then the structured reference

    @property
    def incoming(self) -> bool:
        """Money received: a booked credit that does not reverse an earlier entry."""
        return self.credit and self.status == BOOKED and not self.reversal


@dataclass(frozen=True)
class Statement:
    statement_id: str
    account_iban: str | None
    created_at: datetime | None
    entries: tuple[StatementEntry, ...]


@dataclass(frozen=True)
class StatementFile:
    version: str  # e.g. camt.053.001.02
    message_id: str
    statements: tuple[Statement, ...]


def _length(column: ColumnElement[Any]) -> int:
    """The most characters a text column of the import keeps."""
    assert isinstance(column.type, String) and column.type.length is not None
    return column.type.length


_entries_table = BankStatementEntry.__table__.c
MESSAGE_ID = _length(BankStatementImport.__table__.c.message_id)
STATEMENT_ID = _length(_entries_table.statement_id)
ACCOUNT_IBAN = _length(_entries_table.account_iban)
BANK_REFERENCE = _length(_entries_table.bank_reference)
STATUS = _length(_entries_table.bank_status)
END_TO_END_ID = _length(_entries_table.end_to_end_id)
DEBTOR_NAME = _length(_entries_table.debtor_name)
DEBTOR_IBAN = _length(_entries_table.debtor_iban)
# the amount column (a BigInteger) keeps a signed 64-bit integer of cents; ISO 20022 allows
# 18 digits, and 18 digits of whole euros are 10**20 cents, beyond it
assert isinstance(_entries_table.amount.type, BigInteger)
AMOUNT_MAX = 2**63 - 1


def _limited(text: str | None, name: str, limit: int, where: str) -> str | None:
    if text is not None and len(text) > limit:
        raise StatementError(f"{where}: {name} is longer than {limit} characters")
    return text


class _NoDoctype(ET.TreeBuilder):
    """Builds the tree; the parser calls ``doctype`` where a declaration starts, before any
    entity it declares, and the error stops the parse."""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise StatementError("a document type declaration is not allowed")


def parse_statement(data: bytes) -> StatementFile:
    parser = ET.XMLParser(target=_NoDoctype())
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as error:
        raise StatementError(f"not well-formed XML: {error}") from error
    namespace, _, name = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    version = NAMESPACE.match(namespace)
    if name != "Document" or version is None:
        raise StatementError("not an ISO 20022 camt.053 document (namespace camt.053.001.NN)")
    ns = {"c": namespace}
    message = root.find("c:BkToCstmrStmt", ns)
    if message is None:
        raise StatementError("BkToCstmrStmt is missing")
    statements = tuple(
        _statement(s, ns, index) for index, s in enumerate(message.findall("c:Stmt", ns), 1)
    )
    if not statements:
        raise StatementError("the file holds no statement (Stmt)")
    return StatementFile(
        version=version.group(1),
        message_id=_limited(
            _text(message, "c:GrpHdr/c:MsgId", ns), "GrpHdr/MsgId", MESSAGE_ID, "the file"
        )
        or "",
        statements=statements,
    )


def _statement(stmt: ET.Element, ns: dict[str, str], index: int) -> Statement:
    statement_id = (
        _limited(_text(stmt, "c:Id", ns), "Id", STATEMENT_ID, f"statement {index}")
        or f"statement {index}"
    )
    iban = _limited(
        _text(stmt, "c:Acct/c:Id/c:IBAN", ns), "Acct/Id/IBAN", ACCOUNT_IBAN, statement_id
    )
    entries: list[StatementEntry] = []
    for number, entry in enumerate(stmt.findall("c:Ntry", ns), 1):
        where = f"{statement_id}, entry {number}"
        entries.extend(_entries(entry, ns, iban or statement_id, where))
    return Statement(
        statement_id=statement_id,
        account_iban=iban,
        created_at=_datetime(_text(stmt, "c:CreDtTm", ns), statement_id),
        entries=tuple(entries),
    )


def _entries(
    entry: ET.Element, ns: dict[str, str], account: str, where: str
) -> list[StatementEntry]:
    amount, currency = _amount(entry.find("c:Amt", ns), where)
    indicator = _text(entry, "c:CdtDbtInd", ns)
    if indicator not in (CREDIT, DEBIT):
        raise StatementError(f"{where}: CdtDbtInd must be CRDT or DBIT")
    status = _text(entry, "c:Sts/c:Cd", ns) or _text(entry, "c:Sts", ns) or ""
    _limited(status, "Sts", STATUS, where)
    bank_reference = _limited(
        _text(entry, "c:AcctSvcrRef", ns), "AcctSvcrRef", BANK_REFERENCE, where
    )
    reversal = (_text(entry, "c:RvslInd", ns) or "").lower() == "true"
    booking_date = _date(entry.find("c:BookgDt", ns), ns, where)
    value_date = _date(entry.find("c:ValDt", ns), ns, where)
    transactions = entry.findall("c:NtryDtls/c:TxDtls", ns)
    # A batch booked as one entry: each transaction with its own amount is its own payment.
    split = len(transactions) > 1 and all(_tx_amount(tx, ns) is not None for tx in transactions)
    # Each part: its transaction details, amount, currency and direction (None: the entry's).
    parts: list[tuple[ET.Element | None, int, str, bool | None]] = []
    if split:
        for details in transactions:
            tx_amount, tx_currency = _amount(_tx_amount(details, ns), where)
            tx_indicator = _text(details, "c:CdtDbtInd", ns) or indicator
            parts.append((details, tx_amount, tx_currency, tx_indicator == CREDIT))
    else:
        parts.append((transactions[0] if transactions else None, amount, currency, None))
    result = []
    for position, (tx, part_amount, part_currency, part_credit) in enumerate(parts, 1):
        texts = _remittance(tx, ns) if tx is not None else ()
        end_to_end = _text(tx, "c:Refs/c:EndToEndId", ns) if tx is not None else None
        if end_to_end == "NOTPROVIDED":
            end_to_end = None
        _limited(end_to_end, "EndToEndId", END_TO_END_ID, where)
        debtor_name = _debtor_name(tx, ns) if tx is not None else None
        _limited(debtor_name, "Dbtr/Nm", DEBTOR_NAME, where)
        debtor_iban = (
            _text(tx, "c:RltdPties/c:DbtrAcct/c:Id/c:IBAN", ns) if tx is not None else None
        )
        _limited(debtor_iban, "DbtrAcct/Id/IBAN", DEBTOR_IBAN, where)
        key_parts = [account, bank_reference or "", str(position)]
        if not bank_reference:  # no bank reference: what the entry says must identify it
            key_parts += [str(booking_date), str(part_amount), end_to_end or ""]
            key_parts += list(texts)
        result.append(
            StatementEntry(
                entry_key=hashlib.sha256("\x1f".join(key_parts).encode()).hexdigest(),
                bank_reference=bank_reference,
                credit=indicator == CREDIT if part_credit is None else part_credit,
                amount=part_amount,
                currency=part_currency,
                end_to_end_id=end_to_end,
                debtor_name=debtor_name,
                debtor_iban=debtor_iban,
                remittance=texts,
                status=status,
                reversal=reversal,
                booking_date=booking_date,
                value_date=value_date,
            )
        )
    return result


def _tx_amount(tx: ET.Element, ns: dict[str, str]) -> ET.Element | None:
    found = tx.find("c:Amt", ns)  # from .03 on
    return found if found is not None else tx.find("c:AmtDtls/c:TxAmt/c:Amt", ns)


def _amount(element: ET.Element | None, where: str) -> tuple[int, str]:
    if element is None or not element.text:
        raise StatementError(f"{where}: Amt is missing")
    currency = element.get("Ccy", "")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(f"{where}: Amt has no currency (Ccy)")
    try:
        amount = cents(element.text)
    except AmountError as error:
        raise StatementError(f"{where}: {error}") from error
    if amount > AMOUNT_MAX:
        raise StatementError(f"{where}: Amt {element.text.strip()} is larger than any amount kept")
    return amount, currency


def _remittance(tx: ET.Element, ns: dict[str, str]) -> tuple[str, ...]:
    found = tx.findall("c:RmtInf/c:Ustrd", ns) + tx.findall(
        "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", ns
    )
    return tuple(e.text.strip() for e in found if e.text and e.text.strip())


def _debtor_name(tx: ET.Element, ns: dict[str, str]) -> str | None:
    party = "c:RltdPties/c:Dbtr"
    return _text(tx, f"{party}/c:Pty/c:Nm", ns) or _text(tx, f"{party}/c:Nm", ns)


def _text(element: ET.Element, path: str, ns: dict[str, str]) -> str | None:
    found = element.find(path, ns)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _date(element: ET.Element | None, ns: dict[str, str], where: str) -> date | None:
    if element is None:
        return None
    day = _text(element, "c:Dt", ns)
    if day:
        try:
            return date.fromisoformat(day)
        except ValueError as error:
            raise StatementError(f"{where}: not a date: {day!r}") from error
    moment = _datetime(_text(element, "c:DtTm", ns), where)
    return moment.date() if moment else None


def _datetime(text: str | None, where: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise StatementError(f"{where}: not a date and time: {text!r}") from error
