"""iCalendar feeds → the meeting occurrences of the next days (platform-neutral: icalendar and
recurring-ical-events only, no I/O).

Rules (docs/meetings.md, "Calendar feeds"):
- time zones: VTIMEZONE/TZID (Microsoft's Windows zone names too), Google's X-WR-TIMEZONE, UTC times,
  floating times in the feed's zone (else the zone of the person who added the feed); a Graph event created
  in UTC or in a zone Graph cannot name is shown in that zone too;
- RRULE, RDATE, EXDATE and RECURRENCE-ID overrides are expanded by recurring-ical-events; an occurrence is
  keyed by (UID, RECURRENCE-ID): the RECURRENCE-ID (its original start, UTC) for an occurrence of a series,
  "" for a single event; the later occurrences a `RANGE=THISANDFUTURE` override reaches keep their own
  original start (the override's RECURRENCE-ID moved on as far as they lie after it);
- STATUS:CANCELLED occurrences, all-day events and events longer than MAX_MINUTES are not meetings;
- an event without an end (no DTEND, no DURATION) gets DEFAULT_MINUTES;
- duplicate UIDs: of the components with the same (UID, RECURRENCE-ID) the one with the highest SEQUENCE,
  then the latest LAST-MODIFIED/DTSTAMP wins;
- bounded work: a feed carries its calendar's whole history (Google's), so the events that cannot fall in
  the window (one-off events, overrides and ended series dated well outside it) are set aside on the text
  before it is parsed; a feed with more than MAX_COMPONENTS entries left is refused; a repeat rule that
  fires more often than MAX_PER_DAY a day (FREQ=SECONDLY/MINUTELY, long BYHOUR×BYMINUTE×BYSECOND lists) or
  whose expansion from its DTSTART would take more than MAX_STEPS steps is not a meeting and is skipped;
  the MAX_OCCURRENCES kept are the soonest;
- the description's bullet and numbered lines are its agenda, with "(10m)"-style minutes read; without them,
  its written prose lines are (calendar_prose drops the Teams/Zoom/Meet/Webex invitation text).

icalendar and recurring-ical-events are imported when a feed is first read, not with the module: the feature
registers at every start, and they are heavy to import (docs/benchmarks.md, "Cold start").
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from handlers.core.text import one_line
from handlers.core.timeparse import localize, zone
from handlers.meetings.calendar_ports import FeedError
from handlers.meetings.calendar_prose import prose_lines

if TYPE_CHECKING:
    import icalendar

HORIZON = timedelta(days=14)
DEFAULT_MINUTES = 30
MAX_MINUTES = 8 * 60  # longer is an offsite or a workshop day, not a meeting steadybot times
MAX_ITEMS = 25
MAX_OCCURRENCES = 500  # a feed can't flood a channel with meetings
MAX_COMPONENTS = 4_000  # entries (BEGIN: lines) left to parse once the history is set aside
MAX_PER_DAY = 48  # a repeat rule firing more often than this is no meeting
MAX_STEPS = 200_000  # occurrences a rule may produce from its DTSTART to the window's end
MARGIN = timedelta(days=2)  # floating and zoned times are at most ±14 h off UTC: well inside
TITLE_LIMIT = 200
ITEM_LIMIT = 200
CACHED, CACHED_CHARS = 256, 20_000  # agenda_items remembers this many descriptions up to this long
NOT_ICS = ("isn't an iCalendar feed (it should start with BEGIN:VCALENDAR — for Google, use the "
           "\"Secret address in iCal format\")")

_BULLET = re.compile(r"^\s*(?:[-*•◦▪‣–—·]|\(?\d{1,2}[.)]|\d{1,2}\s*[-–:])\s+(?P<text>.+?)\s*$")
_MINUTES = re.compile(r"[\s,;:–—-]*[(\[]?\s*(?P<num>\d{1,3})\s*(?P<unit>m|min|mins|minutes?|h|hrs?|hours?)\.?\s*[)\]]?\s*$",
                      re.IGNORECASE)
_WORDY = re.compile(r"\w")
_URL_ONLY = re.compile(r"^\s*<?https?://\S+>?\s*$", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")
_UNFOLD = re.compile(r"\r?\n[ \t]")
_VEVENT = re.compile(r"^BEGIN:VEVENT[ \t]*\r?$.*?^END:VEVENT[ \t]*\r?$", re.IGNORECASE | re.MULTILINE | re.DOTALL)
_BEGIN = re.compile(r"^BEGIN:", re.IGNORECASE | re.MULTILINE)
_ALARM = re.compile(r"^BEGIN:VALARM[ \t]*\r?$.*?(?:^END:VALARM[ \t]*\r?$|\Z)", re.IGNORECASE | re.MULTILINE | re.DOTALL)
_RRULE = re.compile(r"^RRULE[;:]([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
_RDATE = re.compile(r"^RDATE[;:]", re.IGNORECASE | re.MULTILINE)
_UNTIL = re.compile(r"UNTIL=(\d{8})", re.IGNORECASE)
_UID_LINE = re.compile(r"^UID(?:;[^\r\n]*)?:([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
_RID_LINE = re.compile(r"^RECURRENCE-ID(?:;[^\r\n]*)?:(\d{8})", re.IGNORECASE | re.MULTILINE)
_START_LINE = re.compile(r"^DTSTART(?:;[^\r\n]*)?:(\d{8})", re.IGNORECASE | re.MULTILINE)
_TEAMS_JOIN = re.compile(r"https://teams\.microsoft\.com/l/meetup-join/([^/\s>\"'?]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    minutes: int | None


@dataclass(frozen=True, slots=True)
class Occurrence:
    uid: str
    recurrence_id: str  # "" for a single event
    title: str
    starts_at: datetime  # UTC
    minutes: int
    tz: str  # IANA name for showing times
    items: tuple[Item, ...]
    join_thread: str = ""  # a Teams meeting's chat thread (19:meeting_…@thread.v2), from its join link

    @property
    def key(self) -> tuple[str, str]:
        return self.uid, self.recurrence_id

    @property
    def fingerprint(self) -> str:
        """Changes when anything steadybot shows or times changes (start, length, title, agenda)."""
        text = "\x1f".join([self.starts_at.isoformat(), str(self.minutes), self.title, self.tz, self.join_thread,
                            *(f"{i.text}\x1e{i.minutes}" for i in self.items)])
        return hashlib.sha256(text.encode()).hexdigest()[:32]


# ---- the description as an agenda ------------------------------------------------------------------
def _plain(description: str) -> str:
    """Google and Outlook put HTML in descriptions (<br>, <ul><li>, <p>): lines and bullets again."""
    if "<" not in description:
        return description
    text = re.sub(r"(?i)<\s*li[^>]*>", "\n- ", description)
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/ul|/ol|p|div)\b[^>]*>", "\n", text)
    return html.unescape(_TAG.sub("", text))


def agenda_items(description: str) -> tuple[Item, ...]:
    """Bullet (`- `, `* `, `• `) and numbered (`1. `, `2) `) lines, each with optional minutes at the end
    (`(10m)`, `10 min`, `[1h]`). A description without such items but with written prose has its prose lines
    as the items (calendar_prose: invitation boilerplate and greetings are not prose; links, e-mail addresses and
    phone numbers are cut out of the lines kept).
    Remembered for the last CACHED descriptions of up to CACHED_CHARS: a series' occurrences share theirs."""
    return _agenda_items(description) if len(description) <= CACHED_CHARS else _agenda_items.__wrapped__(description)


