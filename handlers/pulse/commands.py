"""`/pulse …`: send now, schedule, stop, close, results, opt out/in, and the private journal."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from functools import partial

from handlers.core.errors import StorageUnavailable, UserError
from handlers.core.recurrence import SCHEDULE_EXAMPLE, parse_recurrence
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeparse import day_part, format_local
from handlers.core.types import Command, Person, Place, Reply, Visibility
from handlers.pulse.catalog import INTRO
from handlers.pulse.common import (
    day_label,
    log,
    people,
    person_tz,
    plural,
    pulse_store,
    require_manager,
    split_window,
    team_place,
    threshold,
    window_label,
)
from handlers.pulse.forgetting import forget_person, forget_summary
from handlers.pulse.journal import journal_me
from handlers.pulse.model import Schedule
from handlers.pulse.ports import PulseStore
from handlers.pulse.questions import QuestionSet
from handlers.pulse.results import (
    RECENT_ROUNDS,
    State,
    open_line,
    render_results,
    round_threshold,
    round_views,
    shown_comments,
    team_results,
)
from handlers.pulse.sending import invite, outbox_prefix, too_few_text
from handlers.pulse.snooze import snooze_cmd
from handlers.pulse.timing import first_occurrence

UNKNOWN = "`/pulse` knows `now`, `schedule`, `stop`, `close`, `results`, `optout`, `optin`, `snooze` and `me`."
OPT_WORDS = {"out": "optout", "in": "optin"}  # `/pulse opt out` is `/pulse optout`
Subcommand = Callable[[Command, str, Services], Awaitable[Reply]]
#: The hour offered when a schedule names a day part but no hour. A bare hour beside the word would be read the
#: same way (`every friday evening at 6` is 18:00), but the example says am or pm so that it reads the same to
#: anyone, without knowing how a bare hour is read.
_PART_EXAMPLE = {"morning": "9am", "afternoon": "2pm", "evening": "6pm", "night": "8pm", "tonight": "8pm"}
_FORGET = {"--forget", "-forget", "—forget", "–forget", "forget", "-f"}


def _channel_line(schedule: Schedule | None) -> str:
    if schedule is None:
        return "No pulse is scheduled in this channel."
    return (f"Pulse schedule: {schedule.recurrence.describe()} (each person's own time), open for "
            f"{window_label(schedule.window_hours)}; next one on {schedule.next_occurrence:%a} "
            f"{schedule.next_occurrence.day} {schedule.next_occurrence:%b}.")


async def _call_off(store: PulseStore, svc: Services, schedule: Schedule) -> int:
    """A stopped schedule's rounds that have not started yet are removed with their queued DMs."""
    rounds = await store.unstarted_rounds(schedule.id)
    for rnd in rounds:
        await svc.outbox.cancel(outbox_prefix(rnd.id))
        await store.drop_round(rnd.id)
    return len(rounds)


async def _too_small(place: Place, who: Person, svc: Services, store: PulseStore) -> str | None:
    """Why a schedule set now would be refused at its runs (fewer than k people besides its owner), or None.
    A channel whose members cannot be listed now is left to the run's own check."""
    try:
        members = await svc.directory.members(place)
    except StorageUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - the run checks again
        log.info("pulse schedule: could not list the channel: %s", type(exc).__name__)
        return None
    ids = {p.id for p in members if p.id and not p.is_bot}
    ids -= await store.opted_out(place.platform, sorted(ids))
    others = len(ids - {who.id})
    k = threshold(await svc.store.settings.get(place))
    return too_few_text(others, k) if others < k else None


