"""At most three plain-language observations that link the pulse to meetings and scope creep.

Rules: only with at least four shown rounds; only about the team's aggregates; phrased as an association
in the team's own numbers ("followed", "went with"), never as a cause and never about a person. Each round
is paired with the calendar week (Monday, UTC) that holds the day before it started: the work that came
just before the answers.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import mean

from handlers.reports.model import (
    MAX_OBSERVATIONS,
    MIN_ROUNDS_FOR_OBSERVATIONS,
    Report,
    RoundPoint,
    WeekPoint,
)

ENERGY = "exhaustion"  # the "Energy" scale: higher is better
WORKLOAD = "workload"
MIN_HOURS_GAP = 1.0  # meeting hours per week between the groups before it is worth a sentence
MIN_SCORE_GAP = 0.3  # points on the 1–5 scale
MIN_TREND = 0.4


def week_before(round_: RoundPoint, weeks: tuple[WeekPoint, ...]) -> WeekPoint | None:
    day = (round_.started_at - timedelta(days=1)).date()
    start = day - timedelta(days=day.weekday())
    return next((w for w in weeks if w.week_start == start), None)


def _hours(value: float) -> str:
    return f"{value:.1f} h"


def _labels(rounds: list[RoundPoint]) -> str:
    names = [r.label for r in rounds]
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


def meetings_and_energy(report: Report) -> str | None:
    dims = {d.id for d in report.dimensions}
    if ENERGY not in dims:
        return None
    paired = [(r, w) for r in report.rounds if ENERGY in r.means and (w := week_before(r, report.weeks)) is not None]
    if len(paired) < MIN_ROUNDS_FOR_OBSERVATIONS:
        return None
    by_energy = sorted(paired, key=lambda p: p[0].means[ENERGY])
    low, rest = by_energy[:2], by_energy[2:]
    low_hours = mean(w.meeting_hours for _, w in low)
    rest_hours = mean(w.meeting_hours for _, w in rest)
    if abs(low_hours - rest_hours) < MIN_HOURS_GAP:
        return None
    name = next(d.name for d in report.dimensions if d.id == ENERGY).lower()
    busiest = sorted(paired, key=lambda p: p[1].meeting_hours, reverse=True)[:2]
    if low_hours > rest_hours:
        which = ("followed the weeks with the most meeting hours" if {id(p) for p in busiest} == {id(p) for p in low}
                 else "followed weeks with more meeting hours")
        return (f"The two rounds with the lowest {name} ({_labels([r for r, _ in low])}) {which}: "
                f"{_hours(low_hours)} of meetings on average in the week before, against {_hours(rest_hours)} "
                "before the other rounds.")
    return (f"The two rounds with the lowest {name} ({_labels([r for r, _ in low])}) followed lighter meeting "
            f"weeks ({_hours(low_hours)} against {_hours(rest_hours)}), so meeting hours do not line up with the "
            "dips here.")


def scope_and_workload(report: Report) -> str | None:
    dims = {d.id: d for d in report.dimensions}
    if WORKLOAD not in dims:
        return None
    paired = [(r, w) for r in report.rounds if WORKLOAD in r.means and (w := week_before(r, report.weeks)) is not None]
    churn = [r for r, w in paired if w.dropped + w.extended + w.parked > 0]
    calm = [r for r, w in paired if w.dropped + w.extended + w.parked == 0]
    if len(paired) < MIN_ROUNDS_FOR_OBSERVATIONS or len(churn) < 2 or len(calm) < 2:
        return None
    churn_mean = mean(r.means[WORKLOAD] for r in churn)
    calm_mean = mean(r.means[WORKLOAD] for r in calm)
    if abs(churn_mean - calm_mean) < MIN_SCORE_GAP:
        return None
    name = dims[WORKLOAD].name.lower()
    direction = "heavier" if churn_mean > calm_mean else "lighter"
    return (f"Rounds after weeks with scope-creep decisions (something dropped, a deadline moved or an idea "
            f"parked) rated {name} {direction}: {churn_mean:.1f} of 5 on average over {len(churn)} rounds, "
            f"against {calm_mean:.1f} over {len(calm)} rounds after quieter weeks.")


def biggest_trend(report: Report) -> str | None:
    rounds = list(report.rounds)
    if len(rounds) < MIN_ROUNDS_FOR_OBSERVATIONS:
        return None
    best: tuple[float, str] | None = None
    for dim in report.dimensions:
        having = [r for r in rounds if dim.id in r.means]  # rounds whose mean of this dimension is published
        if len(having) < MIN_ROUNDS_FOR_OBSERVATIONS:
            continue
        first = mean(r.means[dim.id] for r in having[:2])
        last = mean(r.means[dim.id] for r in having[-2:])
        change = last - first
        if abs(change) < MIN_TREND or (best is not None and abs(change) <= abs(best[0])):
            continue
        if dim.good == "middle":
            verdict = "closer to “about right”" if abs(last - 3) < abs(first - 3) else "further from “about right”"
        else:
            better = change > 0 if dim.good == "high" else change < 0
            verdict = "better" if better else "worse"
        best = (change, f"{dim.name} went from {first:.1f} to {last:.1f} of 5 between the first and the last "
                        f"rounds of these weeks ({verdict}).")
    return best[1] if best else None


def observations(report: Report) -> list[str]:
    if len(report.rounds) < MIN_ROUNDS_FOR_OBSERVATIONS:
        return []
    found = [meetings_and_energy(report), scope_and_workload(report), biggest_trend(report)]
    return [f for f in found if f][:MAX_OBSERVATIONS]
