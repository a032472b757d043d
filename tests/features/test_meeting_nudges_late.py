"""A meeting nudge or start post that goes out late (the bot was down, or the outbox was slow within the
nudge's lateness window) says how far away the meeting is when it is sent, not its planned lead. Before, at
11:00 the T-24h nudge said "is in 24 hours (today 15:00 CET)", at 14:45 the T-1h flag and the organiser's
message said "starts in 1 hour", and at 15:40 the start post said "starts now". On-time texts are unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.testbot import ANA, TestBot, testbot

REVIEW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # Tuesday 3 March 2026, 15:00 CET


async def registered(url: str) -> None:
    """Ana registers the review on Monday 10:00 CET; then the bot stops."""
    async with testbot(url) as first:
        await first.command("meeting", "Sprint review tomorrow 3pm for 45m")


def channel_texts(bot: TestBot) -> list[str]:
    return [p.text for p in bot.posts()]


async def test_a_late_t24_nudge_says_how_far_away_the_meeting_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'late.db'}"
    await registered(url)
    async with testbot(url, start=REVIEW - timedelta(hours=4)) as bot:  # back Tuesday 11:00: 20 hours late
        await bot.settle()
        [nudge] = channel_texts(bot)
        assert nudge.startswith("📋 **Sprint review** is in 4 hours (today 15:00 CET) and has no agenda yet.")


async def test_a_late_t2_nudge_rounds_to_five_minutes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'late2.db'}"
    await registered(url)
    async with testbot(url, start=REVIEW - timedelta(minutes=71)) as bot:  # the 13:00 nudge, at 13:49
        await bot.settle()
        [nudge] = channel_texts(bot)
        assert nudge.startswith("📋 **Sprint review** is in 1 hour 10 minutes (today 15:00 CET)")


async def test_a_late_t1_flag_and_the_organisers_message_say_15_minutes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'late1.db'}"
    await registered(url)
    async with testbot(url, start=REVIEW - timedelta(minutes=15)) as bot:  # back at 14:45
        await bot.settle()
        [flag] = channel_texts(bot)
        assert flag.startswith("🚫 **No agenda, no meeting.** **Sprint review** starts in 15 minutes "
                               "(today 15:00 CET) and still has no agenda.")
        [private] = [d.text for d in bot.dms(ANA)]
        assert private.startswith("Your meeting **Sprint review** starts in 15 minutes (today 15:00 CET)")


async def test_a_start_post_40_minutes_late_says_when_it_started_and_what_is_left(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'start.db'}"
    await registered(url)
    async with testbot(url, start=REVIEW + timedelta(minutes=40)) as bot:  # back at 15:40, 5 minutes left
        await bot.settle()
        [start] = channel_texts(bot)
        assert start.startswith("▶️ **Sprint review started at 15:00 CET** — 5m left of 45m, until 15:45 CET.")
        assert "starts now" not in start


async def test_a_start_post_in_the_last_seconds_says_less_than_a_minute(tmp_path: Path) -> None:
    """Re-review: back at 15:44:40 it said "0m left of 45m"."""
    url = f"sqlite:///{tmp_path / 'last.db'}"
    await registered(url)
    async with testbot(url, start=REVIEW + timedelta(minutes=44, seconds=40)) as bot:
        await bot.settle()
        [start] = channel_texts(bot)
        assert start.startswith("▶️ **Sprint review started at 15:00 CET** — less than a minute left of 45m, "
                                "until 15:45 CET."), start


async def test_on_time_texts_are_unchanged(tmp_path: Path) -> None:
    async with testbot(f"sqlite:///{tmp_path / 'on_time.db'}") as bot:
        await bot.command("meeting", "Sprint review tomorrow 3pm for 45m")
        await bot.advance(REVIEW + timedelta(seconds=30) - bot.clock.now(), step=timedelta(minutes=5))
        texts = channel_texts(bot)
        assert texts[0].startswith("📋 **Sprint review** is in 24 hours (tomorrow 15:00 CET)")
        assert texts[1].startswith("📋 **Sprint review** is in 2 hours (today 15:00 CET)")
        assert texts[2].startswith("🚫 **No agenda, no meeting.** **Sprint review** starts in 1 hour (today 15:00 CET)")
        assert texts[3].startswith("▶️ **Sprint review starts now** — 45m, until 15:45 CET.")
        assert [d.text[:56] for d in bot.dms(ANA)] == ["Your meeting **Sprint review** starts in 1 hour (today 1"]


async def test_the_lead_is_real_time_across_a_dst_change(tmp_path: Path) -> None:
    # Cairo moves its clocks from 00:00 to 01:00 on Friday 24 April 2026. A meeting Friday 10:00 (07:00 UTC),
    # its T-24h nudge sent late on Thursday 23:00 (21:00 UTC): 10 hours away, though the wall clock says 11.
    url = f"sqlite:///{tmp_path / 'cairo.db'}"
    async with testbot(url, start=datetime(2026, 4, 22, 10, 0, tzinfo=UTC)) as first:  # Wednesday 12:00
        [omar] = first.team({"omar": "Africa/Cairo"})
        first.me = omar
        await first.command("steadybot", "settings quiet off")
        await first.command("meeting", "Planning friday 10am for 30m")
    async with testbot(url, start=datetime(2026, 4, 23, 21, 0, tzinfo=UTC)) as bot:
        bot.team({"omar": "Africa/Cairo"})
        await bot.settle()
        [nudge] = channel_texts(bot)
        assert nudge.startswith("📋 **Planning** is in 10 hours (tomorrow 10:00 EEST)"), nudge
