"""The dialect's own INSERT (with `on_conflict_do_nothing` / `on_conflict_do_update`), imported on first use.

PostgreSQL's and SQLite's `insert` constructs share that API but live in their dialect packages; importing
both at module top loaded PostgreSQL's whole dialect into every SQLite process at start
(docs/benchmarks.md#cold-start). Only the dialect in use is imported here, once.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def insert_for(dialect: str) -> Any:
    """`sqlalchemy.dialects.<dialect>.insert` for "postgresql" or "sqlite" (no common static type: Any)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise ValueError(f"no upsert for the {dialect!r} dialect")
