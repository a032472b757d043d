"""Slack facts for the core: channel members (conversations.members + users.info), timezones, creators."""

from __future__ import annotations

import asyncio
import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.core.types import Person, Place, Platform
from storage.repos.identities import IdentityRepo

log = logging.getLogger("steadybot.slack")
CACHE_SECONDS = 6 * 3600


class SlackDirectory:
    def __init__(self, client: AsyncWebClient, identities: IdentityRepo, bot_user_id: str = "") -> None:
        self.client = client
        self.identities = identities
        self.bot_user_id = bot_user_id
        self._people: dict[str, tuple[float, Person | None]] = {}
        self._creators: dict[str, tuple[float, set[str]]] = {}
        self._gate = asyncio.Semaphore(8)  # users.info is tier 4: be polite when resolving a big channel

    async def person(self, platform: Platform, user_id: str) -> Person | None:
        cached = self._people.get(user_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            async with self._gate:
                response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            log.info("users.info failed: %s", exc.response.get("error") if exc.response else "?")
            return await self.identities.get(Platform.SLACK, user_id)
        user = response.get("user") or {}
        found = Person(
            Platform.SLACK,
            user_id,
            str(user.get("real_name") or user.get("name") or ""),
            user.get("tz") if isinstance(user.get("tz"), str) else None,
            bool(user.get("is_bot") or user.get("is_app_user") or user_id == "USLACKBOT" or user.get("deleted")),
        )
        self._people[user_id] = (time.monotonic(), found)
        await self.identities.remember(found, str(user.get("team_id") or ""))
        return found

    async def members(self, place: Place) -> list[Person]:
        ids: list[str] = []
        cursor: str | None = None
        for _ in range(200):  # 200 pages × 1000 = far beyond any team
            response = await self.client.conversations_members(channel=place.channel_id, limit=1000, cursor=cursor)
            ids.extend(m for m in response.get("members", []) if isinstance(m, str))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        people = await asyncio.gather(*(self.person(Platform.SLACK, uid) for uid in dict.fromkeys(ids)))
        return [p for p in people if p is not None and not p.is_bot and p.id != self.bot_user_id]

    async def owner_ids(self, place: Place) -> set[str]:
        cached = self._creators.get(place.channel_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            response = await self.client.conversations_info(channel=place.channel_id)
        except SlackApiError:
            return set()
        creator = (response.get("channel") or {}).get("creator")
        owners = {creator} if isinstance(creator, str) and creator else set()
        self._creators[place.channel_id] = (time.monotonic(), owners)
        return owners
