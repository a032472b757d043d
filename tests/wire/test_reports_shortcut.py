"""“What do we drop?” on any message: the Slack message shortcut (signed `message_action` payloads through
Bolt) and the Teams message extension action (composeExtension/submitAction through botbuilder) open the
watcher's trade-off prompt in the message's thread, quoting it; one prompt per thread, as for the watch.

Payload shapes: Slack's reference https://api.slack.com/reference/interaction-payloads/shortcuts (type
`message_action`, fields as in bolt-js's `MessageShortcut`); Teams'
https://learn.microsoft.com/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit
(`composeExtension/submitAction` with `commandId`, `commandContext: "message"` and `messagePayload`)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from handlers.scope.ports import ChannelLearning
from support import bf_connector, wire
from tests.support.harness import Harness
from tests.support.pulse_helpers import slack_team
from tests.support.scope_helpers import post_message, prompts_in, slack_buttons

_ids = itertools.count(1)


def message_shortcut(text: str, ts: str, *, thread_ts: str | None = None, user: str = "U2", channel: str = "C1",
                     response_url: str = "", callback_id: str = "tradeoff_message") -> dict[str, Any]:
    message: dict[str, Any] = {"type": "message", "user": "U3", "text": text, "ts": ts}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return {
        "type": "message_action", "token": "legacy", "action_ts": f"{time.time():.6f}",
        "team": {"id": "T1", "domain": "acme"}, "user": {"id": user, "name": user.lower(), "team_id": "T1"},
        "channel": {"id": channel, "name": "team"}, "is_enterprise_install": False,
        "callback_id": callback_id, "trigger_id": f"shortcut-trig-{next(_ids)}", "response_url": response_url,
        "message_ts": ts, "message": message,
    }


async def shortcut(bot: Harness, payload: dict[str, Any]) -> None:
    response = await bot.post_slack(wire.interactive_body(payload))
    assert response.status == 200 and (await response.text()) == ""
    await bot.idle()


async def test_slack_message_shortcut_opens_the_prompt_in_the_thread(bot: Harness) -> None:
    slack_team(bot, {"U1": "UTC", "U2": "UTC", "U3": "UTC"})
    # an ordinary-sounding request the watcher would not flag: the shortcut still asks, on purpose
    await shortcut(bot, message_shortcut("Please make the dashboard load the old reports too", "1700000000.000100"))
    (prompt,) = prompts_in(bot)
    assert prompt["channel"] == "C1" and prompt["thread_ts"] == "1700000000.000100"
    assert "Happy to — what do we drop?" in prompt["text"] or "what do we drop" in str(prompt["blocks"])
    assert "Please make the dashboard load the old reports too" in str(prompt["blocks"])
    assert set(slack_buttons(prompt)) >= {"Drop something", "Extend the deadline", "Park it", "Not scope creep"}

    # a reply inside that thread: the prompt goes to the same thread, and a thread gets one prompt, ever
    responses = len(bot.slack.responses)
    await shortcut(bot, message_shortcut("can we also add CSV?", "1700000000.000200", thread_ts="1700000000.000100",
                                         response_url=bot.slack.response_url("again")))
    assert len(prompts_in(bot)) == 1
    (answer,) = (await bot.slack.wait_for_responses(responses + 1))[responses:]
    assert answer["response_type"] == "ephemeral" and "already has" in answer["text"]

    # its buttons are the watcher's: "Not scope creep" records a dismissal, but a prompt someone asked for is
    # not the watch's own, so it is no false alarm and teaches the channel's threshold nothing
    action_id, value = slack_buttons(prompt)["Not scope creep"]
    response = await bot.press(action_id, value, message_ts="1700000000.000300")
    assert response.status == 200
    await bot.idle()
    counts = await bot.runtime.store.scope.counts(bot_place(), bot.clock.now().replace(year=2000))
    assert counts.dismissed == 1 and counts.watch_prompts == 0 and counts.false_alarms == 0
    assert (await bot.runtime.store.scope.learning(bot_place())).offset == 0.0


async def test_a_member_cannot_turn_the_watch_down_by_dismissing_prompts_they_asked_for(bot: Harness) -> None:
    slack_team(bot, {"U1": "UTC", "U2": "UTC", "U3": "UTC"})  # U1 created #C1; U2 is a plain member
    await bot.slash("/steadybot", "settings scope on", user="U1")
    await bot.idle()
    for n in range(4):  # four harmless messages, each given a prompt on request, each dismissed by U2
        await shortcut(bot, message_shortcut(f"lunch at {n}?", f"1700000000.00010{n}", user="U2"))
        action_id, value = slack_buttons(prompts_in(bot)[-1])["Not scope creep"]
        await bot.press(action_id, value, user="U2", message_ts=f"1700000001.00010{n}")
        await bot.idle()
    done = [c.params for c in bot.slack.calls_to("chat.update") if "not scope creep" in str(c.params)]
    assert done and all("less eager" not in str(params) for params in done)  # it says it learned nothing
    assert await bot.runtime.store.scope.learning(bot_place()) == ChannelLearning()
    before = len(prompts_in(bot))
    await post_message(bot, "can we also add SSO?", "1700000002.000001", user="U3")
    assert len(prompts_in(bot)) == before + 1  # the watch still fires on real scope creep


async def test_the_watchs_own_prompts_still_learn_from_not_scope_creep(bot: Harness) -> None:
    slack_team(bot, {"U1": "UTC", "U2": "UTC", "U3": "UTC"})
    await bot.slash("/steadybot", "settings scope on", user="U1")
    await bot.idle()
    await post_message(bot, "can we also add SSO?", "1700000002.000001", user="U3")
    (prompt,) = prompts_in(bot)
    action_id, value = slack_buttons(prompt)["Not scope creep"]
    await bot.press(action_id, value, user="U2", message_ts="1700000002.000002")
    await bot.idle()
    learned = await bot.runtime.store.scope.learning(bot_place())
    assert learned.dismissals == 1 and learned.offset > 0
    counts = await bot.runtime.store.scope.counts(bot_place(), bot.clock.now().replace(year=2000))
    assert counts.watch_prompts == 1 and counts.false_alarms == 1


def bot_place() -> Any:
    from handlers.core.types import Place, Platform

    return Place(Platform.SLACK, "C1", "T1")


async def test_slack_shortcut_on_an_empty_message_or_in_a_dm_is_friendly(bot: Harness) -> None:
    slack_team(bot, {"U2": "UTC"})
    before = len(bot.slack.responses)
    await shortcut(bot, message_shortcut("", "1700000000.000400", response_url=bot.slack.response_url("empty")))
    await shortcut(bot, message_shortcut("add dark mode", "1700000000.000500", channel="D123",
                                         response_url=bot.slack.response_url("dm")))
    answers = (await bot.slack.wait_for_responses(before + 2))[before:]
    assert "no text I can weigh" in answers[0]["text"] and "team channel" in answers[1]["text"]
    assert prompts_in(bot) == []


async def test_slack_shortcut_rejects_an_unsigned_payload(bot: Harness) -> None:
    body = wire.interactive_body(message_shortcut("add dark mode", "1700000000.000600"))
    response = await bot.client.post("/slack/events", data=body.encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 401 and prompts_in(bot) == []


def submit_action(bot: Harness, text: str, message_id: str, *, root: str | None = None) -> dict[str, Any]:
    conversation = f"{bf_connector.CHANNEL_ID};messageid={root or message_id}"
    activity = bot.activity("", conversation_type="channel", conversation=conversation, activity_type="invoke")
    activity["name"] = "composeExtension/submitAction"
    activity["value"] = {
        "commandId": "tradeoff", "commandContext": "message", "context": {"theme": "default"},
        "data": {"note": ""},
        "messagePayload": {
            "id": message_id, "replyToId": root, "messageType": "message", "createdDateTime": "2026-03-02T09:00:00Z",
            "importance": "normal", "locale": "en-us",
            "from": {"user": {"id": "aad-3", "displayName": "Bo", "userIdentityType": "aadUser"}},
            "body": {"contentType": "html", "content": f"<p>{text}</p>"},
            "attachments": [], "mentions": [], "reactions": [],
        },
    }
    return activity


async def test_teams_message_action_opens_the_prompt_in_the_thread(bot: Harness) -> None:
    before = len(bot.connector.sent)
    response = await bot.client.post("/api/messages", json=submit_action(bot, "Could we &amp; also add SSO?", "1700000000111"))
    assert response.status == 200
    await bot.settle()
    sent = bot.connector.sent[before:]
    prompt = next(s for s in sent if "Drop something" in str(s.card))
    assert prompt.conversation_id.endswith(";messageid=1700000000111")
    assert "Could we & also add SSO?" in prompt.text and "<p>" not in prompt.text
    again = await bot.client.post("/api/messages", json=submit_action(bot, "more", "1700000000222",
                                                                      root="1700000000111"))
    assert again.status == 200
    assert "already has" in (await again.json())["composeExtension"]["text"]
    await bot.settle()
    assert len([s for s in bot.connector.sent if "Drop something" in str(s.card)]) == 1
