"""Core replies → Block Kit: messages as plain dicts (what slack_sdk.models would give, limits met as they are
built), modals with slack_sdk.models (which validates limits as it serialises).

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
    Block,
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
BUTTON_VALUE_MAX = 2000
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
    return _cut_md(escape(reply.fallback), 3000)


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _entity_end(text: str, end: int) -> int:
    """`end`, or the start of the entity (`&amp;`, `&lt;`, `&gt;`) it would split: escaped text is cut whole."""
    amp = text.rfind("&", max(0, end - 4), end)
    return amp if amp != -1 and ";" not in text[amp:end] else end


def _cut_md(text: str, limit: int) -> str:
    """`_cut` for escaped mrkdwn: never leaves half an entity (`&l`) before the ellipsis."""
    return text if len(text) <= limit else text[: _entity_end(text, limit - 1)] + "…"


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split long text on line boundaries into pieces Slack sections accept."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        if len(line) > limit and current:  # the lines before a long one go first, in their own section
            out.append(current)
            current = ""
        while len(line) > limit:
            end = _entity_end(line, limit)
            out.append(line[:end])
            line = line[end:]
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


# Messages are built as plain dicts, exactly what slack_sdk.models' `to_dict()` gives for the same blocks (keys
# in its order, empty values left out): a message on every request's path, and the models' validation cost
# more than the rest of rendering (docs/benchmarks.md#time-to-the-reply-slack). Every limit the models check
# is met by construction (`_cut`, `_chunks`, five buttons per actions block); tests/wire/test_slack_render.py
# compares the two on every kind of reply. Modals (rare, and far richer) still go through the models.


def _md_dict(text: str) -> dict[str, Any]:
    """A verbatim mrkdwn text object (`MarkdownTextObject(text=…, verbatim=True).to_dict()`)."""
    return {"text": text, "type": "mrkdwn", "verbatim": True} if text else {"type": "mrkdwn", "verbatim": True}


def _plain_dict(text: str) -> dict[str, Any] | None:
    """A plain text object as a button's or confirmation's (None for no text, which slack_sdk leaves out)."""
    return {"emoji": True, "text": text, "type": "plain_text"} if text else None


def _button_dict(label: str, action: str, value: str | None, style: str | None = None,
                 confirm: dict[str, Any] | None = None, url: str | None = None) -> dict[str, Any]:
    """`ButtonElement(…).to_dict()`: keys sorted, empty ones left out."""
    if value is not None and len(value) > BUTTON_VALUE_MAX:
        raise ValueError(f"a button value is limited to {BUTTON_VALUE_MAX} characters")
    element: dict[str, Any] = {"action_id": action}
    if confirm:
        element["confirm"] = confirm
    if style:
        element["style"] = style
    text = _plain_dict(label)
    if text is not None:
        element["text"] = text
    element["type"] = "button"
    if url:
        element["url"] = url
    if value:
        element["value"] = value
    return element


def button_element(button: Button, index: int) -> dict[str, Any]:
    confirm = None
    if button.confirm:
        # a str would become an unescaped mrkdwn object: "Cancel <!channel> review?" would ping the channel
        confirm = {"title": _plain_dict("Are you sure?"), "text": _md_dict(_cut_md(mrkdwn(button.confirm), 300)),
                   "confirm": _plain_dict("Yes"), "deny": _plain_dict("No")}
    return _button_dict(
        _cut(button.label, 75),
        action_id(button, index),
        _cut(button.value, BUTTON_VALUE_MAX) if button.value else None,
        button.style if button.style in ("primary", "danger") else None,
        confirm,
        button.url[:3000] if button.url else None,
    )


def seal_blocks(blocks: list[dict[str, Any]], seal: Callable[[str, str], str] | None) -> list[dict[str, Any]]:
    """Every button's value sealed (bot/sealing.py) for where the message goes: `seal(action, value)`.
    Works on the rendered dicts without changing them: the actions blocks and their buttons are copied with
    the sealed values, every other block is shared, so one rendering serves a fan-out whose copies differ
    only in their seals."""
    if seal is None:
        return list(blocks)

    def sealed(element: dict[str, Any]) -> dict[str, Any]:
        value = seal(route_of(str(element.get("action_id", ""))), str(element.get("value") or ""))
        if len(value) > BUTTON_VALUE_MAX:  # Slack would refuse the whole message (invalid_blocks)
            raise ValueError(f"a sealed button value is {len(value)} characters, over Slack's {BUTTON_VALUE_MAX}")
        return {**element, "value": value}

    out = []
    for block in blocks:
        if block.get("type") == "actions":
            block = {**block, "elements": [
                sealed(element) if isinstance(element, dict) and element.get("type") == "button" else element
                for element in block.get("elements") or []]}
        out.append(block)
    return out


def message_blocks(reply: Reply, seal: Callable[[str, str], str] | None = None) -> list[dict[str, Any]]:
    """A reply as Block Kit (plain dicts, see above), its buttons' values sealed by `seal` when given."""
    blocks: list[dict[str, Any]] = [{"text": _md_dict(chunk), "type": "section"}
                                    for chunk in _chunks(mrkdwn(reply.text))]
    for start in range(0, len(reply.facts), 10):
        fields = [
            _md_dict(_cut_md(f"*{mrkdwn(label)}*\n{mrkdwn(value)}", 2000))
            for label, value in reply.facts[start:start + 10]
        ]
        blocks.append({"fields": fields, "type": "section"})
    elements = [button_element(b, i) for i, b in enumerate(reply.buttons)]
    if reply.form is not None:
        elements.append(_button_dict(_cut(reply.form.launch_label, 75), f"{FORM_OPEN}#{len(elements)}",
                                     launch_value(reply.form), "primary"))
    for start in range(0, len(elements), 5):
        blocks.append({"elements": elements[start:start + 5], "type": "actions"})
    if not blocks:
        blocks.append({"text": _md_dict("…"), "type": "section"})
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [{"elements": [_md_dict("(shortened)")], "type": "context"}]
    return seal_blocks(blocks, seal) if seal is not None else blocks


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
        blocks.append(SectionBlock(text=_md(_cut_md(mrkdwn(form.intro), SECTION_LIMIT))))
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
