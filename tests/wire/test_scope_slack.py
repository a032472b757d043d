"""Scope creep through the real Slack wire: signed message events into Bolt, the fake Web API, buttons
pressed as signed block_actions, forms as modal submissions. The feature's behaviour itself (one prompt per
thread, the four ways out, learning, settings): tests/features/test_scope.py."""

from __future__ import annotations

import json
from datetime import timedelta

from handlers.core.types import Place, Platform
from handlers.scope.api import decisions_summary
from support import wire
from tests.support.cards import assert_valid_blocks
from tests.support.harness import Harness
from tests.support.scope_helpers import (
    ORDINARY,
    SCOPE_CREEP,
    message,
    post_message,
    prompts_in,
    slack_buttons,
    texts,
)

C1 = Place(Platform.SLACK, "C1", "T1")


async def _prompt(bot: Harness, text: str = SCOPE_CREEP, ts: str = "100.000001", **kwargs) -> dict:  # type: ignore[no-untyped-def]
    before = len(prompts_in(bot))
    await post_message(bot, text, ts, **kwargs)
    prompts = prompts_in(bot)
    assert len(prompts) == before + 1, [texts(c.params) for c in bot.slack.calls]
    return prompts[-1]


async def _press(bot: Harness, params: dict, label: str, *, message_ts: str = "900.000001", **kwargs) -> None:  # type: ignore[no-untyped-def]
    action_id, value = slack_buttons(params)[label]
    response = await bot.press(action_id, value, message_ts=message_ts, **kwargs)
    assert response.status == 200
    await bot.idle()


def _updates(bot: Harness) -> list[dict]:
    return [c.params for c in bot.slack.calls_to("chat.update")]


async def _summary(bot: Harness, place: Place = C1):  # type: ignore[no-untyped-def]
    return await decisions_summary(bot.runtime.services, place, bot.clock.now() - timedelta(days=1))


# ---- the prompt ------------------------------------------------------------------------------------------
async def test_scope_creep_gets_a_thread_reply_with_the_four_ways_out(bot: Harness) -> None:
    prompt = await _prompt(bot, ts="100.000001")
    assert prompt["channel"] == "C1"
    assert prompt["thread_ts"] == "100.000001"  # in the message's thread, never in the channel itself
    body = texts(prompt)
    assert "Happy to — what do we drop?" in body
    assert "CSV export to the release" in body  # the request, quoted
    assert list(slack_buttons(prompt)) == ["Drop something", "Extend the deadline", "Park it", "Not scope creep"]
    # ids, not the request (inside the seal, bot/sealing.py)
    assert all(len(wire.unsealed(value)) <= 20 for _, value in slack_buttons(prompt).values())
    assert_valid_blocks(prompt["blocks"])


async def test_ordinary_chat_and_bots_get_nothing(bot: Harness) -> None:
    await post_message(bot, ORDINARY, "101.000001")
    await post_message(bot, "can we also grab coffee after standup?", "101.000002")
    await post_message(bot, "we decided to drop the PDF export from the release", "101.000003")
    # other bots' messages and the bot's own
    await post_message(bot, SCOPE_CREEP, "101.000004", bot_id="B999")
    await post_message(bot, SCOPE_CREEP, "101.000005", subtype="bot_message", bot_id="B999")
    await post_message(bot, SCOPE_CREEP, "101.000006", user="UBOT")
    # joins and other subtypes
    await post_message(bot, f"<@U1> has joined the channel. {SCOPE_CREEP}", "101.000007", subtype="channel_join")
    # a message that talks to the bot is a command, not chat to watch
    await post_message(bot, f"<@UBOT> {SCOPE_CREEP}", "101.000008")
    assert prompts_in(bot) == []


async def test_slack_retries_are_handled_once(bot: Harness) -> None:
    event = message(SCOPE_CREEP, "300.000001")
    assert (await bot.event(event, event_id="EvRetry1")).status == 200
    for attempt in ("1", "2", "3"):
        response = await bot.event(event, event_id="EvRetry1",
                                   headers={"X-Slack-Retry-Num": attempt, "X-Slack-Retry-Reason": "http_timeout"})
        assert response.status == 200
    await bot.idle()
    assert len(prompts_in(bot)) == 1
    # the retry of a message that did not fire does not fire either, and costs no prompt row
    event = message(ORDINARY, "300.000002")
    await bot.event(event, event_id="EvRetry2")
    await bot.event(event, event_id="EvRetry2", headers={"X-Slack-Retry-Num": "1"})
    await bot.idle()
    assert len(prompts_in(bot)) == 1
    assert (await _summary(bot)).prompts == 1


