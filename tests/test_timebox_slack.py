"""Timeboxes end to end through Slack: warnings in order at their moments, extend, stop, replace, threads
(through an @mention), bad durations, and stale warnings skipped after an outage."""

from __future__ import annotations

from datetime import timedelta

from support import wire
from tests.harness import Harness
from tests.meetings_helpers import at, buttons, command, ephemeral, post_texts, posts, press, team, text_of


async def _start(bot: Harness, text: str) -> None:
    team(bot)
    await command(bot, "/timebox", text)


async def test_warnings_come_in_order_at_half_time_at_20_percent_left_and_at_the_end(bot: Harness) -> None:
    t0 = bot.clock.now()
    await _start(bot, "10m design review")
    started = post_texts(bot)[-1]
    assert "10m timebox started" in started and "design review" in started
    assert set(buttons(posts(bot)[-1])) == {"+5m", "Stop"}
    seen: list[tuple[timedelta, str]] = []
    count = 1
    for step in range(1, 41):  # every 15 seconds for 10 minutes
        await at(bot, t0 + timedelta(seconds=15 * step))
        for text in post_texts(bot)[count:]:
            seen.append((bot.clock.now() - t0, text))
        count = len(posts(bot))
    assert [(when, text.split("\n")[0]) for when, text in seen] == [
        (timedelta(minutes=5), "⏱ *Half time* — design review — 5m left."),
        (timedelta(minutes=8), "⏳ *2m left* — design review. Time to wrap up."),
        (timedelta(minutes=10), "⏰ *Time's up* — design review (10m)."),
    ]
    said = await ephemeral(bot, "/timebox", "")
    assert "No timebox is running here" in said  # the end freed the channel


async def test_a_long_box_warns_at_five_minutes_left(bot: Harness) -> None:
    t0 = bot.clock.now()
    await _start(bot, "25m")
    await at(bot, t0 + timedelta(minutes=12, seconds=30))
    assert "Half time* — 12m 30s left" in post_texts(bot)[-1]
    await at(bot, t0 + timedelta(minutes=19, seconds=59))
    assert len(posts(bot)) == 2
    await at(bot, t0 + timedelta(minutes=20))
    assert "*5m left*" in post_texts(bot)[-1]


async def test_extend_moves_the_warnings(bot: Harness) -> None:
    t0 = bot.clock.now()
    await _start(bot, "10m")
    await at(bot, t0 + timedelta(minutes=3))
    await command(bot, "/timebox", "extend 5m", user="U2")
    assert "Extended by 5m" in post_texts(bot)[-1] and "12m left, 15m in total" in post_texts(bot)[-1]
    assert "(by Ben)" in post_texts(bot)[-1]
    seen = []
    for minute in range(4, 16):
        await at(bot, t0 + timedelta(minutes=minute))
        seen.append((minute, len(posts(bot))))
    texts = post_texts(bot)[2:]
    assert [t.split(" ")[1] for t in texts] == ["*Half", "*3m", "*Time's"]
    assert "7m 30s left" in texts[0]  # half of 15 minutes, sent at 7:30 (checked at 8:00: within the minute)
    assert dict(seen)[5] == 2  # nothing at the old half time


async def test_stop_records_the_time_given_back_and_silences_the_box(bot: Harness) -> None:
    t0 = bot.clock.now()
    await _start(bot, "10m planning")
    await at(bot, t0 + timedelta(minutes=4))
    await press(bot, posts(bot)[-1], "Stop", user="U3")
    stopped = post_texts(bot)[-1]
    assert "Timebox stopped* — planning after 4m of 10m — 6m given back" in stopped
    await at(bot, t0 + timedelta(minutes=20))
    assert len(posts(bot)) == 2
    said = await ephemeral(bot, "/timebox", "stop")
    assert "No timebox is running in this channel" in said


async def test_a_second_box_asks_before_replacing_the_first(bot: Harness) -> None:
    t0 = bot.clock.now()
    await _start(bot, "10m first")
    asked = await bot.slash_reply("/timebox", "5m second")
    assert "already running here (10m left). Replace it?" in text_of(asked)
    await press(bot, asked, "Keep the current one", is_ephemeral=True)
    assert "keeps going" in text_of(bot.slack.responses[-1])
    asked = await bot.slash_reply("/timebox", "5m second", user="U2")
    await press(bot, asked, "Replace with 5m", user="U2", is_ephemeral=True,
                response_url=bot.slack.response_url("replace"))
    assert "5m timebox started* — second" in post_texts(bot)[-1]
    for minute in range(1, 12):
        await at(bot, t0 + timedelta(minutes=minute))
    later = post_texts(bot)[2:]
    assert later and all("first" not in t for t in later)  # the replaced box says nothing any more
    assert any("Time's up* — second" in t for t in later)


async def test_bad_durations_get_examples(bot: Harness) -> None:
    team(bot)
    for text, expected in (("0m", "longer than zero"), ("-5m talk", "can't be negative"), ("9h", "at most 8h"),
                           ("30s", "at least a minute"), ("banana", "Start with a duration"),
                           ("extend", "By how much?"), ("extend 5m", "No timebox is running"), ("stop", "No timebox"),
                           ("0", "longer than zero"), ("25x", "Start with a duration")):
        said = await ephemeral(bot, "/timebox", text)
        assert expected in said, (text, said)
        assert "For example" in said or "`/timebox" in said, (text, said)
    await command(bot, "/timebox", "7h " + "long topic " * 40)
    started = post_texts(bot)[-1]
    assert "7h timebox started" in started and "…" in started and len(started) < 400
    for text, expected in (("extend 2h", "longer than 8h"), ("extend 0m", "longer than zero"),
                           ("extend -5m", "can't be negative")):
        said = await ephemeral(bot, "/timebox", text)
        assert expected in said, (text, said)
    said = await ephemeral(bot, "/timebox", "5m", channel="D1")
    assert "runs in a channel" in said


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


async def test_stale_warnings_are_skipped_but_the_end_still_comes(bot: Harness) -> None:
    t0 = bot.clock.now()
    await _start(bot, "10m")
    await at(bot, t0 + timedelta(minutes=10, seconds=30))  # the bot was down from the start until now
    assert [t.split(" ")[1] for t in post_texts(bot)] == ["*10m", "*Time's"]
    counts = await bot.runtime.store.outbox.counts()
    assert counts.get("skipped") == 2


async def test_an_end_long_overdue_frees_the_channel_silently(bot: Harness) -> None:
    t0 = bot.clock.now()
    await _start(bot, "10m")
    await at(bot, t0 + timedelta(hours=3))
    assert len(posts(bot)) == 1
    await command(bot, "/timebox", "5m fresh")
    assert "5m timebox started" in post_texts(bot)[-1]


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
