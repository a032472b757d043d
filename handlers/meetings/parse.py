"""Reading `/meeting` and `/agenda` text. Pure functions (the clock and zone are passed in).

`/meeting <title> <when> [for <duration>]`: "for <duration>" is taken out first; then the longest run of
trailing words that reads as a time is the time, the words before it the title. A recurring meeting is
the longest trailing run that reads as a schedule and says so ("every …", "weekdays", "mondays", "daily",
"mon-fri"). A one-off whose title would end with schedule words ("Deploy every fortnight" at "at 4") is refused
with why that schedule can't be read (`_no_schedule_in_title`).
A bare hour is read as a meeting's, one-off or recurring: "at 3" is 15:00 (handlers/core/timeparse.py,
`meeting_hour`; docs/meetings.md, "How times are read").
Before that: sentence punctuation at the end is dropped ("for 45m."), a length outside "for" is the length
("(45m)", ", 45m", "3pm 45m"; `split_length`), and a range ("3-4pm", "from 3pm to 4pm") is its start and a length
(`_range`). "1:1" (and "1-1", "1on1") is a title word, never a time. A title's last word "for" led to the time and
is dropped ("Retro for tuesday 3pm" is *Retro*).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.durations import format_duration, parse_duration
from handlers.core.errors import UserError
from handlers.core.recurrence import DAY_WORD, DAY_WORDS, Recurrence, parse_recurrence
from handlers.core.text import clip, one_line
from handlers.core.timeparse import (
    MEETING_MAX_LENGTH,
    ONE_DAY_WORDS,
    SPOKEN_NUMBER,
    AmbiguousTime,
    ParsedTime,
    day_part,
    parse_when,
    spoken_numbers,
    without_sentence_end,
)
from handlers.meetings.catalog import EXAMPLES

MEETING_EXAMPLE = "Sprint review tomorrow 3pm for 45m"
COMMAND_EXAMPLE = f"/meeting {MEETING_EXAMPLE}"  # a refusal's "For example", typed as it is
EXAMPLE_TITLE = "Sync"  # the title of an example built from what was typed, when nothing typed can be it
DEFAULT_LENGTH = timedelta(minutes=30)
MIN_LENGTH = timedelta(minutes=5)
MAX_LENGTH = MEETING_MAX_LENGTH
DAY_MINUTES = 24 * 60
MAX_AHEAD = timedelta(days=366)
PAST_GRACE = timedelta(minutes=1)
MAX_TEXT = 400
TITLE_LIMIT = 120
MAX_TIME_WORDS = 8
ITEM_LIMIT = 200
QUESTION_LIMIT = 300
ANSWER_LIMIT = 1000
MAX_ITEM_MINUTES = 480

_UNIT = r"(?:h|hrs?|hours?|m|mins?|minutes?)"
#: A length with its unit, or in words: "45m", "1h30", "90 min", "1 hour 15 minutes", "an hour", "half an hour".
#: A length in words: "two hours", "forty five minutes".
_WORDS_SPAN = SPOKEN_NUMBER + r"\s+(?:hours?|hrs?|minutes?|mins?)(?![a-z])"
#: A length in digits with its units, in one part or more: "45m", "1.5 hours", "2h 30m", "1 hour and 15 minutes".
_DIGITS_SPAN = r"(?:\d+(?:[.,]\d+)?\s*" + _UNIT + r"(?![a-z])\s*(?:and\s+)?)+"
_SPAN = (r"(?:(?:an?|one)\s+hour|half\s+an?\s+hour|an?\s+hour\s+and\s+a\s+half"
         r"|" + _WORDS_SPAN +  # "for two hours", "3pm, forty five minutes"
         r"|\d{1,3}\s*h\s*[0-5]?\d(?![\d.,])"  # 1h30: hours, then minutes without their unit (handlers/core/durations.py)
         r"|" + _DIGITS_SPAN + ")")
#: "for 45m", "for 1:15", and "for 90": a bare number is minutes, as `/timebox 25` reads it (`_bare_minutes`).
_FOR = re.compile(r"\bfor\s+(?P<d>" + _SPAN + r"|\d{1,2}:[0-5]\d|(?P<n>\d{1,3}(?:[.,]\d+)?))\s*$", re.IGNORECASE)
#: A length outside "for": in brackets ("(45m)", "[1h]"), after a comma ("3pm, 45m"), or right after a clock time
#: ("3pm 45m", "15:00 1h", "tomorrow 15h 1h"; not "in 2h 30m"). "(1:30)" is an hour and a half, as "for 1:30" is. A
#: bare number in brackets or after a comma ("(45)") is asked about, never dropped.
_BRACKETED = re.compile(r"\s*[(\[]\s*(?P<d>" + _SPAN + r"|\d{1,2}:[0-5]\d|(?P<n>\d{1,3}(?:[.,]\d+)?))\s*[)\]]\s*$", re.IGNORECASE)
_AFTER_COMMA = re.compile(r"\s*[,;]\s*(?P<d>" + _SPAN + r"|(?P<n>\d{1,3}(?:[.,]\d+)?))\s*$", re.IGNORECASE)
#: "in 1,5 hours", "2,5h": a number with a decimal comma before an hour unit (a decimal minute is no length).
_DECIMAL_COMMA = re.compile(r"\d,\d+\s*(?:h|hrs?|hours?)(?![a-z])", re.IGNORECASE)
_AFTER_CLOCK = re.compile(r"(?:\d\s*[ap]\.?\s*m\.?|\b\d{1,2}[:.h][0-5]\d|(?<!\bin )(?<![.,])\b\d{1,2}h|\bnoon|\bmidnight"
                          r"|\b(?:at|today|tonight|tomorrow|" + DAY_WORD + r")\s+\d{1,2}"  # a bare hour: "at 3 45m"
                          r")\s+(?P<d>" + _SPAN + r")\s*$", re.IGNORECASE)
#: A length at the end of the title, right before the time: "Sync for 45m tomorrow 3pm" — the meeting's, as "3pm
#: 45m" after the time is. Only with its unit: "Lunch for 4" is a title.
_FOR_BEFORE_TIME = re.compile(r"\bfor\s+(?P<d>" + _SPAN + r")\s*$", re.IGNORECASE)
#: … and without `for` ("Standup 15m every weekday at 9"), only what reads as nothing but a meeting's length: minutes
#: with a unit (a bare `m` with at most two digits: "Swim 400m", "Race 100m" are titles), up to 8 hours, "1h30m",
#: "an hour". One that is no meeting's length ("Hack 24h", "Raise 2.5m") stays in the title.
_BARE_LENGTH = (r"\d{1,2}\s*m|\d{1,3}\s*(?:mins?|minutes?)"
                r"|\d(?:[.,]\d)?\s*(?:h|hrs?|hours?)"  # "2h", "1.5h", "2,5 hours"
                r"|\d\s*h\s*[0-5]?\d\s*m|\d\s*h\s*[0-5]\d"  # "1h30m", "1h30"
                r"|(?:an?|one)\s+hour(?:\s+and\s+a\s+half)?|half\s+an?\s+hour"
                r"|" + _WORDS_SPAN)  # "Sync two hours tomorrow 3pm"
_BARE_HOURS_MINUTES = (r"(?:\d(?:[.,]\d)?\s*(?:h|hrs?|hours?)|(?:an?|one)\s+hour|" + SPOKEN_NUMBER + r"\s+(?:hours?|hrs?))"
                       r"\s*(?:and\s+)?(?:\d{1,2}\s*m|\d{1,3}\s*(?:mins?|minutes?)|" + SPOKEN_NUMBER + r"\s+(?:minutes?|mins?))")
_BARE_BEFORE_TIME = re.compile(r"(?:^|(?<=\S)\s+)(?P<d>" + _BARE_HOURS_MINUTES + "|" + _BARE_LENGTH + r")\s*$",
                               re.IGNORECASE)  # in two parts too, hours then minutes: "1 hour 30 minutes"
#: … and the same in brackets ("Sync (45m) tomorrow 3pm"), which also says it is a length: "Swim (400m)", "Keynote
#: (09:00)" and "Plank (2 min)" keep their titles.
_BRACKETED_BEFORE_TIME = re.compile(r"\s*[(\[]\s*(?P<d>" + _BARE_LENGTH + r")\s*[)\]]\s*$", re.IGNORECASE)
#: A length in words with nothing else to read as a time ("Sync two hours"): in two hours, or that long?
_WORDS_LENGTH_AT_END = re.compile(r"(?:^|\s)(?P<d>" + _WORDS_SPAN + r")\s*$", re.IGNORECASE)
_AN_HOUR = re.compile(r"\b(?:an?|one)\s+hour\b", re.IGNORECASE)  # "an hour 30 minutes"
_NEGATIVE_FOR = re.compile(r"\bfor\s+[-−]\s*\d", re.IGNORECASE)
_FOR_WORDS = {"an hour": "1h", "a hour": "1h", "one hour": "1h", "half an hour": "30m", "half a hour": "30m",
              "an hour and a half": "90m", "a hour and a half": "90m"}
_RECURRING = re.compile(
    r"\b(every|each|daily|weekdays?|workdays?|weekends|weekly|monthly|month|fortnightly|biweekly|business\s+days?"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b"
    r"|\b" + DAY_WORD + r"\s*(?:[-–—/&]|\bto\b|\bthrough\b|\bthru\b)\s*" + DAY_WORD + r"\b",  # "mon-fri", "mon/thu", "mon to fri"
    re.IGNORECASE,
)
_ITEM_MINUTES = re.compile(
    r"^(?P<text>.*?)[\s,;:–—-]*[(\[]?\s*(?P<num>\d{1,3})\s*(?P<unit>m|min|mins|minutes?|h|hr|hrs|hours?)\s*[)\]]?$",
    re.IGNORECASE | re.DOTALL,
)
_WORDY = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True, slots=True)
class MeetingRequest:
    title: str
    length: timedelta
    length_given: bool
    starts_at: datetime | None = None  # a one-off meeting (UTC)
    recurrence: Recurrence | None = None  # a recurring one
    title_cut: bool = False


def _examples() -> str:
    return " · ".join(f"`/meeting {e}`" for e in EXAMPLES)


def split_length(text: str) -> tuple[str, timedelta | None]:
    """`Sprint review tomorrow 3pm for 45m` → ("Sprint review tomorrow 3pm", 45 minutes). Also a length outside
    `for`: `… 3pm (45m)`, `… 3pm, 45m`, `… 3pm 45m`; `for 90` is 90 minutes. Two lengths (`(45m) for 1h`) and a
    bare number that can't be minutes (`for 2`, `(45)`) are refused, never dropped."""
    if _NEGATIVE_FOR.search(text):
        raise UserError("A meeting's length can't be negative.", COMMAND_EXAMPLE)
    rest, length = _one_length(text, _FOR)
    if length is None:
        return _outside_for(text)
    _, again = _outside_for(rest)
    if again is not None:
        raise UserError(f"Two lengths: `{format_duration(again)}` and `for {format_duration(length)}` — which one? "
                        "Give one.", COMMAND_EXAMPLE)
    return rest, length


