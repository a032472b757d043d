"""SQLite through aiosqlite with as few thread hand-offs as a transaction allows.

SQLAlchemy's aiosqlite adapter hands each step to aiosqlite's thread on its own: open a cursor, execute,
fetch the rows, close the cursor, and around them BEGIN, COMMIT and the pool's rollback when the connection
goes back — six hand-offs for a one-statement transaction, each a queue put, a thread wake-up and a
`call_soon_threadsafe` back to the loop (docs/benchmarks.md#sqlite-thread-hand-offs). Here:

- a statement runs, fetches and closes its cursor in the thread in one call (rows are buffered, as
  SQLAlchemy's own adapter buffers them);
- `BEGIN IMMEDIATE` is sent with the transaction's first statement, in the same hand-off (a transaction that
  runs no statement sends nothing);
- the rollback when a connection goes back to the pool is skipped when SQLite says no transaction is open and
  nothing is queued for the thread (a task cancelled with a statement still queued still gets its rollback,
  which the thread runs after that statement).

A one-statement transaction costs two hand-offs (statement, commit); a read through `Database.read` one
(no BEGIN IMMEDIATE, nothing to commit). The connection, its thread, the
dialect and the URL stay SQLAlchemy's and aiosqlite's own: `Database` hands `dbapi()` to SQLAlchemy's
async engine as its DBAPI module.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT, await_

T = TypeVar("T")
#: What a statement leaves behind: description, rows, rowcount, last row id.
_Outcome = tuple[Any, list[Any], int, int | None]


def _run(conn: sqlite3.Connection, begin: bool, operation: str, parameters: Any, many: bool) -> _Outcome:
    """In aiosqlite's thread: BEGIN IMMEDIATE first if asked, then the whole statement, cursor closed."""
    if begin:
        conn.execute("BEGIN IMMEDIATE")
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def truncate_wal(conn: sqlite3.Connection, wait_ms: int = 100) -> bool:
    """In aiosqlite's thread: copy the WAL into the database file and truncate it to nothing
    (`wal_checkpoint(TRUNCATE)`), waiting at most `wait_ms` for writers and readers instead of the
    connection's busy timeout — while it waits, every writer (and a new reader of the loop's own connection,
    storage/sqlite_loop.py) waits too. True when the WAL was emptied; False when a reader of an old snapshot
    (a backup, another process) kept it: its pages are copied as far as they can be, the caller tries later."""
    before = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute(f"PRAGMA busy_timeout={wait_ms}")
    try:
        row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(before)}")
    return row is None or not row[0]


def immediate(conn: sqlite3.Connection, fn: Callable[[], T]) -> T:
    """In aiosqlite's thread: `fn()` inside one BEGIN IMMEDIATE … COMMIT, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return result


def autocommitted(conn: sqlite3.Connection, operation: str, parameters: Sequence[Any]) -> list[Any]:
    """One statement as a transaction of its own, its rows: every connection of the bot is in autocommit mode
    (storage/rawdb.py), so SQLite commits the statement once it has run to its end (every row fetched) — no
    BEGIN and COMMIT of our own, each a call of its own
    (docs/benchmarks.md#cheaper-steps-per-chat-message-issue-17-nineteenth-stop). A failure leaves nothing:
    SQLite rolls the statement back."""
    return conn.execute(operation, parameters).fetchall()


def write_many(statements: Sequence[tuple[str, Sequence[Any]]], conn: sqlite3.Connection) -> bool:
    """In aiosqlite's thread: one write transaction of executemany statements. Commits and returns True
    when every statement matched as many rows as it has parameter sets; otherwise rolls back, False."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for operation, parameters in statements:
            if conn.executemany(operation, parameters).rowcount != len(parameters):
                conn.rollback()
                return False
        conn.commit()
        return True
    except BaseException:
        conn.rollback()
        raise


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's adapted aiosqlite connection, counting what it hands to the thread."""

    __slots__ = ("_submitted", "_finished", "_begin_pending", "reading")

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._submitted = 0  # written by the event loop only
        self._finished = 0  # written by aiosqlite's thread only
        self._begin_pending = False
        self.reading = False  # checked out by `Database.read`: statements run without BEGIN IMMEDIATE

    @property
    def _sqlite(self) -> sqlite3.Connection | None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection

    def _counted(self, fn: Callable[[], T]) -> Callable[[], T]:
        def counted() -> T:
            try:
                return fn()
            finally:
                self._finished += 1

        self._submitted += 1
        return counted

    def hand_off(self, fn: Callable[[], T]) -> T:
        """Run `fn` in aiosqlite's thread and wait for it (from SQLAlchemy's greenlet)."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        try:
            return await_(connection._execute(self._counted(fn)))
        except Exception as error:
            self._handle_exception(error)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(sqlite3 connection)` in aiosqlite's thread, from plain async code: for work that is one
        unit on the driver (its own BEGIN … COMMIT inside `fn`), such as the outbox's group commit."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return await connection._execute(self._counted(partial(fn, connection._conn)))

    def begin_immediate(self) -> None:
        """Open the write transaction with the next statement (one hand-off for both)."""
        self._begin_pending = True

    def take_begin(self) -> bool:
        pending, self._begin_pending = self._begin_pending, False
        return pending

    def commit(self) -> None:
        self._begin_pending = False
        sqlite = self._sqlite
        if sqlite is None:
            return
        if self.reading and self._submitted == self._finished and not sqlite.in_transaction:
            return  # a read outside a transaction: nothing to commit, no hand-off
        self.hand_off(sqlite.commit)

    def rollback(self) -> None:
        self._begin_pending = False
        sqlite = self._sqlite
        if sqlite is None:
            return
        if self._submitted == self._finished and not sqlite.in_transaction:
            return  # nothing open, nothing queued that could open something
        self.hand_off(sqlite.rollback)


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A DBAPI cursor whose execute runs, fetches and closes in one hand-off."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")

    def __init__(self, adapt_connection: OneHopConnection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]  # None before a statement, as sqlite3's

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    def _statement(self, operation: str, parameters: Any, many: bool) -> None:
        connection: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        sqlite = connection._sqlite
        if sqlite is None:
            connection._handle_exception(ValueError("no active connection"))
        outcome = connection.hand_off(partial(_run, sqlite, connection.take_begin(), operation, parameters, many))
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._statement(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        self._statement(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        """Nothing to close in the thread: the statement's cursor is closed already."""

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        """sqlite3 ignores input sizes."""


OneHopConnection._cursor_cls = OneHopCursor  # type: ignore[assignment]


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy adapts it, with `OneHopConnection` and `OneHopCursor`."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
