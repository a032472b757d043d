"""Storage on both databases: migrations match the models, URLs, settings, identities, de-duplication."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from handlers.core.clock import FakeClock
from handlers.core.errors import StorageUnavailable
from handlers.core.ports import ChannelSettings
from handlers.core.types import Person, Place, Platform
from storage.db import Database, async_url
from storage.migrate import upgrade
from storage.models import every_table
from storage.store import Store


def test_plain_urls_get_async_drivers() -> None:
    assert async_url("sqlite:///steadybot.db") == "sqlite+aiosqlite:///steadybot.db"
    assert async_url("postgresql://u:p@h/db").startswith("postgresql+asyncpg://u:p@h/db")
    assert async_url("postgres://u@h/db").startswith("postgresql+asyncpg://u@h/db")
    assert "ssl=require" in async_url("postgresql://u@h/db?sslmode=require")
    with pytest.raises(ValueError):
        async_url("mysql://u@h/db")


async def test_migrations_match_models_and_are_idempotent(db_url: str) -> None:
    await upgrade(db_url)
    await upgrade(db_url)  # a second run (another replica starting) changes nothing
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), every_table()))
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        await db.dispose()


async def test_replicas_migrating_at_once_do_not_collide(db_url: str) -> None:
    """Three processes (replicas starting together) run `steadybot migrate` against one fresh database."""
    env = {**os.environ, "DATABASE_URL": db_url}
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "migrate", env=env,
                                             stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for _ in range(3)
    ]
    results = await asyncio.gather(*(p.communicate() for p in procs))
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
        assert b"up to date" in out


async def test_settings_identities_and_dedupe(db_url: str) -> None:
    await upgrade(db_url)
    clock = FakeClock()
    db = Database(db_url)
    store = Store(db, clock)
    try:
        place = Place(Platform.SLACK, "C1", "T1")
        assert await store.settings.get(place) == ChannelSettings()
        changed = ChannelSettings(scope_watch=False, min_respondents=4, quiet_start=time(21), quiet_end=time(7))
        await store.settings.put(place, changed, Person(Platform.SLACK, "U1"))
        got = await store.settings.get(place)
        assert (got.scope_watch, got.min_respondents, got.quiet_start, got.quiet_end) == (False, 4, time(21), time(7))
        # the floor of 3 holds even if someone writes less
        await store.settings.put(place, ChannelSettings(min_respondents=1), Person(Platform.SLACK, "U1"))
        assert (await store.settings.get(place)).min_respondents == 3

        ana = Person(Platform.TEAMS, "29:ana", "Ana", "Europe/Berlin", False, "aad-ana")
        await store.identities.remember(ana, "tenant")
        assert await store.identities.get(Platform.TEAMS, "29:ana") == ana
        await store.identities.set_direct_line(Platform.TEAMS, "29:ana", dm_reference={"conversation": {"id": "a:1"}})
        line = await store.identities.direct_line(Platform.TEAMS, "29:ana")
        assert line is not None and line.dm_reference == {"conversation": {"id": "a:1"}}
        assert await store.identities.get(Platform.TEAMS, "29:nobody") is None

        assert await store.inbound.first_time("slack:event:Ev1") is True
        assert await store.inbound.first_time("slack:event:Ev1") is False
        other = Store(db, clock)  # another replica: no shared memory, the database decides
        assert await other.inbound.first_time("slack:event:Ev1") is False
        assert await other.inbound.first_time("slack:event:Ev2") is True
    finally:
        await db.dispose()


async def test_database_down_is_storage_unavailable(tmp_path: Path) -> None:
    db = Database("postgresql://nobody@127.0.0.1:1/none")
    try:
        assert await db.ping(timeout=2) is False
        with pytest.raises(StorageUnavailable):
            await Store(db, FakeClock()).settings.get(Place(Platform.SLACK, "C1"))
    finally:
        await db.dispose()


async def test_dedupe_keys_written_on_the_driver_read_back_through_the_models_and_are_purged(db_url: str) -> None:
    """`first_time` writes straight on the driver (storage/repos/inbound.py): the stored time is the one the
    ORM writes and reads (naive-UTC text on SQLite, timestamptz on PostgreSQL), so `purge` still finds it."""
    from datetime import timedelta

    from sqlalchemy import select

    from storage.models.core import InboundKey

    await upgrade(db_url)
    clock = FakeClock()
    db = Database(db_url)
    store = Store(db, clock)
    try:
        written = clock.now()
        assert await store.inbound.first_time("teams:activity:a1") is True
        assert await Store(db, clock).inbound.first_time("teams:activity:a1") is False  # the database decides
        async with db.session() as s:
            seen = await s.scalar(select(InboundKey.seen_at).where(InboundKey.key == "teams:activity:a1"))
        assert seen == written
        clock.advance(timedelta(days=1))
        assert await store.inbound.purge() == 0  # younger than two days: kept
        clock.advance(timedelta(days=1, seconds=1))
        assert await store.inbound.purge() >= 1
        async with db.session() as s:
            assert await s.scalar(select(InboundKey.key).where(InboundKey.key == "teams:activity:a1")) is None
    finally:
        await db.dispose()


async def test_dedupe_keys_arriving_together_are_decided_by_one_statement_exactly_once_across_replicas(
        db_url: str) -> None:
    """Keys that arrive together share one `INSERT … ON CONFLICT DO NOTHING RETURNING key` (storage/repos/
    inbound.py); across two replicas (two pools) racing on the same keys, and a key given twice in one batch,
    every key is "first time" for exactly one caller."""
    await upgrade(db_url)
    first, second = Database(db_url), Database(db_url)
    units: list[int] = []
    driver = first.driver

    async def counted(work: Any, **kwargs: Any) -> Any:
        units.append(len(work.keys))
        return await driver(work, **kwargs)

    first.driver = counted  # type: ignore[method-assign]  # a spy on our own method: how many statements
    try:
        stores = [Store(first, FakeClock()), Store(second, FakeClock())]
        assert await asyncio.gather(*(stores[0].inbound.first_time(f"together-{n}") for n in range(40))) == [True] * 40
        assert units == [40]  # one statement for the forty
        keys = [f"race-{n}" for n in range(60)]
        calls = [(store, key) for key in keys for store in (*stores, stores[0])]  # each key thrice, twice on one replica
        answers = await asyncio.gather(*(store.inbound.first_time(key) for store, key in calls))
        firsts = [key for (_, key), answer in zip(calls, answers, strict=True) if answer]
        assert sorted(firsts) == sorted(keys)  # every key once, whichever replica won it
        assert len(units) <= 3  # the second round: one or two batches, not sixty statements
        assert await stores[1].inbound.first_time("together-7") is False  # the database decides
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_lone_key_is_claimed_in_its_callers_task_and_a_burst_still_shares_one_statement(db_url: str) -> None:
    """`alone=True` with no batch pending claims the key with the same statement in the caller's own task (no
    flush task hop: storage/repos/inbound.py); with a batch pending it joins the batch; racing replicas and
    duplicates claiming alone at once are still each first exactly once (the database decides)."""
    await upgrade(db_url)
    first, second = Database(db_url), Database(db_url)
    units: list[tuple[str, int]] = []
    driver = first.driver

    async def counted(work: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        units.append((task.get_name() if task else "", len(work.keys)))
        return await driver(work, **kwargs)

    first.driver = counted  # type: ignore[method-assign]  # a spy on our own method: which task, how many keys
    try:
        store, other = Store(first, FakeClock()), Store(second, FakeClock())
        lone = asyncio.create_task(store.inbound.first_time("lone-1", alone=True), name="the request")
        assert await lone is True
        assert units == [("the request", 1)]
        assert await store.inbound.first_time("lone-1", alone=True) is False  # remembered
        assert await other.inbound.first_time("lone-1", alone=True) is False  # the database decides
        units.clear()
        burst = [store.inbound.first_time("burst-0"),
                 *(store.inbound.first_time(f"burst-{n}", alone=True) for n in range(1, 10))]
        assert await asyncio.gather(*burst) == [True] * 10
        assert units == [("inbound keys", 10)]  # a pending batch is joined, never jumped
        keys = [f"alone-race-{n}" for n in range(30)]
        calls = [(s, key) for key in keys for s in (store, other, store)]
        answers = await asyncio.gather(*(s.inbound.first_time(key, alone=True) for s, key in calls))
        firsts = [key for (_, key), answer in zip(calls, answers, strict=True) if answer]
        assert sorted(firsts) == sorted(keys)
    finally:
        await first.dispose()
        await second.dispose()


@asynccontextmanager
async def locked_sqlite(tmp_path: Path) -> AsyncIterator[tuple[Store, Any]]:
    """A store on a SQLite file, its one pooled connection with a 50 ms busy timeout, and a second plain
    sqlite3 connection (another process, as far as SQLite can tell) to take the write lock with."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'locked.db'}"
    await upgrade(url)
    db = Database(url)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        await db.on_sqlite(lambda conn: conn.execute("PRAGMA busy_timeout=50"))  # the one pooled connection
        yield Store(db, FakeClock()), holder
    finally:
        holder.close()
        await db.dispose()


