"""Two replicas (two runtimes, as two `steadybot serve` processes, on one PostgreSQL database and one injected
clock) fire the same schedule minute: one round, and each person gets their DM once, at 09:00 in their own
zone — including across a DST change between two occurrences."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from handlers.core.clock import FakeClock
from handlers.core.recurrence import parse_recurrence
from handlers.core.types import Person, Place, Platform
from handlers.pulse.timing import create_at, first_occurrence
from storage.migrate import upgrade
from storage.models.pulse import PulseRound
from support.slack_api import FakeSlackApi
from tests.support.replicas import slack_replicas

pytestmark = [pytest.mark.postgres]

PEOPLE = {"UA": "Europe/Berlin", "UB": "America/New_York", "UC": "Asia/Kolkata", "UD": "Australia/Lord_Howe",
          "UE": "Australia/Sydney"}


def pulse_posts(slack: FakeSlackApi, user: str) -> list[object]:
    return [c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") in (user, "D" + user[1:])
            and "Pulse check-in" in str(c.params.get("text") or "")]


async def test_two_replicas_on_one_clock_make_one_round_and_one_dm_each(pg_url: str) -> None:
    await upgrade(pg_url)
    slack = await FakeSlackApi().start()
    for user, tz in PEOPLE.items():
        slack.add_user(user, f"Person {user}", tz=tz)
    slack.add_channel("C1", "UA", list(PEOPLE))
    # Wednesday 25 March 2026: Sydney and Lord Howe leave summer time on Sunday 5 April, between the Mondays
    clock = FakeClock(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
    async with slack_replicas(pg_url, slack, clock) as replicas:
        store = replicas[0].store.pulse
        team = Place(Platform.SLACK, "C1", "T1", name="team")
        await replicas[0].store.settings.put(team, replace(await replicas[0].store.settings.get(team),
                                                           min_respondents=3), Person(Platform.SLACK, "UA"))
        rule, first = first_occurrence(parse_recurrence("every monday 9am"), clock.now(), ZoneInfo("Europe/Berlin"))
        await store.set_schedule(Place(Platform.SLACK, "C1", "T1", name="team"), "every monday 9am", rule, first,
                                 72, "UA")

        async def both() -> None:
            await asyncio.gather(*(r.scheduler.run_all_once() for r in replicas))
            await asyncio.gather(*(r.worker.drain() for r in replicas))

        expected: dict[str, list[datetime]] = {u: [] for u in PEOPLE}
        occurrence = first
        moments: set[datetime] = set()
        for _ in range(2):
            moments.add(create_at(occurrence))
            for user, tz in PEOPLE.items():
                due = occurrence.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
                expected[user].append(due)
                moments |= {due - timedelta(minutes=1), due, due + timedelta(minutes=1)}
            occurrence = rule.next_after(occurrence)
        for moment in sorted(moments):
            clock.set(moment)
            await both()
            for user in PEOPLE:
                sent = len(pulse_posts(slack, user))
                assert sent == sum(1 for d in expected[user] if d <= moment), (user, moment, sent)
        async with replicas[0].db.session() as session:
            rounds = await session.scalar(select(func.count()).select_from(PulseRound))
        assert rounds == 2
        assert expected["UE"][1] - expected["UE"][0] == timedelta(days=7, hours=1)  # Sydney: 22:00 → 23:00 UTC
        assert expected["UD"][1] - expected["UD"][0] == timedelta(days=7, minutes=30)  # Lord Howe: by 30 min
