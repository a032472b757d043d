"""The Teams message extension action “What do we drop?” (command id `tradeoff`, declared in
teams/manifest.json under composeExtensions, context `message`): a `composeExtension/submitAction` invoke
that opens the trade-off prompt in that message's thread, quoting it (handlers/reports/shortcut.py).

The invoke is answered 200 with an empty action response (the dialog closes); the prompt goes to the
channel thread as a card. When the core declines (the thread already has a prompt, an empty message), the
person sees why in the dialog itself, as a message result, and the channel sees nothing. So too when the
prompt cannot be posted: in a chat or channel the bot is not a member of, the connector refuses with 403
`BotNotInConversationRoster`, and the person is told to add the bot there first (one INFO line, no stack
trace); any other refusal says to try again (one WARNING line). Either way the thread's claim of the prompt
is given back (`SHORTCUT_UNPOSTED`), so choosing the action on that message again works once the bot can post.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace
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
from bot.teams.errors import refusal
from bot.teams.replier import TeamsReplier, failed
from handlers.core.dispatch import Core
from handlers.core.types import Interaction, MessageRef, Platform, Visibility
from handlers.reports.catalog import SHORTCUT as ACTION
from handlers.reports.catalog import SHORTCUT_UNPOSTED as UNPOSTED

log = logging.getLogger("steadybot.teams")
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
        return _told("I don't know that action.")
    text, message_id, reply_to = _message(action)
    root = where.thread_id or reply_to or message_id
    where = where.in_thread(root or None)
    interaction = Interaction(ACTION, text, who, where, payloads._s(activity.id), None,
                              MessageRef(Platform.TEAMS, where.channel_id, message_id) if message_id else None)
    replies = await core.run_action(interaction)
    shown = [r for r in replies if r.visibility == Visibility.CHANNEL]
    private = [r for r in replies if r.visibility != Visibility.CHANNEL]
    if shown:
        replier = TeamsReplier(context, who, where, lines, seal)  # its buttons sealed for the channel
        for reply in shown:
            try:
                await replier.post(reply)
            except Exception as exc:  # noqa: BLE001 - the person is told in the dialog, the turn goes on
                # the thread's claim is given back: the same action on the same message works once it can post
                await core.run_action(replace(interaction, action=UNPOSTED))
                if _not_in(exc):  # the person's situation, not the operator's: one INFO line
                    log.info("teams message action: not in the conversation, the person was told (%s)",
                             refusal(exc))
                    return _told(NOT_IN_CONVERSATION)
                failed("teams message action: the prompt was not posted", exc)
                return _told(NOT_POSTED)
    if private:
        return _told("\n".join(r.fallback for r in private))
    return MessagingExtensionActionResponse()


#: What the person reads in the dialog when the prompt could not be posted.
NOT_IN_CONVERSATION = ("I'm not in this conversation, so I can't post the prompt here. Add me first (in a "
                       "channel: add steadybot to the team; in a chat: add it to the chat), then choose “What do we "
                       "drop?” on the message again.")
NOT_POSTED = "I couldn't post the prompt here just now. Please choose “What do we drop?” on the message again."


def _not_in(exc: BaseException) -> bool:
    refused = refusal(exc)
    return refused is not None and refused.not_in_conversation


def _told(text: str) -> MessagingExtensionActionResponse:
    """A message result: the dialog shows `text` to the person who started the action, and only to them."""
    return MessagingExtensionActionResponse(compose_extension=MessagingExtensionResult(type="message",
                                                                                      text=text[:1000]))
