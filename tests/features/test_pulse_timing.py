"""Pure timing rules of the pulse: quiet hours, weekends, each person's own zone, DST, round creation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from handlers.core.allowed import allowed_from, allowed_instant, is_quiet, next_allowed
from handlers.core.recurrence import parse_recurrence
from handlers.pulse.timing import (
    after_time_off,
    create_at,
    first_occurrence,
    invite_due,
    is_stale,
    occurrence_span,
    reminder_due,
)

QUIET = (time(20, 0), time(8, 0))
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def test_quiet_hours_wrap_midnight_and_can_be_off() -> None:
    assert is_quiet(time(20, 0), *QUIET) and is_quiet(time(23, 59), *QUIET) and is_quiet(time(7, 59), *QUIET)
    assert not is_quiet(time(8, 0), *QUIET) and not is_quiet(time(19, 59), *QUIET)
    assert is_quiet(time(12, 30), time(12), time(13)) and not is_quiet(time(13), time(12), time(13))
    assert not is_quiet(time(3), time(0), time(0))  # "off"


def test_next_allowed_moves_off_weekend_and_out_of_quiet_hours() -> None:
    friday_late = datetime(2026, 3, 6, 21, 30)
    assert next_allowed(friday_late, *QUIET) == datetime(2026, 3, 9, 8, 0)  # → Sat 08:00 → Monday 08:00
    assert next_allowed(datetime(2026, 3, 4, 6, 0), *QUIET) == datetime(2026, 3, 4, 8, 0)  # early → 08:00
    assert next_allowed(datetime(2026, 3, 4, 22, 0), *QUIET) == datetime(2026, 3, 5, 8, 0)  # late → tomorrow
    assert next_allowed(datetime(2026, 3, 8, 15, 0), *QUIET) == datetime(2026, 3, 9, 8, 0)  # Sunday
    assert next_allowed(datetime(2026, 3, 7, 12, 0), time(0), time(0)) == datetime(2026, 3, 9, 0, 0)
    assert next_allowed(datetime(2026, 3, 4, 15, 0), *QUIET) == datetime(2026, 3, 4, 15, 0)  # fine as is


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
       st.times(), st.times())
def test_next_allowed_is_always_allowed_and_never_earlier(local: datetime, start: time, end: time) -> None:
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    moved = next_allowed(local, start, end)
    assert moved >= local
    assert moved.weekday() < 5 and not is_quiet(moved.time(), start, end)
    assert moved - local < timedelta(days=4)


def test_each_person_gets_the_wall_time_in_their_own_zone() -> None:
    now = datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
    occurrence = datetime(2026, 3, 6, 15, 0)  # Friday 15:00 wherever you are
    assert invite_due(now, BERLIN, QUIET, occurrence) == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    assert invite_due(now, NEW_YORK, QUIET, occurrence) == datetime(2026, 3, 6, 20, 0, tzinfo=UTC)
    assert invite_due(now, TOKYO, QUIET, occurrence) == datetime(2026, 3, 6, 6, 0, tzinfo=UTC)


def test_a_dst_change_between_two_rounds_keeps_the_local_time() -> None:
    rule = parse_recurrence("every friday at 3pm")
    # Europe/Berlin springs forward on Sunday 29 March 2026; New York on 8 March.
    before = invite_due(datetime(2026, 3, 26, tzinfo=UTC), BERLIN, QUIET, datetime(2026, 3, 27, 15, 0), rule)
    after = invite_due(datetime(2026, 4, 2, tzinfo=UTC), BERLIN, QUIET, datetime(2026, 4, 3, 15, 0), rule)
    assert (before, after) == (datetime(2026, 3, 27, 14, tzinfo=UTC), datetime(2026, 4, 3, 13, tzinfo=UTC))
    ny_before = invite_due(datetime(2026, 3, 5, tzinfo=UTC), NEW_YORK, QUIET, datetime(2026, 3, 6, 15), rule)
    ny_after = invite_due(datetime(2026, 3, 12, tzinfo=UTC), NEW_YORK, QUIET, datetime(2026, 3, 13, 15), rule)
    assert (ny_before, ny_after) == (datetime(2026, 3, 6, 20, tzinfo=UTC), datetime(2026, 3, 13, 19, tzinfo=UTC))
    # autumn: New York falls back on 1 November 2026
    assert invite_due(datetime(2026, 11, 5, tzinfo=UTC), NEW_YORK, QUIET, datetime(2026, 11, 6, 15), rule) == \
        datetime(2026, 11, 6, 20, tzinfo=UTC)


def test_a_wall_time_in_the_dst_gap_moves_forward() -> None:
    # 02:30 on 29 March 2026 does not exist in Berlin (and it is a Sunday: Monday 08:00 is next allowed)
    assert allowed_instant(datetime(2026, 3, 29, 2, 30), BERLIN, time(0), time(0)) == \
        datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN).astimezone(UTC)
    # Cairo springs forward on Friday 24 April 2026 at 00:00: 00:30 becomes 01:30 …
    cairo = ZoneInfo("Africa/Cairo")
    assert allowed_instant(datetime(2026, 4, 24, 0, 30), cairo, time(0), time(0)) == \
        datetime(2026, 4, 23, 22, 30, tzinfo=UTC)
    # … and when 01:30 is in quiet hours (01:00–02:00), the DM moves on to 02:00
    assert allowed_instant(datetime(2026, 4, 24, 0, 30), cairo, time(1), time(2)) == \
        datetime(2026, 4, 23, 23, 0, tzinfo=UTC)


def test_the_end_of_time_off_moves_to_the_first_allowed_moment() -> None:
    """A DM held back by time off goes out at the first allowed moment at or after its end, in the person's
    zone, across DST changes; the channel's holidays move it on to the next working day."""
    def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
        return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)

    assert after_time_off(at(BERLIN, 2026, 3, 3, 0, 0), BERLIN, QUIET) == at(BERLIN, 2026, 3, 3, 8, 0)
    assert after_time_off(at(BERLIN, 2026, 3, 2, 23, 30), BERLIN, QUIET) == at(BERLIN, 2026, 3, 3, 8, 0)
    assert after_time_off(at(BERLIN, 2026, 3, 7, 0, 0), BERLIN, QUIET) == at(BERLIN, 2026, 3, 9, 8, 0)  # Sat
    assert after_time_off(at(BERLIN, 2026, 3, 4, 14, 5), BERLIN, QUIET) == at(BERLIN, 2026, 3, 4, 14, 5)  # as is
    # Berlin springs forward on Sunday 29 March and falls back on Sunday 25 October: Monday 08:00 local
    assert after_time_off(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), BERLIN, QUIET) == \
        datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert after_time_off(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), BERLIN, QUIET) == \
        datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    # New York springs forward on Sunday 8 March: a snooze ending Friday night waits for Monday 08:00 EDT
    assert after_time_off(at(NEW_YORK, 2026, 3, 6, 23, 0), NEW_YORK, QUIET) == datetime(2026, 3, 9, 12, tzinfo=UTC)
    # Cairo falls back at midnight on Thursday 29 October: 23:30 happens twice. With no quiet hours the
    # second 23:30 stays the second, not an hour earlier (which would already be past)
    cairo = ZoneInfo("Africa/Cairo")
    second = datetime(2026, 10, 29, 21, 30, tzinfo=UTC)
    assert allowed_from(second, cairo, time(0), time(0)) == second
    assert after_time_off(second, cairo, (time(0), time(0))) == second
    assert after_time_off(second, cairo, (time(23), time(0))) == datetime(2026, 10, 29, 22, 0, tzinfo=UTC)
    # quiet hours that end inside the repeated hour: their second end, not their first (already past)
    assert after_time_off(second, cairo, (time(23), time(23, 45))) == datetime(2026, 10, 29, 21, 45, tzinfo=UTC)
    # Ascension Day (Thursday 14 May 2026) in Bavaria: Friday 08:00; Easter (3–6 April) then the weekend
    assert after_time_off(at(BERLIN, 2026, 5, 13, 22, 0), BERLIN, QUIET, "DE-BY") == at(BERLIN, 2026, 5, 15, 8, 0)
    assert after_time_off(at(BERLIN, 2026, 4, 2, 21, 0), BERLIN, QUIET, "DE-BY") == at(BERLIN, 2026, 4, 7, 8, 0)


