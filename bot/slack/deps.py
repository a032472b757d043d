"""What Slack listeners need, passed in at registration (no globals)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.metrics import turn_finished
from bot.sealing import ActionSeal
from handlers.core.clock import Clock
from handlers.core.dispatch import Core
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Person
from storage.store import Store

log = logging.getLogger("steadybot.slack")

#: How many Slack requests may do their after-the-ack work at once. A request's ack never waits behind
#: more than this many work steps on the event loop, so a burst of 100 commands gets its 100 acks out
#: before the work of all of them competes for the loop (measured in bench/: docs/benchmarks.md). Work
#: waits its turn in order; Slack only needs the ack within 3 s, the answers follow.
WORK_LANE = 8
#: During a burst (two requests arrived less than this apart), work after an ack starts once no new Slack
#: request has arrived for this long (the burst is being acked), or after WORK_MAX_WAIT at most (sustained
#: traffic never starves it). A request on its own starts at once: nothing is waiting for an ack, and the
#: wait would be most of what its person waits for (docs/benchmarks.md#slack-work-after-the-ack).
WORK_QUIET = 0.01
WORK_MAX_WAIT = 0.1
#: Loop turns a request's work yields before deciding whether it is part of a burst: the first request of a
#: burst would otherwise start before its siblings, already received, had been parsed and counted.
_LOOK_TURNS = 3


@dataclass(slots=True)
class SlackDeps:
    core: Core
    store: Store
    clock: Clock
    lane: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(WORK_LANE))
    last_arrival: float = 0.0  # time.monotonic() of the latest Slack request
    previous_arrival: float = 0.0  # and of the one before it
    in_flight: int = 0  # acknowledged requests whose work is not done yet
    idle: asyncio.Event = field(default_factory=asyncio.Event)
    seal: ActionSeal | None = None  # button values and modal metadata (bot/sealing.py)

    def arrived(self) -> None:
        self.previous_arrival, self.last_arrival = self.last_arrival, time.monotonic()

    @asynccontextmanager
    async def work(self) -> AsyncIterator[None]:
        """The work a listener does after its ack: first one turn of the event loop, so the ack's HTTP
        response is written before this request's work starts (docs/benchmarks.md#slack-work-after-the-ack);
        then, while a burst of requests is still arriving, a short wait so their acks go first (a request
        that arrived on its own does not wait); then a
        place in the lane. Counted while it runs, so a graceful stop can let it finish (`settle`)."""
        self.in_flight += 1
        self.idle.clear()
        try:
            async with self._turn():
                yield
        finally:
            turn_finished()  # the request's turn latency (bot/metrics.py), once per request
            self.in_flight -= 1
            if self.in_flight == 0:
                self.idle.set()

    async def settle(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until no acknowledged request has work left; False if some do."""
        if self.in_flight == 0:
            return True
        try:
            async with asyncio.timeout(timeout):
                await self.idle.wait()
        except TimeoutError:
            return False
        return True

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        for _ in range(_LOOK_TURNS):  # the ack is written; requests already read get to say they arrived
            await asyncio.sleep(0)
        start = time.monotonic()
        deadline = start + WORK_MAX_WAIT
        burst = start - self.previous_arrival < WORK_QUIET  # two arrivals within a quiet period: a burst
        for _ in range(int(WORK_MAX_WAIT / WORK_QUIET) + 1 if burst else 0):  # each wait: a quiet period at least
            now = time.monotonic()
            quiet = min(self.last_arrival + WORK_QUIET, deadline) - now
            if quiet <= 0:
                break
            await asyncio.sleep(quiet)
        async with self.lane:
            yield

    async def first_time(self, key: str) -> bool:
        """De-duplicate redeliveries. If the database is down we answer (with a friendly error) anyway."""
        if not key or key.endswith(":"):
            return True
        try:
            return await self.store.inbound.first_time(key)
        except StorageUnavailable:
            return True

    async def remember(self, person: Person, team_id: str) -> None:
        try:
            await self.store.identities.remember(person, team_id)
        except StorageUnavailable:
            log.debug("could not remember a person: database unavailable")
