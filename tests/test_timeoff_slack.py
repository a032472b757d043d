"""Time off through Slack's real wire: `/pulse snooze`, an away status, Do Not Disturb and the channel's
public holidays hold pulse DMs and personal nudges back; a round doesn't count people away as missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.types import Place, Platform
from tests.harness import Harness, running
from tests.meetings_helpers import at, command, post_texts, posts, team
from tests.test_pulse_support import channel_command, pulse_dms, pulse_now, slack_team, text_of

PEOPLE = {f"U{i}": "Europe/Berlin" for i in range(1, 7)}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin


async def said(bot: Harness, text: str, user: str = "U2") -> str:
    return text_of(await bot.slash_reply("/pulse", text, user=user))


async def test_snooze_command(bot: Harness) -> None:
    slack_team(bot, PEOPLE)
    assert "You're not snoozed" in await said(bot, "snooze")
    answer = await said(bot, "snooze until monday")
    assert "Snoozed until *Mon 9 Mar 00:00 CET*" in answer
    assert "until *Mon 9 Mar 00:00 CET*" in await said(bot, "snooze")
    assert "Snoozed until *Mon 16 Mar 10:00 CET*" in await said(bot, "snooze 2 weeks")  # replaces it
    assert "Welcome back" in await said(bot, "snooze off")
    assert "weren't snoozed" in await said(bot, "snooze off")
    assert "couldn't read `blurple`" in await said(bot, "snooze until blurple")
    assert "already past" in await said(bot, "snooze until yesterday")
    assert "more than a year" in await said(bot, "snooze 400 days")
    assert "snooze" in await said(bot, "help")


async def test_a_pulse_waits_for_people_who_are_away_and_doesnt_count_them_missing(bot: Harness) -> None:
    slack_team(bot, PEOPLE)
    await said(bot, "snooze 2 days", user="U2")  # back before the round closes: the DM waits
    await said(bot, "snooze 2 weeks", user="U3")  # away until after it closes: not asked, not missing
    bot.slack.users["U4"]["profile"] = {"status_text": "Vacation in Lisbon", "status_emoji": ":palm_tree:",
                                        "status_expiration": int((NOW + timedelta(days=1)).timestamp())}
    bot.slack.users["U6"]["profile"] = {"status_text": "OOO", "status_emoji": "", "status_expiration": 0}
    bot.slack.dnd["U5"] = {"snooze_enabled": True, "snooze_endtime": int((NOW + timedelta(hours=2)).timestamp())}
    await pulse_now(bot)
    assert len(pulse_dms(bot, "U1")) == 1
    assert [len(pulse_dms(bot, u)) for u in ("U2", "U3", "U4", "U5")] == [0, 0, 0, 0]
    # results of an open round show no live count (issue #12); U3 is not counted as missing: 5 invited, not 6
    assert "not enough answers yet" in await said(bot, "results", user="U1")
    current = await bot.runtime.store.pulse.open_round(Place(Platform.SLACK, "C1", "T1"))
    assert current is not None and current.invited == 5

    await at(bot, NOW + timedelta(hours=2))  # Do Not Disturb ended
    assert len(pulse_dms(bot, "U5")) == 1 and not pulse_dms(bot, "U4")
    await at(bot, NOW + timedelta(days=1))  # the vacation status expired
    assert len(pulse_dms(bot, "U4")) == 1 and not pulse_dms(bot, "U2")
    await at(bot, NOW + timedelta(days=2))  # the snooze ended
    assert "Pulse check-in" in pulse_dms(bot, "U2")[0].params["text"]
    await at(bot, NOW + timedelta(days=3))
    assert not pulse_dms(bot, "U3")
    assert not pulse_dms(bot, "U6")  # an open-ended OOO status: checked again every 12 hours, still away
    calls = [c.params.get("user") for c in bot.slack.calls_to("dnd.info")]
    assert "U5" in calls


async def test_public_holidays_hold_scheduled_pulses_and_meeting_nudges(bot: Harness) -> None:
    slack_team(bot, PEOPLE)
    bad = text_of(await bot.slash_reply("/steadybot", "settings holidays XX"))
    assert "don't know the country code" in bad
    assert "has no region" in text_of(await bot.slash_reply("/steadybot", "settings holidays DE-ZZ"))
    refused = text_of(await bot.slash_reply("/steadybot", "settings holidays DE-BY", user="U2"))
    assert "Only the channel's creator" in refused
    saved = text_of(await bot.slash_reply("/steadybot", "settings holidays de-by"))
    assert "DE-BY" in saved
    # Ascension Day (Thursday 14 May 2026) is a public holiday in Germany
    bot.clock.set(datetime(2026, 5, 11, 9, 0, tzinfo=UTC))
    await channel_command(bot, "schedule every thursday at 10:00")
    await at(bot, datetime(2026, 5, 14, 8, 0, tzinfo=UTC))  # 10:00 in Berlin on the holiday
    await at(bot, datetime(2026, 5, 14, 20, 0, tzinfo=UTC))
    assert not pulse_dms(bot, "U1")
    await at(bot, datetime(2026, 5, 15, 8, 0, tzinfo=UTC))  # Friday 10:00: the DMs go out
    assert len(pulse_dms(bot, "U1")) == 1 and len(pulse_dms(bot, "U6")) == 1


async def test_no_meeting_nudge_on_a_holiday_and_none_to_an_organiser_who_is_away(sqlite_url: str) -> None:
    async with running(sqlite_url, start=datetime(2026, 5, 1, 9, 0, tzinfo=UTC) - timedelta(days=2)) as bot:
        team(bot)
        await bot.slash_reply("/steadybot", "settings holidays DE")
        # Labour Day (1 May) is a holiday: the T-24h nudge of a 2 May meeting would fall on it
        await command(bot, "/meeting", "Planning may 2 10:00 for 30m")
        before = len(posts(bot))
        await at(bot, datetime(2026, 5, 1, 8, 0, tzinfo=UTC))
        assert len(posts(bot)) == before
        await bot.slash_reply("/pulse", "snooze 3 days", user="U1")  # Ana, the organiser, takes time off
        await at(bot, datetime(2026, 5, 2, 7, 0, tzinfo=UTC))  # T-1h on a working day
        assert any("No agenda, no meeting" in t for t in post_texts(bot)[before:])  # the channel is told
        assert posts(bot, "U1") == []  # but Ana gets no private nudge while away


async def test_snooze_in_teams(bot: Harness) -> None:
    await bot.teams(bot.activity("pulse snooze 3 days", user="29:u7", aad="aad-7"))
    sent = bot.connector.sent[-1]
    assert "Snoozed until" in (sent.text or "") + str(sent.card or "")
    until = await bot.runtime.store.timeoff.until(Platform.TEAMS, "29:u7", bot.clock.now())
    assert until == bot.clock.now() + timedelta(days=3)
