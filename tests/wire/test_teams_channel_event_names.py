"""A Teams channel deleted or restored is read whatever the case of its `channelData.eventType`, as the team
events are (bot/teams/bot.py): botbuilder routes "channelDeleted" / "channelRestored" by their exact names and
would drop "channeldeleted", leaving a deleted channel's pulse running, or a restored one's stopped for good.
Members added or removed still come first, as in botbuilder. Real activities through botbuilder and the fake
Bot Framework connector, on SQLite and PostgreSQL.

Payload shape: the conversationUpdate examples "Channel deleted" / "Channel restored" of
https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/subscribe-to-conversation-events
(`channelData.eventType`, `channelData.channel.id`, `channelData.team.id`, `channelData.tenant.id`)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from support import bf_connector
from tests.support.harness import Harness, running

TEAM = bf_connector.TEAM_ID
SECOND = "19:second-channel@thread.tacv2"


def _channel_event(bot: Harness, event_type: Any, *, channel: Any = SECOND, activity_id: str,
                   **fields: Any) -> dict[str, Any]:
    activity = bot.activity(user="29:lead", aad="aad-lead", conversation_type="channel",
                            activity_type="conversationUpdate", conversation=TEAM, activity_id=activity_id)
    activity.pop("text", None)
    activity["channelData"] = {"channel": {"id": channel, "name": "Second"} if isinstance(channel, str) else channel,
                               "team": {"id": TEAM}, "eventType": event_type, "tenant": {"id": bf_connector.TENANT}}
    activity.update(fields)
    return activity


def _people(bot: Harness) -> None:
    bot.connector.add_member("29:lead", "Lead", "aad-lead")
    for i in range(1, 7):
        bot.connector.add_member(f"29:u{i}", f"Person {i}", f"aad-{i}")


async def _schedule(bot: Harness, channel: str) -> None:
    activity = bot.activity("pulse schedule every day at 3pm", user="29:lead", aad="aad-lead",
                            conversation_type="channel", mention=True, conversation=f"{channel};messageid=1700000000001")
    activity["channelData"]["channel"] = {"id": channel}
    await bot.teams(activity)
    await bot.settle()


async def _scheduled(bot: Harness) -> set[str]:
    return {s.channel_id for s in await bot.runtime.store.pulse.active_schedules()}


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()[:200]}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize(("deleted", "restored"), [
    ("channeldeleted", "channelrestored"),
    ("ChannelDeleted", "ChannelRestored"),
    ("CHANNELDELETED", "channelRESTORED"),
    ("channelDeleted", "channelRestored"),  # botbuilder's own names: the same one route
])
async def test_a_channel_event_is_read_in_any_case(db_url: str, caplog: pytest.LogCaptureFixture,
                                                   deleted: str, restored: str) -> None:
    caplog.set_level(logging.INFO)
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        await _schedule(bot, SECOND)
        assert await _scheduled(bot) == {SECOND}
        said = len(bot.connector.sent)
        response = await bot.teams(_channel_event(bot, deleted, activity_id="c:deleted-1"))
        assert response.status in (200, 201)
        assert await _scheduled(bot) == set(), f"{deleted!r} was dropped: the deleted channel is still scheduled"
        later = _channel_event(bot, restored, activity_id="c:restored-1", timestamp="2026-03-02T09:05:00.000Z")
        assert (await bot.teams(later)).status in (200, 201)
        assert await _scheduled(bot) == {SECOND}, f"{restored!r} was dropped: the channel stays stopped"
        assert bot.connector.sent[said:] == [], "a channel event was answered in the chat"
    assert _problems(caplog) == []


async def test_members_added_or_removed_come_first_whatever_the_event_type(sqlite_url: str) -> None:
    """botbuilder reads membersAdded / membersRemoved before channelData.eventType; so does the one route."""
    async with running(sqlite_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        await _schedule(bot, SECOND)
        for n, (field, event) in enumerate([("membersAdded", "ChannelDeleted"), ("membersRemoved", "channeldeleted"),
                                            ("membersAdded", "channelDeleted")]):
            activity = _channel_event(bot, event, activity_id=f"c:members-{n}",
                                      **{field: [{"id": "29:new", "name": "New"}]})
            assert (await bot.teams(activity)).status in (200, 201)
            assert await _scheduled(bot) == {SECOND}, f"{field} with {event!r} was read as a channel deleted"


@pytest.mark.parametrize("case", ["no channel", "channel not an object", "channel id a number", "event a number",
                                  "event a list", "no team", "channelDeleted1", "channel deleted",
                                  "renamed, channel not an object"])
async def test_an_odd_channel_event_changes_nothing_and_fails_nothing(sqlite_url: str, caplog: pytest.LogCaptureFixture,
                                                                      case: str) -> None:
    caplog.set_level(logging.INFO)
    async with running(sqlite_url, admins=frozenset({"aad-lead"})) as bot:
        _people(bot)
        await _schedule(bot, SECOND)
        activity = _channel_event(bot, "ChannelDeleted", activity_id="c:odd-1")
        data = activity["channelData"]
        if case == "no channel":
            del data["channel"]
        elif case == "channel not an object":
            data["channel"] = SECOND
        elif case == "channel id a number":
            data["channel"] = {"id": 19}
        elif case == "event a number":
            data["eventType"] = 7
        elif case == "event a list":
            data["eventType"] = ["channelDeleted"]
        elif case == "no team":
            del data["team"]
        elif case == "renamed, channel not an object":  # botbuilder's route: it cannot read this channelData
            data.update(eventType="channelRenamed", channel=SECOND)
        else:
            data["eventType"] = case
        assert (await bot.teams(activity)).status in (200, 201)
        await bot.settle()
        assert await _scheduled(bot) == {SECOND}
    assert _problems(caplog) == []
