"""The migration heads an up-to-date database stands at, read from the revision scripts without importing Alembic
or SQLAlchemy: a restart compares them with `alembic_version` (storage/startcheck.py, `is_current`) and runs
Alembic only when they differ (docs/benchmarks.md, "Cold start")."""

from __future__ import annotations

import ast
import contextlib
import functools
import re
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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


class SchemaTooNew(RuntimeError):
    """The database stands at a revision none of this version's scripts has: a newer steadybot migrated it."""


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision this version's scripts define (what `alembic_version` may hold: `SchemaTooNew` otherwise)."""
    return _revisions()[0]


@functools.cache
def expected_heads() -> frozenset[str]:
    """The revisions an up-to-date `alembic_version` table holds, read from the scripts' `revision`,
    `down_revision` and `depends_on` lines without importing Alembic. A script this cannot read makes the set wrong, and then `is_current` says no
    and Alembic, the authority, runs as before."""
    revisions, parents = _revisions()
    return revisions - parents


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """The scripts' revisions, and those that other revisions name as their parent or dependency."""
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
    return frozenset(revisions), frozenset(parents)