@lru_cache(maxsize=CACHED)
def _agenda_items(description: str) -> tuple[Item, ...]:
    plain = _plain(description)
    items: list[Item] = []
    for line in plain.splitlines():
        m = _BULLET.match(line)
        if m is None:
            continue
        if (item := _item(m.group("text"))) is not None:
            items.append(item)
        if len(items) >= MAX_ITEMS:
            break
    if not items:
        items = [i for i in map(_item, prose_lines(plain)[:MAX_ITEMS]) if i is not None]
    return tuple(items)


def _item(text: str) -> Item | None:
    minutes: int | None = None
    if t := _MINUTES.search(text):
        number = int(t.group("num"))
        value = number * 60 if t.group("unit").lower().startswith("h") else number
        if 0 < value <= MAX_MINUTES and _WORDY.search(text[: t.start()]):
            minutes, text = value, text[: t.start()]
    text = one_line(text, 2000).strip(" -–—:,;")
    if not _WORDY.search(text) or _URL_ONLY.match(text):
        return None
    if len(text) > ITEM_LIMIT:
        text = text[: ITEM_LIMIT - 1] + "…"
    return Item(text, minutes)


def teams_thread(*texts: str) -> str:
    """The meeting chat's thread id in a Teams join link (`…/l/meetup-join/19%3ameeting_…%40thread.v2/0`):
    the same id as the conversation of the meeting's chat, so a live meeting finds its calendar event."""
    for text in texts:
        if m := _TEAMS_JOIN.search(text or ""):
            return unquote(m.group(1))[:300]
    return ""


