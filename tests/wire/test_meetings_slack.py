"""Meetings on Slack's wire: a DM button's reply updates the DM (chat.update), an ephemeral agenda is
replaced through response_url, a pre-read answer goes through a modal. The meetings' behaviour itself:
tests/features/test_meetings.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.types import Place, Platform
from handlers.meetings.api import hygiene_summary
from tests.support.harness import Harness
from tests.support.meetings_helpers import (
    at,
    buttons,
    command,
    ephemeral,
    last_modal,
    post_texts,
    posts,
    press,
    submit_modal,
    team,
    text_of,
)

# The harness starts on Monday 2026-03-02 09:00 UTC (10:00 in Berlin, where Ana lives).
REVIEW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # "tomorrow 3pm" for Ana: Tuesday 15:00 CET
C1 = Place(Platform.SLACK, "C1", "T1")


async def _register(bot: Harness, text: str = "Sprint review tomorrow 3pm for 45m") -> dict:
    team(bot)
    await command(bot, "/meeting", text)
    return posts(bot)[-1]


async def test_the_organisers_dm_can_cancel_and_the_channel_is_told(bot: Harness) -> None:
    await _register(bot)
    await at(bot, REVIEW - timedelta(hours=1))
    dm = posts(bot, "U1")[-1]
    await press(bot, dm, "Cancel the meeting", channel="D1", message_ts="1700000000.000042")
    await bot.settle()  # the channel is told through the outbox
    update = bot.slack.calls_to("chat.update")[-1].params
    assert update["channel"] == "D1" and "Done" in text_of(update) and "is cancelled by Ana" in text_of(update)
    assert "is cancelled by Ana" in post_texts(bot)[-1] and "everyone gets 45m back" in post_texts(bot)[-1]
    count = len(posts(bot, None))
    await at(bot, REVIEW)
    assert len(posts(bot, None)) == count  # no start post for a cancelled meeting
    await at(bot, REVIEW + timedelta(minutes=1))
    record = await hygiene_summary(bot.runtime.services, C1, REVIEW - timedelta(days=1))
    assert (record.meetings_held, record.cancelled, record.cancelled_minutes) == (0, 1, 45)


async def test_agenda_buttons_reorder_and_remove(bot: Harness) -> None:
    await _register(bot)
    for item in ("First thing 5m", "Second thing 5m", "Third thing"):
        await ephemeral(bot, "/agenda", f"add {item}")
    shown = await bot.slash_reply("/agenda", "show")
    text = text_of(shown)
    assert "*3.* Third thing" in text and "some items have no minutes" in text
    assert {"✕ 1", "↑ 2", "✕ 2", "↑ 3", "✕ 3", "Add item"} <= set(buttons(shown))

    await press(bot, shown, "↑ 3", is_ephemeral=True, response_url=bot.slack.response_url("up"))
    moved = bot.slack.responses[-1]
    assert moved["replace_original"] is True
    assert text_of(moved).index("Third thing") < text_of(moved).index("Second thing")
    await press(bot, moved, "✕ 1", is_ephemeral=True, response_url=bot.slack.response_url("rm"))
    removed = text_of(bot.slack.responses[-1])
    assert "First thing" not in removed and "*1.* Third thing" in removed and "*2.* Second thing" in removed
    said = await ephemeral(bot, "/agenda", "move 2 to 1")
    assert said.index("Second thing") < said.index("Third thing")
    said = await ephemeral(bot, "/agenda", "remove 9")
    assert "Which item? Give its number, 1 to 2" in said and "/agenda remove 2" in said
    said = await ephemeral(bot, "/agenda", "open off")
    assert "Open discussion" not in said


async def test_pre_read_answers_through_the_modal_show_at_the_start(bot: Harness) -> None:
    await _register(bot)
    await command(bot, "/agenda", "question Which of the two login designs do we ship?")
    question = posts(bot)[-1]
    assert "Pre-read question Q1" in text_of(question)
    await press(bot, question, "Answer Q1", user="U2")
    modal = last_modal(bot)
    assert modal["title"]["text"].startswith("Answer a pre-read")
    await submit_modal(bot, {"answer": "The second one: it needs no new API."}, user="U2")
    confirm = bot.slack.calls_to("chat.postEphemeral")[-1].params
    assert confirm["user"] == "U2" and "your answer is saved" in text_of(confirm)
    said = await ephemeral(bot, "/agenda", "answer 1 Either, as long as we ship this week", user="U3")
    assert "your answer is saved" in said
    await at(bot, REVIEW - timedelta(hours=2))
    assert not any("no written answer" in t for t in post_texts(bot))  # all answered: no reminder
    await at(bot, REVIEW)
    start = post_texts(bot)[-1]
    assert "2 answers" in start and "↳ Ben: The second one: it needs no new API." in start
    assert "↳ Chloé: Either, as long as we ship this week" in start
