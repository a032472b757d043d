"""Two rounds back to back that differ by one person (review 1): the lead closes a round early and a minute
later pulses the same people minus one, in a side channel or in the same channel after removing that person.
Subtracting the two would give the missing person's answers, so the later round stays hidden and the lead is
told why, through the real Slack wire."""

from __future__ import annotations

from datetime import timedelta

from tests.support.harness import Harness
from tests.support.pulse_helpers import answer_slack, pulse_now, slack_team, text_of

DIMS = ("exhaustion", "cynicism", "efficacy", "workload", "burnout")
TEAM = {"U2": "3", "U3": "3", "U4": "4", "U5": "3", "U6": "4", "U7": "1"}  # U7 is the one to single out
WHY = ("stays hidden: the people who answered it differ by too few from those who answered a round of the "
       "same days that was shown first (rounds less than 6 days apart")


async def results(bot: Harness, channel: str) -> str:
    return text_of(await bot.slash_reply("/pulse", "results", user="U1", channel=channel))


async def _round(bot: Harness, channel: str, people: list[str]) -> None:
    await pulse_now(bot, channel=channel)
    for user in people:
        await answer_slack(bot, user, dict.fromkeys(DIMS, TEAM[user]))
    await bot.slash_reply("/pulse", "close", user="U1", channel=channel)
    bot.clock.advance(timedelta(minutes=1))


async def test_a_side_channel_one_person_short_a_minute_later_stays_hidden(bot: Harness) -> None:
    slack_team(bot, {u: "Europe/Berlin" for u in ("U1", *TEAM)}, channel="C1")  # the lead U1 + U2..U7
    bot.slack.add_channel("C2", "U1", ["U1", "U2", "U3", "U4", "U5", "U6", "UBOT"])  # the lead's side channel
    for channel in ("C1", "C2"):
        await bot.slash_reply("/steadybot", "settings quiet off", user="U1", channel=channel)
    await _round(bot, "C1", list(TEAM))
    await _round(bot, "C2", [u for u in TEAM if u != "U7"])
    first = await results(bot, "C1")
    second = await results(bot, "C2")
    assert "• *Energy*" in first  # the first round shows ...
    assert "• *Energy*" not in second and "at burnout level" not in second  # ... the second does not
    assert WHY in second and "subtract one from the other" in second
    assert "3.4" not in second  # before: Energy 3.4 here and 3.0 in C1, so 6 × 3.0 − 5 × 3.4 = U7's 1
    assert "• *Energy*" in await results(bot, "C1")  # looking again changes nothing


async def test_the_same_channel_after_removing_one_person_stays_hidden(bot: Harness) -> None:
    slack_team(bot, {u: "Europe/Berlin" for u in ("U1", *TEAM)}, channel="C1")
    await bot.slash_reply("/steadybot", "settings quiet off", user="U1", channel="C1")
    await _round(bot, "C1", list(TEAM))
    first = await results(bot, "C1")  # the first round is looked at (and so shown first) before the second
    bot.slack.channels["C1"]["members"].remove("U7")
    await _round(bot, "C1", [u for u in TEAM if u != "U7"])
    latest = await results(bot, "C1")
    assert "• *Energy*" in first
    assert WHY in latest
    # the round shown is still the first one (U2..U7 answered, energy 3.0), never the second (4 of 6 ... 3.4)
    assert "6 of 7 answered" in latest and "5 of 6 answered" not in latest and "3.4" not in latest
