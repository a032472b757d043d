"""`/tradeoff` as people use it: the prompt on purpose, the commitments and the parking lot, stats, help, and
every kind of ugly input getting a friendly answer with an example — asserted on the core's replies."""

from __future__ import annotations

import pytest

from handlers.core.types import Visibility
from tests.support.testbot import ANA, TestBot, texts


async def tradeoff(bot: TestBot, text: str, **kwargs: object) -> str:
    return texts(await bot.command("tradeoff", text, **kwargs))  # type: ignore[arg-type]


async def test_tradeoff_opens_the_prompt_on_purpose(bot: TestBot) -> None:
    prompt, note = await bot.command("tradeoff", "add SSO to the MVP")
    assert "I asked the channel" in note.text and "/tradeoff commit" in note.text
    assert note.visibility == Visibility.PERSON
    assert prompt.visibility == Visibility.CHANNEL and bot.shown[-2].where.thread_id is None  # in the channel
    assert "New request" in prompt.text and "add SSO to the MVP" in prompt.text
    assert [b.label for b in prompt.buttons] == ["Drop something", "Extend the deadline", "Park it", "Never mind"]
    [never] = await bot.press(prompt, "Never mind")
    assert never.replace_original and "Never mind" in never.text and "was not taken on" in never.text


async def test_commitments_list(bot: TestBot) -> None:
    assert "no commitments yet" in await tradeoff(bot, "commitments")
    for item in ("Billing page redesign", "Mobile onboarding", "Audit log"):
        await bot.command("tradeoff", f"commit {item}")
    [listed] = await bot.command("tradeoff", "commitments")
    assert "1. Billing page redesign\n2. Mobile onboarding\n3. Audit log" in listed.text
    assert listed.visibility == Visibility.PERSON
    done = await tradeoff(bot, "done 2")
    assert "Mobile onboarding" in done and "Done" in done
    dropped = await tradeoff(bot, "drop audit")  # by a unique part of its name
    assert "Dropped" in dropped and "Audit log" in dropped
    listed_again = await tradeoff(bot, "list")
    assert "1. Billing page redesign" in listed_again and "Mobile" not in listed_again
    # commitments are per channel
    other = bot.add_channel("C-OTHER", [ANA], [ANA])
    assert "no commitments yet" in await tradeoff(bot, "commitments", where=other)


async def test_parking_lot(bot: TestBot) -> None:
    assert "parking lot is empty" in await tradeoff(bot, "parking")
    assert "Parked “dark mode”" in await tradeoff(bot, "park dark mode")
    await bot.command("tradeoff", "park a plugin system")
    assert "1. dark mode\n2. a plugin system" in await tradeoff(bot, "parking")
    assert "Took “dark mode” off the parking lot" in await tradeoff(bot, "unpark 1")
    listed = await tradeoff(bot, "parking")
    assert "1. a plugin system" in listed and "dark mode" not in listed


async def test_stats_and_help(bot: TestBot) -> None:
    stats = await tradeoff(bot, "stats")
    assert "last 30 days" in stats and "no prompts yet" in stats
    helped = await tradeoff(bot, "help")
    for usage in ("/tradeoff <request>", "/tradeoff commitments", "/tradeoff commit <item>", "/tradeoff done <n>",
                  "/tradeoff drop <n>", "/tradeoff parking", "/tradeoff park <idea>", "/tradeoff unpark <n>",
                  "/tradeoff stats", "/tradeoff reset"):
        assert usage in helped, usage
    assert "/tradeoff" in texts(await bot.command("steadybot", "help"))


@pytest.mark.parametrize(("text", "expected"), [
    ("", "Tell me the new request"),
    ("   ", "Tell me the new request"),
    ("\u202e\u200b\x07", "Tell me the new request"),
    ("commit", "Tell me the commitment"),
    ("commit " + "x" * 300, "under 200 characters"),
    ("park", "Tell me the idea"),
    ("done", "no commitments right now"),
    ("unpark 1", "no ideas right now"),
    ("x" * 2500, "more text than I can read"),
])
async def test_ugly_input_gets_a_friendly_answer(bot: TestBot, text: str, expected: str) -> None:
    [reply] = await bot.command("tradeoff", text)
    assert expected in reply.text, reply.text
    assert reply.visibility == Visibility.PERSON and "Traceback" not in reply.text


@pytest.mark.parametrize(("text", "expected"), [
    ("done", "Which commitment"),
    ("done 0", "no commitment 0"),
    ("done 99", "the list goes from 1 to 2"),
    ("done 99999999999999999999999", "the list goes from 1 to 2"),
    ("done -1", "No commitment matches"),
    ("drop zebra", "No commitment matches `zebra`"),
    ("drop page", "More than one commitment matches"),
    ("done #1", "Done"),
])
async def test_item_references(bot: TestBot, text: str, expected: str) -> None:
    await bot.command("tradeoff", "commit Search page")
    await bot.command("tradeoff", "commit Billing page")
    answer = await tradeoff(bot, text)
    assert expected in answer, answer


async def test_lists_are_capped(bot: TestBot) -> None:
    for n in range(50):
        await bot.command("tradeoff", f"commit item {n}")
    assert "already has 50 open commitments" in await tradeoff(bot, "commit one more")
