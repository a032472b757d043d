"""Outbox claim with a large backlog of future rows (issue 17).

Every pulse leaves reminders due days later, so a big install carries hundreds of thousands of pending rows
that are not due. The worker's claim must stay cheap whatever that backlog: this section loads N pending
rows due over the next 14 days (the driver's bulk path, like bench/aggregate.py), then measures the claim
of a batch of due rows, interleaved with the same claim on an empty outbox (the floor) in the same run.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.stats import percentile
from handlers.core.clock import FakeClock
from handlers.core.types import OutboxItem, Platform, Reply, Target
from storage.db import Database
from storage.migrate import upgrade
from storage.repos.outbox import OutboxRepo

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BATCH = 100


def _future_rows(n: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        user = f"U{i:07d}"
        rows.append({"platform": "slack", "target_key": f"slack:user:{user}", "kind": "message",
                     "target": {"platform": "slack", "kind": "user", "id": user, "thread_id": None, "team_id": "T1"},
                     "payload": {"text": "reminder"}, "data": {}, "dedupe_key": f"backlog-{i}",
                     "due_at": NOW + timedelta(seconds=rng.randrange(3600, 14 * 86400)), "status": "pending",
                     "attempts": 0, "created_at": NOW})
    return rows


async def _load(db: Database, rows: list[dict[str, Any]]) -> float:
    """Through SQLAlchemy Core in chunks (its multi-row VALUES path), then ANALYZE as autovacuum would."""
    from sqlalchemy import text

    from storage.bulk import table_of
    from storage.models.core import OutboxRow

    start = time.perf_counter()
    for chunk in range(0, len(rows), 10_000):
        async with db.session() as s:
            await s.execute(table_of(OutboxRow).insert(), rows[chunk:chunk + 10_000])
    async with db.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    return time.perf_counter() - start


async def _idle_claims(repo: OutboxRepo, rounds: int) -> list[float]:
    """The worker's every tick when nothing is due: a claim that finds nothing."""
    times: list[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        assert await repo.claim("bench", limit=BATCH) == []
        times.append((time.perf_counter() - t0) * 1000)
    return times


async def _claims(repo: OutboxRepo, rounds: int, tag: str) -> tuple[list[float], list[float]]:
    """`rounds` times: enqueue one batch of due rows, claim it (timed), then mark every row in flight and sent,
    all at once as the worker's sends do (the group commit batches them). Returns the claims' times and the
    whole cycles' (claim + both marks), in ms: the fan-out's database work for one batch."""
    target = Target(Platform.SLACK, "user", "UDUE", team_id="T1")
    claims: list[float] = []
    cycles: list[float] = []
    for r in range(rounds):
        await repo.enqueue([OutboxItem(target, NOW - timedelta(seconds=1), reply=Reply(text="due"),
                                       dedupe_key=f"{tag}-{r}-{i}") for i in range(BATCH)])
        t0 = time.perf_counter()
        claimed = await repo.claim("bench", limit=BATCH)
        t1 = time.perf_counter()
        assert len(claimed) == BATCH, f"claimed {len(claimed)} of {BATCH}"
        begun = await asyncio.gather(*(repo.begin_send(row) for row in claimed))
        sent = await asyncio.gather(*(repo.mark_sent(row.id, worker="bench") for row in claimed))
        t2 = time.perf_counter()
        assert all(begun) and all(sent), "a mark did not apply"
        claims.append((t1 - t0) * 1000)
        cycles.append((t2 - t0) * 1000)
    return claims, cycles


async def run_one(backlog_url: str, floor_url: str, n: int, rounds: int) -> dict[str, Any]:
    clock = FakeClock(NOW)
    out: dict[str, Any] = {"backlog": n}
    dbs = []
    try:
        for url in (backlog_url, floor_url):
            await upgrade(url)
            dbs.append(Database(url))
        big, empty = dbs
        out["load_s"] = await _load(big, _future_rows(n, random.Random(3)))
        repos = OutboxRepo(big, clock), OutboxRepo(empty, clock)
        await _claims(repos[0], 3, "warm-big")
        await _claims(repos[1], 3, "warm-empty")
        series: dict[str, list[float]] = {"backlog": [], "floor": [], "cycle_backlog": [], "cycle_floor": [],
                                          "idle_backlog": [], "idle_floor": []}
        for block in range(5):  # interleaved, so the machine's noise falls on both
            for side, repo in (("backlog", repos[0]), ("floor", repos[1])):
                claims, cycles = await _claims(repo, rounds // 5, f"due-{side}-{block}")
                series[side] += claims
                series[f"cycle_{side}"] += cycles
            series["idle_backlog"] += await _idle_claims(repos[0], rounds // 5)
            series["idle_floor"] += await _idle_claims(repos[1], rounds // 5)
        for name, values in series.items():
            out[f"{name}_p50"] = percentile(values, 50)
            out[f"{name}_p99"] = percentile(values, 99)
        out["pending_after"] = (await repos[0].counts()).get("pending", 0)
        for repo in repos:
            await repo.close()  # the group commit gives its connection back before the pools go
    finally:
        for db in dbs:
            await db.dispose()
    return out
