"""Team results at scale: one channel with R closed (sealed) rounds of A anonymous answers each (1 000 ×
1 000 = 1 M answers in the full run), on PostgreSQL (a fresh database, dropped afterwards) and on SQLite.

The answers are bulk-loaded, then every round gets its totals the way sealing writes them
(`PulseRepo.write_totals`: one INSERT … SELECT … GROUP BY in the database; timed, a one-off).

Figures (median and range over repeated calls, in milliseconds):
- `recent_stats`: the repository call behind `/pulse results` — the newest 12 rounds, their totals;
- `/pulse results`: the whole command through the core (rounds, aggregate, settings, comments, rendering);
- all rounds: `recent_stats` over every round of the channel — a whole-history trend;
- all rounds from the answers: the GROUP BY over the covering index `ix_pulse_answers_round` of all 1 M
  answers (counts per level per dimension, in SQL) — what an open round costs, per answer, and what every
  round cost before totals existed;
- the floor: `SELECT round_id, count(*) … GROUP BY round_id` over the answers of the same 12 rounds, timed in
  the same loop — the cheapest query that touches those answers at all.
The query plan of the aggregate over the answers is recorded, to show the index is used.
"""

from __future__ import annotations

import gc
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.stats import Figure, ratios
from handlers.core.clock import FakeClock
from handlers.core.types import Command, Person, Place, Platform
from handlers.pulse.results import RECENT_ROUNDS
from storage.bulk import table_of
from storage.db import Database
from storage.migrate import upgrade
from storage.models.pulse import PulseAnswer
from storage.repos.pulse import PulseRepo

