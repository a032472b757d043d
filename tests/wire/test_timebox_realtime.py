"""One real 1-minute timebox on the system clock with the running scheduler (outbox tick every second):
each warning reaches Slack within 2 seconds of its due time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers.core.clock import SystemClock
from handlers.core.types import Place, Platform
from tests.support.harness import running
from tests.support.meetings_helpers import command, team, text_of

WITHIN = 2.0


@pytest.mark.slow
async def test_a_real_one_minute_timebox_warns_on_time(sqlite_url: str) -> None:
    async with running(sqlite_url, clock=SystemClock(), outbox_interval=1.0) as bot:
        team(bot)
        arrived: list[tuple[datetime, dict[str, Any]]] = []

        def stamp(method: str, params: dict[str, Any]) -> None:
            if method == "chat.postMessage":
                arrived.append((datetime.now(UTC), params))

        bot.slack.faults.append(stamp)  # records the arrival time, injects nothing
        bot.runtime.scheduler.start()
        await command(bot, "/timebox", "1m real time")
        box = await bot.runtime.store.timebox.running(Place(Platform.SLACK, "C1", "T1"))
        assert box is not None and box.total == timedelta(minutes=1)
        async with asyncio.timeout(75):
            while len(arrived) < 4:
                await asyncio.sleep(0.05)
        due = {"Half time": box.started_at + timedelta(seconds=30),
               "12s left": box.started_at + timedelta(seconds=48),
               "Time's up": box.started_at + timedelta(seconds=60)}
        warnings = arrived[1:]
        assert [next(k for k in due if k in text_of(p)) for _, p in warnings] == list(due)
        for (when, params), (label, at) in zip(warnings, due.items(), strict=True):
            late = (when - at).total_seconds()
            assert 0 <= late <= WITHIN, f"{label}: {late:.2f}s after its due time ({text_of(params)!r})"
