"""The outbox as the core sees it: enqueue and cancel, and a kick to the worker when something is due now."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from handlers.core.clock import Clock
from handlers.core.types import OutboxItem

if TYPE_CHECKING:
    from storage.repos.outbox import OutboxRepo
    from storage.store import Store


class Outbox:
    def __init__(self, store: Store, clock: Clock, on_due_now: Callable[[], None] | None = None) -> None:
        self.store = store  # its repositories are built on first use (storage/store.py)
        self.clock = clock
        self.on_due_now = on_due_now

    @property
    def repo(self) -> OutboxRepo:
        return self.store.outbox

    async def enqueue(self, items: Sequence[OutboxItem]) -> int:
        added = await self.repo.enqueue(items)
        now = self.clock.now()
        if added and self.on_due_now is not None and any(item.due_at <= now for item in items):
            self.on_due_now()
        return added

    async def cancel(self, dedupe_prefix: str, *, exact: bool = False) -> int:
        return await self.repo.cancel(dedupe_prefix, exact=exact)
