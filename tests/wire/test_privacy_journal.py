"""Issue 12: the journal (`/pulse me`) is shown where it does not stay in the chat's history. Slack: always
ephemeral, also when typed in a DM, and its "Delete this message" button deletes the ephemeral message.
Teams: a card whose message id is recorded; its button deletes it (Bot Framework delete activity), and so
does a forget."""

from __future__ import annotations

import json
from typing import Any

from bot.teams.render import ACTION_KEY
from handlers.core.types import Platform
from handlers.pulse.journal import HIDE
from tests.support.harness import Harness, block_texts


def _teams_button(card: dict[str, Any], title: str) -> dict[str, Any]:
    """The data of the card's button with this title (sealed for the conversation it was sent to)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit" and node.get("title") == title:
                found.append(dict(node.get("data") or {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    assert found, f"no {title!r} button in {json.dumps(card)[:300]}"
    return found[0]


def _slack_button(blocks: Any, action: str) -> tuple[str, str]:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks:
        for element in block.get("elements") or []:
            if str(element.get("action_id", "")).startswith(action):
                return str(element["action_id"]), str(element.get("value", ""))
    raise AssertionError(f"no {action} button")


async def test_teams_journal_card_is_recorded_and_deleted_by_its_button(bot: Harness) -> None:
    await bot.teams(bot.activity("pulse me on"))
    before = len(bot.connector.sent)
    await bot.teams(bot.activity("pulse me"))
    [card] = (await bot.connector.wait_for(before + 1))[before:]
    assert "Your pulse journal" in card.text and "Delete this message" in str(card.card)
    [ref] = await bot.runtime.store.pulse.journal_messages(Platform.TEAMS, "29:u1")
    assert (ref.channel_id, ref.message_id) == (card.conversation_id, card.activity["_id"])
    data = _teams_button(card.card or {}, "Delete this message")
    assert data.get(ACTION_KEY, "").startswith(HIDE) or HIDE in str(data)
    await bot.teams(bot.activity(value=data, reply_to_id=ref.message_id))
    deletes = [s for s in bot.connector.sent if s.kind == "delete"]
    assert [(d.conversation_id, d.reply_to) for d in deletes] == [(ref.channel_id, ref.message_id)]
    assert await bot.runtime.store.pulse.journal_messages(Platform.TEAMS, "29:u1") == []


async def test_slack_journal_is_ephemeral_even_in_a_dm_and_its_button_deletes_it(bot: Harness) -> None:
    bot.slack.add_user("U1", "Ana", tz="UTC")
    await bot.slash_reply("/pulse", "me on", user="U1")
    shown = await bot.slash_reply("/pulse", "me", user="U1")
    assert shown.get("response_type") == "ephemeral" and HIDE in str(shown.get("blocks"))
    posts = len(bot.slack.calls_to("chat.postMessage"))
    await bot.event({"type": "message", "channel_type": "im", "user": "U1", "channel": "D1", "text": "pulse me",
                     "ts": "1700000001.000100"})
    [ephemeral] = await bot.slack.wait_for("chat.postEphemeral")
    assert "Your pulse journal" in block_texts(ephemeral.params) and ephemeral.params["user"] == "U1"
    await bot.settle()
    assert not [c for c in bot.slack.calls_to("chat.postMessage")[posts:] if "journal" in block_texts(c.params)]
    action_id, value = _slack_button(ephemeral.params.get("blocks") or [], HIDE)
    before = len(bot.slack.responses)
    response = await bot.press(action_id, value, user="U1", channel="D1", is_ephemeral=True)
    assert response.status == 200
    [deleted] = (await bot.slack.wait_for_responses(before + 1))[before:]
    assert deleted.get("delete_original") is True
