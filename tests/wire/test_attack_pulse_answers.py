"""Answering anonymous pulse check-ins, attacked through the real wires (signed Slack requests into Bolt, Bot
Framework activities into botbuilder; the platforms are fakes): ugly inputs on the answer path on both
platforms, a comment longer than the form allows, replayed and copied Teams card data, and comments full of
markup on their way to the results. What the lead can compute from results is tests/reliability/
test_pulse_lead_attacks.py; forged Slack modal metadata, tests/wire/test_security_actions.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.sealing import INVALID
from handlers.core.types import Place, Platform
from handlers.pulse.questions import load_questions
from support import bf_connector, wire
from support.bf_connector import Sent
from tests.support.harness import Harness, block_texts
from tests.support.pulse_helpers import (
    ANSWER,
    answer_slack,
    launch_value,
    press_dm,
    pulse_dms,
    pulse_now,
    slack_team,
    text_of,
)
from tests.wire.test_pulse_teams import SCORES, TEAM, channel, plain, pulse_cards, roster

COMMENT_MAX = load_questions().comment_max
SLACK_PEOPLE = {f"U{i}": "Europe/Berlin" for i in range(1, 8)}  # U1 sends; six others answer


def _slack_said(bot: Harness) -> list[Any]:
    return bot.slack.calls_to("chat.postMessage") + bot.slack.calls_to("chat.update")


async def _comments(bot: Harness, round_id: int) -> list[str]:
    """A sealed round's anonymous comments (as results read them)."""
    return await bot.runtime.store.pulse.comments(round_id)


async def _slack_round(bot: Harness) -> int:
    slack_team(bot, SLACK_PEOPLE)
    await pulse_now(bot)
    return int(json.loads(wire.unsealed(launch_value(pulse_dms(bot, "U2")[-1])))["c"])


# ---- a comment longer than the form allows ---------------------------------------------------------------
async def test_a_slack_comment_longer_than_the_form_allows_is_not_cut_in_silence(bot: Harness) -> None:
    """Slack's modal stops typing at max_length, but a submission is whatever arrives: 100 000 characters.
    The answer counts, the comment is kept up to the limit, and the person is told so — not thanked as if
    the team would read what they wrote."""
    round_id = await _slack_round(bot)
    words = "Too many meetings and not enough focus time this sprint. " * 1800  # ~100 000 characters
    thanks = await answer_slack(bot, "U2", {**ANSWER, "comment": words})
    assert "Thanks — answered" in thanks
    assert f"longer than {COMMENT_MAX} characters" in thanks, thanks
    await bot.slash_reply("/pulse", "close", user="U1")
    await bot.settle()
    [kept] = await _comments(bot, round_id)
    assert len(kept) <= COMMENT_MAX and kept.endswith("…") and words.startswith(kept[:-1].rstrip())


async def test_a_teams_comment_longer_than_the_form_allows_is_not_cut_in_silence(bot: Harness) -> None:
    roster(bot)
    await channel(bot, "steadybot settings min 3")
    await channel(bot, "pulse now")
    await bot.settle()
    data = pulse_cards(bot, "29:u1")[-1].card["actions"][0]["data"]  # type: ignore[index]
    before = len(bot.connector.sent)
    response = await bot.teams(bot.activity(user="29:u1", name="Ana", aad="aad-1", reply_to_id="card-29:u1",
                                            value={**data, **SCORES, "comment": "y" * 100_000}))
    assert response.status in (200, 201)
    thanks = plain(bot.connector.sent[before])
    assert "Thanks — answered" in thanks and f"longer than {COMMENT_MAX} characters" in thanks, thanks


async def test_a_comment_within_the_limit_is_kept_whole_and_nothing_is_said_about_length(bot: Harness) -> None:
    round_id = await _slack_round(bot)
    exact = "x" * COMMENT_MAX
    thanks = await answer_slack(bot, "U2", {**ANSWER, "comment": exact})
    assert "longer than" not in thanks
    await bot.slash_reply("/pulse", "close", user="U1")
    await bot.settle()
    assert await _comments(bot, round_id) == [exact]


# ---- ugly scores: a friendly "missing", a 200 to the platform, nothing counted ----------------------------
@pytest.mark.parametrize("score", ["\u0663", "\uff13", "3.0", "-3", "6", "0", "", "3\u202e", "[3]"])
async def test_a_slack_score_off_the_scale_is_refused_friendly_and_not_counted(bot: Harness, score: str) -> None:
    round_id = await _slack_round(bot)
    view = await press_dm(bot, "U2")
    before = len(_slack_said(bot))
    response = await bot.submit(view["private_metadata"], {**ANSWER, "burnout": score}, user="U2")
    assert response.status == 200 and "Traceback" not in await response.text()
    await bot.idle()
    said = "\n".join(text_of(c.params) for c in _slack_said(bot)[before:])
    assert "Missing: Burnout" in said, said
    assert await bot.runtime.store.pulse.invitation(round_id, Platform.SLACK, "U2") is False
    assert await bot.runtime.store.pulse.answer_count(round_id) == 0


