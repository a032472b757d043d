"""Issue 13, item 8: an outsider (an ordinary member of another channel, or someone with only a 1:1 chat with
the bot) cannot act on another channel's meeting, question, timer or prompt — on either platform, across
platforms, with copied, forged, altered or replayed button values, card data or modal metadata. Real signed
Slack requests through Bolt and real activities through botbuilder; the platforms are fakes."""

from __future__ import annotations

import json
from typing import Any

from bot.sealing import INVALID, ActionSeal
from bot.secret import Secret
from handlers.core.ownership import NOT_HERE
from handlers.core.types import Platform
from handlers.meetings.ports import Meeting
from support import wire
from tests.support.harness import Harness
from tests.support.meetings_helpers import buttons, command, last_modal, posts, team, text_of

QUESTION = "Which of the two login designs do we ship?"
EVIL = "29:evil"


async def _meeting(bot: Harness) -> tuple[dict[str, Any], Meeting]:
    """Ana (U1) registers a meeting in #C1 with a pre-read question; Mallory (U9) only has #C2."""
    team(bot)
    bot.slack.add_user("U9", "Mallory")
    bot.slack.add_channel("C2", "U9", ["U9", "UBOT"])
    await command(bot, "/meeting", "Sprint review tomorrow 3pm for 45m")
    registered = posts(bot)[-1]
    await command(bot, "/agenda", f"question {QUESTION}")
    [meeting] = await bot.runtime.store.meetings.upcoming(Platform.SLACK, "C1", bot.clock.now(), 5)
    return registered, meeting


async def _untouched(bot: Harness, meeting: Meeting) -> None:
    store = bot.runtime.store.meetings
    now = await store.get(meeting.id)
    assert now is not None and now.status == "scheduled" and now.duration_minutes == meeting.duration_minutes
    assert await store.agenda(meeting.id) == []
    assert not any(q.answered for q in await store.questions(meeting.id))


async def _press_as_mallory(bot: Harness, action_id: str, value: str, channel: str = "C2") -> str:
    before, views = len(bot.slack.responses), len(bot.slack.calls_to("views.open"))
    response = await bot.press(action_id, value, user="U9", channel=channel)
    assert response.status == 200
    await bot.idle()
    assert len(bot.slack.calls_to("views.open")) == views, "a form opened: the meeting's details were read"
    said = [text_of(r) or str(r.get("text")) for r in bot.slack.responses[before:]]
    assert said, "silence"
    return "\n".join(said)


async def test_a_button_copied_into_another_channel_or_a_dm_does_nothing(bot: Harness) -> None:
    registered, meeting = await _meeting(bot)
    for label in ("Add an agenda item", "Cancel it"):
        action_id, value = buttons(registered)[label]
        for channel in ("C2", "D9"):
            said = await _press_as_mallory(bot, action_id, value, channel)
            assert INVALID in said and QUESTION not in said and "Sprint review" not in said, (label, channel, said)
    await _untouched(bot, meeting)
    # the same buttons still work where they were posted
    action_id, value = buttons(registered)["Add an agenda item"]
    await bot.press(action_id, value, user="U2", channel="C1")
    await bot.idle()
    assert last_modal(bot)["type"] == "modal"


async def test_forged_altered_and_misrouted_values_do_nothing(bot: Harness) -> None:
    registered, meeting = await _meeting(bot)
    action_id, value = buttons(registered)["Cancel it"]
    body, expiry, mac = value.split(".")
    other_secret = ActionSeal(Secret(b"another-secret-0123456789-0123456789").signer("actions"))
    forged = {
        "the bare meeting id": str(meeting.id),
        "another meeting id, same seal": f"{wire.sealed_body('meeting.cancel', str(meeting.id + 1))}.{expiry}.{mac}",
        "an altered seal": f"{body}.{expiry}.{mac[:-2]}{'AA' if not mac.endswith('AA') else 'BB'}",
        "an expiry added": f"{body}.9999999999.{mac}",
        "sealed under another secret": other_secret.for_binding("slack:c:C1")("meeting.cancel", str(meeting.id)),
        "sealed for another action": bot.sealed("agenda.remove", str(meeting.id)),
        "sealed for Teams with the same channel id": bot.sealed("meeting.cancel", str(meeting.id), channel="C1",
                                                                platform=Platform.TEAMS),
        "JSON": json.dumps({"id": meeting.id}),
        "empty": "",
    }
    for why, bad in forged.items():
        said = await _press_as_mallory(bot, action_id, bad, channel="C1")
        assert INVALID in said, (why, said)
    await _untouched(bot, meeting)


async def test_modal_metadata_cannot_be_forged_or_replayed_by_someone_else(bot: Harness) -> None:
    registered, meeting = await _meeting(bot)
    phish = {"item": "Reset your password at https://evil.example/login", "minutes": ""}

    async def submit_as_mallory(metadata: dict[str, Any] | str) -> str:
        before = len(bot.slack.calls_to("chat.postMessage"))
        assert (await bot.submit(metadata, phish, user="U9")).status == 200
        await bot.idle()
        sent = [c.params for c in bot.slack.calls_to("chat.postMessage")[before:]]
        assert sent and all(p["channel"] == "U9" for p in sent), sent  # told privately, nothing in #C1
        return "\n".join(text_of(p) for p in sent)

    plain = {"f": "agenda.add", "c": str(meeting.id), "ch": "C1", "tm": "T1"}
    assert INVALID in await submit_as_mallory(plain)
    assert INVALID in await submit_as_mallory(bot.sealed_metadata(plain, user="U1"))  # Ana's, replayed
    # Ana's real modal, submitted by Mallory
    action_id, value = buttons(registered)["Add an agenda item"]
    await bot.press(action_id, value, user="U1", channel="C1")
    await bot.idle()
    assert INVALID in await submit_as_mallory(last_modal(bot)["private_metadata"])
    await _untouched(bot, meeting)