def _outside_for(text: str) -> tuple[str, timedelta | None]:
    rest, length = _one_length(text, _BRACKETED)
    if length is None and not _decimal_comma(text):  # "in 1,5 hours": one number, not "1" and a length
        rest, length = _one_length(text, _AFTER_COMMA)
    if length is not None:
        return rest, length
    if (m := _AFTER_CLOCK.search(text)) is not None:
        return text[: m.start("d")].strip(), _length(m.group("d"))
    return text, None


def _decimal_comma(text: str) -> bool:
    """Whether the comma the after-comma rule would take is a decimal comma (`in 1,5 hours`), not one before a
    length (`15:00, 1,5h`, `3pm, 45m`)."""
    m = _AFTER_COMMA.search(text)
    if m is None:
        return False
    comma = m.start() + len(m.group(0)) - len(m.group(0).lstrip())  # "in 1,5 hours 45m": between two digits
    return comma > 0 and _DECIMAL_COMMA.match(text, comma - 1) is not None


def _one_length(text: str, pattern: re.Pattern[str]) -> tuple[str, timedelta | None]:
    m = pattern.search(text)
    if not m:
        return text, None
    if m.group("n") is not None:
        return text[: m.start()].strip(), _bare_minutes(m.group(0).strip(), m.group("n"))
    return text[: m.start()].strip(), _length(m.group("d"))


def _length(said: str) -> timedelta:
    raw = spoken_numbers(" ".join(said.lower().split()))
    try:
        return parse_duration(_FOR_WORDS.get(raw) or _AN_HOUR.sub("1 hour", raw.replace(" and ", " ")))
    except UserError as exc:
        raise UserError(f"The meeting's length `{clip(raw)}`: {exc.message[0].lower()}{exc.message[1:]}",
                        COMMAND_EXAMPLE) from exc


def _bare_minutes(said: str, number: str) -> timedelta:
    """`for 90` is 90 minutes, as `/timebox 25` reads a bare number. A number that can't be a meeting's minutes
    (`for 2`, `for 1.5`: surely hours) and one without `for` (`(45)`, `, 45`) are asked about, never guessed."""
    if not said.lower().startswith("for"):
        raise UserError(f"`{clip(said)}` — {number} what? Write the length with its unit, like `for {number}m`.",
                        COMMAND_EXAMPLE)
    if number.isdigit() and int(number) >= MIN_LENGTH.total_seconds() // 60:
        return timedelta(minutes=int(number))
    raise UserError(f"`{clip(said)}` — {number} what? A number alone is minutes (`for 90`), and a meeting needs at "
                    f"least {format_duration(MIN_LENGTH)}: for hours write `for {number}h`.", COMMAND_EXAMPLE)


def check_length(length: timedelta) -> timedelta:
    if length < MIN_LENGTH:
        raise UserError(f"A meeting needs at least {format_duration(MIN_LENGTH)}.", COMMAND_EXAMPLE)
    if length > MAX_LENGTH:
        raise UserError(f"A meeting can be at most {format_duration(MAX_LENGTH)} — longer than that is a workshop "
                        "day, not a meeting.", COMMAND_EXAMPLE)
    return length


