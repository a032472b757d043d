"""Scope creep through the real Teams wire: channel messages received through resource-specific consent,
thread replies in the reply chain, Adaptive Card actions as activities with a `value`."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.types import Place, Platform
from handlers.scope.api import decisions_summary
from support import bf_connector
from tests.support.cards import assert_valid_card
from tests.support.harness import Harness
from tests.support.scope_helpers import ORDINARY, SCOPE_CREEP, card_actions, teams_channel_message

CHANNEL = Place(Platform.TEAMS, bf_connector.CHANNEL_ID)
THREAD = f"{bf_connector.CHANNEL_ID};messageid=m-100"


async def _say(bot: Harness, text: str, message_id: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
    response = await bot.teams(teams_channel_message(bot, text, message_id, **kwargs))
    assert response.status in (200, 201), await response.text()


async def _press(bot: Harness, data: dict, *, reply_to: str = "activity-1", conversation: str = THREAD,
                 user: str = "29:u2", **form: str) -> None:
    activity = bot.activity(conversation_type="channel", conversation=conversation, value={**data, **form},
                            reply_to_id=reply_to, user=user, aad="aad-2")
    response = await bot.teams(activity)
    assert response.status in (200, 201), await response.text()


def _prompts(bot: Harness) -> list[bf_connector.Sent]:
    return [s for s in bot.connector.sent if s.kind in ("send", "reply") and "Drop something" in card_actions(s.card)]


async def _summary(bot: Harness):  # type: ignore[no-untyped-def]
    return await decisions_summary(bot.runtime.services, CHANNEL, bot.clock.now() - timedelta(days=1))


async def test_channel_message_gets_one_prompt_in_its_reply_chain(bot: Harness) -> None:
    await _say(bot, ORDINARY, "m-099")
    await _say(bot, SCOPE_CREEP, "m-100")
    prompts = _prompts(bot)
    assert len(prompts) == 1
    prompt = prompts[0]
    assert prompt.conversation_id == THREAD  # a reply to the message, in its thread
    assert "CSV export to the release" in prompt.text
    assert list(card_actions(prompt.card)) == ["Drop something", "Extend the deadline", "Park it", "Not scope creep"]
    assert_valid_card(prompt.adaptive_card)
    # more asks in the same reply chain: nothing more
    await _say(bot, "one more thing for the release — the client wants dark mode", "m-101", root="m-100")
    # the same activity redelivered: nothing more
    await _say(bot, SCOPE_CREEP, "m-100")
    assert len(_prompts(bot)) == 1


async def test_bot_mentions_are_commands_not_chat(bot: Harness) -> None:
    activity = teams_channel_message(bot, SCOPE_CREEP, "m-200")
    activity = bot.activity(SCOPE_CREEP, conversation_type="channel", conversation=activity["conversation"]["id"],
                            activity_id="m-200", mention=True)
    await bot.teams(activity)
    assert _prompts(bot) == []
    assert "I don't know" in bot.connector.sent[-1].text


async def test_drop_a_listed_commitment_with_card_actions(bot: Harness) -> None:
    for item in ("Billing page redesign", "Mobile onboarding"):
        await bot.teams(bot.activity(f"tradeoff commit {item}", conversation_type="channel", mention=True))
    await _say(bot, SCOPE_CREEP, "m-100")
    prompt = _prompts(bot)[-1]
    await _press(bot, card_actions(prompt.card)["Drop something"], reply_to="activity-3")
    choices = bot.connector.sent[-1]
    assert choices.kind == "update" and choices.reply_to == "activity-3"
    assert_valid_card(choices.adaptive_card)
    actions = card_actions(choices.card)
    assert list(actions) == ["Drop: Billing page redesign", "Drop: Mobile onboarding", "Type it in…", "Back"]
    await _press(bot, actions["Drop: Billing page redesign"], reply_to="activity-3")
    decided = bot.connector.sent[-1]
    assert decided.kind == "update" and decided.reply_to == "activity-3"
    assert "dropped ‘Billing page redesign’" in decided.text or "dropped “Billing page redesign”" in decided.text
    assert "actions" not in decided.adaptive_card
    summary = await _summary(bot)
    assert (summary.added, summary.dropped) == (1, 1)


async def test_type_it_in_on_the_card(bot: Harness) -> None:
    await _say(bot, SCOPE_CREEP, "m-100")
    prompt = _prompts(bot)[-1]
    await _press(bot, card_actions(prompt.card)["Drop something"])
    choices = bot.connector.sent[-1]
    assert "no commitments list yet" in choices.text
    await _press(bot, card_actions(choices.card)["Type it in…"])
    form = bot.connector.sent[-1]
    assert form.kind == "update"
    assert_valid_card(form.adaptive_card)
    assert [b.get("id") for b in form.adaptive_card["body"] if b.get("id")] == ["dropped", "added"]
    submit = card_actions(form.card)["Drop it"]
    await _press(bot, submit, dropped="", added="")
    assert "what we drop" in bot.connector.sent[-1].text
    await _press(bot, submit, dropped="the admin dashboard", added="CSV export")
    decided = bot.connector.sent[-1]
    assert decided.kind == "update" and "Added “CSV export”; dropped “the admin dashboard”" in decided.text


async def test_extend_park_and_dismiss_on_cards(bot: Harness) -> None:
    await _say(bot, SCOPE_CREEP, "m-100")
    await _press(bot, card_actions(_prompts(bot)[-1].card)["Extend the deadline"])
    choices = bot.connector.sent[-1]
    assert list(card_actions(choices.card)) == ["+1 day", "+1 week", "Other…", "Back"]
    await _press(bot, card_actions(choices.card)["Other…"])
    form = bot.connector.sent[-1]
    await _press(bot, card_actions(form.card)["Extend"], by="2 weeks")
    assert "deadline +2 weeks" in bot.connector.sent[-1].text

    await _say(bot, "wouldn't it be cool if the bot also posted a weekly summary to the channel", "m-300")
    thread = f"{bf_connector.CHANNEL_ID};messageid=m-300"
    await _press(bot, card_actions(_prompts(bot)[-1].card)["Park it"], conversation=thread)
    assert "Parked “wouldn't it be cool if the bot also posted a weekly summary" in bot.connector.sent[-1].text

    await _say(bot, "quick addition to the sprint: a date filter on the reports page", "m-400")
    thread = f"{bf_connector.CHANNEL_ID};messageid=m-400"
    await _press(bot, card_actions(_prompts(bot)[-1].card)["Not scope creep"], conversation=thread)
    assert "not scope creep" in bot.connector.sent[-1].text
    summary = await _summary(bot)
    assert (summary.extended, summary.parked, summary.dismissed, summary.false_alarms) == (1, 1, 1, 1)


async def test_watch_off_in_teams(bot: Harness) -> None:
    bot.connector.add_member("29:lead", "Lea", "aad-lead", role="owner")
    await bot.teams(bot.activity("steadybot settings scope off", user="29:lead", aad="aad-lead",
                                 conversation_type="channel", mention=True))
    assert "off (sensitivity normal)" in bot.connector.sent[-1].text
    await _say(bot, SCOPE_CREEP, "m-500")
    assert _prompts(bot) == []


async def test_tradeoff_typed_to_the_bot(bot: Harness) -> None:
    await bot.teams(bot.activity("tradeoff add SSO to the MVP", conversation_type="channel", mention=True))
    prompt, note = bot.connector.sent[-2:]
    assert "New request" in prompt.text and "SSO to the MVP" in prompt.text
    assert list(card_actions(prompt.card))[-1] == "Never mind"
    assert "I asked the channel" in note.text and "tradeoff commit" in note.text
    await bot.teams(bot.activity("tradeoff", conversation_type="channel", mention=True))
    assert "For example" in bot.connector.sent[-1].text
    await bot.teams(bot.activity("tradeoff add SSO", conversation_type="personal"))
    assert "belong to a team's channel" in bot.connector.sent[-1].text
