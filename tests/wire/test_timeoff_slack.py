"""Time off through the platforms' wires: Slack's away status (profile) and Do Not Disturb (dnd.info) hold
pulse DMs back; `pulse snooze` typed in Teams. Time off's behaviour itself: tests/features/test_timeoff.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.types import Place, Platform
from tests.support.harness import Harness
from tests.support.meetings_helpers import at
from tests.support.pulse_helpers import pulse_dms, pulse_now, slack_team, text_of

PEOPLE = {f"U{i}": "Europe/Berlin" for i in range(1, 7)}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin


async def said(bot: Harness, text: str, user: str = "U2") -> str:
    return text_of(await bot.slash_reply("/pulse", text, user=user))


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


async def test_snooze_in_teams(bot: Harness) -> None:
    await bot.teams(bot.activity("pulse snooze 3 days", user="29:u7", aad="aad-7"))
    sent = bot.connector.sent[-1]
    assert "Snoozed until" in (sent.text or "") + str(sent.card or "")
    until = await bot.runtime.store.timeoff.until(Platform.TEAMS, "29:u7", bot.clock.now())
    assert until == bot.clock.now() + timedelta(days=3)
