"""Builds a channel's team report from the other features' public read APIs only:

- pulse: `handlers.pulse.results.team_results` / `shown_comments` (the same rule `/pulse results` shows by),
  and only sealed rounds of the last 12 weeks;
- meetings: `handlers.meetings.api.hygiene_summary` (the `/meeting stats` record);
- time-boxed calls: `handlers.timebox.api.timebox_totals` (plain `/timebox` timers; a meeting's are the meeting's);
- scope creep: `handlers.scope.api.decisions_summary` (the `/tradeoff stats` record), per week by difference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from handlers.core.services import Services
from handlers.core.types import Place
from handlers.meetings.api import hygiene_summary
from handlers.pulse.common import day_label
from handlers.pulse.model import BURNOUT_FLAG_LEVEL, RoundStats
from handlers.pulse.questions import QuestionSet, load_questions
from handlers.pulse.results import burnout_share, published, shown_comments, team_results
from handlers.reports.model import (
    WEEKS,
    Decisions,
    Dimension,
    MeetingLoad,
    Report,
    RoundPoint,
    TimeboxLoad,
    WeekPoint,
)
from handlers.reports.observe import observations
from handlers.scope.api import ScopeSummary, decisions_summary
from handlers.timebox.api import TimeboxTotals, timebox_totals

ROUNDS_LOOKED_AT = 60  # a daily pulse over 12 weeks; weekly teams have 12
MAX_COMMENTS = 10


@cache
def questions() -> QuestionSet:
    return load_questions()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _point(stats: RoundStats, qs: QuestionSet, tz: ZoneInfo) -> RoundPoint:
    """A shown round as the report may publish it: the same rounded means `/pulse results` publishes (never
    more precise); a dimension whose mean would pin one or two answers down (`/pulse results` says "mean not
    shown") has no mean here either — charts leave a gap, observations skip the round."""
    rnd = stats.round
    means = {s.id: published(stats, s.id).mean for s in qs.scales}
    return RoundPoint(
        started_at=rnd.started_at,
        label=day_label(rnd.started_at, tz),
        answered=stats.answers,
        invited=max(rnd.invited or 0, stats.answers),
        means={dim: float(m) for dim, m in means.items() if m is not None},
        burnout_high=stats.at_or_above("burnout", BURNOUT_FLAG_LEVEL),
        burnout_shown=burnout_share(stats).phrase(),
    )


def _timebox_load(totals: TimeboxTotals) -> TimeboxLoad:
    return TimeboxLoad(totals.timers, totals.planned_minutes, totals.actual_minutes, totals.saved_minutes,
                       totals.overrun_minutes, totals.finished_early, totals.ran_over)


def _since_counts(summary: ScopeSummary) -> tuple[int, int, int, int]:
    return summary.dropped, summary.extended, summary.parked, summary.dismissed


async def build_report(svc: Services, place: Place, tz: ZoneInfo, *, channel_name: str = "") -> Report:
    now = svc.clock.now()
    since = now - timedelta(weeks=WEEKS)
    channel = place.without_thread()
    qs = questions()

    results = await team_results(svc, channel, ROUNDS_LOOKED_AT)
    shown = [s for s in results.shown if s.round.sealed and s.round.started_at >= since]  # newest first
    rounds = tuple(_point(s, qs, tz) for s in reversed(shown))
    comments: list[str] = []
    comments_round = ""
    if shown:
        comments = (await shown_comments(svc, results, shown[0].round.id))[:MAX_COMMENTS]
        comments_round = day_label(shown[0].round.started_at, tz) if comments else ""
    name = channel_name or place.name or next((s.round.channel_name for s in results.stats if s.round.channel_name), "")

    hygiene = await hygiene_summary(svc, channel, since)
    starts = [monday(since.date()) + timedelta(weeks=i) for i in range(WEEKS + 1)]
    starts = [d for d in starts if d <= now.date()][-WEEKS:]
    cumulative = [_since_counts(await decisions_summary(svc, channel, max(_midnight(d), since))) for d in starts]
    loads = {w.week_start: w for w in hygiene.weeks}
    weeks: list[WeekPoint] = []
    for i, start in enumerate(starts):
        after = cumulative[i + 1] if i + 1 < len(cumulative) else (0, 0, 0, 0)
        dropped, extended, parked, dismissed = (a - b for a, b in zip(cumulative[i], after, strict=True))
        load = loads.get(start)
        weeks.append(WeekPoint(start, load.meetings if load else 0, load.minutes if load else 0,
                               dropped, extended, parked, dismissed))
    scope = await decisions_summary(svc, channel, since)
    timers = await timebox_totals(svc, channel, since)
    report = Report(
        platform=str(place.platform),
        channel_id=place.channel_id,
        channel_name=name,
        generated_at=now,
        since=since,
        tz=str(tz.key),
        k=results.k,
        dimensions=tuple(Dimension(s.id, s.name, s.good) for s in qs.scales),
        rounds=rounds,
        weeks=tuple(weeks),
        meetings=MeetingLoad(hygiene.meetings_held, round(hygiene.actual_minutes / 60, 1), hygiene.with_agenda,
                             hygiene.overrun_minutes, hygiene.saved_minutes, hygiene.cancelled),
        timeboxes=_timebox_load(timers),
        decisions=Decisions(scope.prompts, scope.dropped, scope.extended, scope.parked, scope.dismissed, scope.open),
        comments=tuple(comments),
        comments_round=comments_round,
    )
    return _with_observations(report)


def _with_observations(report: Report) -> Report:
    from dataclasses import replace

    return replace(report, observations=tuple(observations(report)))