async def status(cmd: Command, svc: Services) -> Reply:
    store = pulse_store(svc)
    if cmd.where.is_direct:
        return Reply(f"{INTRO}\nIn a team channel: `/pulse now`, `/pulse schedule every friday at 3pm`, "
                     "`/pulse results`. Here, just for you: `/pulse me`, `/pulse optout`.")
    place = cmd.where.without_thread()
    lines = [INTRO, _channel_line(await store.active_schedule(place))]
    rnd = await store.open_round(place)
    if rnd is not None and rnd.invited:
        k = threshold(await svc.store.settings.get(place))
        now = svc.clock.now()
        stats = [s for s in await store.recent_stats(place, 3) if s.round.id == rnd.id]
        views = await round_views(store, stats, k, now) if stats else []
        if views and views[0].state in (State.UPCOMING, State.OPEN, State.CLOSING):
            lines.append(open_line(views[0], now, await person_tz(svc, cmd.who)))
    lines.append("See `/pulse help` for everything.")
    return Reply("\n".join(lines))

async def now_cmd(cmd: Command, rest: str, svc: Services, *, questions: QuestionSet) -> Reply:
    place = team_place(cmd, "Sending a pulse")
    await require_manager(cmd.who, place, svc, "send a pulse to the whole channel")
    leftover, hours = split_window(rest, "/pulse now for 2 days")
    if leftover:
        raise UserError(f"`/pulse now` takes no `{clip(leftover)}`. To change how long it stays open, add "
                        "`for <duration>`.", "/pulse now for 2 days")
    store = pulse_store(svc)
    tz = await person_tz(svc, cmd.who)
    current = await store.open_round(place)
    if current is not None:
        now = svc.clock.now()
        if current.first_due_at is not None and current.first_due_at > now:
            raise UserError(f"The next scheduled pulse is already on its way here: its DMs go out from "
                            f"{format_local(current.first_due_at, tz, now=now)}.", "/pulse schedule")
        raise UserError(f"A pulse is already open here (until {format_local(current.closes_at, tz, now=now)}). "
                        "Close it first with `/pulse close`, or see how it's going:", "/pulse results")
    rnd = await store.create_round(f"now:{place.key}:{uuid.uuid4().hex}", place, hours)
    await store.set_round_sender(rnd.id, cmd.who.id, False)  # kept if inviting is finished later
    try:
        sent = await invite(rnd, svc, store, sender=cmd.who.id)
    except StorageUnavailable:
        raise
    except Exception as exc:  # the platform would not list the channel's members
        log.warning("pulse now: could not invite the channel: %s", type(exc).__name__)
        await store.drop_round(rnd.id)
        raise UserError("I couldn't get the list of people in this channel. Is the app added to it?",
                        "/pulse now") from exc
    if sent.refused:
        await store.drop_round(rnd.id)
        return Reply("**I didn't send this pulse**: " + too_few_text(sent.others, sent.k),
                     visibility=Visibility.PERSON)
    if sent.people == 0:
        await store.drop_round(rnd.id)
        return Reply("I found nobody to send a pulse to in this channel: bots and people who opted out are "
                     "always left out.", visibility=Visibility.PERSON)
    k = round_threshold(threshold(await svc.store.settings.get(place)), sent.round.min_respondents)
    text = (f"**A pulse check-in is on its way** to {people(sent.people)} in this channel: "
            f"{len(questions.scales)} quick questions by DM, about 30 seconds. Answers are anonymous, and "
            f"results show only once at least {k} people besides the one who sent it have answered. Open until "
            f"{format_local(sent.round.closes_at, tz, now=svc.clock.now())}.")
    later = sent.people - sent.right_away
    if later:
        text += (f"\n{people(later)} will get it a little later — DMs wait for the end of their "
                 "weekend or quiet hours.")
    return Reply(text, visibility=Visibility.CHANNEL)

