"""Attacks on when pulse DMs arrive: a weekly schedule across both DST changes in five zones (north, south,
+05:30, a 30-minute DST), quiet hours and weekends in the recipient's own zone across a DST change, reminders
near a round's close, stored zones that are garbage or missing. All on the injected clock, through the
in-process harness (real runtime, storage, outbox and scheduler)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.types import Person, Reply
from tests.support.testbot import TestBot, form_of, testbot


def pulse_dms(bot: TestBot, who: Person) -> list[Reply]:
    return [r for r in bot.dms(who) if r.form is not None and r.form.id == "pulse.answer"]


def reminders(bot: TestBot, who: Person) -> list[Reply]:
    return [r for r in pulse_dms(bot, who) if r.text.startswith("**Reminder")]


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


# zone, two Mondays on either side of its spring change, two on either side of its autumn change (2026)
DST_MONDAYS = [
    ("Europe/Berlin", [(3, 23), (3, 30)], [(10, 19), (10, 26)]),  # last Sundays of March / October
    ("America/New_York", [(3, 2), (3, 9)], [(10, 26), (11, 2)]),  # 8 March / 1 November
    ("Australia/Sydney", [(9, 28), (10, 5)], [(3, 30), (4, 6)]),  # summer time from 4 Oct, ends 5 Apr
    ("Australia/Lord_Howe", [(9, 28), (10, 5)], [(3, 30), (4, 6)]),  # the same days, by 30 minutes
    ("Asia/Kolkata", [(3, 23), (3, 30)], [(10, 19), (10, 26)]),  # +05:30, no DST at all
]


@pytest.mark.parametrize(("zone_name", "spring", "autumn"), DST_MONDAYS, ids=[z[0] for z in DST_MONDAYS])
async def test_every_monday_9am_arrives_at_9_local_on_both_sides_of_each_dst_change(
        sqlite_url: str, zone_name: str, spring: list[tuple[int, int]], autumn: list[tuple[int, int]]) -> None:
    tz = ZoneInfo(zone_name)
    for pair in (spring, autumn):
        first = min(pair)
        # the owner sets it on the Wednesday before, at noon in their own zone
        start = local(tz, 2026, first[0], first[1], 12, 0) - timedelta(days=5)
        async with testbot(sqlite_url.replace(".db", f"-{first[0]}.db"), start=start) as bot:
            team = bot.team({f"u{i}": zone_name for i in range(1, 5)})
            bot.me = team[0]
            await bot.command("steadybot", "settings min 3")
            [posted] = await bot.command("pulse", "schedule every monday 9am")
            assert "every Monday at 09:00" in posted.text, posted.text
            offsets = set()
            for n, (month, day) in enumerate(sorted(pair), start=1):
                due = local(tz, 2026, month, day, 9, 0)
                offsets.add(due.astimezone(tz).utcoffset())
                await bot.at(due - timedelta(minutes=1))
                assert [len(pulse_dms(bot, who)) for who in team] == [n - 1] * 4, f"early before {due}"
                await bot.at(due)
                assert [len(pulse_dms(bot, who)) for who in team] == [n] * 4, f"not at {due}"
                for who in team:
                    await bot.submit(form_of(pulse_dms(bot, who)[-1]), _ANSWER, as_=who)
            # the pair really straddles a change (except Kolkata, which has none)
            assert len(offsets) == (1 if zone_name == "Asia/Kolkata" else 2)


_ANSWER = {"exhaustion": "4", "cynicism": "4", "efficacy": "3", "workload": "4", "burnout": "2"}


async def test_a_reminder_is_not_sent_in_the_last_hour_before_the_next_round_closes_this_one(
        sqlite_url: str) -> None:
    """`weekdays at 9:30` in Berlin and London. Tuesday's round closes when Wednesday's starts: 09:30 in
    Berlin (08:30 UTC). London's reminder, two thirds into their day, would move out of quiet hours to
    Wednesday 08:00 London (08:00 UTC) — 30 minutes before that close, and 90 minutes before their next pulse.
    Berlin's would come at 08:00 Berlin, 90 minutes before theirs. Neither is sent: no reminder on the day of
    the person's next pulse DM from the channel (docs/pulse.md, "One reminder at most"). The send-time
    last-hour rule on its own: tests/features/test_pulse_weekend_double_dm.py."""
    async with testbot(sqlite_url) as bot:  # Monday 2 March, 09:00 UTC
        b1, b2, l1, l2 = bot.team({"b1": "Europe/Berlin", "b2": "Europe/Berlin", "l1": "Europe/London",
                                   "l2": "Europe/London"})
        bot.me = b1
        await bot.command("steadybot", "settings min 3")
        await bot.command("pulse", "schedule weekdays at 9:30")
        await bot.at(datetime(2026, 3, 3, 9, 30, tzinfo=UTC))  # Tuesday: everyone has Tuesday's DM
        assert [len(pulse_dms(bot, w)) for w in (b1, b2, l1, l2)] == [1, 1, 1, 1]
        await bot.at(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))  # Berlin 08:00, the morning of their next pulse
        assert [len(reminders(bot, w)) for w in (b1, b2)] == [0, 0]
        await bot.at(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))  # London 08:00: the round closes at 08:30
        assert [len(reminders(bot, w)) for w in (l1, l2)] == [0, 0], reminders(bot, l1)[0].text
        await bot.at(datetime(2026, 3, 4, 9, 30, tzinfo=UTC))
        assert [len(pulse_dms(bot, w)) for w in (b1, b2, l1, l2)] == [2, 2, 2, 2]  # Wednesday's pulse, on time


async def test_a_reminder_never_comes_after_the_round_was_closed(sqlite_url: str) -> None:
    async with testbot(sqlite_url) as bot:  # Monday 10:00 Berlin
        team = bot.team({f"u{i}": "Europe/Berlin" for i in range(1, 5)} | {"ny": "America/New_York"})
        bot.me = team[0]
        await bot.command("steadybot", "settings min 3")
        await bot.command("pulse", "now")
        await bot.advance(timedelta(hours=20), step=timedelta(hours=1))
        assert [len(pulse_dms(bot, w)) for w in team] == [1] * 5  # New York's at 08:00 EST
        await bot.command("pulse", "close")  # before anyone's reminder (two thirds into three days)
        await bot.advance(timedelta(days=4), step=timedelta(hours=1))
        assert [len(pulse_dms(bot, w)) for w in team] == [1] * 5  # no reminder after the close


async def test_a_held_dm_goes_out_once_at_8_local_after_a_dst_weekend_in_the_recipients_zone(
        sqlite_url: str) -> None:
    """`/pulse now` from New York on Friday afternoon: Berlin (21:00, quiet) gets it on Monday 08:00 Berlin
    time — 06:00 UTC after the spring change (not 07:00), once. In October, 07:00 UTC (not 06:00)."""
    for friday, monday_8 in ((datetime(2026, 3, 27, 20, 0, tzinfo=UTC), datetime(2026, 3, 30, 6, 0, tzinfo=UTC)),
                             (datetime(2026, 10, 23, 19, 0, tzinfo=UTC), datetime(2026, 10, 26, 7, 0, tzinfo=UTC))):
        async with testbot(sqlite_url.replace(".db", f"-{friday.month}.db"), start=friday) as bot:
            ny1, ny2, ny3, ber = bot.team({"ny1": "America/New_York", "ny2": "America/New_York",
                                          "ny3": "America/New_York", "ber": "Europe/Berlin"})
            bot.me = ny1
            await bot.command("steadybot", "settings min 3")
            assert "1 person will get it a little later" in "\n".join(r.text for r in
                                                                      await bot.command("pulse", "now"))
            assert len(pulse_dms(bot, ber)) == 0 and len(pulse_dms(bot, ny2)) == 1
            await bot.advance(monday_8 - timedelta(minutes=1) - friday, step=timedelta(minutes=30))
            assert len(pulse_dms(bot, ber)) == 0
            await bot.at(monday_8)
            assert len(pulse_dms(bot, ber)) == 1
            await bot.advance(timedelta(hours=6), step=timedelta(minutes=20))
            assert len([r for r in pulse_dms(bot, ber) if not r.text.startswith("**Reminder")]) == 1


@pytest.mark.parametrize("tz_name", ["Not/AZone", "", None, "../../etc/passwd", "Europe/Berlin\x00", "x" * 300])
async def test_a_garbage_or_missing_zone_falls_back_to_the_default_zone(sqlite_url: str, tz_name: str | None) -> None:
    """A zone Teams sent as garbage, or none at all: the person is treated as in STEADYBOT_TZ (here
    America/New_York); the round still goes out and nothing crashes."""
    start = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # Wednesday 07:00 in New York: quiet there
    async with testbot(sqlite_url, start=start, default_tz="America/New_York") as bot:
        team = bot.team({"u1": "Europe/Berlin", "u2": "Europe/Berlin", "u3": "Europe/Berlin"})
        odd = bot.add_person("odd", "Odd", tz_name)
        bot.add_channel(bot.here, [*team, odd], [team[0]])
        bot.me = team[0]
        await bot.command("steadybot", "settings min 3")
        await bot.command("pulse", "now")
        assert [len(pulse_dms(bot, w)) for w in team] == [1, 1, 1]
        assert len(pulse_dms(bot, odd)) == 0  # 07:00 in New York: quiet
        await bot.at(datetime(2026, 3, 4, 12, 59, tzinfo=UTC))
        assert len(pulse_dms(bot, odd)) == 0
        await bot.at(datetime(2026, 3, 4, 13, 0, tzinfo=UTC))  # 08:00 EST
        assert len(pulse_dms(bot, odd)) == 1
        assert "EST" in pulse_dms(bot, odd)[0].text  # its close is shown in the default zone


async def test_quiet_hours_that_end_in_a_repeated_hour_deliver_once_at_the_second_end_if_held(
        sqlite_url: str) -> None:
    """Cairo falls back at midnight on Thursday 29 October 2026: 23:00–24:00 happens twice. Quiet hours
    20:00–23:30 end at the first 23:30 (20:30 UTC): the DM goes out then, once — not again at the second."""
    start = local(ZoneInfo("Africa/Cairo"), 2026, 10, 29, 21, 0)  # Thursday 21:00 EEST (18:00 UTC)
    async with testbot(sqlite_url, start=start) as bot:
        ny = bot.team({"n1": "America/New_York", "n2": "America/New_York", "n3": "America/New_York",
                       "cai": "Africa/Cairo"})
        bot.me = ny[0]
        await bot.command("steadybot", "settings min 3")
        await bot.command("steadybot", "settings quiet 20:00-23:30")
        await bot.command("pulse", "now")
        cairo = ny[3]
        assert len(pulse_dms(bot, cairo)) == 0
        await bot.at(datetime(2026, 10, 29, 20, 29, tzinfo=UTC))
        assert len(pulse_dms(bot, cairo)) == 0
        await bot.at(datetime(2026, 10, 29, 20, 30, tzinfo=UTC))
        assert len(pulse_dms(bot, cairo)) == 1
        await bot.advance(timedelta(hours=3), step=timedelta(minutes=10))
        assert len(pulse_dms(bot, cairo)) == 1
