"""Engine and sessions for the application database (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

import asyncio
import contextvars
import socket
import sqlite3
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import Connection, CursorResult, Engine, Row, Select, event, make_url
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool
from sqlalchemy.sql.dml import UpdateBase


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the worker writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _locking_reads_take_the_write_lock(
    connection: Connection,
    cursor: Any,
    _statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    """SQLite has no SELECT ... FOR UPDATE (its compiler leaves the clause out), and its driver
    opens no transaction for a SELECT: two edits that read one row "locked" at one version both
    wrote it, and one was lost. A locking read begins its transaction IMMEDIATE instead, taking
    the database's write lock until the transaction ends; the next one waits for it there (the
    busy timeout), then reads what the first wrote."""
    compiled = getattr(context, "compiled", None)
    if compiled is None or getattr(compiled.statement, "_for_update_arg", None) is None:
        return
    dbapi: Any = connection.connection.dbapi_connection
    sqlite = getattr(dbapi, "_connection", dbapi)  # aiosqlite's adapter holds its connection
    if not sqlite.in_transaction:
        cursor.execute("BEGIN IMMEDIATE")


def _read_only_here(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # never waits for a lock on the event loop (a busy read goes the usual way) and never writes
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_file_engine(url: str, **kwargs: Any) -> Engine | None:
    """A plain sqlite3 engine on the same SQLite file; None for another database or one only
    in memory (another connection would not see it)."""
    parsed = make_url(url)
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or not database or database == ":memory:":
        return None
    if parsed.query.get("mode") == "memory":
        return None
    return create_sync_engine(parsed.set(drivername="sqlite+pysqlite"), **kwargs)


def _point_read_engine(url: str) -> Engine | None:
    """For ``Database.read`` in the event loop's own thread."""
    engine = _sqlite_file_engine(url, poolclass=StaticPool)
    if engine is not None:
        event.listen(engine, "connect", _read_only_here)
    return engine


def _worker_thread_engine(url: str) -> Engine | None:
    """For ``Database.run_transaction`` in a worker thread: connections set up as the async
    engine's."""
    engine = _sqlite_file_engine(url)
    if engine is not None:
        _set_up_sqlite(engine)
    return engine


def _set_up_sqlite(engine: Engine) -> None:
    """A writing SQLite engine's connections: its pragmas, and locking reads that lock."""
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "before_cursor_execute", _locking_reads_take_the_write_lock)


def create_engine(url: str, **kwargs: object) -> AsyncEngine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        _set_up_sqlite(engine.sync_engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # No ping at each checkout (a BEGIN, a ";" and a ROLLBACK before every read): a connection
    # the server dropped fails its next statement, asyncpg's disconnect detection then empties
    # the pool, and a read (``Database.read``) retries once. Connections are replaced after
    # half an hour, before an idle timeout on the way can cut them.
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, **kwargs)


# A result row of any width: SQLAlchemy types a Row by each of its columns' types
AnyRow = Row[*tuple[Any, ...]]
_Done = TypeVar("_Done")
_Work = TypeVar("_Work")


@dataclass(frozen=True)
class PointRead:
    """A SELECT built once with bind parameters (``Tenant.one_under_seller``) and the values
    of one run. SQLAlchemy then reuses the statement's cache key and compiled
    form: building a statement anew and hashing it costs several times what running it does
    (110 against 22 µs for an order's JSON view on SQLite)."""

    statement: Select[Any]
    params: Mapping[str, Any]


