"""Real `steadybot` processes for fault tests: `serve` started, waited for, killed with SIGKILL, restarted;
the CLI run as an operator would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]  # support/procs.py → the repository


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def poll_healthy(url: str, returncode: Callable[[], int | None], name: str, tail: Callable[[], str], *,
                       timeout: float, interval: float) -> float:
    """Poll GET {url}/healthz until it answers 200 (bounded) and return `time.perf_counter()` at that answer;
    fail at once, with the log's tail, if the process exits meanwhile. The fault tests and bench/ use it."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            code = returncode()
            if code is not None:
                raise RuntimeError(f"{name} exited with {code}:\n{tail()}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        return time.perf_counter()
            await asyncio.sleep(interval)
    raise TimeoutError(f"{name} did not become healthy:\n{tail()}")


async def cli(*args: str, env: dict[str, str], timeout: float = 60) -> tuple[int, str, str]:
    """`steadybot <args>` in a subprocess (the operator's view); returns (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, env={**os.environ, **env},
                                                cwd=str(REPO), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, out.decode(), err.decode()


@dataclass
class ServeProcess:
    """One `steadybot serve` on its own port, its log in a file (so a full pipe never blocks it)."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    argv: tuple[str, ...] = ("-m", "bot", "serve")
    proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 30.0) -> ServeProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        log = self.log_path.open("ab")
        try:
            self.proc = await asyncio.create_subprocess_exec(sys.executable, *self.argv, env=env, cwd=str(REPO),
                                                             stdout=log, stderr=log)
        finally:
            log.close()
        await self.wait_healthy(timeout)
        return self

    async def wait_healthy(self, timeout: float = 30.0) -> None:
        await poll_healthy(self.url, lambda: self.proc.returncode if self.proc else None, "steadybot serve",
                           lambda: self.log()[-3000:], timeout=timeout, interval=0.1)

    def kill9(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed — a crash."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    async def wait(self) -> int:
        assert self.proc is not None
        return await self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
