"""`/meeting calendar …`: connect a channel to a calendar feed, list its feeds, remove one.

`/meeting calendar <url>` (the channel's owner or an admin): the feed is fetched and read right away, so a
wrong address (not found, not a calendar, a private address) gets its answer now and is not kept.
`/meeting calendar` lists the feeds with their last sync and the next meetings each brought.
`/meeting calendar remove <n>` drops feed n; its meetings still ahead are cancelled with it (quietly).
Feed addresses are secrets (Google's "secret address"): they are shown only as their host.
`/meeting calendar group <id>` (Teams) follows the Microsoft 365 group calendar of the channel's own team only:
the bot reads Graph with its own tenant-wide permission, so the group id typed must be the team's (the
directory's `team_group_id`); any other group is refused before Graph is asked.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from handlers.core.errors import NotAllowed, UserError
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeparse import format_local, zone
from handlers.core.types import Command, Person, Place, Platform, Reply, Visibility
from handlers.meetings import render
from handlers.meetings.calendar_parse import HORIZON
from handlers.meetings.calendar_ports import (
    GRAPH,
    ICS,
    Feed,
    FeedDraft,
    FeedError,
    calendar_store,
    fetcher_of,
    group_calendar_of,
)
from handlers.meetings.calendar_sync import (
    NotTheTeamsGroup,
    TeamGroupUnknown,
    check_team_group,
    drop_meetings,
    read,
    reconcile,
    refresh_of,
)
from handlers.meetings.people import known
from handlers.meetings.ports import Meeting
from handlers.meetings.schedule import store_of
from handlers.timebox.ports import parse_id

EXAMPLE = "/meeting calendar https://calendar.google.com/calendar/ical/…/basic.ics"
GROUP_EXAMPLE = "/meeting calendar group <group-id>"
#: Adding a group calendar when Teams could not say which group the channel's team is.
GROUP_UNKNOWN = ("I couldn't check with Teams which Microsoft 365 group this team is, so nothing was added. "
                 "Try again in a minute.")
MAX_FEEDS = 10
SHOW_NEXT = 3


#: A link pasted with its own text, as an adapter gives it (Slack's `<url|label>`: `label (url)`).
_LINKED = re.compile(r"(?P<label>[^()]{0,300})\((?P<url>(?:https?|webcal)://[^\s()]{1,4000})\)", re.IGNORECASE)
#: What says a meeting's time (`tomorrow at 3pm`, `friday 10:00`, `next week`): text before a link that holds one
#: is a meeting ending with its call's or document's link, not a calendar's link with its own text.
_WHEN = re.compile(r"\b(?:today|tonight|tomorrow|noon|next|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)"
                   r"(?:day)?)\b|\d\s*(?:am|pm)\b|\d[:.]\d\d|\bin \d", re.IGNORECASE)
_LISTING = ("list", "show")
_REMOVING = ("remove", "rm", "delete", "drop", "off")
_SUBCOMMANDS = (*_LISTING, *_REMOVING, "group")


def _address(rest: str) -> str:
    """`rest`, or the address alone when all of it is a link pasted with its own text — a calendar's: not a
    removal's argument, and not a meeting ending with its link (the text says no time)."""
    linked = _LINKED.fullmatch(rest.strip())
    if linked is None or _WHEN.search(linked.group("label")):
        return rest
    first = linked.group("label").strip().split(" ", 1)[0].lower()
    # a removal's argument a link could be (`remove <link|text>` asks which one); `off` reads as a link's own
    # text (`Off days`): a feed is removed with `off` and a number
    return rest if first in _REMOVING and first != "off" else linked.group("url")


def calendar_words(rest: str) -> bool:
    """`/meeting calendar …` is about feeds (and not a meeting titled "Calendar review tomorrow 3pm") when
    nothing follows, or a feed sub-command, or an address."""
    first = _address(rest).strip().split(" ", 1)[0].lower()
    return not first or first in _SUBCOMMANDS or (
        "://" in first or first.startswith(("<http", "http", "webcal", "www.")) or ".ics" in first)


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1][:120] or "calendar"


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = max((now - moment).total_seconds(), 0)
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{round(seconds / 60)} min ago"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


async def _manager(svc: Services, who: Person, place: Place, what: str) -> Person:
    person = await known(svc, who)
    if not await svc.may_manage(person, place):
        raise NotAllowed(f"Only the channel's owner or an admin can {what} — ask them, or ask an admin named in "
                         "STEADYBOT_ADMINS.")
    return person


