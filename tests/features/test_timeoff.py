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
        # Labour Day (1 May) is a holiday: the T-24h nudge of a 2 May meeting would fall on it
        await bot.command("meeting", "Planning may 2 10:00 for 30m")
        await bot.at(datetime(2026, 5, 1, 8, 0, tzinfo=UTC))
        assert bot.sent == []
        await bot.command("pulse", "snooze 3 days", as_=ANA)  # Ana, the organiser, takes time off
        await bot.at(datetime(2026, 5, 2, 7, 0, tzinfo=UTC))  # T-1h on a working day
        assert any("No agenda, no meeting" in r.text for r in bot.posts())  # the channel is told
        assert bot.dms(ANA) == []  # but Ana gets no private nudge while away
