"""The outbox on both databases: idempotent enqueue, claims without double sends, leases, retries, skips."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.adapter import Delivery
from bot.outbox.errors import PermanentError, RateLimited, TransientError
from bot.outbox.worker import OutboxWorker
from handlers.core.clock import FakeClock
from handlers.core.dispatch import Core
from handlers.core.registry import Pending, Registry
from handlers.core.services import CoreSettings, Services
from handlers.core.types import Button, OutboxItem, Platform, Reply, Target
from storage.models.core import OutboxRow
from storage.store import Store

CHANNEL = Target(Platform.SLACK, "channel", "C1")


class Recorder:
    """A platform sender that records, and can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: list[Exception] = []

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        if self.failures:
            raise self.failures.pop(0)
        await delivery.begin()
        for reply in delivery.replies:
            self.sent.append((delivery.target.id, reply.text))
        return {"ok": True}


def _worker(store: Store, sender: Recorder, registry: Registry | None = None, **options: Any) -> OutboxWorker:
    clock = store.outbox.clock
    registry = registry or Registry()
    services = Services(CoreSettings(), clock, store, store.outbox, None, random.Random(1))  # type: ignore[arg-type]
    return OutboxWorker(store, Core(registry, services), {Platform.SLACK: sender}, clock,
                        rng=random.Random(1), **options)


def _item(text: str, due, key: str | None = None, **kw: Any) -> OutboxItem:  # type: ignore[no-untyped-def]
    return OutboxItem(CHANNEL, due, reply=Reply(text), dedupe_key=key, **kw)


async def test_enqueue_is_idempotent_by_key(store: Store) -> None:
    now = store.outbox.clock.now()
    assert await store.outbox.enqueue([_item("a", now, "k:1"), _item("b", now, "k:2")]) == 2
    assert await store.outbox.enqueue([_item("a again", now, "k:1"), _item("c", now, None)]) == 1
    assert (await store.outbox.counts())["pending"] == 3


