"""Messages are rendered as plain dicts (bot/slack/render.py, docs/benchmarks.md#time-to-the-reply-slack): the
JSON Slack receives is byte for byte what slack_sdk.models gave for the same reply, sealed or not."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.inbound import launch_value
from bot.sealing import ActionSeal
from bot.slack import render
from handlers.core.signing import Signer
from handlers.core.types import Button, Choice, Field, Form, Place, Platform, Reply
from handlers.meetings.api import MeetingNow
from handlers.scope import cards
from handlers.scope.ports import COMMAND, WATCH, Item, ItemKind, Outcome, Prompt, Source


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _sdk_button(button: Button, index: int) -> ButtonElement:
    confirm = None
    if button.confirm:
        confirm = ConfirmObject(title="Are you sure?", text=_md(render._cut_md(render.mrkdwn(button.confirm), 300)),
                                confirm="Yes", deny="No")
    return ButtonElement(
        text=render._cut(button.label, 75),
        action_id=render.action_id(button, index),
        value=render._cut(button.value, 2000) if button.value else None,
        style=button.style if button.style in ("primary", "danger") else None,
        confirm=confirm,
        url=button.url[:3000] if button.url else None,
    )


def sdk_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The rendering through slack_sdk.models, as bot/slack/render.py did it before the plain dicts."""
    blocks: list[Block] = [SectionBlock(text=_md(chunk)) for chunk in render._chunks(render.mrkdwn(reply.text))]
    for start in range(0, len(reply.facts), 10):
        fields = [_md(render._cut_md(f"*{render.mrkdwn(label)}*\n{render.mrkdwn(value)}", 2000))
                  for label, value in reply.facts[start:start + 10]]
        blocks.append(SectionBlock(fields=fields))
    elements = [_sdk_button(b, i) for i, b in enumerate(reply.buttons)]
    if reply.form is not None:
        elements.append(ButtonElement(text=render._cut(reply.form.launch_label, 75),
                                      action_id=f"{render.FORM_OPEN}#{len(elements)}",
                                      value=launch_value(reply.form), style="primary"))
    for start in range(0, len(elements), 5):
        blocks.append(ActionsBlock(elements=elements[start:start + 5]))
    if not blocks:
        blocks.append(SectionBlock(text=_md("…")))
    if len(blocks) > render.MAX_BLOCKS:
        blocks = blocks[: render.MAX_BLOCKS - 1] + [ContextBlock(elements=[_md("(shortened)")])]
    return [block.to_dict() for block in blocks]


SEAL = ActionSeal(Signer(b"k" * 32)).for_place(Place(Platform.SLACK, "C1", "T1"), "U1")
FORM = Form("pulse.answer", "Pulse", (Field("q1", "Energy", choices=(Choice("1", "low"), Choice("5", "high"))),),
            context="7", launch_label="Answer")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _prompt(source: Source, outcome: Outcome | None = None) -> Prompt:
    return Prompt(id=41, place=Place(Platform.SLACK, "C1", "T1", "1770000000.000001"), source=source,
                  request="Can we also add <!channel> a PDF export?", quote="add a **PDF** export & more",
                  score=4.0, created_at=NOW, outcome=outcome, added="PDF", dropped="CSV", extension="+1 week")


def _item(n: int) -> Item:
    return Item(id=n, kind=ItemKind.COMMITMENT, text=f"commitment {n} <@U2>", created_at=NOW)


