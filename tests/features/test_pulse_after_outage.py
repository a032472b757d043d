"""Pulse DMs that fell due while the bot was down: when it comes back, each DM still goes out only at the
person's next allowed moment (not on their weekend, not in the channel's quiet hours, in their own zone), and
its reminder does not come with it. Before, the bot sent them all at once on its return: on Saturday 11:00,
or Friday 22:30 inside the default 20:00–08:00 quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.allowed import is_quiet
from tests.support.testbot import Sent, TestBot, testbot

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
FIVE = {f"u{i}": "Europe/Berlin" for i in range(1, 6)}


def local(year: int, month: int, day: int, hour: int, minute: int = 0, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


def pulse_dms(bot: TestBot) -> list[Sent]:
    return [s for s in bot.sent if s.target.kind == "user" and s.reply.form is not None]


def reminders(bot: TestBot) -> list[Sent]:
    return [s for s in pulse_dms(bot) if s.reply.text.startswith("**Reminder")]


def at_allowed_moments(sent: list[Sent], zones: dict[str, ZoneInfo]) -> list[str]:
    """The DMs that went out on the person's weekend or in the default quiet hours (their zone)."""
    wrong = []
    for s in sent:
        when = s.at.astimezone(zones[s.target.id])
        if when.weekday() >= 5 or is_quiet(when.time(), time(20), time(8)):
            wrong.append(f"{s.target.id} at {when:%a %H:%M}")
    return wrong


async def down_before_friday_pulse(url: str, members: dict[str, str], friday: datetime) -> None:
    """A weekly pulse for Friday 15:00 (Berlin), set on the Wednesday before; the bot stops on Friday 14:00."""
    async with testbot(url, start=friday - timedelta(days=2, hours=2)) as first:  # Wednesday 12:00
        team = first.team(members)
        first.me = team[0]
        await first.command("steadybot", "settings min 3")
        await first.command("pulse", "schedule every friday at 3pm")
        await first.advance(friday - timedelta(hours=1) - first.clock.now(), step=timedelta(hours=1))
        assert not pulse_dms(first)  # not due yet


async def test_back_on_saturday_the_dms_wait_for_monday_8am(db_url: str) -> None:
    await down_before_friday_pulse(db_url, FIVE, local(2026, 3, 13, 15))
    # down from Friday 14:00 to Saturday 11:00: the Friday 15:00 DMs fell due while it was down
    async with testbot(db_url, start=local(2026, 3, 14, 11)) as bot:
        bot.team(FIVE)
        await bot.settle()
        assert pulse_dms(bot) == [], "pulse DMs sent on Saturday 11:00"
        await bot.advance(local(2026, 3, 16, 7, 59) - bot.clock.now(), step=timedelta(hours=1))
        assert pulse_dms(bot) == [], "pulse DMs sent over the weekend"
        await bot.advance(local(2026, 3, 16, 8, 1) - bot.clock.now())
        sent = pulse_dms(bot)
        assert sorted(s.target.id for s in sent) == sorted(FIVE)  # one each, Monday 08:00, no reminder with it
        assert {s.at for s in sent} == {local(2026, 3, 16, 8)}
        await bot.advance(local(2026, 3, 16, 15, 30) - bot.clock.now(), step=timedelta(hours=1))
        assert reminders(bot) == []  # the round closes Monday 15:00: no time for a reminder


async def test_back_on_friday_night_the_dms_wait_out_the_quiet_hours_and_the_weekend(db_url: str) -> None:
    await down_before_friday_pulse(db_url, FIVE, local(2026, 3, 13, 15))
    async with testbot(db_url, start=local(2026, 3, 13, 22, 30)) as bot:  # back Friday 22:30, in quiet hours
        bot.team(FIVE)
        await bot.settle()
        assert pulse_dms(bot) == [], "pulse DMs sent at 22:30, inside the 20:00-08:00 quiet hours"
        await bot.advance(local(2026, 3, 16, 9) - bot.clock.now(), step=timedelta(minutes=30))
        sent = pulse_dms(bot)
        assert {s.at for s in sent} == {local(2026, 3, 16, 8)} and len(sent) == 5