def _meeting_line(meeting: Meeting, now: datetime, has_agenda: bool) -> str:
    state = "agenda ✓" if has_agenda else "no agenda yet"
    return (f"   ◦ {clip(meeting.title, 80)} — {render.when(meeting, now)}, "
            f"{render.minutes(meeting.duration_minutes)} · _{state}_")


async def command(cmd: Command, place: Place, rest: str, svc: Services) -> Reply:
    word, _, arg = _address(rest).strip().partition(" ")
    lowered = word.lower()
    if not word or lowered in _LISTING:
        return await _calendars(cmd.who, place, svc)
    if lowered in _REMOVING:
        return await _unfollow(cmd.who, place, arg.strip(), svc)
    if lowered == "group" and arg.strip():
        return await _follow_group(cmd.who, place, arg.strip(), svc)
    if arg.strip():
        raise UserError("Give just the calendar's address after `calendar`.", EXAMPLE)
    return await _follow(cmd.who, place, word, svc)


# ---- add ---------------------------------------------------------------------------------------
async def _follow(who: Person, place: Place, text: str, svc: Services) -> Reply:
    fetcher = fetcher_of(svc)
    if fetcher is None:
        raise UserError("Calendar feeds aren't set up on this server.")
    person = await _manager(svc, who, place, "connect a calendar to this channel")
    try:
        url = fetcher.normalise(text)
    except FeedError as exc:
        raise UserError(f"That address {exc.reason}.", EXAMPLE) from None
    return await _connect(svc, person, place, ICS, url, _host(url))


async def _follow_group(who: Person, place: Place, group_id: str, svc: Services) -> Reply:
    if place.platform != Platform.TEAMS:  # the bot's Graph access is its Teams tenant's, not this channel's
        raise UserError("Microsoft 365 group calendars can be followed from a Microsoft Teams channel only. "
                        "Here, follow the calendar's iCalendar address instead.", EXAMPLE)
    if group_calendar_of(svc) is None:
        raise UserError("Microsoft 365 group calendars need the bot's Microsoft Graph access, which isn't set "
                        "up on this server (docs/meetings.md says what to grant).")
    person = await _manager(svc, who, place, "connect a calendar to this channel")
    group = group_id.strip().strip("<>").split("|", 1)[0]
    if m := re.search(r"groupId=([0-9a-fA-F-]{8,64})", group):  # Teams' "Get link to team"
        group = m.group(1)
    if not 8 <= len(group) <= 64 or not all(c.isalnum() or c == "-" for c in group):
        raise UserError("That isn't a Microsoft 365 group id (it looks like `3f2a…-…`; Teams shows it as "
                        "the team's `groupId` in *Get link to team*).", GROUP_EXAMPLE)
    # The bot's Graph permission reaches every group of the organisation: this channel gets its own team's only
    try:
        own = await check_team_group(svc, place, group)
    except NotTheTeamsGroup:
        raise UserError("You can follow this team's own group calendar only (the `groupId` in this team's *Get "
                        "link to team*); another team's calendar stays with that team. Nothing was added.",
                        GROUP_EXAMPLE) from None
    except TeamGroupUnknown:
        raise UserError(GROUP_UNKNOWN, GROUP_EXAMPLE) from None
    return await _connect(svc, person, place, GRAPH, own, "Microsoft 365 group calendar")


async def _connect(svc: Services, person: Person, place: Place, kind: str, url: str,
                   label: str) -> Reply:
    store = calendar_store(svc)
    feeds = await store.feeds(place.platform, place.channel_id)
    if any(f.url == url for f in feeds):
        raise UserError("This channel already follows that calendar — `/meeting calendar` lists its meetings.")
    if len(feeds) >= MAX_FEEDS:
        raise UserError(f"This channel already follows {MAX_FEEDS} calendars; remove one first.",
                        "/meeting calendar remove 1")
    now = svc.clock.now()
    tz = svc.tz_of(person).key
    draft = FeedDraft(place.platform, place.channel_id, place.team_id, kind, url, label, person.id,
                      person.name, tz)
    probe = Feed(0, place.platform, place.channel_id, place.team_id, kind, url, label, person.id, person.name,
                 tz, now)
    try:
        fetched, found = await read(svc, probe, now, conditional=False)
    except TeamGroupUnknown:
        raise UserError(GROUP_UNKNOWN, GROUP_EXAMPLE) from None
    except FeedError as exc:
        raise UserError(f"I couldn't use that calendar: it {exc.reason}. Nothing was added.", EXAMPLE) from None
    feed = await store.add_feed(draft, now, now + refresh_of(svc), fetched.etag, fetched.last_modified)
    if feed is None:
        raise UserError("This channel already follows that calendar — `/meeting calendar` lists its meetings.")
    meetings = await reconcile(svc, feed, found or [], now)
    who_name = clip(person.name, 60) or "Someone"
    lines = [f"📅 {who_name} connected a calendar (**{clip(label, 80)}**) to this channel. "
             f"{len(meetings)} meeting{'s' if len(meetings) != 1 else ''} in the next {HORIZON.days} days "
             f"come{'s' if len(meetings) == 1 else ''} from it, and I check it for changes every "
             f"{_every(refresh_of(svc))}."]
    lines.extend(await _next_lines(svc, meetings, now))
    lines.append("Meetings without an agenda get the usual reminders. Bullet or numbered lines in an event's "
                 "description count as its agenda (`- Demo (10m)`), and `/agenda add` works as always.")
    return Reply("\n".join(lines), visibility=Visibility.CHANNEL, notify_text="Calendar connected")


