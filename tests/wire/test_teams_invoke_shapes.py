"""Teams invokes whose shape botbuilder cannot read, and the card an Action.Execute answers with.

- botbuilder's `TeamsActivityHandler` deserializes an invoke's `value` into its schema types (`TaskModuleRequest`,
  `MessagingExtensionAction`, `MessagingExtensionQuery`); a `value` that is not an object (or a `messagePayload`
  that is not one) raised out of the turn: botbuilder's 501 and the apology posted into the conversation, for
  a request only a Teams-signed sender can make but that nobody asked to be answered that way. botbuilder
  answers a missing Universal Actions value itself with 400 (`_InvokeResponseException(BAD_REQUEST)` in
  `ActivityHandler._get_adaptive_card_invoke_value`); here every such invoke is acknowledged 200 with a friendly
  answer where its kind has one (tests/wire/test_teams_invoke_values.py), and no apology, no ERROR line.
- The card an `adaptiveCard/action` answers with (its `value`, which replaces the clicked card) carries buttons
  whose data must be sealed for the place like every card the bot sends (bot/sealing.py), or their next press
  is refused as stale.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.teams.bot import CARD_RESPONSE, STALE_ACTION
from handlers.core.errors import SORRY_BUG
from tests.support.harness import Harness, running
from tests.support.scope_helpers import SCOPE_CREEP

LEAD = {"user": "29:lead", "aad": "aad-lead", "conversation_type": "channel"}


def _invoke(bot: Harness, name: str, value: Any, **kwargs: Any) -> dict[str, Any]:
    activity = bot.activity(activity_type="invoke", value=value, **kwargs)
    activity["name"] = name
    return activity


MESSAGE = {"commandId": "tradeoff", "commandContext": "message",
           "messagePayload": {"id": "1", "body": {"contentType": "html", "content": "can we also add SSO"}}}


@pytest.mark.parametrize(("name", "value"), [
    ("task/fetch", "a string"),
    ("task/submit", "a string"),
    ("task/submit", ["a", "list"]),
    ("composeExtension/fetchTask", "a string"),
    ("composeExtension/submitAction", "a string"),
    ("composeExtension/submitAction", {**MESSAGE, "messagePayload": "a string"}),
    ("composeExtension/submitAction", {**MESSAGE, "messagePayload": {"body": ["x"]}}),
    ("composeExtension/query", "a string"),
    ("composeExtension/query", {"commandId": "x", "parameters": "not a list"}),
])
async def test_an_invoke_value_botbuilder_cannot_read_is_a_200_without_an_apology(
        sqlite_url: str, caplog: pytest.LogCaptureFixture, name: str, value: Any) -> None:
    caplog.set_level(logging.WARNING)
    async with running(sqlite_url) as bot:
        response = await bot.teams(_invoke(bot, name, value, **LEAD))
        text = await response.text()
        assert response.status == 200, (response.status, text)
        await bot.idle()
        assert not [s for s in bot.connector.sent if SORRY_BUG in (s.text or "")], "an apology for a malformed invoke"
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_the_card_an_action_execute_answers_with_has_buttons_that_work(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        await bot.teams(bot.activity(SCOPE_CREEP, **LEAD))
        sent = (await bot.connector.wait_for(1))[0]
        where = {**LEAD, "conversation": sent.conversation_id}
        drop = next(a["data"] for a in sent.adaptive_card["actions"] if a["title"].startswith("Drop"))

        async def execute(data: dict[str, Any], activity_id: str) -> dict[str, Any]:
            response = await bot.teams(_invoke(bot, "adaptiveCard/action",
                                               {"action": {"type": "Action.Execute", "verb": "x", "data": data}},
                                               activity_id=activity_id, reply_to_id="prompt-1", **where))
            assert response.status == 200
            answer: dict[str, Any] = json.loads(await response.text())
            return answer

        first = await execute(drop, "invoke-1")
        assert first["type"] == CARD_RESPONSE, first  # the prompt turned into "what do we drop?"
        back = next(a["data"] for a in first["value"]["actions"] if a["title"] == "Back")
        again = await execute(back, "invoke-2")
        assert again["value"] != STALE_ACTION and "no longer valid" not in str(again["value"]), \
            "the replacement card's button was refused as not ours"
        assert again["type"] == CARD_RESPONSE and any(a["title"].startswith("Drop")
                                                      for a in again["value"]["actions"]), again
