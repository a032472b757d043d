"""The demo's SQLite file: fresh each run (unless `--keep`), and never a file the demo did not make.

Before, `steadybot demo --db steadybot.db` deleted the server's database (and its WAL) to start afresh, and
`--keep` ran the demo's made-up team and fast-forwarded clock against it; `--db /` and `--db /proc/x.db` were
stack traces. A file the demo makes carries its mark in SQLite's header (`PRAGMA application_id`), which the
migrations and the server leave alone; only a marked file, or a plain file at the demo's default place
(`steadybot-demo.db` in the working folder, where earlier versions left theirs unmarked), is deleted or reused.
`prepare` returns the file's absolute path, which the demo's database URL names with `%`, `?` and `#` escaped: each is
part of the file's name, and a name starting with `file:` is never read as a URI."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.secret import KEY_FILE_NAME

#: "sbde" in the database header's application id field: this file is a steadybot demo's.
APPLICATION_ID = 0x73626465
#: An SQLite database file starts with these bytes; its 100-byte header holds the application id at offset 68.
MAGIC = b"SQLite format 3\x00"
HEADER = 100


class DemoFileRefused(ValueError):
    """`--db` names a file the demo must not touch, or one it cannot write; the message says which."""


def _header(path: Path) -> bytes | None:
    """The file's first bytes, read as bytes (SQLite's own read-only open of a WAL database would leave `-wal` and
    `-shm` files beside someone else's database); None when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return handle.read(HEADER)
    except OSError:
        return None


def is_demo_file(path: Path) -> bool:
    """Whether `path` is an SQLite database the demo made."""
    header = _header(path)
    return header is not None and len(header) == HEADER and header.startswith(MAGIC) and \
        int.from_bytes(header[68:72], "big") == APPLICATION_ID


def _sqlite_or_empty(path: Path) -> bool:
    """Whether `path` holds an SQLite database, or nothing yet (as SQLite leaves a file it was stopped creating)."""
    header = _header(path)
    return header is not None and (header == b"" or header.startswith(MAGIC))


def prepare(path: Path, *, keep: bool, default_name: str) -> Path:
    """Make `path` ready for a demo: the last run's file deleted (unless `keep`), a new one created and marked;
    returns it as an absolute path.
    DemoFileRefused for a folder, a pipe or a device, for an existing file the demo did not make (unless it is at
    the demo's default place, as files of earlier versions are), and for a place the file cannot be written."""
    try:
        str(path).encode("utf-8")  # the database URL and SQLite take UTF-8 names only
        folder, exists, link = path.is_dir(), path.exists(), path.is_symlink()
        regular = path.is_file()  # not a pipe or a device: opening one to look for the mark could block
        # a hard link there is another name of some file: only an unlinked one is the earlier demo's own
        default_place = path.name == default_name and _in_working_folder(path) and (
            not exists or path.stat().st_nlink == 1)
    except (OSError, UnicodeError) as exc:  # a path through a file (`notes.txt/demo.db`), too long a name
        raise _cannot_write(path, exc) from None
    if folder:
        raise DemoFileRefused(f"--db names a folder ({path}): give it a file name, such as {default_name}")
    if path.name == KEY_FILE_NAME:  # the key file lies beside the database, under this name
        raise DemoFileRefused(f"--db cannot be named {KEY_FILE_NAME}, the name of the demo's key file beside it: "
                              f"give it another file name, such as {default_name}")
    if exists and not regular:
        raise DemoFileRefused(f"{path} is not a regular file, so the demo leaves it alone: give --db a new file name")
    # An unmarked file counts as the demo's own only at its default place (the working folder), as files of
    # earlier versions are, and only as a file of its own: a link there may lead to any database
    if exists and not is_demo_file(path):
        if link or not default_place:
            raise DemoFileRefused(
                f"{path} does not carry the mark of a file the demo made, so the demo leaves it alone (it starts each "
                f"run from a fresh file and would delete it; files an earlier version's demo made elsewhere carry no "
                f"mark: delete one yourself to reuse its name): give --db a new file name, or leave it out for "
                f"{default_name}")
        if not _sqlite_or_empty(path):  # at the default place, but no demo of any version wrote it
            raise DemoFileRefused(f"{path} is not an SQLite database, so the demo leaves it alone: move it away, or "
                                  "give --db a new file name")
    leftovers = [name for name in (f"{path}-wal", f"{path}-shm") if os.path.lexists(name)]
    if not exists and leftovers:  # whose they are, nothing says: SQLite would read them into the new file
        raise DemoFileRefused(f"{leftovers[0]} lies beside no database: the demo leaves it alone (remove it, or give "
                              "--db another file name)")
    try:
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        absolute = path.absolute()
        if absolute.anchor != "/":  # `//x`, which Linux reads as `/x`: its URI would name `x` as a host
            absolute = Path("/", *absolute.parts[1:])
        if path.exists():
            return absolute
        path.parent.mkdir(parents=True, exist_ok=True)
        # as a URI of the absolute path: SQLite builds that read any name starting with `file:` as a URI (even
        # without the flag) would otherwise open, and mark, another file
        conn = sqlite3.connect(f"{absolute.as_uri()}?mode=rwc", uri=True)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.commit()
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as exc:
        raise _cannot_write(path, exc) from None
    return absolute


def _in_working_folder(path: Path) -> bool:
    """Whether `path` is in the working folder, however the folder is written or reached (False when the working
    folder is gone)."""
    try:
        return path.parent.resolve() == Path.cwd().resolve()
    except OSError:
        return False


def _cannot_write(path: Path, exc: BaseException) -> DemoFileRefused:
    if isinstance(exc, UnicodeError):
        why = "the name is not valid UTF-8"
    else:
        why = exc.strerror.lower() if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
    return DemoFileRefused(f"cannot write the demo's database at {path} ({why}): give --db a file in a folder you "
                           "may write to")
