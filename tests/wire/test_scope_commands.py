"""`/tradeoff` through the Slack wire: the prompt on purpose posted in the channel and updated in place, and
markup in items escaped in Block Kit. The command's behaviour itself: tests/features/test_scope_commands.py."""

from __future__ import annotations

from tests.support.harness import Harness
from tests.support.scope_helpers import prompts_in, slack_buttons, texts


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


async def test_markup_in_items_is_harmless(bot: Harness) -> None:
    await bot.slash_reply("/tradeoff", "commit **bold** `code` <@U123> <!channel> & more")
    listed = await bot.slash_reply("/tradeoff", "commitments")
    blocks = "\n".join(b["text"]["text"] for b in listed["blocks"] if "text" in b)
    assert "<@U123>" not in blocks and "<!channel>" not in blocks  # escaped, never a real mention
    assert "@someone @channel &amp; more" in blocks  # the markup read as meant (Slack does not know U123)