async def test_due_rows_are_sent_in_order_and_future_rows_wait(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    now = clock.now()
    await store.outbox.enqueue([_item("second", now + timedelta(seconds=2)), _item("first", now),
                                _item("later", now + timedelta(hours=1))])
    sender = Recorder()
    worker = _worker(store, sender)
    clock.advance(seconds=5)
    assert await worker.tick() == 2
    assert [t for _, t in sender.sent] == ["first", "second"]
    assert await worker.tick() == 0
    clock.advance(hours=1)
    await worker.tick()
    assert [t for _, t in sender.sent] == ["first", "second", "later"]


async def test_concurrent_claims_never_share_a_row(store: Store) -> None:
    """Several workers (replicas) claiming at once get disjoint rows."""
    now = store.outbox.clock.now()
    await store.outbox.enqueue([_item(f"m{i}", now) for i in range(300)])
    batches = await asyncio.gather(*(store.outbox.claim(f"w{i}", 40) for i in range(8)))
    ids = [row.id for batch in batches for row in batch]
    assert len(ids) == len(set(ids)) == 300


async def test_expired_lease_is_claimed_again(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([_item("x", clock.now())])
    first = await store.outbox.claim("crashed", 10, timedelta(seconds=60))
    assert len(first) == 1
    assert await store.outbox.claim("other", 10) == []  # leased
    clock.advance(seconds=61)
    again = await store.outbox.claim("other", 10)
    assert [r.id for r in again] == [first[0].id]


async def test_rate_limit_waits_without_using_an_attempt(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([_item("x", clock.now())])
    sender = Recorder()
    sender.failures = [RateLimited(30), RateLimited(30), RateLimited(30)] * 4
    worker = _worker(store, sender, max_attempts=3)
    for _ in range(12):
        await worker.tick()
        clock.advance(seconds=32)
    await worker.tick()
    assert sender.sent == [("C1", "x")]


async def test_transient_errors_back_off_then_fail_visibly(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([_item("x", clock.now())])
    sender = Recorder()
    sender.failures = [TransientError("500")] * 10
    worker = _worker(store, sender, max_attempts=3, backoff_base=1.0)
    for _ in range(10):
        await worker.tick()
        clock.advance(minutes=10)
    failed = await store.outbox.failed()
    assert len(failed) == 1 and failed[0].attempts == 3 and "500" in (failed[0].last_error or "")
    assert sender.sent == []


async def test_permanent_error_fails_at_once(store: Store) -> None:
    await store.outbox.enqueue([_item("x", store.outbox.clock.now())])
    sender = Recorder()
    sender.failures = [PermanentError("channel_not_found")]
    await _worker(store, sender).tick()
    assert (await store.outbox.counts()).get("failed") == 1


async def test_late_rows_are_skipped_when_asked(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([_item("stale warning", clock.now(), skip_if_late_by=10),
                                _item("still useful", clock.now())])
    clock.advance(minutes=5)  # the process was down
    sender = Recorder()
    await _worker(store, sender).tick()
    assert sender.sent == [("C1", "still useful")]
    assert (await store.outbox.counts()).get("skipped") == 1


async def test_preparer_decides_at_send_time(store: Store) -> None:
    registry = Registry()
    state = {"agenda": False}

    async def nudge(pending: Pending, svc: Services) -> Reply | None:
        return None if state["agenda"] else Reply(f"no agenda for {pending.data['meeting']}")

    registry.outbox_kind("test.nudge", nudge)
    now = store.outbox.clock.now()
    await store.outbox.enqueue([OutboxItem(CHANNEL, now, "test.nudge", data={"meeting": "retro"}),
                                OutboxItem(CHANNEL, now, "test.nudge", data={"meeting": "review"}, dedupe_key="n2")])
    sender = Recorder()
    worker = _worker(store, sender, registry)
    claimed = await store.outbox.claim("w", 1)
    await store.outbox.retry_at(claimed[0].id, now, "put back", count_attempt=False)
    await worker.tick()
    assert sorted(t for _, t in sender.sent) == ["no agenda for retro", "no agenda for review"]
    state["agenda"] = True
    await store.outbox.enqueue([OutboxItem(CHANNEL, now, "test.nudge", data={"meeting": "planning"})])
    await worker.tick()
    assert len(sender.sent) == 2  # skipped: the agenda exists now


async def test_cancel_by_prefix(store: Store) -> None:
    now = store.outbox.clock.now()
    await store.outbox.enqueue([_item("a", now, "timebox:1:half"), _item("b", now, "timebox:1:end"),
                                _item("c", now, "timebox:10:end"), _item("d", now, "timebox%:x")])
    assert await store.outbox.cancel("timebox:1:") == 2
    sender = Recorder()
    await _worker(store, sender).tick()
    assert sorted(t for _, t in sender.sent) == ["c", "d"]


async def test_group_commit_applies_updates_of_one_row_in_order(store: Store) -> None:
    """Updates queued together share one transaction, and two of the same row land in the order they came
    (an SQL-expression update among plain ones included); a row another worker holds is left alone."""
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([_item("x", clock.now()), _item("y", clock.now())])
    mine, theirs = (await store.outbox.claim("w1", 1))[0], (await store.outbox.claim("w2", 1))[0]
    results = await asyncio.gather(
        store.outbox.note(mine.id, {"step": 1}, worker="w1"),
        store.outbox.note(mine.id, {"step": 2}, worker="w1"),
        store.outbox.note(theirs.id, {"step": "stolen"}, worker="w1"),
        store.outbox.retry_at(mine.id, clock.now(), "rate limited", count_attempt=False, worker="w1",
                              delivered=None),
    )
    assert results == [True, True, False, True]
    async with store.db.session() as session:
        rows = {r.id: r for r in (await session.execute(select(OutboxRow))).scalars()}
    assert rows[mine.id].result == {"step": 2} and rows[mine.id].status == "pending"
    assert rows[mine.id].attempts == 0  # the expression ran after the plain updates, once
    assert rows[theirs.id].result is None and rows[theirs.id].claimed_by == "w2"


class Timeline(Recorder):
    """Records when each send starts and ends (event order)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        what = f"{delivery.target.id}:{delivery.replies[0].text}"
        self.events.append(("start", what))
        await asyncio.sleep(0.001 * (delivery.id % 3))  # sends finish out of order
        result = await super().deliver(delivery)
        self.events.append(("end", what))
        return result


async def test_rows_for_one_target_stay_in_due_order_across_batches(store: Store) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    now = clock.now()
    others = [Target(Platform.SLACK, "user", f"U{i:02d}") for i in range(12)]
    items = [OutboxItem(p, now, reply=Reply("x"), dedupe_key=f"o:{p.id}") for p in others]
    items += [_item(f"c{i}", now + timedelta(milliseconds=i), f"c:{i}") for i in range(12)]
    await store.outbox.enqueue(items)
    clock.advance(timedelta(seconds=1))
    sender = Timeline()
    worker = _worker(store, sender, batch=8, concurrency=4)
    assert await worker.drain() == 24
    channel = [(kind, what) for kind, what in sender.events if what.startswith("C1:")]
    assert [what for kind, what in channel if kind == "start"] == [f"C1:c{i}" for i in range(12)]
    # one at a time: every start of the channel's rows follows the end of the one before
    assert all(channel[i][0] == ("start" if i % 2 == 0 else "end") for i in range(len(channel)))


async def test_a_claim_returns_every_field_as_stored_in_due_order(store: Store) -> None:
    """The claim reads rows straight from the driver: the values must be what was enqueued (JSON, UTC
    datetimes, floats), rows sharing a payload get equal replies but their own `data`, and a row whose
    lease lapsed after it was marked in flight comes back among the due rows, in due order, "maybe
    delivered"."""
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    now = clock.now()
    thread = Target(Platform.SLACK, "channel", "C9", thread_id="1700000000.0001", team_id="T9")
    reply = Reply("hello", facts=(("a", "b"),), buttons=(Button("pulse.open", "Open", "v1", "primary", "sure?"),))
    await store.outbox.enqueue([
        OutboxItem(thread, now - timedelta(seconds=30), reply=reply, data={"n": [1, 2]}, dedupe_key="k1",
                   skip_if_late_by=90.5),
        OutboxItem(CHANNEL, now - timedelta(seconds=10), reply=reply, data={"n": [3]}, dedupe_key="k2"),
    ])
    first = await store.outbox.claim("crashed", 1, timedelta(seconds=5))
    assert await store.outbox.begin_send(first[0], {"channel": "D1"})
    clock.advance(seconds=6)  # the lease lapses; the second row is still pending
    later = Target(Platform.SLACK, "user", "U1")
    await store.outbox.enqueue([OutboxItem(later, clock.now(), kind="nudge", data={}, dedupe_key="k3")])
    rows = await store.outbox.claim("w", 10)
    assert [r.dedupe_key for r in rows] == ["k1", "k2", "k3"]
    one, two, three = rows
    assert (one.target, one.reply, one.data, one.skip_if_late_by, one.attempts) == (thread, reply, {"n": [1, 2]},
                                                                                    90.5, 2)
    assert one.due_at == now - timedelta(seconds=30) and one.due_at.utcoffset() == timedelta(0)
    assert one.maybe_delivered and one.result is not None and one.result["inflight"]["channel"] == "D1"
    assert one.begun_at == now and one.worker == "w"
    assert (two.target, two.reply, two.data, two.result, two.attempts) == (CHANNEL, reply, {"n": [3]}, None, 1)
    two.data["n"].append(4)  # each row's data is its own
    assert one.data == {"n": [1, 2]}
    assert (three.kind, three.reply, three.data, three.skip_if_late_by) == ("nudge", None, {}, None)
    assert await store.outbox.claim("w2", 10) == []


async def test_closing_the_store_gives_back_the_group_commits_connection(pg_url: str) -> None:
    """PostgreSQL: the group commit keeps its connection a moment after a flush for the next updates. A stop
    (`Store.close`, before the pool is disposed) gives it back at once; without that the disposed pool never
    closed it and the server kept the session (bench/retention.py could not copy the database)."""
    import asyncpg

    from storage.db import Database
    from storage.migrate import upgrade
    from tests.conftest import PG_ADMIN_URL

    await upgrade(pg_url)
    clock = FakeClock()
    db = Database(pg_url)
    store = Store(db, clock)
    await store.outbox.enqueue([_item("x", clock.now())])
    row = (await store.outbox.claim("w1", 1))[0]
    assert await store.outbox.note(row.id, {"step": 1}, worker="w1")  # through the group commit
    await store.close()
    await db.dispose()
    admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        name = pg_url.rsplit("/", 1)[1]
        for _ in range(50):  # a closed connection's server process takes a moment to exit
            left = await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name)
            if left == 0:
                break
            await asyncio.sleep(0.1)
        assert left == 0
    finally:
        await admin.close()


class Watching(Recorder):
    """A sender that, while each row is in flight, notes how many rows the outbox holds as `sending`."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.in_flight_claimed: list[int] = []

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        await asyncio.sleep(0.02)  # the send takes a while: the last rows of a batch are still out
        self.in_flight_claimed.append((await self.store.outbox.counts()).get("sending", 0))
        return await super().deliver(delivery)


async def test_drain_claims_the_next_batch_while_the_last_rows_are_out_and_tick_does_not(store: Store) -> None:
    now = store.outbox.clock.now()
    people = [Target(Platform.SLACK, "user", f"U{i:02d}") for i in range(12)]
    await store.outbox.enqueue([OutboxItem(p, now, reply=Reply(f"hi {p.id}"), dedupe_key=f"d:{p.id}")
                                for p in people])
    sender = Watching(store)
    worker = _worker(store, sender, batch=4, concurrency=4)
    assert await worker.tick() == 4
    assert max(sender.in_flight_claimed) == 4  # a tick holds its own batch, nothing ahead
    assert (await store.outbox.counts()) == {"sent": 4, "pending": 8}
    assert await worker.drain() == 8
    assert max(sender.in_flight_claimed) == 8  # the next batch was claimed while the last rows were out
    assert sorted(target for target, _ in sender.sent) == sorted(p.id for p in people)  # each once
    assert (await store.outbox.counts()) == {"sent": 12}


async def test_a_send_gives_its_place_back_before_its_sent_mark_is_durable(store: Store) -> None:
    """One send at a time (concurrency 1): the second row goes out while the first one's "sent" update still
    waits for the group commit; both are marked sent in the end."""
    now = store.outbox.clock.now()
    await store.outbox.enqueue([_item("a", now, "g:a"),
                                OutboxItem(Target(Platform.SLACK, "user", "U2"), now, reply=Reply("b"),
                                           dedupe_key="g:b")])
    sender = Recorder()
    worker = _worker(store, sender, concurrency=1)
    release = asyncio.Event()
    marked_while_waiting: list[list[tuple[str, str]]] = []
    mark_sent = store.outbox.mark_sent

    async def slow_mark_sent(row_id: int, result: dict[str, Any] | None = None, *, worker: str | None = None) -> bool:
        marked_while_waiting.append(list(sender.sent))
        if len(marked_while_waiting) == 1:
            async with asyncio.timeout(5):
                await release.wait()  # the first row's update waits until the second row went out
        return await mark_sent(row_id, result, worker=worker)

    store.outbox.mark_sent = slow_mark_sent  # type: ignore[method-assign]

    async def release_after_second_send() -> None:
        while len(sender.sent) < 2:
            await asyncio.sleep(0.005)
        release.set()

    helper = asyncio.ensure_future(release_after_second_send())
    assert await worker.tick() == 2
    await helper
    assert [t for _, t in sender.sent] == ["a", "b"]
    assert (await store.outbox.counts()) == {"sent": 2}


class SlowSends(Recorder):
    """Each send takes a while in real time and a full second on the fake clock (so a short lease lapses
    unless the worker renews it)."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        self.clock.advance(timedelta(seconds=1))
        await asyncio.sleep(0.15)
        return await super().deliver(delivery)


async def test_a_tick_between_two_rounds_of_a_drain_keeps_the_rows_claimed_ahead_leased(store: Store) -> None:
    """A drain claims its next batch while its last rows are out; a tick that takes the lock before the
    drain's next round renews those rows' leases with its own (it used to drop them: another replica then
    took them over while this worker was about to send them)."""
    clock = store.outbox.clock
    assert isinstance(clock, FakeClock)
    now = clock.now()
    await store.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "user", f"U{i:02d}"), now, reply=Reply("hi"),
                                           dedupe_key=f"a:{i}") for i in range(8)])
    worker = _worker(store, SlowSends(clock), batch=4, concurrency=4, lease=timedelta(seconds=0.3))
    ahead = asyncio.ensure_future(worker._claim_ahead())  # what a drain does while its last rows are out
    assert len(await ahead or []) == 4
    assert await worker.tick() == 4  # the other four, while four seconds pass on the clock
    assert await store.outbox.claim("replica-b", 10, timedelta(seconds=30)) == []  # still leased to us
    done, _ = await worker._round(ahead, claim_ahead=False)  # the drain's next round
    assert done == 4 and worker.stats["lost"] == 0
    assert (await store.outbox.counts()) == {"sent": 8}


