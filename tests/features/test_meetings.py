"""Meetings and their agendas as people use them: registering, nudges at T-24h / T-2h / T-1h, the start post
with its time boxes, pre-read answers, ending and overruns, the hygiene record — on the core's replies."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta

from bot.logs import setup_logging
from handlers.core.types import Button, Reply, Visibility
from handlers.meetings.api import hygiene_summary, meeting_in_progress
from tests.support.testbot import ANA, BEN, CHLOE, TestBot, direct, form_of, labels, person, texts

# The harness starts on Monday 2026-03-02 09:00 UTC (10:00 in Berlin, where Ana lives).
REVIEW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # "tomorrow 3pm" for Ana: Tuesday 15:00 CET


async def _register(bot: TestBot, text: str = "Sprint review tomorrow 3pm for 45m") -> Reply:
    [registered] = await bot.command("meeting", text)
    return registered


async def test_registering_confirms_the_time_in_the_organisers_zone(bot: TestBot) -> None:
    reply = await _register(bot)
    assert reply.visibility == Visibility.CHANNEL
    assert "Sprint review" in reply.text and "tomorrow 15:00 CET" in reply.text and "45m" in reply.text
    assert "Registered by Ana" in reply.text
    assert set(labels(reply)) == {"Add an agenda item", "Cancel it"}
    meeting = (await bot.runtime.store.meetings.upcoming(bot.here.platform, bot.here.channel_id,
                                                         bot.clock.now(), 5))[0]
    assert meeting.starts_at == REVIEW and meeting.duration_minutes == 45 and meeting.tz == "Europe/Berlin"


async def test_nudges_at_t24_t2_and_no_agenda_no_meeting_at_t1(bot: TestBot) -> None:
    await _register(bot)
    await bot.command("agenda", "question Which of the two login designs do we ship?")
    before = len(bot.posts())

    await bot.at(REVIEW - timedelta(hours=24, seconds=1))
    assert len(bot.posts()) == before
    await bot.at(REVIEW - timedelta(hours=24))
    t24 = [r.text for r in bot.posts()[before:]]
    assert len(t24) == 1 and "in 24 hours" in t24[0] and "no agenda yet" in t24[0] and "Ana" in t24[0]

    await bot.at(REVIEW - timedelta(hours=2))
    t2 = bot.posts()[before + 1:]
    assert len(t2) == 2
    assert any("in 2 hours" in r.text and "no agenda yet" in r.text for r in t2)
    reminder = next(r for r in t2 if "pre-read questions have no written answer" in r.text)
    assert "Which of the two login designs" in reminder.text and "Answer Q1" in labels(reminder)

    await bot.at(REVIEW - timedelta(hours=1))
    t1 = bot.posts()[before + 3:]
    assert len(t1) == 1 and "No agenda, no meeting" in t1[0].text
    [dm] = bot.dms(ANA)
    assert "has no agenda" in dm.text
    assert set(labels(dm)) == {"Add agenda", "Shorten to 15 minutes", "Cancel the meeting"}
    assert bot.dms(BEN) == []

    await bot.at(REVIEW)
    start = bot.posts()[-1].text
    assert "Sprint review starts now" in start and "No agenda was set" in start
    assert "Which of the two login designs" in start and "no answers yet" in start
    # nothing was sent twice
    await bot.at(REVIEW + timedelta(seconds=30))
    assert sum("in 24 hours" in r.text for r in bot.posts()) == 1
    assert sum("No agenda, no meeting" in r.text for r in bot.posts()) == 1


async def test_an_agenda_silences_the_nudges_and_the_start_posts_it_with_time_boxes(bot_db: TestBot) -> None:
    bot = bot_db
    await _register(bot)
    [said] = await bot.command("agenda", "add Demo of the new login 10m")
    assert "1." in said.text and "Demo of the new login" in said.text and "Planned: 15m of 45m" in said.text
    await bot.command("agenda", "add Decide the rollout date 15m", as_=BEN)
    for moment in (REVIEW - timedelta(hours=24), REVIEW - timedelta(hours=2), REVIEW - timedelta(hours=1)):
        await bot.at(moment)
    assert bot.sent == []

    await bot.at(REVIEW)
    start_post = bot.posts()[-1]
    assert "15:00–15:10 **1.** Demo of the new login (10m)" in start_post.text
    assert "15:10–15:25 **2.** Decide the rollout date (15m)" in start_post.text
    assert "15:25–15:30 _Open discussion_ (5m)" in start_post.text
    assert {"+5m", "End meeting"} <= set(labels(start_post))
    now = await meeting_in_progress(bot.runtime.services, bot.here)
    assert now is not None and now.title == "Sprint review" and now.has_agenda
    assert now.ends_at == REVIEW + timedelta(minutes=45)

    await bot.at(REVIEW + timedelta(minutes=10))
    assert "Next: 2. Decide the rollout date" in bot.posts()[-1].text
    await bot.at(REVIEW + timedelta(minutes=25))
    assert "Next: Open discussion" in bot.posts()[-1].text

    await bot.at(REVIEW + timedelta(minutes=31))
    [summary] = await bot.press(start_post, "End meeting", as_=CHLOE)
    assert summary.visibility == Visibility.CHANNEL
    assert "Sprint review ended" in summary.text and "31m of 45m planned" in summary.text
    assert "14m given back" in summary.text and "3 people" in summary.text  # the channel's members
    assert await meeting_in_progress(bot.runtime.services, bot.here) is None

    # the rest of the timer is gone with the meeting
    count = len(bot.sent)
    await bot.at(REVIEW + timedelta(hours=1))
    assert len(bot.sent) == count

    record = await hygiene_summary(bot.runtime.services, bot.here, REVIEW - timedelta(days=7))
    assert (record.meetings_held, record.with_agenda, record.without_agenda) == (1, 1, 0)
    assert (record.planned_minutes, record.actual_minutes, record.saved_minutes, record.overrun_minutes) == \
        (45, 31, 14, 0)
    assert record.person_minutes == 3 * 31 and record.weeks[0].person_minutes == 93
    assert record.weeks[0].week_start.isoformat() == "2026-03-02"


async def test_nobody_ends_it_so_it_closes_when_its_time_runs_out_and_overruns_count(bot: TestBot) -> None:
    await _register(bot, "Retro tomorrow 3pm for 30m")
    await bot.command("agenda", "add What went well 10m")
    await bot.at(REVIEW)
    await bot.at(REVIEW + timedelta(minutes=30))
    assert "Time's up" in bot.posts()[-1].text
    [extended] = await bot.command("timebox", "extend 10m")
    assert "Extended by 10m" in extended.text
    now = await meeting_in_progress(bot.runtime.services, bot.here)
    assert now is not None and now.ends_at == REVIEW + timedelta(minutes=40)
    await bot.at(REVIEW + timedelta(minutes=40))
    assert "Time's up" in bot.posts()[-1].text
    await bot.at(REVIEW + timedelta(minutes=50))
    assert "I closed **Retro** when its time ran out: 40m of 30m planned — 10m over" in bot.posts()[-1].text
    record = await hygiene_summary(bot.runtime.services, bot.here, REVIEW - timedelta(days=1))
    assert (record.meetings_held, record.overrun_minutes, record.saved_minutes) == (1, 10, 0)


async def test_registered_less_than_an_hour_ahead_is_flagged_at_once(bot: TestBot) -> None:
    reply = await _register(bot, "Design review in 40 minutes")
    assert "No agenda, no meeting" in reply.text and "today 10:40 CET" in reply.text
    assert set(labels(reply)) == {"Add agenda", "Shorten to 15 minutes", "Cancel the meeting"}

    [refused] = await bot.press(reply, "Shorten to 15 minutes", as_=BEN)  # neither organiser nor creator
    assert "Only Ana" in refused.text and refused.visibility != Visibility.CHANNEL
    shortened = texts(await bot.press(reply, "Shorten to 15 minutes", as_=ANA))
    assert "is now 15 minutes" in shortened and "15m given back" in shortened
    meeting = (await bot.runtime.store.meetings.upcoming(bot.here.platform, bot.here.channel_id,
                                                         bot.clock.now(), 5))[0]
    assert meeting.duration_minutes == 15
    await bot.at(bot.clock.now() + timedelta(minutes=39))
    assert bot.sent == []  # the T-1h nudge was already past: not sent late
    await bot.at(meeting.starts_at)
    assert "15m, until 10:55 CET" in bot.posts()[-1].text


async def test_the_organisers_dm_can_cancel_and_the_channel_is_told(bot: TestBot) -> None:
    await _register(bot)
    await bot.at(REVIEW - timedelta(hours=1))
    [dm] = bot.dms(ANA)
    [done] = await bot.press(dm, "Cancel the meeting")
    assert done.replace_original and "Done" in done.text and "is cancelled by Ana" in done.text
    assert bot.current(dm) is done  # the DM itself now says so
    told = bot.posts()[-1].text  # the channel is told through the outbox
    assert "is cancelled by Ana" in told and "everyone gets 45m back" in told
    count = len(bot.sent)
    await bot.at(REVIEW)
    assert len(bot.sent) == count  # no start post for a cancelled meeting
    await bot.at(REVIEW + timedelta(minutes=1))
    record = await hygiene_summary(bot.runtime.services, bot.here, REVIEW - timedelta(days=1))
    assert (record.meetings_held, record.cancelled, record.cancelled_minutes) == (0, 1, 45)


async def test_agenda_enforcement_off_means_no_nudges(bot: TestBot) -> None:
    [said] = await bot.command("steadybot", "settings agenda off")
    assert said.text.startswith("**Saved.**") and dict(said.facts)["Agenda enforcement"].startswith("off")
    soon = await _register(bot, "Design review in 30 minutes")
    assert "No agenda, no meeting" not in soon.text
    await _register(bot)
    for moment in (REVIEW - timedelta(hours=24), REVIEW - timedelta(hours=2), REVIEW - timedelta(hours=1)):
        await bot.at(moment)
    assert [s.reply.text for s in bot.sent if "agenda" in s.reply.text.lower() and "starts now" not in s.reply.text] \
        == []


async def test_agenda_buttons_reorder_and_remove(bot: TestBot) -> None:
    await _register(bot)
    for item in ("First thing 5m", "Second thing 5m", "Third thing"):
        await bot.command("agenda", f"add {item}")
    [shown] = await bot.command("agenda", "show")
    assert "**3.** Third thing" in shown.text and "some items have no minutes" in shown.text
    assert {"✕ 1", "↑ 2", "✕ 2", "↑ 3", "✕ 3", "Add item"} <= set(labels(shown))
    assert shown.visibility == Visibility.PERSON

    [moved] = await bot.press(shown, "↑ 3")
    assert moved.replace_original
    assert moved.text.index("Third thing") < moved.text.index("Second thing")
    [removed] = await bot.press(moved, "✕ 1")
    assert "First thing" not in removed.text
    assert "**1.** Third thing" in removed.text and "**2.** Second thing" in removed.text
    [said] = await bot.command("agenda", "move 2 to 1")
    assert said.text.index("Second thing") < said.text.index("Third thing")
    [said] = await bot.command("agenda", "remove 9")
    assert "Which item? Give its number, 1 to 2" in said.text and "/agenda remove 2" in said.text
    [said] = await bot.command("agenda", "open off")
    assert "Open discussion" not in said.text


async def test_pre_read_answers_through_the_form_show_at_the_start(bot: TestBot) -> None:
    await _register(bot)
    [question] = await bot.command("agenda", "question Which of the two login designs do we ship?")
    assert "Pre-read question Q1" in question.text and question.visibility == Visibility.CHANNEL
    opened = await bot.press(question, "Answer Q1", as_=BEN)
    form = form_of(opened)
    assert form.title.startswith("Answer a pre-read")
    [confirm] = await bot.submit(form, {"answer": "The second one: it needs no new API."}, as_=BEN)
    assert "your answer is saved" in confirm.text and confirm.visibility != Visibility.CHANNEL
    [said] = await bot.command("agenda", "answer 1 Either, as long as we ship this week", as_=CHLOE)
    assert "your answer is saved" in said.text
    await bot.at(REVIEW - timedelta(hours=2))
    assert not any("no written answer" in r.text for r in bot.posts())  # all answered: no reminder
    await bot.at(REVIEW)
    start = bot.posts()[-1].text
    assert "2 answers" in start and "↳ Ben: The second one: it needs no new API." in start
    assert "↳ Chloé: Either, as long as we ship this week" in start


async def test_add_agenda_button_opens_a_form(bot: TestBot) -> None:
    reply = await _register(bot)
    form = form_of(await bot.press(reply, "Add an agenda item", as_=BEN))
    assert form.title == "Add an agenda item"
    added = await bot.submit(form, {"item": "Walk through the incident", "minutes": "20 min"}, as_=BEN)
    assert "Walk through the incident (20m)" in texts(added)
    refused = await bot.submit(form, {"item": "More", "minutes": "lots"}, as_=BEN)
    assert "Minutes are a whole number" in texts(refused)


async def test_the_minutes_are_checked_against_the_length(bot: TestBot) -> None:
    await _register(bot, "Planning tomorrow 3pm for 30m")
    await bot.command("agenda", "add Scope 20m")
    [said] = await bot.command("agenda", "add Estimates (10 min)")
    assert "Estimates (10m)" in said.text
    assert "adds up to 35m, but the meeting is 30m" in said.text and "/agenda open off" in said.text
    [said] = await bot.command("agenda", "add Everything 45m")
    assert "45 minutes is longer than the meeting (30m)" in said.text


async def test_bad_input_gets_friendly_answers_with_examples(bot: TestBot) -> None:
    [said] = await bot.command("agenda", "add Demo 10m")
    assert "no upcoming meeting in this channel, so there's no agenda to add to yet" in said.text
    assert "/meeting Sprint review tomorrow 3pm for 45m" in said.text
    for words in ("show", "", "list"):  # nothing to show (not "to add to")
        [said] = await bot.command("agenda", words)
        assert "so there's no agenda to show yet" in said.text and "add to" not in said.text
        assert "/meeting Sprint review tomorrow 3pm for 45m" in said.text
    [said] = await bot.command("agenda", "remove 1")
    assert "so there's no agenda to change yet" in said.text
    [said] = await bot.command("agenda", "answer 1 Yes")
    assert "so there's no pre-read question to answer yet" in said.text
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
        [said] = await bot.command("meeting", text)
        assert expected in said.text, (text, said.text)
        assert "For example" in said.text or "/meeting" in said.text, (text, said.text)
        assert said.visibility == Visibility.PERSON
    assert bot.channel_log() == []  # nothing was registered

    registered = await _register(bot, "Sprint\u202e review\u0007 tomorrow 3pm")
    assert "**Sprint review**" in registered.text  # control characters are dropped
    long_item = "Discuss " + "very " * 80 + "long item 10m"
    [said] = await bot.command("agenda", f"add {long_item}")
    assert "cut it at 200 characters" in said.text and "(10m)" in said.text
    for text, expected in (("add", "What's the item?"), ("add 10m", "What's the agenda item?"),
                           ("question", "What's the question?"), ("answer 1 hi", "no pre-read questions yet"),
                           ("fly", "knows `add`"), ("add Thing 0m", "at least a minute")):
        [said] = await bot.command("agenda", text)
        assert expected in said.text, (text, said.text)


async def test_commands_in_a_dm_are_pointed_to_the_channel(bot: TestBot) -> None:
    [said] = await bot.command("meeting", "Sprint review tomorrow 3pm", where=direct(ANA))
    assert "belong to a channel" in said.text
    [said] = await bot.command("agenda", "show", where=direct(ANA))
    assert "belong to a channel" in said.text


async def test_list_cancel_and_stats(bot: TestBot) -> None:
    await _register(bot)
    await _register(bot, "Retro friday 4pm for 1h")
    [listing] = await bot.command("meeting", "list", as_=BEN)  # Ben reads the times in New York time
    assert "**1.** Sprint review — tomorrow 09:00 EST" in listing.text
    assert "**2.** Retro — Fri 6 Mar 10:00 EST" in listing.text
    [said] = await bot.command("meeting", "cancel 2", as_=BEN)
    assert "Only Ana" in said.text
    [said] = await bot.command("meeting", "cancel 7")
    assert "There's no meeting 7" in said.text
    cancelled = texts(await bot.command("meeting", "cancel 2"))
    assert "**Retro**" in cancelled and "is cancelled by Ana" in cancelled
    [said] = await bot.command("meeting", "end")
    assert "No meeting is running" in said.text
    [said] = await bot.command("meeting", "stats")
    assert "no record yet" in said.text
    await bot.at(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))  # after both: one held (closed by itself), one cancelled
    [said] = await bot.command("meeting", "stats")
    stats = texts([said])
    assert "Meetings held" in stats and "1 (0 with an agenda, 1 without)" in stats
    assert "Cancelled before they started" in stats and "1 (1h given back)" in stats


async def test_the_meeting_takes_over_a_running_timer_and_a_new_timer_asks_first(bot: TestBot) -> None:
    await _register(bot, "Retro tomorrow 3pm for 30m")
    await bot.at(REVIEW - timedelta(minutes=10))
    await bot.command("timebox", "1h deep work")
    await bot.at(REVIEW)
    handover, start = [r.text for r in bot.posts()[-2:]]
    assert "deep work makes way for **Retro**" in handover and "Retro starts now" in start
    [asked] = await bot.command("timebox", "10m side topic", as_=BEN)
    assert "The meeting timer — Retro is already running here (30m left)" in asked.text
    assert "mention me in a thread" in asked.text
    replaced = await bot.press(asked, "Replace with 10m", as_=BEN)
    summary, started = [r.text for r in replaced[-2:]]
    assert "Retro ended**: 0m of 30m planned" in summary and "10m timebox started** — side topic" in started


async def test_junk_button_values_and_unknown_people_get_friendly_answers(bot: TestBot) -> None:
    await _register(bot)
    stranger = person("stranger", "Stranger")  # not in the directory
    for action, value in (("agenda.remove", "abc"), ("agenda.up", "999"), ("meeting.cancel", "x"),
                          ("meeting.shorten", "-1"), ("meeting.end", ""), ("agenda.answer", "7;drop"),
                          ("agenda.add", "99999999999999999999"), ("timebox.replace", "{not json"),
                          ("timebox.extend", "1:abc"), ("timebox.stop", "🙂"), ("meeting.stop_series", "1"),
                          ("timebox.extend", "1:99999999999999999999"), ("agenda.remove", "²"),
                          ("timebox.replace", '{"old": 1, "s": 1e30, "t": 5}'), ("timebox.keep", "")):
        said = await bot.press(Button(action, "junk", value), as_=stranger)
        assert said and not any("went wrong" in r.text for r in said), (action, value, texts(said))
    [answer] = await bot.command("agenda", "add Something from a stranger 5m", as_=stranger)
    assert "Added to **Sprint review**" in answer.text
    for text in ("remove ²", "answer ² hi", "move ² to 1", "remove 99999999999999999999999"):
        [answer] = await bot.command("agenda", text)
        assert "Give its number" in answer.text or "no pre-read questions" in answer.text \
            or "Which" in answer.text, (text, answer.text)
    [answer] = await bot.command("meeting", "cancel 99999999999999999999999")
    assert "There's no meeting" in answer.text


async def test_answers_are_never_logged(bot: TestBot) -> None:
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
        await bot.command("agenda", "question How do we feel about the deadline?")
        await bot.command("agenda", "answer 1 SECRET-ANSWER-42 honestly worried", as_=BEN)
        [second] = await bot.command("agenda", "question Anything else?")
        form = form_of(await bot.press(second, "Answer Q2", as_=CHLOE))
        await bot.submit(form, {"answer": "SECRET-ANSWER-43 in the form"}, as_=CHLOE)
        await bot.at(REVIEW)
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_steadybot", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
        for logger in ours:
            logger.setLevel(logging.NOTSET)
    start = bot.posts()[-1].text
    assert "SECRET-ANSWER-42" in start and "SECRET-ANSWER-43" in start  # shown where they belong: to the team
    assert "SECRET-ANSWER" not in stream.getvalue()


async def test_agenda_add_is_one_unit_of_work_after_the_key(bot: TestBot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`/agenda add` finds the meeting and adds the item in one unit on the driver (after the request's
    de-duplication key), with the same answers as before: no meeting comes before a bad item."""
    db = bot.runtime.db
    units: list[str] = []
    driver = db.driver

    async def counted(work, *, small=False):  # type: ignore[no-untyped-def]
        units.append(type(work).__name__)
        return await driver(work, small=small)

    monkeypatch.setattr(db, "driver", counted)
    [said] = await bot.command("agenda", "add 10m")
    assert "no upcoming meeting in this channel, so there's no agenda to add to yet" in said.text
    await _register(bot)
    units.clear()
    [said] = await bot.command("agenda", "add Demo of the new login 10m")
    assert "Added to **Sprint review**" in said.text and "**1.** Demo of the new login (10m)" in said.text
    assert [unit for unit in units if unit in ("_MeetingNow", "_AddItem", "_AddToNext")] == ["_AddToNext"]
