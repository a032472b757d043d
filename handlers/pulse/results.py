"""`/pulse results` as text: team aggregates only, under rules that hold against the team lead — someone who
sent the pulse, knows their own answer, knows who is in the channel, may run pulses in several channels and
may look as often as they like. What they can compute from everything shown must not single anyone out:

- **sealed rounds only.** A round shows once it is sealed (never merely because `closes_at` passed): its
  answers can no longer change, so two looks can never be subtracted to reveal one late answer. An open
  round shows no count at all, only "not enough answers yet" / "enough once it closes".
- **the round's own threshold.** A round shows only when its answers from people *other than the sender*
  (who knows their own) reach k = max(today's `min_respondents`, the threshold its DMs announced). Lowering
  `min` after a round closed below what it announced does not reveal it. And every answerer knows their own
  answer, so a round needs 4 answers in all (`MIN_ANSWERS`): with 3, the sender not among them, each of the
  three could work out the other two's.
- **complementary suppression.** Of two shown rounds of the same days (any channel: their windows overlap, or
  one started less than `SAME_DAYS` — 6 days — after the other, however early it was closed) whose answered
  sets differ by fewer than the larger of their thresholds, only the one shown first stays shown (decided
  once, stored): otherwise subtracting one from the other isolates the few people in between.
- **no figure counts one or two people** (handlers/pulse/disclosure.py), not even for someone who answered
  and takes their own answer out: distributions are merged into bands of 0 or at least 4, a mean that would
  pin down one or two answers (of everyone's, or of the others' once your own is taken out) is left out, the
  burnout share says "fewer than 4" (or "all but fewer than 4") instead of a count that would leave
  someone at burnout 3+, or below it, with 1 or 2 others, and changes and flags are computed from the
  published figures only.
- **comments** show only with at least max(k, 5) answers from people other than the sender.
- comparisons and trends use only rounds that are shown; nothing is ever broken down by any attribute of
  the people who answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.timeparse import format_local
from handlers.core.types import Place, Reply, Visibility
from handlers.pulse.common import day_label, plural, pulse_store, team_label, threshold
from handlers.pulse.disclosure import FEWEST, Published, Share, publish, share
from handlers.pulse.model import BURNOUT_FLAG_LEVEL, LEVELS, SAME_DAYS, RoundStats
from handlers.pulse.ports import PulseStore
from handlers.pulse.questions import QuestionSet, Scale

RECENT_ROUNDS = 12  # rounds looked at (newest first)
TREND_POINTS = 6  # per-round means shown as a trend, oldest first
MAX_COMMENTS = 10
MAX_HIDDEN_LINES = 3
MIN_FOR_COMMENTS = 5  # comments need max(k, this) answers besides the sender's own
FLAG_SHARE = 0.25  # the burnout hint shows from this share up (or when the share grew)
STEADY = 0.05
HINT = ("💬 _A gentle flag, not an alarm._ For your next 1:1s, ask everyone what drains their energy and what "
        "could come off their plate; workload, focus time and meetings make good retro topics. Please don't try to "
        "work out who answered what — talk with the whole team.")
HIGH_LEVELS = frozenset(level for level in LEVELS if level >= BURNOUT_FLAG_LEVEL)


class State(StrEnum):
    UPCOMING = "upcoming"  # its DMs have not started
    OPEN = "open"
    CLOSING = "closing"  # closed, not sealed yet: nothing of it shows
    SHOWN = "shown"
    FEW = "few"  # sealed with fewer than k answers besides the sender's
    OVERLAP = "overlap"  # kept hidden: too close to a round of the same days shown first


@dataclass(frozen=True, slots=True)
class RoundView:
    """A round as results may present it. Open rounds carry only `enough`, never a count."""

    stats: RoundStats
    state: State
    k: int
    counted: int = 0  # sealed rounds: answers from people other than the sender
    enough: bool = False  # open rounds: enough answers for results once it closes
    raised: bool = False  # `k` is MIN_ANSWERS' (the sender has not answered), above the round's threshold


def round_threshold(k_today: int, announced: int | None) -> int:
    return max(k_today, announced or 0)


#: Everyone who answered knows their own answer, so a round shows only when each of them is left with at
#: least FEWEST others' (DESIGN.md: no published figure counts one or two people): FEWEST + 1 answers in all.
#: With the smallest threshold (3) and a sender who did not answer, 3 answers would leave each of the three
#: with the two others' answers — named people, since who answered is no secret in a small channel.
MIN_ANSWERS = FEWEST + 1


def needed(k: int, sender_answered: bool) -> int:
    """The answers besides the sender's own that a round needs: its threshold, and MIN_ANSWERS in all."""
    return max(k, MIN_ANSWERS - (1 if sender_answered else 0))


