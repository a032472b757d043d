"""Which zone a Microsoft Graph (Microsoft 365 group calendar) event is shown and timed in.

Graph's calendarView returns start/end in the zone asked for (steadybot asks for UTC) and says in
`originalStartTimeZone` the zone the event was created in: a Windows zone name from Outlook, "UTC" for
events created through the API without a zone, `tzone://Microsoft/Utc` or `tzone://Microsoft/Custom` (a
legacy custom zone from desktop Outlook), or "Customized Time Zone". Sources: the event resource,
https://learn.microsoft.com/en-us/graph/api/resources/event (originalStartTimeZone); "by default, the
calendar API returns the start and end times of an event in UTC, and provides the originalStartTimeZone and
originalEndTimeZone properties to note the time zones used when the event was created",
https://learn.microsoft.com/en-us/answers/questions/1685138/how-can-we-get-the-real-time-zone-of-the-shared-us.
Like a UTC time in an iCalendar feed, an event created in UTC (or in a zone that cannot be named) is shown in
the feed's zone — the zone of the person who added the calendar — not in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.meetings.calendar_parse import graph_occurrences, occurrences

NOW = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)


def graph_event(zone_name: str) -> dict[str, Any]:
    return {"id": "a", "subject": "Retro", "isAllDay": False, "isCancelled": False,
            "start": {"dateTime": "2026-03-23T15:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-23T15:30:00.0000000", "timeZone": "UTC"},
            "originalStartTimeZone": zone_name, "originalEndTimeZone": zone_name}


def test_a_graph_event_created_in_utc_is_shown_in_the_feeds_zone_like_an_ics_utc_time() -> None:
    [graph] = graph_occurrences([graph_event("UTC")], NOW, "America/New_York")
    ics = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:e1@test",
                       "DTSTAMP:20260301T000000Z", "DTSTART:20260323T150000Z", "DURATION:PT30M", "SUMMARY:Retro",
                       "END:VEVENT", "END:VCALENDAR", ""]).encode()
    [ics_one] = occurrences(ics, NOW, "America/New_York")
    assert ics_one.tz == "America/New_York"
    assert graph.tz == ics_one.tz, graph.tz
    assert graph.starts_at == ics_one.starts_at == datetime(2026, 3, 23, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("zone_name", ["tzone://Microsoft/Utc", "tzone://Microsoft/Custom", "Customized Time Zone",
                                       "Etc/UTC", "Coordinated Universal Time", ""])
def test_a_graph_event_in_utc_or_an_unnamed_zone_is_shown_in_the_feeds_zone(zone_name: str) -> None:
    [graph] = graph_occurrences([graph_event(zone_name)], NOW, "Europe/Berlin")
    assert graph.tz == "Europe/Berlin", graph.tz


@pytest.mark.parametrize(("zone_name", "shown"), [("W. Europe Standard Time", "Europe/Berlin"),
                                                  ("Pacific Standard Time", "America/Los_Angeles"),
                                                  ("Asia/Tokyo", "Asia/Tokyo")])
def test_a_graph_event_created_in_a_named_zone_keeps_it(zone_name: str, shown: str) -> None:
    [graph] = graph_occurrences([graph_event(zone_name)], NOW, "America/New_York")
    assert graph.tz == shown, graph.tz
