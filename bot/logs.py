"""Logging: one line per record, secrets scrubbed from every line whatever the logger.

`STEADYBOT_LOG_FORMAT=json` writes one JSON object a line (python-json-logger): `time`, `level`, `logger`,
`message`, and `request_id` while a platform request (or the work it started) is being handled. Every
logger — steadybot's and the SDKs' (slack_sdk, slack_bolt, botbuilder, aiohttp, alembic) —
propagates to the one root handler set up here, so nothing is printed in another format; Python warnings
and uncaught exceptions go through it too.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from storage.redaction import database_details as _database_details
from storage.redaction import scrub as _scrub

#: The text rules (tokens, URL credentials, PostgreSQL DETAIL values) live in storage/redaction.py, which the
#: stored errors (`last_error`) use too.


class RedactSecrets(logging.Filter):
    """Replaces configured secrets, Slack tokens, bearer tokens and the values of a database error's DETAIL
    with [redacted] in the final message and traceback."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def scrub(self, text: str, details: Iterable[str] = (), *, rows: bool = True) -> str:
        """`details`: DETAIL texts of the errors being logged, replaced exactly (bot/logs.py `_database_details`).
        `rows=False` for text that is already JSON (a line break is `\\n` there): the line-based database
        rules would run past the end of the value; JsonLines scrubs each value with them before encoding."""
        return _scrub(text, self.secrets, details, rows=rows)

    def scrub_exception(self, exc_info: Any) -> str:
        """A record's traceback, formatted and scrubbed (the DETAIL of every database error in its chain)."""
        return self.scrub(logging.Formatter().formatException(exc_info), _database_details([exc_info[1]]))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        args = record.args.values() if isinstance(record.args, dict) else (record.args or ())
        details = _database_details([*args, record.exc_info[1] if record.exc_info else None])
        scrubbed = self.scrub(message, details)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text, details)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        return True


#: Loggers of the SDKs and drivers the bot uses, and the bot's own loggers handed to them: at DEBUG they print
#: request and response bodies (messages, modal submissions with scores and comments, a person's journal) or
#: statements with their parameters. They are held at INFO whatever STEADYBOT_LOG_LEVEL says, and a filter
#: on the bot's handler drops any DEBUG record of theirs that gets through anyway (a level set later by a
#: library, a logger created after start-up).
SDK_LOGGERS = ("slack_sdk", "slack_bolt", "botbuilder", "botframework", "msrest", "msal", "aiohttp", "aiosqlite",
               "asyncpg", "sqlalchemy", "urllib3", "steadybot.slack.web", "steadybot.slack.bolt")


class HoldSdkDebug(logging.Filter):
    """Drops DEBUG (and lower) records of SDK_LOGGERS and their children."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO:
            return True
        name = record.name
        return not any(name == sdk or name.startswith(sdk + ".") for sdk in SDK_LOGGERS)


#: The id of the platform request being handled (set by bot/metrics.py per request; copied into the tasks
#: the request starts, so the work after an ack logs it too).
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("steadybot_request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RequestIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


class JsonLines(JsonFormatter):
    """One JSON object a line. The redaction filter has already scrubbed the message and the traceback
    text (`exc_text`); python-json-logger would format the traceback again from `exc_info`, unscrubbed, so
    the scrubbed text is used instead. The finished line is scrubbed once more: extra fields an SDK passes
    along are not covered by the filter."""

    def __init__(self, redactor: RedactSecrets) -> None:
        super().__init__("{asctime}{levelname}{name}{message}", style="{",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         json_ensure_ascii=False)
        self.redactor = redactor

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        from datetime import UTC, datetime

        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        """Every string value scrubbed before it is encoded, with the line-based database rules too."""
        return {key: self.redactor.scrub(value) if isinstance(value, str) else value
                for key, value in log_data.items()}

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info
        if saved and not record.exc_text:
            record.exc_text = self.redactor.scrub_exception(saved)
        record.exc_info = None  # the scrubbed exc_text goes out as "exc_info"
        try:
            return self.redactor.scrub(super().format(record), rows=False)
        finally:
            record.exc_info = saved


def formatter(fmt: str, redactor: RedactSecrets) -> logging.Formatter:
    return JsonLines(redactor) if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    logging.getLogger("steadybot").critical("uncaught %s", kind.__name__, exc_info=(kind, exc, tb))


def _log_uncaught_thread(args: Any) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("steadybot").critical("uncaught %s in thread %s", args.exc_type.__name__,
                                            getattr(args.thread, "name", "?"),
                                            exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def json_error_line(message: str) -> str:
    """A start-up error before logging is set up (bad settings), as one JSON line."""
    from datetime import UTC, datetime

    return json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": "ERROR",
                       "logger": "steadybot", "message": message}, ensure_ascii=False)


class _SteadybotHandler(logging.StreamHandler[TextIO]):
    """Ours: replaced, not stacked, when logging is set up again (tests, the demo)."""

    _steadybot = True  # what tests look for when they remove it


def setup_logging(level: str = "INFO", secrets: Iterable[str] = (), stream: TextIO | None = None,
                  fmt: str = "text") -> RedactSecrets:
    redactor = RedactSecrets(secrets)
    handler = _SteadybotHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt, redactor))
    handler.addFilter(HoldSdkDebug())
    handler.addFilter(redactor)
    handler.addFilter(RequestIds())
    if fmt == "json":  # nothing reaches the stream in another format
        logging.captureWarnings(True)
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_uncaught_thread
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, _SteadybotHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)  # checked by Settings.from_env (STEADYBOT_LOG_LEVEL): an unknown name is an error here
    # SDKs that log whole request bodies at DEBUG (messages, modal contents, pulse results and a person's
    # own journal) stay at INFO even when steadybot runs at DEBUG: no answer ever reaches a log line.
    for talkative in SDK_LOGGERS:
        logging.getLogger(talkative).setLevel(max(logging.INFO, root.level))
    for noisy in ("aiohttp.access", "msrest", "msal", "urllib3", "asyncio", "alembic.runtime",
                  "aiosqlite"):  # aiosqlite logs every statement with its parameters at DEBUG
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)  # INFO would echo every statement
    return redactor
