"""What the Slack sender and directory need of the bot's records, as Protocols: they never import storage
(storage.repos.identities.IdentityRepo implements both; storage.store.Store holds it, built on first use)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from handlers.core.types import Person, Platform


class Line(Protocol):
    """How to reach a person 1:1, as stored."""

    @property
    def dm_channel(self) -> str | None: ...

    @property
    def team_id(self) -> str: ...


class DirectLines(Protocol):
    """The sender's one lookup: a person's DM channel (and workspace), kept once Slack has opened it."""

    async def direct_line(self, platform: Platform, user_id: str) -> Line | None: ...

    async def set_direct_line(self, platform: Platform, user_id: str, *, dm_channel: str | None = None) -> None: ...


class People(DirectLines, Protocol):
    """The directory's: people as last seen, remembered when Slack tells more."""

    async def get(self, platform: Platform, user_id: str) -> Person | None: ...

    async def remember(self, person: Person, team_id: str = "") -> None: ...

    async def remember_many(self, entries: Sequence[tuple[Person, str]]) -> int: ...


class LinesStore(Protocol):
    """What holds the sender's lookup (the store: it builds the repository when it is first asked for)."""

    @property
    def identities(self) -> DirectLines: ...


class PeopleStore(Protocol):
    """What holds the directory's people."""

    @property
    def identities(self) -> People: ...
