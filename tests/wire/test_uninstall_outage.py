"""An uninstall that meets a database outage, through the real wire, on SQLite and PostgreSQL: the removal is
tried again (1 s doubling to 60 s, for about 30 minutes: `bot.inbound.Backoff`) until the database is back,
and then every row of the workspace or team is gone — Slack acknowledged the event at once and never sends it
again, so nobody else would ever remove it. A graceful stop during the retries ends them cleanly, with one
ERROR line saying what was not removed (docs/operations.md, "Uninstalling").

The outage: PostgreSQL through a TCP proxy the test cuts (tests/support/fakes/pg_proxy.py, as in
tests/reliability/test_reliability_dbdown.py); SQLite locked by another connection holding its write lock (as
in tests/core/test_storage.py). The retries' sleep is the test's (`ClockSleep`): it ends when the test moves
the clock past it, so nothing sleeps for real."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.inbound import Backoff
from handlers.core.clock import FakeClock
from handlers.core.types import Platform
from support import bf_connector, wire
from tests.support.db_scan import platform_rows
from tests.support.fakes.pg_proxy import PgProxy
from tests.support.harness import Harness, running
from tests.wire.test_uninstall import _counts, _removal, _slack_workspace, _teams_team


@dataclass
class ClockSleep:
    """The retries' sleep: a nap of `s` seconds ends once `advance` moved the clock `s` seconds past its start."""

    clock: FakeClock
    asked: list[float] = field(default_factory=list)
    _sleepers: list[tuple[Any, asyncio.Future[None]]] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.asked.append(seconds)
        self._sleepers.append((self.clock.now() + timedelta(seconds=seconds), future))
        await future

    def advance(self, seconds: float) -> None:
        now = self.clock.advance(seconds=seconds)
        for deadline, future in list(self._sleepers):
            if deadline <= now:
                self._sleepers.remove((deadline, future))
                if not future.done():
                    future.set_result(None)

    async def asked_for(self, n: int, timeout: float = 20.0) -> None:
        """Wait (bounded) until the `n`th nap started: the `n`th try failed."""
        deadline = time.monotonic() + timeout
        while len(self.asked) < n:
            assert time.monotonic() < deadline, f"the removal was not tried again ({len(self.asked)} retries)"
            await asyncio.sleep(0.01)


@dataclass
class Outage:
    url: str
    cut: Callable[[], object]
    restore: Callable[[], object]


