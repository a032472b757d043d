"""A throw-away PostgreSQL database for one benchmark section."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@contextlib.asynccontextmanager
async def temp_database(admin_url: str = PG_ADMIN) -> AsyncIterator[str]:
    """Yields the URL of a fresh database, dropped afterwards. OSError/asyncpg errors when unreachable."""
    import asyncpg

    name = f"steadybot_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