# ---- reading the calendar --------------------------------------------------------------------------
def _windows_zones() -> dict[str, str]:
    """Windows time zone names (Outlook, Graph) → IANA names, from icalendar (imported on first use)."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    return WINDOWS_TO_OLSON


def read_calendar(body: bytes, now: datetime | None = None, horizon: timedelta = HORIZON) -> icalendar.Calendar:
    """The feed parsed; with `now`, without the events that cannot fall in [now, now + horizon) (_set_aside)."""
    import icalendar

    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper()
    if not head.startswith(b"BEGIN:VCALENDAR"):
        raise FeedError(NOT_ICS)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    if now is not None:
        text = _set_aside(text, now, horizon)
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # noqa: BLE001 - any parse failure is "not a calendar we can read"
        raise FeedError("looks like iCalendar but couldn't be read (it is malformed)") from exc
    if not isinstance(cal, icalendar.Calendar):
        raise FeedError(NOT_ICS)
    return cal


def _set_aside(text: str, now: datetime, horizon: timedelta) -> str:
    """The feed without the VEVENTs that cannot give an occurrence in [now, now + horizon), found on the
    (unfolded) text so they cost no parsing: a one-off event or an override (RECURRENCE-ID) whose start and
    original start are both days outside the window, a series whose every RRULE ended (UNTIL) before it.
    Only when its (UID, RECURRENCE-ID) is unique: of duplicates the newest must still win. FeedError when more
    than MAX_COMPONENTS entries are left."""
    text = _UNFOLD.sub("", text)
    low = (now - MARGIN).strftime("%Y%m%d")
    high = (now + horizon + MARGIN).strftime("%Y%m%d")
    blocks = list(_VEVENT.finditer(text))
    keys: list[tuple[str, str] | None] = []
    heads: list[str] = []
    for block in blocks:
        # the event's own lines: its VALARMs cut out (an alarm may have a UID of its own, and the event's
        # RRULE may come after an alarm)
        head = _ALARM.sub("", block.group())
        uid, rid = _UID_LINE.search(head), _RID_LINE.search(head)
        heads.append(head)
        keys.append((uid.group(1).strip(), rid.group(1) if rid else "") if uid and uid.group(1).strip() else None)
    seen: dict[tuple[str, str] | None, int] = {}
    for k in keys:
        seen[k] = seen.get(k, 0) + 1

    def outside(day: str) -> bool:
        return not low <= day <= high

    def drop(head: str, k: tuple[str, str] | None) -> bool:
        if k is None or seen[k] != 1:
            return False
        rules, rdate = _RRULE.findall(head), _RDATE.search(head)
        if rules or rdate:  # a series: set aside only when every rule ended before the window
            return rdate is None and all((u := _UNTIL.search(rule)) is not None and u.group(1) < low for rule in rules)
        start = _START_LINE.search(head)
        return start is not None and outside(start.group(1)) and (not k[1] or outside(k[1]))

    parts: list[str] = []
    at = 0
    for block, head, k in zip(blocks, heads, keys, strict=True):
        parts.append(text[at:block.start()])
        if not drop(head, k):
            parts.append(block.group())
        at = block.end()
    parts.append(text[at:])
    kept = "".join(parts)
    if len(_BEGIN.findall(kept)) > MAX_COMPONENTS:
        raise FeedError(f"has too many events in the next {horizon.days} days and repeating ones (more than "
                        f"{MAX_COMPONENTS:,}) for me to read")
    return kept


def _too_dense(component: Any, end: datetime) -> bool:
    """A repeat rule that is no meeting's: more than MAX_PER_DAY a day (SECONDLY, MINUTELY, long BYHOUR ×
    BYMINUTE × BYSECOND lists), or more than MAX_STEPS occurrences from its DTSTART to `end` (the expansion
    walks from DTSTART)."""
    rules = component.get("RRULE")
    start = getattr(component.get("DTSTART"), "dt", None)
    first = start.date() if isinstance(start, datetime) else start if isinstance(start, date) else end.date()
    days = max((end.date() - first).days, 1)
    for rule in rules if isinstance(rules, list) else [rules]:
        if not isinstance(rule, dict):
            continue
        freq = str((rule.get("FREQ") or [""])[0]).upper()
        if freq in ("SECONDLY", "MINUTELY"):
            return True
        try:
            interval = max(int((rule.get("INTERVAL") or [1])[0]), 1)
        except (TypeError, ValueError):
            interval = 1
        per_day = 24 / interval if freq == "HOURLY" else 1.0
        for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            per_day *= max(len(rule.get(part) or []), 1)
        if per_day > MAX_PER_DAY or per_day * days > MAX_STEPS:
            return True
    return False


def _stamp(component: Any) -> tuple[int, datetime]:
    def moment(name: str) -> datetime:
        value = component.get(name)
        dt = getattr(value, "dt", None)
        if isinstance(dt, datetime):
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        return datetime.min.replace(tzinfo=UTC)

    try:
        sequence = int(component.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    return sequence, max(moment("LAST-MODIFIED"), moment("DTSTAMP"))


def _raw_key(component: Any) -> tuple[str, str]:
    rid = component.get("RECURRENCE-ID")
    return str(component.get("UID", "")), (rid.to_ical().decode() if rid is not None else "")


def _dedupe(cal: icalendar.Calendar, end: datetime) -> set[str]:
    """Drop duplicate components (same UID and RECURRENCE-ID) but the newest, and series whose rule is too
    dense to expand (_too_dense); give UID-less events a stable one. Returns the UIDs that are series (they
    have RRULE/RDATE or overrides)."""
    best: dict[tuple[str, str], Any] = {}
    for component in list(cal.walk("VEVENT")):
        if component.get("RRULE") is not None and _too_dense(component, end):
            continue
        if not component.get("UID"):
            seed = f"{component.get('DTSTART').to_ical() if component.get('DTSTART') else b''!r}|{component.get('SUMMARY', '')}"
            component["UID"] = "steadybot-" + hashlib.sha256(seed.encode()).hexdigest()[:24]
        key = _raw_key(component)
        kept = best.get(key)
        if kept is None or _stamp(component) > _stamp(kept):
            best[key] = component
    keep = {id(c) for c in best.values()}

    def prune(parent: Any) -> None:
        parent.subcomponents[:] = [c for c in parent.subcomponents if c.name != "VEVENT" or id(c) in keep]
        for child in parent.subcomponents:
            prune(child)

    prune(cal)
    return {uid for (uid, rid), c in best.items() if rid or c.get("RRULE") is not None or c.get("RDATE") is not None}


def _zone_name(tzinfo: Any, fallback: str) -> str:
    key = getattr(tzinfo, "key", None)
    if isinstance(key, str) and key:
        return key
    name = str(getattr(tzinfo, "_tzid", "") or getattr(tzinfo, "zone", "") or "")
    windows = _windows_zones()
    if name in windows:
        return str(windows[name])
    if name and zone(name, "").key == name:
        return name
    return fallback


_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "Etc/GMT", "GMT"})


def _shown_zone(tzinfo: Any, feed_tz: ZoneInfo) -> str:
    """The zone a meeting is shown in: its own, but the feed's for a floating or a UTC time (icalendar gives
    `Z` times a ZoneInfo("UTC"), not datetime.UTC)."""
    if tzinfo is None or tzinfo is UTC:
        return feed_tz.key
    name = _zone_name(tzinfo, feed_tz.key)
    return feed_tz.key if name in _UTC_NAMES else name


def _x_wr_timezone(cal: icalendar.Calendar) -> str:
    """The calendar's X-WR-TIMEZONE as an IANA name (a Windows name mapped), or "" — and the property set to
    that name or removed, so that recurring-ical-events (which looks it up) does not refuse the whole feed
    over an empty or unknown one."""
    wr = str(cal.get("X-WR-TIMEZONE", "") or "").strip()
    name = str(_windows_zones().get(wr, wr)) if wr else ""
    if name and zone(name, "").key != name:
        name = ""
    if "X-WR-TIMEZONE" in cal:
        del cal["X-WR-TIMEZONE"]
        if name:
            cal.add("X-WR-TIMEZONE", name)
    return name


def _utc(moment: datetime, feed_tz: ZoneInfo) -> datetime:
    return (moment if moment.tzinfo else localize(moment, feed_tz)).astimezone(UTC)


def occurrences(body: bytes, now: datetime, default_tz: str, horizon: timedelta = HORIZON) -> list[Occurrence]:
    """The meetings the feed holds that start in [now, now + horizon), soonest first."""
    import recurring_ical_events

    end = now + horizon
    cal = read_calendar(body, now, horizon)
    series = _dedupe(cal, end)
    wr = _x_wr_timezone(cal)
    feed_tz = zone(wr or default_tz, default_tz)
    try:
        found = recurring_ical_events.of(cal, skip_bad_series=True).between(now - timedelta(days=1), end)
    except Exception as exc:  # noqa: BLE001 - a broken rule in a feed is a feed problem, reported as one
        raise FeedError("has an event whose repeat rule couldn't be read") from exc
    futures = _thisandfuture_starts(cal)
    out: dict[tuple[str, str], Occurrence] = {}
    for event in found:
        occurrence = _occurrence(event, series, futures, feed_tz, now, end)
        if occurrence is not None:
            out.setdefault(occurrence.key, occurrence)
    # the soonest MAX_OCCURRENCES: the expansion gives them series by series, not in time
    return sorted(out.values(), key=lambda o: (o.starts_at, o.uid, o.recurrence_id))[:MAX_OCCURRENCES]


def _occurrence(event: Any, series: set[str], futures: dict[tuple[str, str], datetime], feed_tz: ZoneInfo,
                now: datetime, end: datetime) -> Occurrence | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start_value = event.get("DTSTART")
    start = getattr(start_value, "dt", None)
    if not isinstance(start, datetime):  # all-day (a DATE) or missing
        return None
    starts_at = _utc(start, feed_tz)
    if not now <= starts_at < end:
        return None
    minutes = _minutes(event, starts_at, feed_tz)
    if minutes is None:
        return None
    uid = str(event.get("UID", ""))[:400]
    rid = _recurrence_id(event, start, futures, feed_tz) if uid in series else ""
    title = one_line(str(event.get("SUMMARY", "") or ""), 4000) or "(untitled event)"
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1] + "…"
    tz = _shown_zone(start.tzinfo, feed_tz)
    description = str(event.get("DESCRIPTION", "") or "")
    if not description and event.get("X-ALT-DESC") is not None:
        description = str(event.get("X-ALT-DESC"))
    join = teams_thread(*(str(event.get(name, "") or "") for name in
                          ("X-MICROSOFT-SKYPETEAMSMEETINGURL", "LOCATION", "URL", "DESCRIPTION", "X-ALT-DESC")))
    return Occurrence(uid, rid, title, starts_at, minutes, tz, agenda_items(description), join)


def _minutes(event: Any, starts_at: datetime, feed_tz: ZoneInfo) -> int | None:
    """A timed event's length in minutes; None for one that is not a meeting (a multi-day block, too long)."""
    finish: datetime | None = None
    if event.get("DTEND") is not None and isinstance(event["DTEND"].dt, datetime):
        finish = _utc(event["DTEND"].dt, feed_tz)
    elif event.get("DURATION") is not None and isinstance(event["DURATION"].dt, timedelta):
        finish = starts_at + event["DURATION"].dt
    elif event.get("DTEND") is not None:  # a DATE end on a timed start: a multi-day block
        return None
    minutes = round((finish - starts_at).total_seconds() / 60) if finish is not None else 0
    if minutes <= 0:
        minutes = DEFAULT_MINUTES  # no end: RFC 5545 makes it a moment; as a meeting, the usual half hour
    return None if minutes > MAX_MINUTES else minutes


