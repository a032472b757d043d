"""Three real `steadybot serve` processes on one fresh PostgreSQL database, as behind a load balancer:
Slack and Teams requests alternate between them (redeliveries land on another replica), they share the
outbox with no double sends (FOR UPDATE SKIP LOCKED), a replica killed with SIGKILL mid-fan-out is taken
over by the others, and a periodic task that all of them run creates each round exactly once."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from handlers.core.clock import SystemClock
from handlers.core.types import OutboxItem, Person, Platform, Reply, Target
from handlers.pulse.sending import KIND_INVITE
from storage.db import Database
from storage.migrate import upgrade
from storage.models.core import OutboxRow
from storage.models.pulse import PulseRound
from storage.repos.outbox import OutboxRepo
from support import wire
from support.bf_connector import FakeConnector
from support.procs import ServeProcess
from support.slack_api import FakeSlackApi
from tests.support.fakes.replica import ROUNDS_CHANNEL, round_of
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, TEST_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

FAN_OUT = 900
TEAM = {f"U{i:03d}": "Europe/Berlin" for i in range(1, 21)}


async def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def post_slack(session: aiohttp.ClientSession, url: str, body: str,
                     content_type: str = "application/x-www-form-urlencoded",
                     headers: dict[str, str] | None = None, slack: FakeSlackApi | None = None) -> tuple[int, float]:
    """Post as Slack does; with `slack`, an answer in a slash command's ack body reaches its `responses`."""
    signed = {**wire.slack_headers(SIGNING_SECRET, body, content_type=content_type), **(headers or {})}
    started = time.perf_counter()
    async with session.post(f"{url}/slack/events", data=body.encode(), headers=signed) as response:
        answer = await response.read()
        if slack is not None:
            slack.acknowledged(body, response.status, response.content_type, answer)
        return response.status, time.perf_counter() - started


async def post_teams(session: aiohttp.ClientSession, url: str, activity: dict[str, object]) -> int:
    async with session.post(f"{url}/api/messages", data=json.dumps(activity),
                            headers={"Content-Type": "application/json"}) as response:
        await response.read()
        return response.status