def _without_for(words: list[str]) -> list[str]:
    """The title's words without a last "for", which only led to the time ("Retro for tuesday 3pm" is *Retro*)."""
    return words[:-1] if words and words[-1].casefold() == "for" else words


def _title(words: list[str]) -> tuple[str, bool]:
    title = one_line(" ".join(_without_for(words)), MAX_TEXT).strip(" -–—:,;")
    if not _WORDY.search(title):
        raise UserError(f"What's the meeting called? Put its title before the time: {_examples()}",
                        COMMAND_EXAMPLE)
    if len(title) > TITLE_LIMIT:
        return title[: TITLE_LIMIT - 1] + "…", True
    return title, False


def _recurring(words: list[str]) -> tuple[int, Recurrence] | None:
    for start in range(max(1, _title_floor(words)), len(words)):
        tail = " ".join(words[start:])
        if len(words) - start > MAX_TIME_WORDS + 4 or not _RECURRING.search(tail) or _twelve_word(words, start):
            continue
        try:
            # a series' bare hour is a meeting's ("every friday at 4" is 16:00) and its day-part word is read by
            # the one-off's code; `/pulse schedule` reads its bare hour the same way
            rule = parse_recurrence(tail, meeting=True)
        except AmbiguousTime:
            raise  # "every friday evening at 1": ask which one, never read a shorter tail or a one-off
        except UserError:
            continue
        return start, rule
    return None


#: A day word: the last words of a title that hold one and an hour are a second time somebody meant ("Sync
#: tomorrow at 3pm" + "11pm-1am"), not a title's number ("Release 2.10", "Room 12", "Standup 9am", "US sync 9am ET").
_DAY_SAID = re.compile(r"\b(?:" + ONE_DAY_WORDS + r")\b", re.IGNORECASE)
#: Words that make a time the title's subject, not the meeting's: "Prep for friday 10am", "Recap of monday 9am".
_ABOUT_WORDS = frozenset({"for", "after", "of", "to", "re", "re:", "before", "from", "since", "until", "till", "about",
                          "regarding", "vs", "or", "and", "than"})
#: A zone's abbreviation in a title's time ("friday 10am EST"): another team's clock, the title's.
_ZONE_WORD = re.compile(r"\b(?:[A-Z]{1,4}T|UTC|GMT)\b")
#: Words that lead a series' days ("every friday", "each monday", "every other friday").
_SCHEDULE_LEADS = frozenset({"every", "each", "other", "alternate"})
_LEADING_AT_ON = re.compile(r"^(?:at|on)\s+", re.IGNORECASE)


def _one_time(title: list[str], when: Recurrence | ParsedTime, tz: ZoneInfo, now: datetime) -> None:
    """Ask about a meeting whose title ends with a second day and hour that is not the meeting's (`Sync tomorrow
    3pm` + `at 4pm` was today 16:00, titled *Sync tomorrow 3pm*): the time read is the last one, and the first
    stayed in the title, silently. Not when the title says it is about that time (`Prep for friday 10am`), names
    another zone, or repeats the meeting's own hour (`Friday beers 5pm` + `friday 5pm`)."""
    at = when.at if isinstance(when, Recurrence) else when.at.astimezone(tz).time()
    for size in range(min(len(title) - 1, MAX_TIME_WORDS), 0, -1):  # a title word stays before it
        words = title[-size:]
        tail = " ".join(words)
        if words[0].casefold() in _ABOUT_WORDS or title[-size - 1].casefold() in _ABOUT_WORDS:
            continue
        if not _DAY_SAID.search(tail) or _ZONE_WORD.search(tail):
            continue
        if _take_length(tail) is not None:  # "friday 1h" + "at 3": a length, taken out later (`_length_before`)
            continue
        try:
            other = parse_when(tail, tz, now, meeting=True)
        except UserError:
            continue
        local = other.at.astimezone(tz).time()
        if other.has_time and (local.hour, local.minute) != (at.hour, at.minute):
            lead = len(title) - size
            while lead > 0 and title[lead - 1].casefold() in _SCHEDULE_LEADS:
                lead -= 1  # "Sync every friday 9am" + "at 3": the schedule's words are part of that time
            rest, said = " ".join(title[:lead]) or EXAMPLE_TITLE, " ".join(title[lead:])
            if lead < len(title) - size:  # a series' time: no title is about "every friday 9am"
                raise AmbiguousTime(f"`{clip(said)}` in the title is a time too — which one is the meeting's? Keep "
                                    f"one hour, like `/meeting {clip(rest)} {clip(said)}`.", f"/meeting {rest} {said}")
            about = _LEADING_AT_ON.sub("", tail)
            raise AmbiguousTime(f"`{clip(tail)}` in the title is a time too — which one is the meeting's? Keep one; "
                                f"for a title about that time, put `for` before it (`{clip(rest)} for {clip(about)}`).",
                                f"/meeting {rest} {tail}")


def _reads_as_time(text: str, tz: ZoneInfo, now: datetime) -> bool:
    try:
        return parse_when(text, tz, now, meeting=True).has_time
    except UserError:
        return False


#: A one-on-one: "1:1", "1-1", "1on1", "1-on-1" (and "1:1s"). A title word, never a time: dateparser reads "1:1"
#: as a UTC offset, and "1-1" would be a range.
_ONE_ON_ONE = re.compile(r"1\s*(?::|-|on|-on-)\s*1s?|one-on-ones?", re.IGNORECASE)


def _title_floor(words: list[str]) -> int:
    """The index of the first word that may be read as the time: after the last one-on-one word (`1:1`)."""
    return max((i + 1 for i, word in enumerate(words) if _ONE_ON_ONE.fullmatch(word.strip(",;:()[]"))), default=0)


def _twelve_word(words: list[str], start: int) -> bool:
    """Whether the time read from `start` would begin with "12 noon" / "12 midnight": after a title word the 12 is
    the title's (`Room 12 noon every friday` is "Room 12" at noon; "at 12 noon" and "friday 12 noon" are noon)."""
    return words[start] == "12" and start + 1 < len(words) and words[start + 1].casefold() in ("noon", "midnight")


def _a_length(said: str) -> bool:
    """Whether `said` is a length under a day with its unit ("1h30min", "30 seconds"), which a date library may read
    as a day; "in 2 days" is a day (its hour asked)."""
    if not re.search(r"[a-z]", said, re.IGNORECASE):
        return False
    try:
        return parse_duration(spoken_numbers(said)) < timedelta(days=1)
    except UserError:
        return False