def _thisandfuture_starts(cal: icalendar.Calendar) -> dict[tuple[str, str], datetime]:
    """The start of each override that changes its occurrence and all later ones
    (`RECURRENCE-ID;RANGE=THISANDFUTURE`), by its (UID, RECURRENCE-ID)."""
    starts: dict[tuple[str, str], datetime] = {}
    for component in cal.walk("VEVENT"):
        rid, start = component.get("RECURRENCE-ID"), getattr(component.get("DTSTART"), "dt", None)
        if rid is not None and _this_and_future(rid) and isinstance(start, datetime):
            starts[_raw_key(component)] = start
    return starts


def _this_and_future(value: Any) -> bool:
    params = getattr(value, "params", None) or {}
    return str(params.get("RANGE", "")).upper() == "THISANDFUTURE"


def _recurrence_id(event: Any, start: datetime, futures: dict[tuple[str, str], datetime], feed_tz: ZoneInfo) -> str:
    """An occurrence of a series: its original start (RECURRENCE-ID, else its start) as a key.
    recurring-ical-events gives every occurrence a THISANDFUTURE override reaches that override's RECURRENCE-ID;
    each one's own original start is that RECURRENCE-ID moved on by as much (in wall-clock time, so across a
    DST change too) as the occurrence lies after the override's start — the key it had before the override."""
    value = event.get("RECURRENCE-ID")
    original = getattr(value, "dt", None) if value is not None else start
    override_start = futures.get(_raw_key(event)) if value is not None and _this_and_future(value) else None
    if isinstance(original, datetime) and override_start is not None:
        original = _shifted(original, start, override_start, feed_tz)
    if isinstance(original, datetime):
        return _utc(original, feed_tz).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(original, date):
        return original.strftime("%Y%m%d")
    return ""


