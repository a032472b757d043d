"""Where the bot can reach back later: the conversation reference of every channel it hears from, and a
1:1 line for every person (a real reference once they wrote to the bot in a 1:1 chat, else a seed to
create one from: bot/teams/direct.py). Kept before a request reaches the core, so that a private reply
or a later outbox send already knows the way.

A line only ever moves up (nothing → seed → real) until the person is forgotten, so `LinesKnown` remembers,
per process and for at most SEEN_FOR, whom a line is known for and skips re-reading it
(docs/benchmarks.md#teams-lines-known).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from botbuilder.core import TurnContext

from bot.teams import payloads
from bot.teams.direct import reference_dict, seed_from
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Person, Place, Platform
from storage.seen import SEEN_FOR

if TYPE_CHECKING:
    from storage.repos.identities import ConversationRepo, IdentityRepo
    from storage.store import Store

log = logging.getLogger("steadybot.teams")
MAX_KNOWN = 50_000  # people remembered per process before the sets start over
#: Conversation reference fields that name one message, not the channel (a proactive turn makes its own).
PER_MESSAGE = frozenset({"activityId", "user"})


class LinesKnown:
    """The people whose 1:1 line is known to be stored: `real` (a reference from their 1:1 chat) or any
    line (a seed at least), each with when it was seen stored. An entry holds for SEEN_FOR (the identity
    cache's bound, storage/repos/identities.py): a forget in another process (`steadybot forget`, a replica)
    deletes the line, and a person who comes back then gets it stored again. A forget or an uninstall in
    this process forgets them at once."""

    def __init__(self) -> None:
        self.real: dict[str, datetime] = {}
        self.any: dict[str, datetime] = {}

    def enough(self, user_id: str, direct: bool, now: datetime) -> bool:
        """Whether nothing needs reading: a 1:1 chat needs a real line, a channel any line."""
        seen = (self.real if direct else self.any).get(user_id)
        return seen is not None and now - seen < SEEN_FOR

    def saw(self, user_id: str, *, real: bool, now: datetime) -> None:
        if len(self.any) > MAX_KNOWN:
            self.real.clear()
            self.any.clear()
        self.any[user_id] = now
        if real:
            self.real[user_id] = now
        else:
            self.real.pop(user_id, None)

    def forget(self, user_id: str | None = None) -> None:
        """Forget one person (their app was removed, they were forgotten), or everyone (a team's was)."""
        if user_id is None:
            self.real.clear()
            self.any.clear()
        else:
            self.real.pop(user_id, None)
            self.any.pop(user_id, None)


class References:
    def __init__(self, store: Store) -> None:
        self.store = store  # its repositories are built on first use (storage/store.py)
        self.known = LinesKnown()
        store.on_forget.append(self._forgotten)

    @property
    def conversations(self) -> ConversationRepo:
        return self.store.conversations

    @property
    def identities(self) -> IdentityRepo:
        return self.store.identities

    def _forgotten(self, platform: Platform, user_id: str) -> None:
        if platform == Platform.TEAMS:
            self.known.forget(user_id)

    async def keep(self, context: TurnContext, who: Person | None, where: Place) -> None:
        """Keep the conversation reference of `where` (a channel) and a 1:1 line for `who`."""
        try:
            now = self.identities.clock.now()
            if where.is_direct and (who is None or self.known.enough(who.id, True, now)):
                return  # nothing to write, so no reference to build (botbuilder serialises it: CPU)
            reference = reference_dict(context)
            if not where.is_direct:
                # What a later post to the channel needs, and nothing that changes from one message to the
                # next (the activity and its sender), so an unchanged channel is not written again.
                channel_ref = {k: v for k, v in reference.items() if k not in PER_MESSAGE}
                channel_ref["conversation"] = {**(reference.get("conversation") or {}), "id": where.channel_id}
                if tenant := payloads.tenant_id(context.activity):  # botbuilder's reference drops Teams' tenantId
                    channel_ref["conversation"]["tenantId"] = tenant  # (Graph tokens, 1:1 seeds need it)
                await self.conversations.remember(where, channel_ref)
            if who is None or self.known.enough(who.id, where.is_direct, now):
                return
            line = await self.identities.direct_line(Platform.TEAMS, who.id)
            stored = line.dm_reference if line else None
            if where.is_direct:
                if not stored or stored.get("seed"):
                    await self.identities.set_direct_line(Platform.TEAMS, who.id, dm_reference=reference,
                                                          dm_channel=where.channel_id)
                self.known.saw(who.id, real=True, now=now)
            elif not stored:
                await self.identities.set_direct_line(Platform.TEAMS, who.id, dm_reference=seed_from(reference))
                self.known.saw(who.id, real=False, now=now)
            else:
                self.known.saw(who.id, real=not stored.get("seed"), now=now)
        except StorageUnavailable:
            log.debug("could not store a conversation reference: database unavailable")
