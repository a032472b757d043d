"""A meeting's length written before its time is the length, never dropped: `/meeting Sync for 45m tomorrow 3pm`
was a 30-minute meeting titled *Sync for* (dateparser read `45m tomorrow 3pm` as tomorrow 15:00, the 45m gone).
A length is never part of a time, a title's last `for` is not kept, and "Lunch for 4" stays a title. The truth is
computed with zoneinfo, across a DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.errors import UserError
from handlers.core.timeparse import parse_when
from handlers.meetings.parse import parse_meeting
from tests.support.berlin_time import BERLIN, BERLIN_EVE, NOW
from tests.support.berlin_time import local as _local


@pytest.mark.parametrize(("text", "title", "minutes", "when"), [
    ("Sync for 45m tomorrow 3pm", "Sync", 45, "Sun 29 Nov 15:00"),
    ("Sync for 1h30m tomorrow 3pm", "Sync", 90, "Sun 29 Nov 15:00"),
    ("Sync for an hour tomorrow 3pm", "Sync", 60, "Sun 29 Nov 15:00"),
    ("Sync for half an hour friday at 4", "Sync", 30, "Fri 04 Dec 16:00"),
    ("Sync for 2 hours tuesday 10:00", "Sync", 120, "Tue 01 Dec 10:00"),
    ("Standup 15m tomorrow 9am", "Standup", 15, "Sun 29 Nov 09:00"),
    ("Design review FOR 45 MIN monday 14:00", "Design review", 45, "Mon 30 Nov 14:00"),
])
def test_a_length_before_the_time_is_the_length(text: str, title: str, minutes: int, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length, request.length_given) == (title, timedelta(minutes=minutes), True)
    assert _local(request.starts_at) == when


def test_a_series_length_before_its_schedule_is_its_length() -> None:
    request = parse_meeting("Standup 15m every weekday at 9:30", BERLIN, NOW)
    assert (request.title, request.length, request.length_given) == ("Standup", timedelta(minutes=15), True)
    assert request.recurrence is not None and request.recurrence.describe().startswith("every weekday")
    request = parse_meeting("Retro for 1h every other friday 16:00", BERLIN, NOW)
    assert (request.title, request.length) == ("Retro", timedelta(hours=1))


def test_across_the_dst_change_the_length_and_the_hour_are_both_kept() -> None:
    request = parse_meeting("Sync for 45m tomorrow 3pm", BERLIN, BERLIN_EVE)  # Sunday 25 October, CET again
    assert request.starts_at == datetime(2026, 10, 25, 14, 0, tzinfo=UTC)  # 15:00 CET
    assert request.length == timedelta(minutes=45)


@pytest.mark.parametrize(("text", "title", "when"), [
    ("Lunch for 4 tuesday 1pm", "Lunch for 4", "Tue 01 Dec 13:00"),  # a count, not minutes: no unit
    ("Retro for tuesday 3pm", "Retro", "Tue 01 Dec 15:00"),  # "for" only led to the time
    ("Prep for friday 10am", "Prep", "Fri 04 Dec 10:00"),
    ("Release 2.10 tomorrow 3pm", "Release 2.10", "Sun 29 Nov 15:00"),
])
def test_titles_keep_their_own_numbers_and_lose_a_dangling_for(text: str, title: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length, request.length_given) == (title, timedelta(minutes=30), False)
    assert _local(request.starts_at) == when


@pytest.mark.parametrize(("text", "said"), [
    ("Sync for 45m tomorrow 3pm for 1h", "Two lengths"),
    ("Sync (45m) tomorrow 3pm (1h)", "Two lengths"),
    ("Sync for 10h tomorrow 3pm", "at most 8h"),
    ("Sync for 2m tomorrow 3pm", "at least 5m"),
    ("45m tomorrow 3pm", "What's the meeting called?"),
    ("for 45m tomorrow 3pm", "What's the meeting called?"),
    ("for tuesday 3pm", "What's the meeting called?"),
])
def test_what_cannot_be_a_meeting_is_refused_with_why(text: str, said: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_meeting(text, BERLIN, NOW)
    assert said in raised.value.message


@pytest.mark.parametrize("text", ["45m tomorrow 3pm", "tomorrow 3pm 45m", "an hour tomorrow 3pm", "friday 10am 2 hours",
                                  "tomorrow 15:00 1h", "1.5 hours friday 9am", "monday 9am 30 mins"])
def test_a_length_is_never_read_as_part_of_a_time(text: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_when(text, BERLIN, NOW, meeting=True)
    assert "is a length, not a time of day" in raised.value.message


@pytest.mark.parametrize(("text", "when"), [
    ("tomorrow 15h", "Sun 29 Nov 15:00"),  # the continental clock, not a length
    ("tomorrow 9h30", "Sun 29 Nov 09:30"),
    ("in 45m", "Sat 28 Nov 10:45"),  # a wait from now
    ("in an hour", "Sat 28 Nov 11:00"),
    ("30 minutes from now", "Sat 28 Nov 10:30"),
    ("36h", "Sun 29 Nov 22:00"),  # no meeting is that long: a wait (test_meeting_length_at_end.py: "30m" is asked)
    ("5 march 3pm", "Fri 05 Mar 15:00"),
    ("monday 9am", "Mon 30 Nov 09:00"),
])
def test_clocks_and_waits_still_read(text: str, when: str) -> None:
    assert _local(parse_when(text, BERLIN, NOW, meeting=True).at) == when


@pytest.mark.parametrize(("text", "title", "when"), [
    ("Happy hour 5-7pm", "Happy hour", "Sat 28 Nov 17:00"),  # before: *Happy*, the "hour" read into the time
    ("Office hours 2-4pm", "Office hours", "Sat 28 Nov 14:00"),  # before: *Office*
])
def test_a_unit_word_in_the_title_stays_in_the_title(text: str, title: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length) == (title, timedelta(hours=2))
    assert _local(request.starts_at) == when


# ---- after the review of the change ------------------------------------------------------------------------------
WEDNESDAY = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday 4 March 2026, 11:00 in Berlin
NEW_YORK = ZoneInfo("America/New_York")
NEW_YORK_NIGHT = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST; at 02:00 the clocks go to 03:00 EDT


@pytest.mark.parametrize(("text", "title", "when"), [
    ("Sync two hours from now", "Sync", "Wed 04 Mar 13:00"),  # before the review: *Sync two hours from* at once
    ("Call ten minutes from now", "Call", "Wed 04 Mar 11:10"),
    ("Call in forty five minutes", "Call", "Wed 04 Mar 11:45"),
    ("Retro in two and a half hours", "Retro", "Wed 04 Mar 13:30"),
])
def test_numbers_written_as_words_are_a_wait_from_now(text: str, title: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, WEDNESDAY)
    assert (request.title, _local(request.starts_at)) == (title, when)


def test_a_wait_in_words_is_real_time_across_the_dst_change() -> None:
    at = parse_when("two hours from now", NEW_YORK, NEW_YORK_NIGHT).at
    assert at - NEW_YORK_NIGHT == timedelta(hours=2)  # 04:30 EDT: two real hours, not the wall clock's


def test_a_wait_that_does_not_read_is_never_now() -> None:
    with pytest.raises(UserError):  # would be *Call a couple of hours from*, starting at once
        parse_meeting("Call a couple of hours from now", BERLIN, WEDNESDAY)


@pytest.mark.parametrize(("text", "when"), [
    ("Coffee in twenty five minutes", "Wed 04 Mar 11:25"),  # not cut to "five minutes", titled *Coffee in twenty*
    ("Coffee in twenty-five minutes", "Wed 04 Mar 11:25"),
    ("Call thirty minutes from now", "Wed 04 Mar 11:30"),
])
def test_numbers_in_words_are_read_whole(text: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, WEDNESDAY)
    assert (request.title, _local(request.starts_at)) == (text.split()[0], when)


@pytest.mark.parametrize(("text", "minutes", "when"), [
    ("Sync tomorrow 3pm for two hours", 120, "Thu 05 Mar 15:00"),  # after the review: today 13:00, *Sync tomorrow 3pm*
    ("Sync at 3pm two hours", 120, "Wed 04 Mar 15:00"),
    ("Sync 3pm, forty five minutes", 45, "Wed 04 Mar 15:00"),
    ("Sync tomorrow for two hours at 3pm", 120, "Thu 05 Mar 15:00"),
    ("Sync for 45min tomorrow 3pm", 45, "Thu 05 Mar 15:00"),  # units typed without a space
    ("Sync 2hrs tomorrow 3pm", 120, "Thu 05 Mar 15:00"),
    ("Sync 90mins friday 10am", 90, "Fri 06 Mar 10:00"),
])
def test_a_length_in_words_or_glued_units_is_the_length(text: str, minutes: int, when: str) -> None:
    request = parse_meeting(text, BERLIN, WEDNESDAY)
    assert (request.title, request.length, _local(request.starts_at)) == ("Sync", timedelta(minutes=minutes), when)


def test_a_length_in_words_with_no_time_is_not_a_wait() -> None:
    with pytest.raises(UserError):  # after the review: today 13:00, titled *Recap of the last*
        parse_meeting("Recap of the last two hours", BERLIN, WEDNESDAY)


@pytest.mark.parametrize(("text", "minutes", "days"), [
    ("Standup every weekday 15m at 9:30", 15, (0, 1, 2, 3, 4)),  # after the review: one meeting, *Standup every weekday*
    ("Standup daily 15m at 9", 15, (0, 1, 2, 3, 4, 5, 6)),
    ("Sync mondays 30m at 10", 30, (0,)),
])
def test_a_length_between_a_schedule_and_its_hour_keeps_the_series(text: str, minutes: int,
                                                                   days: tuple[int, ...]) -> None:
    request = parse_meeting(text, BERLIN, WEDNESDAY)
    assert request.recurrence is not None and request.recurrence.weekdays == days
    assert request.length == timedelta(minutes=minutes) and request.starts_at is None


def test_a_clock_time_with_hrs_after_it_reads() -> None:
    request = parse_meeting("Sync tomorrow 17:00 hrs", BERLIN, WEDNESDAY)
    assert (request.title, _local(request.starts_at)) == ("Sync", "Thu 05 Mar 17:00")


def test_snooze_says_how_to_write_a_length_it_cannot_read() -> None:
    from handlers.pulse.snooze import parse_snooze

    with pytest.raises(UserError) as raised:
        parse_snooze("for a couple of hours", BERLIN, WEDNESDAY)
    assert "write a length in digits" in raised.value.message
    assert parse_snooze("until 17:00 hrs", BERLIN, WEDNESDAY) == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "minutes", "when"), [
    ("Sync at 3 45m", 45, "Wed 04 Mar 15:00"),  # before the review: *Sync at 3* in 45 minutes
    ("Standup at 9 15m", 15, "Thu 05 Mar 09:00"),
    ("Sync tomorrow at 3 45m", 45, "Thu 05 Mar 15:00"),
    ("Sync tomorrow at 3 1h", 60, "Thu 05 Mar 15:00"),
    ("Sync friday 10 30m", 30, "Fri 06 Mar 10:00"),
])
def test_a_length_after_a_bare_hour_is_the_length(text: str, minutes: int, when: str) -> None:
    request = parse_meeting(text, BERLIN, WEDNESDAY)
    assert (request.title, request.length, _local(request.starts_at)) == ("Sync" if "Sync" in text else "Standup",
                                                                          timedelta(minutes=minutes), when)


@pytest.mark.parametrize("title", ["Swim 400m", "Race 100m", "Hack 24h", "Top 10 hours", "Raise 2.5m", "Top 10m users"])
def test_numbers_that_are_no_meetings_length_stay_in_the_title(title: str) -> None:
    request = parse_meeting(f"{title} friday 7am", BERLIN, WEDNESDAY)
    assert (request.title, request.length, request.length_given) == (title, timedelta(minutes=30), False)


@pytest.mark.parametrize("text", ["Sync for 45m tomorrow 3-4pm", "Sync (45m) 3-4pm", "Sync [45m] tomorrow 3pm (1h)"])
def test_a_length_before_the_time_against_another_is_asked(text: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_meeting(text, BERLIN, WEDNESDAY)
    assert "Two lengths" in raised.value.message and "for 1h" not in raised.value.message


@pytest.mark.parametrize(("text", "title"), [("Sync 45m 3-4pm", "Sync 45m"), ("Sync 45m tomorrow 3pm (1h)", "Sync 45m")])
def test_a_bare_number_before_the_time_against_a_length_given_otherwise_is_the_title_s(text: str, title: str) -> None:
    # a review found "Swim 50m … (1h)" had no way to be typed: a bare number is a title's as well as a length
    request = parse_meeting(text, BERLIN, WEDNESDAY)
    assert (request.title, request.length) == (title, timedelta(hours=1))


def test_a_length_before_a_range_of_the_same_length_is_that_length() -> None:
    request = parse_meeting("Sync for 1h from 3pm to 4pm tomorrow", BERLIN, WEDNESDAY)
    assert (request.title, request.length, _local(request.starts_at)) == ("Sync", timedelta(hours=1), "Thu 05 Mar 15:00")


def test_a_continental_hour_that_does_not_read_says_how_to_write_it() -> None:
    with pytest.raises(UserError) as raised:
        parse_when("march 10 15h", BERLIN, WEDNESDAY)
    assert "`at 15h` or `15:00`" in raised.value.message


@pytest.mark.parametrize(("text", "hours"), [("for two hours", 2), ("two hours", 2), ("until two hours from now", 2),
                                             ("for ten hours", 10)])
def test_snooze_reads_numbers_written_as_words(text: str, hours: int) -> None:
    from handlers.pulse.snooze import parse_snooze

    assert parse_snooze(text, BERLIN, WEDNESDAY) - WEDNESDAY == timedelta(hours=hours)
