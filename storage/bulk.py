"""Many rows in one statement that SQLAlchemy compiles once.

`insert(table).values([...])` with a list compiles a new multi-row statement for every call (measured in
bench/: most of a pulse fan-out's start went to compiling them). An executemany of one cached single-row
INSERT lets SQLAlchemy's "insertmanyvalues" batch the rows on both SQLite and asyncpg instead; with
RETURNING it also tells which rows were new.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from storage.upsert import insert_for


def table_of(model: type[DeclarativeBase]) -> Table:
    """A mapped class's Table (`__table__` is typed as any FromClause; ours are all plain tables)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def insert_new(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]],
                     conflict: Sequence[str]) -> int:
    """Insert `rows` (all with the same keys), skipping those that clash on the unique `conflict` columns.
    Returns how many were inserted."""
    if not rows:
        return 0
    insert = insert_for(session.get_bind().dialect.name)
    key = next(iter(table.primary_key.columns))
    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(key)
    result = await session.execute(stmt, list(rows))
    return len(result.all())
