"""What no log line and no stored error may carry: configured secrets, Slack and bearer tokens, the credentials
that travel in URLs, and the values of a database error's DETAIL. Pure text rules, no logging and no database:
bot/logs.py scrubs every log line with them (and re-exports `redact_detail`); the outbox's and the calendar
feeds' `last_error` are scrubbed with them before they are written (`stored_error`), so a database reader
finds no more of an error than the log shows.

Configured secrets (the settings' tokens and passwords) come with the database: `Database(url, secrets=...)`,
as the start-up builds it from the settings; the repositories pass `db.secrets` to `stored_error`."""

from __future__ import annotations

import re
from collections.abc import Iterable

_TOKENISH = re.compile(r"\b(xox[abprs]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,})")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{12,}")
#: Credentials that travel in URLs and in the SDKs' own messages, whatever logged them: the OAuth `code` and
#: `state` of an install (Bolt's "Failed to fetch oauth.v2.access result with code: …", a callback URL), tokens
#: in a query string, and the signed token of a report link (`/reports/<token>` opens a team's report).
_OAUTH_CODE = re.compile(r"(?i)(\bwith code:\s*)[^\s'\"]+")
_QUERY_SECRET = re.compile(r"(?i)([?&;](?:code|state|token|access_token|refresh_token|client_secret)=)[^&;\s'\"<>#]+")
_REPORT_TOKEN = re.compile(r"(/reports/)[^/\s'\"?#<>]+")
#: What PostgreSQL says about a row it refused, which asyncpg prints in the error's text (`str(exc)`, so in a
#: traceback and in `log.warning("… %s", exc)`) and SQLAlchemy's `hide_parameters` does not cover: the key of a
#: unique or foreign-key violation (`DETAIL:  Key (title)=(Retro with Ana) already exists.`), the whole row of a
#: NOT NULL or check violation (`DETAIL:  Failing row contains (…)`), and a query argument asyncpg could not
#: encode (`invalid input for query argument $1: 'the value' (…)`). The constraint, the columns and the kind of
#: detail stay; the values become [redacted]; a DETAIL of any other shape is replaced whole. The error objects'
#: own `detail` is replaced exactly (a value may hold line breaks); text without its error object (a field of a
#: JSON line) is read line by line: a key or a row runs to the first line that ends with "." (PostgreSQL ends
#: them so), a value line that ends with "." itself ends it early.
_DETAIL_LINE = re.compile(r"(DETAIL:[ \t]+)((?:Key \(|Failing row contains \()[^\n]*(?:\n[^\n]*)*?\.$|[^\n]*)", re.M)
_KEY_DETAIL = re.compile(r"Key \((?P<columns>[^\n]*?)\)=\(")
_KEY_TAIL = re.compile(r"\) (?P<tail>already exists|is duplicated|is (?:not present in|still referenced from) table "
                       r"\"\w+\")\.\Z")
_QUERY_ARGUMENT = re.compile(r"(invalid input for query argument \$\d+[^:\n]*: )[^\n]*")


def redact_detail(detail: str) -> str:
    """A PostgreSQL DETAIL without the values it carries (idempotent)."""
    key = _KEY_DETAIL.match(detail)
    if key is not None:
        tail = _KEY_TAIL.search(detail)
        if tail is not None:
            end = f" {tail.group('tail')}."
        elif " conflicts with " in detail:  # an exclusion constraint: the other key's values are left out too
            end = " conflicts with an existing key."
        else:
            end = ""
        return f"Key ({key.group('columns')})=([redacted]){end}"
    if detail.startswith("Failing row contains"):
        return "Failing row contains ([redacted])."
    return "[redacted]"


def database_details(found: Iterable[object]) -> set[str]:
    """The DETAIL texts of the database errors among `found` and their causes (asyncpg's `detail`), exactly
    as the errors print them: a value with a line break in it is replaced whole, not only its first line."""
    details: set[str] = set()
    seen: set[int] = set()
    stack = [item for item in found if isinstance(item, BaseException)]
    while stack:
        exc = stack.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        try:
            detail = getattr(exc, "detail", None)
            linked = [exc.__cause__, exc.__context__, getattr(exc, "orig", None),
                      *(exc.exceptions if isinstance(exc, BaseExceptionGroup) else ())]
        except Exception:  # noqa: BLE001 - an odd exception object: its text is still scrubbed line by line
            continue
        if isinstance(detail, str) and detail:
            details.add(detail)
        stack.extend(item for item in linked if isinstance(item, BaseException))
    return details


def scrub(text: str, secrets: Iterable[str] = (), details: Iterable[str] = (), *, rows: bool = True) -> str:
    """`text` with `secrets` (longest first), tokens, URL credentials and DETAIL values replaced by [redacted].
    `details`: DETAIL texts of the errors the text came from (`database_details`), replaced exactly. `rows=False`
    for text that is already JSON (a line break is `\\n` there): the line-based database rules would run past
    the end of the value."""
    for detail in sorted(details, key=len, reverse=True):
        text = text.replace(f"DETAIL:  {detail}", f"DETAIL:  {redact_detail(detail)}")
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    if rows:
        text = _DETAIL_LINE.sub(lambda m: m.group(1) + redact_detail(m.group(2)), text)
        text = _QUERY_ARGUMENT.sub(r"\1[redacted]", text)
    text = _TOKENISH.sub("[redacted]", text)
    text = _OAUTH_CODE.sub(r"\1[redacted]", text)
    text = _QUERY_SECRET.sub(r"\1[redacted]", text)
    text = _REPORT_TOKEN.sub(r"\1[redacted]", text)
    return _BEARER.sub(r"\1[redacted]", text)


def stored_error(text: str, limit: int, secrets: Iterable[str] = (), errors: Iterable[object] = ()) -> str:
    """An error's text as it may be stored (`last_error`): scrubbed like a log line — of `secrets` (the
    settings' secrets, which the database was given: `Database.secrets`) and, when the caller has them, of the
    exact DETAIL of the database errors among `errors` — and only then cut to `limit` characters (a cut first
    could leave the head of a secret or of a key's value that no rule recognises any more)."""
    return scrub(text, sorted(secrets, key=len, reverse=True), database_details(errors))[:limit]
