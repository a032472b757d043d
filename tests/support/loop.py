"""Whether the event loop stays free while some work runs: what a request arriving meanwhile would wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def loop_stays_free(work: Awaitable[T], within: float = 5.0) -> tuple[T, float]:
    """Await `work` while a ticker measures the loop: the result and the longest gap between two ticks."""
    gaps = [0.0]

    async def tick() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticker = asyncio.ensure_future(tick())
    try:
        async with asyncio.timeout(within):
            return await work, max(gaps)
    finally:
        ticker.cancel()
