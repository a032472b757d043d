"""Inviting a round: the channel's members (no bots, nobody who opted out), each with a DM due at their own
allowed time, and at most one reminder. Everything goes through the outbox; the preparers decide at send
time whether the DM is still wanted (round open, not answered, not opted out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.core.allowed import allowed_from
from handlers.core.errors import Later, StorageUnavailable
from handlers.core.ports import ChannelSettings
from handlers.core.recurrence import Recurrence
from handlers.core.registry import Pending, Replies
from handlers.core.services import Services
from handlers.core.timeoff import after_holidays, holiday_code
from handlers.core.timeparse import format_local, zone
from handlers.core.types import Form, OutboxItem, Person, Platform, Reply, Target, Visibility
from handlers.pulse.catalog import KIND_INVITE, KIND_REMIND
from handlers.pulse.common import plural, pulse_store, team_label, threshold
from handlers.pulse.model import Prefs, Round, Schedule
from handlers.pulse.ports import PulseStore
from handlers.pulse.questions import QuestionSet
from handlers.pulse.timing import (
    REMINDER_MARGIN,
    after_time_off,
    invite_due,
    last_call,
    next_round_dm,
    next_round_opens,
    occurrence_span,
    on_or_after_day_of,
    reminder_due,
)

AWAY_MARGIN = timedelta(hours=1)  # back less than this before the round closes: too late to ask
DND_BATCH = 50  # Do Not Disturb is asked per person (dnd.info) for batches up to this size
NOW_SLACK = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Invited:
    round: Round
    people: int  # DMs queued
    right_away: int  # of those, due now
    skipped: int  # whose DM would fall on the day of their next round's, or in this round's last hour: not asked
    refused: bool = False  # too few people besides the sender: nobody was asked
    others: int = 0  # people besides the sender who would have been asked
    k: int = 0  # the threshold the round needs


def too_few_text(others: int, k: int, *, you: bool = True) -> str:
    """Why a pulse is refused up front in a small channel."""
    who = "you" if you else "the person who sends it"
    text = (f"besides {who}, only {others} {'person' if others == 1 else 'people'} here would "
            f"get it, and results show only with answers from at least {k} people other than the one who sends "
            "the pulse (they know their own answer). With fewer, the results would point at individuals. Add "
            "people to the channel")
    if others >= ChannelSettings.MIN_RESPONDENTS_FLOOR:
        text += f", or lower the threshold to what this team can meet: `/steadybot settings min {others}`"
    return text + "."


async def _tell_owner_once(schedule: Schedule, rnd: Round, others: int, k: int, svc: Services,
                           store: PulseStore) -> None:
    """A refused scheduled run tells the schedule's owner, by DM, once per schedule."""
    if not schedule.created_by or not await store.mark_refusal_told(schedule.id):
        return
    team = team_label(rnd.channel_name)
    text = (f"**Your scheduled pulse for {team} did not go out** ({schedule.recurrence.describe()}): "
            + too_few_text(others, k) + " Later runs are skipped the same way while the channel stays this "
            "small; I'll only tell you this once. `/pulse stop` in the channel ends the schedule.")
    person = Person(rnd.platform, schedule.created_by)
    await svc.outbox.enqueue([OutboxItem(Target.user(person, rnd.team_id), svc.clock.now(),
                                         reply=Reply(text, visibility=Visibility.PRIVATE),
                                         dedupe_key=f"pulse:refused:{schedule.id}")])


def outbox_prefix(round_id: int) -> str:
    return f"pulse:{round_id}:"


