"""Durations as people type them: `25m`, `1h30m`, `1.5h`, `90 seconds`, `2 hours 15 min`, `1:30`, `45`."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.core.errors import UserError
from handlers.core.text import clip

_UNITS: dict[str, float] = {}
for _names, _seconds in (
    (("w", "wk", "wks", "week", "weeks"), 7 * 86400),
    (("d", "day", "days"), 86400),
    (("h", "hr", "hrs", "hour", "hours"), 3600),
    (("m", "min", "mins", "minute", "minutes"), 60),
    (("s", "sec", "secs", "second", "seconds"), 1),
):
    for _name in _names:
        _UNITS[_name] = _seconds

_PART = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])",
    re.IGNORECASE,
)
_WHOLE = re.compile(
    r"^\s*(?:\d+(?:[.,]\d+)?\s*(?:weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])"
    r"(?:\s*(?:and|,)?\s*))+$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*$")
#: `1h30`, `1h 30`: hours, then minutes without their unit (as people write it; not an hour about "30").
_HOURS_MINUTES = r"\d{1,3}\s*h\s*[0-5]?\d(?![\w:]|[.,]\d)"
_HM = re.compile(r"^\s*(\d{1,3})\s*h\s*([0-5]?\d)\s*$", re.IGNORECASE)
_BARE = re.compile(r"^\s*(\d{1,4})\s*$")
_LEADING = re.compile(
    r"^\s*(" + _HOURS_MINUTES + r"|(?:\d+(?:[.,]\d+)?\s*(?:weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])\s*)+|\d{1,2}:[0-5]\d\b|\d{1,4}\b)(.*)$",
    re.IGNORECASE | re.DOTALL,
)

DURATION_EXAMPLE = "25m"
#: Longer than anything a person means (a year); far below what timedelta can hold, so a typed
#: `99999999999999999999999m` is a clear answer, not an OverflowError.
MAX_DURATION_SECONDS = 366 * 86400
TOO_LONG = "That's longer than I can count — a duration of at most a year, please."


def parse_duration(text: str) -> timedelta:
    """Parse a duration; a bare number means minutes. Raises UserError with an example when unreadable."""
    raw = (text or "").strip()
    if not raw:
        raise UserError("I need a duration, like `25m` or `1h30m`.", DURATION_EXAMPLE)
    if len(raw) > 40:
        raise UserError("That duration is too long for me to read.", DURATION_EXAMPLE)
    if raw.startswith("-"):
        raise UserError("A duration can't be negative.", DURATION_EXAMPLE)
    if m := _CLOCK.match(raw) or _HM.match(raw):
        delta = timedelta(hours=int(m.group(1)), minutes=int(m.group(2)))
    elif m := _BARE.match(raw):
        delta = timedelta(minutes=int(m.group(1)))
    elif _WHOLE.match(raw):
        seconds = 0.0
        for part in _PART.finditer(raw):
            seconds += float(part.group("num").replace(",", ".")) * _UNITS[part.group("unit").lower()]
        if not seconds <= MAX_DURATION_SECONDS:  # also inf, from a number too long for a float
            raise UserError(TOO_LONG, DURATION_EXAMPLE)
        delta = timedelta(seconds=round(seconds))
    else:
        raise UserError(f"I couldn't read `{clip(raw)}` as a duration.", DURATION_EXAMPLE)
    if delta <= timedelta(0):
        raise UserError("A duration has to be longer than zero.", DURATION_EXAMPLE)
    return delta


def calendar_days(text: str) -> int:
    """The whole days that the days and weeks of a duration come to (`1 week 2 days 3h` → 9, `1.5 days` → 1,
    `36h` → 0). A time that far ahead counts them on the calendar (handlers/core/timeparse.py: "in 2 days" is
    the same clock time, whatever DST does in between); call it on text `parse_duration` has read."""
    seconds = 0.0
    for part in _PART.finditer(text):
        if (unit := _UNITS[part.group("unit").lower()]) >= 86400:
            seconds += float(part.group("num").replace(",", ".")) * unit
    return int(seconds // 86400) if seconds <= MAX_DURATION_SECONDS else 0


def split_leading_duration(text: str) -> tuple[timedelta, str]:
    """`25m standup notes` → (25 minutes, "standup notes"). Raises UserError when no duration leads."""
    raw = (text or "").strip()
    m = _LEADING.match(raw)
    if not m:
        raise UserError("Start with a duration, like `25m` or `1h30m`.", f"{DURATION_EXAMPLE} design review")
    return parse_duration(m.group(1)), m.group(2).strip()


def format_duration(delta: timedelta) -> str:
    """1:30:00 → "1h 30m"; 0:00:45 → "45s"; 0:25:00 → "25m"."""
    total = int(round(delta.total_seconds()))
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days}d")
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if seconds and not days and not hours:
        parts.append(f"{seconds}s")
    return sign + (" ".join(parts) or "0m")

