"""A made-up past for a team: weeks of pulse rounds (sealed), meetings with their hygiene record, a
time-boxed call a week and scope-creep decisions, written straight into storage. `steadybot demo --history` (and `:history`) use it
so the report (`/steadybot report`, the page with charts) has something to show; the report tests use it
too. Everything goes through the repositories, as the features themselves would write it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from handlers.core.clock import FakeClock
from handlers.core.types import Place
from handlers.meetings.ports import MeetingDraft, StartRecord
from handlers.pulse.model import Answer
from handlers.scope.ports import Decision, Learning
from handlers.timebox.ports import ENDED, STOPPED, TimeboxDraft

LEARN = Learning(step=0.25, cap=1.0, relax=0.1)


async def meeting(store: object, place: Place, starts: datetime, minutes: int, actual: float, agenda: bool,
                  title: str = "Sync") -> None:
    meetings = store.meetings  # type: ignore[attr-defined]
    m = await meetings.create(MeetingDraft(place.platform, place.channel_id, place.team_id, title, "organiser",
                                           "Organiser", "UTC", starts, minutes))
    await meetings.mark_started(m.id, StartRecord(starts, agenda, 6, 0, 0))
    await meetings.mark_ended(m.id, starts + timedelta(minutes=actual), actual)


async def timebox(store: object, place: Place, starts: datetime, minutes: int, used: int) -> None:
    """A plain `/timebox` timer: stopped after `used` minutes, or extended to `used` and run out."""
    boxes = store.timebox  # type: ignore[attr-defined]
    box = await boxes.start(TimeboxDraft(place, "demo prep", "organiser", starts, minutes * 60))
    if used > minutes:
        box = await boxes.extend(box.id, box.generation, starts + timedelta(minutes=used))
    await boxes.finish(box.id, ENDED if used >= minutes else STOPPED, starts + timedelta(minutes=used))


async def decision(store: object, place: Place, outcome: str, text: str) -> None:
    scope = store.scope  # type: ignore[attr-defined]
    prompt = await scope.open_prompt(place, text, text)
    await scope.decide(prompt.id, place, Decision(outcome, added=text if outcome in ("drop", "extend") else "",  # type: ignore[arg-type]
                                                  dropped_text="older work" if outcome == "drop" else "",
                                                  extension="1 week" if outcome == "extend" else ""), LEARN)


async def pulse_round(store: object, clock: FakeClock, place: Place, key: str, people: Sequence[str],
                      scores: list[tuple[int, ...]], comments: Sequence[str]) -> None:
    pulse = store.pulse  # type: ignore[attr-defined]
    rnd = await pulse.create_round(key, place, 72)
    await pulse.add_invitations(rnd.id, [(place.platform, p) for p in people])
    now = clock.now()
    await pulse.finish_invitations(rnd.id, now, now + timedelta(days=3))
    for i, (person, score) in enumerate(zip(people, scores, strict=False)):
        await pulse.record(rnd.id, place.platform, person, Answer(score, comments[i] if i < len(comments) else None),
                           date(now.year, now.month, now.day))
    await pulse.close_round(rnd.id)


def scores(energy: int, workload: int, burnout: int, n: int) -> list[tuple[int, ...]]:
    return [(energy, 3, 3, workload, burnout)] * n


async def write_history(store: object, clock: FakeClock, place: Place, people: Sequence[str], *, weeks: int = 8,
                        heavy_weeks: tuple[int, ...] = (2, 5), below_k_week: int | None = 3,
                        comments: Sequence[str] | None = None) -> None:
    """From the clock's now on, `weeks` weeks: Monday–Thursday meetings (heavy weeks: four long ones a day
    that overrun, else one short one), a 15-minute timebox on Thursday afternoon (extended by 10 minutes in
    heavy weeks, else stopped after 10), scope decisions in heavy weeks, a pulse round each Friday (lower
    energy in and after heavy weeks, two answers at burnout level 4). The round of `below_k_week` gets only
    two answers (a comment "SECRET-BELOW-K"): below any threshold. The clock ends a day after the last week."""
    start = clock.now()
    for week in range(weeks):
        monday = start + timedelta(weeks=week)
        heavy = week in heavy_weeks
        for day in range(4):
            for slot in range(4 if heavy else 1):
                clock.set(monday + timedelta(days=day, hours=slot * 2))
                await meeting(store, place, clock.now(), 60 if heavy else 30, 70 if heavy else 25, agenda=slot == 0)
        clock.set(monday + timedelta(days=3, hours=10))
        await timebox(store, place, clock.now(), 15, 25 if heavy else 10)
        clock.set(monday + timedelta(days=3, hours=12))
        if heavy:
            await decision(store, place, "drop", "CSV export")
            await decision(store, place, "extend", "dark mode")
            await decision(store, place, "park", "new logo")
        elif week % 3 == 0:
            await decision(store, place, "dismiss", "just asking")
        clock.set(monday + timedelta(days=4, hours=9))
        if week == below_k_week:
            await pulse_round(store, clock, place, f"history-w{week}", people, scores(1, 5, 5, 2), ["SECRET-BELOW-K"])
            continue
        energy = 2 if week - 1 in heavy_weeks or week in heavy_weeks else 4
        workload = 4 if heavy else 3
        n = min(len(people), 6 if week % 2 else 5)
        answers = scores(energy, workload, 2, n - 2) + scores(energy, workload, 4, 2)
        texts = list(comments) if comments is not None else [f"comment {week}-{i}" for i in range(2)]
        await pulse_round(store, clock, place, f"history-w{week}", people, answers,
                          [texts[(week + i) % len(texts)] for i in range(2)] if comments is not None else texts)
    clock.set(start + timedelta(weeks=weeks, days=1))
