"""The time words a tired person actually types: compound relative times ("in 2h30m", "in 1 hour 30 minutes"),
digits from other scripts or with invisible characters inside ("at ٣", "at ３pm", "at 3" with a zero-width
space), and a day-part word next to a clock ("tonight at 1", "friday evening at 1am").

A relative time under a day is real elapsed time (computed in UTC: "in 2 hours" across a DST change is two real
hours); whole days are calendar days (the same clock time, whatever DST does in between). The truth is computed
with zoneinfo, across Berlin's October change and New York's March change."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.timeparse import AmbiguousTime, parse_when
from handlers.meetings.parse import parse_meeting
from handlers.pulse.snooze import parse_snooze

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 17, 43, tzinfo=UTC)  # Monday 2 March 2026, 10:17:43 in Berlin
# Europe/Berlin leaves summer time on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET);
# America/New_York enters it on Sunday 8 March 2026 (02:00 EST -> 03:00 EDT).
BERLIN_EVE = datetime(2026, 10, 24, 10, 17, 43, tzinfo=BERLIN).astimezone(UTC)  # Saturday 10:17:43 CEST
NEW_YORK_EVE = datetime(2026, 3, 7, 10, 17, 43, tzinfo=NEW_YORK).astimezone(UTC)  # Saturday 10:17:43 EST
BERLIN_FOLD = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # Sunday 02:30 CEST, an hour before 02:00 CET comes again
NEW_YORK_GAP = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # Sunday 01:30 EST, half an hour before the clock jumps


def _local(text: str, *, meeting: bool = False, tz: ZoneInfo = BERLIN, now: datetime = NOW) -> str:
    parsed = parse_when(text, tz, now, meeting=meeting)
    assert parsed.has_time, text
    return f"{parsed.at.astimezone(tz):%a %d %H:%M:%S}"


def _snooze(text: str, tz: ZoneInfo = BERLIN, now: datetime = NOW) -> str:
    return f"{parse_snooze(text, tz, now).astimezone(tz):%a %d %H:%M:%S}"


def _meeting(text: str, tz: ZoneInfo = BERLIN, now: datetime = NOW) -> tuple[str, str]:
    request = parse_meeting(text, tz, now)
    assert request.starts_at is not None, request
    return request.title, f"{request.starts_at.astimezone(tz):%a %d %H:%M:%S}"


# 1. Compound relative times ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("meeting", [False, True])
@pytest.mark.parametrize(("text", "meant"), [
    ("in 2h30m", "Mon 02 12:47:43"),
    ("in 2h 30m", "Mon 02 12:47:43"),
    ("in 2 h 30 m", "Mon 02 12:47:43"),
    ("2h30m from now", "Mon 02 12:47:43"),  # a bare "2h30m" is a wait for a snooze, asked about by /meeting
    ("in 2h30m from now", "Mon 02 12:47:43"),
    ("in 1h30", "Mon 02 11:47:43"),  # "in" makes it a duration; a lone "1h30" is the clock 01:30
    ("in 1 hour 30 minutes", "Mon 02 11:47:43"),
    ("in 1 hour and 30 minutes", "Mon 02 11:47:43"),
    ("in 1 hour, 30 minutes", "Mon 02 11:47:43"),
    ("in 1.5 hours", "Mon 02 11:47:43"),
    ("in 1,5 hours", "Mon 02 11:47:43"),
    ("in 90 min", "Mon 02 11:47:43"),
    ("in 90 minutes", "Mon 02 11:47:43"),
    ("in an hour", "Mon 02 11:17:43"),
    ("in one hour", "Mon 02 11:17:43"),
    ("In An Hour", "Mon 02 11:17:43"),
    ("in half an hour", "Mon 02 10:47:43"),
    ("in an hour and a half", "Mon 02 11:47:43"),
    ("in 2 and a half hours", "Mon 02 12:47:43"),
    ("in a minute", "Mon 02 10:18:43"),
    ("in 45 seconds", "Mon 02 10:18:28"),
    ("in 2 hours", "Mon 02 12:17:43"),
    ("in 1 day 2 hours", "Tue 03 12:17:43"),
    ("in a day and 2 hours", "Tue 03 12:17:43"),
    ("in 1.5 days", "Tue 03 22:17:43"),
    ("in 36 hours", "Tue 03 22:17:43"),
])
def test_a_relative_time_is_now_plus_all_of_it(text: str, meant: str, meeting: bool) -> None:
    assert _local(text, meeting=meeting) == meant


@pytest.mark.parametrize(("text", "meant"), [
    ("in 2h30m", "Mon 02 12:47:43"),
    ("until in 2h30m", "Mon 02 12:47:43"),
    ("in 1 hour 30 minutes", "Mon 02 11:47:43"),
    ("in half an hour", "Mon 02 10:47:43"),
])
def test_a_snooze_until_a_relative_time(text: str, meant: str) -> None:
    assert _snooze(text) == meant


@pytest.mark.parametrize(("text", "meant"), [
    ("Retro in 2h30m", ("Retro", "Mon 02 12:47:43")),
    ("Retro in 2h 30m for 45m", ("Retro", "Mon 02 12:47:43")),
    ("Retro in 1 hour 30 minutes", ("Retro", "Mon 02 11:47:43")),
    ("Retro in an hour and a half", ("Retro", "Mon 02 11:47:43")),
])
def test_a_meeting_in_a_compound_relative_time(text: str, meant: tuple[str, str]) -> None:
    assert _meeting(text) == meant


@pytest.mark.parametrize("meeting", [False, True])
@pytest.mark.parametrize(("text", "day"), [
    ("in a day", "Tue 03"),
    ("in 2 days", "Wed 04"),
    ("in a week", "Mon 09"),
    ("in 1 week 2 days", "Wed 11"),
])
def test_whole_days_ahead_are_a_day_without_a_time(text: str, day: str, meeting: bool) -> None:
    """"in 2 days" names a day, as "wednesday" does: a meeting asks the time, a snooze runs to its start."""
    parsed = parse_when(text, BERLIN, NOW, meeting=meeting)
    assert not parsed.has_time
    assert f"{parsed.at.astimezone(BERLIN):%a %d %H:%M}" == f"{day} 00:00"


def test_a_meeting_in_whole_days_asks_the_time() -> None:
    with pytest.raises(UserError, match="At what time on `in 2 days`"):
        parse_meeting("Retro in 2 days", BERLIN, NOW)


@pytest.mark.parametrize("text", ["in 99999999999999999999 hours", "in 400 days", "in 9999999999h30m",
                                  "in 1e309 hours"])
def test_too_far_ahead_is_refused_clearly(text: str) -> None:
    for meeting in (False, True):
        try:
            parsed = parse_when(text, BERLIN, NOW, meeting=meeting)
        except UserError:
            continue
        assert parsed.at - NOW > timedelta(days=366), text  # read, then refused by the caller's own limit


@pytest.mark.parametrize(("text", "tz", "now", "elapsed"), [
    # real elapsed time: across the change "in 2h30m" is two and a half real hours
    ("in 2h30m", BERLIN, BERLIN_FOLD, timedelta(hours=2, minutes=30)),
    ("in 1 hour 30 minutes", BERLIN, BERLIN_FOLD, timedelta(hours=1, minutes=30)),
    ("in 1.5 hours", BERLIN, BERLIN_FOLD, timedelta(hours=1, minutes=30)),
    ("in 90 min", BERLIN, BERLIN_FOLD, timedelta(minutes=90)),
    ("in an hour and a half", BERLIN, BERLIN_FOLD, timedelta(minutes=90)),
    ("in 2h 30m", NEW_YORK, NEW_YORK_GAP, timedelta(hours=2, minutes=30)),
    ("in 1 hour 30 minutes", NEW_YORK, NEW_YORK_GAP, timedelta(hours=1, minutes=30)),
    ("in an hour", NEW_YORK, NEW_YORK_GAP, timedelta(hours=1)),
    ("in half an hour", NEW_YORK, NEW_YORK_GAP, timedelta(minutes=30)),
])
def test_a_relative_time_across_a_dst_change_is_real_elapsed_time(text: str, tz: ZoneInfo, now: datetime,
                                                                  elapsed: timedelta) -> None:
    for meeting in (False, True):
        assert parse_when(text, tz, now, meeting=meeting).at - now == elapsed, text


@pytest.mark.parametrize(("text", "tz", "now", "utc"), [
    # a day is a calendar day (Saturday 10:17:43 CEST -> Sunday 10:17:43 CET, 25 real hours), then 2 real hours
    ("in 1 day 2 hours", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 11, 17, 43, tzinfo=UTC)),
    # Saturday 10:17:43 EST -> Sunday 10:17:43 EDT (23 real hours), then 2 real hours
    ("in 1 day 2 hours", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 16, 17, 43, tzinfo=UTC)),
    # 26 real hours, whatever the clock says
    ("in 26 hours", BERLIN, BERLIN_EVE, BERLIN_EVE + timedelta(hours=26)),
    ("in 26 hours", NEW_YORK, NEW_YORK_EVE, NEW_YORK_EVE + timedelta(hours=26)),
])
def test_whole_days_are_calendar_days_across_a_dst_change(text: str, tz: ZoneInfo, now: datetime,
                                                          utc: datetime) -> None:
    assert parse_when(text, tz, now).at == utc


def test_whole_days_across_a_dst_change_are_that_day() -> None:
    parsed = parse_when("in a day", BERLIN, BERLIN_EVE)
    assert not parsed.has_time and parsed.at == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # Sunday 00:00 CEST


@pytest.mark.parametrize(("text", "meant"), [
    ("1h30", "Tue 03 01:30:00"),  # the continental clock, as before
    ("in 2 days at 5", "Wed 04 05:00:00"),
    ("in 2 days 9.30", "Wed 04 09:30:00"),
])
def test_what_is_not_a_relative_time_reads_as_before(text: str, meant: str) -> None:
    assert _local(text) == meant


# 2. Digits from other scripts, invisible characters ----------------------------------------------------------------

_SAME_AS = [
    ("at ٣", "at 3"),  # Arabic-Indic
    ("at ۳", "at 3"),  # Extended Arabic-Indic (Persian, Urdu)
    ("at ३", "at 3"),  # Devanagari
    ("at ３", "at 3"),  # full-width
    ("at ３pm", "at 3pm"),
    ("at ٣pm", "at 3pm"),
    ("tomorrow ９.３０", "tomorrow 9.30"),
    ("tomorrow ٩.٣٠", "tomorrow 9.30"),
    ("tomorrow ٩٫٣٠", "tomorrow 9.30"),  # the Arabic decimal separator
    ("tomorrow at ١٥:٣٠", "tomorrow at 15:30"),
    ("tomorrow ٠٩:٣٠", "tomorrow 09:30"),
    ("tomorrow at ١٥：٣٠", "tomorrow at 15:30"),  # a full-width colon too
    ("friday ٤", "friday 4"),
    ("tomorrow at ٣", "tomorrow at 3"),
    ("in ٢h٣٠m", "in 2h30m"),
    ("in ２ hours", "in 2 hours"),
    ("at \u200b3", "at 3"),  # zero-width space
    ("at 3\u200b", "at 3"),
    ("at \u200f3", "at 3"),  # right-to-left mark
    ("at 3\u200fpm", "at 3pm"),
    ("at \u20663\u2069", "at 3"),  # left-to-right isolate around the digit
    ("at 3\u200d", "at 3"),  # zero-width joiner
    ("at\u00a03", "at 3"),  # no-break space
    ("tonight at ١", "tonight at 1"),
]


@pytest.mark.parametrize("meeting", [False, True])
@pytest.mark.parametrize(("typed", "ascii"), _SAME_AS)
def test_digits_from_other_scripts_read_as_the_digits(typed: str, ascii: str, meeting: bool) -> None:
    for tz, now in ((BERLIN, NOW), (BERLIN, BERLIN_EVE), (NEW_YORK, NEW_YORK_EVE)):
        assert parse_when(typed, tz, now, meeting=meeting).at == parse_when(ascii, tz, now, meeting=meeting).at, typed


def test_a_meeting_at_an_arabic_indic_hour_is_the_afternoon_hour() -> None:
    assert _meeting("Retro tomorrow at ٣") == ("Retro", "Tue 03 15:00:00")
    assert _meeting("Retro at ٣") == ("Retro", "Mon 02 15:00:00")
    assert _snooze("until tomorrow ٩٫٣٠") == "Tue 03 09:30:00"


def test_a_lone_full_width_number_is_as_ambiguous_as_its_ascii() -> None:
    with pytest.raises(UserError, match="ambiguous"):
        parse_when("９.３０", BERLIN, NOW)


_ODD = ["٣", "３", "३", "²", "½", "Ⅲ", "٫", "\u200d", "\u2066", "\U0001d7db", "\u0663\u0665", "𝟙𝟝:𝟛𝟘", "\u2028", "\ufeff"]
_TEMPLATES = ["at {}", "tomorrow at {}", "in {}h", "in {} hours", "friday {}pm", "tonight at {}", "{}", "tomorrow {}.30"]


@pytest.mark.parametrize("meeting", [False, True])
@pytest.mark.parametrize("odd", _ODD)
def test_an_odd_character_is_read_or_refused_never_a_crash(odd: str, meeting: bool) -> None:
    for template in _TEMPLATES:
        with contextlib.suppress(UserError):
            parse_when(template.format(odd), BERLIN, NOW, meeting=meeting)


# 3. A day-part word next to a clock --------------------------------------------------------------------------------

@pytest.mark.parametrize("meeting", [False, True])
@pytest.mark.parametrize(("text", "meant"), [
    # "tonight" with 1 to 4 is the small hours after tonight's evening
    ("tonight at 1", "Tue 03 01:00:00"),
    ("tonight at 1am", "Tue 03 01:00:00"),
    ("tonight at 01:00", "Tue 03 01:00:00"),
    ("tonight 2", "Tue 03 02:00:00"),
    ("tonight at 4:30", "Tue 03 04:30:00"),
    ("tonight at 3.30", "Tue 03 03:30:00"),
    ("tonight @ 2am", "Tue 03 02:00:00"),
    # unchanged
    ("tonight at 5", "Mon 02 17:00:00"),
    ("tonight at 8", "Mon 02 20:00:00"),
    ("tonight at 11pm", "Mon 02 23:00:00"),
    ("tonight at 12", "Tue 03 00:00:00"),
    ("tonight at midnight", "Tue 03 00:00:00"),
    ("friday evening at 8", "Fri 06 20:00:00"),
    ("friday evening at 8pm", "Fri 06 20:00:00"),
    ("friday evening at 12", "Sat 07 00:00:00"),
    ("friday evening at 12am", "Sat 07 00:00:00"),
    ("tomorrow morning at 7", "Tue 03 07:00:00"),
    ("tomorrow morning at 11am", "Tue 03 11:00:00"),
    ("tomorrow afternoon at 3", "Tue 03 15:00:00"),
    ("tomorrow afternoon at 3pm", "Tue 03 15:00:00"),
])
def test_tonight_at_1_is_the_night_after(text: str, meant: str, meeting: bool) -> None:
    assert _local(text, meeting=meeting) == meant


@pytest.mark.parametrize("meeting", [False, True])
@pytest.mark.parametrize("text", [
    "friday evening at 1am",
    "friday evening at 3:30am",
    "friday evening at 01:00",
    "friday evening at 1",  # 13:00 is no evening, and Saturday 01:00 is not Friday: which one?
    "tomorrow evening at 4",
    "this evening at 2",
    "this afternoon at 2am",
    "tomorrow afternoon at 9am",
    "tomorrow morning at 3pm",
    "tomorrow morning at 15:00",
    "tonight at 6am",
    "tonight at 9am",
])
def test_a_day_part_that_contradicts_the_clock_asks_which_one(text: str, meeting: bool) -> None:
    with pytest.raises(UserError, match="which one"):
        parse_when(text, BERLIN, NOW, meeting=meeting)


def test_a_meeting_and_a_snooze_tonight_at_1() -> None:
    assert _meeting("Deploy tonight at 1") == ("Deploy", "Tue 03 01:00:00")
    assert _snooze("until tonight at 1") == "Tue 03 01:00:00"
    with pytest.raises(UserError, match="which one"):
        parse_snooze("until friday evening at 1am", BERLIN, NOW)


@pytest.mark.parametrize("text", ["Deploy friday evening at 1am", "Deploy friday evening at 1"])
def test_a_meeting_friday_evening_at_1am_asks_which_one(text: str) -> None:
    with pytest.raises(UserError, match="which one"):
        parse_meeting(text, BERLIN, NOW)


def test_which_one_is_its_own_refusal() -> None:
    """So a caller trying shorter tails of a text can stop at it."""
    for text in ("friday evening at 1am", "tomorrow morning at 3pm"):
        with pytest.raises(AmbiguousTime):
            parse_when(text, BERLIN, NOW, meeting=True)
    with pytest.raises(UserError, match="which one"):  # two times: a plain refusal, so a shorter tail may be
        parse_when("tomorrow 10am 11am", BERLIN, NOW, meeting=True)  # the time ("Release 2.10 tomorrow 3pm")


@pytest.mark.parametrize(("now", "text", "meant"), [
    (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "tonight at 1", "Tue 03 01:00:00"),  # typed Tuesday 00:30
    (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "tonight at 4am", "Tue 03 04:00:00"),
    (datetime(2026, 3, 2, 21, 30, tzinfo=UTC), "tonight at 1", "Tue 03 01:00:00"),  # typed Monday 22:30
])
def test_tonight_at_1_typed_in_the_night(now: datetime, text: str, meant: str) -> None:
    for meeting in (False, True):
        assert _local(text, meeting=meeting, now=now) == meant


@pytest.mark.parametrize(("text", "meant"), [
    ("tomorrow 1", "Tue 03 01:00:00"),
    ("at 1", "Tue 03 01:00:00"),
    ("tomorrow at 4", "Tue 03 04:00:00"),
])
def test_the_pulse_still_reads_a_bare_hour_literally(text: str, meant: str) -> None:
    assert _local(text) == meant


@pytest.mark.parametrize(("text", "tz", "now", "utc"), [
    # Saturday "tonight at 1" is Sunday 01:00 CEST (before the change) = Saturday 23:00 UTC
    ("tonight at 1", BERLIN, BERLIN_EVE, datetime(2026, 10, 24, 23, 0, tzinfo=UTC)),
    # Sunday 02:30 happens twice in Berlin: the first (CEST)
    ("tonight at 2:30", BERLIN, BERLIN_EVE, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    # Sunday 02:30 never happens in New York: moved on by the gap, 03:30 EDT
    ("tonight at 2:30", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    ("tonight at 1am", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 6, 0, tzinfo=UTC)),  # 01:00 EST
    ("tonight at 4", NEW_YORK, NEW_YORK_EVE, datetime(2026, 3, 8, 8, 0, tzinfo=UTC)),  # 04:00 EDT
])
def test_tonight_at_1_across_a_dst_change(text: str, tz: ZoneInfo, now: datetime, utc: datetime) -> None:
    for meeting in (False, True):
        assert parse_when(text, tz, now, meeting=meeting).at == utc, (text, meeting)
