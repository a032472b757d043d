"""Pulse on Teams through the real wire: typed commands in a channel, 1:1 chats created from the roster, the
questionnaire as an Adaptive Card form, the card updated to "thanks — answered", results as a card."""

from __future__ import annotations

from typing import Any

from handlers.core.types import Platform
from support.bf_connector import Sent
from tests.support.cards import assert_valid_card
from tests.support.harness import Harness

TEAM = {"29:lead": ("Lea", "aad-lead"), "29:u1": ("Ana", "aad-1"), "29:u2": ("Ben", "aad-2"),
        "29:u3": ("Cai", "aad-3")}  # three people besides the lead: what `min 3` needs
SCORES = {"exhaustion": "3", "cynicism": "4", "efficacy": "4", "workload": "3", "burnout": "2"}


def plain(sent: Sent) -> str:
    return sent.text.replace("**", "")


def roster(bot: Harness) -> None:
    for user, (name, aad) in TEAM.items():
        bot.connector.add_member(user, name, aad, role="owner" if user == "29:lead" else "user")


async def channel(bot: Harness, text: str, user: str = "29:lead") -> Sent:
    before = len(bot.connector.sent)
    name, aad = TEAM[user]
    await bot.teams(bot.activity(text, user=user, name=name, aad=aad, conversation_type="channel", mention=True))
    return (await bot.connector.wait_for(before + 1))[before]


def pulse_cards(bot: Harness, user: str) -> list[Sent]:
    return [s for s in bot.connector.sent if s.kind in ("send", "reply") and s.conversation_id == f"a:1on1-{user}"
            and s.card is not None and any(b.get("type") == "Input.ChoiceSet" for b in s.card.get("body", []))]


async def answer(bot: Harness, user: str, scores: dict[str, str] | None = None, comment: str = "") -> Sent:
    card = pulse_cards(bot, user)[-1].card
    assert card is not None
    submit: dict[str, Any] = card["actions"][0]["data"]
    name, aad = TEAM[user]
    before = len(bot.connector.sent)
    await bot.teams(bot.activity(user=user, name=name, aad=aad, value={**submit, **(scores or SCORES),
                                                                        "comment": comment},
                                 reply_to_id=f"card-{user}"))
    return (await bot.connector.wait_for(before + 1))[before]


async def test_teams_pulse_from_the_roster_to_results_2_against_3(bot: Harness) -> None:
    roster(bot)
    # Ben told Teams his timezone when he last wrote to the bot
    await bot.teams(bot.activity("help", user="29:u2", name="Ben", aad="aad-2", local_timezone="Asia/Tokyo"))
    assert "at least 3 answers" in plain(await channel(bot, "steadybot settings min 3"))
    assert "Results need at least 3" in plain(await channel(bot, "steadybot settings min 2"))
    assert "Only the channel's creator" in plain(await channel(bot, "pulse now", user="29:u1"))
    await channel(bot, "steadybot settings quiet 17:00-08:00")  # 18:00 in Tokyo: Ben's DM waits

    announced = await channel(bot, "pulse now")
    assert "on its way to 4 people" in plain(announced) and "1 person will get it a little later" in plain(announced)
    await bot.settle()
    # the bot created each 1:1 from the roster and kept the reference
    assert sorted(c["members"][0]["id"] for c in bot.connector.created) == ["29:lead", "29:u1", "29:u3"]
    for user in ("29:lead", "29:u1", "29:u3"):
        [dm] = pulse_cards(bot, user)
        assert dm.card is not None
        assert_valid_card(dm.card)
        assert "Pulse check-in" in plain(dm) and "at least 3 people" in plain(dm)
        assert [b["id"] for b in dm.card["body"] if "id" in b] == [*SCORES, "comment"]
    line = await bot.runtime.store.identities.direct_line(Platform.TEAMS, "29:u1")
    assert line is not None and line.dm_reference and not line.dm_reference.get("seed")
    assert pulse_cards(bot, "29:u2") == []

    thanks = await answer(bot, "29:u1", comment="Sprint was heavy")
    assert thanks.kind == "update" and thanks.reply_to == "card-29:u1" and "Thanks — answered" in plain(thanks)
    double = await answer(bot, "29:u1", {**SCORES, "exhaustion": "1"})
    assert double.kind == "update" and "not counted" in plain(double)
    await answer(bot, "29:lead")
    assert "not enough answers yet" in plain(await channel(bot, "pulse results", user="29:u1"))
    await channel(bot, "pulse close")
    hidden = plain(await channel(bot, "pulse results", user="29:u1"))
    assert "closed with 2 of 4 answered — not enough for results (they need 3 besides the sender's own)" in hidden
    assert "Sprint was heavy" not in hidden and "Energy" not in hidden

    await channel(bot, "steadybot settings quiet off")
    await channel(bot, "pulse now")
    await bot.settle()
    assert len(pulse_cards(bot, "29:u2")) == 1  # Ben's 1:1 created now
    await answer(bot, "29:lead", comment="More focus time please")
    await answer(bot, "29:u1", {**SCORES, "burnout": "4"})
    await answer(bot, "29:u3")
    completed = await answer(bot, "29:u2", {**SCORES, "exhaustion": "5"})
    assert "Thanks — answered" in plain(completed)
    shown = await channel(bot, "pulse results", user="29:u2")
    assert shown.card is not None
    assert_valid_card(shown.card)
    assert "4 of 4 answered (100%)" in plain(shown) and "• Energy — 3.5 of 5" in plain(shown)
    assert "answers by level: 1: 0 · 2: 0 · 3–5: 4" in plain(shown)  # not 0·0·3·0·1: Ben's 5 stays merged
    # three answers besides the lead's: enough for figures, not for comments (they need max(k, 5))
    assert "More focus time please" not in plain(shown) and "Sprint was heavy" not in plain(shown)
    assert "Comments show only for rounds with at least 5 answers" in plain(shown)
    assert "Some, but not all, of the 4 answers at burnout level 3 or higher" in plain(shown)  # not "1 of 4"

    # the private journal goes to the person's 1:1 chat, never to the channel
    before = len(bot.connector.sent)
    await bot.teams(bot.activity("pulse me", user="29:u1", name="Ana", aad="aad-1", conversation_type="channel",
                                 mention=True))
    sent = (await bot.connector.wait_for(before + 2))[before:]
    private = next(s for s in sent if s.conversation_id == "a:1on1-29:u1")
    public = next(s for s in sent if s.conversation_id != "a:1on1-29:u1")
    assert "journal is off" in plain(private)  # Ana was asked once, after her first answer
    assert "private chat" in plain(public) and "journal" not in plain(public)
