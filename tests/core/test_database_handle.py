"""The database as a process holds it from its start (storage/handle.py): nothing builds the SQLAlchemy engine
until a repository is first asked for, a health check never builds it, and what listens for a forget before the
identities repository exists still hears it."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.core.clock import FakeClock
from handlers.core.types import Platform
from storage.handle import DatabaseHandle
from storage.migrate import upgrade
from storage.store import Store


async def test_the_engine_is_built_by_the_first_repository_not_by_a_ping(db_url: str) -> None:
    await upgrade(db_url)
    handle = DatabaseHandle(db_url)
    store = Store(handle, FakeClock())
    try:
        assert await store.ping() and await handle.ping()
        assert not handle.built and not handle.is_down and handle.outages == 0
        assert handle.is_postgres == db_url.startswith("postgresql")
        assert await store.identities.get(Platform.SLACK, "U1") is None  # the first repository builds it
        assert handle.built and store.db is handle.get() and store.identities.db is handle.get()
        assert await handle.ping()  # now through the engine
    finally:
        await store.close()
        await handle.dispose()


async def test_a_health_check_before_the_engine_says_when_the_database_is_not_there(tmp_path: Path) -> None:
    handle = DatabaseHandle(f"sqlite:///{tmp_path / 'gone' / 'steadybot.db'}")
    assert not await handle.ping()
    assert not handle.built and not (tmp_path / "gone").exists()  # nothing was built or created
    await handle.dispose()  # nothing to dispose of


async def test_a_listener_that_joins_before_the_identities_repository_hears_a_forget(db_url: str) -> None:
    await upgrade(db_url)
    handle = DatabaseHandle(db_url)
    store = Store(handle, FakeClock())
    heard: list[tuple[Platform, str]] = []
    store.on_forget.append(lambda platform, user_id: heard.append((platform, user_id)))  # as the Teams lines do
    try:
        assert not handle.built
        store.identities.forgotten(Platform.TEAMS, "29:abc")
        assert heard == [(Platform.TEAMS, "29:abc")]
    finally:
        await store.close()
        await handle.dispose()


async def test_a_store_over_a_built_database_uses_it(db_url: str) -> None:
    from storage.db import Database

    await upgrade(db_url)
    db = Database(db_url)
    store = Store(db, FakeClock())
    try:
        assert store.db is db and store.handle.built and store.outbox.db is db
        assert await store.ping()
    finally:
        await store.close()
        await db.dispose()


def test_a_url_no_driver_serves_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="unsupported DATABASE_URL scheme"):
        DatabaseHandle("mysql://root@localhost/x")


async def test_serve_warms_the_engine_up_in_a_thread_and_freezes_what_it_built(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve`, once listening, builds the engine and the core repositories in a worker thread
    (bot/server.py, `warm_up`): not on the event loop, and with the garbage collector back on after."""
    import gc
    import threading

    from bot.config import Settings
    from bot.runtime import Runtime, build_runtime
    from bot.server import warm_up
    from tests.support.harness import TEST_SECRET

    runtime = await build_runtime(Settings(database_url=db_url, secret=TEST_SECRET), adapters=[])
    built_in: list[str] = []
    original = Runtime.warm_up

    def watched(self: Runtime) -> None:
        built_in.append(threading.current_thread().name)
        original(self)

    monkeypatch.setattr(Runtime, "warm_up", watched)
    try:
        assert not runtime.handle.built
        await warm_up(runtime)
        assert runtime.handle.built and built_in and built_in[0] != threading.current_thread().name
        assert {"inbound", "identities", "conversations", "outbox"} <= set(vars(runtime.store))
        assert gc.isenabled()
    finally:
        await runtime.close()
