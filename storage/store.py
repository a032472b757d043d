"""All repositories behind one object, handed to the core as `Services.store`."""

from __future__ import annotations

from handlers.core.clock import Clock
from storage.crypto import Vault
from storage.db import Database
from storage.repos.calendar import CalendarRepo
from storage.repos.identities import ConversationRepo, IdentityRepo
from storage.repos.inbound import InboundRepo
from storage.repos.lifecycle import LifecycleRepo
from storage.repos.meetings import MeetingRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.pulse import PulseRepo
from storage.repos.reports import ReportsRepo
from storage.repos.scope import ScopeRepo
from storage.repos.settings import SettingsRepo
from storage.repos.timebox import TimeboxRepo
from storage.repos.timeoff import TimeOffRepo


class Store:
    def __init__(self, db: Database, clock: Clock, vault: Vault | None = None) -> None:
        """`vault`: the keys for answers awaiting their seal and for journals (bot/runtime.py derives them from
        the server secret); without one, a key that lives only in this process (tests, one-off tools)."""
        self.db = db
        self.identities = IdentityRepo(db, clock)
        self.conversations = ConversationRepo(db, clock)
        self.settings = SettingsRepo(db, clock)
        self.outbox = OutboxRepo(db, clock)
        self.inbound = InboundRepo(db, clock)
        self.pulse = PulseRepo(db, clock, vault=vault)
        self.scope = ScopeRepo(db, clock)
        self.meetings = MeetingRepo(db, clock)
        self.timebox = TimeboxRepo(db, clock)
        self.calendar = CalendarRepo(db, clock)
        self.timeoff = TimeOffRepo(db, clock)
        self.reports = ReportsRepo(db)
        self.lifecycle = LifecycleRepo(db, clock, caches=(self.identities, self.conversations))

    async def ping(self) -> bool:
        return await self.db.ping()

    async def close(self) -> None:
        """Before the database is disposed: what the repositories keep open (the outbox's group commit)."""
        await self.outbox.close()
