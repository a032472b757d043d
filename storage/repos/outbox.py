"""The outbox: rows to send later, claimed by any replica without double sends.

A claim moves due rows to `sending` with a lease. On PostgreSQL the candidate rows are locked with
`FOR UPDATE SKIP LOCKED`, so two replicas claiming at once get disjoint rows; on SQLite the single
`UPDATE … WHERE id IN (SELECT …) RETURNING` runs under BEGIN IMMEDIATE, which serialises writers. A row
whose lease runs out (its sender crashed) is claimable again, so nothing is lost.

Exactly-once as far as the platform allows: right before a row goes to the platform the worker records an
in-flight marker in `result` (only while it still owns the row). A row that comes back with that marker
may already have been delivered; the sender checks the platform (Slack: the message metadata in the
channel history) before sending it again. Every state change after the claim is guarded by the owner, so
a worker whose lease ran out can never overwrite what the replica that took the row over did.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ClauseElement

from handlers.core.clock import Clock
from handlers.core.errors import StorageUnavailable
from handlers.core.jsoncodec import dumps, loads
from handlers.core.serialize import reply_from_dict, reply_to_dict, target_from_dict, target_to_dict
from handlers.core.types import OutboxItem, Reply, Target
from storage.bulk import insert_new, table_of
from storage.db import Database, rowcount
from storage.models.base import utc_binder
from storage.models.core import OutboxRow
from storage.redaction import stored_error
from storage.repos.places import PARKED, parked_targets


class OutboxStatus(StrEnum):
    """An outbox row's state; the values are what the `outbox.status` column stores."""

    PENDING = "pending"  # waiting for its due time
    SENDING = "sending"  # claimed by a worker until its lease ends
    SENT = "sent"
    FAILED = "failed"  # gave up (permanent error, or out of attempts)
    SKIPPED = "skipped"  # too late to be useful, or nothing to send any more
    CANCELLED = "cancelled"


PENDING, SENDING, SENT = OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT
FAILED, SKIPPED, CANCELLED = OutboxStatus.FAILED, OutboxStatus.SKIPPED, OutboxStatus.CANCELLED
INFLIGHT = "inflight"  # key in `result`: a send of this row may have reached the platform
_CHUNK = 500
#: `last_error` keeps this much of a reason, scrubbed first like a log line (storage/redaction.py): a database
#: reader finds no DETAIL values, tokens or configured secrets in it, whoever passed the text.
_ERROR_CHARS = 1000
#: The columns a claim returns: what `Claimed` holds (each column more is decoded for every row claimed).
log = logging.getLogger("steadybot.outbox")

_CLAIMED = ("id", "target", "kind", "payload", "data", "due_at", "attempts", "skip_if_late_by", "dedupe_key", "result")
#: The columns the worker's updates set, in the order of the PostgreSQL group commit's arrays (and its mask bits).
_PG_COLUMNS = (("status", "text"), ("due_at", "timestamptz"), ("lease_until", "timestamptz"),
               ("sent_at", "timestamptz"), ("last_error", "text"), ("result", "jsonb"))
_PG_NAMES = frozenset(name for name, _ in _PG_COLUMNS)
_ATTEMPT_BACK = OutboxRow.attempts - 1  # `retry_at(count_attempt=False)`: this attempt does not count
#: PostgreSQL: the group commit keeps its connection this long after a flush for the next updates (a fan-out
#: brings them continuously), so most flushes skip the pool's checkout.
_LINGER = 0.1


def _pg_update_sql(table: str) -> str:
    """One UPDATE for many rows, each row setting only the columns its mask names, and only while its
    worker still holds it (status `sending`, `claimed_by` its worker). Returns the ids it updated."""
    sets = ", ".join([f"{name} = CASE WHEN (v.m & {1 << bit}) = 0 THEN o.{name} ELSE v.{name} END"
                      for bit, (name, _) in enumerate(_PG_COLUMNS)]
                     + [f"attempts = o.attempts - ((v.m >> {len(_PG_COLUMNS)}) & 1)"])
    arrays = ", ".join(f"${i + 4}::{kind}[]" for i, (_, kind) in enumerate(_PG_COLUMNS))
    names = ", ".join(name for name, _ in _PG_COLUMNS)
    return (f"UPDATE {table} AS o SET {sets} "
            f"FROM unnest($1::bigint[], $2::text[], $3::int[], {arrays}) AS v(id, worker, m, {names}) "
            f"WHERE o.id = v.id AND o.claimed_by = v.worker AND o.status = '{SENDING.value}' RETURNING o.id")


