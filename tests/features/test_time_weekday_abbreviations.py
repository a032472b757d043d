"""Every weekday abbreviation people type reads as its day, in one-off times as in schedules. dateparser reads
"thursday 3pm" and "next wednesday" but not "thurs 3pm", "thur at 4", "weds 3pm" or "next wed": `/meeting Sync
thurs 3pm` was refused as "a schedule I couldn't read", and `/meeting Sync next wed 3pm` (on a Monday) was *this*
Wednesday, titled *Sync next*, where "next wednesday" is asked about. The truth is computed with zoneinfo, across
a DST change."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core.timeparse import AmbiguousTime, parse_when
from handlers.meetings.parse import parse_meeting

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 30 November 2026, 10:00 in Berlin
THURSDAY = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
NEW_YORK_EVE = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # Saturday 10:00 EST; summer time starts Sunday 8 March


@pytest.mark.parametrize(("text", "when"), [
    ("thurs 3pm", "Thu 03 Dec 15:00"),
    ("thur at 4", "Thu 03 Dec 16:00"),
    ("Thu 15h", "Thu 03 Dec 15:00"),
    ("weds 3pm", "Wed 02 Dec 15:00"),
    ("Weds at 10:30", "Wed 02 Dec 10:30"),
    ("tues 9am", "Tue 01 Dec 09:00"),
    ("fri 5pm", "Fri 04 Dec 17:00"),
    ("next mon 3pm", "Mon 07 Dec 15:00"),  # Monday is gone this week: next week's, not asked
])
def test_abbreviated_weekdays_read_as_their_day(text: str, when: str) -> None:
    assert f"{parse_when(text, BERLIN, MONDAY, meeting=True).at.astimezone(BERLIN):%a %d %b %H:%M}" == when


@pytest.mark.parametrize("text", ["next wed 3pm", "next thurs 4pm", "next fri at 3", "next weds 10am"])
def test_next_with_an_abbreviated_day_still_ahead_is_asked(text: str) -> None:
    with pytest.raises(AmbiguousTime) as asked:
        parse_when(text, BERLIN, MONDAY, meeting=True)
    assert "this week's" in asked.value.message and "next week's" in asked.value.message


@pytest.mark.parametrize(("text", "when"), [("next wed 3pm", "Wed 09 Dec 15:00"), ("next thu at 4", "Thu 10 Dec 16:00")])
def test_next_with_an_abbreviated_day_gone_this_week_is_next_weeks(text: str, when: str) -> None:
    assert f"{parse_when(text, BERLIN, THURSDAY, meeting=True).at.astimezone(BERLIN):%a %d %b %H:%M}" == when


@pytest.mark.parametrize(("text", "when"), [("Sync thurs 3pm", "Thu 03 Dec 15:00"), ("Sync weds 3pm", "Wed 02 Dec 15:00")])
def test_a_meeting_on_an_abbreviated_day(text: str, when: str) -> None:
    request = parse_meeting(text, BERLIN, MONDAY)
    assert request.title == "Sync"
    assert request.starts_at is not None
    assert f"{request.starts_at.astimezone(BERLIN):%a %d %b %H:%M}" == when


def test_next_wed_is_asked_not_booked_this_week_with_next_in_the_title() -> None:
    with pytest.raises(AmbiguousTime):
        parse_meeting("Sync next wed 3pm", BERLIN, MONDAY)


def test_across_the_dst_change_the_abbreviated_day_keeps_its_hour() -> None:
    request = parse_meeting("Sync thurs 3pm", NEW_YORK, NEW_YORK_EVE)
    assert request.starts_at == datetime(2026, 3, 12, 19, 0, tzinfo=UTC)  # 15:00 EDT, after the change


def test_a_series_on_weds_still_reads() -> None:
    request = parse_meeting("Standup every weds at 9", BERLIN, MONDAY)
    assert request.recurrence is not None and request.recurrence.weekdays == (2,)
