"""What a start checks before it serves, in plain SQL on the raw driver (storage/rawdb.py): is the schema at every
head, is this the secret the database was written under, are there journal entries from before encryption. No
SQLAlchemy, no Alembic, no model: a restart on an up-to-date database needs none of them (docs/benchmarks.md,
"Cold start"). Each check opens its own connection. tests/core/test_cold_start_imports.py keeps the table and
column names below in step with the models (`storage.models.pulse.KeyCheck`, `PulseJournalEntry`)."""

from __future__ import annotations

import asyncio
import contextlib
import os

from handlers.core.errors import StorageUnavailable
from storage.crypto import KeyMismatch
from storage.heads import SchemaTooNew, expected_heads, known_revisions
from storage.rawdb import backend, connect, sqlite_file

#: The secret's fingerprint (`KeyCheck`).
KEYS_TABLE = "steadybot_keys"
KEYS_NAME = "name"
KEYS_FINGERPRINT = "fingerprint"
#: The row of `KEYS_TABLE` that holds it.
SECRET_ROW = "secret"
#: The pulse journal (`PulseJournalEntry`): `box` is NULL on an entry written before encryption (revision 0120).
JOURNAL_TABLE = "pulse_journal"
JOURNAL_BOX = "box"
#: Every table and column the SQL below names.
NAMES: dict[str, tuple[str, ...]] = {KEYS_TABLE: (KEYS_NAME, KEYS_FINGERPRINT), JOURNAL_TABLE: (JOURNAL_BOX,)}

VERSIONS = "SELECT version_num FROM alembic_version"
STORE_KEY = (f"INSERT INTO {KEYS_TABLE} ({KEYS_NAME}, {KEYS_FINGERPRINT}) VALUES (?, ?) "
             f"ON CONFLICT ({KEYS_NAME}) DO NOTHING")
STORED_KEY = f"SELECT {KEYS_FINGERPRINT} FROM {KEYS_TABLE} WHERE {KEYS_NAME} = ?"
PLAIN_JOURNAL = f"SELECT 1 FROM {JOURNAL_TABLE} WHERE {JOURNAL_BOX} IS NULL LIMIT 1"


async def is_current(url: str, *, connect_timeout: float = 3.0) -> bool:
    """True when the database already stands at every head, so a start needs no Alembic at all (it costs a
    noticeable part of a restart: docs/benchmarks.md, "Cold start"). Any doubt (a missing SQLite file, an
    in-memory database, no version table, an error) answers False; a missing file is not created here."""
    try:
        if backend(url) == "sqlite":
            database = sqlite_file(url)
            if database is None or not await asyncio.to_thread(os.path.exists, database):
                return False  # a fresh file: the migration puts it in WAL mode before any bot connection opens it
        async with connect(url, connect_timeout=connect_timeout) as conn:
            rows = await conn.fetch(VERSIONS)
    except Exception:  # noqa: BLE001 - no table yet, or no database: Alembic decides and reports
        return False
    return frozenset(row[0] for row in rows) == expected_heads()


async def check_not_newer(url: str, *, connect_timeout: float = 3.0) -> None:
    """SchemaTooNew when the database stands at a revision this version does not have (a newer steadybot migrated
    it, and this one was started after a rollback): Alembic's own answer was a stack trace, "Can't locate
    revision". Nothing to read (no file, no version table, no connection) is left to Alembic, as before."""
    async with contextlib.AsyncExitStack() as stack:
        try:  # `connect` never creates an SQLite file: a missing one (whatever form its URL takes) fails here
            conn = await stack.enter_async_context(connect(url, connect_timeout=connect_timeout))
        except StorageUnavailable:
            if backend(url) == "postgresql":
                raise  # out of reach: said now, not after Alembic has waited for it as long again
            return  # no file yet: the migration creates it
        try:
            rows = await conn.fetch(VERSIONS)
        except StorageUnavailable:  # no version table yet: Alembic's to create
            return
    unknown = sorted({str(row[0]) for row in rows} - known_revisions())
    if unknown:
        raise SchemaTooNew(
            f"the database's schema was written by a newer steadybot (revision {', '.join(unknown)[:200]}, which this "
            "version does not have): run that version or a newer one, or restore the backup taken before the "
            "upgrade; steadybot does not migrate a schema back down")


async def check_key(url: str, fingerprint: str, *, connect_timeout: float = 3.0) -> None:
    """Remember the secret's fingerprint on first start; refuse a different secret later (KeyMismatch): the
    answers awaiting their seal and the journals could not be opened with it. StorageUnavailable when the
    database cannot be reached."""
    async with connect(url, connect_timeout=connect_timeout) as conn:
        await conn.execute(STORE_KEY, SECRET_ROW, fingerprint)
        rows = await conn.fetch(STORED_KEY, SECRET_ROW)
    stored = rows[0][0] if rows else None
    if stored != fingerprint:
        raise KeyMismatch(
            "this database was written under another secret (fingerprint "
            f"{str(stored)[:8]}…, this process has {fingerprint[:8]}…): answers awaiting their "
            "round's seal and pulse journals cannot be opened with it. Start with the original "
            "STEADYBOT_SECRET (or its key file); nothing was changed.")


async def has_plain_journals(url: str, *, connect_timeout: float = 3.0) -> bool:
    """Whether journal entries written before encryption (revision 0120) are left: `PulseRepo.
    encrypt_old_journals` boxes them. StorageUnavailable when the database cannot be reached."""
    async with connect(url, connect_timeout=connect_timeout) as conn:
        return bool(await conn.fetch(PLAIN_JOURNAL))
