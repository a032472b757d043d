"""Errors the core raises on purpose. Anything else is a bug and gets a generic, friendly apology."""

from __future__ import annotations

from datetime import datetime


class UserError(Exception):
    """Input the bot cannot use. `message` is shown to the person as is, with an `example` that works."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example

    def text(self) -> str:
        if self.example:
            return f"{self.message}\nFor example: `{self.example}`"
        return self.message


class NotAllowed(UserError):
    """The person may not do this (for example change another team's settings)."""


class StorageUnavailable(Exception):
    """The database does not answer right now. Callers tell the person to try again shortly."""


SORRY_DATABASE = (
    "Sorry — I can't reach my database right now, so nothing was changed. Please try again in a minute."
)
SORRY_BUG = "Sorry — something went wrong on my side and nothing was changed. Please try again."


class Later(Exception):
    """An outbox preparer's answer "not now, at `until`" (the person is away, the channel has a holiday):
    the row is moved to `until` without using up an attempt. A batch preparer returns it instead of
    raising, and that row is then prepared on its own."""

    def __init__(self, until: datetime, why: str = "waiting") -> None:
        super().__init__(why)
        self.until = until
        self.why = why
