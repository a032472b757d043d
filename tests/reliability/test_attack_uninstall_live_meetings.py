"""Uninstall from a Teams meeting chat (a group chat): a live meeting the bot timed there is recorded in
`live_meetings`, whose conversation column is `chat_id`, not `channel_id`. Removing the app from the chat
(`installationUpdate`, action `remove`, no team) must delete it like every other row of the chat
(docs/operations.md, "Uninstalling": "everything of that chat") — its title included — and leave another
chat's live meeting alone. Real botbuilder through the aiohttp app, the connector fake; every table scanned
afterwards, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.support.harness import Harness, running
from tests.wire.test_calendar_teams_live import CHAT, MEETING_ID, meeting_event

OTHER_CHAT = "19:meeting_T3RoZXIgbWVldGluZyBjaGF0@thread.v2"
TITLE = "Zoe and Ana - workload 1:1"
OTHER_TITLE = "Quarterly planning (other chat)"


async def rows_naming(bot: Harness, *needles: str) -> list[str]:
    """Every row of every table (as the database's own text of the row) that holds one of `needles`
    (tests/features/test_pulse_forget.py `_rows_naming`)."""
    db = bot.runtime.store.db
    found: list[str] = []
    async with db.session() as s:
        if db.is_postgres:
            tables = (await s.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()
            for table in list(tables):
                for (row,) in (await s.execute(text(f'SELECT t::text FROM "{table}" t'))).all():
                    found.extend(f"{table}: {row}" for n in needles if n in row)
        else:
            tables = (await s.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))).scalars()
            for table in list(tables):
                for row in (await s.execute(text(f'SELECT * FROM "{table}"'))).all():
                    line = repr(tuple(row))
                    found.extend(f"{table}: {line}" for n in needles if n in line)
    return found


def _in_chat(activity: dict[str, Any], chat: str, meeting: str) -> dict[str, Any]:
    activity["conversation"]["id"] = chat
    activity["value"]["Id"] = meeting
    activity["channelData"]["meeting"] = {"id": meeting}
    return activity


async def test_removing_the_app_from_a_meeting_chat_deletes_its_live_meetings(db_url: str) -> None:
    async with running(db_url) as bot:
        for chat, meeting, title in ((CHAT, MEETING_ID, TITLE), (OTHER_CHAT, "MCMxOTpvdGhlcg==", OTHER_TITLE)):
            started = _in_chat(meeting_event(bot, "meetingStart", {"Title": title,
                                                                   "StartTime": "2026-03-02T09:00:00.000Z"}),
                               chat, meeting)
            response = await bot.teams(started)
            assert response.status in (200, 201), await response.text()
        await bot.settle()
        assert any(r.startswith("live_meetings") for r in await rows_naming(bot, TITLE)), "no live meeting kept"

        removal = bot.activity(activity_type="installationUpdate", conversation=CHAT, conversation_type="groupChat")
        removal["action"] = "remove"
        response = await bot.teams(removal)
        assert response.status in (200, 201), await response.text()
        await bot.settle()

        left = await rows_naming(bot, CHAT, TITLE, MEETING_ID)
        assert left == [], f"the meeting chat's rows stayed after the uninstall: {left}"
        other = await rows_naming(bot, OTHER_TITLE)
        assert any(r.startswith("live_meetings") for r in other), f"another chat's live meeting went: {other}"
