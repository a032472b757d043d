"""Pacing below the platforms' limits: token buckets keyed by method and channel.

Slack allows about one message per second per channel with short bursts, plus per-method tiers; Teams
about 7 messages/s per conversation and 50 requests/s per app per tenant. A sender asks before each call;
a short wait is slept, a long one is handed back as RateLimited so the row is rescheduled and the worker
moves on to other targets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.outbox.errors import RateLimited


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    blocked_until: float = 0.0


class RateLimiter:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic, max_wait: float = 2.0,
                 sleep: Callable[[float], object] = asyncio.sleep) -> None:
        self._now = monotonic
        self._sleep = sleep
        self.max_wait = max_wait
        self._buckets: dict[str, _Bucket] = {}

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
        now = self._now()
        bucket = self._buckets.setdefault(key, _Bucket(tokens=0.0, updated=now))
        bucket.blocked_until = max(bucket.blocked_until, now + seconds)
        bucket.tokens = min(bucket.tokens, 0.0)

    async def acquire(self, key: str, rate: float, burst: float) -> None:
        """Wait for a token if the wait is short; raise RateLimited if it is longer than `max_wait`."""
        wait = self.reserve(key, rate, burst)
        if wait <= 0:
            return
        if wait > self.max_wait:
            self.refund(key)
            raise RateLimited(wait, key)
        await self._sleep(wait)  # type: ignore[misc]

    def _evict(self, now: float) -> None:
        for key in [k for k, b in self._buckets.items() if now - b.updated > 300 and b.blocked_until < now]:
            del self._buckets[key]
