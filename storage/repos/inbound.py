"""De-duplication of incoming work: Slack retries and Teams redeliveries never produce a second reply.

Every request passes here before anything else runs, so the keys are written straight on the driver
(`Database.driver`: one hand-off to aiosqlite's thread, or one autocommitted round trip on PostgreSQL) rather
than through an ORM session (docs/benchmarks.md#driver-path). Keys that arrive together share that one unit:
the first key starts a flush task, every key that arrives before it runs (the same loop turn) or while it
runs joins the next batch, and one `INSERT … ON CONFLICT DO NOTHING RETURNING key` decides a whole batch —
the keys it returns were inserted by this statement, so each is "first time" for exactly one caller across
all replicas (docs/benchmarks.md#de-duplication-keys-coalesced)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from handlers.core.clock import Clock
from storage.db import Database, rowcount
from storage.models.base import utc_binder
from storage.models.core import InboundKey

_TABLE = InboundKey.__tablename__
#: The most keys one statement decides (a burst beyond it takes several flushes, one after another).
BATCH = 200
_PG_CLAIM = (f"INSERT INTO {_TABLE} (key, seen_at) SELECT * FROM unnest($1::text[], $2::timestamptz[]) "
             "ON CONFLICT DO NOTHING RETURNING key")


def _sqlite_claim(n: int) -> str:
    values = ", ".join(["(?, ?)"] * n)
    return f"INSERT INTO {_TABLE} (key, seen_at) VALUES {values} ON CONFLICT DO NOTHING RETURNING key"


class _Claim:
    """Insert the keys not present yet; the set of keys this statement inserted (first time for each)."""

    __slots__ = ("keys", "seen")

    def __init__(self, keys: Sequence[str], seen: Sequence[Any]) -> None:
        self.keys = keys
        self.seen = seen

    def sqlite(self, conn: Any) -> set[str]:
        from storage.sqlite_driver import autocommitted

        parameters = [value for pair in zip(self.keys, self.seen, strict=True) for value in pair]
        return {row[0] for row in autocommitted(conn, _sqlite_claim(len(self.keys)), parameters)}

    async def postgres(self, conn: Any) -> set[str]:
        return {row[0] for row in await conn.fetch(_PG_CLAIM, list(self.keys), list(self.seen))}


class InboundRepo:
    def __init__(self, db: Database, clock: Clock, memory: int = 10_000) -> None:
        self.db = db
        self.clock = clock
        self._recent: OrderedDict[str, None] = OrderedDict()  # fast path inside one process
        self._memory = memory
        self._bind: Callable[[datetime], Any] = utc_binder(db.engine.dialect)  # seen_at as the ORM writes it
        self._waiting: dict[str, tuple[Any, asyncio.Future[bool]]] = {}  # the next batch: key -> (seen, answer)
        self._flusher: asyncio.Task[None] | None = None

    async def first_time(self, key: str, *, alone: bool = False) -> bool:
        """True exactly once per key across all replicas (the database decides). `alone`: the caller has no
        other request in flight, so when no batch is pending either the key is claimed right here (module
        docstring); a key arriving meanwhile starts a batch as usual, and the database decides between them."""
        key = key[:300]
        if key in self._recent:
            return False
        if alone and self._flusher is None and not self._waiting:
            inserted = await self.db.driver(_Claim((key,), (self._bind(self.clock.now()),)), small=True)
            self._remember(key)
            return key in inserted
        waiting = self._waiting.get(key)
        if waiting is not None:  # the same key twice in one batch (a retry racing its original)
            await asyncio.shield(waiting[1])  # the database's answer goes to the first; failures to both
            return False
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[key] = (self._bind(self.clock.now()), answer)
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush(), name="inbound keys")
        # shielded: a cancelled request leaves the answer to the batch, which goes on, so a retry of the
        # same key waiting on it is not cancelled with it
        return await asyncio.shield(answer)

    async def _flush(self) -> None:
        """Decide the waiting keys, batch after batch, until none waits."""
        try:
            while self._waiting:
                # sorted: replicas inserting overlapping batches take the keys' locks in one order (PostgreSQL
                # waits for another's uncommitted insert of a key; two orders could deadlock)
                keys = sorted(list(self._waiting)[:BATCH])
                batch = {key: self._waiting.pop(key) for key in keys}
                try:
                    inserted = await self.db.driver(_Claim(keys, [seen for seen, _ in batch.values()]), small=True)
                except asyncio.CancelledError:  # a stop: nobody learns more than that
                    for _, answer in batch.values():
                        answer.cancel()
                    raise
                except Exception as exc:  # StorageUnavailable above all: every caller of the batch gets it
                    for _, answer in batch.values():
                        if not answer.done():
                            answer.set_exception(exc)
                    continue
                for key, (_, answer) in batch.items():
                    self._remember(key)
                    if not answer.done():
                        answer.set_result(key in inserted)
        finally:
            self._flusher = None
            for _, answer in self._waiting.values():  # only if cancelled: nobody is left to decide them
                if not answer.done():
                    answer.cancel()
            self._waiting.clear()

    def _remember(self, key: str) -> None:
        self._recent[key] = None
        if len(self._recent) > self._memory:
            self._recent.popitem(last=False)

    async def purge(self, older_than: timedelta = timedelta(days=2)) -> int:
        async with self.db.session() as session:
            result = await session.execute(
                delete(InboundKey).where(InboundKey.seen_at < self.clock.now() - older_than)
            )
        return rowcount(result)
