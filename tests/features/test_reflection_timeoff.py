"""Time off holds the weekly reflection back like a pulse DM: a snooze, an away status or Do Not Disturb over
Friday 16:00 moves it to the person's first allowed moment after (their zone, quiet hours, not on their
weekend); time off that lasts past the Monday after the Friday skips that week's reflection (docs/pulse.md,
"Time off"). The Slack away status through the wire: tests/wire/test_timeoff_slack.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.core.types import Person
from handlers.pulse.reflection import reflection_due
from tests.support.testbot import BERLIN, TestBot, testbot, texts

PEOPLE = {"u1": BERLIN, "u2": BERLIN}
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
FRIDAY_16 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Friday 16:00 in Berlin (CET)


def reflection_times(bot: TestBot, who: Person) -> list[datetime]:
    """When the outbox delivered `who`'s weekly reflections (UTC)."""
    return [s.at for s in bot.sent if s.target.kind == "user" and s.target.id == who.id
            and s.reply.form is not None and s.reply.form.id == "pulse.reflect"]


async def reflecting(bot: TestBot) -> tuple[Person, Person]:
    u1, u2 = bot.team(PEOPLE)
    for who in (u1, u2):
        assert "Weekly reflection is on" in texts(await bot.command("pulse", "me reflect on", as_=who))
    return u1, u2


async def walk(bot: TestBot, until: datetime, step: timedelta = timedelta(hours=1)) -> None:
    """Move the clock to `until` an hour at a time (every time asserted on is on the hour), running what is due."""
    await bot.advance(until - bot.clock.now(), step)


async def test_a_snooze_over_friday_afternoon_moves_the_reflection_to_monday_morning(bot_db: TestBot) -> None:
    """Snoozed until Sunday 22:30: not on the weekend, not in the night — Monday 08:00 in Berlin."""
    bot = bot_db
    u1, u2 = await reflecting(bot)
    assert "Snoozed until" in texts(await bot.command("pulse", "snooze until sunday 22:30", as_=u2))
    await walk(bot, datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    assert reflection_times(bot, u1) == [FRIDAY_16]
    assert reflection_times(bot, u2) == [datetime(2026, 3, 9, 7, 0, tzinfo=UTC)]  # Monday 08:00 CET


async def test_an_away_status_or_do_not_disturb_holds_the_reflection_back(bot_db: TestBot) -> None:
    bot = bot_db
    u1, u2 = await reflecting(bot)
    bot.set_away(u1, datetime(2026, 3, 6, 21, 30, tzinfo=UTC))  # a vacation status until Friday 22:30
    bot.set_dnd(u2, datetime(2026, 3, 6, 16, 0, tzinfo=UTC))  # Do Not Disturb until Friday 17:00
    await walk(bot, datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    assert reflection_times(bot, u1) == [datetime(2026, 3, 9, 7, 0, tzinfo=UTC)]  # Monday 08:00
    assert reflection_times(bot, u2) == [datetime(2026, 3, 6, 16, 0, tzinfo=UTC)]  # when DND ends


async def test_time_off_past_the_next_reflection_skips_this_weeks(bot_db: TestBot) -> None:
    """Away from Thursday until the next Friday 18:00: the first week's reflection is skipped, the second
    week's waits two hours — exactly one reflection, for the current week."""
    bot = bot_db
    u1, u2 = await reflecting(bot)
    bot.clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    assert "Snoozed until" in texts(await bot.command("pulse", "snooze until mar 13 18:00", as_=u2))
    await walk(bot, datetime(2026, 3, 16, 12, 0, tzinfo=UTC))
    assert reflection_times(bot, u1) == [FRIDAY_16, FRIDAY_16 + timedelta(days=7)]
    assert reflection_times(bot, u2) == [datetime(2026, 3, 13, 17, 0, tzinfo=UTC)]  # Friday 18:00
    assert [r.form.context for r in bot.dms(u2) if r.form is not None] == ["2026-03-13"]


async def test_a_reflection_waits_until_the_monday_after_its_friday_and_no_longer(bot_db: TestBot) -> None:
    """Back on Monday 19:00: the reflection comes then. Back on Tuesday: that week's is skipped (it would
    arrive days after its week), and the next Friday's comes as usual."""
    bot = bot_db
    u1, u2 = await reflecting(bot)
    assert "Snoozed until" in texts(await bot.command("pulse", "snooze until mar 9 19:00", as_=u1))
    assert "Snoozed until" in texts(await bot.command("pulse", "snooze until mar 10 9:00", as_=u2))
    await walk(bot, datetime(2026, 3, 13, 16, 0, tzinfo=UTC))
    assert reflection_times(bot, u1) == [datetime(2026, 3, 9, 18, 0, tzinfo=UTC), FRIDAY_16 + timedelta(days=7)]
    assert reflection_times(bot, u2) == [FRIDAY_16 + timedelta(days=7)]


async def test_held_reflections_across_the_dst_changes_in_berlin(sqlite_url: str) -> None:
    """Berlin springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October: a reflection held
    over the weekend goes out at 08:00 local on the Monday — 06:00 UTC after the spring change, 07:00 UTC
    after the autumn one — and the next Friday's at 16:00 local."""
    cases = [  # (start, the Friday's 16:00, the Monday's 08:00, the next Friday's 16:00), all UTC
        (datetime(2026, 3, 23, 9, 0, tzinfo=UTC), datetime(2026, 3, 27, 15, 0, tzinfo=UTC),
         datetime(2026, 3, 30, 6, 0, tzinfo=UTC), datetime(2026, 4, 3, 14, 0, tzinfo=UTC)),
        (datetime(2026, 10, 19, 8, 0, tzinfo=UTC), datetime(2026, 10, 23, 14, 0, tzinfo=UTC),
         datetime(2026, 10, 26, 7, 0, tzinfo=UTC), datetime(2026, 10, 30, 15, 0, tzinfo=UTC)),
    ]
    for start, friday, monday, next_friday in cases:
        async with testbot(sqlite_url.replace(".db", f"-{start:%m}.db"), start=start) as bot:
            u1, u2 = await reflecting(bot)
            await bot.command("pulse", "snooze until sunday 2:30", as_=u2)  # never happens in March, twice in October
            await walk(bot, next_friday + timedelta(hours=1))
            assert reflection_times(bot, u1) == [friday, next_friday]
            assert reflection_times(bot, u2) == [monday, next_friday]


def test_the_cut_off_is_the_tuesday_after_the_friday_in_the_persons_zone() -> None:
    berlin = ZoneInfo(BERLIN)
    week = "2026-03-06"
    assert reflection_due(week, berlin, FRIDAY_16, None) == FRIDAY_16
    monday_19 = datetime(2026, 3, 9, 18, 0, tzinfo=UTC)
    assert reflection_due(week, berlin, FRIDAY_16, monday_19) == monday_19
    # back on Monday at 20:30: the first allowed moment is Tuesday 08:00, past the cut-off
    assert reflection_due(week, berlin, FRIDAY_16, datetime(2026, 3, 9, 19, 30, tzinfo=UTC)) is None
    # the bot was down until Tuesday 00:10: nobody away, but the week is over
    assert reflection_due(week, berlin, datetime(2026, 3, 9, 23, 10, tzinfo=UTC), None) is None
    assert reflection_due(week, berlin, datetime(2026, 3, 9, 22, 50, tzinfo=UTC), None) is not None
    assert reflection_due("not a week", berlin, FRIDAY_16, None) is None
