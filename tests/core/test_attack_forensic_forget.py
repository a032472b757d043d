"""A database reader after a forget: what the TEAM typed that names the forgotten person.

DESIGN.md: "Deleting a person's data … removes every row that names them". The team's own text stays — a
meeting "1:1 with Zoe Quarrington", an agenda item "<@uzoe4711> demos the login", a pre-read question, a
scope-creep message quoted in a trade-off prompt and the parking-lot item made of it — but it must stop
naming her: her display name and her id are replaced by "someone" (storage/forgetting.py, `redact_typed`),
as they already were in the outbox's messages. Found by scanning every row of every table, on SQLite
(and the raw bytes of the file and its WAL) and on PostgreSQL."""

from __future__ import annotations

import pytest

from handlers.pulse.forgetting import forget_everywhere, forget_summary
from tests.features.test_pulse_forget import ZOE_ID, ZOE_NAME, _rows_naming, _sqlite_bytes
from tests.support.testbot import ANA, BEN, PLATFORM, TEAM_CHANNEL, testbot, texts

pytestmark = pytest.mark.asyncio


async def test_forget_clears_the_person_from_what_the_team_typed(db_url: str) -> None:
    async with testbot(db_url) as bot:
        zoe = bot.add_person(ZOE_ID, ZOE_NAME)
        bot.add_channel(TEAM_CHANNEL, [ANA, BEN, zoe], [ANA])
        bot.me = ANA
        await bot.command("steadybot", "help", as_=zoe)  # she used the bot once: her name is known to it
        assert "Registered" in texts(await bot.command("meeting", f"1:1 with {ZOE_NAME} tomorrow 3pm for 30m"))
        await bot.command("agenda", f"add {ZOE_NAME} demos the login 10m")
        await bot.command("agenda", f"add <@{ZOE_ID}> walks us through the release 5m", as_=BEN)
        await bot.command("agenda", f"question Can {ZOE_NAME} present first?")
        [asked] = await bot.chat(f"while we're at it, can we also add a CSV export for {ZOE_NAME}?", as_=BEN)
        assert "Parked" in texts(await bot.press(asked, "Park it", as_=ANA))
        await bot.settle()
        assert len(await _rows_naming(bot, ZOE_NAME)) >= 5  # the attack has its targets

        reports = await forget_everywhere(bot.runtime.store, bot.runtime.directories, ZOE_ID, PLATFORM)
        said = "; ".join(forget_summary(r) for r in reports)
        assert "meeting, agenda and trade-off texts" in said, said

        assert await _rows_naming(bot, ZOE_ID, ZOE_NAME) == []
        if not bot.runtime.store.db.is_postgres:
            raw = _sqlite_bytes(bot)
            assert ZOE_NAME.encode() not in raw and ZOE_ID.encode() not in raw
        # the team keeps its meeting and its list, naming no one
        meetings = await bot.runtime.store.meetings.upcoming(PLATFORM, TEAM_CHANNEL.channel_id, bot.clock.now(), 5)
        assert [m.title for m in meetings] == ["1:1 with someone"]
        assert "someone demos the login" in texts(await bot.command("agenda", ""))
