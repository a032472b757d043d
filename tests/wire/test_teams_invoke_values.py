"""Teams invokes whose `value` is not the shape their name promises (a string, a list, a number, null, deeply
nested, huge, control characters), through the real aiohttp app, real botbuilder and the fake Bot Framework
connector. Everything Teams sends is acknowledged 200 (docs/operations.md, "Teams sends an invoke"), with the
body the client shows for that invoke, never a 4xx/5xx, an apology in the chat, an ERROR line or a traceback:

- `task/fetch`, `task/submit`, `composeExtension/fetchTask`, `composeExtension/submitAction`: a task module
  message response, `{"task": {"type": "message", "value": …}}`, which Teams shows in the dialog
  (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/task-modules/task-modules-bots,
  TaskModuleMessageResponse: "Teams will display the value of value in a popup message box").
- `adaptiveCard/action`: HTTP 200 whose body carries `statusCode` 400, `type` `application/vnd.microsoft.error`
  and an error object (MicrosoftDocs/AdaptiveCards, AdaptiveCards/authoring-cards/universal-action-model.md,
  "Response format": "the HTTP response's status code returned by the Bot must be equal to 200").
- `composeExtension/query`: a message extension result of type `message`.
- anything else (invokes with no feature here, and names nobody knows): an empty 200.

Card data stays sealed (bot/sealing.py): forged or unsigned data is refused, in the dialog or on the card.

The transport's own limits come first and are not an invoke's business: a body over 256 KB is a 413 and JSON
nested deeper than 64 a 400 before any turn runs (bot/limits.py, tests/wire/test_security_teams_auth.py), so
the "huge" and "nested" values here are the largest the endpoint lets through to botbuilder.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot import limits
from bot.sealing import INVALID
from bot.teams.bot import MESSAGE_RESPONSE, NOT_HERE, STALE_ACTION, UNREADABLE
from handlers.core.errors import SORRY_BUG
from handlers.core.types import Place, Platform
from support import bf_connector
from tests.support.harness import Harness, running

LEAD = {"user": "29:lead", "aad": "aad-lead", "conversation_type": "channel"}


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


#: The activity is one level, its `value` the next: this is the deepest value bot/limits.py lets through.
DEEPEST = limits.MAX_JSON_DEPTH - 2
UGLY: dict[str, Any] = {
    "string": "a string",
    "empty string": "",
    "list": ["a", "list"],
    "number": 42,
    "float": -0.5,
    "bool": True,
    "null": None,
    "nested": _nested(DEEPEST),
    "huge": "x" * (limits.MAX_TEAMS_BODY - 8 * 1024),
    "controls": "\x00\x07\x1b[2J\u202e\u2028\u200b\ufeff\ud800 end",
}

TASK = {"task": {"type": "message", "value": UNREADABLE}}
CARD_ERROR = {"statusCode": 400, "type": "application/vnd.microsoft.error",
              "value": {"code": "BadRequest", "message": UNREADABLE}}
NOT_HERE_TASK = {"task": {"type": "message", "value": NOT_HERE}}  # a command that is not ours
QUERY = {"composeExtension": {"type": "message", "text": UNREADABLE}}
ANSWERED: dict[str, Any] = {
    "task/fetch": TASK,
    "task/submit": TASK,
    "composeExtension/fetchTask": TASK,
    "composeExtension/submitAction": TASK,
    "composeExtension/query": QUERY,
    "adaptiveCard/action": CARD_ERROR,
}
#: Invokes with no feature here (botbuilder has handlers for most, each a 501 unless overridden) and names
#: nobody knows: an empty 200, whatever their value.
NEUTRAL = ["composeExtension/querySettingUrl", "composeExtension/selectItem", "composeExtension/queryLink",
           "composeExtension/anonymousQueryLink", "composeExtension/setting", "composeExtension/onCardButtonClicked",
           "message/submitAction", "tab/fetch", "tab/submit", "config/fetch", "config/submit", "fileConsent/invoke",
           "actionableMessage/executeAction", "signin/verifyState", "signin/tokenExchange", "some/futureInvoke", ""]


def _invoke(bot: Harness, name: str, value: Any, **kwargs: Any) -> dict[str, Any]:
    activity = bot.activity(activity_type="invoke", **{**LEAD, **kwargs})
    activity["name"] = name
    activity["value"] = value  # null too: `bot.activity` leaves a None value out
    return activity


async def _post(bot: Harness, activity: dict[str, Any]) -> tuple[int, Any]:
    response = await bot.teams(activity)
    text = await response.text()
    try:
        return response.status, (json.loads(text) if text else None)
    except ValueError:
        return response.status, text


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()[:200]}" for r in caplog.records
            if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()]


async def _answers(bot: Harness, name: str, values: dict[str, Any]) -> dict[str, tuple[int, Any]]:
    return {case: await _post(bot, _invoke(bot, name, value, activity_id=f"invoke-{n}"))
            for n, (case, value) in enumerate(values.items())}


@pytest.mark.parametrize("name", [*ANSWERED, *NEUTRAL])
async def test_an_invoke_of_the_wrong_shape_is_a_200_with_its_friendly_answer(
        sqlite_url: str, caplog: pytest.LogCaptureFixture, name: str) -> None:
    caplog.set_level(logging.INFO)
    expected = ANSWERED.get(name)
    async with running(sqlite_url) as bot:
        answers = await _answers(bot, name, UGLY)
        await bot.idle()
        wrong = {case: answer for case, answer in answers.items() if answer != (200, expected)}
        assert wrong == {}, f"expected (200, {expected})"
        assert bot.connector.sent == [], "a malformed invoke was answered in the chat"
    assert _problems(caplog) == []


#: Values that are objects, with a field of the wrong shape inside, and what each invoke answers.
INNER: list[tuple[str, Any, Any]] = [
    ("task/submit", {"data": "a string"}, {"task": {"type": "message", "value": STALE_ACTION}}),
    ("task/submit", {"data": ["a", "list"]}, {"task": {"type": "message", "value": STALE_ACTION}}),
    ("task/submit", {"data": None}, {"task": {"type": "message", "value": STALE_ACTION}}),
    ("task/submit", {"data": None, "context": "x"}, TASK),
    ("task/submit", {"data": {"a": _nested(DEEPEST - 3)}}, {"task": {"type": "message", "value": STALE_ACTION}}),
    ("task/submit", {"data": {"steadybot_action": ["x"], "steadybot_value": {"a": 1}}},
     {"task": {"type": "message", "value": STALE_ACTION}}),
    ("task/submit", {"context": "not an object", "data": {"x": 1}}, TASK),
    ("task/fetch", {"data": "a string", "context": ["x"]}, TASK),
    ("composeExtension/submitAction", {"commandId": "tradeoff", "messagePayload": "a string"}, TASK),
    ("composeExtension/submitAction", {"commandId": "tradeoff", "messagePayload": {"body": ["x"]}}, TASK),
    ("composeExtension/submitAction", {"commandId": ["tradeoff"], "data": {}}, NOT_HERE_TASK),
    ("composeExtension/fetchTask", {"commandId": {"x": 1}, "commandContext": 5}, NOT_HERE_TASK),
    ("composeExtension/query", {"commandId": "x", "parameters": "not a list"}, QUERY),
    ("composeExtension/query", {"commandId": "x", "queryOptions": [1, 2]}, QUERY),
    ("adaptiveCard/action", {"action": "a string"}, CARD_ERROR),
    ("adaptiveCard/action", {"action": None, "trigger": "manual"}, CARD_ERROR),
    ("adaptiveCard/action", {"action": {"type": ["Action.Execute"]}}, CARD_ERROR),
    ("adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "x", "data": "a string"}},
     {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": STALE_ACTION}),
    ("adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "x", "data": None}},
     {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": STALE_ACTION}),
    ("message/submitAction", {"actionName": ["feedback"], "actionValue": "not an object"}, None),
    ("fileConsent/invoke", {"type": "fileUpload", "action": ["accept"], "context": "x"}, None),
]


@pytest.mark.parametrize(("name", "value", "expected"), INNER)
async def test_an_object_value_with_a_field_of_the_wrong_shape_is_a_200_with_its_friendly_answer(
        sqlite_url: str, caplog: pytest.LogCaptureFixture, name: str, value: Any, expected: Any) -> None:
    caplog.set_level(logging.INFO)
    async with running(sqlite_url) as bot:
        assert await _post(bot, _invoke(bot, name, value)) == (200, expected)
        await bot.idle()
        assert not [s for s in bot.connector.sent if SORRY_BUG in (s.text or "")], "an apology for a malformed invoke"
    assert _problems(caplog) == []


#: Card data in the steadybot shape that the bot never sealed: copied, edited or made up.
FORGED = {"forged": {"steadybot_action": "settings.open", "steadybot_value": "forged"},
          "unsigned": {"steadybot_action": "settings.open", "steadybot_value": "{}"},
          "form, unsigned": {"steadybot_form": "settings", "steadybot_context": "{}", "min_respondents": "3"}}


@pytest.mark.parametrize("case", FORGED)
async def test_forged_or_unsigned_card_data_is_refused_in_a_200(sqlite_url: str, caplog: pytest.LogCaptureFixture,
                                                              case: str) -> None:
    caplog.set_level(logging.INFO)
    data = FORGED[case]
    async with running(sqlite_url, admins=frozenset({"aad-lead"})) as bot:
        status, body = await _post(bot, _invoke(bot, "task/submit", {"data": data}, activity_id="submit-1"))
        assert (status, body) == (200, {"task": {"type": "message", "value": INVALID}}), "said in the dialog"
        status, body = await _post(bot, _invoke(bot, "adaptiveCard/action",
                                                {"action": {"type": "Action.Execute", "verb": "x", "data": data}},
                                                activity_id="execute-1"))
        assert (status, body) == (200, {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": INVALID})
        await bot.idle()
        assert bot.connector.sent == [], "the refusal was said in the chat as well"
        settings = await bot.runtime.store.settings.get(Place(Platform.TEAMS, bf_connector.CHANNEL_ID))
        assert settings.min_respondents != 3, "forged form data was applied"
    assert _problems(caplog) == []
