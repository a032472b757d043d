"""What a Teams activity can carry that the parser (bot/teams/payloads.py) must take in its stride, through the
real aiohttp app, real botbuilder and the fake connector.

- `&nbsp;` after the bot's mention. The brief for this review names it among the mention shapes; the scope
  watcher already decodes it in channel text (handlers/scope/detector.py `_clean`), because Teams writes the
  space a person types after picking a mention as a non-breaking space, sometimes as the entity. A line
  addressed to the bot must read the same with it as with a plain space, or `@steadybot&nbsp;help` is
  answered "I don't know ‘&nbsp;help’".
- Lone surrogates. JSON may carry `"\\ud800"` (RFC 8259 §8.2: such text is allowed by the grammar but is not
  Unicode, and a parser may turn it into a string that cannot be encoded). Python's json does, and the
  database drivers then refuse the string: a display name, a channel name, a time zone, a tenant or an
  activity id with one failed the whole turn (`UnicodeEncodeError`, an ERROR with a stack trace and the
  apology) — for an invoke, botbuilder's 501.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.teams import payloads
from tests.support.harness import Harness

LONE = "\ud800"  # what json.loads makes of "\ud800"


async def _answer_to(bot: Harness, activity: dict[str, Any]) -> str:
    before = len(bot.connector.sent)
    response = await bot.teams(activity)
    assert response.status in (200, 201)
    sent = await bot.connector.wait_for(before + 1)
    return sent[before].text


@pytest.mark.parametrize(("conversation_type", "text"), [
    ("channel", "<at>steadybot</at>&nbsp;help"),
    ("channel", "\r\n<at>steadybot</at>&nbsp;&nbsp; help\r\n"),
    ("groupChat", "<at>steadybot</at>&NBSP;help&nbsp;"),
    ("personal", "<at>steadybot</at>&nbsp;help"),
])
async def test_a_non_breaking_space_entity_after_the_bot_mention_is_a_space(bot: Harness, conversation_type: str,
                                                                            text: str) -> None:
    expected = await _answer_to(bot, bot.activity("help", conversation_type=conversation_type, mention=True))
    activity = bot.activity("help", conversation_type=conversation_type, mention=True)
    activity["text"] = text
    got = await _answer_to(bot, activity)
    assert "don't know" not in got and got == expected


def test_the_mention_and_the_entity_are_both_gone_from_the_typed_line() -> None:
    assert payloads.without_mentions("<at>steadybot</at>&nbsp;pulse&nbsp;now") == "pulse now"
    assert payloads.without_mentions("<at>steadybot</at> a &amp; b") == "a &amp; b"  # other entities stay


@pytest.mark.parametrize("field", ["name", "conversation_name", "timezone", "tenant", "team", "aad"])
async def test_a_lone_surrogate_in_an_activity_field_does_not_fail_the_turn(bot: Harness, field: str,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    activity = bot.activity("help", conversation_type="channel", mention=True)
    if field == "name":
        activity["from"]["name"] = "Ana" + LONE
    elif field == "conversation_name":
        activity["conversation"]["name"] = "general" + LONE
    elif field == "timezone":
        activity["localTimezone"] = "Europe/Berlin" + LONE
    elif field == "tenant":
        activity["channelData"]["tenant"]["id"] = "tenant-1" + LONE
    elif field == "team":
        activity["channelData"]["team"]["id"] += LONE
    else:
        activity["from"]["aadObjectId"] = "aad-1" + LONE
    text = await _answer_to(bot, activity)
    assert "something went wrong" not in text and "settings" in text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_a_lone_surrogate_in_an_invokes_sender_is_no_501(bot: Harness,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    activity = bot.activity(activity_type="invoke", conversation_type="channel",
                            value={"action": {"type": "Action.Execute", "verb": "x",
                                              "data": {"steadybot_action": "settings.open",
                                                       "steadybot_value": "forged"}}})
    activity["name"] = "adaptiveCard/action"
    activity["from"]["name"] = "Ana" + LONE
    response = await bot.teams(activity)
    text = await response.text()
    assert response.status == 200, (response.status, text)  # not botbuilder's 501 for a failed invoke turn
    assert json.loads(text)["statusCode"] == 200, text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_a_lone_surrogate_in_the_activity_id_fails_no_turn(bot: Harness,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """The turn runs; only the answer cannot go (botbuilder cannot put such an id in the reply's URL: a
    warning, as for any reply that fails)."""
    caplog.set_level(logging.WARNING)
    activity = bot.activity("help", conversation_type="channel", mention=True)
    activity["id"] = "activity" + LONE
    assert (await bot.teams(activity)).status == 201
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert all("something went wrong" not in s.text for s in bot.connector.sent)


@pytest.mark.parametrize("conversation_type", ["channel", "groupChat"])
async def test_someone_else_mentioned_in_a_command_stays_as_their_name(bot: Harness, conversation_type: str) -> None:
    """Teams marks every mention up as `<at>name</at>` (learn.microsoft.com, "Channel and group chat
    conversations with a bot": the bot's own mention is in the text and in `entities`); only the bot's is
    markup to drop. A teammate's name in what the person typed is part of what they asked."""
    activity = bot.activity("", conversation_type=conversation_type, mention=True)
    activity["text"] = "<at>steadybot</at> timebox 25m sync with <at>Dana Lee</at>"
    activity["entities"].append({"type": "mention", "text": "<at>Dana Lee</at>",
                                 "mentioned": {"id": "29:dana", "name": "Dana Lee"}})
    got = await _answer_to(bot, activity)
    assert "sync with Dana Lee" in got, got
    # a 1:1 without entities: the bot's name (the recipient's) is still recognised as its own mention
    plain = bot.activity("", conversation_type="personal")
    plain["text"] = "<at>steadybot</at> help"
    assert "don't know" not in await _answer_to(bot, plain)


def test_only_the_bots_own_mentions_are_taken_out() -> None:
    bot = frozenset({"steadybot"})
    assert payloads.without_mentions("<at>steadybot</at> agenda add 1:1 with <at>Dana</at>", bot) == \
        "agenda add 1:1 with Dana"
    assert payloads.without_mentions("<at>SteadyBot </at>help", bot) == "help"
    assert payloads.without_mentions("<at>steadybot</at> <at>Dana</at>") == ""  # no names given: all of them