REPLIES = [
    Reply(""),
    Reply("plain"),
    Reply("**Bold** and <!here> & <https://x|y>", facts=(("Team", "core"), ("<@U1>", "**v**"))),
    Reply("x" * 7000 + "\n" + "y\n" * 2000, facts=tuple((f"k{i}", "v" * 2500) for i in range(23))),
    Reply("many facts", facts=tuple((f"k{i}", f"v{i}") for i in range(600))),
    Reply("buttons", buttons=(
        Button("a.b", "Go", "1", "primary"), Button("a.c", "", ""), Button("a.d", "L" * 100, "v" * 2500, "danger"),
        Button("a.e", "Sure?", "2", confirm="Cancel <!channel> **review**?"), Button("a.f", "Docs", url="https://x/" + "p" * 4000),
        Button("a.g", "Six", "6"), Button("a" * 300, "Seven", "7"))),
    Reply("with a form", buttons=(Button("pulse.skip", "Not now", "7"),), form=FORM),
    Reply("", form=Form("f", "T", (), launch_label="")),
    cards.prompt_reply(_prompt(WATCH)),
    cards.prompt_reply(_prompt(WATCH), MeetingNow(3, "Standup", NOW, True), note="a **note**"),
    cards.prompt_reply(_prompt(COMMAND), replace=True),
    cards.drop_reply(_prompt(WATCH), [_item(n) for n in range(7)], note="n"),
    cards.drop_reply(_prompt(WATCH), []),
    cards.extend_reply(_prompt(WATCH)),
    *(cards.decided_reply(_prompt(WATCH, outcome)) for outcome in Outcome),
    cards.form_reply(cards.drop_form(_prompt(WATCH))),
]


def _same(reply: Reply) -> None:
    assert json.dumps(render.message_blocks(reply)) == json.dumps(sdk_blocks(reply))
    if any(len(button.value) > 1400 for button in reply.buttons):  # sealed past Slack's limit: refused
        with pytest.raises(ValueError):
            render.message_blocks(reply, SEAL)
        return
    assert json.dumps(render.message_blocks(reply, SEAL)) == json.dumps(render.seal_blocks(sdk_blocks(reply), SEAL))


def test_every_kind_of_reply_renders_as_slack_sdk_did() -> None:
    for reply in REPLIES:
        _same(reply)


texts = st.text(st.characters(codec="utf-8"), max_size=120)


@settings(max_examples=150, deadline=None)
@given(text=texts, facts=st.lists(st.tuples(texts, texts), max_size=14),
       buttons=st.lists(st.tuples(texts, texts, st.sampled_from(["default", "primary", "danger"]),
                                  st.none() | texts, texts), max_size=12),
       form=st.booleans())
def test_any_reply_renders_as_slack_sdk_did(text: str, facts: list[tuple[str, str]],
                                            buttons: list[tuple[str, str, Any, str | None, str]], form: bool) -> None:
    _same(Reply(text, facts=tuple(facts),
                buttons=tuple(Button(f"x.{i}", label, value, style, confirm, url)
                              for i, (label, value, style, confirm, url) in enumerate(buttons)),
                form=FORM if form else None))


def test_a_form_launch_value_past_slack_s_limit_is_refused_as_before() -> None:
    """slack_sdk refused a button value over 2 000 characters; a launch value (sealed later) is never cut."""
    big = Reply("x", form=Form("f", "T", (), context="c" * 2100))
    with pytest.raises(SlackObjectFormationError):
        sdk_blocks(big)
    with pytest.raises(ValueError):
        render.message_blocks(big)


def test_a_sealed_button_value_never_passes_slack_s_limit() -> None:
    """Sealing lengthens a value (its binding, base64, the signature): a value sealed past 2 000 characters
    is refused here, not by Slack with the whole message (`invalid_blocks`); letters outside ASCII are sealed
    as UTF-8, not as six-character escapes."""
    short = render.message_blocks(Reply("x", buttons=(Button("a.b", "B", "é" * 500),)), SEAL)
    assert len(short[-1]["elements"][0]["value"]) <= render.BUTTON_VALUE_MAX
    with pytest.raises(ValueError):
        render.message_blocks(Reply("x", buttons=(Button("a.b", "B", "v" * 2000),)), SEAL)


@pytest.mark.parametrize("text", ["<" * 5000, "a" + "&" * 2999 + "\n" + "b>" * 1600, "x" * 2998 + "<<<"])
def test_long_text_is_never_cut_inside_an_entity(text: str) -> None:
    """Sections, fields and confirmations are cut on escaped text: never between `&` and `;`."""
    reply = Reply(text, facts=(("k", text),), buttons=(Button("a.b", "B", "1", confirm=text),))
    for block in render.message_blocks(reply):
        pieces = [block.get("text"), *(block.get("fields") or [])]
        pieces += [(e.get("confirm") or {}).get("text") for e in block.get("elements") or []]
        for piece in pieces:
            if piece:
                body = piece["text"].removesuffix("…")
                assert re.sub(r"&(amp|lt|gt);", "", body).count("&") == 0, body[-12:]