async def _next_lines(svc: Services, meetings: list[Meeting], now: datetime) -> list[str]:
    store = store_of(svc)
    lines = []
    for meeting in meetings[:SHOW_NEXT]:
        lines.append(_meeting_line(meeting, now, bool(await store.agenda(meeting.id))))
    if len(meetings) > SHOW_NEXT:
        lines.append(f"   ◦ …and {len(meetings) - SHOW_NEXT} more (`/meeting list`)")
    return lines


# ---- list --------------------------------------------------------------------------------------
async def _calendars(who: Person, place: Place, svc: Services) -> Reply:
    store = calendar_store(svc)
    feeds = await store.feeds(place.platform, place.channel_id)
    if not feeds:
        return Reply("This channel follows no calendar. Connect one (the channel's owner or an admin) with "
                     f"`{EXAMPLE}` — docs/meetings.md shows where Google, Outlook and iCloud give the address.")
    now = svc.clock.now()
    tz = zone((await known(svc, who)).tz, svc.settings.default_tz)
    meetings = store_of(svc)
    lines = ["**Calendars this channel follows**"]
    for n, feed in enumerate(feeds, 1):
        synced = f"synced {_ago(feed.last_sync_at, now)}"
        if feed.last_error:
            synced += f" · ⚠️ failing: it {clip(feed.last_error, 160)}"
            if feed.next_fetch_at is not None:
                synced += f" (next try {format_local(feed.next_fetch_at, tz, now=now)})"
        adder = f", added by {clip(feed.added_by_name, 60)}" if feed.added_by_name else ""
        lines.append(f"• **{n}.** {clip(feed.label, 80)}{adder} — {synced}")
        upcoming = [m for m in [await meetings.get(i) for i in await store.feed_meetings(feed.id, now, SHOW_NEXT + 1)]
                    if m is not None]
        if not upcoming:
            lines.append(f"   ◦ _no meetings in the next {HORIZON.days} days_")
        lines.extend(await _next_lines(svc, upcoming, now))
    lines.append("Remove one with `/meeting calendar remove 1`.")
    return Reply("\n".join(lines))


# ---- remove ------------------------------------------------------------------------------------
async def _unfollow(who: Person, place: Place, number: str, svc: Services) -> Reply:
    store = calendar_store(svc)
    feeds = await store.feeds(place.platform, place.channel_id)
    if not feeds:
        raise UserError("This channel follows no calendar, so there's nothing to remove.")
    index = parse_id(number) if number else (1 if len(feeds) == 1 else None)
    if index is None or not 1 <= index <= len(feeds):
        raise UserError(f"Which one? Give its number from `/meeting calendar` (1 to {len(feeds)}).",
                        "/meeting calendar remove 1")
    person = await _manager(svc, who, place, "remove a calendar from this channel")
    feed = feeds[index - 1]
    now = svc.clock.now()
    cancelled = await drop_meetings(svc, feed, now)
    await store.remove_feed(feed.id)
    who_name = clip(person.name, 60) or "Someone"
    tail = (f" Its {cancelled} upcoming meeting{'s' if cancelled != 1 else ''} here {'are' if cancelled != 1 else 'is'} "
            "off steadybot's list (the calendar itself is unchanged).") if cancelled else ""
    return Reply(f"📅 {who_name} disconnected the calendar **{clip(feed.label, 80)}** from this channel.{tail}",
                 visibility=Visibility.CHANNEL, notify_text="Calendar disconnected")


def _every(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    return f"{minutes} minutes" if minutes < 120 else f"{round(minutes / 60)} hours"
