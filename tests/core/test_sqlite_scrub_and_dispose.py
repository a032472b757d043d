"""The SQLite scrub and the WAL checkpoint around a stop (`Database.scrub`, `Database.dispose`, storage/db.py).

What must hold: a seal's or a forget's scrub is not skipped because its task was cancelled (a stop, a
timeout) — the WAL is emptied once it can be; a scrub still owed when the database is disposed of (the CLI's
`forget` exits, the bot stops) gets one last try, and a WARNING when even that fails; no checkpoint task or
timer starts after `dispose`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import insert

from handlers.core.clock import FakeClock
from storage.db import Database
from storage.migrate import upgrade
from storage.models.core import InboundKey
from storage.store import Store


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[tuple[Database, Store, Path]]:
    """A store on an SQLite file with a WAL in use; the WAL's path."""
    url = f"sqlite:///{tmp_path / 'scrub.db'}"
    await upgrade(url)
    db = Database(url)
    store = Store(db, FakeClock())
    assert await store.inbound.first_time("warm-up") is True
    try:
        yield db, store, tmp_path / "scrub.db-wal"
    finally:
        await db.dispose()


@contextmanager
def _old_snapshot(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another process reading an old snapshot (a backup tool): no WAL truncation while it reads."""
    reader = sqlite3.connect(tmp_path / "scrub.db", isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM inbound_keys").fetchone()
        yield reader
    finally:
        reader.close()


@contextmanager
def _file_kept_open(tmp_path: Path) -> Iterator[None]:
    """Another process with the file open and idle (the bot, while the CLI's `forget` runs): closing the last
    connection of this one does not checkpoint the WAL for it."""
    other = sqlite3.connect(tmp_path / "scrub.db", isolation_level=None)
    try:
        other.execute("SELECT count(*) FROM inbound_keys").fetchone()
        yield
    finally:
        other.close()


def _wal_size(wal: Path) -> int:
    return wal.stat().st_size if wal.exists() else 0


async def _forgotten_rows(store: Store, tag: str) -> None:
    for n in range(5):
        assert await store.inbound.first_time(f"{tag}-{n}") is True


async def test_a_scrub_cancelled_before_it_reached_the_thread_still_empties_the_wal(
        sqlite_db: tuple[Database, Store, Path]) -> None:
    """A forget's scrub waits for the pooled connection (a session holds it) and its task is cancelled (a
    request's timeout, a stop): the rows are deleted, the WAL must still be emptied, not left for a seal
    days later."""
    db, store, wal = sqlite_db
    db.checkpoint_retry = 0.1
    await _forgotten_rows(store, "forgotten")
    entered, release = asyncio.Event(), asyncio.Event()

    async def holding() -> None:
        async with db.session() as session:
            await session.execute(insert(InboundKey).values(key="held", seen_at=FakeClock().now()))
            entered.set()
            await release.wait()

    holder = asyncio.ensure_future(holding())
    await entered.wait()
    assert _wal_size(wal) > 0  # what the scrub is for (nothing can empty it while the session holds the pool)
    scrub = asyncio.ensure_future(db.scrub(["inbound_keys"]))
    await asyncio.sleep(0.05)
    scrub.cancel()
    await asyncio.gather(scrub, return_exceptions=True)
    release.set()
    await holder  # the owed scrub may empty the WAL from here on, at once or a retry later
    async with asyncio.timeout(5):
        while _wal_size(wal) > 0:
            await asyncio.sleep(0.02)


async def test_a_scrub_cancelled_while_a_reader_keeps_the_wal_is_finished_once_the_reader_lets_go(
        tmp_path: Path, sqlite_db: tuple[Database, Store, Path]) -> None:
    db, store, wal = sqlite_db
    db.checkpoint_retry = 0.1
    with _old_snapshot(tmp_path) as reader:
        await _forgotten_rows(store, "forgotten")
        scrub = asyncio.ensure_future(db.scrub(["inbound_keys"]))
        await asyncio.sleep(0.3)  # trying, in vain: the reader keeps the frames it may still read
        scrub.cancel()
        await asyncio.gather(scrub, return_exceptions=True)
        reader.execute("ROLLBACK")
    async with asyncio.timeout(5):
        while _wal_size(wal) > 0:
            await asyncio.sleep(0.02)


async def test_a_scrub_still_owed_at_dispose_gets_a_last_try(tmp_path: Path) -> None:
    """The CLI's `forget`: its scrub gave up (a backup was reading), the backup has finished since, and the
    process disposes of the database before the next try, 10 s later: the WAL is emptied on the way out, even
    though the bot (another process) keeps the file open."""
    url = f"sqlite:///{tmp_path / 'scrub.db'}"
    await upgrade(url)
    wal = tmp_path / "scrub.db-wal"
    with _file_kept_open(tmp_path):
        db = Database(url)
        try:
            store = Store(db, FakeClock())
            assert await store.inbound.first_time("warm-up") is True
            with _old_snapshot(tmp_path) as reader:
                await _forgotten_rows(store, "forgotten")
                assert await db.scrub(["inbound_keys"]) is False  # owed: tried again in 10 s
                reader.execute("ROLLBACK")
        finally:
            await db.dispose()
        assert _wal_size(wal) == 0


async def test_a_scrub_that_even_the_last_try_cannot_finish_is_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'scrub.db'}"
    await upgrade(url)
    with _file_kept_open(tmp_path):
        db = Database(url)
        try:
            store = Store(db, FakeClock())
            assert await store.inbound.first_time("warm-up") is True
            with _old_snapshot(tmp_path):
                await _forgotten_rows(store, "forgotten")
                assert await db.scrub(["inbound_keys"]) is False
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="steadybot.storage"):
                    await db.dispose()
        finally:
            await db.dispose()
    assert any("dispose" in r.getMessage() and "WAL" in r.getMessage() for r in caplog.records)


async def test_no_checkpoint_starts_after_dispose(
        tmp_path: Path, sqlite_db: tuple[Database, Store, Path]) -> None:
    """A scrub still running when the database is disposed of gives up afterwards: it must not leave a
    checkpoint task behind, trying every `checkpoint_retry` seconds on a disposed engine (a new pool, a new
    aiosqlite thread)."""
    db, store, _ = sqlite_db
    db.checkpoint_retry = 0.1
    with _old_snapshot(tmp_path):
        await _forgotten_rows(store, "forgotten")
        scrub = asyncio.ensure_future(db.scrub(["inbound_keys"]))
        await asyncio.sleep(0.2)
        await db.dispose()
        assert await scrub is False
    assert db._checkpointing is None and db._checkpoint_timer is None


async def test_no_quiet_timer_is_armed_by_a_unit_that_runs_while_dispose_waits(
        sqlite_db: tuple[Database, Store, Path]) -> None:
    """`dispose` waits for the checkpoint task it cancelled; a unit that runs on the loop meanwhile, once that
    task is done, finds the WAL past the threshold: it must not arm a timer that starts a checkpoint after
    `dispose`."""
    db, store, wal = sqlite_db
    await _forgotten_rows(store, "fill")
    db.wal_checkpoint_bytes = _wal_size(wal) - 1
    db.checkpoint_quiet = 60.0

    async def unwinding_checkpoint() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            db._checkpointing = None  # as `_checkpoint` ends, and then a request's unit runs
            assert await store.inbound.first_time("during-dispose", alone=True) is True

    db._checkpointing = asyncio.ensure_future(unwinding_checkpoint())
    await asyncio.sleep(0)
    await db.dispose()
    assert db._checkpoint_timer is None and db._checkpointing is None
