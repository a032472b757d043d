"""The calendar: an occurrence moved A → B → A. Its outbox keys carry its start, so back at A they are the
keys it had before the first move — rows that were cancelled by that move (or sent before it). Through
Slack's real wire and a real feed over HTTP, the clock moved to each nudge: every nudge still ahead of A goes
out at A exactly once, and a nudge that went out at A before the moves never goes out again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.harness import Harness, running
from tests.support.meetings_helpers import at, command, post_texts, team
from tests.wire.test_calendar_feeds import GOOGLE

A = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 11:00 Berlin: "Weekly standup (moved)", no agenda
AT_A = b"DTSTART;TZID=Europe/Berlin:20260309T110000\r\nDTEND;TZID=Europe/Berlin:20260309T111500"
AT_B = b"DTSTART;TZID=Europe/Berlin:20260309T150000\r\nDTEND;TZID=Europe/Berlin:20260309T151500"  # A + 4 h
STAGES = {"is on Mon 9 Mar": "t24", "in 2 hours": "t2", "in 1 hour": "t1", "starts now": "start"}  # T-24h: moved to Friday


def standup_posts(bot: Harness) -> dict[str, int]:
    """How often each nudge (and the start post) of the standup went to the channel."""
    counts = dict.fromkeys(STAGES.values(), 0)
    for text in post_texts(bot):
        if "Weekly standup (moved)" not in text:
            continue
        for phrase, stage in STAGES.items():
            if phrase in text:
                counts[stage] += 1
                break
    return counts


async def move(bot: Harness, feeds: FeedServer, to: bytes, when: datetime) -> None:
    assert AT_A in GOOGLE
    feeds.feeds["team.ics"] = Served(GOOGLE.replace(AT_A, to))
    await at(bot, when)  # the refresh reads the feed (more than its 10 minutes after the last one)


async def test_moved_away_and_back_before_any_nudge_every_nudge_goes_out_at_a_once(
        db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        team(bot)
        feeds.feeds["team.ics"] = Served(GOOGLE)
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")
        now = bot.clock.now()
        await move(bot, feeds, AT_B, now + timedelta(minutes=11))
        await move(bot, feeds, AT_A, now + timedelta(minutes=22))
        for moment in (A - timedelta(days=3), A - timedelta(hours=2), A - timedelta(hours=1), A,
                       A + timedelta(hours=5)):
            await at(bot, moment)
        assert standup_posts(bot) == {"t24": 1, "t2": 1, "t1": 1, "start": 1}


async def test_a_nudge_sent_at_a_before_the_moves_is_not_sent_again(db_url: str, feeds: FeedServer) -> None:
    async with running(db_url, calendar_allow_private=True) as bot:
        team(bot)
        feeds.feeds["team.ics"] = Served(GOOGLE)
        await command(bot, "/meeting", f"calendar {feeds.url('team.ics')}")
        await at(bot, A - timedelta(days=3))  # T-24h, moved off Sunday to Friday
        assert standup_posts(bot)["t24"] == 1  # sent at A
        await move(bot, feeds, AT_B, A - timedelta(days=2, hours=23, minutes=49))
        await move(bot, feeds, AT_A, A - timedelta(days=2, hours=23, minutes=38))
        for moment in (A - timedelta(hours=2), A - timedelta(hours=1), A, A + timedelta(hours=5)):
            await at(bot, moment)
        assert standup_posts(bot) == {"t24": 1, "t2": 1, "t1": 1, "start": 1}
