"""Helpers for the scope-creep wire tests: Slack message events, waiting for Bolt's after-ack work, and
reading the buttons of what the bot posted."""

from __future__ import annotations

from typing import Any

from support import bf_connector
from tests.support.harness import Harness, block_texts

texts = block_texts

SCOPE_CREEP = "while we're at it, can we also add a CSV export to the release?"
ORDINARY = "merged the PR, the build is green again"


def message(text: str, ts: str, *, channel: str = "C1", user: str = "U1", thread_ts: str | None = None,
            **extra: Any) -> dict[str, Any]:
    """A Slack `message` event as it arrives for a channel the bot is in."""
    event: dict[str, Any] = {"type": "message", "channel": channel, "channel_type": "channel", "user": user,
                             "text": text, "ts": ts, **extra}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


async def post_message(bot: Harness, text: str, ts: str, *, event_id: str | None = None,
                       headers: dict[str, str] | None = None, **kwargs: Any) -> None:
    response = await bot.event(message(text, ts, **kwargs), event_id=event_id, headers=headers)
    assert response.status == 200, await response.text()
    await bot.idle()


def slack_buttons(params: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """label → (action_id, value) of every button in a Block Kit message."""
    out: dict[str, tuple[str, str]] = {}
    for block in params.get("blocks") or []:
        if block.get("type") != "actions":
            continue
        for element in block.get("elements") or []:
            out[element["text"]["text"]] = (element["action_id"], element.get("value", ""))
    return out


def prompts_in(bot: Harness) -> list[dict[str, Any]]:
    """The trade-off prompts the bot posted in Slack (thread replies with the "what do we drop?" ask)."""
    return [c.params for c in bot.slack.calls_to("chat.postMessage") if "Drop something" in slack_buttons(c.params)]


def teams_channel_message(bot: Harness, text: str, message_id: str, *, root: str | None = None,
                          user: str = "29:u1", **kwargs: Any) -> dict[str, Any]:
    """A Teams channel message the bot receives through resource-specific consent (no @mention). A new
    post's conversation id carries its own id as the thread; a reply carries the root post's id."""
    conversation = f"{bf_connector.CHANNEL_ID};messageid={root or message_id}"
    return bot.activity(text, conversation_type="channel", conversation=conversation, activity_id=message_id,
                        user=user, **kwargs)


def card_actions(card: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """title → data of every Action.Submit on an Adaptive Card."""
    return {a["title"]: a.get("data", {}) for a in (card or {}).get("actions", [])}