async def test_edits_never_bring_a_prompt(bot: Harness) -> None:
    await _prompt(bot, ts="400.000001")
    edit = {"type": "message", "subtype": "message_changed", "channel": "C1", "channel_type": "channel",
            "ts": "400.000009", "message": {"type": "message", "user": "U1", "ts": "400.000001",
                                            "text": SCOPE_CREEP + " (edited)", "edited": {"user": "U1"}}}
    await bot.event(edit)
    # an ordinary message edited into an ask: it was considered when it was posted
    await post_message(bot, ORDINARY, "401.000001")
    edit = {**edit, "ts": "401.000009",
            "message": {"type": "message", "user": "U1", "ts": "401.000001", "text": SCOPE_CREEP}}
    await bot.event(edit)
    await bot.idle()
    assert len(prompts_in(bot)) == 1


# ---- the actions -------------------------------------------------------------------------------------------


async def test_drop_something_typed_into_the_modal(bot: Harness) -> None:
    await bot.slash_reply("/tradeoff", "commit PDF export")
    prompt = await _prompt(bot, ts="710.000001")
    await _press(bot, prompt, "Drop something", message_ts="710.000002")
    choices = _updates(bot)[-1]
    await _press(bot, choices, "Type it in…", message_ts="710.000002")
    opened = (await bot.slack.wait_for("views.open"))[0].params
    metadata = opened["view"]["private_metadata"]
    assert wire.unsealed_metadata(metadata)["f"] == "scope.drop_form"
    assert wire.unsealed_metadata(metadata)["msg"] == ["C1", "710.000002"]
    # empty: a friendly answer, nothing decided
    await bot.submit(metadata, {"dropped": "  ", "added": ""})
    await bot.idle()
    posted = await bot.slack.wait_for("chat.postEphemeral")
    assert "what we drop" in texts(posted[-1].params)
    assert (await _summary(bot)).open == 1
    await bot.submit(metadata, {"dropped": "pdf export", "added": "CSV export"})
    await bot.idle()
    decided = _updates(bot)[-1]
    assert decided["ts"] == "710.000002"
    assert "Added “CSV export”; dropped “PDF export”" in texts(decided)  # the listed item, matched by name
    listed = await bot.slash_reply("/tradeoff", "commitments")
    assert "PDF export" not in listed["text"] and "1. CSV export" in listed["text"]


async def test_buttons_from_another_channel_or_garbage_values_are_refused(bot: Harness) -> None:
    prompt = await _prompt(bot, ts="790.000001")
    action_id, sealed = slack_buttons(prompt)["Park it"]
    value = wire.unsealed(sealed)
    # garbage the bot itself might have sealed: the core refuses it (unsealed garbage: tests/test_security_*.py)
    for bad in ("", "abc", "-1", "0", "1:2:3", "9" * 40, "\u202e1", value + "0000"):
        await bot.press(action_id, bot.sealed(action_id, bad), message_ts="790.000002")
        await bot.idle()
    await bot.press(action_id, bot.sealed(action_id, value, channel="C2"), channel="C2", message_ts="790.000002")
    await bot.press("scope.drop.item#0", bot.sealed("scope.drop.item", f"{value}:nope"), message_ts="790.000002")
    await bot.press("scope.extend.by#0", bot.sealed("scope.extend.by", f"{value}:1y"), message_ts="790.000002")
    await bot.idle()
    answers = bot.slack.responses
    assert answers and all("no longer available" in a["text"] for a in answers)
    await bot.press(action_id, sealed, channel="C2", message_ts="790.000002")  # the C1 value itself, in C2
    await bot.idle()
    assert "no longer valid" in bot.slack.responses[-1]["text"]
    assert "Traceback" not in json.dumps(answers)
    assert _updates(bot) == []
    assert (await _summary(bot)).open == 1
