"""Every command in DESIGN.md answers `help`, on Slack and on Teams, inside Slack's 3 seconds."""

from __future__ import annotations

import time

import pytest

from tests.support.harness import Harness

COMMANDS = ("pulse", "meeting", "agenda", "timebox", "tradeoff", "steadybot")


def test_every_design_command_is_registered(bot: Harness) -> None:
    assert set(COMMANDS) <= set(bot.runtime.registry.commands)


@pytest.mark.parametrize("command", COMMANDS)
async def test_help_on_slack(bot: Harness, command: str) -> None:
    started = time.perf_counter()
    reply = await bot.slash_reply(f"/{command}", "help")
    assert time.perf_counter() - started < 3.0
    assert f"/{command}" in reply["text"] and reply["response_type"] == "ephemeral"


@pytest.mark.parametrize("command", COMMANDS)
async def test_help_on_teams(bot: Harness, command: str) -> None:
    started = time.perf_counter()
    await bot.teams(bot.activity(f"{command} help"))
    await bot.teams(bot.activity(f"{command} help", conversation_type="channel", mention=True))
    sent = await bot.connector.wait_for(2)
    assert time.perf_counter() - started < 3.0
    for message in sent:
        assert f"**{command}" in message.text or f"{command}" in message.text


@pytest.mark.parametrize("command", COMMANDS)
async def test_gibberish_gets_a_friendly_answer_with_an_example(bot: Harness, command: str) -> None:
    reply = await bot.slash_reply(f"/{command}", "\u202e\x07 zzz-not-a-thing 🙃 " * 3)
    markup = "\n".join(block["text"]["text"] for block in reply["blocks"] if "text" in block)
    assert "Traceback" not in markup and reply["text"].strip()
    assert "`" in markup  # an example or a command to try
