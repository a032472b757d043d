"""All repositories behind one object, handed to the core as `Services.store`.

Every repository is built, and its module and the models it maps imported, when it is first asked for, and
the database behind them (storage/handle.py) is built by the first repository: a restart imports neither
SQLAlchemy nor any table before it answers (docs/benchmarks.md, "Cold start"). What the platform code holds
from the start holds the store, and asks it for a repository when it needs one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar, overload

from handlers.core.clock import Clock
from storage.crypto import Vault
from storage.handle import DatabaseHandle

if TYPE_CHECKING:
    from handlers.core.types import Platform
    from storage.db import Database
    from storage.repos.calendar import CalendarRepo
    from storage.repos.identities import ConversationRepo, IdentityRepo
    from storage.repos.inbound import InboundRepo
    from storage.repos.installations import InstallationRepo
    from storage.repos.lifecycle import LifecycleRepo
    from storage.repos.meetings import MeetingRepo
    from storage.repos.outbox import OutboxRepo
    from storage.repos.places import PlacesRepo
    from storage.repos.pulse import PulseRepo
    from storage.repos.reports import ReportsRepo
    from storage.repos.scope import ScopeRepo
    from storage.repos.settings import SettingsRepo
    from storage.repos.timebox import TimeboxRepo
    from storage.repos.timeoff import TimeOffRepo

R = TypeVar("R")


class _OnFirstUse(Generic[R]):
    """A store attribute built by `build` when first read, then kept (one instance per store, also when two
    threads ask at once: a repository may keep caches)."""

    def __init__(self, build: Callable[[Store], R]) -> None:
        self.build = build
        self.name = build.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, store: None, owner: type) -> _OnFirstUse[R]: ...

    @overload
    def __get__(self, store: Store, owner: type) -> R: ...

    def __get__(self, store: Store | None, owner: type) -> _OnFirstUse[R] | R:
        if store is None:
            return self
        with store._building:
            if self.name not in store.__dict__:  # a later read finds the instance first (no data descriptor)
                store.__dict__[self.name] = self.build(store)
            return store.__dict__[self.name]


class Store:
    def __init__(self, db: Database | DatabaseHandle, clock: Clock, vault: Vault | None = None) -> None:
        """`db`: the database, or its handle (built by the first repository); `vault`: the keys for answers
        awaiting their seal and for journals (bot/runtime.py derives them from the server secret); without one, a
        key that lives only in this process (tests, one-off tools)."""
        self.handle = db if isinstance(db, DatabaseHandle) else DatabaseHandle.of(db)
        self.clock = clock
        self.vault = vault
        self._building = threading.RLock()
        #: Per-process caches of people's rows that drop a person when they are forgotten (the Teams lines
        #: known): the identities repository calls each, and may be built after they listen.
        self.on_forget: list[Callable[[Platform, str], None]] = []

    @property
    def db(self) -> Database:
        """The database (built on first use: storage/handle.py)."""
        return self.handle.get()

    @_OnFirstUse
    def identities(self) -> IdentityRepo:
        from storage.repos.identities import IdentityRepo

        return IdentityRepo(self.db, self.clock, on_forget=self.on_forget)

    @_OnFirstUse
    def conversations(self) -> ConversationRepo:
        from storage.repos.identities import ConversationRepo

        return ConversationRepo(self.db, self.clock)

    @_OnFirstUse
    def outbox(self) -> OutboxRepo:
        from storage.repos.outbox import OutboxRepo

        return OutboxRepo(self.db, self.clock)

    @_OnFirstUse
    def inbound(self) -> InboundRepo:
        from storage.repos.inbound import InboundRepo

        return InboundRepo(self.db, self.clock)

    @_OnFirstUse
    def settings(self) -> SettingsRepo:
        from storage.repos.settings import SettingsRepo

        return SettingsRepo(self.db, self.clock)

    @_OnFirstUse
    def pulse(self) -> PulseRepo:
        from storage.repos.pulse import PulseRepo

        return PulseRepo(self.db, self.clock, vault=self.vault, on_forget=self.identities.forgotten)

    @_OnFirstUse
    def scope(self) -> ScopeRepo:
        from storage.repos.scope import ScopeRepo

        return ScopeRepo(self.db, self.clock)

    @_OnFirstUse
    def meetings(self) -> MeetingRepo:
        from storage.repos.meetings import MeetingRepo

        return MeetingRepo(self.db, self.clock)

    @_OnFirstUse
    def timebox(self) -> TimeboxRepo:
        from storage.repos.timebox import TimeboxRepo

        return TimeboxRepo(self.db, self.clock)

    @_OnFirstUse
    def calendar(self) -> CalendarRepo:
        from storage.repos.calendar import CalendarRepo

        return CalendarRepo(self.db, self.clock)

    @_OnFirstUse
    def timeoff(self) -> TimeOffRepo:
        from storage.repos.timeoff import TimeOffRepo

        return TimeOffRepo(self.db, self.clock)

    @_OnFirstUse
    def reports(self) -> ReportsRepo:
        from storage.repos.reports import ReportsRepo

        return ReportsRepo(self.db)

    @_OnFirstUse
    def places(self) -> PlacesRepo:
        from storage.repos.places import PlacesRepo

        return PlacesRepo(self.db, self.clock)

    @_OnFirstUse
    def lifecycle(self) -> LifecycleRepo:
        from storage.repos.lifecycle import LifecycleRepo

        return LifecycleRepo(self.db, self.clock, caches=(self.identities, self.conversations))

    @_OnFirstUse
    def installations(self) -> InstallationRepo:
        """Slack OAuth mode's installations and OAuth states (bot/slack/oauth.py)."""
        from storage.repos.installations import InstallationRepo

        return InstallationRepo(self.db, self.clock)

    async def ping(self) -> bool:
        return await self.handle.ping()

    async def close(self) -> None:
        """Before the database is disposed: what the repositories keep open (the outbox's group commit)."""
        outbox = self.__dict__.get("outbox")  # never built: nothing open
        if outbox is not None:
            await outbox.close()