@dataclass
class _DriverRead:
    """A point read as the driver itself runs it (sqlite3, asyncpg). SQLAlchemy compiles the
    statement once, and the values and the columns go through their types' own conversions,
    as SQLAlchemy's execution would convert them; what is left out is the rest of that
    execution (its context, result and row objects): on SQLite two thirds of such a read's
    CPU, 24 against 10 µs alone; on PostgreSQL, with the connection's checkout from the pool,
    about 280 against 80 µs."""

    sql: str
    bound: Callable[..., Mapping[str, Any]]  # every bind's value, its default when not given
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # in the SQL's order
    columns: tuple[Callable[[Any], Any] | None, ...]
    row: Callable[[Iterable[Any]], Any] | None = None  # named as the SQL names its columns

    @classmethod
    def of(cls, statement: Select[Any], dialect: Dialect) -> _DriverRead | None:
        """None for a statement whose SQL is only complete at execution (an expanding IN,
        a literal rendered then): SQLAlchemy runs those."""
        compiled = statement.compile(dialect=dialect)
        if compiled.post_compile_params:
            return None
        # both drivers' parameters are positional: pysqlite's "?", asyncpg's "$1"
        assert compiled.positiontup is not None
        binds = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup
        )
        columns = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
        return cls(str(compiled), compiled.construct_params, binds, columns)

    def arguments(self, given: Mapping[str, Any]) -> tuple[Any, ...]:
        values = self.bound(given)
        return tuple(
            values[name] if convert is None else convert(values[name])
            for name, convert in self.binds
        )

    def announce(self, connection: Connection, given: Mapping[str, Any]) -> None:
        """To the engine's statement listeners, which still see it (the bench counts them)."""
        for listener in connection.engine.dispatch.before_cursor_execute:
            listener(connection, None, self.sql, given, None, False)

    def first(self, connection: DBAPIConnection, given: Mapping[str, Any]) -> Any:
        """On an sqlite3 connection."""
        cursor = connection.execute(self.sql, self.arguments(given))
        found = cursor.fetchone()
        if found is None:
            return None
        return self._row(found, lambda: [column[0] for column in cursor.description])

    async def first_on(self, connection: asyncpg.Connection, given: Mapping[str, Any]) -> Any:
        """On an asyncpg connection (its prepared statements are kept by asyncpg)."""
        found = await connection.fetchrow(self.sql, *self.arguments(given))
        if found is None:
            return None
        return self._row(found.values(), found.keys)

    def _row(self, found: Iterable[Any], names: Callable[[], Iterable[str]]) -> Any:
        if self.row is None:  # SQLAlchemy's row names too: its labels in the SQL
            row: Any = namedtuple("Row", list(names()))  # type: ignore[misc]
            self.row = row._make
        return self.row(
            value if convert is None else convert(value)
            for value, convert in zip(found, self.columns, strict=True)
        )


class _HeldReaders:
    """A few of the read pool's connections (PostgreSQL) kept checked out for point reads,
    run on their asyncpg connections: checking one out and back in through SQLAlchemy's
    async pool, a greenlet each way, cost more than the read itself. A read takes an idle
    one, or opens one while fewer than ``most`` are held, or waits for one; any error of a
    connection drops it (the read then goes the usual way, which retries and maps errors)."""

    def __init__(self, engine: AsyncEngine, most: int) -> None:
        self._engine = engine
        self._most = most
        self._idle: list[_Held] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # asyncpg's connections are its
        self._dropping: set[asyncio.Task[None]] = set()

    def usable(self) -> bool:
        """Whether this loop holds them (the first one to read does)."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop, self._slots = loop, asyncio.Semaphore(self._most)
        return loop is self._loop

    async def first(self, plan: _DriverRead, given: Mapping[str, Any]) -> Any:
        """The read's row; raises ``_Dropped`` when its connection failed."""
        assert self._slots is not None
        async with self._slots:
            held = self._idle.pop() if self._idle else await self._connect()
            plan.announce(held.statements, given)
            try:
                found = await plan.first_on(held.driver, given)
            except Exception as error:  # asyncpg's own, a socket's, its protocol's state ...
                await self._drop(held)
                raise _Dropped from error
            except BaseException:  # cancelled mid-statement: the connection's state is unknown
                self._dropping.add(task := asyncio.ensure_future(self._drop(held)))
                task.add_done_callback(self._dropping.discard)
                raise
            self._idle.append(held)
            return found

    async def _connect(self) -> _Held:
        connection = await self._engine.connect()
        try:
            raw = await connection.get_raw_connection()
        except BaseException:
            await connection.close()
            raise
        assert connection.sync_connection is not None  # connected
        return _Held(connection, connection.sync_connection, raw.driver_connection)

    @staticmethod
    async def _drop(held: _Held) -> None:
        try:
            await held.connection.invalidate()
        finally:
            await held.connection.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for held in idle:
            await held.connection.close()