async def invite(rnd: Round, svc: Services, store: PulseStore, sender: str | None = None) -> Invited:
    """Create the round's participation rows and queue its DMs. Idempotent: safe to run again after a crash
    or on another replica (participation rows and outbox keys are unique).

    Refused (nobody asked, the round ends at once) when fewer than k people besides the sender — who ran
    `/pulse now` or set the schedule — would get it: the sender knows their own answer, so it never counts
    toward k. The threshold is recorded on the round before any DM announces it."""
    place = rnd.place()
    now = svc.clock.now()
    members = await svc.directory.members(place)
    people = list({p.id: p for p in members if p.id and not p.is_bot}.values())
    out = await store.opted_out(place.platform, [p.id for p in people])
    people = [p for p in people if p.id not in out]
    settings = await svc.store.settings.get(place)
    quiet = (settings.quiet_start, settings.quiet_end)
    schedule = await store.schedule(rnd.schedule_id) if rnd.schedule_id is not None else None
    sender = sender or rnd.sender_id or (schedule.created_by if schedule is not None else None) or None
    recurrence = schedule.recurrence if schedule is not None else None
    window = timedelta(hours=rnd.window_hours)
    zones = {person.id: svc.tz_of(person) for person in people}
    # The channel's next round closes this one when its first DM goes out: a DM due in the last hour before
    # that (a member about 24 h behind the first zone, on a daily schedule) could not be answered.
    opens_next = (next_round_opens(now, zones.values(), quiet, rnd.occurrence, recurrence)
                  if rnd.occurrence is not None and recurrence is not None else None)
    # Everything below depends on the person only through their zone: worked out once per zone, not per person
    # (a round of thousands of people spans a handful of zones).
    dues: dict[ZoneInfo, datetime | None] = {}
    plans = []
    skipped = 0
    for person in people:
        tz = zones[person.id]
        if tz not in dues:
            dues[tz] = invite_due(now, tz, quiet, rnd.occurrence, recurrence)
        due = dues[tz]
        if due is None or (opens_next is not None and due > opens_next - last_call(rnd.window_hours)):
            skipped += 1
            continue
        plans.append((person, tz, due))
    if not plans:
        return Invited(await store.finish_invitations(rnd.id, None, rnd.closes_at), 0, 0, skipped)
    k = await store.announce_threshold(rnd.id, threshold(settings))
    others = sum(1 for person, _, _ in plans if person.id != sender)
    if others < k:
        final = await store.finish_invitations(rnd.id, None, now)
        if schedule is not None:
            await _tell_owner_once(schedule, rnd, others, k, svc, store)
        return Invited(final, 0, 0, skipped, refused=True, others=others, k=k)
    await store.set_round_sender(rnd.id, sender, any(person.id == sender for person, _, _ in plans))
    first = min(due for _, _, due in plans)
    closes_at = max(due for _, _, due in plans) + window
    span = occurrence_span(rnd.occurrence, recurrence, window)
    await store.add_invitations(rnd.id, [(p.platform, p.id) for p, _, _ in plans])
    items: list[OutboxItem] = []
    reminds: dict[ZoneInfo, datetime | None] = {}
    for person, tz, due in plans:
        target = Target.user(person, place.team_id)
        data = {"round": rnd.id, "tz": tz.key}
        items.append(OutboxItem(target, due, KIND_INVITE, data=data,
                                dedupe_key=f"{outbox_prefix(rnd.id)}invite:{person.key}"))
        if tz not in reminds:
            following = (next_round_dm(rnd.occurrence, recurrence, tz, quiet)
                         if rnd.occurrence is not None and recurrence is not None else None)
            reminds[tz] = reminder_due(due, closes_at, span, tz, quiet, before=following)
        remind = reminds[tz]
        if remind is not None:
            items.append(OutboxItem(target, remind, KIND_REMIND, data=data,
                                    dedupe_key=f"{outbox_prefix(rnd.id)}remind:{person.key}"))
    await svc.outbox.enqueue(items)
    final = await store.finish_invitations(rnd.id, first, closes_at)
    right_away = sum(1 for _, _, due in plans if due <= now + NOW_SLACK)
    return Invited(final, len(plans), right_away, skipped, others=others, k=k)


@dataclass(slots=True)
class RoundForms:
    """The pulse questionnaire of a round: the same for everyone, so built once per round and kept for the
    next rows (a small cache, emptied when it grows)."""

    questions: QuestionSet
    built: dict[int, Form] = field(default_factory=dict)

    def form(self, round_id: int) -> Form:
        if round_id not in self.built:
            if len(self.built) > 64:
                self.built.clear()
            self.built[round_id] = self.questions.form(round_id)
        return self.built[round_id]


# The outbox preparers of a pulse DM (or its reminder), one row and a batch of rows: they decide at send
# time (round open, invited, not answered, not opted out) and build the form then.
async def prepare_pulse(pending: Pending, svc: Services, *, forms: RoundForms, reminder: bool) -> Reply | None:
    key = _key(pending)
    if key is None:
        return None
    state = await pulse_store(svc).invite_state(*key)
    away = await away_of(svc, [key], svc.clock.now(), dnd=True)
    decided = await _decide(pending, key, state, svc, _Batch(), away, forms=forms, reminder=reminder)
    if isinstance(decided, Later):
        raise decided
    return decided


