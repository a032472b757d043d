"""The team lead as an attacker (issue #12, item 5): everything the lead is shown — results in any channel,
as often as they like, the DMs and announcements, the status line — and what they can compute from it with
what they know anyway (their own answer, who is in each channel). Each test plays one attack through the
real Slack wire and checks that it yields nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import product

from handlers.core.types import Place, Platform
from handlers.pulse.model import Answer
from storage.models.pulse import PulseRound
from tests.support.harness import Harness, running
from tests.support.pulse_helpers import (
    ANSWER,
    CHANNEL,
    answer_slack,
    channel_command,
    dms,
    make_round,
    pulse_dms,
    pulse_now,
    slack_team,
    text_of,
)

BERLIN = "Europe/Berlin"
SIX = {f"U{i}": BERLIN for i in range(1, 7)}  # U1 is the lead: the channel's creator, who sends the pulse


async def results(bot: Harness, user: str = "U1", channel: str = "C1") -> str:
    return text_of(await bot.slash_reply("/pulse", "results", user=user, channel=channel))


def figures_shown(text: str) -> bool:
    return "• *Energy*" in text or "at burnout level" in text


async def test_a_lowering_min_after_a_round_closed_below_its_announced_threshold_shows_nothing(bot: Harness) -> None:
    slack_team(bot, SIX)
    await pulse_now(bot)
    assert "at least 5 people" in dms(bot, "U2")[-1].params["text"]  # what the DMs promised
    for user in ("U2", "U3", "U4", "U5"):
        await answer_slack(bot, user, {**ANSWER, "comment": f"secret of {user}"})
    await bot.slash_reply("/pulse", "close", user="U1")
    assert "not enough for results (they need 5" in await results(bot)

    await bot.slash_reply("/steadybot", "settings min 3", user="U1")  # the lead lowers the threshold …
    after = await results(bot)  # … and looks again: the round keeps the threshold its DMs announced
    assert not figures_shown(after) and "secret of" not in after
    assert "closed with 4 of 6 answered — not enough for results (they need 5 besides the sender's own)" in after
    async with bot.runtime.store.db.session() as s:
        assert [r.min_respondents for r in (await s.execute(PulseRound.__table__.select())).all()] == [5]

    # a new round announces and needs today's 3 — and 3 answers besides the lead's then show (with the lead's
    # own: 4 in all, so nobody who answered is left with only two others' answers)
    await pulse_now(bot)
    assert "at least 3 people" in pulse_dms(bot, "U2")[-1].params["text"]
    for user in ("U1", "U2", "U3", "U4"):
        await answer_slack(bot, user)
    await bot.slash_reply("/pulse", "close", user="U1")
    shown = await results(bot)
    assert figures_shown(shown) and "4 of 6 answered" in shown and "secret of" not in shown


async def test_a_the_thanks_quotes_the_rounds_threshold_not_a_lowered_setting(bot: Harness) -> None:
    slack_team(bot, SIX)
    await pulse_now(bot)
    await bot.slash_reply("/steadybot", "settings min 3", user="U1")  # lowered while the round is open
    thanks = await answer_slack(bot, "U2")
    assert "at least 5 people have answered, not counting whoever sent the pulse" in thanks


async def test_a_threshold_raised_while_dms_go_out_becomes_the_rounds(bot: Harness) -> None:
    slack_team(bot, {**SIX, "U6": "Asia/Tokyo", "U7": BERLIN})
    await bot.slash_reply("/steadybot", "settings quiet 17:00-08:00", user="U1")  # Tokyo's DM waits
    bot.clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))  # 11:00 Berlin, 19:00 Tokyo
    await pulse_now(bot)
    assert pulse_dms(bot, "U6") == []
    await bot.slash_reply("/steadybot", "settings min 6", user="U1")
    await bot.advance(timedelta(hours=14), step=timedelta(hours=1))
    assert "at least 6 people" in pulse_dms(bot, "U6")[-1].params["text"]
    await bot.slash_reply("/steadybot", "settings min 5", user="U1")  # lowered again: the round keeps 6
    for user in ("U2", "U3", "U4", "U5", "U7"):
        await answer_slack(bot, user)
    await bot.slash_reply("/pulse", "close", user="U1")
    hidden = await results(bot)
    assert not figures_shown(hidden) and "they need 6 besides the sender's own" in hidden


async def test_b_a_channel_of_the_lead_and_two_people_is_refused_up_front(bot: Harness) -> None:
    slack_team(bot, {"U1": BERLIN, "U2": BERLIN, "U3": BERLIN})
    await bot.slash_reply("/steadybot", "settings min 3", user="U1")
    refused = await bot.slash_reply("/pulse", "now", user="U1")
    assert refused["response_type"] == "ephemeral"  # quietly, to the lead
    assert "I didn't send this pulse" in refused["text"] and "only 2 people here" in refused["text"]
    assert "at least 3 people other than the one who sends the pulse" in refused["text"]
    await bot.settle()
    assert [pulse_dms(bot, u) for u in ("U1", "U2", "U3")] == [[], [], []]
    assert await bot.runtime.store.pulse.recent_stats(CHANNEL, 5) == []
    assert "No pulse has run in this channel yet" in await results(bot)
    scheduled = await bot.slash_reply("/pulse", "schedule every friday at 3pm", user="U1")
    assert "I didn't schedule this pulse" in scheduled["text"]
    assert await bot.runtime.store.pulse.active_schedule(CHANNEL) is None

    # with a third person besides the lead it goes out, and their three answers show with the lead's own
    bot.slack.add_user("U4", "Person U4", tz=BERLIN)
    bot.slack.channels["C1"]["members"].append("U4")
    assert "on its way to 4 people" in await pulse_now(bot)
    for user in ("U1", "U2", "U3", "U4"):
        await answer_slack(bot, user)
    await bot.slash_reply("/pulse", "close", user="U1")
    assert figures_shown(await results(bot))


async def test_b_three_answers_without_the_senders_leave_no_one_who_answered_two_others_answers(bot: Harness) -> None:
    """The lead sends and does not answer; U2 and U3 answer 1, U4 answers 5. With the three shown, U4 — who
    knows their own 5 and, in a channel of four, who answered — would read a mean of 2.3 for exhaustion: 7 in all,
    so U2 and U3 both answered 1. Every answerer knows one answer, so a round needs FEWEST (3) others' answers
    for each of them: 4 in all (DESIGN.md: no published figure counts one or two people)."""
    slack_team(bot, {"U1": BERLIN, "U2": BERLIN, "U3": BERLIN, "U4": BERLIN})
    await bot.slash_reply("/steadybot", "settings min 3", user="U1")
    await pulse_now(bot)
    low = {**ANSWER, "exhaustion": "1"}
    for user, answer in (("U2", low), ("U3", low), ("U4", {**ANSWER, "exhaustion": "5"})):
        await answer_slack(bot, user, answer)
    status = text_of(await bot.slash_reply("/pulse", "", user="U4"))
    assert "not enough answers yet" in status and "4 in all while the sender has not answered" in status
    await bot.slash_reply("/pulse", "close", user="U1")
    for viewer in ("U1", "U4"):
        hidden = await results(bot, user=viewer)
        assert not figures_shown(hidden), hidden
        assert "closed with 3 of 4 answered" in hidden and "they need 4 besides the sender's own" in hidden


async def test_b_the_senders_own_answer_never_counts_toward_k(bot: Harness) -> None:
    slack_team(bot, SIX)
    await pulse_now(bot)
    for user in ("U1", "U2", "U3", "U4", "U5"):  # five answers, one of them the lead's own
        await answer_slack(bot, user, {**ANSWER, "comment": f"note {user}"})
    status = text_of(await bot.slash_reply("/pulse", "", user="U1"))
    assert "not enough answers yet" in status
    await bot.slash_reply("/pulse", "close", user="U1")
    hidden = await results(bot)
    assert not figures_shown(hidden) and "closed with 5 of 6 answered" in hidden and "note U" not in hidden


async def test_b_a_scheduled_run_in_a_channel_that_shrank_is_refused_and_the_owner_told_once(bot: Harness) -> None:
    slack_team(bot, {"U1": BERLIN, "U2": BERLIN, "U3": BERLIN, "U4": BERLIN})
    await bot.slash_reply("/steadybot", "settings min 3", user="U1")
    bot.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday
    assert "Pulse scheduled" in await channel_command(bot, "schedule every tuesday at 10:00")
    bot.slack.channels["C1"]["members"].remove("U4")  # the lead and two people are left
    await bot.advance(timedelta(days=15), step=timedelta(hours=1))  # two Tuesdays go by
    assert [pulse_dms(bot, u) for u in ("U1", "U2", "U3")] == [[], [], []]
    told = [c for c in dms(bot, "U1") if "did not go out" in str(c.params.get("text"))]
    assert len(told) == 1 and "only 2 people here" in told[0].params["text"]
    assert not [c for u in ("U2", "U3") for c in dms(bot, u)]  # nobody else hears of it
    assert not [c for c in bot.slack.calls_to("chat.postMessage") if c.params.get("channel") == "C1"
                and "did not go out" in str(c.params.get("text"))]  # quietly: not in the channel
    assert "No closed round" in await results(bot) or "No pulse has run" in await results(bot)


async def test_c_two_channels_differing_by_one_person_pulsed_the_same_week_show_only_once(sqlite_url: str) -> None:
    async with running(sqlite_url, start=datetime(2026, 3, 3, 9, 0, tzinfo=UTC)) as bot:
        team = {f"U{i}": BERLIN for i in range(1, 8)}
        slack_team(bot, team)  # C1: U1..U7
        bot.slack.add_channel("C2", "U1", [f"U{i}" for i in range(1, 7)] + ["UBOT"])  # C2: the same but U7
        for channel in ("C1", "C2"):
            await pulse_now(bot, channel=channel)
        for user in team:
            for call in pulse_dms(bot, user):
                view = await _press(bot, user, call)
                await answer_slack(bot, user, {**ANSWER, "exhaustion": "1" if user == "U7" else "4"}, view=view)
        first = await results(bot, channel="C1")
        second = await results(bot, channel="C2")
        assert figures_shown(first) and "7 of 7 answered" in first
        assert not figures_shown(second)
        assert "stays hidden: the people who answered it differ by too few" in second
        assert "subtract one from the other" in second
        # stable: looking again (and in the other order) changes nothing, on another replica too
        assert figures_shown(await results(bot, channel="C1")) and not figures_shown(await results(bot, channel="C2"))
        async with running(sqlite_url, start=bot.clock.now()) as replica:
            replica.slack.channels = bot.slack.channels
            replica.slack.users = bot.slack.users
            assert not figures_shown(await results(replica, channel="C2"))
            assert figures_shown(await results(replica, channel="C1"))


async def test_c_a_round_differing_from_a_shown_one_by_fewer_than_its_promise_stays_hidden(sqlite_url: str) -> None:
    """C1's twelve were promised results only with at least 8 answers besides the sender's; C2 holds six of
    them and promised 5. Both rounds the same week, everyone answers. C1 shows first; C2 differs from it by
    six people — enough for C2's 5, not for C1's 8: subtracting C2 from C1 would give six of C1's people's
    figures, fewer than their DMs promised. The difference must hold for both promises."""
    async with running(sqlite_url, start=datetime(2026, 3, 3, 9, 0, tzinfo=UTC)) as bot:
        team = {f"U{i}": BERLIN for i in range(1, 13)}
        slack_team(bot, team)  # C1: U1..U12
        bot.slack.add_channel("C2", "U1", [f"U{i}" for i in range(1, 7)] + ["UBOT"])  # C2: U1..U6
        await bot.slash_reply("/steadybot", "settings min 8", user="U1")
        for channel in ("C1", "C2"):
            await pulse_now(bot, channel=channel)
        assert "at least 8 people" in pulse_dms(bot, "U2")[0].params["text"]
        for user in team:
            for call in pulse_dms(bot, user):
                view = await _press(bot, user, call)
                await answer_slack(bot, user, ANSWER, view=view)
        first = await results(bot, channel="C1")
        second = await results(bot, channel="C2")
        assert figures_shown(first) and "12 of 12 answered" in first
        assert not figures_shown(second) and "differ by too few" in second


async def _press(bot: Harness, user: str, call):  # type: ignore[no-untyped-def]
    from tests.support.pulse_helpers import press_dm

    return await press_dm(bot, user, call)


async def test_c_channels_of_different_people_or_weeks_both_show(bot: Harness) -> None:
    people = [f"U{i}" for i in range(1, 13)]
    slack_team(bot, dict.fromkeys(people, BERLIN))
    other = Place(Platform.SLACK, "C2", "T1", name="other")
    same_week = [Answer((4, 3, 3, 3, 1))] * 6
    await make_round(bot, people[:6], same_week, key="A", close=True)
    bot.clock.advance(timedelta(days=-7))  # the same week again, for a disjoint team in C2
    await make_round(bot, people[6:], same_week, key="B", place=other, close=True)
    assert figures_shown(await results(bot))
    assert figures_shown(await results(bot, channel="C2"))


async def test_d_a_lone_extreme_answer_among_five_is_never_published(bot: Harness) -> None:
    slack_team(bot, SIX)
    lone = [Answer((4, 4, 3, 3, 1))] * 4 + [Answer((1, 4, 3, 3, 5))]  # one person running on empty, burned out
    await make_round(bot, [f"U{i}" for i in range(2, 7)], lone, key="A")
    shown = await results(bot)
    assert figures_shown(shown)
    energy = next(line for line in shown.splitlines() if "*Energy*" in line)
    burnout = next(line for line in shown.splitlines() if "*Burnout*" in line)
    assert "1·" not in energy and "·1" not in energy and "answers by level: 1–4: 5 · 5: 0" in energy
    assert "1·" not in burnout and "·1" not in burnout
    assert "Fewer than 3 of the 5 answers at burnout level 3 or higher" in shown and "%" not in _line(
        shown, "burnout level 3")
    for line in (energy, burnout):
        assert not _pinned(line, 5), line


def _line(text: str, containing: str) -> str:
    return next(line for line in text.splitlines() if containing in line)


def _pinned(line: str, total: int) -> list[tuple[int, ...]]:
    """What the lead can work out from one dimension's published line, by brute force over every
    histogram of `total` answers: the groups of levels that hold exactly one or two answers in all of the
    histograms that give the same mean and bands."""
    mean = re.search(r"\*(\d\.\d)\* of 5", line)
    bands: list[tuple[int, int, int]] = []
    single = re.search(r"answers 1→5: ((?:\d+·){4}\d+)", line)
    if single:
        bands = [(i + 1, i + 1, int(n)) for i, n in enumerate(single.group(1).split("·"))]
    for lo, hi, n in re.findall(r"(\d)(?:–(\d))?: (\d+)", line.split("answers by level:")[1]) \
            if "answers by level:" in line else []:
        bands.append((int(lo), int(hi or lo), int(n)))
    consistent = []
    for hist in product(range(total + 1), repeat=5):
        if sum(hist) != total:
            continue
        if mean and f"{sum((i + 1) * n for i, n in enumerate(hist)) / total:.1f}" != mean.group(1):
            continue
        if any(sum(hist[lo - 1:hi]) != n for lo, hi, n in bands):
            continue
        consistent.append(hist)
    pinned = []
    for mask in range(1, 32):
        values = {sum(h[i] for i in range(5) if mask >> i & 1) for h in consistent}
        if len(values) == 1 and values & {1, 2}:
            pinned.append(tuple(i + 1 for i in range(5) if mask >> i & 1))
    return pinned


async def test_e_watching_an_open_round_shows_no_live_count(bot: Harness) -> None:
    slack_team(bot, {f"U{i}": BERLIN for i in range(1, 9)})
    await pulse_now(bot)
    looks = [await results(bot)]
    statuses = [text_of(await bot.slash_reply("/pulse", "", user="U1"))]
    for user in ("U2", "U3", "U4", "U5", "U6", "U7"):
        await answer_slack(bot, user)
        looks.append(await results(bot))
        statuses.append(text_of(await bot.slash_reply("/pulse", "", user="U1")))
    # between looks the text changes once, when there are enough answers — never a count that ticks up
    assert len(set(looks[:5])) == 1 and len(set(looks[5:])) == 1 and looks[0] != looks[5]
    assert len(set(statuses[:5])) == 1 and len(set(statuses[5:])) == 1
    assert all(not re.search(r"\d+ of \d+", look) for look in looks)
    assert "not enough answers yet" in looks[0] and "enough answers for results once it closes" in looks[5]
    assert not figures_shown(looks[-1])


async def test_e_results_read_only_sealed_rounds_not_a_passed_closing_time(bot: Harness) -> None:
    slack_team(bot, SIX)
    rnd = await make_round(bot, [f"U{i}" for i in range(1, 7)], [Answer((4, 4, 4, 3, 1))] * 5, key="A", close=False)
    bot.clock.set(rnd.closes_at + timedelta(seconds=1))  # past its closing time, the minute's sealing not run
    pending = await results(bot)
    assert "has closed; its results can show in a minute" in pending and not figures_shown(pending)
    await bot.settle()  # the periodic work seals it
    assert figures_shown(await results(bot))


async def test_b_on_teams_too_the_lead_and_two_are_refused_and_the_leads_answer_does_not_count(bot: Harness) -> None:
    from tests.wire.test_pulse_teams import TEAM, answer, channel, plain

    for user in ("29:lead", "29:u1", "29:u2"):
        name, aad = TEAM[user]
        bot.connector.add_member(user, name, aad, role="owner" if user == "29:lead" else "user")
    await channel(bot, "steadybot settings min 3")
    refused = plain(await channel(bot, "pulse now"))
    assert "I didn't send this pulse" in refused and "only 2 people here" in refused
    await bot.settle()
    assert not [s for s in bot.connector.sent if s.conversation_id.startswith("a:1on1-")]

    bot.connector.add_member("29:u3", *TEAM["29:u3"], role="user")
    assert bot.runtime.teams is not None
    bot.runtime.teams.directory._rosters.clear()  # the roster is cached for an hour: Cai joined meanwhile
    assert "on its way to 4 people" in plain(await channel(bot, "pulse now"))
    await bot.settle()
    for user in ("29:lead", "29:u1", "29:u2"):  # three answers, one of them the lead's own
        await answer(bot, user)
    await channel(bot, "pulse close")
    hidden = plain(await channel(bot, "pulse results", user="29:u1"))
    assert "closed with 3 of 4 answered — not enough for results (they need 3 besides the sender's own)" in hidden
    assert "Energy" not in hidden


async def _report(bot: Harness) -> str:
    before = len(bot.slack.responses)
    assert (await bot.slash("/steadybot", "report", user="U2")).status == 200
    return text_of((await bot.slack.wait_for_responses(before + 2))[before])


async def test_the_team_report_publishes_no_more_than_pulse_results(bot: Harness) -> None:
    slack_team(bot, SIX)
    people = [f"U{i}" for i in range(2, 7)]
    # a round announced at 6, then `min` lowered to 5: hidden in results, so absent from the report too
    hidden = await make_round(bot, people, [Answer((2, 2, 2, 2, 2))] * 5, key="H")
    await bot.runtime.store.pulse.announce_threshold(hidden.id, 6)
    # a round with a lone extreme answer and two at burnout 4
    await make_round(bot, people, [Answer((4, 4, 3, 3, 2))] * 2 + [Answer((4, 4, 3, 3, 4))] * 2
                     + [Answer((1, 4, 3, 3, 2))], key="L")
    results_text = await results(bot)
    report = await _report(bot)
    assert "1 rounds shown" in report or "1 round shown" in report
    assert "Round of Mon 2 Mar" not in results_text and "2.0" not in report  # the hidden round, nowhere
    assert "Burnout level 3 or higher in the latest round: fewer than 3 of 5 answers" in report
    burnout = _line(results_text, "*Burnout*")
    assert ("mean not shown" in burnout) == ("*Burnout* — –" in report.replace("**", "*"))
    assert not re.search(r"\b[12] of 5\b", report)
