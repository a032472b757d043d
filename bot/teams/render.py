"""Core replies → Adaptive Cards (version 1.4, what Teams renders on desktop, web and mobile).

Buttons are Action.Submit with data {"steadybot_action", "steadybot_value"}; a form's inputs sit in the
card and its submit carries {"steadybot_form", "steadybot_context"}. Teams merges the inputs' values into
the same object, so field ids never start with "steadybot_".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from handlers.core.types import Field, Form, Reply

Seal = Callable[[str, str], str]
CARD_VERSION = "1.4"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ACTION_KEY, VALUE_KEY, FORM_KEY, CONTEXT_KEY = "steadybot_action", "steadybot_value", "steadybot_form", "steadybot_context"
_CMD = re.compile(r"`/([^`\n]+)`")
_CODE = re.compile(r"`([^`\n]+)`")
ZWSP = "\u200b"
#: Teams refuses a bot message over its size limit whole (413, MessageSizeTooBig; the payload counted in UTF-16:
#: 28 KB at its smallest, learn.microsoft.com …/bots/how-to/format-your-bot-messages). A card stays under this,
#: with room for the activity around it; a longer one loses its last lines and says so (`_fit`).
MAX_CARD_BYTES = 24 * 1024
SHORTENED = "… (shortened: too long for one Teams message)"
_ESCAPED = re.compile(r'[\x00-\x1f"\\]')  # what JSON writes as two or six characters
#: What would make a live link in a TextBlock's markdown: `[label](url)` (the `](`), `<https://…>`
#: autolinks, bare `scheme://` and `www.` addresses. The bot itself never writes links.
_LINKISH = re.compile(r"\]\s*\(|<(?=[A-Za-z][A-Za-z0-9+.-]{1,31}:)|(?<=[A-Za-z0-9])://|\bwww\.", re.IGNORECASE)


def _break_link(m: re.Match[str]) -> str:
    found = m.group(0)
    if found.startswith("]"):
        return "]" + ZWSP + found[1:]
    if found == "<":
        return "<" + ZWSP
    if found == "://":
        return ":" + ZWSP + "//"
    return found[:3] + ZWSP + found[3:]  # www.


def defang(text: str) -> str:
    """Text people typed, made unable to form a link in Adaptive Card markdown: a zero-width space breaks
    `](`, `<scheme:`, `://` and `www.` (invisible; the words stay as they were typed)."""
    return _LINKISH.sub(_break_link, text) if ("](" in text or ":" in text or "www" in text.lower()
                                                 or "] (" in text) else text


def teams_markdown(text: str) -> str:
    """Teams has no inline code: `/pulse now` becomes **pulse now** (what you type to the bot), other
    code spans become quoted text. Links typed by people never become live (`defang`)."""
    text = _CMD.sub(r"**\1**", defang(text))
    return _CODE.sub(r"‘\1’", text)


def _text_blocks(text: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for line in teams_markdown(text).split("\n"):
        if not line.strip():
            continue
        blocks.append({"type": "TextBlock", "text": line[:5000], "wrap": True,
                       "spacing": "Small" if blocks else "None"})
    return blocks


def _input(field: Field) -> dict[str, Any]:
    if field.id.startswith("steadybot_"):
        raise ValueError(f"field id {field.id!r} collides with the card's own keys")
    common: dict[str, Any] = {"id": field.id, "label": field.label[:500], "isRequired": not field.optional}
    if not field.optional:
        common["errorMessage"] = "Please answer this one."
    if field.kind == "choice":
        element = {"type": "Input.ChoiceSet", **common, "style": "expanded" if len(field.choices) <= 6 else "compact",
                   "choices": [{"title": c.label[:200], "value": c.value} for c in field.choices]}
    else:
        element = {"type": "Input.Text", **common, "isMultiline": field.multiline, "maxLength": field.max_length}
        if field.placeholder:
            element["placeholder"] = field.placeholder[:200]
    if field.initial is not None:
        element["value"] = field.initial
    return element


def form_body(form: Form, seal: Seal | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": defang(form.title[:300]), "weight": "Bolder",
                                   "wrap": True}]
    if form.intro:
        body.extend(_text_blocks(form.intro))
    body.extend(_input(f) for f in form.fields)
    submit = {"type": "Action.Submit", "title": form.submit_label[:100], "style": "positive",
              "data": {FORM_KEY: form.id, CONTEXT_KEY: seal(form.id, form.context) if seal else form.context}}
    return body, submit


def card(reply: Reply, seal: Seal | None = None) -> dict[str, Any]:
    """The reply as an Adaptive Card; `seal(action, value)` seals button values and form contexts for
    where the card goes (bot/sealing.py)."""
    body = [] if reply.is_just_form else _text_blocks(reply.text)
    lines = len(body)
    actions: list[dict[str, Any]] = []
    if reply.facts:
        body.append({"type": "FactSet", "facts": [
            {"title": teams_markdown(label)[:200], "value": teams_markdown(value)[:1000]} for label, value in reply.facts
        ]})
    if reply.form is not None:
        inputs, submit = form_body(reply.form, seal)
        body.extend(inputs)
        actions.append(submit)
    for button in reply.buttons:
        action: dict[str, Any] = {"type": "Action.Submit", "title": button.label[:100],
                                  "data": {ACTION_KEY: button.action,
                                           VALUE_KEY: seal(button.action, button.value) if seal else button.value}}
        if button.url:
            action = {"type": "Action.OpenUrl", "title": button.label[:100], "url": button.url}
        if button.style == "primary":
            action["style"] = "positive"
        elif button.style == "danger":
            action["style"] = "destructive"
        actions.append(action)
    if not body:
        body.append({"type": "TextBlock", "text": " ", "wrap": True})
    out: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        out["actions"] = actions
    if _bound(out) > MAX_CARD_BYTES:
        _fit(out, lines)  # measuring costs as much as rendering: only for a card that may be near the limit
    return out


def _bound(out: dict[str, Any]) -> int:
    """At least the card's size in bytes of UTF-16, cheaply: its strings exactly, JSON's escapes at their
    longest (`\\u001f` for one character), and 300 bytes per element for the keys around them. A card with
    form inputs counts as over (it is measured)."""
    strings: list[str] = []
    elements = 1
    for block in out["body"]:
        elements += 1
        if block.get("type") == "TextBlock":
            strings.append(block["text"])
        elif block.get("type") == "FactSet":
            elements += len(block["facts"])
            strings.extend(s for fact in block["facts"] for s in (fact["title"], fact["value"]))
        else:
            return MAX_CARD_BYTES + 1
    for action in out.get("actions", ()):
        data = action.get("data") or {}
        elements += 1 + len(data)
        strings.extend((action["title"], action.get("url") or "", *(str(v) for v in data.values())))
    joined = "".join(strings)
    return len(joined.encode("utf-16-le")) + 10 * len(_ESCAPED.findall(joined)) + 300 * elements


def _size(node: Any) -> int:
    """Bytes in UTF-16 of the JSON, as botbuilder writes it (the default separators)."""
    return len(json.dumps(node, ensure_ascii=False).encode("utf-16-le"))


def _fit(out: dict[str, Any], lines: int) -> None:
    """Shortens a card over MAX_CARD_BYTES in place: the last of its `lines` text blocks go (never the first),
    then the last facts, and a note says so. Forms and buttons stay whole (what a press needs)."""
    over = _size(out) - MAX_CARD_BYTES
    if over <= 0:
        return
    body: list[dict[str, Any]] = out["body"]
    note = {"type": "TextBlock", "text": SHORTENED, "wrap": True, "isSubtle": True, "spacing": "Small"}
    over += _size(note) + 4  # and the ", " before it
    keep = lines
    while over > 0 and keep > 1:
        keep -= 1
        over -= _size(body[keep]) + 4
    facts = next((b["facts"] for b in body if b.get("type") == "FactSet"), None)
    while over > 0 and facts and len(facts) > 1:
        over -= _size(facts.pop()) + 4
    body[keep:lines] = [note]


def attachment(reply: Reply) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": card(reply)}
