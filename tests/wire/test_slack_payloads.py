"""Slack payloads → `Inbound`s (bot/slack/payloads.py, called once per request by the Bolt middleware): which
request becomes what, with which de-duplication key, where its answer goes, and what asks nothing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from bot.inbound import OpenForm, Typed
from bot.sealing import ActionSeal
from bot.slack import payloads, render
from handlers.core.signing import Signer
from handlers.core.types import ChatMessage, Command, Form, Interaction, Platform
from support import wire

SEAL = ActionSeal(Signer(b"payload-test-key-0123456789abcdef"))
BOT = "UBOT"


def _form(body: str) -> dict[str, Any]:
    return dict(parse_qsl(body))


def _event(event: dict[str, Any], event_id: str = "Ev1") -> dict[str, Any]:
    return json.loads(wire.event_body(event, event_id=event_id))


def test_a_slash_command_is_built_and_cleaned_here_once() -> None:
    parsed = payloads.parse(_form(wire.slash_body("/Agenda", "  add\u202e  Demo\t 5m ", trigger_id="T-1")))
    assert parsed is not None and parsed.inbound is not None
    cmd = parsed.inbound.request
    assert isinstance(cmd, Command)
    assert (cmd.name, cmd.text, cmd.who.id, cmd.where.channel_id) == ("agenda", "add Demo 5m", "U1", "C1")
    assert parsed.inbound.key == "slack:cmd:T-1"
    assert parsed.to.respond and parsed.to.trigger_id == "T-1"  # ephemeral answers; a form may open


def test_an_unreadable_command_asks_nothing() -> None:
    assert payloads.parse({"command": "/agenda", "text": "x", "channel_id": "C1"}) is None  # no user
    assert payloads.parse({"command": "", "user_id": "U1", "channel_id": "C1"}) is None


def test_a_mention_is_a_typed_line_without_the_mention() -> None:
    parsed = payloads.parse(_event({"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.1",
                                    "text": "<@UBOT>  agenda add Review <@U2|bo> notes"}), BOT)
    assert parsed is not None and parsed.inbound is not None
    typed = parsed.inbound.request
    # the bot's own mention is taken off; another person's stays, as Slack named them (bot/slack/markup.py)
    assert isinstance(typed, Typed) and typed.text == "agenda add Review @bo notes"
    assert parsed.inbound.key == "slack:event:Ev1" and parsed.to.where.channel_id == "C1"


def test_a_dm_is_typed_and_a_channel_message_goes_to_the_watchers_in_its_thread() -> None:
    dm = payloads.parse(_event({"type": "message", "channel_type": "im", "user": "U1", "channel": "D1",
                                "ts": "2.1", "text": "<@UBOT> pulse me"}), BOT)
    assert dm is not None and dm.inbound is not None
    assert isinstance(dm.inbound.request, Typed) and dm.inbound.request.text == "pulse me"
    chat = payloads.parse(_event({"type": "message", "channel_type": "channel", "user": "U1", "channel": "C1",
                                  "ts": "3.1", "text": "can we also add export?"}), BOT)
    assert chat is not None and chat.inbound is not None and isinstance(chat.inbound.request, ChatMessage)
    assert chat.to.where.thread_id == "3.1"  # the watcher answers in the message's thread
    assert chat.inbound.key == ""  # chat is never de-duplicated: the watchers claim what they answer


def test_messages_that_ask_nothing() -> None:
    own = {"type": "message", "channel_type": "channel", "user": BOT, "channel": "C1", "ts": "4.1", "text": "hi"}
    to_the_bot = {**own, "user": "U1", "text": "<@UBOT> agenda show"}  # app_mention carries it
    edited_dm = {"type": "message", "subtype": "message_changed", "channel": "D1", "channel_type": "im",
                 "message": {"user": "U1", "text": "pulse me", "ts": "5.1"}}
    for event in (own, to_the_bot, edited_dm):
        assert payloads.parse(_event(event), BOT) is None, event
    assert payloads.parse(_event({"type": "reaction_added", "user": "U1"}), BOT) is None


def test_a_launch_button_opens_a_form_and_home_buttons_are_not_sealed() -> None:
    launch = payloads.parse(wire.block_action(f"{render.FORM_OPEN}#0", "sealed", trigger_id="TR", is_ephemeral=True))
    assert launch is not None and launch.inbound is not None
    assert isinstance(launch.inbound.request, OpenForm) and launch.inbound.sealed  # the pipeline opens it
    assert launch.inbound.key == "slack:action:TR" and launch.to.trigger_id == "TR"
    assert launch.to.respond and launch.to.origin_is_ephemeral
    home = wire.block_action("home.refresh#0", "x", trigger_id="TH")
    del home["channel"], home["container"]  # a press on the App Home tab has no conversation
    parsed = payloads.parse(home)
    assert parsed is not None and parsed.inbound is not None and not parsed.inbound.sealed
    assert parsed.to.where.is_direct and parsed.to.where.channel_id == "U1" and not parsed.to.respond
    assert parsed.inbound.key == "slack:home:TH:home.refresh"


def test_a_modal_is_run_only_with_the_bots_seal_for_this_person() -> None:
    meta = {"f": "agenda.add", "c": "m1", "ch": "C1", "tm": "T1"}
    good = wire.view_submission(SEAL.seal_metadata(meta, Platform.SLACK, "U1"), {"item": "Demo"})
    parsed = payloads.parse(good, BOT, SEAL)
    assert parsed is not None and parsed.inbound is not None and not parsed.refused
    form = parsed.inbound.request
    assert isinstance(form, Interaction) and form.form_values == {"item": "Demo"}
    assert (form.action, form.value, form.where.channel_id) == ("agenda.add", "m1", "C1")
    assert not parsed.inbound.sealed  # its metadata was the seal, opened here
    for forged in (json.dumps(meta), SEAL.seal_metadata(meta, Platform.SLACK, "U2")):
        refused = payloads.parse(wire.view_submission(forged, {"item": "Demo"}), BOT, SEAL)
        assert refused is not None and refused.refused and refused.inbound is None
        assert refused.to.where.is_direct and refused.to.user_id == "U1"  # answered in the person's DM


def test_the_launch_value_is_the_shared_one() -> None:
    from bot.inbound import launch_value, read_launch

    form = Form("pulse.answer", "Pulse", (), context="r1")
    blocks = render.message_blocks(_reply_with(form))
    values = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert values == [launch_value(form)] and read_launch(values[0]) == ("pulse.answer", "r1")


def _reply_with(form: Form) -> Any:
    from handlers.core.types import Reply

    return Reply(text="Answer the pulse", form=form)


def test_payloads_is_the_one_place_slack_builds_core_requests() -> None:
    """Listeners and the middleware hand on what `parse` built; none builds a Command or an Interaction."""
    import re
    from pathlib import Path

    root = Path(payloads.__file__).parent
    builders = re.compile(r"\b(Command|Interaction|Typed|OpenForm)\(")
    found = sorted(str(path.relative_to(root)) for path in root.rglob("*.py") if builders.search(path.read_text()))
    assert found == ["home.py", "payloads.py"]  # home.py: the Home tab's own view, which no request asks for
