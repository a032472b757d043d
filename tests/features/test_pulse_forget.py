"""Forgetting a person leaves no row that names them (DESIGN.md, "Privacy rules"), on SQLite and PostgreSQL,
through both ways in: `/pulse optout --forget` (the person, in chat) and the function `steadybot forget`
runs (an admin). The person did everything a lead does, through the real handlers: settings, a pulse
schedule, a pulse they sent and answered, a journal, a snooze, a meeting and a recurring one they organised,
agenda items, a pre-read question they asked and answered, a timer, a calendar feed (whose meetings name the
person who connected it), scope-creep prompts they parked and dismissed.

Then it is read the way an attacker with a copy of the database would: every row of every table as text,
and on SQLite the raw bytes of the database file and its WAL. Neither the id nor the display name may be
left (beyond, for the chat path, the one opted-out marker the answer says it keeps). The team's meetings,
agenda, questions, answers, parking lot, feeds and timers stay, and keep working with nobody as organiser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from handlers.core.types import Button
from handlers.pulse.forgetting import forget_everywhere, forget_summary
from tests.features.test_pulse import answer, pulse_dms
from tests.support.db_scan import rows_naming as _rows_naming
from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.testbot import (
    ANA,
    BEN,
    CHLOE,
    PLATFORM,
    TEAM_CHANNEL,
    TestBot,
    direct,
    labels,
    testbot,
    texts,
)

ZOE_ID = "uzoe4711"
ZOE_NAME = "Zoe Quarrington"
REVIEW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # "tomorrow 3pm" in Berlin, from the harness's start
SCOPE_CREEP = "while we're at it, can we also add a CSV export to the release?"
MORE_SCOPE = "can we also add dark mode to the release while we're at it?"
GOOGLE = (Path(__file__).resolve().parents[1] / "data" / "calendars" / "google_team.ics").read_bytes()
#: The team's data: forgetting one person changes none of these counts.
TEAM_TABLES = ("meetings", "meeting_series", "agenda_items", "preread_questions", "preread_answers",
               "calendar_feeds", "calendar_events", "timeboxes", "scope_prompts", "scope_items",
               "pulse_schedules", "pulse_rounds", "pulse_answers", "channel_settings")


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = await FeedServer().start()
    server.feeds["team.ics"] = Served(GOOGLE)
    try:
        yield server
    finally:
        await server.close()


async def _lead_a_team(bot: TestBot, feeds: FeedServer) -> None:
    """Zoe, the channel's creator, uses every feature; the others answer and add a little."""
    zoe = bot.me
    assert "3" in texts(await bot.command("steadybot", "settings min 3"))
    await bot.command("steadybot", "settings quiet off")  # Ben's New York is asleep
    assert "Friday" in texts(await bot.command("pulse", "schedule every friday at 3pm"))
    await bot.command("pulse", "me on")
    assert "digest" in texts(await bot.command("steadybot", "settings digest on")).lower()
    assert "4 people" in texts(await bot.command("pulse", "now"))
    for who in (zoe, ANA, BEN, CHLOE):
        assert pulse_dms(bot, who), who
        await answer(bot, who)
    await bot.settle()  # everyone answered: the round closes and is sealed

    assert "Registered by Zoe Quarrington" in texts(await bot.command("meeting", "Sprint review tomorrow 3pm for 45m"))
    await bot.command("meeting", "Weekly sync every monday at 10am for 30m")
    await bot.command("meeting", "Retro friday 4pm for 30m")
    [retro] = [m for m in await bot.runtime.store.meetings.upcoming(PLATFORM, TEAM_CHANNEL.channel_id,
                                                                    bot.clock.now(), 20) if m.title == "Retro"]
    # cancelled from the organiser's DM: the channel is told by a message the outbox keeps, naming her
    cancel = Button("meeting.cancel", "Cancel the meeting", str(retro.id))
    assert "cancelled by Zoe Quarrington" in texts(await bot.press(cancel, as_=zoe, where=direct(zoe)))
    await bot.command("agenda", "add Demo of the new login 10m")
    await bot.command("agenda", "add Release checklist 5m", as_=BEN)
    await bot.command("agenda", "question Which login design do we ship?")
    assert "saved" in texts(await bot.command("agenda", "answer 1 The second one, it needs no new API"))
    assert "saved" in texts(await bot.command("agenda", "answer 1 Either, as long as it ships", as_=BEN))
    await bot.command("agenda", "question Who demos it?", as_=BEN)
    assert "saved" in texts(await bot.command("agenda", "answer 2 I can"))
    assert "25" in texts(await bot.command("timebox", "25m design review"))
    connected = texts(await bot.command("meeting", f"calendar {feeds.url('team.ics')}"))
    assert "connected a calendar" in connected and "Sprint planning" in connected

    [asked] = await bot.chat(SCOPE_CREEP, as_=zoe)
    assert "Parked" in texts(await bot.press(asked, "Park it", as_=zoe))
    [other] = await bot.chat(MORE_SCOPE, as_=BEN)
    await bot.press(other, "Not scope creep", as_=zoe)
    assert "until" in texts(await bot.command("pulse", "snooze 2 days"))
    await bot.settle()


