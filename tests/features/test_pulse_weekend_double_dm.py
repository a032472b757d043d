"""A pulse stays quiet: never two pulse DMs (a pulse or a reminder) from one channel on one person's day,
and never a pulse DM that arrives when its round has closed or closes within the hour. `every day at 9`
over a weekend (across the DST changes of three zones), members about 24 hours apart on a daily schedule,
the pure rules behind both. All on the injected clock, through the in-process harness (real runtime,
storage, outbox and scheduler). docs/pulse.md, "When DMs arrive"."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.core.recurrence import parse_recurrence
from handlers.core.types import Person
from handlers.pulse.catalog import FORM_ID
from handlers.pulse.timing import invite_due, next_round_dm, reminder_due
from tests.support.testbot import Sent, TestBot, testbot

QUIET = (time(20, 0), time(8, 0))


def pulse_sent(bot: TestBot, who: Person) -> list[Sent]:
    """Every pulse DM (invitation or reminder) the outbox delivered to `who`, with its time."""
    return [s for s in bot.sent if s.target.kind == "user" and s.target.id == who.id
            and s.reply.form is not None and s.reply.form.id == FORM_ID]


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


# zone, the Friday before a weekend with a DST change in that zone (2026)
DST_WEEKENDS = [
    ("Europe/Berlin", date(2026, 3, 27)),  # summer time from Sunday 29 March
    ("Europe/Berlin", date(2026, 10, 23)),  # back on Sunday 25 October
    ("America/New_York", date(2026, 3, 6)),  # Sunday 8 March
    ("Australia/Sydney", date(2026, 4, 3)),  # summer time ends on Sunday 5 April
]


@pytest.mark.parametrize(("zone_name", "friday"), DST_WEEKENDS, ids=[f"{z}-{d:%b}" for z, d in DST_WEEKENDS])
async def test_every_day_at_9_sends_one_pulse_dm_a_day_and_only_mondays_on_monday(
        sqlite_url: str, zone_name: str, friday: date) -> None:
    """Saturday's and Sunday's rounds would both move to Monday 08:00, an hour before Monday's own 09:00:
    the person skips both, and no reminder of Friday's round comes on Monday morning either."""
    tz = ZoneInfo(zone_name)
    thursday = friday - timedelta(days=1)
    start = local(tz, thursday.year, thursday.month, thursday.day, 12, 0)
    async with testbot(sqlite_url.replace(".db", f"-{zone_name.replace('/', '-')}-{friday:%m}.db"),
                       start=start) as bot:
        team = bot.team({f"u{i}": zone_name for i in range(1, 5)})
        bot.me = team[0]
        await bot.command("steadybot", "settings min 3")
        [posted] = await bot.command("pulse", "schedule every day at 9")
        assert "every day at 09:00" in posted.text, posted.text
        tuesday = friday + timedelta(days=4)
        await bot.advance(local(tz, tuesday.year, tuesday.month, tuesday.day, 12, 0) - start,
                          step=timedelta(minutes=30))
        monday = friday + timedelta(days=3)
        for who in team:
            sent = pulse_sent(bot, who)
            days = Counter(s.at.astimezone(tz).date() for s in sent)
            assert max(days.values()) == 1, [(s.at.astimezone(tz), s.reply.text[:40]) for s in sent]
            invites = [s.at.astimezone(tz) for s in sent if not s.reply.text.startswith("**Reminder")]
            assert [(d.date(), d.time()) for d in invites] == [
                (friday, time(9)), (monday, time(9)), (tuesday, time(9))], invites


def test_a_sunday_dm_moved_onto_mondays_round_is_skipped_across_dst() -> None:
    daily = parse_recurrence("every day at 9")
    for zone_name, sunday in (("Europe/Berlin", datetime(2026, 3, 29, 9)), ("Europe/Berlin", datetime(2026, 10, 25, 9)),
                              ("America/New_York", datetime(2026, 3, 8, 9))):
        tz = ZoneInfo(zone_name)
        now = local(tz, sunday.year, sunday.month, sunday.day - 1, 12)
        assert invite_due(now, tz, QUIET, sunday, daily) is None, zone_name  # Monday 08:00 is Monday's round's day
        assert invite_due(now, tz, QUIET, sunday - timedelta(days=1), daily) is None
        monday = invite_due(now, tz, QUIET, sunday + timedelta(days=1), daily)
        assert monday == local(tz, sunday.year, sunday.month, sunday.day + 1, 9), zone_name
        # the person's DM of Monday's round, which a moved DM of Sunday's must not reach
        assert next_round_dm(sunday, daily, tz, QUIET) == monday
    # a DM that is moved but stays before the day of the next one is still sent: `every friday and saturday`
    fri_sat = parse_recurrence("every friday and saturday at 9")
    berlin = ZoneInfo("Europe/Berlin")
    assert invite_due(datetime(2026, 3, 27, tzinfo=UTC), berlin, QUIET, datetime(2026, 3, 28, 9), fri_sat) == \
        local(berlin, 2026, 3, 30, 8)  # Saturday's moves to Monday 08:00; the next is Friday's


def test_a_reminder_never_lands_on_the_day_of_the_persons_next_round() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    due = local(berlin, 2026, 3, 3, 9, 30)  # Tuesday's round of `weekdays at 9:30`
    wednesday = local(berlin, 2026, 3, 4, 9, 30)
    span = timedelta(days=1)
    # two thirds in is 01:30 → 08:00 on Wednesday: the morning of Wednesday's own pulse
    assert reminder_due(due, wednesday, span, berlin, QUIET) == local(berlin, 2026, 3, 4, 8)  # no cut-off given
    assert reminder_due(due, wednesday, span, berlin, QUIET, before=wednesday) is None
    # a weekly round's reminder, days before the next round, is untouched
    friday = local(berlin, 2026, 3, 6, 15)
    assert reminder_due(friday, friday + timedelta(days=3), timedelta(days=3), berlin, QUIET,
                        before=friday + timedelta(days=7)) == local(berlin, 2026, 3, 9, 8)


