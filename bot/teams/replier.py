"""Answering a live Teams activity: cards in the conversation, updates of the clicked card, private replies
moved to the person's 1:1 chat."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.sealing import ActionSeal, Seal
from bot.teams import render
from bot.teams.direct import TeamsLines
from bot.teams.errors import refusal
from handlers.core.types import Form, Person, Place, Reply, Visibility

log = logging.getLogger("steadybot.teams")


def failed(what: str, exc: BaseException) -> None:
    """One WARNING line for a send the connector refused (its status and error code: a conversation the bot
    is not in, a blocked bot…); the stack trace only for a failure that is not the connector's answer."""
    refused = refusal(exc)
    if refused is not None:
        log.warning("%s: %s", what, refused)
    else:
        log.warning(what, exc_info=True)


def card_activity(reply: Reply, seal: Seal | None = None) -> Activity:
    content = render.card(reply, seal)
    activity = MessageFactory.attachment(Attachment(content_type=render.CONTENT_TYPE, content=content))
    activity.summary = reply.fallback[:200]
    return activity


@dataclass(slots=True)
class TeamsReplier:
    context: TurnContext
    who: Person
    where: Place
    lines: TeamsLines
    seal: ActionSeal | None = None  # card data sealed for where each card goes (bot/sealing.py)
    # Called with (conversation id, activity id) of each transient reply sent (a journal card): recorded so
    # that the person's "delete" button and a forget can remove it from the chat.
    on_transient: Callable[[str, str], Awaitable[None]] | None = None

    def _seal(self, where: Place) -> Seal | None:
        return self.seal.for_place(where, self.who.id) if self.seal is not None else None

    def card(self, reply: Reply) -> dict[str, object]:
        """`reply` as the card that replaces the clicked one in an invoke's answer (Action.Execute), sealed for
        this place as every card sent here."""
        return render.card(reply, self._seal(self.where))

    async def send(self, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self._send_one(reply)
            except Exception as exc:  # noqa: BLE001 - a failed reply must not fail the turn
                failed("teams reply failed", exc)

    async def post(self, reply: Reply) -> None:
        """Send one reply and let a refusal raise (the caller tells the person: bot/teams/message_action.py)."""
        await self._send_one(reply)

    async def open_form(self, form: Form) -> bool:
        """A form is an Adaptive Card with inputs, shown where the request came from."""
        try:
            await self._send_one(Reply.just_form(form))
        except Exception:  # noqa: BLE001 - reported as not shown
            log.warning("teams form could not be shown", exc_info=True)
            return False
        return True

    async def _send_one(self, reply: Reply) -> None:
        activity = card_activity(reply, self._seal(self.where))
        reply_to = self.context.activity.reply_to_id
        if reply.replace_original and reply.delete_original and reply_to:
            await self.context.delete_activity(reply_to)
            return
        if reply.replace_original and reply_to:
            activity.id = reply_to
            activity.type = ActivityTypes.message
            await self.context.update_activity(activity)
            return
        if reply.visibility == Visibility.PRIVATE and not self.where.is_direct:
            direct = Place(self.where.platform, self.who.id, self.where.team_id, None, True)

            async def send_private(context: TurnContext) -> None:
                sent = await context.send_activity(card_activity(reply, self._seal(direct)))
                await self._sent(reply, context, sent)

            await self.lines.with_person(self.who.id, send_private)
            await self.context.send_activity(MessageFactory.text("I've sent that to you in a private chat."))
            return
        await self._sent(reply, self.context, await self.context.send_activity(activity))

    async def _sent(self, reply: Reply, context: TurnContext, sent: object) -> None:
        activity_id = getattr(sent, "id", None)
        conversation = context.activity.conversation.id if context.activity.conversation else None
        if reply.transient and self.on_transient is not None and activity_id and conversation:
            await self.on_transient(conversation, str(activity_id))
