"""Calendar feeds at the edges of time zones: UTC times, an empty or unknown X-WR-TIMEZONE, Windows zone
names, floating times and repeats across DST changes. The truth is computed with zoneinfo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.meetings.calendar_parse import occurrences

NOW = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)


def ics(*events: str, head: str = "") -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *([head] if head else []),
                        *events, "END:VCALENDAR", ""])
    return body.encode()


def event(*lines: str, uid: str = "e1@test") -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260301T000000Z", *lines, "END:VEVENT"])


@pytest.mark.parametrize("start", ["DTSTART:20260323T150000Z", "DTSTART;TZID=UTC:20260323T150000"])
def test_a_meeting_given_in_utc_is_shown_in_the_zone_of_the_feed_not_in_utc(start: str) -> None:
    """A UTC time names an instant, not a zone the team lives in: the meeting is shown (and its holidays
    checked) in the feed's zone, else the zone of the person who added it, as for a floating time."""
    body = ics(event(start, "DURATION:PT30M", "SUMMARY:Retro"))
    (retro,) = occurrences(body, NOW, "America/New_York")
    assert retro.starts_at == datetime(2026, 3, 23, 15, 0, tzinfo=UTC)
    assert retro.tz == "America/New_York"
    (google,) = occurrences(ics(event(start, "DURATION:PT30M", "SUMMARY:Retro"),
                                head="X-WR-TIMEZONE:Asia/Kathmandu"), NOW, "America/New_York")
    assert google.starts_at == datetime(2026, 3, 23, 15, 0, tzinfo=UTC) and google.tz == "Asia/Kathmandu"


@pytest.mark.parametrize("wr", ["", "Mars/Olympus", "UTC+3", "utc"])
def test_an_empty_or_unknown_x_wr_timezone_does_not_make_the_feed_unreadable(wr: str) -> None:
    body = ics(event("DTSTART:20260323T150000Z", "DTEND:20260323T153000Z", "SUMMARY:Retro", uid="a"),
               event("DTSTART:20260324T090000", "DTEND:20260324T093000", "SUMMARY:Floating", uid="b"),
               head=f"X-WR-TIMEZONE:{wr}")
    found = occurrences(body, NOW, "Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    assert [(o.title, o.starts_at) for o in found] == [
        ("Retro", datetime(2026, 3, 23, 15, 0, tzinfo=UTC)),
        ("Floating", datetime(2026, 3, 24, 9, 0, tzinfo=berlin).astimezone(UTC)),  # the adder's zone
    ]


def test_an_x_wr_timezone_with_a_windows_name_is_that_zone() -> None:
    body = ics(event("DTSTART:20260323T090000", "DTEND:20260323T093000", "RRULE:FREQ=WEEKLY;COUNT=3",
                     "SUMMARY:Standup"), head="X-WR-TIMEZONE:W. Europe Standard Time")
    berlin = ZoneInfo("Europe/Berlin")
    found = occurrences(body, NOW, "UTC")
    assert [o.starts_at for o in found] == [datetime(2026, 3, 23, 9, 0, tzinfo=berlin).astimezone(UTC),
                                            datetime(2026, 3, 30, 9, 0, tzinfo=berlin).astimezone(UTC)]
    assert {o.tz for o in found} == {"Europe/Berlin"}


# ---- what holds (regression guards) ------------------------------------------------------------------
def test_windows_tzid_without_vtimezone_and_exdate_in_utc_across_dst() -> None:
    body = ics(event("DTSTART;TZID=W. Europe Standard Time:20260316T090000",
                     "DTEND;TZID=W. Europe Standard Time:20260316T093000", "RRULE:FREQ=WEEKLY",
                     "EXDATE:20260330T070000Z", "SUMMARY:Sync"))
    berlin = ZoneInfo("Europe/Berlin")
    found = occurrences(body, NOW, "UTC", timedelta(days=21))
    assert [o.starts_at for o in found] == [datetime(2026, 3, 23, 9, 0, tzinfo=berlin).astimezone(UTC),
                                            datetime(2026, 4, 6, 9, 0, tzinfo=berlin).astimezone(UTC)]
    assert {o.tz for o in found} == {"Europe/Berlin"}


def test_floating_daily_meeting_in_the_repeated_hour_happens_once() -> None:
    body = ics(event("DTSTART:20261023T023000", "DTEND:20261023T030000", "RRULE:FREQ=DAILY;COUNT=4",
                     "SUMMARY:Night shift handover"))
    found = occurrences(body, datetime(2026, 10, 22, tzinfo=UTC), "Europe/Berlin", timedelta(days=6))
    on_the_25th = [o for o in found if o.starts_at.date() == datetime(2026, 10, 25).date()]
    assert len(on_the_25th) == 1  # once, at the first 02:30 (RFC 5545 §3.3.5)
    assert on_the_25th[0].starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_all_day_events_are_not_meetings() -> None:
    body = ics(event("DTSTART;VALUE=DATE:20260323", "SUMMARY:Offsite", uid="a"),
               event("DTSTART;VALUE=DATE:20260323", "RRULE:FREQ=WEEKLY", "EXDATE;VALUE=DATE:20260330",
                     "SUMMARY:Focus day", uid="b"))
    assert occurrences(body, NOW, "Europe/Berlin") == []