def _one_off(words: list[str], tz: ZoneInfo, now: datetime) -> tuple[int, ParsedTime] | None:
    floor = _title_floor(words)
    if not floor and len(words) <= MAX_TIME_WORDS and _reads_as_time(" ".join(words), tz, now):
        raise UserError(f"What's the meeting called? Put its title before the time: {_examples()}",
                        COMMAND_EXAMPLE)
    dateless: tuple[int, ParsedTime] | None = None
    for start in range(max(1, floor, len(words) - MAX_TIME_WORDS), len(words)):
        if _twelve_word(words, start):
            continue
        if words[start - 1].casefold() == "from" and " ".join(words[start:]).casefold() == "now":
            continue  # "… 25 minutes from now" that did not read: never "now", titled "… from"
        try:
            parsed = parse_when(" ".join(words[start:]), tz, now, meeting=True)
        except AmbiguousTime:
            raise  # "friday evening at 1am": the person must say which, not get the shorter tail "at 1am"
        except UserError:
            continue
        if parsed.has_time:
            return start, parsed
        if not dateless and not _a_length(" ".join(words[start:])):  # "Sync 1h30min", "30 seconds": no day
            dateless = (start, parsed)
    if dateless is not None:
        _no_schedule_in_title(words[:dateless[0]], words[dateless[0]:])
        day = " ".join(words[dateless[0]:])
        check_when(dateless[1].at + timedelta(days=1), now, day)
        raise NoHour(" ".join(words[:dateless[0]]), day, example_hour(day, tz, now))
    return None


def parse_meeting(text: str, tz: ZoneInfo, now: datetime) -> MeetingRequest:
    """Read `/meeting` text. Raises UserError (with examples) for anything it cannot use."""
    raw = one_line(text, MAX_TEXT + 1)
    if not raw:
        raise UserError(f"Give the meeting a title and a time: {_examples()}", COMMAND_EXAMPLE)
    if len(raw) > MAX_TEXT:
        raise UserError("That's too long for me to read as a meeting — a title and a time will do.",
                        COMMAND_EXAMPLE)
    _not_another_command(raw)
    stripped = without_sentence_end(raw)
    rest, length = split_length(stripped)
    if length is not None:
        check_length(length)
    if (ranged := _ranged(rest, length, tz, now)) is not None:
        return ranged
    words = rest.split()
    try:
        start, when = _find_when(words, tz, now)
    except UserError as exc:
        if (found := _after_length_at_end(exc, rest, length, tz, now)) is not None:
            return found
        raise _with_length_said(exc, rest, stripped[len(rest):].strip() if length is not None else "") from None
    title, length = _length_before(words[:start], length)
    if len(title) != start:  # "Standup every weekday 15m at 9:30": read again without the length (a series here)
        words = title + words[start:]
        start, when = _find_when(words, tz, now)
        title = words[:start]
    return _request(title + words[start:], len(title), when, check_length(length or DEFAULT_LENGTH),
                    length is not None, now)


#: Words before a length in words that make it the title's ("Recap of the last two hours"), not a wait or a length.
_NOT_A_WAIT = frozenset({"the", "last", "past", "next", "first", "final", "these", "those", "our", "my", "your",
                         "every", "each", "per", "within", "around", "max", "least", "most", "under", "over", "up"})


_TODAY_SAID = re.compile(r"\b(?:today|tonight|this)\b", re.IGNORECASE)


def example_hour(said: str, tz: ZoneInfo, now: datetime) -> str:
    """An hour for an example, in the part of the day `said` names ("tomorrow morning" at 3pm is refused), and still
    ahead when `said` is today ("tonight 7pm" said at 21:30 is in the past)."""
    part = day_part(said)
    hour = {"morning": 10, "afternoon": 15, "evening": 19, "tonight": 19, "night": 21}.get(part or "", 15)
    if _TODAY_SAID.search(said):  # later than now, within the part of the day said ("this morning" ends at noon)
        hour = max(hour, min(now.astimezone(tz).hour + 1, {"morning": 11, "afternoon": 17}.get(part or "", 23)))
    return f"{hour % 12 or 12}{'am' if hour < 12 else 'pm'}"


def _title_word(before: str) -> bool:
    """Whether the word before a length makes it the title's: "the last two hours", "up to 45m" (but "Catch up 30m"
    is a *Catch up* of 30 minutes)."""
    return before.rsplit(" ", 1)[-1].casefold() in _TITLE_BEFORE_LENGTH


_TITLE_BEFORE_LENGTH = (_NOT_A_WAIT | _ABOUT_WORDS) - {"up"}


class NoTime(UserError):
    """Nothing in the text reads as the meeting's time."""


class NoHour(UserError):
    """A day without its hour ("Sync tomorrow"): the meeting asks for it."""

    def __init__(self, title: str, day: str, hour: str, length: str = "") -> None:
        self.title, self.day, self.hour = title, day, hour
        lead = f"`{clip(length)}` is how long it lasts. " if length else ""
        super().__init__(f"{lead}At what time on `{clip(day)}`?",
                         f"/meeting {title} {day} {hour}{' ' + length if length else ''}")

    def with_length(self, length: str) -> NoHour:
        return NoHour(self.title, self.day, self.hour, length)


def _ranged(rest: str, length: timedelta | None, tz: ZoneInfo, now: datetime) -> MeetingRequest | None:
    """The meeting when its time holds a range ("tomorrow 3-4pm"): the range's start and length; None when there is
    no range, or it is the title's ("Room 3-4 sync tomorrow at 3pm")."""
    if (ranged := _range(rest)) is None:
        return None
    words = ranged.text.split()
    try:
        start, when = _find_when(words, tz, now)
    except AmbiguousTime:
        raise
    except UserError:  # not a time with that range in it ("Sync on 3-10 at 14:00"): read as typed
        return None
    if start > ranged.index:
        return None
    span = check_length(ranged.length(when.at if isinstance(when, Recurrence) else when.at.astimezone(tz)))
    if length is not None and length != span:
        raise UserError(f"`{clip(ranged.said)}` is {format_duration(span)}, but `for {format_duration(length)}` says "
                        "otherwise — which one? Give the range or the length.", COMMAND_EXAMPLE)
    said = " ".join(rest.split()[start:])
    title, _ = _length_before(words[:start], span)
    return _request(title + words[start:], len(title), when, span, True, now, said=said)


def _with_length_said(exc: UserError, rest: str, said: str) -> UserError:
    """`exc`, about a text with no time, naming the length that was said: `Sync tomorrow for 90m` asks the hour with
    the length in its example, `Sync for 2h` says `for 2h` is how long it lasts and asks when it is."""
    said = said.lstrip(",; ")  # "Sync, 45m": the comma led to the length
    if isinstance(exc, NoHour) and said:
        return exc.with_length(said)
    if isinstance(exc, NoTime):
        try:
            _length_without_time(rest, said)
        except UserError as asked:
            return asked
    return exc


def _after_length_at_end(exc: UserError, rest: str, length: timedelta | None, tz: ZoneInfo,
                         now: datetime) -> MeetingRequest | None:
    """The meeting once a length at the very end is set apart, when the text did not read with it (`exc`): no time
    at all ("Sync 90m"), a day without its hour ("Sync tomorrow 1h30min"), or a small hour asked about that was the
    length after a whole time ("Sync 10am tomorrow 1h30"; there only a meeting that reads replaces the question)."""
    if isinstance(exc, (NoTime, NoHour)):
        return _length_at_end(rest, length, tz, now)
    if isinstance(exc, SmallHour) and length is None:
        try:
            return _length_at_end(rest, length, tz, now)
        except UserError:
            return None
    return None


