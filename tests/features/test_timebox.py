"""Timeboxes as people use them: warnings in order at their moments, extend, stop, replace, threads, bad
durations, stale warnings skipped after an outage — asserted on the core's replies."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.types import Reply, Visibility
from tests.support.testbot import BEN, CHLOE, TestBot, direct, labels, texts


def first_line(reply: Reply) -> str:
    return reply.text.split("\n")[0]


async def test_warnings_come_in_order_at_half_time_at_20_percent_left_and_at_the_end(bot_db: TestBot) -> None:
    bot = bot_db
    t0 = bot.clock.now()
    [started] = await bot.say("/timebox 10m design review")
    assert started.visibility == Visibility.CHANNEL
    assert "**10m timebox started**" in started.text and "design review" in started.text
    assert labels(started) == ["+5m", "Stop"]
    assert [b.action for b in started.buttons] == ["timebox.extend", "timebox.stop"]
    await bot.advance(timedelta(minutes=10), step=timedelta(seconds=15))
    assert [(s.at - t0, first_line(s.reply)) for s in bot.sent] == [
        (timedelta(minutes=5), "⏱ **Half time** — design review — 5m left."),
        (timedelta(minutes=8), "⏳ **2m left** — design review. Time to wrap up."),
        (timedelta(minutes=10), "⏰ **Time's up** — design review (10m)."),
    ]
    assert all(s.target.kind == "channel" and s.target.id == bot.here.channel_id for s in bot.sent)
    assert labels(bot.sent[-1].reply) == ["+5m"]  # nothing left to stop
    [said] = await bot.say("/timebox")
    assert "No timebox is running here" in said.text  # the end freed the channel
    assert said.visibility == Visibility.PERSON


async def test_a_long_box_warns_at_five_minutes_left(bot: TestBot) -> None:
    t0 = bot.clock.now()
    await bot.say("/timebox 25m")
    await bot.at(t0 + timedelta(minutes=12, seconds=30))
    assert "**Half time** — 12m 30s left" in bot.posts()[-1].text
    await bot.at(t0 + timedelta(minutes=19, seconds=59))
    assert len(bot.posts()) == 1
    await bot.at(t0 + timedelta(minutes=20))
    assert "**5m left**" in bot.posts()[-1].text


async def test_extend_moves_the_warnings(bot: TestBot) -> None:
    t0 = bot.clock.now()
    await bot.say("/timebox 10m")
    await bot.at(t0 + timedelta(minutes=3))
    [extended] = await bot.command("timebox", "extend 5m", as_=BEN)
    assert "**Extended by 5m**" in extended.text and "12m left, 15m in total" in extended.text
    assert "(by Ben)" in extended.text and extended.visibility == Visibility.CHANNEL
    counts = {}
    for minute in range(4, 16):
        await bot.at(t0 + timedelta(minutes=minute))
        counts[minute] = len(bot.sent)
    assert [first_line(s.reply).split(" ")[1] for s in bot.sent] == ["**Half", "**3m", "**Time's"]
    assert "7m 30s left" in bot.sent[0].reply.text  # half of 15 minutes, due at 7:30
    assert bot.sent[0].at == t0 + timedelta(minutes=8)  # checked at 8:00: within the minute
    assert counts[5] == 0  # nothing at the old half time


async def test_the_extend_button_adds_five_minutes(bot: TestBot) -> None:
    [started] = await bot.say("/timebox 10m")
    [extended] = await bot.press(started, "+5m", as_=CHLOE)
    assert "**Extended by 5m**" in extended.text and "15m in total" in extended.text and "(by Chloé)" in extended.text


async def test_stop_records_the_time_given_back_and_silences_the_box(bot: TestBot) -> None:
    t0 = bot.clock.now()
    [started] = await bot.say("/timebox 10m planning")
    await bot.at(t0 + timedelta(minutes=4))
    [stopped] = await bot.press(started, "Stop", as_=CHLOE)
    assert "**Timebox stopped** — planning after 4m of 10m — 6m given back" in stopped.text
    assert "(by Chloé)" in stopped.text and stopped.visibility == Visibility.CHANNEL
    await bot.advance(timedelta(minutes=16))
    assert bot.sent == []
    [said] = await bot.say("/timebox stop")
    assert "No timebox is running in this channel" in said.text


async def test_a_second_box_asks_before_replacing_the_first(bot: TestBot) -> None:
    t0 = bot.clock.now()
    await bot.say("/timebox 10m first")
    [asked] = await bot.say("/timebox 5m second")
    assert "already running here (10m left). Replace it?" in asked.text
    assert asked.visibility == Visibility.PERSON  # only the asker sees the question
    assert labels(asked) == ["Replace with 5m", "Keep the current one"]
    [kept] = await bot.press(asked, "Keep the current one")
    assert "keeps going" in kept.text and kept.replace_original
    [asked] = await bot.say("/timebox 5m second", as_=BEN)
    replaced = await bot.press(asked, "Replace with 5m", as_=BEN)
    assert "**5m timebox started** — second" in texts(replaced)
    await bot.advance(timedelta(minutes=11))
    later = [s.reply.text for s in bot.sent]
    assert later and all("first" not in t for t in later)  # the replaced box says nothing any more
    assert any("**Time's up** — second" in t for t in later)
    assert bot.clock.now() == t0 + timedelta(minutes=11)


async def test_bad_durations_get_examples(bot: TestBot) -> None:
    for text, expected in (("0m", "longer than zero"), ("-5m talk", "can't be negative"), ("9h", "at most 8h"),
                           ("30s", "at least a minute"), ("banana", "Start with a duration"),
                           ("extend", "By how much?"), ("extend 5m", "No timebox is running"),
                           ("stop", "No timebox"), ("0", "longer than zero"), ("25x", "Start with a duration")):
        [said] = await bot.command("timebox", text)
        assert expected in said.text, (text, said.text)
        assert "For example" in said.text or "`/timebox" in said.text, (text, said.text)
        assert said.visibility == Visibility.PERSON
    [started] = await bot.command("timebox", "7h " + "long topic " * 40)
    assert "7h timebox started" in started.text and "…" in started.text and len(started.text) < 400
    for text, expected in (("extend 2h", "longer than 8h"), ("extend 0m", "longer than zero"),
                           ("extend -5m", "can't be negative")):
        [said] = await bot.command("timebox", text)
        assert expected in said.text, (text, said.text)
    [said] = await bot.command("timebox", "5m", where=direct(bot.me))
    assert "runs in a channel" in said.text


async def test_a_box_in_a_thread_keeps_to_its_thread(bot: TestBot) -> None:
    side = bot.thread("thread-1")
    [first] = await bot.say("timebox 2m side topic", where=side)
    assert "2m timebox started" in first.text and first.in_thread
    [main] = await bot.say("/timebox 10m main topic")  # the channel itself has no box yet: no question
    assert "10m timebox started" in main.text
    await bot.advance(timedelta(minutes=2), step=timedelta(seconds=15))
    in_thread = bot.posts(thread="thread-1")
    assert [first_line(r).split(" ")[1] for r in in_thread] == ["**Half", "**24s", "**Time's"]
    assert bot.posts(thread=None) == []  # the channel's own box is not due yet


async def test_stale_warnings_are_skipped_but_the_end_still_comes(bot_db: TestBot) -> None:
    bot = bot_db
    t0 = bot.clock.now()
    await bot.say("/timebox 10m")
    await bot.at(t0 + timedelta(minutes=10, seconds=30))  # the bot was down from the start until now
    assert [first_line(r).split(" ")[1] for r in bot.posts()] == ["**Time's"]
    counts = await bot.runtime.store.outbox.counts()
    assert counts.get("skipped") == 2


async def test_an_end_long_overdue_frees_the_channel_silently(bot: TestBot) -> None:
    t0 = bot.clock.now()
    await bot.say("/timebox 10m")
    await bot.at(t0 + timedelta(hours=3))
    assert bot.sent == []
    [started] = await bot.say("/timebox 5m fresh")
    assert "5m timebox started" in started.text


async def test_a_button_naming_another_channels_timer_is_refused(bot: TestBot) -> None:
    [started] = await bot.say("/timebox 10m")
    elsewhere = bot.add_channel("C-OTHER", [bot.me], [bot.me])
    [refused] = await bot.press(started, "Stop", where=elsewhere)
    assert "already finished" in refused.text
    [said] = await bot.say("/timebox")
    assert "A 10m timebox is running here" in said.text
