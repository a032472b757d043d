"""The feature harness itself: its adapter is wired into the runtime like any platform's, requests go through
the pipeline (redeliveries run nothing), and a press that names no button says what was on offer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.core.types import Platform
from tests.support.testbot import ANA, BEN, CHLOE, TEAM_CHANNEL, RecordingSender, TestAdapter, testbot


async def test_the_test_adapter_is_wired_like_any_platform(sqlite_url: str) -> None:
    async with testbot(sqlite_url) as bot:
        adapter = bot.runtime.adapters[Platform.DEMO]
        assert isinstance(adapter, TestAdapter) and list(adapter.routes()) == [] and list(adapter.periodic()) == []
        assert isinstance(bot.runtime.worker.senders[Platform.DEMO], RecordingSender)
        assert await bot.runtime.directories.members(TEAM_CHANNEL) == [ANA, BEN, CHLOE]
        assert await bot.runtime.directories.owner_ids(TEAM_CHANNEL) == {ANA.id}
        await bot.say("/timebox 2m")
        await bot.advance(timedelta(minutes=2))
        sender = bot.runtime.worker.senders[Platform.DEMO]
        assert isinstance(sender, RecordingSender)
        assert len(sender.deliveries) == len(bot.sent) == 3  # half time, nearly up, time's up: a row each
        counts = await bot.runtime.store.outbox.counts()
        assert counts.get("sent") == 3
    assert adapter.closed


async def test_a_redelivery_runs_nothing(sqlite_url: str) -> None:
    async with testbot(sqlite_url) as bot:
        [started] = await bot.command("timebox", "10m", key="test:cmd:1")
        assert "10m timebox started" in started.text
        assert await bot.command("timebox", "10m", key="test:cmd:1") == []
        [status] = await bot.say("/timebox")
        assert "A 10m timebox is running here" in status.text


async def test_pressing_a_label_that_is_not_there_says_what_is(sqlite_url: str) -> None:
    async with testbot(sqlite_url) as bot:
        [started] = await bot.say("/timebox 10m")
        with pytest.raises(AssertionError, match=r"\['\+5m', 'Stop'\]"):
            await bot.press(started, "Pause")
