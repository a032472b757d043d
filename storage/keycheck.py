"""What a start checks before it serves, in plain SQL expressions over the two tables involved: a restart
needs no model mapped for them (the pulse models are imported when the pulse is first used;
docs/benchmarks.md, "Cold start"). `tests/core/test_cold_start_imports.py` keeps these in step with the models
(`storage.models.pulse.KeyCheck`, `PulseJournalEntry`)."""

from __future__ import annotations

from sqlalchemy import column, exists, select, table

from storage.crypto import KeyMismatch
from storage.db import Database
from storage.upsert import insert_for

KEYS = table("steadybot_keys", column("name"), column("fingerprint"))
JOURNAL = table("pulse_journal", column("box"))


async def check_key(db: Database, fingerprint: str) -> None:
    """Remember the secret's fingerprint on first start; refuse a different secret later (KeyMismatch): the
    answers awaiting their seal and the journals could not be opened with it."""
    stmt = insert_for(db.dialect)(KEYS).values(name="secret", fingerprint=fingerprint)
    async with db.session() as s:
        await s.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
        stored = await s.scalar(select(KEYS.c.fingerprint).where(KEYS.c.name == "secret"))
    if stored != fingerprint:
        raise KeyMismatch(
            "this database was written under another secret (fingerprint "
            f"{str(stored)[:8]}…, this process has {fingerprint[:8]}…): answers awaiting their "
            "round's seal and pulse journals cannot be opened with it. Start with the original "
            "STEADYBOT_SECRET (or its key file); nothing was changed.")


async def has_plain_journals(db: Database) -> bool:
    """Whether journal entries written before encryption (revision 0120) are left: `PulseRepo.
    encrypt_old_journals` boxes them."""
    async with db.read() as s:
        return bool(await s.scalar(select(exists().where(JOURNAL.c.box.is_(None)))))