async def _three_people_due(store: Store, tag: str) -> None:
    now = store.outbox.clock.now()
    await store.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "user", f"U{i}"), now, reply=Reply(str(i)),
                                           dedupe_key=f"{tag}:{i}") for i in range(3)])


def _stall_sent_marks(store: Store) -> asyncio.Event:
    """Every "sent" mark waits (5 s at most) until the returned event is set: a group commit that stalls."""
    release = asyncio.Event()
    mark_sent = store.outbox.mark_sent

    async def stalled_mark_sent(row_id: int, result: dict[str, Any] | None = None, *,
                                worker: str | None = None) -> bool:
        async with asyncio.timeout(5):
            await release.wait()
        return await mark_sent(row_id, result, worker=worker)

    store.outbox.mark_sent = stalled_mark_sent  # type: ignore[method-assign]
    return release


async def test_sent_rows_waiting_for_their_sent_mark_are_bounded_by_the_concurrency(store: Store) -> None:
    """A row sent but not yet marked sent would be sent again after a crash (Teams has no history to check):
    while the group commit is slow, at most `concurrency` of them wait, and no further row goes out."""
    await _three_people_due(store, "m")
    sender = Recorder()
    worker = _worker(store, sender, concurrency=1)
    release = _stall_sent_marks(store)
    tick = asyncio.ensure_future(worker.tick())
    await asyncio.sleep(0.3)
    assert len(sender.sent) == 2  # one waits for its mark, one holds its place until that one is durable
    release.set()
    assert await tick == 3
    assert len(sender.sent) == 3 and (await store.outbox.counts()) == {"sent": 3}