@contextlib.asynccontextmanager
async def outage(db_url: str) -> AsyncIterator[Outage]:
    """The database URL the bot uses, and how to take that database away and bring it back."""
    if make_url(db_url).get_backend_name() == "postgresql":
        proxy = await PgProxy().start()
        try:
            yield Outage(proxy.url(db_url), lambda: proxy.cut("reset"), proxy.restore)
        finally:
            await proxy.close()
        return
    path = make_url(db_url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        yield Outage(db_url, lambda: holder.execute("BEGIN IMMEDIATE"),
                     lambda: holder.execute("ROLLBACK"))
    finally:
        holder.close()


async def _fast_failing(bot: Harness) -> ClockSleep:
    """The bot's retries on the test's sleep; its SQLite connection waits 50 ms for a lock (not 5 s)."""
    sleep = ClockSleep(bot.clock)
    bot.runtime.lane.backoff = Backoff(sleep=sleep)  # the default schedule: 1 s doubling to 60 s
    db = bot.runtime.store.db
    if not db.is_postgres:
        await db.on_sqlite(lambda conn: conn.execute("PRAGMA busy_timeout=50"))
    return sleep


async def _back(bot: Harness, timeout: float = 10.0) -> None:
    """Until the database answers again (PostgreSQL's breaker lets a try through after a second)."""
    deadline = time.monotonic() + timeout
    while not await bot.runtime.store.db.ping(timeout=2):
        assert time.monotonic() < deadline, "the database did not come back"
        await asyncio.sleep(0.2)


async def _until(done: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.01)


def _lines(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == level and r.name.startswith("steadybot")]


async def _uninstall(bot: Harness, team: str = "T1") -> None:
    response = await bot.post_slack(wire.event_body({"type": "app_uninstalled"}, team=team), "application/json")
    assert response.status == 200  # acknowledged at once: Slack never sends it again
    await bot.idle()


async def test_slack_uninstall_during_an_outage_removes_everything_once_the_database_is_back(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db, running(db.url) as bot:
        await _slack_workspace(bot)
        assert await platform_rows(bot, "slack")
        sleep = await _fast_failing(bot)

        db.cut()
        await _uninstall(bot)
        await sleep.asked_for(1)
        assert sleep.asked == [1.0]
        sleep.advance(1)  # the database is still down: a second try fails, the next wait is twice as long
        await sleep.asked_for(2)
        assert sleep.asked == [1.0, 2.0]
        retries = [r.getMessage() for r in _lines(caplog, logging.WARNING) if "trying again" in r.getMessage()]
        assert len(retries) == 2 and all("T1" not in line for line in retries), retries

        db.restore()
        await _back(bot)
        sleep.advance(2)
        await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")

        assert await platform_rows(bot, "slack") == {}
        assert not _lines(caplog, logging.ERROR)
        # A later redelivery of the same event is not blocked, and finds nothing left.
        await _uninstall(bot)
        assert await platform_rows(bot, "slack") == {}


async def test_slack_removal_gives_up_after_the_schedule_with_one_error_saying_what_stays(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db, running(db.url) as bot:
        await _slack_workspace(bot)
        sleep = await _fast_failing(bot)
        bot.runtime.lane.backoff = replace(bot.runtime.lane.backoff, cap=4, give_up_after=10)

        db.cut()
        await _uninstall(bot)
        for n, wait in enumerate([1.0, 2.0, 4.0], 1):  # 1 + 2 + 4 = 7 s waited; another 4 s would pass 10 s
            await sleep.asked_for(n)
            sleep.advance(wait)
        await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")
        assert sleep.asked == [1.0, 2.0, 4.0]
        errors = _lines(caplog, logging.ERROR)
        assert len(errors) == 1 and errors[0].exc_info is None, errors
        said = errors[0].getMessage()
        assert "workspace T1" in said and "NOT removed" in said and "uninstall" in said, said
        db.restore()
        await _back(bot)
        assert await platform_rows(bot, "slack")  # it stays: nothing retries after giving up


async def test_slack_graceful_stop_during_the_retries_ends_them_cleanly(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db:
        async with running(db.url) as bot:
            await _slack_workspace(bot)
            sleep = await _fast_failing(bot)
            db.cut()
            await _uninstall(bot)
            await sleep.asked_for(1)
            started = time.monotonic()
        # `running` stopped the bot gracefully: the retry waiting for its next try ended at once.
        assert time.monotonic() - started < 5
        assert not bot.runtime.lane.retrying
        assert not [r for r in caplog.records if r.exc_info is not None and r.levelno >= logging.ERROR]
        errors = _lines(caplog, logging.ERROR)
        assert len(errors) == 1 and "NOT removed" in errors[0].getMessage(), errors


def _in_team(table: Any) -> Any:
    return table.c.channel_id == bf_connector.CHANNEL_ID if "channel_id" in table.c else None


async def test_teams_removal_during_an_outage_removes_the_team_once_the_database_is_back(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db, running(db.url, admins=frozenset({"aad-lead"})) as bot:
        await _teams_team(bot)
        assert (await _counts(bot, Platform.TEAMS, _in_team))["meetings"] == 1
        sleep = await _fast_failing(bot)

        db.cut()
        response = await bot.teams(_removal(bot, user="29:lead", aad="aad-lead", conversation_type="channel"))
        assert response.status in (200, 201)
        await sleep.asked_for(1)
        db.restore()
        await _back(bot)
        sleep.advance(1)
        await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")

        assert set((await _counts(bot, Platform.TEAMS, _in_team)).values()) == {0}
        assert not _lines(caplog, logging.ERROR)


async def test_teams_graceful_stop_during_the_retries_ends_them_cleanly(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with outage(db_url) as db:
        async with running(db.url, admins=frozenset({"aad-lead"})) as bot:
            await _teams_team(bot)
            sleep = await _fast_failing(bot)
            db.cut()
            await bot.teams(_removal(bot, user="29:u2", aad="aad-2"))  # a person's personal scope
            await sleep.asked_for(1)
            started = time.monotonic()
        assert time.monotonic() - started < 5
        assert not [r for r in caplog.records if r.exc_info is not None and r.levelno >= logging.ERROR]
        errors = _lines(caplog, logging.ERROR)
        assert len(errors) == 1 and "NOT removed" in errors[0].getMessage(), errors


@contextlib.contextmanager
def failing_deletes(bot: Harness) -> Any:
    """While `state["down"]`, every DELETE through a session fails as a database that went away does (the
    de-duplication key, claimed on the driver path, still gets through): an outage that starts between the
    claim of the event's key and the removal."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    state = {"down": True}
    engine = bot.runtime.store.db.engine.sync_engine

    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if state["down"] and statement.lstrip().upper().startswith("DELETE"):
            raise OperationalError(statement, {}, ConnectionError("the database went away"))

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield state
    finally:
        event.remove(engine, "before_cursor_execute", fail)


def test_the_default_schedule_is_one_second_doubling_to_a_minute_for_half_an_hour() -> None:
    delays = list(Backoff().delays())
    assert delays[:7] == [1, 2, 4, 8, 16, 32, 60] and set(delays[6:]) == {60}
    assert 1700 < sum(delays) <= 1800 and len(delays) == 34


async def test_slack_redelivery_after_a_failed_removal_is_not_skipped(db_url: str) -> None:
    """Slack sends the event again (its first delivery's ack was lost) after a removal that failed: the
    event's key must not make the redelivery skip the removal."""
    async with running(db_url) as bot:
        await _slack_workspace(bot)
        sleep = await _fast_failing(bot)
        body = wire.event_body({"type": "app_uninstalled"}, team="T1", event_id="EvGONE1")
        with failing_deletes(bot) as deletes:
            assert (await bot.post_slack(body, "application/json")).status == 200
            await bot.idle()
            deletes["down"] = False
        await _back(bot)
        assert await platform_rows(bot, "slack")  # nothing went
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert (await bot.post_slack(body, "application/json", headers=retry)).status == 200
        await bot.idle()
        assert await platform_rows(bot, "slack") == {}
        if sleep.asked:  # the first delivery's retry finds nothing left
            sleep.advance(1)
            await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")


async def test_teams_redelivery_after_a_failed_removal_is_not_skipped(db_url: str) -> None:
    async with running(db_url, admins=frozenset({"aad-lead"})) as bot:
        await _teams_team(bot)
        sleep = await _fast_failing(bot)
        removal = _removal(bot, user="29:lead", aad="aad-lead", conversation_type="channel")
        with failing_deletes(bot) as deletes:
            await bot.teams(removal)
            deletes["down"] = False
        await _back(bot)
        assert (await _counts(bot, Platform.TEAMS, _in_team))["meetings"] == 1  # nothing went
        await bot.teams(removal)  # the same activity again
        assert set((await _counts(bot, Platform.TEAMS, _in_team)).values()) == {0}
        if sleep.asked:
            sleep.advance(1)
            await _until(lambda: not bot.runtime.lane.retrying, "the removal is still being retried")
