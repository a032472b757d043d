"""The outbox as the core sees it: enqueue and cancel, and a kick to the worker when something is due now."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from handlers.core.clock import Clock
from handlers.core.types import OutboxItem
from storage.repos.outbox import OutboxRepo


class Outbox:
    def __init__(self, repo: OutboxRepo, clock: Clock, on_due_now: Callable[[], None] | None = None) -> None:
        self.repo = repo
        self.clock = clock
        self.on_due_now = on_due_now

    async def enqueue(self, items: Sequence[OutboxItem]) -> int:
        added = await self.repo.enqueue(items)
        now = self.clock.now()
        if added and self.on_due_now is not None and any(item.due_at <= now for item in items):
            self.on_due_now()
        return added

    async def cancel(self, dedupe_prefix: str) -> int:
        return await self.repo.cancel(dedupe_prefix)