def _claim_sql(table: str, postgres: bool) -> str:
    """The claim: up to a limit of due rows in due order — pending and due, or sending with a lapsed lease —
    moved to `sending` under the worker's lease, and returned.

    PostgreSQL: each kind of due row is found by its own plain index scan, locked with SKIP LOCKED (two
    claims at once get disjoint rows), and the two short lists are merged. Not one `WHERE … OR …`: the
    planner answers that with a bitmap OR of the two indexes, and a bitmap scan never marks the index
    entries of dead row versions as dead, so every claim walked every row that had been pending since the
    last VACUUM (each claim and send leaves one behind: docs/benchmarks.md#outbox-claim). A plain index
    scan marks them once and skips them after. SQLite keeps no dead versions: one `WHERE … OR …`."""
    if not postgres:
        return (f"UPDATE {table} SET status = '{SENDING.value}', claimed_by = ?, lease_until = ?, "
                f"attempts = attempts + 1 WHERE id IN (SELECT id FROM {table} "
                f"WHERE (status = '{PENDING.value}' AND due_at <= ?) OR (status = '{SENDING.value}' AND lease_until < ?) "
                f"ORDER BY due_at, id LIMIT ?) RETURNING {', '.join(_CLAIMED)}")
    returning = ", ".join(f"{table}.{name}::text" if name in _JSON else f"{table}.{name}" for name in _CLAIMED)
    return (f"WITH due AS (SELECT id, due_at FROM {table} WHERE status = '{PENDING.value}' AND due_at <= $3 "
            f"ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED), "
            f"lapsed AS (SELECT id, due_at FROM {table} WHERE status = '{SENDING.value}' AND lease_until < $3 "
            f"ORDER BY lease_until, id LIMIT $4 FOR UPDATE SKIP LOCKED), "
            f"chosen AS (SELECT id FROM (SELECT id, due_at FROM due UNION ALL SELECT id, due_at FROM lapsed) AS both_ "
            f"ORDER BY due_at, id LIMIT $4) "
            f"UPDATE {table} SET status = '{SENDING.value}', claimed_by = $1, lease_until = $2, "
            f"attempts = {table}.attempts + 1 FROM chosen WHERE {table}.id = chosen.id RETURNING {returning}")


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    target: Target
    kind: str
    reply: Reply | None
    data: dict[str, Any]
    due_at: datetime
    attempts: int
    skip_if_late_by: float | None
    dedupe_key: str | None
    result: dict[str, Any] | None  # what a previous attempt recorded before sending (recovery hints)
    worker: str = ""  # who holds the lease (guards every later update)

    @property
    def maybe_delivered(self) -> bool:
        """A previous attempt got as far as the platform (crash or timeout): check before sending again."""
        return bool(self.result and self.result.get(INFLIGHT))

    @property
    def begun_at(self) -> datetime | None:
        """When the previous attempt that got as far as the platform began (None: no such attempt)."""
        marker = (self.result or {}).get(INFLIGHT)
        try:
            return datetime.fromisoformat(str(marker.get("at"))) if isinstance(marker, dict) else None
        except ValueError:
            return None


_JSON = frozenset({"target", "payload", "data", "result"})  # as JSON text from the claim, on both databases
_MISSING = object()
_EMPTY_JSON = frozenset({None, "{}", "null"})  # `data` that decodes to an empty dict (most rows' data)


