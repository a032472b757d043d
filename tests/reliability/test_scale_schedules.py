"""Scale: 500 channels whose pulse schedules fire in the same minute, two replicas on one PostgreSQL database.

Two runtimes (each with its own connection pool, scheduler and outbox worker, as two `steadybot serve`
processes have) share one fake Slack workspace and one injected clock. The clock is put on the minute every
schedule's round is due to be created, and both replicas run their periodic work at once, as their
schedulers would at that minute. Every round must be created once, every member's DM (and reminder) enqueued
once by the end of that one pass, and the pass must take less than the 60 s period of the pulse task (so
nothing waits for the next minute). The figures are printed for docs/operations.md#scale.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from handlers.core.clock import FakeClock
from handlers.core.recurrence import parse_recurrence
from handlers.core.types import Place, Platform
from handlers.pulse.sending import KIND_INVITE, KIND_REMIND
from handlers.pulse.timing import create_at, first_occurrence
from storage.migrate import upgrade
from storage.models.core import OutboxRow
from storage.models.pulse import PulseRound
from support.slack_api import FakeSlackApi
from tests.support.harness import START
from tests.support.replicas import slack_replicas

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CHANNELS = 500
MEMBERS = 10  # per channel, each person in one channel: 5 000 people
PERIOD = 60.0  # seconds between two runs of the pulse task (handlers/pulse/__init__.py)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC")


async def test_500_schedules_firing_in_the_same_minute_on_two_replicas(pg_url: str,
                                                                        measure: Callable[[str], None]) -> None:
    await upgrade(pg_url)
    slack = await FakeSlackApi(latency=0.005).start()  # every Web API call stays in flight a little
    people: dict[str, list[str]] = {}
    for c in range(CHANNELS):
        channel = f"CS{c:04d}"
        members = [f"US{c:04d}{m:02d}" for m in range(MEMBERS)]
        for i, user in enumerate(members):
            slack.add_user(user, f"Person {user}", tz=ZONES[(c + i) % len(ZONES)])
        slack.add_channel(channel, members[0], members)
        people[channel] = members
    clock = FakeClock(START)
    async with slack_replicas(pg_url, slack, clock) as replicas:
        store = replicas[0].store.pulse
        recurrence, first = first_occurrence(parse_recurrence("every wednesday at 10:00"), clock.now(),
                                             ZoneInfo("UTC"))
        for channel in people:
            await store.set_schedule(Place(Platform.SLACK, channel, "T1", name=channel), "every wednesday at 10:00",
                                     recurrence, first, 48, people[channel][0])
        # The minute every round is due to be created (before the occurrence is due anywhere on earth).
        clock.set(create_at(first))
        started = time.perf_counter()
        await asyncio.gather(*(r.scheduler.run_all_once() for r in replicas))
        elapsed = time.perf_counter() - started

        db = replicas[0].db
        async with db.session() as session:
            rounds = (await session.execute(select(PulseRound.channel_id, PulseRound.invited))).all()
            outbox = (await session.execute(select(OutboxRow.kind, OutboxRow.target_key, OutboxRow.data)
                                            .where(OutboxRow.kind.in_((KIND_INVITE, KIND_REMIND))))).all()
            rows = await session.scalar(select(func.count()).select_from(OutboxRow))
        made = Counter(channel for channel, _ in rounds)
        assert len(made) == CHANNELS and set(made.values()) == {1}, "every round created once"
        assert all(invited is not None for _, invited in rounds), "every round's invitations done in one pass"
        invites = Counter((kind, key, data["round"]) for kind, key, data in outbox)
        assert [k for k, n in invites.items() if n > 1] == [], "no DM enqueued twice"
        invited_people = {key for kind, key, _ in outbox if kind == KIND_INVITE}
        everyone = {f"slack:user:{u}:" for members in people.values() for u in members}
        assert invited_people == everyone, f"{len(everyone - invited_people)} people without their DM"
        assert elapsed < PERIOD, f"one pass took {elapsed:.1f} s: some DMs would wait for the next minute"
        measure(f"{CHANNELS} schedules firing in the same minute, 2 replicas on PostgreSQL: "
                f"{len(made)} rounds, {len(invited_people):,} DMs (+ reminders, {rows:,} outbox rows) "
                f"enqueued in {elapsed:.1f} s")