async def test_across_the_spring_change_monday_8am_is_local_time(sqlite_url: str) -> None:
    # Berlin moves to summer time on Sunday 29 March 2026: Monday 08:00 is 06:00 UTC, not 07:00
    await down_before_friday_pulse(sqlite_url, FIVE, local(2026, 3, 27, 15))
    async with testbot(sqlite_url, start=local(2026, 3, 28, 11)) as bot:
        bot.team(FIVE)
        await bot.advance(local(2026, 3, 30, 9) - bot.clock.now(), step=timedelta(minutes=30))
        sent = pulse_dms(bot)
        assert len(sent) == 5
        assert {s.at for s in sent} == {datetime(2026, 3, 30, 6, 0, tzinfo=UTC)}


async def test_each_person_waits_for_their_own_allowed_moment(sqlite_url: str) -> None:
    # u5 works from New York: their DM is due Friday 15:00 New York time (21:00 in Berlin)
    members = {**{f"u{i}": "Europe/Berlin" for i in range(1, 5)}, "u5": "America/New_York", "u6": "Europe/Berlin"}
    zones = {pid: ZoneInfo(tz) for pid, tz in members.items()}
    await down_before_friday_pulse(sqlite_url, members, local(2026, 3, 13, 15))
    async with testbot(sqlite_url, start=local(2026, 3, 13, 22, 30)) as bot:  # 16:30 in New York
        bot.team(members)
        await bot.settle()
        assert [s.target.id for s in pulse_dms(bot)] == ["u5"]  # New York's afternoon: sent now
        await bot.advance(local(2026, 3, 16, 9) - bot.clock.now(), step=timedelta(minutes=30))
        sent = pulse_dms(bot)
        assert at_allowed_moments(sent, zones) == []
        assert sorted(s.target.id for s in sent if s.at == local(2026, 3, 16, 8)) == ["u1", "u2", "u3", "u4", "u6"]


async def test_a_reminder_due_while_the_bot_was_down_is_not_sent_in_quiet_hours(sqlite_url: str) -> None:
    async with testbot(sqlite_url, start=local(2026, 3, 2, 10)) as first:  # Monday 10:00
        team = first.team(FIVE)
        first.me = team[0]
        await first.command("steadybot", "settings min 3")
        await first.command("pulse", "now")  # open for 3 days: the reminder is due Wednesday 10:00
        assert len(pulse_dms(first)) == 5
        await first.advance(timedelta(hours=20), step=timedelta(hours=1))  # stopped Tuesday 06:00
        assert reminders(first) == []
    async with testbot(sqlite_url, start=local(2026, 3, 4, 21)) as bot:  # back Wednesday 21:00
        bot.team(FIVE)
        await bot.settle()
        assert reminders(bot) == [], "a reminder sent at 21:00, inside the quiet hours"
        await bot.advance(local(2026, 3, 5, 11) - bot.clock.now(), step=timedelta(minutes=30))
        assert at_allowed_moments(pulse_dms(bot), {pid: BERLIN for pid in FIVE}) == []
        assert reminders(bot) == []  # not moved to the morning either: at most one reminder, and none late


async def test_the_reminder_still_comes_when_the_bot_was_up(sqlite_url: str) -> None:
    async with testbot(sqlite_url, start=local(2026, 3, 2, 10)) as bot:  # Monday 10:00
        team = bot.team(FIVE)
        bot.me = team[0]
        await bot.command("steadybot", "settings min 3")
        await bot.command("pulse", "now")
        await bot.advance(local(2026, 3, 4, 11) - bot.clock.now(), step=timedelta(hours=1))
        assert {s.at for s in reminders(bot)} == {local(2026, 3, 4, 10)}
        assert len(reminders(bot)) == 5
