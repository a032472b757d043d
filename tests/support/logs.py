"""Putting logging back as it was after a test ran `bot.logs.setup_logging` (its handlers, captured warnings
and excepthook), so later tests read logs as the process sets them up."""

from __future__ import annotations

import logging
import sys


def restore_logging() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_steadybot", False):
            root.removeHandler(handler)
    logging.captureWarnings(False)
    sys.excepthook = sys.__excepthook__
