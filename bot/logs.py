"""Logging: one line per record, secrets scrubbed from every line whatever the logger."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

_TOKENISH = re.compile(r"\b(xox[abprs]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,})")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{12,}")


class RedactSecrets(logging.Filter):
    """Replaces configured secrets, Slack tokens and bearer tokens with [redacted] in the final message."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        text = _TOKENISH.sub("[redacted]", text)
        return _BEARER.sub(r"\1[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        return True


class _SteadybotHandler(logging.StreamHandler[TextIO]):
    """Ours: replaced, not stacked, when logging is set up again (tests, the demo)."""

    _steadybot = True  # what tests look for when they remove it


def setup_logging(level: str = "INFO", secrets: Iterable[str] = (), stream: TextIO | None = None) -> RedactSecrets:
    redactor = RedactSecrets(secrets)
    handler = _SteadybotHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, _SteadybotHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    for noisy in ("apscheduler", "aiohttp.access", "msrest", "msal", "urllib3", "asyncio", "alembic.runtime",
                  "aiosqlite"):  # aiosqlite logs every statement with its parameters at DEBUG
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances reached" while a long outbox tick runs is expected
    # (one tick at a time per process), not something for an operator to act on.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # SDKs that log whole request bodies at DEBUG (messages, modal contents, pulse results and a person's
    # own journal) stay at INFO even when steadybot runs at DEBUG: no answer ever reaches a log line.
    for talkative in ("slack_sdk", "botbuilder", "botframework"):
        logging.getLogger(talkative).setLevel(max(logging.INFO, root.level))
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)  # INFO would echo every statement
    return redactor
