"""Routes the core's Directory questions to the adapter of the place's platform."""

from __future__ import annotations

from datetime import datetime

from handlers.core.ports import Directory
from handlers.core.types import Person, Place, Platform


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

    async def owner_ids(self, place: Place) -> set[str]:
        directory = self._by_platform.get(place.platform)
        return await directory.owner_ids(place) if directory else set()

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
