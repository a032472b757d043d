"""Attacks on the scope-creep lists: "A channel keeps at most 50 open commitments and 100 parked ideas"
(docs/scope.md) must hold on the prompt's buttons too, not only for `/tradeoff commit` and `/tradeoff park` —
otherwise anyone can grow a channel's lists without bound by opening prompts and pressing "Park it" or
"+1 day", and what lies past the listed 200 can never be taken off again."""

from __future__ import annotations

from typing import Any

from handlers.core.types import Reply
from handlers.scope.commands import MAX_COMMITMENTS, MAX_PARKED
from handlers.scope.ports import COMMITMENT, PARKED
from tests.support.testbot import TestBot, labels, texts


async def _tradeoff(bot: TestBot, n: int) -> Reply:
    replies = await bot.command("tradeoff", f"add feature number {n}")
    return next(r for r in replies if "Park it" in labels(r))


async def test_park_it_keeps_the_parking_lot_cap(bot: TestBot) -> None:
    store = bot.runtime.services.store.scope
    for n in range(MAX_PARKED):
        await bot.command("tradeoff", f"park idea {n}")
    assert len(await store.items(bot.here, PARKED)) == MAX_PARKED
    prompt = await _tradeoff(bot, 1)
    answer = await bot.press(prompt, "Park it")
    assert "full" in texts(answer), texts(answer)
    assert len(await store.items(bot.here, PARKED)) == MAX_PARKED
    # nothing was half-decided: the prompt is still open, and another way out still works
    choices = await bot.press(prompt, "Extend the deadline")
    assert "+1 day" in labels(choices[0])


async def _full_commitments(bot: TestBot) -> Any:
    """The channel's commitments list at its cap ("work 0" … ); the scope store."""
    for n in range(MAX_COMMITMENTS):
        await bot.command("tradeoff", f"commit work {n}")
    return bot.runtime.services.store.scope


async def test_extending_keeps_the_commitments_cap(bot: TestBot) -> None:
    store = await _full_commitments(bot)
    prompt = await _tradeoff(bot, 2)
    [choices] = await bot.press(prompt, "Extend the deadline")
    answer = await bot.press(choices, "+1 week")
    assert "already has" in texts(answer) and "open commitments" in texts(answer), texts(answer)
    assert len(await store.items(bot.here, COMMITMENT)) == MAX_COMMITMENTS
    # dropping a listed commitment makes room for the new one: allowed at the cap
    [choices] = await bot.press(prompt, "Drop something")
    [decided] = await bot.press(choices, "Drop: work 0")
    assert "Decided" in decided.text
    assert len(await store.items(bot.here, COMMITMENT)) == MAX_COMMITMENTS


async def test_typing_what_we_drop_at_the_cap(bot: TestBot) -> None:
    store = await _full_commitments(bot)
    prompt = await _tradeoff(bot, 3)
    [choices] = await bot.press(prompt, "Drop something")
    form = await bot.press(choices, "Type it in…")
    refused = await bot.submit(form, {"dropped": "the PDF export (not on the list)"})
    assert "already has" in texts(refused), texts(refused)
    [decided] = await bot.submit(form, {"dropped": "WORK 7"})  # names a listed commitment: it makes the room
    assert "Decided" in decided.text
    listed = await store.items(bot.here, COMMITMENT)
    assert len(listed) == MAX_COMMITMENTS and "work 7" not in [i.text for i in listed]
