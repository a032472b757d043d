"""The opt-in weekly reflection (`/pulse me reflect on`, handlers/pulse/journal.py): a DM on Friday at 16:00 in
the person's own time with two optional questions, whose answers go only to their private journal.

Decided at send time like a pulse DM: it waits while the person is away (a snooze, an away status, Do Not
Disturb) until their first allowed moment after (timing.after_time_off), and is skipped when that would be on
the Tuesday after its Friday or later (docs/pulse.md, "Time off")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.core.allowed import allowed_instant
from handlers.core.errors import Later, UserError
from handlers.core.ports import ChannelSettings
from handlers.core.registry import Pending
from handlers.core.services import Services
from handlers.core.text import clean
from handlers.core.timeoff import away_until
from handlers.core.timeparse import localize, to_local_naive, zone
from handlers.core.types import Field, Form, Interaction, OutboxItem, Person, Reply, Target, Visibility
from handlers.pulse.catalog import KIND_REFLECT, REFLECT_FORM
from handlers.pulse.common import person_tz, pulse_store
from handlers.pulse.timing import after_time_off

REFLECT_AT = time(16, 0)  # Friday afternoon, each person's own time
REFLECT_DAY = 4  # Friday
REFLECT_UNTIL = timedelta(days=4)  # a held reflection goes out before the Tuesday (00:00) after its Friday, or never


def reflect_form(week: str) -> Form:
    return Form(
        id=REFLECT_FORM,
        title="Weekly reflection",
        intro="Just for you: saved only in your private journal.",
        fields=(
            Field("gave", "What gave you energy this week?", "text", optional=True, multiline=True, max_length=500),
            Field("drained", "What drained it?", "text", optional=True, multiline=True, max_length=500),
        ),
        context=week,
        submit_label="Save to my journal",
        launch_label="Reflect (1 minute)",
    )


def _quiet() -> tuple[time, time]:
    """A reflection belongs to no channel: the default quiet hours apply."""
    defaults = ChannelSettings()
    return defaults.quiet_start, defaults.quiet_end


def next_reflection(now: datetime, tz_name: str | None, default_tz: str) -> tuple[str, datetime]:
    """The coming Friday-afternoon reflection in the person's zone: (its date, when the DM is due in UTC)."""
    tz = zone(tz_name, default_tz)
    local_now = to_local_naive(now, tz)
    friday = local_now.date() + timedelta(days=(REFLECT_DAY - local_now.weekday()) % 7)
    if datetime.combine(friday, REFLECT_AT) <= local_now:
        friday += timedelta(days=7)
    return friday.isoformat(), allowed_instant(datetime.combine(friday, REFLECT_AT), tz, *_quiet()).astimezone(UTC)


def reflection_due(week: str, tz: ZoneInfo, now: datetime, away: datetime | None) -> datetime | None:
    """When the reflection of `week` (its Friday's date) goes out: `now`, or — while the person is away until
    `away` — their first allowed moment after (timing.after_time_off, as for a pulse DM). None skips it: a
    reflection is about its week, so one that could only go out on the Tuesday after its Friday or later is
    dropped, and the next Friday's comes as usual — nobody gets two within a few days, or one about a week
    long over."""
    try:
        friday = date.fromisoformat(week)
    except ValueError:
        return None  # not a week this code queued
    deadline = localize(datetime.combine(friday + REFLECT_UNTIL, time(0)), tz).astimezone(UTC)
    due = now if away is None else after_time_off(away, tz, _quiet())
    return due if due < deadline else None


async def queue_reflections(svc: Services) -> None:
    """Periodic: one reflection DM per opted-in person and week (idempotent by key)."""
    store = pulse_store(svc)
    now = svc.clock.now()
    for platform, user_id, prefs in await store.reflecting():
        week, due = next_reflection(now, prefs.tz, svc.settings.default_tz)
        if prefs.reflect_queued == week:
            continue
        await svc.outbox.enqueue([OutboxItem(Target.user(Person(platform, user_id)), due, KIND_REFLECT,
                                             data={"week": week},
                                             dedupe_key=f"pulse:reflect:{platform.value}:{user_id}:{week}")])
        await store.set_prefs(platform, user_id, reflect_queued=week)


async def prepare_reflection(pending: Pending, svc: Services) -> Reply | None:
    """Decided at send time: still opted in, and the person not away (else it waits, or is skipped once its
    week is over: `reflection_due`)."""
    who = Person(pending.target.platform, pending.target.id)
    prefs = await pulse_store(svc).prefs(who.platform, who.id)
    if not prefs.reflect or prefs.opted_out:
        return None
    week = str(pending.data.get("week") or "")
    now = svc.clock.now()
    due = reflection_due(week, zone(prefs.tz, svc.settings.default_tz), now, await away_until(svc, who, now))
    if due is None:
        return None
    if due > now:
        raise Later(due, "away")
    return Reply("**Weekly reflection** — two short questions, just for you. Your answers go only to your private "
                 "journal.", form=reflect_form(week), visibility=Visibility.PRIVATE)


async def open_reflection(interaction: Interaction, svc: Services) -> Form | Reply:
    prefs = await pulse_store(svc).prefs(interaction.who.platform, interaction.who.id)
    if not prefs.journal:
        return Reply("Your journal is off, so there is nowhere to keep a reflection. Start it with `/pulse me on`.",
                     visibility=Visibility.PRIVATE)
    return reflect_form(interaction.value)


async def submit_reflection(interaction: Interaction, svc: Services) -> Reply:
    values = interaction.form_values or {}
    gave = clean(values.get("gave", ""), 500) or None
    drained = clean(values.get("drained", ""), 500) or None
    if not gave and not drained:
        raise UserError("Write a line for at least one of the two questions — or simply skip this week.")
    store = pulse_store(svc)
    who = interaction.who
    prefs = await store.prefs(who.platform, who.id)
    if not prefs.journal:
        return Reply("Your journal is off, so I didn't keep this. Start it with `/pulse me on`.",
                     visibility=Visibility.PRIVATE, replace_original=True)
    today = to_local_naive(svc.clock.now(), await person_tz(svc, who)).date()
    try:
        day = date.fromisoformat(interaction.value)
    except ValueError:
        day = today
    if abs((day - today).days) > 14:  # a stale or made-up week: file it under today
        day = today
    await store.add_reflection(who.platform, who.id, day, gave, drained)
    return Reply("Saved to your private journal — only you can see it: `/pulse me`.",
                 visibility=Visibility.PRIVATE, replace_original=True)
