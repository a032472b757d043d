"""The Teams message extension action “What do we drop?” (command id `tradeoff`, declared in
teams/manifest.json under composeExtensions, context `message`): a `composeExtension/submitAction` invoke
that opens the trade-off prompt in that message's thread, quoting it (handlers/reports/shortcut.py).

The invoke is answered 200 with an empty action response (the dialog closes); the prompt goes to the
channel thread as a card. When the core declines (the thread already has a prompt, an empty message), the
person sees why in the dialog itself, as a message result, and the channel sees nothing.
"""

from __future__ import annotations

import html
import re
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema.teams import (
    MessagingExtensionAction,
    MessagingExtensionActionResponse,
    MessagingExtensionResult,
)

from bot.sealing import ActionSeal
from bot.teams import payloads
from bot.teams.direct import TeamsLines
from bot.teams.replier import TeamsReplier
from handlers.core.dispatch import Core
from handlers.core.types import Interaction, MessageRef, Platform, Visibility
from handlers.reports.catalog import SHORTCUT as ACTION

COMMAND_ID = "tradeoff"
_TAG = re.compile(r"<[^>]{0,2000}>")
_BREAK = re.compile(r"<\s*(?:br|/p|/div|/li)\s*/?\s*>", re.IGNORECASE)


def plain_text(content: object) -> str:
    """A Teams message body (HTML) as plain text: line breaks kept, tags dropped, entities decoded."""
    if not isinstance(content, str):
        return ""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content[:20_000]))).strip()


def _message(action: MessagingExtensionAction) -> tuple[str, str, str]:
    """(text, id, reply-to id) of the message the action was started from."""
    payload: Any = action.message_payload
    if payload is None:
        return "", "", ""
    body = getattr(payload, "body", None)
    return (plain_text(getattr(body, "content", None)), payloads._s(getattr(payload, "id", None)),
            payloads._s(getattr(payload, "reply_to_id", None)))


async def submit_action(context: TurnContext, action: MessagingExtensionAction, core: Core,
                        lines: TeamsLines, seal: ActionSeal | None = None) -> MessagingExtensionActionResponse:
    activity = context.activity
    who = payloads.person(activity)
    where = payloads.place(activity)
    if action.command_id != COMMAND_ID or who is None or where is None:
        return MessagingExtensionActionResponse(compose_extension=MessagingExtensionResult(
            type="message", text="I don't know that action."))
    text, message_id, reply_to = _message(action)
    root = where.thread_id or reply_to or message_id
    where = where.in_thread(root or None)
    interaction = Interaction(ACTION, text, who, where, payloads._s(activity.id), None,
                              MessageRef(Platform.TEAMS, where.channel_id, message_id) if message_id else None)
    replies = await core.run_action(interaction)
    shown = [r for r in replies if r.visibility == Visibility.CHANNEL]
    private = [r for r in replies if r.visibility != Visibility.CHANNEL]
    if shown:
        await TeamsReplier(context, who, where, lines, seal).send(shown)  # its buttons sealed for the channel
    if private:
        return MessagingExtensionActionResponse(compose_extension=MessagingExtensionResult(
            type="message", text="\n".join(r.fallback for r in private)[:1000]))
    return MessagingExtensionActionResponse()
