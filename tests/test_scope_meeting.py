""""Park it for after the meeting": with the meetings feature's `meeting_in_progress`, through Slack."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.core.types import Place, Platform
from handlers.meetings.ports import MeetingDraft
from handlers.scope import meeting as scope_meeting
from tests.harness import Harness
from tests.scope_helpers import SCOPE_CREEP, post_message, prompts_in, slack_buttons, texts


async def _meeting(bot: Harness, *, agenda: bool, started_ago: int = 10, minutes: int = 45) -> int:
    store = bot.runtime.store.meetings
    created = await store.create(MeetingDraft(
        platform=Platform.SLACK, channel_id="C1", team_id="T1", title="Sprint review", organiser_id="ULEAD",
        organiser_name="Lea", tz="Europe/Berlin", starts_at=bot.clock.now() - timedelta(minutes=started_ago),
        duration_minutes=minutes,
    ))
    if agenda:
        await store.add_item(created.id, "Demo of the new login", 10, "ULEAD", 50)
    return created.id


async def test_park_for_after_a_meeting_with_an_agenda(bot: Harness) -> None:
    await _meeting(bot, agenda=True)
    await post_message(bot, SCOPE_CREEP, "100.000001")
    prompt = prompts_in(bot)[-1]
    buttons = slack_buttons(prompt)
    assert "Park it for after the meeting" in buttons
    action_id, value = buttons["Park it for after the meeting"]
    await bot.press(action_id, value, message_ts="100.000002")
    await bot.idle()
    decided = bot.slack.calls_to("chat.update")[-1].params
    assert "Parked “while we're at it" in texts(decided) and "for after *Sprint review*" in texts(decided)
    parking = await bot.slash_reply("/tradeoff", "parking")
    assert "(for after Sprint review)" in parking["text"]

    # a second idea parked during the same meeting: still one reminder, listing both
    await post_message(bot, "one more thing for the release — the client wants dark mode", "101.000001")
    action_id, value = slack_buttons(prompts_in(bot)[-1])["Park it for after the meeting"]
    await bot.press(action_id, value, message_ts="101.000002")
    await bot.idle()

    # at the meeting's end the channel is reminded — once, at the top level, with what is still parked
    await bot.slash_reply("/tradeoff", "unpark 2")
    before = len(bot.slack.calls_to("chat.postMessage"))
    await bot.advance(timedelta(minutes=40), step=timedelta(minutes=5))
    reminders = [c.params for c in bot.slack.calls_to("chat.postMessage")[before:]
                 if "Parked during Sprint review" in texts(c.params)]
    assert len(reminders) == 1
    assert reminders[0].get("thread_ts") in (None, "")
    assert "CSV export" in texts(reminders[0]) and "dark mode" not in texts(reminders[0])
    await bot.advance(timedelta(hours=2), step=timedelta(minutes=30))
    assert len([c for c in bot.slack.calls_to("chat.postMessage") if "Parked during" in texts(c.params)]) == 1


async def test_no_meeting_button_without_an_agenda_or_after_the_meeting(bot: Harness) -> None:
    await _meeting(bot, agenda=False)
    await post_message(bot, SCOPE_CREEP, "200.000001")
    assert "Park it for after the meeting" not in slack_buttons(prompts_in(bot)[-1])
    # a meeting with an agenda that ended before the button is pressed: the idea is parked anyway
    await _meeting(bot, agenda=True, started_ago=5, minutes=30)
    await post_message(bot, SCOPE_CREEP, "201.000001")
    action_id, value = slack_buttons(prompts_in(bot)[-1])["Park it for after the meeting"]
    bot.clock.advance(timedelta(hours=1))
    await bot.press(action_id, value, message_ts="201.000002")
    await bot.idle()
    decided = texts(bot.slack.calls_to("chat.update")[-1].params)
    assert "in this channel's parking lot" in decided
    assert "pending" not in await bot.runtime.store.outbox.counts()  # no reminder for a meeting that is over


async def test_a_failing_meetings_feature_never_stops_the_prompt(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    import handlers.meetings.api

    async def broken(svc, place):  # type: ignore[no-untyped-def]
        raise RuntimeError("meetings are down")

    monkeypatch.setattr(handlers.meetings.api, "meeting_in_progress", broken)
    await post_message(bot, SCOPE_CREEP, "300.000001")
    assert list(slack_buttons(prompts_in(bot)[-1])) == ["Drop something", "Extend the deadline", "Park it",
                                                        "Not scope creep"]
    assert await scope_meeting.meeting_now(bot.runtime.services, Place(Platform.SLACK, "C1")) is None
