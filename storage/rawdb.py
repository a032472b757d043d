"""The database through its raw driver — stdlib `sqlite3` or asyncpg — for what a start does before the engine of
storage/db.py is built: the start-up checks (storage/startcheck.py) and /healthz's ping. Imports no SQLAlchemy
(most of a restart's import time: docs/benchmarks.md, "Cold start").

URLs are read as SQLAlchemy's `make_url` reads them (the same pattern, so the same file or server as the engine
of `storage.db.Database`); tests/core/test_startcheck.py compares the two on a table of URLs.

`connect` never creates an SQLite file (a fresh database is the migration's to create, in WAL mode), runs every
sqlite3 call in a worker thread (a locked file never blocks the event loop), and raises every driver, OS and
timeout failure as `StorageUnavailable` with a short reason that carries no password."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import re
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlencode

from handlers.core.errors import StorageUnavailable
from storage.redaction import database_details, scrub

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger("steadybot.storage")

T = TypeVar("T")

#: How long an SQLite statement waits for another connection's write lock (ms; `PRAGMA busy_timeout`).
BUSY_TIMEOUT_MS = 15_000

#: SQLAlchemy's URL pattern (sqlalchemy/engine/url.py, `_parse_url`): the same parts, so the same database.
_URL = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)
#: sqlite3's own arguments in an SQLite URL's query (SQLAlchemy's pysqlite dialect): not part of a `file:` URI.
_PYSQLITE_ARGS = ("uri", "timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements")
#: SQLAlchemy's asyncpg dialect's own options: never sent to the server.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func")
_MEMORY = ":memory:"
#: asyncpg.connect options a URL cannot set: it passes them as text, and asyncpg needs a number, a flag or a mapping.
_NOT_FROM_TEXT = frozenset({"statement_cache_size", "max_cached_statement_lifetime", "max_cacheable_statement_size",
                            "direct_tls", "server_settings", "record_class", "connection_class", "loop",
                            "prepared_statement_name_func"})
#: What asyncpg takes as `target_session_attrs` (asyncpg.connect_utils.SessionAttribute) and as `gsslib`.
_SESSION_ATTRS = ("any", "primary", "standby", "prefer-standby", "read-write", "read-only")
_GSSLIBS = ("gssapi", "sspi")
#: Options read as one value: given twice, the driver gets a tuple of them and fails with a stack trace.
_ONE_VALUE = ("sslmode", "ssl", "command_timeout", "prepared_statement_cache_size", "target_session_attrs", "gsslib")
#: What asyncpg takes as `ssl` (and `async_url`'s `sslmode`) in text.
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
#: What a DATABASE_URL looks like, for the messages that refuse one.
EXAMPLES = "sqlite:///steadybot.db (a file) or postgresql://user:password@host:5432/steadybot"


@dataclass(frozen=True, slots=True)
class _Url:
    drivername: str
    username: str | None
    password: str | None
    host: str | None
    port: str | None
    database: str | None
    query: tuple[tuple[str, str], ...]

    @property
    def backend(self) -> str:
        return self.drivername.split("+", 1)[0]

    def get(self, key: str) -> str | None:
        """The last value of `key` in the query (SQLAlchemy keeps them all; one is all that is read here)."""
        values = [value for name, value in self.query if name == key]
        return values[-1] if values else None


def _parse(url: str) -> _Url:
    raw = url.strip()
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    found = _URL.match(raw)
    if found is None:  # the value itself is not repeated: it may hold a password
        raise ValueError(f"could not parse DATABASE_URL: use {EXAMPLES}")
    part = found.groupdict()
    query = tuple(parse_qsl(part["query"])) if part["query"] is not None else ()

    def unquoted(value: str | None) -> str | None:
        return unquote(value) if value is not None else None

    return _Url(part["name"], unquoted(part["username"]), unquoted(part["password"]),
                part["ipv4host"] or part["ipv6host"], part["port"] or None, unquoted(part["database"]), query)


def _checked(url: str) -> _Url:
    parsed = _parse(url)
    if parsed.backend not in ("sqlite", "postgresql"):
        raise ValueError(
            f"unsupported DATABASE_URL scheme {parsed.drivername!r}: use {EXAMPLES}")
    return parsed


def backend(url: str) -> str:
    """"sqlite" or "postgresql", for every URL `storage.db.async_url` accepts (`postgres://` and a `+driver`
    too); ValueError, with `async_url`'s message, for any other scheme."""
    return _checked(url).backend


