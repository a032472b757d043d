"""Why a command could not reach its database, in a few words, from what the driver raised: for the one line
`steadybot` prints instead of a stack trace when it cannot start (bot/cli.py). Only connection-level
failures are recognised — refused, unknown host, no answer in time, login refused, no such database, an
SQLite file that cannot be opened or is not a database; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator

from sqlalchemy.engine import make_url

from handlers.core.errors import StorageUnavailable


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        # what the code raising it chose to hide (`raise … from None`) is not its reason: a secret's unreadable key
        # file is not the database's
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)


def _postgres_reason(exc: BaseException) -> str | None:
    try:
        from asyncpg import exceptions as pg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return None
    if isinstance(exc, pg.InvalidPasswordError | pg.InvalidAuthorizationSpecificationError):
        return "refused the login (check the user and password)"
    if isinstance(exc, pg.InvalidCatalogNameError):
        return "has no such database (create it first)"
    if isinstance(exc, pg.CannotConnectNowError | pg.TooManyConnectionsError):
        return "does not take connections now"
    if isinstance(exc, pg.ClientConfigurationError):  # the driver's own settings, before any connection
        if "root certificate" in str(exc):
            return ("needs the server's root certificate for sslmode=verify-ca or verify-full (put it at "
                    "~/.postgresql/root.crt, or name its file in PGSSLROOTCERT)")
        return "cannot be reached with these connection settings (check DATABASE_URL's options and PG* variables)"
    return None


_CANNOT_OPEN = "is an SQLite file that cannot be opened (does its folder exist, and may this user write there?)"


def reason(exc: BaseException, connect_timeout: float) -> str | None:
    """What kept the database out of reach, or None when `exc` is not a connection failure."""
    unavailable = False
    for link in _chain(exc):
        unavailable = unavailable or isinstance(link, StorageUnavailable)
        if (said := _postgres_reason(link)) is not None:
            return said
        if isinstance(link, socket.gaierror):
            return "has a host name that does not resolve"
        if isinstance(link, UnicodeError) and "idna" in str(link):  # an empty label, or one over 63 characters
            return "has a host name that is not a valid name"
        if isinstance(link, ConnectionRefusedError):
            return "refused the connection (is it running, on that host and port?)"
        if isinstance(link, TimeoutError):
            return f"did not answer within {connect_timeout:g} s (STEADYBOT_DB_CONNECT_TIMEOUT)"
        if isinstance(link, FileExistsError | NotADirectoryError | IsADirectoryError):  # a file where a folder goes
            return _CANNOT_OPEN
        if isinstance(link, OSError) and not isinstance(link, FileNotFoundError | PermissionError):
            return f"could not be reached ({link.strerror or type(link).__name__})"
        if isinstance(link, sqlite3.OperationalError) and "unable to open" in str(link):
            return _CANNOT_OPEN
        if isinstance(link, sqlite3.DatabaseError) and "not a database" in str(link):
            return "is a file that is not an SQLite database (does DATABASE_URL name the right file?)"
    return "does not answer" if unavailable else None


def shown(database_url: str) -> str:
    """The URL without its password, as it may be printed."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparseable URL is printed as no URL at all
        return "(DATABASE_URL)"
