"""`steadybot migrate`: bring the schema up to date with Alembic (also run at `serve` start).

Each feature has its own Alembic branch (branch label = feature name) depending on the foundation's
first revision; upgrading to "heads" applies them all. On PostgreSQL an advisory lock serialises
replicas that start at the same moment.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import fcntl
import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Database, async_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = async_url(database_url)
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


def upgrade_sync(database_url: str) -> None:
    from alembic import command

    with _sqlite_lock(database_url):
        command.upgrade(alembic_config(database_url), "heads")


def _assignments(module: ast.Module) -> dict[str, object]:
    """The module-level `revision`, `down_revision` and `depends_on` values that are literals."""
    found: dict[str, object] = {}
    for node in module.body:
        target: ast.expr
        value: ast.expr | None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision", "depends_on") \
                and value is not None:
            with contextlib.suppress(ValueError, SyntaxError):
                found[target.id] = ast.literal_eval(value)
    return found


def _script_assignments(source: str) -> dict[str, object]:
    """A script's assignments, read from its statements before the first function or class (where Alembic's
    template puts them: parsing only that part keeps a restart cheap), or from the whole script when that
    part does not parse or names no revision."""
    head = re.split(r"^(?:async def|def|class) ", source, maxsplit=1, flags=re.MULTILINE)[0]
    with contextlib.suppress(SyntaxError):
        found = _assignments(ast.parse(head))
        if isinstance(found.get("revision"), str):
            return found
    return _assignments(ast.parse(source))


@functools.cache
def expected_heads() -> frozenset[str]:
    """The revisions an up-to-date `alembic_version` table holds, read from the scripts' `revision`,
    `down_revision` and `depends_on` lines without importing Alembic. A script this cannot read makes the set wrong, and then `is_current` says no
    and Alembic, the authority, runs as before."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = _script_assignments(path.read_text(encoding="utf-8"))
        if isinstance(found.get("revision"), str):
            revisions.add(str(found["revision"]))
        for key in ("down_revision", "depends_on"):  # a revision others depend on is not stored as a head
            parent = found.get(key)
            names: list[object] = ([parent] if isinstance(parent, str)
                                   else list(parent) if isinstance(parent, tuple | list) else [])
            parents.update(str(name) for name in names)
    return frozenset(revisions - parents)


async def is_current(db: Database) -> bool:
    """True when the database already stands at every head, so a start needs no Alembic at all (it costs a
    noticeable part of a restart: docs/benchmarks.md, "Cold start"). Any doubt (a fresh SQLite file, no
    version table, an error) answers False."""
    database = make_url(db.url).database if not db.is_postgres else None
    if not db.is_postgres and (not database or database == ":memory:"
                               or not await asyncio.to_thread(os.path.exists, database)):
        return False  # a fresh file: the migration puts it in WAL mode before any bot connection opens it
    try:
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    except Exception:  # noqa: BLE001 - no table yet, or no database: Alembic decides and reports
        return False
    return frozenset(rows) == expected_heads()


async def upgrade(database_url: str) -> None:
    """Run migrations in a worker thread (Alembic is synchronous and runs its own event loop there)."""
    await asyncio.to_thread(upgrade_sync, database_url)
