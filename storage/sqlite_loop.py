"""SQLite on the event loop's own thread, for the small units on a request's path (`Database.driver(…, small=True)`).

A second `sqlite3` connection to the same file, opened and used only on the thread of the loop that first
used it (closed from any thread) — never shared with aiosqlite's thread, so nothing has to know whether that
thread is busy.
What keeps the loop from ever waiting on it:

- its busy timeout is 0: when another connection holds the write lock (a session in aiosqlite's thread, the
  CLI's `forget` in another process, a checkpoint) a write answers `BUSY` at once, and `Database` sends the
  unit to aiosqlite's thread, which waits there as before;
- its WAL auto-checkpoint is off (a checkpoint copies pages and syncs the disk): `wal_bytes` lets `Database`
  start a TRUNCATE checkpoint in aiosqlite's thread once the WAL has grown past SQLite's own threshold, and
  send the units to that thread meanwhile, and for the first write into an empty WAL (which syncs its header);
- it never keeps a transaction open across an `await`: a unit runs from BEGIN to COMMIT in one call, so it
  holds no lock and no old snapshot that a session, a checkpoint or `Database.scrub` would wait for.

Reads see what was committed, as a read through `Database.read` does. Measured: docs/benchmarks.md#sqlite-on-the-loop.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Busy:
    """The unit met a lock (SQLITE_BUSY or SQLITE_LOCKED) and was rolled back: run it in aiosqlite's thread."""

    __slots__ = ()


BUSY = Busy()


class Turns:
    """The order of the small units that could not run on the loop at once (a lock, a checkpoint, a fresh WAL).

    The first such unit takes the turn and goes to aiosqlite's thread; every small unit after it waits for its
    turn here, first come first served, and then tries the loop's connection again — the thread only when the
    loop's connection still cannot take it. So a later unit never overtakes an earlier one, and one unit sent to
    the thread does not send every unit behind it there too (each a hand-off; under a burst the thread's queue
    never emptied, and the units kept going to the thread long after the lock or the checkpoint was gone:
    docs/benchmarks.md#time-to-the-reply-slack)."""

    __slots__ = ("held", "_waiting")

    def __init__(self) -> None:
        self.held = False  # a unit has the turn: the ones arriving now wait for theirs
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def take(self) -> bool:
        """Wait for this unit's turn (at once when nobody has it); True when it had to wait. The caller hands the
        turn on (`pass_on`) once its unit is done, whatever happened to it."""
        if not self.held:
            self.held = True
            return False
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.cancelled():  # cancelled while waiting: never had the turn
                if turn in self._waiting:
                    self._waiting.remove(turn)
            else:  # given the turn, cancelled before using it
                self.pass_on()
            raise
        return True

    def pass_on(self) -> None:
        """The turn to the next unit waiting for it, if any."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.held = False


class LoopConnection:
    """The loop's own connection to an SQLite file (see the module docstring)."""

    def __init__(self, path: str, settings: Callable[[sqlite3.Connection], None]) -> None:
        self.path = path
        self._settings = settings  # what every connection of the bot gets (storage/db.py)
        self._conn: sqlite3.Connection | None = None
        self._thread: int | None = None
        self.turns = Turns()  # small units that could not run here at once, in their order (`Database.driver`)

    def run(self, fn: Callable[[sqlite3.Connection], T]) -> T | Busy:
        """`fn(connection)` here and now; `fn` opens and commits its own transaction. `BUSY` when a lock is
        held elsewhere, or when called from a thread other than the one that opened the connection. Other
        sqlite3 errors are raised."""
        conn = self._conn
        if conn is None:
            conn = self._open()
        elif self._thread != threading.get_ident():
            return BUSY
        try:
            return fn(conn)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            return BUSY
        finally:
            if conn.in_transaction:  # `fn` commits or rolls back its own; never leave a lock behind
                conn.rollback()

    def wal_bytes(self) -> int:
        """The WAL file's size now (0 when there is none): one `stat`."""
        try:
            return os.stat(f"{self.path}-wal").st_size
        except OSError:
            return 0

    def close(self) -> None:
        """Close the file, from any thread (a `dispose` after the loop's thread is gone): the connection is
        opened without sqlite3's same-thread check for this alone; `run` keeps its use to the opening thread."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._settings(conn)
        conn.execute("PRAGMA busy_timeout=0")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        self._conn, self._thread = conn, threading.get_ident()
        return conn
