"""Day words dateparser reads wrong, resolved against the person's own today (docs/meetings.md, "How times are
read"):

- "next tuesday" said while Tuesday is still ahead this week: tomorrow, or the Tuesday after? People split on
  it, so it is asked — with both dates — and never guessed. Once that weekday is gone this week, the coming
  one is next week's for everybody and it is read at once.
- "tuesday next week" (and "next week tuesday", "tuesday of next week"): the Tuesday of the week after this one.
- "the 8th" without a month: the next 8th, never one gone by (dateparser read this month's, and `/meeting`
  answered "in the past"); "the 31st" in a 30-day month is the next month that has one.
- "friday the 5th" when the 5th is a Saturday: asked.

The truth for each is computed here from the calendar, for every day of a week, not copied from the parser."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.timeparse import AmbiguousTime, parse_when
from handlers.meetings.parse import parse_meeting

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONDAY = date(2026, 11, 30)


def _now(day: date, tz: ZoneInfo = BERLIN, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz).astimezone(UTC)


def _day(text: str, now: datetime, tz: ZoneInfo = BERLIN) -> date:
    return parse_when(text, tz, now).at.astimezone(tz).date()


@pytest.mark.parametrize("today", range(7))
@pytest.mark.parametrize("named", range(7))
def test_next_weekday_is_asked_only_while_that_day_is_still_ahead_this_week(today: int, named: int) -> None:
    day = MONDAY + timedelta(days=today)
    now = _now(day)
    if named > today:
        this_week = day + timedelta(days=named - today)
        with pytest.raises(AmbiguousTime) as asked:
            parse_when(f"next {DAYS[named]} 3pm", BERLIN, now)
        text = str(asked.value)
        assert f"{this_week:%a} {this_week.day} {this_week:%b}" in text
        later = this_week + timedelta(days=7)
        assert f"{later:%a} {later.day} {later:%b}" in text
        assert f"`this {DAYS[named]}`" in text and f"`{DAYS[named]} next week`" in text
        # both of the answers the question offers are read, as the days it names
        assert _day(f"this {DAYS[named]} 3pm", now) == this_week
        assert _day(f"{DAYS[named]} next week 3pm", now) == later
    else:
        expected = day + timedelta(days=(named - today) % 7 or 7)  # next week's: the same weekday is a week on
        assert _day(f"next {DAYS[named]} 3pm", now) == expected
        assert expected.isocalendar().week == day.isocalendar().week + 1


@pytest.mark.parametrize("today", range(7))
@pytest.mark.parametrize("form", ["{d} next week", "next week {d}", "next week on {d}", "{d} of next week",
                                  "on {d} next week", "{D} Next Week"])
def test_a_weekday_next_week_is_that_day_of_the_week_after_this_one(today: int, form: str) -> None:
    day = MONDAY + timedelta(days=today)
    for named, name in enumerate(DAYS):
        text = form.format(d=name, D=name.capitalize())
        parsed = parse_when(f"{text} at 9am", BERLIN, _now(day))
        local = parsed.at.astimezone(BERLIN)
        assert local.date() == MONDAY + timedelta(days=7 + named), text  # the week after Monday 30 November
        assert (local.hour, local.minute) == (9, 0)


@pytest.mark.parametrize("today", [date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 9), date(2026, 11, 30),
                                   date(2026, 12, 31), date(2027, 1, 31), date(2028, 1, 31)])
@pytest.mark.parametrize("number", [1, 2, 8, 9, 29, 30, 31])
def test_a_day_of_the_month_is_the_next_such_day(today: date, number: int) -> None:
    year, month = today.year, today.month
    if number < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while number > calendar.monthrange(year, month)[1]:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    expected = date(year, month, number)
    suffix = {1: "st", 2: "nd", 31: "st"}.get(number, "th")
    for text in (f"the {number}{suffix} at 3pm", f"on the {number}{suffix} 15:00", f"{number}{suffix.upper()} 3pm"):
        parsed = parse_when(text, BERLIN, _now(today))
        assert parsed.at.astimezone(BERLIN).date() == expected, text
        assert parsed.at >= _now(today).replace(hour=0) or expected == today


def test_a_day_of_the_month_with_its_month_or_weekday_is_read_as_written() -> None:
    now = _now(MONDAY)
    assert _day("december 8th 3pm", now) == date(2026, 12, 8)
    assert _day("the 8th of january 3pm", now) == date(2027, 1, 8)
    assert _day("friday the 4th 3pm", now) == date(2026, 12, 4)
    with pytest.raises(AmbiguousTime, match=r"the 5th is a Saturday \(Sat 5 Dec\)"):
        parse_when("friday the 5th 3pm", BERLIN, now)
    with pytest.raises(UserError):  # two days of the month: not guessed between
        parse_when("the 8th or the 9th at 3pm", BERLIN, now)


def test_across_daylight_saving_changes_the_wall_clock_is_kept() -> None:
    # said on Friday 23 October in Berlin (CEST, UTC+2): the 8th of November is in CET (UTC+1)
    berlin = parse_when("the 8th at 3pm", BERLIN, _now(date(2026, 10, 23)))
    assert berlin.at == datetime(2026, 11, 8, 14, 0, tzinfo=UTC)
    # said on Thursday 5 March in New York (EST, UTC-5): Tuesday next week is after the March change (EDT, UTC-4)
    new_york = parse_when("tuesday next week 9am", NEW_YORK, _now(date(2026, 3, 5), NEW_YORK))
    assert new_york.at == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


def test_in_a_meeting_the_question_is_asked_only_of_the_words_that_are_the_time() -> None:
    now = _now(MONDAY)
    with pytest.raises(AmbiguousTime, match="this week's Tuesday"):
        parse_meeting("Sync next tuesday 3pm", BERLIN, now)
    # a title with these words: its time is the words at the end, and nothing is asked
    cases = {
        "Discuss next tuesday plan tomorrow 3pm": ("Discuss next tuesday plan", date(2026, 12, 1)),
        "Plan the 3rd release friday 2pm": ("Plan the 3rd release", date(2026, 12, 4)),
        "Review 2nd draft on the 8th at 3pm": ("Review 2nd draft", date(2026, 12, 8)),
        "5th floor sync tomorrow at 3pm": ("5th floor sync", date(2026, 12, 1)),
        "Planning tuesday next week at 10 for 1h": ("Planning", date(2026, 12, 8)),
    }
    for text, (title, day) in cases.items():
        request = parse_meeting(text, BERLIN, now)
        assert request.title == title, text
        assert request.starts_at is not None and request.starts_at.astimezone(BERLIN).date() == day, text


def test_what_the_first_review_found() -> None:
    """Each of these went wrong in the first version of the day words (found by an adversarial review)."""
    now = _now(MONDAY)
    # "at the 8th" names a day, not an hour: the meeting asks the time, it is not booked at midnight
    for text in ("at the 8th", "at 8th", "at tuesday next week", "at next week tuesday", "on the 8th"):
        parsed = parse_when(text, BERLIN, now)
        assert not parsed.has_time, text
    with pytest.raises(UserError, match="what time"):
        parse_meeting("Retro at the 8th", BERLIN, now)
    # an ordinal before a weekday is a title's, or "the first monday": read as before, nothing asked
    for text, title, day in [("Sprint 22nd friday 2pm", "Sprint 22nd", date(2026, 12, 4)),
                             ("Onboarding 1st monday 10am", "Onboarding 1st", date(2026, 12, 7)),
                             ("Retro Q4 3rd friday at 3pm", "Retro Q4 3rd", date(2026, 12, 4)),
                             ("Sprint 11th friday 3pm", "Sprint 11th", date(2026, 12, 4)),
                             ("Kickoff 4th friday 3pm", "Kickoff 4th", date(2026, 12, 4))]:
        request = parse_meeting(text, BERLIN, now)
        assert request.title == title, text
        assert request.starts_at is not None and request.starts_at.astimezone(BERLIN).date() == day, text
    # a written date says which Tuesday: nothing to ask (and it must be a Tuesday)
    assert _day("next tuesday, dec 8 3pm", now) == date(2026, 12, 8)
    assert _day("next tuesday 8 december 3pm", now) == date(2026, 12, 8)
    with pytest.raises(UserError):
        parse_when("next tuesday, dec 9 3pm", BERLIN, now)
    # a year after the day: read as written, as before
    assert _day("the 8th 3pm 2027", now) == date(2027, 11, 8)
    # the weekday right before the day of the month, with a comma or without "the"
    assert _day("fri, 4th 3pm", now) == date(2026, 12, 4)
    with pytest.raises(AmbiguousTime, match="the 5th is a Saturday"):
        parse_when("friday, the 5th at 3pm", BERLIN, now)
