"""Natural-language times in the person's own timezone, correct across DST changes.

dateparser keeps the UTC offset of its base time even when the parsed date falls on the other side of a
DST change. So we never let it see a zone: we parse *naive* text against a *naive local* "now", then
attach the `ZoneInfo` ourselves (resolving the spring-forward gap and the autumn fold explicitly), and
only then convert to UTC. Sub-day relative phrases ("in 2 hours", "in 2h30m", "in an hour and a half", their
span read by handlers/core/durations.py) are real elapsed time, computed in UTC; days and weeks in them are
calendar days ("in 1 day 2 hours": the same clock time tomorrow, then two hours), and whole days alone ("in 2
days") are a day without a time. Digits of any script are read as ASCII ones ("at ٣" is "at 3").

A meeting's bare hour (`parse_when(..., meeting=True)`) is read as people scheduling a meeting mean it:
"at 3" is 15:00 (see `meeting_hour`); so is the pulse schedule's ("every friday at 4" is 16:00, through
`schedule_time` with `meeting=True`). Everything else (`/pulse snooze until tomorrow 9`) reads a bare hour
literally, unless a day-part word decides it ("tonight at 8" is 20:00 for both, "tonight at 1" to 4 the small
hours after tonight). A day-part word that contradicts the clock ("friday evening at 1am", "tomorrow morning at 3pm") is
refused with "which one?" (`AmbiguousTime`).

A time is never dropped silently. dateparser, given text it half understands ("tomorrow 9.30", "3 tomorrow at
4pm"), keeps the date and fills in the *current* time of day, or reads a number as the day of the month
("3 friday at 4" → Tuesday the 3rd). So "9.30" and "@" are rewritten to forms it reads ("9:30", "at"), and its
answer is checked against the text: the one time of day written must be the time read, a weekday / "tomorrow" /
"today" written must be the day read; otherwise the text is refused as unreadable (`_check_read`).

Also rewritten before reading (docs/meetings.md, "How times are read"): the common spellings of tomorrow, today and
tonight in `DAY_SPELLINGS` ("tmrw", "2moro", "tdy"; a short list, never fuzzy matching, and not in capitals:
"TMR" is an acronym), "12 noon" / "12 midnight" as "noon" / "midnight", the continental "15h" after a day word or
"at" as 15:00 (a duration "in 15h" stays one), and, in a United States zone, a slashed date month first ("3/10"
is 10 March there, 3 October elsewhere).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.core.durations import TOO_LONG, calendar_days, parse_duration
from handlers.core.errors import UserError
from handlers.core.text import clip, one_line

WHEN_EXAMPLE = "tomorrow 3pm"
MAX_TEXT = 120


@lru_cache(maxsize=512)
def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """The ZoneInfo for `name`, falling back to `default` (then UTC) for unknown or empty names."""
    for candidate in (name, default, "UTC"):
        if not candidate or not isinstance(candidate, str) or len(candidate) > 64:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return ZoneInfo("UTC")


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach `tz` to a naive local wall time.

    - In the spring-forward gap (02:30 that never happens) the wall time is moved forward by the gap,
      as a person would: 02:30 → 03:30.
    - In the autumn fold (01:30 that happens twice) the first occurrence is used.
    """
    if naive.tzinfo is not None:
        raise ValueError("localize() takes a naive datetime")
    first = naive.replace(tzinfo=tz, fold=0)
    roundtrip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if roundtrip != naive:  # a gap: this wall time does not exist
        after, before = naive.replace(tzinfo=tz, fold=1).utcoffset(), naive.replace(tzinfo=tz, fold=0).utcoffset()
        assert after is not None and before is not None  # a ZoneInfo always has an offset
        gap = after - before
        return (naive + abs(gap)).replace(tzinfo=tz, fold=0)
    return first


