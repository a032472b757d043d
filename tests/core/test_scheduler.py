"""The process's scheduler (bot/scheduler.py): every job runs each period from the start, never two runs of
one job at once, a failing run does not stop its job, and shutdown stops them all."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, cast

from bot.outbox.worker import OutboxWorker
from bot.scheduler import Scheduler
from handlers.core.registry import PeriodicTask
from handlers.core.services import Services

PERIOD = 0.05


class Ticks:
    def __init__(self) -> None:
        self.count = 0

    async def tick(self) -> int:
        self.count += 1
        return 0


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def scheduler(ticks: Ticks, *tasks: PeriodicTask) -> Scheduler:
    return Scheduler(cast(OutboxWorker, ticks), list(tasks), cast(Services, None), outbox_interval=PERIOD)


async def test_jobs_run_every_period_from_the_start_until_shutdown() -> None:
    runs: list[str] = []

    async def task(_: Any) -> None:
        runs.append("task")

    ticks = Ticks()
    s = scheduler(ticks, PeriodicTask("t", PERIOD, task))
    s.start()
    s.start()  # a second start adds nothing
    assert ticks.count == 0 and runs == []  # the first run is one period after the start
    await until(lambda: ticks.count >= 3 and len(runs) >= 3)
    s.shutdown()
    stopped = (ticks.count, len(runs))
    await asyncio.sleep(PERIOD * 4)
    assert (ticks.count, len(runs)) == stopped


async def test_a_slow_run_never_overlaps_the_next_and_missed_times_are_one_run() -> None:
    running = 0
    most = 0
    starts: list[float] = []

    async def slow(_: Any) -> None:
        nonlocal running, most
        starts.append(time.monotonic())
        running += 1
        most = max(most, running)
        await asyncio.sleep(PERIOD * 3.5)  # three periods missed each time
        running -= 1

    s = scheduler(Ticks(), PeriodicTask("slow", PERIOD, slow))
    s.start()
    try:
        await until(lambda: len(starts) >= 3)
    finally:
        s.shutdown()
    assert most == 1
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(gap >= PERIOD * 3.4 for gap in gaps)  # no catch-up burst after a slow run


async def test_a_failing_run_is_logged_and_its_job_goes_on(caplog: Any) -> None:
    calls = 0

    async def failing(_: Any) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    class FailingTicks(Ticks):
        async def tick(self) -> int:
            await super().tick()
            raise RuntimeError("tick boom")

    ticks = FailingTicks()
    s = scheduler(ticks, PeriodicTask("failing", PERIOD, failing))
    s.start()
    try:
        await until(lambda: calls >= 2 and ticks.count >= 2)
    finally:
        s.shutdown()
    assert "periodic task failing failed" in caplog.text and "outbox tick failed" in caplog.text


async def test_stop_waits_until_a_cancelled_run_has_unwound() -> None:
    """The runtime stops the scheduler before it disposes of the database: a tick cancelled inside a session
    must have given its connection back by then."""
    state = {"running": False, "unwound": False}

    async def long_run(_: Any) -> None:
        state["running"] = True
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(PERIOD)  # cleanup that itself awaits (a rollback, a connection returned)
            state["unwound"] = True

    s = scheduler(Ticks(), PeriodicTask("long", PERIOD, long_run))
    s.start()
    await until(lambda: state["running"])
    await s.stop()
    assert state["unwound"]
