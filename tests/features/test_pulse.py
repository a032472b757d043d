"""Pulse check-ins as people use them: the DMs and their forms, thresholds and what results show, closing,
per-person time zones, weekends and quiet hours, one reminder, schedules across DST, opting out, the private
journal and the weekly reflection — asserted on the core's replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.types import Field, Form, Person, Reply, Visibility
from tests.support.testbot import TestBot, channel, direct, form_of, labels, testbot, texts

ANSWER = {"exhaustion": "4", "cynicism": "4", "efficacy": "3", "workload": "4", "burnout": "2"}
EUROPE = {"u1": "Europe/Berlin", "u2": "Europe/London", "u3": "Europe/Paris", "u4": "Africa/Lagos",
          "u5": "Europe/Madrid", "u6": "Europe/Lisbon"}


def pulse_dms(bot: TestBot, who: Person) -> list[Reply]:
    """The DMs that carry the questionnaire (pulses and reminders)."""
    return [r for r in bot.dms(who) if r.form is not None and r.form.id == "pulse.answer"]


async def open_dm(bot: TestBot, who: Person, dm: Reply | None = None) -> list[Reply]:
    """Press the DM's "Answer" button: the form, or what the bot said instead."""
    return await bot.press(dm or pulse_dms(bot, who)[-1], "Answer (30 seconds)", as_=who)


async def answer(bot: TestBot, who: Person, values: dict[str, str] | None = None,
                 form: Form | None = None) -> list[Reply]:
    """The whole round trip: the DM's button opens the form, the person submits it."""
    form = form or form_of(await open_dm(bot, who))
    return await bot.submit(form, values or ANSWER, as_=who)


async def results(bot: TestBot, who: Person | None = None) -> str:
    return texts(await bot.command("pulse", "results", as_=who))


async def pulse_now(bot: TestBot, who: Person | None = None) -> str:
    return texts(await bot.command("pulse", "now", as_=who))


async def test_a_pulse_from_the_first_dm_to_the_results_threshold_4_then_5(bot: TestBot) -> None:
    u1, u2, u3, u4, u5, u6 = bot.team(EUROPE)
    bot.me = u1
    assert "No pulse has run in this channel yet" in await results(bot)
    [refused] = await bot.command("pulse", "now", as_=u2)
    assert "Only the channel's creator" in refused.text

    [sent] = await bot.command("pulse", "now")
    assert "on its way** to 6 people" in sent.text and sent.visibility == Visibility.CHANNEL
    for who in (u1, u2, u3, u4, u5, u6):
        [dm] = bot.dms(who)
        assert "Pulse check-in for #team" in dm.text and "at least 5 people" in dm.text
        assert dm.form is not None and dm.form.id == "pulse.answer" and labels(dm) == ["Answer (30 seconds)"]
    assert "not enough answers yet for results (they need 5 besides the sender's own)" in await results(bot)

    first_form, second_form = form_of(await open_dm(bot, u2)), form_of(await open_dm(bot, u2))  # two forms open
    for who in (u1, u2, u3, u4):
        form = first_form if who is u2 else None
        thanks = await answer(bot, who, {**ANSWER, "comment": f"note from round one {who.id}"}, form)
        assert "Thanks — answered" in thanks[0].text
        assert thanks[0].replace_original and thanks[0].visibility == Visibility.PRIVATE  # the DM says so
    # a second answer in the same round is not counted, and the person is told
    double = texts(await answer(bot, u2, {**ANSWER, "exhaustion": "1"}, second_form))
    assert "already answered" in double and "**not** counted" in double
    again = await open_dm(bot, u2)
    assert "already answered" in texts(again) and all(r.form is None for r in again)  # no form any more
    assert "not enough answers yet" in await results(bot)  # never a live count

    [closed] = await bot.command("pulse", "close")
    assert "with 4 answers" in closed.text
    hidden = await results(bot)
    assert "closed with 4 of 6 answered — not enough for results (they need 5 besides the sender's own)" in hidden
    assert "Energy" not in hidden and "note from round one" not in hidden
    assert "closed" in texts(await open_dm(bot, u5))  # an answer to a closed round is refused

    await pulse_now(bot)
    for who in (u2, u3, u4, u5, u6):  # five answers besides the sender's: enough
        await answer(bot, who, {**ANSWER, "burnout": "3" if who in (u2, u3, u4) else "1",
                                "comment": f"round two {who.id}"})
    assert "enough answers for results once it closes" in await results(bot)
    await answer(bot, u1, {**ANSWER, "burnout": "1", "comment": "round two u1"})  # everyone: it closes
    shown = await results(bot)
    assert "6 of 6 answered (100%)" in shown
    assert "• **Energy** — **4.0** of 5" in shown and "answers 1→5: 0·0·0·6·0" in shown
    # 3 of 6 would tell each of the three that exactly 2 of the others are at burnout 3+: masked, and a
    # flag may rest on the published "1 to 3 of 6" only (1 in 6 is below the flag's 25 %)
    assert "Fewer than 4 of the 6 answers at burnout level 3 or higher" in shown and "1:1s" not in shown
    assert all(f"round two u{i}" in shown for i in range(1, 7))
    assert "note from round one" not in shown and "needed" not in shown  # older hidden rounds stay silent


