"""The process's periodic work, on its own event loop (in this process only, never shared between replicas).

It triggers two kinds of work: the frequent outbox tick, and the features' periodic tasks (which create
rounds, nudges and warnings as outbox rows, idempotently, so every replica may run them).

Each job is one asyncio task that runs it every `seconds` from the start: the first run one period after
`start()`, never two runs of one job at once, and runs missed while it was still running (or while the loop
was busy) coalesced into one. It replaces APScheduler 3, which this process used with exactly these
settings (interval triggers, one instance, coalescing, an in-memory job store): APScheduler imports its
thread and process pool executors, `multiprocessing` and every installed package's entry points when it is
imported, a noticeable part of a start (docs/benchmarks.md, "Cold start").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from bot.outbox.worker import OutboxWorker
from handlers.core.errors import StorageUnavailable
from handlers.core.registry import PeriodicTask
from handlers.core.services import Services

log = logging.getLogger("steadybot.scheduler")


class Scheduler:
    def __init__(self, worker: OutboxWorker, tasks: list[PeriodicTask], services: Services,
                 outbox_interval: float = 1.0) -> None:
        self.worker = worker
        self.tasks = list(tasks)
        self.services = services
        self.outbox_interval = outbox_interval
        self._jobs: list[asyncio.Task[None]] = []
        self._stopping: list[asyncio.Task[None]] = []

    async def run_task(self, task: PeriodicTask) -> None:
        try:
            await task.run(self.services)
        except StorageUnavailable:
            log.warning("periodic task %s skipped: database unavailable", task.name)
        except Exception:
            log.exception("periodic task %s failed", task.name)

    async def run_all_once(self) -> None:
        """Run every periodic task now (the demo and tests use this after moving the clock)."""
        for task in self.tasks:
            await self.run_task(task)

    async def _tick(self) -> None:
        try:
            await self.worker.tick()
        except Exception:
            log.exception("outbox tick failed")

    def start(self) -> None:
        """Start every job (in the running event loop); a second call while running does nothing."""
        if self._jobs:
            return
        self._jobs.append(asyncio.create_task(_every(self.outbox_interval, self._tick), name="scheduler: outbox"))
        for task in self.tasks:
            self._jobs.append(asyncio.create_task(_every(task.seconds, partial(self.run_task, task)),
                                                  name=f"scheduler: task:{task.name}"))

    def shutdown(self) -> None:
        """Stop every job; a run in progress is cancelled."""
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            job.cancel()
        self._stopping.extend(jobs)

    async def stop(self, timeout: float = 5.0) -> None:
        """`shutdown`, then wait (bounded) until the cancelled runs have unwound: a tick cancelled inside a
        database session gives its connection back before the runtime disposes of the pool."""
        self.shutdown()
        stopping, self._stopping = self._stopping, []
        if stopping:
            await asyncio.wait(stopping, timeout=timeout)


async def _every(seconds: float, run: Callable[[], Awaitable[None]]) -> None:
    """`run()` at start + k·seconds (k = 1, 2, …), one at a time; the times missed while a run was still
    going (or the loop was busy) are skipped, so a late run happens once and the next one is back on the grid."""
    loop = asyncio.get_running_loop()
    period = max(float(seconds), 0.001)
    due = loop.time() + period
    while True:
        await asyncio.sleep(max(0.0, due - loop.time()))
        await run()
        now = loop.time()
        due += period
        if due <= now:  # coalesce: one run for all the times missed
            due += ((now - due) // period + 1) * period