async def test_dedupe_batch_fails_for_every_caller_alike_and_the_next_batch_works(tmp_path: Path) -> None:
    """A batch whose statement fails gives each of its callers the failure (StorageUnavailable: the pipeline
    answers anyway); the next key starts a new batch."""
    async with locked_sqlite(tmp_path) as (store, holder):
        holder.execute("BEGIN IMMEDIATE")
        got = await asyncio.gather(*(store.inbound.first_time(f"b{n}") for n in range(3)), return_exceptions=True)
        assert all(isinstance(g, StorageUnavailable) for g in got)
        holder.execute("ROLLBACK")
        assert await asyncio.gather(*(store.inbound.first_time(f"b{n}") for n in range(3))) == [True] * 3


async def test_dedupe_on_an_unreachable_database_is_storage_unavailable_and_opens_the_breaker() -> None:
    db = Database("postgresql://nobody@127.0.0.1:1/none", connect_timeout=1.0)
    try:
        with pytest.raises(StorageUnavailable):
            await Store(db, FakeClock()).inbound.first_time("slack:cmd:t1")
        assert db.is_down
    finally:
        await db.dispose()


async def test_dedupe_on_a_locked_sqlite_file_is_storage_unavailable(tmp_path: Path) -> None:
    """sqlite3's own "database is locked" (another process holding the write lock past the busy timeout) is
    StorageUnavailable on the driver path too, as it is through a session: the pipeline then answers anyway
    instead of failing the request."""
    async with locked_sqlite(tmp_path) as (store, holder):
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageUnavailable):
            await store.inbound.first_time("slack:cmd:locked")
        holder.execute("ROLLBACK")
        assert await store.inbound.first_time("slack:cmd:locked") is True


