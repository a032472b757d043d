"""Answers Slack refuses to show must still reach the person (bot/slack/replier.py): never silence, never a
stack trace (DESIGN.md: "never a stack trace, never silence").

- A modal opens only with a trigger_id that is fresh (Slack gives 3 seconds) and unused; views.open answers
  `expired_trigger_id` / `exchanged_trigger_id` otherwise (https://docs.slack.dev/reference/methods/views.open/).
  A press that waited in the after-ack lane behind a burst (everyone pressing a pulse DM's "Answer" at once)
  meets exactly that.
- chat.postMessage answers `not_in_channel` / `channel_not_found` where the bot cannot post (a private channel
  it was not invited to), while the request's response_url still takes a message there
  (https://api.slack.com/interactivity/handling#message_responses).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sealing import ActionSeal
from bot.slack import render
from bot.slack.replier import Respond, SlackReplier
from handlers.core.signing import Signer
from handlers.core.types import Choice, Field, Form, Place, Platform, Reply
from support.slack_api import FakeSlackApi, FaultAnswer
from tests.support.harness import block_texts, running
from tests.support.pulse_helpers import launch_value, pulse_dms, pulse_now, slack_team


def _refuse(method: str, error: str) -> Any:
    def fault(called: str, _params: dict[str, Any]) -> FaultAnswer:
        return (200, {"ok": False, "error": error}, {}) if called == method else None
    return fault


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks") or [] if b.get("type") == "actions" for e in b.get("elements") or []]


@pytest.mark.parametrize("error", ["expired_trigger_id", "exchanged_trigger_id"])
async def test_a_pulse_answer_button_whose_modal_slack_refuses_answers_with_the_button_again(
        sqlite_url: str, caplog: pytest.LogCaptureFixture, error: str) -> None:
    async with running(sqlite_url, teams=False) as bot:
        slack_team(bot, {f"U{i}": "UTC" for i in range(1, 8)})
        await pulse_now(bot)
        call = pulse_dms(bot, "U2")[-1]
        bot.slack.faults.append(_refuse("views.open", error))
        with caplog.at_level(logging.WARNING):
            response = await bot.press("form.open", launch_value(call), user="U2", channel="D2", message_ts="dm-1")
            assert response.status == 200
            await bot.idle()
        assert not [r for r in caplog.records if r.exc_info], "a stack trace in the log"
        assert len(bot.slack.responses) == 1, f"silence, or more than one answer: {bot.slack.responses}"
        answer = bot.slack.responses[0]
        assert answer["response_type"] == "ephemeral"  # the person's own DM press: only to them
        (button,) = [b for b in _buttons(answer) if render.route_of(b["action_id"]) == render.FORM_OPEN]
        # the new button opens the same questionnaire, sealed for the same place: a press on it works
        bot.slack.faults.clear()
        views = len(bot.slack.calls_to("views.open"))
        assert (await bot.press(button["action_id"], button["value"], user="U2", channel="D2",
                                message_ts="dm-1")).status == 200
        await bot.idle()
        assert len(bot.slack.calls_to("views.open")) == views + 1


async def test_a_reply_that_is_only_a_form_gets_its_launch_button_when_the_modal_is_refused() -> None:
    """A command's answer that is only a form (Reply.just_form) rides as a modal; when Slack refuses the
    modal the answer still goes out, as the form's launch button, through the response_url."""
    api = await FakeSlackApi().start()
    try:
        api.faults.append(_refuse("views.open", "expired_trigger_id"))
        async with aiohttp.ClientSession() as session:
            client = AsyncWebClient(token="xoxb-t", base_url=api.url, session=session, timeout=5, retry_handlers=[])
            where = Place(Platform.SLACK, "C1", "T1")
            replier = SlackReplier(client, "U1", where, respond=Respond(api.response_url("r1"), session),
                                   trigger_id="trig-old", seal=ActionSeal(Signer(b"k" * 32)))
            form = Form("agenda.add", "Add an agenda item", (Field("q", "Q", choices=(Choice("1", "one"),)),),
                        context="7", launch_label="Add an item")
            await replier.send([Reply.just_form(form)])
        assert len(api.responses) == 1
        assert [render.route_of(b["action_id"]) for b in _buttons(api.responses[0])] == [render.FORM_OPEN]
    finally:
        await api.close()


@pytest.mark.parametrize("budget", [0.0, 2.0])  # the answer after a bare ack, and the answer in the ack's body
@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
async def test_a_channel_answer_slack_refuses_reaches_the_person_once(
        sqlite_url: str, caplog: pytest.LogCaptureFixture, error: str, budget: float) -> None:
    async with running(sqlite_url, teams=False, slack_answer_in_ack=budget) as bot:
        bot.slack.faults.append(_refuse("chat.postMessage", error))
        with caplog.at_level(logging.WARNING):
            response = await bot.slash("/timebox", "25m review", channel="G123", channel_name="privategroup")
            assert response.status == 200
            await bot.idle()
        assert len(bot.slack.responses) == 1, f"silence, or more than one answer: {bot.slack.responses}"
        answer = bot.slack.responses[0]
        assert answer["response_type"] == "ephemeral"  # never shown to the channel in the bot's stead
        text = block_texts(answer)
        assert "25m timebox started" in text and "/invite" in text
        assert not [r for r in caplog.records if r.exc_info]
        if budget:
            assert answer["_via"] == "ack" and json.loads(await response.text())["response_type"] == "ephemeral"