async def prepare_pulses(pendings: Sequence[Pending], svc: Services, *, forms: RoundForms,
                         reminder: bool) -> list[Replies | Later]:
    keys = [_key(p) for p in pendings]
    known = [k for k in keys if k is not None]
    states = await pulse_store(svc).invite_states(known)
    away = await away_of(svc, known, svc.clock.now(), dnd=len(known) <= DND_BATCH)
    batch = _Batch()
    return [None if key is None else await _decide(pending, key, states[key], svc, batch, away,
                                                   forms=forms, reminder=reminder)
            for pending, key in zip(pendings, keys, strict=True)]


@dataclass(slots=True)
class _Batch:
    """What a batch of DMs shares: a batch is mostly one round, so its channel's settings and threshold are
    read once, and its DMs differ only by the close time's zone."""

    settings: dict[int, ChannelSettings] = field(default_factory=dict)
    thresholds: dict[int, int] = field(default_factory=dict)
    replies: dict[tuple[int, str], Reply] = field(default_factory=dict)

    async def settings_of(self, rnd: Round, svc: Services) -> ChannelSettings:
        if rnd.id not in self.settings:
            self.settings[rnd.id] = await svc.store.settings.get(rnd.place())
        return self.settings[rnd.id]


async def _decide(pending: Pending, key: tuple[int, Platform, str],
                  state: tuple[Round | None, bool | None, Prefs], svc: Services, batch: _Batch,
                  away: dict[tuple[Platform, str], datetime], *, forms: RoundForms,
                  reminder: bool) -> Reply | Later | None:
    rnd, invitation, prefs = state
    now = svc.clock.now()
    if rnd is None or invitation is not False:
        return None  # no such round, answered already, or no longer invited (forgotten)
    if reminder and (not rnd.is_open(now) or now - NOW_SLACK > rnd.closes_at - REMINDER_MARGIN):
        return None  # the round closes within the hour (the channel's next round starts): no reminder now
    if not reminder and (not rnd.is_open(now) or now - NOW_SLACK > rnd.closes_at - last_call(rnd.window_hours)):
        if not rnd.sealed:  # never asked: not counted as missing (a sealed round's count stays as sealed)
            await pulse_store(svc).withdraw(*key)
        return None  # the round has closed, or closes within the hour: too late to ask
    if prefs.opted_out:
        await pulse_store(svc).withdraw(*key)
        return None
    settings = await batch.settings_of(rnd, svc)
    tz = zone(str(pending.data.get("tz") or ""), svc.settings.default_tz)
    held = _wait_until(rnd, away.get((key[1], key[2])), now, settings, tz)
    if held is not None:
        wait, why = held
        if reminder:  # no reminder while someone is away, nor moved out of quiet hours or the weekend
            return None
        if wait < rnd.closes_at - AWAY_MARGIN:
            recurrence, following = await _next_round(svc, rnd, settings, tz)
            # a DM that would reach the day of the person's DM of the next round (a snooze that ends on
            # Sunday, a daily schedule) is not sent at all: never two pulse DMs from the channel on one day
            if following is None or not on_or_after_day_of(wait, following, tz):
                await _drop_reminder_if_late(svc, rnd, pending, wait, settings, tz, recurrence, following)
                return Later(wait, why)  # the DM waits until they're back, or until their next allowed moment
        # away until the round closes, back on the day of the next round's DM, or allowed again too late:
        await pulse_store(svc).withdraw(*key)  # not counted as missing
        return None
    k = await _announced(rnd, svc, batch.thresholds, settings)
    known = batch.replies.get((rnd.id, tz.key))
    if known is not None:  # the same round and zone earlier in this batch: the same DM
        return known
    closes = format_local(rnd.closes_at, tz, now=now)
    team = team_label(rnd.channel_name)
    if reminder:
        text = (f"**Reminder: the pulse check-in for {team} is still open** until {closes}.\n"
                "If you have 30 seconds, your answer helps the team see how it's really doing. "
                "This is the only reminder.")
    else:
        text = (f"**Pulse check-in for {team}** — {plural(len(forms.questions.scales), 'quick question')}, "
                "about 30 seconds.\n"
                f"It's anonymous: your answers are stored without your name, and the team only sees totals "
                f"once at least {k} people besides the sender have answered. Open until {closes}.")
    reply = batch.replies[(rnd.id, tz.key)] = Reply(text=text, form=forms.form(rnd.id), visibility=Visibility.PRIVATE)
    return reply


