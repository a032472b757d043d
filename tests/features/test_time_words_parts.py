"""A day-part word beside an hour is read the same way by every path: a one-off `/meeting`, a recurring one,
`/pulse snooze` and `/pulse schedule`. `evening` + a bare 1–4 asks "which one?", `evening at 8` is 20:00,
`morning at 7` 07:00; `night` is a day-part word too (`friday night at 1` is the small hours after Friday
evening, Saturday 01:00; `friday night at 9` is 21:00). A relative time without a unit (`in 45`) is refused
with an example; `in 1:30` is an hour and a half from now. The truth is computed with zoneinfo, across DST."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.recurrence import parse_recurrence
from handlers.core.timeparse import AmbiguousTime, parse_when
from handlers.meetings.parse import parse_meeting
from handlers.pulse.snooze import parse_snooze

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 17, tzinfo=UTC)  # Monday 2 March 2026, 10:17 in Berlin
# Berlin leaves summer time on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET).
BERLIN_THURSDAY = datetime(2026, 10, 22, 10, 0, tzinfo=BERLIN).astimezone(UTC)


def _one_off(text: str, now: datetime = NOW) -> str:
    request = parse_meeting(text, BERLIN, now)
    assert request.starts_at is not None and request.title == "Deploy", request
    return f"{request.starts_at.astimezone(BERLIN):%a %d %H:%M %Z}"


def _series(text: str) -> str:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.recurrence is not None and request.title == "Deploy", request
    return request.recurrence.describe()


# 1. A recurring meeting reads the day-part word as a one-off does -----------------------------------------------

@pytest.mark.parametrize("text", ["Deploy friday evening at 1", "Deploy every friday evening at 1",
                                  "Deploy every friday evening at 3:30", "Deploy fridays evening at 2"])
def test_evening_and_a_small_bare_hour_asks_which_one_in_both_paths(text: str) -> None:
    with pytest.raises(AmbiguousTime, match="which one"):
        parse_meeting(text, BERLIN, NOW)


@pytest.mark.parametrize(("text", "describe"), [
    ("Deploy every friday evening at 8", "every Friday at 20:00"),
    ("Deploy every friday morning at 7", "every Friday at 07:00"),
    ("Deploy every weekday morning at 9:30", "every weekday at 09:30"),
    ("Deploy every friday afternoon at 3", "every Friday at 15:00"),
    ("Deploy every friday evening at 12", "every Saturday at 00:00"),  # the midnight that ends Friday evening
    ("Deploy every friday night at 1", "every Saturday at 01:00"),
    ("Deploy every friday night at 9", "every Friday at 21:00"),
    ("Deploy every friday at 4", "every Friday at 16:00"),  # unchanged: no day-part word
])
def test_a_series_reads_the_day_part_as_a_one_off_does(text: str, describe: str) -> None:
    assert _series(text) == describe


@pytest.mark.parametrize(("text", "meant"), [
    ("Deploy friday evening at 8", "Fri 06 20:00 CET"),
    ("Deploy friday morning at 7", "Fri 06 07:00 CET"),
    ("Deploy friday evening at 10", "Fri 06 22:00 CET"),  # was refused: "10:00" was taken for a typed 24-hour clock
    ("Deploy friday evening at 10:00", "which one"),  # typed as a 24-hour clock: literal, so it contradicts
])
def test_the_one_off_reading_it_matches(text: str, meant: str) -> None:
    if meant == "which one":
        with pytest.raises(AmbiguousTime):
            parse_meeting(text, BERLIN, NOW)
        return
    assert _one_off(text) == meant


def test_a_schedule_read_without_meeting_reads_the_day_part_and_keeps_a_literal_bare_hour() -> None:
    assert parse_recurrence("every friday evening at 8").at.hour == 20
    assert parse_recurrence("every friday at 8").at.hour == 8  # without meeting=True a bare hour stays literal
    assert parse_recurrence("every friday at 3").at.hour == 3
    with pytest.raises(AmbiguousTime):
        parse_recurrence("every friday evening at 1")
    night = parse_recurrence("every friday night at 1")
    assert (night.weekdays, night.at.hour) == ((5,), 1)


# 2. "night" is a day-part word -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "meant"), [
    ("Deploy friday night at 1am", "Sat 07 01:00 CET"),  # not Friday 01:00, the night before Friday evening
    ("Deploy friday night at 1", "Sat 07 01:00 CET"),
    ("Deploy friday night at 2:30", "Sat 07 02:30 CET"),
    ("Deploy friday night at 9", "Fri 06 21:00 CET"),
    ("Deploy friday night at 11", "Fri 06 23:00 CET"),
    ("Deploy tomorrow night at 10", "Tue 03 22:00 CET"),
    ("Deploy friday night at 12", "Sat 07 00:00 CET"),
])
def test_night_in_a_meeting(text: str, meant: str) -> None:
    assert _one_off(text) == meant


@pytest.mark.parametrize(("text", "meant"), [
    ("until friday night at 1am", "Sat 07 01:00"),
    ("until friday night at 1", "Sat 07 01:00"),
    ("until friday night at 9", "Fri 06 21:00"),
])
def test_night_in_a_snooze(text: str, meant: str) -> None:
    assert f"{parse_snooze(text, BERLIN, NOW).astimezone(BERLIN):%a %d %H:%M}" == meant


@pytest.mark.parametrize("text", ["friday night at 7am", "friday night at 9am"])
def test_night_and_a_morning_clock_ask_which_one(text: str) -> None:
    with pytest.raises(AmbiguousTime):
        parse_when(text, BERLIN, NOW)


def test_saturday_night_across_the_october_change() -> None:
    # Saturday 24 October, night at 1 and 2:30: Sunday 25th, before the clock goes back (02:30 happens twice:
    # the first, summer-time one).
    assert _one_off("Deploy saturday night at 1", BERLIN_THURSDAY) == "Sun 25 01:00 CEST"
    assert _one_off("Deploy saturday night at 2:30", BERLIN_THURSDAY) == "Sun 25 02:30 CEST"
    snooze = parse_snooze("until saturday night at 1", BERLIN, BERLIN_THURSDAY)
    assert snooze == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)


# 3. A relative time without a unit -------------------------------------------------------------------------------

@pytest.mark.parametrize("meeting", [False, True])
def test_in_45_is_refused_with_an_example(meeting: bool) -> None:
    with pytest.raises(UserError, match="in 45m") as caught:
        parse_when("in 45", BERLIN, NOW, meeting=meeting)
    assert caught.value.example == "in 45m"


def test_in_45_in_a_meeting_and_a_snooze() -> None:
    with pytest.raises(UserError, match="in 45m"):
        parse_meeting("Deploy in 45", BERLIN, NOW)
    with pytest.raises(UserError, match="in 45m"):
        parse_snooze("in 45", BERLIN, NOW)


@pytest.mark.parametrize("meeting", [False, True])
def test_in_1_30_is_an_hour_and_a_half_from_now(meeting: bool) -> None:
    parsed = parse_when("in 1:30", BERLIN, NOW, meeting=meeting)
    assert parsed.has_time and parsed.at == datetime(2026, 3, 2, 10, 47, tzinfo=UTC)
    assert _one_off("Deploy in 1:30") == "Mon 02 11:47 CET"


@pytest.mark.parametrize("text", ["Deploy every at 4", "Deploy each tomorrow at 3", "Retro EVERY friday-ish at 4"])
def test_a_title_never_ends_with_every(text: str) -> None:
    """A schedule that could not be read is refused, not registered as a one-off meeting called "Deploy
    every" at the time that followed; a title with "every" inside it is still a title."""
    if text == "Retro EVERY friday-ish at 4":
        request = parse_meeting(text, BERLIN, NOW)  # "every" is not the title's last word: a one-off
        assert request.title == "Retro EVERY friday-ish" and request.recurrence is None
        return
    with pytest.raises(UserError, match="as a schedule"):
        parse_meeting(text, BERLIN, NOW)
    assert parse_meeting("Review every feature tomorrow at 3", BERLIN, NOW).title == "Review every feature"
