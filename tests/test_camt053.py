"""camt.053 bank statements: the sample files of two message versions, and bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.payments.camt053 import StatementError, parse_statement

pytestmark = pytest.mark.fast

DATA = Path(__file__).parent / "data"


def test_a_camt053_001_02_statement_is_read_entry_by_entry():
    parsed = parse_statement((DATA / "camt053_v02.xml").read_bytes())
    assert (parsed.version, parsed.message_id) == ("camt.053.001.02", "STMT20261130-0001")
    [statement] = parsed.statements
    assert statement.account_iban == "DE89370400440532013000"
    entries = statement.entries
    # the batch entry is split in its two transfers
    assert [e.amount for e in entries] == [59500, 100035, 5000, 1850, 500, 25000]
    first = entries[0]
    assert first.incoming and first.currency == "EUR"
    assert first.booking_date == date(2026, 11, 29)
    assert first.end_to_end_id is None  # NOTPROVIDED is no reference
    assert first.debtor_name == "Acme Fahrzeughandel GmbH"
    assert first.debtor_iban == "DE02120300000000202051"
    assert first.remittance == ("Rechnung 2026-118 Zahlungsreferenz PR7Q 3M9X WK",)
    assert entries[1].remittance == ("PRH4D2KT8N",)  # the structured creditor reference
    assert entries[1].end_to_end_id == "E2E-BV-88123"
    assert entries[2].value_date == date(2026, 11, 30)
    assert [e.incoming for e in entries] == [True, True, True, True, False, False]
    assert not entries[4].credit  # bank charges
    assert entries[5].status == "PDNG"
    assert len({e.entry_key for e in entries}) == len(entries)


def test_a_camt053_001_08_statement_reads_the_newer_shapes():
    parsed = parse_statement((DATA / "camt053_v08.xml").read_bytes())
    assert parsed.version == "camt.053.001.08"
    entries = parsed.statements[0].entries
    assert entries[0].status == "BOOK" and entries[0].incoming
    assert entries[0].booking_date == date(2026, 11, 30)  # from BookgDt/DtTm
    assert entries[0].debtor_name == "Nordic Cars ApS"  # Dbtr/Pty/Nm
    assert entries[0].end_to_end_id == "PR7Q3M9XWK"
    assert entries[1].reversal and not entries[1].incoming


def test_the_same_entry_has_the_same_key_in_every_import():
    data = (DATA / "camt053_v02.xml").read_bytes()
    keys = [e.entry_key for e in parse_statement(data).statements[0].entries]
    assert keys == [e.entry_key for e in parse_statement(data).statements[0].entries]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml", "not well-formed"),
        (b"<Document/>", "not an ISO 20022 camt.053"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"/>',
            "not an ISO 20022 camt.053",
        ),
        (
            b'<!DOCTYPE d [<!ENTITY a "aaaa">]><Document '
            b'xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>',
            "document type declaration",
        ),
        (  # past any look at the file's start
            b"<!-- " + b"x" * 5000 + b' --><!DOCTYPE d [<!ENTITY a "aaaa">]><Document '
            b'xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&a;</Document>',
            "document type declaration",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
            b"<BkToCstmrStmt/></Document>",
            "no statement",
        ),
    ],
)
def test_what_is_not_a_statement_is_refused_with_a_reason(data: bytes, message: str):
    with pytest.raises(StatementError, match=message):
        parse_statement(data)


def test_an_amount_with_three_decimals_names_the_entry():
    data = (DATA / "camt053_v08.xml").read_bytes().replace(b">120.00<", b">120.005<", 1)
    with pytest.raises(StatementError, match="STM-2026-12-01, entry 1: '120.005' has more than"):
        parse_statement(data)
