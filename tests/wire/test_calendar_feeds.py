"""Calendar feeds end to end: `/meeting calendar` through Slack's real wire, a real feed served over HTTP by
a local server, the clock moved to each nudge, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar

from handlers.core.types import Platform
from handlers.meetings.ports import CANCELLED, SCHEDULED, Meeting
from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.harness import Harness, running
from tests.support.meetings_helpers import at, command, ephemeral, post_texts, posts, team, text_of

DATA = Path(__file__).resolve().parents[1] / "data" / "calendars"
GOOGLE = (DATA / "google_team.ics").read_bytes()
OUTLOOK = (DATA / "outlook_team.ics").read_bytes()
STANDUP_MOVED = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 11:00 Berlin, the override of the 9 March standup
PLANNING = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # 14:00 Berlin, with an agenda in its description

async def _get(bot: Harness, meeting_id: int) -> Meeting:
    meeting = await bot.runtime.store.meetings.get(meeting_id)
    assert meeting is not None
    return meeting



async def _meetings(bot: Harness) -> list:
    return await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 50)


async def _connect(bot: Harness, feeds: FeedServer, body: bytes = GOOGLE, name: str = "team.ics") -> str:
    team(bot)
    feeds.feeds[name] = Served(body)
    await command(bot, "/meeting", f"calendar {feeds.url(name)}")
    return post_texts(bot)[-1]


async def test_a_feed_brings_its_meetings_with_their_agendas_and_nudges(db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        said = await _connect(bot, feeds)
        assert f"Ana connected a calendar (*127.0.0.1:{feeds.port}*)" in said
        assert "2 meetings in the next 14 days" in said
        assert "Weekly standup (moved)" in said and "Sprint planning" in said
        assert "/team.ics" not in said  # the address is a secret: only its host is shown
        meetings = await _meetings(bot)
        assert [(m.title, m.starts_at, m.duration_minutes, m.tz) for m in meetings] == [
            ("Weekly standup (moved)", STANDUP_MOVED, 15, "Europe/Berlin"),
            ("Sprint planning", PLANNING, 60, "Europe/Berlin"),
        ]
        agenda = await bot.runtime.store.meetings.agenda(meetings[1].id)
        assert [(i.text, i.minutes) for i in agenda] == [("Sprint goal", 10), ("Capacity and holidays", 5),
                                                          ("Pick the stories & estimate", 30)]
        listing = await ephemeral(bot, "/meeting", "calendar")
        assert "1." in listing and "synced just now" in listing and "Sprint planning" in listing
        assert "agenda ✓" in listing and "no agenda yet" in listing

        await at(bot, bot.clock.now() + timedelta(minutes=10))  # the refresh: a conditional GET, 304
        assert feeds.hits("team.ics") == 2 and feeds.not_modified("team.ics") == 1
        assert "If-None-Match" in feeds.requests[-1][1]

        before = len(posts(bot))
        await at(bot, STANDUP_MOVED - timedelta(days=3))  # T-24h (Sunday) moved to Friday, same time of day
        nudges = post_texts(bot)[before:]
        assert len(nudges) == 1 and "Weekly standup (moved)" in nudges[0] and "on Mon 9 Mar 11:00 CET" in nudges[0]
        await at(bot, PLANNING - timedelta(hours=1))  # the planning has an agenda: never flagged
        assert not any("Sprint planning" in t and "agenda" in t.lower() and "no agenda" in t.lower()
                       for t in post_texts(bot)[before:])
        assert feeds.hits("team.ics") == 4  # one fetch per jump of the clock (each read in full: 12 h passed)


async def test_a_moved_occurrence_moves_its_nudges_and_a_cancelled_one_goes_quietly(db_url: str,
                                                                                     feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        await _connect(bot, feeds)
        standup, planning = await _meetings(bot)
        # the planning moves an hour later, the moved standup is cancelled in the calendar
        moved = (GOOGLE.replace(b"DTSTART;TZID=Europe/Berlin:20260310T140000", b"DTSTART;TZID=Europe/Berlin:20260310T150000")
                 .replace(b"DTEND;TZID=Europe/Berlin:20260310T150000", b"DTEND;TZID=Europe/Berlin:20260310T160000")
                 .replace(b"SUMMARY:Weekly standup (moved)", b"STATUS:CANCELLED\r\nSUMMARY:Weekly standup (moved)"))
        moved = moved.replace(b"SEQUENCE:1\r\nSTATUS:CONFIRMED\r\nSTATUS:CANCELLED", b"SEQUENCE:2\r\nSTATUS:CANCELLED")
        feeds.feeds["team.ics"] = Served(moved)
        before = len(posts(bot))
        await at(bot, bot.clock.now() + timedelta(minutes=11))
        assert len(posts(bot)) == before  # nothing said in the channel
        assert (await _get(bot, standup.id)).status == CANCELLED
        again = await _get(bot, planning.id)
        assert again.status == SCHEDULED and again.starts_at == PLANNING + timedelta(hours=1)
        # the cancelled standup's nudge never comes; the planning's start post comes at its new time
        await at(bot, STANDUP_MOVED - timedelta(hours=24))
        await at(bot, PLANNING)
        assert len(posts(bot)) == before
        await at(bot, PLANNING + timedelta(hours=1))
        started = [t for t in post_texts(bot)[before:] if "starts now" in t]
        assert len(started) == 1 and "Sprint planning" in started[0] and "Sprint goal" in started[0]


async def test_a_vanished_event_cancels_its_meeting_and_removing_the_feed_drops_the_rest(db_url: str,
                                                                                       feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        await _connect(bot, feeds)
        standup, planning = await _meetings(bot)
        start = GOOGLE.index(b"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Berlin:20260310T140000")
        end = GOOGLE.index(b"END:VEVENT\r\n", start) + len(b"END:VEVENT\r\n")
        feeds.feeds["team.ics"] = Served(GOOGLE[:start] + GOOGLE[end:])
        await at(bot, bot.clock.now() + timedelta(minutes=11))
        assert (await _get(bot, planning.id)).status == CANCELLED
        assert (await _get(bot, standup.id)).status == SCHEDULED

        refused = await ephemeral(bot, "/meeting", "calendar remove 1", user="U2")
        assert "Only the channel's owner or an admin" in refused
        await command(bot, "/meeting", "calendar remove 1")
        assert "disconnected the calendar" in post_texts(bot)[-1] and "1 upcoming meeting" in post_texts(bot)[-1]
        assert (await _get(bot, standup.id)).status == CANCELLED
        assert "follows no calendar" in await ephemeral(bot, "/meeting", "calendar")
        hits = feeds.hits("team.ics")
        await at(bot, bot.clock.now() + timedelta(hours=2))
        assert feeds.hits("team.ics") == hits  # not fetched any more


async def test_bad_addresses_get_a_clear_answer_and_nothing_is_added(sqlite_url: str, feeds: FeedServer) -> None:
    async with running(sqlite_url, calendar_allow_private=True) as bot:
        team(bot)
        feeds.feeds["page.html"] = Served(b"<!doctype html><html><body>Sign in</body></html>", content_type="text/html")
        cases = {
            feeds.url("missing.ics"): "wasn't found (HTTP 404)",
            feeds.url("page.html"): "isn't an iCalendar feed",
            "ftp://example.com/cal.ics": "isn't an http(s) address",
            "http://169.254.169.254/latest/meta-data/": "link-local",
        }
        for url, reason in cases.items():
            said = await ephemeral(bot, "/meeting", f"calendar {url}")
            assert reason in said, said
        assert "Only the channel's owner or an admin" in await ephemeral(bot, "/meeting", f"calendar {feeds.url('x.ics')}", user="U2")
        assert "follows no calendar" in await ephemeral(bot, "/meeting", "calendar")
    async with running(sqlite_url) as strict:  # private addresses refused by default
        team(strict)
        feeds.feeds["team.ics"] = Served(GOOGLE)
        said = await ephemeral(strict, "/meeting", f"calendar {feeds.url('team.ics')}")
        assert "loopback" in said and feeds.hits("team.ics") == 0


async def test_a_failing_feed_is_reported_once_retried_with_backoff_and_spares_the_others(
        db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        await _connect(bot, feeds)
        feeds.feeds["other.ics"] = Served(OUTLOOK)
        await command(bot, "/meeting", f"calendar {feeds.url('other.ics')}")
        del feeds.feeds["team.ics"]  # the address was reset: 404 from now on
        store = bot.runtime.store.calendar
        times: list[datetime] = []
        for _ in range(4):
            feed = (await store.feeds(Platform.SLACK, "C1"))[0]
            assert feed.next_fetch_at is not None
            await at(bot, feed.next_fetch_at)
            times.append(bot.clock.now())
        dms = [text_of(p) for p in posts(bot, "U1")]
        assert len(dms) == 1 and "wasn't found (HTTP 404)" in dms[0] and "/team.ics" not in dms[0]
        feed, other = await store.feeds(Platform.SLACK, "C1")
        assert feed.failures == 4 and feed.error_reported and other.failures == 0
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert gaps[1] > gaps[0] * 1.5 and gaps[2] > gaps[1] * 1.5  # backing off
        assert other.last_sync_at is not None and other.last_sync_at > times[0]  # the other feed kept syncing
        listing = await ephemeral(bot, "/meeting", "calendar")
        assert "failing" in listing and "wasn't found" in listing
        # the meetings it brought stay as they were
        assert any(m.title == "Sprint planning" for m in await _meetings(bot))
        # and an operator sees it on /metrics: one feed failing, the oldest good sync as old as the outage
        scraped = await (await bot.client.get("/metrics")).text()
        assert 'steadybot_calendar_feeds{state="failing"} 1.0' in scraped
        assert 'steadybot_calendar_feeds{state="ok"} 1.0' in scraped
        age = next(float(line.split()[-1]) for line in scraped.splitlines()
                   if line.startswith("steadybot_calendar_oldest_sync_seconds "))
        assert age >= (bot.clock.now() - times[0]).total_seconds()


async def test_two_replicas_fetch_each_feed_once(db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as one, \
            running(db_url, calendar_allow_private=True, clock=one.clock) as two:
        team(one)
        for n in range(6):
            feeds.feeds[f"f{n}.ics"] = Served(GOOGLE.replace(b"@google.com", f"-{n}@google.com".encode()),
                                              delay=0.05)
            await command(one, "/meeting", f"calendar {feeds.url(f'f{n}.ics')}")
        assert all(feeds.hits(f"f{n}.ics") == 1 for n in range(6))
        one.clock.set(one.clock.now() + timedelta(minutes=11))
        await asyncio.gather(one.runtime.scheduler.run_all_once(), two.runtime.scheduler.run_all_once())
        assert [feeds.hits(f"f{n}.ics") for n in range(6)] == [2] * 6
        assert len(await _meetings(one)) == 12  # no meeting twice


async def test_across_the_dst_change_a_weekly_0930_stays_0930_and_its_nudges_move(db_url: str,
                                                                                    feeds: FeedServer) -> None:
    before_change = datetime(2026, 3, 23, 8, 30, tzinfo=UTC)  # Monday 09:30 CET
    after_change = datetime(2026, 3, 30, 7, 30, tzinfo=UTC)  # Monday 09:30 CEST (clocks went forward on 29 March)
    async with running(db_url, calendar_allow_private=True, start=datetime(2026, 3, 20, 9, 0, tzinfo=UTC)) as bot:
        await _connect(bot, feeds)
        standups = [m for m in await _meetings(bot) if m.title == "Weekly standup"]
        assert [m.starts_at for m in standups] == [before_change, after_change]
        # T-24h of a Monday is on Sunday: moved to Friday 09:30 (for the 23rd: before the feed was connected,
        # dropped); T-2h (07:30, quiet hours) → Friday 19:59 CET
        await at(bot, datetime(2026, 3, 20, 18, 59, tzinfo=UTC))
        assert "on Mon 23 Mar 09:30 CET" in post_texts(bot)[-1]
        fri = datetime(2026, 3, 27, 8, 30, tzinfo=UTC)  # Friday 09:30 CET; Sunday's 09:30 CEST was 07:30 UTC
        await at(bot, fri - timedelta(seconds=1))
        count = len(posts(bot))
        await at(bot, fri)
        assert len(posts(bot)) == count + 1
        assert "on Mon 30 Mar 09:30 CEST" in post_texts(bot)[-1]
        due = [c for c in bot.slack.calls_to("chat.postMessage") if "on Mon 30 Mar 09:30 CEST" in text_of(c.params)]
        assert len(due) == 1


async def test_outlook_feed_across_the_us_change(sqlite_url: str, feeds: FeedServer) -> None:
    async with running(sqlite_url, calendar_allow_private=True) as bot:
        await _connect(bot, feeds, OUTLOOK, "outlook.ics")
        reviews = [m for m in await _meetings(bot) if m.title == "Design review"]
        assert [m.starts_at.hour for m in reviews] == [14, 13]  # 09:30 EST, then 09:30 EDT
        assert {m.tz for m in reviews} == {"America/New_York"}
        sync = next(m for m in await _meetings(bot) if m.title == "Architecture sync")
        assert len(await bot.runtime.store.meetings.agenda(sync.id)) == 2


async def test_a_moved_meeting_without_agenda_is_nudged_at_its_new_time_only(db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        await _connect(bot, feeds)
        # the moved standup (11:00 Berlin on 9 March) moves again, to 15:00
        feeds.feeds["team.ics"] = Served(GOOGLE.replace(b"DTSTART;TZID=Europe/Berlin:20260309T110000",
                                                        b"DTSTART;TZID=Europe/Berlin:20260309T150000")
                                         .replace(b"DTEND;TZID=Europe/Berlin:20260309T111500",
                                                  b"DTEND;TZID=Europe/Berlin:20260309T151500"))
        await at(bot, bot.clock.now() + timedelta(minutes=10))
        new_start = STANDUP_MOVED + timedelta(hours=4)
        [standup] = [m for m in await _meetings(bot) if m.title == "Weekly standup (moved)"]
        assert standup.starts_at == new_start
        before = len(posts(bot))
        await at(bot, STANDUP_MOVED - timedelta(days=3))  # the old T-24h (moved off Sunday): nothing
        assert len(posts(bot)) == before
        await at(bot, new_start - timedelta(days=3))
        assert len(posts(bot)) == before + 1 and "has no agenda yet" in post_texts(bot)[-1]
        assert "on Mon 9 Mar 15:00 CET" in post_texts(bot)[-1]
        await at(bot, new_start - timedelta(hours=1))
        assert sum("No agenda, no meeting" in t for t in post_texts(bot)) == 1
        assert len(posts(bot, "U1")) == 1  # Ana, who added the feed, is the organiser


PROSE_AGENDA = "We'll review the Q3 numbers and decide whether to open the second hiring slot."
INVITED = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


def _invitation_feed() -> bytes:
    """Two events at the same time: one whose description is a prose paragraph above a real Zoom invitation,
    one with the invitation only (tests/data/calendars/invitations/PROVENANCE.md)."""
    zoom = (DATA / "invitations" / "zoom_compass.txt").read_text(encoding="utf-8")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Google Inc//Google Calendar 70.9054//EN")
    cal.add("version", "2.0")
    for uid, title, text in (("prose@test", "Q3 review", f"{PROSE_AGENDA}\n\n{zoom}"),
                             ("zoom-only@test", "Vendor sync", zoom)):
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("summary", title)
        event.add("dtstamp", datetime(2026, 3, 1, tzinfo=UTC))
        event.add("dtstart", INVITED)
        event.add("dtend", INVITED + timedelta(minutes=30))
        event.add("description", text)
        cal.add_component(event)
    return cal.to_ical()


async def test_a_prose_description_is_an_agenda_and_an_invitation_alone_is_not(db_url: str,
                                                                               feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        await _connect(bot, feeds, _invitation_feed(), "invited.ics")
        by_title = {m.title: m for m in await _meetings(bot)}
        agenda = await bot.runtime.store.meetings.agenda(by_title["Q3 review"].id)
        assert [(i.text, i.minutes) for i in agenda] == [(PROSE_AGENDA, None)]
        assert await bot.runtime.store.meetings.agenda(by_title["Vendor sync"].id) == []
        before = len(posts(bot))
        for ahead in (24, 2, 1):
            await at(bot, INVITED - timedelta(hours=ahead))
        said = post_texts(bot)[before:]
        assert not any("Q3 review" in t for t in said)  # never nudged, never "no agenda, no meeting"
        vendor = [t for t in said if "Vendor sync" in t]
        assert any("in 24 hours" in t for t in vendor) and any("in 2 hours" in t for t in vendor)
        assert sum("No agenda, no meeting" in t for t in vendor) == 1