ZONES = [BERLIN, NEW_YORK, TOKYO, ZoneInfo("Africa/Cairo"), ZoneInfo("Asia/Jerusalem"),
         ZoneInfo("Australia/Lord_Howe"), ZoneInfo("America/Santiago"), ZoneInfo("Asia/Kolkata")]


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
       st.sampled_from(ZONES), st.times(), st.times())
@example(datetime(2026, 10, 29, 21, 30, tzinfo=UTC), ZoneInfo("Africa/Cairo"), time(0), time(0))  # fall-back
@example(datetime(2026, 10, 29, 21, 30, tzinfo=UTC), ZoneInfo("Africa/Cairo"), time(23), time(23, 45))
@example(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), BERLIN, time(12), time(13))  # the second 02:30 on a Sunday
@example(datetime(2026, 3, 27, 0, 30, tzinfo=UTC), ZoneInfo("Asia/Jerusalem"), time(1), time(2, 30))  # spring
def test_the_end_of_time_off_always_moves_to_an_allowed_moment_never_earlier(
        back: datetime, tz: ZoneInfo, start: time, end: time) -> None:
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    due = after_time_off(back, tz, (start, end))
    local = due.astimezone(tz).replace(tzinfo=None)
    assert back <= due < back + timedelta(days=4)
    assert next_allowed(local, start, end) == local  # on a weekday, outside quiet hours, in their zone
    if next_allowed(back.astimezone(tz).replace(tzinfo=None), start, end) == back.astimezone(tz).replace(tzinfo=None):
        assert due == back  # already allowed: not moved


