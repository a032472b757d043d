"""A database reader and the outbox's `last_error` (and a calendar feed's): a send that fails with an error
whose text carries a PostgreSQL DETAIL (a person's words in a key or a refused row) and a Slack token must
leave neither in the database, on SQLite (the raw bytes of the file and its WAL) and on PostgreSQL (every row
of every table), while the error's kind stays readable for the operator (`steadybot outbox`).

The failure goes through the real worker path (bot/outbox/worker.py → storage/repos/outbox.py) with the
project's recording sender; the redaction is the log's own (storage/redaction.py, re-exported by bot/logs.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from bot.outbox.errors import PermanentError
from handlers.core.clock import FakeClock
from handlers.core.types import OutboxItem, Reply
from storage.models.core import OutboxRow
from storage.store import Store
from tests.core.test_outbox import CHANNEL, Recorder, _worker

WORDS = "Retro with Ana about her burnout"
TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"
BEARER = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ"
SECRET = "s3cr3t-signing-Zq9TqP"
NEEDLES = (WORDS, "her burnout", TOKEN, "AbCdEfGhIjKlMnOp", BEARER, SECRET)


class IntegrityError(Exception):
    """What a client library raises with PostgreSQL's own text (asyncpg prints the DETAIL in `str(exc)`)."""


def _key_violation() -> Exception:
    return IntegrityError('duplicate key value violates unique constraint "meetings_title_key"\n'
                          f"DETAIL:  Key (title)=({WORDS}) already exists.\n"
                          f"(while posting with token {TOKEN}, Authorization: Bearer {BEARER})")


def _row_violation() -> PermanentError:
    return PermanentError('null value in column "due_at" violates not-null constraint\n'
                          f"DETAIL:  Failing row contains (42, {WORDS}, null).\n"
                          f"token {TOKEN}")


