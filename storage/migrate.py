"""`steadybot migrate`: bring the schema up to date with Alembic (also run at `serve` start).

Each feature has its own Alembic branch (branch label = feature name) depending on the foundation's
first revision; upgrading to "heads" applies them all. On PostgreSQL an advisory lock serialises
replicas that start at the same moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from storage.db import async_url
from storage.heads import MIGRATIONS as MIGRATIONS  # re-exported: the heads moved to storage/heads.py
from storage.heads import expected_heads as expected_heads

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(database_url: str, connect_timeout: float | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = async_url(database_url)
    config.attributes["connect_timeout"] = connect_timeout  # a new PostgreSQL connection's bound (None: asyncpg's)
    return config


@contextlib.contextmanager
def _sqlite_lock(database_url: str) -> Iterator[None]:
    """Serialise migrations of one SQLite file across threads and processes (PostgreSQL uses an advisory
    lock inside the migration environment instead)."""
    url = make_url(async_url(database_url))
    database = url.database if url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(f"{database}.migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade_sync(database_url: str, connect_timeout: float | None = None) -> None:
    from alembic import command

    with _sqlite_lock(database_url):
        command.upgrade(alembic_config(database_url, connect_timeout), "heads")


async def upgrade(database_url: str, connect_timeout: float | None = None) -> None:
    """Run migrations in a worker thread (Alembic is synchronous and runs its own event loop there). On
    PostgreSQL the connection is bounded by `connect_timeout` (STEADYBOT_DB_CONNECT_TIMEOUT), not asyncpg's
    minute; the migrations themselves, and the wait for another replica's, are not. SchemaTooNew when a newer
    version has migrated the database (storage/startcheck.py, `check_not_newer`)."""
    from storage.startcheck import check_not_newer

    await check_not_newer(database_url, connect_timeout=3.0 if connect_timeout is None else connect_timeout)
    await asyncio.to_thread(upgrade_sync, database_url, connect_timeout)