def to_local_naive(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


class LengthInTime(UserError):
    """The text holds a length ("45m", "two hours"), which is not part of a time: a caller that reads lengths itself
    (`/pulse snooze`) says so in its own words."""


class AmbiguousTime(UserError):
    """The text names a time and a part of the day that contradict each other ("friday evening at 1am"): the
    person has to say which one. A caller trying shorter and shorter tails of a text (`/meeting`) should stop
    here rather than read a shorter tail ("at 1am") as if the rest had not been said."""


@dataclass(frozen=True, slots=True)
class ParsedTime:
    at: datetime  # aware, UTC
    has_time: bool  # False when only a date was given ("monday")
    text: str


#: "in 2h30m", "2 hours", "in 1 day 2 hours from now": the span is read by handlers/core/durations.py.
_RELATIVE = re.compile(r"^(?P<in>in\s+)?(?P<span>.+?)(?P<from>\s+from\s+now)?$", re.IGNORECASE)
_SPAN_UNIT = r"(?:hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?)\b"
#: The words people use for numbers of units: "an hour and a half", "2 and a half hours", "half an hour", "a day".
_SPAN_WORDS = (
    (re.compile(r"\b(?:an?|one)\s+(" + _SPAN_UNIT + r")\s+and\s+a\s+half\b", re.IGNORECASE), r"1.5 \1"),
    (re.compile(r"\b(\d+)\s*(" + _SPAN_UNIT + r")\s+and\s+a\s+half\b", re.IGNORECASE), r"\1.5 \2"),
    (re.compile(r"\b(\d+)\s+and\s+a\s+half\s+(?=" + _SPAN_UNIT + ")", re.IGNORECASE), r"\1.5 "),
    (re.compile(r"\bhalf\s+(?:an?\s+)?(?=" + _SPAN_UNIT + ")", re.IGNORECASE), "0.5 "),
    (re.compile(r"\b(?:an?|one)\s+(?=" + _SPAN_UNIT + ")", re.IGNORECASE), "1 "),
)
#: Numbers written as words ("two hours from now", "twenty five minutes"): dateparser read some of them, as
#: wall-clock time (wrong across a DST change), and cut "twenty five" to "five".
_ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS = {
    **{word: n for n, word in enumerate(_ONES, 1)}, **{word: n for n, word in enumerate(_TEENS, 10)},
    **{word: 10 * n for n, word in enumerate(_TENS, 2)},
    **{f"{tens}{sep}{one}": 10 * t + o for t, tens in enumerate(_TENS, 2) for o, one in enumerate(_ONES, 1)
       for sep in (" ", "-")},
}
#: A number in words as a pattern (the longest first: "twenty five" before "twenty"), for callers' length patterns.
SPOKEN_NUMBER = "(?:" + "|".join(re.escape(w) for w in sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_NUMBER_WORD = re.compile(r"\b(" + SPOKEN_NUMBER + r")\s+(?=(?:and\s+a\s+half\s+)?" + _SPAN_UNIT + ")", re.IGNORECASE)


def spoken_numbers(text: str) -> str:
    """`text` with each number in words before a unit in digits: "twenty five minutes" → "25 minutes"."""
    return _NUMBER_WORD.sub(lambda w: f"{_NUMBER_WORDS[w.group(1).lower()]} ", text)


#: A meeting's whole time written as hours alone, "15h" or "9 h": the continental clock (15:00, as "15h30" is
#: 15:30) or a wait ("in 15h")? Asked, never guessed.
_BARE_HOURS = re.compile(r"(?P<h>0?[1-9]|1\d|2[0-3])\s*h", re.IGNORECASE)
#: "1h30": hours, then minutes without their unit. A duration after "in" ("in 1h30"); alone, the clock 01:30.
_HOURS_THEN_MINUTES = re.compile(r"^\d{1,3}\s*h\s*[0-5]?\d$", re.IGNORECASE)
#: "17:00 hrs": a clock time, written in the UK and India with "hours" after it.
_CLOCK_HOURS = re.compile(r"\b(\d{1,2}:\d{2})\s*(?:hrs?|hours)\b", re.IGNORECASE)
#: A length inside a time that is not a wait from now ("45m tomorrow 3pm", "tomorrow at 3 5m", "an hour tomorrow
#: 3pm"): dateparser drops it and reads the rest, so the length the person typed would vanish. Such text is not read
#: as a time at all (a meeting's title then keeps the words, or they are its length: handlers/meetings/parse.py).
#: A unit word alone counts ("hour friday at 4" is what is left of "half an hour friday at 4" once a title took
#: "half an"). Looked for once the continental clock is written out ("tomorrow 15h" is 15:00, "9h30" 09:30).
_LENGTH_SAID = re.compile(r"\b(?:hours?|hrs?|minutes?|mins?)\b|(?<![\w:.,])\d+(?:[.,]\d+)?\s*(?:[hm]|hrs?|hours?|mins?|minutes?)\b"
                          r"|(?<![\w:.,])\d+\s*h\s*\d+\s*m\b", re.IGNORECASE)
#: The Arabic decimal separator ("٩٫٣٠") is the dot of a continental clock; the zero-width joiner, which
#: `clean` keeps for emoji, is nothing in a time.
_SCRIPT_MARKS = str.maketrans({"\u066b": ".", "\u200d": ""})
_BARE_AT_HOUR = re.compile(r"\b(at|@)\s*(\d{1,2})\b(?!\s*(?::|\.|am|pm|a\.m|p\.m|h\b))", re.IGNORECASE)
#: A day word then a bare hour at the end ("tomorrow 9", "friday 9", "next monday 21"): that hour on that day.
#: dateparser reads "friday 9" as the 9th of the month and "tomorrow 9" as tomorrow at the current time.
_DAY_THEN_HOUR = re.compile(
    r"\b(today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\s+(\d{1,2})$",
    re.IGNORECASE,
)
_TIME_HINT = re.compile(
    r"\b\d{1,2}\s*(?::\s*\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\b(?:[01]?\d|2[0-3])[:h][0-5]\d\b|\bnoon\b|\bmidnight\b"
    r"|\bin\s+\d+\s*(?:hours?|hrs?|h|minutes?|mins?|m)\b|\bat\s+\d{1,2}\b|\bnow\b",
    re.IGNORECASE,
)
#: The common spellings of tomorrow, today and tonight people type in a hurry, read as the word. A short list on
#: purpose: anything like fuzzy matching would eat a real title word. Not when typed in capitals ("TMR review" is
#: an acronym in a title).
DAY_SPELLINGS = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "tmrow": "tomorrow", "tomorow": "tomorrow",
    "tommorow": "tomorrow", "tommorrow": "tomorrow", "tomorrw": "tomorrow", "2moro": "tomorrow",
    "2morrow": "tomorrow", "2morow": "tomorrow", "2mrw": "tomorrow", "tdy": "today", "tonite": "tonight",
    "2nite": "tonight",
}  # fmt: skip
DAY_SPELLING = re.compile(r"(?<![\w@/.:-])(?:" + "|".join(DAY_SPELLINGS) + r")(?![\w/:-]|\.\w)", re.IGNORECASE)
#: "2day": chat for "today", or "2 days"? Asked, never guessed (docs/meetings.md, "How times are read").
_TWO_DAY = re.compile(r"(?<![\w@/.:-])2day(?![\w/:-])", re.IGNORECASE)
#: "12 noon", "12 midnight": the word.
_TWELVE_WORD = re.compile(r"\b12\s*(noon|midnight)\b", re.IGNORECASE)
_DAY_WORDS = (r"today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
              r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|mornings?|afternoons?|evenings?|nights?")
#: "tomorrow 15h", "at 9h", "friday 9h": the continental 24-hour clock, as "15h30" is; not "in 15h" (a duration).
_CONTINENTAL_HOUR = re.compile(r"\b(?P<before>" + _DAY_WORDS + r"|at)\s+(?P<h>\d{1,2})\s*h(?![\w:.])", re.IGNORECASE)
#: A slashed date, "3/10" or "3/10/2026": month first where people write it so (`month_first`).
_SLASHED_DATE = re.compile(r"(?<![\w/.:-])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?P<y>/(?:\d{4}|\d{2}))?(?![\w/.:-])")
#: The zones of the United States, where a date is written month first ("3/10" is 10 March). Elsewhere in the
#: Americas (Brazil, Mexico, Argentina…) and in Canada's French half it is day first, so no rule by continent.
_MONTH_FIRST_ZONES = frozenset({
    "America/New_York", "America/Detroit", "America/Kentucky/Louisville", "America/Kentucky/Monticello",
    "America/Indiana/Indianapolis", "America/Indiana/Vincennes", "America/Indiana/Winamac",
    "America/Indiana/Marengo", "America/Indiana/Petersburg", "America/Indiana/Vevay", "America/Indiana/Tell_City",
    "America/Indiana/Knox", "America/Chicago", "America/Menominee", "America/North_Dakota/Center",
    "America/North_Dakota/New_Salem", "America/North_Dakota/Beulah", "America/Denver", "America/Boise",
    "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "America/Juneau", "America/Sitka",
    "America/Metlakatla", "America/Yakutat", "America/Nome", "America/Adak", "Pacific/Honolulu",
    "America/Fort_Wayne", "America/Indianapolis", "America/Louisville", "America/Knox_IN", "America/Shiprock",
    "America/Atka", "Navajo", "US/Eastern", "US/Central", "US/Mountain", "US/Pacific", "US/Alaska", "US/Hawaii",
    "US/Arizona", "US/East-Indiana", "US/Indiana-Starke", "US/Michigan", "US/Aleutian", "EST5EDT", "CST6CDT",
    "MST7MDT", "PST8PDT",
})
#: The longest meeting (handlers/meetings/parse.py): a span without `in` up to this long may be its length.
MEETING_MAX_LENGTH = timedelta(hours=8)
_ONLY_NUMBER = re.compile(r"^\s*[\d\s.,:/-]{1,4}\s*$")
#: "@ 4", "@4pm": "at". Only a free-standing "@" (not "bob@4").
_AT_SIGN = re.compile(r"(?<!\S)@\s*(?=\d|noon\b|midnight\b)", re.IGNORECASE)
#: "9.30", "09.30", "14.15", "3.30pm": the continental clock, read as "9:30". Not "24.12" (no such hour), "2.1"
#: (one digit after the dot), "v2.10" or "12.10.2026" (part of a longer token).
_DOTTED_CLOCK = re.compile(r"(?<![\w.:,])(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)(?![\d.:,])")
#: A time of day written in the (normalised) text: am/pm ("4pm", "3:30 p.m."), a 24-hour clock ("16:00",
#: "16h00"; not "2h30m", a duration), noon, midnight. dateparser's answer must carry it (`_check_read`).
_CLOCK = re.compile(
    r"(?<![\w:.])(?P<h>\d{1,2})(?:\s*[:h]\s*(?P<m>\d{2}))?\s*(?P<ampm>[ap])(?:\.\s*m\b\.?|m\b)"
    r"|(?<![\w:.+\-−])(?P<h24>\d{1,2})(?::(?P<m24>\d{2})|h(?P<mh>\d{2})(?!\s*m))(?![\d:])"
    r"|\b(?P<word>noon|midnight)\b",
    re.IGNORECASE,
)
#: A weekday's names and abbreviations → Monday 0 … Sunday 6 (handlers/core/recurrence.py adds its plurals).
WEEKDAYS = {"monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "weds": 2, "thursday": 3,
             "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_WORDS = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_WEEKDAY = re.compile(r"\b(" + _WEEKDAY_WORDS + r")\b", re.IGNORECASE)
_TOMORROW = re.compile(r"(?<!after )\btomorrow\b", re.IGNORECASE)
#: The words that name one day: today, tonight, tomorrow and the weekdays by any of their spellings.
ONE_DAY_WORDS = "today|tonight|tomorrow|" + _WEEKDAY_WORDS
#: A day word, then "… from now": "tomorrow 2h from now" is a day and a wait, and dateparser read it as tomorrow 02:00.
_DAY_THEN_FROM_NOW = re.compile(r"\b(?:" + ONE_DAY_WORDS + r")\b.*\bfrom\s+now$", re.IGNORECASE)
#: "tomorrow: 3pm", "tomorrow morning: 10am", "friday - 10am", "today — 4pm": a day and its hour set apart by a colon,
#: or by a dash with spaces around it, after a word ("Sprint 29: 3pm" keeps its number). Unread, the day was left in a
#: meeting's title and the hour read as today's (`Sync tomorrow: 3pm` was today 15:00, *Sync tomorrow:*). "friday-1" (a
#: label) and "3:30" are not.
_MARK_BEFORE_CLOCK = re.compile(r"(?<=[a-z])\s*:\s*(?=\d|at\b|@|noon\b)|(?<=[a-z])\s+[-–—]+\s+(?=\d|at\b|@|noon\b)",
                                re.IGNORECASE)
#: … and after a date, with a space after the colon: "dec 5: 3pm", "5 december: 3pm", "2026-12-05: 3pm" ("dec 10:00" is a
#: clock; a number alone and a fraction keep their colon: "Sprint 29: 3pm", "Part 1/2: 3pm").
_DATE_THEN_COLON = re.compile(r"(\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
                              r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
                              r"|\b\d{4}-\d{2}-\d{2})\s*:\s+(?=\d|at\b|@|noon\b)", re.IGNORECASE)
#: An article that starts a time without a unit after it: dateparser reads "a" as 1, so `A at 3pm` (a title's "Plan A
#: at 3pm") was the 1st of the month at 15:00. "a week from now", "an hour" and "a day and 2 hours" keep theirs.
_LONE_ARTICLE = re.compile(r"^\s*an?\b(?!\s+(?:half|couple|few|quarter|second|sec|minute|min|hour|hr|day|week|fortnight"
                           r"|month|year|moment)s?\b)", re.IGNORECASE)
_TODAY = re.compile(r"\b(?:today|tonight)\b", re.IGNORECASE)
#: "tonight at 12", "friday evening at midnight": the midnight that ends that evening, not noon, not the one
#: that began the day.
_LATE = re.compile(r"\b(?:tonight|evenings?|nights?)\b", re.IGNORECASE)
_NOON_SAID = re.compile(r"\b12\s*(?::\s*[0-5]\d)?\s*p\.?\s*m\b|\bnoon\b", re.IGNORECASE)
#: A bare clock time once the two rewrites above have run: "3:00" (typed "at 3", "tomorrow 3") or "3:30" — one
#: digit before the colon and no am/pm after it. "03:00", "15:00", "3h30", "3pm", "3:30am" are not bare. "10:00"
#: and "11:00" are bare when typed "at 10" / "tonight 11" (`is_bare_clock` of the text as typed).
_BARE_CLOCK = re.compile(r"(?<![\d:.])(?P<h>[1-9]|1[01]):(?P<m>[0-5][0-9])(?![\d:])(?!\s*(?:[ap]\.?m\b|[ap]\.m\.))",
                         re.IGNORECASE)
#: A time the person wrote out in full, so a schedule's hour in it is taken literally: am/pm, a two-digit hour
#: ("03:00", "15:00", "09.30"), the continental "3h30", noon, midnight.
_EXPLICIT_CLOCK = re.compile(
    r"\d\s*(?:[ap]\.?m\b|[ap]\.m\.)|(?<!\d)[0-2][0-9]\s*[:.h]\s*[0-5][0-9]|\d\s*h\s*[0-5][0-9]|\b(?:noon|midnight)\b"
    r"|(?<!\bin )(?<![\w.:])\d{1,2}h(?![\w:.])",  # the continental "15h" (not the duration "in 15h")
    re.IGNORECASE,
)
_DAY_PART = re.compile(r"\b(?:afternoons?|evenings?|tonight|nights?|mornings?)\b", re.IGNORECASE)
#: The words whose bare 1 to 4 is the small hours after that evening.
_NIGHT = ("tonight", "night")
#: "tonight at 1" … "tonight at 4:59", "friday night at 1": the small hours after that evening, not 13:00 and not
#: the night before.
SMALL_HOURS = range(1, 5)
#: A meeting's bare hour from 1 to 7 is the afternoon: nobody schedules a team meeting at 03:00.
AFTERNOON_HOURS = range(1, 8)
#: A time of day and nothing else ("9am", "at 9:00", "21h00", "noon"): the next such time, read here and not by
#: dateparser, which on the last day of a month rolls a past time to "tomorrow" and then resets the month
#: (31 Jan 10:00 + "9am" → 1 Jan; 31 Dec → 1 Dec of the next year).
_TIME_OF_DAY = re.compile(
    r"^(?:(?:at|@)\s*)?(?:(?P<h>[0-9]{1,2})(?:\s*[:.h]\s*(?P<m>[0-5][0-9]))?\s*(?P<ampm>[ap])\.?\s*m\.?"
    r"|(?P<h24>[0-9]{1,2})\s*[:h]\s*(?P<m24>[0-5][0-9])|(?:12\s*)?(?P<word>noon|midnight))$",
    re.IGNORECASE,
)


#: "next tuesday": said on a Monday, tomorrow or the Tuesday after? People split on it, so when that weekday is
#: still ahead this week it is asked, never guessed (docs/meetings.md, "How times are read").
_NEXT_WEEKDAY = re.compile(r"\bnext\s+(?P<d>" + _WEEKDAY_WORDS + r")\b(?!\s+week)", re.IGNORECASE)
#: "tuesday next week", "next week tuesday", "tuesday of next week", "next week on tuesday": that weekday in the
#: week after this one (weeks start on Monday).
_WEEKDAY_NEXT_WEEK = re.compile(
    r"\b(?:(?:at|on)\s+)?(?:next\s+week\s+(?:on\s+)?(?P<a>" + _WEEKDAY_WORDS + r")|(?P<b>" + _WEEKDAY_WORDS
    + r")\s+(?:of\s+|in\s+)?next\s+week)\b", re.IGNORECASE)
#: "the 8th", "on the 2nd", "8th": a day of the month without its month — the next such day, never one gone by.
_ORDINAL_DAY = re.compile(r"(?<![\w/.:-])(?:(?:at|on)\s+)?(?:the\s+)?(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)"
                          r"(?![\w/:-])", re.IGNORECASE)
#: A weekday right before a day of the month ("friday the 5th", "fri, 5th"): one date, said twice. An ordinal
#: before a weekday is not ("1st monday", "the 2nd tuesday": of the month; "Sprint 22nd friday": a title's).
_WEEKDAY_THEN_ORDINAL = re.compile(r"\b(?:" + _WEEKDAY_WORDS + r")\s*,?\s+$", re.IGNORECASE)
#: What makes a day of the month someone else's to read: a month's name, a written date, "month".
_MONTH_SAID = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|month|year)\b|\d[/.-]\d|\b(?:19|20)\d\d\b", re.IGNORECASE)


def _written(day: date) -> str:
    """A date as dateparser reads it in any order setting: "8 december 2026"."""
    return f"{day.day} {day:%B} {day.year}".lower()


def _short(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _calendar_words(normalised: str, cleaned: str, today: date) -> tuple[str, AmbiguousTime | None]:
    """The day words dateparser gets wrong, resolved against the person's `today`: "tuesday next week" and a
    bare "the 8th" become a written date. "next tuesday" while Tuesday is still ahead this week, and a weekday
    that is not the day of the month beside it ("friday the 5th"), are a question — returned, not raised, so
    the caller asks it only once the rest of the text has read as a time (a longer text tried first, "next
    tuesday's plan tomorrow 3pm", is no time at all, and its last words are)."""
    if (week := _WEEKDAY_NEXT_WEEK.search(normalised)) is not None:
        weekday = WEEKDAYS[(week.group("a") or week.group("b")).lower()]
        day = today + timedelta(days=7 - today.weekday() + weekday)
        return normalised[:week.start()] + _written(day) + normalised[week.end():], None
    if (said := _NEXT_WEEKDAY.search(normalised)) is not None:
        weekday = WEEKDAYS[said.group("d").lower()]
        if weekday <= today.weekday() or _MONTH_SAID.search(normalised):
            # gone this week: the coming one is next week's anyway; or a date says which (and must be that day)
            return normalised, None
        this_week = today + timedelta(days=weekday - today.weekday())
        name = DAY_NAMES[weekday].lower()
        return normalised, AmbiguousTime(
            f"`{clip(cleaned)}`: this week's {DAY_NAMES[weekday]} ({_short(this_week)}) or next week's "
            f"({_short(this_week + timedelta(days=7))})? Say `this {name}` or `{name} next week`.", WHEN_EXAMPLE)
    ordinal = _ORDINAL_DAY.search(normalised)
    if ordinal is None or _MONTH_SAID.search(normalised) or _ORDINAL_DAY.search(normalised, ordinal.end()):
        return normalised, None
    number = int(ordinal.group("d"))
    year, month = today.year, today.month
    if number < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while number > calendar.monthrange(year, month)[1]:  # "the 31st" in November: December's
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    day = date(year, month, number)
    written = normalised[:ordinal.start()] + _written(day) + normalised[ordinal.end():]
    named = {WEEKDAYS[w.lower()] for w in _WEEKDAY.findall(normalised)}
    if not named:
        return written, None
    if not _WEEKDAY_THEN_ORDINAL.search(normalised[:ordinal.start()]):
        return normalised, None  # the weekday is elsewhere: dateparser's reading, checked as before
    if day.weekday() in named:
        return written, None
    return _WEEKDAY.sub(" ", written), AmbiguousTime(
        f"`{clip(cleaned)}`: the {number}{ordinal.group(0)[-2:].lower()} is a {DAY_NAMES[day.weekday()]} "
        f"({_short(day)}) — which day did you mean?", WHEN_EXAMPLE)


def month_first(tz: ZoneInfo) -> bool:
    """Whether people in `tz` write a date month first ("3/10" is 10 March): the zones of the United States."""
    return tz.key in _MONTH_FIRST_ZONES


def day_spellings(text: str) -> str:
    """The spellings of tomorrow, today and tonight in `DAY_SPELLINGS` as the word ("tmrw 3pm" → "tomorrow
    3pm"); one typed in capitals is left as it is."""
    return DAY_SPELLING.sub(lambda m: m.group(0) if m.group(0).isupper() else DAY_SPELLINGS[m.group(0).lower()], text)


#: Sentence punctuation at the end of a time, a length or a schedule ("for 45m.", "at 3pm!", "at 3pm?").
_SENTENCE_END = re.compile(r"\s*[.!?…]+$")


def without_sentence_end(text: str) -> str:
    """`text` without the full stop, exclamation or question marks that end it as a sentence ("tomorrow 3pm for
    45m." → "tomorrow 3pm for 45m"); the dot of "3 p.m." stays."""
    m = _SENTENCE_END.search(text)
    if m is None:
        return text
    head = text[: m.start()]
    if text[m.start()] == "." and re.search(r"\b[ap]\.\s*m$", head, re.IGNORECASE):
        return head + "."
    return head


def _dateparser_parse(text: str, base: datetime) -> datetime | None:
    import dateparser  # heavy import: deferred until the first parse

    return dateparser.parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "DMY",
        },
    )


def _time_of_day(text: str, base: datetime) -> datetime | None:
    """A bare time of day as the next such wall time at or after the naive local `base` (as dateparser
    would: today if still ahead, else tomorrow); None when `text` is anything else."""
    m = _TIME_OF_DAY.match(text)
    if m is None:
        return None
    if m.group("word"):
        at = time(12) if m.group("word").lower() == "noon" else time(0)
    elif m.group("ampm"):
        hour = int(m.group("h"))
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group("ampm").lower() == "p" else 0)
        at = time(hour, int(m.group("m") or 0))
    else:
        if int(m.group("h24")) > 23:
            return None
        at = time(int(m.group("h24")), int(m.group("m24")))
    moment = datetime.combine(base.date(), at)
    return moment if moment >= base else moment + timedelta(days=1)


