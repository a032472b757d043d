"""Times typed for the pulse at awkward moments: `/pulse snooze until tomorrow 9` at 23:30 on the eve of a DST
change, `until friday 9`, `9am` typed on the day of the change, `every weekday 8:30` across it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.recurrence import parse_recurrence
from handlers.core.timeparse import parse_when
from handlers.pulse.snooze import parse_snooze
from handlers.pulse.timing import invite_due
from tests.support.testbot import TestBot, texts

BERLIN = ZoneInfo("Europe/Berlin")
QUIET = (time(20), time(8))


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(("text", "now", "meant"), [
    # Saturday 23:30, the eve of the spring change: tomorrow 09:00 is CEST (07:00 UTC), not midnight
    ("tomorrow 9", at(BERLIN, 2026, 3, 28, 23, 30), at(BERLIN, 2026, 3, 29, 9, 0)),
    ("until tomorrow 9", at(BERLIN, 2026, 3, 28, 23, 30), at(BERLIN, 2026, 3, 29, 9, 0)),
    ("tomorrow 21", at(BERLIN, 2026, 10, 24, 23, 30), at(BERLIN, 2026, 10, 25, 21, 0)),
    # Monday 2 March: Friday 6 March at 09:00 — not "the 9th" (Monday 9 March, midnight)
    ("until friday 9", at(BERLIN, 2026, 3, 2, 10, 0), at(BERLIN, 2026, 3, 6, 9, 0)),
    ("monday 9", at(BERLIN, 2026, 3, 27, 12, 0), at(BERLIN, 2026, 3, 30, 9, 0)),
    ("next monday 9", at(BERLIN, 2026, 3, 27, 12, 0), at(BERLIN, 2026, 3, 30, 9, 0)),
    ("wednesday 9", at(BERLIN, 2026, 3, 2, 10, 0), at(BERLIN, 2026, 3, 4, 9, 0)),
    ("Saturday 14", at(BERLIN, 2026, 3, 2, 10, 0), at(BERLIN, 2026, 3, 7, 14, 0)),
])
def test_a_day_then_a_bare_hour_is_that_hour_on_that_day(text: str, now: datetime, meant: datetime) -> None:
    """dateparser reads `tomorrow 9` as tomorrow at the current clock time (or the time dropped: midnight),
    and `friday 9` as the 9th of the month: a snooze typed as `until tomorrow 9` at 23:30 ended 30 minutes
    later, `until friday 9` was "already past" or the wrong day. The schedule parser already reads a last
    bare number as the hour (`weekdays 9`)."""
    assert parse_snooze(text, BERLIN, now) == meant


@pytest.mark.parametrize("local_now", [datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 29, 3, 30),
                                       datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 25, 4, 0)])
def test_9am_typed_on_the_day_of_a_dst_change_is_9_on_the_wall_clock(local_now: datetime) -> None:
    now = local_now.replace(tzinfo=BERLIN).astimezone(UTC)
    got = parse_when("9am", BERLIN, now).at
    assert got.astimezone(BERLIN).replace(tzinfo=None) == datetime.combine(local_now.date(), time(9))


def test_every_weekday_830_is_0830_local_each_weekday_across_the_change() -> None:
    rule = parse_recurrence("every weekday 8:30")
    assert rule.weekdays == (0, 1, 2, 3, 4) and rule.at == time(8, 30)
    occurrence = datetime(2026, 3, 26, 8, 30)  # Thursday before the change
    seen = []
    for _ in range(6):
        due = invite_due(occurrence.replace(tzinfo=UTC) - timedelta(days=1), BERLIN, QUIET, occurrence, rule)
        assert due is not None
        seen.append(due.astimezone(BERLIN).replace(tzinfo=None))
        occurrence = rule.next_after(occurrence)
    assert [d.strftime("%a %H:%M") for d in seen] == ["Thu 08:30", "Fri 08:30", "Mon 08:30", "Tue 08:30",
                                                      "Wed 08:30", "Thu 08:30"]


async def test_snooze_until_tomorrow_9_at_2330_says_and_keeps_9(bot: TestBot) -> None:
    bot.clock.set(at(BERLIN, 2026, 3, 28, 23, 30))
    said = texts(await bot.command("pulse", "snooze until tomorrow 9"))
    assert "Snoozed until **tomorrow 09:00 CEST**" in said, said
    until = await bot.runtime.store.timeoff.until(bot.me.platform, bot.me.id, bot.clock.now())
    assert until == at(BERLIN, 2026, 3, 29, 9, 0)