# Kiritimati (+14) opens each daily round; Honolulu (-10) is exactly 24 h behind, Marquesas (-9:30) 23.5 h.
FAR_APART = {"k1": "Pacific/Kiritimati", "k2": "Pacific/Kiritimati", "k3": "Pacific/Kiritimati",
             "k4": "Pacific/Kiritimati", "hnl": "Pacific/Honolulu", "mrq": "Pacific/Marquesas"}


async def test_members_24h_apart_no_dm_at_or_within_the_hour_before_the_rounds_close(sqlite_url: str) -> None:
    """`weekdays at 9`: Tuesday's round closes when Wednesday's opens, at 09:00 Wednesday in Kiritimati
    (19:00 UTC on Tuesday) — the very moment of Honolulu's Tuesday 09:00, and 30 minutes after the Marquesas'.
    Neither gets a DM they could not answer, and neither counts as invited (not as missing)."""
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Monday; Tuesday 02:00 in Kiritimati
    async with testbot(sqlite_url, start=start) as bot:
        team = bot.team(FAR_APART)
        k1, hnl, mrq = team[0], team[4], team[5]
        bot.me = k1
        await bot.command("steadybot", "settings min 3")
        await bot.command("pulse", "schedule weekdays at 9")
        end = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)  # Tuesday 10:00 in Honolulu
        await bot.advance(end - start, step=timedelta(minutes=30))
        for who in (hnl, mrq):
            late = [s for s in pulse_sent(bot, who)
                    if datetime(2026, 3, 3, 17, 59, tzinfo=UTC) <= s.at <= datetime(2026, 3, 3, 19, 1, tzinfo=UTC)]
            assert late == [], [(s.at, s.reply.text[:60]) for s in late]
        store = bot.runtime.store.pulse
        place = bot.here
        [tuesday] = [s.round for s in await store.recent_stats(place, 5)
                     if s.round.occurrence == datetime(2026, 3, 3, 9, 0)]
        assert tuesday.invited == 4  # the four in Kiritimati; Honolulu and the Marquesas were never asked


async def test_a_reminder_queued_days_before_is_dropped_when_the_next_round_closes_this_one_within_the_hour(
        sqlite_url: str) -> None:
    """The send-time rule on its own (it held before this change; kept covered): `every monday and wednesday
    at 9:30`, Adelaide (+10:30) and New York (-5). New York's reminder of Monday's round is two thirds into
    their 48 hours: Tuesday 17:30 (22:30 UTC), not the day of their next pulse. But Wednesday's round opens
    at 09:30 in Adelaide (23:00 UTC on Tuesday) and closes Monday's then: 30 minutes after the reminder."""
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # Sunday
    async with testbot(sqlite_url, start=start) as bot:
        a1, a2, a3, ny = bot.team({"a1": "Australia/Adelaide", "a2": "Australia/Adelaide",
                                   "a3": "Australia/Adelaide", "ny": "America/New_York"})
        bot.me = a1
        await bot.command("steadybot", "settings min 3")
        await bot.command("pulse", "schedule every monday and wednesday at 9:30")
        await bot.advance(datetime(2026, 3, 4, 1, 0, tzinfo=UTC) - start, step=timedelta(minutes=30))
        adelaide = [[s for s in pulse_sent(bot, who) if s.reply.text.startswith("**Reminder")] for who in (a2, a3)]
        assert [len(r) for r in adelaide] == [1, 1]  # Tuesday 17:30 in Adelaide: long before the close
        assert [s.reply.text[:30] for s in pulse_sent(bot, ny)] == ["**Pulse check-in for #team** —"]
        assert [s.at for s in pulse_sent(bot, ny)] == [datetime(2026, 3, 2, 14, 30, tzinfo=UTC)]


async def test_a_dm_held_by_time_off_is_not_sent_on_the_morning_of_the_next_rounds_dm(sqlite_url: str) -> None:
    """`every day at 9`, quiet hours ending at 07:00. Friday's DM to someone snoozed until Sunday noon would
    wait for Monday 07:00 — two hours before Monday's own round. It is not sent (and they are not counted
    as missing from Friday's round); Monday's comes at 09:00."""
    berlin = ZoneInfo("Europe/Berlin")
    start = local(berlin, 2026, 3, 26, 12)  # Thursday; summer time starts on Sunday 29 March
    async with testbot(sqlite_url, start=start) as bot:
        team = bot.team({f"u{i}": "Europe/Berlin" for i in range(1, 6)})
        bot.me = team[0]
        away = team[4]
        await bot.command("steadybot", "settings min 3")
        await bot.command("steadybot", "settings quiet 20:00-07:00")
        await bot.command("pulse", "schedule every day at 9")
        await bot.command("pulse", "snooze until sunday 12:00", as_=away)
        await bot.advance(local(berlin, 2026, 3, 30, 12) - start, step=timedelta(minutes=30))
        sent = [s.at.astimezone(berlin) for s in pulse_sent(bot, away)]
        assert [(d.date(), d.time()) for d in sent] == [(date(2026, 3, 30), time(9))], sent
        friday = [s.round for s in await bot.runtime.store.pulse.recent_stats(bot.here, 5)
                  if s.round.occurrence == datetime(2026, 3, 27, 9, 0)]
        assert [r.invited for r in friday] == [4]