async def test_teams_card_data_cannot_reach_a_slack_meeting(bot: Harness) -> None:
    """Mallory has only a 1:1 chat with the bot in Teams and knows (or guesses) the ids, which count up."""
    registered, meeting = await _meeting(bot)
    [question] = await bot.runtime.store.meetings.questions(meeting.id)
    slack_sealed = buttons(registered)["Cancel it"][1]
    values = [
        {"steadybot_action": "agenda.answer", "steadybot_value": str(question.id)},
        {"steadybot_action": "agenda.add", "steadybot_value": str(meeting.id)},
        {"steadybot_action": "meeting.cancel", "steadybot_value": str(meeting.id)},
        {"steadybot_action": "meeting.cancel", "steadybot_value": slack_sealed},  # copied from Slack
        {"steadybot_form": "agenda.answer", "steadybot_context": str(question.id), "answer": "see https://evil"},
        {"steadybot_form": "agenda.add", "steadybot_context": str(meeting.id), "item": "[Login](https://evil)"},
    ]
    for value in values:
        before = len(bot.connector.sent)
        response = await bot.teams(bot.activity("", user=EVIL, name="Mallory", aad="aad-evil", value=value))
        assert response.status in (200, 201)
        answers = bot.connector.sent[before:]
        assert answers and all(INVALID in s.text for s in answers), (value, [s.text for s in answers])
        assert not any(QUESTION in s.text or "Sprint review" in s.text for s in answers)
    await _untouched(bot, meeting)


async def test_the_core_checks_the_place_even_for_a_value_the_bot_sealed_elsewhere(bot: Harness) -> None:
    """Defence in depth: were a value sealed for #C2 to name #C1's meeting (a bug in a reply), the core
    still refuses it (handlers/core/ownership.py)."""
    _, meeting = await _meeting(bot)
    [question] = await bot.runtime.store.meetings.questions(meeting.id)
    for action, value in (("agenda.add", str(meeting.id)), ("meeting.cancel", str(meeting.id)),
                          ("meeting.shorten", str(meeting.id)), ("agenda.answer", str(question.id))):
        said = await _press_as_mallory(bot, f"{action}#0", bot.sealed(action, value, channel="C2", user="U9"))
        assert NOT_HERE in said, (action, said)
        said = await _press_as_mallory(bot, f"{action}#0", bot.sealed(action, value, channel="D9", user="U9"),
                                       channel="D9")
        assert NOT_HERE in said, (action, said)
    before = len(bot.connector.sent)
    sealed = bot.sealed("agenda.answer", str(question.id), channel=f"a:1on1-{EVIL}", user=EVIL,
                        platform=Platform.TEAMS)
    await bot.teams(bot.activity("", user=EVIL, value={"steadybot_action": "agenda.answer",
                                                       "steadybot_value": sealed}))
    assert NOT_HERE in bot.connector.sent[before].text and QUESTION not in bot.connector.sent[before].text
    await _untouched(bot, meeting)


async def test_the_organisers_private_no_agenda_buttons_work_from_their_dm(bot: Harness) -> None:
    _, meeting = await _meeting(bot)
    sealed = bot.sealed("meeting.shorten", str(meeting.id), channel="D1", user="U1")
    await bot.press("meeting.shorten#1", sealed, user="U1", channel="D1")
    await bot.idle()
    shortened = await bot.runtime.store.meetings.get(meeting.id)
    assert shortened is not None and shortened.duration_minutes == 15
    # the same DM button in someone else's DM: neither the seal nor the core lets it through
    said = await _press_as_mallory(bot, "meeting.cancel#2", sealed, channel="D9")
    assert INVALID in said
    assert (await bot.runtime.store.meetings.get(meeting.id)).status == "scheduled"  # type: ignore[union-attr]


async def test_a_pulse_form_is_sealed_for_the_person_it_was_sent_to(bot: Harness) -> None:
    team(bot)
    bot.slack.add_user("U9", "Mallory")
    metadata = bot.sealed_metadata({"f": "pulse.answer", "c": "1", "ch": "D2", "tm": "T1"}, user="U2")
    before = len(bot.slack.calls_to("chat.postMessage"))
    await bot.submit(metadata, {"exhaustion": "1"}, user="U9")
    await bot.idle()
    [told] = bot.slack.calls_to("chat.postMessage")[before:]
    assert told.params["channel"] == "U9" and INVALID in text_of(told.params)


async def test_a_prompt_from_the_teams_message_action_has_working_sealed_buttons(bot: Harness) -> None:
    from tests.support.meetings_helpers import card_actions
    from tests.wire.test_reports_shortcut import submit_action

    assert (await bot.client.post("/api/messages", json=submit_action(bot, "can we also add SSO?", "17000001"))
            ).status == 200
    await bot.settle()
    prompt = next(s for s in bot.connector.sent if "Drop something" in str(s.card))
    dismiss = card_actions(prompt)["Not scope creep"]
    assert dismiss["steadybot_value"].count(".") == 2  # sealed
    # the same data pressed from a 1:1 chat or from Slack does nothing
    before = len(bot.connector.sent)
    await bot.teams(bot.activity("", user=EVIL, value=dismiss))
    assert INVALID in bot.connector.sent[before].text
    said = await _press_as_mallory(bot, "scope.dismiss#3", dismiss["steadybot_value"], channel="C1")
    assert INVALID in said
    # pressed in its own channel, it works
    await bot.teams(bot.activity("", conversation_type="channel", conversation=prompt.conversation_id, value=dismiss,
                                 reply_to_id=prompt.activity.get("id") or "x"))
    assert INVALID not in bot.connector.sent[-1].text