def _plain_digits(text: str) -> str:
    """Digits of any script as ASCII ("at ٣" is "at 3"; `one_line` has already folded the full-width "３", and
    dropped zero-width spaces and direction marks), so every rule here reads them as it reads ASCII digits."""
    folded = "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch
                     for ch in text.translate(_SCRIPT_MARKS))
    return " ".join(folded.split())


def _relative(text: str, tz: ZoneInfo, now: datetime, *, meeting: bool = False) -> ParsedTime | None:
    """A time that far from now ("in 2h30m", "in 1 hour 30 minutes", "in an hour and a half", "2 hours"), or
    None when `text` is not one. Under a day it is real elapsed time, counted in UTC ("in 2 hours" across a
    DST change is two real hours); days and weeks are calendar days (the same clock time, whatever DST does
    in between). Whole days alone ("in 2 days") are a day without a time, as "wednesday" is."""
    m = _RELATIVE.match(text)
    if not m:
        return None
    said_ahead = bool(m.group("in") or m.group("from"))
    # in words only as a wait that says so, for a meeting: "for two hours" after its time is its length, not "in two
    # hours" (handlers/meetings/parse.py reads it), and "twenty five minutes" must never be cut to "five minutes"
    span = spoken_numbers(m.group("span")) if said_ahead or not meeting else m.group("span")
    for pattern, words in _SPAN_WORDS:
        span = pattern.sub(words, span)
    if said_ahead and re.fullmatch(r"\d{1,3}", span):  # "in 45": minutes? hours? days? Never a guess.
        raise AmbiguousTime(f"`{clip(text)}` — {span} what? Add the unit: `in {span}m` for minutes, `in {span}h` for "
                            "hours.", f"in {span}m")
    if said_ahead and re.fullmatch(r"\d{1,2}:[0-5]\d", span):
        span = span.replace(":", "h")  # "in 1:30": an hour and a half from now, as "for 1:30" and "in 1h30" are
    if not re.search(r"[a-z]", span, re.IGNORECASE) or (_HOURS_THEN_MINUTES.match(span) and not said_ahead):
        return None  # "in 45", "1:30", "1h30": not a span of time
    try:
        delta = parse_duration(span)
    except UserError as exc:
        if exc.message == TOO_LONG:  # `in 99999999999999999999 hours`: beyond anything meant (and timedelta)
            raise UserError("That's more than a year ahead — give me a time within a year.", WHEN_EXAMPLE) from exc
        return None
    days = calendar_days(span)
    if days and not said_ahead:
        return None  # "2 days" alone: left to dateparser, as before
    if meeting and not said_ahead and delta <= MEETING_MAX_LENGTH:
        return None  # "Sync 90m": a meeting's length as much as a wait (handlers/meetings/parse.py asks which)
    rest = delta - timedelta(days=days)
    local = to_local_naive(now, tz)
    if days and not rest:
        day = datetime.combine(local.date() + timedelta(days=days), time(0))
        return ParsedTime(localize(day, tz).astimezone(UTC), False, text)
    start = localize(local + timedelta(days=days), tz) if days else now
    return ParsedTime(start.astimezone(UTC) + rest, True, text)


