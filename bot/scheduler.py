"""APScheduler 3 in this process only (in-memory job store, never shared between replicas).

It triggers two kinds of work: the frequent outbox tick, and the features' periodic tasks (which create
rounds, nudges and warnings as outbox rows, idempotently, so every replica may run them)."""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

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
        self._scheduler: AsyncIOScheduler | None = None

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

    def start(self) -> None:
        scheduler = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone=UTC)
        scheduler.add_job(self.worker.tick, "interval", seconds=self.outbox_interval, id="outbox",
                          max_instances=1, coalesce=True, misfire_grace_time=30)
        for task in self.tasks:
            scheduler.add_job(self.run_task, "interval", args=[task], seconds=task.seconds, id=f"task:{task.name}",
                              max_instances=1, coalesce=True, misfire_grace_time=max(30, int(task.seconds)))
        scheduler.start()
        self._scheduler = scheduler

    def shutdown(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
