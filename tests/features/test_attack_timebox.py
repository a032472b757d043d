"""`/timebox` attacked: replayed and edited button values from other channels, platforms and workspaces,
buttons offered at the awkward moment (the "+5m" of a "Time's up"), ugly durations and topics, warnings across
a DST change and across a restart — asserted on the core's replies through the in-process harness."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from handlers.core.types import Button, Place, Platform, Reply, Visibility
from tests.support.testbot import BEN, CHLOE, TestBot, testbot


def first_line(reply: Reply) -> str:
    return reply.text.split("\n")[0]


def times_up(bot: TestBot) -> list[Reply]:
    return [r for r in bot.posts() if "**Time's up**" in r.text]


# ---- the "+5m" of a "Time's up" ------------------------------------------------------------------------
async def test_the_plus_five_of_times_up_gives_a_plain_timer_five_more_minutes(bot_db: TestBot) -> None:
    """The end notice offers "+5m" (the call is running over); pressing it said "That timebox has already
    finished" — a button that can never work, at the very moment a tired team needs it."""
    bot = bot_db
    t0 = bot.clock.now()
    await bot.say("/timebox 10m retro")
    await bot.advance(timedelta(minutes=10), step=timedelta(seconds=30))
    [end] = times_up(bot)
    await bot.at(t0 + timedelta(minutes=11))
    [extended] = await bot.press(end, "+5m", as_=BEN)
    assert "**Extended by 5m** — retro — 5m left, 16m in total. (by Ben)" in extended.text
    assert extended.visibility == Visibility.CHANNEL
    [status] = await bot.say("/timebox")
    assert "A 16m timebox is running here — retro: 5m left." in status.text
    await bot.advance(timedelta(minutes=5), step=timedelta(seconds=30))
    assert [first_line(r) for r in times_up(bot)] == ["⏰ **Time's up** — retro (10m).",
                                                      "⏰ **Time's up** — retro (16m)."]
    await bot.advance(timedelta(minutes=15))
    assert len(times_up(bot)) == 2  # each end exactly once
    # a "Time's up" pressed once the call is long over (15 minutes after its end) does not bring it back
    [again] = await bot.press(end, "+5m", as_=CHLOE)
    assert "already finished" in again.text
    [status] = await bot.say("/timebox")
    assert "No timebox is running here" in status.text


async def test_the_plus_five_of_times_up_never_disturbs_a_newer_timer(bot_db: TestBot) -> None:
    bot = bot_db
    await bot.say("/timebox 10m first")
    await bot.advance(timedelta(minutes=10), step=timedelta(seconds=30))
    [end] = times_up(bot)
    await bot.say("/timebox 25m second", as_=BEN)
    [said] = await bot.press(end, "+5m")
    assert "already finished" in said.text
    [status] = await bot.say("/timebox")
    assert "A 25m timebox is running here — second: 25m left." in status.text


async def test_a_stopped_timer_is_not_brought_back_by_its_plus_five(bot: TestBot) -> None:
    [started] = await bot.say("/timebox 10m")
    await bot.advance(timedelta(minutes=3))
    await bot.say("/timebox stop")
    [said] = await bot.press(started, "+5m")
    assert "already finished" in said.text
    [status] = await bot.say("/timebox")
    assert "No timebox is running here" in status.text


async def test_the_plus_five_of_times_up_from_another_channel_does_nothing(bot: TestBot) -> None:
    await bot.say("/timebox 10m")
    await bot.advance(timedelta(minutes=10), step=timedelta(seconds=30))
    [end] = times_up(bot)
    elsewhere = bot.add_channel("C-OTHER", [bot.me], [bot.me])
    [said] = await bot.press(end, "+5m", where=elsewhere)
    assert "already finished" in said.text
    [status] = await bot.say("/timebox")
    assert "No timebox is running here" in status.text


