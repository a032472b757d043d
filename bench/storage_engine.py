"""Evidence for the storage layer's design choice: the cost of one short transaction (an idempotent
insert, like the inbound de-duplication key every request writes) through `storage.db.Database.session()`
— the async engine the bot uses (aiosqlite / asyncpg) — against the same transaction through a plain
synchronous SQLAlchemy session run in `asyncio.to_thread` (SQLite) or a bare `AsyncSession` on a
plain engine (default pool, no pre-ping, no slots, timeouts or breaker) for PostgreSQL. Sequential, then 200 at once; wall and CPU time per
transaction, interleaved.

Second comparison: the de-duplication key as every request now writes it, straight on the driver
(`InboundRepo.first_time` → `Database.driver`), against the same key through `Database.session()` and the
ORM's insert, as it was written before (docs/benchmarks.md#driver-path). Third: a one-statement read (a
channel's settings) through `Database.read()` against the same read through `Database.session()`
(docs/benchmarks.md#read-sessions).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from bench.stats import Figure, ratios
from storage.db import Database, sqlite_connection_settings

DDL = "CREATE TABLE IF NOT EXISTS bench_keys (key VARCHAR(300) PRIMARY KEY, seen INTEGER)"
INSERT = "INSERT INTO bench_keys (key, seen) VALUES (:key, 1) ON CONFLICT DO NOTHING"


def _sync_sqlite(url: str) -> Any:
    engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        sqlite_connection_settings(dbapi_conn)  # the bot's own settings: the same database, two engines

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _through(db: Database) -> Callable[[int], Awaitable[None]]:
    """The transaction as the bot runs it: `Database.session()`."""
    async def ours(k: int) -> None:
        async with db.session() as s:
            await s.execute(text(INSERT), {"key": f"k{k}"})
    return ours


def _dedupe_paths(db: Database) -> tuple[Callable[[int], Awaitable[None]], Callable[[int], Awaitable[None]]]:
    """(the driver path the bot uses, the session path it replaced) for one de-duplication key."""
    from datetime import UTC, datetime

    from handlers.core.clock import SystemClock
    from storage.models.core import InboundKey
    from storage.repos.inbound import InboundRepo
    from storage.upsert import insert_for

    repo = InboundRepo(db, SystemClock(), memory=0)
    insert = insert_for(db.dialect)

    async def driver(k: int) -> None:
        await repo.first_time(f"d{k}")

    async def session(k: int) -> None:
        async with db.session() as s:
            await s.execute(insert(InboundKey).values(key=f"s{k}", seen_at=datetime.now(UTC)).on_conflict_do_nothing())

    return driver, session


async def _with_dedupe(db: Database, out: dict[str, Any], keys: itertools.count, n: int, rounds: int) -> dict[str, Any]:
    from storage.models.base import Base

    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: Base.metadata.create_all(
            sync, tables=[Base.metadata.tables[t] for t in ("inbound_keys", "channel_settings")]))
    driver, session = _dedupe_paths(db)
    out["dedupe"] = await _compare(driver, session, keys, n, rounds)
    out["read"] = await _compare(*_read_paths(db), keys, n, rounds)
    return out


def _read_paths(db: Database) -> tuple[Callable[[int], Awaitable[None]], Callable[[int], Awaitable[None]]]:
    """(a read through `Database.read`, the same read through `Database.session`): one channel's settings."""
    from sqlalchemy import select

    from storage.models.core import ChannelSettingsRow

    def query(k: int) -> Any:
        return select(ChannelSettingsRow).where(ChannelSettingsRow.platform == "slack",
                                                ChannelSettingsRow.channel_id == f"C{k % 50}")

    async def read(k: int) -> None:
        async with db.read() as s:
            await s.scalar(query(k))

    async def session(k: int) -> None:
        async with db.session() as s:
            await s.scalar(query(k))

    return read, session


async def _time(fn: Callable[[int], Awaitable[None]], keys: itertools.count, n: int, concurrent: bool) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    if concurrent:
        await asyncio.gather(*(fn(next(keys)) for _ in range(n)))
    else:
        for _ in range(n):
            await fn(next(keys))
    return (time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6


async def run_sqlite(work: Path, n: int, rounds: int) -> dict[str, Any]:
    url = f"sqlite:///{work / 'engine.db'}"
    db = Database(url)
    engine = _sync_sqlite(url)
    keys = itertools.count()
    try:
        async with db.session() as s:
            await s.execute(text(DDL))

        def sync(k: int) -> None:
            with Session(engine) as s, s.begin():
                s.execute(text(INSERT), {"key": f"k{k}"})

        async def threaded(k: int) -> None:
            await asyncio.to_thread(sync, k)

        return await _with_dedupe(db, await _compare(_through(db), threaded, keys, n, rounds), keys, n, rounds)
    finally:
        await db.dispose()
        engine.dispose()


async def run_postgres(url: str, n: int, rounds: int) -> dict[str, Any]:
    db = Database(url)
    plain = create_async_engine(db.url, pool_size=10)
    keys = itertools.count()
    try:
        async with db.session() as s:
            await s.execute(text(DDL))

        async def bare(k: int) -> None:
            async with AsyncSession(plain) as s, s.begin():
                await s.execute(text(INSERT), {"key": f"k{k}"})

        return await _with_dedupe(db, await _compare(_through(db), bare, keys, n, rounds), keys, n, rounds)
    finally:
        await db.dispose()
        await plain.dispose()


async def _compare(ours: Callable[[int], Awaitable[None]], other: Callable[[int], Awaitable[None]],
                   keys: itertools.count, n: int, rounds: int) -> dict[str, Any]:
    for fn in (ours, other):
        for _ in range(20):
            await fn(next(keys))
    got: dict[str, list[float]] = {k: [] for k in ("ours_seq", "other_seq", "ours_cpu", "other_cpu", "ours_conc",
                                                   "other_conc")}
    for r in range(rounds):
        pairs = (("ours", ours), ("other", other)) if r % 2 == 0 else (("other", other), ("ours", ours))
        for name, fn in pairs:
            wall, cpu = await _time(fn, keys, n, False)
            got[f"{name}_seq"].append(wall)
            got[f"{name}_cpu"].append(cpu)
            wall, _ = await _time(fn, keys, n, True)
            got[f"{name}_conc"].append(wall)
    out: dict[str, Any] = {k: Figure.of(v) for k, v in got.items()}
    out["ratio_cpu"] = Figure.of(ratios(got["ours_cpu"], got["other_cpu"]))
    return out