def meeting_hour(hour: int, part: str | None) -> int:
    """The hour a person means by a bare `hour` (no am/pm, no two-digit or 24-hour form) in a meeting's time,
    beside the day-part word `part` (`day_part`): "morning" keeps it; "afternoon", "evening", "tonight" make
    1–11 pm; with none, 1–7 is the afternoon (13–19), 8–11 the morning, 12 noon (as Google Calendar's quick
    add reads "at 3")."""
    if part == "morning":
        return hour
    if part is not None:
        return hour + 12 if 1 <= hour <= 11 else hour
    return hour + 12 if hour in AFTERNOON_HOURS else hour


def is_bare_clock(said: str) -> bool:
    """Whether the time of day in `said` (a schedule such as "every friday at 4") was written without am/pm
    and without a two-digit or 24-hour form, so `meeting_hour` applies to it."""
    return _EXPLICIT_CLOCK.search(said) is None


def _bare_hour(hour: int, said: str, *, meeting: bool) -> int:
    """The hour meant by a bare `hour` in `said`. Beside "tonight" / "night", 1 to 4 is the small hours (kept;
    `_part_clock` moves them to the next day); beside "evening" it is refused: 13:00 is no evening, and 01:00
    the night after is another day than the one named ("friday evening at 1"). Otherwise, for a meeting or a
    pulse schedule (`meeting=True`) or beside a day-part word, `meeting_hour`; else the hour as written (`/pulse
    snooze until tomorrow 3` is 03:00)."""
    part = day_part(said)
    if part in (*_NIGHT, "evening") and hour in SMALL_HOURS:
        if part == "evening":
            raise _which_one(said, part)
        return hour
    return meeting_hour(hour, part) if meeting or part else hour


