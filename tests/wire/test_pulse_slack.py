"""Pulse on Slack through the real wire: friendly answers to bad input over signed slash commands, a channel
Slack won't list the members of, sealed modal submissions that are stale or made up, the modal open when a
round closes. The pulse's behaviour itself: tests/features/test_pulse.py."""

from __future__ import annotations

import asyncio
import json

from handlers.core.types import Place, Platform
from support import wire
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import (
    ANSWER,
    answer_slack,
    launch_value,
    press_dm,
    pulse_dms,
    pulse_now,
    slack_team,
    text_of,
)


async def results(bot: Harness, user: str = "U1") -> str:
    return text_of(await bot.slash_reply("/pulse", "results", user=user))


async def test_bad_input_gets_a_friendly_answer_with_an_example(sqlite_url: str) -> None:
    async with running(sqlite_url, admins=frozenset({"UADMIN"})) as bot:
        await _bad_input(bot)


async def _bad_input(bot: Harness) -> None:
    slack_team(bot, {"U1": "Europe/Berlin", "U2": "Europe/London", "U3": "Europe/Berlin", "U4": "Europe/Berlin",
                     "U5": "Europe/Berlin"})
    await bot.slash_reply("/steadybot", "settings min 3", user="U1")
    bot.slack.add_user("UADMIN", "Admin", tz="Europe/Berlin")

    async def say(text: str, **kwargs: str) -> str:
        return text_of(await bot.slash_reply("/pulse", text, **kwargs))

    assert "I don't know `/pulse frobnicate`" in await say("frobnicate")
    assert "team channel" in await say("results", channel="D1")
    assert "takes no `please`" in await say("now please") and "/pulse now for 2 days" in await say("now please")
    assert "couldn't read" in await say("now for ever")
    assert "between 1 hour and 14 days" in await say("now for 30 days")
    gibberish = await say("schedule 🙃🙃 \u202e\x07")
    assert "For example: `/pulse schedule every friday at 3pm`" in gibberish
    assert "only `--forget`" in await say("optout maybe")
    assert "/pulse me on" in await say("me sideways")
    assert "no pulse schedule" in await say("stop")
    assert "No pulse is open" in await say("close")
    assert "No pulse has run" in await say("\u202eresults\x07")
    assert "more text than I can read" in await say("now " + "x" * 3000)
    assert "Only the channel's creator" in await say("close", user="U2")
    # an admin in a channel the app was never added to: Slack won't list its members
    assert "Is the app added to it?" in await say("now", user="UADMIN", channel="C404")
    assert await bot.runtime.store.pulse.recent_stats(Place(Platform.SLACK, "C404"), 5) == []

    # forged or stale submissions
    async def submit(context: str, values: dict[str, str], user: str = "U2") -> str:
        before = len(bot.slack.calls_to("chat.postMessage")) + len(bot.slack.calls_to("chat.update"))
        # sealed as the bot would seal it: what the core itself checks (forgeries: tests/test_security_*.py)
        await bot.submit_sealed({"f": "pulse.answer", "c": context, "ch": "D" + user[1:], "tm": "T1"}, values,
                                user=user)
        for _ in range(400):
            calls = bot.slack.calls_to("chat.postMessage") + bot.slack.calls_to("chat.update")
            if len(calls) > before:
                return text_of((bot.slack.calls_to("chat.postMessage") + bot.slack.calls_to("chat.update"))[-1].params)
            await asyncio.sleep(0.005)
        raise AssertionError("no answer")

    assert "out of date" in await submit("not-a-round", ANSWER)
    assert "out of date" in await submit("424242", ANSWER)
    await pulse_now(bot)
    round_id = json.loads(wire.unsealed(launch_value(pulse_dms(bot, "U2")[-1])))["c"]
    assert "Missing: Energy, Burnout" in await submit(round_id, {"cynicism": "3", "efficacy": "3", "workload": "3"})
    assert "Missing: Energy" in await submit(round_id, {**ANSWER, "exhaustion": "9"})
    assert "wasn't sent to you" in await submit(round_id, ANSWER, user="U7")
    view = await press_dm(bot, "U2")  # the modal is open …
    await bot.slash_reply("/pulse", "close", user="U1")  # … when the round closes
    assert "closed" in await answer_slack(bot, "U2", view=view)
    assert "closed with 0 of 5 answered" in await results(bot)