def test_weekend_occurrence_is_skipped_when_the_next_one_comes_first() -> None:
    daily = parse_recurrence("every day at 9")
    now = datetime(2026, 3, 6, 12, tzinfo=UTC)
    # Saturday 09:00 would move to Monday 08:00 — but Sunday's and Monday's 09:00 are sooner or equal: skip
    assert invite_due(now, BERLIN, QUIET, datetime(2026, 3, 7, 9, 0), daily) is None
    # a weekly Friday schedule is never skipped
    weekly = parse_recurrence("every friday at 9")
    assert invite_due(now, BERLIN, QUIET, datetime(2026, 3, 13, 9, 0), weekly) == datetime(2026, 3, 13, 8, tzinfo=UTC)


def test_a_late_round_never_sends_in_the_past_or_in_quiet_hours() -> None:
    now = datetime(2026, 3, 6, 22, 0, tzinfo=UTC)  # the bot was down at 15:00
    due = invite_due(now, ZoneInfo("Europe/London"), QUIET, datetime(2026, 3, 6, 15, 0))
    assert due == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # not now (22:00 is quiet), and not Saturday


def test_now_rounds_respect_weekends_and_quiet_hours_per_person() -> None:
    friday_4pm_utc = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    assert invite_due(friday_4pm_utc, ZoneInfo("Europe/London"), QUIET) == friday_4pm_utc
    assert invite_due(friday_4pm_utc, TOKYO, QUIET) == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)  # Mon 08:00 JST
    assert invite_due(friday_4pm_utc, ZoneInfo("America/Los_Angeles"), QUIET) == friday_4pm_utc  # 08:00 PST
    assert invite_due(friday_4pm_utc, ZoneInfo("Asia/Kolkata"), QUIET) == datetime(2026, 3, 9, 2, 30, tzinfo=UTC)


def test_rounds_are_created_before_the_first_zone_and_skipped_when_stale() -> None:
    occurrence = datetime(2026, 3, 6, 15, 0)
    assert create_at(occurrence) == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
    kiritimati = invite_due(datetime(2026, 3, 5, tzinfo=UTC), ZoneInfo("Pacific/Kiritimati"), QUIET, occurrence)
    assert kiritimati is not None and create_at(occurrence) < kiritimati
    window = timedelta(days=3)
    assert not is_stale(occurrence, window, datetime(2026, 3, 9, 12, tzinfo=UTC))
    assert is_stale(occurrence, window, datetime(2026, 3, 10, 3, tzinfo=UTC))