def _bare_hours(normalised: str, said: str, *, meeting: bool) -> str:
    """Rewrite the bare clock times of a (normalised) time text to the hour meant (`_bare_hour`): a meeting's
    "at 3:00" → "at 15:00", "tonight at 1:00" → "tonight at 01:00"."""
    typed_bare = is_bare_clock(said)

    def read(m: re.Match[str]) -> str:
        if len(m.group("h")) == 2 and not typed_bare:  # "tonight at 10:00" as typed: literal, as "03:00" is
            return m.group(0)
        return f"{_bare_hour(int(m.group('h')), said, meeting=meeting):02d}:{m.group('m')}"

    return _BARE_CLOCK.sub(read, normalised)


def schedule_time(at: time, said: str, *, meeting: bool) -> tuple[time, int]:
    """A schedule's time of day (`at`, read from `said`, "every friday evening at 8") read as a one-off time is,
    by the same code: a bare hour by `_bare_hour`, then the day-part word by `_part_clock`. Returns the time and
    how many days after the day named it falls (1 for "every friday night at 1": Saturday 01:00). Raises
    AmbiguousTime when the word and the hour contradict each other ("every friday evening at 1")."""
    if is_bare_clock(said):
        at = time(_bare_hour(at.hour, said, meeting=meeting), at.minute)
    return _part_clock(at, said, noon_said=bool(_NOON_SAID.search(said)))


