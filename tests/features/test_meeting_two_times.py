"""A meeting whose title ends with a second day and hour is asked which one is the meeting's, never given the
last one with the first left in its title (`Sync tomorrow 3pm at 4pm` was *today* 16:00, titled *Sync tomorrow
3pm*). Narrowed after a review that ran 158 titles on three days against the code before: a title's time without
a day word, one the title is about (`for`, `after`, `of` …), one in another zone, and one that repeats the
meeting's own hour stay the title's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core.timeparse import AmbiguousTime
from handlers.meetings.parse import parse_meeting

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
FRIDAY_EVENING = datetime(2026, 12, 4, 20, 30, tzinfo=UTC)


@pytest.mark.parametrize("now", [MONDAY, FRIDAY_EVENING])
@pytest.mark.parametrize(("text", "first"), [
    ("Sync tomorrow at 3pm 11pm-1am", "tomorrow at 3pm"),
    ("Sync tomorrow 3pm at 4pm", "tomorrow 3pm"),
    ("Sync tomorrow 3pm friday 4pm for 45m", "tomorrow 3pm"),
    ("Sync mon 3pm tue 4pm", "mon 3pm"),
    ("Review friday 10am every monday at 9", "friday 10am"),  # a series too
])
def test_two_times_are_asked_about(now: datetime, text: str, first: str) -> None:
    with pytest.raises(AmbiguousTime) as asked:
        parse_meeting(text, BERLIN, now)
    assert f"`{first}` in the title is a time too" in str(asked.value)
    assert "put `for` before it" in str(asked.value)
    example = asked.value.example or ""
    assert example.startswith("/meeting Sync " if text.startswith("Sync") else "/meeting Review ")
    assert parse_meeting(example.removeprefix("/meeting "), BERLIN, now).starts_at is not None or "every" in text


@pytest.mark.parametrize("now", [MONDAY, FRIDAY_EVENING])
@pytest.mark.parametrize(("text", "title"), [
    ("Release 2.10 tomorrow 3pm", "Release 2.10"),
    ("Room 12 noon tomorrow", "Room 12"),
    ("Meet at 5 tomorrow 3pm", "Meet at 5"),
    ("Tuesday sync tomorrow 3pm", "Tuesday sync"),
    ("Friday demo prep tomorrow 2pm", "Friday demo prep"),
    ("Sprint 22nd friday 2pm", "Sprint 22nd"),
    ("Monday standup every weekday at 9:30", "Monday standup"),
    ("Room 12 noon every friday", "Room 12"),
    # the review's false positives of the first version
    ("US sync (9am ET) tomorrow 3pm", "US sync (9am ET)"),
    ("Call with NYC friday 10am EST tomorrow 4pm", "Call with NYC friday 10am EST"),
    ("Prep for Thursday 10am tomorrow at 4pm", "Prep for Thursday 10am"),
    ("Recap of monday 9am tomorrow 10am", "Recap of monday 9am"),
    ("Catch up after Monday 10am tomorrow 2pm", "Catch up after Monday 10am"),
    ("Office hours 2-4pm every thursday at 2pm", "Office hours 2-4pm"),
    ("Happy hour 5-7pm friday 5pm", "Happy hour 5-7pm"),
    ("Friday beers 5pm friday 5pm", "Friday beers 5pm"),
    ("Sync monday 9am every monday at 9am", "Sync monday 9am"),
    ("Postmortem: outage at 2am tomorrow 10am", "Postmortem: outage at 2am"),
    ("Standup 9am every weekday at 9", "Standup 9am"),
    ("Sync at 3pm tomorrow 4pm", "Sync at 3pm"),  # no day word in the title: not asked (a known limit)
])
def test_a_title_with_its_own_time_is_still_a_title(now: datetime, text: str, title: str) -> None:
    assert parse_meeting(text, BERLIN, now).title == title
