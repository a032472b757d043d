"""Twelve weeks of team history built directly in storage for the report tests: a pulse round a week
(sealed), meetings with hygiene records, and scope-creep decisions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handlers.core.types import Place, Platform
from handlers.meetings.ports import MeetingDraft, StartRecord
from handlers.pulse.model import Answer
from handlers.scope.ports import Decision, Learning
from tests.harness import Harness

CHANNEL = Place(Platform.SLACK, "C1", "T1", name="team")
PEOPLE = [f"U{i}" for i in range(1, 8)]
LEARN = Learning(step=0.25, cap=1.0, relax=0.1)


async def meeting(bot: Harness, place: Place, starts: datetime, minutes: int, actual: float, agenda: bool) -> None:
    store = bot.runtime.store.meetings
    m = await store.create(MeetingDraft(place.platform, place.channel_id, place.team_id, "Sync", "U1", "Ana", "UTC",
                                        starts, minutes))
    await store.mark_started(m.id, StartRecord(starts, agenda, 6, 0, 0))
    await store.mark_ended(m.id, starts + timedelta(minutes=actual), actual)


async def decision(bot: Harness, place: Place, outcome: str, text: str) -> None:
    store = bot.runtime.store.scope
    prompt = await store.open_prompt(place, text, text)
    await store.decide(prompt.id, place, Decision(outcome, added=text if outcome in ("drop", "extend") else "",
                                                  dropped_text="old work" if outcome == "drop" else "",
                                                  extension="1 week" if outcome == "extend" else ""), LEARN)


async def pulse_round(bot: Harness, place: Place, key: str, scores: list[tuple[int, ...]], comments: list[str],
                      invited: list[str] | None = None) -> None:
    store = bot.runtime.store.pulse
    people = invited or PEOPLE
    rnd = await store.create_round(key, place, 72)
    await store.add_invitations(rnd.id, [(place.platform, p) for p in people])
    now = bot.clock.now()
    await store.finish_invitations(rnd.id, now, now + timedelta(days=3))
    for i, (person, score) in enumerate(zip(people, scores, strict=False)):
        comment = comments[i] if i < len(comments) else None
        await store.record(rnd.id, place.platform, person, Answer(score, comment), date(2026, 3, 2))
    await store.close_round(rnd.id)


def scores(energy: int, workload: int, burnout: int, n: int) -> list[tuple[int, ...]]:
    return [(energy, 3, 3, workload, burnout)] * n


async def seed_history(bot: Harness, place: Place = CHANNEL, *, heavy_weeks: tuple[int, ...] = (2, 5),
                       below_k_week: int | None = 3, weeks: int = 8) -> None:
    """From the harness clock on: `weeks` weeks; Monday–Thursday meetings (heavy weeks: many long ones),
    scope decisions in heavy weeks, and a pulse round each Friday (lower energy after heavy weeks). The
    round of `below_k_week` gets only 2 answers with a comment "SECRET-BELOW-K". The clock ends a week later."""
    start = bot.clock.now()
    for week in range(weeks):
        monday = start + timedelta(weeks=week)
        heavy = week in heavy_weeks
        for day in range(4):
            for slot in range(4 if heavy else 1):
                bot.clock.set(monday + timedelta(days=day, hours=slot * 2))
                await meeting(bot, place, bot.clock.now(), 60 if heavy else 30, 70 if heavy else 25, agenda=slot == 0)
        bot.clock.set(monday + timedelta(days=3, hours=12))
        if heavy:
            await decision(bot, place, "drop", "CSV export")
            await decision(bot, place, "extend", "dark mode")
            await decision(bot, place, "park", "new logo")
        elif week % 3 == 0:
            await decision(bot, place, "dismiss", "just asking")
        bot.clock.set(monday + timedelta(days=4, hours=9))
        if week == below_k_week:
            await pulse_round(bot, place, f"w{week}", scores(1, 5, 5, 2), ["SECRET-BELOW-K"])
        else:
            energy = 2 if week - 1 in heavy_weeks or week in heavy_weeks else 4
            workload = 4 if week in heavy_weeks else 3
            n = 6 if week % 2 else 5
            burnout = scores(energy, workload, 2, n - 2) + scores(energy, workload, 4, 2)  # 2 people at level ≥ 3
            await pulse_round(bot, place, f"w{week}", burnout, [f"comment {week}-{i}" for i in range(2)])
    bot.clock.set(start + timedelta(weeks=weeks, days=1))