async def test_dms_wait_for_each_persons_weekend_and_quiet_hours_and_remind_once(sqlite_url: str) -> None:
    zones = {"u1": "Europe/London", "u2": "Asia/Tokyo", "u3": "America/Los_Angeles", "u4": "Asia/Kolkata",
             "u5": "America/New_York"}
    friday_4pm = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    async with testbot(sqlite_url, start=friday_4pm) as bot:
        team = bot.team(zones)
        u1, u2, u3, u4, u5 = team
        bot.me = u1

        def received() -> dict[str, int]:
            return {who.id: len(pulse_dms(bot, who)) for who in team}

        async def at(moment: datetime) -> dict[str, int]:
            await bot.at(moment)
            return received()

        await bot.command("steadybot", "settings min 3")  # four people besides the sender
        assert "2 people will get it a little later" in await pulse_now(bot)
        # London 16:00, Los Angeles 08:00, New York 11:00: now. Tokyo (Saturday 01:00) and Kolkata (21:30): later
        assert received() == {"u1": 1, "u2": 0, "u3": 1, "u4": 0, "u5": 1}
        await answer(bot, u1)
        assert (await at(datetime(2026, 3, 8, 22, 59, tzinfo=UTC)))["u2"] == 0
        assert (await at(datetime(2026, 3, 8, 23, 0, tzinfo=UTC)))["u2"] == 1  # Monday 08:00 in Tokyo
        await answer(bot, u2)
        assert (await at(datetime(2026, 3, 9, 2, 29, tzinfo=UTC)))["u4"] == 0
        assert (await at(datetime(2026, 3, 9, 2, 30, tzinfo=UTC)))["u4"] == 1  # Monday 08:00 in Kolkata
        # one reminder, two thirds in, moved off the weekend: New York Monday 08:00 EDT (after its DST change)
        assert (await at(datetime(2026, 3, 9, 11, 59, tzinfo=UTC)))["u5"] == 1
        assert (await at(datetime(2026, 3, 9, 12, 0, tzinfo=UTC)))["u5"] == 2
        assert "Reminder: the pulse check-in for #team is still open" in pulse_dms(bot, u5)[-1].text
        assert (await at(datetime(2026, 3, 9, 15, 0, tzinfo=UTC)))["u3"] == 2  # Los Angeles 08:00 PDT
        await bot.advance(timedelta(days=4), step=timedelta(hours=3))
        # those who answered got no reminder; nobody got two; the round is over
        assert received() == {"u1": 1, "u2": 1, "u3": 2, "u4": 2, "u5": 2}
        assert "closed with 2 of 5 answered" in await results(bot)


