"""`/pulse results` as text: team aggregates only, and only for rounds with at least k answers.

k-anonymity rules applied here (the repository only ever returns per-round aggregates):
- a round is shown only once it has closed (its answers can no longer change, so two looks at the same
  round can never be subtracted to reveal one late answer) and only with at least k answers;
- comparisons and trends use only such rounds: a round below k never appears as a number, a trend point or
  a comparison base, and its comments are never shown;
- nothing here ever breaks a round down by any attribute of the people who answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeparse import format_local
from handlers.core.types import Place, Reply, Visibility
from handlers.pulse.common import day_label, plural, pulse_store, team_label, threshold
from handlers.pulse.model import BURNOUT_FLAG_LEVEL, RoundStats
from handlers.pulse.questions import QuestionSet, Scale

RECENT_ROUNDS = 12  # rounds looked at (newest first)
TREND_POINTS = 6  # per-round means shown as a trend, oldest first
MAX_COMMENTS = 10
MAX_HIDDEN_LINES = 3
FLAG_SHARE = 0.25  # the burnout hint shows from this share up (or when the share grew)
STEADY = 0.05
HINT = ("💬 _A gentle flag, not an alarm._ For your next 1:1s, ask everyone what drains their energy and what "
        "could come off their plate; workload, focus time and meetings make good retro topics. Please don't try to "
        "work out who answered what — talk with the whole team.")


def shown_rounds(stats: list[RoundStats], k: int, now: datetime) -> list[RoundStats]:
    """The rounds whose figures may be shown, newest first (the rule above). `/pulse results` and the team
    report (handlers/reports) both decide through this, so a change to the rule applies to both."""
    return [s for s in stats if not s.round.is_open(now) and s.answers >= k]


@dataclass(frozen=True, slots=True)
class TeamResults:
    """A channel's recent rounds (newest first) with its threshold, and the rounds that may be shown."""

    stats: list[RoundStats]
    k: int
    shown: list[RoundStats]


async def team_results(svc: Services, place: Place, limit: int = RECENT_ROUNDS) -> TeamResults:
    """What `/pulse results` and the team report read: the channel's latest rounds and which may be shown."""
    stats = await pulse_store(svc).recent_stats(place.without_thread(), limit)
    k = threshold(await svc.store.settings.get(place.without_thread()))
    return TeamResults(stats, k, shown_rounds(stats, k, svc.clock.now()))


async def shown_comments(svc: Services, results: TeamResults, round_id: int) -> list[str]:
    """A round's comments in random order, only when that round's figures may be shown (else none)."""
    if not any(s.round.id == round_id for s in results.shown):
        return []
    comments = await pulse_store(svc).comments(round_id)
    svc.rng.shuffle(comments)
    return comments


def needs_more(answers: int, k: int) -> str:
    missing = max(k - answers, 0)
    return f"needs {missing} more answer{'' if missing == 1 else 's'}"


def _verdict(scale: Scale, now: float, before: float) -> str:
    if scale.good == "middle":
        better = abs(now - 3) < abs(before - 3)
    elif scale.good == "high":
        better = now > before
    else:
        better = now < before
    return "better" if better else "worse"


def _lean(scale: Scale, mean: float) -> str:
    if scale.good != "middle":
        return ""
    if mean > 3.3:
        return " (leaning too much)"
    if mean < 2.7:
        return " (leaning too little)"
    return " (about right)"


def _value(scale: Scale, shown: RoundStats, previous: RoundStats | None, trend: list[RoundStats]) -> str:
    mean = shown.mean(scale.id)
    parts = [f"**{mean:.1f}** of 5{_lean(scale, mean)}"]
    if previous is not None:
        delta = mean - previous.mean(scale.id)
        if abs(delta) < STEADY:
            parts.append("→ steady")
        else:
            parts.append(f"{'▲' if delta > 0 else '▼'} {delta:+.1f} ({_verdict(scale, mean, previous.mean(scale.id))})")
    counts = shown.counts.get(scale.id, ())
    parts.append("answers 1→5: " + "·".join(str(n) for n in counts))
    if len(trend) >= 2:
        parts.append("trend " + " → ".join(f"{s.mean(scale.id):.1f}" for s in trend))
    return " · ".join(parts)


