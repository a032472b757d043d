"""Teams facts for the core: the roster of a channel's team, owners, and people's timezones."""

from __future__ import annotations

import time
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.teams.direct import TeamsLines, seed_from
from handlers.core.types import Person, Place, Platform
from storage.repos.identities import ConversationRepo, IdentityRepo

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
            token = None
            for _ in range(100):
                page = await TeamsInfo.get_paged_members(context, token, 500)
                members.extend(page.members or [])
                token = page.continuation_token
                if not token:
                    break

        await self.lines.in_conversation(reference, fetch)
        seed = seed_from(reference)
        for member in members:
            person = Person(Platform.TEAMS, member.id, member.name or "", None, False, member.aad_object_id)
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
                                 False, member.aad_object_id))
        return people

    async def person(self, platform: Platform, user_id: str) -> Person | None:
        return await self.identities.get(Platform.TEAMS, user_id)

    async def owner_ids(self, place: Place) -> set[str]:
        owners: set[str] = set()
        for member in await self._roster(place):
            if str(getattr(member, "user_role", "") or "").lower() in OWNER_ROLES:
                owners.update(i for i in (member.id, member.aad_object_id) if i)
        return owners