async def test_a_schedule_keeps_local_time_across_dst_and_stops(bot_db: TestBot) -> None:
    bot = bot_db
    # u3–u5 make the three people besides the schedule's owner that `min 3` needs
    u1, u2, *_ = bot.team({"u1": "Europe/Berlin", "u2": "America/New_York", "u3": "Europe/Berlin",
                           "u4": "Europe/Berlin", "u5": "Europe/Berlin"})
    bot.me = u1
    await bot.command("steadybot", "settings min 3")
    [bad] = await bot.command("pulse", "schedule every blursday at 3pm")
    assert "couldn't" in bad.text and "/pulse schedule every friday at 3pm" in bad.text
    [denied] = await bot.command("pulse", "schedule every friday at 3pm", as_=u2)
    assert "Only the channel's creator" in denied.text
    [posted] = await bot.command("pulse", "schedule every friday at 3pm")
    assert posted.visibility == Visibility.CHANNEL
    assert "every Friday at 15:00" in posted.text and "First one: Fri 6 Mar" in posted.text
    [shown] = await bot.command("pulse", "schedule", as_=u2)
    assert "every Friday at 15:00" in shown.text and "open for 3 days" in shown.text

    async def at(moment: datetime) -> tuple[int, int]:
        await bot.at(moment)
        return len(pulse_dms(bot, u1)), len(pulse_dms(bot, u2))

    assert await at(datetime(2026, 3, 6, 13, 59, tzinfo=UTC)) == (0, 0)
    assert await at(datetime(2026, 3, 6, 14, 0, tzinfo=UTC)) == (1, 0)  # 15:00 CET
    assert await at(datetime(2026, 3, 6, 19, 59, tzinfo=UTC)) == (1, 0)
    assert await at(datetime(2026, 3, 6, 20, 0, tzinfo=UTC)) == (1, 1)  # 15:00 EST
    await answer(bot, u1)
    assert await at(datetime(2026, 3, 9, 12, 0, tzinfo=UTC)) == (1, 2)  # u2's one reminder: Monday 08:00 EDT
    # New York switched to summer time on 8 March: the next round reaches it an hour earlier in UTC
    assert await at(datetime(2026, 3, 13, 13, 59, tzinfo=UTC)) == (1, 2)
    # the round exists a little ahead: results say when it starts, and /pulse now does not double it
    assert "Next round: DMs go out from today 15:00 CET to 5 people" in await results(bot)
    assert "next scheduled pulse is already on its way" in await pulse_now(bot)
    assert await at(datetime(2026, 3, 13, 14, 0, tzinfo=UTC)) == (2, 2)
    assert await at(datetime(2026, 3, 13, 18, 59, tzinfo=UTC)) == (2, 2)
    assert await at(datetime(2026, 3, 13, 19, 0, tzinfo=UTC)) == (2, 3)  # 15:00 EDT
    # Berlin switches on 29 March: 14:00 UTC before, 13:00 UTC after. (Jumping the clock over 20 March is
    # like the bot being down for a week: that round, already over everywhere, is skipped rather than sent.)
    assert (await at(datetime(2026, 3, 27, 13, 59, tzinfo=UTC)))[0] == 2
    assert (await at(datetime(2026, 3, 27, 14, 0, tzinfo=UTC)))[0] == 3
    assert (await at(datetime(2026, 4, 3, 12, 59, tzinfo=UTC)))[0] == 3
    first, second = await at(datetime(2026, 4, 3, 13, 0, tzinfo=UTC))
    assert first == 4
    [refused] = await bot.command("pulse", "stop", as_=u2)
    assert "Only the channel's creator" in refused.text
    [stopped] = await bot.command("pulse", "stop")
    assert "is stopped" in stopped.text and stopped.visibility == Visibility.CHANNEL
    # the round that already started runs to its end (New York still gets it at 15:00 EDT) …
    assert await at(datetime(2026, 4, 3, 19, 0, tzinfo=UTC)) == (4, second + 1)
    # … and no new round comes
    assert await at(datetime(2026, 4, 10, 20, 0, tzinfo=UTC)) == (4, second + 1)
    assert len(await bot.runtime.store.pulse.recent_stats(bot.here, 20)) == 4
    [none] = await bot.command("pulse", "schedule")
    assert "No pulse is scheduled" in none.text