def check_url(url: str) -> None:
    """ValueError, in words for the person who set DATABASE_URL, when the URL names no database steadybot can keep
    its data in, or names it in a way the drivers would only refuse later with a stack trace: not a URL, another
    kind of database, a port that is not a number, an SQLite URL with a server or with pysqlite options that are
    not booleans or numbers, a PostgreSQL option its driver does not take from text, or an in-memory SQLite
    database — each connection (the start's checks, the migrations, the server's pool and the loop's own) would
    open an empty one of its own, so the server stopped at its first check with "does not answer" and `migrate`
    reported a schema that was gone as soon as it was written. The URL's values are never repeated (a password
    may be among them); option names are."""
    parsed = _checked(url)
    written = _URL.match(url.strip())
    if (written is not None and written.group("port") == "") or \
            (parsed.port is not None and not (parsed.port.isdigit() and 0 < int(parsed.port) < 65536)):
        raise ValueError("DATABASE_URL's port must be a number from 1 to 65535 (several PostgreSQL servers: "
                         "postgresql://user@/steadybot?host=h1:5432&host=h2:5432)")
    parts = (parsed.username, parsed.password, parsed.host, parsed.database,
             *(text for pair in parsed.query for text in pair))
    if any("\x00" in part for part in parts if part):
        raise ValueError("DATABASE_URL holds a NUL character (%00), which no name, path or option may hold")
    if parsed.backend == "sqlite":
        _check_sqlite(parsed)
    else:
        _check_postgres(parsed)


def _check_sqlite(parsed: _Url) -> None:
    if parsed.username or parsed.password or parsed.host or parsed.port is not None:
        raise ValueError("an SQLite DATABASE_URL names a file, not a server: sqlite:///steadybot.db (a path from "
                         "the working folder) or sqlite:////var/lib/steadybot/steadybot.db (an absolute one)")
    try:
        uri = _asbool(parsed.get("uri"))
        _asbool(parsed.get("check_same_thread"))
        for key, kind in (("timeout", float), ("detect_types", int), ("cached_statements", int)):
            if (value := parsed.get(key)) is not None:
                kind(value)
    except ValueError:
        raise ValueError("DATABASE_URL's SQLite options take true/false (uri, check_same_thread) or numbers "
                         "(timeout, detect_types, cached_statements)") from None
    # other options, without uri=true, are left to the driver as before (pysqlite ignores them); mode=memory is
    # SQLAlchemy's own sign of a database in memory, whatever uri says (its pool then fails with a TypeError)
    name = parsed.database or ""
    memory = not name or name == _MEMORY or "memory" in [value for key, value in parsed.query if key == "mode"]
    if uri and name.startswith("file:"):
        # SQLite reads the name as a URI: a `?` in it (an escaped `%3F` in DATABASE_URL) starts options of its own,
        # and its path is decoded once more
        path, _, inner = name[len("file:"):].partition("?")
        options = {**dict(parse_qsl(inner, keep_blank_values=True)), **dict(parsed.query)}
        memory = memory or unquote(path) in ("", _MEMORY) or options.get("mode") == "memory" \
            or options.get("vfs") == "memdb"
    if memory:
        raise ValueError("DATABASE_URL names an in-memory SQLite database, which each of steadybot's connections "
                         "would open empty and lose on exit: use a file, such as sqlite:///steadybot.db")


