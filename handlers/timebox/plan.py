"""When a timebox warns: at half time, at 5 minutes left (20 % left for boxes shorter than 25 minutes), and
at the end. Pure functions, so the schedule is easy to test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from handlers.core.durations import TOO_LONG, format_duration, parse_duration, split_leading_duration
from handlers.core.errors import UserError

WarningKind = Literal["half", "left", "end"]
MIN_BOX = timedelta(minutes=1)
MAX_BOX = timedelta(hours=8)
LONG_BOX = timedelta(minutes=25)  # from here on the late warning is "5 minutes left"
LATE_WARNING = timedelta(minutes=5)
SHORT_SHARE = 0.2  # boxes shorter than LONG_BOX warn when 20 % is left
MAX_LATE = 60.0  # a half/left warning later than this (or than the next warning) is skipped, not sent late
EXAMPLE = "/timebox 25m design review"
EXTEND_EXAMPLE = "/timebox extend 5m"


@dataclass(frozen=True, slots=True)
class Warning:
    kind: WarningKind
    at: datetime
    remaining: timedelta
    skip_if_late_by: float | None


def warnings(started_at: datetime, ends_at: datetime) -> list[Warning]:
    """The warnings of a box running from `started_at` to `ends_at`, in time order."""
    total = ends_at - started_at
    half = started_at + total / 2
    left_for = LATE_WARNING if total >= LONG_BOX else total * SHORT_SHARE
    left = ends_at - left_for
    out: list[Warning] = []
    if half < left:
        out.append(Warning("half", half, ends_at - half, min(MAX_LATE, (left - half).total_seconds())))
    out.append(Warning("left", left, left_for, min(MAX_LATE, left_for.total_seconds())))
    out.append(Warning("end", ends_at, timedelta(0), None))  # the end decides itself (see warnings.py)
    return out


def box_length(text: str, *, what: str = "A timebox") -> timedelta:
    """A timebox length: at least a minute, at most 8 hours, with examples when unreadable."""
    stripped = (text or "").strip()
    if stripped.startswith("-"):
        raise UserError(f"{what} can't be negative.", _example(what))
    try:
        delta = parse_duration(stripped)
    except UserError as error:
        raise _too_long(error, what) from None
    return check_length(delta, what=what)


def leading_length(text: str) -> tuple[timedelta, str]:
    """`25m design review` → (25 minutes, "design review"), the length checked as a timebox's."""
    try:
        length, topic = split_leading_duration(text)
    except UserError as error:
        raise _too_long(error, "A timebox") from None
    return check_length(length), topic


def _too_long(error: UserError, what: str) -> UserError:
    """The durations parser's "at most a year" (for `10000h`) becomes the limit that applies here; its other
    refusals keep their words, with an example that is a whole `/timebox` command."""
    return _over(what) if error.message == TOO_LONG else UserError(error.message, _example(what))


def _example(what: str) -> str:
    return EXTEND_EXAMPLE if what == "An extension" else EXAMPLE


def _over(what: str) -> UserError:
    return UserError(f"{what} can be at most {format_duration(MAX_BOX)} — that's a working day, not a timebox.",
                     _example(what))


def check_length(delta: timedelta, *, what: str = "A timebox") -> timedelta:
    if delta < MIN_BOX:
        raise UserError(f"{what} needs at least a minute.", _example(what))
    if delta > MAX_BOX:
        raise _over(what)
    return delta
