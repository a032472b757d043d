"""The acknowledgement of a Slack event leaves before the work after it starts (bot/slack/adapter.py's
`ack_written`, bot/inbound.py `AfterAck.run(after=…)`): work that runs without yielding — SQLite units on the
loop's own connection, the scope detector — must not hold back the 200 that Slack waits for."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.inbound import AfterAck
from handlers.scope import watch
from tests.support.harness import Harness
from tests.support.scope_helpers import SCOPE_CREEP, message, prompts_in


async def test_a_message_is_acknowledged_before_a_slow_watcher_runs(
        bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    detect = watch.detect

    def slow_detect(text: str, **kwargs: object) -> object:
        time.sleep(0.4)  # synchronous, as the watcher's own work is: nothing else runs meanwhile
        return detect(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(watch, "detect", slow_detect)
    started = time.monotonic()
    response = await bot.event(message(SCOPE_CREEP, "100.000001"))
    acked = time.monotonic() - started
    assert response.status == 200
    assert acked < 0.3, f"the ack waited {acked:.2f} s for the watcher"
    await bot.idle()
    assert len(prompts_in(bot)) == 1  # and the work still ran, once


async def test_work_after_an_ack_waits_for_the_adapters_signal_and_never_longer_than_the_grace() -> None:
    lane = AfterAck()
    written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    ran = asyncio.Event()

    async def work() -> None:
        ran.set()

    lane.run(work(), after=written)
    await asyncio.sleep(0.05)
    assert not ran.is_set()  # the ack is not written yet
    written.set_result(None)
    await asyncio.wait_for(ran.wait(), 1)

    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    late = asyncio.Event()

    async def other() -> None:
        late.set()

    started = time.monotonic()
    lane.run(other(), after=never)  # an adapter that never signals: the work still runs, after ACK_GRACE
    await asyncio.wait_for(late.wait(), 3)
    assert 0.9 < time.monotonic() - started < 2.5
    assert await lane.settle(1)
