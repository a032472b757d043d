"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), fakes, and the running bot."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from handlers.core.clock import FakeClock
from storage.crypto import Vault
from storage.db import Database
from storage.migrate import upgrade
from storage.store import Store
from tests.support.fakes.ics_server import FeedServer
from tests.support.harness import Harness, running


class _Measures:
    """What the scale and reliability tests measured (`measure`), printed after the run as "measurements".
    Reports carry them (`user_properties`), so they reach the summary from pytest-xdist's workers too."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.lines.extend(str(value) for name, value in report.user_properties if name == "measure")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.lines:
            terminalreporter.section("measurements")
            for line in self.lines:
                terminalreporter.write_line(f"[measure] {line}")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_Measures(), "steadybot-measures")


@pytest.fixture
def measure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """`measure("…")`: one line for the run's "measurements" section."""
    return lambda line: request.node.user_properties.append(("measure", line))


PG_ADMIN_URL = os.environ.get("STEADYBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, object] = {}


def _pg_reachable() -> tuple[bool, str]:
    if "ok" not in _pg_state:
        async def probe() -> None:
            import asyncpg

            conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=3)
            await conn.close()

        try:
            asyncio.run(probe())
            _pg_state.update(ok=True, why="")
        except Exception as exc:  # noqa: BLE001
            _pg_state.update(ok=False, why=f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__})")
    return bool(_pg_state["ok"]), str(_pg_state["why"])


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _create_db(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_db(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (skipped, with the reason, when unreachable)."""
    ok, why = _pg_reachable()
    if not ok:
        pytest.skip(why)
    name = f"steadybot_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_db(name))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_drop_db(name))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'steadybot.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a storage/outbox test on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'steadybot.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def bot(sqlite_url: str) -> AsyncIterator[Harness]:
    """The whole bot on SQLite with both platforms on (Teams in insecure dev mode) and the fakes."""
    async with running(sqlite_url) as harness:
        yield harness


@pytest.fixture
def vault() -> Vault | None:
    """The answer and journal keys `store` gets: none here; a test file that seals answers overrides it."""
    return None


@pytest.fixture
async def store(db_url: str, vault: Vault | None) -> AsyncIterator[Store]:
    """The repositories on a migrated database (SQLite and PostgreSQL through `db_url`), on a FakeClock, with
    `vault`. A test file that needs another clock defines its own `store`."""
    await upgrade(db_url)
    db = Database(db_url)
    try:
        yield Store(db, FakeClock(), vault)
    finally:
        await db.dispose()


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    """A local HTTP server of ICS feeds (tests/support/fakes/ics_server.py), empty until a test serves one."""
    server = await FeedServer().start()
    try:
        yield server
    finally:
        await server.close()
