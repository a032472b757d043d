"""Helpers for the meeting and timebox wire tests: a small team in the fakes, Slack's after-ack work,
reading what the bot posted (text and buttons), pressing those buttons, and moving the clock to a moment."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from support.bf_connector import Sent
from tests.support.harness import Harness

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def fake_pacing(bot: Harness) -> None:
    """Let the send pacing (one Slack message per second per channel) run on the test's clock, so tests
    that jump from moment to moment don't sleep for real between posts to one channel."""
    bot.runtime.limiter._now = lambda: bot.clock.now().timestamp()


def team(bot: Harness, *, tz: str = BERLIN) -> None:
    """Ana (U1, creator of #C1, in `tz`), Ben (U2, New York) and Chloé (U3) in channel C1."""
    fake_pacing(bot)
    bot.slack.add_user("U1", "Ana", tz=tz)
    bot.slack.add_user("U2", "Ben", tz=NEW_YORK)
    bot.slack.add_user("U3", "Chloé", tz=BERLIN)
    bot.slack.add_channel("C1", "U1", ["U1", "U2", "U3", "UBOT"])


def text_of(params: dict[str, Any]) -> str:
    """All visible text of a Slack message (sections, fields) and its button labels in [brackets]."""
    parts: list[str] = []
    for block in params.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        for field in block.get("fields") or []:
            parts.append(field.get("text", ""))
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                parts.append(f"[{element['text']['text']}]")
    return "\n".join(parts) or str(params.get("text") or "")


def buttons(params: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """label → (action_id, value) of every button in a Slack message."""
    out: dict[str, tuple[str, str]] = {}
    for block in params.get("blocks") or []:
        if block.get("type") == "actions":
            for element in block.get("elements") or []:
                out[element["text"]["text"]] = (element["action_id"], element.get("value", ""))
    return out


def posts(bot: Harness, channel: str | None = "C1") -> list[dict[str, Any]]:
    """chat.postMessage calls (to `channel`, or all when None), oldest first."""
    return [c.params for c in bot.slack.calls_to("chat.postMessage")
            if channel is None or c.params.get("channel") == channel]


def post_texts(bot: Harness, channel: str | None = "C1") -> list[str]:
    return [text_of(p) for p in posts(bot, channel)]


async def command(bot: Harness, name: str, text: str, **kwargs: Any) -> None:
    """A slash command, waiting until the bot has answered it."""
    response = await bot.slash(name, text, **kwargs)
    assert response.status == 200, await response.text()
    await bot.idle()


async def ephemeral(bot: Harness, name: str, text: str, **kwargs: Any) -> str:
    """A slash command answered only to the asker (through response_url); returns what it said."""
    return text_of(await bot.slash_reply(name, text, **kwargs))


async def press(bot: Harness, message: dict[str, Any], label: str, *, user: str = "U1", channel: str = "C1",
                **kwargs: Any) -> None:
    action_id, value = buttons(message)[label]
    response = await bot.press(action_id, value, user=user, channel=channel, **kwargs)
    assert response.status == 200, await response.text()
    await bot.idle()


async def at(bot: Harness, moment: datetime) -> None:
    """Jump the clock to `moment` and run what is due (periodic work, then the outbox)."""
    bot.clock.set(moment)
    await bot.settle()


def last_modal(bot: Harness) -> dict[str, Any]:
    """The view of the last views.open call and its private metadata."""
    view = bot.slack.calls_to("views.open")[-1].params["view"]
    return view if isinstance(view, dict) else json.loads(view)


async def submit_modal(bot: Harness, values: dict[str, str], *, user: str = "U1") -> None:
    view = last_modal(bot)
    response = await bot.submit(view["private_metadata"], values, user=user)
    assert response.status == 200, await response.text()
    await bot.idle()


# ---- Teams ------------------------------------------------------------------------------------------
def card_actions(sent: Sent) -> dict[str, dict[str, Any]]:
    """title → data of every Action.Submit in the card of a sent Teams activity."""
    card = sent.card or {}
    return {a["title"]: a.get("data", {}) for a in card.get("actions", []) if a.get("type") == "Action.Submit"}


def channel_activity(bot: Harness, text: str, *, user: str = "29:u1", name: str = "Ana", aad: str = "aad-1",
                     tz: str | None = BERLIN, **kwargs: Any) -> dict[str, Any]:
    return bot.activity(text, conversation_type="channel", mention=True, user=user, name=name, aad=aad,
                        local_timezone=tz, **kwargs)