def _length_at_end(rest: str, length: timedelta | None, tz: ZoneInfo, now: datetime) -> MeetingRequest | None:
    """A length at the very end with no time after it ("Sync 90m", "Sync tomorrow 90m", "Sync 3pm tomorrow 1.5h").
    After a time it is the meeting's length, as "3pm 45m" is. After a day, that day's hour is asked for, naming the
    length. With no time at all it is asked about, as a length in words is: "in 90m, or a meeting that long?". Before,
    it was read as a wait from now, with the day left in the title (`Sync tomorrow 90m` was today, in 90 minutes).
    None when the text does not end with a meeting's length (the caller says no time was found)."""
    taken = _take_length(rest)
    if taken is None or not taken.bare:
        return None
    words = taken.rest.split()
    if not words:  # "/meeting 45m": neither a title nor a time
        if length is None:
            _length_without_time("", taken.said)  # raises: the length named, the time asked for
        return None
    if _title_word(taken.rest):
        return None  # "Recap of the last 90m": the title's
    if length is not None and length != taken.length:  # "Sync tomorrow 90m for 1h"
        raise UserError(f"Two lengths: `{clip(taken.said)}` and {format_duration(length)} — which one? Give one.",
                        COMMAND_EXAMPLE)
    try:
        start, when = _find_when(words, tz, now)
    except NoHour as exc:  # "Sync tomorrow 90m"
        raise exc.with_length(taken.said) from None
    except NoTime:
        d, name = taken.said, clip(taken.rest) or EXAMPLE_TITLE
        raise AmbiguousTime(f"`{d}` — in {d}, or a meeting that long? For the time write `in {d}`; for the length "
                            f"give a time too: `/meeting {name} tomorrow 3pm for {d}`.", f"/meeting {name} in {d}") from None
    title, _ = _length_before(words[:start], taken.length)  # "Sync 45m 3pm tomorrow 1h": two lengths, asked
    if (clock := _CLOCK_AT_END.search(" ".join(title))) is not None:  # "Sync 10am 3pm tomorrow 90m"
        raise AmbiguousTime(f"Two times: `{clip(clock.group(0).strip())}` and `{clip(' '.join(words[start:]))}` — which "
                            "one is the meeting's? Keep one.", f"/meeting {EXAMPLE_TITLE} {' '.join(words[start:])} "
                            f"{taken.said}")
    return _request(title + words[start:], len(title), when, taken.length, True, now)


#: A clock at the end of a title ("Sync 10am" + "3pm tomorrow"): a second time, not the title's.
_CLOCK_AT_END = re.compile(r"(?:^|\s)(?:\d{1,2}(?:[:.]\d\d)?\s*[ap]\.?m\.?|\d{1,2}[:.h]\d\d|noon|midnight)$", re.IGNORECASE)


def _length_without_time(rest: str, said: str) -> None:
    """With no time to read, a length that was said is named, and what is missing asked for: `Sync for 2h` was
    "I need a title and a time", and `Sync two hours` (in words, without `in`) "I couldn't find a time"."""
    if said and (whole := _take_length(rest)) is not None and not whole.rest:
        said, rest = f"{rest} {said}", ""  # "1h 30m": all of it is the length
    title = clip(rest) or EXAMPLE_TITLE
    if said:
        raise UserError(f"`{clip(said)}` is how long it lasts. When is it? Add a day and a time, like "
                        f"`/meeting {title} tomorrow 3pm {clip(said)}`.", f"/meeting {title} tomorrow 3pm {clip(said)}")
    m = _WORDS_LENGTH_AT_END.search(rest)
    if (m is not None and m.start("d") > 0 and not _title_word(rest[: m.start()])
            and MIN_LENGTH <= _length(m.group("d")) <= MAX_LENGTH):  # "twelve hours" is no meeting: not offered
        d, title = m.group("d"), clip(rest[: m.start()].strip())
        raise UserError(f"`{d}` — in {d}, or a meeting that long? For the time write `in {d}`; for the length give a "
                        f"time too: `/meeting {title} tomorrow 3pm for {d}`.", f"/meeting {title} in {d}")


def _length_before(title: list[str], length: timedelta | None) -> tuple[list[str], timedelta | None]:
    """A length at the end of the title, right before the time ("Sync for 45m tomorrow 3pm", "Sync (45m) tomorrow
    3pm", "Standup 15m every weekday at 9"): taken out of the title as the meeting's length. A bare one ("Swim 50m")
    stays in the title when a length is also given otherwise (`for 1h`, `(1h)`, a range); two that say they are
    lengths (`for`, brackets) and differ are asked about: "which one?"."""
    taken = _take_length(" ".join(title))
    if taken is None:
        return title, length
    if (length is not None and taken.bare and taken.length != length
            and not _DAY_SAID.fullmatch(taken.rest.rsplit(" ", 1)[-1])):
        return title, length  # "Swim 50m for 1h"; but "friday 1h" + "at 3" is a length, not the title's, and so is
        # the same length said twice ("Sync 1h tomorrow 3-4pm" is *Sync*)
    rest = taken.rest
    if (again := _take_length(rest)) is not None and not again.bare:
        if again.length != taken.length:
            raise UserError(f"Two lengths: `{clip(again.said)}` and `{clip(taken.said)}` — which one? Give one.",
                            COMMAND_EXAMPLE)
        rest = again.rest
    if length is not None and length != taken.length:
        raise UserError(f"Two lengths: `{clip(taken.said)}` before the time and {format_duration(length)} after it — "
                        "which one? Give one.", COMMAND_EXAMPLE)
    return rest.split(), taken.length


@dataclass(frozen=True, slots=True)
class _Taken:
    rest: str  # the words before it
    length: timedelta
    said: str  # as written
    bare: bool  # without `for` or brackets: a title's number as well as a length ("Swim 50m")


def _take_length(text: str) -> _Taken | None:
    """A length at the end of `text`; None without one, or with one in brackets or bare that is no meeting's
    length ("Hack 24h" and "Plank (2 min)" are titles)."""
    if (m := _FOR_BEFORE_TIME.search(text)) is not None:
        return _Taken(text[: m.start()].strip(), check_length(_length(m.group("d"))), m.group(0).strip(), False)
    for pattern, bare in ((_BRACKETED_BEFORE_TIME, False), (_BARE_BEFORE_TIME, True)):
        if (m := pattern.search(text)) is not None:
            try:
                said = _length(m.group("d"))
            except UserError:  # "Call (0m)": no length at all, the title's
                return None
            before = text[: m.start()].strip()
            if bare and before and _title_word(before):
                return None  # "Recap of the last two hours tomorrow 3pm", "… the last 45m …": the title's
            if MIN_LENGTH <= said <= MAX_LENGTH:
                return _Taken(before, said, m.group(0).strip(), bare)
            return None
    return None