async def _raw(store: Store, db_url: str) -> str:
    """What a database reader sees: SQLite's file and WAL bytes, or every row of every PostgreSQL table."""
    if not store.db.is_postgres:
        path = Path(db_url[len("sqlite:///"):])
        wal = Path(f"{path}-wal")
        data = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        return data.decode("utf-8", "replace")
    found: list[str] = []
    async with store.db.session() as s:
        tables = (await s.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()
        for table in list(tables):
            found.extend(row for (row,) in (await s.execute(text(f'SELECT t::text FROM "{table}" t'))).all())
    return "\n".join(found)


async def _errors(store: Store) -> list[str]:
    async with store.db.session() as s:
        return [e or "" for e in (await s.scalars(select(OutboxRow.last_error).order_by(OutboxRow.id))).all()]


def _absent(raw: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in raw]


async def test_a_failed_send_stores_its_error_without_the_detail_values_or_tokens(store: Store, db_url: str) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    now = clock.now()
    await store.outbox.enqueue([OutboxItem(CHANNEL, now, reply=Reply("first")),
                                OutboxItem(CHANNEL, now + timedelta(seconds=1), reply=Reply("second"))])
    sender = Recorder()
    # the first row: an unexpected exception, retried, then failed after its attempts; the second: refused for good
    sender.failures = [_key_violation(), _key_violation(), _row_violation()]
    worker = _worker(store, sender, max_attempts=2, backoff_base=1.0)
    await worker.tick()  # row 1 fails once (retry_at), row 2 waits behind it
    retried = await _errors(store)
    assert "Key (title)=([redacted]) already exists." in retried[0], retried[0]
    assert _absent(await _raw(store, db_url)) == [], "retry_at stored what the error carried"
    clock.advance(minutes=5)
    await worker.tick()  # row 1 fails for good (mark_failed), row 2 fails permanently (mark_failed)

    first, second = await _errors(store)
    assert first.startswith("after 2 attempts: IntegrityError: duplicate key value violates unique constraint")
    assert "Key (title)=([redacted]) already exists." in first, first
    assert second.startswith('null value in column "due_at" violates not-null constraint'), second
    assert "Failing row contains ([redacted])." in second, second
    assert [row.last_error for row in await store.outbox.failed()] == [second, first]
    assert _absent(await _raw(store, db_url)) == []


async def test_a_skipped_row_and_a_calendar_feed_store_no_detail_values(store: Store, db_url: str) -> None:
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([OutboxItem(CHANNEL, clock.now(), reply=Reply("x"))])
    skip = PermanentError(f"uninstalled\nDETAIL:  Key (title)=({WORDS}) already exists. {TOKEN}")
    skip.skip = True  # type: ignore[attr-defined]  # what a sender sets when the workspace uninstalled the app
    sender = Recorder()
    sender.failures = [skip]
    await _worker(store, sender).tick()
    [skipped] = await _errors(store)
    assert skipped.startswith("uninstalled") and "Key (title)=([redacted])" in skipped, skipped

    feed = await _feed(store)
    now = clock.now()
    [claimed] = await store.calendar.claim_due("cal-w", now, 60, 10)
    assert claimed.id == feed
    await store.calendar.failed(feed, "cal-w", now, now + timedelta(hours=1),
                                f"couldn't be read\nDETAIL:  Failing row contains (7, {WORDS}). {TOKEN}", False)
    async with store.db.session() as s:
        from storage.models.calendar import CalendarFeedRow

        stored = await s.scalar(select(CalendarFeedRow.last_error).where(CalendarFeedRow.id == feed))
    assert stored is not None and stored.startswith("couldn't be read") and "[redacted]" in stored, stored
    assert _absent(await _raw(store, db_url)) == []


async def test_a_configured_secret_in_an_error_never_reaches_the_outbox(store: Store, db_url: str) -> None:
    store.db.secrets = (SECRET,)  # what the start-up gives the database: Database(url, secrets=settings.secrets())
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([OutboxItem(CHANNEL, clock.now(), reply=Reply("x"))])
    sender = Recorder()
    sender.failures = [RuntimeError(f"the client said: signing secret {SECRET} rejected " + "x" * 300 + SECRET)]
    await _worker(store, sender).tick()
    [stored] = await _errors(store)
    assert stored.startswith("RuntimeError: the client said: signing secret [redacted] rejected"), stored
    assert _absent(await _raw(store, db_url)) == []


async def _feed(store: Store) -> int:
    from handlers.core.types import Platform
    from handlers.meetings.calendar_ports import FeedDraft

    now = store.outbox.clock.now()
    draft = FeedDraft(Platform.SLACK, "C1", "T1", "ics", "https://example.com/cal.ics", "Team calendar", "U1", "Ana",
                      "UTC")
    feed = await store.calendar.add_feed(draft, now, now, None, None)
    assert feed is not None
    return feed.id


class UniqueViolation(Exception):
    """asyncpg's shape: the DETAIL is an attribute of the error too, and its text prints it."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(f"{message}\nDETAIL:  {detail}")
        self.detail = detail


async def test_a_detail_value_with_line_breaks_is_replaced_whole(store: Store, db_url: str) -> None:
    """A value line that ends with "." would end a line-by-line reading early; the worker has the error object
    and replaces its DETAIL exactly (as the log does)."""
    clock: FakeClock = store.outbox.clock  # type: ignore[assignment]
    await store.outbox.enqueue([OutboxItem(CHANNEL, clock.now(), reply=Reply("x"))])
    detail = "Key (title)=(Retro.\nwith Ana about her burnout) already exists."
    sender = Recorder()
    sender.failures = [UniqueViolation('duplicate key value violates unique constraint "meetings_title_key"', detail)]
    await _worker(store, sender).tick()
    [stored] = await _errors(store)
    assert stored.endswith("DETAIL:  Key (title)=([redacted]) already exists."), stored
    assert _absent(await _raw(store, db_url)) == []
