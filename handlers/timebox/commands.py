"""`/timebox <duration> [topic]`, `/timebox extend <duration>`, `/timebox stop`, and their buttons."""

from __future__ import annotations

import json
from datetime import timedelta

from handlers.core.durations import format_duration
from handlers.core.errors import StorageUnavailable, UserError
from handlers.core.registry import Replies
from handlers.core.services import Services
from handlers.core.text import one_line
from handlers.core.types import Button, Command, Interaction, Person, Place, Reply, Visibility
from handlers.timebox import plan, texts
from handlers.timebox.engine import TimeboxEngine, store_of
from handlers.timebox.ports import ENDED, RUNNING, Timebox, TimeboxDraft, parse_id, same_channel

TOPIC_LIMIT = 200
STOP_WORDS = frozenset({"stop", "end", "cancel", "done", "finish"})
STATUS_WORDS = frozenset({"", "status", "show", "left"})
#: How long after a plain box ran out the "+5m" of its "Time's up" — or `/timebox extend` typed in its place —
#: still gives it more time (as late as the "Time's up" itself is still posted, handlers/timebox/warnings.py).
REOPEN_WITHIN = timedelta(minutes=15)


async def _who(svc: Services, person: Person) -> str:
    """The display name the platform knows (a Slack slash command carries only the login name)."""
    try:
        found = await svc.directory.person(person.platform, person.id)
    except StorageUnavailable:
        raise
    except Exception:  # noqa: BLE001 - the name is a nicety
        found = None
    return (found.name if found is not None and found.name else person.name) or ""


def _parse_start(text: str) -> tuple[timedelta, str]:
    raw = text.strip()
    if raw.startswith("-"):
        raise UserError("A timebox can't be negative.", plan.EXAMPLE)
    length, topic = plan.leading_length(raw)
    topic = one_line(topic, TOPIC_LIMIT * 2)
    if len(topic) > TOPIC_LIMIT:
        topic = topic[: TOPIC_LIMIT - 1] + "…"
    return length, topic


async def command(cmd: Command, svc: Services, *, engine: TimeboxEngine) -> Replies:
    if cmd.where.is_direct:
        raise UserError("A timebox runs in a channel (or a thread) so everyone sees it — start it there.",
                        "/timebox 25m design review")
    word, _, rest = cmd.text.strip().partition(" ")
    word = word.lower()
    if word in STATUS_WORDS and not rest:
        return await _status(cmd.where, svc)
    if word in STOP_WORDS and not rest.strip():
        return await _stop(cmd.where, cmd.who, svc, engine=engine)
    if word in ("extend", "add", "more"):
        return await _extend(cmd.where, cmd.who, rest, svc, engine=engine)
    length, topic = _parse_start(cmd.text)
    return await _start(cmd.where, cmd.who, length, topic, svc, engine=engine)


async def _running(where: Place, svc: Services) -> Timebox:
    box = await store_of(svc).running(where)
    if box is None:
        here = "in this thread" if where.thread_id else "in this channel"
        raise UserError(f"No timebox is running {here}. Start one with `/timebox 25m topic`.",
                        "/timebox 25m design review")
    return box


async def _status(where: Place, svc: Services) -> Reply:
    box = await store_of(svc).running(where)
    if box is None:
        return Reply("No timebox is running here. Start one with `/timebox 25m design review` — I'll warn at "
                     "half time, when time is nearly up, and at the end.")
    return texts.status(box, box.ends_at - svc.clock.now())


async def _start(where: Place, who: Person, length: timedelta, topic: str, svc: Services, *,
                 engine: TimeboxEngine) -> Reply:
    draft = TimeboxDraft(where, topic, who.id, svc.clock.now(), int(length.total_seconds()))
    box = await engine.start(svc, draft)
    if box is not None:
        return texts.started(box)
    current = await store_of(svc).running(where)
    if current is None:  # it ended in between: try once more
        box = await engine.start(svc, draft)
        if box is not None:
            return texts.started(box)
        raise UserError("Another timebox was just started here. Try `/timebox` to see it.")
    return _ask_replace(current, where, length, topic, svc)


def _ask_replace(current: Timebox, where: Place, length: timedelta, topic: str, svc: Services) -> Reply:
    left = max(current.ends_at - svc.clock.now(), timedelta(0))
    what = f"the meeting timer{texts.about(current)}" if current.meeting_id else f"a timebox{texts.about(current)}"
    text = f"{what[0].upper()}{what[1:]} is already running here ({format_duration(left)} left). Replace it?"
    if current.meeting_id:
        text += "\nReplacing it ends the meeting's timer and records its actual minutes now. For a side " \
                "discussion, mention me in a thread instead: `@steadybot timebox 10m`."
    value = json.dumps({"old": current.id, "s": int(length.total_seconds()), "t": topic,
                        "th": where.thread_id or ""}, separators=(",", ":"))
    return Reply(text, buttons=(
        Button("timebox.replace", f"Replace with {format_duration(length)}", value, "danger"),
        Button("timebox.keep", "Keep the current one", str(current.id)),
    ), visibility=Visibility.PERSON)


async def _stop(where: Place, who: Person, svc: Services, *, engine: TimeboxEngine) -> Replies:
    box = await _running(where, svc)
    return await _finish(box, who, svc, engine=engine)


async def _finish(box: Timebox, who: Person, svc: Services, *, engine: TimeboxEngine) -> Replies:
    now = svc.clock.now()
    finished, summary = await engine.finish(svc, box, at=now)
    if finished is None:
        return Reply("That timebox has already finished.")
    if summary is not None:
        return summary
    return texts.stopped(finished, now - box.started_at, await _who(svc, who))