@pytest.mark.parametrize("alone", [False, True])
async def test_dedupe_cancelled_at_any_moment_leaves_the_database_usable(db_url: str, alone: bool) -> None:
    """The driver path's own transaction (one hand-off on SQLite) survives a cancellation wherever it lands,
    in a batch or claimed alone: the next session and the next key work, and a key is either recorded or not,
    never half."""
    await upgrade(db_url)
    db = Database(db_url)
    store = Store(db, FakeClock())
    try:
        for step in range(30):
            task = asyncio.ensure_future(store.inbound.first_time(f"cancel-{step}", alone=alone))
            await asyncio.sleep(step * 0.0001)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            async with asyncio.timeout(5):
                assert await Store(db, FakeClock()).inbound.first_time(f"after-{step}") is True
                assert await store.settings.get(Place(Platform.SLACK, "C1", "T1")) is not None
    finally:
        await db.dispose()


async def test_reads_take_no_write_lock_and_open_no_transaction(db_url: str) -> None:
    """`Database.read`: on SQLite a read goes through while another replica holds the write lock (a session
    would wait for it); on PostgreSQL each statement is its own transaction (autocommit: no BEGIN/COMMIT
    round trips). Committed writes are visible at once, and the connection goes back usable."""
    from sqlalchemy import text

    await upgrade(db_url)
    db, other = Database(db_url), Database(db_url)
    store = Store(db, FakeClock())
    place = Place(Platform.SLACK, "C1", "T1")
    try:
        await store.settings.put(place, ChannelSettings(scope_watch=False), Person(Platform.SLACK, "U1"))
        if db.is_postgres:
            async with db.read() as s:
                first = await s.scalar(text("SELECT transaction_timestamp()"))
                await asyncio.sleep(0.01)
                second = await s.scalar(text("SELECT transaction_timestamp()"))
            assert first != second  # two statements, two transactions
            async with db.session() as s:
                first = await s.scalar(text("SELECT transaction_timestamp()"))
                await asyncio.sleep(0.01)
                assert await s.scalar(text("SELECT transaction_timestamp()")) == first
        else:
            async with other.session() as writer:  # another replica holds the write lock meanwhile
                await writer.execute(text("UPDATE channel_settings SET scope_sensitivity = 'high'"))
                async with asyncio.timeout(2):
                    got = await store.settings.get(place)
                assert got.scope_watch is False and got.scope_sensitivity == "normal"  # its snapshot: before
        assert (await store.settings.get(place)).scope_watch is False
        await store.settings.put(place, ChannelSettings(scope_watch=True), Person(Platform.SLACK, "U1"))
        assert (await store.settings.get(place)).scope_watch is True  # a write, then a read: seen at once
    finally:
        await db.dispose()
        await other.dispose()