def open_line(stats: RoundStats, k: int, now: datetime, tz: ZoneInfo) -> str:
    rnd = stats.round
    closes = format_local(rnd.closes_at, tz, now=now)
    if rnd.started_at > now:
        return (f"Next round: DMs go out from {format_local(rnd.started_at, tz, now=now)} to "
                f"{rnd.invited} people, each at their own time.")
    head = f"Open now: the round of {day_label(rnd.started_at, tz)} — {stats.answers} of {rnd.invited} answered"
    if stats.answers >= k:
        return f"{head}, enough for results once it closes ({closes}) or everyone has answered."
    return f"{head}, {needs_more(stats.answers, k)} before results can show. Closes {closes}."


def render_results(stats: list[RoundStats], k: int, now: datetime, tz: ZoneInfo, questions: QuestionSet,
                   comments: list[str]) -> Reply:
    """`stats` newest first; `comments` are the shown round's comments, already shuffled."""
    team = team_label(stats[0].round.channel_name) if stats else "this channel"
    lines = [f"**Pulse results for {team}** (anonymous; a round shows only with at least {k} answers)"]
    open_stats = next((s for s in stats if s.round.is_open(now)), None)
    if open_stats is not None:
        lines.append(open_line(open_stats, k, now, tz))
    finished = [s for s in stats if not s.round.is_open(now)]
    visible = shown_rounds(stats, k, now)
    shown = visible[0] if visible else None
    hidden = finished[: finished.index(shown)] if shown is not None else finished
    for s in hidden[:MAX_HIDDEN_LINES]:
        lines.append(f"The round of {day_label(s.round.started_at, tz)} closed with {s.answers} of "
                     f"{s.round.invited} answered — it {needs_more(s.answers, k).replace('needs', 'needed')}, "
                     "so its results stay hidden.")
    if len(hidden) > MAX_HIDDEN_LINES:
        lines.append(f"…and {plural(len(hidden) - MAX_HIDDEN_LINES, 'more round')} with too few answers.")
    if shown is None:
        if open_stats is None or finished:
            lines.append(f"No closed round has had at least {k} answers yet, so there are no results to show.")
        return Reply("\n".join(lines), visibility=Visibility.PERSON)
    previous = visible[1] if len(visible) > 1 else None
    trend = list(reversed(visible[:TREND_POINTS]))
    rnd = shown.round
    invited = rnd.invited or shown.answers
    rate = round(100 * shown.answers / invited) if invited else 0
    header = f"**Round of {day_label(rnd.started_at, tz)}** — {shown.answers} of {invited} answered ({rate}%)"
    if previous is not None:
        prev_invited = previous.round.invited or previous.answers
        prev_rate = round(100 * previous.answers / prev_invited) if prev_invited else 0
        header += f"; compared with the round of {day_label(previous.round.started_at, tz)} ({prev_rate}%)"
    lines.append(header)
    if len(trend) >= 2:
        lines.append(f"_Trends: the last {len(trend)} rounds with enough answers, oldest first._")
    lines.extend(f"• **{scale.name}** — {_value(scale, shown, previous, trend)}" for scale in questions.scales)
    lines.extend(_burnout_lines(shown, previous, questions))
    if comments:
        lines.append("**Comments** (anonymous, in random order):")
        lines.extend(f"• “{clip(c, 500)}”" for c in comments[:MAX_COMMENTS])
        if len(comments) > MAX_COMMENTS:
            lines.append(f"…and {len(comments) - MAX_COMMENTS} more.")
    return Reply("\n".join(lines), visibility=Visibility.PERSON)


def _burnout_lines(shown: RoundStats, previous: RoundStats | None, questions: QuestionSet) -> list[str]:
    scale = questions.scale("burnout")
    high = shown.at_or_above("burnout", BURNOUT_FLAG_LEVEL)
    share = high / shown.answers if shown.answers else 0.0
    grew = previous is not None and previous.answers > 0 and share > (
        previous.at_or_above("burnout", BURNOUT_FLAG_LEVEL) / previous.answers)
    text = (f"{high} of {plural(shown.answers, 'answer')} ({round(100 * share)}%) at burnout level "
            f"{BURNOUT_FLAG_LEVEL} or higher (“{scale.label(BURNOUT_FLAG_LEVEL)}” or worse).")
    if high and (share >= FLAG_SHARE or grew):
        return [f"⚠️ {text}", HINT]
    return [text]
