"""The Teams message action “What do we drop?” on a message in a chat or channel the bot is not a member of.

The connector refuses the bot's post there with 403 and `{"error": {"code": "BotNotInConversationRoster",
"message": "The bot is not part of the conversation roster."}}` (msteams-docs, bots/how-to/conversations/
conversation-messages.md, "Status codes from bot conversational APIs"; the body as in MicrosoftDocs/bot-docs
issue 1527): the fake connector answers so for `not_in`. The invoke (`composeExtension/submitAction`,
payload as in msteams-docs respond-to-task-module-submit.md) must answer with a message result that tells
the person, as the Slack shortcut does, and log one line with no stack trace.
"""
from __future__ import annotations

import logging
from typing import Any

import pytest

from support import bf_connector
from tests.support.harness import running
from tests.wire.test_replay_payloads import _logs, _problems
from tests.wire.test_reports_shortcut import submit_action


async def test_teams_tradeoff_where_the_bot_is_not_tells_the_person(sqlite_url: str,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    async with running(sqlite_url) as bot:
        bot.connector.not_in.add(bf_connector.CHANNEL_ID)
        with _logs(caplog):
            response = await bot.client.post("/api/messages",
                                             json=submit_action(bot, "can we also add SSO?", "1700000000111"))
            body: Any = await response.json()
            await bot.settle()
        assert response.status == 200
        assert _problems(caplog) == [], _problems(caplog)  # before: WARNING "teams reply failed" + a traceback
        said = body.get("composeExtension", {})
        assert said.get("type") == "message" and "not in this conversation" in said.get("text", ""), body
        lines = [r for r in caplog.records if r.name.startswith("steadybot") and "BotNotInConversationRoster"
                 in r.getMessage()]
        assert len(lines) == 1 and lines[0].exc_info is None, [r.getMessage() for r in lines]
        assert not [s for s in bot.connector.sent if s.kind in ("send", "reply")]


async def test_any_other_refusal_says_to_try_again_in_one_line(sqlite_url: str,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    async with running(sqlite_url) as bot:
        blocked = {"error": {"code": "BotDisabledByAdmin", "message": "The tenant admin disabled this bot"}}
        bot.connector.faults.append(lambda kind, conv, body: (403, blocked, {}))
        with caplog.at_level(logging.INFO, logger="steadybot"):
            response = await bot.client.post("/api/messages",
                                             json=submit_action(bot, "can we also add SSO?", "1700000000222"))
            body: Any = await response.json()
            await bot.settle()
        assert response.status == 200
        assert "choose “What do we drop?” on the message again" in body["composeExtension"]["text"], body
        warned = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("steadybot")]
        assert [r.getMessage() for r in warned] == [
            "teams message action: the prompt was not posted: HTTP 403 BotDisabledByAdmin"]
        assert warned[0].exc_info is None


@pytest.mark.parametrize("refused", ["not in the conversation", "busy"])
async def test_choosing_the_action_again_once_the_bot_can_post_opens_the_prompt(sqlite_url: str,
                                                                                refused: str) -> None:
    """Re-review: the thread's claim was taken before the post was refused and never given back, so doing what
    the dialog said (add the bot, try again) only got "This thread already has a “what do we drop?” prompt"."""
    async with running(sqlite_url) as bot:
        blocked = [True]
        busy = {"error": {"code": "ServiceError", "message": "try later"}}
        if refused == "busy":
            bot.connector.faults.append(lambda kind, conv, body: (503, busy, {}) if blocked[0] else None)
        else:
            bot.connector.not_in.add(bf_connector.CHANNEL_ID)
        first = await bot.client.post("/api/messages",
                                      json=submit_action(bot, "can we also add SSO?", "1700000000111"))
        assert "again" in (await first.json())["composeExtension"]["text"]
        await bot.settle()
        blocked[0] = False
        bot.connector.not_in.clear()  # the bot was added, as the dialog said
        before = len(bot.connector.sent)
        again = await bot.client.post("/api/messages",
                                      json=submit_action(bot, "can we also add SSO?", "1700000000111"))
        answer: Any = await again.json()
        await bot.settle()
        assert any("Drop something" in str(s.card) for s in bot.connector.sent[before:]), answer
