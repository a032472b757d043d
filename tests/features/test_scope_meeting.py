""""Park it for after the meeting": the scope prompt asks the meetings feature what is running here, parks
the idea for after it and reminds the channel once when it ends — asserted on the core's replies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.meetings.ports import MeetingDraft
from handlers.scope import meeting as scope_meeting
from storage.repos.meetings import MeetingNowRead
from tests.support.testbot import TestBot, labels

SCOPE_CREEP = "while we're at it, can we also add a CSV export to the release?"
WAYS_OUT = ["Drop something", "Extend the deadline", "Park it", "Not scope creep"]


async def _meeting(bot: TestBot, *, agenda: bool, started_ago: int = 10, minutes: int = 45) -> int:
    store = bot.runtime.store.meetings
    created = await store.create(MeetingDraft(
        platform=bot.here.platform, channel_id=bot.here.channel_id, team_id=bot.here.team_id,
        title="Sprint review", organiser_id="lea", organiser_name="Lea", tz="Europe/Berlin",
        starts_at=bot.clock.now() - timedelta(minutes=started_ago), duration_minutes=minutes,
    ))
    if agenda:
        await store.add_item(created.id, "Demo of the new login", 10, "lea", 50)
    return created.id


async def test_park_for_after_a_meeting_with_an_agenda(bot: TestBot) -> None:
    await _meeting(bot, agenda=True)
    [prompt] = await bot.chat(SCOPE_CREEP)
    assert "Park it for after the meeting" in labels(prompt)
    [decided] = await bot.press(prompt, "Park it for after the meeting")
    assert decided.replace_original
    assert "Parked “while we're at it" in decided.text and "for after **Sprint review**" in decided.text
    [parking] = await bot.command("tradeoff", "parking")
    assert "(for after Sprint review)" in parking.text

    # a second idea parked during the same meeting: still one reminder, listing both
    [second] = await bot.chat("one more thing for the release — the client wants dark mode")
    await bot.press(second, "Park it for after the meeting")

    # at the meeting's end the channel is reminded — once, at the top level, with what is still parked
    await bot.command("tradeoff", "unpark 2")
    await bot.advance(timedelta(minutes=40), step=timedelta(minutes=5))
    reminders = [s for s in bot.sent if "Parked during Sprint review" in s.reply.text]
    assert len(reminders) == 1
    assert reminders[0].target.kind == "channel" and reminders[0].target.thread_id is None
    assert "CSV export" in reminders[0].reply.text and "dark mode" not in reminders[0].reply.text
    await bot.advance(timedelta(hours=2), step=timedelta(minutes=30))
    assert len([s for s in bot.sent if "Parked during" in s.reply.text]) == 1


async def test_no_meeting_button_without_an_agenda_or_after_the_meeting(bot: TestBot) -> None:
    await _meeting(bot, agenda=False)
    [prompt] = await bot.chat(SCOPE_CREEP)
    assert "Park it for after the meeting" not in labels(prompt)
    # a meeting with an agenda that ended before the button is pressed: the idea is parked anyway
    await _meeting(bot, agenda=True, started_ago=5, minutes=30)
    [prompt] = await bot.chat(SCOPE_CREEP)
    bot.clock.advance(timedelta(hours=1))
    [decided] = await bot.press(prompt, "Park it for after the meeting")
    assert "in this channel's parking lot" in decided.text
    assert "pending" not in await bot.runtime.store.outbox.counts()  # no reminder for a meeting that is over


async def test_a_failing_meetings_feature_never_stops_the_prompt(bot: TestBot, monkeypatch: pytest.MonkeyPatch) -> None:
    import handlers.meetings.api

    async def broken(svc: object, place: object) -> None:
        raise RuntimeError("meetings are down")

    def broken_read(self: object, conn: object) -> None:
        raise RuntimeError("meetings are down")

    async def broken_read_async(self: object, conn: object) -> None:
        raise RuntimeError("meetings are down")

    await _meeting(bot, agenda=True)  # a meeting the prompt would offer to park for, were it readable
    monkeypatch.setattr(handlers.meetings.api, "meeting_in_progress", broken)
    # the watcher reads the meeting in its own unit, after the thread's claim: a failure there keeps the claim
    monkeypatch.setattr(MeetingNowRead, "sqlite", broken_read)
    monkeypatch.setattr(MeetingNowRead, "postgres", broken_read_async)
    [prompt] = await bot.chat(SCOPE_CREEP)
    assert labels(prompt) == WAYS_OUT
    assert await scope_meeting.meeting_now(bot.runtime.services, bot.here) is None
