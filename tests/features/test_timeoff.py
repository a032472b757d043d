"""Time off as people use it: `/pulse snooze`, an away status, Do Not Disturb and the channel's public
holidays hold pulse DMs and personal nudges back; a round doesn't count people away as missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.types import Person, Reply
from tests.support.testbot import ANA, CHLOE, TestBot, testbot, texts

PEOPLE = {f"u{i}": "Europe/Berlin" for i in range(1, 7)}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin


async def said(bot: TestBot, text: str, who: Person | None = None) -> str:
    return texts(await bot.command("pulse", text, as_=who))


def pulse_dms(bot: TestBot, who: Person) -> list[Reply]:
    return [r for r in bot.dms(who) if r.form is not None and r.form.id == "pulse.answer"]


async def test_snooze_command(bot: TestBot) -> None:
    bot.me = CHLOE  # in Berlin
    assert "You're not snoozed" in await said(bot, "snooze")
    assert "Snoozed until **Mon 9 Mar 00:00 CET**" in await said(bot, "snooze until monday")
    assert "until **Mon 9 Mar 00:00 CET**" in await said(bot, "snooze")
    assert "Snoozed until **Mon 16 Mar 10:00 CET**" in await said(bot, "snooze 2 weeks")  # replaces it
    assert "Welcome back" in await said(bot, "snooze off")
    assert "weren't snoozed" in await said(bot, "snooze off")
    assert "couldn't read `blurple`" in await said(bot, "snooze until blurple")
    unreadable = await said(bot, "snooze blah")  # the example is a snooze, not a bare time
    assert "couldn't read `blah`" in unreadable and "For example: `/pulse snooze until monday`" in unreadable
    assert "tomorrow 3pm" not in unreadable
    assert "already past" in await said(bot, "snooze until yesterday")
    assert "more than a year" in await said(bot, "snooze 400 days")
    assert "snooze" in await said(bot, "help")
    assert await bot.runtime.store.timeoff.until(bot.me.platform, bot.me.id, bot.clock.now()) is None


async def test_a_pulse_waits_for_people_who_are_away_and_doesnt_count_them_missing(bot: TestBot) -> None:
    u1, u2, u3, u4, u5, u6 = bot.team(PEOPLE)
    bot.me = u1
    await said(bot, "snooze 2 days", u2)  # back before the round closes: the DM waits
    await said(bot, "snooze 2 weeks", u3)  # away until after it closes: not asked, not missing
    bot.set_away(u4, NOW + timedelta(days=1))  # a vacation status that expires tomorrow
    bot.set_away(u6, NOW + timedelta(days=30))  # away for longer than the round
    bot.set_dnd(u5, NOW + timedelta(hours=2))
    await said(bot, "now")
    assert len(pulse_dms(bot, u1)) == 1
    assert [len(pulse_dms(bot, who)) for who in (u2, u3, u4, u5, u6)] == [0, 0, 0, 0, 0]
    # results of an open round show no live count; u3 and u6 are not counted as missing
    assert "not enough answers yet" in await said(bot, "results")
    current = await bot.runtime.store.pulse.open_round(bot.here)
    assert current is not None and current.invited == 4

    await bot.at(NOW + timedelta(hours=2))  # Do Not Disturb ended
    assert len(pulse_dms(bot, u5)) == 1 and not pulse_dms(bot, u4)
    await bot.at(NOW + timedelta(days=1))  # the vacation status expired
    assert len(pulse_dms(bot, u4)) == 1 and not pulse_dms(bot, u2)
    await bot.at(NOW + timedelta(days=2))  # the snooze ended
    assert "Pulse check-in" in pulse_dms(bot, u2)[0].text
    await bot.at(NOW + timedelta(days=3))
    assert not pulse_dms(bot, u3) and not pulse_dms(bot, u6)


async def test_public_holidays_hold_scheduled_pulses(bot_db: TestBot) -> None:
    bot = bot_db
    u1, u2, *_, u6 = bot.team(PEOPLE)
    bot.me = u1
    assert "don't know the country code" in texts(await bot.command("steadybot", "settings holidays XX"))
    assert "has no region" in texts(await bot.command("steadybot", "settings holidays DE-ZZ"))
    refused = texts(await bot.command("steadybot", "settings holidays DE-BY", as_=u2))
    assert "Only the channel's creator" in refused
    assert "DE-BY" in texts(await bot.command("steadybot", "settings holidays de-by"))
    # Ascension Day (Thursday 14 May 2026) is a public holiday in Germany
    bot.clock.set(datetime(2026, 5, 11, 9, 0, tzinfo=UTC))
    await said(bot, "schedule every thursday at 10:00")
    await bot.at(datetime(2026, 5, 14, 8, 0, tzinfo=UTC))  # 10:00 in Berlin on the holiday
    await bot.at(datetime(2026, 5, 14, 20, 0, tzinfo=UTC))
    assert not pulse_dms(bot, u1)
    await bot.at(datetime(2026, 5, 15, 8, 0, tzinfo=UTC))  # Friday 10:00: the DMs go out
    assert len(pulse_dms(bot, u1)) == 1 and len(pulse_dms(bot, u6)) == 1


async def test_no_meeting_nudge_on_a_holiday_and_none_to_an_organiser_who_is_away(sqlite_url: str) -> None:
    async with testbot(sqlite_url, start=datetime(2026, 4, 29, 9, 0, tzinfo=UTC)) as bot:
        await bot.command("steadybot", "settings holidays DE")
        # Labour Day (Friday 1 May) is a holiday: the T-24h nudge of a Monday 4 May meeting (on Sunday) moves
        # back past the weekend and the holiday, to Thursday
        await bot.command("meeting", "Planning may 4 10:00 for 30m")
        await bot.at(datetime(2026, 4, 30, 8, 0, tzinfo=UTC))
        assert len(bot.sent) == 1 and "on Mon 4 May 10:00 CEST" in bot.sent[0].reply.text
        await bot.at(datetime(2026, 5, 1, 8, 0, tzinfo=UTC))
        assert len(bot.sent) == 1  # nothing on the holiday
        await bot.command("pulse", "snooze 3 days", as_=ANA)  # Ana, the organiser, takes time off
        await bot.at(datetime(2026, 5, 4, 7, 0, tzinfo=UTC))  # T-1h on a working day
        assert any("No agenda, no meeting" in r.text for r in bot.posts())  # the channel is told
        assert bot.dms(ANA) == []  # but Ana gets no private nudge while away


# ---- the end of time off meets quiet hours and weekends ---------------------------------------------------
def pulse_times(bot: TestBot, who: Person) -> list[datetime]:
    """When the outbox delivered `who`'s pulse DMs (UTC)."""
    return [s.at for s in bot.sent if s.target.kind == "user" and s.target.id == who.id
            and s.reply.form is not None and s.reply.form.id == "pulse.answer"]


