"""Pulse on Slack through the real wire: signed slash commands, the outbox DMs, the modal round trip,
chat.update of the DM, results in blocks — from the first DM to the final results."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.core.types import Place, Platform
from support import wire
from support.slack_api import Call
from tests.harness import Harness, running
from tests.test_pulse_support import (
    ANSWER,
    CHANNEL,
    answer_slack,
    channel_command,
    dms,
    launch_value,
    press_dm,
    pulse_dms,
    pulse_now,
    slack_team,
    text_of,
)

EUROPE = {"U1": "Europe/Berlin", "U2": "Europe/London", "U3": "Europe/Paris", "U4": "Africa/Lagos",
          "U5": "Europe/Madrid", "U6": "Europe/Lisbon"}


async def results(bot: Harness, user: str = "U1") -> str:
    return text_of(await bot.slash_reply("/pulse", "results", user=user))


async def test_a_pulse_from_the_first_dm_to_the_results_threshold_4_then_5(bot: Harness) -> None:
    slack_team(bot, EUROPE)
    assert "No pulse has run in this channel yet" in await results(bot)
    refused = await bot.slash_reply("/pulse", "now", user="U2")
    assert "Only the channel's creator" in refused["text"]

    assert "on its way to 6 people" in await pulse_now(bot)
    for user in EUROPE:
        [dm] = dms(bot, user)
        assert "Pulse check-in for #team" in dm.params["text"] and "at least 5 people" in dm.params["text"]
        assert json.loads(wire.unsealed(launch_value(dm)))["f"] == "pulse.answer"
    assert not dms(bot, "UBOT") and not dms(bot, "UAPP")  # no bots
    assert "not enough answers yet for results (they need 5 besides the sender's own)" in await results(bot)

    first_modal, second_modal = await press_dm(bot, "U2"), await press_dm(bot, "U2")  # two modals open
    for user in ("U1", "U2", "U3", "U4"):
        view = first_modal if user == "U2" else None
        thanks = await answer_slack(bot, user, {**ANSWER, "comment": f"note from round one {user}"}, view=view)
        assert "Thanks — answered" in thanks
    # a second answer in the same round is not counted, and the person is told
    double = await answer_slack(bot, "U2", {**ANSWER, "exhaustion": "1"}, view=second_modal)
    assert "already answered" in double and "not* counted" in double
    assert "already answered" in text_of(await press_dm(bot, "U2"))  # the button now says so, no modal
    assert "not enough answers yet" in await results(bot)  # never a live count

    closed = await bot.slash_reply("/pulse", "close", user="U1")
    assert "with 4 answers" in closed["text"]
    hidden = await results(bot)
    assert "closed with 4 of 6 answered — not enough for results (they need 5 besides the sender's own)" in hidden
    assert "Energy" not in hidden and "note from round one" not in hidden
    assert "closed" in text_of(await press_dm(bot, "U5"))  # an answer to a closed round is refused

    await pulse_now(bot)
    for user in ("U2", "U3", "U4", "U5", "U6"):  # five answers besides the sender's: enough
        await answer_slack(bot, user, {**ANSWER, "burnout": "3" if user in ("U2", "U3", "U4") else "1",
                                       "comment": f"round two {user}"})
    assert "enough answers for results once it closes" in await results(bot)
    await answer_slack(bot, "U1", {**ANSWER, "burnout": "1", "comment": "round two U1"})  # everyone: it closes
    shown = await results(bot)
    assert "6 of 6 answered (100%)" in shown
    assert "• *Energy* — *4.0* of 5" in shown and "answers 1→5: 0·0·0·6·0" in shown
    assert "3 of 6 answers (50%) at burnout level 3 or higher" in shown and "1:1s" in shown
    assert all(f"round two U{i}" in shown for i in range(1, 7))
    assert "note from round one" not in shown and "needed" not in shown  # older hidden rounds stay silent


async def test_dms_wait_for_each_persons_weekend_and_quiet_hours_and_remind_once(sqlite_url: str) -> None:
    team = {"U1": "Europe/London", "U2": "Asia/Tokyo", "U3": "America/Los_Angeles", "U4": "Asia/Kolkata",
            "U5": "America/New_York"}
    friday_4pm = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    async with running(sqlite_url, start=friday_4pm) as bot:
        slack_team(bot, team)

        def received() -> dict[str, int]:
            return {user: len(pulse_dms(bot, user)) for user in team}

        async def at(moment: datetime) -> dict[str, int]:
            bot.clock.set(moment)
            await bot.settle()
            return received()

        await bot.slash_reply("/steadybot", "settings min 3", user="U1")  # four people besides the sender
        assert "2 people will get it a little later" in await pulse_now(bot)
        # London 16:00, Los Angeles 08:00, New York 11:00: now. Tokyo (Saturday 01:00) and Kolkata (21:30): later
        assert received() == {"U1": 1, "U2": 0, "U3": 1, "U4": 0, "U5": 1}
        await answer_slack(bot, "U1")
        assert (await at(datetime(2026, 3, 8, 22, 59, tzinfo=UTC)))["U2"] == 0
        assert (await at(datetime(2026, 3, 8, 23, 0, tzinfo=UTC)))["U2"] == 1  # Monday 08:00 in Tokyo
        await answer_slack(bot, "U2")
        assert (await at(datetime(2026, 3, 9, 2, 29, tzinfo=UTC)))["U4"] == 0
        assert (await at(datetime(2026, 3, 9, 2, 30, tzinfo=UTC)))["U4"] == 1  # Monday 08:00 in Kolkata
        # one reminder, two thirds in, moved off the weekend: New York Monday 08:00 EDT (after its DST change)
        assert (await at(datetime(2026, 3, 9, 11, 59, tzinfo=UTC)))["U5"] == 1
        assert (await at(datetime(2026, 3, 9, 12, 0, tzinfo=UTC)))["U5"] == 2
        reminder = pulse_dms(bot, "U5")[-1].params["text"]
        assert "Reminder: the pulse check-in for #team is still open" in reminder
        assert (await at(datetime(2026, 3, 9, 15, 0, tzinfo=UTC)))["U3"] == 2  # Los Angeles 08:00 PDT
        await bot.advance(timedelta(days=4), step=timedelta(hours=3))
        # those who answered got no reminder; nobody got two; the round is over
        assert received() == {"U1": 1, "U2": 1, "U3": 2, "U4": 2, "U5": 2}
        assert "closed with 2 of 5 answered" in await results(bot)


async def test_a_schedule_keeps_local_time_across_dst_and_stops(bot: Harness) -> None:
    # U3–U5 make the three people besides the schedule's owner that `min 3` needs
    slack_team(bot, {"U1": "Europe/Berlin", "U2": "America/New_York", "U3": "Europe/Berlin", "U4": "Europe/Berlin",
                     "U5": "Europe/Berlin"})
    await bot.slash_reply("/steadybot", "settings min 3", user="U1")
    bad = await bot.slash_reply("/pulse", "schedule every blursday at 3pm", user="U1")
    assert "couldn't" in bad["text"] and "/pulse schedule every friday at 3pm" in bad["text"]
    denied = await bot.slash_reply("/pulse", "schedule every friday at 3pm", user="U2")
    assert "Only the channel's creator" in denied["text"]
    posted = await channel_command(bot, "schedule every friday at 3pm")
    assert "every Friday at 15:00" in posted and "First one: Fri 6 Mar" in posted
    shown = await bot.slash_reply("/pulse", "schedule", user="U2")
    assert "every Friday at 15:00" in shown["text"] and "open for 3 days" in shown["text"]

    async def at(moment: datetime) -> tuple[int, int]:
        bot.clock.set(moment)
        await bot.settle()
        return len(pulse_dms(bot, "U1")), len(pulse_dms(bot, "U2"))

    assert await at(datetime(2026, 3, 6, 13, 59, tzinfo=UTC)) == (0, 0)
    assert await at(datetime(2026, 3, 6, 14, 0, tzinfo=UTC)) == (1, 0)  # 15:00 CET
    assert await at(datetime(2026, 3, 6, 19, 59, tzinfo=UTC)) == (1, 0)
    assert await at(datetime(2026, 3, 6, 20, 0, tzinfo=UTC)) == (1, 1)  # 15:00 EST
    await answer_slack(bot, "U1")
    assert await at(datetime(2026, 3, 9, 12, 0, tzinfo=UTC)) == (1, 2)  # U2's one reminder: Monday 08:00 EDT
    # New York switched to summer time on 8 March: the next round reaches it an hour earlier in UTC
    assert await at(datetime(2026, 3, 13, 13, 59, tzinfo=UTC)) == (1, 2)
    # the round exists a little ahead: results say when it starts, and /pulse now does not double it
    assert "Next round: DMs go out from today 15:00 CET to 5 people" in await results(bot)
    assert "next scheduled pulse is already on its way" in (await bot.slash_reply("/pulse", "now"))["text"]
    assert await at(datetime(2026, 3, 13, 14, 0, tzinfo=UTC)) == (2, 2)
    assert await at(datetime(2026, 3, 13, 18, 59, tzinfo=UTC)) == (2, 2)
    assert await at(datetime(2026, 3, 13, 19, 0, tzinfo=UTC)) == (2, 3)  # 15:00 EDT
    # Berlin switches on 29 March: 14:00 UTC before, 13:00 UTC after. (Jumping the clock over 20 March is
    # like the bot being down for a week: that round, already over everywhere, is skipped rather than sent.)
    assert (await at(datetime(2026, 3, 27, 13, 59, tzinfo=UTC)))[0] == 2
    assert (await at(datetime(2026, 3, 27, 14, 0, tzinfo=UTC)))[0] == 3
    assert (await at(datetime(2026, 4, 3, 12, 59, tzinfo=UTC)))[0] == 3
    u1, u2 = await at(datetime(2026, 4, 3, 13, 0, tzinfo=UTC))
    assert u1 == 4
    stopped = await bot.slash_reply("/pulse", "stop", user="U2")
    assert "Only the channel's creator" in stopped["text"]
    assert "is stopped" in await channel_command(bot, "stop")
    # the round that already started runs to its end (New York still gets it at 15:00 EDT) …
    assert await at(datetime(2026, 4, 3, 19, 0, tzinfo=UTC)) == (4, u2 + 1)
    # … and no new round comes
    assert await at(datetime(2026, 4, 10, 20, 0, tzinfo=UTC)) == (4, u2 + 1)
    assert len(await bot.runtime.store.pulse.recent_stats(CHANNEL, 20)) == 4
    assert "No pulse is scheduled" in (await bot.slash_reply("/pulse", "schedule", user="U1"))["text"]


async def press_button(bot: Harness, user: str, call_params: dict[str, Any], label: str) -> str:
    """Press a button (by its label) on a message the bot posted; returns the text it was updated to."""
    for block in call_params.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("text", {}).get("text") == label:
                updates = len(bot.slack.calls_to("chat.update"))
                await bot.press(element["action_id"], element.get("value", ""), user=user,
                                channel=str(call_params.get("channel", "D" + user[1:])), message_ts="offer-1")
                return text_of((await bot.slack.wait_for("chat.update", updates + 1))[-1].params)
    raise AssertionError(f"no button {label!r}")


async def test_opt_out_opt_in_journal_and_forget(bot: Harness) -> None:
    # U5 and U6 make the three people besides the sender that `min 3` needs
    slack_team(bot, {"U1": "Europe/Berlin", "U2": "Europe/London", "U3": "Europe/Paris", "U4": "Asia/Tokyo",
                     "U5": "Europe/Berlin", "U6": "Europe/Berlin"})
    await bot.slash_reply("/steadybot", "settings min 3", user="U1")
    out = await bot.slash_reply("/pulse", "optout", user="U3")
    assert "no more pulse DMs" in out["text"] and "/pulse optin" in out["text"]
    assert out["response_type"] == "ephemeral"
    await bot.slash_reply("/steadybot", "settings quiet 17:00-08:00", user="U1")  # Tokyo's 18:00 is quiet now
    assert "5 people" in await pulse_now(bot) and "1 person will get it a little later" in await_last_post(bot)
    assert [len(pulse_dms(bot, u)) for u in ("U1", "U2", "U3", "U4")] == [1, 1, 0, 0]
    # U4 opts out before their delayed DM goes out: it is never sent, and they no longer count as invited
    await bot.slash_reply("/pulse", "optout", user="U4")
    await bot.advance(timedelta(hours=16), step=timedelta(hours=2))
    assert pulse_dms(bot, "U4") == []
    assert "not enough answers yet" in await results(bot)
    await bot.slash_reply("/steadybot", "settings quiet off", user="U1")  # it is 02:00 in Berlin by now

    # answering offers the private journal, once
    await answer_slack(bot, "U1")
    offer = (await posted_to(bot, "D1", "only ask this once")).params
    assert "private journal" in offer["text"] and "only ask this once" in offer["text"]
    assert "journal is on" in await press_button(bot, "U1", offer, "Keep my journal")
    await answer_slack(bot, "U2")
    assert "No thanks" in json.dumps((await posted_to(bot, "D2", "only ask this once")).params["blocks"])
    await bot.slash_reply("/pulse", "optin", user="U3")
    await bot.slash_reply("/pulse", "close", user="U1")
    assert "5 people" in await pulse_now(bot)  # U1, U2, U3, U5 and U6 again
    thanks = await answer_slack(bot, "U1", {**{"exhaustion": "2", "cynicism": "3", "efficacy": "4", "workload": "5",
                                               "burnout": "3"}, "comment": "Too many pages this week"})
    assert "A copy is in your private journal" in thanks
    assert len([c for c in dms(bot, "U1") if "only ask this once" in c.params["text"]]) == 1
    mine = await bot.slash_reply("/pulse", "me", user="U1")
    assert mine["response_type"] == "ephemeral"
    assert "Your pulse journal" in mine["text"] and "Energy 2" in mine["text"] and "Way too much" in mine["text"]
    assert "Too many pages this week" in mine["text"]
    # Ben was asked once already: no second offer, just how to start
    assert "journal is off" in (await bot.slash_reply("/pulse", "me", user="U2"))["text"]
    first_time = await bot.slash_reply("/pulse", "me", user="U3")
    assert "only ask this once" in first_time["text"]
    assert "journal is off" in (await bot.slash_reply("/pulse", "me", user="U3"))["text"]

    forgot = await bot.slash_reply("/pulse", "optout --forget", user="U1")
    assert "1 journal entry" in forgot["text"] and "2 records" in forgot["text"]
    assert "Anonymous answers stay" in forgot["text"]
    assert await bot.runtime.store.pulse.journal(Platform.SLACK, "U1", 10) == []
    # U1's anonymous answer still counts in the round
    assert "not enough answers yet" in await results(bot, "U2")


async def posted_to(bot: Harness, channel: str, containing: str) -> Call:
    for _ in range(600):
        found = [c for c in bot.slack.calls_to("chat.postMessage")
                 if c.params.get("channel") == channel and containing in str(c.params.get("text"))]
        if found:
            return found[-1]
        await asyncio.sleep(0.005)
    raise AssertionError(f"nothing containing {containing!r} was posted to {channel}")


def await_last_post(bot: Harness) -> str:
    return text_of([c for c in bot.slack.calls_to("chat.postMessage") if c.params["channel"] == "C1"][-1].params)


async def test_bad_input_gets_a_friendly_answer_with_an_example(sqlite_url: str) -> None:
    async with running(sqlite_url, admins=frozenset({"UADMIN"})) as bot:
        await _bad_input(bot)


async def _bad_input(bot: Harness) -> None:
    slack_team(bot, {"U1": "Europe/Berlin", "U2": "Europe/London", "U3": "Europe/Berlin", "U4": "Europe/Berlin",
                     "U5": "Europe/Berlin"})
    await bot.slash_reply("/steadybot", "settings min 3", user="U1")
    bot.slack.add_user("UADMIN", "Admin", tz="Europe/Berlin")

    async def say(text: str, **kwargs: str) -> str:
        return text_of(await bot.slash_reply("/pulse", text, **kwargs))

    assert "I don't know `/pulse frobnicate`" in await say("frobnicate")
    assert "team channel" in await say("results", channel="D1")
    assert "takes no `please`" in await say("now please") and "/pulse now for 2 days" in await say("now please")
    assert "couldn't read" in await say("now for ever")
    assert "between 1 hour and 14 days" in await say("now for 30 days")
    gibberish = await say("schedule 🙃🙃 \u202e\x07")
    assert "For example: `/pulse schedule every friday at 3pm`" in gibberish
    assert "only `--forget`" in await say("optout maybe")
    assert "/pulse me on" in await say("me sideways")
    assert "no pulse schedule" in await say("stop")
    assert "No pulse is open" in await say("close")
    assert "No pulse has run" in await say("\u202eresults\x07")
    assert "more text than I can read" in await say("now " + "x" * 3000)
    assert "Only the channel's creator" in await say("close", user="U2")
    # an admin in a channel the app was never added to: Slack won't list its members
    assert "Is the app added to it?" in await say("now", user="UADMIN", channel="C404")
    assert await bot.runtime.store.pulse.recent_stats(Place(Platform.SLACK, "C404"), 5) == []

    # forged or stale submissions
    async def submit(context: str, values: dict[str, str], user: str = "U2") -> str:
        before = len(bot.slack.calls_to("chat.postMessage")) + len(bot.slack.calls_to("chat.update"))
        # sealed as the bot would seal it: what the core itself checks (forgeries: tests/test_security_*.py)
        await bot.submit_sealed({"f": "pulse.answer", "c": context, "ch": "D" + user[1:], "tm": "T1"}, values,
                                user=user)
        for _ in range(400):
            calls = bot.slack.calls_to("chat.postMessage") + bot.slack.calls_to("chat.update")
            if len(calls) > before:
                return text_of((bot.slack.calls_to("chat.postMessage") + bot.slack.calls_to("chat.update"))[-1].params)
            await asyncio.sleep(0.005)
        raise AssertionError("no answer")

    assert "out of date" in await submit("not-a-round", ANSWER)
    assert "out of date" in await submit("424242", ANSWER)
    await pulse_now(bot)
    round_id = json.loads(wire.unsealed(launch_value(pulse_dms(bot, "U2")[-1])))["c"]
    assert "Missing: Energy, Burnout" in await submit(round_id, {"cynicism": "3", "efficacy": "3", "workload": "3"})
    assert "Missing: Energy" in await submit(round_id, {**ANSWER, "exhaustion": "9"})
    assert "wasn't sent to you" in await submit(round_id, ANSWER, user="U7")
    view = await press_dm(bot, "U2")  # the modal is open …
    await bot.slash_reply("/pulse", "close", user="U1")  # … when the round closes
    assert "closed" in await answer_slack(bot, "U2", view=view)
    assert "closed with 0 of 5 answered" in await results(bot)


async def test_weekly_reflection_goes_only_to_the_private_journal(bot: Harness) -> None:
    slack_team(bot, {"U1": "Europe/Berlin", "U2": "America/New_York"})
    on = await bot.slash_reply("/pulse", "me reflect on", user="U1")
    assert "Weekly reflection is on" in on["text"] and on["response_type"] == "ephemeral"

    async def at(moment: datetime) -> int:
        bot.clock.set(moment)
        await bot.settle()
        return len([c for c in dms(bot, "U1") if "Weekly reflection" in c.params["text"]])

    assert await at(datetime(2026, 3, 6, 14, 59, tzinfo=UTC)) == 0
    assert await at(datetime(2026, 3, 6, 15, 0, tzinfo=UTC)) == 1  # Friday 16:00 in Berlin
    assert dms(bot, "U2") == []
    reflection = [c for c in dms(bot, "U1") if "Weekly reflection" in c.params["text"]][-1]
    view = await press_dm(bot, "U1", reflection)
    assert view["title"]["text"] == "Weekly reflection"
    saved = await answer_slack(bot, "U1", {"gave": "Pairing with Ana", "drained": "Three status meetings"},
                               view=view)
    assert "Saved to your private journal" in saved
    mine = await bot.slash_reply("/pulse", "me", user="U1")
    assert "weekly reflection — gave energy: Pairing with Ana; drained it: Three status meetings" in mine["text"]
    # one reflection a week, and none once it's off
    assert await at(datetime(2026, 3, 7, 15, 0, tzinfo=UTC)) == 1
    assert await at(datetime(2026, 3, 13, 15, 0, tzinfo=UTC)) == 2
    await bot.slash_reply("/pulse", "me reflect off", user="U1")
    assert await at(datetime(2026, 3, 20, 15, 0, tzinfo=UTC)) == 2
    # an empty reflection is not saved
    metadata = {"f": "pulse.reflect", "c": "2026-03-13", "ch": "D1", "tm": "T1"}
    before = len(bot.slack.calls_to("chat.postMessage"))
    await bot.submit_sealed(metadata, {"gave": " ", "drained": ""}, user="U1")
    [reply] = (await bot.slack.wait_for("chat.postMessage", before + 1))[before:]
    assert "at least one of the two" in reply.params["text"]
    off = await bot.slash_reply("/pulse", "me off", user="U1")
    assert "Your journal is off, and I deleted its 1 entry." in off["text"]
