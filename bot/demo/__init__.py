"""`steadybot demo`: the terminal adapter."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.demo.app import Demo, stdin_lines
from bot.demo.world import World
from bot.runtime import build_runtime
from handlers.core.clock import FakeClock
from handlers.core.timeparse import format_local, localize, zone

DEMO_DB = "steadybot-demo.db"


def working_hours(now: datetime, tz: ZoneInfo) -> datetime:
    """The demo's clock starts now if it is a weekday between 09:00 and 16:00 where you are, else at 09:30
    on the next weekday, so the first pulse isn't held back by quiet hours or the weekend."""
    local = now.astimezone(tz)
    if local.weekday() < 5 and time(9) <= local.time() < time(16):
        return now.replace(second=0, microsecond=0)
    day = local.date() + timedelta(days=0 if local.time() < time(9) else 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return localize(datetime.combine(day, time(9, 30)), tz).astimezone(UTC)


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def run_demo(settings: Settings, *, db_path: str | None = None, keep: bool = False,
                   out: TextIO | None = None, start: datetime | None = None) -> None:
    """Run the demo on its own SQLite file (fresh each time unless `keep`), with a fast-forwardable clock."""
    out = out or sys.stdout
    path = Path(db_path or DEMO_DB)
    if not keep:
        _remove_database(path)
    demo_settings = Settings(database_url=f"sqlite:///{path}", default_tz=settings.default_tz,
                             admins=settings.admins, log_level=settings.log_level)
    world = World.default(settings.default_tz)
    clock = FakeClock(start or working_hours(datetime.now(UTC), zone(world.you.tz)))
    runtime = await build_runtime(demo_settings, clock=clock)
    interactive = sys.stdin.isatty() and out is sys.stdout
    tz = zone(world.you.tz)

    def prompt() -> str:
        return f"[{format_local(clock.now(), tz, now=None)}] > "

    lines, ask = stdin_lines(interactive, prompt)
    demo = Demo(runtime, clock, world, out, ask, color=interactive, echo=not interactive)
    try:
        await demo.run(lines)
    finally:
        await runtime.close()