async def round_views(store: PulseStore, stats: list[RoundStats], k_today: int, now: datetime) -> list[RoundView]:
    """Decide how each round may show (newest first, like `stats`). Rounds that could show are decided oldest
    first, so of two overlapping rounds seen in one look the older one is the one shown first."""
    sealed = [s.round.id for s in stats if s.round.sealed]
    decisions = await store.shown_decisions(sealed)
    answered_by_sender = await store.sender_answered([s.round.id for s in stats if s.round.id not in decisions])
    views: dict[int, RoundView] = {}
    for s in reversed(stats):
        rnd = s.round
        k = round_threshold(k_today, rnd.min_respondents)
        if not rnd.sealed:
            if rnd.started_at > now:
                views[rnd.id] = RoundView(s, State.UPCOMING, k)
            elif rnd.is_open(now):
                by_sender = rnd.id in answered_by_sender
                need = needed(k, by_sender)
                others = s.answers - (1 if by_sender else 0)
                views[rnd.id] = RoundView(s, State.OPEN, need, enough=others >= need, raised=need > k)
            else:
                views[rnd.id] = RoundView(s, State.CLOSING, k)
            continue
        decision = decisions.get(rnd.id)
        counted = decision.counted if decision else s.answers - (1 if rnd.id in answered_by_sender else 0)
        need = needed(k, s.answers > counted)  # the sender's answer is the one not counted
        if counted < need:
            views[rnd.id] = RoundView(s, State.FEW, need, counted, raised=need > k)
            continue
        if decision is None:
            decision = await store.decide_shown(rnd.id, k, counted)
        if decision is None:  # not sealed after all (cannot happen for a sealed round): show nothing
            views[rnd.id] = RoundView(s, State.CLOSING, k)
            continue
        views[rnd.id] = RoundView(s, State.SHOWN if decision.shown else State.OVERLAP, k, counted)
    return [views[s.round.id] for s in stats]


def comments_allowed(view: RoundView) -> bool:
    return view.state == State.SHOWN and view.counted >= max(view.k, MIN_FOR_COMMENTS)


@dataclass(frozen=True, slots=True)
class TeamResults:
    """A channel's recent rounds (newest first), today's threshold, how each round may show, and the rounds
    whose figures may be shown. `/pulse results`, the team report and the App Home all read this, so the
    rules above apply to every place pulse figures appear."""

    stats: list[RoundStats]
    k: int
    views: list[RoundView]

    @property
    def shown(self) -> list[RoundStats]:
        """The sealed rounds whose figures may be shown, newest first."""
        return [v.stats for v in self.views if v.state == State.SHOWN]

    def view(self, round_id: int) -> RoundView | None:
        return next((v for v in self.views if v.stats.round.id == round_id), None)


async def team_results(svc: Services, place: Place, limit: int = RECENT_ROUNDS) -> TeamResults:
    """What `/pulse results`, the team report and the App Home read: the channel's latest rounds and how
    each may be shown (deciding "first shown" for rounds that could show for the first time)."""
    store = pulse_store(svc)
    channel = place.without_thread()
    stats = await store.recent_stats(channel, limit)
    k = threshold(await svc.store.settings.get(channel))
    return TeamResults(stats, k, await round_views(store, stats, k, svc.clock.now()))


