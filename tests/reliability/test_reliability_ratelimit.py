"""Rate limits and failing platforms: pacing below Slack's and Teams' limits, 429 Retry-After honoured per
channel, a 2 000-DM fan-out against a Slack that answers 429 to every tenth call delivered exactly once,
5xx and dropped connections retried with backoff and jitter, then failed visibly."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.outbox.errors import RateLimited
from bot.outbox.ratelimit import RateLimiter
from bot.teams.sender import APP_PER_TENANT, CONVERSATION_HOUR, CONVERSATION_SHORT
from handlers.core.types import OutboxItem, Person, Place, Platform, Reply, Target
from storage.repos.outbox import FAILED, SENT
from support import bf_connector
from support.procs import cli
from support.slack_api import Fault, FaultAnswer
from tests.support.harness import Harness, running


def dm(user: str) -> Target:
    return Target.user(Person(Platform.SLACK, user), "T1")


def channel(channel_id: str) -> Target:
    return Target(Platform.SLACK, "channel", channel_id, None, "T1")


async def drive(bot: Harness, done: Callable[[dict[str, int]], bool], *, step: float = 1.0,
                rounds: int = 400, pause: float = 0.0) -> dict[str, int]:
    """Send what is due, move the (fake) clock a step, until `done(counts)`. `pause`: real seconds between
    rounds, for waits the rate limiter measures on the real monotonic clock (a Retry-After it was told)."""
    counts: dict[str, int] = {}
    for _ in range(rounds):
        await bot.runtime.worker.drain()
        counts = await bot.runtime.store.outbox.counts()
        if done(counts):
            return counts
        bot.clock.advance(seconds=step)
        if pause:
            await asyncio.sleep(pause)
    raise AssertionError(f"outbox did not settle: {counts}")


def every_nth(n: int, status: int = 429, retry_after: str = "1", method: str = "chat.postMessage") -> Fault:
    counter = itertools.count(1)

    def fault(called: str, params: dict[str, Any]) -> FaultAnswer:
        if called == method and next(counter) % n == 0:
            return status, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after}
        return None

    return fault


# ---- pacing, simulated time ----------------------------------------------------------------------------
class SimulatedTime:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def _paced_sends(limits: list[tuple[str, float, float]], seconds: float) -> list[float]:
    """Send as fast as the limiter allows for `seconds` of simulated time; the times of the sends."""
    sim = SimulatedTime()
    limiter = RateLimiter(monotonic=sim.monotonic, sleep=sim.sleep)
    sent: list[float] = []
    while sim.now < seconds:
        try:
            await limiter.acquire_all(limits)
        except RateLimited as exc:
            sim.now += exc.retry_after
            continue
        sent.append(sim.now)
    return sent


def _max_in_window(times: list[float], window: float) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_teams_pacing_keeps_every_window_of_the_conversation_limit() -> None:
    limits = [("conv", *CONVERSATION_SHORT), ("conv:hour", *CONVERSATION_HOUR), ("app", *APP_PER_TENANT)]
    times = await _paced_sends(limits, 3 * 3600)
    for window, allowed in ((1, 7), (2, 8), (30, 60), (3600, 1800)):
        assert _max_in_window(times, window) <= allowed, (window, _max_in_window(times, window))
    assert len(times) > 3 * 1800 * 0.9  # and not much slower than the hourly limit allows


async def test_teams_app_stays_below_50_requests_per_second() -> None:
    sim = SimulatedTime()
    limiter = RateLimiter(monotonic=sim.monotonic, sleep=sim.sleep)
    sent: list[float] = []
    conversations = itertools.cycle(range(500))
    while sim.now < 60:
        conv = next(conversations)
        try:
            await limiter.acquire_all([(f"c{conv}", *CONVERSATION_SHORT), (f"c{conv}:h", *CONVERSATION_HOUR),
                                       ("app", *APP_PER_TENANT)])
        except RateLimited as exc:
            sim.now += min(exc.retry_after, 0.01)
            continue
        sent.append(sim.now)
    assert _max_in_window(sent, 1.0) <= 50
    assert len(sent) >= 60 * 35


async def test_slack_pacing_is_about_one_message_per_second_per_channel_with_short_bursts() -> None:
    times = await _paced_sends([("slack:post:C1", 1.0, 3.0)], 120)
    assert times[:3] == [0.0, 0.0, 0.0]  # a short burst
    assert _max_in_window(times, 60) <= 63
    assert _max_in_window(times, 10) <= 13


async def test_a_refused_token_is_given_back_to_every_bucket() -> None:
    sim = SimulatedTime()
    limiter = RateLimiter(monotonic=sim.monotonic, sleep=sim.sleep, max_wait=0.5)
    await limiter.acquire_all([("a", 1.0, 1.0), ("b", 100.0, 100.0)])
    with pytest.raises(RateLimited) as refused:
        await limiter.acquire_all([("a", 1.0, 1.0), ("b", 100.0, 100.0)])
    assert refused.value.scope == "a"
    limiter.block("b", 30)
    assert limiter.blocked_for("b") == pytest.approx(30)
    sim.now += 31
    await limiter.acquire_all([("a", 1.0, 1.0), ("b", 100.0, 100.0)])  # "b" was refunded, not spent


async def test_a_paced_fan_out_keeps_its_place_and_is_refused_at_most_once_per_message() -> None:
    """2 000 DMs against the workspace pace of 300 a minute: each refused row comes back at its reserved
    slot (one reschedule, not one per tick), and the pace holds over every minute."""
    import heapq

    sim = SimulatedTime()
    limiter = RateLimiter(monotonic=sim.monotonic, sleep=sim.sleep, max_wait=0.0)  # every wait is a refusal
    due = [(0.0, f"row{i}") for i in range(2000)]
    heapq.heapify(due)
    refused: dict[str, int] = {}
    sent: list[float] = []
    while due:
        at, ticket = heapq.heappop(due)
        sim.now = max(sim.now, at)
        try:
            await limiter.acquire_all([(f"slack:post:{ticket}", 1.0, 3.0), ("slack:post:team:T1", 5.0, 10.0)],
                                      ticket=ticket)
        except RateLimited as exc:
            refused[ticket] = refused.get(ticket, 0) + 1
            heapq.heappush(due, (sim.now + exc.retry_after, ticket))
            continue
        sent.append(sim.now)
    assert len(sent) == 2000 and max(refused.values()) == 1
    assert _max_in_window(sorted(sent), 60) <= 300 + 10
    assert sent[-1] == pytest.approx((2000 - 10) / 5, abs=2)  # and it does not go slower than the pace


# ---- Slack through the wire -----------------------------------------------------------------------------
async def test_slack_429_retry_after_is_honoured_per_channel(bot: Harness) -> None:
    first = {"C1": True}

    def busy_c1(method: str, params: dict[str, Any]) -> FaultAnswer:
        if method == "chat.postMessage" and params.get("channel") == "C1" and first["C1"]:
            first["C1"] = False
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"}
        return None

    bot.slack.faults.append(busy_c1)
    now = bot.clock.now()
    await bot.runtime.outbox.enqueue([OutboxItem(channel("C1"), now, reply=Reply("for C1")),
                                      OutboxItem(channel("C2"), now, reply=Reply("for C2"))])
    await bot.runtime.worker.drain()
    assert [m["text"] for m in bot.slack.posted("C2")] == ["for C2"]  # C2 is not held up by C1's 429
    assert bot.slack.posted("C1") == []
    row = [r for r in await _rows(bot) if r["target_key"].endswith(":C1:")][0]
    assert row["status"] == "pending" and row["attempts"] == 0  # waiting does not use up an attempt
    assert (row["due_at"] - now).total_seconds() >= 2
    await drive(bot, lambda c: c.get(SENT) == 2)
    calls = [c for c in bot.slack.calls_to("chat.postMessage") if c.params.get("channel") == "C1"]
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 1.9  # it waited as told, in real time too
    assert [m["text"] for m in bot.slack.posted("C1")] == ["for C1"]


async def _rows(bot: Harness) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from storage.models.core import OutboxRow

    async with bot.runtime.db.session() as session:
        rows = (await session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars().all()
        return [{"id": r.id, "target_key": r.target_key, "status": r.status, "attempts": r.attempts,
                 "due_at": r.due_at, "last_error": r.last_error, "result": r.result} for r in rows]


async def _unsent_invites(bot: Harness) -> int:
    from sqlalchemy import func, select

    from handlers.pulse.sending import KIND_INVITE
    from storage.models.core import OutboxRow

    async with bot.runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.kind == KIND_INVITE, OutboxRow.status != SENT)) or 0)


async def _fan_out(bot: Harness, people: int, prefix: str = "U") -> list[str]:
    users = [f"{prefix}{i:05d}" for i in range(people)]
    now = bot.clock.now()
    added = await bot.runtime.outbox.enqueue([
        OutboxItem(dm(user), now, reply=Reply(f"pulse for {user}"), dedupe_key=f"test:fanout:{user}")
        for user in users
    ])
    assert added == people
    return users


@pytest.mark.slow
async def test_fan_out_of_1000_dms_with_429_on_every_tenth_call_delivers_each_dm_once(
        sqlite_url: str, measure: Callable[[str], None]) -> None:
    """The outbox alone (rows enqueued directly); the 2 000-person `/pulse now` version follows."""
    async with running(sqlite_url) as bot:
        bot.slack.faults.append(every_nth(10, retry_after="1"))
        users = await _fan_out(bot, 1000)
        started = time.perf_counter()
        await drive(bot, lambda c: c.get(SENT) == 1000, rounds=200)
        elapsed = time.perf_counter() - started
        posted = bot.slack.posted()
        per_person: dict[str, int] = {}
        for message in posted:
            per_person[message["text"]] = per_person.get(message["text"], 0) + 1
        assert sorted(per_person) == sorted(f"pulse for {u}" for u in users)
        assert set(per_person.values()) == {1}
        calls = len(bot.slack.calls_to("chat.postMessage"))
        assert calls >= 1000 + 100  # the 429s really happened (and were retried)
        assert bot.runtime.worker.stats["rate_limited"] >= 100
        measure(f"1000-DM outbox fan-out, 429 on every 10th call: {elapsed:.1f}s, {calls} calls, "
                f"{bot.runtime.worker.stats['rate_limited']} rate-limited")


@pytest.mark.slow
async def test_pulse_now_to_2000_people_with_429_on_every_tenth_call_dms_each_person_once(
        pg_url: str, measure: Callable[[str], None]) -> None:
    """The end-to-end version: `/pulse now` in a 2 000-member channel, through the real wire (on PostgreSQL,
    the database for a team this size)."""
    from tests.support.pulse_helpers import pulse_dms, slack_team, text_of

    async with running(pg_url) as bot:
        people = {f"UP{i:04d}": "UTC" for i in range(2000)}
        slack_team(bot, people, creator="UP0000")
        bot.slack.faults.append(every_nth(10, retry_after="1"))
        started = time.perf_counter()
        assert (await bot.slash("/pulse", "now", user="UP0000", channel="C1")).status == 200
        announced = text_of((await bot.slack.wait_for("chat.postMessage", 1, timeout=60))[0].params)
        assert "on its way to 2000 people" in announced, announced
        for _ in range(120):
            await bot.runtime.worker.drain()
            if await _unsent_invites(bot) == 0:
                break
            bot.clock.advance(seconds=1)
        elapsed = time.perf_counter() - started
        assert await _unsent_invites(bot) == 0
        missing = [p for p in people if len(pulse_dms(bot, p)) == 0]
        doubled = [p for p in people if len({m["ts"] for m in bot.slack.posted("D" + p[1:])}) > 1]
        assert missing == [] and doubled == [], (len(missing), len(doubled))
        assert bot.runtime.worker.stats["rate_limited"] >= 200
        measure(f"/pulse now to 2000 people, 429 on every 10th chat.postMessage: every DM once in "
                f"{elapsed:.1f}s ({bot.runtime.worker.stats['rate_limited']} rate-limited and retried)")


async def test_ambiguous_failures_never_double_a_message(bot: Harness) -> None:
    """Slack posted the message but the answer was a 500, or the connection dropped before the answer:
    the retry finds the message in the channel history (by its metadata) and does not post it again."""
    hits: dict[str, int] = {}

    def posted_then_failed(method: str, params: dict[str, Any]) -> FaultAnswer:
        target = str(params.get("channel"))
        if method != "chat.postMessage" or target not in ("C500", "UDROP"):
            return None
        hits[target] = hits.get(target, 0) + 1
        if hits[target] > 1:
            return None
        bot.slack.answer(method, params)  # Slack did post it...
        return (500, {"ok": False, "error": "internal_error"}, {}) if target == "C500" else (0, {}, {})

    bot.slack.faults.append(posted_then_failed)
    now = bot.clock.now()
    await bot.runtime.outbox.enqueue([OutboxItem(channel("C500"), now, reply=Reply("once to C500")),
                                      OutboxItem(dm("UDROP"), now, reply=Reply("once to UDROP"))])
    await drive(bot, lambda c: c.get(SENT) == 2, step=5)
    assert [m["text"] for m in bot.slack.posted("C500")] == ["once to C500"]
    assert [m["text"] for m in bot.slack.posted("DDROP")] == ["once to UDROP"]
    assert len(bot.slack.calls_to("conversations.history")) == 2
    assert hits == {"C500": 1, "UDROP": 1}  # no second chat.postMessage at all


async def test_a_429_on_the_history_check_holds_that_method_not_the_channels(bot: Harness) -> None:
    """Retry-After per method: the history check after an ambiguous failure is told to wait; it waits (the
    row keeps its "maybe delivered" mark) while posts elsewhere go on, then finds the message."""
    seen = {"post": 0, "history": 0}

    def faults(method: str, params: dict[str, Any]) -> FaultAnswer:
        if method == "chat.postMessage" and params.get("channel") == "CAMB":
            seen["post"] += 1
            if seen["post"] == 1:
                bot.slack.answer(method, params)
                return 504, {"ok": False, "error": "request_timeout"}, {}
        if method == "conversations.history":
            seen["history"] += 1
            if seen["history"] == 1:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"}
        return None

    bot.slack.faults.append(faults)
    now = bot.clock.now()
    await bot.runtime.outbox.enqueue([OutboxItem(channel("CAMB"), now, reply=Reply("exactly once"))])
    await bot.runtime.worker.drain()  # the 504: Slack has it, but we cannot know — the row waits to check
    await bot.runtime.outbox.enqueue([OutboxItem(channel("COTHER"), bot.clock.now(), reply=Reply("meanwhile"))])
    await bot.runtime.worker.drain()
    assert [m["text"] for m in bot.slack.posted("COTHER")] == ["meanwhile"]  # not held up
    rows = {r["target_key"]: r for r in await _rows(bot)}
    waiting = rows["slack:channel:CAMB:"]
    assert waiting["status"] == "pending" and waiting["result"]["inflight"]  # still "maybe delivered"
    # history: 429 (Retry-After 2, held by the limiter in real seconds), then the answer
    await drive(bot, lambda c: c.get(SENT) == 2, step=1, pause=0.05)
    assert [m["text"] for m in bot.slack.posted("CAMB")] == ["exactly once"]
    assert seen == {"post": 1, "history": 2}
    assert bot.runtime.worker.stats["rate_limited"] >= 1


async def test_5xx_and_dropped_connections_back_off_with_jitter_then_fail_visibly(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with running(sqlite_url) as bot:
        def broken(method: str, params: dict[str, Any]) -> FaultAnswer:
            target = params.get("channel")
            if method == "chat.postMessage" and target in ("CBROKEN1", "CBROKEN2"):
                return 503, {"ok": False, "error": "service_unavailable"}, {}
            if method == "chat.postMessage" and target == "CDROP":
                return 0, {}, {}
            return None

        flaky = itertools.count()

        def flaky_twice(method: str, params: dict[str, Any]) -> FaultAnswer:
            if method == "chat.postMessage" and params.get("channel") == "CFLAKY" and next(flaky) < 2:
                return 502, {"ok": False, "error": "bad_gateway"}, {}
            return None

        bot.slack.faults += [broken, flaky_twice]
        # Every retry after an ambiguous failure checks the history first (Tier 3, paced in real time); this
        # test moves a fake clock through minutes of backoff in a few real seconds, so it widens that budget.
        bot.slack_adapter.sender.tier3_per_minute = 6000.0
        now = bot.clock.now()
        await bot.runtime.outbox.enqueue([OutboxItem(channel(c), now, reply=Reply(f"to {c}"))
                                          for c in ("CBROKEN1", "CBROKEN2", "CDROP", "CFLAKY")])
        delays: dict[str, dict[int, float]] = {"CBROKEN1": {}, "CBROKEN2": {}}
        with caplog.at_level(logging.INFO, logger="steadybot"):
            for _ in range(200):
                await bot.runtime.worker.drain()
                for row in await _rows(bot):
                    name = row["target_key"].split(":")[2]
                    if name in delays and row["status"] == "pending" and row["attempts"] not in delays[name]:
                        delays[name][row["attempts"]] = (row["due_at"] - bot.clock.now()).total_seconds()
                counts = await bot.runtime.store.outbox.counts()
                if counts.get(FAILED) == 3 and counts.get(SENT) == 1:
                    break
                bot.clock.advance(seconds=1)
        assert counts == {FAILED: 3, SENT: 1}, counts
        assert [m["text"] for m in bot.slack.posted("CFLAKY")] == ["to CFLAKY"]
        for name, seen in delays.items():  # equal jitter: within [base·2ⁿ⁻¹/2, base·2ⁿ⁻¹] after attempt n
            assert sorted(seen) == [1, 2, 3, 4, 5], (name, seen)
            for n, delay in seen.items():
                assert 2.0 * 2 ** (n - 1) / 2 <= delay <= 2.0 * 2 ** (n - 1), (name, seen)
        assert delays["CBROKEN1"] != delays["CBROKEN2"]  # jitter spreads them apart
        failed = {r["target_key"].split(":")[2]: r for r in await _rows(bot) if r["status"] == FAILED}
        assert "after 6 attempts: slack 503 service_unavailable" in failed["CBROKEN1"]["last_error"]
        assert "after 6 attempts" in failed["CDROP"]["last_error"]
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert any("failed after 6 attempts: slack 503" in line and "CBROKEN2" in line for line in logged)

        # An operator sees them, fixes the cause and requeues them: nothing was dropped.
        env = {"DATABASE_URL": sqlite_url}
        code, shown, err = await cli("outbox", env=env)
        assert code == 0, err
        assert "failed 3" in shown and "sent 1" in shown
        for name in ("CBROKEN1", "CBROKEN2", "CDROP"):
            assert f"slack:channel:{name}" in shown
        assert "slack 503 service_unavailable" in shown
        bot.slack.faults.clear()
        code, requeued, err = await cli("outbox", "--retry-failed", env=env)
        assert "requeued 3 failed rows" in requeued, requeued + err
        bot.clock.set(datetime.now(UTC) + timedelta(seconds=1))  # the CLI requeued them for "now", real time
        await drive(bot, lambda c: c.get(SENT) == 4)
        for name in ("CBROKEN1", "CBROKEN2", "CDROP"):
            assert [m["text"] for m in bot.slack.posted(name)] == [f"to {name}"]


# ---- Teams through the wire -----------------------------------------------------------------------------
async def _teams_channel(bot: Harness) -> Target:
    await bot.teams(bot.activity("steadybot help", conversation_type="channel", mention=True))
    await bot.connector.wait_for(1)
    place = Place(Platform.TEAMS, bf_connector.CHANNEL_ID, bf_connector.TEAM_ID)
    return Target.channel(place)


async def test_teams_429_waits_and_5xx_retries_then_each_message_is_sent_once(bot: Harness) -> None:
    target = await _teams_channel(bot)
    calls = itertools.count()

    def throttled(kind: str, conversation: str, body: dict[str, Any]) -> bf_connector.FaultAnswer:
        if kind in ("send", "reply") and conversation == bf_connector.CHANNEL_ID:
            n = next(calls)
            if n == 0:
                return 429, {"error": {"code": "Throttled"}}, {"Retry-After": "2"}
            if n == 1:
                return 503, {"error": {"code": "ServiceUnavailable"}}, {}
        return None

    bot.connector.faults.append(throttled)
    now = bot.clock.now()
    await bot.runtime.outbox.enqueue([OutboxItem(target, now, reply=Reply("timer: 5 minutes left"))])
    await bot.runtime.worker.drain()
    row = [r for r in await _rows(bot) if r["target_key"].startswith("teams:")][0]
    assert row["status"] == "pending" and row["attempts"] == 0 and "rate limited for 2.0s" in row["last_error"]
    await drive(bot, lambda c: c.get(SENT) == 1, step=2)
    sent = [s for s in bot.connector.sent if "5 minutes left" in s.text]
    assert len(sent) == 1
    assert next(calls) == 3  # 429, 503, then the one that went through


async def test_slack_sends_are_paced_per_channel_in_real_time(bot: Harness) -> None:
    """Six posts to one channel: three go at once (the burst), the rest about a second apart."""
    now = bot.clock.now()
    await bot.runtime.outbox.enqueue([OutboxItem(channel("CPACE"), now, reply=Reply(f"m{i}")) for i in range(6)])
    started = time.monotonic()
    await drive(bot, lambda c: c.get(SENT) == 6, step=0.5)
    calls = [c.at for c in bot.slack.calls_to("chat.postMessage")]
    assert calls[2] - started < 1.0
    assert calls[5] - calls[2] >= 2.5  # 3 more at ~1/s
    assert [m["text"] for m in bot.slack.posted("CPACE")] == [f"m{i}" for i in range(6)]  # in order


def test_reliability_settings_come_from_the_environment_and_refuse_nonsense() -> None:
    from bot.config import Settings

    defaults = Settings.from_env({})
    assert (defaults.outbox_lease, defaults.slack_posts_per_minute, defaults.teams_max_in_flight) == (30.0, 300.0, 4)
    tuned = Settings.from_env({"STEADYBOT_OUTBOX_LEASE": "5", "STEADYBOT_SLACK_POSTS_PER_MINUTE": "0",
                               "STEADYBOT_TEAMS_MAX_IN_FLIGHT": "1"})
    assert (tuned.outbox_lease, tuned.slack_posts_per_minute, tuned.teams_max_in_flight) == (5.0, 0.0, 1)
    for name, value in (("STEADYBOT_OUTBOX_LEASE", "0"), ("STEADYBOT_OUTBOX_LEASE", "soon"),
                        ("STEADYBOT_SLACK_POSTS_PER_MINUTE", "-1"), ("STEADYBOT_TEAMS_MAX_IN_FLIGHT", "nan")):
        with pytest.raises(ValueError, match=name):
            Settings.from_env({name: value})
