"""A small read API for other features (the team report): what a channel decided about scope creep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.core.services import Services
from handlers.core.types import Place
from handlers.scope.store import scope_store


@dataclass(frozen=True, slots=True)
class ScopeSummary:
    """Trade-off prompts created in [since, now) in one channel, and the decisions made in that period.

    `added` counts requests taken on (with something dropped or the deadline moved), `false_alarms` the
    watcher's prompts dismissed as "not scope creep" — so `precision_in_use` shows how often the watcher
    was right in this channel, by the team's own judgement."""

    since: datetime
    until: datetime
    prompts: int  # all prompts (the watcher's and /tradeoff's)
    watch_prompts: int  # of which the watcher opened
    open: int  # still undecided
    added: int
    dropped: int
    extended: int
    parked: int
    dismissed: int
    false_alarms: int

    @property
    def decided(self) -> int:
        return self.dropped + self.extended + self.parked + self.dismissed

    @property
    def precision_in_use(self) -> float | None:
        """Share of the watcher's prompts the team did not dismiss as a false alarm (None: no prompts)."""
        if not self.watch_prompts:
            return None
        return max(0.0, 1.0 - self.false_alarms / self.watch_prompts)


async def decisions_summary(svc: Services, place: Place, since: datetime) -> ScopeSummary:
    """The scope-creep record of a channel since `since` (an aware datetime) until now."""
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    counts = await scope_store(svc).counts(place.without_thread(), since)
    return ScopeSummary(
        since=since, until=svc.clock.now(), prompts=counts.prompts, watch_prompts=counts.watch_prompts,
        open=counts.open, added=counts.added, dropped=counts.dropped, extended=counts.extended,
        parked=counts.parked, dismissed=counts.dismissed, false_alarms=counts.false_alarms,
    )