def _shifted(original: datetime, start: datetime, override_start: datetime, feed_tz: ZoneInfo) -> datetime:
    """`original` moved on by the wall-clock time from `override_start` to `start`, in the occurrence's zone."""
    here = start.tzinfo or feed_tz

    def wall(moment: datetime) -> datetime:
        return _utc(moment, feed_tz).astimezone(here).replace(tzinfo=None)

    moved = wall(original) + (wall(start) - wall(override_start))
    return localize(moved, here) if isinstance(here, ZoneInfo) else moved.replace(tzinfo=here)


# ---- Microsoft Graph events (a Microsoft 365 group calendar) ---------------------------------------
def _graph_time(value: Any) -> datetime | None:
    """`{"dateTime": "2026-03-02T10:00:00.0000000", "timeZone": "UTC"}` (asked for in UTC) → aware UTC."""
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        return None
    text = value["dateTime"][:26].rstrip("Z")
    try:
        moment = datetime.fromisoformat(text[:19])
    except ValueError:
        return None
    zone_name = str(value.get("timeZone") or "UTC")
    tz = zone(_windows_zones().get(zone_name, zone_name), "UTC")
    return localize(moment, tz).astimezone(UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _graph_zone(name: str, default_tz: str) -> str:
    """The zone a Graph event is shown in: the one it was created in (`originalStartTimeZone`, a Windows or
    IANA name), but — as for a UTC time in an iCalendar feed — `default_tz` (the feed's zone, that of the
    person who added it) when that is UTC, a `tzone://Microsoft/…` marker (Utc, Custom) or a name no zone
    database knows ("Customized Time Zone", from desktop Outlook)."""
    mapped = str(_windows_zones().get(name, name))
    if not name or name.lower().startswith("tzone://") or name in _UTC_NAMES or mapped in _UTC_NAMES:
        return zone(default_tz).key
    return zone(mapped, default_tz).key


def graph_occurrences(events: list[dict[str, Any]], now: datetime, default_tz: str,
                      horizon: timedelta = HORIZON) -> list[Occurrence]:
    """Graph calendarView events → occurrences, by the same rules as iCalendar feeds. Keyed by the series
    (seriesMasterId) and the occurrence's original start, or the event id and "" for a single event.
    `default_tz` is the feed's zone (that of the person who added it): see _graph_zone."""
    end = now + horizon
    out: dict[tuple[str, str], Occurrence] = {}
    for event in events:
        if not isinstance(event, dict) or event.get("isAllDay") or event.get("isCancelled"):
            continue
        starts_at, finish = _graph_time(event.get("start")), _graph_time(event.get("end"))
        if starts_at is None or not now <= starts_at < end:
            continue
        minutes = round((finish - starts_at).total_seconds() / 60) if finish is not None else 0
        minutes = minutes if minutes > 0 else DEFAULT_MINUTES
        if minutes > MAX_MINUTES:
            continue
        series = str(event.get("seriesMasterId") or "")
        uid = (series or str(event.get("iCalUId") or event.get("id") or ""))[:400]
        if not uid:
            continue
        rid = ""
        if series:
            original = event.get("originalStart")
            if isinstance(original, str) and original:
                try:
                    rid = datetime.fromisoformat(original.replace("Z", "+00:00")).astimezone(UTC).strftime(
                        "%Y%m%dT%H%M%SZ")
                except ValueError:
                    rid = starts_at.strftime("%Y%m%dT%H%M%SZ")
            else:
                rid = starts_at.strftime("%Y%m%dT%H%M%SZ")
        title = one_line(str(event.get("subject") or ""), 4000) or "(untitled event)"
        if len(title) > TITLE_LIMIT:
            title = title[: TITLE_LIMIT - 1] + "…"
        tz = _graph_zone(str(event.get("originalStartTimeZone") or ""), default_tz)
        body = event.get("body") if isinstance(event.get("body"), dict) else {}
        description = str((body or {}).get("content") or event.get("bodyPreview") or "")
        online = event.get("onlineMeeting") if isinstance(event.get("onlineMeeting"), dict) else {}
        join = teams_thread(str((online or {}).get("joinUrl") or ""), str(event.get("onlineMeetingUrl") or ""),
                            description)
        out.setdefault((uid, rid), Occurrence(uid, rid, title, starts_at, minutes, tz, agenda_items(description),
                                              join))
        if len(out) >= MAX_OCCURRENCES:
            break
    return sorted(out.values(), key=lambda o: (o.starts_at, o.uid, o.recurrence_id))