async def schedule_cmd(cmd: Command, rest: str, svc: Services) -> Reply:
    place = team_place(cmd, "A pulse schedule")
    store = pulse_store(svc)
    if not rest:
        return Reply(_channel_line(await store.active_schedule(place))
                     + f"\nSet one with `/pulse schedule {SCHEDULE_EXAMPLE}`.")
    if rest.lower() in ("off", "stop", "none", "cancel"):
        return await stop_cmd(cmd, "", svc)
    await require_manager(cmd.who, place, svc, "schedule the pulse")
    phrase, hours = split_window(rest, f"/pulse schedule {SCHEDULE_EXAMPLE} for 2 days")
    try:
        # a bare hour as people mean it, read by the code meetings use (`timeparse.meeting_hour`): "every friday
        # at 4" is 16:00, "at 9" 09:00; am/pm, "04:00" and "16:00" as written. A stored schedule keeps its rule
        # (hour and minute), never read again from these words, so this reading moves no existing schedule.
        recurrence = parse_recurrence(phrase, meeting=True)
    except UserError as exc:
        raise UserError(exc.message + " I understand phrases like `every friday at 3pm`, "
                        "`every other monday 10:00`, `weekdays at 9` or `first monday of the month at 11`.",
                        f"/pulse schedule {SCHEDULE_EXAMPLE}") from exc
    if not recurrence.time_given and (part := day_part(phrase)) is not None:  # "every friday evening": not 10:00
        where = {"tonight": "tonight", "night": "at night"}.get(part, f"in the {part}")
        example = f"/pulse schedule {clip(phrase, 60)} at {_PART_EXAMPLE.get(part, '6pm')}"
        raise UserError(f"At what time {where}? Add it like `{example}`.", example)
    refused = await _too_small(place, cmd.who, svc, store)
    if refused is not None:
        return Reply("**I didn't schedule this pulse**: " + refused, visibility=Visibility.PERSON)
    tz = await person_tz(svc, cmd.who)
    recurrence, first = first_occurrence(recurrence, svc.clock.now(), tz)
    old = await store.stop_schedule(place)
    if old is not None:
        await _call_off(store, svc, old)
    await store.set_schedule(place, phrase, recurrence, first, hours, cmd.who.id)
    settings = await svc.store.settings.get(place)
    quiet = (f"{settings.quiet_start:%H:%M}–{settings.quiet_end:%H:%M}"
             if settings.quiet_start != settings.quiet_end else "none set")
    when = recurrence.describe() + ("" if recurrence.time_given else " (no time given, so 10:00)")
    return Reply(
        f"**Pulse scheduled** for this channel: {when}, in each person's own timezone. DMs never arrive on "
        f"someone's weekend or in quiet hours ({quiet}) — they move to the next good time. First one: "
        f"{first:%a} {first.day} {first:%b}. Each round is open for {window_label(hours)}, with one reminder "
        "to anyone who hasn't answered. `/pulse stop` ends it."
        + ("\n(This replaces the previous schedule.)" if old is not None else ""),
        visibility=Visibility.CHANNEL)

async def stop_cmd(cmd: Command, rest: str, svc: Services) -> Reply:
    place = team_place(cmd, "A pulse schedule")
    if rest:
        raise UserError("`/pulse stop` takes nothing after it.", "/pulse stop")
    await require_manager(cmd.who, place, svc, "stop the pulse schedule")
    store = pulse_store(svc)
    old = await store.stop_schedule(place)
    if old is None:
        return Reply("There is no pulse schedule in this channel to stop.")
    await _call_off(store, svc, old)
    return Reply(f"The pulse schedule ({old.recurrence.describe()}) is stopped. A round that has already "
                 "started runs to its end, and past results stay available with `/pulse results`.",
                 visibility=Visibility.CHANNEL)

async def close_cmd(cmd: Command, rest: str, svc: Services) -> Reply:
    place = team_place(cmd, "Closing a pulse")
    if rest:
        raise UserError("`/pulse close` takes nothing after it.", "/pulse close")
    await require_manager(cmd.who, place, svc, "close the pulse")
    store = pulse_store(svc)
    rnd = await store.open_round(place)
    if rnd is None or not rnd.invited:
        return Reply("No pulse is open in this channel right now.")
    await store.close_round(rnd.id)
    answers = await store.answer_count(rnd.id)
    return Reply(f"Closed the round of {day_label(rnd.started_at, await person_tz(svc, cmd.who))} with "
                 f"{plural(answers, 'answer')}; no more answers will be added. See `/pulse results`.")

