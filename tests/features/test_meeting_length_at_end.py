"""A meeting's length written last, with no time after it. `Sync tomorrow 90m` was a meeting today, in 90
minutes, titled *Sync tomorrow*; `Sync tomorrow 3,5h` was today in three and a half hours; `Sync friday 90m` was
refused as a schedule that could not be read; `Sync 90m` was silently in 90 minutes with the default 30-minute
length; `Swim 400m` was *Swim*, in 400 minutes; `Sync tomorrow 1h30` was 01:30 at night. Now a length after a day
asks that day's hour and names the length, a length alone is asked about ("in 90m, or a meeting that long?") as
one in words already was, a time then a day then a length is a time and a length, and a wait longer than any
meeting ("Sync 36h") is still a wait. The truth is computed with zoneinfo, and read across a DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.errors import UserError
from handlers.core.timeparse import AmbiguousTime, parse_when
from handlers.meetings.parse import parse_meeting
from tests.support.berlin_time import BERLIN, BERLIN_EVE, NOW
from tests.support.berlin_time import local as _local


def _refusal(text: str, now: datetime = NOW) -> UserError:
    with pytest.raises(UserError) as raised:
        parse_meeting(text, BERLIN, now)
    return raised.value


@pytest.mark.parametrize(("text", "length", "day"), [
    ("Sync tomorrow 90m", "90m", "tomorrow"),
    ("Sync tomorrow 3,5h", "3,5h", "tomorrow"),  # before: today, in three and a half hours
    ("Sync tomorrow 1.5h", "1.5h", "tomorrow"),
    ("Lunch tomorrow 45min", "45min", "tomorrow"),
    ("Sync friday 90m", "90m", "friday"),  # before: "I couldn't read `friday 90m` as a schedule"
    ("Sync on friday 2 hours", "2 hours", "on friday"),
    ("Sync next week 90m", "90m", "next week"),
    ("Sync tomorrow 90m.", "90m", "tomorrow"),
    ("Sync tomorrow for 90m", "for 90m", "tomorrow"),  # the day's hour asked, the length kept in the example
])
def test_a_length_after_a_day_asks_that_days_hour_and_keeps_the_length(text: str, length: str, day: str) -> None:
    refusal = _refusal(text)
    assert refusal.message == f"`{length}` is how long it lasts. At what time on `{day}`?"
    assert refusal.example is not None and refusal.example.endswith(f"{day} 3pm {length}")
    example = parse_meeting(refusal.example.removeprefix("/meeting "), BERLIN, NOW)  # the example reads
    assert example.length_given and example.starts_at is not None
    assert _local(example.starts_at).endswith("15:00")


def test_a_day_without_an_hour_or_a_length_is_asked_as_before() -> None:
    refusal = _refusal("Retro friday")
    assert (refusal.message, refusal.example) == ("At what time on `friday`?", "/meeting Retro friday 3pm")


@pytest.mark.parametrize(("text", "said", "title"), [
    ("Sync 90m", "90m", "Sync"),  # before: in 90 minutes, 30 minutes long
    ("Sync 1.5h", "1.5h", "Sync"),
    ("Sync 2 hours", "2 hours", "Sync"),
    ("Sync 3,5h", "3,5h", "Sync"),
    ("Demo of the new login 10m", "10m", "Demo of the new login"),
    ("Swim 50m", "50m", "Swim"),
    ("Series A 20m", "20m", "Series A"),
])
def test_a_length_alone_is_asked_about_a_wait_or_a_length(text: str, said: str, title: str) -> None:
    with pytest.raises(AmbiguousTime) as raised:
        parse_meeting(text, BERLIN, NOW)
    assert raised.value.message.startswith(f"`{said}` — in {said}, or a meeting that long?")
    assert raised.value.example == f"/meeting {title} in {said}"
    waited = parse_meeting(raised.value.example.removeprefix("/meeting "), BERLIN, NOW)  # the example is a wait
    assert waited.title == title and waited.starts_at is not None and waited.starts_at > NOW


@pytest.mark.parametrize(("text", "says"), [
    ("45m", "`45m` is how long it lasts. When is it?"),  # before: "I need a title and a time"
    ("1.5h", "`1.5h` is how long it lasts. When is it?"),
    ("2 hours", "`2 hours` is how long it lasts. When is it?"),
    ("Swim 400m", "I couldn't find a time"),  # before: *Swim*, in 400 minutes (400m is no meeting's length)
    ("Race 100m", "I couldn't find a time"),
    ("Recap of the last 90m", "I couldn't find a time"),  # the title's
    ("Ended after 37m", "I couldn't find a time"),  # before: *Ended after*, in 37 minutes
    ("Series A", "I couldn't find a time"),  # before: "`A` is in the past" (dateparser read `A` as the 1st)
])
def test_what_is_no_meetings_time_is_refused_with_why(text: str, says: str) -> None:
    assert says in _refusal(text).message


@pytest.mark.parametrize(("text", "minutes", "when"), [
    ("Sync 3pm tomorrow 1.5h", 90, "Sun 29 Nov 15:00"),  # a time, a day, then the length
    ("Sync at noon friday 45m", 45, "Fri 04 Dec 12:00"),
    ("Sync 10am monday 2 hours", 120, "Mon 30 Nov 10:00"),
])
def test_a_length_after_a_whole_time_is_the_length(text: str, minutes: int, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length, request.length_given) == ("Sync", timedelta(minutes=minutes), True)
    assert _local(request.starts_at) == when


def test_a_length_after_a_whole_time_across_the_dst_change() -> None:
    # Saturday 24 October 2026 10:00 CEST; summer time ends that night: Sunday 15:00 is CET (UTC+1)
    request = parse_meeting("Sync 3pm tomorrow 1.5h", BERLIN, BERLIN_EVE)
    assert request.starts_at == datetime(2026, 10, 25, 14, 0, tzinfo=UTC)
    assert request.length == timedelta(minutes=90)


@pytest.mark.parametrize(("text", "when"), [
    ("Sync in 90m", "Sat 28 Nov 11:30"),  # a wait that says so reads as before
    ("Sync 90 minutes from now", "Sat 28 Nov 11:30"),
    ("Sync in 3,5h", "Sat 28 Nov 13:30"),
    ("Sync 36h", "Sun 29 Nov 22:00"),  # longer than any meeting: a wait, as before
    ("Sync 10 hours", "Sat 28 Nov 20:00"),
])
def test_a_wait_that_says_so_or_is_no_meetings_length_stays_a_wait(text: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length_given) == ("Sync", False)
    assert _local(request.starts_at) == when


def test_a_wait_in_real_hours_across_the_dst_change() -> None:
    # 10:00 CEST + 36 real hours: Sunday 21:00 CET (the night gained an hour), not 22:00
    request = parse_meeting("Sync 36h", BERLIN, BERLIN_EVE)
    assert request.starts_at == BERLIN_EVE + timedelta(hours=36)
    assert _local(request.starts_at) == "Sun 25 Oct 21:00"


@pytest.mark.parametrize(("text", "clock", "length"), [
    ("Sync tomorrow 1h30", "01:30", "1h 30m"),  # before: tomorrow 01:30, silently
    ("Retro tomorrow 3h30", "03:30", "3h 30m"),
    ("Sync friday 2h15", "02:15", "2h 15m"),
    ("Sync every friday 1h30", "01:30", "1h 30m"),
    ("Sync 1h30", "01:30", "1h 30m"),
])
def test_a_night_hour_with_minutes_that_is_also_a_length_is_asked_about(text: str, clock: str, length: str) -> None:
    with pytest.raises(AmbiguousTime) as raised:
        parse_meeting(text, BERLIN, NOW)
    assert f"at {clock}, or a meeting of {length}?" in raised.value.message
    assert raised.value.example is not None
    example = parse_meeting(raised.value.example.removeprefix("/meeting "), BERLIN, NOW)  # the example reads
    assert example.length == timedelta(hours=int(length[0]), minutes=int(length[3:5]))


@pytest.mark.parametrize(("text", "when"), [
    ("Sync tomorrow 5h30", "Sun 29 Nov 05:30"),  # a morning on a continental clock
    ("Sync tomorrow 8h30", "Sun 29 Nov 08:30"),
    ("Sync tomorrow 15h30", "Sun 29 Nov 15:30"),
    ("Sync tomorrow at 1h30", "Sun 29 Nov 01:30"),  # `at` says it is the clock
    ("Sync tomorrow 1:30am", "Sun 29 Nov 01:30"),
])
def test_morning_clocks_and_clocks_said_as_such_are_read_as_before(text: str, when: str) -> None:
    assert _local(parse_meeting(text, BERLIN, NOW).starts_at) == when


def test_the_time_reader_refuses_a_short_span_without_in_only_for_a_meeting() -> None:
    with pytest.raises(UserError):
        parse_when("90m", BERLIN, NOW, meeting=True)
    assert _local(parse_when("90m", BERLIN, NOW).at) == "Sat 28 Nov 11:30"  # `/pulse snooze 90m` is a wait
    assert _local(parse_when("in 90m", BERLIN, NOW, meeting=True).at) == "Sat 28 Nov 11:30"


@pytest.mark.parametrize(("text", "title", "minutes", "when", "given"), [
    # a decimal comma anywhere in a wait is one number: before, "`in 1` — 1 what?"
    ("Sync in 1,5 hours 45m", "Sync", 30, "Sat 28 Nov 12:15", False),
    # the same length twice is that length, and not the title's: before, *Sync 1h*
    ("Sync 1h tomorrow 3-4pm", "Sync", 60, "Sun 29 Nov 15:00", True),
    ("Sync 2h tomorrow 3-4pm", "Sync 2h", 60, "Sun 29 Nov 15:00", True),  # a different one stays in the title
    # a length in words right before the time is the length, as in digits: before, *Sync two hours*, 30 minutes
    ("Sync two hours tomorrow 3pm", "Sync", 120, "Sun 29 Nov 15:00", True),
    ("Deep work forty five minutes friday 9am", "Deep work", 45, "Fri 04 Dec 09:00", True),
    # … unless the word before makes it the title's, in words or in digits
    ("Recap of the last two hours tomorrow 3pm", "Recap of the last two hours", 30, "Sun 29 Nov 15:00", False),
    ("Recap of the last 45m tomorrow 3pm", "Recap of the last 45m", 30, "Sun 29 Nov 15:00", False),
    ("Sync twelve hours tomorrow 3pm", "Sync twelve hours", 30, "Sun 29 Nov 15:00", False),  # no meeting's length
])
def test_lengths_next_to_a_time_read_as_written(text: str, title: str, minutes: int, when: str, given: bool) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length, request.length_given) == (title, timedelta(minutes=minutes), given)
    assert _local(request.starts_at) == when


# The review of the first version of this change (an attacker's inputs, each read on the code before it) --------------

@pytest.mark.parametrize(("text", "when"), [
    ("Sync in 1h30", "Sat 28 Nov 11:30"),  # a wait that says so is never asked "at 01:30?"
    ("Sync 1h30 from now", "Sat 28 Nov 11:30"),
    ("Sync in 2h15", "Sat 28 Nov 12:15"),
    ("Sync in 1h", "Sat 28 Nov 11:00"),  # before this change too: "at 01:00, or a 1-hour meeting?"
    ("Sync in 1,5h 45m", "Sat 28 Nov 12:15"),  # before: in 1.5 hours, 45m long (the 5h after the comma a clock)
    ("Sync in 1.5h 45m", "Sat 28 Nov 12:15"),  # … as `in 1,5 hours 45m` and `in 2h 30m` are: one wait
])
def test_a_wait_that_says_so_is_a_wait(text: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length_given) == ("Sync", False)
    assert _local(request.starts_at) == when


@pytest.mark.parametrize(("text", "title", "minutes"), [
    ("Sync up 45m tomorrow 3pm", "Sync up", 45),  # `up` before a length is no "up to"
    ("Catch up 30m tomorrow 3pm", "Catch up", 30),
    ("Wrap up 1h tomorrow 3pm", "Wrap up", 60),
    ("Sync 1 hour 30 minutes tomorrow 3pm", "Sync", 90),  # a length in parts is one length (before: *Sync 1 hour*, 30m)
    ("Sync 1 hr 30 min tomorrow 3pm", "Sync", 90),
])
def test_a_length_before_the_time_after_a_title_word(text: str, title: str, minutes: int) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length, request.length_given) == (title, timedelta(minutes=minutes), True)
    assert _local(request.starts_at) == "Sun 29 Nov 15:00"


def test_a_series_length_after_stand_up() -> None:
    request = parse_meeting("Stand up 15m every weekday at 9:30", BERLIN, NOW)
    assert (request.title, request.length, request.recurrence is not None) == ("Stand up", timedelta(minutes=15), True)


@pytest.mark.parametrize(("text", "says"), [
    ("Sync 1 hour 30 minutes", "`1 hour 30 minutes` — in 1 hour 30 minutes, or a meeting that long?"),
    ("Sync tomorrow 1 hour 30 minutes", "`1 hour 30 minutes` is how long it lasts. At what time on `tomorrow`?"),
    ("Sync tomorrow 1 hour and 15 minutes", "`1 hour and 15 minutes` is how long it lasts. At what time on `tomorrow`?"),
    ("Sync tomorrow 90m for 1h", "Two lengths: `90m` and 1h — which one?"),
    ("Sync tomorrow morning 90m", "At what time on `tomorrow morning`?"),
    ("Sync tomorrow morning 1h30", "at 01:30, or a meeting of 1h 30m?"),
    ("Sync tomorrow 10 hours", "`tomorrow 10 hours`: 10 hours from now, or tomorrow?"),  # before: today 20:00
    ("Sync tomorrow 8.5h", "`tomorrow 8.5h`: 8.5h from now, or tomorrow?"),  # before: today 18:30
    ("Sync tonight 10 hours", "`tonight 10 hours`: 10 hours from now, or tonight?"),
])
def test_questions_whose_examples_read(text: str, says: str) -> None:
    refusal = _refusal(text)
    assert says in refusal.message
    if refusal.example is not None and refusal.example.startswith("/meeting ") and "Two lengths" not in says:
        example = parse_meeting(refusal.example.removeprefix("/meeting "), BERLIN, NOW)  # the example reads …
        assert example.starts_at is not None and example.title == "Sync"
        if "tomorrow" in says:  # … on the day named, never today
            assert _local(example.starts_at).startswith("Sun 29 Nov")


@pytest.mark.parametrize(("text", "title", "when"), [
    ("Sync tomorrow: 3pm", "Sync", "Sun 29 Nov 15:00"),  # before: today 15:00, titled *Sync tomorrow*
    ("Sync tomorrow - 3pm", "Sync", "Sun 29 Nov 15:00"),
    ("Sync friday — 10am", "Sync", "Fri 04 Dec 10:00"),
    ("Sync tomorrow:3pm", "Sync", "Sun 29 Nov 15:00"),
    ("Series A at 3pm", "Series A", "Sat 28 Nov 15:00"),  # before: "`A at 3pm` is in the past" (the 1st at 15:00)
    ("Plan A tomorrow 3pm", "Plan A", "Sun 29 Nov 15:00"),
    ("Sync a week from now at 3pm", "Sync", "Sat 05 Dec 15:00"),  # an article with its unit reads as before
])
def test_a_day_set_apart_from_its_hour_and_an_article_in_the_title(text: str, title: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.title == title
    assert _local(request.starts_at) == when


# The second review (the same method, on the change with the first review's fixes) ------------------------------------

@pytest.mark.parametrize(("text", "says"), [
    ("Sync tomorrow 2h from now", "`tomorrow 2h from now`: 2h from now, or tomorrow?"),  # a moment ago: Sun 02:00
    ("Sync friday 3h from now", "`friday 3h from now`: 3h from now, or friday?"),
    ("Sync tomorrow in 2h", "`tomorrow in 2h`: 2h from now, or tomorrow?"),  # a moment ago: today 12:00
    ("Sync tomorrow in 45m", "`tomorrow in 45m`: 45m from now, or tomorrow?"),  # before all of this: today 10:45
    ("Sync next week in 2 hours", "`next week in 2 hours`: 2 hours from now, or next week?"),
    ("Sync tomorrow morning 10 hours", "`tomorrow morning 10 hours`: 10 hours from now, or tomorrow morning?"),
    ("Sync on friday 10 hours", "`on friday 10 hours`: 10 hours from now, or on friday?"),
    ("Sync tomorrow 1h30min", "`1h30min` is how long it lasts. At what time on `tomorrow`?"),
    ("Sync 1h30min", "`1h30min` — in 1h30min, or a meeting that long?"),  # a moment ago: "At what time on `1h30min`?"
    ("Sync tomorrow an hour and a half", "`an hour and a half` is how long it lasts. At what time on `tomorrow`?"),
    ("Sync 30 seconds", "I couldn't find a time"),  # not "At what time on `30 seconds`?"
    ("Retro friday-1", "I couldn't find a time"),  # a label, not Friday 13:00
])
def test_a_day_and_a_wait_together_are_asked_about(text: str, says: str) -> None:
    refusal = _refusal(text)
    assert says in refusal.message
    if refusal.example is not None and "from now, or" in says:
        example = parse_meeting(refusal.example.removeprefix("/meeting "), BERLIN, NOW)  # the day, at an hour
        assert example.title == "Sync" and example.starts_at is not None and example.starts_at > NOW + timedelta(hours=12)


@pytest.mark.parametrize(("text", "title", "minutes", "when"), [
    ("Planning for tomorrow in 2 hours", "Planning for tomorrow", 30, "Sat 28 Nov 12:00"),  # the title's subject
    ("Sync in 2 hours", "Sync", 30, "Sat 28 Nov 12:00"),
    ("Sync tmrw: 3pm", "Sync", 30, "Sun 29 Nov 15:00"),
    ("Sync tomorrow morning: 10am", "Sync", 30, "Sun 29 Nov 10:00"),
    ("Sync next week: 3pm", "Sync", 30, "Sat 05 Dec 15:00"),
    ("Sprint 29: 3pm", "Sprint 29", 30, "Sat 28 Nov 15:00"),  # a number before a colon stays the title's
    ("Sync an hour 30 minutes tomorrow 3pm", "Sync", 90, "Sun 29 Nov 15:00"),
    ("Sync a hour and 15 minutes tomorrow 3pm", "Sync", 75, "Sun 29 Nov 15:00"),
    ("Sync an hour and a half tomorrow 3pm", "Sync", 90, "Sun 29 Nov 15:00"),
    ("Sync 10am tomorrow 1h30", "Sync", 90, "Sun 29 Nov 10:00"),  # a whole time, then the length: no question
    ("Sync 3pm friday 1h30", "Sync", 90, "Fri 04 Dec 15:00"),
])
def test_days_with_marks_and_lengths_in_parts_read(text: str, title: str, minutes: int, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length) == (title, timedelta(minutes=minutes))
    assert _local(request.starts_at) == when


@pytest.mark.parametrize(("text", "hour"), [
    ("Sync tonight 45m", "10pm"),  # said at 21:30: not "tonight 7pm", in the past
    ("Sync today 45m", "10pm"),
    ("Sync tomorrow 45m", "3pm"),
])
def test_an_examples_hour_is_still_ahead_late_in_the_day(text: str, hour: str) -> None:
    late = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)  # 21:30 in Berlin
    refusal = _refusal(text, late)
    assert refusal.example is not None and f" {hour} 45m" in refusal.example
    assert parse_meeting(refusal.example.removeprefix("/meeting "), BERLIN, late).starts_at is not None


def test_a_snooze_reads_a_day_with_a_colon_and_not_a_label() -> None:
    from handlers.pulse.snooze import parse_snooze

    assert _local(parse_snooze("until tomorrow: 9am", BERLIN, NOW)) == "Sun 29 Nov 09:00"
    assert _local(parse_snooze("a week", BERLIN, NOW)) == "Sat 05 Dec 10:00"
    with pytest.raises(UserError):
        parse_snooze("until sat-1", BERLIN, NOW)


# The third review ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "title", "when"), [
    ("Team 12: 3pm", "Team 12", "Sat 28 Nov 15:00"),  # a moment ago: "`12: 3pm` is in the past"
    ("Chapter 30: 3pm", "Chapter 30", "Sat 28 Nov 15:00"),  # … and Mon 30 Nov
    ("Kickoff May in 1 hour", "Kickoff May", "Sat 28 Nov 11:00"),  # a month in the title is not asked about
    ("Review of December in 1 hour", "Review of December", "Sat 28 Nov 11:00"),
    ("Retro of last week in 1 hour", "Retro of last week", "Sat 28 Nov 11:00"),
    ("Sync H1 in 1 hour", "Sync H1", "Sat 28 Nov 11:00"),
    ("Offsite 2 months from now at 3pm", "Offsite", "Thu 28 Jan 15:00"),
    ("Sync 3pm 2 days from now", "Sync", "Mon 30 Nov 15:00"),
])
def test_clear_titles_and_waits_are_not_asked_about(text: str, title: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.title == title
    assert _local(request.starts_at) == when


@pytest.mark.parametrize("text", ["Sync tomorrow 3pm friday 1h30", "Sync tomorrow 10am friday 1h"])
def test_two_times_are_still_asked_about_with_a_length_after_them(text: str) -> None:
    assert "which one is the meeting's?" in _refusal(text).message


@pytest.mark.parametrize(("text", "now", "hour"), [
    ("Sync this morning 45m", datetime(2026, 11, 28, 16, 30, tzinfo=UTC), "11am"),  # not "this morning 7pm"
    ("Sync tonight 45m", datetime(2026, 11, 28, 19, 0, tzinfo=UTC), "9pm"),  # 20:00 in Berlin
])
def test_an_examples_hour_keeps_the_part_of_the_day(text: str, now: datetime, hour: str) -> None:
    refusal = _refusal(text, now)
    assert refusal.example is not None and f" {hour} 45m" in refusal.example


@pytest.mark.parametrize(("text", "when"), [
    ("a month from now", "Mon 28 Dec 10:00"),
    ("until friday: 9am", "Fri 04 Dec 09:00"),
    ("an hour", "Sat 28 Nov 11:00"),
])
def test_a_snooze_reads_as_before_and_better(text: str, when: str) -> None:
    from handlers.pulse.snooze import parse_snooze

    assert _local(parse_snooze(text, BERLIN, NOW)) == when


@pytest.mark.parametrize(("text", "offered"), [
    ("until 9", "`until 9am` or `until 9pm`"),  # was 9 minutes from now
    ("9", "`9 days`"),
    ("for 2", "`2 days`"),
    ("1", "`1 day`"),
    ("until 930", "`until 9:30`"),  # was 930 minutes from now
    ("1000", "`until 10:00`"),
])
def test_a_snooze_by_a_bare_number_is_asked_about(text: str, offered: str) -> None:
    from handlers.pulse.snooze import parse_snooze

    with pytest.raises(UserError, match="what\\?") as raised:
        parse_snooze(text, BERLIN, NOW)
    assert offered in raised.value.message


@pytest.mark.parametrize("text", ["until 9:30", "until 9.30"])
def test_a_snooze_until_a_clock_is_never_a_length(text: str) -> None:
    from handlers.pulse.snooze import parse_snooze

    with pytest.raises(UserError, match="ambiguous"):  # "until 9:30" was 9 hours 30 from now
        parse_snooze(text, BERLIN, NOW)
    assert _local(parse_snooze("until 20:00", BERLIN, NOW)) == "Sat 28 Nov 20:00"  # was Sun 06:00
    assert _local(parse_snooze("until 2 weeks", BERLIN, NOW)) == "Sat 12 Dec 10:00"  # a length after `until` stays one
    assert _local(parse_snooze("till 3 days", BERLIN, NOW)) == "Tue 01 Dec 10:00"


# The fourth review ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Sync 10am 3pm tomorrow 90m", "Sync 9am 3pm friday 45m"])
def test_two_times_and_a_length_at_the_end_are_asked_about(text: str) -> None:
    assert "which one is the meeting's?" in _refusal(text).message


@pytest.mark.parametrize(("text", "when"), [
    ("Sync dec 5: 3pm", "Sat 05 Dec 15:00"),  # was today 15:00, titled *Sync dec 5:*
    ("Sync 5 december: 3pm", "Sat 05 Dec 15:00"),
    ("Sync 2026-12-05: 3pm", "Sat 05 Dec 15:00"),
    ("Part 1/2: 3pm", "Sat 28 Nov 15:00"),  # a fraction in the title is no date
])
def test_a_date_set_apart_from_its_hour_by_a_colon(text: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, _local(request.starts_at)) == (text.split()[0] + (" 1/2" if "1/2" in text else ""), when)


def test_this_mornings_example_is_still_this_morning_and_ahead() -> None:
    mid_morning = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)  # 10:30 in Berlin
    refusal = _refusal("Sync this morning 45m", mid_morning)
    assert refusal.example is not None and " 11am 45m" in refusal.example
    assert parse_meeting(refusal.example.removeprefix("/meeting "), BERLIN, mid_morning).starts_at is not None