def _find_when(words: list[str], tz: ZoneInfo, now: datetime) -> tuple[int, Recurrence | ParsedTime]:
    """Where the time starts in `words` and what it is: a series' rule or a one-off time."""
    if len(words) < 2:
        raise NoTime(f"I need a title and a time: {_examples()}", COMMAND_EXAMPLE)
    if (found := _recurring(words)) is not None:
        start, rule = found
        if not rule.time_given:
            raise UserError(f"At what time does it repeat? Add it like `{rule.describe().split(' at ')[0]} at 9:30`.",
                            "/meeting Standup every weekday at 9:30 for 15m")
        _no_schedule_in_title(words[:start], words[start:], series=True)  # "Deploy every" + "other month on …"
        _one_time(words[:start], rule, tz, now)
        _no_length_as_hour(words[:start], words[start:], tz, now)
        return start, rule
    _no_bounds(words)
    parsed = _one_off(words, tz, now)
    if parsed is None:
        raise NoTime(f"I couldn't find a time I can read at the end of that. Try: {_examples()}", COMMAND_EXAMPLE)
    _no_day_before_wait(words[: parsed[0]], words[parsed[0]:], tz, now)
    _no_schedule_in_title(words[: parsed[0]], words[parsed[0]:])
    _one_time(words[: parsed[0]], parsed[1], tz, now)
    _no_length_as_hour(words[: parsed[0]], words[parsed[0]:], tz, now)
    return parsed


#: A wait written as a span alone, without `in` or `from now`: "10 hours", "36h", "8.5h".
_SPAN_ALONE = re.compile(_DIGITS_SPAN, re.IGNORECASE)
_WAIT_SAID = re.compile(r"^in\s+|\s+from\s+now$", re.IGNORECASE)


def _no_day_before_wait(title: list[str], when: list[str], tz: ZoneInfo, now: datetime) -> None:
    """Ask about a day at the end of the title before a wait (`Sync tomorrow 10 hours`, `Sync tomorrow in 45m`,
    `Sync next week 2 hours from now`): it was read as that long from now, silently, with the day left in the title.
    A day the title is about stays its own (`Planning for tomorrow in 2 hours`); dates and months are not looked for
    (`Kickoff May in 1 hour`, `Review of December in 1 hour` are titles)."""
    said, written = " ".join(when), " ".join(title)
    if not title or not (_WAIT_SAID.search(said) or _SPAN_ALONE.fullmatch(said)):
        return
    m = _DAY_AT_END.search(written)
    before = written[: m.start()].strip() if m is not None else ""
    if m is None or (before and _title_word(before)):
        return
    day, name = m.group("day"), before or EXAMPLE_TITLE
    hour, span = example_hour(day, tz, now), _WAIT_SAID.sub("", said).strip()
    raise AmbiguousTime(f"`{clip(day)} {clip(said)}`: {clip(span)} from now, or {clip(day)}? For the wait leave "
                        f"`{clip(day)}` out; for {clip(day)} give its hour, like `/meeting {clip(name)} {day} {hour}`.",
                        f"/meeting {clip(name)} {day} {hour}")


#: The days a title may end with before a wait: "tomorrow", "friday", "on friday", "next tuesday", "tomorrow morning",
#: "next week".
_DAY_AT_END = re.compile(r"(?:^|\s)(?P<day>(?:(?:on|next|this)\s+)?(?:" + ONE_DAY_WORDS
                         + r")(?:\s+(?:morning|afternoon|evening|night))?|next\s+week)[:,\-–—]*$", re.IGNORECASE)


#: "1h" … "8h" as the only number of a time: 01:00–08:00 on a French clock, or a meeting's length.
_SMALL_HOUR = re.compile(r"(?<![\w:.,])(?P<h>0?[1-8])\s*h(?P<m>[0-5]\d)?(?![\w:])", re.IGNORECASE)
_NIGHT_HOURS_END = 4  # "1h30" … "4h45" are asked about: nobody meets at 01:30, many meet for an hour and a half
_AT_BEFORE = re.compile(r"\b(?:at|@)\s*$", re.IGNORECASE)


class SmallHour(AmbiguousTime):
    """"1h" … "8h", "1h30" … "4h59" as a time's only number: the clock at night, or the meeting's length?"""


def _no_length_as_hour(title: list[str], when: list[str], tz: ZoneInfo, now: datetime) -> None:
    """Ask about a time whose only number is a bare "1h"–"8h" (`Sync friday 1h`, `Sync for 1h every friday`): it
    was read as 01:00 on a French clock, silently, where a person writing English most likely meant the length.
    `at 1h`, `1am` and `15h` (no meeting's length) are times; `Sync 1h` alone is asked about in `parse_when`."""
    said = " ".join(when)
    m = _SMALL_HOUR.search(said)
    if m is None or _AT_BEFORE.search(said[: m.start()]) or any(ch.isdigit() for ch in said[: m.start()] + said[m.end():]):
        return
    before, after = said[: m.start()].strip().casefold(), said[m.end():].strip().casefold()
    if (before, after) in (("in", ""), ("", "from now"), ("in", "from now")):
        return  # "in 1h30", "1h30 from now": a wait that says so
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    if minute and hour > _NIGHT_HOURS_END:
        return  # "7h30": a morning on a continental clock (a 7h 30m meeting is rare; "8h30" none at all)
    rest = " ".join((said[: m.start()] + " " + said[m.end():]).split())
    name = " ".join(_without_for(title)) or EXAMPLE_TITLE
    written = f"{hour}h{minute:02d}" if minute else f"{hour}h"
    example = f"/meeting {clip(name)} {rest + ' ' if rest else ''}at {example_hour(rest, tz, now)} for {written}"
    if minute:  # "tomorrow 1h30": 01:30, or an hour and a half?
        meant = f"a meeting of {format_duration(timedelta(hours=hour, minutes=minute))}"
        clock = f"{hour}:{minute:02d}am"
    else:
        meant = f"{'an' if hour == 8 else 'a'} {hour}-hour meeting"
        clock = f"{hour}am"
    raise SmallHour(f"`{clip(said)}`: at {hour:02d}:{minute:02d}, or {meant}? For the time write `at {written}` or "
                        f"`{clock}`; for the length give the time too, like `{example}`.", example)


def _request(words: list[str], start: int, when: Recurrence | ParsedTime, length: timedelta, given: bool,
             now: datetime, *, said: str = "") -> MeetingRequest:
    title, cut = _title(words[:start])
    if isinstance(when, Recurrence):
        return MeetingRequest(title, length, given, recurrence=when, title_cut=cut)
    check_when(when.at, now, said or " ".join(words[start:]))
    return MeetingRequest(title, length, given, starts_at=when.at, title_cut=cut)


def _clock_token(p: str) -> str:
    """A time of day in a range, its groups named with the prefix `p`: "3", "3:30", "3pm", "3 p.m.", "15h",
    "15h30", "14:00", "noon"."""
    return (rf"(?:(?P<{p}noon>noon)|(?P<{p}h>\d{{1,2}})(?:[:.](?P<{p}m>[0-5]\d)|(?P<{p}c>h)(?P<{p}cm>[0-5]\d)?)?"
            rf"(?:\s*(?P<{p}ap>[ap])(?:\.\s*m\b\.?|m\b))?)")


