"""A meeting's length is read the same wherever it is written. After the time, `1.5h`, `1h30` and `(45m)` were
lengths; right before the time they stayed in the title (`/meeting Workshop 1.5h tomorrow 3pm` was a 30-minute
*Workshop 1.5h*). A length between a day and `at <hour>` was read as a second hour (`Sync every friday 1h at 3`
asked "which one is the meeting's?" and offered `Sync every for friday 1h`). Two lengths that say they are lengths are
asked about (a bare number next to a length said otherwise is the title's: "Swim 50m for 1h"), and a length
without a time says what is missing. The truth is computed with zoneinfo, across a DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.errors import UserError
from handlers.meetings.parse import parse_meeting
from tests.support.berlin_time import BERLIN, BERLIN_EVE, NOW
from tests.support.berlin_time import local as _local


@pytest.mark.parametrize(("text", "title", "minutes", "when"), [
    ("Workshop 1.5h tomorrow 3pm", "Workshop", 90, "Sun 29 Nov 15:00"),
    ("Workshop 1,5h tomorrow 3pm", "Workshop", 90, "Sun 29 Nov 15:00"),
    ("Workshop 2.5 hours monday 9am", "Workshop", 150, "Mon 30 Nov 09:00"),
    ("Sync 1h30 tomorrow 3pm", "Sync", 90, "Sun 29 Nov 15:00"),
    ("Sync 1h 30 tomorrow 3pm", "Sync", 90, "Sun 29 Nov 15:00"),
    ("Sync (45m) tomorrow 3pm", "Sync", 45, "Sun 29 Nov 15:00"),
    ("Sync [1h] tomorrow 3pm", "Sync", 60, "Sun 29 Nov 15:00"),
    ("Sync ( 2 hours ) friday at 4", "Sync", 120, "Fri 04 Dec 16:00"),
    ("Sync, 45m tomorrow 3pm", "Sync", 45, "Sun 29 Nov 15:00"),
    # the same forms after the time read as they did
    ("Workshop tomorrow 3pm 1.5h", "Workshop", 90, "Sun 29 Nov 15:00"),
    ("Sync tomorrow 3pm (45m)", "Sync", 45, "Sun 29 Nov 15:00"),
    ("Sync tomorrow 3pm 1h30", "Sync", 90, "Sun 29 Nov 15:00"),
])
def test_a_length_in_any_form_right_before_the_time_is_the_length(
        text: str, title: str, minutes: int, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length, request.length_given) == (title, timedelta(minutes=minutes), True)
    assert _local(request.starts_at) == when


@pytest.mark.parametrize(("text", "title", "minutes", "when"), [
    ("Sync tomorrow 1h at 3", "Sync", 60, "Sun 29 Nov 15:00"),
    ("Sync friday 1h at 3", "Sync", 60, "Fri 04 Dec 15:00"),
    ("Sync monday 2h at 10:00", "Sync", 120, "Mon 30 Nov 10:00"),
    ("Sync tomorrow 1.5h at 3pm", "Sync", 90, "Sun 29 Nov 15:00"),
])
def test_a_length_between_the_day_and_at_its_hour_is_the_length_not_a_second_hour(
        text: str, title: str, minutes: int, when: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length, request.length_given) == (title, timedelta(minutes=minutes), True)
    assert _local(request.starts_at) == when


@pytest.mark.parametrize(("text", "minutes", "rule"), [
    ("Sync every friday 1h at 3", 60, "every Friday at 15:00"),
    ("Sync every friday 2h at 15:00", 120, "every Friday at 15:00"),
    ("Planning every other monday 1.5h at 10", 90, "every other Monday at 10:00"),
])
def test_a_series_length_between_its_days_and_its_hour_is_its_length(text: str, minutes: int, rule: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.recurrence is not None, request
    assert (request.length, request.length_given) == (timedelta(minutes=minutes), True)
    assert request.recurrence.describe().startswith(rule)


def test_across_the_dst_change_a_length_before_at_keeps_the_hour() -> None:
    request = parse_meeting("Sync tomorrow 1h at 3", BERLIN, BERLIN_EVE)  # Sunday 25 October, CET again
    assert request.starts_at == datetime(2026, 10, 25, 14, 0, tzinfo=UTC)  # 15:00 CET
    assert request.length == timedelta(hours=1)


@pytest.mark.parametrize(("text", "title", "minutes"), [
    ("Hack 24h tomorrow 3pm", "Hack 24h", 30),  # no meeting's length: the title's
    ("Raise 2.5m friday 9am", "Raise 2.5m", 30),
    ("Swim 400m tomorrow 3pm", "Swim 400m", 30),
    ("Release v1.5h tomorrow 3pm", "Release v1.5h", 30),
    ("Lunch (4) tomorrow 1pm", "Lunch (4)", 30),  # a count in brackets, not minutes
    # in brackets too, only what can only be a meeting's length (a review found "Swim (400m)" read as 6h40)
    ("Swim (400m) friday 7am", "Swim (400m)", 30),
    ("Keynote (09:00) friday 9am", "Keynote (09:00)", 30),
    ("Sync (1:30) tomorrow 3pm", "Sync (1:30)", 30),
    ("Hackathon (24h) friday 9am", "Hackathon (24h)", 30),
    ("Plank (2 min) tomorrow 3pm", "Plank (2 min)", 30),
])
def test_what_is_no_meeting_s_length_stays_in_the_title(text: str, title: str, minutes: int) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length) == (title, timedelta(minutes=minutes))


@pytest.mark.parametrize("text", [
    "Sync friday 9h at 3",  # 9 hours is no meeting: 09:00 on Friday, a second hour
    "Sync tomorrow 3pm 1h at 4pm",  # a length after the first time does not hide it
])
def test_a_second_hour_in_the_title_is_still_asked_about(text: str) -> None:
    with pytest.raises(UserError, match="which one is the meeting's"):
        parse_meeting(text, BERLIN, NOW)


@pytest.mark.parametrize("text", [
    "Sync (45m) for 1h tomorrow 3pm",
    "Sync (1.5h) tomorrow 3pm for 1h",
    "Sync (45m) tomorrow 3pm (1h)",
])
def test_two_lengths_are_asked_about(text: str) -> None:
    with pytest.raises(UserError, match="Two lengths") as raised:
        parse_meeting(text, BERLIN, NOW)
    assert "which one" in str(raised.value)


@pytest.mark.parametrize("text", [
    "Sync (45m) for 45m tomorrow 3pm",  # said twice, the same: no question
    "Sync (1h) tomorrow 3pm for 60m",
])
def test_the_same_length_twice_is_that_length(text: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert request.title == "Sync" and request.length == timedelta(minutes=45 if "45" in text else 60)


@pytest.mark.parametrize(("text", "title", "minutes"), [
    ("Swim 50m for 1h friday 7am", "Swim 50m", 60),
    ("Review 45m for 1h tomorrow 3pm", "Review 45m", 60),
    ("Sync 45m for 1h tomorrow 3pm", "Sync 45m", 60),
    ("Series A 20m (1h) tomorrow 3pm", "Series A 20m", 60),
    ("Track 10m 1h tomorrow 3pm", "Track 10m", 60),
    ("Hurdles 60m for 1h friday 7am", "Hurdles 60m", 60),  # the same number: still the title's
    ("Sync 1.5h tomorrow 3pm for 1h", "Sync 1.5h", 60),
])
def test_a_bare_number_with_a_length_given_otherwise_stays_in_the_title(text: str, title: str, minutes: int) -> None:
    # a bare number is a title's as well as a length ("Swim 50m"): with a length said otherwise, it is the title's
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length) == (title, timedelta(minutes=minutes))


@pytest.mark.parametrize(("text", "said"), [
    ("Sync for 2h", "for 2h"),
    ("Sync for two hours", "for two hours"),
    ("Sync (45m)", "(45m)"),
    ("Sprint review for 1h30m", "for 1h30m"),
])
def test_a_length_without_a_time_says_the_time_is_missing(text: str, said: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_meeting(text, BERLIN, NOW)
    message = str(raised.value)
    assert f"`{said}` is how long it lasts" in message and "When is it?" in message
    assert "tomorrow 3pm" in message  # an example to copy, with the person's own title
    assert message.split("`/meeting ")[1].startswith(text.split()[0])


def test_a_length_in_words_without_in_or_a_time_is_asked_about() -> None:
    with pytest.raises(UserError) as raised:
        parse_meeting("Sync two hours", BERLIN, NOW)
    message = str(raised.value)
    assert "`in two hours`" in message and "for two hours" in message


@pytest.mark.parametrize(("text", "said", "example"), [
    ("(45m)", "(45m)", "/meeting Sync tomorrow 3pm (45m)"),  # no title either: an example title
    ("for 1h", "for 1h", "/meeting Sync tomorrow 3pm for 1h"),
    ("1h 30m", "1h 30m", "/meeting Sync tomorrow 3pm 1h 30m"),  # all of it is the length, not "1h" and "30m"
])
def test_a_length_alone_gets_an_example_with_a_title(text: str, said: str, example: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_meeting(text, BERLIN, NOW)
    assert f"`{said}` is how long it lasts" in str(raised.value)
    assert raised.value.example == example
    assert parse_meeting(example.removeprefix("/meeting "), BERLIN, NOW).title == "Sync"  # the example works


def test_a_title_about_a_span_of_time_is_not_asked_about_a_wait() -> None:
    with pytest.raises(UserError) as raised:
        parse_meeting("Recap of the last two hours", BERLIN, NOW)
    assert "couldn't find a time" in str(raised.value)


def test_a_decimal_comma_is_one_number_not_a_number_and_a_length() -> None:
    request = parse_meeting("Sync in 1,5 hours", BERLIN, NOW)  # was "`in 1` — 1 what?"
    assert request.starts_at == NOW + timedelta(minutes=90) and request.title == "Sync"


@pytest.mark.parametrize(("text", "minutes"), [
    ("Sync tomorrow 15:00, 45m", 45),  # a comma after a clock still leads a length
    ("Sync tomorrow 15:00, 1,5h", 90),  # … also one with a decimal comma (found by review)
    ("Sync tomorrow 3pm; 1,5h", 90),
    ("Sync tomorrow 3pm, 0,75h", 45),
    ("Sync tomorrow at 3,45m", 45),  # a decimal minute is no length: the comma leads one
])
def test_a_comma_before_a_length_still_leads_it(text: str, minutes: int) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length) == ("Sync", timedelta(minutes=minutes))
    assert _local(request.starts_at) == "Sun 29 Nov 15:00"


@pytest.mark.parametrize("text", ["Check-in every two hours", "Ping every twenty minutes", "Sync within two hours",
                                  "Sync twelve hours"])
def test_words_that_are_no_wait_or_no_meeting_get_the_plain_answer(text: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_meeting(text, BERLIN, NOW)
    assert "couldn't find a time" in str(raised.value)


def test_a_length_after_a_comma_is_named_without_the_comma() -> None:
    with pytest.raises(UserError) as raised:
        parse_meeting("Sync, 45m", BERLIN, NOW)
    assert "`45m` is how long it lasts" in str(raised.value)
    assert raised.value.example == "/meeting Sync tomorrow 3pm 45m"
    assert parse_meeting("Sync tomorrow 3pm 45m", BERLIN, NOW).length == timedelta(minutes=45)


@pytest.mark.parametrize(("text", "said", "example"), [
    ("Sync every friday 9h at 3", "every friday 9h", "/meeting Sync every friday 9h"),
    ("Sync every other friday 9am at 3", "every other friday 9am", "/meeting Sync every other friday 9am"),
    ("Sync each monday 10am at 4pm", "each monday 10am", "/meeting Sync each monday 10am"),
    ("Every friday 9am at 3", "Every friday 9am", "/meeting Sync Every friday 9am"),  # no title: an example one
])
def test_a_series_second_hour_is_asked_about_with_an_example_that_reads(text: str, said: str, example: str) -> None:
    # before: "put `for` before it (`Sync every for friday 9h`)", which is no meeting
    with pytest.raises(UserError, match="which one is the meeting's") as raised:
        parse_meeting(text, BERLIN, NOW)
    assert f"`{said}` in the title" in str(raised.value) and f"`{example}`" in str(raised.value)
    assert " for " not in str(raised.value).split("Keep one")[1]
    request = parse_meeting(example.removeprefix("/meeting "), BERLIN, NOW)
    assert request.recurrence is not None and request.title == "Sync"


@pytest.mark.parametrize(("text", "rule", "minutes"), [
    ("Sync every friday 1h at 3 for 1h", "every Friday at 15:00", 60),  # the same length twice: that length
    ("Sync friday 1h at 3 (1h)", "", 60),
])
def test_a_length_after_a_day_is_the_length_even_with_another_said(text: str, rule: str, minutes: int) -> None:
    # review: keeping "friday 1h" in the title here booked today 15:00, titled "Sync friday 1h"
    request = parse_meeting(text, BERLIN, NOW)
    assert (request.title, request.length) == ("Sync", timedelta(minutes=minutes))
    if rule:
        assert request.recurrence is not None and request.recurrence.describe().startswith(rule)
    else:
        assert _local(request.starts_at) == "Fri 04 Dec 15:00"


@pytest.mark.parametrize("text", ["Sync every friday 1h at 3 for 2h", "Sync monday 1h at 10 for 30m",
                                  "Sync tomorrow 1h at 3pm, 2h"])
def test_a_length_after_a_day_against_another_is_asked_about(text: str) -> None:
    with pytest.raises(UserError, match="Two lengths"):
        parse_meeting(text, BERLIN, NOW)


def test_a_bracket_that_is_no_length_at_all_is_the_title_s() -> None:
    request = parse_meeting("Call (0m) friday 2pm", BERLIN, NOW)
    assert (request.title, request.length) == ("Call (0m)", timedelta(minutes=30))


@pytest.mark.parametrize(("text", "hour", "example"), [
    ("Sync friday 1h", 1, "/meeting Sync friday at 3pm for 1h"),
    ("Sync tomorrow 2h", 2, "/meeting Sync tomorrow at 3pm for 2h"),
    ("Sync every friday 1h", 1, "/meeting Sync every friday at 3pm for 1h"),
    ("Sync for 1h every friday", 1, "/meeting Sync every friday at 3pm for 1h"),  # "for 1h" was read as 01:00
    ("Sync 1h every friday", 1, "/meeting Sync every friday at 3pm for 1h"),
    ("Sync friday 8h", 8, "/meeting Sync friday at 3pm for 8h"),
])
def test_a_bare_hour_that_can_be_a_length_is_asked_about(text: str, hour: int, example: str) -> None:
    # before: a French-style clock, silently (`Sync friday 1h` was Friday 01:00, `Sync for 1h every friday`
    # every Friday at 01:00 for 30 minutes)
    with pytest.raises(UserError) as raised:
        parse_meeting(text, BERLIN, NOW)
    message = str(raised.value)
    assert f"at {hour:02d}:00, or a" in message and f"{hour}-hour meeting?" in message
    assert raised.value.example == example
    request = parse_meeting(example.removeprefix("/meeting "), BERLIN, NOW)  # the example reads
    assert (request.title, request.length) == ("Sync", timedelta(hours=hour))


@pytest.mark.parametrize(("text", "clock"), [
    ("Sync friday at 1h", "01:00"),  # said to be the time
    ("Sync friday 1am", "01:00"),
    ("Sync tomorrow 15h", "15:00"),  # no meeting is 15 hours: the clock
    ("Sync every weekday 9h", "09:00"),
])
def test_a_clock_said_as_one_is_read_as_one(text: str, clock: str) -> None:
    request = parse_meeting(text, BERLIN, NOW)
    at = request.recurrence.at if request.recurrence is not None else None
    shown = f"{at:%H:%M}" if at is not None else _local(request.starts_at)[-5:]
    assert shown == clock
