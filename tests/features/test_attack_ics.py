"""Attacks on iCalendar feed reading with feeds shaped like real exports: a Google "Secret address in iCal
format" feed carries the calendar's whole history (every past event, each a VEVENT with UID …@google.com,
DTSTAMP/CREATED/LAST-MODIFIED/SEQUENCE/STATUS/TRANSP — tests/data/calendars/README.md), so feeds of tens of
thousands of events are real; RFC 5545 §3.3.10 allows FREQ=SECONDLY/MINUTELY and BYHOUR/BYMINUTE/BYSECOND
lists without COUNT or UNTIL. Reading a feed must stay bounded (time, memory) and keep the meetings that matter:
the fetcher's 10 MB cap alone bounds neither."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.meetings.calendar_parse import occurrences
from handlers.meetings.calendar_ports import FeedError
from tests.support.loop import loop_stays_free

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BUDGET = 15.0  # seconds; unbounded reading takes minutes (measured: 73 s and 400 MB for 50 000 events)


def ics(*events: str, head: str = "") -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
                        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Team", *([head] if head else []),
                        *events, "END:VCALENDAR", ""])
    return body.encode()


def google_event(uid: str, start: str, end: str, summary: str, *extra: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"DTSTART:{start}", f"DTEND:{end}", "DTSTAMP:20260301T080000Z",
                        f"UID:{uid}@google.com", *extra, "SEQUENCE:0", "STATUS:CONFIRMED",
                        f"SUMMARY:{summary}", "TRANSP:OPAQUE", "END:VEVENT"])


WEEKLY = google_event("weekly1", "20260303T100000Z", "20260303T103000Z", "Weekly sync", "RRULE:FREQ=WEEKLY")


def bounded(body: bytes, now: datetime = NOW) -> Any:
    """occurrences() in a thread, given BUDGET seconds: the list, or the FeedError raised."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(occurrences(body, now, "Europe/Berlin"))
        except FeedError as exc:
            box.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(BUDGET)
    assert box, f"reading the feed took more than {BUDGET:.0f} s (still running)"
    assert time.monotonic() - started < BUDGET
    return box[0]


def test_a_google_feed_with_50000_past_events_is_read_in_bounded_time() -> None:
    past = [google_event(f"h{i:05d}", f"20{18 + i % 8:02d}{1 + i % 12:02d}{1 + i % 28:02d}T090000Z",
                         f"20{18 + i % 8:02d}{1 + i % 12:02d}{1 + i % 28:02d}T093000Z", f"Old meeting {i}")
            for i in range(50_000)]
    past = [e for e in past if "2026" not in e.split("DTSTART:")[1][:4]]  # history only
    body = ics(*past, WEEKLY, google_event("next1", "20260304T140000Z", "20260304T150000Z", "Planning"))
    assert len(body) < 10 * 1024 * 1024  # under the fetcher's cap: it arrives
    found = bounded(body)
    assert [(o.title, o.starts_at) for o in found][:3] == [
        ("Weekly sync", datetime(2026, 3, 3, 10, 0, tzinfo=UTC)),
        ("Planning", datetime(2026, 3, 4, 14, 0, tzinfo=UTC)),
        ("Weekly sync", datetime(2026, 3, 10, 10, 0, tzinfo=UTC))]


def test_a_feed_of_50000_upcoming_events_is_refused_quickly() -> None:
    body = ics(*(google_event(f"f{i:05d}", f"202603{3 + i % 10:02d}T{8 + i % 9:02d}0000Z",
                              f"202603{3 + i % 10:02d}T{8 + i % 9:02d}3000Z", f"Flood {i}") for i in range(50_000)))
    result = bounded(body)
    assert isinstance(result, FeedError) and "too many" in result.reason