def test_reminder_is_two_thirds_in_and_never_too_late() -> None:
    due = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 Berlin
    closes = due + timedelta(days=3)
    assert reminder_due(due, closes, timedelta(days=3), BERLIN, QUIET) == datetime(2026, 3, 4, 9, tzinfo=UTC)
    # Friday DM, three days: two thirds in is Sunday → Monday 08:00, still before the close at 15:00
    fri = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    assert reminder_due(fri, fri + timedelta(days=3), timedelta(days=3), BERLIN, QUIET) == \
        datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    # a short window whose two-thirds point falls in quiet hours past the close: no reminder
    late = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
    assert reminder_due(late, late + timedelta(hours=4), timedelta(hours=4), BERLIN, QUIET) is None


def test_occurrence_span_and_first_occurrence() -> None:
    weekdays = parse_recurrence("weekdays at 9")
    assert occurrence_span(datetime(2026, 3, 2, 9), weekdays, timedelta(days=3)) == timedelta(days=1)
    assert occurrence_span(None, None, timedelta(days=3)) == timedelta(days=3)
    rule, first = first_occurrence(parse_recurrence("every other monday 10:00"),
                                   datetime(2026, 3, 2, 9, 30, tzinfo=UTC), BERLIN)  # 10:30 in Berlin: just past
    assert first == datetime(2026, 3, 9, 10, 0)
    assert rule.next_after(first) == datetime(2026, 3, 23, 10, 0)
    _, monthly = first_occurrence(parse_recurrence("first monday of the month at 11"),
                                  datetime(2026, 3, 2, 9, 30, tzinfo=UTC), BERLIN)
    assert monthly == datetime(2026, 3, 2, 11, 0)


async def test_a_round_works_out_its_times_once_per_zone_not_once_per_person(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`invite` plans a person's DM and reminder from their zone alone, so thirty people in three zones cost
    three plans, not thirty; and each still gets the DM at their own 09:00 (a round of thousands spans a
    handful of zones: docs/benchmarks.md, "Pulse invitations at scale")."""
    from handlers.pulse import sending
    from tests.support.testbot import testbot

    calls = {"invite_due": 0, "reminder_due": 0}
    real_invite_due, real_reminder_due = sending.invite_due, sending.reminder_due

    def counted_invite_due(*args: Any, **kwargs: Any) -> datetime | None:
        calls["invite_due"] += 1
        return real_invite_due(*args, **kwargs)

    def counted_reminder_due(*args: Any, **kwargs: Any) -> datetime | None:
        calls["reminder_due"] += 1
        return real_reminder_due(*args, **kwargs)

    monkeypatch.setattr(sending, "invite_due", counted_invite_due)
    monkeypatch.setattr(sending, "reminder_due", counted_reminder_due)
    zones = ("Europe/Berlin", "America/New_York", "Asia/Tokyo")
    # Monday 2 March 2026, 06:00 UTC: 07:00 in Berlin, 01:00 in New York, 15:00 in Tokyo
    async with testbot(sqlite_url, start=datetime(2026, 3, 2, 6, 0, tzinfo=UTC)) as bot:
        people = bot.team({f"u{i}": zones[i % 3] for i in range(30)})
        bot.me = people[0]
        [posted] = await bot.command("pulse", "schedule every tuesday at 9am")
        assert "Pulse scheduled" in posted.text, posted.text
        by_zone = {zone: [p for i, p in enumerate(people) if zones[i % 3] == zone] for zone in zones}

        def invited(zone: str) -> set[int]:
            return {len([r for r in bot.dms(p) if r.form is not None and r.form.id == "pulse.answer"])
                    for p in by_zone[zone]}

        # Tuesday 09:00 in each zone: Tokyo 00:00 UTC, Berlin 08:00 UTC, New York (EST) 14:00 UTC
        for zone, due in (("Asia/Tokyo", datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),
                          ("Europe/Berlin", datetime(2026, 3, 3, 8, 0, tzinfo=UTC)),
                          ("America/New_York", datetime(2026, 3, 3, 14, 0, tzinfo=UTC))):
            await bot.at(due - timedelta(minutes=1))
            assert invited(zone) == {0}, zone
            await bot.at(due)
            assert invited(zone) == {1}, zone
        assert calls["invite_due"] == 3 and calls["reminder_due"] == 3, calls
