"""Proactive Teams messages: to a channel through its stored conversation reference, or to a person's 1:1
chat, created from a channel's reference the first time and remembered afterwards."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ChannelAccount, ConversationParameters, ConversationReference

from bot.outbox.errors import PermanentError
from handlers.core.types import Platform

if TYPE_CHECKING:
    from storage.repos.identities import IdentityRepo
    from storage.store import Store

log = logging.getLogger("steadybot.teams")
TurnCallback = Callable[[TurnContext], Awaitable[Any]]


def reference_dict(context: TurnContext) -> dict[str, Any]:
    return TurnContext.get_conversation_reference(context.activity).serialize()


def seed_from(reference: dict[str, Any]) -> dict[str, Any]:
    """What creating a 1:1 later needs from a channel reference: the bot, the service url, the tenant."""
    conversation = reference.get("conversation") or {}
    return {
        "seed": True,
        "bot": reference.get("bot"),
        "serviceUrl": reference.get("serviceUrl"),
        "channelId": reference.get("channelId") or "msteams",
        "tenantId": conversation.get("tenantId"),
    }


class TeamsLines:
    """Opens conversations for proactive sends."""

    def __init__(self, adapter: CloudAdapter, app_id: str, store: Store) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.store = store  # its repositories are built on first use (storage/store.py)

    @property
    def identities(self) -> IdentityRepo:
        return self.store.identities

    async def in_conversation(self, reference: dict[str, Any], callback: TurnCallback,
                              thread_id: str | None = None) -> None:
        ref = ConversationReference().deserialize(reference)
        if thread_id and ref.conversation is not None and ";messageid=" not in (ref.conversation.id or ""):
            ref.conversation.id = f"{ref.conversation.id};messageid={thread_id}"
        await self.adapter.continue_conversation(ref, callback, self.app_id)

    async def with_person(self, user_id: str, callback: TurnCallback) -> None:
        line = await self.identities.direct_line(Platform.TEAMS, user_id)
        reference = line.dm_reference if line else None
        if not reference:
            raise PermanentError("no Teams conversation known for this person (they never met the bot)")
        if not reference.get("seed"):
            await self.in_conversation(reference, callback)
            return
        await self._create(user_id, reference, callback)

    async def _create(self, user_id: str, seed: dict[str, Any], callback: TurnCallback) -> None:
        tenant = seed.get("tenantId")
        bot = seed.get("bot") or {}
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot.get("id"), name=bot.get("name")),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )

        async def first_turn(context: TurnContext) -> None:
            await self.identities.set_direct_line(Platform.TEAMS, user_id, dm_reference=reference_dict(context),
                                                  dm_channel=context.activity.conversation.id)
            await callback(context)

        await self.adapter.create_conversation(self.app_id, first_turn, parameters,
                                               seed.get("channelId") or "msteams", seed.get("serviceUrl"), None)
