"""The log reader, on PostgreSQL: a constraint violation's error carries the row it refused. asyncpg prints
PostgreSQL's `DETAIL:  Key (title)=(…) already exists.` and `DETAIL:  Failing row contains (…).` in the
exception's text, and a bad query argument as `invalid input for query argument $1: '…'`; SQLAlchemy's
`hide_parameters` hides neither. With STEADYBOT_LOG_LEVEL=DEBUG (bot/logs.py's handler), real violations
made through the Slack wire (a damaged schema: a unique title, a NOT NULL column the bot does not fill) must be
logged — the constraint's name, the error class — without the values of the row."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.logs import setup_logging
from tests.support.harness import Harness, running
from tests.support.logs import restore_logging
from tests.support.meetings_helpers import command, team

pytestmark = pytest.mark.postgres

MARK = "qz7rowvalue"  # in every title and agenda item: found in the log only if a row value reached it
LOGGERS = ("", "asyncpg", "sqlalchemy", "aiohttp", "slack_bolt", "slack_sdk", "asyncio", "alembic.runtime")


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    yield stream
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    restore_logging()


async def damage(bot: Harness, *statements: str) -> None:
    async with bot.runtime.db.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


def lines_with_values(log: str) -> list[str]:
    return [line for line in log.splitlines() if MARK in line]


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_constraint_violations_log_no_row_values(pg_url: str, debug_log: io.StringIO, fmt: str) -> None:
    async with running(pg_url, teams=False) as bot:
        team(bot)
        setup_logging("DEBUG", bot.settings.secrets(), stream=debug_log, fmt=fmt)
        await damage(bot, "ALTER TABLE meetings ADD CONSTRAINT attack_one_title UNIQUE (title)",
                     "ALTER TABLE agenda_items ADD COLUMN attack_extra text NOT NULL")
        await command(bot, "/meeting", f"Retro {MARK} tomorrow 3pm")
        assert MARK in json.dumps([c.params for c in bot.slack.calls])  # registered
        await command(bot, "/meeting", f"Retro {MARK} tomorrow 3pm")  # the same title again: unique
        await command(bot, "/agenda", f"add {MARK}-item 10m")  # a NOT NULL column left empty
        await bot.settle()
        # a bad query argument through the bot's own engine, logged as code elsewhere logs an exception
        log = logging.getLogger("steadybot.attack")
        try:
            async with bot.runtime.db.engine.begin() as conn:
                await conn.execute(text("SELECT CAST(:n AS integer)"), {"n": f"{MARK}-argument"})
        except Exception as exc:  # noqa: BLE001 - logged the two ways the bot logs errors
            log.warning("query failed: %s", exc)
            log.exception("query failed")
        # asyncpg's own error, with a line break in the value: in a message's arguments, in a traceback and in
        # a field of a JSON line
        try:
            async with bot.runtime.db.engine.begin() as conn:
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute(  # type: ignore[union-attr]
                    "INSERT INTO meetings (title) VALUES ($1)", f"Retro\n{MARK}, {MARK})")
        except Exception as exc:  # noqa: BLE001
            log.warning("insert failed: %s", exc)
            log.exception("insert failed")
            log.warning("insert failed", extra={"database_said": str(exc)})
    written = debug_log.getvalue()
    assert "attack_one_title" in written  # the violations are logged, with the constraint ...
    assert "attack_extra" in written and "violates not-null constraint" in written
    assert "Key (title)=([redacted]) already exists." in written  # ... and what kind of detail it was
    assert "Failing row contains ([redacted])." in written
    assert "invalid input for query argument $1: [redacted]" in written
    assert not lines_with_values(written), "\n".join(lines_with_values(written))
    if fmt == "json":
        records = [json.loads(line) for line in written.splitlines()]  # every line is still one JSON object
        assert any(r.get("database_said", "").endswith("Failing row contains ([redacted]).") for r in records)
