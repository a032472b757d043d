"""The database goes away and comes back — through a TCP proxy the test cuts, while the machine's PostgreSQL
keeps running for everyone else. Slack requests are still acknowledged inside 3 seconds with a friendly
"try again" and no 5xx, Teams the same, /healthz says 503, and when the database is back the bot recovers
by itself, without a restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handlers.core.errors import SORRY_DATABASE
from tests.support.fakes.pg_proxy import PgProxy
from tests.support.harness import Harness, running

pytestmark = pytest.mark.postgres


@pytest.fixture
async def proxy() -> AsyncIterator[PgProxy]:
    proxy = await PgProxy().start()
    try:
        yield proxy
    finally:
        await proxy.close()


async def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = await call
    return result, time.perf_counter() - started


async def _settings_reply(bot: Harness, user: str = "ULEAD") -> tuple[int, float, str]:
    """A command that reads and writes the database: (HTTP status, ack seconds, what it answered)."""
    before = len(bot.slack.responses)
    response, ack = await _timed(bot.slash("/steadybot", "settings min 4", user=user))
    answered = await bot.slack.wait_for_responses(before + 1, timeout=10)
    return response.status, ack, str(answered[before].get("text"))


@pytest.mark.parametrize("mode", ["reset", "hang"])
async def test_requests_are_answered_while_the_database_is_down_and_the_bot_recovers(
        pg_url: str, proxy: PgProxy, mode: str) -> None:
    async with running(proxy.url(pg_url)) as bot:
        bot.slack.add_channel("C1", creator="ULEAD", members=["ULEAD", "U1"])
        assert (await bot.client.get("/healthz")).status == 200
        status, _, text = await _settings_reply(bot)
        assert status == 200 and text.startswith("Saved")

        proxy.cut(mode)  # type: ignore[arg-type]
        health, seconds = await _timed(bot.client.get("/healthz"))
        assert health.status == 503 and seconds < 8  # the first check after a partition waits its timeout
        for _ in range(3):
            status, ack, text = await _settings_reply(bot)
            assert status == 200 and ack < 3.0, (status, ack)
            assert text == SORRY_DATABASE
        health, seconds = await _timed(bot.client.get("/healthz"))
        assert health.status == 503 and seconds < 0.5  # failing fast now
        # An event (a mention) and a button press are acknowledged too.
        event, ack = await _timed(bot.event({"type": "app_mention", "user": "U1", "channel": "C1",
                                             "text": "<@UBOT> steadybot settings", "ts": "5.1"}))
        assert event.status == 200 and ack < 3.0
        press, ack = await _timed(bot.press("settings.edit", "", user="ULEAD", channel="C1"))
        assert press.status == 200 and ack < 3.0
        # Teams: the activity is answered (with the same friendly words), no 5xx, well inside its timeout.
        response, seconds = await _timed(bot.teams(bot.activity("steadybot settings", conversation_type="channel",
                                                                mention=True)))
        assert response.status in (200, 201) and seconds < 3.0
        sent = await bot.connector.wait_for(1)
        assert "can't reach my database" in sent[-1].text
        # The outbox waits: nothing is lost, nothing is marked failed.
        await bot.runtime.worker.tick()

        proxy.restore()
        deadline = time.monotonic() + 10
        while (await bot.client.get("/healthz")).status != 200:
            assert time.monotonic() < deadline, "the bot did not recover by itself"
            await asyncio.sleep(0.2)
        status, ack, text = await _settings_reply(bot)
        assert status == 200 and text.startswith("Saved"), text
        await bot.teams(bot.activity("steadybot settings", conversation_type="channel", mention=True))
        recovered = await bot.connector.wait_for(2)
        assert "Scope-creep watch" in recovered[-1].text
        assert bot.runtime.db.outages == 1
        assert proxy.connections >= 2  # it really reconnected
