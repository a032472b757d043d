"""Cold start: from spawning `steadybot serve` to GET /healthz answering 200, and its idle RSS.

Two cases: the first start on an empty SQLite file (the migrations run) and a restart on an up-to-date
one. The floor is the bare baseline server (Bolt + botbuilder + aiohttp imported and serving, see
bench.baseline), spawned and polled the same way, interleaved with the bot's starts. Idle RSS is read after
the server has been idle for a few seconds (imports done, scheduler running, first outbox ticks done), for
the bot and for the floor.

Bytecode: an installed package has its .pyc files (pip compiles them); a checkout run with
PYTHONDONTWRITEBYTECODE=1 (as on the development machine) compiles every project module from source at
each start. The main figures use a bytecode cache (PYTHONPYCACHEPREFIX in the temporary directory, kept
between runs, topped up by one untimed start of each server first); one more pair of starts without it
shows the difference.

Besides the wall time, the CPU time each process used until healthy (user + system): on a shared machine the
wall time mostly measures the other processes, the CPU time much less so.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path
from typing import Any

from bench import proc
from bench.stats import Figure, ratios

#: Kept between runs (outside the repository): .pyc files are checked against their sources' mtimes.
PYCACHE = Path(tempfile.gettempdir()) / "steadybot-bench-pycache"


def _bytecode_env(cached: bool) -> dict[str, str]:
    if cached:
        return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    return {"PYTHONDONTWRITEBYTECODE": "1"}


Start = tuple[float, float, float]  # seconds to healthy, idle RSS in MiB, CPU seconds used until healthy


async def _baseline_start(work: Path, slack_api: str, idle: float, cached: bool = True) -> Start:
    port = proc.free_port()
    process = proc.Process("coldstart-baseline",
                           proc.python_module("bench.baseline", "--port", str(port), "--slack-api", slack_api),
                           _bytecode_env(cached), work / "coldstart-baseline.log")
    return await _timed_start(process, port, idle)


async def _bot_start(work: Path, slack_api: str, db: Path, idle: float, cached: bool = True) -> Start:
    port = proc.free_port()
    env = {**proc.serve_env(f"sqlite:///{db}", slack_api, port), **_bytecode_env(cached)}
    process = proc.Process("coldstart-bot", proc.python_module("bot", "serve"), env, work / "coldstart-bot.log")
    return await _timed_start(process, port, idle)


async def _timed_start(process: proc.Process, port: int, idle: float) -> Start:
    """Spawn, wait until /healthz answers 200, stay idle a while: (seconds to healthy, idle RSS in MiB, CPU
    seconds until healthy)."""
    await process.spawn(announce=False)
    try:
        seconds = await proc.wait_healthy(f"http://127.0.0.1:{port}", process)
        cpu = proc.cpu_seconds(process.pid)
        await asyncio.sleep(idle)
        return seconds, proc.rss_mb(process.pid), cpu
    finally:
        await process.stop()


def _fresh(db: Path) -> Path:
    for suffix in ("", "-wal", "-shm", ".migrate-lock"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{db}{suffix}").unlink()
    return db


async def run(work: Path, slack_api: str, reps: int, idle: float, extra: bool = True) -> dict[str, Any]:
    """`extra`: top the bytecode cache up first (untimed) and add the starts without it."""
    if extra:
        await _baseline_start(work, slack_api, 0.0)
        await _bot_start(work, slack_api, _fresh(work / "coldstart-warm.db"), 0.0)
    first: list[float] = []
    restart: list[float] = []
    floor: list[float] = []
    rss: list[float] = []
    floor_rss: list[float] = []
    restart_cpu: list[float] = []
    floor_cpu: list[float] = []
    for rep in range(reps):
        db = _fresh(work / f"coldstart-{rep}.db")
        seconds, base_rss, cpu = await _baseline_start(work, slack_api, idle)
        floor.append(seconds)
        floor_rss.append(base_rss)
        floor_cpu.append(cpu)
        seconds, _, _ = await _bot_start(work, slack_api, db, 0.0)
        first.append(seconds)
        seconds, idle_rss, cpu = await _bot_start(work, slack_api, db, idle)
        restart.append(seconds)
        rss.append(idle_rss)
        restart_cpu.append(cpu)
    plain_floor = plain_restart = float("nan")
    if extra:
        plain_floor, _, _ = await _baseline_start(work, slack_api, 0.0, cached=False)
        plain_restart, _, _ = await _bot_start(work, slack_api, work / "coldstart-0.db", 0.0, cached=False)
    return {
        "first_start_s": Figure.of(first), "restart_s": Figure.of(restart), "floor_s": Figure.of(floor),
        "idle_rss_mb": Figure.of(rss), "floor_rss_mb": Figure.of(floor_rss),
        "ratio_first": Figure.of(ratios(first, floor)), "ratio_restart": Figure.of(ratios(restart, floor)),
        "restart_cpu_s": Figure.of(restart_cpu), "floor_cpu_s": Figure.of(floor_cpu),
        "ratio_restart_cpu": Figure.of(ratios(restart_cpu, floor_cpu)),
        "no_bytecode_restart_s": plain_restart, "no_bytecode_floor_s": plain_floor,
    }
