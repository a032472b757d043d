"""`bot.server.serve` in process: it listens, freezes what start-up loaded out of the garbage collector's
way, and stops cleanly when cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import gc

import aiohttp

from bot.config import Settings
from bot.runtime import build_runtime
from bot.server import serve
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
