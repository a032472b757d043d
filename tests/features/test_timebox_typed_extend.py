"""`/timebox extend 5m` typed right after "Time's up" does what the "+5m" of that message does: within 15 minutes
of the end it reopens the plain timer that just ran out in this channel or thread (same platform, same
workspace/tenant) for the time given; later, or for a timer that was stopped, replaced or superseded, it says
nothing is running and names the command that starts a new one. Asserted on the core's replies, SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.types import Place, Reply, Visibility
from tests.support.testbot import BEN, CHLOE, TestBot


def first_line(reply: Reply) -> str:
    return reply.text.split("\n")[0]


def times_up(bot: TestBot) -> list[Reply]:
    return [r for r in bot.posts() if "**Time's up**" in r.text]


async def _ran_out(bot: TestBot, text: str = "/timebox 10m retro", where: Place | None = None) -> None:
    await bot.say(text, where=where)
    await bot.advance(timedelta(minutes=10), step=timedelta(seconds=30))


async def test_typed_extend_after_times_up_reopens_the_timer_like_the_button(bot_db: TestBot) -> None:
    """It answered "No timebox is running in this channel" while the "+5m" right above it worked."""
    bot = bot_db
    t0 = bot.clock.now()
    await _ran_out(bot)
    assert len(times_up(bot)) == 1
    await bot.at(t0 + timedelta(minutes=11))
    [extended] = await bot.command("timebox", "extend 5m", as_=BEN)
    assert "**Extended by 5m** — retro — 5m left, 16m in total. (by Ben)" in extended.text
    assert extended.visibility == Visibility.CHANNEL
    [status] = await bot.say("/timebox")
    assert "A 16m timebox is running here — retro: 5m left." in status.text
    await bot.advance(timedelta(minutes=5), step=timedelta(seconds=30))
    assert [first_line(r) for r in times_up(bot)] == ["⏰ **Time's up** — retro (10m).",
                                                      "⏰ **Time's up** — retro (16m)."]


async def test_typed_extend_long_after_the_end_names_the_command_that_starts_a_new_one(bot: TestBot) -> None:
    t0 = bot.clock.now()
    await _ran_out(bot)
    await bot.at(t0 + timedelta(minutes=25))  # 15 minutes after the end: the "+5m" does not reopen it either
    [said] = await bot.command("timebox", "extend 5m")
    assert said.visibility == Visibility.PERSON
    assert "No timebox is running in this channel" in said.text
    assert "`/timebox 5m" in said.text
    [status] = await bot.say("/timebox")
    assert "No timebox is running here" in status.text


async def test_typed_extend_with_nothing_ever_run_here_names_the_start_command(bot: TestBot) -> None:
    [said] = await bot.command("timebox", "extend 10m")
    assert "No timebox is running in this channel" in said.text and "`/timebox 10m" in said.text


async def test_typed_extend_does_not_bring_back_a_stopped_or_superseded_timer(bot: TestBot) -> None:
    await bot.say("/timebox 10m")
    await bot.advance(timedelta(minutes=3))
    await bot.say("/timebox stop")
    [said] = await bot.command("timebox", "extend 5m")
    assert "No timebox is running" in said.text
    # a timer that ran out, then a newer one started and stopped: the old one is no longer "the last one"
    await _ran_out(bot, "/timebox 10m first")
    await bot.say("/timebox 5m second", as_=BEN)
    await bot.say("/timebox stop", as_=BEN)
    [said] = await bot.command("timebox", "extend 5m")
    assert "No timebox is running" in said.text
    [status] = await bot.say("/timebox")
    assert "No timebox is running here" in status.text


async def test_typed_extend_reaches_only_the_timer_of_its_own_place(bot: TestBot) -> None:
    """Another channel, the channel outside the thread the timer ran in, and the same channel id in another
    workspace or tenant do not reopen it; the thread itself does."""
    thread = bot.thread("T-1")
    await _ran_out(bot, "/timebox 10m side topic", where=thread)
    elsewhere = bot.add_channel("C-OTHER", [bot.me], [bot.me])
    other_tenant = Place(bot.here.platform, bot.here.channel_id, "T-OTHER")
    for where in (elsewhere, bot.here, other_tenant):
        [said] = await bot.command("timebox", "extend 5m", where=where)
        assert "No timebox is running" in said.text, where
    [extended] = await bot.command("timebox", "extend 5m", as_=CHLOE, where=thread)
    assert "**Extended by 5m** — side topic" in extended.text


async def test_typed_extend_and_the_button_together_give_the_time_once_each(bot: TestBot) -> None:
    """Someone presses "+5m" and someone else types `extend 5m` right after: the first reopens, the second
    extends the reopened timer (as two presses of "+5m" would)."""
    t0 = bot.clock.now()
    await _ran_out(bot)
    [end] = times_up(bot)
    await bot.at(t0 + timedelta(minutes=11))
    [pressed] = await bot.press(end, "+5m", as_=BEN)
    assert "16m in total" in pressed.text
    [typed] = await bot.command("timebox", "extend 5m", as_=CHLOE)
    assert "**Extended by 5m** — retro — 10m left, 21m in total. (by Chloé)" in typed.text
