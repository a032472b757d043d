"""Stopping a recurring meeting while another replica creates its next occurrence (two runtimes on one database
and one clock, SQLite and PostgreSQL). Whatever the interleaving, a stopped series keeps no scheduled
occurrence and no pending nudge, and its channel hears nothing more about it:

- replica A reads the series as due, replica B stops it, A creates the occurrence from what it read;
- B's stop is half done (series switched off, occurrences cancelled, not committed) when A inserts;
- A has created the occurrence, B stops the series, and only then A queues the occurrence's nudges.

The steps are split as `schedule.materialize_all` runs them, or paused at an `asyncio.Event`; the clock crosses
the spring-forward change in Europe/Berlin (Sunday 29 March 2026) between the stop and the occurrence."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from handlers.core.clock import FakeClock
from handlers.core.recurrence import parse_recurrence
from handlers.core.timeparse import to_local_naive
from handlers.core.types import OutboxItem, Person, Platform
from handlers.meetings import lifecycle, schedule
from handlers.meetings.ports import CANCELLED, SCHEDULED, Series, SeriesDraft
from storage.migrate import upgrade
from storage.models.base import utc_binder
from storage.models.core import OutboxRow
from storage.models.meetings import MeetingRow
from support.slack_api import FakeSlackApi
from tests.support.replicas import slack_replicas

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # Friday 10:00 CET; today's 09:30 standup is over
NEXT = datetime(2026, 3, 30, 7, 30, tzinfo=UTC)  # Monday 09:30 CEST, after the clocks went forward
ANA = Person(Platform.SLACK, "U1", "Ana", "Europe/Berlin")


@pytest.fixture
async def replicas(db_url: str) -> AsyncIterator[tuple[Runtime, Runtime, FakeClock, FakeSlackApi]]:
    await upgrade(db_url)
    slack = await FakeSlackApi().start()
    slack.add_user("U1", "Ana", tz="Europe/Berlin")
    slack.add_channel("C1", "U1", ["U1"])
    clock = FakeClock(NOW)
    async with slack_replicas(db_url, slack, clock) as (a, b):
        yield a, b, clock, slack


async def _series(runtime: Runtime) -> Series:
    rule = parse_recurrence("every weekday at 9:30").anchored(to_local_naive(NOW, BERLIN))
    return await runtime.store.meetings.create_series(SeriesDraft(Platform.SLACK, "C1", "T1", "Standup", "U1", "Ana",
                                                                  "Europe/Berlin", rule.to_dict(), 15))


async def _occurrences(runtime: Runtime, series_id: int) -> list[tuple[datetime, str]]:
    async with runtime.db.session() as s:
        rows = (await s.execute(select(MeetingRow.starts_at, MeetingRow.status)
                                .where(MeetingRow.series_id == series_id).order_by(MeetingRow.starts_at))).all()
    return [(at, status) for at, status in rows]


async def _pending(runtime: Runtime) -> list[str]:
    async with runtime.db.session() as s:
        keys = (await s.scalars(select(OutboxRow.dedupe_key).where(OutboxRow.status == "pending",
                                                                   OutboxRow.dedupe_key.like("meeting:%")))).all()
    return sorted(k for k in keys if k)


async def _channel_hears_nothing(a: Runtime, b: Runtime, clock: FakeClock, slack: FakeSlackApi) -> None:
    """Walk the clock past every nudge and the start; both replicas send what is due."""
    for at in (NEXT - timedelta(hours=24), NEXT - timedelta(hours=2), NEXT - timedelta(hours=1), NEXT,
               NEXT + timedelta(minutes=1)):
        clock.set(at)
        await asyncio.gather(a.worker.drain(), b.worker.drain())
    told = [str(c.params.get("text") or "") + str(c.params.get("blocks") or "") for c in slack.calls_to("chat.postMessage")]
    assert [t for t in told if "Standup" in t] == []


def _live(occurrences: Sequence[tuple[datetime, str]]) -> list[datetime]:
    return [at for at, status in occurrences if status == SCHEDULED]


async def test_a_stop_between_the_due_read_and_the_insert_leaves_no_occurrence(
        replicas: tuple[Runtime, Runtime, FakeClock, FakeSlackApi]) -> None:
    a, b, clock, slack = replicas
    series = await _series(a)
    due = await a.store.meetings.series_due(clock.now() + schedule.HORIZON)  # A: the series is due
    assert [s.id for s in due] == [series.id] and due[0].active
    stopped = await lifecycle.stop_series(b.services, series.id, ANA)  # B: stopped, nothing to cancel yet
    assert "won't repeat any more." in stopped.text
    await schedule.materialize(a.services, due[0])  # A: from what it read
    assert _live(await _occurrences(a, series.id)) == []
    assert await _pending(a) == []
    await _channel_hears_nothing(a, b, clock, slack)


async def test_an_insert_during_the_stop_transaction_is_refused_or_cancelled(
        replicas: tuple[Runtime, Runtime, FakeClock, FakeSlackApi], db_url: str) -> None:
    """B's stop runs its statements (series off, its scheduled occurrences cancelled) and has not committed
    when A inserts the next occurrence: A waits for the stop and then makes nothing."""
    a, _, _, _ = replicas
    series = await _series(a)
    off = "UPDATE meeting_series SET active = {f} WHERE id = {p}"
    cancel = ("UPDATE meetings SET status = 'cancelled', cancelled_at = {p} WHERE series_id = {p2} "
              "AND status = 'scheduled'")
    if db_url.startswith("sqlite"):
        import sqlite3

        other = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute(off.format(f="0", p="?"), (series.id,))
            other.execute(cancel.format(p="?", p2="?"), (utc_binder(a.db.engine.dialect)(NOW), series.id))
            insert = asyncio.create_task(a.store.meetings.occurrence(series, NEXT))
            await asyncio.sleep(0.3)
            assert not insert.done()  # waiting for the stop's write lock
            other.execute("COMMIT")
        finally:
            other.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            async with conn.transaction():
                await conn.execute(off.format(f="false", p="$1"), series.id)
                await conn.execute(cancel.format(p="$1", p2="$2"), NOW, series.id)
                insert = asyncio.create_task(a.store.meetings.occurrence(series, NEXT))
                await asyncio.sleep(0.3)
                assert not insert.done()  # waiting for the stop's lock on the series' row
        finally:
            await conn.close()
    made = await insert
    assert made is None  # the series was stopped before this meeting was made: none is
    assert _live(await _occurrences(a, series.id)) == []


async def test_nudges_queued_after_the_stop_are_cancelled(
        replicas: tuple[Runtime, Runtime, FakeClock, FakeSlackApi], monkeypatch: pytest.MonkeyPatch) -> None:
    """A created the occurrence; B stops the series (the occurrence is cancelled, it has no outbox rows yet);
    then A queues its nudges and start."""
    a, b, clock, slack = replicas
    series = await _series(a)
    created, go = asyncio.Event(), asyncio.Event()
    enqueue = a.services.outbox.enqueue

    async def paused(items: Sequence[OutboxItem]) -> int:
        created.set()  # the occurrence is committed; its nudges are about to be queued
        await go.wait()
        return await enqueue(items)

    monkeypatch.setattr(a.services.outbox, "enqueue", paused)
    making = asyncio.create_task(schedule.materialize(a.services, series))
    await asyncio.wait_for(created.wait(), 10)
    assert _live(await _occurrences(a, series.id)) == [NEXT]
    stopped = await lifecycle.stop_series(b.services, series.id, ANA)
    assert "(1 upcoming occurrence cancelled)" in stopped.text
    go.set()
    await making
    assert await _occurrences(a, series.id) == [(NEXT, CANCELLED)]
    assert await _pending(a) == []
    await _channel_hears_nothing(a, b, clock, slack)