#: "from 3pm to 4pm", "3pm until 4pm", "3pm till 4pm", "3-4pm", "3–4pm", "at 3 to 4", "14:00-15:30", "15h-16h".
_RANGE = re.compile(
    r"(?<![\w:./\-–—])(?:(?P<from>from)\s+)?(?:(?P<at>at|@)\s*)?" + _clock_token("a")
    + r"\s*(?:[-–—]|\b(?:to|until|till|til)\b)\s*" + _clock_token("b") + r"(?![\w:/\-–—])(?!\.\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Clock:
    """A time of day typed in a range: `form` is "ampm", "24h" (two digits with minutes, over 12, or "15h"),
    "noon" or "bare" (read as a meeting's hour, `meeting_hour`)."""
    hour: int
    minute: int
    form: str
    ampm: str = ""

    @property
    def minutes(self) -> int:  # of the day, for "ampm", "24h" and "noon"
        return (self.hour % 12 + (12 if self.ampm == "p" else 0)) * 60 + self.minute if self.form == "ampm" \
            else self.hour * 60 + self.minute


def _clock(m: re.Match[str], p: str) -> _Clock | None:
    if m.group(f"{p}noon"):
        return _Clock(12, 0, "noon")
    hour, minute = int(m.group(f"{p}h")), int(m.group(f"{p}m") or m.group(f"{p}cm") or 0)
    if ampm := (m.group(f"{p}ap") or "").lower():
        return _Clock(hour, minute, "ampm", ampm) if 1 <= hour <= 12 else None
    if hour > 23:
        return None
    if m.group(f"{p}c") or hour > 12 or (m.group(f"{p}m") and len(m.group(f"{p}h")) == 2):
        return _Clock(hour, minute, "24h")
    return _Clock(hour, minute, "bare")


@dataclass(frozen=True, slots=True)
class _Range:
    text: str  # the meeting's text with the range replaced by "at <start>"
    index: int  # the word of `text` where that "at" is
    said: str  # the range as typed
    end: _Clock

    def length(self, start: time | datetime) -> timedelta:
        """From the start as read (a day-part word and a bare hour decided by the one-off's code) to the end: an
        end with am/pm or on the 24-hour clock as written, a bare one the first such hour after the start ("3-4"
        is 15:00-16:00, "11-1" 11:00-13:00). An end before the start is the next day's when the meeting is then
        at most MAX_LENGTH ("11pm-1am", "23:30-00:15"), as a calendar reads it. A one-off's start is its local
        datetime: its length is the time that really passes, also across a change of the clocks ("1am-4am" the
        night summer time starts is 2h); a series' start is a time of day, its length the clock's."""
        begin = start.hour * 60 + start.minute
        if self.end.form == "bare":
            candidates = (self.end.hour % 12 * 60 + self.end.minute, (self.end.hour % 12 + 12) * 60 + self.end.minute)
            end = next((t for t in candidates if t > begin), min(candidates))
        else:
            end = self.end.minutes
        if end < begin and self._elapsed(start, begin, end + DAY_MINUTES) <= MAX_LENGTH:
            end += DAY_MINUTES  # across midnight
        if end <= begin:
            raise UserError(f"`{clip(self.said)}` ends before it starts (a range across midnight can be at most "
                            f"{format_duration(MAX_LENGTH)}). Give the start and the length, like `10pm for 1h`.",
                            COMMAND_EXAMPLE)
        return self._elapsed(start, begin, end)

    @staticmethod
    def _elapsed(start: time | datetime, begin: int, end: int) -> timedelta:
        """From `begin` to `end` (minutes of the start's day; past 1440 the next day's): on the clock for a
        series, the time that really passes for a one-off (its start is a local datetime)."""
        if not isinstance(start, datetime) or start.tzinfo is None:
            return timedelta(minutes=end - begin)
        day, minute = divmod(end, DAY_MINUTES)
        local_end = datetime.combine(start.date() + timedelta(days=day), time(minute // 60, minute % 60),
                                     tzinfo=start.tzinfo)
        return local_end.astimezone(UTC) - start.astimezone(UTC)


def _range(text: str) -> _Range | None:
    """The last range of times in `text` ("Sync tomorrow 3-4pm"), with the text that reads its start ("Sync
    tomorrow at 3pm"). am/pm written only at the end is carried to the start ("3-4pm" is 15:00-16:00; "11-1pm"
    11:00-13:00, as 11pm would come after 1pm), and so is a 24-hour end ("14-15h"). None without one."""
    found = None
    for m in _RANGE.finditer(text):
        if not _ONE_ON_ONE.fullmatch(m.group(0).strip()):
            a, b = _clock(m, "a"), _clock(m, "b")
            if a is not None and b is not None:
                found = (m, a, b)
    if found is None:
        return None
    m, a, b = found
    if a.form == "bare" and b.form == "ampm":
        a = _Clock(a.hour, a.minute, "ampm", b.ampm)
        if a.minutes >= b.minutes:  # "11-1pm": not 23:00
            a = _Clock(a.hour, a.minute, "ampm", "a" if b.ampm == "p" else "p")
    elif a.form == "bare" and b.form == "24h":
        a = _Clock(a.hour, a.minute, "24h")
    minutes = f":{a.minute:02d}" if a.minute else ""
    start = {"noon": "noon", "ampm": f"{a.hour}{minutes}{a.ampm}m", "24h": f"{a.hour:02d}:{a.minute:02d}",
             "bare": f"{a.hour}{minutes}"}[a.form]
    before = text[: m.start()]
    return _Range(f"{before}at {start}{text[m.end():]}", len(before.split()), m.group(0).strip(), b)


#: Words that give a series a start or an end ("every friday at 4 until june"): a series runs until it is
#: cancelled, and "june" read as a one-off's day would only ask "At what time on `june`?".
_BOUNDS = frozenset({"until", "till", "til", "starting", "from", "through", "thru", "except", "excluding", "ending"})


def _no_bounds(words: list[str]) -> None:
    """Refuse a series followed by a start or an end (`Standup every friday at 4 until june`), saying that a
    series runs until it is cancelled. Only when the words before the bound read as a series with its time:
    `Talk about every bug from last sprint tomorrow at 3` and `Update from Ana every friday at 4` are read as
    before."""
    for cut, word in enumerate(words):
        if cut < 2 or word.casefold() not in _BOUNDS:
            continue
        head = words[:cut]
        found = _recurring(head)
        if found is None or not found[1].time_given:
            continue
        bound = " ".join(words[cut:])
        raise UserError(f"A series repeats until it's cancelled: I can't take `{clip(bound, 80)}` yet. Create it "
                        "without that part, and stop it when it's done: `/meeting cancel <n>` offers to stop the "
                        "whole series.",
                        f"/meeting {' '.join(head)}")


#: The words of a schedule. A run of them at the end of a one-off's title ("Deploy every fortnight" before "at 4")
#: is a schedule that could not be read, and a one-off meeting called "Deploy every fortnight" would hide that.
_SCHEDULE_WORDS = frozenset({
    "every", "each", "other", "second", "third", "fourth", "first", "last", "one", "two", "three", "four", "five",
    "six", "once", "twice", "times", "a", "per", "and", "to", "through", "thru", "on", "the", "of", "week", "weeks", "weekly", "biweekly",
    "bi", "fortnight", "fortnights", "fortnightly", "month", "months", "monthly", "bimonthly", "day", "days", "daily",
    "weekday", "weekdays", "weekend", "weekends", "workday", "workdays", "business", "quarter", "quarters",
    "quarterly", "year", "years", "yearly", "annual", "annually", "hour", "hours", "hourly", "morning", "mornings",
    "afternoon", "afternoons", "evening", "evenings", "night", "nights", "sprint", "sprints", *DAY_WORDS,
})
#: Words that always make such a run a schedule.
_SCHEDULE_SAYS = frozenset({"every", "each", "once", "twice", "times", "weekdays", "weekends", "workdays", *DAY_WORDS})
#: Words that make it one only when they are not the whole title ("Daily at 9") and the time names no day
#: ("Product weekly tomorrow at 3" is the weekly, tomorrow).
_SCHEDULE_ADJECTIVES = frozenset({"daily", "weekly", "biweekly", "fortnightly", "monthly", "bimonthly", "quarterly",
                                  "yearly", "annually", "hourly"})
_ONE_DAY = re.compile(r"\b(?:today|tonight|tomorrow|next|this|in\s+\d+|in\s+an?)\b", re.IGNORECASE)


def _parts(word: str) -> list[str]:
    """A title word's pieces as a schedule would read them: `mon-fri`, `mon/thu`, `mon&thu` are two."""
    return [p for p in re.split(r"[-–—/&]", word.casefold().rstrip(",;")) if p]


def _schedule_run(title: list[str]) -> int:
    """How many words at the end of `title` are schedule words (a word ending in `:` ends the title as typed:
    `Product weekly: tomorrow at 3`)."""
    count = 0
    for word in reversed(title):
        parts = _parts(word)
        if not all(p in _SCHEDULE_WORDS or re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", p) for p in parts):
            break
        count += 1
    return count


def _no_schedule_in_title(title: list[str], when: list[str], *, series: bool = False) -> None:
    """Refuse a one-off meeting whose title ends with a schedule (`Deploy every fortnight` at `at 4`, `Deploy
    every month` `on the 1st`), saying why that schedule can't be read and what can; `Weekly sync`, `Review of
    every PR` and `Product weekly tomorrow at 3` stay titles. For a series (`when` read as one) only the words
    that always say so count: `Deploy every` + `other month on the first monday` is refused, `Team weekly` +
    `every friday at 3` is a title and a series."""
    run = _schedule_run(title)
    parts = {p for word in title[len(title) - run:] for p in _parts(word)}
    strong = bool(parts & _SCHEDULE_SAYS)
    adjective = (not series and bool(parts & _SCHEDULE_ADJECTIVES) and run < len(title)
                 and not _ONE_DAY.search(" ".join(when)))
    if not (strong or adjective):
        return
    phrase = " ".join(title[len(title) - run:] + when)
    rest = " ".join(title[: len(title) - run]) or "Standup"
    try:
        parse_recurrence(phrase, meeting=True)
    except UserError as exc:
        reason, example = exc.message, exc.example
    else:  # it reads as a schedule, but not at the end ("Deploy mon and thu at 10"): one meeting or a series?
        reason, example = "Is it one meeting or a series? For a series start it with `every`.", f"every {phrase}"
    if example and not example.startswith("/"):
        example = f"/meeting {rest} {example}"
    raise UserError(f"I couldn't read `{clip(phrase, 80)}` as a schedule. {reason} A series reads like `every friday "
                    "at 4`, `every other tuesday at 10`, `every weekday at 9:30` or `first monday of the month at 11`.",
                    example or "/meeting Standup every weekday at 9:30 for 15m")


#: Another command's name and a word it takes, typed after `/meeting` (`/meeting agenda add demo 10m`,
#: `/meeting timebox 5m`): read as a title and a time, they registered a meeting and announced it to the channel.
_OTHER_COMMANDS = {
    "agenda": {"add", "show", "list", "remove", "clear", "move", "up", "help"},
    "timebox": {"stop", "end", "extend", "status", "help"},
    "pulse": {"now", "results", "me", "schedule", "close", "snooze", "questions", "help"},
    "tradeoff": {"commit", "park", "done", "drop", "unpark", "stats", "reset", "help"},
    "steadybot": {"settings", "report", "help", "about"},
}
_A_LENGTH = re.compile(r"^\d+\s*(?:m|min|mins|minutes?|h|hours?)?$", re.IGNORECASE)


def _not_another_command(text: str) -> None:
    """Refuse another command typed after `/meeting`, pointing to it, before it becomes a meeting."""
    words = text.split()
    if len(words) < 2 or (name := words[0].lstrip("/").lower()) not in _OTHER_COMMANDS:
        return
    second = words[1].lower()
    if second in _OTHER_COMMANDS[name] or (name == "timebox" and _A_LENGTH.match(second)):
        other = f"/{name} {' '.join(words[1:])}"
        raise UserError(f"That reads like `{clip(other)}` — type it as its own command. `/meeting` registers a "
                        "meeting: a title and a time.", COMMAND_EXAMPLE)


def check_when(at: datetime, now: datetime, said: str) -> None:
    if at < now - PAST_GRACE:
        raise UserError(f"`{clip(said)}` is in the past. Pick a time that is still ahead.",
                        "/meeting Sprint review tomorrow 3pm")
    if at > now + MAX_AHEAD:
        raise UserError(f"`{clip(said)}` is more than a year away — I register meetings up to a year ahead. "
                        "Did the date come out wrong?", COMMAND_EXAMPLE)


@dataclass(frozen=True, slots=True)
class ItemText:
    text: str
    minutes: int | None
    cut: bool


def too_long(minutes: int, meeting_minutes: int) -> UserError:
    """The refusal of an agenda item longer than its meeting (or than MAX_ITEM_MINUTES)."""
    return UserError(f"{minutes} minutes is longer than the meeting ({meeting_minutes}m).",
                     "/agenda add Demo of the new login 10m")


def parse_item(text: str, meeting_minutes: int) -> ItemText:
    """`Demo of the new login 10m` → ("Demo of the new login", 10). Cut at ITEM_LIMIT characters."""
    raw = one_line(text, 2000)
    minutes: int | None = None
    if m := _ITEM_MINUTES.match(raw):
        if not _WORDY.search(m.group("text")):
            raise UserError("What's the agenda item? Write it before its minutes.", "/agenda add Demo of the new login 10m")
        raw = m.group("text").strip()
        number = int(m.group("num"))
        minutes = number * 60 if m.group("unit").lower().startswith("h") else number
        if minutes < 1:
            raise UserError("An agenda item needs at least a minute (or leave the minutes out).",
                            "/agenda add Demo of the new login 10m")
        if minutes > min(MAX_ITEM_MINUTES, meeting_minutes):
            raise too_long(minutes, meeting_minutes)
    raw = raw.strip(" -–—:,;")
    if not _WORDY.search(raw):
        raise UserError("What's the agenda item? Write it after `add`.", "/agenda add Demo of the new login 10m")
    if len(raw) > ITEM_LIMIT:
        return ItemText(raw[: ITEM_LIMIT - 1] + "…", minutes, True)
    return ItemText(raw, minutes, False)


def limited(text: str, limit: int) -> tuple[str, bool]:
    """Clean to one line and cut at `limit` characters; says whether it was cut."""
    raw = one_line(text, limit * 4)
    if len(raw) > limit:
        return raw[: limit - 1] + "…", True
    return raw, False