async def walk(bot: TestBot, until: datetime, step: timedelta = timedelta(minutes=10)) -> None:
    """Move the clock to `until` in steps, running what is due at each."""
    await bot.advance(until - bot.clock.now(), step)


async def test_a_dm_held_back_by_time_off_goes_out_when_quiet_hours_end_not_at_midnight(bot_db: TestBot) -> None:
    """Berlin, quiet hours 20:00–08:00: a snooze until a day (its 00:00) and an away status that ends at 23:30
    both hold the DM until 08:00 the next morning."""
    bot = bot_db
    u1, u2, u3, *_ = bot.team(PEOPLE)
    bot.me = u1
    snoozed = await said(bot, "snooze until tuesday", u2)
    assert "until **tomorrow 00:00 CET**" in snoozed and "until your weekend or the channel's quiet hours" in snoozed
    bot.set_away(u3, datetime(2026, 3, 2, 22, 30, tzinfo=UTC))  # Monday 23:30 in Berlin
    await said(bot, "now")
    await walk(bot, datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    eight = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # Tuesday 08:00 in Berlin
    assert pulse_times(bot, u2) == [eight] and pulse_times(bot, u3) == [eight]


async def test_a_snooze_that_ends_on_saturday_waits_for_monday(sqlite_url: str) -> None:
    thursday = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    async with testbot(sqlite_url, start=thursday) as bot:
        u1, u2, *_ = bot.team(PEOPLE)
        bot.me = u1
        assert "Snoozed until **Sat 7 Mar 00:00 CET**" in await said(bot, "snooze until saturday", u2)
        await said(bot, "now for 7 days")
        await walk(bot, datetime(2026, 3, 9, 8, 0, tzinfo=UTC), timedelta(minutes=30))
        assert pulse_times(bot, u2) == [datetime(2026, 3, 9, 7, 0, tzinfo=UTC)]  # Monday 08:00 in Berlin


async def test_time_off_ending_across_a_dst_change_waits_for_the_local_morning(sqlite_url: str) -> None:
    """Berlin springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October; New York springs
    forward on Sunday 8 March. Each DM goes out at 08:00 local on the Monday: a UTC hour that differs from
    the Friday's."""
    people = {"u1": "Europe/Berlin", "u2": "Europe/Berlin", "u3": "America/New_York", "u4": "Europe/Berlin",
              "u5": "Europe/Berlin", "u6": "Europe/Berlin"}
    cases = [  # (the round starts, the snooze, when the DM is due in UTC)
        (datetime(2026, 3, 27, 9, 0, tzinfo=UTC), "until sunday 2:30",  # a wall time that never happens
         datetime(2026, 3, 30, 6, 0, tzinfo=UTC)),
        (datetime(2026, 10, 23, 8, 0, tzinfo=UTC), "until sunday 2:30",  # a wall time that happens twice
         datetime(2026, 10, 26, 7, 0, tzinfo=UTC)),
    ]
    for start, snooze, due in cases:
        async with testbot(sqlite_url.replace(".db", f"-{start:%m}.db"), start=start) as bot:
            u1, u2, u3, *_ = bot.team(people)
            bot.me = u1
            await said(bot, f"snooze {snooze}", u2)
            await said(bot, "now for 7 days")
            await walk(bot, due + timedelta(hours=1), timedelta(minutes=30))
            assert pulse_times(bot, u2) == [due]
    new_york = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Friday 10:00 in New York (EST, UTC-5)
    async with testbot(sqlite_url.replace(".db", "-ny.db"), start=new_york) as bot:
        u1, u2, u3, *_ = bot.team(people)
        bot.me = u1
        await said(bot, "snooze until sunday 2:30", u3)  # 02:30 on 8 March never happens in New York
        await said(bot, "now for 7 days")
        await walk(bot, datetime(2026, 3, 9, 13, 0, tzinfo=UTC), timedelta(minutes=30))
        assert pulse_times(bot, u3) == [datetime(2026, 3, 9, 12, 0, tzinfo=UTC)]  # Monday 08:00 EDT (UTC-4)


async def test_time_off_ending_in_a_repeated_hour_is_not_moved_back_an_hour(sqlite_url: str) -> None:
    """Cairo falls back at midnight on Thursday 29 October 2026: 23:00–24:00 happens twice. With no quiet
    hours, an away status that ends in the second 23:30 delivers then — not at the first 23:30, an hour before
    the status ends (which would be in the past, again and again)."""
    people = {f"u{i}": "Africa/Cairo" for i in range(1, 7)}
    async with testbot(sqlite_url, start=datetime(2026, 10, 29, 8, 0, tzinfo=UTC)) as bot:
        u1, u2, *_ = bot.team(people)
        bot.me = u1
        assert "Quiet hours" in texts(await bot.command("steadybot", "settings quiet off"))
        back = datetime(2026, 10, 29, 21, 30, tzinfo=UTC)  # the second 23:30 in Cairo
        bot.set_away(u2, back)
        await said(bot, "now")
        await walk(bot, back + timedelta(hours=1))
        assert pulse_times(bot, u2) == [back]
        assert bot.runtime.worker.stats["deferred"] == 1  # put off once, to the end of the status


async def test_someone_back_only_after_quiet_hours_that_end_too_close_to_the_close_is_not_asked(
        bot_db: TestBot) -> None:
    """The round closes Tuesday 08:00 in Berlin. An away status that ends at 00:30 would leave time to answer,
    but the DM may only go out at 08:00, when the round closes: they are taken out of the round (not missing),
    and get nothing in the night."""
    bot = bot_db
    u1, u2, u3, *_ = bot.team(PEOPLE)
    bot.me = u1
    bot.set_away(u2, datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # Tuesday 00:30 in Berlin
    await said(bot, "now for 22 hours")
    current = await bot.runtime.store.pulse.open_round(bot.here)
    assert current is not None and current.closes_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    await walk(bot, datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    assert pulse_times(bot, u2) == [] and len(pulse_times(bot, u3)) == 1
    assert not any(s.target.id == u2.id for s in bot.sent)  # no reminder either
    closed = await bot.runtime.store.pulse.round(current.id)
    assert closed is not None and closed.invited == 5  # six asked, u2 taken out
