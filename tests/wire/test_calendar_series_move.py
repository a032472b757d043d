"""Moving a whole calendar series (Outlook/Google "all events": same UID, SEQUENCE bumped) moves the channel's
meetings: the agenda the team added with `/agenda add` stays, and the nudges follow the new time.

Before, every occurrence's RECURRENCE-ID changed with the move, so each meeting was cancelled and a new one
without its agenda was made, and at T-1h the channel got "No agenda, no meeting" for the new time. Real
signed Slack requests through Bolt, the fake Slack API and the ICS feed server, on the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.types import Platform
from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.harness import running
from tests.support.meetings_helpers import at, command, post_texts, team

OLD_START = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # Wednesday 10:00 CET
NEW_START = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)  # Wednesday 10:30 CET, after the series moved


def feed(start: str, end: str, sequence: int = 0, *, uid: str = "standup-series@test",
         rule: str = "FREQ=WEEKLY", summary: str = "Design sync") -> bytes:
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
        "BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260301T000000Z", f"SEQUENCE:{sequence}",
        f"DTSTART;TZID=Europe/Berlin:{start}", f"DTEND;TZID=Europe/Berlin:{end}", f"RRULE:{rule}",
        f"SUMMARY:{summary}", "END:VEVENT", "END:VCALENDAR", ""]).encode()


async def test_moving_a_whole_series_keeps_the_agenda_the_team_added(db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:  # Monday 2 March 09:00 UTC
        team(bot)
        feeds.feeds["team.ics"] = Served(feed("20260304T100000", "20260304T103000"))
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")
        await command(bot, "/agenda", "add Decide on the login flow 10m")
        [before] = [m for m in await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 50)
                    if m.starts_at == OLD_START]
        assert [i.text for i in await bot.runtime.store.meetings.agenda(before.id)] == ["Decide on the login flow"]
        # the organiser moves the whole series half an hour later
        feeds.feeds["team.ics"] = Served(feed("20260304T103000", "20260304T110000", sequence=1))
        await at(bot, bot.clock.now() + timedelta(minutes=11))
        upcoming = await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 50)
        first = [m for m in upcoming if m.starts_at == NEW_START]
        assert first, upcoming
        assert first[0].id == before.id  # the same meeting, moved
        assert [m.starts_at for m in upcoming] == [NEW_START, NEW_START + timedelta(days=7)], upcoming
        agenda = await bot.runtime.store.meetings.agenda(first[0].id)
        await at(bot, NEW_START - timedelta(hours=1))
        flags = [t for t in post_texts(bot) if "No agenda, no meeting" in t]
        assert [i.text for i in agenda] == ["Decide on the login flow"] and flags == [], (agenda, flags)


async def test_a_moved_series_is_nudged_at_its_new_time_only(sqlite_url: str, feeds: FeedServer) -> None:
    """Without an agenda, T-1h of the moved series goes out once, for 10:30 — none for the old 10:00."""
    async with running(sqlite_url, calendar_allow_private=True) as bot:
        team(bot)
        feeds.feeds["team.ics"] = Served(feed("20260304T100000", "20260304T103000"))
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")
        feeds.feeds["team.ics"] = Served(feed("20260304T103000", "20260304T110000", sequence=1))
        await at(bot, bot.clock.now() + timedelta(minutes=11))
        await at(bot, OLD_START - timedelta(hours=1))
        assert [t for t in post_texts(bot) if "No agenda, no meeting" in t] == []
        await at(bot, NEW_START - timedelta(hours=1))
        flags = [t for t in post_texts(bot) if "No agenda, no meeting" in t]
        assert len(flags) == 1 and "10:30" in flags[0], flags


async def test_a_series_moved_there_and_back_keeps_its_meetings(db_url: str, feeds: FeedServer) -> None:
    """10:00 → 10:30 → 10:00: still the same meetings, the agenda still there."""
    async with running(db_url, calendar_allow_private=True) as bot:
        team(bot)
        feeds.feeds["team.ics"] = Served(feed("20260304T100000", "20260304T103000"))
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")
        await command(bot, "/agenda", "add Decide on the login flow 10m")
        ids = [m.id for m in await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 50)]
        for sequence, (start, end) in enumerate([("103000", "110000"), ("100000", "103000")], 1):
            feeds.feeds["team.ics"] = Served(feed(f"20260304T{start}", f"20260304T{end}", sequence=sequence))
            await at(bot, bot.clock.now() + timedelta(minutes=11))
        upcoming = await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 50)
        assert [m.id for m in upcoming] == ids and upcoming[0].starts_at == OLD_START, upcoming
        assert [i.text for i in await bot.runtime.store.meetings.agenda(upcoming[0].id)] == ["Decide on the login flow"]
        await at(bot, OLD_START - timedelta(hours=1))
        assert [t for t in post_texts(bot) if "No agenda, no meeting" in t] == []


def daily(start: str, end: str, sequence: int = 0) -> bytes:
    return feed(start, end, sequence, uid="late-sync@test", rule="FREQ=DAILY;COUNT=5", summary="Ops handover")


async def test_a_daily_series_moved_across_midnight_keeps_each_meeting_on_its_own_night(
        sqlite_url: str, feeds: FeedServer) -> None:
    """Re-review: a daily 23:45 CET series moved to 00:15 paired each meeting with the next day's occurrence
    on the same date (23.5 hours earlier) rather than with its own, 30 minutes later: the agenda went to the
    wrong night and the first meeting was cancelled. A whole series moves by one shift; pairs at that shift
    come first."""
    async with running(sqlite_url, calendar_allow_private=True) as bot:  # Monday 2 March 09:00 UTC
        team(bot)
        feeds.feeds["team.ics"] = Served(daily("20260304T234500", "20260305T000000"))
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")
        await command(bot, "/agenda", "add Handover of the pager 10m")  # to the next meeting: Wed 23:45
        store = bot.runtime.store.meetings
        before = sorted(await store.upcoming(Platform.SLACK, "C1", bot.clock.now(), 50), key=lambda m: m.starts_at)
        assert before[0].starts_at == datetime(2026, 3, 4, 22, 45, tzinfo=UTC) and len(before) == 5
        feeds.feeds["team.ics"] = Served(daily("20260305T001500", "20260305T003000", sequence=1))
        await at(bot, bot.clock.now() + timedelta(minutes=11))
        after = sorted(await store.upcoming(Platform.SLACK, "C1", bot.clock.now(), 50), key=lambda m: m.starts_at)
        assert [m.id for m in after] == [m.id for m in before]  # the same five meetings, none new
        assert all(b.starts_at + timedelta(minutes=30) == a.starts_at for b, a in zip(before, after, strict=True))
        assert [i.text for i in await store.agenda(after[0].id)] == ["Handover of the pager"]
