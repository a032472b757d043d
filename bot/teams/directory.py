"""Teams facts for the core: the roster of a channel's team, owners, and people's timezones.

Owners: the roster's own role (where a connector gives one) and, with the bot's app registration, the
team's owners from Microsoft Graph (bot/teams/graph.py). Graph addresses a team by its Azure AD group id,
which the connector gives for the team's Bot Framework id (`GET /v3/teams/{id}`: `aadGroupId`); both are
cached. When Graph cannot say, `owner_note` tells the refused person why only admins may act. The same group
id is `team_group_id`: the one Microsoft 365 group calendar a channel of the team may follow.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.teams.direct import TeamsLines, seed_from
from bot.teams.graph import UNAVAILABLE, GraphClient, Owners
from handlers.core.types import MessageRef, Person, Place, Platform

if TYPE_CHECKING:
    from storage.repos.identities import ConversationRepo, IdentityRepo
    from storage.store import Store

log = logging.getLogger("steadybot.teams")
CACHE_SECONDS = 3600
OWNER_ROLES = frozenset({"owner", "admin", "administrator"})


class TeamsDirectory:
    def __init__(self, lines: TeamsLines, store: Store, graph: GraphClient | None = None,
                 tenant_id: str = "") -> None:
        self.lines = lines
        self.store = store  # its repositories are built on first use (storage/store.py)
        self.graph = graph
        self.tenant_id = tenant_id  # a single-tenant bot's tenant; otherwise the team's, from its reference
        self._rosters: dict[str, tuple[float, list[Any]]] = {}
        self._groups: dict[str, str] = {}  # Teams team id -> Azure AD group id (never changes)
        self._notes: dict[str, tuple[float, str]] = {}  # channel -> why Graph could not say who owns it

    @property
    def identities(self) -> IdentityRepo:
        return self.store.identities

    @property
    def conversations(self) -> ConversationRepo:
        return self.store.conversations

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

    async def is_member(self, place: Place, user_id: str) -> bool:
        """Whether the person is in the channel's team right now: the connector's member lookup, not the
        cached roster (someone removed from the team must not count for another hour). The connector's
        404 (MemberNotFoundInConversation) means not, or no longer; any other failure is raised."""
        reference = await self.conversations.reference(Platform.TEAMS, place.channel_id)
        if not reference:
            return False
        answers: list[bool] = []
        failures: list[Exception] = []

        async def ask(context: TurnContext) -> None:
            client = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
            try:
                await client.conversations.get_conversation_member(place.channel_id, user_id)
                answers.append(True)
            except Exception as exc:  # noqa: BLE001 - sorted below: 404 is an answer, the rest a failure
                if getattr(getattr(exc, "response", None), "status_code", None) == 404:
                    answers.append(False)
                else:
                    failures.append(exc)

        await self.lines.in_conversation(reference, ask)
        if failures:
            raise failures[0]
        return bool(answers) and answers[0]

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
        if self.graph is not None and place.team_id:
            found = await self._graph_owners(place)
            owners.update(found.ids)
            if found.reason:
                self._notes[place.channel_id] = (time.monotonic(), found.reason)
            else:
                self._notes.pop(place.channel_id, None)
        return owners

    async def owner_note(self, place: Place) -> str | None:
        """Why the owners of this place could not be read (said to a person who was refused), or None."""
        note = self._notes.get(place.channel_id)
        return note[1] if note and time.monotonic() - note[0] < CACHE_SECONDS else None

    async def _graph_owners(self, place: Place) -> Owners:
        assert self.graph is not None
        reference = await self.conversations.reference(Platform.TEAMS, place.channel_id)
        tenant = (seed_from(reference).get("tenantId") if reference else "") or self.tenant_id
        try:
            group = await self._group_id(place, reference)
        except Exception as exc:  # noqa: BLE001 - the connector could not say: Graph cannot be asked
            log.info("team details unavailable (%s): owners from Graph skipped", type(exc).__name__)
            return Owners(frozenset(), UNAVAILABLE)
        if not tenant or not group:
            return Owners(frozenset(), UNAVAILABLE)
        return await self.graph.team_owners(tenant, group)

    async def tenant_of(self, place: Place) -> str | None:
        """The tenant of a channel the bot was told about: the `tenantId` Teams gave with the channel's
        activities (kept in its conversation reference). None when there is no reference or it names no
        tenant: callers then trust nothing that needs the channel's tenant."""
        reference = await self.conversations.reference(Platform.TEAMS, place.channel_id)
        tenant = seed_from(reference).get("tenantId") if reference else None
        return str(tenant) if isinstance(tenant, str) and tenant else None

    async def team_group_id(self, place: Place) -> str | None:
        """The Azure AD (Microsoft 365) group id of the team this channel belongs to, from the connector's team
        details (`aadGroupId`, cached for the process): the only group calendar the channel may follow. None
        for a place that belongs to no team (a group chat, a 1:1). Raised when it cannot be told (no
        conversation reference for the channel, the connector failed or gave no group id): callers refuse."""
        if place.is_direct or not place.team_id:
            return None
        reference = await self.conversations.reference(Platform.TEAMS, place.channel_id)
        if not reference:
            raise LookupError("no conversation reference for the channel: its team's group cannot be looked up")
        group = await self._group_id(place, reference)
        if not group:
            raise LookupError("the connector's team details gave no group id")
        return group

    async def _group_id(self, place: Place, reference: dict[str, Any] | None) -> str:
        """The team's Azure AD group id, from the connector's team details (cached for the process)."""
        if place.team_id in self._groups:
            return self._groups[place.team_id]
        if not reference:
            return ""
        found: list[str] = []

        async def fetch(context: TurnContext) -> None:
            # TeamsInfo's teams client is synchronous (msrest over requests): off the event loop
            details = await asyncio.to_thread(_team_details, context, place.team_id)
            found.append(str(getattr(details, "aad_group_id", "") or ""))

        await self.lines.in_conversation(reference, fetch)
        group = found[0] if found else ""
        if group:
            self._groups[place.team_id] = group
        return group

    async def close(self) -> None:
        if self.graph is not None:
            await self.graph.close()


def _extra(member: Any) -> dict[str, Any]:
    props = getattr(member, "additional_properties", None)
    return props if isinstance(props, dict) else {}


def _aad(member: Any) -> str | None:
    return getattr(member, "aad_object_id", None) or _extra(member).get("aadObjectId")


def _role(member: Any) -> str:
    """Teams' roster says `userRole` ("owner", "user", "guest"); botbuilder keeps it as an extra property."""
    return str(getattr(member, "user_role", None) or _extra(member).get("userRole") or "").lower()


def _team_details(context: TurnContext, team_id: str) -> Any:
    """`TeamsInfo.get_team_details` in a worker thread (its connector call blocks)."""
    return asyncio.run(TeamsInfo.get_team_details(context, team_id))
