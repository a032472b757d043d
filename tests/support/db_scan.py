"""What a database reader finds: every row of every table that holds a given string, on SQLite and PostgreSQL
(the attacker's scan of the forget, uninstall and privacy tests)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text


async def rows_naming(bot: Any, *needles: str) -> list[str]:
    """Every row of every table (as the database's own text of the row) that holds one of `needles`; `bot` is
    any harness with `runtime.store.db`."""
    db = bot.runtime.store.db
    found: list[str] = []
    async with db.session() as s:
        if db.is_postgres:
            tables = (await s.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()
            for table in list(tables):
                for (row,) in (await s.execute(text(f'SELECT t::text FROM "{table}" t'))).all():
                    found.extend(f"{table}: {row}" for n in needles if n in row)
        else:
            tables = (await s.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))).scalars()
            for table in list(tables):
                for row in (await s.execute(text(f'SELECT * FROM "{table}"'))).all():
                    line = repr(tuple(row))
                    found.extend(f"{table}: {line}" for n in needles if n in line)
    return found


async def platform_rows(bot: Any, platform: str) -> dict[str, int]:
    """Rows per table that belong to `platform` ("slack", "teams"): what an uninstall must leave at zero."""
    from sqlalchemy import func, select

    from storage.models import every_table

    counts: dict[str, int] = {}
    async with bot.runtime.store.db.session() as s:
        for table in every_table().sorted_tables:
            if "platform" in table.c:
                n = int(await s.scalar(select(func.count()).select_from(table).where(
                    table.c.platform == platform)) or 0)
                if n:
                    counts[table.name] = n
    return counts