def _decode_claimed(rows: Sequence[Sequence[Any]], worker: str) -> tuple[list[Claimed], list[int]]:
    """Claimed rows (columns in `_CLAIMED` order, JSON as text) as `Claimed`, and the ids of rows that do not
    decode (a row damaged in the database must not hold up the rows claimed with it). The same JSON text
    decodes to the same target or reply — immutable values — so a batch decodes each distinct one once (a
    fan-out's rows share their payload); `data` and `result` are decoded per row (callers may change them)."""
    targets: dict[str, Target] = {}
    replies: dict[str, Reply | None] = {}
    out: list[Claimed] = []
    broken: list[int] = []
    for row in rows:
        try:
            out.append(_decode_one(row, worker, targets, replies))
        except (ValueError, TypeError, KeyError, AttributeError):
            broken.append(int(row[0]))
    return out, broken


def _decode_one(row: Sequence[Any], worker: str, targets: dict[str, Target],
                replies: dict[str, Reply | None]) -> Claimed:
    row_id, target_text, kind, payload_text, data_text, due, attempts, late_by, dedupe_key, result_text = row
    target = targets.get(target_text)
    if target is None:
        target = targets[target_text] = target_from_dict(loads(target_text))
    reply: Any = None
    if payload_text is not None:
        reply = replies.get(payload_text, _MISSING)
        if reply is _MISSING:
            payload = loads(payload_text)
            reply = replies[payload_text] = reply_from_dict(payload) if payload else None
    due = datetime.fromisoformat(due).replace(tzinfo=UTC) if isinstance(due, str) else due.astimezone(UTC)
    data = {} if data_text in _EMPTY_JSON else loads(data_text)
    result = None if result_text is None or result_text == "null" else loads(result_text)
    return Claimed(row_id, target, kind, reply, dict(data or {}), due, attempts, late_by, dedupe_key,
                   result, worker)


class _ClaimWork:
    """The claim as one unit of work on the driver (`Database.driver`): the rows it moved to `sending`."""

    __slots__ = ("sql", "args")

    def __init__(self, sql: str, args: tuple[Any, ...]) -> None:
        self.sql = sql
        self.args = args

    def sqlite(self, conn: Any) -> list[Any]:
        from storage.sqlite_driver import autocommitted

        return autocommitted(conn, self.sql, self.args)

    async def postgres(self, conn: Any) -> list[Any]:
        return list(await conn.fetch(self.sql, *self.args))


@dataclass(frozen=True, slots=True)
class FailedRow:
    id: int
    target_key: str
    kind: str
    due_at: datetime
    attempts: int
    last_error: str | None