async def test_a_read_cancelled_at_any_moment_leaves_the_database_usable(db_url: str) -> None:
    await upgrade(db_url)
    db = Database(db_url)
    store = Store(db, FakeClock())
    place = Place(Platform.SLACK, "C1", "T1")
    try:
        for step in range(30):
            task = asyncio.ensure_future(store.settings.get(place))
            await asyncio.sleep(step * 0.0001)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            async with asyncio.timeout(5):
                assert await store.inbound.first_time(f"after-read-{step}") is True
                await store.settings.put(place, ChannelSettings(min_respondents=3 + step % 3),
                                         Person(Platform.SLACK, "U1"))
                assert (await store.settings.get(place)).min_respondents == 3 + step % 3
    finally:
        await db.dispose()


async def test_a_session_cancelled_at_any_moment_leaves_the_database_usable(db_url: str) -> None:
    """Cancellation happens (a timeout, a stop, a crashed tick): wherever it lands in a transaction, the
    connection goes back clean and the next session works. SQLite has one pooled connection, so a
    connection returned in the middle of a transaction would break every later session."""
    from datetime import UTC, datetime

    from sqlalchemy import delete, insert, select

    from storage.models.core import InboundKey

    def row(key: str) -> Any:
        return insert(InboundKey).values(key=key, seen_at=datetime(2026, 3, 2, 9, tzinfo=UTC))

    await upgrade(db_url)
    db = Database(db_url)
    try:
        async with db.session() as s:
            await s.execute(delete(InboundKey))
        for step in range(40):
            async def write(n: int = step) -> None:
                async with db.session() as s:
                    await s.execute(row(f"cancelled-{n}-a"))
                    await s.execute(row(f"cancelled-{n}-b"))

            task = asyncio.ensure_future(write())
            await asyncio.sleep(step * 0.0001)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            async with asyncio.timeout(5), db.session() as s:
                await s.execute(row(f"after-{step}"))
        async with db.session() as s:
            keys = set((await s.execute(select(InboundKey.key))).scalars())
        assert {f"after-{step}" for step in range(40)} <= keys
        for step in range(40):  # a cancelled transaction is all or nothing
            assert (f"cancelled-{step}-a" in keys) == (f"cancelled-{step}-b" in keys)
    finally:
        await db.dispose()


async def test_migrating_leaves_an_sqlite_file_in_wal_mode(tmp_path: Path) -> None:
    """WAL is set by the migration, before any bot connection opens the file: two replicas (engines) whose
    first connections switched a fresh file to WAL at once could fail with "database is locked"."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'wal.db'}"
    await upgrade(url)
    with sqlite3.connect(tmp_path / "wal.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first, second = Database(url), Database(url)
    try:
        stores = Store(first, FakeClock()), Store(second, FakeClock())
        place = Place(Platform.SLACK, "C1", "T1")
        await asyncio.gather(*(stores[n % 2].inbound.first_time(f"k{n}") for n in range(8)))
        assert await stores[0].settings.get(place) == await stores[1].settings.get(place)
    finally:
        await first.dispose()
        await second.dispose()



async def test_plan_each_time_holds_for_its_transaction_only(db_url: str) -> None:
    """`Database.plan_each_time`: on PostgreSQL the rest of the transaction is planned for its own parameters
    (a long IN list repeated past PostgreSQL's five custom plans would otherwise get the generic plan:
    docs/benchmarks.md#pulse-fan-out-target-3), and the pooled connection goes back to the server's default.
    On SQLite there is nothing to set and the session works as before."""
    from sqlalchemy import text

    await upgrade(db_url)
    db = Database(db_url, pool_size=1)  # one pooled connection: the second session gets the same one back
    try:
        async with db.session() as s:
            await db.plan_each_time(s)
            assert await s.scalar(text("SELECT count(*) FROM outbox")) == 0
            if db.is_postgres:
                assert await s.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        if db.is_postgres:
            async with db.session() as s:
                assert await s.scalar(text("SHOW plan_cache_mode")) == "auto"
    finally:
        await db.dispose()