async def test_closing_the_worker_ends_a_kicked_drain_after_its_round_and_starts_no_other(store: Store) -> None:
    """A graceful stop: the drain an enqueue kicked finishes the round it is in, starts no further round, and
    every row it sent is marked sent before the store flushes its last marks; a kick after that does nothing."""
    now = store.outbox.clock.now()
    await store.outbox.enqueue([OutboxItem(Target(Platform.SLACK, "user", f"U{i:02d}"), now, reply=Reply("hi"),
                                           dedupe_key=f"c:{i}") for i in range(20)])
    sender = Watching(store)  # each send takes 20 ms
    worker = _worker(store, sender, batch=4, concurrency=1)
    worker.kick()
    while not sender.sent:
        await asyncio.sleep(0.005)
    await worker.close(grace=5)
    counts = await store.outbox.counts()
    assert len(sender.sent) < 20 and counts.get("sent") == len(sender.sent)  # whole rounds, each row marked
    assert counts.get("sent", 0) % 4 == 0
    worker.kick()
    await asyncio.sleep(0.1)
    assert len(sender.sent) == counts["sent"]  # nothing after the stop


class OnePlace(Recorder):
    """A sender with one place (as Teams' `max_in_flight`) that it gives back only when the outbox has
    recorded the outcome (`Delivery.when_recorded`)."""

    def __init__(self) -> None:
        super().__init__()
        self.place = asyncio.Semaphore(1)

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        await self.place.acquire()
        delivery.when_recorded(self.place.release)
        return await super().deliver(delivery)