async def _teams_round(bot: Harness) -> dict[str, Any]:
    roster(bot)
    await channel(bot, "steadybot settings min 3")
    await channel(bot, "pulse now")
    await bot.settle()
    data: dict[str, Any] = pulse_cards(bot, "29:u1")[-1].card["actions"][0]["data"]  # type: ignore[index]
    return data


def _execute(bot: Harness, user: str, value: Any) -> dict[str, Any]:
    name, aad = TEAM.get(user, ("Mallory", "aad-evil"))
    activity = bot.activity(user=user, name=name, aad=aad, activity_type="invoke", reply_to_id=f"card-{user}")
    activity["name"] = "adaptiveCard/action"
    activity["value"] = value
    return activity


@pytest.mark.parametrize("score", [["3"], {"v": 3}, 3.5, True, None, "x" * 5000])
async def test_a_teams_action_execute_with_an_odd_score_gets_a_200_and_a_friendly_answer(bot: Harness,
                                                                                         score: Any) -> None:
    data = await _teams_round(bot)
    value = {"action": {"type": "Action.Execute", "verb": "submit", "data": {**data, **SCORES, "burnout": score}}}
    response = await bot.client.post("/api/messages", json=_execute(bot, "29:u1", value))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and "Missing: Burnout" in str(body["value"]), body
    await bot.teams_settled()
    assert await _teams_answered(bot, "29:u1") is False


async def _teams_answered(bot: Harness, user: str) -> bool | None:
    """Whether `user` has answered the Teams channel's open round (None: not invited to it)."""
    store = bot.runtime.store.pulse
    rnd = await store.open_round(pulse_place())
    assert rnd is not None
    return await store.invitation(rnd.id, Platform.TEAMS, user)


def pulse_place() -> Place:
    return Place(Platform.TEAMS, bf_connector.CHANNEL_ID, bf_connector.TEAM_ID)


@pytest.mark.parametrize("value", ["a string", ["a", "list"], {"action": "a string"}, {"action": {"type": "x"}}])
async def test_a_teams_action_execute_with_a_value_that_is_not_an_action_is_a_200(bot: Harness, value: Any) -> None:
    await _teams_round(bot)
    before = len(bot.connector.sent)
    response = await bot.client.post("/api/messages", json=_execute(bot, "29:u1", value))
    assert response.status == 200 and "Traceback" not in await response.text()
    await bot.teams_settled()
    assert bot.connector.sent[before:] == []  # no apology posted for a request no client makes


# ---- someone else's name, another round, twice ------------------------------------------------------------
async def test_teams_card_data_copied_from_a_teammate_or_from_slack_counts_for_nobody(bot: Harness) -> None:
    """Ben replays Ana's card data (as Action.Submit and as Action.Execute), then the Slack DM's launch value
    and a Slack modal's metadata as card data: each is refused as not his, and nobody's answer is counted."""
    anas = await _teams_round(bot)
    slack_team(bot, SLACK_PEOPLE)
    await pulse_now(bot)
    slack_view = await press_dm(bot, "U2")
    copies: list[dict[str, Any]] = [
        {**anas, **SCORES},
        {"steadybot_form": "pulse.answer", "steadybot_context": slack_view["private_metadata"], **SCORES},
        {"steadybot_action": "form.open", "steadybot_value": launch_value(pulse_dms(bot, "U2")[-1])},
    ]
    for copy in copies:
        before = len(bot.connector.sent)
        response = await bot.teams(bot.activity(user="29:u2", name="Ben", aad="aad-2", value=copy))
        assert response.status in (200, 201)
        said = [s.text for s in bot.connector.sent[before:]]
        assert said and all(INVALID in t for t in said), said
        executed = await bot.client.post("/api/messages", json=_execute(
            bot, "29:u2", {"action": {"type": "Action.Execute", "verb": "submit", "data": copy}}))
        assert executed.status == 200 and INVALID in str((await executed.json())["value"])
    await bot.teams_settled()
    assert await _teams_answered(bot, "29:u1") is False and await _teams_answered(bot, "29:u2") is False


async def test_a_teams_card_from_a_closed_round_does_not_count_in_the_next_one(bot: Harness) -> None:
    old = await _teams_round(bot)
    await channel(bot, "pulse close")
    await channel(bot, "pulse now")
    await bot.settle()
    before = len(bot.connector.sent)
    await bot.teams(bot.activity(user="29:u1", name="Ana", aad="aad-1", reply_to_id="card-29:u1",
                                 value={**old, **SCORES}))
    assert "this pulse closed" in plain(bot.connector.sent[before])
    assert await _teams_answered(bot, "29:u1") is False  # the new round still waits for Ana's answer


