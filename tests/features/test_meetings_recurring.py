"""Recurring meetings: occurrences as wall-clock times across DST changes, each occurrence with its own
nudges, start and agenda, and stopping a series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.recurrence import parse_recurrence
from handlers.core.types import Platform
from handlers.meetings.schedule import occurrences
from tests.support.harness import running
from tests.support.meetings_helpers import (
    at,
    buttons,
    command,
    ephemeral,
    post_texts,
    posts,
    press,
    team,
    text_of,
)


def _starts(rule: str, tz: str, after: datetime, days: int) -> list[datetime]:
    return list(occurrences(parse_recurrence(rule), tz, after, after + timedelta(days=days)))


@pytest.mark.parametrize(("rule", "tz", "after", "expected"), [
    # Europe/Berlin springs forward on Sunday 2026-03-29: 09:30 stays 09:30 local, one hour earlier in UTC.
    ("every weekday at 9:30", "Europe/Berlin", datetime(2026, 3, 26, 12, 0, tzinfo=UTC),
     ["2026-03-27 08:30", "2026-03-30 07:30", "2026-03-31 07:30"]),
    # America/New_York springs forward on 2026-03-08; 02:30 does not exist that night and becomes 03:30.
    ("every day at 9am", "America/New_York", datetime(2026, 3, 6, 20, 0, tzinfo=UTC),
     ["2026-03-07 14:00", "2026-03-08 13:00", "2026-03-09 13:00"]),
    ("every sunday at 2:30am", "America/New_York", datetime(2026, 3, 1, 20, 0, tzinfo=UTC),
     ["2026-03-08 07:30", "2026-03-15 06:30"]),
    # … and falls back on 2026-11-01: 01:30 happens twice; the first one counts.
    ("every day at 9am", "America/New_York", datetime(2026, 10, 30, 20, 0, tzinfo=UTC),
     ["2026-10-31 13:00", "2026-11-01 14:00", "2026-11-02 14:00"]),
    ("every sunday at 1:30am", "America/New_York", datetime(2026, 10, 25, 20, 0, tzinfo=UTC),
     ["2026-11-01 05:30", "2026-11-08 06:30"]),
])
def test_occurrences_keep_their_wall_clock_time_across_dst(rule: str, tz: str, after: datetime,
                                                            expected: list[str]) -> None:
    got = [f"{d:%Y-%m-%d %H:%M}" for d in _starts(rule, tz, after, 15)]
    assert got[: len(expected)] == expected


def test_occurrences_include_the_next_one_beyond_the_horizon() -> None:
    after = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    monthly = list(occurrences(parse_recurrence("first monday of the month at 11"), "UTC", after,
                               after + timedelta(days=2)))
    assert [f"{d:%Y-%m-%d %H:%M}" for d in monthly] == ["2026-03-02 11:00", "2026-04-06 11:00"]


async def test_each_occurrence_gets_its_own_nudges_across_the_berlin_dst_change(sqlite_url: str) -> None:
    thursday = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)
    async with running(sqlite_url, start=thursday) as bot:
        team(bot)
        await command(bot, "/meeting", "Standup every weekday at 9:30 for 15m")
        reply = post_texts(bot)[-1]
        assert "every weekday at 09:30 (Europe/Berlin), 15m each time" in reply
        assert "Next: *tomorrow 09:30 CET*" in reply
        store = bot.runtime.store.meetings
        friday, monday = (await store.upcoming(Platform.SLACK, "C1", bot.clock.now(), 5))[:2]
        assert friday.starts_at == datetime(2026, 3, 27, 8, 30, tzinfo=UTC)
        assert monday.starts_at == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)  # after the change: CEST

        # Friday's occurrence (registered the day before: its T-24h had passed). Its T-2h, 07:30, is in the
        # quiet hours (20:00–08:00): it moved to the last minute before them, Thursday 19:59.
        await at(bot, datetime(2026, 3, 26, 18, 59, tzinfo=UTC))
        assert "is tomorrow 09:30 CET and has no agenda yet" in post_texts(bot)[-1]
        await at(bot, friday.starts_at - timedelta(hours=1))
        assert "No agenda, no meeting" in post_texts(bot)[-1]
        await ephemeral(bot, "/agenda", "add Blockers 5m")
        await at(bot, friday.starts_at)  # (Monday's T-24h, moved off Sunday, goes out at the same moment)
        start = next(t for t in post_texts(bot)[-2:] if "starts now" in t)
        assert "Standup starts now" in start and "09:30–09:35 *1.* Blockers" in start
        assert any("is on Mon 30 Mar 09:30 CEST and has no agenda yet" in t for t in post_texts(bot)[-2:])
        await at(bot, friday.starts_at + timedelta(minutes=25))
        assert "I closed *Standup*" in post_texts(bot)[-1]

        # Monday's occurrence has its own agenda (empty) and its own nudges, at 09:30 summer time
        said = await ephemeral(bot, "/agenda", "show")
        assert "Mon 30 Mar 09:30 CEST" in said and "No items yet" in said
        await at(bot, datetime(2026, 3, 27, 18, 59, tzinfo=UTC))  # its T-2h (07:30, quiet) → Friday 19:59 CET
        assert "is on Mon 30 Mar 09:30 CEST and has no agenda yet" in post_texts(bot)[-1]
        sent = len(post_texts(bot))
        await at(bot, monday.starts_at - timedelta(hours=2))  # nothing on the weekend, nothing at 07:30
        assert len(post_texts(bot)) == sent
        await at(bot, monday.starts_at - timedelta(hours=1))
        assert "No agenda, no meeting" in post_texts(bot)[-1]
        assert len(posts(bot, "U1") + posts(bot, "D1")) == 2  # one private message to the organiser each time
        await at(bot, monday.starts_at)  # (Tuesday's T-24h nudge goes out at the same moment)
        start = next(t for t in post_texts(bot)[-2:] if "starts now" in t)
        assert "Standup starts now" in start and "until 09:45 CEST" in start

        # the series keeps materialising ahead
        later = await store.upcoming(Platform.SLACK, "C1", bot.clock.now(), 10)
        assert [f"{m.starts_at:%a %H:%M}" for m in later][:3] == ["Mon 07:30", "Tue 07:30", "Wed 07:30"]


async def test_cancelling_one_occurrence_or_the_whole_series(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:  # Monday 2026-03-02 09:00 UTC
        team(bot)
        await command(bot, "/meeting", "Team sync mondays and thursdays 16:00 for 30m")
        listing = await ephemeral(bot, "/meeting", "list")
        assert "*1.* Team sync ↻ — today 16:00 CET" in listing and "*2.* Team sync ↻ — Thu 5 Mar 16:00 CET" in listing
        await command(bot, "/meeting", "cancel 1")
        cancelled = posts(bot)[-1]
        assert "Only this occurrence is off" in text_of(cancelled)
        await press(bot, cancelled, "Stop the whole series", user="U2")
        assert "Only Ana" in text_of(bot.slack.responses[-1])
        await press(bot, cancelled, "Stop the whole series")
        assert "won't repeat any more (1 upcoming occurrence cancelled)" in post_texts(bot)[-1]
        said = await ephemeral(bot, "/meeting", "list")
        assert "No meetings are registered" in said
        count = len(posts(bot, None))
        await at(bot, datetime(2026, 3, 12, 16, 0, tzinfo=UTC))
        assert len(posts(bot, None)) == count
        assert buttons(cancelled)  # the button that stopped it is still on the message
