"""The database: plain URLs in, the right async driver out, and failures mapped to StorageUnavailable.

Decision (its measured cost: docs/benchmarks.md#database-engine): an async engine — aiosqlite for SQLite,
asyncpg for PostgreSQL — rather than a sync engine behind `asyncio.to_thread`. Both keep the event loop
free and let PostgreSQL use a real connection pool shared by all coroutines. On SQLite the async engine
does not avoid thread hops — aiosqlite runs every call in its own thread — so storage/sqlite_driver.py
keeps them to two per short transaction (statement with its BEGIN, then COMMIT); a synchronous session in
a worker thread still costs less CPU per transaction (docs/benchmarks.md#sqlite-thread-hand-offs). The small
units on a request's path (`driver(…, small=True)`) skip the thread altogether: they run on the loop's
thread, on a connection of its own that never waits for a lock or a checkpoint (storage/sqlite_loop.py).

Liveness (PostgreSQL): no ping on every checkout (a round trip per session). A pooled connection is pinged
only when it sat idle longer than `ping_idle` seconds, or while a failure is recent (see `_failed`); one
the driver already knows is closed is replaced without a round trip. A connection used moments ago is
trusted: if the network went away since, its first statement fails (bounded by `command_timeout`),
SQLAlchemy invalidates the pool, and the breaker below makes everything else fail fast.

Outages (PostgreSQL): getting a connection — including the ping of an idle pooled one — is bounded by
`connect_timeout`, statements by `command_timeout`. After a connection-level failure a circuit breaker
makes further sessions fail at once with `DatabaseDown` (a `StorageUnavailable`) instead of each waiting
for its own timeout; every `retry_after` seconds one session is let through to try again, and the first
success closes the breaker. So while the database is away requests are answered at once with "try again",
and when it is back the bot recovers by itself, without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, CursorResult, Result, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from handlers.core.errors import StorageUnavailable
from handlers.core.jsoncodec import dumps, loads
from storage.rawdb import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS  # the raw driver's too (storage/rawdb.py)
from storage.rawdb import EXAMPLES
from storage.rawdb import numbered as numbered  # re-exported: the repositories import it from here
from storage.rawdb import sqlite_connection_settings as sqlite_connection_settings
from storage.unavailable import BusyPool, DatabaseDown

if TYPE_CHECKING:
    from storage.sqlite_loop import Busy, LoopConnection

log = logging.getLogger("steadybot.storage")

#: SQLite's own auto-checkpoint threshold (1 000 pages of 4 KiB): past it, the WAL the loop's connection
#: wrote is checkpointed in aiosqlite's thread (`Database._on_loop`).
WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024
#: Seconds before the next try when a reader of an old snapshot kept the WAL from being emptied.
CHECKPOINT_RETRY = 10.0
#: How long the loop's connection must have run no unit before a due checkpoint starts (seconds): a WAL past
#: `WAL_CHECKPOINT_BYTES` is emptied in the first quiet moment, not in the middle of a request or a burst; past
#: twice that size it starts at once (docs/benchmarks.md, "SQLite on the loop").
CHECKPOINT_QUIET = 0.005
#: At most this long (seconds) for `dispose`'s last try of a scrub still owed (`Database._last_scrub`).
LAST_SCRUB_WAIT = 2.0

UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError, ConnectionError)


def async_url(url: str) -> str:
    """`sqlite:///x.db` → `sqlite+aiosqlite:///x.db`; `postgresql://…` / `postgres://…` → asyncpg."""
    raw = url.strip()
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    parsed = make_url(raw)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend == "postgresql":
        query = dict(parsed.query)
        query.pop("sslmode", None)  # libpq spelling; asyncpg takes "ssl"
        if "sslmode" in parsed.query:
            query["ssl"] = parsed.query["sslmode"]
        return parsed.set(drivername="postgresql+asyncpg", query=query).render_as_string(hide_password=False)
    raise ValueError(f"unsupported DATABASE_URL scheme {parsed.drivername!r}: use {EXAMPLES}")


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE/DELETE/INSERT matched. `Session.execute` is typed as returning a `Result`, but for
    DML it returns a `CursorResult`, which is what has `rowcount`."""
    return cast(CursorResult[Any], result).rowcount or 0


