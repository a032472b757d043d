"""`/pulse snooze <until or duration>` and `/pulse snooze off`: time off from pulse DMs, their reminders and
the personal meeting nudges (anywhere, any channel). Rounds open while someone is away don't count them
as missing. Works the same in a channel, a DM and Teams."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.core.durations import parse_duration
from handlers.core.errors import UserError
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeparse import LengthInTime, format_local, parse_when, without_sentence_end
from handlers.core.types import Command, Reply, Visibility
from handlers.meetings.people import known

EXAMPLE = "/pulse snooze until monday"
MAX_SNOOZE = timedelta(days=366)
_AN = re.compile(r"^(?:an?|one)\s+(?=(?:minute|min|hour|hr|day|week)s?$)", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"\d{1,4}")  # "9.30" is a clock (09:30)
_UNTIL = re.compile(r"^(?:until|till|til)\s", re.IGNORECASE)
_CLOCK = re.compile(r"\d{1,2}[:.h]\d\d")  # "until 2 weeks" stays a length
_LEAD = re.compile(r"^(?:until|till|til|for|to)\s+", re.IGNORECASE)
_OFF = {"off", "stop", "end", "resume", "cancel", "none", "back"}


def _store(svc: Services) -> Any:
    return svc.store.timeoff


def parse_snooze(text: str, tz: Any, now: datetime) -> datetime:
    """`2 weeks`, `for 3 days` → now + that; `until friday`, `march 20`, `monday 9am` → that moment in the
    person's zone (a day without a time: its start). UTC."""
    # `1 week.`: a full stop after the words is not part of the time (without this the time parser, not
    # the duration parser, read `1 week.`, as the start of a day a week on); the dot of `3 p.m.` is.
    said = without_sentence_end(text.strip()).strip()
    cleaned = _LEAD.sub("", said)
    if not cleaned:
        raise UserError("Until when? Give a date or a duration.", EXAMPLE)
    if _BARE_NUMBER.fullmatch(cleaned):  # "until 9" was 9 minutes from now: an hour, or days?
        raise _what_number(cleaned)
    try:
        if _UNTIL.match(said) and _CLOCK.fullmatch(cleaned):  # "until 9:30": a time of day, not 9 hours 30 from now
            raise UserError("a moment, not a length")
        until = now + parse_duration(_AN.sub("1 ", cleaned))  # "a week": a week from now (was the day's midnight)
    except UserError:
        try:
            until = parse_when(cleaned, tz, now).at
        except LengthInTime as exc:  # a length the duration parser could not read ("a couple of hours")
            raise UserError(f"I couldn't read `{clip(cleaned, 40)}` — write a length in digits, like `2 hours` or "
                            "`3 days`, or a day, like `until monday`.", EXAMPLE) from exc
        except UserError as exc:  # the message says what was wrong; the example shows a snooze
            raise UserError(exc.message, EXAMPLE) from exc
    until = until.astimezone(UTC)
    if until <= now:
        raise UserError(f"`{clip(cleaned, 40)}` is already past — give a moment ahead.", EXAMPLE)
    if until - now > MAX_SNOOZE:
        raise UserError("That's more than a year away. To stop pulse DMs for good, use `/pulse optout`.",
                        "/pulse snooze 2 weeks")
    return until


def _what_number(said: str) -> UserError:
    """The question for a number alone ("until 9", "snooze 3", "until 930"): a time of day, or a length in days?"""
    n = int(said)
    hours, minutes = divmod(n, 100)
    if len(said) >= 3 and hours <= 23 and minutes <= 59:  # "930", "0930", "2130": a clock without its colon
        time = f"`until {hours}:{minutes:02d}`"
    else:
        time = f"`until {n}am` or `until {n}pm`" if 1 <= n <= 12 else f"`until {n}:00`" if n <= 23 else ""
    length = f"`{n} day{'s' if n != 1 else ''}`" if 1 <= n <= 365 else "`2 weeks`"
    ways = f"{time} for the time, or {length}" if time else length
    return UserError(f"`{said}` — {said} what? Write {ways} for a length.",
                     f"/pulse snooze until {n}am" if 1 <= n <= 12 else "/pulse snooze 2 weeks")


async def snooze_cmd(cmd: Command, rest: str, svc: Services) -> Reply:
    who = await known(svc, cmd.who)
    tz = svc.tz_of(who)
    now = svc.clock.now()
    store = _store(svc)
    words = rest.strip()
    if not words:
        until = await store.until(who.platform, who.id, now)
        if until is None:
            return Reply("You're not snoozed. Take time off with `/pulse snooze until monday` or "
                         "`/pulse snooze 2 weeks`.", visibility=Visibility.PRIVATE)
        return Reply(f"😴 You're snoozed until **{format_local(until, tz, now=now)}**. `/pulse snooze off` ends it.",
                     visibility=Visibility.PRIVATE)
    if words.lower() in _OFF:
        had = await store.resume(who.platform, who.id)
        return Reply("👋 Welcome back — pulse DMs and meeting nudges reach you again." if had
                     else "You weren't snoozed; nothing changed.", visibility=Visibility.PRIVATE)
    until = parse_snooze(words, tz, now)
    await store.snooze(who.platform, who.id, until)
    return Reply(f"😴 Snoozed until **{format_local(until, tz, now=now)}**. Pulse DMs wait until then, and after "
                 "it until your weekend or the channel's quiet hours are over; their reminders and your personal "
                 "meeting nudges are skipped meanwhile. A pulse that closes while you're away doesn't count you "
                 "as missing. `/pulse snooze off` ends it early.", visibility=Visibility.PRIVATE)
