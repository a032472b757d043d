"""Recurring schedules in plain English, as wall-clock times.

Understood:
- `every friday at 3pm`, `fridays 15:00`, `every monday and thursday at 10`
- `every other monday 10:00`, `every 2 weeks on tuesday at 9:30`, `every fortnight on tuesday at 4`,
  `every two weeks`, `every 2nd week`, `every 2nd tuesday`, `fortnightly`, `bi-weekly` (every 1 to 4 weeks)
- `every mon & thu`, `every mon/thu`, `mon-fri`, `tue through thu` (a range is every day in it)
- `weekdays at 9`, `every weekday at 9:30`, `every day at 8:45`, `daily at 9`, `each day`, `every morning at 9`,
  `weekends`, `every weekend`
- `first monday of the month at 11`, `last friday of every month at 4pm`, `2nd tuesday monthly 10am`
- `every friday evening at 8` (20:00), `every weekday morning at 7`, `every friday night at 1` (Saturday 01:00):
  a day-part word decides the hour as it does in a one-off time (`timeparse.schedule_time`, the same code);
  without one, with `meeting=True` (a meeting's series and the pulse schedule both pass it) a bare hour is read
  as people mean it (`every friday at 3` is 15:00, `timeparse.meeting_hour`), without it literally (03:00)

Asked for or refused, with what is understood: a weekly rhythm without a day (`every week at 4`, `every
fortnight at 4`, `twice a week`: which day?), a date of the month (`every month on the 1st`; only a weekday
of the month), `every 2 months`, `every other day`, `quarterly`, `yearly`, `every hour`, `every 5 weeks`.

A `Recurrence` yields *naive local* occurrences; the caller attaches a zone (each person's own, for a
pulse) with `timeparse.localize`, so 3pm stays 3pm on both sides of a DST change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from handlers.core.errors import UserError
from handlers.core.text import clip, one_line
from handlers.core.timeparse import DAY_NAMES, WEEKDAYS, schedule_time, without_sentence_end

SCHEDULE_EXAMPLE = "every friday at 3pm"
#: A weekday's names, abbreviations ("weds" too) and plurals ("fridays") → Monday 0 … Sunday 6.
_DAYS = {**WEEKDAYS, **{f"{name.lower()}s": day for day, name in enumerate(DAY_NAMES)}}
_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1,
}  # fmt: skip
_DAY_RE = r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|days|s)?\b|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b"
#: A time of day: "noon" / "midnight" (with "at", "@" or "12" before it: "at 12 noon"), or an hour with its minutes
#: and am/pm, or the continental "15h". The words come first, so that "at 12 noon" is not read as "at 12" followed
#: by a stray "noon". (`/meeting Room 12 noon every friday` keeps "Room 12": handlers/meetings/parse.py.)
_TIME_RE = re.compile(
    r"(?:\bat\s+|@\s*)?(?:\b12\s*)?\b(?P<word>noon|midnight)\b"
    r"|(?:\bat\s+|@\s*)?\b(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2})|(?P<c>h))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?(?=\s|$)",
    re.IGNORECASE,
)
DEFAULT_TIME = time(10, 0)


@dataclass(frozen=True, slots=True)
class Recurrence:
    kind: Literal["weekly", "monthly"]
    weekdays: tuple[int, ...]  # 0 = Monday
    at: time
    interval: int = 1  # weeks between occurrences (weekly only): 2 = every other week
    nth: int = 0  # monthly: 1..4 or -1 for the last such weekday of the month
    anchor: date | None = None  # the Monday of the first occurrence's week (interval > 1)
    time_given: bool = True

    # ---- occurrences -------------------------------------------------------------------------------
    def next_after(self, after: datetime) -> datetime:
        """The first naive local occurrence strictly after the naive local `after`."""
        if after.tzinfo is not None:
            raise ValueError("next_after() works on naive local times")
        return next(self.iter_after(after))

    def iter_after(self, after: datetime) -> Iterator[datetime]:
        day = after.date()
        for _ in range(366 * 3):  # bounded: every rule here fires at least every 5 weeks
            if self._matches(day):
                candidate = datetime.combine(day, self.at)
                if candidate > after:
                    yield candidate
            day += timedelta(days=1)

    def _matches(self, day: date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        if self.kind == "monthly":
            if self.nth == -1:
                return (day + timedelta(days=7)).month != day.month
            return (day.day - 1) // 7 + 1 == self.nth
        if self.interval > 1 and self.anchor is not None:
            monday = day - timedelta(days=day.weekday())
            weeks = (monday - self.anchor).days // 7
            return weeks >= 0 and weeks % self.interval == 0
        return True

    def anchored(self, after: datetime) -> Recurrence:
        """Fix the week parity of an every-other-week rule at its first occurrence after `after`."""
        if self.kind != "weekly" or self.interval == 1:
            return self
        free = Recurrence(self.kind, self.weekdays, self.at, 1, self.nth, None, self.time_given)
        first = free.next_after(after).date()
        monday = first - timedelta(days=first.weekday())
        return Recurrence(self.kind, self.weekdays, self.at, self.interval, self.nth, monday, self.time_given)

    # ---- words -------------------------------------------------------------------------------------
    def describe(self) -> str:
        at = f"{self.at:%H:%M}"
        if self.kind == "monthly":
            ordinal = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}[self.nth]
            return f"the {ordinal} {DAY_NAMES[self.weekdays[0]]} of every month at {at}"
        days = set(self.weekdays)
        if days == {0, 1, 2, 3, 4}:
            what = "every weekday"
        elif days == set(range(7)):
            what = "every day"
        else:
            names = [DAY_NAMES[d] for d in sorted(days)]
            joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            what = {1: "every", 2: "every other"}.get(self.interval, f"every {self.interval} weeks on") + " " + joined
        return f"{what} at {at}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "weekdays": list(self.weekdays),
            "at": self.at.strftime("%H:%M"),
            "interval": self.interval,
            "nth": self.nth,
            "anchor": self.anchor.isoformat() if self.anchor else None,
            "time_given": self.time_given,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Recurrence:
        hour, minute = (int(x) for x in str(data["at"]).split(":"))
        return Recurrence(
            kind=data["kind"],
            weekdays=tuple(int(d) for d in data["weekdays"]),
            at=time(hour, minute),
            interval=int(data.get("interval", 1)),
            nth=int(data.get("nth", 0)),
            anchor=date.fromisoformat(data["anchor"]) if data.get("anchor") else None,
            time_given=bool(data.get("time_given", True)),
        )


def _parse_time_of_day(text: str) -> tuple[time, bool, str]:
    """Find a time of day; returns (time, was_given, text without it).

    A bare number counts only after "at"/"@" or as the last word ("weekdays 9"), so the 2 in
    "every 2 weeks" is not read as 2 o'clock."""
    for m in _TIME_RE.finditer(text):
        cut = (text[: m.start()] + " " + text[m.end():]).strip()
        if m.group("word"):
            return (time(12, 0) if m.group("word").lower() == "noon" else time(0, 0)), True, cut
        explicit = m.group("m") or m.group("c") or m.group("ampm") or m.group(0).lstrip().startswith(("at", "@"))
        if not explicit and text[m.end():].strip():
            continue
        hour = int(m.group("h"))
        minute = int(m.group("m") or 0)
        ampm = (m.group("ampm") or "").replace(".", "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            raise UserError(f"`{clip(m.group(0))}` isn't a time of day.", SCHEDULE_EXAMPLE)
        return time(hour, minute), True, cut
    return DEFAULT_TIME, False, text


def _read_time(words: str, said: str, *, meeting: bool) -> tuple[time, bool, int, str]:
    """The time of day in `words` as a one-off time reads it (`schedule_time`): the time, whether one was given,
    the days after the day named it falls (1 for "friday night at 1"), and the words left without it and
    without the day-part word."""
    at, given, rest = _parse_time_of_day(words)
    later = 0
    if given:
        at, later = schedule_time(at, said, meeting=meeting)
    return at, given, later, " ".join(re.sub(r"\b(?:mornings?|afternoons?|evenings?|nights?)\b", " ", rest).split())


#: Numbers people write as words in a schedule ("every two weeks").
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "other": 2, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_COUNT = r"(?:\d{1,3}|" + "|".join(_NUMBER_WORDS) + ")"
#: The words of a schedule that name a weekday, and a pattern for any one of them (longest first), for callers
#: that look for a schedule in other text.
DAY_WORDS = frozenset(_DAYS)
DAY_WORD = r"(?:" + "|".join(sorted(_DAYS, key=len, reverse=True)) + r")"
#: "mon-fri", "tue - thu", "monday to friday", "mon through wed": every day from the first to the last.
_DAY_RANGE = re.compile(r"\b(" + DAY_WORD + r")\s*(?:-|–|—|\bto\b|\bthrough\b|\bthru\b|\btill\b|\buntil\b)\s*("
                        + DAY_WORD + r")\b")
#: "every fortnight", "fortnightly", "biweekly", "every 2 weeks", "every two weeks", "every 2nd week", "every other
#: week", and "every other" / "every second" / "every 2nd" before a day ("every 2nd tuesday"): the weeks between.
_INTERVAL = re.compile(
    r"\bevery\s+fortnight\b|\bfortnightly\b|\bbi-?weekly\b"
    r"|\bevery\s+(?P<n>" + _COUNT + r")\s+weeks?\b|\bevery\s+(?:other|second|2nd)\b(?=\s+" + DAY_WORD + ")"
)
#: "every 2 days", "every other day": a rhythm in days that is not daily.
_EVERY_N_DAYS = re.compile(r"\bevery\s+(" + _COUNT + r")\s+days?\b")
#: "every 2 months", "every other month": not every month.
_EVERY_N_MONTHS = re.compile(r"\bevery\s+(" + _COUNT + r")\s+months?\b")
#: "every morning at 9", "every evening at 8": every day (the word decides the hour).
_EVERY_DAY_PART = re.compile(r"\bevery\s+(?:mornings?|afternoons?|evenings?|nights?)\b")
#: Rhythms longer or shorter than a schedule here: none of them is read as "every day" or "every week".
_UNSUPPORTED = re.compile(r"\b(quarter(?:ly|s)?|years?|yearly|annual(?:ly)?|hours?|hourly|minutes?|semester)\b")
#: "once a week", "twice a week", "3 times per week": how often, without the days.
_TIMES_A_WEEK = re.compile(r"\b(?:once|twice|" + _COUNT + r"\s+times)\s+(?:a|per|every)\s+week\b")


def _no_day(text: str, interval: int) -> UserError:
    """A weekly rhythm without its day ("every fortnight at 4", "every week at 4"): ask for it."""
    like = {1: "every friday at 3pm", 2: "every other friday at 3pm"}.get(interval,
                                                                        f"every {interval} weeks on friday at 3pm")
    return UserError(f"It doesn't say on which day — name it, like `{like}` (or `every monday and thursday at 10am` "
                     "for more than one).", like)


def _count(word: str) -> int:
    return _NUMBER_WORDS.get(word) or int(word)


def _day_range(m: re.Match[str]) -> str:
    first, last = _DAYS[m.group(1)], _DAYS[m.group(2)]
    span = (last - first) % 7
    return " ".join(DAY_NAMES[(first + i) % 7].lower() for i in range(span + 1))


def parse_recurrence(text: str, *, meeting: bool = False) -> Recurrence:
    """Parse a recurring schedule. Raises UserError with a working example when unreadable (AmbiguousTime when
    a day-part word and the hour contradict each other). With `meeting=True` a bare hour is a meeting's
    ("every friday at 4" is 16:00, `timeparse.meeting_hour`): `/meeting` and `/pulse schedule` pass it; without
    it, literal.

    A weekly rhythm without a day ("every week at 4", "every fortnight at 4", "twice a week") asks for the day;
    a date of the month ("every month on the 1st"), a rhythm in days ("every other day") and longer or shorter
    ones ("quarterly", "every hour") are refused, saying what can be repeated."""
    raw = without_sentence_end(one_line(text, 200).lower())  # "every friday at 3pm."
    if not raw:
        raise UserError("Tell me when, for example `every friday at 3pm`.", SCHEDULE_EXAMPLE)
    if len(raw) > 120:
        raise UserError("That schedule is too long for me to read.", SCHEDULE_EXAMPLE)
    words = re.sub(r"\s*&\s*", " and ", raw)
    words = re.sub(r"[,;]|(?<=[a-z])/(?=[a-z])", " ", words)  # "mon, wed", "mon/thu"
    words = re.sub(r"\beach\b", "every", words)
    words = re.sub(r"\b(on|the|of)\b", " ", words)
    words = _DAY_RANGE.sub(_day_range, words)
    at, given, later, rest = _read_time(words, raw, meeting=meeting)

    _refuse_other_rhythms(rest)
    if re.search(r"\bmonth(ly|s)?\b", rest):
        return _monthly(rest, text, at, given, later)
    interval, rest = _interval(rest)
    days = _weekdays(rest, words)
    if not days and (interval > 1 or _TIMES_A_WEEK.search(rest) or re.search(r"\b(weekly|weeks?)\b", rest)):
        raise _no_day(text, interval)
    leftover = re.sub(
        r"\b(every|other|second|biweekly|fortnightly|weekly|weeks?|weekdays?|weekends?|workdays?|business|days?|daily|"
        r"and|to|through|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|[a-z]+days?\b|-",
        " ",
        rest,
    )
    # a number left over is not dropped: "every friday at noon 4" is refused, and `/meeting Sprint 4 every friday
    # at 3pm` keeps "Sprint 4" as its title (a shorter tail is read)
    leftover = " ".join(w for w in leftover.split() if w not in _DAYS)
    if leftover:
        raise UserError(f"I couldn't read `{clip(leftover)}` in that schedule.", SCHEDULE_EXAMPLE)
    if not days:
        raise UserError(f"I couldn't find a day in `{clip(text, 60)}`.", SCHEDULE_EXAMPLE)
    days = tuple(sorted({(day + later) % 7 for day in days}))  # "friday night at 1" is Saturday 01:00
    return Recurrence("weekly", days, at, interval=interval, time_given=given)


def _refuse_other_rhythms(rest: str) -> None:
    """Refuse a rhythm no series here has: quarterly, yearly, hourly, every 2 days."""
    if unsupported := _UNSUPPORTED.search(rest):
        raise UserError(f"I can't repeat `{unsupported.group(1)}`: a series here is every day, on the days of the week "
                        "you name (every 1 to 4 weeks), or on a weekday of the month.", SCHEDULE_EXAMPLE)
    if (n_days := _EVERY_N_DAYS.search(rest)) and (count := _count(n_days.group(1))) != 1:
        raise UserError(f"I can repeat every day, every weekday or on the days you name — not every {count} days.",
                        SCHEDULE_EXAMPLE)


def _monthly(rest: str, text: str, at: time, given: bool, later: int) -> Recurrence:
    """A weekday of every month ("first monday of the month"); a date of the month ("every month on the 1st"),
    a month without a weekday and "every 2 months" are refused."""
    monthly = re.search(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|last)\s+(" + _DAY_RE + r")", rest)
    if not monthly or ((n_months := _EVERY_N_MONTHS.search(rest)) and _count(n_months.group(1)) != 1):
        date = " — not on a date such as the 1st" if re.search(r"\b\d{1,2}(?:st|nd|rd|th)\b", rest) else ""
        raise UserError(f"I repeat monthly on a weekday of every month, like `first monday of the month at 10am` or "
                        f"`last friday of every month at 4pm`{date}.", "first monday of the month at 10am")
    day = _DAYS[monthly.group(2).rstrip("s") if monthly.group(2) not in _DAYS else monthly.group(2)]
    if later:  # the day after the first friday is not always the first saturday
        raise UserError(f"`{clip(text, 60)}` falls on the next day — name that day and the time with am/pm.",
                        "first saturday of the month at 1am")
    return Recurrence("monthly", (day,), at, nth=_ORDINALS[monthly.group(1)], time_given=given)


def _interval(rest: str) -> tuple[int, str]:
    """The weeks between occurrences ("every fortnight", "every 3 weeks", "every other tuesday": 2, 3, 2) and
    the words without the phrase that said so."""
    m = _INTERVAL.search(rest)
    if m is None:
        return 1, rest
    interval = 2 if m.group("n") is None else _count(m.group("n"))
    if not 1 <= interval <= 4:
        raise UserError("I can repeat every 1 to 4 weeks.", SCHEDULE_EXAMPLE)
    return interval, rest[: m.start()] + " every " + rest[m.end():]


def _weekdays(rest: str, words: str) -> tuple[int, ...]:
    """The days of the week named (Monday 0): weekdays, every day (or every morning), weekends, or named days."""
    if re.search(r"\bweekdays?\b|\bworkdays?\b|\bbusiness days?\b", rest):
        return (0, 1, 2, 3, 4)
    if re.search(r"\b(daily|every\s*day)\b", rest) or _EVERY_DAY_PART.search(words):
        return tuple(range(7))
    if re.search(r"\bevery\s+weekend\b|\bweekends\b", rest):
        return (5, 6)
    return tuple(sorted({_DAYS[w] for w in re.findall(r"[a-z]+", rest) if w in _DAYS}))
