"""The database as a process holds it from its start: its URL and kind at once, the SQLAlchemy engine on first use.

A restart answers `/healthz` without importing SQLAlchemy (its import was most of what a restart spent beyond
the bare frameworks: docs/benchmarks.md, "Cold start"). The start's checks and the health ping before the
engine exists use the drivers themselves (storage/startcheck.py, storage/rawdb.py); `get()` builds
`storage.db.Database` — the engine, its pool, the breaker — when something first needs it: the first request
that reads or writes, the outbox's first tick (one `STEADYBOT_OUTBOX_INTERVAL` after the start), a scrape.
Once built, every call goes to it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from storage import rawdb

if TYPE_CHECKING:
    from storage.db import Database


class DatabaseHandle:
    def __init__(self, url: str, **options: Any) -> None:
        """`options`: what `storage.db.Database` takes besides the URL (secrets, timeouts, pool size)."""
        self.url = url
        self.backend = rawdb.backend(url)  # ValueError for a URL no driver here serves, at once
        self.options = options
        self.connect_timeout = float(options.get("connect_timeout", 3.0))
        self._db: Database | None = None
        self._lock = threading.Lock()  # a render thread and the loop may both ask first

    @classmethod
    def of(cls, db: Database) -> DatabaseHandle:
        """A handle for a database built already (tests, tools)."""
        handle = cls(db.url, connect_timeout=db.connect_timeout)
        handle._db = db
        return handle

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    @property
    def built(self) -> bool:
        return self._db is not None

    def get(self) -> Database:
        db = self._db
        if db is None:
            with self._lock:
                if self._db is None:
                    from storage.db import Database

                    self._db = Database(self.url, **self.options)
                db = self._db
        return db

    async def ping(self) -> bool:
        """The database answers (`/healthz`): through the engine once it exists, else one short driver
        connection, so a health check never builds the engine."""
        db = self._db
        if db is not None:
            return await db.ping()
        return await rawdb.ping(self.url, connect_timeout=self.connect_timeout)

    @property
    def is_down(self) -> bool:
        """The engine's circuit breaker is open (no engine yet: no outage seen)."""
        return self._db is not None and self._db.is_down

    @property
    def outages(self) -> int:
        return self._db.outages if self._db is not None else 0

    async def dispose(self) -> None:
        if self._db is not None:
            await self._db.dispose()
