"""A start on an up-to-date database skips Alembic; anything else runs it."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from storage.db import Database
from storage.migrate import expected_heads, is_current, upgrade


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
    db = Database(db_url)
    try:
        assert not await is_current(db)
        await upgrade(db_url)
        assert await is_current(db)
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM alembic_version WHERE version_num = :v"),
                               {"v": sorted(expected_heads())[0]})
        assert not await is_current(db)
    finally:
        await db.dispose()


def test_a_start_on_an_up_to_date_database_does_not_import_alembic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'steadybot.db'}"
    code = (
        "import asyncio, sys\n"
        "from storage.db import Database\n"
        "from storage.migrate import is_current, upgrade\n"
        f"url = {url!r}\n"
        "async def main():\n"
        "    db = Database(url)\n"
        "    if not await is_current(db):\n"
        "        await upgrade(url)\n"
        "    await db.dispose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "True" and second.stdout.strip() == "False"
