"""Meetings end to end through Slack: signed slash commands and button presses against the fake Web API,
with the clock moved to each nudge's moment."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta

from bot.logs import setup_logging
from handlers.core.types import Place, Platform
from handlers.meetings.api import hygiene_summary, meeting_in_progress
from tests.harness import Harness
from tests.meetings_helpers import (
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


async def test_registering_confirms_the_time_in_the_organisers_zone(bot: Harness) -> None:
    reply = await _register(bot)
    text = text_of(reply)
    assert "Sprint review" in text and "tomorrow 15:00 CET" in text and "45m" in text
    assert "Registered by Ana" in text
    assert set(buttons(reply)) == {"Add an agenda item", "Cancel it"}
    meeting = (await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 5))[0]
    assert meeting.starts_at == REVIEW and meeting.duration_minutes == 45 and meeting.tz == "Europe/Berlin"


async def test_nudges_at_t24_t2_and_no_agenda_no_meeting_at_t1(bot: Harness) -> None:
    await _register(bot)
    await command(bot, "/agenda", "question Which of the two login designs do we ship?")
    before = len(posts(bot))

    await at(bot, REVIEW - timedelta(hours=24, seconds=1))
    assert len(posts(bot)) == before
    await at(bot, REVIEW - timedelta(hours=24))
    t24 = post_texts(bot)[before:]
    assert len(t24) == 1 and "in 24 hours" in t24[0] and "no agenda yet" in t24[0] and "Ana" in t24[0]

    await at(bot, REVIEW - timedelta(hours=2))
    t2 = post_texts(bot)[before + 1:]
    assert len(t2) == 2
    assert any("in 2 hours" in t and "no agenda yet" in t for t in t2)
    reminder = next(t for t in t2 if "pre-read questions have no written answer" in t)
    assert "Which of the two login designs" in reminder and "[Answer Q1]" in reminder

    await at(bot, REVIEW - timedelta(hours=1))
    t1 = post_texts(bot)[before + 3:]
    assert len(t1) == 1 and "No agenda, no meeting" in t1[0]
    dm = posts(bot, "U1")
    assert len(dm) == 1 and "has no agenda" in text_of(dm[0])
    assert set(buttons(dm[0])) == {"Add agenda", "Shorten to 15 minutes", "Cancel the meeting"}

    await at(bot, REVIEW)
    start = post_texts(bot)[-1]
    assert "Sprint review starts now" in start and "No agenda was set" in start
    assert "Which of the two login designs" in start and "no answers yet" in start
    # nothing was sent twice
    await at(bot, REVIEW + timedelta(seconds=30))
    assert sum("in 24 hours" in t for t in post_texts(bot)) == 1
    assert sum("No agenda, no meeting" in t for t in post_texts(bot)) == 1


async def test_an_agenda_silences_the_nudges_and_the_start_posts_it_with_time_boxes(bot: Harness) -> None:
    await _register(bot)
    said = await ephemeral(bot, "/agenda", "add Demo of the new login 10m")
    assert "1." in said and "Demo of the new login" in said and "Planned: 15m of 45m" in said
    await ephemeral(bot, "/agenda", "add Decide the rollout date 15m", user="U2")
    before = len(posts(bot))
    for moment in (REVIEW - timedelta(hours=24), REVIEW - timedelta(hours=2), REVIEW - timedelta(hours=1)):
        await at(bot, moment)
    assert len(posts(bot)) == before and posts(bot, "U1") == []

    await at(bot, REVIEW)
    start = post_texts(bot)[-1]
    assert "15:00–15:10 *1.* Demo of the new login (10m)" in start
    assert "15:10–15:25 *2.* Decide the rollout date (15m)" in start
    assert "15:25–15:30 _Open discussion_ (5m)" in start
    assert {"+5m", "End meeting"} <= set(buttons(posts(bot)[-1]))
    now = await meeting_in_progress(bot.runtime.services, C1)
    assert now is not None and now.title == "Sprint review" and now.has_agenda
    assert now.ends_at == REVIEW + timedelta(minutes=45)

    await at(bot, REVIEW + timedelta(minutes=10))
    assert "Next: 2. Decide the rollout date" in post_texts(bot)[-1]
    await at(bot, REVIEW + timedelta(minutes=25))
    assert "Next: Open discussion" in post_texts(bot)[-1]

    await at(bot, REVIEW + timedelta(minutes=31))
    start_post = next(p for p in posts(bot) if "starts now" in text_of(p))
    await press(bot, start_post, "End meeting", user="U3")
    summary = post_texts(bot)[-1]
    assert "Sprint review ended" in summary and "31m of 45m planned" in summary and "14m given back" in summary
    assert "3 people" in summary  # the channel's members, the bot not counted
    assert await meeting_in_progress(bot.runtime.services, C1) is None

    # the rest of the timer is gone with the meeting
    count = len(posts(bot))
    await at(bot, REVIEW + timedelta(hours=1))
    assert len(posts(bot)) == count

    record = await hygiene_summary(bot.runtime.services, C1, REVIEW - timedelta(days=7))
    assert (record.meetings_held, record.with_agenda, record.without_agenda) == (1, 1, 0)
    assert (record.planned_minutes, record.actual_minutes, record.saved_minutes, record.overrun_minutes) == (45, 31, 14, 0)
    assert record.person_minutes == 3 * 31 and record.weeks[0].person_minutes == 93
    assert record.weeks[0].week_start.isoformat() == "2026-03-02"


async def test_nobody_ends_it_so_it_closes_when_its_time_runs_out_and_overruns_count(bot: Harness) -> None:
    await _register(bot, "Retro tomorrow 3pm for 30m")
    await ephemeral(bot, "/agenda", "add What went well 10m")
    await at(bot, REVIEW)
    await at(bot, REVIEW + timedelta(minutes=30))
    assert "Time's up" in post_texts(bot)[-1]
    await command(bot, "/timebox", "extend 10m")
    assert "Extended by 10m" in post_texts(bot)[-1]
    now = await meeting_in_progress(bot.runtime.services, C1)
    assert now is not None and now.ends_at == REVIEW + timedelta(minutes=40)
    await at(bot, REVIEW + timedelta(minutes=40))
    assert "Time's up" in post_texts(bot)[-1]
    await at(bot, REVIEW + timedelta(minutes=50))
    assert "I closed *Retro* when its time ran out: 40m of 30m planned — 10m over" in post_texts(bot)[-1]
    record = await hygiene_summary(bot.runtime.services, C1, REVIEW - timedelta(days=1))
    assert (record.meetings_held, record.overrun_minutes, record.saved_minutes) == (1, 10, 0)


async def test_registered_less_than_an_hour_ahead_is_flagged_at_once(bot: Harness) -> None:
    reply = await _register(bot, "Design review in 40 minutes")
    text = text_of(reply)
    assert "No agenda, no meeting" in text and "today 10:40 CET" in text
    assert set(buttons(reply)) == {"Add agenda", "Shorten to 15 minutes", "Cancel the meeting"}

    await press(bot, reply, "Shorten to 15 minutes", user="U2")  # Ben is neither organiser nor creator
    assert "Only Ana" in text_of(bot.slack.responses[-1])
    await press(bot, reply, "Shorten to 15 minutes", user="U1")
    assert "is now 15 minutes" in post_texts(bot)[-1] and "15m given back" in post_texts(bot)[-1]
    meeting = (await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 5))[0]
    assert meeting.duration_minutes == 15
    before = len(posts(bot))
    await at(bot, bot.clock.now() + timedelta(minutes=39))
    assert len(posts(bot)) == before and posts(bot, "U1") == []  # the T-1h nudge was already past: not sent late
    await at(bot, meeting.starts_at)
    assert "15m, until 10:55 CET" in post_texts(bot)[-1]


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


async def test_agenda_enforcement_off_means_no_nudges(bot: Harness) -> None:
    team(bot)
    said = await ephemeral(bot, "/steadybot", "settings agenda off")
    assert "Agenda enforcement" in said
    await command(bot, "/meeting", "Design review in 30 minutes")
    assert "No agenda, no meeting" not in post_texts(bot)[-1]
    await command(bot, "/meeting", "Sprint review tomorrow 3pm for 45m")
    before = len(posts(bot, None))
    for moment in (REVIEW - timedelta(hours=24), REVIEW - timedelta(hours=2), REVIEW - timedelta(hours=1)):
        await at(bot, moment)
    assert [t for t in post_texts(bot, None)[before:] if "agenda" in t.lower() and "starts now" not in t] == []


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


async def test_add_agenda_button_opens_a_form(bot: Harness) -> None:
    reply = await _register(bot)
    await press(bot, reply, "Add an agenda item", user="U2")
    assert last_modal(bot)["title"]["text"] == "Add an agenda item"
    await submit_modal(bot, {"item": "Walk through the incident", "minutes": "20 min"}, user="U2")
    assert "Walk through the incident (20m)" in text_of(bot.slack.calls_to("chat.postEphemeral")[-1].params)
    await submit_modal(bot, {"item": "More", "minutes": "lots"}, user="U2")
    assert "Minutes are a whole number" in text_of(bot.slack.calls_to("chat.postEphemeral")[-1].params)


async def test_the_minutes_are_checked_against_the_length(bot: Harness) -> None:
    await _register(bot, "Planning tomorrow 3pm for 30m")
    await ephemeral(bot, "/agenda", "add Scope 20m")
    said = await ephemeral(bot, "/agenda", "add Estimates (10 min)")
    assert "Estimates (10m)" in said
    assert "adds up to 35m, but the meeting is 30m" in said and "/agenda open off" in said
    said = await ephemeral(bot, "/agenda", "add Everything 45m")
    assert "45 minutes is longer than the meeting (30m)" in said


async def test_bad_input_gets_friendly_answers_with_examples(bot: Harness) -> None:
    team(bot)
    said = await ephemeral(bot, "/agenda", "add Demo 10m")
    assert "no upcoming meeting in this channel" in said and "/meeting Sprint review tomorrow 3pm for 45m" in said
    for text, expected in (
        ("", "Give the meeting a title and a time"),
        ("Offsite in 3 years at 10am", "more than a year away"),
        ("Offsite 2029-03-01 10:00", "more than a year away"),
        ("Retro yesterday 3pm", "is in the past"),
        ("Retro 8am today", "is in the past"),
        ("Retro whenever works", "couldn't find a time"),
        ("Retro friday", "At what time on `friday`?"),
        ("tomorrow 3pm", "What's the meeting called?"),
        ("Retro tomorrow 3pm for 0m", "longer than zero"),
        ("Retro tomorrow 3pm for -15m", "can't be negative"),
        ("Retro tomorrow 3pm for 9h", "at most 8h"),
        ("Retro tomorrow 3pm for 2m", "at least 5m"),
        ("Standup every weekday", "At what time does it repeat?"),
        ("x" * 500 + " tomorrow 3pm", "too long"),
    ):
        said = await ephemeral(bot, "/meeting", text)
        assert expected in said, (text, said)
        assert "For example" in said or "/meeting" in said, (text, said)
    assert posts(bot) == []  # nothing was registered

    await command(bot, "/meeting", "Sprint\u202e review\u0007 tomorrow 3pm")
    assert "*Sprint review*" in post_texts(bot)[-1]  # control characters are dropped
    long_item = "Discuss " + "very " * 80 + "long item 10m"
    said = await ephemeral(bot, "/agenda", f"add {long_item}")
    assert "cut it at 200 characters" in said and "(10m)" in said
    for text, expected in (("add", "What's the item?"), ("add 10m", "What's the agenda item?"),
                           ("question", "What's the question?"), ("answer 1 hi", "no pre-read questions yet"),
                           ("fly", "knows `add`"), ("add Thing 0m", "at least a minute")):
        said = await ephemeral(bot, "/agenda", text)
        assert expected in said, (text, said)


async def test_commands_in_a_dm_are_pointed_to_the_channel(bot: Harness) -> None:
    team(bot)
    said = await ephemeral(bot, "/meeting", "Sprint review tomorrow 3pm", channel="D1")
    assert "belong to a channel" in said
    said = await ephemeral(bot, "/agenda", "show", channel="D1")
    assert "belong to a channel" in said


async def test_list_cancel_and_stats(bot: Harness) -> None:
    await _register(bot)
    await command(bot, "/meeting", "Retro friday 4pm for 1h")
    listing = await ephemeral(bot, "/meeting", "list", user="U2")  # Ben reads the times in New York time
    assert "*1.* Sprint review — tomorrow 09:00 EST" in listing and "*2.* Retro — Fri 6 Mar 10:00 EST" in listing
    said = await ephemeral(bot, "/meeting", "cancel 2", user="U2")
    assert "Only Ana" in said
    said = await ephemeral(bot, "/meeting", "cancel 7")
    assert "There's no meeting 7" in said
    await command(bot, "/meeting", "cancel 2")
    assert "*Retro*" in post_texts(bot)[-1] and "is cancelled by Ana" in post_texts(bot)[-1]
    said = await ephemeral(bot, "/meeting", "end")
    assert "No meeting is running" in said
    said = await ephemeral(bot, "/meeting", "stats")
    assert "no record yet" in said
    await at(bot, datetime(2026, 3, 7, 12, 0, tzinfo=UTC))  # after both: one held (closed by itself), one cancelled
    said = await ephemeral(bot, "/meeting", "stats")
    assert "Meetings held" in said and "1 (0 with an agenda, 1 without)" in said
    assert "Cancelled before they started" in said and "1 (1h given back)" in said
    await bot.idle()


async def test_the_meeting_takes_over_a_running_timer_and_a_new_timer_asks_first(bot: Harness) -> None:
    await _register(bot, "Retro tomorrow 3pm for 30m")
    await at(bot, REVIEW - timedelta(minutes=10))
    await command(bot, "/timebox", "1h deep work")
    await at(bot, REVIEW)
    handover, start = post_texts(bot)[-2:]
    assert "deep work makes way for *Retro*" in handover and "Retro starts now" in start
    asked = await bot.slash_reply("/timebox", "10m side topic", user="U2")
    assert "The meeting timer — Retro is already running here (30m left)" in text_of(asked)
    assert "mention me in a thread" in text_of(asked)
    await press(bot, asked, "Replace with 10m", user="U2", is_ephemeral=True)
    summary, started = post_texts(bot)[-2:]
    assert "Retro ended*: 0m of 30m planned" in summary and "10m timebox started* — side topic" in started


async def test_junk_button_values_and_unknown_people_get_friendly_answers(bot: Harness) -> None:
    await _register(bot)
    for action, value in (("agenda.remove#0", "abc"), ("agenda.up#0", "999"), ("meeting.cancel#0", "x"),
                          ("meeting.shorten#1", "-1"), ("meeting.end#0", ""), ("agenda.answer#0", "7;drop"),
                          ("agenda.add#0", "99999999999999999999"), ("timebox.replace#0", "{not json"),
                          ("timebox.extend#0", "1:abc"), ("timebox.stop#0", "🙂"), ("meeting.stop_series#0", "1"),
                          ("timebox.extend#0", "1:99999999999999999999"), ("agenda.remove#0", "²"),
                          ("timebox.replace#0", '{"old": 1, "s": 1e30, "t": 5}'), ("timebox.keep#0", "")):
        calls, responses = len(bot.slack.calls), len(bot.slack.responses)
        response = await bot.press(action, value, user="U404")
        assert response.status == 200
        await bot.idle()
        said = [text_of(r) for r in bot.slack.responses[responses:]] + [
            text_of(c.params) for c in bot.slack.calls[calls:] if c.method.startswith("chat.")]
        assert said and not any("went wrong" in t for t in said), (action, value, said)
    answer = await ephemeral(bot, "/agenda", "add Something from a stranger 5m", user="U404")
    assert "Added to *Sprint review*" in answer
    for text in ("remove ²", "answer ² hi", "move ² to 1", "remove 99999999999999999999999"):
        answer = await ephemeral(bot, "/agenda", text)
        assert "Give its number" in answer or "no pre-read questions" in answer or "Which" in answer, (text, answer)
    answer = await ephemeral(bot, "/meeting", "cancel 99999999999999999999999")
    assert "There's no meeting" in answer


async def test_answers_are_never_logged(bot: Harness) -> None:
    """With the bot's logging as in production (INFO) and the feature and core loggers at DEBUG, a pre-read
    answer never shows up in a log line."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    setup_logging("INFO", stream=stream)
    ours = [logging.getLogger(name) for name in ("steadybot.meetings", "steadybot.core", "steadybot.outbox")]
    for logger in ours:
        logger.setLevel(logging.DEBUG)
    try:
        await _register(bot)
        await command(bot, "/agenda", "question How do we feel about the deadline?")
        await ephemeral(bot, "/agenda", "answer 1 SECRET-ANSWER-42 honestly worried", user="U2")
        await command(bot, "/agenda", "question Anything else?")
        await press(bot, posts(bot)[-1], "Answer Q2", user="U3")
        await submit_modal(bot, {"answer": "SECRET-ANSWER-43 in the form"}, user="U3")
        await at(bot, REVIEW)
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_steadybot", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
        for logger in ours:
            logger.setLevel(logging.NOTSET)
    assert "SECRET-ANSWER-42" in post_texts(bot)[-1]  # shown where it belongs: at the start, to the team
    assert "SECRET-ANSWER-43" in post_texts(bot)[-1]
    assert "SECRET-ANSWER" not in stream.getvalue()
