"""De-duplication of incoming work: Slack retries and Teams redeliveries never produce a second reply."""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

from sqlalchemy import delete

from handlers.core.clock import Clock
from storage.db import Database, rowcount
from storage.models.core import InboundKey
from storage.upsert import insert_for


class InboundRepo:
    def __init__(self, db: Database, clock: Clock, memory: int = 10_000) -> None:
        self.db = db
        self.clock = clock
        self._recent: OrderedDict[str, None] = OrderedDict()  # fast path inside one process
        self._memory = memory

    async def first_time(self, key: str) -> bool:
        """True exactly once per key across all replicas (the database decides)."""
        key = key[:300]
        if key in self._recent:
            return False
        insert = insert_for(self.db.dialect)
        stmt = insert(InboundKey).values(key=key, seen_at=self.clock.now()).on_conflict_do_nothing()
        async with self.db.session() as session:
            result = await session.execute(stmt)
        self._recent[key] = None
        if len(self._recent) > self._memory:
            self._recent.popitem(last=False)
        return rowcount(result) > 0

    async def purge(self, older_than: timedelta = timedelta(days=2)) -> int:
        async with self.db.session() as session:
            result = await session.execute(
                delete(InboundKey).where(InboundKey.seen_at < self.clock.now() - older_than)
            )
        return rowcount(result)
