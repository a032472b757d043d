"""The demo's SQLite file: fresh each run (unless `--keep`), and never a file the demo did not make.

Before, `steadybot demo --db steadybot.db` deleted the server's database (and its WAL) to start afresh, and
`--keep` ran the demo's made-up team and fast-forwarded clock against it; `--db /` and `--db /proc/x.db` were
stack traces. A file the demo makes carries its mark in SQLite's header (`PRAGMA application_id`), which the
migrations and the server leave alone; only a marked file, or a plain file at the demo's default place
(`steadybot-demo.db` in the working folder, where earlier versions left theirs unmarked), is deleted or reused.
The database URL quotes the name, so a `?` or `%` in it is part of the file's name."""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: "sbde" in the database header's application id field: this file is a steadybot demo's.
APPLICATION_ID = 0x73626465


class DemoFileRefused(ValueError):
    """`--db` names a file the demo must not touch, or one it cannot write; the message says which."""


def is_demo_file(path: Path) -> bool:
    """Whether `path` is an SQLite database the demo made (read-only: nothing is created or changed)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, OSError, ValueError):
        return False
    try:
        row = conn.execute("PRAGMA application_id").fetchone()
    except sqlite3.Error:  # not a database at all
        return False
    finally:
        conn.close()
    return bool(row) and row[0] == APPLICATION_ID


def prepare(path: Path, *, keep: bool, default_name: str) -> None:
    """Make `path` ready for a demo: the last run's file deleted (unless `keep`), a new one created and marked.
    DemoFileRefused for a folder, a pipe or a device, for an existing file the demo did not make (unless it is at
    the demo's default place, as files of earlier versions are), and for a place the file cannot be written."""
    try:
        str(path).encode("utf-8")  # the database URL and SQLite take UTF-8 names only
        folder, exists, link = path.is_dir(), path.exists(), path.is_symlink()
        regular = path.is_file()  # not a pipe or a device: opening one to look for the mark could block
    except (OSError, UnicodeError) as exc:  # a path through a file (`notes.txt/demo.db`), too long a name
        raise _cannot_write(path, exc) from None
    if folder:
        raise DemoFileRefused(f"--db names a folder ({path}): give it a file name, such as {default_name}")
    if exists and not regular:
        raise DemoFileRefused(f"{path} is not a regular file, so the demo leaves it alone: give --db a new file name")
    # An unmarked file counts as the demo's own only at its default place (the working folder), as files of
    # earlier versions are, and only as a file of its own: a link there may lead to any database
    if exists and (link or path != Path(default_name)) and not is_demo_file(path):
        raise DemoFileRefused(
            f"{path} is not a file the demo made, so the demo leaves it alone (it starts each run from a fresh "
            f"file and would delete it): give --db a new file name, or leave it out for {default_name}")
    try:
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.commit()
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as exc:
        raise _cannot_write(path, exc) from None


def _cannot_write(path: Path, exc: BaseException) -> DemoFileRefused:
    if isinstance(exc, UnicodeError):
        why = "the name is not valid UTF-8"
    else:
        why = exc.strerror.lower() if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
    return DemoFileRefused(f"cannot write the demo's database at {path} ({why}): give --db a file in a folder you "
                           "may write to")
