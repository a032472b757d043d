"""`python -m bench.serve`: `steadybot serve`, exactly as `bot.cli` runs it, but with the clock shifted to a
fixed weekday morning (Tuesday 10:00 UTC) and running on from there in real time.

Pulse DMs respect weekends and quiet hours, so a fan-out measured at night or on a Saturday would wait
for Monday. Only the wall-clock date the bot believes in changes; time still passes in real seconds.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.logs import setup_logging
from bot.runtime import build_runtime
from bot.server import serve

WEEKDAY_MORNING = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # a Tuesday, no DST change near it


class ShiftedClock:
    """Real time, moved to start at `start` (monotonic, so it never jumps)."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


async def main() -> None:
    settings = Settings.from_env()
    setup_logging(settings.log_level, settings.secrets())
    runtime = await build_runtime(settings, clock=ShiftedClock(WEEKDAY_MORNING))
    await serve(runtime, settings.host, settings.port)


if __name__ == "__main__":
    asyncio.run(main())
