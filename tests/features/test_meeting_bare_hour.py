"""A meeting time typed with a bare hour means what a person scheduling a team meeting means, as in Google
Calendar's quick add: `/meeting Retro tomorrow at 3` is 15:00, not 03:00. A bare hour (no am/pm, no two-digit
24-hour form) from 1 to 7 is the afternoon, 8 to 11 the morning, 12 noon; `15:00`, `03:00`, `3am`, `3pm` are
taken literally; `morning` / `afternoon` / `evening` / `tonight` beside the hour decide it. Only meetings:
the pulse's `tomorrow 9` and `at 3` stay as they were. The truth is computed with zoneinfo, across DST."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.timeparse import parse_when
from handlers.meetings.parse import parse_meeting
from handlers.pulse.snooze import parse_snooze
from tests.support.testbot import TestBot

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Berlin


def _local(text: str, tz: ZoneInfo = BERLIN, now: datetime = NOW) -> str:
    request = parse_meeting(text, tz, now)
    assert request.starts_at is not None and request.title == "Retro", request
    return f"{request.starts_at.astimezone(tz):%a %d %H:%M}"


@pytest.mark.parametrize(("text", "meant"), [
    ("Retro tomorrow at 3", "Tue 03 15:00"),
    ("Retro at 3", "Mon 02 15:00"),  # still ahead today (it is 10:00)
    ("Retro friday at 4", "Fri 06 16:00"),
    ("Retro in 2 days at 5", "Wed 04 17:00"),
    ("Retro tomorrow at 3:30", "Tue 03 15:30"),
    ("Retro at 3 tomorrow", "Tue 03 15:00"),
    ("Retro tomorrow 3", "Tue 03 15:00"),
    ("Retro tomorrow 3:30", "Tue 03 15:30"),
    ("Retro friday 4", "Fri 06 16:00"),
    ("Retro next monday at 2", "Mon 09 14:00"),
    ("Retro tomorrow at 1", "Tue 03 13:00"),
    ("Retro tomorrow at 7:59", "Tue 03 19:59"),
    ("Retro tomorrow at 3 for 45m", "Tue 03 15:00"),
])
def test_a_bare_hour_from_1_to_7_is_the_afternoon(text: str, meant: str) -> None:
    assert _local(text) == meant


@pytest.mark.parametrize(("text", "meant"), [
    ("Retro tomorrow at 8", "Tue 03 08:00"),
    ("Retro at 9", "Tue 03 09:00"),  # 09:00 today has passed
    ("Retro tomorrow 11:30", "Tue 03 11:30"),
    ("Retro tomorrow at 12", "Tue 03 12:00"),
    ("Retro tomorrow at 12:30", "Tue 03 12:30"),
    # taken literally: am/pm, the two-digit and 24-hour forms
    ("Retro tomorrow 15:00", "Tue 03 15:00"),
    ("Retro tomorrow 3am", "Tue 03 03:00"),
    ("Retro tomorrow at 3 am", "Tue 03 03:00"),
    ("Retro tomorrow 3:30am", "Tue 03 03:30"),
    ("Retro tomorrow 03:00", "Tue 03 03:00"),
    ("Retro tomorrow at 03:30", "Tue 03 03:30"),
    ("Retro tomorrow 3pm", "Tue 03 15:00"),
    ("Retro tomorrow 5h30", "Tue 03 05:30"),  # the continental 24-hour form ("3h30" is asked: a length too)
    ("Retro tomorrow at 19", "Tue 03 19:00"),
])
def test_morning_hours_noon_and_explicit_times_are_taken_literally(text: str, meant: str) -> None:
    assert _local(text) == meant


@pytest.mark.parametrize(("text", "meant"), [
    ("Retro tomorrow afternoon at 3", "Tue 03 15:00"),
    ("Retro tomorrow evening at 8", "Tue 03 20:00"),
    ("Retro tonight at 8", "Mon 02 20:00"),
    ("Retro tomorrow morning at 7", "Tue 03 07:00"),
])
def test_morning_afternoon_evening_and_tonight_decide_the_hour(text: str, meant: str) -> None:
    assert _local(text) == meant


@pytest.mark.parametrize(("text", "describe"), [
    ("Retro every friday at 4", "every Friday at 16:00"),
    ("Retro fridays 4", "every Friday at 16:00"),
    ("Retro every other tuesday at 3:30", "every other Tuesday at 15:30"),
    ("Retro every 2 weeks on tuesday at 3", "every other Tuesday at 15:00"),
    ("Retro every friday at 4am", "every Friday at 04:00"),
    ("Retro every friday at 04:00", "every Friday at 04:00"),
    ("Retro every friday at 16:00", "every Friday at 16:00"),
    ("Retro every weekday at 9:30", "every weekday at 09:30"),
    ("Retro every monday at 12", "every Monday at 12:00"),
])
def test_a_recurring_meeting_reads_its_bare_hour_the_same_way(text: str, describe: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.recurrence is not None and request.title == "Retro"
    assert request.recurrence.describe() == describe


def test_a_number_in_the_title_stays_in_the_title() -> None:
    request = parse_meeting("Sprint 3 review tomorrow at 3", BERLIN, NOW)
    assert request.title == "Sprint 3 review"
    assert request.starts_at == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    with pytest.raises(UserError, match="couldn't find a time"):  # a lone number is no time, as before
        parse_meeting("Review 3", BERLIN, NOW)


# Europe/Berlin leaves summer time on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET);
# America/New_York enters it on Sunday 8 March 2026 (02:00 EST -> 03:00 EDT).
BERLIN_EVE = datetime(2026, 10, 24, 10, 0, tzinfo=BERLIN).astimezone(UTC)  # Saturday 10:00 CEST
NEW_YORK_EVE = datetime(2026, 3, 7, 10, 0, tzinfo=NEW_YORK).astimezone(UTC)  # Saturday 10:00 EST


@pytest.mark.parametrize(("text", "tz", "now", "utc"), [
    # Sunday 14:30 CET is 13:30 UTC; read as 02:30 it fell in the autumn fold (00:30 UTC, first occurrence)
    ("Retro tomorrow at 2:30", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 13, 30, tzinfo=UTC)),
    ("Retro tomorrow at 3", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 14, 0, tzinfo=UTC)),
    ("Retro in 2 days at 5", BERLIN, BERLIN_EVE, datetime(2026, 10, 26, 16, 0, tzinfo=UTC)),
    ("Retro tomorrow 02:30", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # literal: the fold
    # Sunday 14:00 EDT is 18:00 UTC; read as 02:00 it fell in the spring gap (moved to 03:00 EDT)
    ("Retro tomorrow at 2", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 18, 0, tzinfo=UTC)),
    ("Retro at 3 tomorrow", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 19, 0, tzinfo=UTC)),
    ("Retro friday at 4", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 13, 20, 0, tzinfo=UTC)),
    ("Retro tomorrow 2:30am", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # literal: the gap
    ("Retro tomorrow at 9", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),  # 09:00 EDT
])
def test_the_afternoon_reading_across_a_dst_change(text: str, tz: ZoneInfo, now: datetime, utc: datetime) -> None:
    request = parse_meeting(text, tz, now)
    assert request.starts_at == utc


@pytest.mark.parametrize(("text", "hour"), [("tomorrow 9", 9), ("at 3", 3), ("tomorrow at 3", 3),
                                            ("tomorrow 3", 3), ("tomorrow at 3:30", 3)])
def test_the_pulse_keeps_reading_a_bare_hour_literally(text: str, hour: int) -> None:
    """parse_when is shared: without meeting=True (the pulse's snooze) a bare hour is that hour."""
    assert parse_when(text, BERLIN, NOW).at.astimezone(BERLIN).hour == hour
    assert parse_snooze(f"until {text}", BERLIN, NOW).astimezone(BERLIN).hour == hour


async def test_the_reply_shows_the_hour_it_read(bot: TestBot) -> None:
    """The registration reply names the interpreted time on a 24-hour clock, so a wrong guess shows at once."""
    [reply] = await bot.command("meeting", "Retro tomorrow at 3")
    assert "**Retro** — **tomorrow 15:00 CET**" in reply.text
    [reply] = await bot.command("meeting", "Planning friday at 4am")
    assert "Fri 6 Mar 04:00 CET" in reply.text