async def test_opt_out_opt_in_journal_and_forget(bot: TestBot) -> None:
    # u5 and u6 make the three people besides the sender that `min 3` needs
    u1, u2, u3, u4, _, _ = bot.team({"u1": "Europe/Berlin", "u2": "Europe/London", "u3": "Europe/Paris",
                                     "u4": "Asia/Tokyo", "u5": "Europe/Berlin", "u6": "Europe/Berlin"})
    bot.me = u1
    await bot.command("steadybot", "settings min 3")
    [out] = await bot.command("pulse", "optout", as_=u3)
    assert "no more pulse DMs" in out.text and "/pulse optin" in out.text
    assert out.visibility != Visibility.CHANNEL
    await bot.command("steadybot", "settings quiet 17:00-08:00")  # Tokyo's 18:00 is quiet now
    sent = await pulse_now(bot)
    assert "5 people" in sent and "1 person will get it a little later" in sent
    assert [len(pulse_dms(bot, who)) for who in (u1, u2, u3, u4)] == [1, 1, 0, 0]
    # u4 opts out before their delayed DM goes out: it is never sent, and they no longer count as invited
    await bot.command("pulse", "optout", as_=u4)
    await bot.advance(timedelta(hours=16), step=timedelta(hours=2))
    assert pulse_dms(bot, u4) == []
    assert "not enough answers yet" in await results(bot)
    await bot.command("steadybot", "settings quiet off")  # it is 02:00 in Berlin by now

    # answering offers the private journal, once
    thanks, offer = await answer(bot, u1)
    assert "private journal" in offer.text and "only ask this once" in offer.text
    assert offer.visibility == Visibility.PRIVATE
    [kept] = await bot.press(offer, "Keep my journal", as_=u1)
    assert "journal is on" in kept.text and kept.replace_original
    _, offer2 = await answer(bot, u2)
    assert "No thanks" in labels(offer2)
    await bot.command("pulse", "optin", as_=u3)
    await bot.command("pulse", "close")
    assert "5 people" in await pulse_now(bot)  # u1, u2, u3, u5 and u6 again
    thanked = texts(await answer(bot, u1, {"exhaustion": "2", "cynicism": "3", "efficacy": "4", "workload": "5",
                                           "burnout": "3", "comment": "Too many pages this week"}))
    assert "A copy is in your private journal" in thanked and "only ask this once" not in thanked
    [mine] = await bot.command("pulse", "me")
    assert mine.visibility == Visibility.PRIVATE and mine.transient  # never kept in a chat's history
    journal = texts([mine])
    assert "Your pulse journal" in journal and "Energy 2" in journal and "Way too much" in journal
    assert "Too many pages this week" in journal
    # u2 was asked once already: no second offer, just how to start
    assert "journal is off" in texts(await bot.command("pulse", "me", as_=u2))
    assert "only ask this once" in texts(await bot.command("pulse", "me", as_=u3))
    assert "journal is off" in texts(await bot.command("pulse", "me", as_=u3))

    [forgot] = await bot.command("pulse", "optout --forget")
    assert "1 journal entry" in forgot.text and "2 participation records" in forgot.text
    assert "Anonymous answers stay" in forgot.text
    assert await bot.runtime.store.pulse.journal(u1.platform, u1.id, 10) == []
    # u1's anonymous answer still counts in the round
    assert "not enough answers yet" in await results(bot, u2)


async def test_bad_input_gets_a_friendly_answer_with_an_example(sqlite_url: str) -> None:
    async with testbot(sqlite_url, admins=frozenset({"admin"})) as bot:
        u1, u2, *_ = bot.team({"u1": "Europe/Berlin", "u2": "Europe/London", "u3": "Europe/Berlin",
                               "u4": "Europe/Berlin", "u5": "Europe/Berlin"})
        bot.me = u1
        admin = bot.add_person("admin", "Admin")
        await bot.command("steadybot", "settings min 3")

        async def say(text: str, **kwargs: object) -> str:
            return texts(await bot.command("pulse", text, **kwargs))  # type: ignore[arg-type]

        assert "I don't know `/pulse frobnicate`" in await say("frobnicate")
        assert "team channel" in await say("results", where=direct(u1))
        assert "takes no `please`" in await say("now please") and "/pulse now for 2 days" in await say("now please")
        assert "couldn't read" in await say("now for ever")
        assert "between 1 hour and 14 days" in await say("now for 30 days")
        assert "For example: `/pulse schedule every friday at 3pm`" in await say("schedule 🙃🙃 \u202e\x07")
        assert "only `--forget`" in await say("optout maybe")
        assert "/pulse me on" in await say("me sideways")
        assert "no pulse schedule" in await say("stop")
        assert "No pulse is open" in await say("close")
        assert "No pulse has run" in await say("\u202eresults\x07")
        assert "more text than I can read" in await say("now " + "x" * 3000)
        assert "Only the channel's creator" in await say("close", as_=u2)
        # an admin in a channel the app was never added to: the platform won't list its members
        nowhere = channel("C404")
        assert "Is the app added to it?" in await say("now", as_=admin, where=nowhere)
        assert await bot.runtime.store.pulse.recent_stats(nowhere, 5) == []

        # stale or made-up forms: the core checks what it gets back
        async def submit(context: str, values: dict[str, str], who: Person = u2) -> str:
            form = Form("pulse.answer", "Pulse check-in", (Field("exhaustion", "Energy"),), context)
            return texts(await bot.submit(form, values, as_=who, where=direct(who)))

        assert "out of date" in await submit("not-a-round", ANSWER)
        assert "out of date" in await submit("424242", ANSWER)
        await pulse_now(bot)
        round_id = form_of(pulse_dms(bot, u2)[-1]).context
        assert "Missing: Energy, Burnout" in await submit(round_id, {"cynicism": "3", "efficacy": "3",
                                                                     "workload": "3"})
        assert "Missing: Energy" in await submit(round_id, {**ANSWER, "exhaustion": "9"})
        stranger = bot.add_person("u7", "Stranger")
        assert "wasn't sent to you" in await submit(round_id, ANSWER, stranger)
        form = form_of(await open_dm(bot, u2))  # the form is open …
        await bot.command("pulse", "close")  # … when the round closes
        assert "closed" in texts(await answer(bot, u2, form=form))
        assert "closed with 0 of 5 answered" in await results(bot)


