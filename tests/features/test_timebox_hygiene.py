"""Plain `/timebox` timers in the reports' meeting hygiene: what counts (ended or stopped, in this channel or
its threads, started in the window), what does not (running, replaced, another channel, older than the
window, a meeting's timer: the meeting counts it), and that no figure names who started a timer — on SQLite
and PostgreSQL, through the commands people use and the chat report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.types import Place, Platform
from handlers.meetings.api import hygiene_summary
from handlers.reports.digest import next_monday
from handlers.reports.model import WEEKS
from handlers.timebox.api import timebox_totals
from handlers.timebox.ports import STOPPED, TimeboxDraft, TimeboxTotals
from tests.support.testbot import TestBot, channel, texts

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the harness's start
OTHER = channel("C-OTHER", "other")


def line(text: str, label: str) -> str:
    return next(row for row in text.splitlines() if row.startswith(f"**{label}**"))


async def timers_of_a_day(bot: TestBot) -> None:
    """Seven timers in two hours; five count (see the test below for which and why)."""
    zed = bot.add_person("u-zed-starter", "Zed Starter")
    bot.add_channel(OTHER, [zed])
    say = bot.command

    async def at(minutes: float) -> None:
        await bot.advance(T0 + timedelta(minutes=minutes) - bot.clock.now(), step=timedelta(seconds=30))

    # A: stopped after 4 of 10 minutes: 6 minutes given back
    await say("timebox", "10m SECRET-TOPIC planning", as_=zed)
    await at(4)
    await say("timebox", "stop", as_=zed)
    # B: extended by 5 minutes and left to run out (the end notice finishes it): 5 minutes over
    await at(10)
    await say("timebox", "10m", as_=zed)
    await at(13)
    await say("timebox", "extend 5m", as_=zed)
    await at(26)
    # C: in a thread (it counts for its channel), extended by 10, stopped 5 minutes into the extension
    thread = bot.thread("th-1")
    await at(30)
    await say("timebox", "20m", as_=zed, where=thread)
    await at(32)
    await say("timebox", "extend 10m", as_=zed, where=thread)
    await at(55)
    await say("timebox", "stop", as_=zed, where=thread)
    # D: runs its 10 minutes exactly: neither early nor over
    await at(60)
    await say("timebox", "10m", as_=zed)
    await at(71)
    # E: a 10-minute timer replaced after 2 minutes (not counted) by a 5-minute one stopped after 2 (counted)
    await at(80)
    await say("timebox", "10m", as_=zed)
    await at(82)
    [ask] = await say("timebox", "5m", as_=zed)
    await bot.press(ask, "Replace with 5m", as_=zed)
    await at(84)
    await say("timebox", "stop", as_=zed)
    # F: another channel: not this channel's
    await at(90)
    await say("timebox", "10m", as_=zed, where=OTHER)
    await at(92)
    await say("timebox", "stop", as_=zed, where=OTHER)
    # G: still running when the report is made
    await at(100)
    await say("timebox", "30m", as_=zed)
    await at(110)


async def test_finished_plain_timers_count_running_replaced_and_other_channels_do_not(bot_db: TestBot) -> None:
    bot = bot_db
    # H: older than the report's 12 weeks, stopped early: not counted
    old = T0 - timedelta(weeks=WEEKS, days=1)
    box = await bot.runtime.store.timebox.start(TimeboxDraft(bot.here, "old", "u-zed-starter", old, 600))
    assert box is not None and await bot.runtime.store.timebox.finish(box.id, STOPPED, old + timedelta(minutes=1))
    await timers_of_a_day(bot)

    since = bot.clock.now() - timedelta(weeks=WEEKS)
    totals = await timebox_totals(bot.runtime.services, bot.here, since)
    assert (totals.timers, totals.finished_early, totals.ran_over) == (5, 2, 2)  # A, B, C, D, E's 5 minutes
    assert (totals.planned_minutes, totals.actual_minutes) == (10 + 10 + 20 + 10 + 5, 4 + 15 + 25 + 10 + 2)
    assert (totals.saved_minutes, totals.overrun_minutes) == (6 + 3, 5 + 5)
    assert totals.saved_seconds == 9 * 60 and totals.overrun_seconds == 10 * 60  # exact, not 539.99…
    # the same channel seen from one of its threads, and the other channel on its own
    assert await timebox_totals(bot.runtime.services, bot.thread("th-1"), since) == totals
    other = await timebox_totals(bot.runtime.services, OTHER, since)
    assert (other.timers, other.saved_minutes) == (1, 8)
    # a window that starts after A and B leaves them out; the old timer is in a window that reaches it
    later = await timebox_totals(bot.runtime.services, bot.here, T0 + timedelta(minutes=30))
    assert (later.timers, later.saved_minutes, later.overrun_minutes) == (3, 3, 5)
    everything = await timebox_totals(bot.runtime.services, bot.here, T0 - timedelta(weeks=WEEKS + 2))
    assert (everything.timers, everything.saved_minutes) == (6, 9 + 9)

    [report, _] = await bot.command("steadybot", "report")
    text = texts([report])
    assert line(text, "Timeboxes") == ("**Timeboxes** — 5 time-boxed calls · planned 55 min, used 56 min · "
                                       "time given back 9 min (2 stopped early) · overruns 10 min (2 ran over)")
    assert "no meetings recorded here" in line(text, "Meetings")  # timers are not meetings
    # nobody is named: not who started a timer, not what it was about
    for secret in ("Zed", "u-zed-starter", "SECRET-TOPIC", "planning"):
        assert secret not in text


async def test_a_meeting_timer_is_counted_once_by_its_meeting(bot_db: TestBot) -> None:
    bot = bot_db
    review = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # "tomorrow 3pm" for Ana (Berlin)
    await bot.command("meeting", "Retro tomorrow 3pm for 30m")
    await bot.command("agenda", "add What went well 10m")
    await bot.at(review)
    await bot.at(review + timedelta(minutes=20))
    [summary] = await bot.command("timebox", "stop")  # the meeting's timer: ends the meeting
    assert "10m given back" in summary.text
    await bot.at(review + timedelta(minutes=40))
    await bot.command("timebox", "10m")
    await bot.at(review + timedelta(minutes=47))
    await bot.command("timebox", "stop")

    since = bot.clock.now() - timedelta(weeks=WEEKS)
    meetings = await hygiene_summary(bot.runtime.services, bot.here, since)
    assert (meetings.meetings_held, meetings.saved_minutes) == (1, 10)
    timers = await timebox_totals(bot.runtime.services, bot.here, since)
    assert (timers.timers, timers.saved_minutes, timers.planned_minutes) == (1, 3, 10)  # only the plain one

    [report, _] = await bot.command("steadybot", "report")
    text = texts([report])
    assert "1 held" in line(text, "Meetings") and "time given back 10 min" in line(text, "Meetings")
    assert line(text, "Timeboxes").startswith("**Timeboxes** — 1 time-boxed call · planned 10 min, used 7 min")


async def test_no_timer_yet_says_so(bot: TestBot) -> None:
    [report, _] = await bot.command("steadybot", "report")
    assert "**Timeboxes** — no /timebox timer finished here" in report.text


async def test_the_store_caps_a_timer_at_its_end_and_keeps_platforms_apart(bot_db: TestBot) -> None:
    """A stop that lands seconds after the end, before the end notice finished the timer, is not an overrun;
    a timer in a channel of the same id on another platform is not this channel's."""
    repo = bot_db.runtime.store.timebox
    here = bot_db.here
    start = T0 - timedelta(hours=1)
    late = await repo.start(TimeboxDraft(here, "", "u1", start, 600))
    assert late is not None and await repo.finish(late.id, STOPPED, late.ends_at + timedelta(seconds=20))
    elsewhere = Place(Platform.TEAMS if here.platform != Platform.TEAMS else Platform.SLACK, here.channel_id,
                      here.team_id)
    foreign = await repo.start(TimeboxDraft(elsewhere, "", "u1", start, 600))
    assert foreign is not None and await repo.finish(foreign.id, STOPPED, start + timedelta(minutes=1))
    totals = await repo.totals(here.platform, here.channel_id, start, T0)
    assert (totals.timers, totals.actual_seconds, totals.overrun_seconds, totals.ran_over) == (1, 600, 0, 0)
    assert (totals.saved_seconds, totals.finished_early) == (0, 0)
    assert await repo.totals(here.platform, here.channel_id, start + timedelta(seconds=1), T0) == \
        TimeboxTotals(start + timedelta(seconds=1), T0)  # the window's start is inclusive, and nothing else
    assert (await repo.totals(here.platform, here.channel_id, start - timedelta(hours=1), start)).timers == 0


async def test_the_weekly_digest_carries_the_timeboxes_headline(bot: TestBot) -> None:
    owner, *_ = bot.team({p: "Europe/Berlin" for p in ("u1", "u2", "u3")})
    bot.me = owner
    await bot.command("steadybot", "settings digest on")
    await bot.command("timebox", "25m retro")
    await bot.at(T0 + timedelta(minutes=15))
    await bot.command("timebox", "stop")
    monday = next_monday(bot.clock.now(), "Europe/Berlin")
    await bot.at(monday)
    [digest] = [r for r in bot.dms(owner) if "weekly digest" in r.text.lower()]
    assert ("Timeboxes", "1 time-boxed call · planned 25 min, used 15 min · time given back 10 min (1 stopped "
                         "early) · overruns 0 min (0 ran over)") in digest.facts
