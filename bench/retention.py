"""Retention (issue 17): the tables that grow with traffic stay flat in a simulated month.

One database is filled with the same traffic every simulated day — DMs queued and sent (outbox rows), inbound
request keys, scope prompts, parked ideas (each unparked a week later) — through the repositories the bot's
features use, with the runtime's own periodic work (`Scheduler.run_all_once`, housekeeping included) once
per simulated day on an injected clock, for longer than the longest retention period (the history before the
month: steady state). That database is copied, and the month is run on both copies, day by day interleaved:
on one with the runtime's periodic work as it is, on the other with the same work minus the three
housekeeping tasks (`purge-*`: pruning off, the floor). Rows and bytes of each table are read at day 0, 15
and 30. On PostgreSQL each simulated day ends with a plain VACUUM of the four tables, standing in for
autovacuum (which a month compressed into seconds would not give a turn).
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import Figure
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from handlers.core.clock import FakeClock
from handlers.core.types import OutboxItem, Place, Platform, Reply, Target
from handlers.scope.ports import ItemKind, ItemStatus
from storage.models.core import InboundKey, OutboxRow
from storage.models.scope import ScopeItem, ScopePrompt

START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
SECRET = "bench-retention-secret-0123456789-abcdefghijkl"
PLACE = Place(Platform.SLACK, "CRET", team_id="T1")
TABLES: dict[str, Any] = {"outbox": OutboxRow, "inbound_keys": InboundKey, "scope_prompts": ScopePrompt,
                          "scope_items": ScopeItem}
PURGES = ("purge-inbound", "purge-outbox", "purge-history")


@dataclass(frozen=True)
class Traffic:
    """What every simulated day writes."""

    dms: int
    inbound: int
    prompts: int
    parked: int


@dataclass(frozen=True)
class Plan:
    traffic: Traffic
    outbox_days: float  # the settings' retention periods
    history_days: float
    month: int = 30
    parked_for: int = 7  # days a parked idea stays on the list before it is unparked

    @property
    def history(self) -> int:
        """Simulated days before the month: past every retention period, plus a margin."""
        return int(max(self.outbox_days, self.history_days, 2)) + self.parked_for + 2

    @property
    def checkpoints(self) -> tuple[int, int, int]:
        return 0, self.month // 2, self.month


class Day:
    """The same traffic, day after day, on one runtime (its parked ideas remembered to unpark them)."""

    def __init__(self, runtime: Runtime, plan: Plan) -> None:
        self.runtime = runtime
        self.traffic = plan.traffic
        self.parked_for = plan.parked_for
        self.parked: dict[int, list[int]] = {}

    async def traffic_of(self, day: int) -> None:
        store, t = self.runtime.store, self.traffic
        now = self.runtime.clock.now()
        items = [OutboxItem(Target(Platform.SLACK, "user", f"U{i:04d}", team_id="T1"), now,
                            reply=Reply(text="check-in"), dedupe_key=f"ret-{day}-{i}") for i in range(t.dms)]
        await store.outbox.enqueue(items)
        while claimed := await store.outbox.claim("bench", limit=100):
            for row in claimed:
                await store.outbox.mark_sent(row.id, worker="bench")
        for i in range(t.inbound):
            await store.inbound.first_time(f"slack:ev:{day}:{i}")
        for i in range(t.prompts):
            await store.scope.open_prompt(PLACE, f"can we also add export {day}-{i}?", "can we also")
        ids = []
        for i in range(t.parked):
            item = await store.scope.add_item(PLACE, ItemKind.PARKED, f"idea {day}-{i}", max_open=10_000)
            assert item is not None
            ids.append(item.id)
        self.parked[day] = ids
        for item_id in self.parked.pop(day - self.parked_for, []):
            await store.scope.close_item(PLACE, ItemKind.PARKED, item_id, ItemStatus.UNPARKED)

    async def housekeeping(self) -> float:
        """The runtime's own retention tasks (registered hourly on its scheduler), once; returns the seconds."""
        scheduler = self.runtime.scheduler
        tasks = [task for task in scheduler.tasks if task.name in PURGES]
        assert sorted(task.name for task in tasks) == sorted(PURGES), "the runtime's housekeeping tasks changed"
        t0 = time.perf_counter()
        for task in tasks:
            await scheduler.run_task(task)
        return time.perf_counter() - t0


