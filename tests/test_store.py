"""The store layer on both databases it supports: SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import bindparam, delete, event, literal_column, select, table, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from store.buyers.buyers import (
    current_buyer_ref,
    ibans_paid_besides,
    known_ibans,
    payment_submitted_at,
)
from store.buyers.queries import BuyerFilter, buyer_version, buyers_of_seller
from store.db import HELD_READERS, READ_POOL_SIZE, Database, PointRead, unreachable
from store.identity import identity
from store.identity.tenancy import Tenant
from store.models import Buyer, Order, OrderChange, Organization, User
from store.orders.queries import order_version
from tests.test_conventions import new_buyer, new_organization


async def test_users_authenticate_with_argon2_hashes(store: Database):
    async with store.transaction() as session:
        org = await identity.create_organization(session, f"Store {id(session)}")
        user = await identity.create_user(
            session, f"u{id(session)}", "correct horse", organization=org
        )
    assert user.password_hash.startswith("$argon2id$")
    async with store.transaction() as session:
        assert await identity.authenticate(session, user.username, "correct horse")
        assert await identity.authenticate(session, user.username, "wrong horse") is None
        assert await identity.authenticate(session, "no-such-user", "correct horse") is None


async def test_tenant_queries_see_only_their_organization(store: Database):
    async with store.transaction() as session:
        a = await identity.create_organization(session, f"A {id(session)}")
        b = await identity.create_organization(session, f"B {id(session)}")
        await identity.create_user(session, f"a{id(session)}", "password1", organization=a)
        await identity.create_user(session, f"b{id(session)}", "password1", organization=b)
    async with store.session() as session:
        names = (await session.scalars(Tenant(a.id).select(User))).all()
    assert [u.organization_id for u in names] == [a.id]


async def test_timestamps_come_back_in_utc(store: Database):
    accepted = datetime(2026, 2, 15, 10, 0, tzinfo=UTC)
    async with store.transaction() as session:
        org = await identity.create_organization(
            session, f"T {id(session)}", dpa_version="2026-01", dpa_accepted_at=accepted
        )
    async with store.session() as session:
        again = await session.get(type(org), org.id)
    assert again.dpa_accepted_at == accepted
    assert again.dpa_accepted_at.tzinfo is not None


async def test_a_buyer_read_again_compares_equal_until_it_changes(store: Database):
    """An order's create compares the buyer read after it with the buyer it was made with, to
    tell it of a change committed meanwhile: an unchanged buyer (its aware instants included)
    must compare equal, a VIES answer or a block must not."""
    org = await new_organization(store)
    buyer = await new_buyer(store, org, version=0)
    checked = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=UTC)
    async with store.transaction() as session:
        await session.execute(
            update(Buyer).where(Buyer.id == buyer.id).values(vies_last_checked_at=checked)
        )
    told = await current_buyer_ref(store, buyer.uuid)
    assert told is not None and told.vies_last_checked_at == checked
    assert await current_buyer_ref(store, buyer.uuid) == told
    async with store.transaction() as session:
        await session.execute(update(Buyer).where(Buyer.id == buyer.id).values(status="BLOCKED"))
    assert await current_buyer_ref(store, buyer.uuid) != told
    assert await current_buyer_ref(store, uuid4()) is None


async def test_created_after_compares_in_utc_to_the_ends_of_the_calendar(store: Database):
    org = await new_organization(store)
    buyer = await new_buyer(store, org, version=0)
    created = datetime(2026, 3, 2, 15, 14, 0, 700_000, tzinfo=UTC)
    async with store.transaction() as session:
        await session.execute(update(Buyer).where(Buyer.id == buyer.id).values(created_at=created))
    plus_one, minus_twelve = timezone(timedelta(hours=1)), timezone(timedelta(hours=-12))
    for moment, found in (
        (datetime(2026, 3, 2, 16, 13, 59, tzinfo=plus_one), True),  # 15:13:59Z
        (datetime(2026, 3, 2, 16, 14, 0, 500_000, tzinfo=plus_one), False),  # its second
        (datetime(2026, 3, 2, 3, 13, 59, tzinfo=minus_twelve), True),
        (datetime(2026, 3, 2, 3, 14, 0, tzinfo=minus_twelve), False),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), True),  # the year 0 in UTC
        (datetime(1, 1, 1), True),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), False),  # its next second: 10000
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=minus_twelve), False),
        (datetime(9999, 12, 31, 23, 59, 59, 999_999), False),
    ):
        query = buyers_of_seller(
            Tenant(org.id), buyer.partner_id, BuyerFilter(created_after=moment)
        )
        async with store.session() as session:
            listed = (await session.scalars(query)).all()
        assert [b.id for b in listed] == ([buyer.id] if found else []), moment


async def test_staff_need_no_organization_but_users_do(store: Database):
    async with store.transaction() as session:
        staff = await identity.create_user(
            session, f"staff{id(session)}", "password1", is_staff=True
        )
        assert staff.organization_id is None
        with pytest.raises(ValueError):
            await identity.create_user(session, f"x{id(session)}", "password1")
    async with store.session() as session:
        assert await session.scalar(select(User.is_staff).where(User.id == staff.id))


async def test_a_one_row_read_sees_the_last_commit_with_its_columns_typed(store: Database):
    # on SQLite a file's one-row reads run in the event loop's thread (store/db.py)
    accepted = datetime(2026, 2, 15, 10, 0, tzinfo=UTC)
    async with store.transaction() as session:
        org = await identity.create_organization(
            session, f"R {id(session)}", dpa_version="2026-01", dpa_accepted_at=accepted
        )
    columns = select(Organization.uuid, Organization.dpa_version, Organization.dpa_accepted_at)
    row = await store.read(columns.where(Organization.id == org.id))
    assert row is not None and tuple(row) == (org.uuid, "2026-01", accepted)
    async with store.transaction() as session:
        await session.execute(
            update(Organization).where(Organization.id == org.id).values(dpa_version="2026-02")
        )
    row = await store.read(columns.where(Organization.id == org.id))
    assert row is not None and row.dpa_version == "2026-02"
    assert await store.read(columns.where(Organization.id == -1)) is None
    with pytest.raises(DBAPIError):  # a failing read raises as it always did
        await store.read(select(literal_column("missing")).select_from(table("no_such_table")))
    row = await store.read(columns.where(Organization.id == org.id))  # and the next one reads
    assert row is not None and row.dpa_version == "2026-02"


async def test_many_reads_at_once_on_postgresql_wait_for_the_read_pool(db: Database):
    """Past the read pool's connections, a read waits for one instead of opening and closing
    a connection of its own (which cost PostgreSQL half a core under 50 concurrent GETs)."""
    reads = db.sync_engines()[1]
    opened: list[object] = []

    def count(connection: object, _record: object) -> None:
        opened.append(connection)

    event.listen(reads, "connect", count)
    query = select(Organization.id).where(Organization.id == -1)
    try:
        rows = await asyncio.gather(*(db.read(query) for _ in range(READ_POOL_SIZE * 4)))
    finally:
        event.remove(reads, "connect", count)
    assert rows == [None] * (READ_POOL_SIZE * 4)
    assert len(opened) <= READ_POOL_SIZE  # with overflow: up to 30 for these 40


async def test_point_reads_on_postgresql_outlive_their_connections(db: Database, pg_url: str):
    """On PostgreSQL, point reads run on a few connections of the read pool held for them,
    many reads at once included; when the server drops those (a restart, an idle timeout on
    the way), the next reads answer all the same, on new ones."""
    name = f"held-readers-{uuid4().hex[:8]}"
    database = Database(pg_url, connect_args={"server_settings": {"application_name": name}})
    backends = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
    try:
        org = await new_organization(database)
        buyer = await new_buyer(database, org, version=4)
        read = buyer_version(Tenant(org.id), buyer.partner_id, buyer.uuid)

        async def versions(count: int) -> list[object]:
            rows = await asyncio.gather(*(database.read(read) for _ in range(count)))
            return [row.version if row is not None else None for row in rows]

        assert await versions(READ_POOL_SIZE * 4) == [4] * (READ_POOL_SIZE * 4)

        async def connections() -> set[int]:
            async with db.session() as session:
                return set((await session.execute(backends, {"name": name})).scalars())

        held_first = await connections()
        assert 1 <= len(held_first) <= HELD_READERS + 1  # the writes' connection may be idle
        # a statement the driver cannot run as compiled goes the usual way, dropping nothing
        expanding = PointRead(
            select(Buyer.version).where(Buyer.id.in_(bindparam("ids", expanding=True))),
            {"ids": [buyer.id]},
        )
        for _ in range(3):
            row = await database.read(expanding)
            assert row is not None and row.version == 4
        held = await connections()
        assert held >= held_first
        async with db.session() as session:
            await session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": name},
            )
        assert await versions(HELD_READERS * 2) == [4] * (HELD_READERS * 2)
        assert await versions(1) == [4]
        renewed = await connections()
        assert renewed and not renewed & held
    finally:
        await database.dispose()


async def test_a_locking_read_waits_for_the_edit_that_locked_the_row_first(store: Database):
    """Two edits of one row, each reading it FOR UPDATE: the second reads what the first wrote.
    On SQLite, which has no FOR UPDATE and opens no transaction for a SELECT, both read the
    same version and wrote it, and one edit was lost."""
    org = await new_organization(store)
    buyer = await new_buyer(store, org, 0)
    first_read = asyncio.Event()
    seen: list[int] = []

    async def edit(first: bool) -> None:
        if not first:
            await first_read.wait()
        async with store.transaction() as session:
            row = await session.scalar(select(Buyer).where(Buyer.id == buyer.id).with_for_update())
            assert row is not None
            seen.append(row.version)
            if first:
                first_read.set()
                await asyncio.sleep(0.3)  # the other edit reads meanwhile, or waits
            row.version += 1

    await asyncio.gather(edit(first=True), edit(first=False))
    assert seen == [0, 1]
    async with store.session() as session:
        assert await session.scalar(select(Buyer.version).where(Buyer.id == buyer.id)) == 2


async def test_a_plain_transaction_commits_what_it_wrote_or_nothing(store: Database):
    # on an SQLite file it runs whole in a worker thread (store/db.py), elsewhere on the async
    # engine's connection; the same plain-session code either way
    accepted = datetime(2026, 2, 15, 10, 0, tzinfo=UTC)
    async with store.transaction() as session:
        org = await identity.create_organization(
            session, f"T {id(session)}", dpa_version="2026-01", dpa_accepted_at=accepted
        )
    loop_thread = threading.get_ident()

    def rename(session: Session) -> int:
        session.execute(
            update(Organization).where(Organization.id == org.id).values(dpa_version="2026-03")
        )
        row = session.get(Organization, org.id)
        assert row is not None and row.dpa_version == "2026-03"  # its own write, unflushed
        return threading.get_ident()

    ran_in = await store.run_transaction(rename)
    assert (ran_in != loop_thread) == (store.engine.dialect.name == "sqlite")
    columns = select(Organization.dpa_version).where(Organization.id == org.id)
    assert await store.read(columns) == ("2026-03",)

    def fail_halfway(session: Session) -> None:
        session.execute(
            update(Organization).where(Organization.id == org.id).values(dpa_version="2026-04")
        )
        raise RuntimeError("halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        await store.run_transaction(fail_halfway)
    assert await store.read(columns) == ("2026-03",)  # rolled back

    # the same on a plain connection, for statements built once
    renamed = update(Organization).where(Organization.id == org.id).values(dpa_version="2026-05")
    changed = await store.run_statements(lambda c: c.execute(renamed).rowcount)
    assert changed == 1 and await store.read(columns) == ("2026-05",)


def test_unreachable_tells_a_database_away_from_a_refused_statement():
    locked = sqlite3.OperationalError("database is locked")
    missing = sqlite3.OperationalError("no such table: orders")
    assert unreachable(ConnectionRefusedError(111, "Connect call failed"))
    assert unreachable(DBAPIError("SELECT 1", {}, locked))
    assert unreachable(PoolTimeout("QueuePool limit reached"))
    assert not unreachable(DBAPIError("SELECT 1", {}, missing))
    assert not unreachable(IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE")))
    assert not unreachable(ValueError("not a database error"))


async def test_a_payment_was_judged_against_the_ibans_of_the_payments_submitted_before_it(
    store: Database,
):
    """A payment is judged against the IBANs the buyer paid from in its other orders when it
    came; the what-if judges it with the same list: an order created first but paid last
    knows the IBAN of an order created after it and paid before; that order does not know the
    first's. A payment written before its order's changes were recorded counts from its
    updatedAt."""
    org = await new_organization(store)
    buyer = await new_buyer(store, org, version=0)
    created = datetime(2026, 3, 2, 10, tzinfo=UTC)
    # (IBAN, when the payment was submitted, whether the order's changes were recorded)
    paid = [
        ("FR1420041010050500013M02606", created + timedelta(days=3), True),
        ("DE89370400440532013000", created + timedelta(days=2), True),
        ("IT60X0542811101000000123456", created + timedelta(days=4), False),
    ]
    orders = []
    async with store.transaction() as session:
        for n, (iban, submitted, recorded) in enumerate(paid):
            order = Order(
                uuid=uuid4(),
                organization_id=org.id,
                partner_id=buyer.partner_id,
                buyer_id=buyer.id,
                external_order_id=f"iban-{n}",
                workflow_id=f"order-{uuid4()}",
                # cancelled since: rows of no workflow, which the what-if pages pass over
                status="CANCELLED",
                compliance_status="INCOMPLETE",
                version=1,
                revision=3,
                order={},
                compliance={},
                transport={},
                export_file={},
                # corrected a day after it was submitted: its updatedAt moved
                payment={
                    "sourceIban": iban,
                    "updatedAt": (submitted + timedelta(days=recorded)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                },
                create_fingerprint="0" * 64,
                created_at=created + timedelta(hours=n),
                updated_at=submitted,
            )
            session.add(order)
            await session.flush()
            orders.append(order)
            if recorded:
                for revision, (at, status) in enumerate(
                    [
                        (created, "CREATED"),
                        (submitted, "PAYMENT_SUBMITTED"),
                        (submitted + timedelta(days=1), "PAYMENT_SUBMITTED"),
                    ]
                ):
                    session.add(
                        OrderChange(
                            order_id=order.id,
                            revision=revision,
                            at=at,
                            source="API",
                            status=status,
                            version=revision,
                        )
                    )
    first, second, unrecorded = orders
    async with store.session() as session:
        when = [await payment_submitted_at(session, order) for order in orders]
        told_first = await ibans_paid_besides(session, first.uuid, submitted_before=when[0])
        told_second = await ibans_paid_besides(session, second.uuid, submitted_before=when[1])
        now_first = await ibans_paid_besides(session, first.uuid)
        all_of_them = await known_ibans(session, buyer.id)
    assert when == [submitted for _, submitted, _ in paid]
    assert told_first == ["DE89370400440532013000"]
    assert told_second == []
    assert now_first == ["DE89370400440532013000", "IT60X0542811101000000123456"]
    assert len(all_of_them) == 3 and unrecorded.payment["sourceIban"] in all_of_them


async def test_point_reads_answer_as_sqlalchemy_would(store: Database):
    """A GET's point read (run by the driver itself, sqlite3 or asyncpg: store/db.py) answers
    the row SQLAlchemy's execution of its statement answers: the same typed values under the
    same names, for a whole row, JSON views, a version inside one, no row, and a statement
    the driver cannot run as compiled."""
    org = await new_organization(store)
    buyer = await new_buyer(store, org, version=4)
    now = datetime.now(UTC)
    order = Order(
        uuid=uuid4(),
        organization_id=org.id,
        partner_id=buyer.partner_id,
        buyer_id=buyer.id,
        external_order_id="point-read",
        workflow_id=f"order-{uuid4()}",
        status="CREATED",
        compliance_status="IN_PROGRESS",
        version=3,
        revision=3,
        order={"status": "CREATED", "price": {"value": 1250, "currency": "EUR"}},
        compliance={"version": 3, "complianceStatus": "IN_PROGRESS", "blockers": []},
        transport={"version": 2, "status": "PENDING"},
        export_file={},
        create_fingerprint="0" * 64,
        created_at=now,
        updated_at=now,
    )
    async with store.transaction() as session:
        session.add(order)
    tenant = Tenant(org.id)
    reads = [
        tenant.one_under_seller(Order, buyer.partner_id, order.uuid),
        tenant.one_under_seller(Order, buyer.partner_id, order.uuid, Order.compliance),
        tenant.one_under_seller(Order, buyer.partner_id, order.uuid, Order.uuid, Order.updated_at),
        order_version(
            tenant, buyer.partner_id, order.uuid, Order.transport["version"].as_integer()
        ),
        buyer_version(tenant, buyer.partner_id, buyer.uuid),
        tenant.one_under_seller(Order, buyer.partner_id, uuid4(), Order.version),
        # SQL completed only at execution (an expanding IN): SQLAlchemy runs it
        PointRead(
            select(Order.uuid, Order.version).where(Order.id.in_(bindparam("ids", expanding=True))),
            {"ids": [order.id, -1]},
        ),
    ]
    try:
        for read in reads * 2:  # the second time from the statement's kept form
            async with store.engine.connect() as connection:
                expected = (await connection.execute(read.statement, read.params)).first()
            row = await store.read(read)
            if expected is None:
                assert row is None
                continue
            assert row is not None
            assert tuple(row) == tuple(expected)
            assert [type(value) for value in row] == [type(value) for value in expected]
            assert row._fields == expected._fields
        assert (await store.read(reads[2])).updated_at == now  # type: ignore[union-attr]
    finally:  # an order with views the worker never writes: the database is shared
        async with store.transaction() as session:
            await session.execute(delete(Order).where(Order.id == order.id))
