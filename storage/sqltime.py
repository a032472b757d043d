"""SQL that does arithmetic on `UTCDateTime` columns, which each dialect stores its own way (timestamptz on
PostgreSQL, naive-UTC text on SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, cast, extract, func
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

SECONDS_PER_DAY = 86400.0


def seconds_between(dialect: str, later: SQLColumnExpression[Any],
                    earlier: SQLColumnExpression[Any]) -> ColumnElement[float]:
    """`later − earlier` in seconds (a float), computed by the database."""
    if dialect == "postgresql":
        return cast(extract("epoch", later - earlier), Float)
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * SECONDS_PER_DAY
    raise ValueError(f"no date arithmetic for the {dialect!r} dialect")
