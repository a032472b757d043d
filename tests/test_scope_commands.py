"""`/tradeoff` through the Slack wire: the prompt on purpose, the commitments and parking lot, stats, help,
and every kind of ugly input getting a friendly answer with an example."""

from __future__ import annotations

import html

import pytest

from tests.harness import Harness
from tests.scope_helpers import prompts_in, slack_buttons, texts


async def test_tradeoff_opens_the_prompt_on_purpose(bot: Harness) -> None:
    note = await bot.slash_reply("/tradeoff", "add SSO to the MVP")
    assert "I asked the channel" in note["text"] and "/tradeoff commit" in note["text"]
    prompt = prompts_in(bot)[-1]
    assert prompt["channel"] == "C1" and not prompt.get("thread_ts")
    assert "New request" in texts(prompt) and "add SSO to the MVP" in texts(prompt)
    assert list(slack_buttons(prompt)) == ["Drop something", "Extend the deadline", "Park it", "Never mind"]
    action_id, value = slack_buttons(prompt)["Never mind"]
    await bot.press(action_id, value, message_ts="5.000001")
    updated = await bot.slack.wait_for("chat.update")
    assert "Never mind" in texts(updated[-1].params) and "was not taken on" in texts(updated[-1].params)


async def test_commitments_list(bot: Harness) -> None:
    empty = await bot.slash_reply("/tradeoff", "commitments")
    assert "no commitments yet" in empty["text"]
    for item in ("Billing page redesign", "Mobile onboarding", "Audit log"):
        await bot.slash_reply("/tradeoff", f"commit {item}")
    listed = await bot.slash_reply("/tradeoff", "commitments")
    assert "1. Billing page redesign\n2. Mobile onboarding\n3. Audit log" in listed["text"]
    assert listed["response_type"] == "ephemeral"
    done = await bot.slash_reply("/tradeoff", "done 2")
    assert "Mobile onboarding" in done["text"] and "Done" in done["text"]
    dropped = await bot.slash_reply("/tradeoff", "drop audit")  # by a unique part of its name
    assert "Dropped" in dropped["text"] and "Audit log" in dropped["text"]
    listed = await bot.slash_reply("/tradeoff", "list")
    assert "1. Billing page redesign" in listed["text"] and "Mobile" not in listed["text"]
    # commitments are per channel
    other = await bot.slash_reply("/tradeoff", "commitments", channel="C2")
    assert "no commitments yet" in other["text"]


async def test_parking_lot(bot: Harness) -> None:
    empty = await bot.slash_reply("/tradeoff", "parking")
    assert "parking lot is empty" in empty["text"]
    parked = await bot.slash_reply("/tradeoff", "park dark mode")
    assert "Parked “dark mode”" in parked["text"]
    await bot.slash_reply("/tradeoff", "park a plugin system")
    listed = await bot.slash_reply("/tradeoff", "parking")
    assert "1. dark mode\n2. a plugin system" in listed["text"]
    out = await bot.slash_reply("/tradeoff", "unpark 1")
    assert "Took “dark mode” off the parking lot" in out["text"]
    listed = await bot.slash_reply("/tradeoff", "parking")
    assert "1. a plugin system" in listed["text"] and "dark mode" not in listed["text"]


async def test_stats_and_help(bot: Harness) -> None:
    stats = await bot.slash_reply("/tradeoff", "stats")
    assert "last 30 days" in texts(stats) and "no prompts yet" in texts(stats)
    helped = await bot.slash_reply("/tradeoff", "help")
    for usage in ("/tradeoff <request>", "/tradeoff commitments", "/tradeoff commit <item>", "/tradeoff done <n>",
                  "/tradeoff drop <n>", "/tradeoff parking", "/tradeoff park <idea>", "/tradeoff unpark <n>",
                  "/tradeoff stats", "/tradeoff reset"):
        assert usage in html.unescape(helped["text"]), usage  # Slack shows &lt; as <
    overview = await bot.slash_reply("/steadybot", "help")
    assert "/tradeoff" in overview["text"]


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
async def test_ugly_input_gets_a_friendly_answer(bot: Harness, text: str, expected: str) -> None:
    reply = await bot.slash_reply("/tradeoff", text)
    assert expected in reply["text"], reply["text"]
    assert "Traceback" not in reply["text"]


@pytest.mark.parametrize(("text", "expected"), [
    ("done", "Which commitment"),
    ("done 0", "no commitment 0"),
    ("done 99", "the list goes from 1 to 2"),
    ("done 99999999999999999999999", "the list goes from 1 to 2"),
    ("done -1", "No commitment matches"),
    ("drop zebra", "No commitment matches zebra"),
    ("drop page", "More than one commitment matches"),
    ("done #1", "Done"),
])
async def test_item_references(bot: Harness, text: str, expected: str) -> None:
    await bot.slash_reply("/tradeoff", "commit Search page")
    await bot.slash_reply("/tradeoff", "commit Billing page")
    reply = await bot.slash_reply("/tradeoff", text)
    assert expected in reply["text"], reply["text"]


async def test_lists_are_capped(bot: Harness) -> None:
    for n in range(50):
        await bot.slash_reply("/tradeoff", f"commit item {n}")
    full = await bot.slash_reply("/tradeoff", "commit one more")
    assert "already has 50 open commitments" in full["text"]


async def test_markup_in_items_is_harmless(bot: Harness) -> None:
    await bot.slash_reply("/tradeoff", "commit **bold** `code` <@U123> <!channel> & more")
    listed = await bot.slash_reply("/tradeoff", "commitments")
    blocks = "\n".join(b["text"]["text"] for b in listed["blocks"] if "text" in b)
    assert "<@U123>" not in blocks and "<!channel>" not in blocks  # escaped, never a real mention
    assert "&lt;@U123&gt;" in blocks