CHANNEL = "CRESULTS"
PLACE = Place(Platform.SLACK, CHANNEL, "T1", None, False, "team")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _rounds(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        opened = NOW - timedelta(days=7 * (n - i))
        out.append({"id": i + 1, "key": f"bench:{i}", "platform": "slack", "channel_id": CHANNEL, "team_id": "T1",
                    "channel_name": "team", "schedule_id": None, "occurrence": None, "opened_at": opened,
                    "first_due_at": opened, "closes_at": opened + timedelta(days=3), "window_hours": 72,
                    "invited": 0, "sealed": True})
    return out


def _answers(rounds: int, answers: int, rng: random.Random) -> list[tuple[Any, ...]]:
    return [(str(uuid.UUID(int=rng.getrandbits(128), version=4)), r + 1, *(rng.randint(1, 5) for _ in range(5)))
            for r in range(rounds) for _ in range(answers)]


async def _fill(db: Database, url: str, rounds: int, answers: int, data: list[tuple[Any, ...]]) -> float:
    """Rounds through SQLAlchemy; answers through the driver's bulk path (COPY / executemany). Seconds."""
    from storage.models.pulse import PulseComment, PulseRound

    start = time.perf_counter()
    rows = _rounds(rounds)
    for r in rows:
        r["invited"] = answers
    async with db.session() as s:
        for chunk in range(0, len(rows), 500):
            await s.execute(table_of(PulseRound).insert(), rows[chunk:chunk + 500])
        await s.execute(table_of(PulseComment).insert(), [
            {"id": str(uuid.uuid4()), "round_id": r + 1, "text": f"comment {c} of round {r}"}
            for r in range(rounds) for c in range(5)])
    columns = ["id", "round_id", "exhaustion", "cynicism", "efficacy", "workload", "burnout"]
    if db.is_postgres:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await conn.copy_records_to_table("pulse_answers", records=data, columns=columns)
            await conn.execute("VACUUM ANALYZE")  # what autovacuum does soon after: index-only scans
        finally:
            await conn.close()
    else:
        import sqlite3

        path = url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA synchronous=OFF")  # a bulk load for the benchmark, not the bot's settings
            conn.executemany(f"INSERT INTO pulse_answers ({', '.join(columns)}) VALUES (?, ?, ?, ?, ?, ?, ?)", data)
            conn.commit()
            conn.execute("ANALYZE")
        finally:
            conn.close()
    return time.perf_counter() - start


def _from_answers(round_ids: list[int]) -> str:
    """The aggregate over the answers themselves (what `recent_stats` runs for rounds without totals)."""
    ids = ", ".join(str(i) for i in round_ids)
    sums = ", ".join(f"sum(CASE WHEN {d} = {lv} THEN 1 ELSE 0 END)" for d in
                     ("exhaustion", "cynicism", "efficacy", "workload", "burnout") for lv in range(1, 6))
    return f"SELECT round_id, count(*), {sums} FROM pulse_answers WHERE round_id IN ({ids}) GROUP BY round_id"


async def _plan(db: Database, round_ids: list[int]) -> str:
    query = _from_answers(round_ids)
    async with db.session() as s:
        if db.is_postgres:
            rows = (await s.execute(text(f"EXPLAIN {query}"))).scalars().all()
        else:
            rows = [r[-1] for r in (await s.execute(text(f"EXPLAIN QUERY PLAN {query}"))).all()]
    return " / ".join(str(r).strip() for r in rows if "Scan" in str(r) or "SCAN" in str(r) or "SEARCH" in str(r))


async def _measure(db: Database, url: str, repo: PulseRepo, reps: int) -> dict[str, Any]:
    from bot.config import Settings
    from bot.runtime import build_runtime

    runtime = await build_runtime(Settings(database_url=url, secret="bench-steadybot-secret-0123456789-abcdefghijkl"), clock=FakeClock(NOW), migrate=False)
    who = Person(Platform.SLACK, "ULEAD", "Lead")
    recent_ids = [r.round.id for r in await repo.recent_stats(PLACE, RECENT_ROUNDS)]

    async def floor() -> None:
        async with db.session() as s:
            (await s.execute(select(PulseAnswer.round_id, func.count()).where(PulseAnswer.round_id.in_(recent_ids))
                             .group_by(PulseAnswer.round_id))).all()

    async def recent() -> None:
        await repo.recent_stats(PLACE, RECENT_ROUNDS)

    async def command() -> None:
        replies = await runtime.core.run_command(Command("pulse", "results", who, PLACE, "r", NOW))
        if not replies or "answers" not in replies[0].text:
            raise RuntimeError(f"/pulse results did not show results: {replies[0].text[:200] if replies else ''}")

    async def everything() -> None:
        stats = await repo.recent_stats(PLACE, 10_000)
        if sum(s.answers for s in stats) == 0:
            raise RuntimeError("no answers aggregated")

    all_ids = [r.round.id for r in await repo.recent_stats(PLACE, 10_000)]

    async def everything_from_answers() -> None:
        async with db.session() as s:
            if not (await s.execute(text(_from_answers(all_ids)))).all():
                raise RuntimeError("no answers aggregated")

    calls = {"floor": floor, "recent": recent, "command": command, "all": everything}
    times: dict[str, list[float]] = {k: [] for k in (*calls, "live")}
    try:
        for fn in (*calls.values(), everything_from_answers):  # warm caches and the statement cache
            await fn()
        for rep in range(reps):
            order = list(calls.items()) if rep % 2 == 0 else list(reversed(calls.items()))
            for name, fn in order:
                start = time.perf_counter()
                await fn()
                times[name].append((time.perf_counter() - start) * 1000)
        for _ in range(max(3, reps // 4)):
            start = time.perf_counter()
            await everything_from_answers()
            times["live"].append((time.perf_counter() - start) * 1000)
    finally:
        await runtime.close()
    return {
        "recent_ms": Figure.of(times["recent"]), "command_ms": Figure.of(times["command"]),
        "all_rounds_ms": Figure.of(times["all"]), "from_answers_ms": Figure.of(times["live"]),
        "floor_ms": Figure.of(times["floor"]),
        "ratio_recent": Figure.of(ratios(times["recent"], times["floor"])),
        "plan": await _plan(db, recent_ids),
    }


async def run_one(url: str, rounds: int, answers: int, reps: int, data: list[tuple[Any, ...]]) -> dict[str, Any]:
    await upgrade(url)
    db = Database(url)
    try:
        fill_s = await _fill(db, url, rounds, answers, data)
        repo = PulseRepo(db, FakeClock(NOW))
        start = time.perf_counter()
        if await repo.write_totals() != rounds:
            raise RuntimeError("not every sealed round got its totals")
        totals_s = time.perf_counter() - start
        result = await _measure(db, url, repo, reps)
        result["totals_s"] = totals_s
        async with db.session() as s:
            result["answers"] = int(await s.scalar(select(func.count()).select_from(PulseAnswer)) or 0)
        result["fill_s"] = fill_s
        return result
    finally:
        await db.dispose()


async def run(work: Path, rounds: int, answers: int, reps: int, postgres: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"rounds": rounds, "answers_per_round": answers}
    data = _answers(rounds, answers, random.Random(7))
    # The million generated rows live until the end; frozen, the garbage collector does not walk them in the
    # middle of a measured call (a full collection of this process took ~100 ms: the old outliers).
    gc.freeze()
    try:
        return await _run_all(work, rounds, answers, reps, postgres, out, data)
    finally:
        gc.unfreeze()


async def _run_all(work: Path, rounds: int, answers: int, reps: int, postgres: bool, out: dict[str, Any],
                   data: list[tuple[Any, ...]]) -> dict[str, Any]:
    out["sqlite"] = await run_one(f"sqlite:///{work / 'results.db'}", rounds, answers, reps, data)
    if not postgres:
        return out
    import asyncpg

    name = f"steadybot_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = await asyncpg.connect(PG_ADMIN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        out["postgres"] = {"skipped": f"PostgreSQL not reachable at {PG_ADMIN} ({type(exc).__name__})"}
        return out
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            out["postgres"] = await run_one(f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", rounds, answers, reps, data)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    return out
