"""Series a calendar writes in less common ways: an override for "this and following events"
(`RECURRENCE-ID;RANGE=THISANDFUTURE`), and a repeat rule written after the event's reminder (`VALARM`).
Both lost meetings before: the later occurrences of a THISANDFUTURE override shared one key and all but the
first were dropped; the RRULE after a VALARM was not seen by the pre-filter, which set the series aside as
a one-off event of its first date."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handlers.meetings.calendar_parse import occurrences

NOW = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)  # a Friday; Europe/Berlin goes to summer time on 29 March
BERLIN = ZoneInfo("Europe/Berlin")


def ics(*events: str) -> bytes:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *events, "END:VCALENDAR", ""]).encode()


def event(*lines: str, uid: str = "e1@test") -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260301T000000Z", *lines, "END:VEVENT"])


def berlin(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=BERLIN).astimezone(UTC)


WEEKLY = event("DTSTART;TZID=Europe/Berlin:20260316T090000", "DURATION:PT30M", "RRULE:FREQ=WEEKLY", "SUMMARY:Sync")
AFTERNOONS = event("RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:20260323T090000",
                   "DTSTART;TZID=Europe/Berlin:20260323T140000", "DURATION:PT30M", "SUMMARY:Sync (afternoons)")


def test_a_thisandfuture_override_moves_every_later_occurrence_and_drops_none() -> None:
    found = occurrences(ics(WEEKLY, AFTERNOONS), NOW, "Europe/Berlin")
    assert [o.starts_at for o in found] == [berlin(23, 14), berlin(30, 14)], found
    assert [o.title for o in found] == ["Sync (afternoons)", "Sync (afternoons)"]


def test_each_occurrence_under_a_thisandfuture_override_keeps_its_own_original_start_across_dst() -> None:
    """The key each occurrence had before the override (its original 09:00 Berlin start, in UTC: 08:00 in
    winter, 07:00 after the 29 March change), so the override moves the channel's meetings instead of
    cancelling them and making new ones without their agendas."""
    before = {o.starts_at: o.key for o in occurrences(ics(WEEKLY), NOW, "Europe/Berlin")}
    after = [o.key for o in occurrences(ics(WEEKLY, AFTERNOONS), NOW, "Europe/Berlin")]
    assert after == [("e1@test", "20260323T080000Z"), ("e1@test", "20260330T070000Z")]
    assert after == [before[berlin(23, 9)], before[berlin(30, 9)]]


def test_a_series_whose_rrule_follows_its_alarm_is_not_set_aside() -> None:
    body = ics(event("DTSTART;TZID=Europe/Berlin:20250106T090000", "DURATION:PT30M", "SUMMARY:Weekly",
                     "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:x", "TRIGGER:-PT10M", "END:VALARM",
                     "RRULE:FREQ=WEEKLY"))
    assert [o.starts_at for o in occurrences(body, NOW, "Europe/Berlin")] == [berlin(23, 9), berlin(30, 9)]


def test_an_alarms_own_uid_still_does_not_count_as_the_events() -> None:
    """The event's lines are read with its alarms cut out, so the UID inside a VALARM (Apple writes one) is
    not taken for the event's: an old one-off event is still set aside, a current one kept."""
    alarm = ["BEGIN:VALARM", "UID:alarm-1", "ACTION:DISPLAY", "DESCRIPTION:x", "TRIGGER:-PT10M", "END:VALARM"]
    body = ics(event("DTSTART;TZID=Europe/Berlin:20250106T090000", "DURATION:PT30M", "SUMMARY:Old", *alarm,
                     uid="old@test"),
               event("DTSTART;TZID=Europe/Berlin:20260323T090000", "DURATION:PT30M", "SUMMARY:Soon", *alarm,
                     uid="soon@test"))
    assert [o.title for o in occurrences(body, NOW, "Europe/Berlin")] == ["Soon"]
