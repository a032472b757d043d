"""Teams facts for the core: the roster of a channel's team, owners, and people's timezones."""

from __future__ import annotations

import logging
import time
from typing import Any

from botbuilder.core import BotAdapter, TurnContext

from bot.teams.direct import TeamsLines, seed_from
from handlers.core.types import MessageRef, Person, Place, Platform
from storage.repos.identities import ConversationRepo, IdentityRepo

log = logging.getLogger("steadybot.teams")
CACHE_SECONDS = 3600
OWNER_ROLES = frozenset({"owner", "admin", "administrator"})


class TeamsDirectory:
    def __init__(self, lines: TeamsLines, identities: IdentityRepo, conversations: ConversationRepo) -> None:
        self.lines = lines
        self.identities = identities
        self.conversations = conversations
        self._rosters: dict[str, tuple[float, list[Any]]] = {}

    async def _roster(self, place: Place) -> list[Any]:
        cached = self._rosters.get(place.channel_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        reference = await self.conversations.reference(Platform.TEAMS, place.channel_id)
        if not reference:
            return []
        members: list[Any] = []

        async def fetch(context: TurnContext) -> None:
            # The connector client of this proactive turn; TeamsInfo would need the turn's channelData.
            client = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
            token = None
            for _ in range(100):
                page = await client.conversations.get_conversation_paged_members(place.channel_id, 500, token)
                members.extend(page.members or [])
                token = page.continuation_token
                if not token:
                    break

        await self.lines.in_conversation(reference, fetch)
        seed = seed_from(reference)
        for member in members:
            person = Person(Platform.TEAMS, member.id, member.name or "", None, False, _aad(member))
            await self.identities.remember(person, seed.get("tenantId") or "")
            line = await self.identities.direct_line(Platform.TEAMS, member.id)
            if not line or not line.dm_reference:
                await self.identities.set_direct_line(Platform.TEAMS, member.id, dm_reference=seed)
        self._rosters[place.channel_id] = (time.monotonic(), members)
        return members

    async def members(self, place: Place) -> list[Person]:
        people: list[Person] = []
        for member in await self._roster(place):
            known = await self.identities.get(Platform.TEAMS, member.id)
            people.append(Person(Platform.TEAMS, member.id, member.name or "", known.tz if known else None,
                                 False, _aad(member)))
        return people

    async def delete_message(self, ref: MessageRef, user_id: str) -> bool:
        """Bot Framework delete activity, in the person's 1:1 chat (its stored conversation reference)."""
        line = await self.identities.direct_line(Platform.TEAMS, user_id)
        reference = line.dm_reference if line else None
        if not reference or reference.get("seed"):
            return False
        conversation = (reference.get("conversation") or {}).get("id")
        if conversation and conversation != ref.channel_id:
            return False  # not this person's 1:1: never delete elsewhere

        async def delete(context: TurnContext) -> None:
            await context.delete_activity(ref.message_id)

        try:
            await self.lines.in_conversation(reference, delete)
            return True
        except Exception as exc:  # noqa: BLE001 - the platform refused: reported as not deleted
            log.info("teams delete activity refused: %s", type(exc).__name__)
            return False

    async def person(self, platform: Platform, user_id: str) -> Person | None:
        return await self.identities.get(Platform.TEAMS, user_id)

    async def owner_ids(self, place: Place) -> set[str]:
        owners: set[str] = set()
        for member in await self._roster(place):
            if _role(member) in OWNER_ROLES:
                owners.update(i for i in (member.id, _aad(member)) if i)
        return owners


def _extra(member: Any) -> dict[str, Any]:
    props = getattr(member, "additional_properties", None)
    return props if isinstance(props, dict) else {}


def _aad(member: Any) -> str | None:
    return getattr(member, "aad_object_id", None) or _extra(member).get("aadObjectId")


def _role(member: Any) -> str:
    """Teams' roster says `userRole` ("owner", "user", "guest"); botbuilder keeps it as an extra property."""
    return str(getattr(member, "user_role", None) or _extra(member).get("userRole") or "").lower()
