"""The contract every platform implements: one folder (`bot/slack`, `bot/teams`, `bot/demo`) with one
`Adapter`, built from the `Wiring` the runtime hands it. Nothing else in `bot/` knows a platform by name.

- An `Adapter` turns its platform's requests into `bot.inbound.Inbound`s for the shared `Pipeline`, answers
  people through its own replier, says who is who (`directory`) and sends what the outbox hands it
  (`sender`). Its HTTP routes, periodic tasks and start/stop are declared here, so the server and the
  runtime wire every platform the same way.
- A `Sender` gets one `Delivery` per outbox row: the row's id, target and prepared replies, whether an
  earlier attempt may already have reached the platform, and `begin()`, which the sender awaits right
  before its first platform call (after its own pacing). Senders never see storage; the worker never
  probes a sender.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.inbound import AfterAck, Pipeline
from bot.outbox.ratelimit import RateLimiter
from bot.sealing import ActionSeal
from bot.secret import Secret
from handlers.core.clock import Clock
from handlers.core.dispatch import Core
from handlers.core.ports import Directory
from handlers.core.registry import PeriodicTask
from handlers.core.types import Platform, Reply, Target
from storage.store import Store

RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox row, as its sender sees it."""

    id: int
    target: Target
    replies: list[Reply]
    begin: Callable[[], Awaitable[None]]  # "about to reach the platform"; raises LeaseLost if another worker owns the row
    maybe_delivered: bool = False  # an earlier attempt got as far as the platform (a crash, a timeout)
    begun_at: datetime | None = None  # when that earlier attempt began (where to look for it)
    # Hands the outbox a callable to run once this row's outcome (sent, retry, failure) is durable: what a
    # sender holds until then (Teams: its in-flight place, so a crash doubles at most that many sends).
    recorded: Callable[[Callable[[], None]], None] | None = None

    def when_recorded(self, release: Callable[[], None]) -> None:
        """Run `release` once the outbox has recorded this row's outcome (at once when nobody records it)."""
        if self.recorded is None:
            release()
        else:
            self.recorded(release)

    @property
    def ticket(self) -> str:
        """A stable name for this row in the platform's own records (Slack message metadata)."""
        return str(self.id)


class Sender(Protocol):
    async def deliver(self, delivery: Delivery) -> dict[str, Any] | None:
        """Send `delivery.replies` to `delivery.target`, awaiting `delivery.begin()` right before the first
        platform call; return what to remember about the sent message (ids for later updates)."""
        ...


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: RouteHandler
    kind: str = ""  # the metrics' platform label ("slack", "teams"); empty: not measured as platform traffic


class Adapter(Protocol):
    @property
    def platform(self) -> Platform: ...

    @property
    def directory(self) -> Directory: ...

    @property
    def sender(self) -> Sender: ...

    def routes(self) -> Sequence[Route]:
        """The HTTP routes this platform answers (none for the demo)."""
        ...

    def periodic(self) -> Sequence[PeriodicTask]:
        """Periodic work the platform needs (Slack: App Home refresh)."""
        ...

    async def start(self) -> None:
        """Connect what needs connecting (Slack Socket Mode); most adapters need nothing."""
        ...

    async def close(self) -> None:
        """Stop taking requests and release the platform's clients (acknowledged work is the lane's)."""
        ...


@dataclass(slots=True)
class Wiring:
    """What the runtime hands an adapter factory: shared pieces, built once, passed in."""

    settings: Settings
    clock: Clock
    store: Store
    core: Core
    pipeline: Pipeline
    lane: AfterAck
    limiter: RateLimiter
    secret: Secret
    seal: ActionSeal
    rng: random.Random
    session: Callable[[], aiohttp.ClientSession]  # one shared HTTP session, created on first use
    options: dict[str, Any] = field(default_factory=dict)  # per-adapter extras (tests: Teams credentials)


AdapterFactory = Callable[[Wiring], Adapter]