async def _announced(rnd: Round, svc: Services, thresholds: dict[int, int], settings: ChannelSettings) -> int:
    """What this DM announces becomes the round's threshold (it only rises); read once per round and batch."""
    if rnd.id not in thresholds:
        k = max(threshold(settings), rnd.min_respondents or 0)
        if k != rnd.min_respondents:
            k = await pulse_store(svc).announce_threshold(rnd.id, k)
        thresholds[rnd.id] = k
    return thresholds[rnd.id]


async def away_of(svc: Services, keys: Sequence[tuple[int, Platform, str]], now: datetime, *,
                  dnd: bool) -> dict[tuple[Platform, str], datetime]:
    """Who of these people is away, until when: snoozes in one query per platform, Slack status from the
    directory's cached profiles, Do Not Disturb (one `dnd.info` each) only when `dnd`."""
    people = {(platform, user_id) for _, platform, user_id in keys}
    out: dict[tuple[Platform, str], datetime] = {}
    store = getattr(svc.store, "timeoff", None)
    if store is not None:
        for platform in {p for p, _ in people}:
            for user_id, until in (await store.away(platform, [u for p, u in people if p == platform], now)).items():
                out[(platform, user_id)] = until
    ask = getattr(svc.directory, "away", None)
    if ask is not None:
        for platform, user_id in people:
            try:
                until = await ask(Person(platform, user_id), now, dnd=dnd)
            except StorageUnavailable:
                raise
            except Exception:  # noqa: BLE001 - a directory hiccup must not hold a pulse back
                until = None
            if until is not None and until > now:
                out[(platform, user_id)] = max(until, out.get((platform, user_id), until))
    return out


def _wait_until(rnd: Round, away: datetime | None, now: datetime, settings: ChannelSettings,
                tz: ZoneInfo) -> tuple[datetime, str] | None:
    """Until when this DM waits, and why, or None to send it now. It waits while the person is away (`away`:
    the end of their snooze, away status or Do Not Disturb) and, for a scheduled round, on the channel's
    holidays; then until their first allowed moment (timing.after_time_off: their zone, the channel's quiet
    hours, not on their weekend) — never at the exact end of the time off, every round alike. Here and not
    away it still waits for that moment when now is not one: the DM was queued for an allowed moment, but
    the bot was down then (or the outbox ran late) and now it is their night or their weekend."""
    quiet = (settings.quiet_start, settings.quiet_end)
    code = holiday_code(settings) if rnd.schedule_id is not None else ""  # `/pulse now` is sent on holidays
    if away is not None or (code and after_holidays(code, now, tz) is not None):
        return after_time_off(away or now, tz, quiet, code), "away or holiday"
    allowed = allowed_from(now, tz, *quiet)
    return (allowed, "quiet hours or weekend") if allowed > now else None


async def _next_round(svc: Services, rnd: Round, settings: ChannelSettings,
                      tz: ZoneInfo) -> tuple[Recurrence | None, datetime | None]:
    """The round's schedule while it still runs (None: `/pulse now`, stopped or replaced), and the person's DM
    of its next round (None without one)."""
    if rnd.schedule_id is None:
        return None, None
    schedule = await pulse_store(svc).schedule(rnd.schedule_id)
    if schedule is None or not schedule.active:
        return None, None  # stopped or replaced: no next round of it
    if rnd.occurrence is None:
        return schedule.recurrence, None
    return schedule.recurrence, next_round_dm(rnd.occurrence, schedule.recurrence, tz,
                                              (settings.quiet_start, settings.quiet_end))


async def _drop_reminder_if_late(svc: Services, rnd: Round, pending: Pending, wait: datetime,
                                 settings: ChannelSettings, tz: ZoneInfo, recurrence: Recurrence | None,
                                 following: datetime | None) -> None:
    """An invitation held back until `wait` keeps its reminder only when a reminder two thirds into the time
    left from `wait` would still be sent (timing.reminder_due); otherwise the reminder is cancelled, so that
    it does not arrive with the late invitation (both Monday 08:00 after a weekend outage) or before it."""
    quiet = (settings.quiet_start, settings.quiet_end)
    span = occurrence_span(rnd.occurrence, recurrence, timedelta(hours=rnd.window_hours))
    if reminder_due(wait, rnd.closes_at, span, tz, quiet, before=following) is None:
        person = Person(pending.target.platform, pending.target.id)
        await svc.outbox.cancel(f"{outbox_prefix(rnd.id)}remind:{person.key}", exact=True)


def _key(pending: Pending) -> tuple[int, Platform, str] | None:
    try:
        round_id = int(str(pending.data.get("round")))
    except ValueError:
        return None
    return round_id, pending.target.platform, pending.target.id
