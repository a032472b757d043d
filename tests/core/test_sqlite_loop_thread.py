"""SQLite driver units on the event loop's own thread (`Database._loop_thread`, storage/sqlite_driver.py `inline`).

A driver unit (the de-duplication key, `/agenda add`'s item, the scope watcher's claim …) runs right on the
loop's thread when the one pooled connection is checked in and aiosqlite's thread is idle. What must hold:
it really runs there; it never blocks the loop (another process's write lock, a checkpoint); it never
interleaves with a session that holds the connection; and the connection's settings come back as they were.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from handlers.core.clock import FakeClock
from storage.db import CHECKPOINT_EVERY, Database
from storage.migrate import upgrade
from storage.models.core import InboundKey
from storage.store import Store


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[tuple[Database, Store, list[tuple[str, str]]]]:
    """A store on a SQLite file whose one pooled connection reports each statement with its thread."""
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    await upgrade(url)
    db = Database(url)
    statements: list[tuple[str, str]] = []

    def trace(conn: Any) -> None:
        conn.set_trace_callback(lambda sql: statements.append((threading.current_thread().name, sql)))

    await db.on_sqlite(trace)  # in aiosqlite's thread; afterwards the connection is checked in, idle
    statements.clear()
    try:
        yield db, Store(db, FakeClock()), statements
    finally:
        await db.dispose()


async def test_a_driver_unit_runs_on_the_loop_thread_when_the_connection_is_idle(
        sqlite_store: tuple[Database, Store, list[tuple[str, str]]]) -> None:
    _, store, statements = sqlite_store
    assert await store.inbound.first_time("slack:cmd:loop-1") is True
    inserts = [(thread, sql) for thread, sql in statements if sql.startswith("INSERT INTO inbound_keys")]
    assert inserts and {thread for thread, _ in inserts} == {threading.current_thread().name}


async def test_the_connection_settings_come_back_as_they_were(
        sqlite_store: tuple[Database, Store, list[tuple[str, str]]]) -> None:
    """The unit runs with busy timeout 0 and no auto-checkpoint; afterwards the connection has its own values
    again, including one somebody set on purpose."""
    db, store, _ = sqlite_store
    await db.on_sqlite(lambda conn: conn.execute("PRAGMA busy_timeout=4321"))
    seen: dict[str, int] = {}

    async def inside() -> None:
        from storage.repos.inbound import _Claim

        class Peek(_Claim):
            def sqlite(self, conn: Any) -> set[str]:
                seen["busy"] = conn.execute("PRAGMA busy_timeout").fetchone()[0]
                seen["auto"] = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
                return super().sqlite(conn)

        await db.driver(Peek(["peek"], [store.inbound._bind(store.inbound.clock.now())]))

    await inside()
    assert seen == {"busy": 0, "auto": 0}
    after = await db.on_sqlite(lambda conn: (conn.execute("PRAGMA busy_timeout").fetchone()[0],
                                            conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]))
    assert after == (4321, 1000)


async def test_another_process_holding_the_write_lock_never_blocks_the_loop(
        tmp_path: Path, sqlite_store: tuple[Database, Store, list[tuple[str, str]]]) -> None:
    """The CLI's `forget` (another process) holds the write lock: the unit goes to aiosqlite's thread and waits
    there, while the loop keeps serving everything else; when the lock is released the unit completes."""
    db, store, statements = sqlite_store
    holder = sqlite3.connect(tmp_path / "loop.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        claim = asyncio.ensure_future(store.inbound.first_time("slack:cmd:while-locked"))
        gaps: list[float] = []
        last = time.monotonic()
        for _ in range(30):  # 0.3 s of a ticker: the loop answers throughout
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
        assert not claim.done()
        assert max(gaps) < 0.2
        holder.execute("ROLLBACK")
        async with asyncio.timeout(5):
            assert await claim is True
    finally:
        holder.close()
    committed = [thread for thread, sql in statements if sql.startswith("INSERT INTO inbound_keys")]
    assert committed[-1] != threading.current_thread().name  # the one that went through ran in the thread


async def test_a_unit_while_a_session_holds_the_connection_waits_for_it(
        sqlite_store: tuple[Database, Store, list[tuple[str, str]]]) -> None:
    """A session has the connection checked out, mid-transaction: the unit does not run on the loop beside
    it (it would see the uncommitted row, or fail to BEGIN); it queues for the connection and sees the
    session's row once committed."""
    db, store, _ = sqlite_store
    entered = asyncio.Event()
    release = asyncio.Event()

    async def session_writing() -> None:
        async with db.session() as session:
            await session.execute(insert(InboundKey).values(key="slack:cmd:in-session",
                                                            seen_at=FakeClock().now()))
            entered.set()
            await release.wait()

    writer = asyncio.ensure_future(session_writing())
    await entered.wait()
    claim = asyncio.ensure_future(store.inbound.first_time("slack:cmd:in-session"))
    await asyncio.sleep(0.05)
    assert not claim.done()  # waiting for the session, not running inside its transaction
    release.set()
    async with asyncio.timeout(5):
        await writer
        assert await claim is False  # the session's key was there first


async def test_the_wal_is_checkpointed_in_aiosqlites_thread_never_on_the_loop(
        sqlite_store: tuple[Database, Store, list[tuple[str, str]]]) -> None:
    db, store, statements = sqlite_store
    for n in range(CHECKPOINT_EVERY * 3):
        assert await store.inbound.first_time(f"slack:cmd:wal-{n}") is True
    async with asyncio.timeout(5):
        while db._checkpointing is not None:
            await asyncio.sleep(0.01)
    loop_thread = threading.current_thread().name
    checkpoints = [thread for thread, sql in statements if "wal_checkpoint" in sql]
    assert len(checkpoints) >= 2
    assert loop_thread not in checkpoints
    assert any(thread == loop_thread for thread, sql in statements if sql.startswith("INSERT INTO inbound_keys"))
