"""What the core needs from the outside world, as Protocols. Storage and the adapters implement them;
the core never imports them, so features are testable with in-memory stand-ins and the real things alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Protocol

from handlers.core.types import MessageRef, OutboxItem, Person, Place, Platform

if TYPE_CHECKING:  # the features' own store protocols; only for the aggregate `Store` below
    from handlers.core.timeoff import TimeOffStore
    from handlers.meetings.calendar_ports import CalendarStore
    from handlers.meetings.ports import MeetingStore
    from handlers.pulse.ports import PulseStore
    from handlers.reports.ports import ReportsStore
    from handlers.scope.ports import ScopeStore
    from handlers.timebox.ports import TimeboxStore


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """Per-channel switches, changed with `/steadybot settings` by the channel's owner or an admin."""

    scope_watch: bool = True
    scope_sensitivity: str = "normal"  # low | normal | high
    agenda_enforcement: bool = True
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    min_respondents: int = 5
    extra: dict[str, Any] = field(default_factory=dict)

    MIN_RESPONDENTS_FLOOR = 3

    def with_changes(self, **changes: Any) -> ChannelSettings:
        return replace(self, **changes)


class Directory(Protocol):
    """Platform facts the core asks for. One implementation per adapter."""

    async def members(self, place: Place) -> list[Person]:
        """The humans in a channel (no bots, not the bot itself), with timezones where known."""
        ...

    async def person(self, platform: Platform, user_id: str) -> Person | None:
        """A person with their timezone, or None when the platform does not know them."""
        ...

    async def owner_ids(self, place: Place) -> set[str]:
        """Ids of who owns the channel: Slack's channel creator, the Teams team owners."""
        ...

    async def delete_message(self, ref: MessageRef, user_id: str) -> bool:
        """Delete a message the bot posted to this person (Slack chat.delete, Bot Framework delete activity);
        False when the platform would not (already gone, no conversation known)."""
        ...


async def is_member(directory: Directory, place: Place, user_id: str) -> bool:
    """Whether the person is in the channel now: the directory's own fresh check where it has one (`is_member`:
    Slack conversations.members, the Teams connector's member lookup), else its member list. Failures are
    raised: the caller refuses or waits rather than guess."""
    ask = getattr(directory, "is_member", None)
    if ask is not None:
        return bool(await ask(place, user_id))
    return any(person.id == user_id for person in await directory.members(place))


async def team_group_id(directory: Directory, place: Place) -> str | None:
    """The Microsoft 365 group id of the team the place belongs to, where the platform has such a thing
    (Teams: every team is backed by a group; the directory's optional `team_group_id(place)`). None when the
    directory has no such method (Slack, the demo) or the place belongs to no team (a chat, a DM): the
    caller then refuses whatever needs the team's group. When the platform could not say (the lookup
    failed), the directory raises: the caller refuses or waits rather than guess."""
    ask = getattr(directory, "team_group_id", None)
    if ask is None:
        return None
    found = await ask(place)
    return str(found) if found else None


async def tenant_of(directory: Directory, place: Place) -> str | None:
    """The tenant (Microsoft 365 organisation) a channel belongs to, where the platform has tenants and the
    directory knows the channel's (Teams: the directory's optional `tenant_of(place)`, from what the platform
    said with the channel's own activities). None when the directory has no such method (Slack, the demo) or
    cannot tell: the caller then trusts nothing that needs it."""
    ask = getattr(directory, "tenant_of", None)
    if ask is None:
        return None
    found = await ask(place)
    return str(found) if found else None


class OutboxPort(Protocol):
    async def enqueue(self, items: Sequence[OutboxItem]) -> int:
        """Store items to send later; items whose dedupe_key already exists are ignored. Returns #new."""
        ...

    async def cancel(self, dedupe_prefix: str, *, exact: bool = False) -> int:
        """Cancel unsent items whose dedupe key starts with the prefix (with `exact`: is the key). Returns how
        many."""
        ...


class IdentityStore(Protocol):
    async def remember(self, person: Person, team_id: str = "") -> None: ...

    async def get(self, platform: Platform, user_id: str) -> Person | None: ...


class SettingsStore(Protocol):
    async def get(self, place: Place) -> ChannelSettings: ...

    async def put(self, place: Place, settings: ChannelSettings, changed_by: Person) -> None: ...


class InboundStore(Protocol):
    async def first_time(self, key: str, *, alone: bool = False) -> bool:
        """True the first time a key is seen (an event id, a trigger id); False for redeliveries. `alone`: the
        caller has nothing else in flight, so the key need not wait to be claimed with others."""
        ...


class PlaceChanged(Protocol):
    @property
    def applied(self) -> bool: ...  # False when a later event had already decided

    @property
    def outbox_rows(self) -> int: ...  # rows parked (inactive) or brought back (active)


class PlaceStateStore(Protocol):
    async def set_active(self, place: Place, active: bool, reason: str, event_at: datetime) -> PlaceChanged:
        """Record that the platform archived or deleted (`active` False) or brought back the place."""
        ...

    async def set_team_active(self, platform: Platform, team_id: str, active: bool, reason: str,
                              event_at: datetime) -> PlaceChanged:
        """Record that the platform archived or deleted (`active` False) or brought back a whole team: each of
        its channels is active only while both the team and the channel itself are."""
        ...


class Store(Protocol):
    """`Services.store`: every repository the core reads, one attribute per area (storage.store.Store in
    production). Read-only properties, so an implementation may hold any subtype of each protocol."""

    @property
    def settings(self) -> SettingsStore: ...

    @property
    def identities(self) -> IdentityStore: ...

    @property
    def inbound(self) -> InboundStore: ...

    @property
    def pulse(self) -> PulseStore: ...

    @property
    def scope(self) -> ScopeStore: ...

    @property
    def meetings(self) -> MeetingStore: ...

    @property
    def timebox(self) -> TimeboxStore: ...

    @property
    def reports(self) -> ReportsStore: ...

    @property
    def calendar(self) -> CalendarStore: ...

    @property
    def timeoff(self) -> TimeOffStore: ...

    @property
    def places(self) -> PlaceStateStore: ...
