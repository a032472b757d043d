"""Pacing below the platforms' limits: token buckets keyed by method and channel.

Slack allows about one message per second per channel with short bursts, plus per-method tiers; Teams
about 7 messages/s per conversation and 50 requests/s per app per tenant. A sender asks before each call;
a short wait is slept, a long one is handed back as RateLimited so the row is rescheduled and the worker
moves on to other targets.

With a `ticket` (an outbox row and part), a long wait keeps its place: the tokens stay taken and the ticket
holds the slot, so a fan-out of 2 000 messages at 5 per second is spread over 400 seconds with each row
rescheduled once, instead of every row being refused again and again until its turn comes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.outbox.errors import RateLimited


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    blocked_until: float = 0.0


class RateLimiter:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic, max_wait: float = 2.0,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self._now = monotonic
        self._sleep = sleep
        self.max_wait = max_wait
        self._buckets: dict[str, _Bucket] = {}
        self._tickets: dict[str, tuple[float, tuple[str, ...]]] = {}  # ticket -> (its slot, its keys)
        self.on_block: Callable[[str], None] | None = None  # a platform's 429 on a key (bot/metrics.py)

    def reserve(self, key: str, rate: float, burst: float) -> float:
        """Take a token; returns how long the caller must wait before using it (0 = go now)."""
        now = self._now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=burst, updated=now)
            if len(self._buckets) > 100_000:
                self._evict(now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        wait = max(0.0, bucket.blocked_until - now)
        bucket.tokens -= 1.0
        if bucket.tokens < 0:
            wait = max(wait, -bucket.tokens / rate)
        return wait

    def refund(self, key: str) -> None:
        if (bucket := self._buckets.get(key)) is not None:
            bucket.tokens += 1.0

    def block(self, key: str, seconds: float) -> None:
        """The platform answered 429 with Retry-After: nobody uses this key until then."""
        if self.on_block is not None:
            self.on_block(key)
        now = self._now()
        bucket = self._buckets.setdefault(key, _Bucket(tokens=0.0, updated=now))
        bucket.blocked_until = max(bucket.blocked_until, now + seconds)
        bucket.tokens = min(bucket.tokens, 0.0)

    async def acquire(self, key: str, rate: float, burst: float) -> None:
        """Wait for a token if the wait is short; raise RateLimited if it is longer than `max_wait`."""
        await self.acquire_all([(key, rate, burst)])

    async def acquire_all(self, limits: Sequence[tuple[str, float, float]], ticket: str | None = None,
                          max_wait: float | None = None) -> None:
        """One token from each bucket (key, rate per second, burst), or none at all: a limit with several
        windows (Teams: 7 per second, 60 per 30 seconds, 1800 per hour) or a channel and a workspace limit.
        Waits for the slowest if that is short; otherwise raises RateLimited — refunding every token, or,
        with a `ticket`, keeping them as a reserved slot that the same ticket uses when it comes back."""
        keys = tuple(key for key, rate, _ in limits if rate > 0)
        if not keys:
            return
        longest = self.max_wait if max_wait is None else max_wait
        now = self._now()
        held = self._tickets.pop(ticket, None) if ticket is not None else None
        if held is not None and held[1] == keys:  # its slot was reserved last time: no new tokens
            waits = [(held[0] - now, f"reserved slot on {keys[-1]}")] + [(self.blocked_for(k), k) for k in keys]
        else:
            waits = [(self.reserve(key, rate, burst), key) for key, rate, burst in limits if rate > 0]
            if ticket is None and max(waits)[0] > longest:
                for _, taken in waits:
                    self.refund(taken)
        wait, scope = max(waits)
        if wait <= 0:
            return
        if wait > longest:
            if ticket is not None:
                self._hold(ticket, now + wait, keys)
            raise RateLimited(wait, scope)
        await self._sleep(wait)

    def _hold(self, ticket: str, slot: float, keys: tuple[str, ...]) -> None:
        self._tickets[ticket] = (slot, keys)
        if len(self._tickets) > 100_000:
            horizon = self._now() - 600
            for stale in [t for t, (at, _) in self._tickets.items() if at < horizon]:
                del self._tickets[stale]

    def blocked_for(self, key: str) -> float:
        """Seconds until a 429 on this key is over (0 when it is not blocked)."""
        bucket = self._buckets.get(key)
        return max(0.0, bucket.blocked_until - self._now()) if bucket else 0.0

    def _evict(self, now: float) -> None:
        for key in [k for k, b in self._buckets.items() if now - b.updated > 300 and b.blocked_until < now]:
            del self._buckets[key]
