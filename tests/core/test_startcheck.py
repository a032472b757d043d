"""The start-up checks and the health ping on the raw drivers (storage/rawdb.py, storage/startcheck.py): the same
answers as the engine's, on SQLite and PostgreSQL, without importing SQLAlchemy."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from handlers.core.errors import StorageUnavailable
from storage import rawdb
from storage.crypto import KeyMismatch
from storage.db import async_url
from storage.heads import expected_heads
from storage.migrate import upgrade
from storage.startcheck import check_key, has_plain_journals, is_current
from support.procs import REPO, free_port

SUPPORTED = [
    "sqlite:///steadybot.db",
    "sqlite:////var/lib/steadybot/steadybot.db",
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///",
    "sqlite:///~/data/steadybot.db",
    "sqlite:///../up/one.db",
    "sqlite+aiosqlite:///rel/dir/x.db",
    "sqlite+pysqlite:////abs/x.db",
    "sqlite:///a%20b%23c%3Fd.db",
    "sqlite:///x.db?timeout=5",
    "sqlite:///file:x.db?uri=true&mode=ro",
    "  sqlite:///padded.db \n",
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgres://u:p%40ss%2Fw%3Ard%25%20x@db.example:6543/steady",
    "postgresql+asyncpg://u:pw@host/db?sslmode=require",
    "postgresql://u:pw@host/db?ssl=true",
    "postgresql://u:pw@host/db?ssl=disable&sslmode=require",
    "postgresql://u@[::1]:5432/db?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=bot",
    "postgresql:///db",
    "postgresql+psycopg://u:pw@h/db%2Fodd",
]
UNSUPPORTED = ["mysql://u@h/db", "postgres+asyncpg://h/db", "SQLITE:///x.db", "oracle+cx_oracle://u:p@h/db",
               "sqlitex:///x.db"]


@pytest.mark.parametrize("url", SUPPORTED)
def test_backend_and_file_are_sqlalchemys(url: str) -> None:
    engine_url = make_url(async_url(url))
    assert rawdb.backend(url) == engine_url.get_backend_name()
    if engine_url.get_backend_name() == "sqlite":
        database = make_url(url.strip()).database
        assert engine_url.database == database
        assert rawdb.sqlite_file(url) == (database if database not in (None, "", ":memory:") else None)
    else:
        assert rawdb.sqlite_file(url) is None


@pytest.mark.parametrize("url", UNSUPPORTED)
def test_other_schemes_are_refused_with_async_urls_message(url: str) -> None:
    with pytest.raises(ValueError) as engine:
        async_url(url)
    with pytest.raises(ValueError) as raw:
        rawdb.backend(url)
    assert str(raw.value) == str(engine.value)


def test_an_unparsable_url_is_refused() -> None:
    with pytest.raises(ValueError, match="could not parse"):
        rawdb.backend("not a url")


MULTIHOST = ["postgresql://u:pw@/db?host=h1:5432&host=h2:5433", "postgresql://u@/db?host=h1,h2&port=1,2",
             "postgresql://u@/db?host=h1:6000", "postgresql://u@/db?host=h1", "postgresql://u@h:1/db?port=7",
             "postgresql://u@/db?host=h1,h2&port=1", "postgresql://u@/db?host=h1:1&port=2",
             "postgresql://u@/db?host=h1:x&host=h2:2", "postgresql://u@/db?host=h1:1&host=:2"]


def _engines_connect_args(url: str) -> dict[str, object]:
    """What the engine of storage/db.py hands asyncpg.connect for `url` (before its own timeouts)."""
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

    opts = PGDialect_asyncpg().create_connect_args(make_url(async_url(url)))[1]
    for name in ("prepared_statement_cache_size", "prepared_statement_name_func"):  # the dialect's own
        opts.pop(name, None)
    return dict(opts)


@pytest.mark.parametrize("url", [u for u in SUPPORTED if rawdb.backend(u) == "postgresql"] + MULTIHOST)
def test_the_driver_gets_the_engines_connect_arguments(url: str) -> None:
    """The same server, user, database and options as the engine — or the same refusal."""
    from sqlalchemy.exc import ArgumentError

    try:
        expected: dict[str, object] | None = _engines_connect_args(url)
    except (ArgumentError, ValueError):
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            rawdb._connect_args(rawdb._parse(url))
    else:
        assert rawdb._connect_args(rawdb._parse(url)) == expected


@pytest.mark.parametrize("query, connects", [("", True), ("?command_timeout=5", True),
                                             ("?application_name=steadybot", False)])
async def test_the_driver_connects_where_the_engine_does(pg_url: str, query: str, connects: bool) -> None:
    """A URL option asyncpg does not take fails the start's checks as it fails the engine (the start stops),
    instead of passing the health check and failing every request after it."""
    from sqlalchemy import text

    from storage.db import Database

    url = pg_url + query
    db = Database(url)
    try:
        if connects:
            async with db.session() as session:
                await session.execute(text("SELECT 1"))
            async with rawdb.connect(url) as conn:
                assert await conn.fetch("SELECT 1") == [(1,)]
        else:
            with pytest.raises(TypeError):
                async with db.session() as session:
                    await session.execute(text("SELECT 1"))
            with pytest.raises(TypeError):
                async with rawdb.connect(url):
                    pass
            assert not await rawdb.ping(url)
    finally:
        await db.dispose()


async def test_a_file_name_with_special_characters_is_the_engines_file(tmp_path: Path) -> None:
    path = tmp_path / "odd dir" / "a b#c?d%e.db"
    url = f"sqlite:///{quote(str(path))}"
    await upgrade(url)
    assert path.exists()
    assert await rawdb.ping(url) and await is_current(url)


# ---- is_current ---------------------------------------------------------------------------------------------
async def test_is_current_is_false_on_a_missing_file_and_does_not_create_it(tmp_path: Path) -> None:
    path = tmp_path / "steadybot.db"
    assert not await is_current(f"sqlite:///{path}")
    assert not await is_current("sqlite://") and not await is_current("sqlite:///:memory:")
    assert not path.exists()


async def test_is_current_only_after_upgrade(db_url: str) -> None:
    if rawdb.backend(db_url) == "sqlite":
        Path(rawdb.sqlite_file(db_url) or "").touch()  # an empty file: no version table yet
    assert not await is_current(db_url)
    await upgrade(db_url)
    assert await is_current(db_url)
    async with rawdb.connect(db_url) as conn:
        await conn.execute("DELETE FROM alembic_version WHERE version_num = ?", sorted(expected_heads())[0])
    assert not await is_current(db_url)


# ---- the key ------------------------------------------------------------------------------------------------
async def test_the_first_key_is_stored_and_only_it_passes(db_url: str) -> None:
    await upgrade(db_url)
    await check_key(db_url, "f" * 64)
    async with rawdb.connect(db_url) as conn:
        assert await conn.fetch("SELECT name, fingerprint FROM steadybot_keys") == [("secret", "f" * 64)]
    await check_key(db_url, "f" * 64)
    with pytest.raises(KeyMismatch, match=r"another secret \(fingerprint ffffffff…, this process has 00000000…"):
        await check_key(db_url, "0" * 64)
    async with rawdb.connect(db_url) as conn:
        assert await conn.fetch("SELECT fingerprint FROM steadybot_keys") == [("f" * 64,)]


async def test_an_unreachable_postgresql_is_unavailable_without_its_password() -> None:
    url = f"postgresql://steady:s3cr%40t%2Fpw@127.0.0.1:{free_port()}/test"
    with pytest.raises(StorageUnavailable) as caught:
        await check_key(url, "f" * 64, connect_timeout=1.0)
    assert "s3cr" not in str(caught.value) and str(caught.value)
    with pytest.raises(StorageUnavailable):
        await has_plain_journals(url, connect_timeout=1.0)


async def test_an_sqlite_file_in_a_missing_directory_is_unavailable_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "steadybot.db"
    with pytest.raises(StorageUnavailable):
        await check_key(f"sqlite:///{path}", "f" * 64)
    with pytest.raises(StorageUnavailable):
        await has_plain_journals(f"sqlite:///{path}")
    assert not path.parent.exists()


# ---- journals -----------------------------------------------------------------------------------------------
async def test_plain_journals_are_found(db_url: str) -> None:
    await upgrade(db_url)
    assert not await has_plain_journals(db_url)
    async with rawdb.connect(db_url) as conn:
        await conn.execute("INSERT INTO pulse_journal (id, platform, user_id, kind, day, channel_name, box) "
                           "VALUES ('j0', 'slack', 'U1', 'pulse', '2026-03-02', 'team', ?)", b"sealed")
    assert not await has_plain_journals(db_url)
    async with rawdb.connect(db_url) as conn:
        await conn.execute("INSERT INTO pulse_journal (id, platform, user_id, kind, day, channel_name, comment) "
                           "VALUES ('j1', 'slack', 'U1', 'pulse', '2026-03-02', 'team', 'old plain comment')")
    assert await has_plain_journals(db_url)


# ---- ping ---------------------------------------------------------------------------------------------------
async def test_ping_answers_on_a_migrated_database(db_url: str) -> None:
    await upgrade(db_url)
    assert await rawdb.ping(db_url)


async def test_ping_fails_on_a_missing_file_without_creating_it(tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "steadybot.db"
    caplog.set_level("INFO", "steadybot.storage")
    assert not await rawdb.ping(f"sqlite:///{path}")
    assert not path.exists()
    assert "database ping failed" in caplog.text


async def test_ping_fails_on_a_closed_postgresql_port(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", "steadybot.storage")
    started = time.monotonic()
    assert not await rawdb.ping(f"postgresql://steady:s3cr%40t@127.0.0.1:{free_port()}/test", connect_timeout=1.0,
                                timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert "database ping failed" in caplog.text and "s3cr" not in caplog.text


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never answers (a server hung, a network half-gone)."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_ping_returns_within_its_timeout_when_the_server_never_answers(silent_server: int) -> None:
    started = time.monotonic()
    assert not await rawdb.ping(f"postgresql://steady:pw@127.0.0.1:{silent_server}/test", connect_timeout=0.3,
                                timeout=0.2)
    assert time.monotonic() - started < 1.0


async def test_ping_returns_within_its_timeout_on_a_locked_sqlite_file(tmp_path: Path) -> None:
    """Another process holds the file exclusively: the ping gives up in time, and the loop stays free."""
    import sqlite3

    path = tmp_path / "steadybot.db"
    url = f"sqlite:///{path}"
    await upgrade(url)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("DELETE FROM steadybot_keys")
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        started = time.monotonic()
        assert not await rawdb.ping(url, connect_timeout=0.3, timeout=0.2)
        elapsed = time.monotonic() - started
        ticker.cancel()
        assert elapsed < 1.0 and ticks >= 10
    finally:
        holder.close()


# ---- imports ------------------------------------------------------------------------------------------------
def test_the_raw_modules_import_no_sqlalchemy() -> None:
    code = ("import sys\n"
            "import storage.rawdb, storage.heads, storage.startcheck\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')\n"
            "             or m in ('storage.db', 'storage.migrate', 'storage.upsert', 'storage.sqlite_driver')\n"
            "             or m.startswith(('storage.models', 'storage.repos'))))\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_import_check_can_fail() -> None:
    code = "import sys\nimport storage.db\nprint('sqlalchemy' in sys.modules)\n"
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "True"
