"""`bot.server.serve` in process: it listens, freezes what start-up loaded out of the garbage collector's
way, and stops cleanly when cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings
from bot.runtime import build_runtime
from bot.server import serve
from support.procs import REPO, free_port
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET


async def test_serve_freezes_start_up_objects_and_answers(sqlite_url: str) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    runtime = await build_runtime(Settings(database_url=sqlite_url, slack_bot_token=BOT_TOKEN,
                                           slack_signing_secret=SIGNING_SECRET))
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(runtime, "127.0.0.1", 0, ready=bound.set_result))
    try:
        port = await asyncio.wait_for(bound, 10)
        # a full collection no longer walks what was loaded at start (it took ~65 ms per collection)
        assert gc.get_freeze_count() > 10_000
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as r:
            assert r.status == 200
            assert (await r.json()) == {"status": "ok"}
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.unfreeze()  # the rest of the test session collects as usual


async def test_port_zero_links_reports_to_the_port_it_picked(sqlite_url: str) -> None:
    runtime = await build_runtime(Settings(database_url=sqlite_url, port=0))
    assert runtime.services.settings.public_url == "http://127.0.0.1:0"  # before it listens: not yet known
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(runtime, "127.0.0.1", 0, ready=bound.set_result))
    try:
        port = await asyncio.wait_for(bound, 10)
        assert port != 0 and runtime.services.settings.public_url == f"http://127.0.0.1:{port}"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.unfreeze()


async def test_a_public_url_is_kept_whatever_port_is_picked(sqlite_url: str) -> None:
    runtime = await build_runtime(Settings(database_url=sqlite_url, port=0, public_url="https://bot.example.com"))
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(runtime, "127.0.0.1", 0, ready=bound.set_result))
    try:
        await asyncio.wait_for(bound, 10)
        assert runtime.services.settings.public_url == "https://bot.example.com"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.unfreeze()


async def test_the_cli_serves_on_a_free_port_with_port_zero_and_says_which(tmp_path: Path) -> None:
    """`steadybot serve --port 0` (PORT says otherwise): any free port, named in the start-up log line."""
    taken = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
           "PORT": str(taken), "STEADYBOT_LOG_LEVEL": "INFO", "STEADYBOT_LOG_FORMAT": "text"}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", "--port", "0", env=env,
                                                    cwd=str(REPO), stdout=log, stderr=log)
    try:
        found = None
        async with asyncio.timeout(60):
            while found is None and proc.returncode is None:
                found = re.search(r"listening on http://127\.0\.0\.1:(\d+) ", log_path.read_text(errors="replace"))
                await asyncio.sleep(0.1)
        assert found is not None, log_path.read_text(errors="replace")[-2000:]
        port = int(found.group(1))
        assert port not in (0, taken, 3000)
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as r:
            assert r.status == 200
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 15)


@pytest.mark.parametrize("port", ["-1", "65536"])
def test_the_cli_refuses_a_port_out_of_range(port: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["serve", "--port", port]) == 2
    err = capsys.readouterr().err
    assert f"--port must be a number from 0 (any free port) to 65535, not {port}" in err and "Traceback" not in err
    assert not (tmp_path / "x.db").exists()