def _check_postgres(parsed: _Url) -> None:
    import inspect

    import asyncpg

    opts = _connect_args(parsed)  # ValueError ("invalid DATABASE_URL: …") for hosts and ports that do not match
    taken = set(inspect.signature(asyncpg.connect).parameters) - {"dsn"}
    unknown = sorted(set(opts) - taken)
    given = [name for name, _ in parsed.query]
    twice = sorted({name for name in given if name in _ONE_VALUE and given.count(name) > 1})
    if twice:
        raise ValueError(f"DATABASE_URL gives the option {twice[0]} more than once: give it once")
    typed = sorted((set(opts) | set(given)) & _NOT_FROM_TEXT)
    if typed:  # the URL's values reach asyncpg as text; these it compares with numbers or reads as settings
        hint = (" (for PgBouncer, prepared_statement_cache_size=0, SQLAlchemy's own option, turns the cache off)"
                if "statement_cache_size" in typed else "")
        raise ValueError(f"DATABASE_URL's option {typed[0]} cannot be given in the URL: its driver needs a number, "
                         f"an object or a setting there, and would get the URL's text{hint}")
    ssl = opts.get("ssl")
    if isinstance(ssl, str) and ssl not in _SSL_MODES:
        raise ValueError(f"DATABASE_URL's sslmode must be one of {', '.join(_SSL_MODES)} "
                         "(sslmode=require for an encrypted connection)")
    for name, allowed in (("target_session_attrs", _SESSION_ATTRS), ("gsslib", _GSSLIBS)):
        if name in opts and opts[name] not in allowed:
            raise ValueError(f"DATABASE_URL's {name} must be one of {', '.join(allowed)}")
    if (value := parsed.get("command_timeout")) is not None and not _positive(value):
        raise ValueError("DATABASE_URL's command_timeout must be a number of seconds above 0")
    if (value := parsed.get("prepared_statement_cache_size")) is not None and \
            not (value.isascii() and value.isdigit()):
        raise ValueError("DATABASE_URL's prepared_statement_cache_size must be a whole number (0 turns the cache "
                         "off, for PgBouncer)")
    if unknown:
        raise ValueError(f"DATABASE_URL has options PostgreSQL's driver does not take ({', '.join(unknown)[:120]}): "
                         "it takes sslmode, ssl, host, port, timeout, command_timeout and asyncpg's other "
                         "connect() options, e.g. postgresql://user@host/steadybot?sslmode=require")


def _positive(value: str) -> bool:
    try:
        return math.isfinite(number := float(value)) and number > 0
    except ValueError:
        return False


def sqlite_file(url: str) -> str | None:
    """The SQLite database file as the URL names it — exactly `make_url(url).database`, not made absolute and
    without `~` expanded — or None for an in-memory database (and for a PostgreSQL URL)."""
    parsed = _checked(url)
    if parsed.backend != "sqlite" or not parsed.database or parsed.database == _MEMORY:
        return None
    return parsed.database


def sqlite_connection_settings(dbapi_conn: Any) -> None:
    """What every SQLite connection of the bot gets (also used by bench/ for its synchronous comparison).

    secure_delete: deleted content (answers awaiting their seal, a forgotten person's rows) is overwritten
    with zeros, not left in free space of a page. journal_size_limit 0: when the WAL restarts after a
    checkpoint it is truncated, so frames of earlier transactions do not linger past it (`Database.scrub`
    truncates it outright after each seal and forget)."""
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_size_limit=0")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def numbered(sql: str) -> str:
    """SQL written with `?` placeholders (sqlite3's) as PostgreSQL's `$1, $2, …` (asyncpg's), for units of work
    that send one statement text to either driver (`Database.driver`). The text must hold no other `?`."""
    parts = sql.split("?")
    return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, 1))


