"""Alembic environment: async engine, advisory lock on PostgreSQL, batch mode and WAL on SQLite."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from storage.models import every_table

MIGRATION_LOCK = 7_270_001
# No `logging.config.fileConfig` here (Alembic's template has one): the bot's own handler (bot/logs.py,
# text or JSON) prints Alembic's lines like every other logger's; a second handler would print them twice,
# in another format.


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=every_table(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _online(url: str, connect_timeout: float | None) -> None:
    postgres_url = url.startswith("postgresql")
    connect_args = {"timeout": connect_timeout} if postgres_url and connect_timeout else {}
    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    try:
        async with engine.connect() as connection:
            postgres = connection.dialect.name == "postgresql"
            if connection.dialect.name == "sqlite":
                # WAL is a property of the file: set once here, before any bot connection opens it. Switching a
                # file to WAL needs it to itself, so two engines doing it on their first connections at once
                # could fail with "database is locked".
                await connection.exec_driver_sql("PRAGMA journal_mode=WAL")
                await connection.commit()
            if postgres:
                await connection.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                await connection.commit()
            try:
                await connection.run_sync(_run)
                await connection.commit()
            finally:
                if postgres:
                    await connection.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                    await connection.commit()
    finally:
        await engine.dispose()


url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
if context.is_offline_mode():
    context.configure(url=url, target_metadata=every_table(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    if not url:
        raise SystemExit("alembic: no database URL (pass database_url or set sqlalchemy.url)")
    asyncio.run(_online(url, context.config.attributes.get("connect_timeout")))
