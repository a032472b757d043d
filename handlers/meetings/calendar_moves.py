"""A moved calendar series: telling its moved occurrences from cancelled ones.

An occurrence of a series is keyed by (UID, RECURRENCE-ID), its original start. When the organiser moves the
whole series ("all events", same UID, SEQUENCE bumped), every occurrence's RECURRENCE-ID changes with it:
each old key vanishes and a new one appears. Read key by key that is "cancelled, and a new meeting", which
lost what the team added (`/agenda add` items, pre-read questions) and set off "no agenda, no meeting" for the
new time. Before the sync cancels a vanished occurrence it pairs it with a new, unlinked occurrence of the same
UID — by the shift most of the series' pairs share (a whole series moves by one shift: a daily 23:45 moved
to 00:15 pairs each meeting with the one 30 minutes later, not with the next day's 23.5 hours earlier on the
same date), then the nearest, never more than a day apart — and gives the link the new key, so the pair is
handled as a move of one meeting (its nudges move with it, calendar_sync._update).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from handlers.meetings.calendar_parse import Occurrence
from handlers.meetings.calendar_ports import CalendarStore, Link
from handlers.meetings.ports import CANCELLED, SCHEDULED, Meeting

MOVE_WITHIN = timedelta(days=1)  # a vanished occurrence and a new one further apart are not one moved meeting


def vanished(link: Link, meeting: Meeting | None, now: datetime, end: datetime) -> bool:
    """A link whose occurrence is no longer in the feed and whose meeting is still ahead, scheduled (or
    cancelled by a person: that decision follows the meeting to its new time)."""
    if link.gone or meeting is None or not now < meeting.starts_at < end:
        return False
    return meeting.status == SCHEDULED or meeting.status == CANCELLED


def pairs(lost: Sequence[tuple[Link, Meeting]], new: Sequence[Occurrence]) -> list[tuple[Link, Occurrence]]:
    """Vanished links paired with new occurrences of the same UID, each used once: pairs at the shift most
    pairs of that UID share first (the series' move; the smaller shift on a tie), then the nearest in time,
    never more than MOVE_WITHIN apart."""
    found: list[tuple[timedelta, timedelta, int, int]] = []
    shifts: Counter[tuple[str, timedelta]] = Counter()
    for i, (link, meeting) in enumerate(lost):
        for j, occurrence in enumerate(new):
            if occurrence.uid != link.uid:
                continue
            shift = occurrence.starts_at - meeting.starts_at
            if abs(shift) > MOVE_WITHIN:
                continue
            found.append((shift, abs(shift), i, j))
            shifts[link.uid, shift] += 1
    series_shift: dict[str, timedelta] = {}
    for (uid, shift), _count in sorted(shifts.items(), key=lambda item: (-item[1], abs(item[0][1]))):
        series_shift.setdefault(uid, shift)
    candidates = sorted((shift != series_shift[lost[i][0].uid], apart, i, j) for shift, apart, i, j in found)
    taken_links: set[int] = set()
    taken_occurrences: set[int] = set()
    out: list[tuple[Link, Occurrence]] = []
    for _, _, i, j in candidates:
        if i in taken_links or j in taken_occurrences:
            continue
        taken_links.add(i)
        taken_occurrences.add(j)
        out.append((lost[i][0], new[j]))
    return out


async def carry_over(store: CalendarStore, feed_id: int, links: dict[tuple[str, str], Link],
                     meeting_of: Callable[[int], Awaitable[Meeting | None]], found: Sequence[Occurrence],
                     now: datetime, end: datetime) -> dict[tuple[str, str], Link]:
    """`links` after the moved occurrences' links were given their new keys (in the store too). A moved link
    keeps its old fingerprint, so the sync sees the change and moves the meeting."""
    keys = {o.key for o in found}
    lost: list[tuple[Link, Meeting]] = []
    for k, link in links.items():
        if k not in keys and not link.gone:
            meeting = await meeting_of(link.meeting_id)
            if meeting is not None and vanished(link, meeting, now, end):
                lost.append((link, meeting))
    if not lost:
        return links
    uids = {link.uid for link, _ in lost}
    new: list[Occurrence] = []
    for occurrence in found:
        if occurrence.uid not in uids:
            continue
        linked = links.get(occurrence.key)
        meeting = await meeting_of(linked.meeting_id) if linked is not None else None
        if linked is None or meeting is None or (meeting.status == CANCELLED and linked.gone):
            new.append(occurrence)  # what the sync would make a new meeting of
    out = dict(links)
    for link, occurrence in pairs(lost, new):
        if await store.relink(feed_id, link.uid, link.recurrence_id, occurrence.recurrence_id):
            del out[link.uid, link.recurrence_id]
            out[occurrence.key] = Link(link.feed_id, link.uid, occurrence.recurrence_id, link.meeting_id,
                                       link.fingerprint, False)
    return out
