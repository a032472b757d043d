"""A meeting whose text holds two times is asked which one, never given the last one with the first left in its
title (`Sync tomorrow at 3pm 11pm-1am` was *Sync tomorrow at 3pm*, tonight 23:00–01:00). A title's numbers that
are not a time somebody meant — no day word, no am/pm, noon or midnight — stay the title's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core.timeparse import AmbiguousTime
from handlers.meetings.parse import parse_meeting

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin


@pytest.mark.parametrize(("text", "first"), [
    ("Sync tomorrow at 3pm 11pm-1am", "tomorrow at 3pm"),
    ("Sync tomorrow at 3pm friday 4pm", "tomorrow at 3pm"),
    ("Sync at 3pm tomorrow 4pm", "at 3pm"),
    ("Lunch at noon tomorrow 3pm", "at noon"),
    ("Review friday 10am every monday at 9", "friday 10am"),  # a series too
])
def test_two_times_are_asked_about(text: str, first: str) -> None:
    with pytest.raises(AmbiguousTime) as asked:
        parse_meeting(text, BERLIN, NOW)
    assert f"`{first}` before the time is a time too" in str(asked.value)
    assert asked.value.example is not None and first not in asked.value.example  # the example keeps one


@pytest.mark.parametrize(("text", "title"), [
    ("Release 2.10 tomorrow 3pm", "Release 2.10"),
    ("Room 12 noon tomorrow", "Room 12"),
    ("Meet at 5 tomorrow 3pm", "Meet at 5"),
    ("Tuesday sync tomorrow 3pm", "Tuesday sync"),
    ("Monday planning friday 16:00", "Monday planning"),
    ("Friday demo prep tomorrow 2pm", "Friday demo prep"),
    ("Sprint 22nd friday 2pm", "Sprint 22nd"),
    ("Sync tomorrow 3pm", "Sync"),
    ("Monday standup every weekday at 9:30", "Monday standup"),
    ("Room 12 noon every friday", "Room 12"),
])
def test_a_title_with_a_number_or_a_day_name_is_still_a_title(text: str, title: str) -> None:
    assert parse_meeting(text, BERLIN, NOW).title == title
