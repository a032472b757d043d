"""A version started on a database that a newer version has migrated (a rollback after an upgrade, an old replica
restarted during a rolling upgrade) stops with one line saying so and what to do, and changes nothing; before,
`migrate`, `serve` and `forget` printed Alembic's stack trace, "Can't locate revision identified by …"."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli import main
from storage.heads import expected_heads, known_revisions
from storage.rawdb import connect
from storage.startcheck import check_not_newer

SECRET = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
NEWER = "0999_from_the_future"


async def _versions(url: str) -> set[str]:
    async with connect(url) as conn:
        return {str(row[0]) for row in await conn.fetch("SELECT version_num FROM alembic_version")}


async def _set_versions(url: str, versions: set[str]) -> None:
    async with connect(url) as conn:
        await conn.execute("DELETE FROM alembic_version")
        for version in sorted(versions):
            await conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", version)


@pytest.fixture
def newer_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database at every head of this version, one of which a newer version has moved past."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("STEADYBOT_SECRET", SECRET)
    monkeypatch.setenv("STEADYBOT_DB_CONNECT_TIMEOUT", "3")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert main(["migrate"]) == 0
    heads = asyncio.run(_versions(db_url))
    assert heads == expected_heads()
    moved = sorted(heads)[0]
    asyncio.run(_set_versions(db_url, heads - {moved} | {NEWER}))
    return db_url


@pytest.mark.parametrize("argv", [["migrate"], ["serve", "--port", "0"], ["forget", "U1"]], ids=lambda a: a[0])
def test_a_schema_from_a_newer_version_is_one_line_and_left_alone(newer_db: str, argv: list[str],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    before = asyncio.run(_versions(newer_db))
    assert main(argv) == 2
    said = capsys.readouterr()
    text = said.out + said.err
    assert "Traceback" not in text and "Can't locate revision" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert f"steadybot {argv[0]}: the database's schema was written by a newer steadybot (revision {NEWER}" in lines[0]
    assert "restore the backup taken before the upgrade" in lines[0]
    assert asyncio.run(_versions(newer_db)) == before


def test_the_check_passes_a_database_at_or_behind_this_versions_heads(db_url: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("STEADYBOT_SECRET", SECRET)
    asyncio.run(check_not_newer(db_url))  # nothing there yet: Alembic's to create
    assert main(["migrate"]) == 0
    asyncio.run(check_not_newer(db_url))
    # an older version's database: some revisions behind the heads, every one of them known
    behind = {revision for revision in known_revisions() if revision not in expected_heads()}
    assert behind
    asyncio.run(_set_versions(db_url, {sorted(behind)[0]}))
    asyncio.run(check_not_newer(db_url))



def test_a_file_uri_is_checked_too(tmp_path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`sqlite:///file:bot.db?uri=true`: the check looked for a file named `file:bot.db` and, finding none, left
    the newer schema to Alembic's stack trace."""
    monkeypatch.chdir(tmp_path)
    url = "sqlite:///file:bot.db?uri=true"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STEADYBOT_SECRET", SECRET)
    assert main(["migrate"]) == 0
    heads = asyncio.run(_versions(url))
    asyncio.run(_set_versions(url, heads | {NEWER}))
    assert main(["migrate"]) == 2
    said = capsys.readouterr()
    assert "written by a newer steadybot" in said.out + said.err and "Traceback" not in said.out + said.err