# ---- ugly input ----------------------------------------------------------------------------------------
async def test_an_absurdly_long_timebox_is_told_the_eight_hour_limit(bot: TestBot) -> None:
    """`/timebox 10000h` was told "a duration of at most a year, please" — the next try, `8000h`, was then
    told 8h. The limit that applies is the timebox's."""
    for text in ("10000h", "10000h planning", "99999999999999999999999m", "extend 10000h"):
        [said] = await bot.command("timebox", text)
        assert "at most 8h" in said.text and "year" not in said.text, (text, said.text)
        assert said.visibility == Visibility.PERSON


# ---- replayed and edited button values -------------------------------------------------------------------
async def test_edited_and_replayed_values_never_reach_another_channels_or_platforms_timer(bot: TestBot) -> None:
    """The seal already refuses a value used outside its channel; the core's own check is the second lock:
    a value naming a timer of another channel, or of the same channel id on another platform, changes nothing
    there, whatever the button (extend, stop, replace)."""
    theirs = bot.add_channel("C-THEIRS", [BEN], [BEN])
    [started] = await bot.say("/timebox 10m private", as_=BEN, where=theirs)
    box_id = started.buttons[0].value.split(":")[0]
    slack_same_id = Place(Platform.SLACK, theirs.channel_id, "T-OTHER")
    for where in (bot.here, slack_same_id):
        for button in (Button("timebox.extend", "+5m", f"{box_id}:300"),
                       Button("timebox.extend", "+8h", f"{box_id}:28800"),
                       Button("timebox.stop", "Stop", box_id),
                       Button("timebox.replace", "Replace", json.dumps({"old": int(box_id), "s": 60, "t": "mine"}))):
            await bot.press(button, where=where)
    [status] = await bot.say("/timebox", as_=BEN, where=theirs)
    assert "A 10m timebox is running here — private: 10m left." in status.text
    assert not [s for s in bot.sent if s.target.id == theirs.channel_id]


# ---- time ----------------------------------------------------------------------------------------------
async def test_warnings_across_a_dst_change_come_after_the_real_time(sqlite_url: str) -> None:
    """A 2-hour box over Berlin's fall-back (25 Oct 2026, 03:00 CEST → 02:00 CET) and New York's spring-forward
    (8 Mar 2026, 02:00 EST → 03:00 EDT): the warnings come after real elapsed time, never an hour off."""
    for start in (datetime(2026, 10, 25, 0, 15, tzinfo=UTC), datetime(2026, 3, 8, 6, 15, tzinfo=UTC)):
        async with testbot(sqlite_url.replace(".db", f"-{start.month}.db"), start=start) as bot:
            bot.me = BEN  # New York
            await bot.say("/timebox 2h")
            await bot.advance(timedelta(hours=3), step=timedelta(minutes=1))
            assert [(s.at - start, first_line(s.reply)) for s in bot.sent] == [
                (timedelta(hours=1), "⏱ **Half time** — 1h left."),
                (timedelta(hours=1, minutes=55), "⏳ **5m left**. Time to wrap up."),
                (timedelta(hours=2), "⏰ **Time's up** (2h)."),
            ]


async def test_warnings_come_exactly_once_across_a_restart(sqlite_url: str) -> None:
    """The bot sends the half-time warning, goes down, comes back after the "5 minutes left" moment and before
    the end: the half time is not repeated, the late "left" warning is skipped, the end comes once."""
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    async with testbot(sqlite_url, start=t0) as bot:
        await bot.say("/timebox 30m")
        await bot.advance(timedelta(minutes=16))
        assert [first_line(s.reply) for s in bot.sent] == ["⏱ **Half time** — 15m left."]
    async with testbot(sqlite_url, start=t0 + timedelta(minutes=27)) as bot:
        await bot.advance(timedelta(minutes=10))
        assert [(s.at - t0, first_line(s.reply)) for s in bot.sent] == [
            (timedelta(minutes=30), "⏰ **Time's up** (30m)."),
        ]
    async with testbot(sqlite_url, start=t0 + timedelta(minutes=40)) as bot:
        await bot.advance(timedelta(minutes=5))
        assert bot.sent == []