class _Guard:
    """`Database._guarded`: lets the unit through the breaker (`_admit`), maps an outage to StorageUnavailable and
    feeds the breaker with the outcome. A class, not an `asynccontextmanager`: its generator and wrapper cost more
    than the unit's own statement on a cold start of every request's path (docs/benchmarks.md#time-to-the-reply-slack)."""

    __slots__ = ("db", "trial")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.trial = False

    async def __aenter__(self) -> None:
        self.trial = self.db._admit()

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        db = self.db
        try:
            if exc is None:
                db._succeeded()
            elif isinstance(exc, StorageUnavailable):
                if not isinstance(exc, DatabaseDown | BusyPool):
                    db._failed(exc)
            elif isinstance(exc, Exception):
                if is_unavailable(exc):
                    if not isinstance(exc, PoolTimeout):  # a busy pool is load, not an outage
                        db._failed(exc)
                    raise StorageUnavailable(type(exc).__name__) from exc
                db._succeeded()  # the database answered (the error is the caller's own)
        finally:
            if self.trial:
                db._trying = False


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, UNAVAILABLE):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class DriverWork(Protocol, Generic[T_co]):
    """A unit of work written once per driver (`Database.driver`)."""

    def sqlite(self, conn: Any) -> T_co:
        """On a `sqlite3.Connection` — in aiosqlite's thread, or on the loop's own connection for a `small`
        unit: its own BEGIN IMMEDIATE … COMMIT, all in this one call. A small unit must be all or nothing
        (one transaction, or reads only): when it meets a lock on the loop it is rolled back and run again in
        the thread, so a second autocommitted write after a first would be applied twice."""
        ...

    async def postgres(self, conn: Any) -> T_co:
        """On the `asyncpg.Connection`, outside a transaction."""
        ...


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, connect_timeout: float = 3.0,
                 command_timeout: float = 15.0, retry_after: float = 1.0, ping_idle: float = 10.0,
                 secrets: Iterable[str] = ()) -> None:
        self.url = async_url(url)
        #: The settings' secrets: no error text stored in a row may carry them (storage/redaction.py).
        self.secrets: tuple[str, ...] = tuple(s for s in secrets if s)
        self.dialect = make_url(self.url).get_backend_name()
        self.connect_timeout = connect_timeout
        self.retry_after = retry_after
        # JSON columns through orjson (handlers/core/jsoncodec.py): the outbox writes and reads some for every DM
        kwargs: dict[str, object] = {"echo": echo, "hide_parameters": True, "json_serializer": dumps,
                                     "json_deserializer": loads}
        if self.dialect == "postgresql":
            # Every connection a session may hold (see _slots) stays pooled: overflow connections would be
            # opened and closed again under load, a handshake each (docs/benchmarks.md#postgresql-pool).
            kwargs.update(pool_size=pool_size * 2, max_overflow=0, pool_timeout=5, pool_pre_ping=False,
                          pool_recycle=1800,
                          connect_args={"timeout": connect_timeout, "command_timeout": command_timeout})
        else:
            database = make_url(self.url).database
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            else:
                kwargs["poolclass"] = StaticPool
            if database and database != ":memory:":
                # One connection, shared in turn: SQLite has one writer anyway, and every transaction here
                # begins IMMEDIATE, so a second connection would only wait in SQLite's busy handler, which
                # sleeps 1–100 ms at a time (docs/benchmarks.md#pulse-fan-out-target-3).
                # Sessions queue for it in the pool instead, in order, without sleeping.
                # The pool keeps its reset-on-return rollback (storage/sqlite_driver.py skips it when nothing is
                # open): a task cancelled inside a transaction (a timeout, a stop) would otherwise hand the one
                # connection back mid-transaction, and every later session would fail to begin
                # (tests/core/test_storage.py: a session cancelled at any moment).
                kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}  # sqlite3's own busy timeout, as the PRAGMA
            from storage.sqlite_driver import dbapi  # only SQLite installs load aiosqlite

            kwargs["module"] = dbapi()  # aiosqlite with as few thread hand-offs as a transaction allows
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self.ping_idle = ping_idle
        self._ping_all_until = 0.0  # monotonic: until then every checkout pings (a failure was recent)
        self._loop_db: LoopConnection | None = None  # SQLite file: the loop's own connection (`_on_loop`)
        self.wal_checkpoint_bytes = WAL_CHECKPOINT_BYTES
        self.checkpoint_retry = CHECKPOINT_RETRY
        self.checkpoint_quiet = CHECKPOINT_QUIET
        self._checkpointing: asyncio.Task[None] | None = None
        self._checkpoint_timer: asyncio.TimerHandle | None = None  # a due checkpoint waiting for a quiet moment
        self._last_unit = 0.0  # monotonic: when the loop's connection last ran a unit
        self._next_checkpoint = 0.0  # monotonic: no checkpoint before (a reader kept the last one busy)
        self._truncates = 0  # TRUNCATE checkpoints submitted to aiosqlite's thread (written by the loop)
        self._truncated = 0  # … and finished there (written by that thread only)
        self._scrub_owed = False  # a scrub could not empty the WAL: `_checkpoint` keeps trying
        self._disposed = False  # `dispose` began: no checkpoint starts any more
        self._pool_connected = False  # the pooled connection opened the file first (WAL recovery there)
        if self.dialect == "sqlite":
            _sqlite_pragmas(self.engine)
            database = make_url(self.url).database
            if database and database != ":memory:" and not database.startswith("file:"):
                from storage.sqlite_loop import LoopConnection

                self._loop_db = LoopConnection(database, sqlite_connection_settings)

                @event.listens_for(self.engine.sync_engine, "connect")
                def _connected(_dbapi_conn: Any, _record: Any) -> None:
                    self._pool_connected = True
        else:
            self._liveness_checks()
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # PostgreSQL: as many sessions at once as the pool has connections, so the connect timeout below
        # measures connecting (a dead network), never queueing for a pooled connection (a busy moment).
        self._slots = asyncio.Semaphore(pool_size * 2)
        self.slot_wait = 30.0
        self._down_since: float | None = None  # monotonic time of the first failure of this outage
        self._next_try = 0.0
        self._trying = False
        self.outages = 0

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def is_down(self) -> bool:
        """The circuit breaker is open (bot/metrics.py reports it)."""
        return self._down_since is not None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed on success, rolled back on error. DB outages → StorageUnavailable."""
        async with self._guarded():
            if self.is_postgres:
                async with self._connection() as conn, AsyncSession(bind=conn, expire_on_commit=False) as session, \
                        session.begin():
                    yield session
            else:
                async with self.sessions() as session, session.begin():
                    yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only, without a transaction around them: on PostgreSQL the connection is in
        autocommit, so a one-statement read is one round trip instead of three (BEGIN, the statement,
        COMMIT); on SQLite no `BEGIN IMMEDIATE` takes the write lock, and nothing is committed (one hand-off
        to aiosqlite's thread instead of two). Each statement sees what was committed when it started —
        PostgreSQL's READ COMMITTED gives the same inside a transaction. Never write through it: a write
        would commit on its own. Measured: docs/benchmarks.md#read-sessions."""
        async with self._guarded():
            if self.is_postgres:
                async with self._connection() as conn:
                    auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    async with AsyncSession(bind=auto, expire_on_commit=False) as session:
                        yield session
            else:
                async with self.engine.connect() as conn:
                    adapted = (await conn.get_raw_connection()).dbapi_connection
                    adapted.reading = True  # type: ignore[union-attr]  # storage.sqlite_driver.OneHopConnection
                    try:
                        async with AsyncSession(bind=conn, expire_on_commit=False) as session:
                            yield session
                    finally:
                        adapted.reading = False  # type: ignore[union-attr]

    async def plan_each_time(self, session: AsyncSession) -> None:
        """PostgreSQL: plan the rest of this transaction's statements for their own parameters. A long IN list
        run again and again (a fan-out's batches, 500 people each) gets PostgreSQL's generic plan from its
        sixth execution on: a sequential scan comparing every row with every parameter in turn, 100–180 ms
        instead of 4 ms on 10 000 invitations (docs/benchmarks.md#pulse-fan-out-target-3). SQLite plans
        every statement anyway."""
        if self.is_postgres:
            await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    async def driver(self, work: DriverWork[T], *, small: bool = False) -> T:
        """One unit of work straight on the driver, for a statement on every request's path (de-duplication):
        SQLite runs `work.sqlite` (it opens and commits its own transaction) in aiosqlite's thread in one
        hand-off — or, when the unit is `small` (a few row-level statements, tens of microseconds), on the
        loop's own connection with no hand-off at all (`_on_loop`); PostgreSQL awaits `work.postgres` on a
        pooled asyncpg connection outside any transaction (one autocommitted round trip). No ORM session: what a session costs is docs/benchmarks.md#driver-path.
        Outages map to StorageUnavailable and feed the breaker, as with `session`."""
        async with self._guarded():
            if self.is_postgres:
                async with self._connection() as conn:
                    raw = await conn.get_raw_connection()
                    try:
                        return await work.postgres(raw.driver_connection)
                    except _asyncpg_unavailable() as exc:
                        raise StorageUnavailable(type(exc).__name__) from exc
            if not small or self._loop_db is None:
                return await self.on_sqlite(work.sqlite)
            from storage.sqlite_loop import BUSY

            loop_db = self._loop_db
            turns = loop_db.turns
            done = BUSY if turns.held else self._on_loop(loop_db, work.sqlite)
            if done is not BUSY:
                return cast(T, done)
            waited = await turns.take()  # behind the units that went before (storage/sqlite_loop.py, Turns)
            try:
                if waited and self._loop_db is loop_db and (done := self._on_loop(loop_db, work.sqlite)) is not BUSY:
                    return cast(T, done)
                return await self.on_sqlite(work.sqlite)
            finally:
                turns.pass_on()

    def _on_loop(self, loop_db: LoopConnection, fn: Callable[[Any], T]) -> T | Busy:
        """SQLite: `fn(sqlite3 connection)` right here on the loop's own connection (storage/sqlite_loop.py):
        no pool checkout, no hand-off, no wake-up of another thread. `BUSY` — the caller then runs it in
        aiosqlite's thread — when a lock is held elsewhere, and whenever the loop might wait (a unit never goes out of
        turn: `driver` asks only when no earlier unit waits, `Turns`):
        - a TRUNCATE checkpoint of this process is in the thread (a new read would wait for it inside SQLite);
        - the pooled connection has not opened the file yet (a crash's WAL is recovered by whoever opens it);
        - the WAL is empty (the first write after a truncate writes and syncs its header);
        - the WAL is past `wal_checkpoint_bytes` while the last checkpoint gave up less than `checkpoint_retry`
          seconds ago (a reader keeps the WAL; another process's checkpoint could reset it under the loop's
          next write, which would then truncate a big file).
        When the WAL is past `wal_checkpoint_bytes` otherwise, this unit still runs here, appending to the WAL,
        and the checkpoint — in the thread (this connection never checkpoints) — starts once the loop's
        connection has run no unit for `checkpoint_quiet` seconds, or at once past twice the threshold: the
        request that crossed the threshold, and a burst in progress, do not wait for the checkpoint's sync
        (docs/benchmarks.md, "SQLite on the loop")."""
        import sqlite3

        from storage.sqlite_loop import BUSY

        if self._truncated != self._truncates or not self._pool_connected:
            return BUSY
        size = loop_db.wal_bytes()
        now = time.monotonic()
        if size > self.wal_checkpoint_bytes:
            if now < self._next_checkpoint:
                return BUSY
            if size > 2 * self.wal_checkpoint_bytes:
                self._start_checkpoint()  # its first step comes after this unit, which runs on the loop now
            else:
                self._checkpoint_when_quiet()
        elif size == 0:
            return BUSY
        self._last_unit = now
        try:
            return loop_db.run(fn)
        except sqlite3.OperationalError as exc:
            raise StorageUnavailable(type(exc).__name__) from exc

    def _checkpoint_when_quiet(self, check_in: float | None = None) -> None:
        """Start the due checkpoint once the loop's connection has run no unit for `checkpoint_quiet` seconds
        (looked at again in `check_in` seconds, by default that long)."""
        if self._checkpoint_timer is None and self._checkpointing is None and not self._disposed:
            delay = self.checkpoint_quiet if check_in is None else check_in
            self._checkpoint_timer = asyncio.get_running_loop().call_later(delay, self._quiet_check)

    def _quiet_check(self) -> None:
        self._checkpoint_timer = None
        quiet_for = time.monotonic() - self._last_unit
        if quiet_for >= self.checkpoint_quiet:
            self._start_checkpoint()
        else:  # a unit ran meanwhile: wait until the loop's connection has been quiet that long
            self._checkpoint_when_quiet(self.checkpoint_quiet - quiet_for)

    def _start_checkpoint(self) -> None:
        if self._checkpoint_timer is not None:
            self._checkpoint_timer.cancel()
            self._checkpoint_timer = None
        if self._checkpointing is None and not self._disposed:
            self._checkpointing = asyncio.create_task(self._checkpoint(), name="sqlite checkpoint")

    async def _checkpoint(self) -> None:
        """Empty the WAL in aiosqlite's thread (`_truncate_wal`). When a reader of an old snapshot keeps it
        (a backup), the next try is `CHECKPOINT_RETRY` seconds later — each try holds writers off for up to
        its short wait — and while a scrub is owed (`scrub` gave up), this task itself tries again every
        `CHECKPOINT_RETRY` seconds until the WAL is emptied."""
        try:
            while True:
                try:
                    if await self._truncate_wal():
                        self._scrub_owed = False
                        return
                except StorageUnavailable as exc:  # a busy pool, a locked file
                    log.debug("checkpoint skipped: %s", exc)
                self._next_checkpoint = time.monotonic() + self.checkpoint_retry
                if not self._scrub_owed:
                    return
                await asyncio.sleep(self.checkpoint_retry)
        finally:
            self._checkpointing = None

    async def _truncate_wal(self) -> bool:
        """SQLite: `truncate_wal` in aiosqlite's thread, in one call (its statement finishes there even if this
        task is cancelled). While it runs — until the thread is done with it, not until this task is — the
        loop's connection is not used: a new read there would wait for it (SQLite's WAL read locks)."""
        import sqlite3

        from storage.sqlite_driver import truncate_wal

        def run(conn: Any) -> bool:
            try:
                return truncate_wal(conn)
            finally:
                self._truncated += 1  # in the thread: the loop's next unit sees it done

        try:
            async with self.engine.connect() as conn:
                adapted = (await conn.get_raw_connection()).dbapi_connection
                self._truncates += 1  # no await until `run` is queued for the thread (aiosqlite's put_nowait)
                try:
                    return cast(bool, await adapted.run(run))  # type: ignore[union-attr]  # OneHopConnection
                except ValueError:  # aiosqlite's "no active connection": never queued
                    self._truncates -= 1
                    raise
        except sqlite3.OperationalError as exc:
            raise StorageUnavailable(type(exc).__name__) from exc
        except Exception as exc:
            if is_unavailable(exc) or isinstance(exc, ValueError):
                raise StorageUnavailable(type(exc).__name__) from exc
            raise

    async def on_sqlite(self, fn: Callable[[Any], T]) -> T:
        """SQLite: `fn(sqlite3 connection)` in aiosqlite's thread, in one hand-off, on the pooled connection
        (`fn` opens and commits its own transaction). sqlite3's own errors (locked past the busy timeout,
        disk I/O) become StorageUnavailable, as SQLAlchemy's wrapped ones do for a session."""
        import sqlite3

        async with self.engine.connect() as conn:
            adapted = (await conn.get_raw_connection()).dbapi_connection
            try:
                return cast(T, await adapted.run(fn))  # type: ignore[union-attr]  # sqlite_driver.OneHopConnection
            except sqlite3.OperationalError as exc:
                raise StorageUnavailable(type(exc).__name__) from exc

    def _guarded(self) -> _Guard:
        """The breaker and the error mapping around one unit of work (`session`, `read`, `driver`)."""
        return _Guard(self)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection (pinged if idle, see `_liveness_checks`), within `connect_timeout` (a partitioned
        network hangs forever)."""
        try:
            async with asyncio.timeout(self.slot_wait):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise BusyPool("every database connection is busy") from exc
        try:
            try:
                async with asyncio.timeout(self.connect_timeout):
                    conn = await self.engine.connect()
            except TimeoutError as exc:
                raise StorageUnavailable("connect timeout") from exc
            try:
                yield conn
            finally:
                await conn.close()
        finally:
            self._slots.release()

    def _liveness_checks(self) -> None:
        """PostgreSQL: ping a pooled connection at checkout only when it may have gone stale (see the module
        docstring). A failed ping raises DisconnectionError, on which the pool opens a new connection."""
        pool = self.engine.sync_engine.pool

        @event.listens_for(pool, "checkin")
        def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
            record.info["idle_since"] = time.monotonic()

        @event.listens_for(pool, "checkout")
        def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
            idle_since = record.info.get("idle_since")
            if idle_since is None:
                return  # opened just now
            if dbapi_conn.driver_connection.is_closed():
                raise DisconnectionError("the pooled connection was closed")
            now = time.monotonic()
            if now - idle_since > self.ping_idle or now < self._ping_all_until:
                try:
                    dbapi_conn.ping()
                except Exception as exc:
                    raise DisconnectionError("the pooled connection did not answer a ping") from exc

    # ---- the breaker -------------------------------------------------------------------------------
    def _admit(self) -> bool:
        """Let the session through, as the one trial while the breaker is open, or fail fast."""
        if self._down_since is None:
            return False
        if self._trying or time.monotonic() < self._next_try:
            raise DatabaseDown("database unavailable (failing fast until it answers again)")
        self._trying = True
        self._next_try = time.monotonic() + self.retry_after
        return True

    def _failed(self, exc: BaseException) -> None:
        if not self.is_postgres:
            return  # an SQLite file does not go away; a locked database is retried by its busy timeout
        now = time.monotonic()
        self._ping_all_until = now + self.ping_idle  # pooled connections may be stale: ping them for a while
        if self._down_since is None:
            self._down_since = now
            self.outages += 1
            log.warning("database unavailable (%s): answering 'try again' until it is back", _reason(exc))
        self._next_try = now + self.retry_after

    def _succeeded(self) -> None:
        if self._down_since is not None:
            log.warning("database is back after %.1fs", time.monotonic() - self._down_since)
            self._down_since = None

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            async with asyncio.timeout(timeout + self.connect_timeout), self.session() as session:
                await session.execute(text("SELECT 1"))
            return True
        except DatabaseDown:
            return False
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            log.info("database ping failed: %s", _reason(exc))
            return False

    async def scrub(self, tables: Sequence[str]) -> bool:
        """After a pulse round's seal and after a forget: leave no earlier copy of the rows just rewritten or
        deleted where a reader of the files would find it. SQLite: deleted content is zeroed (secure_delete,
        on every connection) and the WAL is checkpointed into the database and truncated to nothing, so no
        WAL frame replays the writes that came before. PostgreSQL: VACUUM of `tables` (outside a
        transaction), so their dead tuples — the rows before the rewrite — are pruned now rather than weeks
        later. Best effort: a failure is logged (the next seal or forget scrubs again), never raised. On SQLite a
        scrub that a reader kept from emptying the WAL, or whose task was cancelled (a stop, a timeout), is owed:
        `_checkpoint` tries again until it succeeds, and `dispose` makes a last try."""
        try:
            if self.is_postgres:
                names = ", ".join(_quoted(t) for t in dict.fromkeys(tables))
                async with self._connection() as conn:
                    auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await auto.exec_driver_sql(f"VACUUM {names}")
                return True
            try:
                for _ in range(20):
                    # one call in aiosqlite's thread: its statement is finished there even if this task is
                    # cancelled meanwhile (a statement left open would make every later commit fail)
                    if await self._truncate_wal():  # the whole WAL went into the database, then to 0 bytes
                        self._scrub_owed = False
                        return True
                    await asyncio.sleep(0.05)  # another process is reading an old snapshot: try again shortly
            except asyncio.CancelledError:  # a stop, a timeout: the seal or forget is done, its scrub is owed
                self._scrub_owed = True
                self._start_checkpoint()  # or, in a stop, `dispose`'s last try
                raise
            log.warning("scrub: the SQLite WAL could not be truncated (a reader of an old snapshot kept it "
                        "busy); trying again every %.0f s until it can be", self.checkpoint_retry)
            self._scrub_owed = True
            self._start_checkpoint()
            return False
        except Exception as exc:  # noqa: BLE001 - scrubbing must not turn a seal or forget into an error
            log.warning("scrub failed (%s): the next seal or forget tries again", _reason(exc))
            return False

    async def dispose(self) -> None:
        self._disposed = True  # a scrub or a unit still running starts no checkpoint, arms no timer
        if self._checkpoint_timer is not None:
            self._checkpoint_timer.cancel()
            self._checkpoint_timer = None
        if self._checkpointing is not None:
            self._checkpointing.cancel()  # a try already in aiosqlite's thread finishes there first
            await asyncio.gather(self._checkpointing, return_exceptions=True)
            self._checkpointing = None  # also when it was cancelled before its first step (no `finally` ran)
        if self._scrub_owed:
            await self._last_scrub()
        if self._loop_db is not None:
            self._loop_db.close()
            self._loop_db = None  # units after this go to aiosqlite's thread
        await self.engine.dispose()

    async def _last_scrub(self) -> None:
        """`dispose` with a scrub still owed (a reader kept the WAL, or the scrub was cancelled): nothing tries
        again after this, so one last try (the CLI's `forget` exits right after its scrub), and a WARNING when
        the WAL still holds what the scrub was to remove."""
        try:
            async with asyncio.timeout(LAST_SCRUB_WAIT):
                if await self._truncate_wal():
                    self._scrub_owed = False
                    return
            reason = "a reader of an old snapshot kept it busy"
        except Exception as exc:  # noqa: BLE001 - disposing must go on
            reason = _reason(exc)
        log.warning("dispose: the SQLite WAL still holds what the last scrub was to remove (%s); the next seal, "
                    "forget or WAL checkpoint empties it", reason)


def _asyncpg_unavailable() -> tuple[type[BaseException], ...]:
    """asyncpg's own errors that mean the database or the connection went away (`Database.driver` meets them
    unwrapped by SQLAlchemy)."""
    import asyncpg

    return (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.exceptions.CannotConnectNowError,
            asyncpg.exceptions.AdminShutdownError, *UNAVAILABLE)


def _reason(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return f"{type(exc).__name__}: {type(cause).__name__}" if cause is not None else type(exc).__name__


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a table name: {name!r}")
    return f'"{name}"'


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """WAL for concurrent readers, a busy timeout, and BEGIN IMMEDIATE so a transaction that reads and
    then writes never fails half-way with SQLITE_BUSY (SQLAlchemy's recipe for pysqlite/aiosqlite)."""
    from storage.sqlite_driver import OneHopConnection

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        sqlite_connection_settings(dbapi_conn)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Sent with the transaction's first statement, in the same hand-off to aiosqlite's thread
        # (storage/sqlite_driver.py; docs/benchmarks.md#sqlite-thread-hand-offs).
        adapted = conn.connection.dbapi_connection
        assert isinstance(adapted, OneHopConnection)  # the engine's module is storage.sqlite_driver
        if not adapted.reading:  # `Database.read`: no write lock, no transaction
            adapted.begin_immediate()
