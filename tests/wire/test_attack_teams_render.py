"""A card too big for Teams is refused whole: the person sees nothing (bot/teams/render.py).

Teams refuses a bot message over its size limit with 413 RequestEntityTooLarge, error code
MessageSizeTooBig, the payload measured encoded as UTF-16 (https://learn.microsoft.com/microsoftteams/
platform/bots/how-to/format-your-bot-messages: 28 KB in older versions of the page, 40 KB later, 100 KB
with 80 KB recommended now; bot/limits.py records ~28 KB). The fake connector accepts anything, so the
test measures what it received. A full parking lot (100 ideas of up to 200 characters each,
handlers/scope/commands.py) listed with `tradeoff parking` made a card of about 54 KB in UTF-16 with
accented text: refused by Teams, and the person got no answer at all. Slack's renderer shortens what is
over its block limit ("(shortened)"); a Teams card must shorten too, keeping its beginning.
"""

from __future__ import annotations

import json

import pytest

from bot.teams import render
from handlers.core.types import Button, Reply
from tests.support.cards import assert_valid_card
from tests.support.harness import Harness

LIMIT = 28 * 1024  # bytes of UTF-16, the smallest limit Teams has published


def _utf16(node: object) -> int:
    return len(json.dumps(node, ensure_ascii=False).encode("utf-16-le"))


async def test_a_full_parking_lot_lists_within_the_teams_message_limit(bot: Harness) -> None:
    bot.connector.add_member("29:u1", "Ana", "aad-1", role="owner")
    for n in range(100):
        await bot.teams(bot.activity(f"tradeoff park idée {n:03d} " + "é" * 180, conversation_type="channel",
                                     mention=True))
    before = len(bot.connector.sent)
    await bot.teams(bot.activity("tradeoff parking", conversation_type="channel", mention=True))
    listed = (await bot.connector.wait_for(before + 1))[before]
    assert _utf16(listed.activity) <= LIMIT, _utf16(listed.activity)
    assert "Parking lot (100)" in listed.text and "1. idée 000" in listed.text  # the beginning, as it was
    assert "shortened" in listed.text  # and a word that there was more
    assert_valid_card(listed.adaptive_card)


def test_a_shortened_card_keeps_its_buttons_and_fits() -> None:
    text = "\n".join(f"{n}. " + "😀" * 400 for n in range(60))  # astral: 2 UTF-16 units each
    reply = Reply(text=text, facts=(("Owner", "Ana"),), buttons=(Button("a.b", "Do it", "v"),))
    card = render.card(reply)
    assert _utf16(card) <= render.MAX_CARD_BYTES < LIMIT
    assert card["actions"][0]["title"] == "Do it" and card["body"][0]["text"].startswith("0. ")
    assert any(b.get("type") == "FactSet" for b in card["body"])
    assert_valid_card(card)


def test_many_facts_are_shortened_too() -> None:
    facts = tuple((f"Item {n}", "\x01\"" * 500) for n in range(40))  # escapes: 6 and 2 characters each
    card = render.card(Reply(text="Facts", facts=facts))
    assert _utf16(card) <= render.MAX_CARD_BYTES and "shortened" in json.dumps(card)
    assert_valid_card(card)


@pytest.mark.parametrize("reply", [
    Reply(text="\n".join("• line with **bold** and `/pulse now`" for _ in range(30)),
          buttons=tuple(Button(f"a.{n}", "Go", "v" * 300) for n in range(5))),
    Reply(text="\x01\"\\" * 1000, facts=(("a\x02", "b\"" * 100),)),
    Reply(text="😀" * 3000 + "\n" + "é" * 3000),
])
def test_the_quick_bound_is_never_below_the_size(reply: Reply) -> None:
    card = render.card(reply)
    assert render._bound(card) >= _utf16(card)  # what lets a short card skip the measuring


def test_a_card_within_the_limit_is_unchanged() -> None:
    reply = Reply(text="**Heading**\n• one\n• two", buttons=(Button("a.b", "Go", "v"),))
    card = render.card(reply)
    assert [b["text"] for b in card["body"]] == ["**Heading**", "• one", "• two"]