class _GroupCommit:
    """Row updates from many coroutines share one transaction ("group commit"). Each caller still waits
    until its own update is committed, so what a crash can lose is unchanged, but a batch of concurrent
    sends costs one commit (one fsync on SQLite, one BEGIN/COMMIT on PostgreSQL) instead of one each.

    On SQLite a flush updates the rows with one executemany per set of columns, optimistically (see
    `_apply`). On PostgreSQL it is one `UPDATE … FROM unnest(…) … RETURNING id` per run of distinct rows,
    sent straight to the driver outside an explicit transaction (a single statement is atomic): one round
    trip instead of BEGIN, a locking SELECT, an executemany per column set and COMMIT
    (docs/benchmarks.md#outbox-group-commit-on-postgresql). The rows it returns are the ones their worker
    still owned."""

    def __init__(self, db: Database, max_batch: int = 256) -> None:
        self.db = db
        self._binds: dict[str, Any] | None = None
        self.max_batch = max_batch
        self._pending: list[tuple[int, str, dict[str, Any], asyncio.Future[int]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()
        self._closing = False

    async def close(self) -> None:
        """On a stop, before the pool is disposed: flush what is pending and give the lingering connection
        back now (a disposed pool does not close a connection checked out of it: PostgreSQL would keep the
        session open)."""
        self._closing = True
        self._arrived.set()
        flusher = self._flusher
        if flusher is not None:
            await asyncio.gather(flusher, return_exceptions=True)

    async def run(self, row_id: int, worker: str, values: dict[str, Any]) -> int:
        """Set `values` on the row if `worker` still holds it, in the next shared transaction; returns 1 once
        committed, or 0 if the row is no longer this worker's."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((row_id, worker, values, future))
        self._arrived.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        return await future

    async def _flush(self) -> None:
        if self.db.is_postgres:
            await self._flush_pg()
            return
        while self._pending:
            batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
            try:
                try:
                    statements = self._sqlite_statements(batch)
                    if statements is not None:
                        counts = await self._apply_sqlite(statements, len(batch))
                    else:
                        async with self.db.session() as session:
                            counts = await self._apply(session, batch, optimistic=True)
                except _Recheck:  # some row is no longer this worker's: again, finding out which
                    async with self.db.session() as session:
                        counts = await self._apply(session, batch, optimistic=False)
            except BaseException as exc:  # noqa: BLE001 - every waiting caller gets the failure
                for _, _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else StorageUnavailable("cancelled"))
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, _, _, future), count in zip(batch, counts, strict=True):
                if not future.done():
                    future.set_result(count)

    async def _flush_pg(self) -> None:
        """PostgreSQL: one connection for as long as updates keep coming (see _LINGER); each batch is applied
        in autocommit statements, and its callers are answered as soon as it is applied."""
        batch: list[tuple[int, str, dict[str, Any], asyncio.Future[int]]] = []
        try:
            async with self.db.session() as session:
                while True:
                    self._arrived.clear()
                    batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
                    if not batch:
                        if self._closing:
                            return
                        try:
                            async with asyncio.timeout(_LINGER):
                                await self._arrived.wait()
                        except TimeoutError:
                            if not self._pending:
                                return
                        continue
                    counts, autocommitted = await self._apply_pg(session, batch)
                    for (_, _, _, future), count in zip(batch, counts, strict=True):
                        if not future.done():
                            future.set_result(count)
                    batch = []
                    if not autocommitted:
                        return  # SQLAlchemy opened a transaction: commit it now (leaving the session)
        except BaseException as exc:  # noqa: BLE001 - every waiting caller gets the failure
            waiting, self._pending = batch + self._pending, []
            for _, _, _, future in waiting:
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else StorageUnavailable("cancelled"))
            if not isinstance(exc, Exception):
                raise
        finally:
            if self._pending:  # arrived while the session was closing
                self._flusher = asyncio.ensure_future(self._flush())

    def _sqlite_statements(self, batch: list[tuple[int, str, dict[str, Any], asyncio.Future[int]]]
                           ) -> list[tuple[str, list[tuple[Any, ...]]]] | None:
        """SQLite: the batch as one executemany per set of columns, parameters already in the form SQLAlchemy
        would bind them (its own bind processors: UTC datetimes, JSON). None when some update needs
        SQLAlchemy (an SQL expression, a column the worker does not set, the same row twice)."""
        processors = self._processors()
        groups: dict[tuple[tuple[str, ...], bool], list[tuple[Any, ...]]] = {}
        seen: set[int] = set()
        for row_id, worker, values, _ in batch:
            back = values.get("attempts") is _ATTEMPT_BACK
            columns = tuple(sorted(k for k in values if not (back and k == "attempts")))
            if row_id in seen or not set(columns) <= _PG_NAMES \
                    or any(isinstance(values[c], ClauseElement) for c in columns):
                return None
            seen.add(row_id)
            params = tuple(values[c] if processors[c] is None else processors[c](values[c]) for c in columns)
            groups.setdefault((columns, back), []).append((*params, row_id, worker))
        table = table_of(OutboxRow).name
        statements = []
        for (columns, back), params_list in groups.items():
            sets = [f"{c} = ?" for c in columns] + (["attempts = attempts - 1"] if back else [])
            statements.append((f"UPDATE {table} SET {', '.join(sets)} "
                               f"WHERE id = ? AND claimed_by = ? AND status = '{SENDING.value}'", params_list))
        return statements

    def _processors(self) -> dict[str, Any]:
        """Each worker-set column's bind processor on this database's dialect (None: bound as it is)."""
        if self._binds is None:
            dialect = self.db.engine.dialect
            columns = table_of(OutboxRow).c
            self._binds = {name: columns[name].type.dialect_impl(dialect).bind_processor(dialect)
                           for name in _PG_NAMES}
        return self._binds

    async def _apply_sqlite(self, statements: list[tuple[str, list[tuple[Any, ...]]]], size: int) -> list[int]:
        """SQLite, optimistic (see `_apply`): BEGIN IMMEDIATE, the executemany statements and COMMIT in one
        hand-off to the driver's thread, skipping SQLAlchemy's statement machinery for a flush whose SQL is
        fixed (docs/benchmarks.md#outbox-group-commit-on-sqlite). Raises _Recheck (rolled back) when an
        update matched fewer rows than it sets."""
        from storage.sqlite_driver import write_many

        if not await self.db.on_sqlite(functools.partial(write_many, statements)):
            raise _Recheck
        return [1] * size

    async def _apply_pg(self, session: AsyncSession,
                        batch: list[tuple[int, str, dict[str, Any], asyncio.Future[int]]]) -> tuple[list[int], bool]:
        """PostgreSQL: each run of updates to distinct rows is one statement on the driver; a row that
        comes again starts a new run (so the updates apply in order). Returns each update's count and
        whether everything was autocommitted (False: an SQL expression went through SQLAlchemy, in its
        transaction)."""
        counts = [0] * len(batch)
        autocommitted = True
        driver: Any = None
        run: list[int] = []  # indexes into batch
        in_run: set[int] = set()

        async def flush_run() -> None:
            nonlocal driver
            if not run:
                return
            if driver is None:
                raw = await (await session.connection()).get_raw_connection()
                driver = raw.driver_connection
            columns: list[list[Any]] = [[] for _ in range(2 + 1 + len(_PG_COLUMNS))]
            for i in run:
                row_id, worker, values, _ = batch[i]
                mask = 0
                columns[0].append(row_id)
                columns[1].append(worker)
                if values.get("attempts") is _ATTEMPT_BACK:
                    mask |= 1 << len(_PG_COLUMNS)
                for bit, (name, _type) in enumerate(_PG_COLUMNS):
                    if name in values:
                        mask |= 1 << bit
                        value = values[name]
                        columns[3 + bit].append(dumps(value) if name == "result" else value)
                    else:
                        columns[3 + bit].append(None)
                columns[2].append(mask)
            owned = {record[0] for record in await driver.fetch(_pg_update_sql(table_of(OutboxRow).name), *columns)}
            for i in run:
                counts[i] = 1 if batch[i][0] in owned else 0
            run.clear()
            in_run.clear()

        table = table_of(OutboxRow)
        for i, (row_id, worker, values, _) in enumerate(batch):
            plain = {k: v for k, v in values.items() if not (k == "attempts" and v is _ATTEMPT_BACK)}
            if set(plain) <= _PG_NAMES and all(not isinstance(v, ClauseElement) for v in plain.values()):
                if row_id in in_run:
                    await flush_run()
                run.append(i)
                in_run.add(row_id)
                continue
            await flush_run()  # any other SQL expression: on its own, through SQLAlchemy, in order
            autocommitted = False
            done = await session.execute(update(table).where(table.c.id == row_id, table.c.claimed_by == worker,
                                                             table.c.status == SENDING).values(**values))
            counts[i] = 1 if rowcount(done) else 0
        await flush_run()
        return counts, autocommitted

    async def _apply(self, session: AsyncSession, batch: list[tuple[int, str, dict[str, Any], asyncio.Future[int]]],
                     *, optimistic: bool) -> list[int]:
        """Apply the batch. Pessimistic: first find (and on PostgreSQL lock) the rows each worker still
        owns. Optimistic (SQLite, where the transaction holds the write lock anyway): assume every row is
        still its worker's and raise _Recheck, rolling the transaction back, if an update matched fewer rows
        — the rare lease lost to another process — saving a statement (four thread hand-offs) per flush."""
        table = table_of(OutboxRow)
        if optimistic:
            counts = [1] * len(batch)
        else:
            ids = sorted({row_id for row_id, _, _, _ in batch})  # locked in id order: no deadlock between replicas
            owners = select(table.c.id, table.c.claimed_by).where(table.c.id.in_(ids), table.c.status == SENDING)
            if self.db.is_postgres:
                owners = owners.order_by(table.c.id).with_for_update()
            holder = {row.id: row.claimed_by for row in (await session.execute(owners)).all()}
            counts = [1 if holder.get(row_id) == worker else 0 for row_id, worker, _, _ in batch]
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        seen: set[int] = set()
        for i, ((row_id, worker, values, _), owned) in enumerate(zip(batch, counts, strict=True)):
            if not owned:
                continue
            plain = all(not isinstance(v, ClauseElement) for v in values.values())
            if row_id in seen or not plain:  # the same row again, or an SQL expression: on its own, in order
                await self._many(session, groups, optimistic=optimistic)
                groups, seen = {}, set()
                done = await session.execute(update(table).where(table.c.id == row_id, table.c.claimed_by == worker,
                                                                 table.c.status == SENDING).values(**values))
                counts[i] = 1 if rowcount(done) else 0
                continue
            seen.add(row_id)
            groups.setdefault(tuple(sorted(values)), []).append(
                {"o_id": row_id, "o_worker": worker, **{f"v_{k}": v for k, v in values.items()}})
        await self._many(session, groups, optimistic=optimistic)
        return counts

    async def _many(self, session: AsyncSession, groups: dict[tuple[str, ...], list[dict[str, Any]]], *,
                    optimistic: bool) -> None:
        """One executemany per set of columns, each row guarded by its worker (again, when pessimistic)."""
        table = table_of(OutboxRow)
        for columns, params in groups.items():
            stmt = (update(table)
                    .where(table.c.id == bindparam("o_id"), table.c.claimed_by == bindparam("o_worker"),
                           table.c.status == SENDING)
                    .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns}))
            result = await session.execute(stmt, params)
            if optimistic and rowcount(result) != len(params):
                raise _Recheck


class _Recheck(Exception):
    """An optimistic group commit matched fewer rows than it updates: redo it the careful way."""


class OutboxRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.writes = _GroupCommit(db)
        self._claim: str | None = None
        self._bind = utc_binder(db.engine.dialect)  # times as the ORM stores them (SQLite: naive-UTC text)

    async def close(self) -> None:
        """Give back the connection the group commit keeps between flushes (a stop)."""
        await self.writes.close()

    async def enqueue(self, items: Sequence[OutboxItem]) -> int:
        if not items:
            return 0
        now = self.clock.now()
        rows = [
            {
                "platform": item.target.platform.value,
                "target": target_to_dict(item.target),
                "target_key": item.target.key,
                "kind": item.kind,
                "payload": reply_to_dict(item.reply) if item.reply else None,
                "data": dict(item.data),
                "dedupe_key": item.dedupe_key,
                "due_at": item.due_at,
                "skip_if_late_by": item.skip_if_late_by,
                "status": PENDING,
                "attempts": 0,
                "created_at": now,
            }
            for item in items
        ]
        async with self.db.session() as session:
            parked = await parked_targets(session, (item.target for item in items))
            if parked:  # queued for a channel archived or deleted: parked, as its earlier rows were (places.py)
                for row, item in zip(rows, items, strict=True):
                    parked_now = item.target in parked
                    row["status"], row["last_error"] = (SKIPPED, PARKED) if parked_now else (PENDING, None)
            return await insert_new(session, table_of(OutboxRow), rows, ["dedupe_key"])

    async def cancel(self, dedupe_prefix: str, *, exact: bool = False) -> int:
        """Cancel the rows still waiting under this key prefix (with `exact`: this one key; a prefix of one
        person's key is also the start of another's, `u1` of `u10`): pending ones, and parked ones (their
        channel is archived or deleted), which would otherwise come back with the channel
        (storage/repos/places.py)."""
        if not dedupe_prefix:
            raise ValueError("refusing to cancel with an empty prefix")
        pattern = dedupe_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        keyed = (OutboxRow.dedupe_key == dedupe_prefix if exact
                 else OutboxRow.dedupe_key.like(pattern, escape="\\"))
        async with self.db.session() as session:
            result = await session.execute(
                update(OutboxRow)
                .where(or_(OutboxRow.status == PENDING,
                           and_(OutboxRow.status == SKIPPED, OutboxRow.last_error == PARKED)),
                       keyed)
                .values(status=CANCELLED, last_error="cancelled")
            )
        return rowcount(result)

    async def claim(self, worker: str, limit: int = 100, lease: timedelta = timedelta(seconds=120)) -> list[Claimed]:
        """Move up to `limit` due rows (pending and due, or sending with a lapsed lease) to `sending` under
        this worker's lease; returns them in due order. One statement on the driver, no SQLAlchemy
        statement machinery and no ORM objects (docs/benchmarks.md#outbox-claim): PostgreSQL runs it
        autocommitted (one round trip; SKIP LOCKED keeps concurrent claims disjoint), SQLite inside
        BEGIN IMMEDIATE … COMMIT in one hand-off to the driver's thread."""
        now = self.clock.now()
        until = now + lease
        if self.db.is_postgres:
            args: tuple[Any, ...] = (worker, until, now, limit)
        else:
            args = (worker, self._bind(until), self._bind(now), self._bind(now), limit)
        rows = await self.db.driver(_ClaimWork(self._claim_sql(), args))
        claimed, broken = _decode_claimed(rows, worker)
        for row_id in broken:
            log.error("outbox row %s cannot be read back (damaged in the database): marked failed", row_id)
            await self.mark_failed(row_id, "the row cannot be read back", worker=worker)
        claimed.sort(key=lambda c: (c.due_at, c.id))
        return claimed

    def _claim_sql(self) -> str:
        if self._claim is None:
            self._claim = _claim_sql(table_of(OutboxRow).name, self.db.is_postgres)
        return self._claim

    async def note(self, row_id: int, result: dict[str, Any], *, worker: str | None = None) -> bool:
        """Record something about a row that is being sent (for example the DM channel it goes to)."""
        return await self._set(row_id, worker, result=result)

    async def begin_send(self, row: Claimed, marker: dict[str, Any] | None = None) -> bool:
        """Mark the row in flight right before it goes to the platform (one UPDATE, only while the claiming
        worker still holds it). False: the lease was lost to another replica, so this worker must not send.
        An earlier attempt's marker is kept: the row stays "maybe delivered" until it is resolved."""
        result = dict(row.result or {})
        if not result.get(INFLIGHT):
            result[INFLIGHT] = {"by": row.worker, "at": self.clock.now().isoformat(), **(marker or {})}
        return await self._set(row.id, row.worker, result=result)

    async def renew(self, worker: str, row_ids: Sequence[int], lease: timedelta) -> int:
        """Extend the lease of rows this worker is still working on (a long fan-out outlives one lease).
        Rows locked right now are skipped, not waited for: they are being resolved by this very worker, and
        waiting could deadlock with that update."""
        if not row_ids:
            return 0
        renewed = 0
        ids = sorted(row_ids)
        async with self.db.session() as session:
            for start in range(0, len(ids), _CHUNK):
                mine = select(OutboxRow.id).where(OutboxRow.id.in_(ids[start:start + _CHUNK]),
                                                  OutboxRow.claimed_by == worker, OutboxRow.status == SENDING)
                if self.db.is_postgres:
                    mine = mine.with_for_update(skip_locked=True)
                result = await session.execute(
                    update(OutboxRow).where(OutboxRow.id.in_(mine.scalar_subquery()))
                    .values(lease_until=self.clock.now() + lease)
                    .execution_options(synchronize_session=False)
                )
                renewed += rowcount(result)
        return renewed

    async def mark_sent(self, row_id: int, result: dict[str, Any] | None = None, *, worker: str | None = None) -> bool:
        return await self._set(row_id, worker, status=SENT, sent_at=self.clock.now(), lease_until=None,
                               result=result, last_error=None)

    async def retry_at(self, row_id: int, when: datetime, error: str, *, count_attempt: bool = True,
                       worker: str | None = None, delivered: bool | None = None) -> bool:
        """Back to pending at `when`. `delivered=False` clears the in-flight marker (the platform surely has
        nothing of this row); `None` or `True` keep it, so the next attempt checks before sending."""
        values: dict[str, Any] = {"status": PENDING, "due_at": when, "lease_until": None,
                                  "last_error": stored_error(error, _ERROR_CHARS, self.db.secrets)}
        if not count_attempt:
            values["attempts"] = _ATTEMPT_BACK
        if delivered is False:
            values["result"] = None
        return await self._set(row_id, worker, **values)

    async def mark_failed(self, row_id: int, error: str, *, worker: str | None = None) -> bool:
        return await self._set(row_id, worker, status=FAILED, lease_until=None,
                               last_error=stored_error(error, _ERROR_CHARS, self.db.secrets))

    async def mark_skipped(self, row_id: int, reason: str, *, worker: str | None = None) -> bool:
        return await self._set(row_id, worker, status=SKIPPED, lease_until=None,
                               last_error=stored_error(reason, _ERROR_CHARS, self.db.secrets))

    async def park(self, row: Claimed) -> bool:
        """The platform refused the row because its channel is archived: parked like a row queued for an
        archived channel (status `skipped`, reason `PARKED`), so it is un-parked and cancelled as those are
        (storage/repos/places.py, `cancel`). Only while the claiming worker still holds it, like every
        resolution of a claimed row (False: another worker owns it now); a parked row is never claimed. Its
        in-flight marker is kept: should it ever be sent again, an earlier part that reached the platform is
        checked for first."""
        return await self._set(row.id, row.worker or None, status=SKIPPED, lease_until=None, last_error=PARKED)

    async def _set(self, row_id: int, worker: str | None = None, **values: Any) -> bool:
        """Update one row; with `worker`, only while that worker still holds it (its lease did not move on).
        The worker's updates go through the group commit; each call returns once its own update is durable."""
        if worker is not None:
            return await self.writes.run(row_id, worker, values) > 0
        stmt = update(OutboxRow).where(OutboxRow.id == row_id)
        async with self.db.session() as session:
            result = await session.execute(stmt.values(**values))
        return rowcount(result) > 0

    # ---- for operators -----------------------------------------------------------------------------
    async def failed(self, limit: int = 50) -> list[FailedRow]:
        async with self.db.session() as session:
            rows = (await session.execute(
                select(OutboxRow).where(OutboxRow.status == FAILED).order_by(OutboxRow.id.desc()).limit(limit)
            )).scalars().all()
            return [FailedRow(r.id, r.target_key, r.kind, r.due_at, r.attempts, r.last_error) for r in rows]

    async def counts(self) -> dict[str, int]:
        async with self.db.session() as session:
            rows = await session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
            return {status: count for status, count in rows.all()}

    async def next_due(self) -> datetime | None:
        async with self.db.session() as session:
            return await session.scalar(
                select(func.min(OutboxRow.due_at)).where(OutboxRow.status == PENDING)
            )

    async def requeue_failed(self, row_ids: Sequence[int] | None = None) -> int:
        """Give failed rows another round of attempts (an operator fixed the cause)."""
        stmt = update(OutboxRow).where(OutboxRow.status == FAILED)
        if row_ids is not None:
            stmt = stmt.where(OutboxRow.id.in_(list(row_ids)))
        async with self.db.session() as session:
            result = await session.execute(stmt.values(status=PENDING, attempts=0, due_at=self.clock.now()))
        return rowcount(result)

    async def purge(self, older_than: timedelta) -> int:
        """Delete sent/skipped/cancelled rows due more than `older_than` ago (failed rows stay for operators)."""
        cutoff = self.clock.now() - older_than
        async with self.db.session() as session:
            result = await session.execute(
                delete(OutboxRow).where(OutboxRow.status.in_((SENT, SKIPPED, CANCELLED)),
                                        OutboxRow.due_at < cutoff)  # (status, due_at) is indexed
            )
        return rowcount(result)
