"""The dependencies every handler gets, passed in explicitly (no globals)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from handlers.core.clock import Clock
from handlers.core.ports import Directory, OutboxPort, Store
from handlers.core.signing import Signer
from handlers.core.timeparse import zone
from handlers.core.types import Person, Place


@dataclass(frozen=True, slots=True)
class CoreSettings:
    """The part of the configuration the core needs."""

    default_tz: str = "UTC"
    admins: frozenset[str] = frozenset()
    public_url: str = ""  # STEADYBOT_PUBLIC_URL: where people reach `steadybot serve` (report links)


@dataclass(slots=True)
class Services:
    settings: CoreSettings
    clock: Clock
    store: Store  # storage.store.Store in production
    outbox: OutboxPort
    directory: Directory
    rng: random.Random = field(default_factory=random.SystemRandom)
    signer: Callable[[str], Signer] | None = None  # the server secret's signer per purpose (bot/secret.py)
    # Outside-world ports a feature needs beyond the common ones, passed in when the runtime is built (the
    # calendar feed fetcher under "calendar", a platform's own such as Teams' "graph_calendar"); a feature
    # reads its own key and copes with its absence.
    ports: dict[str, Any] = field(default_factory=dict)

    def tz_of(self, person: Person) -> ZoneInfo:
        return zone(person.tz, self.settings.default_tz)

    def is_admin(self, person: Person) -> bool:
        return bool(person.known_ids() & self.settings.admins)

    async def may_manage(self, person: Person, place: Place) -> bool:
        """Channel settings, schedules and thresholds are for the channel's owner and the admins."""
        if self.is_admin(person):
            return True
        if place.is_direct:
            return False
        owners = await self.directory.owner_ids(place)
        return bool(person.known_ids() & owners)

    async def why_not_owner(self, place: Place) -> str:
        """A sentence for a refusal when the platform could not say who owns the place (Teams without Graph
        consent), starting with a space; "" otherwise. Directories without `owner_note` have nothing to add."""
        note = getattr(self.directory, "owner_note", None)
        if note is None or place.is_direct:
            return ""
        try:
            said = await note(place)
        except Exception:  # noqa: BLE001 - a note is a courtesy; the refusal stands without it
            return ""
        return f" {said}" if said else ""