class RawConnection(Protocol):
    """One connection straight on the driver, in autocommit. SQL with `?` placeholders on both databases."""

    async def fetch(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        ...

    async def execute(self, sql: str, *args: object) -> None:
        ...


@asynccontextmanager
async def connect(url: str, *, connect_timeout: float = 3.0,
                  command_timeout: float = 15.0) -> AsyncIterator[RawConnection]:
    """A raw connection to the database of `url` for the block, closed after it. Connecting is bounded by
    `connect_timeout`, each statement by `command_timeout` (seconds). SQLite: an existing file only (opened
    `mode=rw`: a missing one is StorageUnavailable, never created), with the bot's connection settings
    (`sqlite_connection_settings`: secure_delete and the rest). ValueError for a URL of another scheme."""
    parsed = _checked(url)
    conn: _SqliteConnection | _PostgresConnection
    if parsed.backend == "sqlite":
        conn = await _SqliteConnection.open(parsed, connect_timeout, command_timeout)
    else:
        conn = await _PostgresConnection.open(parsed, connect_timeout, command_timeout)
    try:
        yield conn
    finally:
        await conn.close()


async def ping(url: str, *, connect_timeout: float = 3.0, timeout: float = 2.0) -> bool:
    """Whether the database answers a query that really reads it (SQLite: the file's schema cookie, which
    `SELECT 1` would not touch; PostgreSQL: a round trip to the server), within `connect_timeout + timeout`
    seconds. False on any failure, logged at INFO without secrets; a missing SQLite file is not created."""
    try:
        parsed = _checked(url)
        query = "PRAGMA schema_version" if parsed.backend == "sqlite" else "SELECT 1"
        async with asyncio.timeout(connect_timeout + timeout), \
                connect(url, connect_timeout=connect_timeout, command_timeout=timeout) as conn:
            await conn.fetch(query)
        return True
    except StorageUnavailable as exc:
        reason = str(exc)
    except TimeoutError:
        reason = "timeout"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        reason = type(exc).__name__
    log.info("database ping failed: %s", reason)
    return False


# ---- SQLite ---------------------------------------------------------------------------------------------
def _asbool(value: str | None) -> bool:
    """SQLAlchemy's reading of `uri=…` in an SQLite URL (`util.asbool`)."""
    if value is None:
        return False
    text = value.strip().lower()
    if text in ("true", "yes", "on", "y", "t", "1"):
        return True
    if text in ("false", "no", "off", "n", "f", "0"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _sqlite_target(parsed: _Url) -> str:
    """The `file:` URI sqlite3 opens for the URL: the file SQLAlchemy's pysqlite dialect would open, read-write
    and never created (`mode=rw`), or `:memory:`."""
    if parsed.username or parsed.password or parsed.host or parsed.port:
        raise ValueError("invalid SQLite URL: use sqlite:///relative/path.db or sqlite:////absolute/path.db")
    database = parsed.database
    if not database or database == _MEMORY:
        return _MEMORY
    if _asbool(parsed.get("uri")):
        # SQLAlchemy's filename: the database, then the query's SQLite URI parameters
        options = sorted((key, value) for key, value in parsed.query if key not in _PYSQLITE_ARGS)
        filename = database + ("?" + "&".join(f"{key}={value}" for key, value in options) if options else "")
        if filename.startswith("file:"):
            path, _, rest = filename.partition("?")
            params = parse_qsl(rest, keep_blank_values=True)
            if dict(params).get("mode") not in ("ro", "rw", "memory"):  # no mode, or rwc: would create it
                params = [(key, value) for key, value in params if key != "mode"] + [("mode", "rw")]
            return f"{path}?{urlencode(params)}"
        database = filename  # not a URI after all: sqlite3 opens it as a plain file name
    return f"file:{quote(os.path.abspath(database))}?mode=rw"


def _open_sqlite(target: str, open_ms: int, busy_ms: int) -> sqlite3.Connection:
    """The connection, with the bot's settings (its WAL pragma waits for a lock at most `open_ms`), then a busy
    timeout no longer than a statement may take: a thread given up on never lingers long."""
    import sqlite3

    conn = sqlite3.connect(target, uri=True, timeout=open_ms / 1000, isolation_level=None,
                           check_same_thread=False)  # used from whichever worker thread runs the call
    try:
        sqlite_connection_settings(conn)
        conn.execute(f"PRAGMA busy_timeout={busy_ms}")
    except BaseException:
        conn.close()
        raise
    return conn


def _close_when_opened(opening: asyncio.Future[sqlite3.Connection]) -> None:
    """An open that was given up on (a timeout, a cancellation) still finishes in its thread: close what it opened."""
    def close(done: asyncio.Future[sqlite3.Connection]) -> None:
        if not done.cancelled() and done.exception() is None:
            done.result().close()

    opening.add_done_callback(close)


class _SqliteConnection:
    """stdlib sqlite3 in autocommit; every call in a worker thread, one at a time (`_lock`)."""

    def __init__(self, conn: sqlite3.Connection, command_timeout: float) -> None:
        self._conn = conn
        self._lock = threading.Lock()  # a statement left running by a timeout finishes before `close`
        self.command_timeout = command_timeout

    @classmethod
    async def open(cls, parsed: _Url, connect_timeout: float, command_timeout: float) -> _SqliteConnection:
        import sqlite3

        target = _sqlite_target(parsed)
        open_ms = min(BUSY_TIMEOUT_MS, int(connect_timeout * 1000))
        busy_ms = min(BUSY_TIMEOUT_MS, int(command_timeout * 1000))
        opening = asyncio.ensure_future(asyncio.to_thread(_open_sqlite, target, open_ms, busy_ms))
        try:
            conn = await asyncio.wait_for(asyncio.shield(opening), connect_timeout)
        except TimeoutError as exc:
            _close_when_opened(opening)  # an open that finished as the wait gave up is closed too
            if not opening.done():
                raise StorageUnavailable("connect timeout") from exc
            raise StorageUnavailable(_reason(exc)) from exc
        except (sqlite3.Error, OSError) as exc:
            raise StorageUnavailable(_reason(exc)) from exc
        except asyncio.CancelledError:
            _close_when_opened(opening)
            raise
        return cls(conn, command_timeout)

    def _run(self, sql: str, args: tuple[object, ...], rows: bool) -> list[tuple[Any, ...]]:
        with self._lock:
            cursor = self._conn.execute(sql, args)
            try:
                return [tuple(row) for row in cursor.fetchall()] if rows else []
            finally:
                cursor.close()

    async def _call(self, fn: Callable[..., T], *args: object) -> T:
        import sqlite3

        try:
            async with asyncio.timeout(self.command_timeout) as deadline:
                return await asyncio.to_thread(fn, *args)
        except TimeoutError as exc:
            if deadline.expired():
                self._conn.interrupt()  # the statement stops in its thread
                raise StorageUnavailable("statement timeout") from exc
            raise StorageUnavailable(_reason(exc)) from exc
        except (sqlite3.Error, OSError) as exc:
            raise StorageUnavailable(_reason(exc)) from exc
        except asyncio.CancelledError:
            self._conn.interrupt()
            raise

    async def fetch(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        return await self._call(self._run, sql, args, True)

    async def execute(self, sql: str, *args: object) -> None:
        await self._call(self._run, sql, args, False)

    def _close(self) -> None:
        with self._lock:
            self._conn.close()

    async def close(self) -> None:
        await asyncio.to_thread(self._close)


# ---- PostgreSQL -----------------------------------------------------------------------------------------
def _asyncpg_errors() -> tuple[type[BaseException], ...]:
    import asyncpg

    return (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError, OSError)


def _query(parsed: _Url) -> dict[str, str | tuple[str, ...]]:
    """The URL's query as SQLAlchemy's URL holds it: one string per key, a tuple for a key given more than once."""
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in parsed.query:
        held = query.get(key)
        query[key] = value if held is None else (*((held,) if isinstance(held, str) else held), value)
    return query


def _ports(values: tuple[str, ...]) -> tuple[int | None, ...]:
    try:
        return tuple(int(port) if port else None for port in values)
    except ValueError:
        raise ValueError(f"invalid DATABASE_URL: non-integer port arguments {values}") from None


def _hosts(query: dict[str, str | tuple[str, ...]]) -> tuple[tuple[str, ...], tuple[int | None, ...]] | None:
    """Several hosts given in the query (`host=h1:p1&host=h2:p2`, or `host=h1,h2&port=p1,p2`), read as
    SQLAlchemy's PostgreSQL dialect reads them (`_split_multihost_from_url`); None when the query names none."""
    if "host" not in query:
        return None
    given = query["host"]
    integrated = False
    ports: tuple[int | None, ...] | None = None
    if isinstance(given, tuple):
        integrated = True
        pairs = [token.split(":") if ":" in token else [token, ""] for token in given]
        hosts = tuple(pair[0] for pair in pairs)
        ports = _ports(tuple(pair[1] for pair in pairs))
    else:
        hosts = tuple(given.split(","))
        single = re.match(r"^([a-zA-Z0-9\-\.]*)(?::(\d*))?$", hosts[0]) if len(hosts) == 1 else None
        if "port" not in query and single is not None and ":" in hosts[0]:
            integrated = True
            hosts, ports = (single.group(1),), _ports((single.group(2) or "",))
    if "port" in query:
        if integrated:
            raise ValueError("invalid DATABASE_URL: use host=h1,h2&port=p1,p2 or host=h1:p1&host=h2:p2, not both")
        given_ports = query["port"]
        ports = _ports(given_ports if isinstance(given_ports, tuple) else tuple(given_ports.split(",")))
    if ports is not None and len(hosts) != len(ports) and (len(hosts) > 1 or len(ports) > 1):
        raise ValueError("invalid DATABASE_URL: the number of hosts and ports does not match")
    return hosts, (ports if ports is not None else tuple(None for _ in hosts))


def _connect_args(parsed: _Url) -> dict[str, Any]:
    """`asyncpg.connect`'s keyword arguments for the URL, as the engine of storage/db.py builds them:
    `async_url` turns `sslmode` into `ssl`, SQLAlchemy's asyncpg dialect passes the URL's parts and every
    query parameter as a keyword (a parameter asyncpg does not know fails the same way on both paths) and keeps
    its own two. So the driver reaches the same server as the engine, with the same options, or fails as it
    would."""
    opts: dict[str, Any] = {}
    for name, value in (("user", parsed.username), ("password", parsed.password), ("host", parsed.host),
                        ("database", parsed.database)):
        if value is not None:
            opts[name] = value
    if parsed.port is not None:
        opts["port"] = int(parsed.port)
    query = _query(parsed)
    if "sslmode" in query:  # async_url: the libpq spelling, as asyncpg's `ssl`
        query["ssl"] = query.pop("sslmode")
    hosts = _hosts(query)
    opts.update(query)
    if hosts is not None:
        names, ports = hosts
        if len(names) == 1:
            opts["host"] = names[0]
            if ports[0] is not None:
                opts["port"] = ports[0]
        elif not all(names) or not all(port is not None for port in ports):
            raise ValueError("invalid DATABASE_URL: every host of a multiple-host URL needs its name and port")
        else:
            opts["host"], opts["port"] = list(names), list(ports)
    elif "port" in opts:
        opts["port"] = int(opts["port"])
    for name in _DIALECT_ONLY:
        opts.pop(name, None)
    return opts


class _PostgresConnection:
    """An asyncpg connection, outside any transaction."""

    def __init__(self, conn: Any, secrets: tuple[str, ...]) -> None:
        self._conn = conn
        self._secrets = secrets

    @classmethod
    async def open(cls, parsed: _Url, connect_timeout: float, command_timeout: float) -> _PostgresConnection:
        import asyncpg

        kwargs = {**_connect_args(parsed), "timeout": connect_timeout, "command_timeout": command_timeout}
        secrets = _secrets(parsed.password)
        try:
            async with asyncio.timeout(connect_timeout) as deadline:
                conn = await asyncpg.connect(**kwargs)
        except TimeoutError as exc:
            raise StorageUnavailable("connect timeout" if deadline.expired() else _reason(exc, secrets)) from exc
        except _asyncpg_errors() as exc:
            raise StorageUnavailable(_reason(exc, secrets)) from exc
        return cls(conn, secrets)

    async def fetch(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        try:
            return [tuple(row) for row in await self._conn.fetch(numbered(sql), *args)]
        except TimeoutError as exc:
            raise StorageUnavailable("statement timeout") from exc
        except _asyncpg_errors() as exc:
            raise StorageUnavailable(_reason(exc, self._secrets)) from exc

    async def execute(self, sql: str, *args: object) -> None:
        try:
            await self._conn.execute(numbered(sql), *args)
        except TimeoutError as exc:
            raise StorageUnavailable("statement timeout") from exc
        except _asyncpg_errors() as exc:
            raise StorageUnavailable(_reason(exc, self._secrets)) from exc

    async def close(self) -> None:
        try:
            await self._conn.close(timeout=2.0)
        except Exception:  # noqa: BLE001 - a connection that cannot say goodbye is dropped
            self._conn.terminate()


# ---- reasons --------------------------------------------------------------------------------------------
def _secrets(password: str | None) -> tuple[str, ...]:
    """The password as the URL gives it and as it is written there (percent-encoded), longest first."""
    if not password:
        return ()
    return tuple(sorted({password, quote(password, safe=""), quote(password)}, key=len, reverse=True))


def _reason(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """A short, scrubbed reason: the error's type and the first line of its text, without the password,
    tokens or a DETAIL's values (storage/redaction.py)."""
    text = ""
    with contextlib.suppress(Exception):
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = scrub(text, secrets, database_details([exc]))[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