async def test_one_card_sent_as_action_submit_and_action_execute_counts_once(bot: Harness) -> None:
    data = await _teams_round(bot)
    before = len(bot.connector.sent)
    await bot.teams(bot.activity(user="29:u1", name="Ana", aad="aad-1", reply_to_id="card-29:u1",
                                 value={**data, **SCORES}))
    assert "Thanks — answered" in plain(bot.connector.sent[before])
    response = await bot.client.post("/api/messages", json=_execute(
        bot, "29:u1", {"action": {"type": "Action.Execute", "verb": "submit",
                                  "data": {**data, **SCORES, "exhaustion": "1"}}}))
    assert response.status == 200 and "not** counted" in json.dumps(await response.json())
    store = bot.runtime.store.pulse
    rnd = await store.open_round(pulse_place())
    assert rnd is not None and await store.answer_count(rnd.id) == 1


async def test_two_slack_modals_submitted_at_once_count_once(pg_url: str) -> None:
    """Two modals of one person (opened twice from the DM) submitted together on PostgreSQL: one answer."""
    import asyncio

    from tests.support.harness import running

    async with running(pg_url, teams=False) as bot:
        round_id = await _slack_round(bot)
        first, second = await press_dm(bot, "U2"), await press_dm(bot, "U2")
        responses = await asyncio.gather(
            bot.submit(first["private_metadata"], ANSWER, user="U2"),
            bot.submit(second["private_metadata"], {**ANSWER, "burnout": "5"}, user="U2"))
        assert [r.status for r in responses] == [200, 200]
        await bot.idle()
        assert await bot.runtime.store.pulse.answer_count(round_id) == 1
        said = "\n".join(text_of(c.params) for c in _slack_said(bot))
        assert "Thanks — answered" in said and "not* counted" in said


# ---- comments full of markup, on every surface they reach ------------------------------------------------
HOSTILE = ["<@U3> never answers <!channel>", "see <https://evil.example/login|the new policy>",
           "[click here](https://evil.example) <at>Ana</at>", "Person U4 & **bold**"]


async def test_comments_with_mentions_and_links_stay_dead_text_in_slack_results(bot: Harness) -> None:
    await _slack_round(bot)
    for i, user in enumerate(("U2", "U3", "U4", "U5", "U6", "U7")):
        await answer_slack(bot, user, {**ANSWER, "comment": HOSTILE[i % len(HOSTILE)]})
    await bot.slash_reply("/pulse", "close", user="U1")
    await bot.settle()
    shown = await bot.slash_reply("/pulse", "results", user="U1")
    texts = block_texts(shown)
    assert "Comments" in texts
    for raw in ("<@U3>", "<!channel>", "<https://evil.example/login|"):
        assert raw not in texts and raw not in json.dumps(shown), raw
    assert "&lt;@U3&gt;" in texts and "&lt;!channel&gt;" in texts
    assert all(b["text"].get("verbatim") for b in shown["blocks"] if isinstance(b.get("text"), dict)
               and b["text"].get("type") == "mrkdwn")


async def test_comments_with_links_stay_dead_text_in_teams_results(bot: Harness) -> None:
    for user, (name, aad) in {**TEAM, "29:u4": ("Dee", "aad-4"), "29:u5": ("Eve", "aad-5"),
                              "29:u6": ("Fay", "aad-6")}.items():
        bot.connector.add_member(user, name, aad, role="owner" if user == "29:lead" else "user")
    await channel(bot, "pulse now")
    await bot.settle()
    for i, user in enumerate(("29:u1", "29:u2", "29:u3", "29:u4", "29:u5", "29:u6")):
        data = pulse_cards(bot, user)[-1].card["actions"][0]["data"]  # type: ignore[index]
        await bot.teams(bot.activity(user=user, name="x", aad=f"aad-{user}", reply_to_id=f"card-{user}",
                                     value={**data, **SCORES, "comment": HOSTILE[i % len(HOSTILE)]}))
    await channel(bot, "pulse close")
    await bot.settle()
    shown: Sent = await channel(bot, "pulse results", user="29:u1")
    card = json.dumps(shown.card)
    assert "never answers" in card  # the comments are there …
    assert "](https://evil" not in card and "https://evil" not in card  # … and no link is live


async def test_a_teams_action_execute_error_shows_once_on_the_card_not_also_in_the_chat(bot: Harness) -> None:
    """A Universal Action's short answer ("Missing: …") is the invoke's message, shown on the card the person
    pressed; it is not posted to the chat as well (it showed twice)."""
    data = await _teams_round(bot)
    before = len(bot.connector.sent)
    value = {"action": {"type": "Action.Execute", "verb": "submit", "data": {**data, **SCORES, "burnout": None}}}
    response = await bot.client.post("/api/messages", json=_execute(bot, "29:u1", value))
    body = await response.json()
    assert body["type"] == "application/vnd.microsoft.activity.message" and "Missing: Burnout" in body["value"]
    await bot.teams_settled()
    posted = [plain(s) for s in bot.connector.sent[before:] if s.kind in ("send", "reply")]
    assert not any("Missing" in text for text in posted), posted