async def test_a_sender_keeps_its_place_until_the_sent_mark_is_recorded(store: Store) -> None:
    """What a crash can double is what is in flight or sent but not yet marked: a sender that holds its place
    until the outbox recorded the outcome bounds that by its own places, whatever the worker's concurrency."""
    await _three_people_due(store, "p")
    sender = OnePlace()
    worker = _worker(store, sender, concurrency=8)
    release = _stall_sent_marks(store)
    tick = asyncio.ensure_future(worker.tick())
    await asyncio.sleep(0.3)
    assert len(sender.sent) == 1  # the others wait for the sender's one place, held until the mark is written
    release.set()
    async with asyncio.timeout(10):  # a place never given back would hang the tick
        assert await tick == 3
    assert len(sender.sent) == 3 and (await store.outbox.counts()) == {"sent": 3}


async def test_a_row_damaged_in_the_database_is_failed_alone_and_never_holds_up_the_others(store: Store) -> None:
    now = store.outbox.clock.now()
    channel = Target(Platform.SLACK, "channel", "C1")
    await store.outbox.enqueue([OutboxItem(channel, now, reply=Reply("fine"), dedupe_key="fine"),
                                OutboxItem(channel, now, reply=Reply("damaged"), dedupe_key="damaged")])
    async with store.db.session() as s:  # what a bad rewrite (or a hand edit) could leave behind
        row = (await s.execute(select(OutboxRow).where(OutboxRow.dedupe_key == "damaged"))).scalar_one()
        row.payload = {"text": "damaged", "visibility": "someone"}
    claimed = await store.outbox.claim("w1", 10)
    assert [c.dedupe_key for c in claimed] == ["fine"]
    async with store.db.session() as s:
        status = (await s.execute(select(OutboxRow.status).where(OutboxRow.dedupe_key == "damaged"))).scalar_one()
    assert status == "failed"
    assert await store.outbox.claim("w1", 10) == []  # not claimed again and again


async def test_a_tick_leaves_a_running_kicked_drain_alone(store: Store) -> None:
    """The scheduler's tick while a drain that an enqueue kicked is still sending: it returns at once without
    claiming (it used to wait for the drain's round, then claim and prepare a batch of its own between two of
    the drain's rounds, and the sends stopped meanwhile); the drain sends every row, each once."""
    now = store.outbox.clock.now()
    people = [Target(Platform.SLACK, "user", f"U{i:02d}") for i in range(12)]
    await store.outbox.enqueue([OutboxItem(p, now, reply=Reply("hi"), dedupe_key=f"t:{p.id}") for p in people])
    sender = Watching(store)  # each send takes 20 ms
    worker = _worker(store, sender, batch=4, concurrency=2)
    worker.kick()
    while not sender.sent:
        await asyncio.sleep(0.005)
    async with asyncio.timeout(0.05):
        assert await worker.tick() == 0
    assert len(sender.sent) < 12
    assert worker._kick_task is not None and await worker._kick_task == 12
    assert sorted(target for target, _ in sender.sent) == sorted(p.id for p in people)
    assert (await store.outbox.counts()) == {"sent": 12}
    assert await worker.tick() == 0  # nothing due, and no drain running: an ordinary tick
