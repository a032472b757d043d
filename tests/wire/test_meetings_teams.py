"""Meetings and timeboxes end to end through Teams: real Bot Framework activities (typed commands with an
@mention, Adaptive Card actions) against the fake connector, proactive posts through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.types import Place, Platform
from handlers.meetings.api import hygiene_summary
from support.bf_connector import CHANNEL_ID, Sent
from tests.support.harness import Harness
from tests.support.meetings_helpers import at, card_actions, channel_activity, fake_pacing

REVIEW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # "tomorrow 3pm" in Berlin, seen from Monday 09:00 UTC
THREAD = f"{CHANNEL_ID};messageid=1700000000001"  # the reply chain the test activities are posted in


def _team(bot: Harness) -> None:
    fake_pacing(bot)
    bot.connector.add_member("29:u1", "Ana", "aad-1", role="owner")
    bot.connector.add_member("29:u2", "Ben", "aad-2")
    bot.connector.add_member("29:u3", "Chloé", "aad-3")


async def _say(bot: Harness, text: str, **kwargs: object) -> Sent:
    before = len(bot.connector.sent)
    response = await bot.teams(channel_activity(bot, text, **kwargs))  # type: ignore[arg-type]
    assert response.status in (200, 201), await response.text()
    assert len(bot.connector.sent) > before, f"no answer to {text!r}"
    return bot.connector.sent[-1]


async def _card_action(bot: Harness, sent: Sent, title: str, *, user: str = "29:u1", name: str = "Ana",
                       aad: str = "aad-1", personal: bool = False) -> Sent:
    data = card_actions(sent)[title]
    before = len(bot.connector.sent)
    kwargs: dict[str, object] = {"conversation_type": "personal"} if personal else {
        "conversation_type": "channel", "conversation": sent.conversation_id}
    activity = bot.activity("", user=user, name=name, aad=aad, value=data, reply_to_id=sent.activity.get("id")
                            or "activity-x", **kwargs)
    response = await bot.teams(activity)
    assert response.status in (200, 201), await response.text()
    assert len(bot.connector.sent) > before
    return bot.connector.sent[-1]


def _channel_posts(bot: Harness) -> list[Sent]:
    return [s for s in bot.connector.sent if s.conversation_id == CHANNEL_ID]


async def test_typed_commands_nudges_and_card_actions(bot: Harness) -> None:
    _team(bot)
    registered = await _say(bot, "meeting Sprint review tomorrow 3pm for 45m")
    assert "**tomorrow 15:00 CET**" in registered.text and registered.conversation_id == THREAD
    assert set(card_actions(registered)) == {"Add an agenda item", "Cancel it"}
    listing = await _say(bot, "meeting list", user="29:u2", name="Ben", aad="aad-2", tz="America/New_York")
    assert "Sprint review — tomorrow 09:00 EST" in listing.text

    await at(bot, REVIEW - timedelta(hours=24))
    nudge = _channel_posts(bot)[-1]
    assert "in 24 hours" in nudge.text and "no agenda yet" in nudge.text and "Ana" in nudge.text

    await at(bot, REVIEW - timedelta(hours=1))
    assert "No agenda, no meeting" in _channel_posts(bot)[-1].text
    assert bot.connector.created and bot.connector.created[-1]["members"] == [{"id": "29:u1"}]
    dm = next(s for s in bot.connector.sent if s.conversation_id == "a:1on1-29:u1")
    assert set(card_actions(dm)) == {"Add agenda", "Shorten to 15 minutes", "Cancel the meeting"}

    updated = await _card_action(bot, dm, "Shorten to 15 minutes", personal=True)
    assert updated.kind == "update" and "Done" in updated.text and "is now 15 minutes" in updated.text
    await bot.settle()
    assert "is now 15 minutes" in _channel_posts(bot)[-1].text

    form = await _card_action(bot, dm, "Add agenda", personal=True)
    inputs = [b for b in (form.card or {}).get("body", []) if b.get("type", "").startswith("Input.")]
    assert [i["id"] for i in inputs] == ["item", "minutes"]
    submit = next(a for a in form.card["actions"] if a["type"] == "Action.Submit")  # type: ignore[index]
    activity = bot.activity("", conversation_type="personal", value={**submit["data"], "item": "Pick the rollout date",
                                                                      "minutes": "10"})
    await bot.teams(activity)
    assert "Pick the rollout date (10m)" in bot.connector.sent[-1].text

    await at(bot, REVIEW)
    start = _channel_posts(bot)[-1]
    assert "Sprint review starts now" in start.text and "15:00–15:10 **1.** Pick the rollout date (10m)" in start.text
    ended = await _card_action(bot, start, "End meeting", user="29:u2", name="Ben", aad="aad-2")
    assert "Sprint review ended**: 0m of 15m planned — **15m given back** to 3 people" in ended.text
    await at(bot, REVIEW + timedelta(minutes=1))
    record = await hygiene_summary(bot.runtime.services, Place(Platform.TEAMS, CHANNEL_ID), REVIEW - timedelta(days=1))
    assert (record.meetings_held, record.with_agenda, record.saved_minutes) == (1, 1, 15)
    assert record.weeks[0].person_minutes == 0  # ended at once: no minutes, whatever the head count


async def test_a_timebox_runs_in_the_reply_chain_and_its_buttons_work(bot: Harness) -> None:
    _team(bot)
    t0 = bot.clock.now()
    started = await _say(bot, "timebox 10m retro")
    assert "10m timebox started" in started.text and started.conversation_id == THREAD
    extended = await _card_action(bot, started, "+5m", user="29:u2", name="Ben", aad="aad-2")
    assert "Extended by 5m" in extended.text and "(by Ben)" in extended.text
    for step in range(1, 61):
        await at(bot, t0 + timedelta(seconds=15 * step))
    warnings = [s.text.split("\n")[0] for s in bot.connector.sent if s.conversation_id == THREAD][2:]
    assert warnings == ["⏱ **Half time** — retro — 7m 30s left.", "⏳ **3m left** — retro. Time to wrap up.",
                        "⏰ **Time's up** — retro (15m)."]
    again = await _say(bot, "timebox 5m")
    asked = await _say(bot, "timebox 5m other")
    assert "Replace it?" in asked.text
    replaced = await _card_action(bot, asked, "Replace with 5m")
    assert any("5m timebox started** — other" in s.text for s in bot.connector.sent[-2:])
    assert replaced is not again
    stopped = await _say(bot, "timebox stop")
    assert "Timebox stopped** — other after 0m of 5m — 5m given back" in stopped.text
    for text, expected in (("timebox 0m", "longer than zero"), ("timebox 9h", "at most 8h"),
                           ("timebox -1m", "can't be negative")):
        said = await _say(bot, text)
        assert expected in said.text and "For example" in said.text


async def test_bad_input_in_teams(bot: Harness) -> None:
    _team(bot)
    said = await _say(bot, "agenda add Demo 10m")
    assert "no upcoming meeting in this channel" in said.text and "meeting Sprint review tomorrow" in said.text
    said = await _say(bot, "meeting Offsite in 3 years at 10am")
    assert "more than a year away" in said.text
    said = await _say(bot, "meeting Retro yesterday 3pm")
    assert "in the past" in said.text
    said = await _say(bot, "meeting help")
    assert "meeting <title> <when> [for <duration>]" in said.text.replace("**", "")
    personal = bot.activity("meeting Retro tomorrow 3pm")
    await bot.teams(personal)
    assert "belong to a channel" in bot.connector.sent[-1].text
