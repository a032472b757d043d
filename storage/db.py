"""The database: plain URLs in, the right async driver out, and failures mapped to StorageUnavailable.

Decision (measured in bench/): an async engine — aiosqlite for SQLite, asyncpg for PostgreSQL — rather
than a sync engine behind `asyncio.to_thread`. Both keep the event loop free; the async engine avoids a
thread hop per query and lets PostgreSQL use a real connection pool shared by all coroutines.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from handlers.core.errors import StorageUnavailable

log = logging.getLogger("steadybot.storage")

UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError, ConnectionError)


def async_url(url: str) -> str:
    """`sqlite:///x.db` → `sqlite+aiosqlite:///x.db`; `postgresql://…` / `postgres://…` → asyncpg."""
    raw = url.strip()
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    parsed = make_url(raw)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend == "postgresql":
        query = dict(parsed.query)
        query.pop("sslmode", None)  # libpq spelling; asyncpg takes "ssl"
        if "sslmode" in parsed.query:
            query["ssl"] = parsed.query["sslmode"]
        return parsed.set(drivername="postgresql+asyncpg", query=query).render_as_string(hide_password=False)
    raise ValueError(f"unsupported DATABASE_URL scheme {parsed.drivername!r}: use sqlite:/// or postgresql://")


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, UNAVAILABLE):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = async_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        kwargs: dict[str, object] = {"echo": echo, "hide_parameters": True}
        if self.dialect == "postgresql":
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_timeout=5, pool_pre_ping=True,
                          pool_recycle=1800, connect_args={"timeout": 3, "command_timeout": 30})
        else:
            database = make_url(self.url).database
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            else:
                kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"timeout": 15}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _sqlite_pragmas(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed on success, rolled back on error. DB outages → StorageUnavailable."""
        try:
            async with self.sessions() as session, session.begin():
                yield session
        except StorageUnavailable:
            raise
        except Exception as exc:
            if is_unavailable(exc):
                raise StorageUnavailable(type(exc).__name__) from exc
            raise

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            log.warning("database ping failed: %s", type(exc).__name__)
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """WAL for concurrent readers, a busy timeout, and BEGIN IMMEDIATE so a transaction that reads and
    then writes never fails half-way with SQLITE_BUSY (SQLAlchemy's recipe for pysqlite/aiosqlite)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")
