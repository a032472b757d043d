"""`steadybot demo`: the terminal adapter."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.demo.app import Demo, stdin_lines
from bot.demo.world import World
from bot.runtime import build_runtime
from handlers.core.clock import FakeClock
from handlers.core.timeparse import format_local, zone

DEMO_DB = "steadybot-demo.db"


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
    now = start or datetime.now(UTC).replace(second=0, microsecond=0)
    clock = FakeClock(now)
    runtime = await build_runtime(demo_settings, clock=clock)
    world = World.default(settings.default_tz)
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