async def shown_comments(svc: Services, results: TeamResults, round_id: int) -> list[str]:
    """A round's comments in random order, only when that round is shown and has enough answers for
    comments (max(k, 5) besides the sender's own); otherwise none."""
    view = results.view(round_id)
    if view is None or not comments_allowed(view):
        return []
    comments = await pulse_store(svc).comments(round_id)
    svc.rng.shuffle(comments)
    return comments


# ---- what one shown round publishes (the same in every view) ---------------------------------------------
def burnout_share(stats: RoundStats) -> Share:
    return share(stats.at_or_above("burnout", BURNOUT_FLAG_LEVEL), stats.answers)


def published(stats: RoundStats, dimension: str) -> Published:
    counts = stats.counts.get(dimension, (0,) * len(LEVELS))
    extra = (burnout_share(stats).constraint(HIGH_LEVELS),) if dimension == "burnout" else ()
    return publish(tuple(counts), extra)


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
    """One dimension's line. Changes and trends use the published (rounded) means only, so nothing shown is
    more precise than what each round publishes on its own."""
    mine = published(shown, scale.id)
    parts: list[str] = []
    if mine.mean is None:
        parts.append("mean not shown (with these few answers it would point at someone)")
    else:
        mean = float(mine.mean)
        parts.append(f"**{mine.mean}** of 5{_lean(scale, mean)}")
        before = published(previous, scale.id).mean if previous is not None else None
        if before is not None:
            delta = mean - float(before)
            if abs(delta) < STEADY:
                parts.append("→ steady")
            else:
                parts.append(f"{'▲' if delta > 0 else '▼'} {delta:+.1f} ({_verdict(scale, mean, float(before))})")
    distribution = mine.distribution()
    parts.append(distribution or "spread not shown (too few answers per level)")
    if len(trend) >= 2:
        parts.append("trend " + " → ".join(published(s, scale.id).mean or "–" for s in trend))
    return " · ".join(parts)


def _share_text(found: Share, scale: Scale) -> str:
    what = (f"at burnout level {BURNOUT_FLAG_LEVEL} or higher "
            f"(“{scale.label(BURNOUT_FLAG_LEVEL)}” or worse)")
    if found.kind != "exact":  # "Fewer than 4 of the 8 answers", "All but fewer than 3 …", "Some, but not all, …"
        return f"{found.phrase().capitalize()} of the {plural(found.total, 'answer')} {what}."
    rate = round(100 * found.count / found.total) if found.total else 0
    return f"{found.count} of {plural(found.total, 'answer')} ({rate}%) {what}."


def _burnout_lines(shown: RoundStats, previous: RoundStats | None, questions: QuestionSet) -> list[str]:
    """The share at burnout 3+, as published; the flag is decided from published figures only (a masked
    "fewer than 3" must not turn into 1 or 2 through whether a flag shows)."""
    now = burnout_share(shown)
    text = _share_text(now, questions.scale("burnout"))
    grew = previous is not None and now.lower_share() > burnout_share(previous).upper_share()
    if now.count and (now.lower_share() >= FLAG_SHARE or grew):
        return [f"⚠️ {text}", HINT]
    return [text]


# ---- the reply ----------------------------------------------------------------------------------------
def open_line(view: RoundView, now: datetime, tz: ZoneInfo) -> str:
    rnd = view.stats.round
    closes = format_local(rnd.closes_at, tz, now=now)
    if view.state == State.UPCOMING:
        return (f"Next round: DMs go out from {format_local(rnd.started_at, tz, now=now)} to "
                f"{rnd.invited} people, each at their own time.")
    if view.state == State.CLOSING:
        return (f"The round of {day_label(rnd.started_at, tz)} has closed; its results can show in a minute, "
                "once its answers are sealed.")
    head = f"Open now: the round of {day_label(rnd.started_at, tz)}"
    if view.enough:
        return f"{head} — enough answers for results once it closes ({closes}) or everyone has answered."
    return (f"{head} — not enough answers yet for results (they need {view.k} besides the sender's own"
            f"{_why_raised(view)}). Closes {closes}.")


