"""Answering a live Teams activity: cards in the conversation, updates of the clicked card, private replies
moved to the person's 1:1 chat."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.sealing import ActionSeal, Seal
from bot.teams import render
from bot.teams.direct import TeamsLines
from handlers.core.types import Person, Place, Reply, Visibility

log = logging.getLogger("steadybot.teams")


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

    def _seal(self, where: Place) -> Seal | None:
        return self.seal.for_place(where, self.who.id) if self.seal is not None else None

    async def send(self, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self._send_one(reply)
            except Exception:  # noqa: BLE001 - a failed reply must not fail the turn
                log.warning("teams reply failed", exc_info=True)

    async def _send_one(self, reply: Reply) -> None:
        activity = card_activity(reply, self._seal(self.where))
        reply_to = self.context.activity.reply_to_id
        if reply.replace_original and reply_to:
            activity.id = reply_to
            activity.type = ActivityTypes.message
            await self.context.update_activity(activity)
            return
        if reply.visibility == Visibility.PRIVATE and not self.where.is_direct:
            direct = Place(self.where.platform, self.who.id, self.where.team_id, None, True)

            async def send_private(context: TurnContext) -> None:
                await context.send_activity(card_activity(reply, self._seal(direct)))

            await self.lines.with_person(self.who.id, send_private)
            await self.context.send_activity(MessageFactory.text("I've sent that to you in a private chat."))
            return
        await self.context.send_activity(activity)
