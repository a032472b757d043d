"""Reading iCalendar feeds: time zones (VTIMEZONE, Windows ids, X-WR-TIMEZONE, floating), recurrences
(RRULE, RDATE, EXDATE, RECURRENCE-ID), what is not a meeting, duplicate UIDs, and descriptions as agendas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.meetings.calendar_parse import agenda_items, occurrences
from handlers.meetings.calendar_ports import FeedError

DATA = Path(__file__).resolve().parents[1] / "data" / "calendars"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ics(*events: str, head: str = "") -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *([head] if head else []),
                        *events, "END:VCALENDAR", ""])
    return body.encode()


def event(*lines: str, uid: str = "e1@test") -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260301T000000Z", *lines, "END:VEVENT"])


def test_google_export() -> None:
    found = occurrences((DATA / "google_team.ics").read_bytes(), NOW, "UTC", timedelta(days=40))
    titles = [(o.title, o.starts_at.isoformat(), o.minutes) for o in found]
    assert titles == [
        ("Weekly standup (moved)", "2026-03-09T10:00:00+00:00", 15),  # the override: 11:00 Berlin
        ("Sprint planning", "2026-03-10T13:00:00+00:00", 60),
        # 16 March is an EXDATE; 23 March 09:30 CET, then 09:30 CEST after the change on 29 March
        ("Weekly standup", "2026-03-23T08:30:00+00:00", 15),
        ("Weekly standup", "2026-03-30T07:30:00+00:00", 15),
        ("Weekly standup", "2026-04-06T07:30:00+00:00", 15),
    ]
    assert all(o.tz == "Europe/Berlin" for o in found)
    standup = [o for o in found if o.title.startswith("Weekly")]
    assert len({o.key for o in standup}) == 4 and standup[0].recurrence_id == "20260309T083000Z"
    planning = found[1]
    assert planning.recurrence_id == ""  # a single event
    assert [(i.text, i.minutes) for i in planning.items] == [
        ("Sprint goal", 10), ("Capacity and holidays", 5), ("Pick the stories & estimate", 30)]


def test_outlook_export_with_windows_zone_ids() -> None:
    found = occurrences((DATA / "outlook_team.ics").read_bytes(), NOW, "UTC", timedelta(days=14))
    assert [(o.title, o.starts_at.isoformat(), o.tz) for o in found] == [
        ("Design review", "2026-03-04T14:30:00+00:00", "America/New_York"),  # 09:30 EST
        ("Architecture sync", "2026-03-05T15:00:00+00:00", "Europe/Berlin"),
        ("Design review", "2026-03-11T13:30:00+00:00", "America/New_York"),  # 09:30 EDT after 8 March
    ]  # the cancelled vendor call and the two-day offsite are not meetings
    sync = found[1]
    assert [(i.text, i.minutes) for i in sync.items] == [("Review open questions", 15), ("Decide the API version", 20)]
    assert found[0].items == ()  # an empty description is no agenda


def test_x_wr_timezone_utc_times_and_floating_times() -> None:
    # Google writes UTC times and names the calendar's zone in X-WR-TIMEZONE: the repeat follows the zone
    body = ics(event("DTSTART:20260302T133000Z", "DTEND:20260302T140000Z", "RRULE:FREQ=WEEKLY;COUNT=6",
                     "SUMMARY:Retro"), head="X-WR-TIMEZONE:America/New_York")
    starts = [o.starts_at.hour for o in occurrences(body, NOW, "UTC", timedelta(days=40))]
    assert starts == [13, 12, 12, 12, 12, 12]  # 08:30 New York, before and after the US change
    floating = ics(event("DTSTART:20260303T100000", "DTEND:20260303T103000", "SUMMARY:Floating"))
    (one,) = occurrences(floating, NOW, "Europe/Berlin")
    assert one.starts_at == datetime(2026, 3, 3, 9, 0, tzinfo=UTC) and one.tz == "Europe/Berlin"


def test_rdate_exdate_and_overrides() -> None:
    body = ics(
        event("DTSTART;TZID=Europe/Berlin:20260303T100000", "DURATION:PT45M", "RRULE:FREQ=DAILY;COUNT=3",
              "EXDATE;TZID=Europe/Berlin:20260304T100000", "RDATE;TZID=Europe/Berlin:20260310T160000",
              "SUMMARY:Sync"),
        event("RECURRENCE-ID;TZID=Europe/Berlin:20260305T100000", "DTSTART;TZID=Europe/Berlin:20260305T120000",
              "DTEND;TZID=Europe/Berlin:20260305T130000", "SUMMARY:Sync (longer)"),
    )
    found = occurrences(body, NOW, "UTC")
    assert [(o.title, o.starts_at.strftime("%d %H:%M"), o.minutes, o.recurrence_id) for o in found] == [
        ("Sync", "03 09:00", 45, "20260303T090000Z"),
        ("Sync (longer)", "05 11:00", 60, "20260305T090000Z"),  # keyed by its original start
        ("Sync", "10 15:00", 45, "20260310T150000Z"),
    ]


def test_what_is_not_a_meeting() -> None:
    body = ics(
        event("DTSTART;VALUE=DATE:20260303", "DTEND;VALUE=DATE:20260304", "SUMMARY:All day", uid="a"),
        event("DTSTART:20260303T080000Z", "DTEND:20260305T170000Z", "SUMMARY:Conference", uid="b"),
        event("DTSTART:20260303T080000Z", "DTEND:20260303T090000Z", "STATUS:CANCELLED", "SUMMARY:Off", uid="c"),
        event("DTSTART:20260301T080000Z", "DTEND:20260301T090000Z", "SUMMARY:Past", uid="d"),
        event("DTSTART:20260401T080000Z", "DTEND:20260401T090000Z", "SUMMARY:Beyond 14 days", uid="e"),
        event("DTSTART:20260303T120000Z", "SUMMARY:No end", uid="f"),
    )
    found = occurrences(body, NOW, "UTC")
    assert [(o.title, o.minutes) for o in found] == [("No end", 30)]


def test_a_cancelled_occurrence_of_a_series() -> None:
    body = ics(
        event("DTSTART:20260303T090000Z", "DTEND:20260303T091500Z", "RRULE:FREQ=DAILY;COUNT=3", "SUMMARY:Daily"),
        event("RECURRENCE-ID:20260304T090000Z", "DTSTART:20260304T090000Z", "DTEND:20260304T091500Z",
              "STATUS:CANCELLED", "SUMMARY:Daily"),
    )
    assert [o.starts_at.day for o in occurrences(body, NOW, "UTC")] == [3, 5]


def test_duplicate_uids_keep_the_newest() -> None:
    body = ics(
        event("DTSTART:20260303T090000Z", "DTEND:20260303T100000Z", "SEQUENCE:1", "SUMMARY:Old title"),
        event("DTSTART:20260303T110000Z", "DTEND:20260303T120000Z", "SEQUENCE:2", "SUMMARY:New title"),
        event("DTSTART:20260303T130000Z", "DTEND:20260303T140000Z", "SEQUENCE:0", "SUMMARY:Oldest"),
    )
    (one,) = occurrences(body, NOW, "UTC")
    assert one.title == "New title" and one.starts_at.hour == 11
    same_sequence = ics(
        event("DTSTART:20260303T090000Z", "DTEND:20260303T100000Z", "LAST-MODIFIED:20260301T100000Z", "SUMMARY:A"),
        event("DTSTART:20260303T090000Z", "DTEND:20260303T100000Z", "LAST-MODIFIED:20260302T100000Z", "SUMMARY:B"),
    )
    assert [o.title for o in occurrences(same_sequence, NOW, "UTC")] == ["B"]


def test_not_a_calendar() -> None:
    for body in (b"<!doctype html><html>Sign in</html>", b"", b"{\"error\": 1}", b"\x00\x01\x02"):
        with pytest.raises(FeedError, match="isn't an iCalendar feed"):
            occurrences(body, NOW, "UTC")
    with pytest.raises(FeedError):
        occurrences(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n", NOW, "UTC")


def test_description_bullets_and_numbers_are_the_agenda() -> None:
    text = ("Agenda for the review:\n- Demo of the login (10m)\n* Decide the rollout date — 15 min\n"
            "• Risks [5m]\n1. Numbered (1h)\n2) Another one\nJust prose, not an item.\n- https://zoom.us/j/123\n"
            "-\n- 10m\n")
    assert [(i.text, i.minutes) for i in agenda_items(text)] == [
        ("Demo of the login", 10), ("Decide the rollout date", 15), ("Risks", 5), ("Numbered", 60),
        ("Another one", None), ("10m", None)]
    assert agenda_items("Join Zoom Meeting\nhttps://zoom.us/j/123\nMeeting ID: 123") == ()
    assert [i.text for i in agenda_items("<ol><li>First</li><li>Second &lt;b&gt;</li></ol>")] == ["First", "Second <b>"]
