"""Cold start: from spawning `steadybot serve` to GET /healthz answering 200, and its idle RSS.

Two cases: the first start on an empty SQLite file (the migrations run) and a restart on an up-to-date
one. The floor is the bare baseline server (Bolt + botbuilder + aiohttp imported and serving, see
bench.baseline), spawned and polled the same way, interleaved with the bot's starts. Idle RSS is read after
the server has been idle for a few seconds (imports done, scheduler running, first outbox ticks done), for
the bot and for the floor.

Restart to the first acknowledged command: what a restart costs the first person, not only the health check
(the bot builds some things on first use — SQLAlchemy's engine among them — so they move from "healthy" to
"the first request"). On each restart of the bot and each start of the floor, a signed Slack slash command
(`/steadybot help`, the first Slack row of bench/ack.py; the floor acks every slash command and answers "ok"
through its response_url) is sent the moment /healthz first answers 200 (polled as above; only the CPU time
is read in between). Timed: spawn → its ack (HTTP 200, read whole), and spawn → its answer reaching the fake
Slack (in the ack's body, or its response_url POST at the fakes). The answer is checked. The wait for it is
part of the idle time before the RSS is read, so the RSS is read at the same moment after healthy as before —
but after one answered command (the floor's too).

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
import itertools
import math
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import load, proc
from bench.stats import Figure, ratios

#: Kept between runs (outside the repository): .pyc files are checked against their sources' mtimes.
PYCACHE = Path(tempfile.gettempdir()) / "steadybot-bench-pycache"
#: The first command after a restart, as bench/ack.py's first Slack row; what each side's answer contains.
COMMAND = ("/steadybot", "help")
BOT_ANSWER = "Here is what I can do"
FLOOR_ANSWER = "ok"
CHANNEL, USER = "CCOLDSTART", "UCOLDSTART"


def _bytecode_env(cached: bool) -> dict[str, str]:
    if cached:
        return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    return {"PYTHONDONTWRITEBYTECODE": "1"}


@dataclass(frozen=True, slots=True)
class Start:
    """One timed start; seconds from the spawn."""

    healthy_s: float  # to /healthz answering 200
    rss_mb: float  # idle RSS (read `idle` seconds after healthy)
    cpu_s: float  # CPU seconds used until healthy
    ack_s: float = math.nan  # to the first command's ack (nan: no command sent)
    answer_s: float = math.nan  # to its answer reaching the fake Slack


class FirstCommand:
    """The signed slash command sent the moment a server is healthy (one keep-alive client session, made before
    any spawn so that its creation is never timed)."""

    def __init__(self, slack_api: str, control: str) -> None:
        self.client = load.Client()
        self.slack_api = slack_api
        self.control = control
        self._numbers = itertools.count()

    async def close(self) -> None:
        await self.client.close()

    async def prepare(self) -> tuple[load.Prepared, int]:
        """Before the spawn: the signed request, and how many answers the fake Slack has had so far."""
        response_url = f"{self.slack_api.rsplit('/api/', 1)[0]}/response/coldstart{next(self._numbers)}"
        request = load.slash(COMMAND[0], COMMAND[1], channel=CHANNEL, user=USER, response_url=response_url)
        counts = await load.control(self.client.session, self.control, "/counts")
        return request, int(counts["slack_out"])

    async def send(self, url: str, request: load.Prepared, before: int, expect: str,
                   timeout: float = 30.0) -> tuple[float, float]:
        """Send it now; returns `time.perf_counter()` when its ack (HTTP 200) was read and when its answer reached
        the fake Slack (the same moment when the ack carried it). Raises if either fails or the answer is wrong."""
        in_ack: list[tuple[str, float]] = []
        errors = len(self.client.errors)
        await self.client.one(url, request, in_ack)
        acked = time.perf_counter()
        offset = acked - time.monotonic()  # the fakes and `load.Client` stamp with time.monotonic()
        if len(self.client.errors) > errors:
            raise RuntimeError(f"{COMMAND[0]} {COMMAND[1]} after a restart: {self.client.errors[-1]}")
        if in_ack:
            text, at = in_ack[0]
        else:
            session = self.client.session

            async def answered() -> bool:
                counts = await load.control(session, self.control, "/counts")
                return bool(counts["slack_out"] > before)

            if not await load.wait_until(answered, timeout):
                raise RuntimeError(f"{COMMAND[0]} {COMMAND[1]} after a restart was acknowledged but not answered")
            text, at = (await load.control(session, self.control, f"/slack-replies?start={before}"))[0]
        if expect not in text:
            raise RuntimeError(f"{COMMAND[0]} {COMMAND[1]} after a restart: unexpected answer: {text[:300]}")
        return acked, at + offset


async def _baseline_start(work: Path, slack_api: str, idle: float, cached: bool = True,
                          command: FirstCommand | None = None) -> Start:
    port = proc.free_port()
    process = proc.Process("coldstart-baseline",
                           proc.python_module("bench.baseline", "--port", str(port), "--slack-api", slack_api),
                           _bytecode_env(cached), work / "coldstart-baseline.log")
    return await _timed_start(process, port, idle, command, FLOOR_ANSWER)


async def _bot_start(work: Path, slack_api: str, db: Path, idle: float, cached: bool = True,
                     command: FirstCommand | None = None) -> Start:
    port = proc.free_port()
    env = {**proc.serve_env(f"sqlite:///{db}", slack_api, port), **_bytecode_env(cached)}
    process = proc.Process("coldstart-bot", proc.python_module("bot", "serve"), env, work / "coldstart-bot.log")
    return await _timed_start(process, port, idle, command, BOT_ANSWER)


async def _timed_start(process: proc.Process, port: int, idle: float, command: FirstCommand | None = None,
                       expect: str = "") -> Start:
    """Spawn, wait until /healthz answers 200, send the first command at once (if any), stay idle until `idle`
    seconds after healthy, read the RSS."""
    prepared = await command.prepare() if command is not None else None
    url = f"http://127.0.0.1:{port}"
    await process.spawn(announce=False)
    try:
        seconds = await proc.wait_healthy(url, process)
        cpu = proc.cpu_seconds(process.pid)
        healthy_at = process.started_at + seconds
        ack = answer = math.nan
        if command is not None and prepared is not None:
            acked, answered = await command.send(url, *prepared, expect)
            ack, answer = acked - process.started_at, answered - process.started_at
        await asyncio.sleep(max(0.0, idle - (time.perf_counter() - healthy_at)))
        return Start(seconds, proc.rss_mb(process.pid), cpu, ack, answer)
    finally:
        await process.stop()


def _fresh(db: Path) -> Path:
    for suffix in ("", "-wal", "-shm", ".migrate-lock"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{db}{suffix}").unlink()
    return db


def figures(first: Sequence[float], floors: Sequence[Start], restarts: Sequence[Start],
            no_bytecode: tuple[float, float] = (math.nan, math.nan)) -> dict[str, Any]:
    """The section's figures from its rounds (first starts, the floor's starts and the bot's restarts, one each
    per round); every ratio per round, against the floor of the same round. `no_bytecode`: (restart, floor)."""
    floor = [s.healthy_s for s in floors]
    restart = [s.healthy_s for s in restarts]
    restart_cpu = [s.cpu_s for s in restarts]
    floor_cpu = [s.cpu_s for s in floors]
    restart_ack = [s.ack_s for s in restarts]
    floor_ack = [s.ack_s for s in floors]
    restart_answer = [s.answer_s for s in restarts]
    floor_answer = [s.answer_s for s in floors]
    return {
        "first_start_s": Figure.of(first), "restart_s": Figure.of(restart), "floor_s": Figure.of(floor),
        "idle_rss_mb": Figure.of([s.rss_mb for s in restarts]), "floor_rss_mb": Figure.of([s.rss_mb for s in floors]),
        "ratio_first": Figure.of(ratios(first, floor)), "ratio_restart": Figure.of(ratios(restart, floor)),
        "restart_cpu_s": Figure.of(restart_cpu), "floor_cpu_s": Figure.of(floor_cpu),
        "ratio_restart_cpu": Figure.of(ratios(restart_cpu, floor_cpu)),
        "no_bytecode_restart_s": no_bytecode[0], "no_bytecode_floor_s": no_bytecode[1],
        # restart to the first acknowledged command (information, not a target)
        "restart_ack_s": Figure.of(restart_ack), "floor_ack_s": Figure.of(floor_ack),
        "ratio_restart_ack": Figure.of(ratios(restart_ack, floor_ack)),
        "restart_healthy_to_ack_ms": Figure.of([(s.ack_s - s.healthy_s) * 1000.0 for s in restarts]),
        "floor_healthy_to_ack_ms": Figure.of([(s.ack_s - s.healthy_s) * 1000.0 for s in floors]),
        "restart_answer_s": Figure.of(restart_answer), "floor_answer_s": Figure.of(floor_answer),
        "ratio_restart_answer": Figure.of(ratios(restart_answer, floor_answer)),
        "restart_healthy_to_answer_ms": Figure.of([(s.answer_s - s.healthy_s) * 1000.0 for s in restarts]),
        "floor_healthy_to_answer_ms": Figure.of([(s.answer_s - s.healthy_s) * 1000.0 for s in floors]),
    }


async def run(work: Path, slack_api: str, reps: int, idle: float, extra: bool = True, *,
              control: str) -> dict[str, Any]:
    """`extra`: top the bytecode cache up first (untimed) and add the starts without it. `control`: the fakes'
    control API (where the first command's answer is looked for)."""
    proc.cpu_seconds(os.getpid())  # psutil imported now, not between a server's healthy and its first command
    command = FirstCommand(slack_api, control)
    try:
        if extra:
            await _baseline_start(work, slack_api, 0.0)
            await _bot_start(work, slack_api, _fresh(work / "coldstart-warm.db"), 0.0)
        first: list[float] = []
        floors: list[Start] = []
        restarts: list[Start] = []
        for rep in range(reps):
            db = _fresh(work / f"coldstart-{rep}.db")
            floors.append(await _baseline_start(work, slack_api, idle, command=command))
            first.append((await _bot_start(work, slack_api, db, 0.0)).healthy_s)
            restarts.append(await _bot_start(work, slack_api, db, idle, command=command))
        no_bytecode = (math.nan, math.nan)
        if extra:
            plain_floor = (await _baseline_start(work, slack_api, 0.0, cached=False)).healthy_s
            plain_restart = (await _bot_start(work, slack_api, work / "coldstart-0.db", 0.0, cached=False)).healthy_s
            no_bytecode = (plain_restart, plain_floor)
    finally:
        await command.close()
    return figures(first, floors, restarts, no_bytecode)
