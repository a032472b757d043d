"""Small SQLite units on the event loop's own connection (`Database.driver(…, small=True)`,
storage/sqlite_loop.py).

What must hold: such a unit really runs on the loop's thread with no hand-off; the loop never waits on it —
not for another process's lock, not for a session holding the write lock, not for a checkpoint or a scrub;
the connection has the privacy settings of every connection; big units (the outbox claim) stay off the
loop; the WAL the loop writes is checkpointed in aiosqlite's thread, not on the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import insert

from handlers.core.clock import FakeClock
from storage.db import Database
from storage.migrate import upgrade
from storage.models.core import InboundKey
from storage.store import Store
from tests.support.loop import loop_stays_free

T = TypeVar("T")
Statements = list[tuple[str, str]]


def _traced(statements: Statements, where: str) -> Any:
    def trace(conn: sqlite3.Connection) -> None:
        conn.set_trace_callback(lambda sql: statements.append((f"{where}:{threading.current_thread().name}", sql)))
    return trace


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[tuple[Database, Store, Statements]]:
    """A store on a SQLite file; every statement of both its connections is reported with where it ran:
    `pool:<thread>` (aiosqlite's connection) or `loop:<thread>` (the loop's own)."""
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    await upgrade(url)
    db = Database(url)
    statements: Statements = []
    await db.on_sqlite(_traced(statements, "pool"))
    assert db._loop_db is not None
    db._loop_db.run(_traced(statements, "loop"))
    store = Store(db, FakeClock())
    # a fresh WAL's first write (its header, synced) goes to aiosqlite's thread; the units after it are the loop's
    assert await store.inbound.first_time("warm-up") is True
    statements.clear()
    try:
        yield db, store, statements
    finally:
        await db.dispose()


async def _session_holding(db: Database, key: str) -> tuple[asyncio.Future[None], asyncio.Event]:
    """A session mid-transaction (it wrote `key`, so it holds the write lock and the pooled connection) until
    the returned event is set; the future is the session's task."""
    entered, release = asyncio.Event(), asyncio.Event()

    async def holding() -> None:
        async with db.session() as session:
            await session.execute(insert(InboundKey).values(key=key, seen_at=FakeClock().now()))
            entered.set()
            await release.wait()

    task = asyncio.ensure_future(holding())
    await entered.wait()
    return task, release


def _where(statements: Statements, prefix: str) -> list[str]:
    return [where for where, sql in statements if sql.startswith(prefix)]


async def test_a_small_unit_runs_on_the_loops_own_connection_without_a_hand_off(
        sqlite_store: tuple[Database, Store, Statements]) -> None:
    db, store, statements = sqlite_store
    assert await store.inbound.first_time("slack:cmd:loop-1") is True
    assert _where(statements, "INSERT INTO inbound_keys") == [f"loop:{threading.current_thread().name}"]
    assert await Store(db, FakeClock()).inbound.first_time("slack:cmd:loop-1") is False  # the database decides


async def test_the_loops_connection_has_every_connections_privacy_settings_and_never_waits(
        sqlite_store: tuple[Database, Store, Statements]) -> None:
    db, _, _ = sqlite_store
    assert db._loop_db is not None
    pragmas = ("secure_delete", "journal_size_limit", "journal_mode", "foreign_keys", "busy_timeout",
               "wal_autocheckpoint")
    loop = db._loop_db.run(lambda conn: [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in pragmas])
    pool = await db.on_sqlite(lambda conn: [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in pragmas])
    assert loop == [1, 0, "wal", 1, 0, 0]
    assert pool == [1, 0, "wal", 1, 15000, 1000]


