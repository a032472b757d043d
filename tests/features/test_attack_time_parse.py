"""Times and durations as people type them, at the awkward moments: the last day of a month (and of a year,
and Feb 29), the minute before a DST change, zones with odd offsets. The truth is computed with zoneinfo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.durations import parse_duration, split_leading_duration
from handlers.core.timeparse import parse_when

ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu",
         "Pacific/Kiritimati", "America/Sao_Paulo"]
MONTH_ENDS = [datetime(2026, 1, 31, 10, 0), datetime(2026, 4, 30, 23, 59), datetime(2028, 2, 29, 23, 59),
              datetime(2026, 2, 28, 18, 0), datetime(2026, 12, 31, 10, 0)]


def _truth(local_now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The next `at` on the person's clock: today if still ahead, else tomorrow (as UTC)."""
    day = local_now.date() if at >= local_now.time() else local_now.date() + timedelta(days=1)
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("local_now", MONTH_ENDS, ids=lambda d: d.strftime("%Y-%m-%dT%H:%M"))
@pytest.mark.parametrize(("text", "at"), [("9am", time(9)), ("at 9", time(9)), ("9:30am", time(9, 30)),
                                          ("at noon", time(12)), ("midnight", time(0)), ("5pm", time(17))])
def test_a_time_of_day_on_the_last_day_of_a_month_is_the_next_such_time(zone_name: str, local_now: datetime,
                                                                       text: str, at: time) -> None:
    """dateparser rolls a past time of day to "tomorrow" and then resets the month: on 31 Jan at 10:00 "9am"
    came out as 1 Jan (in the past), on 31 Dec as 1 Dec of next year (eleven months late)."""
    tz = ZoneInfo(zone_name)
    now = local_now.replace(tzinfo=tz).astimezone(UTC)
    assert parse_when(text, tz, now).at == _truth(local_now, at, tz)


def test_a_meeting_at_9am_typed_on_new_years_eve_is_on_new_years_day() -> None:
    from handlers.meetings.parse import parse_meeting

    tz = ZoneInfo("Europe/London")
    now = datetime(2026, 12, 31, 10, 0, tzinfo=tz).astimezone(UTC)
    request = parse_meeting("Retro 9am", tz, now)
    assert request.starts_at is not None
    assert request.starts_at.astimezone(tz).date() == date(2027, 1, 1)


def test_snoozing_until_9am_on_the_last_day_of_the_month() -> None:
    from handlers.pulse.snooze import parse_snooze

    tz = ZoneInfo("Asia/Kathmandu")
    now = datetime(2026, 4, 30, 22, 0, tzinfo=tz).astimezone(UTC)
    assert parse_snooze("until 9am", tz, now) == datetime(2026, 5, 1, 9, 0, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(("text", "minutes"), [("1h30", 90), ("1h05", 65), ("2h5", 125), ("1h 30", 90)])
def test_hours_then_minutes_without_a_unit(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(("text", "minutes", "topic"), [
    ("1h30 design review", 90, "design review"),
    ("1h30", 90, ""),
    ("2h 5m sync", 125, "sync"),
    ("90 min planning", 90, "planning"),
    ("45 review", 45, "review"),
])
def test_timebox_1h30_is_ninety_minutes_not_an_hour_about_30(text: str, minutes: int, topic: str) -> None:
    assert split_leading_duration(text) == (timedelta(minutes=minutes), topic)


@pytest.mark.parametrize(("text", "title", "minutes"), [
    ("Retro tomorrow 3pm for 1h30", "Retro tomorrow 3pm", 90),
    ("Retro tomorrow 3pm for 1h 30", "Retro tomorrow 3pm", 90),
    ("Retro tomorrow 3pm for 1h 30m", "Retro tomorrow 3pm", 90),
    ("Retro tomorrow 3pm for 2h05", "Retro tomorrow 3pm", 125),
])
def test_a_meetings_length_in_hours_then_minutes_is_its_length_not_its_time(text: str, title: str,
                                                                            minutes: int) -> None:
    """`/meeting Retro tomorrow 3pm for 1h30` registered "Retro tomorrow 3pm for" at 01:30, 30 minutes long."""
    from handlers.meetings.parse import split_length

    assert split_length(text) == (title, timedelta(minutes=minutes))
