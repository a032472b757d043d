"""A start on an up-to-date database skips Alembic (and SQLAlchemy); anything else runs it."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from storage.db import Database
from storage.migrate import expected_heads, upgrade
from storage.startcheck import is_current


async def test_expected_heads_are_what_alembic_stores(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'steadybot.db'}"
    await upgrade(url)
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    finally:
        await db.dispose()
    assert expected_heads() == frozenset(stored) and len(stored) >= 3


async def test_is_current_only_after_upgrade(db_url: str) -> None:
    assert not await is_current(db_url)
    await upgrade(db_url)
    assert await is_current(db_url)
    db = Database(db_url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM alembic_version WHERE version_num = :v"),
                               {"v": sorted(expected_heads())[0]})
    finally:
        await db.dispose()
    assert not await is_current(db_url)


def test_a_start_on_an_up_to_date_database_imports_neither_alembic_nor_sqlalchemy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'steadybot.db'}"
    code = (
        "import asyncio, sys\n"
        "from storage.startcheck import is_current\n"
        f"url = {url!r}\n"
        "async def main():\n"
        "    if not await is_current(url):\n"
        "        from storage.migrate import upgrade\n"
        "        await upgrade(url)\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules, 'sqlalchemy' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "True True" and second.stdout.strip() == "False False"