def parse_when(text: str, tz: ZoneInfo, now: datetime, *, meeting: bool = False) -> ParsedTime:
    """Parse a time as the person means it, in their zone. Returns UTC. Raises UserError when unreadable.

    With `meeting=True` a bare hour is read as a meeting's (`meeting_hour`: "at 3" is 15:00); without it,
    literally ("tomorrow 9" is 09:00, "at 3" 03:00)."""
    cleaned = day_spellings(_plain_digits(one_line(text, MAX_TEXT + 1)))
    if not cleaned:
        raise UserError("I need a time, like `tomorrow 3pm` or `friday 10:00`.", WHEN_EXAMPLE)
    if len(cleaned) > MAX_TEXT:
        raise UserError("That time is too long for me to read.", WHEN_EXAMPLE)
    if _ONLY_NUMBER.match(cleaned):
        raise UserError(f"`{clip(cleaned)}` is ambiguous — add am/pm or a day.", WHEN_EXAMPLE)
    if meeting and (bare := _BARE_HOURS.fullmatch(cleaned)) is not None:
        hour = int(bare.group("h"))
        raise AmbiguousTime(f"`{clip(cleaned)}`: at {hour:02d}:00, or {hour} hour{'s' if hour != 1 else ''} from now? "
                            f"Say `at {hour}h` for the time, `in {hour}h` for the wait.", WHEN_EXAMPLE)
    if (relative := _relative(cleaned, tz, now, meeting=meeting)) is not None:
        return relative
    if _LONE_ARTICLE.match(cleaned) or _DAY_THEN_FROM_NOW.search(cleaned):
        # "A at 3pm" (the 1st of the month to dateparser); "tomorrow 2h from now", a day and a wait: not 02:00
        raise UserError(f"I couldn't read `{clip(cleaned)}` as a time.", WHEN_EXAMPLE)
    normalised = _CLOCK_HOURS.sub(r"\1", _AT_SIGN.sub("at ", day_spellings(_MARK_BEFORE_CLOCK.sub(" ", _DATE_THEN_COLON.sub(r"\1 ", cleaned)))))
    # a weekday by its whole name: dateparser reads "thursday 3pm" and "next wednesday" but not "thurs 3pm",
    # "thur at 4", "weds 3pm" or "next wed"
    normalised = _WEEKDAY.sub(lambda m: DAY_NAMES[WEEKDAYS[m.group(1).lower()]].lower(), normalised)
    normalised = _TWELVE_WORD.sub(r"\1", normalised)
    normalised = _CONTINENTAL_HOUR.sub(
        lambda m: f"{m.group('before')} {int(m.group('h')):02d}:00" if int(m.group("h")) <= 23 else m.group(0),
        normalised)
    if month_first(tz):  # "3/10" is 10 March: written day first for the day-first reading below
        normalised = _SLASHED_DATE.sub(lambda m: f"{m.group('b')}/{m.group('a')}{m.group('y') or ''}", normalised)
    normalised = _DOTTED_CLOCK.sub(lambda m: f"{m.group('h')}:{m.group('m')}", normalised)
    normalised = _BARE_AT_HOUR.sub(lambda m: f"{m.group(1)} {m.group(2)}:00", normalised)
    normalised = _DAY_THEN_HOUR.sub(
        lambda m: f"{m.group(1)} {m.group(2)}:00" if int(m.group(2)) <= 23 else m.group(0), normalised)
    normalised = _bare_hours(normalised, cleaned, meeting=meeting)
    _no_length(normalised, cleaned)
    base = to_local_naive(now, tz)
    normalised = _in_own_zone(normalised, tz, base.year)
    has_time = bool(_TIME_HINT.search(normalised))  # before the day words are written out ("at the 8th": no hour)
    normalised, question = _calendar_words(normalised, cleaned, base.date())
    try:
        parsed = _time_of_day(normalised, base) or _dateparser_parse(normalised, base)
    except Exception:  # dateparser raises assorted errors on odd input
        parsed = None
    # unread, or read with a zone dateparser found in a word that is not one here ("the cat at 3pm": Central Africa
    # Time)
    if parsed is None or (parsed.tzinfo is not None and _ZONE_AFTER_CLOCK.search(normalised) is None):
        raise UserError(f"I couldn't read `{clip(cleaned)}` as a time.", WHEN_EXAMPLE)
    parsed = _check_read(parsed, normalised, cleaned, base)
    _ask_what_was_read(question, cleaned)
    if parsed.tzinfo is not None:  # the person named a zone ("3pm PST"): honour it
        return ParsedTime(parsed.astimezone(UTC), has_time, cleaned)
    if not has_time:
        parsed = datetime.combine(parsed.date(), time(0))
    return ParsedTime(localize(parsed, tz).astimezone(UTC), has_time, cleaned)


