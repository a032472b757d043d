"""A forgotten Teams person who comes back gets their 1:1 line stored again, through real activities and
botbuilder: the per-process caches that skip re-storing a known person (storage/repos/identities.py) and a
known line (bot/teams/references.py `LinesKnown`) drop them when this process forgets them, and trust an
entry for at most SEEN_FOR when another process (`steadybot forget`, a replica) did. Without their line, the
bot could never DM them again (pulse invitations, private answers) until a restart. On SQLite and
PostgreSQL."""

from __future__ import annotations

from handlers.core.types import Platform
from handlers.pulse.forgetting import forget_everywhere
from storage.db import Database
from storage.seen import SEEN_FOR
from storage.store import Store
from tests.support.harness import Harness, running

ANA = "29:u1"


async def _line(bot: Harness) -> bool:
    line = await bot.runtime.store.identities.direct_line(Platform.TEAMS, ANA)
    person = await bot.runtime.store.identities.get(Platform.TEAMS, ANA)
    return bool(line and line.dm_reference and not line.dm_reference.get("seed") and person and person.name == "Ana")


async def _say(bot: Harness, text: str) -> None:
    response = await bot.teams(bot.activity(text))
    assert response.status in (200, 201), await response.text()
    await bot.settle()


async def test_a_forgotten_teams_person_who_comes_back_gets_their_line_again(db_url: str) -> None:
    async with running(db_url) as bot:
        bot.connector.add_member(ANA, "Ana", "aad-1")
        await _say(bot, "help")
        assert await _line(bot)

        # forgotten in this process (`pulse optout --forget` in their 1:1 chat), then back at once
        await _say(bot, "pulse optout --forget")
        assert await bot.runtime.store.identities.direct_line(Platform.TEAMS, ANA) is None
        await _say(bot, "help")
        assert await _line(bot)

        # forgotten by another process (what `steadybot forget` runs, on its own store), then back after the bound
        db = Database(db_url)
        try:
            reports = await forget_everywhere(Store(db, bot.clock), None, ANA, Platform.TEAMS)
            assert any(r.identity for r in reports)
        finally:
            await db.dispose()
        assert await bot.runtime.store.identities.direct_line(Platform.TEAMS, ANA) is None
        bot.clock.advance(SEEN_FOR)
        await _say(bot, "help")
        assert await _line(bot)
