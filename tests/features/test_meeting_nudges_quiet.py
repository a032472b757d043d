"""Meeting nudges keep off the organiser's weekend, the channel's quiet hours (in the organiser's zone) and the
channel's holidays: a nudge due then moves earlier, to the last allowed moment before it, and one that would
then go out before it was queued, or not after an earlier stage's nudge, is dropped. DST included: the US
changes on Sunday 8 Mar 2026, between the QA team's Friday registration and Ben's Monday call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.core.allowed import WEEKEND, allowed_until, is_quiet, last_allowed
from handlers.core.types import Platform
from handlers.meetings.ports import SCHEDULED, Meeting
from handlers.meetings.schedule import Allowed, outbox_items
from tests.support.testbot import ANA, BEN, TestBot, testbot

FRIDAY = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # 15:00 in Berlin, 09:00 in New York
KICKOFF = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 CET (Ana)
EARLY = datetime(2026, 3, 9, 11, 30, tzinfo=UTC)  # Monday 07:30 EDT (Ben), the day after the US change


@pytest.fixture
async def friday(sqlite_url: str) -> AsyncIterator[TestBot]:
    async with testbot(sqlite_url, start=FRIDAY) as harness:
        yield harness
QUIET = (time(20, 0), time(8, 0))
BERLIN_TZ = ZoneInfo("Europe/Berlin")
NEW_YORK_TZ = ZoneInfo("America/New_York")


async def test_the_qa_weekend_is_quiet_and_monday_morning_too(friday: TestBot) -> None:
    bot = friday
    await bot.command("meeting", "Kickoff monday 9am")
    await bot.command("meeting", "Early call monday 7:30am", as_=BEN)
    before = len(bot.sent)

    # Kickoff's T-24h (Sunday 09:00) would be Friday 09:00, before it was registered: dropped. Its T-2h
    # (Monday 07:00, quiet) moves to the last allowed minute before the quiet hours: Friday 19:59 CET.
    await bot.at(datetime(2026, 3, 6, 18, 58, tzinfo=UTC))
    assert len(bot.sent) == before
    await bot.at(datetime(2026, 3, 6, 18, 59, tzinfo=UTC))
    [ask] = bot.sent[before:]
    assert "**Kickoff**" in ask.reply.text and "Ana, what should it achieve?" in ask.reply.text
    assert "in 2 hours" not in ask.reply.text and "on Mon 9 Mar 09:00 CET" in ask.reply.text

    # Ben's T-24h (Sunday 07:30 EDT, in Saturday night's quiet hours) → Friday 19:59 EST = Saturday 00:59 UTC;
    # his T-2h and T-1h would land on that same minute: dropped, not doubled.
    await bot.at(datetime(2026, 3, 7, 0, 58, tzinfo=UTC))
    assert len(bot.sent) == before + 1
    await bot.at(datetime(2026, 3, 7, 0, 59, tzinfo=UTC))
    [ben_ask] = bot.sent[before + 1:]
    assert "**Early call**" in ben_ask.reply.text and "Ben, what should it achieve?" in ben_ask.reply.text
    assert "on Mon 9 Mar 07:30 EDT" in ben_ask.reply.text  # the zone's name after the change

    # The whole weekend and Monday before 08:00 CET: nothing.
    for moment in (datetime(2026, 3, 8, 8, 0, tzinfo=UTC), datetime(2026, 3, 8, 11, 30, tzinfo=UTC),
                   datetime(2026, 3, 9, 6, 59, tzinfo=UTC)):
        await bot.at(moment)
        assert len(bot.sent) == before + 2, [s.reply.text[:60] for s in bot.sent[before + 2:]]

    # Kickoff's T-1h is Monday 08:00 CET, the end of the quiet hours: the channel's flag and Ana's message.
    await bot.at(datetime(2026, 3, 9, 7, 0, tzinfo=UTC))
    assert [s.at for s in bot.sent[before + 2:]] == [datetime(2026, 3, 9, 7, 0, tzinfo=UTC)] * 2
    assert len(bot.dms(ANA)) == 1 and "**Kickoff**" in bot.dms(ANA)[0].text

    # Ben: nothing in the channel at 05:30 EDT, no private message at 06:30 EDT.
    await bot.at(EARLY - timedelta(minutes=1))
    early = [s for s in bot.sent if "**Early call**" in s.reply.text]
    assert [s.at for s in early] == [datetime(2026, 3, 7, 0, 59, tzinfo=UTC)]
    assert bot.dms(BEN) == []


async def test_registered_on_thursday_the_kickoff_is_asked_about_on_friday_morning(sqlite_url: str) -> None:
    async with testbot(sqlite_url, start=FRIDAY - timedelta(days=1)) as bot:
        await bot.command("meeting", "Kickoff monday 9am")
        before = len(bot.sent)
        await bot.at(datetime(2026, 3, 6, 7, 59, tzinfo=UTC))
        assert len(bot.sent) == before
        await bot.at(datetime(2026, 3, 6, 8, 0, tzinfo=UTC))  # T-24h: Sunday 09:00 → Friday 09:00 CET
        [ask] = bot.sent[before:]
        assert "**Kickoff** is on Mon 9 Mar 09:00 CET and has no agenda yet" in ask.reply.text


async def test_a_moved_nudge_that_comes_due_late_into_quiet_hours_is_dropped(sqlite_url: str) -> None:
    async with testbot(sqlite_url, start=FRIDAY - timedelta(days=1)) as bot:
        await bot.command("meeting", "Kickoff monday 9am")
        before = len(bot.sent)
        # the bot was down from Friday morning: at 20:30 CET the T-24h (09:00, 22 hours' window) and the T-2h
        # (19:59, an hour's window) are both still within their windows, but it is the quiet hours now
        await bot.at(datetime(2026, 3, 6, 19, 30, tzinfo=UTC))
        assert bot.sent[before:] == []


async def test_rows_queued_before_are_not_rewritten(sqlite_url: str) -> None:
    async with testbot(sqlite_url, start=FRIDAY) as bot:
        await bot.command("meeting", "Early call monday 7:30am", as_=BEN)
        [meeting] = await bot.runtime.store.meetings.upcoming(Platform.DEMO, "C-TEAM", FRIDAY, 5)
        await bot.runtime.outbox.cancel(f"meeting:{meeting.id}:")
        # a row as it was queued before nudges kept off quiet hours (T-24h on Sunday 07:30 EDT, as QA got it),
        # under a calendar version so its key is new; planning again with the same key keeps that row as it is
        old = [i for i in outbox_items(meeting, FRIDAY, "v1") if (i.dedupe_key or "").endswith(":t24@v1")]
        await bot.runtime.outbox.enqueue(old)
        again = [i for i in outbox_items(meeting, FRIDAY, "v1", Allowed(QUIET))
                 if (i.dedupe_key or "").endswith(":t24@v1")]
        assert [i.due_at for i in again] == [datetime(2026, 3, 7, 0, 59, tzinfo=UTC)]  # planned now: Friday
        await bot.runtime.outbox.enqueue(again)
        await bot.at(datetime(2026, 3, 8, 11, 29, tzinfo=UTC))
        assert [s.at for s in bot.sent if "**Early call**" in s.reply.text] == []
        await bot.at(datetime(2026, 3, 8, 11, 30, tzinfo=UTC))
        [sent] = [s for s in bot.sent if "**Early call**" in s.reply.text]
        assert "in 24 hours" in sent.reply.text


# ---- the pure rules ------------------------------------------------------------------------------------------
def _meeting(starts_at: datetime, tz: str, organiser: str = "U1") -> Meeting:
    return Meeting(7, Platform.DEMO, "C1", "T1", "Standup", organiser, "Ana", tz, starts_at, 30,
                   starts_at + timedelta(minutes=30), 0, SCHEDULED)


def _dues(meeting: Meeting, now: datetime, allowed: Allowed | None) -> dict[str, datetime]:
    return {(i.dedupe_key or "").split(":")[2]: i.due_at for i in outbox_items(meeting, now, allowed=allowed)}


def test_planned_nudges_of_the_qa_meetings() -> None:
    kickoff = _meeting(KICKOFF, "Europe/Berlin")
    assert _dues(kickoff, FRIDAY, Allowed(QUIET)) == {
        # t24 → Friday 09:00, before it was registered: dropped
        "t2": datetime(2026, 3, 6, 18, 59, tzinfo=UTC), "q2": datetime(2026, 3, 6, 18, 59, tzinfo=UTC),
        "t1": datetime(2026, 3, 9, 7, 0, tzinfo=UTC), "t1dm": datetime(2026, 3, 9, 7, 0, tzinfo=UTC),
        "start": KICKOFF,
    }
    early = _meeting(EARLY, "America/New_York")
    # Sunday 07:30 EDT (after the change) → Friday 19:59 EST (before it): Saturday 00:59 UTC, an hour's
    # offset apart; the rest lands on that same minute and is dropped rather than doubled
    assert _dues(early, FRIDAY, Allowed(QUIET)) == {"t24": datetime(2026, 3, 7, 0, 59, tzinfo=UTC), "start": EARLY}
    # without rules (and for a Tuesday meeting inside working hours) nothing moves
    assert _dues(early, FRIDAY, None)["t2"] == EARLY - timedelta(hours=2)
    tuesday = _meeting(datetime(2026, 3, 10, 14, 0, tzinfo=UTC), "Europe/Berlin")
    assert _dues(tuesday, FRIDAY, Allowed(QUIET)) == _dues(tuesday, FRIDAY, None)


def test_the_private_message_keeps_off_quiet_hours_too() -> None:
    # Wednesday 08:30 in Berlin: T-1h is 07:30, quiet → Tuesday 19:59; T-2h (06:30) lands there first
    meeting = _meeting(datetime(2026, 3, 11, 7, 30, tzinfo=UTC), "Europe/Berlin")
    dues = _dues(meeting, FRIDAY, Allowed(QUIET))
    assert dues["t24"] == datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
    assert dues["t2"] == datetime(2026, 3, 10, 18, 59, tzinfo=UTC)
    assert "t1" not in dues and "t1dm" not in dues
    # with quiet hours 22:00–07:00 the T-1h and its private message stay where they were
    late = _dues(meeting, FRIDAY, Allowed((time(22), time(7))))
    assert late["t1dm"] == late["t1"] == meeting.starts_at - timedelta(hours=1)
    assert late["t2"] == datetime(2026, 3, 10, 20, 59, tzinfo=UTC)


def test_holidays_count_as_days_off() -> None:
    # Tuesday after Easter 2026 (DE: Good Friday 3 Apr, Easter Monday 6 Apr): T-24h → Thursday 2 Apr 09:00
    meeting = _meeting(datetime(2026, 4, 7, 7, 0, tzinfo=UTC), "Europe/Berlin")
    dues = _dues(meeting, FRIDAY, Allowed(QUIET, "DE"))
    assert dues["t24"] == datetime(2026, 4, 2, 7, 0, tzinfo=UTC)
    assert _dues(meeting, FRIDAY, Allowed(QUIET))["t24"] == datetime(2026, 4, 6, 7, 0, tzinfo=UTC)


def test_last_allowed_moves_back_out_of_quiet_hours_and_off_days() -> None:
    assert last_allowed(datetime(2026, 3, 8, 9, 0), *QUIET) == datetime(2026, 3, 6, 9, 0)  # Sunday → Friday
    assert last_allowed(datetime(2026, 3, 9, 7, 0), *QUIET) == datetime(2026, 3, 6, 19, 59)  # Monday early
    assert last_allowed(datetime(2026, 3, 7, 3, 0), *QUIET) == datetime(2026, 3, 6, 19, 59)  # Saturday night
    assert last_allowed(datetime(2026, 3, 10, 21, 0), *QUIET) == datetime(2026, 3, 10, 19, 59)
    assert last_allowed(datetime(2026, 3, 10, 12, 30), time(12), time(13)) == datetime(2026, 3, 10, 11, 59)
    assert last_allowed(datetime(2026, 3, 10, 8, 0), *QUIET) == datetime(2026, 3, 10, 8, 0)  # allowed: itself
    assert last_allowed(datetime(2026, 3, 10, 3, 0), time(0), time(0)) == datetime(2026, 3, 10, 3, 0)  # off


def test_allowed_until_across_dst_changes() -> None:
    # New York's autumn fold (Sunday 1 Nov 2026, 01:00–02:00 twice): the second 01:30 (quiet, on a Sunday)
    # → Friday 19:59 EDT
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert allowed_until(second, NEW_YORK_TZ, QUIET) == datetime(2026, 10, 30, 23, 59, tzinfo=UTC)
    # Cairo changes on a weekday. Fall-back: Thursday 29 Oct 2026 23:00–24:00 happens twice; Friday 00:10
    # with quiet hours from midnight → the *second* Thursday 23:59 (the first is an hour earlier)
    cairo = ZoneInfo("Africa/Cairo")
    assert allowed_until(datetime(2026, 10, 29, 22, 10, tzinfo=UTC), cairo, (time(0), time(6))) == \
        datetime(2026, 10, 29, 21, 59, tzinfo=UTC)
    # Spring-forward: Friday 24 Apr 2026 00:00–01:00 does not happen; quiet hours from 00:31 would put the
    # moment at 00:30, in the gap → the last minute before the change, Thursday 23:59 EET
    moved = allowed_until(datetime(2026, 4, 24, 3, 0, tzinfo=UTC), cairo, (time(0, 31), time(8)))
    assert moved == datetime(2026, 4, 23, 21, 59, tzinfo=UTC)
    tuesday = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert allowed_until(tuesday, NEW_YORK_TZ, QUIET) == tuesday


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
       st.sampled_from([BERLIN_TZ, NEW_YORK_TZ, ZoneInfo("Africa/Cairo"), ZoneInfo("Australia/Lord_Howe")]),
       st.sampled_from([QUIET, (time(22), time(7)), (time(12), time(13)), (time(0), time(0)),
                        (time(0, 31), time(8)), (time(1), time(3))]))
def test_allowed_until_is_never_later_and_always_allowed(naive: datetime, tz: ZoneInfo,
                                                          quiet: tuple[time, time]) -> None:
    moment = naive.replace(tzinfo=UTC)
    at = allowed_until(moment, tz, quiet)
    local = at.astimezone(tz)
    assert at <= moment
    assert local.weekday() not in WEEKEND and not is_quiet(local.time(), *quiet)
    assert moment - at < timedelta(days=4)
    mine = moment.astimezone(tz)
    if mine.weekday() not in WEEKEND and not is_quiet(mine.time(), *quiet):
        assert at == moment