async def _extend(where: Place, who: Person, rest: str, svc: Services, *, engine: TimeboxEngine) -> Reply:
    if not rest.strip():
        raise UserError("By how much? Give a duration.", "/timebox extend 10m")
    by = plan.box_length(rest, what="An extension")
    box = await store_of(svc).running(where)
    if box is None:  # typed after "Time's up": what its "+5m" does
        last = await _last_box(where, svc)
        if last is not None and _just_ran_out(last, svc):
            reopened = await _reopen(last, by, who, svc, engine=engine)
            if reopened is not None:
                return reopened
            box = await store_of(svc).running(where)  # someone's "+5m" or new box got in first: extend that
        if box is None:
            here = "in this thread" if where.thread_id else "in this channel"
            raise UserError(f"No timebox is running {here}, so there is nothing to extend. To keep going, "
                            "start a new one.", f"/timebox {format_duration(by)} topic")
    updated = await engine.extend(svc, box, by)
    return texts.extended(updated, by, updated.ends_at - svc.clock.now(), await _who(svc, who))


async def _last_box(where: Place, svc: Services) -> Timebox | None:
    """The newest box of exactly this place (platform, channel, workspace/tenant, thread), checked here as the
    button checks its box."""
    box = await store_of(svc).latest(where)
    if box is None or not same_channel(where, box.platform, box.channel_id) or box.team_id != where.team_id \
            or (box.thread_id or None) != (where.thread_id or None):
        return None
    return box


async def _reopen(box: Timebox, by: timedelta, who: Person, svc: Services, *, engine: TimeboxEngine) -> Reply | None:
    """The "+5m" of a "Time's up", pressed or typed: the plain box that just ran out runs again for `by` more.
    None when it can't any more (stopped, replaced, already reopened, or another box runs there now)."""
    reopened = await engine.reopen(svc, box, plan.check_length(by, what="An extension"))
    if reopened is None:
        return None
    return texts.extended(reopened, by, reopened.ends_at - svc.clock.now(), await _who(svc, who))


# ---- buttons -----------------------------------------------------------------------------------------
async def press_extend(interaction: Interaction, svc: Services, *, engine: TimeboxEngine) -> Replies:
    box_id, _, seconds = interaction.value.partition(":")
    box = await store_of(svc).get(number) if (number := parse_id(box_id)) is not None else None
    if box is not None and not same_channel(interaction.where, box.platform, box.channel_id):
        box = None
    wanted = parse_id(seconds)
    by = timedelta(seconds=wanted) if wanted and wanted <= plan.MAX_BOX.total_seconds() else texts.EXTEND_BY
    if box is not None and _just_ran_out(box, svc):  # the "+5m" of its "Time's up"
        reopened = await _reopen(box, by, interaction.who, svc, engine=engine)
        if reopened is not None:
            return reopened
        box = await store_of(svc).get(box.id)  # someone else's "+5m" got in first: extend theirs, as pressed
    if box is None or box.status != RUNNING:
        if box is not None and box.meeting_id is not None:
            return Reply("That meeting's timer has already finished.")
        return Reply("That timebox has already finished. Start a new one with `/timebox 10m`.")
    updated = await engine.extend(svc, box, plan.check_length(by, what="An extension"))
    return texts.extended(updated, by, updated.ends_at - svc.clock.now(), await _who(svc, interaction.who))


def _just_ran_out(box: Timebox, svc: Services) -> bool:
    """A plain box that ended by itself (not stopped, not replaced) less than REOPEN_WITHIN ago."""
    return (box.status == ENDED and box.meeting_id is None and box.finished_at == box.ends_at
            and svc.clock.now() - box.ends_at < REOPEN_WITHIN)


async def press_stop(interaction: Interaction, svc: Services, *, engine: TimeboxEngine) -> Replies:
    box_id = parse_id(interaction.value)
    box = await store_of(svc).get(box_id) if box_id is not None else None
    if box is None or box.status != RUNNING or not same_channel(interaction.where, box.platform, box.channel_id):
        return Reply("That timebox has already finished.")
    return await _finish(box, interaction.who, svc, engine=engine)


async def press_replace(interaction: Interaction, svc: Services, *, engine: TimeboxEngine) -> Replies:
    try:
        data = json.loads(interaction.value)
        old_id, seconds, topic = parse_id(str(data["old"])), int(data["s"]), str(data.get("t", ""))[:TOPIC_LIMIT]
        thread = str(data.get("th") or "")[:300] or None
        if old_id is None or not 0 < seconds <= plan.MAX_BOX.total_seconds():
            raise ValueError("not a timebox of ours")
    except (ValueError, KeyError, TypeError, OverflowError):
        return Reply("That button is no longer active. Start the timebox again with `/timebox 25m`.")
    where = interaction.where.in_thread(thread or interaction.where.thread_id)
    length = plan.check_length(timedelta(seconds=seconds))
    draft = TimeboxDraft(where, topic, interaction.who.id, svc.clock.now(), int(length.total_seconds()))
    old = await store_of(svc).get(old_id)
    replies: list[Reply] = [Reply("Replacing it.", replace_original=True)]
    if old is not None and old.status == "running" and same_channel(where, old.platform, old.channel_id):
        box, summary = await engine.replace(svc, old, draft)
        if summary is not None:
            replies.append(summary)
    else:
        box = await engine.start(svc, draft)
    if box is None:
        replies.append(Reply("Someone started another timebox here meanwhile — I kept it. "
                             "Try `/timebox` to see it."))
        return replies
    replies.append(texts.started(box))
    return replies


async def press_keep(interaction: Interaction, svc: Services) -> Replies:
    return Reply("OK — the running timebox keeps going.", replace_original=True)