#: A zone named right after a time of day: "3pm PST", "15:00 (CET)", "9am UTC+2", "noon GMT", "3pm +05:30",
#: "2026-03-02T08:00:00.000Z". Only there is a word a zone: dateparser also takes one anywhere else ("the cat at
#: 3pm" is 3pm Central Africa Time).
_ZONE_AFTER_CLOCK = re.compile(
    r"(?:\d\s*[ap]\.?\s*m\b\.?|(?<!\d)\d{1,2}[:h.]\d{2}(?::\d{2}(?:\.\d+)?)?|\bnoon|\bmidnight)\s*\(?\s*"
    r"(?:(?!(?:on|at|in|for|the|and|to|this|next|with|or|sharp|from|till|until|every|each)\b)[a-z]{1,5}\b"
    r"(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?|[+-]\d{1,2}(?::?\d{2})?)", re.IGNORECASE)
#: Zone abbreviations that are English words: read as the person's own zone only in capitals ("Feed the cat at 3pm"
#: in Harare keeps its cat; "3pm CAT" is local).
_WORDLIKE_ZONES = frozenset({"CAT", "EAT", "WAT", "MART", "SAST"})


@lru_cache(maxsize=256)
def _own_zone(tz: ZoneInfo, year: int) -> re.Pattern[str] | None:
    """The abbreviations the person's own zone goes by this year (winter's and summer's: "CET", "CEST"; "IST"), as
    a pattern of whole words; None where it has none but an offset ("+05") or is UTC itself."""
    names = {datetime(year, month, 1, 12, tzinfo=tz).tzname() or "" for month in (1, 7)}
    names = {name.upper() for name in names if name.isalpha() and name.upper() not in ("UTC", "GMT", "Z")}
    if not names:
        return None
    loose = "|".join(sorted(n for n in names if n not in _WORDLIKE_ZONES))
    strict = "|".join(sorted(n for n in names if n in _WORDLIKE_ZONES))
    parts = ([rf"(?i:{loose})"] if loose else []) + ([strict] if strict else [])
    return re.compile(r"(?<![\w/+-])(?:" + "|".join(parts) + r")(?![\w/+-])")


def _in_own_zone(normalised: str, tz: ZoneInfo, year: int) -> str:
    """`normalised` without the person's own zone named in it ("5pm IST" said in Kolkata, "3pm CEST" in Berlin): that
    is their local time, read in their zone. dateparser takes "IST" for Israel's (+02:00, 3½ hours off India's) and
    "CEST" said in winter for +02:00; people name their own zone loosely, meaning the clock on their wall. Another
    zone's name ("3pm EST" in Berlin), UTC and GMT stay as written."""
    own = _own_zone(tz, year)
    if own is None:
        return normalised
    stripped, named = own.subn(" ", normalised)
    return " ".join(stripped.split()) if named else normalised


def _no_length(normalised: str, cleaned: str) -> None:
    """Refuse a time with a length in it (`_LENGTH_SAID`), which dateparser would drop."""
    if (length := _LENGTH_SAID.search(normalised)) is None:
        return
    said = length.group(0)
    if (hours := _BARE_HOURS.fullmatch(said)) is not None and _CLOCK.search(normalised) is None:
        # "march 10 15h", no other time of day: the continental clock, most likely
        hour = int(hours.group("h"))
        raise LengthInTime(f"`{clip(cleaned)}`: for the time write `at {hour}h` or `{hour:02d}:00` — `{said}` alone "
                           "reads as a length.", WHEN_EXAMPLE)
    raise LengthInTime(f"`{clip(said)}` is a length, not a time of day — I couldn't read `{clip(cleaned)}` as a time.",
                       WHEN_EXAMPLE)


