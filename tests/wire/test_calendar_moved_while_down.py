"""An event moved in its calendar while the bot was down gets no nudge for its old time.

After a restart the outbox runs within a second, the look for due feeds only after CALENDARS_EVERY: before,
the T-1h row of the old 10:00 start went out ("No agenda, no meeting … today 10:00 CET") before the feed
was read and showed 14:00. Now a calendar meeting's nudge waits while its feed is due to be read. Real signed
Slack requests through Bolt, the fake Slack API and the ICS feed server, on the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.harness import running
from tests.support.meetings_helpers import at, command, post_texts, team

OLD = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # Wednesday 10:00 CET
NEW = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)  # Wednesday 14:00 CET


def feed(start: str, end: str) -> bytes:
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
        "BEGIN:VEVENT", "UID:review@test", "DTSTAMP:20260301T000000Z",
        f"DTSTART;TZID=Europe/Berlin:{start}", f"DTEND;TZID=Europe/Berlin:{end}",
        "SUMMARY:Design review", "END:VEVENT", "END:VCALENDAR", ""]).encode()


@pytest.mark.parametrize("back_before", [55, 45, 20], ids=lambda m: f"back_{m}m_before")
async def test_an_event_moved_while_the_bot_was_down_gets_no_nudge_for_its_old_time(db_url: str, feeds: FeedServer,
                                                                                    back_before: int) -> None:
    """Back 5, 15 or 40 minutes after the old time's T-1h nudge fell due: however long the feed has been
    overdue, nobody read it while the bot was down."""
    feeds.feeds["team.ics"] = Served(feed("20260304T100000", "20260304T110000"))
    async with running(db_url, calendar_allow_private=True) as bot:  # Monday 2 March 09:00 UTC
        team(bot)
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")
    feeds.feeds["team.ics"] = Served(feed("20260304T140000", "20260304T150000"))  # moved to 14:00 meanwhile
    async with running(db_url, calendar_allow_private=True, start=OLD - timedelta(minutes=back_before)) as bot:
        team(bot)
        # what `steadybot serve` does first after a restart: the outbox tick runs after 1 s, the calendar
        # look after CALENDARS_EVERY (30 s)
        await bot.runtime.worker.drain()
        assert [t for t in post_texts(bot) if "Design review" in t] == []
        await at(bot, bot.clock.now() + timedelta(seconds=30))  # the look reads the feed: the meeting moves
        await at(bot, OLD + timedelta(minutes=1))
        assert [t for t in post_texts(bot) if "Design review" in t] == []
        await at(bot, NEW - timedelta(hours=1))
        flags = [t for t in post_texts(bot) if "No agenda, no meeting" in t]
        assert len(flags) == 1 and "14:00" in flags[0], flags


async def test_a_feed_that_cannot_be_read_holds_its_nudges_only_until_the_read_failed(sqlite_url: str,
                                                                                        feeds: FeedServer) -> None:
    """The calendar answers 503 after the restart: the nudge waits for that one read, then goes out for the
    time steadybot knows (its meetings stay as they were while a feed fails)."""
    feeds.feeds["team.ics"] = Served(feed("20260304T100000", "20260304T110000"))
    async with running(sqlite_url, calendar_allow_private=True) as bot:
        team(bot)
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")
    feeds.feeds["team.ics"] = Served(b"down", status=503)
    async with running(sqlite_url, calendar_allow_private=True, start=OLD - timedelta(minutes=55)) as bot:
        team(bot)
        await bot.runtime.worker.drain()
        assert [t for t in post_texts(bot) if "No agenda, no meeting" in t] == []
        await at(bot, bot.clock.now() + timedelta(seconds=30))  # the look: the read fails, retried later
        flags = [t for t in post_texts(bot) if "No agenda, no meeting" in t]
        assert len(flags) == 1 and "10:00" in flags[0], flags


async def test_a_feed_whose_read_never_ends_holds_its_nudges_only_until_the_reads_lease_runs_out(
        sqlite_url: str, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-review: a read that begins and never ends (its replica died, the database failed mid-read) keeps the
    feed overdue. Each nudge waited to the meeting's start, and at 10:00 the channel got the T-2h and T-1h
    nudges at once, "in 1 minute", beside the start post. Now a read whose lease ran out holds nothing: the
    nudges go out for the time steadybot knows, and none is sent once the meeting started."""
    from handlers.core.errors import StorageUnavailable
    from handlers.meetings import calendar_sync

    feeds.feeds["team.ics"] = Served(feed("20260304T100000", "20260304T110000"))
    async with running(sqlite_url, calendar_allow_private=True) as bot:
        team(bot)
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")

    async def crash(*args: object, **kwargs: object) -> None:
        raise StorageUnavailable("the database went away mid-read")

    monkeypatch.setattr(calendar_sync, "read", crash)
    async with running(sqlite_url, calendar_allow_private=True, start=OLD - timedelta(hours=2)) as bot:
        team(bot)
        seen: list[tuple[datetime, str]] = []
        moment = bot.clock.now()
        while moment < OLD + timedelta(minutes=2):
            before = len(post_texts(bot))
            await at(bot, moment)
            seen += [(moment, text) for text in post_texts(bot)[before:] if "Design review" in text]
            moment += timedelta(seconds=30)
        flags = [(when, text) for when, text in seen if "No agenda, no meeting" in text]
        assert len(flags) == 1 and flags[0][0] < OLD - timedelta(minutes=50), seen  # the T-1h, near its time
        assert not [text for when, text in seen if when >= OLD and not text.startswith("▶️")], seen
        assert not [text for _, text in seen if "in 1 minute" in text], seen