async def test_three_replicas_share_traffic_outbox_and_rounds(pg_url: str, tmp_path: Path,
                                                              measure: Callable[[str], None]) -> None:
    await upgrade(pg_url)
    slack = await FakeSlackApi(latency=0.01).start()
    connector = await FakeConnector().start()
    for user, tz in TEAM.items():
        slack.add_user(user, f"Person {user}", tz=tz)
    slack.add_channel("C1", "U001", list(TEAM))
    env = {"DATABASE_URL": pg_url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "STEADYBOT_SECRET": TEST_SECRET, "SLACK_API_URL": slack.url, "STEADYBOT_INSECURE_DEV": "1", "STEADYBOT_OUTBOX_LEASE": "3",
           "STEADYBOT_SLACK_POSTS_PER_MINUTE": "0"}
    replicas = [ServeProcess(env, tmp_path / f"replica-{i}.log", argv=("-m", "tests.support.fakes.replica", "serve"))
                for i in range(3)]
    db = Database(pg_url)
    session = aiohttp.ClientSession()
    try:
        await asyncio.gather(*(r.start() for r in replicas))
        first_round = round_of(time.time()) + 1
        urls = itertools.cycle([r.url for r in replicas])

        # The same /pulse now (one trigger id) reaches two replicas at once, and a Slack retry reaches the third:
        # one round, one answer, each member DM'd once.
        pulse = wire.slash_body("/pulse", "now", user="U001", channel="C1", response_url=slack.response_url("pulse"),
                                trigger_id="trig-pulse-once")
        statuses = await asyncio.gather(post_slack(session, replicas[0].url, pulse, slack=slack),
                                        post_slack(session, replicas[1].url, pulse, slack=slack),
                                        post_slack(session, replicas[2].url, pulse, slack=slack,
                                                   headers={"X-Slack-Retry-Num": "1"}))
        assert [s for s, _ in statuses] == [200, 200, 200]
        # Answered before the kill below: a command Slack saw acknowledged is not redelivered, so work a killed
        # replica had acknowledged is gone by design (docs/operations.md, "What happens when…").
        await wait_until(lambda: any("pulse check-in is on its way" in str(m.get("text"))
                                     for m in slack.posted("C1")), 60, "the pulse announcement")

        # A fan-out every replica works on at once.
        now = SystemClock().now()
        people = [f"UF{i:04d}" for i in range(FAN_OUT)]
        await OutboxRepo(db, SystemClock()).enqueue([
            OutboxItem(Target.user(Person(Platform.SLACK, p), "T1"), now, reply=Reply(f"hello {p}"),
                       dedupe_key=f"test:fanout:{p}") for p in people])

        # Slack traffic alternating between replicas; each slash command answered once.
        results = await asyncio.gather(*(
            post_slack(session, next(urls), wire.slash_body("/steadybot", "help", user="U002", channel="C1",
                                                            response_url=slack.response_url(f"lb{i}")), slack=slack)
            for i in range(30)))
        assert all(status == 200 for status, _ in results)
        # An event redelivered to every replica is handled once.
        mention = wire.event_body({"type": "app_mention", "user": "U003", "channel": "C1",
                                   "text": "<@UBOT> help", "ts": "9.1"}, event_id="EvReplicas")
        for i, replica in enumerate(replicas):
            await post_slack(session, replica.url, mention, "application/json",
                             headers={"X-Slack-Retry-Num": str(i)} if i else None)
        # Teams traffic alternating too, and one activity redelivered to another replica.
        for i in range(6):
            activity = wire.teams_activity("help", service_url=connector.url, user=f"29:t{i}",
                                           activity_id=f"act-lb-{i}")
            assert await post_teams(session, next(urls), activity) in (200, 201)
        again = wire.teams_activity("help", service_url=connector.url, user="29:t0", activity_id="act-lb-0")
        assert await post_teams(session, replicas[1].url, again) in (200, 201)

        # Kill one replica in the middle of the fan-out: the others take its rows over when its lease ends.
        await wait_until(lambda: len(slack.posted()) >= FAN_OUT // 3, 60, "a third of the fan-out")
        replicas[0].kill9()
        await replicas[0].wait()
        killed_at = round_of(time.time())

        def fan_out_done() -> bool:
            texts = {m["text"] for m in slack.posted()}
            return all(f"hello {p}" in texts for p in people)

        await wait_until(fan_out_done, 90, "the whole fan-out")
        await wait_until(lambda: len(slack.responses) >= 30 and len(connector.sent) >= 6, 20, "all answers")
        last_round = round_of(time.time()) - 1
        await asyncio.sleep(1.0)  # anything doubled would arrive now

        posted = Counter(m["text"] for m in slack.posted())
        assert [t for t in posted if t.startswith("hello ") and posted[t] != 1] == []
        announced = [m for m in slack.posted("C1") if "pulse check-in is on its way" in str(m.get("text"))]
        assert len(announced) == 1, announced
        async with db.session() as s:
            rounds_made = await s.scalar(select(func.count()).select_from(PulseRound))
            invites = Counter((await s.execute(select(OutboxRow.target_key).where(
                OutboxRow.kind == KIND_INVITE))).scalars().all())
        # (the DMs themselves may wait for the members' working hours: this runs on the real clock)
        assert rounds_made == 1 and invites == Counter({f"slack:user:{u}:": 1 for u in TEAM}), invites
        assert len([r for r in slack.responses if str(r["_key"]).startswith("lb")]) == 30
        mentions = [c for c in slack.calls_to("chat.postEphemeral") if c.params.get("user") == "U003"]
        assert len(mentions) == 1
        teams_help = Counter(s.conversation_id for s in connector.sent)
        assert teams_help == Counter({f"a:1on1-29:t{i}": 1 for i in range(6)}), teams_help

        # Each two-second round exactly once, none missing, although three replicas (then two) created them.
        rounds = Counter(int(t.split()[1]) for t in (m["text"] for m in slack.posted(ROUNDS_CHANNEL)))
        assert all(n == 1 for n in rounds.values()), rounds
        assert set(range(first_round, last_round + 1)) <= set(rounds), (first_round, last_round, sorted(rounds))
        assert killed_at in rounds or killed_at + 1 in rounds

        async with db.session() as s:
            workers = (await s.execute(select(OutboxRow.claimed_by, func.count()).where(
                OutboxRow.dedupe_key.like("test:fanout:%")).group_by(OutboxRow.claimed_by))).all()
            unsent = await s.scalar(select(func.count()).select_from(OutboxRow).where(
                OutboxRow.status.notin_(("sent", "skipped"))))
        assert len(workers) >= 2, workers  # the work really was shared
        recovered = sum(r.log().count("not sending them again") for r in replicas[1:])
        measure(f"3 replicas on PostgreSQL: fan-out of {FAN_OUT} shared as "
                f"{sorted(n for _, n in workers)}, replica 0 killed -9 mid-way, {recovered} in-flight DMs "
                f"found in Slack's history by the survivors, 0 doubled; rounds {first_round}..{last_round} "
                f"each created once; {unsent} rows not yet sent")
    finally:
        await session.close()
        await asyncio.gather(*(r.stop() for r in replicas))
        await db.dispose()
        await slack.close()
        await connector.close()


async def test_a_pulse_schedule_makes_each_round_once_whichever_replica_runs_first(pg_url: str) -> None:
    """The real pulse schedule on three runtimes sharing one PostgreSQL database and one (fake) clock, their
    periodic work and outbox ticks running at the same moments: one round for the occurrence, one DM per
    person. (In-process replicas, so the clock can move a day in seconds; the real processes above share
    rounds the same way.)"""
    from contextlib import AsyncExitStack
    from datetime import timedelta

    from handlers.core.clock import FakeClock
    from tests.support.harness import START, running
    from tests.support.pulse_helpers import channel_command, pulse_dms, slack_team

    clock = FakeClock(START)  # Monday 09:00 UTC
    team = {f"U{i}": "UTC" for i in range(1, 7)}
    async with AsyncExitStack() as stack:
        bots = [await stack.enter_async_context(running(pg_url, clock=clock)) for _ in range(3)]
        for bot in bots:
            slack_team(bot, team, creator="U1")
        scheduled = await channel_command(bots[1], "schedule every tuesday at 10:00")
        assert "Pulse scheduled" in scheduled, scheduled
        while clock.now() < START + timedelta(hours=27):  # to Tuesday noon, an hour at a time, all at once
            await asyncio.gather(*(b.runtime.scheduler.run_all_once() for b in bots))
            await asyncio.gather(*(b.runtime.worker.drain() for b in bots))
            clock.advance(timedelta(hours=1))
        async with bots[0].runtime.db.session() as s:
            rounds = (await s.execute(select(PulseRound.schedule_id, func.count()).group_by(
                PulseRound.schedule_id))).all()
        assert [n for _, n in rounds] == [1], rounds  # Tuesday's round, once
        for user in team:  # one invitation each, sent by whichever replica claimed it
            assert sum(len(pulse_dms(bot, user)) for bot in bots) == 1, user