def _ask_what_was_read(question: AmbiguousTime | None, cleaned: str) -> None:
    """The questions about a day, asked only once the text has read as a time (a title's "2day workshop" or
    "next tuesday plan" is not one): `_calendar_words`' and "2day"'s."""
    if question is not None:
        raise question
    if (two := _TWO_DAY.search(cleaned)) is not None:
        raise AmbiguousTime(f"`{clip(two.group(0))}`: today, or in 2 days? Say `today` or `in 2 days`.", WHEN_EXAMPLE)


def day_part(said: str) -> str | None:
    """The day-part word in `said` ("morning", "afternoon", "evening", "tonight", "night"; "evenings" is
    "evening"), lower case, or None."""
    part = _DAY_PART.search(said)
    return part.group(0).lower().removesuffix("s") if part is not None else None


def _which_one(cleaned: str, part: str) -> AmbiguousTime:
    where = {"tonight": "tonight", "night": "at night"}.get(part, f"in the {part}")
    return AmbiguousTime(f"`{clip(cleaned)}`: that hour isn't {where} — which one did you mean? Say the day and "
                     "am/pm.", WHEN_EXAMPLE)


class _NoSuchTime(ValueError):
    """A time of day written that no clock shows ("at 25", "13pm", "12:60", "24:00")."""


def _named_clocks(text: str) -> set[time]:
    """The times of day written in `text` (normalised). Raises _NoSuchTime for one that does not exist:
    dateparser would drop it and fill in the current time of day."""
    found: set[time] = set()
    for m in _CLOCK.finditer(text):
        if m.group("word"):
            found.add(time(12) if m.group("word").lower() == "noon" else time(0))
            continue
        if m.group("ampm"):
            hour, minute = int(m.group("h")), int(m.group("m") or 0)
            if not 1 <= hour <= 12 or minute > 59:
                raise _NoSuchTime(m.group(0))
            found.add(time(hour % 12 + (12 if m.group("ampm").lower() == "p" else 0), minute))
            continue
        hour, minute = int(m.group("h24")), int(m.group("m24") or m.group("mh"))
        if hour > 23 or minute > 59:
            raise _NoSuchTime(m.group(0))
        found.add(time(hour, minute))
    return found


def _check_read(parsed: datetime, normalised: str, cleaned: str, base: datetime) -> datetime:
    """dateparser's answer, checked against what was written (it drops what it can't place and fills in the
    current time of day, or takes a number for the day of the month). Refuses it when the time of day or the
    day named is not the one read; moves "tonight at 12" to the midnight that ends tonight."""
    unreadable = UserError(f"I couldn't read `{clip(cleaned)}` as a time.", WHEN_EXAMPLE)
    try:
        clocks = _named_clocks(normalised)
    except _NoSuchTime as exc:
        raise UserError(f"`{clip(str(exc))}` is not a time of day I know (hours 0–23, or 1–12 with am/pm; "
                        "minutes 0–59).", WHEN_EXAMPLE) from None
    if len(clocks) > 1:
        # not AmbiguousTime: a shorter tail may still be the time ("Release 2.10 tomorrow 3pm": 2.10 is a version)
        raise UserError(f"`{clip(cleaned)}` names more than one time of day — which one?", WHEN_EXAMPLE)
    weekdays = {WEEKDAYS[w.lower()] for w in _WEEKDAY.findall(normalised)}
    if weekdays and parsed.weekday() not in weekdays:
        raise unreadable
    if _TOMORROW.search(normalised) and parsed.date() != base.date() + timedelta(days=1):
        raise unreadable
    if _TODAY.search(normalised) and parsed.date() != base.date():
        raise unreadable
    if not clocks:
        return parsed
    [clock] = clocks
    if (parsed.hour, parsed.minute) != (clock.hour, clock.minute):
        raise unreadable
    parsed = parsed.replace(second=0, microsecond=0)
    if (day_part(cleaned) == "tonight" and clock.hour in SMALL_HOURS and base.hour < SMALL_HOURS.stop
            and parsed.replace(tzinfo=None) >= base):
        return parsed  # "tonight at 1" typed at 00:30: the small hours still ahead
    at, days_later = _part_clock(clock, cleaned, noon_said=bool(_NOON_SAID.search(normalised)))
    if days_later:
        return datetime.combine(parsed.date() + timedelta(days=days_later), at, tzinfo=parsed.tzinfo)
    return parsed


def _part_clock(clock: time, said: str, *, noon_said: bool) -> tuple[time, int]:
    """The time of day `clock` beside the day-part word of `said`, and how many days after the day named it
    falls: the small hours after "tonight" / "friday night" and the midnight that ends an evening ("tonight at
    12") are the next day. Raises AmbiguousTime when the word and the clock contradict each other ("friday
    evening at 1am", "tomorrow morning at 3pm", "friday night at 7am"). One-off times and schedules both."""
    part = day_part(said)
    if part in _NIGHT and clock.hour in SMALL_HOURS:
        return clock, 1
    if part is not None and ((part == "morning" and clock.hour > 12) or (
            part != "morning" and clock.hour < 12 and (clock.hour or part == "afternoon"))):
        raise _which_one(said, part)
    if part in (*_NIGHT, "evening") and clock.hour == 12 and noon_said:  # "friday evening at noon"
        raise _which_one(said, part)
    if _LATE.search(said) and (clock.hour == 0 or (clock.hour == 12 and not noon_said)):
        return time(0, clock.minute), 1
    return clock, 0


def format_local(moment: datetime, tz: ZoneInfo, *, with_date: bool = True, now: datetime | None = None) -> str:
    """`Tue 3 Mar 15:00 CET`, or `today 15:00 CET` / `tomorrow 15:00 CET` relative to `now`."""
    local = moment.astimezone(tz)
    clock = f"{local:%H:%M} {local.tzname()}"
    if not with_date:
        return clock
    if now is not None:
        today = now.astimezone(tz).date()
        if local.date() == today:
            return f"today {clock}"
        if local.date() == today + timedelta(days=1):
            return f"tomorrow {clock}"
    return f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if _far(local.date(), now, tz) else "") + f" {clock}"


def _far(day: date, now: datetime | None, tz: ZoneInfo) -> bool:
    if now is None:
        return True
    return abs((day - now.astimezone(tz).date()).days) > 300