@dataclass(frozen=True)
class _Held:
    connection: AsyncConnection  # checked out of the read pool
    statements: Connection  # what the engine's statement listeners are given
    driver: asyncpg.Connection


class _Dropped(Exception):
    """A held reader's connection failed."""


# Point reads' statements a database keeps run by the driver (a few per model and columns)
MAX_DRIVER_READS = 128
# Connections of the point reads' own pool (PostgreSQL), and how many of them point reads
# hold; the others serve every other read, and the point reads when a held one failed
READ_POOL_SIZE = 10
HELD_READERS = 4


class Database:
    """One engine and its session factory; the API and the worker each hold one."""

    def __init__(self, url: str, **engine_kwargs: object) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # A one-statement read needs no transaction: on PostgreSQL, in autocommit, it is one
        # round trip instead of BEGIN, statement, ROLLBACK. Its connections are a pool of their
        # own without overflow: a read holds one for a single statement, so under load it waits
        # a moment for one rather than open and close a connection of its own past the pool
        # (at 50 concurrent GETs that churn cost PostgreSQL half a core and halved the API's
        # rate).
        self._reads = (
            self.engine
            if self.engine.dialect.name == "sqlite"
            else create_engine(
                url,
                pool_size=READ_POOL_SIZE,
                max_overflow=0,
                isolation_level="AUTOCOMMIT",
                **engine_kwargs,
            )
        )
        # On SQLite a one-row read by an indexed key takes microseconds in the event loop's
        # thread, where aiosqlite's round trips to its connection's thread cost ~300 µs of CPU.
        # WAL lets it read while another connection writes; pysqlite opens no transaction for
        # a SELECT, so each read sees the last commit and holds nothing afterwards.
        self._reads_here = _point_read_engine(url)
        # ... and on one connection held for them, in autocommit: checking a connection out of
        # the pool and back, with the transaction SQLAlchemy would begin and roll back around
        # the SELECT, cost a read on SQLite a third of its CPU.
        self._reader: Connection | None = None
        # the point reads' statements as their driver runs them (None: SQLAlchemy runs them)
        self._driver_reads: dict[Select[Any], _DriverRead | None] = {}
        # On PostgreSQL, a few of the read pool's connections held for them, in autocommit
        self._held = None if self._reads is self.engine else _HeldReaders(self._reads, HELD_READERS)
        self._transactions_in_thread = _worker_thread_engine(url)
        # SQLite lets one connection write at a time, and one that finds the file locked sleeps
        # in SQLite's busy handler (1, 2, 5, 10, 15 ms ...) before it looks again: in a
        # lifecycle bench the worker's transactions spent 6 s of 20 asleep there, waiting for
        # each other. They queue for one thread of their own instead, in order.
        self._writer: ThreadPoolExecutor | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            yield session

    async def run_transaction(self, work: Callable[[Session], _Done]) -> _Done:
        """``work``'s statements in one transaction, with a plain session, committed when it
        returns. On an SQLite file the whole of it runs in one trip to a worker thread, where
        an async session makes several per statement through aiosqlite (about 400 µs of CPU
        each against 30); elsewhere it runs on the async engine's connection (``run_sync``)."""
        if self._transactions_in_thread is None:
            async with self.transaction() as session:
                return await session.run_sync(work)
        return await self._in_writer_thread(self._transaction_here, work)

    @staticmethod
    def _transaction_here(engine: Engine, work: Callable[[Session], _Done]) -> _Done:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return work(session)

    async def run_statements(self, work: Callable[[Connection], _Done]) -> _Done:
        """``run_transaction`` on a plain connection, without an ORM session: for a statement
        or two built once (the Idempotency-Key claim and stored answer)."""
        if self._transactions_in_thread is None:
            async with self.engine.begin() as connection:
                return await connection.run_sync(work)
        return await self._in_writer_thread(self._statements_here, work)

    async def _in_writer_thread(self, run: Callable[[Engine, _Work], _Done], work: _Work) -> _Done:
        engine = self._transactions_in_thread
        assert engine is not None
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        # with the caller's context variables, as asyncio.to_thread (the activity's, the log's)
        call = partial(contextvars.copy_context().run, run, engine, work)
        return await asyncio.get_running_loop().run_in_executor(self._writer, call)

    @staticmethod
    def _statements_here(engine: Engine, work: Callable[[Connection], _Done]) -> _Done:
        with engine.begin() as connection:
            return work(connection)

    async def read(self, query: Select[Any] | PointRead) -> AnyRow | None:
        """The first row of one SELECT, without an ORM session (on PostgreSQL outside a
        transaction); read again on a new connection when the pooled one turns out dropped
        (the database restarted)."""
        statement, params = (
            (query.statement, query.params) if isinstance(query, PointRead) else (query, None)
        )
        if self._reads_here is not None:
            try:
                reader = self._held_reader(self._reads_here)
                if (
                    isinstance(query, PointRead)
                    and (plan := self._plan(query, reader.dialect)) is not None
                ):
                    return self._on_driver(reader, plan, query.params)
                return reader.execute(statement, params).first()
            except (DBAPIError, sqlite3.Error):
                self._drop_reader()  # locked, or anything else: the usual way waits, or raises
        elif isinstance(query, PointRead) and self._held is not None and self._held.usable():
            plan = self._plan(query, self._reads.dialect)
            if plan is not None:
                try:
                    return await self._held.first(plan, query.params)
                except _Dropped:
                    pass  # the usual way retries on a new connection, or raises what it meets
        try:
            return await self._first(statement, params)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        return await self._first(statement, params)

    def _held_reader(self, engine: Engine) -> Connection:
        if self._reader is None:
            self._reader = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._reader

    @staticmethod
    def _on_driver(
        reader: Connection, plan: _DriverRead, given: Mapping[str, Any]
    ) -> AnyRow | None:
        connection = reader.connection.dbapi_connection
        assert connection is not None
        plan.announce(reader, given)
        return plan.first(connection, given)

    def _plan(self, query: PointRead, dialect: Dialect) -> _DriverRead | None:
        try:
            return self._driver_reads[query.statement]
        except KeyError:
            if len(self._driver_reads) >= MAX_DRIVER_READS:
                self._driver_reads.clear()  # statements built per call are not kept forever
            plan = self._driver_reads[query.statement] = _DriverRead.of(query.statement, dialect)
            return plan

    def _drop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()

    async def _first(
        self, statement: Select[Any], params: Mapping[str, Any] | None
    ) -> AnyRow | None:
        async with self._reads.connect() as connection:
            return (await connection.execute(statement, params)).first()

    def sync_engines(self) -> list[Engine]:
        """Every engine this database's statements go through, each as a plain Engine: where
        an event listener sees them all (the bench counts statements per request)."""
        engines = [self.engine.sync_engine]
        if self._reads is not self.engine:
            engines.append(self._reads.sync_engine)
        return engines + [e for e in (self._reads_here, self._transactions_in_thread) if e]

    async def dispose(self) -> None:
        self._drop_reader()
        if self._held is not None:
            await self._held.close()
        if self._writer is not None:
            self._writer.shutdown(wait=False)  # its thread ends after the work it was given
            self._writer = None
        for engine in (self._reads_here, self._transactions_in_thread):
            if engine is not None:
                engine.dispose()
        if self._reads is not self.engine:
            await self._reads.dispose()
        await self.engine.dispose()


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached or dropped the connection
    (down, restarting, refusing connections, its name unknown, the pool exhausted, an SQLite
    file locked past the busy timeout), rather than refusing a statement: a request that meets
    it answers 503 and may be retried."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        return error.orig is not None and unreachable(error.orig)
    if isinstance(error, (ConnectionError, TimeoutError, socket.gaierror, PoolTimeout)):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return "database is locked" in str(error)
    return isinstance(
        error,
        (
            asyncpg.exceptions.PostgresConnectionError,
            asyncpg.exceptions.CannotConnectNowError,
            asyncpg.exceptions.TooManyConnectionsError,
        ),
    )


async def affected_rows(session: AsyncSession, statement: UpdateBase) -> int:
    """Run an UPDATE or DELETE and count the rows it changed."""
    return _rowcount(await session.execute(statement))


def rows_changed(session: Session, statement: UpdateBase) -> int:
    """``affected_rows`` in a plain session (``Database.run_transaction``)."""
    return _rowcount(session.execute(statement))


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)  # what DML answers (typed as any Result)
    return result.rowcount
