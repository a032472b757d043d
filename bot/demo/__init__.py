"""`steadybot demo`: the terminal adapter (adapter.py) and the session around it (app.py), over a simulated
team (world.py)."""

from __future__ import annotations

import socket
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.calendar.example import ExampleFetcher
from bot.calendar.fetch import FeedFetcher
from bot.config import Settings
from bot.demo.adapter import DemoAdapter, demo_adapter
from bot.demo.app import Demo, stdin_lines
from bot.demo.dbfile import prepare
from bot.demo.history import write_history
from bot.demo.terminal import Terminal
from bot.demo.world import CHANNEL, COMMENTS, World
from bot.runtime import Runtime, build_runtime
from bot.secret import load_secret
from bot.web.page import register as register_report_page
from handlers.core.clock import FakeClock
from handlers.core.timeparse import format_local, localize, zone

DEMO_DB = "steadybot-demo.db"
HISTORY_WEEKS = 8


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


async def run_demo(settings: Settings, *, db_path: str | None = None, keep: bool = False,
                   out: TextIO | None = None, start: datetime | None = None, history: bool = False,
                   web_port: int = 0) -> None:
    """Run the demo on its own SQLite file (fresh each time unless `keep`), with a fast-forwardable clock.

    The report page is served on 127.0.0.1 (any free port unless `web_port`), so `/steadybot report` and
    `:report` print a link that opens in a local browser. `history` writes 8 weeks of made-up team history
    (bot/demo/history.py) before the demo starts.

    The demo is wired like any platform: `build_runtime` builds its adapter from the factory passed in, and
    nothing of the runtime is changed afterwards. What the demo needs different is said at build time: the
    page's address (the port is bound first), the bundled example calendar, and an outbox the demo drains
    itself, in order with its output."""
    out = out or sys.stdout
    path = Path(db_path or DEMO_DB)
    # DemoFileRefused: a file the demo did not make, a folder. The path comes back absolute: a name starting with
    # `file:` is then never read as a URI, and the key file goes beside the database whatever the folder's name
    # (bot/secret.py reads the URL's path as written, and the URL escapes `%`, `?` and `#`)
    path = prepare(path, keep=keep, default_name=DEMO_DB)
    secret = load_secret("", f"sqlite:///{path}")
    world = World.default(settings.default_tz)
    clock = FakeClock(start or working_hours(datetime.now(UTC), zone(world.you.tz)))
    interactive = sys.stdin.isatty() and out is sys.stdout
    tz = zone(world.you.tz)

    def prompt() -> str:
        return f"[{format_local(clock.now(), tz, now=None)}] > "

    lines, ask = stdin_lines(interactive, prompt)
    terminal = Terminal(out, ask, color=interactive, echo=not interactive)
    page = _loopback_socket(web_port)
    try:
        # `%`, `?` and `#` escaped: part of the file's name, not an escape, the URL's query or its fragment
        demo_settings = Settings(database_url=f"sqlite:///{_url_path(path)}", default_tz=settings.default_tz,
                                 admins=settings.admins, log_level=settings.log_level,
                                 public_url=f"http://127.0.0.1:{page.getsockname()[1]}")
        fetcher = FeedFetcher(demo_settings.calendar_refresh, demo_settings.calendar_allow_private)
        # `:calendar` serves the bundled example; other addresses are fetched for real
        runtime = await build_runtime(demo_settings, clock=clock, secret=secret,
                                      adapters=[demo_adapter(world, terminal)],
                                      ports={"calendar": ExampleFetcher(fetcher, clock)}, kick_outbox=False)
    except BaseException:
        page.close()
        raise
    [adapter] = [a for a in runtime.adapters.values() if isinstance(a, DemoAdapter)]
    page_runner: web.AppRunner | None = None
    try:
        if history:
            now = clock.now()
            this_monday = now.astimezone(UTC).date() - timedelta(days=now.astimezone(UTC).weekday())
            clock.set(datetime.combine(this_monday - timedelta(weeks=HISTORY_WEEKS + 1), time(8, 0), tzinfo=UTC))
            await write_history(runtime.store, clock, CHANNEL, [p.id for p in world.people], weeks=HISTORY_WEEKS,
                                below_k_week=3, comments=COMMENTS)
            clock.set(now)
        page_runner = await start_web(runtime, page)
        await adapter.start()
        await Demo(runtime, adapter, clock).run(lines)
    finally:
        if page_runner is not None:
            await page_runner.cleanup()
        else:
            page.close()
        await runtime.close()


def _url_path(path: Path) -> str:
    return str(path).replace("%", "%25").replace("?", "%3F").replace("#", "%23")


def _loopback_socket(port: int) -> socket.socket:
    """The report page's socket on 127.0.0.1, bound before the runtime is built so its links know the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


async def start_web(runtime: Runtime, sock: socket.socket) -> web.AppRunner:
    """The report page on `sock` (loopback only); report links point at it."""
    app = web.Application()
    register_report_page(app, runtime)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner
