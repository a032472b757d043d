"""Core replies → Block Kit, built with slack_sdk.models (which validates limits as it serialises).

User text (meeting titles, agenda items, answers, quotes, comments) reaches Slack in three places, all
escaped so that nothing typed becomes a live mention (`<!channel>`, `<!here>`, `<@U…>`) or a labelled
link (`<https://…|label>`): the blocks (`mrkdwn` escapes &, <, >, and every text object is `verbatim`, so
Slack does not parse mentions or channel names in it either), the notification `text` (`fallback`, escaped
the same way), and modal texts. Posts go out with `link_names` and `parse` off (POST_OPTIONS).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.inbound import launch_value
from handlers.core.types import Button, Field, Form, Reply

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
FORM_OPEN = "form.open"  # the launch button of a form that cannot be shown inline
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
#: chat.postMessage / chat.postEphemeral options: no mention or channel-name parsing of the text, and no
#: link previews of what someone typed.
PARSE_OFF: dict[str, Any] = {"link_names": False, "parse": "none"}  # chat.update, chat.postEphemeral
POST_OPTIONS: dict[str, Any] = {**PARSE_OFF, "unfurl_links": False, "unfurl_media": False}


def escape(text: str) -> str:
    """Slack's control characters (&, <, >) as entities: `<!channel>` shows as text and pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """The core's tiny markup → Slack mrkdwn: escape &, <, > and turn **bold** into *bold*."""
    return _BOLD.sub(r"*\1*", escape(text))


def fallback(reply: Reply) -> str:
    """The notification text of a message (what push notifications and screen readers show), escaped."""
    return _cut(escape(reply.fallback), 3000)


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split long text on line boundaries into pieces Slack sections accept."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            out.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out


def action_id(button: Button, index: int) -> str:
    """Action ids must be unique within a message; the suffix is dropped again when routing."""
    return _cut(f"{button.action}#{index}", 255)


def route_of(action_id_text: str) -> str:
    return action_id_text.split("#", 1)[0]


def button_element(button: Button, index: int) -> ButtonElement:
    confirm = None
    if button.confirm:
        # a str would become an unescaped mrkdwn object: "Cancel <!channel> review?" would ping the channel
        confirm = ConfirmObject(title="Are you sure?", text=_md(_cut(mrkdwn(button.confirm), 300)), confirm="Yes",
                                deny="No")
    return ButtonElement(
        text=_cut(button.label, 75),
        action_id=action_id(button, index),
        value=_cut(button.value, 2000) if button.value else None,
        style=button.style if button.style in ("primary", "danger") else None,
        confirm=confirm,
        url=button.url[:3000] if button.url else None,
    )


def plain_button(button: Button, index: int) -> dict[str, Any]:
    """`button_element(button, index).to_dict()` for a button without a confirmation, built directly."""
    out: dict[str, Any] = {"type": "button", "action_id": action_id(button, index),
                           "text": {"type": "plain_text", "text": _cut(button.label, 75), "emoji": True}}
    if button.value:
        out["value"] = _cut(button.value, 2000)
    if button.style in ("primary", "danger"):
        out["style"] = button.style
    if button.url:
        out["url"] = button.url[:3000]
    return out


def seal_blocks(blocks: list[dict[str, Any]], seal: Callable[[str, str], str] | None) -> list[dict[str, Any]]:
    """Every button's value sealed (bot/sealing.py) for where the message goes: `seal(action, value)`.
    Works on the rendered dicts without changing them: the actions blocks and their buttons are copied with
    the sealed values, every other block is shared, so one rendering serves a fan-out whose copies differ
    only in their seals."""
    if seal is None:
        return list(blocks)
    out = []
    for block in blocks:
        if block.get("type") == "actions":
            block = {**block, "elements": [
                {**element, "value": seal(route_of(str(element.get("action_id", ""))), str(element.get("value") or ""))}
                if isinstance(element, dict) and element.get("type") == "button" else element
                for element in block.get("elements") or []]}
        out.append(block)
    return out


def message_blocks(reply: Reply, seal: Callable[[str, str], str] | None = None) -> list[dict[str, Any]]:
    blocks: list[Block] = [SectionBlock(text=_md(chunk)) for chunk in _chunks(mrkdwn(reply.text))]
    for start in range(0, len(reply.facts), 10):
        fields = [
            _md(_cut(f"*{mrkdwn(label)}*\n{mrkdwn(value)}", 2000))
            for label, value in reply.facts[start:start + 10]
        ]
        blocks.append(SectionBlock(fields=fields))
    if reply.form is None and len(reply.buttons) <= 5 and len(blocks) < MAX_BLOCKS \
            and not any(b.confirm for b in reply.buttons):
        # the common case: one row of plain buttons, as the dicts slack_sdk renders them, without building and
        # validating its models each time (docs/benchmarks.md#agenda-add-in-one-unit)
        rendered = [block.to_dict() for block in blocks]
        if reply.buttons:
            rendered.append({"type": "actions", "elements": [plain_button(b, i) for i, b in enumerate(reply.buttons)]})
        return seal_blocks(rendered or [SectionBlock(text=_md("…")).to_dict()], seal)
    elements = [button_element(b, i) for i, b in enumerate(reply.buttons)]
    if reply.form is not None:
        elements.append(ButtonElement(text=_cut(reply.form.launch_label, 75), action_id=f"{FORM_OPEN}#{len(elements)}",
                                      value=launch_value(reply.form), style="primary"))
    for start in range(0, len(elements), 5):
        blocks.append(ActionsBlock(elements=elements[start:start + 5]))
    if not blocks:
        blocks.append(SectionBlock(text=_md("…")))
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [ContextBlock(elements=[_md("(shortened)")])]
    return seal_blocks([block.to_dict() for block in blocks], seal)


def _option(value: str, label: str) -> Option:
    return Option(value=_cut(value, 150), text=PlainTextObject(text=_cut(label, 75)))


def _input(field: Field) -> InputBlock:
    element: Any
    if field.kind == "choice":
        options = [_option(c.value, c.label) for c in field.choices]
        initial = next((o for o in options if o.value == field.initial), None)
        if len(options) <= 10:
            element = RadioButtonsElement(action_id=field.id, options=options, initial_option=initial)
        else:
            element = StaticSelectElement(action_id=field.id, options=options[:100], initial_option=initial,
                                          placeholder=_cut(field.placeholder or "Choose…", 150))
    else:
        element = PlainTextInputElement(
            action_id=field.id,
            multiline=field.multiline,
            max_length=min(max(field.max_length, 1), 3000),
            initial_value=_cut(field.initial, min(field.max_length, 3000)) if field.initial else None,
            placeholder=_cut(field.placeholder, 150) if field.placeholder else None,
        )
    return InputBlock(block_id=_cut(field.id, 255), label=_cut(field.label, 2000), element=element,
                      optional=field.optional)


def modal(form: Form, metadata: dict[str, Any] | str) -> dict[str, Any]:
    """A form as a modal view. `metadata` (form id, context, where it came from; sealed by the replier,
    bot/sealing.py) rides in private_metadata."""
    blocks: list[Block] = []
    if form.intro:
        blocks.append(SectionBlock(text=_md(_cut(mrkdwn(form.intro), SECTION_LIMIT))))
    blocks.extend(_input(f) for f in form.fields)
    private = metadata if isinstance(metadata, str) else json.dumps(metadata, separators=(",", ":"))
    if len(private) > 3000:
        raise ValueError("form metadata too large for a Slack modal")
    view = View(
        type="modal",
        callback_id=_cut(f"form:{form.id}", 255),
        title=PlainTextObject(text=_cut(form.title, 24)),
        submit=PlainTextObject(text=_cut(form.submit_label, 24)),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private,
        blocks=blocks,
    )
    return view.to_dict()


def read_state(values: dict[str, Any]) -> dict[str, str]:
    """view.state.values → {field id: chosen value or typed text}; tolerant of odd shapes."""
    out: dict[str, str] = {}
    if not isinstance(values, dict):
        return out
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            continue
        for state in actions.values():
            if not isinstance(state, dict):
                continue
            if isinstance(state.get("selected_option"), dict):
                out[str(block_id)] = str(state["selected_option"].get("value", ""))
            elif isinstance(state.get("value"), str):
                out[str(block_id)] = state["value"]
    return out
