"""What Slack listeners need, passed in at registration (no globals)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from handlers.core.clock import Clock
from handlers.core.dispatch import Core
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Person

log = logging.getLogger("steadybot.slack")


@dataclass(slots=True)
class SlackDeps:
    core: Core
    store: object  # storage.store.Store
    clock: Clock

    async def first_time(self, key: str) -> bool:
        """De-duplicate redeliveries. If the database is down we answer (with a friendly error) anyway."""
        if not key or key.endswith(":"):
            return True
        try:
            return await self.store.inbound.first_time(key)  # type: ignore[attr-defined]
        except StorageUnavailable:
            return True

    async def remember(self, person: Person, team_id: str) -> None:
        try:
            await self.store.identities.remember(person, team_id)  # type: ignore[attr-defined]
        except StorageUnavailable:
            log.debug("could not remember a person: database unavailable")