async def _counts(bot: TestBot) -> dict[str, int]:
    async with bot.runtime.store.db.session() as s:
        return {t: int((await s.execute(text(f'SELECT count(*) FROM "{t}"'))).scalar_one()) for t in TEAM_TABLES}


def _sqlite_bytes(bot: TestBot) -> bytes:
    path = Path(bot.runtime.settings.database_url[len("sqlite:///"):])
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.mark.parametrize("way", ["chat", "admin"])
async def test_forget_leaves_no_row_that_names_the_person_and_the_team_keeps_its_meetings(
        db_url: str, feeds: FeedServer, way: str) -> None:
    async with testbot(db_url, calendar_allow_private=True) as bot:
        zoe = bot.add_person(ZOE_ID, ZOE_NAME)
        bot.add_channel(TEAM_CHANNEL, [ANA, BEN, CHLOE, zoe], [zoe])
        bot.me = zoe
        await _lead_a_team(bot, feeds)
        assert await _rows_naming(bot, ZOE_ID) and await _rows_naming(bot, ZOE_NAME)  # the attack has a target
        before = await _counts(bot)
        assert all(before.values()), before

        if way == "chat":
            said = texts(await bot.command("pulse", "optout --forget"))
        else:  # what `steadybot forget <user>` runs (bot/cli.py), with this runtime's directories
            reports = await forget_everywhere(bot.runtime.store, bot.runtime.directories, ZOE_ID, PLATFORM)
            said = "; ".join(forget_summary(r) for r in reports)
        for cleared in ("5 meetings", "1 meeting series", "1 agenda item", "1 pre-read question", "2 pre-read answers", "1 calendar",
                        "1 timer", "1 pulse round", "1 snooze",
                        "1 queued or sent channel message"):
            assert cleared in said, (cleared, said)
        assert "meetings, agenda items, pre-read questions and answers, and timers that name" not in said

        # ---- the attacker's reading ---------------------------------------------------------------------
        left = await _rows_naming(bot, ZOE_ID, ZOE_NAME)
        if way == "chat":  # the one marker `/pulse optout` keeps (and says it keeps): id and "opted out"
            assert [r for r in left if not r.startswith("pulse_people: ")] == [], left
            assert len(left) == 1 and ZOE_NAME not in left[0]
        else:
            assert left == [], left
        if not bot.runtime.store.db.is_postgres:
            raw = _sqlite_bytes(bot)
            assert ZOE_NAME.encode() not in raw and b"Quarrington" not in raw
            if way == "admin":
                assert ZOE_ID.encode() not in raw

        # ---- the team's data stays, and works with nobody as organiser ------------------------------------
        assert await _counts(bot) == before
        feeds.feeds["team.ics"] = Served(b"gone", status=404)  # the calendar breaks: nobody to tell in private
        agenda = texts(await bot.command("agenda", "", as_=BEN))
        assert "Demo of the new login" in agenda and "Release checklist" in agenda
        refused = texts(await bot.command("meeting", "cancel 1", as_=CHLOE))
        assert "channel's owner or an admin" in refused and "Zoe" not in refused
        await bot.at(REVIEW - timedelta(hours=24))
        await bot.at(REVIEW)
        start = bot.posts()[-1].text
        assert "Sprint review starts now" in start and "Demo of the new login" in start
        assert "↳ someone: The second one" in start and "↳ Ben: Either" in start and "Zoe" not in start
        series_start = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # the weekly sync: no agenda, so every nudge
        await bot.at(series_start - timedelta(hours=1))
        assert any("No agenda, no meeting" in r.text and "Weekly sync" in r.text for r in bot.posts())
        assert all(s.target.id for s in bot.sent), "a message went to an empty id"
        private = [s.reply.text for s in bot.sent if s.target.kind == "user" and s.at > REVIEW - timedelta(hours=25)]
        assert not [t for t in private if "agenda" in t], "an organiser's private nudge for a forgotten organiser"
        seen = len(bot.posts())
        await bot.at(series_start)
        assert any("Weekly sync starts now" in r.text for r in bot.posts()[seen:])
        assert not any(ZOE_NAME in r.text or "Zoe" in labels(r) for r in bot.posts()[seen:])
        assert all(s.target.id for s in bot.sent)
        # the series makes its next occurrence with nobody as organiser: its private nudge has nobody to go to
        next_start = series_start + timedelta(days=7)
        await bot.at(next_start - timedelta(hours=47))
        await bot.at(next_start - timedelta(hours=1))
        assert any("No agenda, no meeting" in r.text and "Anyone can add one" in r.text for r in bot.posts())
        assert all(s.target.id for s in bot.sent), "a message went to an empty id"
        assert any("failing" in r.text for r in await bot.command("meeting", "calendar"))
