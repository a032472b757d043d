"""Load: 200 slash commands at once against a real `steadybot serve` on this machine, while the outbox is busy
sending a 2 000-DM fan-out. Every command is acknowledged inside Slack's 3 seconds, and every one is answered."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from handlers.core.clock import SystemClock
from handlers.core.types import OutboxItem, Person, Platform, Reply, Target
from storage.db import Database
from storage.migrate import upgrade
from storage.repos.outbox import OutboxRepo
from support import wire
from support.procs import ServeProcess
from support.slack_api import FakeSlackApi
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET

pytestmark = pytest.mark.slow

COMMANDS = 200
FAN_OUT = 2000
MIX = [("/steadybot", "help"), ("/steadybot", "settings"), ("/pulse", "results"), ("/timebox", "help"),
       ("/agenda", "show"), ("/pulse", "me")]


class ThreadedSlack:
    """The fake Slack Web API on its own event loop in a thread, so the 2 000 posts it receives do not slow
    down the loop that measures the acknowledgements."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.api: FakeSlackApi = asyncio.run_coroutine_threadsafe(FakeSlackApi().start(), self.loop).result(10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.api.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def slack() -> Iterator[ThreadedSlack]:
    fake = ThreadedSlack()
    try:
        yield fake
    finally:
        fake.close()


async def test_200_concurrent_slash_commands_are_acknowledged_inside_3_seconds_while_the_outbox_is_busy(
        sqlite_url: str, slack: ThreadedSlack, tmp_path: Path, measure: Callable[[str], None]) -> None:
    api = slack.api
    for i in range(10):
        api.add_user(f"U{i}", f"Person {i}")
    api.add_channel("C1", "U0", [f"U{i}" for i in range(10)])
    await upgrade(sqlite_url)
    db = Database(sqlite_url)
    try:
        await OutboxRepo(db, SystemClock()).enqueue([
            OutboxItem(Target.user(Person(Platform.SLACK, f"UL{i:05d}"), "T1"), SystemClock().now(),
                       reply=Reply(f"load {i}"), dedupe_key=f"load:{i}") for i in range(FAN_OUT)])
    finally:
        await db.dispose()
    serve = ServeProcess({"DATABASE_URL": sqlite_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
                          "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api.url,
                          "STEADYBOT_SLACK_POSTS_PER_MINUTE": "0"}, tmp_path / "serve.log")
    await serve.start()
    try:
        while len(api.calls_to("chat.postMessage")) < 100:  # the fan-out is under way
            await asyncio.sleep(0.02)
        bodies = [wire.slash_body(command, text, user=f"U{i % 10}", channel="C1",
                                  response_url=api.response_url(f"load{i}"))
                  for i, (command, text) in ((i, MIX[i % len(MIX)]) for i in range(COMMANDS))]
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            async def one(body: str) -> tuple[int, float, bytes]:
                headers = wire.slack_headers(SIGNING_SECRET, body)
                started = time.perf_counter()
                async with session.post(f"{serve.url}/slack/events", data=body.encode(), headers=headers) as r:
                    return r.status, time.perf_counter() - started, await r.read()

            started = time.perf_counter()
            results = await asyncio.gather(*(one(body) for body in bodies))
            burst = time.perf_counter() - started
        sent_during = len(api.calls_to("chat.postMessage"))
        statuses = [status for status, _, _ in results]
        latencies = sorted(seconds for _, seconds, _ in results)
        # an answer ready within the ack's budget rides in its body (bot/slack/ack_answer.py), else it is POSTed
        in_ack = {f"load{i}" for i, (_, _, answer) in enumerate(results) if answer}
        assert statuses == [200] * COMMANDS
        assert latencies[-1] < 3.0, f"slowest acknowledgement {latencies[-1]:.2f}s"
        deadline = time.monotonic() + 60
        while len(api.responses) + len(in_ack) < COMMANDS:
            assert time.monotonic() < deadline, \
                f"only {len(api.responses) + len(in_ack)} of {COMMANDS} commands answered"
            await asyncio.sleep(0.1)
        posted = [r["_key"] for r in api.responses]
        assert not in_ack & set(posted) and len(posted) + len(in_ack) == COMMANDS  # each answered once
        assert sorted([*posted, *in_ack]) == sorted(f"load{i}" for i in range(COMMANDS))
        assert 100 < sent_during < FAN_OUT or sent_during == FAN_OUT  # the outbox kept sending meanwhile
    finally:
        await serve.stop()
    p50, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]
    measure(f"{COMMANDS} concurrent slash commands during a {FAN_OUT}-DM fan-out: acks "
            f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
            f"all {COMMANDS} sent in {burst:.2f}s; {sent_during} DMs out by then")
