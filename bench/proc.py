"""Processes the benchmarks start: the bot (`steadybot serve`), the bare baseline servers and the fake
platform APIs — each in its own process so that none steals the event loop of another, all on loopback.

A helper process announces itself with one JSON line on stdout (its URLs); `steadybot serve` is waited for
on /healthz. Every process is stopped by its own pid, never by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.procs import free_port, poll_healthy

REPO = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "bench-signing-secret-0123456789"
BOT_TOKEN = "xoxb-bench-token-0123456789"
BENCH_SECRET = "bench-steadybot-secret-0123456789-abcdefghijkl"


def _status_mb(pid: int, field: str) -> float | None:
    """A memory figure of /proc/<pid>/status (Linux), in MiB; None where there is no such file or line."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return None


def rss_mb(pid: int) -> float:
    """Resident set size now, in MiB (Linux /proc; psutil elsewhere)."""
    rss = _status_mb(pid, "VmRSS")
    if rss is not None:
        return rss
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def peak_rss_mb(pid: int) -> float:
    """The kernel's high-water mark of the resident set (VmHWM): the true peak, not a sample."""
    peak = _status_mb(pid, "VmHWM")
    return peak if peak is not None else rss_mb(pid)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


@dataclass
class Process:
    """A child process with its log in a file (a full pipe must never block it)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    proc: asyncio.subprocess.Process | None = None
    info: dict[str, Any] = field(default_factory=dict)
    started_at: float = 0.0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def lower_priority(self, niceness: int) -> None:
        """Run it below the load generator and the fakes: on a small machine the measured server's own
        background work must not slow down the client that measures it (as if it ran elsewhere)."""
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.pid, niceness)

    def pin(self, cpus: set[int]) -> None:
        """Run it on these CPUs only (`confine_load`)."""
        with contextlib.suppress(OSError):
            os.sched_setaffinity(self.pid, cpus)

    async def spawn(self, *, announce: bool) -> Process:
        """Start it; with `announce`, wait for its JSON line on stdout (its URLs)."""
        log = self.log_path.open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.started_at = time.perf_counter()
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv, env=env, cwd=str(REPO), stderr=log,
                stdout=asyncio.subprocess.PIPE if announce else log)
        finally:
            log.close()
        if announce:
            assert self.proc.stdout is not None
            try:
                line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
            except TimeoutError as exc:
                raise RuntimeError(f"{self.name} did not start:\n{self.tail()}") from exc
            if not line:
                raise RuntimeError(f"{self.name} exited at start:\n{self.tail()}")
            self.info = json.loads(line)
        return self

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    async def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()


async def until_stopped() -> None:
    """For a helper process's main(): return on SIGINT or SIGTERM (how `Process.stop` ends it)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def serve_control(control: Any, urls: dict[str, str]) -> None:
    """For a fakes process: serve its control API (an aiohttp Application) on a free local port, print one JSON
    line with `urls` and the control URL (what `start_fakes` and its kind read), run until stopped."""
    from aiohttp import web

    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    print(json.dumps({**urls, "control": f"http://127.0.0.1:{port}"}), flush=True)
    try:
        await until_stopped()
    finally:
        await runner.cleanup()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def confine_load(fakes: Process, servers: Sequence[Process]) -> set[int] | None:
    """Give the two sides of the latency benchmarks CPUs of their own, as if they ran on two machines: the
    platform's side — this process (the load generator) and the fakes — the first half of the usable CPUs, the
    measured servers (the floor's and the bot's alike) the second half. Sharing them, a client woken by an ack
    was often placed on the server's CPU and waited there behind the server's own after-the-ack work
    (docs/benchmarks.md, "Method notes"). Returns this process's CPUs before, for `release_load`; None (and
    nothing done) on a machine with one usable CPU."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    load_side, server_side = set(cpus[:len(cpus) // 2]), set(cpus[len(cpus) // 2:])
    for server in servers:
        server.pin(server_side)
    fakes.pin(load_side)
    os.sched_setaffinity(0, load_side)
    return set(cpus)


def release_load(before: set[int] | None) -> None:
    """Undo `confine_load` for this process: the sections after it use the whole machine."""
    if before:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, before)


async def start_fakes(workdir: Path) -> Process:
    """The fake Slack Web API and the fake Bot Framework connector, in one process of their own."""
    return await Process("fakes", python_module("bench.fakes"), {}, workdir / "fakes.log").spawn(announce=True)


async def start_baseline(workdir: Path, slack_api: str) -> Process:
    port = free_port()
    proc = Process("baseline", python_module("bench.baseline", "--port", str(port), "--slack-api", slack_api),
                   {}, workdir / "baseline.log")
    await proc.spawn(announce=True)
    return proc


def serve_env(database_url: str, slack_api: str, port: int, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "STEADYBOT_SECRET": BENCH_SECRET,
        "SLACK_API_URL": slack_api,
        "STEADYBOT_INSECURE_DEV": "1",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        **extra,
    }


async def wait_healthy(url: str, proc: Process, timeout: float = 60.0, interval: float = 0.01) -> float:
    """Poll GET /healthz until 200; returns the seconds since the process was spawned."""
    healthy_at = await poll_healthy(url, lambda: proc.proc.returncode if proc.proc else None, proc.name,
                                    proc.tail, timeout=timeout, interval=interval)
    return healthy_at - proc.started_at


async def start_bot(workdir: Path, database_url: str, slack_api: str, *, name: str = "bot",
                    weekday_clock: bool = False, **extra_env: str) -> tuple[Process, str]:
    """`steadybot serve` exactly as an operator runs it (or `bench.serve`, the same with a clock shifted to
    a weekday morning); returns the process and its base URL."""
    port = free_port()
    argv = python_module("bench.serve") if weekday_clock else python_module("bot", "serve")
    proc = Process(name, argv, serve_env(database_url, slack_api, port, **extra_env),
                   workdir / f"{name}.log")
    await proc.spawn(announce=False)
    url = f"http://127.0.0.1:{port}"
    await wait_healthy(url, proc)
    return proc, url
