"""Durations, natural-language times in the person's zone across DST changes, and recurrences."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.core.durations import format_duration, parse_duration, split_leading_duration
from handlers.core.errors import UserError
from handlers.core.recurrence import Recurrence, parse_recurrence
from handlers.core.timeparse import format_local, localize, parse_when, zone

BERLIN = zone("Europe/Berlin")
NEW_YORK = zone("America/New_York")


@pytest.mark.parametrize(("text", "minutes"), [
    ("25m", 25), ("1h30m", 90), ("1h 30m", 90), ("90 seconds", 1.5), ("1.5h", 90), ("45", 45), ("1:30", 90),
    ("2 hours 15 min", 135), ("5 mins", 5), ("1 hour and 10 minutes", 70), ("2H", 120),
])
def test_durations(text: str, minutes: float) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "   ", "0m", "-5m", "abc", "25 parsecs", "5m" * 30, "\u202e25m\u200b", "m"])
def test_bad_durations_are_friendly(text: str) -> None:
    with pytest.raises(UserError) as err:
        parse_duration(text)
    assert "25m" in err.value.text()


def test_leading_duration_and_format() -> None:
    assert split_leading_duration("25m standup notes") == (timedelta(minutes=25), "standup notes")
    assert split_leading_duration("1h 30m deep work") == (timedelta(minutes=90), "deep work")
    assert format_duration(timedelta(minutes=90)) == "1h 30m"
    assert format_duration(timedelta(seconds=45)) == "45s"
    with pytest.raises(UserError):
        split_leading_duration("standup 25m")


def test_spring_forward_keeps_wall_time() -> None:
    """Friday before Berlin's DST change (29 Mar 2026): "monday 9am" is 9:00 CEST, i.e. 07:00 UTC."""
    now = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # Fri 16:00 CET (+1)
    parsed = parse_when("monday 9am", BERLIN, now)
    assert parsed.at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert format_local(parsed.at, BERLIN) == "Mon 30 Mar 2026 09:00 CEST"


def test_fall_back_keeps_wall_time() -> None:
    now = datetime(2026, 10, 30, 14, 0, tzinfo=UTC)  # Fri 10:00 EDT (-4); DST ends Sun 1 Nov
    parsed = parse_when("monday 9am", NEW_YORK, now)
    assert parsed.at == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # 9:00 EST (-5)


def test_relative_hours_are_real_elapsed_time_across_dst() -> None:
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET, one hour before the jump
    assert parse_when("in 2 hours", BERLIN, now).at == now + timedelta(hours=2)


def test_nonexistent_and_ambiguous_local_times() -> None:
    gap = localize(datetime(2026, 3, 29, 2, 30), BERLIN)  # never happens: moves to 03:30 CEST
    assert (gap.hour, gap.minute, gap.utcoffset()) == (3, 30, timedelta(hours=2))
    fold = localize(datetime(2026, 10, 25, 2, 30), BERLIN)  # happens twice: the first one (CEST)
    assert fold.utcoffset() == timedelta(hours=2)


def test_times_people_type() -> None:
    now = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)  # Fri 16:00 in New York
    assert parse_when("tomorrow 3pm", NEW_YORK, now).at == datetime(2026, 3, 7, 20, 0, tzinfo=UTC)
    assert parse_when("friday at 9", NEW_YORK, now).at == datetime(2026, 3, 13, 13, 0, tzinfo=UTC)  # EDT by then
    assert parse_when("3pm PST", NEW_YORK, now).at == datetime(2026, 3, 6, 23, 0, tzinfo=UTC)
    assert parse_when("monday", NEW_YORK, now).has_time is False


@pytest.mark.parametrize("text", ["", "blah", "9", "x" * 500, "\x00\x01", "🙂🙂"])
def test_unreadable_times_are_friendly(text: str) -> None:
    with pytest.raises(UserError) as err:
        parse_when(text, BERLIN, datetime(2026, 3, 6, tzinfo=UTC))
    assert "tomorrow 3pm" in err.value.text()


def test_unknown_zone_falls_back() -> None:
    assert zone("Mars/Olympus", "Europe/Berlin") == BERLIN
    assert zone(None, "nope") == zone("UTC")


@pytest.mark.parametrize(("text", "describe"), [
    ("every friday at 3pm", "every Friday at 15:00"),
    ("every other monday 10:00", "every other Monday at 10:00"),
    ("weekdays at 9", "every weekday at 09:00"),
    ("every weekday at 9:30", "every weekday at 09:30"),
    ("first monday of the month at 11", "the first Monday of every month at 11:00"),
    ("last friday of every month at 4pm", "the last Friday of every month at 16:00"),
    ("every monday and thursday at 10", "every Monday and Thursday at 10:00"),
    ("every 2 weeks on tuesday at 9:30", "every other Tuesday at 09:30"),
    ("daily at 8:45", "every day at 08:45"),
])
def test_recurrences(text: str, describe: str) -> None:
    assert parse_recurrence(text).describe() == describe


@pytest.mark.parametrize("text", ["", "tomorrow", "every blorsday at 3", "every friday at 25:00", "every 9 weeks on monday"])
def test_bad_recurrences_get_an_example(text: str) -> None:
    with pytest.raises(UserError) as err:
        parse_recurrence(text)
    assert "every friday at 3pm" in err.value.text()


def test_recurrence_occurrences_keep_wall_time_across_dst() -> None:
    rule = parse_recurrence("every friday at 3pm")
    after = datetime(2026, 3, 20, 16, 0)  # Friday after 3pm, local naive
    nxt = rule.next_after(after)
    assert nxt == datetime(2026, 3, 27, 15, 0)
    following = rule.next_after(nxt)
    assert following == datetime(2026, 4, 3, 15, 0)
    assert localize(nxt, BERLIN).utcoffset() == timedelta(hours=1)
    assert localize(following, BERLIN).utcoffset() == timedelta(hours=2)  # 15:00 CEST after the change


def test_every_other_week_is_anchored_and_round_trips() -> None:
    rule = parse_recurrence("every other monday 10:00").anchored(datetime(2026, 3, 4, 12, 0))
    first = rule.next_after(datetime(2026, 3, 4, 12, 0))
    second = rule.next_after(first)
    assert (first, second) == (datetime(2026, 3, 9, 10, 0), datetime(2026, 3, 23, 10, 0))
    assert Recurrence.from_dict(rule.to_dict()) == rule


def test_monthly_rules() -> None:
    rule = parse_recurrence("first monday of the month at 11")
    assert rule.next_after(datetime(2026, 3, 3)) == datetime(2026, 4, 6, 11, 0)
    last = parse_recurrence("last friday of every month at 4pm")
    assert last.next_after(datetime(2026, 2, 1)) == datetime(2026, 2, 27, 16, 0)
    assert last.at == time(16, 0)


@given(st.text(max_size=200))
def test_parsers_never_raise_anything_but_user_errors(text: str) -> None:
    for parse in (parse_duration, parse_recurrence, lambda t: parse_when(t, BERLIN, datetime(2026, 3, 6, tzinfo=UTC))):
        with contextlib.suppress(UserError):
            parse(text)
