"""Uninstall from a Teams meeting chat (a group chat): a live meeting the bot timed there is recorded in
`live_meetings`, whose conversation column is `chat_id`, not `channel_id`. Removing the app from the chat
(`installationUpdate`, action `remove`, no team) must delete it like every other row of the chat
(docs/operations.md, "Uninstalling": "everything of that chat") — its title included — and leave another
chat's live meeting alone. Real botbuilder through the aiohttp app, the connector fake; every table scanned
afterwards, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.support.db_scan import rows_naming
from tests.support.harness import running
from tests.wire.test_calendar_teams_live import CHAT, MEETING_ID, meeting_event

OTHER_CHAT = "19:meeting_T3RoZXIgbWVldGluZyBjaGF0@thread.v2"
TITLE = "Zoe and Ana - workload 1:1"
OTHER_TITLE = "Quarterly planning (other chat)"


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
