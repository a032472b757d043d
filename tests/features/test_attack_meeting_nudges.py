"""Attacking the "no agenda, no meeting" nudge on the injected clock: sent once, to the right person, at the
right moment — with the agenda filled a minute before and emptied again, after a cancel, across a restart
between enqueue and send, with two replicas on one database; series occurrences; who may act on whose
meeting by button, form or typed number; ugly input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.core.types import Button, Reply, Visibility
from tests.support.testbot import (
    ANA,
    BEN,
    CHLOE,
    TestBot,
    channel,
    direct,
    form_of,
    labels,
    testbot,
    texts,
)

# The harness starts on Monday 2026-03-02 09:00 UTC (10:00 in Berlin, where Ana lives).
REVIEW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # "tomorrow 3pm" for Ana: Tuesday 15:00 CET
T1 = REVIEW - timedelta(hours=1)
NO_AGENDA = "No agenda, no meeting"


async def _register(bot: TestBot, text: str = "Sprint review tomorrow 3pm for 45m") -> Reply:
    [registered] = await bot.command("meeting", text)
    return registered


def _flags(bot: TestBot) -> list[Reply]:
    return [r for r in bot.posts() if NO_AGENDA in r.text]


async def test_t1_goes_out_once_to_the_channel_and_only_the_organiser(bot_db: TestBot) -> None:
    bot = bot_db
    await _register(bot, "Sprint review tomorrow 3pm for 45m")
    await bot.at(T1 - timedelta(seconds=1))
    assert _flags(bot) == [] and bot.dms(ANA) == []
    await bot.at(T1)
    assert len(_flags(bot)) == 1
    [dm] = bot.dms(ANA)
    assert dm.visibility == Visibility.PRIVATE and "Sprint review" in dm.text
    assert bot.dms(BEN) == [] and bot.dms(CHLOE) == []
    for _ in range(3):  # the outbox ticks again and again: nothing twice
        await bot.advance(timedelta(minutes=2))
    assert len(_flags(bot)) == 1 and len(bot.dms(ANA)) == 1


async def test_an_item_a_minute_before_silences_t1(bot_db: TestBot) -> None:
    bot = bot_db
    await _register(bot)
    await bot.at(T1 - timedelta(minutes=1))
    [added] = await bot.command("agenda", "add Demo of the new login 10m", as_=BEN)
    await bot.at(T1)
    assert _flags(bot) == [] and bot.dms(ANA) == []

    await bot.advance(timedelta(minutes=50), step=timedelta(minutes=5))
    assert _flags(bot) == [] and bot.dms(ANA) == []


async def test_emptied_again_before_t1_the_flag_goes_out(bot_db: TestBot) -> None:
    bot = bot_db
    await _register(bot)
    await bot.at(T1 - timedelta(minutes=2))
    [added] = await bot.command("agenda", "add Demo 10m")
    await bot.at(T1 - timedelta(minutes=1))
    [undone] = await bot.press(added, "Undo")
    assert "No items yet" in undone.text
    await bot.at(T1)
    assert len(_flags(bot)) == 1 and len(bot.dms(ANA)) == 1


async def test_cancelled_meetings_and_occurrences_send_nothing_more(bot_db: TestBot) -> None:
    bot = bot_db
    reply = await _register(bot)
    await bot.at(REVIEW - timedelta(hours=3))
    await bot.press(reply, "Cancel it")
    count = len(bot.sent)
    await bot.advance(timedelta(hours=4), step=timedelta(minutes=15))
    assert [s.reply.text for s in bot.sent[count:]] == []


async def test_a_restart_between_enqueue_and_send_sends_t1_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    async with testbot(url) as first:
        await _register(first)
        await first.at(T1 - timedelta(minutes=10))
        assert _flags(first) == []
    async with testbot(url, start=T1 + timedelta(minutes=3)) as second:  # down across the due time, back soon
        await second.settle()
        assert len(_flags(second)) == 1 and len(second.dms(ANA)) == 1
        await second.advance(timedelta(minutes=10))
        assert len(_flags(second)) == 1
    async with testbot(url, start=T1 + timedelta(minutes=20)) as third:  # a second restart sends nothing again
        await third.settle()
        assert _flags(third) == [] and third.dms(ANA) == []


async def test_two_replicas_on_one_database_send_t1_once(db_url: str) -> None:
    async with testbot(db_url) as one, testbot(db_url) as two:
        await _register(one)
        for bot in (one, two):
            bot.clock.set(T1)
        await one.settle()
        await two.settle()
        await two.settle()
        await one.settle()
        flags = _flags(one) + _flags(two)
        assert len(flags) == 1
        assert len(one.dms(ANA)) + len(two.dms(ANA)) == 1


async def test_each_occurrence_of_a_series_is_flagged_once_and_a_skipped_one_not_at_all(bot_db: TestBot) -> None:
    bot = bot_db
    [said] = await bot.command("meeting", "Standup every weekday at 9:30 for 15m")
    assert "every weekday at 09:30" in said.text
    [listing] = await bot.command("meeting", "list")
    assert "**1.** Standup ↻ — tomorrow 09:30 CET" in listing.text
    await bot.command("meeting", "cancel 1")  # Tuesday's is skipped
    await bot.advance(timedelta(days=3), step=timedelta(minutes=30))  # to Thursday 09:00 UTC
    flags = _flags(bot)
    # Wednesday's and Thursday's, at 08:30 local (07:30 UTC) each; none for the cancelled Tuesday
    assert len(flags) == 2, [f.text for f in flags]
    assert len(bot.dms(ANA)) == 2
    assert not any("Tue" in f.text or "tomorrow" in f.text for f in flags)


async def test_a_weekly_series_keeps_its_wall_time_across_both_dst_changes(sqlite_url: str) -> None:
    # Berlin falls back on Sunday 2026-10-25; the flag of Monday's 09:30 follows the wall clock.
    async with testbot(sqlite_url, start=datetime(2026, 10, 19, 12, 0, tzinfo=UTC)) as bot:
        await bot.command("meeting", "Planning every monday at 9:30 for 1h")
        await bot.at(datetime(2026, 10, 26, 7, 29, tzinfo=UTC))
        assert _flags(bot) == []
        await bot.at(datetime(2026, 10, 26, 7, 30, tzinfo=UTC))  # 08:30 CET: T-1h of 09:30 CET
        [flag] = _flags(bot)
        assert "(today 09:30 CET)" in flag.text
        await bot.at(datetime(2026, 10, 26, 8, 30, tzinfo=UTC))
        assert "Planning starts now" in bot.posts()[-1].text and "until 10:30 CET" in bot.posts()[-1].text


async def test_a_new_york_series_keeps_its_wall_time_when_the_clocks_spring_forward(sqlite_url: str) -> None:
    ben = BEN  # New York
    async with testbot(sqlite_url, start=datetime(2026, 3, 5, 18, 0, tzinfo=UTC)) as bot:
        await bot.command("meeting", "Sync every monday at 9:00 for 30m", as_=ben)
        await bot.at(datetime(2026, 3, 9, 12, 0, tzinfo=UTC))  # 08:00 EDT, T-1h of 09:00 EDT
        [flag] = _flags(bot)
        assert "09:00 EDT" in flag.text
        [dm] = bot.dms(ben)
        assert "09:00 EDT" in dm.text


# ---- who may act on whose meeting -------------------------------------------------------------------
async def test_buttons_from_another_channel_or_someone_elses_dm_do_nothing(bot: TestBot) -> None:
    other = bot.add_channel(channel("C-OTHER", "other"), [ANA, BEN, CHLOE], [BEN])
    reply = await _register(bot)
    meeting_id = reply.buttons[-1].value
    await bot.at(T1)
    [dm] = bot.dms(ANA)
    for action in ("meeting.cancel", "meeting.shorten", "agenda.add"):
        # Ben owns #other: pressing there, or in his own DM, must not reach Ana's meeting in #team
        for where in (other, direct(BEN)):
            said = await bot.press(Button(action, "x", meeting_id), as_=BEN, where=where)
            assert "belongs to another conversation" in texts(said), (action, where)
    meeting = await bot.runtime.store.meetings.get(int(meeting_id))
    assert meeting is not None and meeting.status == "scheduled" and meeting.duration_minutes == 45
    assert "Shorten to 15 minutes" in labels(dm)


async def test_the_add_form_of_another_channels_meeting_adds_nothing(bot: TestBot) -> None:
    other = bot.add_channel(channel("C-OTHER", "other"), [BEN], [BEN])
    reply = await _register(bot)
    form = form_of(await bot.press(reply, "Add an agenda item", as_=CHLOE))
    said = await bot.submit(form, {"item": "Sneaky item", "minutes": ""}, as_=BEN, where=other)
    assert "belongs to another conversation" in texts(said)
    assert await bot.runtime.store.meetings.agenda(int(form.context)) == []


async def test_the_organisers_dm_add_then_undo_removes_the_item(bot: TestBot) -> None:
    await _register(bot)
    await bot.at(T1)
    [dm] = bot.dms(ANA)
    form = form_of(await bot.press(dm, "Add agenda"))
    added = await bot.submit(form, {"item": "Pick the rollout date", "minutes": "10"})
    assert "Pick the rollout date (10m)" in texts(added)
    undo = next(b for b in added[0].buttons if b.label == "Undo")
    for action in ("agenda.remove", "agenda.up"):  # the item's id pressed from Ben's DM acts on nothing
        await bot.press(Button(action, "x", undo.value), as_=BEN, where=direct(BEN))
    assert len(await bot.runtime.store.meetings.agenda(int(form.context))) == 1
    [undone] = await bot.press(added[0], "Undo")
    meeting_id = int(form.context)
    assert await bot.runtime.store.meetings.agenda(meeting_id) == [], undone.text
    assert "already gone" not in undone.text


# ---- ugly input ----------------------------------------------------------------------------------------
async def test_ugly_agenda_items(bot: TestBot) -> None:
    await _register(bot, "Sprint review tomorrow 3pm for 45m")
    [said] = await bot.command("agenda", "add " + "x" * 40_000)
    assert "more text than I can read" in said.text
    [said] = await bot.command("agenda", "add " + "y" * 1_500)
    assert "cut it at 200 characters" in said.text and len(said.text) < 1000
    [said] = await bot.command("agenda", "add Demo\x00\x07\x1b[31m of \u202ethe login ５m")
    assert "\x00" not in said.text and "\x1b" not in said.text and "\u202e" not in said.text
    assert "(5m)" in said.text
    [said] = await bot.command("agenda", "add ")
    assert "What's the item?" in said.text
    [said] = await bot.command("agenda", "add 10m")
    assert "What's the agenda item?" in said.text
    [said] = await bot.command("agenda", "add Everything 0m")
    assert "at least a minute" in said.text
    [said] = await bot.command("agenda", "remove ١")  # an Arabic-Indic 1 is no item number
    assert "Which item?" in said.text
    items = await bot.runtime.store.meetings.agenda(
        (await bot.runtime.store.meetings.upcoming(bot.here.platform, bot.here.channel_id, bot.clock.now(), 1))[0].id)
    assert len(items) == 2 and items[0].text == "y" * 199 + "…"


async def test_ugly_meetings_are_refused(bot: TestBot) -> None:
    for text, answer in (("", "title and a time"), ("x" * 40_000, "more text than I can read"), ("x " * 300, "too long"),
                         ("Retro tomorrow 3pm for 0m", "longer than zero"), ("Retro tomorrow 3pm for 9h", "at most 8h"),
                         ("Retro yesterday 3pm", "in the past"), ("\x00\x07 tomorrow 3pm", "called")):
        [said] = await bot.command("meeting", text)
        assert answer in said.text, (text[:20], said.text)
    assert await bot.runtime.store.meetings.upcoming(bot.here.platform, bot.here.channel_id, bot.clock.now(), 5) == []