@pytest.mark.parametrize("rule", [
    "RRULE:FREQ=SECONDLY",
    "RRULE:FREQ=MINUTELY",
    "RRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;"
    "BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55;BYSECOND=0,10,20,30,40,50",
    "RRULE:FREQ=HOURLY",  # started years ago: the expansion walks from DTSTART
])
def test_a_repeat_without_end_is_bounded_and_does_not_crowd_out_the_real_meetings(rule: str) -> None:
    spam = google_event("spam", "20200101T000000Z" if "HOURLY" in rule else "20260302T090000Z",
                        "20200101T000100Z" if "HOURLY" in rule else "20260302T090100Z", "Ping", rule)
    found = bounded(ics(spam, WEEKLY))
    weekly = [o.starts_at for o in found if o.title == "Weekly sync"]
    assert weekly == [datetime(2026, 3, 3, 10, 0, tzinfo=UTC), datetime(2026, 3, 10, 10, 0, tzinfo=UTC)]
    assert len(found) <= 500


def test_the_occurrence_cap_keeps_the_soonest() -> None:
    """More than 500 occurrences: the cap keeps the first 500 in time, not whichever the expansion gave first."""
    many = google_event("busy", "20260302T120000Z", "20260302T121500Z", "Check-in",
                        "RRULE:FREQ=DAILY;BYHOUR=10,11,12,13,14,15,16,17,18,19,20,21,22,23,0,1,2,3,4,5,6,7,8,9;"
                        "BYMINUTE=0,30")
    found = bounded(ics(many, WEEKLY))
    assert [o.title for o in found[:2]] == ["Check-in", "Check-in"]
    assert datetime(2026, 3, 3, 10, 0, tzinfo=UTC) in [o.starts_at for o in found if o.title == "Weekly sync"]
    assert [o.starts_at for o in found] == sorted(o.starts_at for o in found)


# ---- setting the history aside keeps what matters (iCloud / Outlook shapes) ------------------------------
ICLOUD_BERLIN = "\r\n".join([  # iCloud's published calendar: a VTIMEZONE with the IANA name, X-APPLE props
    "BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "X-LIC-LOCATION:Europe/Berlin",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19810329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE"])


def apple(uid: str, *lines: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", "CREATED:20240101T080000Z", "DTSTAMP:20260301T080000Z",
                        f"UID:{uid}", "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC", *lines, "END:VEVENT"])


def test_an_old_series_with_old_and_moved_overrides_across_dst() -> None:
    """A weekly 09:30 Berlin standup since 2024 (kept: it repeats), an override from 2024 (set aside), an
    override of a 2025 occurrence moved into next week (kept), a cancelled one inside the window, an EXDATE
    with TZID, and a duplicate of a past one-off whose newer copy moved into the window."""
    body = ics(
        ICLOUD_BERLIN,
        apple("standup", "DTSTART;TZID=Europe/Berlin:20240108T093000", "DTEND;TZID=Europe/Berlin:20240108T094500",
              "RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20260323T093000", "SUMMARY:Standup"),
        apple("standup", "RECURRENCE-ID;TZID=Europe/Berlin:20240115T093000",
              "DTSTART;TZID=Europe/Berlin:20240115T110000", "DTEND;TZID=Europe/Berlin:20240115T111500",
              "SUMMARY:Standup (old move)"),
        apple("standup", "RECURRENCE-ID;TZID=Europe/Berlin:20260316T093000", "STATUS:CANCELLED",
              "DTSTART;TZID=Europe/Berlin:20260316T093000", "DTEND;TZID=Europe/Berlin:20260316T094500",
              "SUMMARY:Standup"),
        apple("standup", "RECURRENCE-ID;TZID=Europe/Berlin:20250106T093000",
              "DTSTART;TZID=Europe/Berlin:20260331T160000", "DTEND;TZID=Europe/Berlin:20260331T161500",
              "SUMMARY:Standup (catch-up)"),
        apple("offsite", "SEQUENCE:0", "DTSTART;TZID=Europe/Berlin:20250601T100000",
              "DTEND;TZID=Europe/Berlin:20250601T110000", "SUMMARY:Offsite prep (old)"),
        apple("offsite", "SEQUENCE:3", "DTSTART;TZID=Europe/Berlin:20260325T100000",
              "DTEND;TZID=Europe/Berlin:20260325T110000", "SUMMARY:Offsite prep"),
    )
    found = bounded(body, datetime(2026, 3, 20, tzinfo=UTC))
    assert [(o.title, o.starts_at.strftime("%d %H:%M"), o.recurrence_id) for o in found] == [
        ("Offsite prep", "25 09:00", ""),
        ("Standup", "30 07:30", "20260330T073000Z"),  # 09:30 CEST after the change on 29 March
        ("Standup (catch-up)", "31 14:00", "20250106T083000Z"),
    ]  # 16 March cancelled (before the window anyway), 23 March an EXDATE


