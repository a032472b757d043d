"""A person who names their own zone means the clock on their wall. dateparser took "IST" for Israel's (+02:00), so
`/meeting Standup tomorrow 5pm IST` typed in Kolkata was 20:30 there, 3½ hours late; and "CEST" typed in Berlin in
winter, or "EST" in New York in summer, was an hour off. Another zone's name, UTC and GMT stay as written. The
truth is computed with zoneinfo, on both sides of each DST change."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.core.timeparse import parse_when
from handlers.meetings.parse import parse_meeting

WINTER = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # a Saturday
SUMMER = datetime(2026, 7, 4, 9, 0, tzinfo=UTC)  # a Saturday


def _local(text: str, zone: str, now: datetime) -> str:
    tz = ZoneInfo(zone)
    return f"{parse_when(text, tz, now, meeting=True).at.astimezone(tz):%a %d %b %H:%M %Z}"


@pytest.mark.parametrize(("zone", "text", "now", "read"), [
    ("Asia/Kolkata", "tomorrow 5pm IST", WINTER, "Sun 29 Nov 17:00 IST"),  # before: 20:30 IST (Israel's IST)
    ("Asia/Kolkata", "tomorrow 5 pm ist", WINTER, "Sun 29 Nov 17:00 IST"),
    ("Asia/Jerusalem", "tomorrow 5pm IST", WINTER, "Sun 29 Nov 17:00 IST"),
    ("Europe/Dublin", "tomorrow 5pm IST", SUMMER, "Sun 05 Jul 17:00 IST"),  # Irish summer time
    ("Europe/Berlin", "tomorrow 5pm CEST", WINTER, "Sun 29 Nov 17:00 CET"),  # before: 16:00
    ("Europe/Berlin", "tomorrow 5pm CET", SUMMER, "Sun 05 Jul 17:00 CEST"),  # before: 18:00
    ("America/New_York", "tomorrow 9am EST", SUMMER, "Sun 05 Jul 09:00 EDT"),  # before: 10:00
    ("America/New_York", "tomorrow 9am EDT", WINTER, "Sun 29 Nov 09:00 EST"),
    ("Australia/Sydney", "tomorrow 5pm AEST", WINTER, "Sun 29 Nov 17:00 AEDT"),
    ("Africa/Harare", "tomorrow 3pm CAT", WINTER, "Sun 29 Nov 15:00 CAT"),
])
def test_the_persons_own_zone_is_their_wall_clock(zone: str, text: str, now: datetime, read: str) -> None:
    assert _local(text, zone, now) == read


@pytest.mark.parametrize(("zone", "text", "now", "read"), [
    ("Europe/Berlin", "tomorrow 5pm EST", WINTER, "Sun 29 Nov 23:00 CET"),  # New York's 17:00
    ("America/Chicago", "tomorrow 5pm PST", WINTER, "Sun 29 Nov 19:00 CST"),
    ("Europe/Berlin", "tomorrow 5pm UTC", WINTER, "Sun 29 Nov 18:00 CET"),
    ("Europe/London", "tomorrow 5pm GMT", SUMMER, "Sun 05 Jul 18:00 BST"),  # GMT is GMT, even in London's summer
    ("Asia/Kolkata", "tomorrow 5pm CET", WINTER, "Sun 29 Nov 21:30 IST"),
])
def test_another_zone_utc_and_gmt_stay_as_written(zone: str, text: str, now: datetime, read: str) -> None:
    assert _local(text, zone, now) == read


def test_a_meeting_in_kolkata_named_ist_is_at_the_hour_typed() -> None:
    tz = ZoneInfo("Asia/Kolkata")
    request = parse_meeting("Standup tomorrow 5pm IST", tz, WINTER)
    assert request.title == "Standup"
    assert request.starts_at == datetime(2026, 11, 29, 11, 30, tzinfo=UTC)  # 17:00 IST (+05:30)


def test_a_zone_abbreviation_that_is_a_word_counts_only_in_capitals() -> None:
    request = parse_meeting("Feed the cat at 3pm", ZoneInfo("Africa/Harare"), WINTER)
    assert request.title == "Feed the cat"


@pytest.mark.parametrize(("zone", "text", "title", "read"), [
    ("Europe/Berlin", "Feed the cat at 3pm", "Feed the cat", "Sat 28 Nov 15:00 CET"),  # before: *Feed*, 14:00 (3pm CAT)
    ("Europe/Berlin", "Feed the cat at 3pm on friday", "Feed the cat", "Fri 04 Dec 15:00 CET"),
    ("Europe/Berlin", "Review the wat at 3pm", "Review the wat", "Sat 28 Nov 15:00 CET"),
    ("Europe/Berlin", "Sync at 3pm est", "Sync", "Sat 28 Nov 21:00 CET"),  # a zone right after the time is one
    ("Europe/Berlin", "Sync tomorrow 15:00 (EST)", "Sync", "Sun 29 Nov 21:00 CET"),
    ("Europe/Berlin", "Sync tomorrow 9am UTC+2", "Sync", "Sun 29 Nov 08:00 CET"),
    ("Europe/Berlin", "Sync 3pm PST tomorrow", "Sync", "Mon 30 Nov 00:00 CET"),
])
def test_a_zone_is_one_only_right_after_the_time(zone: str, text: str, title: str, read: str) -> None:
    tz = ZoneInfo(zone)
    request = parse_meeting(text, tz, WINTER)
    assert request.starts_at is not None
    assert (request.title, f"{request.starts_at.astimezone(tz):%a %d %b %H:%M %Z}") == (title, read)


def test_a_pasted_iso_timestamp_keeps_its_zone() -> None:
    at = parse_when("2026-12-02T08:00:00.000Z", ZoneInfo("Europe/Berlin"), WINTER, meeting=True).at
    assert at == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