def _why_raised(view: RoundView) -> str:
    return (f", {MIN_ANSWERS} in all while the sender has not answered: with fewer, each who answered could "
            "work out the others'" if view.raised else "")


def _hidden_line(view: RoundView, tz: ZoneInfo) -> str:
    rnd = view.stats.round
    day = day_label(rnd.started_at, tz)
    if view.state == State.OVERLAP:
        return (f"The round of {day} stays hidden: the people who answered it differ by too few from those who "
                f"answered a round of the same days that was shown first (rounds less than {SAME_DAYS.days} days "
                "apart, in any channel, closed early or not; fewer than the larger of the two rounds' thresholds). "
                "Showing both would let anyone subtract one from the other and see what those few people "
                "answered.")
    return (f"The round of {day} closed with {view.stats.answers} of {rnd.invited} answered — not enough for "
            f"results (they need {view.k} besides the sender's own{_why_raised(view)}), so they stay hidden.")


def render_results(views: list[RoundView], k: int, now: datetime, tz: ZoneInfo, questions: QuestionSet,
                   comments: list[str]) -> Reply:
    """`views` newest first; `comments` are the shown round's comments (already shuffled), or none when
    `comments_allowed` said no."""
    team = team_label(views[0].stats.round.channel_name) if views else "this channel"
    lines = [f"**Pulse results for {team}** (anonymous; a round shows only with at least {k} answers "
             "besides the sender's own)"]
    current = next((v for v in views if v.state in (State.UPCOMING, State.OPEN, State.CLOSING)), None)
    if current is not None:
        lines.append(open_line(current, now, tz))
    finished = [v for v in views if v.state in (State.SHOWN, State.FEW, State.OVERLAP)]
    visible = [v for v in finished if v.state == State.SHOWN]
    shown = visible[0] if visible else None
    hidden = finished[: finished.index(shown)] if shown is not None else finished
    for v in hidden[:MAX_HIDDEN_LINES]:
        lines.append(_hidden_line(v, tz))
    if len(hidden) > MAX_HIDDEN_LINES:
        lines.append(f"…and {plural(len(hidden) - MAX_HIDDEN_LINES, 'more round')} that stay hidden.")
    if shown is None:
        if current is None or finished:
            lines.append(f"No closed round has had at least {k} answers besides the sender's own yet, so there "
                         "are no results to show.")
        return Reply("\n".join(lines), visibility=Visibility.PERSON)
    previous = visible[1].stats if len(visible) > 1 else None
    trend = [v.stats for v in reversed(visible[:TREND_POINTS])]
    stats = shown.stats
    rnd = stats.round
    invited = rnd.invited or stats.answers
    rate = round(100 * stats.answers / invited) if invited else 0
    header = f"**Round of {day_label(rnd.started_at, tz)}** — {stats.answers} of {invited} answered ({rate}%)"
    if previous is not None:
        prev_invited = previous.round.invited or previous.answers
        prev_rate = round(100 * previous.answers / prev_invited) if prev_invited else 0
        header += f"; compared with the round of {day_label(previous.round.started_at, tz)} ({prev_rate}%)"
    lines.append(header)
    if len(trend) >= 2:
        lines.append(f"_Trends: the last {len(trend)} rounds with enough answers, oldest first._")
    lines.extend(f"• **{scale.name}** — {_value(scale, stats, previous, trend)}" for scale in questions.scales)
    lines.extend(_burnout_lines(stats, previous, questions))
    if not comments_allowed(shown):
        lines.append(f"_Comments show only for rounds with at least {max(shown.k, MIN_FOR_COMMENTS)} answers "
                     "besides the sender's own._")
    elif comments:
        lines.append("**Comments** (anonymous, in random order):")
        lines.extend(f"• “{clip(c, 500)}”" for c in comments[:MAX_COMMENTS])
        if len(comments) > MAX_COMMENTS:
            lines.append(f"…and {len(comments) - MAX_COMMENTS} more.")
    return Reply("\n".join(lines), visibility=Visibility.PERSON)