async def test_weekly_reflection_goes_only_to_the_private_journal(bot: TestBot) -> None:
    u1, u2 = bot.team({"u1": "Europe/Berlin", "u2": "America/New_York"})
    bot.me = u1
    [on] = await bot.command("pulse", "me reflect on")
    assert "Weekly reflection is on" in on.text and on.visibility != Visibility.CHANNEL

    def reflections() -> list[Reply]:
        return [r for r in bot.dms(u1) if "Weekly reflection" in r.text]

    async def at(moment: datetime) -> int:
        await bot.at(moment)
        return len(reflections())

    assert await at(datetime(2026, 3, 6, 14, 59, tzinfo=UTC)) == 0
    assert await at(datetime(2026, 3, 6, 15, 0, tzinfo=UTC)) == 1  # Friday 16:00 in Berlin
    assert bot.dms(u2) == []
    form = form_of(await bot.press(reflections()[-1], as_=u1))
    assert form.title == "Weekly reflection"
    [saved] = await bot.submit(form, {"gave": "Pairing with Ana", "drained": "Three status meetings"}, as_=u1)
    assert "Saved to your private journal" in saved.text
    mine = texts(await bot.command("pulse", "me"))
    assert "weekly reflection — gave energy: Pairing with Ana; drained it: Three status meetings" in mine
    # one reflection a week, and none once it's off
    assert await at(datetime(2026, 3, 7, 15, 0, tzinfo=UTC)) == 1
    assert await at(datetime(2026, 3, 13, 15, 0, tzinfo=UTC)) == 2
    await bot.command("pulse", "me reflect off")
    assert await at(datetime(2026, 3, 20, 15, 0, tzinfo=UTC)) == 2
    # an empty reflection is not saved
    [empty] = await bot.submit(form_of(reflections()[-1]), {"gave": " ", "drained": ""}, as_=u1)
    assert "at least one of the two" in empty.text
    [off] = await bot.command("pulse", "me off")
    assert "Your journal is off, and I deleted its 1 entry." in off.text


async def test_a_schedule_with_a_day_part_but_no_hour_asks_for_the_hour(bot_db: TestBot) -> None:
    """`every friday evening` used to be scheduled at 10:00 ("no time given, so 10:00"), against the word the
    lead wrote. Now the bot asks for the hour; a plain `every friday` still takes 10:00, and `every friday
    evening at 6` is 18:00."""
    bot = bot_db
    u1, *_ = bot.team({"u1": "Europe/Berlin", "u2": "Europe/Berlin", "u3": "Europe/Berlin",
                       "u4": "Europe/Berlin"})
    bot.me = u1
    await bot.command("steadybot", "settings min 3")
    for said in ("every friday evening", "every friday morning", "every monday afternoon", "every friday night"):
        [asked] = await bot.command("pulse", f"schedule {said}")
        assert "At what time" in asked.text and "Pulse scheduled" not in asked.text, (said, asked.text)
        assert f"/pulse schedule {said} at" in asked.text, asked.text
    [posted] = await bot.command("pulse", "schedule every friday evening at 6")
    assert "every Friday at 18:00" in posted.text, posted.text
    [plain] = await bot.command("pulse", "schedule every friday")
    assert "every Friday at 10:00 (no time given, so 10:00)" in plain.text, plain.text