async def results_cmd(cmd: Command, rest: str, svc: Services, *, questions: QuestionSet) -> Reply:
    place = team_place(cmd, "Pulse results")
    if rest:
        raise UserError("`/pulse results` takes nothing after it: results are per round, for the whole team.",
                        "/pulse results")
    results = await team_results(svc, place, RECENT_ROUNDS)
    if not results.stats:
        return Reply("No pulse has run in this channel yet, so there are no results. Send one with `/pulse now`, "
                     f"or schedule it: `/pulse schedule {SCHEDULE_EXAMPLE}`.")
    now = svc.clock.now()
    comments = await shown_comments(svc, results, results.shown[0].round.id) if results.shown else []
    return render_results(results.views, results.k, now, await person_tz(svc, cmd.who), questions, comments)

async def optout_cmd(cmd: Command, rest: str, svc: Services) -> Reply:
    words = {w.lower() for w in rest.split()}
    if words - _FORGET:
        raise UserError("`/pulse optout` takes only `--forget`.", "/pulse optout --forget")
    store = pulse_store(svc)
    await store.set_prefs(cmd.who.platform, cmd.who.id, opted_out=True)
    if not words:
        return Reply("You're out: no more pulse DMs for you, from any channel. `/pulse optin` brings you back. "
                     "To also delete your journal and your records of having been asked and having answered: "
                     "`/pulse optout --forget`.", visibility=Visibility.PRIVATE)
    report = await forget_person(svc.store, svc.directory, cmd.who.platform, cmd.who.id)
    return Reply(f"You're out, and I {forget_summary(report, you=True)} "
                 "Anonymous answers stay as they are: nothing links them to you. `/pulse optin` brings you back.",
                 visibility=Visibility.PRIVATE)

async def optin_cmd(cmd: Command, rest: str, svc: Services) -> Reply:
    if rest:
        raise UserError("`/pulse optin` takes nothing after it.", "/pulse optin")
    await pulse_store(svc).set_prefs(cmd.who.platform, cmd.who.id, opted_out=False)
    return Reply("Welcome back — you'll get the next pulse DMs again. They stay anonymous.",
                 visibility=Visibility.PRIVATE)

def subcommands(questions: QuestionSet) -> dict[str, Subcommand]:
    """The word after `/pulse` → its handler, with the question set bound where the text needs it."""
    now, results, me = (partial(now_cmd, questions=questions), partial(results_cmd, questions=questions),
                        partial(journal_me, questions=questions))
    return {"now": now, "schedule": schedule_cmd, "stop": stop_cmd, "close": close_cmd,
            "results": results, "optout": optout_cmd, "optin": optin_cmd, "me": me,
            "opt-out": optout_cmd, "opt-in": optin_cmd, "result": results, "snooze": snooze_cmd}


def _opt_words(sub: str, rest: str) -> tuple[str, str]:
    """`opt out --forget` → (`optout`, `--forget`); `opt` followed by anything else says what it can do."""
    if sub.lower() != "opt":
        return sub, rest
    word, _, after = rest.strip().partition(" ")
    if word.lower() not in OPT_WORDS:
        raise UserError("`/pulse opt out` (or `optout`) stops your pulse DMs from every channel; `/pulse opt in` "
                        "(or `optin`) brings them back.", "/pulse opt out")
    return OPT_WORDS[word.lower()], after


async def pulse(cmd: Command, svc: Services, *, routes: Mapping[str, Subcommand]) -> Reply:
    sub, _, rest = cmd.text.strip().partition(" ")
    if not sub:
        return await status(cmd, svc)
    sub, rest = _opt_words(sub, rest)
    route = routes.get(sub.lower())
    if route is None:
        raise UserError(f"I don't know `/pulse {clip(sub)}`. {UNKNOWN}", "/pulse results")
    return await route(cmd, rest.strip(), svc)
