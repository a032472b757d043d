"""De-duplication of incoming work: Slack retries and Teams redeliveries never produce a second reply.

Every request passes here before anything else runs, so the key is written straight on the driver
(`Database.driver`: one hand-off to aiosqlite's thread, or one autocommitted round trip on PostgreSQL) rather
than through an ORM session (docs/benchmarks.md#driver-path)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from handlers.core.clock import Clock
from storage.db import Database, rowcount
from storage.models.base import utc_binder
from storage.models.core import InboundKey

_TABLE = InboundKey.__tablename__


class _Claim:
    """Insert one key unless present; the number of rows inserted (1: first time, 0: seen before)."""

    __slots__ = ("key", "seen_at")

    def __init__(self, key: str, seen_at: Any) -> None:
        self.key = key
        self.seen_at = seen_at

    def sqlite(self, conn: Any) -> int:
        from storage.sqlite_driver import immediate

        return int(immediate(conn, lambda: conn.execute(
            f"INSERT INTO {_TABLE} (key, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (self.key, self.seen_at)
        ).rowcount))

    async def postgres(self, conn: Any) -> int:
        status = await conn.execute(f"INSERT INTO {_TABLE} (key, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                    self.key, self.seen_at)
        return int(str(status).rsplit(" ", 1)[-1])  # "INSERT 0 1"


class InboundRepo:
    def __init__(self, db: Database, clock: Clock, memory: int = 10_000) -> None:
        self.db = db
        self.clock = clock
        self._recent: OrderedDict[str, None] = OrderedDict()  # fast path inside one process
        self._memory = memory
        self._bind: Callable[[datetime], Any] = utc_binder(db.engine.dialect)  # seen_at as the ORM writes it

    async def first_time(self, key: str) -> bool:
        """True exactly once per key across all replicas (the database decides)."""
        key = key[:300]
        if key in self._recent:
            return False
        inserted = await self.db.driver(_Claim(key, self._bind(self.clock.now())))
        self._recent[key] = None
        if len(self._recent) > self._memory:
            self._recent.popitem(last=False)
        return inserted > 0

    async def purge(self, older_than: timedelta = timedelta(days=2)) -> int:
        async with self.db.session() as session:
            result = await session.execute(
                delete(InboundKey).where(InboundKey.seen_at < self.clock.now() - older_than)
            )
        return rowcount(result)
