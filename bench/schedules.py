"""Scale (issue 17): N channels whose pulse schedules fire in the same minute, two replicas on one PostgreSQL.

As tests/reliability/test_scale_schedules.py does, two runtimes (each with its own connection pool,
scheduler and outbox worker, as two `steadybot serve` processes have) share one injected clock and one fake
Slack workspace (bench.schedfake, in its own process, every call in flight for a few milliseconds). The clock
is put on the minute every schedule's round is due to be created and both replicas run their periodic work
at once (`Scheduler.run_all_once`), as their schedulers would at that minute. Timed: that one pass. Checked:
every round created once, every member's invitation enqueued once, no outbox key twice.

The floor, interleaved with the bot in the same run (ABBA order), does the least the same result needs on
the same PostgreSQL and the same fake: two workers (as two replicas) take the channels one by one; for each,
`conversations.members` and `users.info` per member (8 at once) through a bare slack_sdk client, then one
transaction of plain INSERTs through asyncpg: the round, a participation row and an invitation and a
reminder outbox row per member. Every pass starts from the same prepared database (migrated, schedules
set): a copy of it (CREATE DATABASE … TEMPLATE), or for the last pass the database itself.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bench import proc
from bench.schedfake import channel_id, members_of
from bench.stats import Figure, ratios
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from handlers.core.clock import FakeClock
from handlers.core.recurrence import parse_recurrence
from handlers.core.types import Place, Platform
from handlers.pulse.sending import KIND_INVITE, KIND_REMIND
from handlers.pulse.timing import create_at, first_occurrence

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))  # a Monday
PHRASE = "every wednesday at 10:00"
WINDOW_HOURS = 48
PERIOD = 60.0  # seconds between two runs of the pulse task (handlers/pulse/__init__.py)
LATENCY = 0.005  # seconds every fake Slack call stays in flight, as in the test
REPLICAS = 2
LOOKUPS = 8  # users.info at once, as bot/slack/directory.py
SECRET = "bench-schedules-secret-0123456789-abcdefghijkl"


@dataclass(frozen=True)
class Plan:
    channels: int
    members: int
    rounds: int


async def unreachable(admin_url: str) -> str | None:
    """Why PostgreSQL cannot be used for a section (None: it can)."""
    import asyncpg

    try:
        admin = await asyncpg.connect(admin_url, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL not reachable at {admin_url} ({type(exc).__name__}): not measured"
    await admin.close()
    return None


class Databases:
    """A template database and copies of it, all dropped by `drop()`."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.base = admin_url.rsplit("/", 1)[0]
        self.template = f"steadybot_bench_{uuid.uuid4().hex[:10]}"
        self.made: list[str] = []

    async def _admin(self, sql: str) -> None:
        import asyncpg

        admin = await asyncpg.connect(self.admin_url, timeout=5)
        try:
            await admin.execute(sql)
        finally:
            await admin.close()

    async def commits(self, url: str, settle: float = 0.2) -> int:
        """Transactions committed in the database at `url` so far (after `settle` seconds: the statistics of
        connections just closed are flushed)."""
        import asyncpg

        await asyncio.sleep(settle)
        admin = await asyncpg.connect(self.admin_url, timeout=5)
        try:
            return int(await admin.fetchval("SELECT xact_commit FROM pg_stat_database WHERE datname = $1",
                                            url.rsplit("/", 1)[1]) or 0)
        finally:
            await admin.close()

    async def create_template(self) -> str:
        await self._admin(f'CREATE DATABASE "{self.template}"')
        self.made.append(self.template)
        return f"{self.base}/{self.template}"

    @asynccontextmanager
    async def copy(self) -> AsyncIterator[str]:
        """A copy of the template (dropped with the rest by `drop()`: a DROP DATABASE waits for a checkpoint)."""
        name = f"{self.template}_{len(self.made)}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        yield f"{self.base}/{name}"

    @asynccontextmanager
    async def last(self) -> AsyncIterator[str]:
        """The template itself, for the last pass (no copy is made after it; `drop()` removes it)."""
        yield f"{self.base}/{self.template}"

    async def drop(self) -> None:
        await asyncio.gather(*(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)') for name in self.made))


def _settings(url: str, slack_url: str) -> Settings:
    return Settings(database_url=url, slack_bot_token=proc.BOT_TOKEN, slack_signing_secret=proc.SIGNING_SECRET,
                    slack_api_url=slack_url, secret=SECRET, slack_posts_per_minute=0.0)


async def prepare(url: str, plan: Plan) -> datetime:
    """Migrate the template and give every channel its schedule; returns the occurrence they share."""
    clock = FakeClock(START)
    runtime = await build_runtime(Settings(database_url=url, secret=SECRET), clock=clock, adapters=[])
    try:
        recurrence, first = first_occurrence(parse_recurrence(PHRASE), clock.now(), ZoneInfo("UTC"))
        gate = asyncio.Semaphore(8)

        async def schedule(c: int) -> None:
            channel = channel_id(c)
            async with gate:
                await runtime.store.pulse.set_schedule(Place(Platform.SLACK, channel, "T1", name=channel), PHRASE,
                                                       recurrence, first, WINDOW_HOURS, members_of(c, plan.members)[0])

        await asyncio.gather(*(schedule(c) for c in range(plan.channels)))
    finally:
        await runtime.close()
    return first


async def _calls(session: aiohttp.ClientSession, control: str, reset: bool = False) -> dict[str, int]:
    if reset:
        async with session.post(f"{control}/reset") as response:
            response.raise_for_status()
        return {}
    async with session.get(f"{control}/calls") as response:
        return dict(await response.json())


async def bot_pass(url: str, slack_url: str, first: datetime, plan: Plan) -> dict[str, Any]:
    """Both replicas run their periodic work at the minute the rounds are due to be created."""
    from sqlalchemy import func, select

    from storage.models.core import OutboxRow
    from storage.models.pulse import PulseRound

    clock = FakeClock(START)
    replicas: list[Runtime] = []
    try:
        for _ in range(REPLICAS):
            runtime = await build_runtime(_settings(url, slack_url), clock=clock)
            runtime.outbox.on_due_now = None  # the DMs are due later: nothing is sent in this pass
            replicas.append(runtime)
        clock.set(create_at(first))
        t0 = time.perf_counter()
        await asyncio.gather(*(r.scheduler.run_all_once() for r in replicas))
        elapsed = time.perf_counter() - t0
        async with replicas[0].db.session() as session:
            rounds = (await session.execute(select(PulseRound.channel_id, PulseRound.invited))).all()
            outbox = (await session.execute(select(OutboxRow.kind, OutboxRow.target_key, OutboxRow.data)
                                            .where(OutboxRow.kind.in_((KIND_INVITE, KIND_REMIND))))).all()
            rows = int(await session.scalar(select(func.count()).select_from(OutboxRow)) or 0)
    finally:
        for runtime in replicas:
            await runtime.close()
    made = Counter(channel for channel, _ in rounds)
    keys = Counter((kind, key, data["round"]) for kind, key, data in outbox)
    invited = {key for kind, key, _ in outbox if kind == KIND_INVITE}
    everyone = {f"slack:user:{u}:" for c in range(plan.channels) for u in members_of(c, plan.members)}
    return {"seconds": elapsed, "rounds": len(made), "rounds_twice": sum(1 for n in made.values() if n > 1),
            "not_invited": sum(1 for _, done in rounds if done is None), "invites": len(invited),
            "reminders": sum(1 for kind, _, _ in outbox if kind == KIND_REMIND),
            "doubled": sum(n - 1 for n in keys.values() if n > 1), "missing": len(everyone - invited),
            "outbox_rows": rows}


async def floor_pass(url: str, slack_url: str, first: datetime, plan: Plan) -> dict[str, Any]:
    """Bare slack_sdk lookups and plain INSERTs, two channels at a time."""
    import asyncpg
    from slack_sdk.web.async_client import AsyncWebClient

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(dsn, min_size=REPLICAS, max_size=REPLICAS)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for c in range(plan.channels):
        queue.put_nowait(c)
    now = create_at(first)
    closes = first + timedelta(hours=WINDOW_HOURS)
    counts = Counter[str]()

    async def one(client: AsyncWebClient, c: int) -> None:
        channel = channel_id(c)
        members = (await client.conversations_members(channel=channel, limit=1000))["members"]
        gate = asyncio.Semaphore(LOOKUPS)

        async def info(user: str) -> dict[str, Any]:
            async with gate:
                return dict((await client.users_info(user=user))["user"])

        people = await asyncio.gather(*(info(u) for u in members))
        async with pool.acquire() as conn, conn.transaction():
            round_id = await conn.fetchval(
                "INSERT INTO pulse_rounds (key, platform, channel_id, team_id, channel_name, occurrence, opened_at, "
                "first_due_at, closes_at, window_hours, invited, sealed, min_respondents, sender_id, sender_invited) "
                "VALUES ($1, 'slack', $2, 'T1', $2, $3, $4, $5, $6, $7, $8, false, 3, $9, true) RETURNING id",
                f"floor:{channel}", channel, f"{first:%Y-%m-%dT%H:%M}", now, first, closes, WINDOW_HOURS,
                len(people), members[0])
            for person in people:
                user = person["id"]
                await conn.execute("INSERT INTO pulse_participation (round_id, platform, user_id, answered) "
                                   "VALUES ($1, 'slack', $2, false)", round_id, user)
                target = json.dumps({"platform": "slack", "kind": "user", "id": user, "thread_id": None,
                                     "team_id": "T1"})
                data = json.dumps({"round": round_id, "tz": person.get("tz", "UTC")})
                for kind, due in ((KIND_INVITE, first), (KIND_REMIND, first + timedelta(hours=24))):
                    await conn.execute(
                        "INSERT INTO outbox (platform, target, target_key, kind, payload, data, dedupe_key, due_at, "
                        "status, attempts, created_at) VALUES ('slack', $1::jsonb, $2, $3, NULL, $4::jsonb, $5, "
                        "$6, 'pending', 0, $7)", target, f"slack:user:{user}:", kind, data,
                        f"floor:{round_id}:{kind}:{user}", due, now)
                    counts[kind] += 1
        counts["rounds"] += 1

    async def worker(session: aiohttp.ClientSession) -> None:
        client = AsyncWebClient(token=proc.BOT_TOKEN, base_url=slack_url, session=session, retry_handlers=[])
        while not queue.empty():
            await one(client, queue.get_nowait())

    try:
        async with aiohttp.ClientSession() as session:
            t0 = time.perf_counter()
            await asyncio.gather(*(worker(session) for _ in range(REPLICAS)))
            elapsed = time.perf_counter() - t0
    finally:
        await pool.close()
    return {"seconds": elapsed, "rounds": counts["rounds"], "invites": counts[KIND_INVITE],
            "reminders": counts[KIND_REMIND]}


async def run(work: Path, admin_url: str, plan: Plan, log: Callable[[str], None]) -> dict[str, Any]:
    fake = proc.Process("schedfake", proc.python_module("bench.schedfake", str(plan.channels), str(plan.members),
                                                        str(LATENCY)), {}, work / "schedfake.log")
    started = asyncio.ensure_future(fake.spawn(announce=True))  # while the template is prepared
    databases = Databases(admin_url)
    bots: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    calls: dict[str, int] = {}
    try:
        first = await prepare(await databases.create_template(), plan)
        await started
        async with aiohttp.ClientSession() as session:
            for r in range(plan.rounds):
                order = ("floor", "bot") if r % 2 == 0 else ("bot", "floor")
                for which in order:
                    await _calls(session, fake.info["control"], reset=True)
                    final = r == plan.rounds - 1 and which == order[-1]
                    async with databases.last() if final else databases.copy() as url:
                        before = await databases.commits(url, settle=0.2 if final else 0.0)
                        if which == "bot":
                            bots.append(await bot_pass(url, fake.info["slack"], first, plan))
                            calls = await _calls(session, fake.info["control"])
                        else:
                            floors.append(await floor_pass(url, fake.info["slack"], first, plan))
                        done = (bots if which == "bot" else floors)[-1]
                        done["commits"] = await databases.commits(url) - before
                        log(f"schedules: {'two replicas' if which == 'bot' else 'floor'} {done['seconds']:.1f} s, "
                            f"{done['commits']:,} transactions")
    finally:
        await databases.drop()
        if not started.done():
            started.cancel()
        await fake.stop()
    bot_s, floor_s = [b["seconds"] for b in bots], [f["seconds"] for f in floors]
    worst = {key: max(b[key] for b in bots) for key in ("rounds_twice", "not_invited", "doubled", "missing")}
    return {"plan": plan, "bot_s": Figure.of(bot_s), "floor_s": Figure.of(floor_s),
            "ratio": Figure.of(ratios(bot_s, floor_s)), "bot": bots[-1], "floor": floors[-1], "worst": worst,
            "rounds_ok": all(b["rounds"] == plan.channels for b in bots), "slack_calls": calls,
            "holds": (max(bot_s) < PERIOD and all(v == 0 for v in worst.values())
                      and all(b["rounds"] == plan.channels for b in bots))}
