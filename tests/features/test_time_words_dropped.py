"""A time the person typed must never be dropped silently. dateparser, given text it half understands, keeps the
date and fills the time of day from "now" ("tomorrow 9.30" came out as tomorrow at the current clock time), or
reads a number as the day of the month ("Retro 3 friday at 4" was Tuesday the 3rd). parse_when either reads the
time that was written or says it can't. The truth is computed with zoneinfo, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.timeparse import parse_when
from handlers.meetings.parse import parse_meeting
from handlers.pulse.snooze import parse_snooze

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 17, 43, tzinfo=UTC)  # Monday 2 March 2026, 10:17:43 in Berlin
# Europe/Berlin leaves summer time on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET);
# America/New_York enters it on Sunday 8 March 2026 (02:00 EST -> 03:00 EDT).
BERLIN_EVE = datetime(2026, 10, 24, 10, 17, 43, tzinfo=BERLIN).astimezone(UTC)  # Saturday 10:17:43 CEST
NEW_YORK_EVE = datetime(2026, 3, 7, 10, 17, 43, tzinfo=NEW_YORK).astimezone(UTC)  # Saturday 10:17:43 EST


def _local(text: str, *, meeting: bool = False, tz: ZoneInfo = BERLIN, now: datetime = NOW) -> str:
    parsed = parse_when(text, tz, now, meeting=meeting)
    assert parsed.has_time, text
    return f"{parsed.at.astimezone(tz):%a %d %H:%M:%S}"


def _meeting(text: str, tz: ZoneInfo = BERLIN, now: datetime = NOW) -> tuple[str, str]:
    request = parse_meeting(text, tz, now)
    assert request.starts_at is not None, request
    return request.title, f"{request.starts_at.astimezone(tz):%a %d %H:%M:%S}"


# 1. Dotted times ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "meant"), [
    ("tomorrow 9.30", "Tue 03 09:30:00"),
    ("tomorrow at 9.30", "Tue 03 09:30:00"),
    ("9.30 tomorrow", "Tue 03 09:30:00"),
    ("tomorrow 09.30", "Tue 03 09:30:00"),
    ("friday 14.15", "Fri 06 14:15:00"),
    ("14.15 tomorrow", "Tue 03 14:15:00"),
    ("in 2 days 9.30", "Wed 04 09:30:00"),
    ("tomorrow 3.30pm", "Tue 03 15:30:00"),
    ("tomorrow 9.30am", "Tue 03 09:30:00"),
    ("tomorrow 10.17", "Tue 03 10:17:00"),  # the current clock's hour and minute, but not its seconds
    ("tomorrow at 3.30", "Tue 03 03:30:00"),  # the pulse reads a bare hour literally
])
def test_a_dotted_time_is_that_time(text: str, meant: str) -> None:
    assert _local(text) == meant
    assert f"{parse_snooze(f'until {text}', BERLIN, NOW).astimezone(BERLIN):%a %d %H:%M:%S}" == meant


@pytest.mark.parametrize(("text", "meant"), [
    ("Retro tomorrow 9.30", "Tue 03 09:30:00"),
    ("Retro tomorrow at 9.30", "Tue 03 09:30:00"),
    ("Retro tomorrow at 3.30", "Tue 03 15:30:00"),  # a bare hour, as 3:30 is: the afternoon
    ("Retro tomorrow 03.30", "Tue 03 03:30:00"),  # two digits: literal, as 03:30 is
    ("Retro friday 14.15", "Fri 06 14:15:00"),
    ("Retro 9.30 tomorrow", "Tue 03 09:30:00"),
])
def test_a_meetings_dotted_time_reads_like_its_colon_time(text: str, meant: str) -> None:
    assert _meeting(text) == ("Retro", meant)


@pytest.mark.parametrize(("text", "title", "meant"), [
    ("Release 2.1 review tomorrow 3pm", "Release 2.1 review", "Tue 03 15:00:00"),
    ("Release 2.1 tomorrow 3pm", "Release 2.1", "Tue 03 15:00:00"),
    ("Release 2.10 tomorrow 3pm", "Release 2.10", "Tue 03 15:00:00"),
    ("Release v2.10 friday at 4", "Release v2.10", "Fri 06 16:00:00"),
])
def test_a_version_number_in_a_title_stays_in_the_title(text: str, title: str, meant: str) -> None:
    assert _meeting(text) == (title, meant)


def test_a_decimal_duration_is_still_a_duration() -> None:
    assert parse_when("in 1.5 hours", BERLIN, NOW).at == NOW + timedelta(minutes=90)
    assert parse_when("in 2.5h", BERLIN, NOW).at == NOW + timedelta(minutes=150)


@pytest.mark.parametrize("text", ["Retro 24.12", "Retro 12.10.2026"])
def test_a_dotted_date_is_a_day_not_a_midnight_meeting(text: str) -> None:
    """"24.12" is Christmas Eve, not 00:00 on it: the meeting asks for the time."""
    with pytest.raises(UserError, match="At what time on"):
        parse_meeting(text, BERLIN, NOW)


# 2. "@" is "at" -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "meeting", "meant"), [
    ("friday @ 4", True, "Fri 06 16:00:00"),
    ("friday @4", True, "Fri 06 16:00:00"),
    ("friday @ 4", False, "Fri 06 04:00:00"),
    ("tomorrow @ 3pm", True, "Tue 03 15:00:00"),
    ("tomorrow @ 9.30", False, "Tue 03 09:30:00"),
    ("@ 4 tomorrow", True, "Tue 03 16:00:00"),
])
def test_at_sign_reads_as_at(text: str, meeting: bool, meant: str) -> None:
    assert _local(text, meeting=meeting) == meant


def test_a_meeting_at_sign_time_is_registered() -> None:
    assert _meeting("Retro friday @ 4") == ("Retro", "Fri 06 16:00:00")


# 3. "tonight at 12" is midnight ---------------------------------------------------------------------------------

@pytest.mark.parametrize("meeting", [True, False])
@pytest.mark.parametrize(("text", "meant"), [
    ("tonight at 12", "Tue 03 00:00:00"),
    ("tonight 12", "Tue 03 00:00:00"),
    ("tonight at 12:30", "Tue 03 00:30:00"),
    ("tonight at midnight", "Tue 03 00:00:00"),
    ("friday evening at 12", "Sat 07 00:00:00"),
    ("tonight at 8", "Mon 02 20:00:00"),  # the word decides, for the pulse too: not 08:00 (already past)
    ("tomorrow evening at 8", "Tue 03 20:00:00"),
    ("tomorrow morning at 9", "Tue 03 09:00:00"),
])
def test_tonight_at_12_is_the_midnight_that_ends_tonight(text: str, meant: str, meeting: bool) -> None:
    assert _local(text, meeting=meeting) == meant


@pytest.mark.parametrize(("tz", "now", "utc"), [
    (BERLIN, BERLIN_EVE, datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),  # Sunday 00:00 CEST, before the change
    (NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 5, 0, tzinfo=UTC)),  # Sunday 00:00 EST, before the change
])
def test_tonight_at_12_across_a_dst_change(tz: ZoneInfo, now: datetime, utc: datetime) -> None:
    assert parse_when("tonight at 12", tz, now).at == utc
    assert parse_meeting("Party tonight at 12", tz, now).starts_at == utc


# 4. A number before the day word --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "title", "meant"), [
    ("Retro 3 tomorrow at 4pm", "Retro 3", "Tue 03 16:00:00"),
    ("Retro 3 friday at 4", "Retro 3", "Fri 06 16:00:00"),
    ("Retro 2 at 3 tomorrow", "Retro 2", "Tue 03 15:00:00"),
    ("Sprint 12 tomorrow 9.30", "Sprint 12", "Tue 03 09:30:00"),
])
def test_a_number_before_the_day_word_stays_in_the_title(text: str, title: str, meant: str) -> None:
    assert _meeting(text) == (title, meant)


@pytest.mark.parametrize(("text", "tz", "now", "utc"), [
    # Sunday 16:00 CET (after the change) is 15:00 UTC
    ("Retro 3 tomorrow at 4pm", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 15, 0, tzinfo=UTC)),
    ("Retro 3 tomorrow at 2.30", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 13, 30, tzinfo=UTC)),
    ("Retro 3 tomorrow 02.30", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # the fold
    # Sunday 16:00 EDT (after the change) is 20:00 UTC; 02:30 is in the gap, moved to 03:30 EDT
    ("Retro 3 tomorrow at 4pm", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 20, 0, tzinfo=UTC)),
    ("Retro 3 tomorrow 2.30am", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
])
def test_a_number_before_the_day_word_across_a_dst_change(text: str, tz: ZoneInfo, now: datetime,
                                                          utc: datetime) -> None:
    request = parse_meeting(text, tz, now)
    assert request.title.startswith("Retro 3") and request.starts_at == utc


@pytest.mark.parametrize(("text", "tz", "now", "utc"), [
    ("tomorrow 9.30", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 8, 30, tzinfo=UTC)),  # 09:30 CET
    ("tomorrow 2.30", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # the fold: first 02:30
    ("tomorrow 2.30", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # the gap: 03:30 EDT
    ("tomorrow @ 9.30", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 13, 30, tzinfo=UTC)),  # 09:30 EDT
])
def test_a_dotted_time_across_a_dst_change(text: str, tz: ZoneInfo, now: datetime, utc: datetime) -> None:
    assert parse_when(text, tz, now).at == utc


# 5. Property: a named time of day never comes out as the current clock -----------------------------------------

_DAYS = ["tomorrow", "friday", "next monday", "in 2 days", "on 5 march", "today", "3 tomorrow", "2.1 friday",
         "12 friday", "tonight", "tomorrow evening"]
_TIMES = ["9.30", "at 9.30", "@ 9.30", "09.30", "14.15", "at 4pm", "@ 4pm", "4 pm", "4p.m.", "at 4", "@ 4",
          "@4", "16:00", "16h00", "3.30pm", "3:30 pm", "at noon", "at midnight", "at 12", "12", "9", "10.17",
          "at 10:17", "10.17am", "at 10.18"]
_SAMPLE = sorted({f"{day} {at}" for day, at in product(_DAYS, _TIMES)}
                 | {f"{at} {day}" for day, at in product(_DAYS, _TIMES)})


@pytest.mark.parametrize("meeting", [False, True])
@pytest.mark.parametrize("text", _SAMPLE)
def test_a_named_time_is_never_silently_the_current_clock(text: str, meeting: bool) -> None:
    """The signature of a dropped time: the clock of `now` (10:17:43) in the answer. Refusing is fine."""
    for tz, now in ((BERLIN, NOW), (BERLIN, BERLIN_EVE), (NEW_YORK, NEW_YORK_EVE)):
        try:
            parsed = parse_when(text, tz, now, meeting=meeting)
        except UserError:
            continue
        local = parsed.at.astimezone(tz)  # "12 tomorrow" is a day only (00:00): fine, the meeting asks the time
        assert (local.second, local.microsecond) == (0, 0), f"{text!r} -> {local}"
        assert (local.minute, local.second) != (17, 43), f"{text!r} -> {local}"


def test_a_zone_offset_is_not_a_second_time_but_two_times_are_refused() -> None:
    assert parse_when("tomorrow 15:00 UTC+02:00", BERLIN, NOW).at == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
    with pytest.raises(UserError, match="more than one time of day"):
        parse_when("tomorrow 10am 11am", BERLIN, NOW)
