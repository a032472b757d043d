"""Teams invokes through real botbuilder: Universal Actions (adaptiveCard/action) run the card's data like
Action.Submit and answer with a card or a message; task/submit runs a form; message extension actions go to
the handler registered for their command id; msrest's unknown-field warnings are DEBUG; only a person's own
request gets an apology when something fails."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import AdaptiveCardInvokeValue
from botbuilder.schema.teams import (
    MessagingExtensionAction,
    MessagingExtensionActionResponse,
    TaskModuleMessageResponse,
)

from bot.teams import msrest_noise
from bot.teams.bot import CARD_RESPONSE, MESSAGE_RESPONSE, STALE_ACTION, MessageAction
from handlers.core.errors import SORRY_BUG
from handlers.core.types import Place, Platform
from support import bf_connector
from tests.support.harness import Harness, running

LEAD = {"user": "29:lead", "aad": "aad-lead", "conversation_type": "channel"}


def _invoke(bot: Harness, name: str, value: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    activity = bot.activity(activity_type="invoke", value=value, **kwargs)
    activity["name"] = name
    return activity


async def _post(bot: Harness, activity: dict[str, Any]) -> tuple[int, Any]:
    response = await bot.teams(activity)
    text = await response.text()
    return response.status, (json.loads(text) if text else None)


async def _settings_button(bot: Harness) -> dict[str, Any]:
    await bot.teams(bot.activity("steadybot settings", mention=True, **LEAD))
    card = (await bot.connector.wait_for(1))[0].card
    assert card is not None
    return dict(card["actions"][0]["data"])


async def test_universal_action_runs_the_card_data_and_answers_in_the_body(sqlite_url: str) -> None:
    async with running(sqlite_url, admins=frozenset({"aad-lead"})) as bot:
        data = await _settings_button(bot)
        execute = _invoke(bot, "adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "settings",
                                                                  "data": data}, "trigger": "manual"},
                          activity_id="invoke-1", reply_to_id="activity-1", **LEAD)
        status, body = await _post(bot, execute)
        assert status == 200 and body["statusCode"] == 200
        assert body["type"] in (CARD_RESPONSE, MESSAGE_RESPONSE)
        shown = json.dumps(body["value"]) + json.dumps([s.activity for s in bot.connector.sent[1:]])
        assert "min_respondents" in shown  # the settings form it opens
        sent = len(bot.connector.sent)
        again_status, again = await _post(bot, execute)  # a redelivery runs nothing again
        assert again_status == 200 and again["statusCode"] == 200 and len(bot.connector.sent) == sent


async def test_universal_action_with_foreign_data_gets_a_message(sqlite_url: str) -> None:
    async with running(sqlite_url) as bot:
        status, body = await _post(bot, _invoke(bot, "adaptiveCard/action",
                                                {"action": {"type": "Action.Execute", "verb": "x",
                                                            "data": {"ticketId": "42"}}}))
        assert (status, body) == (200, {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": STALE_ACTION})
        status, body = await _post(bot, _invoke(bot, "adaptiveCard/action", {"action": {"type": "Action.Submit"}}))
        assert status == 200 and body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error"
        assert bot.connector.sent == []


async def test_task_submit_runs_a_form_and_closes_the_dialog(sqlite_url: str) -> None:
    async with running(sqlite_url, admins=frozenset({"aad-lead"})) as bot:
        await bot.teams(bot.activity(value=await _settings_button(bot), reply_to_id="activity-1", **LEAD))
        card = (await bot.connector.wait_for(2))[1].card
        assert card is not None
        form = card["actions"][0]["data"]
        status, body = await _post(bot, _invoke(bot, "task/submit", {"data": {**form, "min_respondents": "6"}},
                                                **LEAD))
        assert (status, body) == (200, None)
        settings = await bot.runtime.store.settings.get(Place(Platform.TEAMS, bf_connector.CHANNEL_ID))
        assert settings.min_respondents == 6


async def test_message_actions_are_routed_by_command_id(sqlite_url: str) -> None:
    seen: list[str] = []

    async def fetch(context: TurnContext, action: MessagingExtensionAction) -> MessagingExtensionActionResponse:
        seen.append(f"fetch {action.command_id} {action.message_payload.body.content}")
        return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value="what do we drop?"))

    async def submit(context: TurnContext, action: MessagingExtensionAction) -> None:
        seen.append(f"submit {action.command_id} {action.data}")

    async with running(sqlite_url) as bot:
        assert bot.runtime.teams is not None
        bot.runtime.teams.bot.add_message_action("tradeoff", MessageAction(submit=submit, fetch=fetch))
        message = {"commandId": "tradeoff", "commandContext": "message",
                   "messagePayload": {"id": "1", "body": {"contentType": "html", "content": "can we also add SSO"}}}
        assert await _post(bot, _invoke(bot, "composeExtension/fetchTask", message, **LEAD)) == \
            (200, {"task": {"type": "message", "value": "what do we drop?"}})
        assert await _post(bot, _invoke(bot, "composeExtension/submitAction",
                                        {**message, "data": {"drop": "x"}}, **LEAD)) == (200, None)
        other = await _post(bot, _invoke(bot, "composeExtension/fetchTask", {**message, "commandId": "nope"}, **LEAD))
        assert other[0] == 200 and other[1]["task"]["type"] == "message"
        assert seen == ["fetch tradeoff can we also add SSO", "submit tradeoff {'drop': 'x'}"]


@pytest.mark.parametrize(("name", "value"), [
    ("composeExtension/query", {"commandId": "x", "parameters": [{"name": "q", "value": "a"}]}),
    ("composeExtension/selectItem", {"id": "1"}),
    ("composeExtension/querySettingUrl", {"commandId": "x"}),
    ("tab/fetch", {"tabContext": {"tabEntityId": "t"}}),
    ("signin/verifyState", {"state": "123"}),
    ("fileConsent/invoke", {"type": "fileUpload", "action": "decline", "context": {}}),
    ("some/futureInvoke", {}),
])
async def test_other_invokes_are_never_501(sqlite_url: str, name: str, value: dict[str, Any]) -> None:
    async with running(sqlite_url) as bot:
        status, body = await _post(bot, _invoke(bot, name, value))
        assert status == 200
        if name == "composeExtension/query":
            assert body == {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": []}}


async def test_an_error_apologises_only_to_a_persons_own_request(sqlite_url: str, caplog: pytest.LogCaptureFixture,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(sqlite_url) as bot:
        assert bot.runtime.teams is not None
        teams_bot = bot.runtime.teams.bot

        async def broken(*args: Any) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(teams_bot, "on_teams_members_added", broken)
        monkeypatch.setattr(teams_bot, "on_installation_update_add", broken)
        joined = bot.activity(activity_type="conversationUpdate", conversation_type="channel")
        joined["membersAdded"] = [{"id": "29:new", "name": "New"}]
        joined["channelData"]["eventType"] = "teamMemberAdded"
        installed = bot.activity(activity_type="installationUpdate", conversation_type="channel")
        installed["action"] = "add"
        with caplog.at_level(logging.ERROR):
            for activity in (joined, installed):
                assert (await bot.teams(activity)).status in (200, 201)
        assert bot.connector.sent == []  # logged, but nobody asked anything: no apology
        assert caplog.text.count("Teams turn failed: RuntimeError") == 2
        monkeypatch.setattr(teams_bot.core, "run_typed", broken)
        await bot.teams(bot.activity("help"))
        assert [s.text for s in bot.connector.sent] == [SORRY_BUG]


def test_msrest_unknown_fields_are_debug_other_warnings_stay(caplog: pytest.LogCaptureFixture) -> None:
    msrest_noise.quiet()
    msrest_noise.quiet()  # idempotent
    assert sum(isinstance(f, msrest_noise.UnknownFieldsAtDebug)
               for f in logging.getLogger(msrest_noise.LOGGER).filters) == 1
    with caplog.at_level(logging.WARNING):
        AdaptiveCardInvokeValue(action={"type": "Action.Execute"}, trigger="manual")  # what botbuilder does
        logging.getLogger(msrest_noise.LOGGER).warning("Unable to serialize %s", "thing")
    assert [r.getMessage() for r in caplog.records] == ["Unable to serialize thing"]
    with caplog.at_level(logging.DEBUG, logger=msrest_noise.LOGGER):
        AdaptiveCardInvokeValue(trigger="manual")
    assert any(r.levelno == logging.DEBUG and "trigger is not a known attribute" in r.getMessage()
               for r in caplog.records)
