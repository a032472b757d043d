"""Routes the core's Directory questions to the adapter of the place's platform."""

from __future__ import annotations

from datetime import datetime

from handlers.core.ports import Directory, is_member, team_group_id, tenant_of
from handlers.core.types import MessageRef, Person, Place, Platform, Reply


class Directories:
    def __init__(self) -> None:
        self._by_platform: dict[Platform, Directory] = {}

    def add(self, platform: Platform, directory: Directory) -> None:
        self._by_platform[platform] = directory

    async def members(self, place: Place) -> list[Person]:
        directory = self._by_platform.get(place.platform)
        return await directory.members(place) if directory else []

    async def person(self, platform: Platform, user_id: str) -> Person | None:
        directory = self._by_platform.get(platform)
        return await directory.person(platform, user_id) if directory else None

    async def is_member(self, place: Place, user_id: str) -> bool:
        """Whether the person is in the channel now: the platform's own fresh check where it has one (Slack,
        Teams), else its member list."""
        directory = self._by_platform.get(place.platform)
        return await is_member(directory, place, user_id) if directory is not None else False

    async def team_group_id(self, place: Place) -> str | None:
        """The Microsoft 365 group id of the place's team, where its platform has one (Teams); None where it
        has none (no `team_group_id` on its directory: Slack, the demo). Lookup failures are raised."""
        directory = self._by_platform.get(place.platform)
        return await team_group_id(directory, place) if directory is not None else None

    async def tenant_of(self, place: Place) -> str | None:
        """The tenant of the place's channel, where its platform has tenants and knows it (Teams); None
        otherwise (Slack, the demo, a channel Teams never told the bot about)."""
        directory = self._by_platform.get(place.platform)
        return await tenant_of(directory, place) if directory is not None else None

    async def owner_ids(self, place: Place) -> set[str]:
        directory = self._by_platform.get(place.platform)
        return await directory.owner_ids(place) if directory else set()

    async def delete_message(self, ref: MessageRef, user_id: str) -> bool:
        directory = self._by_platform.get(ref.platform)
        delete = getattr(directory, "delete_message", None)
        return bool(await delete(ref, user_id)) if delete is not None else False

    async def clear_home(self, platform: Platform, user_id: str, reply: Reply) -> bool | None:
        """Replace the person's home view that the platform keeps (Slack's App Home) by `reply`: True when
        replaced, False when the platform refused, None when the platform keeps no such view (Teams: its home
        is a recorded card, deleted with the journal messages)."""
        directory = self._by_platform.get(platform)
        clear = getattr(directory, "clear_home", None)
        return bool(await clear(platform, user_id, reply)) if clear is not None else None

    async def owner_note(self, place: Place) -> str | None:
        """Why the place's owners could not be read (Teams without Graph consent), for a refusal; or None."""
        directory = self._by_platform.get(place.platform)
        note = getattr(directory, "owner_note", None)
        return await note(place) if note is not None else None
    async def away(self, person: Person, now: datetime, *, dnd: bool = True) -> datetime | None:
        """Until when the platform says the person is away (Slack status, Do Not Disturb), if it knows."""
        directory = self._by_platform.get(person.platform)
        ask = getattr(directory, "away", None)
        return await ask(person, now, dnd=dnd) if ask is not None else None
