"""The outbox tick: claim due rows, prepare them through the core, send them through the right platform.

- Rows for one target are sent in due order, one at a time; different targets go out concurrently.
- Right before a row goes out it is marked in flight (only while this worker still holds its lease), and
  it is marked sent right after its own send. After a crash only rows marked in flight can have reached
  the platform; the sender checks those before sending again (Slack: message metadata in the history).
- Leases are renewed while a long batch is being worked on, so a lease can be short (a crashed replica's
  rows come back quickly) without another replica taking over rows that are merely waiting their turn.
- Rate limits reschedule without using up an attempt; other failures back off with jitter and, after
  `max_attempts`, the row is marked failed with its reason (visible to operators, never dropped silently).
- A row with `skip_if_late_by` that comes due too late (the process was down) is skipped, not sent late.
- A channel's row the platform refuses because the channel is archived (`ChannelArchived`: queued while the
  archive was being committed, or the archive event never came) is parked as the rows queued for an archived
  channel are, and the place is recorded inactive if it is not yet (storage/repos/places.py): what is queued
  for it next is parked at once, and the unarchive brings back what is still ahead. A person's row fails.
- Kinds with a batch preparer (pulse DMs) are prepared for the whole claimed batch at once: one
  transaction instead of a few per row. A row uses that answer only if it goes out within
  `PREPARED_FOR` seconds; a row that waited longer (pacing, rate limits) is prepared again on its own,
  so "still wanted?" is always decided moments before the send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.adapter import Delivery, Sender
from bot.outbox.errors import ChannelArchived, DeliveryError, LeaseLost, RateLimited
from handlers.core.clock import Clock
from handlers.core.dispatch import Core
from handlers.core.errors import Later, StorageUnavailable
from handlers.core.registry import Pending
from handlers.core.types import Place, Platform, Reply
from storage.redaction import stored_error
from storage.unavailable import DatabaseDown

if TYPE_CHECKING:
    from storage.repos.outbox import Claimed, OutboxRepo
    from storage.repos.places import PlacesRepo
    from storage.store import Store

log = logging.getLogger("steadybot.outbox")
PREPARED_FOR = 5.0  # seconds a batch-prepared answer stays good
_UNPREPARED = object()
_HANDLED = object()  # `_send`: the row was resolved without a send to record
ARCHIVED_AT_SEND = "archived (refused a send)"  # the reason a place recorded by the worker keeps


async def mark_in_flight(row: Claimed, outbox: OutboxRepo) -> None:
    """Record that this row is about to reach the platform; raise LeaseLost if another worker owns it."""
    if row.worker and not await outbox.begin_send(row):
        raise LeaseLost(f"outbox row {row.id}: lease lost to another worker")


class _Places:
    """The sends in flight at once (a semaphore), calling `on_last` when the batch's last row takes its place."""

    def __init__(self, places: int, rows: int, on_last: Callable[[], None]) -> None:
        self._places = asyncio.Semaphore(places)
        self._left = rows
        self._on_last = on_last

    async def __aenter__(self) -> None:
        await self._places.acquire()
        self._left -= 1
        if self._left == 0:
            self._on_last()

    async def __aexit__(self, *_: object) -> None:
        self._places.release()


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        core: Core,
        senders: Mapping[Platform, Sender],
        clock: Clock,
        *,
        worker_id: str | None = None,
        batch: int = 500,
        concurrency: int = 32,
        lease: timedelta = timedelta(seconds=30),
        max_attempts: int = 6,
        backoff_base: float = 2.0,
        backoff_cap: float = 600.0,
        rng: random.Random | None = None,
        places: PlacesRepo | None = None,
    ) -> None:
        self.store = store  # its repositories are built on first use (storage/store.py): the first tick's claim
        self._places = places  # where an archived channel is recorded (default: the store's)
        self.core = core
        self.senders = dict(senders)
        self.clock = clock
        self.worker_id = worker_id or f"w-{uuid.uuid4().hex[:10]}"
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.rng = rng or random.Random()
        self._lock = asyncio.Lock()
        self._unmarked = asyncio.Semaphore(concurrency)  # sent rows whose sent mark is not durable yet
        self._kick_task: asyncio.Task[int] | None = None
        self._closing = False
        self._working: set[int] = set()  # ids claimed by this worker and not resolved yet
        self._ahead: set[int] = set()  # ids claimed for the next round of a drain (see `_claim_ahead`)
        self._prepared: dict[int, tuple[float, list[Reply] | None]] = {}  # batch-prepared answers by row id
        self.stats: dict[str, int] = {"sent": 0, "retried": 0, "failed": 0, "skipped": 0, "rate_limited": 0,
                                      "lost": 0}
        self.on_outcome: Callable[[str, str], None] | None = None  # (platform, outcome): bot/metrics.py

    @property
    def repo(self) -> OutboxRepo:
        return self.store.outbox

    @property
    def places(self) -> PlacesRepo:
        return self._places or self.store.places

    def kick(self) -> None:
        """Tick soon (something became due now) without waiting for the next scheduled tick."""
        if self._closing:
            return
        if self._kick_task is None or self._kick_task.done():
            self._kick_task = asyncio.ensure_future(self.drain())

    async def close(self, grace: float = 5.0) -> None:
        """A graceful stop: no new round starts; the drain a kick started finishes the round it is in (for
        `grace` seconds at most, then it is cancelled and the leases bring its unsent rows back). Called
        before the store flushes its last sent marks, so none is issued after that."""
        self._closing = True
        task = self._kick_task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        except Exception:  # noqa: BLE001 - the drain's own failure was logged where it happened
            log.debug("outbox: the last drain ended with an error", exc_info=True)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Tick until nothing due is left (bounded). Returns how many rows were processed. While a full batch's
        last rows are in flight, the next batch is claimed and prepared, so the sends do not stop between
        batches for a claim and a preparation (docs/benchmarks.md#pulse-fan-out-target-3)."""
        total = 0
        ahead: asyncio.Future[list[Claimed] | None] | None = None
        try:
            for round_ in range(max_rounds):
                done, ahead = await self._round(ahead, claim_ahead=round_ < max_rounds - 1 and not self._closing)
                total += done
                if done < self.batch or self._closing:
                    break
        finally:
            if ahead is not None:  # cancelled mid-drain (a stop): the lease brings its rows back
                ahead.cancel()
                if ahead.done() and not ahead.cancelled() and ahead.exception() is None:
                    self._ahead -= {row.id for row in ahead.result() or []}  # no longer renewed
        return total

    async def tick(self) -> int:
        """One claim-and-send round. Overlapping ticks in one process wait for each other. While a drain that
        `kick` started is running, a tick does nothing: that drain sends whatever is due, batch after batch,
        each claimed while the one before finishes, and a tick's round between two of its rounds only made
        the sends stop for a claim and a preparation (docs/benchmarks.md#pulse-fan-out-target-3)."""
        if self._kick_task is not None and not self._kick_task.done():
            return 0
        done, _ = await self._round(None, claim_ahead=False)
        return done

    async def _round(self, ahead: asyncio.Future[list[Claimed] | None] | None, *, claim_ahead: bool
                     ) -> tuple[int, asyncio.Future[list[Claimed] | None] | None]:
        """Send one batch: the one claimed `ahead` during the previous round, or one claimed now. With
        `claim_ahead`, a full batch claims and prepares the next one once its last row has started; that
        claim is returned for the next round."""
        async with self._lock:
            if ahead is not None:
                claimed = await ahead
                # this round sends them: their leases are renewed as `_working` now. A tick between two
                # rounds of a drain leaves the drain's claimed-ahead rows in `_ahead`, renewed by its own
                # renewer, and so does another drain.
                self._ahead -= {row.id for row in claimed or []}
            else:
                claimed = await self._claim()
            if not claimed:
                return 0, None
            self._working = {row.id for row in claimed}
            if ahead is None:
                await self._prepare_batch(claimed)
            groups: OrderedDict[str, list[Claimed]] = OrderedDict()
            for row in claimed:
                groups.setdefault(row.target.key, []).append(row)
            following: asyncio.Future[list[Claimed] | None] | None = None

            def last_started() -> None:
                nonlocal following
                if claim_ahead and len(claimed) >= self.batch:
                    following = asyncio.ensure_future(self._claim_ahead())

            gate = _Places(self.concurrency, len(claimed), last_started)

            async def run(rows: list[Claimed]) -> None:
                for row in rows:
                    await self._process(row, gate)
                    self._working.discard(row.id)

            renewer = asyncio.ensure_future(self._renew_leases())
            try:
                await asyncio.gather(*(run(rows) for rows in groups.values()))
            except BaseException:
                if following is not None:
                    following.cancel()
                raise
            finally:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
                self._working = set()
                for row in claimed:
                    self._prepared.pop(row.id, None)
            return len(claimed), following

    async def _claim(self) -> list[Claimed] | None:
        try:
            return await self.repo.claim(self.worker_id, self.batch, self.lease)
        except DatabaseDown:
            log.debug("outbox tick skipped: database unavailable (already reported)")
        except StorageUnavailable:
            log.warning("outbox tick skipped: database unavailable")
        return None

    async def _claim_ahead(self) -> list[Claimed] | None:
        """The next batch, claimed and prepared while the current one finishes; its leases are renewed with
        the rows being worked on until its own round starts."""
        claimed = await self._claim()
        if claimed:
            ids = {row.id for row in claimed}
            self._ahead |= ids
            try:
                await self._prepare_batch(claimed)
            except BaseException:  # cancelled (a stop): no longer renewed, the lease brings them back
                self._ahead -= ids
                raise
        return claimed

    async def _prepare_batch(self, claimed: list[Claimed]) -> None:
        """Answers for the rows whose kind has a batch preparer; on any failure, rows are prepared one by one."""
        now = self.clock.now()
        rows = [row for row in claimed if row.skip_if_late_by is None
                or (now - row.due_at).total_seconds() <= row.skip_if_late_by]
        pendings = [Pending(row.target, row.kind, row.data, row.due_at, row.reply) for row in rows]
        try:
            answers = await self.core.prepare_many(pendings)
        except StorageUnavailable:
            log.debug("outbox: batch preparation skipped, database unavailable")
            return
        except Exception:  # noqa: BLE001 - preparing one by one reports the failure against each row
            log.warning("outbox: batch preparation failed; preparing row by row", exc_info=True)
            return
        at = time.monotonic()
        for i, replies in answers.items():
            self._prepared[rows[i].id] = (at, replies)

    async def _renew_leases(self) -> None:
        """While a batch is being sent, keep the leases of its unsent rows fresh (every third of a lease)."""
        interval = max(0.05, self.lease.total_seconds() / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.repo.renew(self.worker_id, sorted(self._working | self._ahead), self.lease)
            except StorageUnavailable:
                log.warning("outbox: could not renew leases, database unavailable")
            except Exception as exc:  # noqa: BLE001 - the next renewal tries again; the rows are still ours
                log.warning("outbox: could not renew leases (%s)", type(exc).__name__)

    async def _process(self, row: Claimed, gate: _Places) -> None:
        recorded: list[Callable[[], None]] = []  # what the sender asked to run once the outcome is durable
        try:
            await self._process_unsafe(row, gate, recorded)
        except StorageUnavailable as exc:
            level = logging.DEBUG if isinstance(exc, DatabaseDown) else logging.WARNING
            log.log(level, "outbox row %s: database unavailable, the lease will bring it back", row.id)
        except Exception as exc:
            log.exception("outbox row %s: unexpected failure", row.id)
            try:
                await self._retry_or_fail(row, f"unexpected {type(exc).__name__}", delivered=True)
            except StorageUnavailable:
                log.warning("outbox row %s: database unavailable, the lease will bring it back", row.id)
        finally:
            for release in recorded:
                release()

    async def _process_unsafe(self, row: Claimed, gate: _Places, recorded: list[Callable[[], None]]) -> None:
        """Prepare and send the row while holding one of the `gate`'s places, then mark it sent after giving
        the place back: the next row starts while this one's update waits for the group commit (a place
        held through both durable updates left every send waiting for two flushes)."""
        async with gate:
            result = await self._send(row, recorded)
            if result is _HANDLED:
                return
            # A row sent but not yet marked sent is "maybe delivered" after a crash: keep at most
            # `concurrency` of them waiting for the group commit (the place is held while that many wait).
            await self._unmarked.acquire()
        try:
            await self.repo.mark_sent(row.id, result, worker=row.worker or None)
        finally:
            self._unmarked.release()
        self._count("sent", row)
        log.debug("outbox row %s (%s) sent", row.id, row.kind)  # the row and its kind: never its content

    async def _send(self, row: Claimed, recorded: list[Callable[[], None]]) -> Any:
        """Everything up to the platform's answer: the result to record as sent, or _HANDLED when the row
        was resolved otherwise (skipped, deferred, rescheduled, failed, or its lease lost)."""
        worker = row.worker or None
        now = self.clock.now()
        late = (now - row.due_at).total_seconds()
        if row.skip_if_late_by is not None and late > row.skip_if_late_by:
            log.info("outbox row %s (%s) skipped: due %.0fs ago", row.id, row.kind, late)
            await self.repo.mark_skipped(row.id, f"late by {late:.0f}s", worker=worker)
            self._count("skipped", row)
            return _HANDLED
        try:
            replies = self._early(row)
            if replies is _UNPREPARED:
                replies = await self.core.prepare(Pending(row.target, row.kind, row.data, row.due_at, row.reply))
        except StorageUnavailable:
            raise
        except Later as later:  # the person is away, or it is the channel's holiday: the row waits
            await self.repo.retry_at(row.id, later.until, later.why, count_attempt=False, worker=worker,
                                     delivered=False)
            self.stats["deferred"] = self.stats.get("deferred", 0) + 1
            return _HANDLED
        except Exception as exc:  # a preparer bug: retry a few times, then fail visibly
            log.exception("outbox row %s: preparing kind %s failed", row.id, row.kind)
            await self._retry_or_fail(row, f"prepare failed: {type(exc).__name__}")
            return _HANDLED
        if not replies:
            await self.repo.mark_skipped(row.id, "nothing to send any more", worker=worker)
            self._count("skipped", row)
            return _HANDLED
        sender = self.senders.get(row.target.platform)
        if sender is None:
            await self._retry_or_fail(row, f"{row.target.platform} is not configured")
            return _HANDLED
        try:
            result = await sender.deliver(self._delivery(row, replies, recorded.append))
        except LeaseLost:
            log.warning("outbox row %s: lease lost to another worker, not sending", row.id)
            self._count("lost", row)
            return _HANDLED
        except RateLimited as exc:
            self._count("rate_limited", row)
            wait = exc.retry_after + self.rng.uniform(0, min(1.0, exc.retry_after * 0.1 + 0.05))
            await self.repo.retry_at(row.id, self.clock.now() + timedelta(seconds=wait), str(exc),
                                     count_attempt=False, worker=worker,
                                     delivered=None if exc.maybe_delivered else False)
            return _HANDLED
        except DeliveryError as exc:
            if isinstance(exc, ChannelArchived) and row.target.kind == "channel":
                await self._park(row, now)
                return _HANDLED
            if getattr(exc, "skip", False):  # nothing to fix (the workspace uninstalled the app): not a failure
                log.info("outbox row %s (%s) skipped: %s", row.id, row.kind, exc)
                await self.repo.mark_skipped(row.id, self._error_text(str(exc), exc), worker=worker)
                self._count("skipped", row)
                return _HANDLED
            if not exc.retryable:
                log.warning("outbox row %s (%s → %s) failed permanently: %s", row.id, row.kind,
                            row.target.key, exc)
                await self.repo.mark_failed(row.id, self._error_text(str(exc), exc), worker=worker)
                self._count("failed", row)
                return _HANDLED
            await self._retry_or_fail(row, self._error_text(str(exc) or type(exc).__name__, exc),
                                      delivered=exc.maybe_delivered)
            return _HANDLED
        except Exception as exc:  # network errors and the like from a client library: maybe delivered
            await self._retry_or_fail(row, self._error_text(f"{type(exc).__name__}: {exc}", exc, 300), delivered=True)
            return _HANDLED
        return result

    async def _park(self, row: Claimed, began: datetime) -> None:
        """The channel is archived: park the row (`OutboxRepo.park`, while this worker holds it) and record the
        place inactive unless it already is. Recorded as of the whole second before the send `began` (Slack's
        event times are whole seconds), so an unarchive that followed the platform's answer is newer and wins,
        whichever of the two reaches the store first."""
        if not await self.repo.park(row):
            log.warning("outbox row %s: lease lost to another worker, not parked", row.id)
            self._count("lost", row)
            return
        self._count("skipped", row)
        place = Place(row.target.platform, row.target.id, row.target.team_id)
        recorded = "already recorded"
        try:
            if await self.places.is_active(place):
                at = began.replace(microsecond=0) - timedelta(seconds=1)
                changed = await self.places.set_active(place, False, ARCHIVED_AT_SEND, at, own_workspace=True)
                recorded = "recorded inactive" if changed.applied else "a later event decided"
        except StorageUnavailable:
            recorded = "not recorded, database unavailable"
        # the row, its kind and its target: never its content
        log.info("outbox row %s (%s → %s) parked: the channel is archived (place %s)", row.id, row.kind,
                 row.target.key, recorded)

    def _count(self, outcome: str, row: Claimed) -> None:
        self.stats[outcome] += 1
        if self.on_outcome is not None:
            self.on_outcome(row.target.platform.value, outcome)

    def _early(self, row: Claimed) -> Any:
        """The batch-prepared answer for this row if it is still fresh, else _UNPREPARED."""
        early = self._prepared.pop(row.id, None)
        if early is None or time.monotonic() - early[0] > PREPARED_FOR:
            return _UNPREPARED
        return early[1]

    def _delivery(self, row: Claimed, replies: list[Reply], recorded: Callable[[Callable[[], None]], None]
                  ) -> Delivery:
        """What the sender sees of a row: never the repository (it calls `begin` right before its first
        platform call, after its own pacing, so a row merely waiting for a slot is not "maybe delivered")."""
        async def begin() -> None:
            await mark_in_flight(row, self.repo)

        return Delivery(row.id, row.target, replies, begin, row.maybe_delivered, row.begun_at, recorded)

    def _error_text(self, text: str, exc: BaseException, limit: int = 1000) -> str:
        """What a row keeps of a failure (`last_error`, and the log line that names it): `text` scrubbed with
        the exact DETAIL of the database errors in `exc`'s chain (a value with a line break in it), tokens and
        the configured secrets, then cut. The repository scrubs every reason again, line by line, whoever
        passes it."""
        return stored_error(text, limit, self.repo.db.secrets, [exc])

    async def _retry_or_fail(self, row: Claimed, reason: str, *, delivered: bool = False) -> None:
        worker = row.worker or None
        if row.attempts >= self.max_attempts:
            log.warning("outbox row %s (%s → %s) failed after %s attempts: %s", row.id, row.kind, row.target.key,
                        row.attempts, reason)
            await self.repo.mark_failed(row.id, f"after {row.attempts} attempts: {reason}", worker=worker)
            self._count("failed", row)
            return
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (row.attempts - 1))
        delay = self.rng.uniform(delay / 2, delay)  # "equal jitter": spread retries, keep a floor
        self._count("retried", row)
        log.info("outbox row %s: attempt %s failed (%s), retrying in %.1fs", row.id, row.attempts, reason, delay)
        await self.repo.retry_at(row.id, self.clock.now() + timedelta(seconds=delay), reason, worker=worker,
                                 delivered=None if delivered else False)
