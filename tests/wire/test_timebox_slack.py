"""Timeboxes on Slack's wire: a box started through an @mention in a thread keeps to its thread, and a
button's seal binds it to its channel. The timer's behaviour itself: tests/features/test_timebox.py."""

from __future__ import annotations

from datetime import timedelta

from support import wire
from tests.support.harness import Harness
from tests.support.meetings_helpers import at, buttons, command, ephemeral, post_texts, posts, team, text_of


async def _start(bot: Harness, text: str) -> None:
    team(bot)
    await command(bot, "/timebox", text)


async def test_a_box_in_a_thread_through_a_mention_keeps_to_its_thread(bot: Harness) -> None:
    t0 = bot.clock.now()
    team(bot)
    event = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> timebox 2m side topic",
             "ts": "1700000100.000200", "thread_ts": "1700000100.000100"}
    response = await bot.event(event)
    assert response.status == 200
    await bot.idle()
    first = posts(bot)[-1]
    assert first["thread_ts"] == "1700000100.000100" and "2m timebox started" in text_of(first)
    await command(bot, "/timebox", "10m main topic")  # the channel itself has no box yet: no question
    assert "10m timebox started" in post_texts(bot)[-1]
    for step in range(1, 9):
        await at(bot, t0 + timedelta(seconds=15 * step))
    in_thread = [p for p in posts(bot) if p.get("thread_ts") == "1700000100.000100"]
    assert [text_of(p).split(" ")[1] for p in in_thread] == ["*2m", "*Half", "*24s", "*Time's"]


async def test_a_button_only_acts_in_its_own_channel(bot: Harness) -> None:
    await _start(bot, "10m")
    stop = buttons(posts(bot)[-1])["Stop"]
    response = await bot.press(*stop, channel="C2")  # the C1 button's value, pressed in C2: the seal refuses it
    assert response.status == 200
    await bot.idle()
    assert "no longer valid" in text_of(bot.slack.responses[-1])
    # a value the bot sealed for C2 naming C1's timer: the core's own check refuses it
    response = await bot.press(stop[0], bot.sealed(stop[0], wire.unsealed(stop[1]), channel="C2"), channel="C2")
    await bot.idle()
    assert "already finished" in text_of(bot.slack.responses[-1])
    said = await ephemeral(bot, "/timebox", "")
    assert "A 10m timebox is running here" in said
