"""Time off through the platforms' wires: Slack's away status (profile) and Do Not Disturb (dnd.info) hold
pulse DMs and the weekly reflection back; `pulse snooze` typed in Teams. Time off's behaviour itself: tests/features/test_timeoff.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.types import Place, Platform
from support.slack_api import Call
from tests.support.harness import BOT_TOKEN, Harness
from tests.support.meetings_helpers import at
from tests.support.pulse_helpers import dms, pulse_dms, pulse_now, slack_team, text_of

PEOPLE = {f"U{i}": "Europe/Berlin" for i in range(1, 7)}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin


def dnd_hours(start: datetime, end: datetime) -> dict[str, object]:
    """dnd.info's scheduled Do Not Disturb hours, as Slack shows them to a bot token."""
    return {"dnd_enabled": True, "next_dnd_start_ts": int(start.timestamp()), "next_dnd_end_ts": int(end.timestamp())}


async def said(bot: Harness, text: str, user: str = "U2") -> str:
    return text_of(await bot.slash_reply("/pulse", text, user=user))


async def test_a_pulse_waits_for_people_who_are_away_and_doesnt_count_them_missing(bot: Harness) -> None:
    slack_team(bot, PEOPLE)
    await said(bot, "snooze 2 days", user="U2")  # back before the round closes: the DM waits
    await said(bot, "snooze 2 weeks", user="U3")  # away until after it closes: not asked, not missing
    bot.slack.users["U4"]["profile"] = {"status_text": "Vacation in Lisbon", "status_emoji": ":palm_tree:",
                                        "status_expiration": int((NOW + timedelta(days=1)).timestamp())}
    bot.slack.users["U6"]["profile"] = {"status_text": "OOO", "status_emoji": "", "status_expiration": 0}
    bot.slack.dnd["U5"] = dnd_hours(NOW - timedelta(hours=1), NOW + timedelta(hours=2))
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


async def test_without_the_dnd_scope_people_count_as_not_in_dnd_and_one_warning_says_so(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """An installation from before the app asked for dnd:read: Slack answers every dnd.info `missing_scope`.
    The DM goes out (nobody is held back on a guess), and the operator reads one WARNING, not one per person."""
    slack_team(bot, PEOPLE)
    for user in ("U4", "U5"):
        bot.slack.dnd[user] = dnd_hours(NOW - timedelta(hours=1), NOW + timedelta(hours=2))
    bot.slack.scopes_of(BOT_TOKEN).discard("dnd:read")
    with caplog.at_level(logging.INFO, logger="steadybot.slack"):
        await pulse_now(bot)
        await at(bot, NOW + timedelta(minutes=5))
    assert len(pulse_dms(bot, "U4")) == 1 and len(pulse_dms(bot, "U5")) == 1
    assert len(bot.slack.calls_to("dnd.info")) >= 2  # asked for each person, refused each time
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "dnd.info" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "missing_scope" in warnings[0].getMessage() and "reinstall" in warnings[0].getMessage()
    assert "U4" not in warnings[0].getMessage() and "U5" not in warnings[0].getMessage()


async def test_with_the_dnd_scope_dnd_hours_hold_the_dm_until_they_end(bot: Harness) -> None:
    slack_team(bot, PEOPLE)
    assert "dnd:read" in bot.slack.scopes_of(BOT_TOKEN)  # the manifest's scopes
    bot.slack.dnd["U5"] = dnd_hours(NOW - timedelta(hours=1), NOW + timedelta(hours=2))
    bot.slack.dnd["U4"] = dnd_hours(NOW + timedelta(hours=12), NOW + timedelta(hours=20))  # later tonight
    await pulse_now(bot)
    assert not pulse_dms(bot, "U5") and len(pulse_dms(bot, "U4")) == 1
    await at(bot, NOW + timedelta(hours=1))
    assert not pulse_dms(bot, "U5")
    await at(bot, NOW + timedelta(hours=2))
    assert len(pulse_dms(bot, "U5")) == 1


async def test_a_snooze_is_not_visible_to_a_bot_token(bot: Harness) -> None:
    """Slack returns snooze_* only when the token's own user is asked about; a person's "pause notifications"
    is invisible to the bot (docs/pulse.md, "Time off"), so the DM goes out and Slack delivers it silently."""
    slack_team(bot, PEOPLE)
    bot.slack.dnd["U5"] = {"snooze_enabled": True, "snooze_endtime": int((NOW + timedelta(hours=2)).timestamp())}
    await pulse_now(bot)
    assert len(pulse_dms(bot, "U5")) == 1
    answers = [c for c in bot.slack.calls_to("dnd.info") if c.params.get("user") == "U5"]
    assert answers


async def test_snooze_in_teams(bot: Harness) -> None:
    await bot.teams(bot.activity("pulse snooze 3 days", user="29:u7", aad="aad-7"))
    sent = bot.connector.sent[-1]
    assert "Snoozed until" in (sent.text or "") + str(sent.card or "")
    until = await bot.runtime.store.timeoff.until(Platform.TEAMS, "29:u7", bot.clock.now())
    assert until == bot.clock.now() + timedelta(days=3)


async def test_an_away_status_holds_the_weekly_reflection_until_monday_morning(bot: Harness) -> None:
    """The reflection (Friday 16:00 in Berlin) of someone whose Slack status says 🌴 until Saturday noon goes
    out on Monday at 08:00 — not on the weekend, and not at the status's end."""
    slack_team(bot, {"U1": "Europe/Berlin", "U2": "Europe/Berlin"})
    saturday = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
    bot.slack.users["U2"]["profile"] = {"status_text": "Long weekend", "status_emoji": ":palm_tree:",
                                        "status_expiration": int(saturday.timestamp())}
    for user in ("U1", "U2"):
        assert "Weekly reflection is on" in await said(bot, "me reflect on", user=user)

    def reflections(user: str) -> list[Call]:
        return [c for c in dms(bot, user) if "Weekly reflection" in text_of(c.params)]

    await at(bot, NOW)  # the week's reflections are queued
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
    for moment in (friday, saturday, datetime(2026, 3, 8, 12, 0, tzinfo=UTC)):
        await at(bot, moment)
        assert len(reflections("U1")) == 1 and reflections("U2") == []
    await at(bot, datetime(2026, 3, 9, 7, 0, tzinfo=UTC))  # Monday 08:00 in Berlin
    assert len(reflections("U2")) == 1