async def _vacuum(runtime: Runtime) -> None:
    if not runtime.db.is_postgres:
        return  # SQLite reuses freed pages itself
    from sqlalchemy import text

    async with runtime.db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"VACUUM {', '.join(TABLES)}"))


async def sizes(runtime: Runtime) -> dict[str, tuple[int, int]]:
    """Rows and bytes (table and its indexes) of every table."""
    from sqlalchemy import func, select, text

    out: dict[str, tuple[int, int]] = {}
    async with runtime.db.session() as s:
        for name, model in TABLES.items():
            rows = int((await s.execute(select(func.count()).select_from(model))).scalar_one())
            if runtime.db.is_postgres:
                size = (await s.execute(text("SELECT pg_total_relation_size(:t)"), {"t": name})).scalar_one()
            else:
                size = (await s.execute(text(
                    "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = :t)"), {"t": name})).scalar_one()
            out[name] = (rows, int(size))
    return out


def _settings(url: str, plan: Plan) -> Settings:
    return Settings(database_url=url, secret=SECRET, outbox_retention_days=plan.outbox_days,
                    history_retention_days=plan.history_days)


async def run(url: str, copy: Callable[[str], Any], plan: Plan,
              log: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """`copy(url)` makes a copy of the database at `url` (closed) and returns the copy's URL (awaitable)."""
    clock = FakeClock(START)
    runtime = await build_runtime(_settings(url, plan), clock=clock, adapters=[])
    day = Day(runtime, plan)
    t0 = time.perf_counter()
    try:
        for d in range(-plan.history, 1):
            await day.traffic_of(d)
            await day.housekeeping()
            await _vacuum(runtime)
            clock.advance(days=1)
    finally:
        await runtime.close()
    history_s = time.perf_counter() - t0
    log(f"retention: {plan.history} days of history in {history_s:.0f} s")
    off_url = await copy(url)
    on = Day(await build_runtime(_settings(url, plan), clock=clock, adapters=[]), plan)
    off = Day(await build_runtime(_settings(off_url, plan), clock=clock, adapters=[]), plan)
    on.parked = {d: list(ids) for d, ids in day.parked.items()}
    off.parked = {d: list(ids) for d, ids in day.parked.items()}
    got: dict[str, Any] = {"history_days": plan.history, "history_s": history_s, "traffic": plan.traffic,
                           "on": {0: await sizes(on.runtime)}, "off": {0: await sizes(off.runtime)}}
    purge: list[float] = []
    try:
        for d in range(1, plan.month + 1):
            for variant, pruning in ((on, True), (off, False)) if d % 2 else ((off, False), (on, True)):
                await variant.traffic_of(d)
                if pruning:
                    purge.append(await variant.housekeeping() * 1000)
                await _vacuum(variant.runtime)
            clock.advance(days=1)
            if d in plan.checkpoints:
                got["on"][d] = await sizes(on.runtime)
                got["off"][d] = await sizes(off.runtime)
    finally:
        for variant in (on, off):
            await variant.runtime.close()
    got["purge_ms"] = Figure.of(purge)
    got["flat"] = {name: got["on"][plan.month][name][0] <= got["on"][0][name][0] for name in TABLES}
    got["grew_off"] = {name: got["off"][plan.month][name][0] > got["off"][0][name][0] for name in TABLES}
    return got


def sqlite_copier(work: Path) -> Callable[[str], Any]:
    async def copy(url: str) -> str:
        source = Path(url.removeprefix("sqlite:///"))
        target = work / f"{source.stem}-off{source.suffix}"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    return copy


class PostgresCopies:
    """Copies of a database (CREATE DATABASE … TEMPLATE), dropped by `drop()`."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.made: list[str] = []

    async def copy(self, url: str) -> str:
        import asyncpg

        source = url.rsplit("/", 1)[1]
        name = f"{source}_{uuid.uuid4().hex[:6]}"
        admin = await asyncpg.connect(self.admin_url, timeout=5)
        try:
            for attempt in range(50):  # a closed pool's server processes take a moment to exit
                try:
                    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
                    break
                except asyncpg.exceptions.ObjectInUseError:
                    if attempt == 49:
                        raise
                    await asyncio.sleep(0.1)
        finally:
            await admin.close()
        self.made.append(name)
        return f"{url.rsplit('/', 1)[0]}/{name}"

    async def drop(self) -> None:
        import asyncpg

        admin = await asyncpg.connect(self.admin_url, timeout=5)
        try:
            for name in self.made:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