async def test_another_process_holding_the_write_lock_never_blocks_the_loop(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    """The CLI's `forget` (another process) holds the write lock: the unit waits in aiosqlite's thread, the
    loop keeps serving everything else, and the unit completes once the lock is released."""
    _, store, statements = sqlite_store
    with _write_locked(tmp_path) as holder:
        claim = asyncio.ensure_future(store.inbound.first_time("slack:cmd:while-locked"))
        _, gap = await loop_stays_free(asyncio.sleep(0.3))
        assert not claim.done() and gap < 0.2
        holder.execute("ROLLBACK")
        assert (await loop_stays_free(claim))[0] is True
    assert _where(statements, "INSERT INTO inbound_keys")[-1].startswith("pool:")  # it went through the thread


async def test_a_unit_while_a_session_holds_the_write_lock_waits_for_it_in_the_thread(
        sqlite_store: tuple[Database, Store, Statements]) -> None:
    """A session is mid-transaction: the small unit meets its lock, queues for the pooled connection and sees
    the session's row once committed; the loop is never blocked meanwhile."""
    db, store, _ = sqlite_store
    writer, release = await _session_holding(db, "slack:cmd:in-session")
    claim = asyncio.ensure_future(store.inbound.first_time("slack:cmd:in-session"))
    _, gap = await loop_stays_free(asyncio.sleep(0.1))
    assert not claim.done() and gap < 0.2
    release.set()
    await writer
    assert (await loop_stays_free(claim))[0] is False  # the session's key was there first


async def test_a_scrub_cancelled_while_a_reader_holds_an_old_snapshot_never_blocks_the_loop(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    """A scrub's TRUNCATE checkpoint waits in aiosqlite's thread for a reader (a backup tool, the sqlite3
    shell) and its task is cancelled (a stop): the next request's unit must not wait for that thread."""
    db, store, _ = sqlite_store
    for n in range(3):
        assert await store.inbound.first_time(f"before-{n}") is True
    reader = sqlite3.connect(tmp_path / "loop.db", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM inbound_keys").fetchone()
        assert await store.inbound.first_time("after-reader") is True
        scrub = asyncio.ensure_future(db.scrub(["inbound_keys"]))
        await asyncio.sleep(0.2)
        scrub.cancel()
        await asyncio.gather(scrub, return_exceptions=True)
        claim = asyncio.ensure_future(store.inbound.first_time("slack:cmd:during-scrub"))
        _, gap = await loop_stays_free(asyncio.sleep(0.5))
        assert gap < 0.2  # the unit waits behind the checkpoint, in the thread, not on the loop
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert (await loop_stays_free(claim, within=15))[0] is True


async def test_the_outbox_claim_stays_in_aiosqlites_thread(sqlite_store: tuple[Database, Store, Statements]) -> None:
    """A claim takes up to a batch of 500 rows: tens of milliseconds that must not stall the loop."""
    _, store, statements = sqlite_store
    await store.outbox.claim(worker="w1", limit=500)
    claims = [where for where, sql in statements if "outbox" in sql and sql.lstrip().upper().startswith(
        ("UPDATE", "WITH"))]
    assert claims and all(where.startswith("pool:") for where in claims)


async def test_the_wal_the_loop_writes_is_checkpointed_in_aiosqlites_thread(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    db, store, statements = sqlite_store
    db.wal_checkpoint_bytes = 64 * 1024
    wal = tmp_path / "loop.db-wal"
    peak = 0
    for n in range(2000):
        assert await store.inbound.first_time(f"slack:cmd:wal-{n}-" + "x" * 200) is True
        peak = max(peak, wal.stat().st_size if wal.exists() else 0)
        await asyncio.sleep(0)  # let a checkpoint started meanwhile run, as a serving loop does
    async with asyncio.timeout(5):
        while db._checkpointing is not None:
            await asyncio.sleep(0.01)
    checkpoints = [where for where, sql in statements if "wal_checkpoint" in sql]
    assert checkpoints and all(where.startswith("pool:") for where in checkpoints)
    inserts = _where(statements, "INSERT INTO inbound_keys")
    # the rest met a checkpoint holding writers off (frequent here: a 64 KiB threshold) and took the thread
    assert sum(where.startswith("loop:") for where in inserts) > len(inserts) / 2
    assert len(checkpoints) >= 3
    # without them the loop's WAL would only grow (its connection has no auto-checkpoint): ~38 MB here
    assert peak < 1024 * 1024


async def _wal_of_twenty_keys(store: Store, wal: Path, tag: str) -> int:
    """Twenty keys written on the loop; the WAL's size then (a threshold just below it is crossed next)."""
    for n in range(20):
        assert await store.inbound.first_time(f"slack:cmd:{tag}-{n}") is True
    return wal.stat().st_size


def _checkpointed(statements: Statements) -> bool:
    return any("wal_checkpoint" in sql for _, sql in statements)


async def _until_checkpointed(db: Database, statements: Statements) -> None:
    """Until a checkpoint has run and its task is done (5 s at most)."""
    async with asyncio.timeout(5):
        while db._checkpointing is not None or not _checkpointed(statements):
            await asyncio.sleep(0.01)


async def test_the_unit_that_crosses_the_checkpoint_threshold_does_not_wait_for_the_checkpoint(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    """The request whose write finds the WAL past the threshold runs on the loop at once; the checkpoint (a
    TRUNCATE with a sync, milliseconds in aiosqlite's thread) starts behind it, and the WAL is emptied."""
    db, store, statements = sqlite_store
    wal = tmp_path / "loop.db-wal"
    db.wal_checkpoint_bytes = await _wal_of_twenty_keys(store, wal, "fill") - 1  # the next unit finds the WAL past it
    statements.clear()
    assert await store.inbound.first_time("slack:cmd:crosses") is True
    here = f"loop:{threading.current_thread().name}"
    assert _where(statements, "INSERT INTO inbound_keys") == [here]  # on the loop, not behind the checkpoint
    await _until_checkpointed(db, statements)
    kinds = [("insert" if sql.startswith("INSERT INTO inbound_keys") else "checkpoint", where)
             for where, sql in statements if sql.startswith("INSERT INTO inbound_keys") or "wal_checkpoint" in sql]
    assert kinds[0] == ("insert", here) and kinds[1][0] == "checkpoint" and kinds[1][1].startswith("pool:")
    assert not wal.exists() or wal.stat().st_size == 0
    assert await store.inbound.first_time("slack:cmd:after") is True  # and writing goes on


async def test_a_due_checkpoint_waits_for_a_quiet_moment_but_not_past_twice_the_threshold(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    """Past the threshold, the checkpoint starts only once the loop's connection has run no unit for
    `checkpoint_quiet` seconds — not in the middle of a request or a burst — unless the WAL passes twice the
    threshold meanwhile, and then at once."""
    db, store, statements = sqlite_store
    wal = tmp_path / "loop.db-wal"
    db.wal_checkpoint_bytes = await _wal_of_twenty_keys(store, wal, "fill") - 1
    db.checkpoint_quiet = 0.2
    statements.clear()
    for n in range(8):  # a unit every 50 ms: never 200 ms quiet
        assert await store.inbound.first_time(f"slack:cmd:busy-{n}") is True
        await asyncio.sleep(0.05)
    assert not _checkpointed(statements)
    last = time.monotonic()
    await _until_checkpointed(db, statements)
    assert time.monotonic() - last >= 0.15  # it waited for the quiet moment
    assert not wal.exists() or wal.stat().st_size == 0

    # past twice the threshold it does not wait
    db.wal_checkpoint_bytes = await _wal_of_twenty_keys(store, wal, "refill") // 2 - 1
    db.checkpoint_quiet = 60.0
    statements.clear()
    assert await store.inbound.first_time("slack:cmd:over-twice") is True
    await _until_checkpointed(db, statements)
    assert not wal.exists() or wal.stat().st_size == 0


@contextmanager
def _write_locked(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the test database's write lock (`BEGIN IMMEDIATE`) until the test lets go
    (`ROLLBACK`) or the block ends."""
    holder = sqlite3.connect(tmp_path / "loop.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield holder
    finally:
        holder.close()


class _Insert:
    """A small unit of the test's own: one key in one transaction, on whichever connection runs it."""

    def __init__(self, key: str) -> None:
        self.key = key

    def sqlite(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO inbound_keys (key, seen_at) VALUES (?, '2026-01-01 00:00:00')", (self.key,))
        conn.execute("COMMIT")

    async def postgres(self, conn: Any) -> None:
        raise AssertionError("SQLite only")


async def test_a_unit_sent_later_never_overtakes_one_waiting_in_the_thread(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    db, _, statements = sqlite_store
    with _write_locked(tmp_path) as holder:
        first = asyncio.ensure_future(db.driver(_Insert("first"), small=True))
        await asyncio.sleep(0.05)  # it met the lock and waits in aiosqlite's thread (SQLite's busy handler)
        holder.execute("ROLLBACK")  # the lock is free, while the first still sleeps in the busy handler
        second = asyncio.ensure_future(db.driver(_Insert("second"), small=True))
        await asyncio.gather(first, second)
    inserts = [(where, sql) for where, sql in statements if sql.startswith("INSERT INTO inbound_keys")]
    assert [sql.split("'")[1] for _, sql in inserts if "first" in sql or "second" in sql][-2:] == ["first", "second"]
    order = await db.on_sqlite(lambda conn: [row[0] for row in conn.execute(
        "SELECT key FROM inbound_keys WHERE key IN ('first', 'second') ORDER BY rowid")])
    assert order == ["first", "second"]


async def test_units_queued_behind_one_in_the_thread_run_on_the_loop_after_it_in_order(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    """One unit met a lock and went to the thread: the units sent meanwhile wait for it, then take the loop's
    connection (one hand-off, not one per unit behind it), in the order they were sent."""
    db, _, statements = sqlite_store
    with _write_locked(tmp_path) as holder:
        first = asyncio.ensure_future(db.driver(_Insert("q-0"), small=True))
        await asyncio.sleep(0.05)  # it met the lock and waits in aiosqlite's thread
        later = [asyncio.ensure_future(db.driver(_Insert(f"q-{n}"), small=True)) for n in range(1, 6)]
        await asyncio.sleep(0.02)
        assert not any(task.done() for task in later)  # behind the first
        holder.execute("ROLLBACK")
        await asyncio.gather(first, *later)
    inserts = [(where, sql.split("'")[1]) for where, sql in statements if sql.startswith("INSERT INTO inbound_keys")]
    assert [key for _, key in inserts] == [f"q-{n}" for n in range(6)]
    assert inserts[0][0].startswith("pool:") and all(where.startswith("loop:") for where, _ in inserts[1:])
    assert not db._loop_db.turns.held  # type: ignore[union-attr]


async def test_a_unit_cancelled_while_waiting_for_its_turn_holds_nobody_up(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    db, _, statements = sqlite_store
    with _write_locked(tmp_path) as holder:
        first = asyncio.ensure_future(db.driver(_Insert("c-0"), small=True))
        await asyncio.sleep(0.05)
        cancelled = asyncio.ensure_future(db.driver(_Insert("c-1"), small=True))
        last = asyncio.ensure_future(db.driver(_Insert("c-2"), small=True))
        await asyncio.sleep(0.01)
        cancelled.cancel()
        holder.execute("ROLLBACK")
        async with asyncio.timeout(5):
            await asyncio.gather(first, last)
        with pytest.raises(asyncio.CancelledError):
            await cancelled
    keys = [sql.split("'")[1] for _, sql in statements if sql.startswith("INSERT INTO inbound_keys")]
    assert keys == ["c-0", "c-2"]
    assert not db._loop_db.turns.held  # type: ignore[union-attr]
    await db.driver(_Insert("c-3"), small=True)
    assert statements[-2][0].startswith("loop:")  # the loop's path is free again


async def test_the_first_write_into_a_fresh_wal_goes_to_the_thread(
        sqlite_store: tuple[Database, Store, Statements]) -> None:
    """After a truncate the WAL is empty; its first write writes and syncs the header: not on the loop."""
    db, _, statements = sqlite_store
    assert await db.scrub(["inbound_keys"]) is True
    for n in range(3):
        await db.driver(_Insert(f"after-scrub-{n}"), small=True)
    where = _where(statements, "INSERT INTO inbound_keys")
    assert where[0].startswith("pool:") and all(w.startswith("loop:") for w in where[1:])


async def test_a_scrub_cancelled_before_it_reached_the_thread_leaves_the_loop_path_working(
        sqlite_store: tuple[Database, Store, Statements]) -> None:
    db, _, statements = sqlite_store
    holder, release = await _session_holding(db, "held")
    scrub = asyncio.ensure_future(db.scrub(["inbound_keys"]))  # waits for the pooled connection
    await asyncio.sleep(0.05)
    scrub.cancel()
    await asyncio.gather(scrub, return_exceptions=True)
    release.set()
    await holder
    statements.clear()
    for n in range(3):
        await db.driver(_Insert(f"later-{n}"), small=True)
    assert any(w.startswith("loop:") for w in _where(statements, "INSERT INTO inbound_keys"))


async def test_a_scrub_a_reader_kept_from_emptying_the_wal_is_finished_once_the_reader_lets_go(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    """DESIGN's privacy rule on the WAL: a seal's or a forget's scrub that a backup kept busy is not left for
    the next seal — the WAL is emptied as soon as the reader is gone."""
    db, store, _ = sqlite_store
    db.checkpoint_retry = 0.2
    reader = sqlite3.connect(tmp_path / "loop.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM inbound_keys").fetchone()
    for n in range(20):
        assert await store.inbound.first_time(f"forgotten-{n}") is True
    assert await db.scrub(["inbound_keys"]) is False  # the reader keeps frames it may still read
    wal = tmp_path / "loop.db-wal"
    assert wal.stat().st_size > 0
    reader.execute("ROLLBACK")
    reader.close()
    async with asyncio.timeout(5):
        while wal.stat().st_size > 0:
            await asyncio.sleep(0.05)


async def test_a_unit_whose_caller_stopped_waiting_in_the_thread_still_goes_first(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    """The unit in aiosqlite's thread runs there even when its caller is cancelled (a stop, a timeout). The
    turn passes on only once it is done there — the cancelled caller returns the pooled connection, whose
    reset queues behind the unit in that thread — so the unit sent after it never runs before it."""
    db, _, statements = sqlite_store
    with _write_locked(tmp_path) as holder:
        first = asyncio.ensure_future(db.driver(_Insert("t-0"), small=True))
        await asyncio.sleep(0.05)  # it met the lock and waits in the thread (SQLite's busy handler)
        later = asyncio.ensure_future(db.driver(_Insert("t-1"), small=True))
        await asyncio.sleep(0.01)
        first.cancel()  # its caller stops waiting; the thread still runs it, once SQLite's busy handler wakes
        holder.execute("ROLLBACK")  # the lock is free while the first still sleeps in that handler
        async with asyncio.timeout(5):
            await later
        with pytest.raises(asyncio.CancelledError):
            await first
    order = await db.on_sqlite(lambda conn: [row[0] for row in conn.execute(
        "SELECT key FROM inbound_keys WHERE key IN ('t-0', 't-1') ORDER BY rowid")])
    assert order == ["t-0", "t-1"]
    assert not db._loop_db.turns.held  # type: ignore[union-attr]


async def test_closing_the_loops_connection_from_another_thread_closes_the_file(
        tmp_path: Path, sqlite_store: tuple[Database, Store, Statements]) -> None:
    """A `dispose` run from another thread (the loop's thread gone) still closes the loop's own connection,
    instead of leaving its file open until garbage collection."""
    db, _, statements = sqlite_store
    await db.driver(_Insert("opened"), small=True)
    assert statements[-2][0].startswith("loop:")
    loop_db = db._loop_db
    assert loop_db is not None
    conn = loop_db._conn
    assert conn is not None
    closer = threading.Thread(target=loop_db.close)
    closer.start()
    closer.join()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
