"""Live Teams meetings and the ownership checks: a calendar meeting timed in its Teams meeting chat posts
its timer's buttons (extend, End meeting) in that chat, so that chat is a place the meeting may be ended
from — and still no other. Real activities through botbuilder; the connector and the feed are fakes."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.ownership import NOT_HERE
from handlers.core.types import Platform
from handlers.meetings.ports import ENDED
from support import bf_connector
from tests.support.fakes.ics_server import FeedServer, Served
from tests.support.harness import Harness, running
from tests.support.meetings_helpers import card_actions
from tests.wire.test_calendar_teams_live import (
    CHAT,
    ICS,
    START,
    chat_texts,
    meeting_event,
    organised_by_a_member,
)


async def _press_in(bot: Harness, data: dict[str, object], conversation: str, conversation_type: str,
                    *, user: str = "29:u2", aad: str = "aad-2") -> str:
    before = len(bot.connector.sent)
    activity = bot.activity("", user=user, name="Ben", aad=aad, value=data, conversation=conversation,
                            conversation_type=conversation_type, reply_to_id="activity-x")
    response = await bot.teams(activity)
    assert response.status in (200, 201), await response.text()
    return "\n".join(s.text for s in bot.connector.sent[before:])


async def test_the_end_meeting_button_works_in_the_meeting_chat_its_timer_runs_in(sqlite_url: str,
                                                                                  feeds: FeedServer) -> None:
    async with running(sqlite_url, calendar_allow_private=True, admins=frozenset({"aad-1"})) as bot:
        organised_by_a_member(bot)  # the chat belongs with the channel (handlers/meetings/live_trust.py)
        feeds.feeds["team.ics"] = Served(ICS)
        await bot.teams(bot.activity(f"meeting calendar {feeds.url('team.ics')}", conversation_type="channel",
                                     mention=True))
        [meeting] = await bot.runtime.store.meetings.upcoming(Platform.TEAMS, bf_connector.CHANNEL_ID, START, 5)
        bot.clock.set(START + timedelta(minutes=2))
        await bot.teams(meeting_event(bot, "meetingStart", {"Title": "Design review",
                                                            "StartTime": "2026-03-02T10:02:00.000Z"}))
        await bot.advance(timedelta(minutes=15))
        half = next(s for s in bot.connector.sent if s.conversation_id.startswith(CHAT) and "half" in s.text.lower())
        end = card_actions(half)["End meeting"]
        # copied into another group chat, it does nothing
        said = await _press_in(bot, end, "19:other-chat@thread.v2", "groupChat")
        assert "Design review ended" not in said
        assert (await bot.runtime.store.meetings.get(meeting.id)).status != ENDED  # type: ignore[union-attr]
        # pressed where it was posted (the meeting chat its timer runs in), it ends the meeting
        said = await _press_in(bot, end, CHAT, "groupChat")
        assert NOT_HERE not in said, said
        assert "Design review ended" in said, (said, chat_texts(bot))
        done = await bot.runtime.store.meetings.get(meeting.id)
        assert done is not None and done.status == ENDED
