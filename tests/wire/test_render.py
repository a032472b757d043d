"""Rendering: every kind of core reply becomes valid Block Kit and a schema-valid Adaptive Card."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack import render as slack
from bot.teams import render as teams
from handlers.core.serialize import reply_from_dict, reply_to_dict
from handlers.core.types import Button, Choice, Field, Form, Reply, Visibility
from tests.support.cards import assert_valid_blocks, assert_valid_card

FORM = Form(
    id="pulse.answer",
    title="A very long pulse check-in title that Slack must shorten",
    context="round-7",
    intro="Thirty seconds, anonymous.",
    fields=(
        Field("energy", "How is your energy?", choices=tuple(Choice(str(i), f"level {i}") for i in range(1, 6))),
        Field("team", "Pick a team", choices=tuple(Choice(str(i), f"team {i}") for i in range(15)), initial="3"),
        Field("comment", "Anything else?", kind="text", optional=True, multiline=True, max_length=500),
    ),
    launch_label="Answer (30 seconds)",
)

REPLIES = [
    Reply("plain"),
    Reply("**Bold** and _italic_ and `/pulse now` and <script>&", visibility=Visibility.CHANNEL),
    Reply("facts", facts=tuple((f"label {i}", f"value {i}") for i in range(13))),
    Reply("buttons", buttons=tuple(Button(f"a.{i}", f"Button {i}", str(i), "primary" if i == 0 else "danger",
                                          "Sure?" if i == 1 else None) for i in range(7))),
    Reply("with form", form=FORM),
    Reply.just_form(FORM),
    Reply("x" * 7000 + "\n" + "line\n" * 300),
]


@pytest.mark.parametrize("reply", REPLIES)
def test_block_kit_is_valid(reply: Reply) -> None:
    assert_valid_blocks(slack.message_blocks(reply))


@pytest.mark.parametrize("reply", REPLIES)
def test_adaptive_card_is_valid(reply: Reply) -> None:
    assert_valid_card(teams.card(reply))


def test_modal_is_valid_and_carries_metadata() -> None:
    view = slack.modal(FORM, {"f": FORM.id, "c": FORM.context, "ch": "D1"})
    assert view["title"]["text"] == FORM.title[:23] + "…"
    assert '"c":"round-7"' in view["private_metadata"]
    kinds = [block["element"]["type"] for block in view["blocks"] if block["type"] == "input"]
    assert kinds == ["radio_buttons", "static_select", "plain_text_input"]
    assert next(b for b in view["blocks"] if b.get("block_id") == "comment")["optional"] is True


def test_slack_markup_is_escaped_and_bold_converted() -> None:
    assert slack.mrkdwn("**hi** <@U1> & co") == "*hi* &lt;@U1&gt; &amp; co"


def test_teams_markup_turns_commands_into_what_you_type() -> None:
    assert teams.teams_markdown("Try `/pulse results` or `25m`") == "Try **pulse results** or ‘25m’"


def test_form_buttons_route_back() -> None:
    blocks = slack.message_blocks(Reply("pulse", form=FORM))
    button = blocks[-1]["elements"][0]
    assert slack.route_of(button["action_id"]) == slack.FORM_OPEN
    card = teams.card(Reply("pulse", form=FORM))
    assert card["actions"][0]["data"] == {teams.FORM_KEY: "pulse.answer", teams.CONTEXT_KEY: "round-7"}


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400), st.lists(st.tuples(st.text(max_size=80), st.text(max_size=80)), max_size=12),
       st.lists(st.text(min_size=1, max_size=120), max_size=8))
def test_any_text_renders_validly(text: str, facts: list[tuple[str, str]], labels: list[str]) -> None:
    reply = Reply(text or " ", facts=tuple(facts), buttons=tuple(Button("x.y", label) for label in labels))
    assert_valid_blocks(slack.message_blocks(reply))
    assert_valid_card(teams.card(reply))
    assert reply_from_dict(reply_to_dict(reply)) == reply


PLAIN_BUTTONS = [
    Reply("Added **Demo** (10m)", buttons=(Button("agenda.remove", "Undo", "12"),)),
    Reply("", buttons=(Button("a.go", "Go", ""),)),
    Reply("five", buttons=(Button("a.0", "L" * 80, "v" * 2100, "primary"), Button("a.1", "L", "v", "danger"),
                           Button("a.2", "L", "v", "default"), Button("a.3", "L", "v"), Button("a.4", "L", "v", "danger"))),
    Reply("a link", buttons=(Button("a.open", "Open", url="https://example.com/" + "x" * 3100),)),
    Reply("x" * 7000, facts=(("Energy", "3.4"),), buttons=(Button("a.b", "B", "1"),)),
]


@pytest.mark.parametrize("reply", PLAIN_BUTTONS)
def test_plain_buttons_render_as_slack_sdk_renders_them_without_its_models(reply: Reply, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A row of plain buttons is built as dicts (no `ButtonElement` per message) and is exactly what the
    models render, sealed values included."""
    seal = lambda action, value: f"{action}|{value}"  # noqa: E731
    models = slack.ActionsBlock(elements=[slack.button_element(b, i) for i, b in enumerate(reply.buttons)])
    expected = slack.seal_blocks([block for block in slack.message_blocks(reply) if block["type"] != "actions"]
                                 + [models.to_dict()], seal)

    def no_models(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a plain button went through slack_sdk's models")

    monkeypatch.setattr(slack, "ButtonElement", no_models)
    monkeypatch.setattr(slack, "ActionsBlock", no_models)
    assert slack.message_blocks(reply, seal) == expected
    assert_valid_blocks(slack.message_blocks(reply))
