"""The weekly digest (opt-in per channel): `/steadybot settings digest on` → every Monday at 09:00 in their
own time, the person who switched it on (the channel's owner or an admin: only they may change settings)
gets a DM with the report's headline numbers and a button that sends them a fresh private link.

No table of its own: the switch lives in the channel settings' `extra` ("digest", "digest_to",
"digest_tz", and "digest_gen": which `on` the rows belong to), and each Monday's DM is an outbox row (kind `reports.digest`) whose preparer checks the
switch at send time, queues the next Monday, checks that the recipient may still have the channel's report
(a member of the channel now, as `/steadybot report` decides: handlers/reports/access.py; someone who left
gets nothing, logged at INFO without names), and builds the digest from the report of that moment. The
dedupe key per channel, Monday and `on` keeps replicas from doubling a DM, and a row of an earlier `on` is
skipped, so switching it on again never doubles one either.

Each row carries its Monday (`monday` in its data). A digest is about its Monday: it goes out only until
CUT_OFF after it. When the platform cannot say whether the recipient is still a member, the row asks again
every RECHECK until then, and past it gives up (logged at INFO without names). The next Monday is the one
after this row's Monday (or after now, when the row comes due later than that), so every pass of a row
queues the same next Monday, once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, time, timedelta

from handlers.core.errors import Later, StorageUnavailable, UserError
from handlers.core.registry import Pending
from handlers.core.services import Services
from handlers.core.timeparse import localize, zone
from handlers.core.types import (
    Button,
    Command,
    OutboxItem,
    Person,
    Place,
    Platform,
    Reply,
    Target,
    Visibility,
)
from handlers.reports.access import may_see_report
from handlers.reports.build import build_report
from handlers.reports.catalog import DIGEST as KIND
from handlers.reports.catalog import LINK_BUTTON
from handlers.reports.links import LinkTarget, button_value
from handlers.reports.render import headlines

log = logging.getLogger("steadybot.reports")

SEND_AT = time(9, 0)
RECHECK = timedelta(minutes=10)  # the platform could not say whether the recipient is still a member
CUT_OFF = timedelta(days=1)  # a digest goes out at most this long after its Monday 09:00, else not at all
_ON = {"on", "yes", "true", "enable", "enabled", "1"}
_OFF = {"off", "no", "false", "disable", "disabled", "0"}


def next_monday(now: datetime, tz_name: str) -> datetime:
    tz = zone(tz_name)
    local = now.astimezone(tz)
    day = local.date() + timedelta(days=(7 - local.weekday()) % 7)
    moment = localize(datetime.combine(day, SEND_AT), tz)
    if moment <= now:
        moment = localize(datetime.combine(day + timedelta(days=7), SEND_AT), tz)
    return moment


def _item(place: Place, to: str, tz_name: str, due: datetime, gen: str) -> OutboxItem:
    """Monday `due`'s row of the digest switched on at `gen` (each `on` starts a chain of its own, so an
    `off` then `on` in one week queues that Monday again: the cancelled row keeps its key)."""
    target = Target.user(Person(place.platform, to), place.team_id)
    data = {"platform": place.platform.value, "channel": place.channel_id, "team": place.team_id,
            "name": place.name, "to": to, "tz": tz_name, "monday": due.isoformat(), "gen": gen}
    key = f"reports:digest:{place.platform}:{place.channel_id}:{due.date().isoformat()}"
    return OutboxItem(target, due, KIND, data=data, dedupe_key=f"{key}:{gen}" if gen else key)


async def set_digest(cmd: Command, value: str, svc: Services) -> Reply:
    """`/steadybot settings digest on|off` (the caller has checked that the person may change settings)."""
    word = value.strip().lower()
    if word not in _ON | _OFF:
        raise UserError("The digest is `on` or `off`.", "/steadybot settings digest on")
    place = cmd.where.without_thread()
    current = await svc.store.settings.get(place)
    extra = dict(current.extra)
    if word in _OFF:
        extra["digest"] = False
        await svc.store.settings.put(place, current.with_changes(extra=extra), cmd.who)
        await svc.outbox.cancel(f"reports:digest:{place.platform}:{place.channel_id}:")
        return Reply("**Saved.** The weekly digest for this channel is off.")
    from handlers.pulse.common import person_tz

    tz = await person_tz(svc, cmd.who)
    now = svc.clock.now()
    gen = f"{now:%Y%m%d}{svc.rng.randrange(16 ** 8):08x}"  # this `on`'s chain; earlier ones' rows are skipped
    extra.update({"digest": True, "digest_to": cmd.who.id, "digest_tz": str(tz.key), "digest_gen": gen})
    await svc.outbox.cancel(f"reports:digest:{place.platform}:{place.channel_id}:")
    await svc.store.settings.put(place, current.with_changes(extra=extra), cmd.who)
    due = next_monday(now, str(tz.key))
    await svc.outbox.enqueue([_item(place, cmd.who.id, str(tz.key), due, gen)])
    local = due.astimezone(tz)
    return Reply(f"**Saved.** Every Monday at 09:00 your time, you'll get a DM with this channel's headline numbers "
                 f"and a private link to the report. The first one comes on {local:%a} {local.day} {local:%b}. "
                 "Switch it off with `/steadybot settings digest off`.")


def monday_of(data: Mapping[str, object], due_at: datetime, tz_name: str) -> datetime | None:
    """The Monday 09:00 this row's digest is for: its data's `monday`; for a row queued before rows carried
    it, its due time if that is a Monday 09:00 there (else it has been put off: which Monday is unknown)."""
    if "monday" in data:
        return datetime.fromisoformat(str(data["monday"]))
    local = due_at.astimezone(zone(tz_name))
    return due_at if local.weekday() == 0 and local.time() == SEND_AT else None


async def prepare_digest(pending: Pending, svc: Services) -> Reply | None:
    data = pending.data
    try:
        place = Place(Platform(str(data["platform"])), str(data["channel"]), str(data.get("team", "")), None, False,
                      str(data.get("name", "")))
        to, tz_name, gen = str(data["to"]), str(data.get("tz", "UTC")), str(data.get("gen", ""))
        monday = monday_of(data, pending.due_at, tz_name)
    except (KeyError, ValueError):
        return None
    settings = await svc.store.settings.get(place)
    if not settings.extra.get("digest") or settings.extra.get("digest_to") != to:
        return None  # switched off (or handed to someone else) since this row was queued
    if str(settings.extra.get("digest_gen", "")) != gen:
        return None  # switched on again since: that `on` has its own row for this Monday
    now = svc.clock.now()
    await svc.outbox.enqueue([_item(place, to, tz_name, next_monday(max(monday or now, now - CUT_OFF), tz_name),
                                    gen)])
    if monday is None or now > monday + CUT_OFF:
        log.info("weekly digest for %s skipped: its Monday is over", place.key)
        return None
    try:
        allowed = await may_see_report(svc, Person(place.platform, to), place)
    except StorageUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - the platform did not answer: ask again shortly, don't guess
        raise Later(now + RECHECK, "digest: membership unknown") from exc
    if not allowed:  # left the channel since switching it on: this Monday's digest is not theirs any more
        log.info("weekly digest for %s skipped: its recipient is no longer a member of the channel", place.key)
        return None
    report = await build_report(svc, place, zone(tz_name), channel_name=place.name)
    target = LinkTarget(place.platform, place.channel_id, place.team_id, report.channel_name, tz_name)
    return Reply(
        text=f"**Your weekly digest for {report.team}** — the last 12 weeks (anonymous team figures only).",
        facts=headlines(report),
        buttons=(Button(LINK_BUTTON, "Send me the report link", button_value(svc, target), "primary"),),
        visibility=Visibility.PRIVATE,
        notify_text=f"Weekly digest for {report.team}",
    )