def test_outlook_windows_zone_series_with_a_cancelled_override_in_the_window() -> None:
    tz = "W. Europe Standard Time"
    vtz = "\r\n".join([
        "BEGIN:VTIMEZONE", f"TZID:{tz}",
        "BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE"])
    uid = "040000008200E00074C5B7101A82E00800000000B0E8F3B1A2A9DB01000000000000000010000000"
    body = ics(vtz,
               apple(uid, f"DTSTART;TZID={tz}:20250106T093000", f"DTEND;TZID={tz}:20250106T100000",
                     "RRULE:FREQ=WEEKLY;UNTIL=20260601T083000Z;INTERVAL=1;BYDAY=MO;WKST=MO", "SUMMARY:Jour fixe"),
               apple(uid, f"RECURRENCE-ID;TZID={tz}:20260330T093000", f"DTSTART;TZID={tz}:20260330T093000",
                     f"DTEND;TZID={tz}:20260330T100000", "STATUS:CANCELLED", "SUMMARY:Abgesagt: Jour fixe"),
               apple("old-series", f"DTSTART;TZID={tz}:20230102T090000", f"DTEND;TZID={tz}:20230102T093000",
                     "RRULE:FREQ=DAILY;UNTIL=20231231T080000Z", "SUMMARY:Ended series"))
    found = bounded(body, datetime(2026, 3, 20, tzinfo=UTC))
    assert [(o.title, o.starts_at.strftime("%d %H:%M"), o.tz) for o in found] == [
        ("Jour fixe", "23 08:30", "Europe/Berlin")]  # 30 March cancelled, 6 April beyond the 14 days


async def test_reading_a_big_feed_leaves_the_event_loop_free() -> None:
    """A feed just under MAX_COMPONENTS takes seconds to parse: parsed on the event loop, every Slack and Teams
    request waited that long (Slack gives up after 3 s). It is parsed in a worker thread; the loop keeps turning."""
    from types import SimpleNamespace

    from handlers.core.types import Platform
    from handlers.meetings import calendar_sync
    from handlers.meetings.calendar_ports import ICS, PORT, Feed, Fetched

    body = ics(*(google_event(f"e{i:04d}", f"202603{3 + i % 10:02d}T{8 + i % 9:02d}0000Z",
                              f"202603{3 + i % 10:02d}T{8 + i % 9:02d}3000Z", f"Meeting {i}") for i in range(3_500)))

    class Fetcher:
        async def fetch(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
            return Fetched(body)

    svc: Any = SimpleNamespace(ports={PORT: Fetcher()})
    feed = Feed(1, Platform.SLACK, "C1", "T1", ICS, "https://calendar.example/feed.ics", "calendar.example", "U1",
                "Ana", "UTC", NOW)
    started = time.perf_counter()
    (_, found), gap = await loop_stays_free(calendar_sync.read(svc, feed, NOW), within=60)
    took = time.perf_counter() - started
    assert found and len(found) == 500  # read, and capped at the soonest 500
    assert took > 0.5, "the feed parsed too fast to show anything"
    assert gap < took / 4, f"the loop stood still {gap:.2f} s of a {took:.2f} s read"
