"""Core replies → Adaptive Cards (version 1.4, what Teams renders on desktop, web and mobile).

Buttons are Action.Submit with data {"steadybot_action", "steadybot_value"}; a form's inputs sit in the
card and its submit carries {"steadybot_form", "steadybot_context"}. Teams merges the inputs' values into
the same object, so field ids never start with "steadybot_".
"""

from __future__ import annotations

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
    return out


def attachment(reply: Reply) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": card(reply)}
