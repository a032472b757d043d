"""The team report in chat (`/steadybot report`), and its headline numbers (the digest, the report page)."""

from __future__ import annotations

from handlers.reports.model import Report, RoundPoint, people

TREND_POINTS = 6


def _minutes(total: int) -> str:
    hours, minutes = divmod(int(total), 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def pulse_headline(report: Report) -> str:
    if not report.rounds:
        return (f"no pulse round of the last 12 weeks had at least {report.k} answers, so there are no pulse "
                "figures to show")
    answered = sum(r.answered for r in report.rounds)
    invited = sum(r.invited for r in report.rounds)
    rate = round(100 * answered / invited) if invited else 0
    rounds = len(report.rounds)
    return f"{rounds} round{'s' if rounds != 1 else ''} shown · {rate}% of invitations answered"


def meeting_headline(report: Report) -> str:
    m = report.meetings
    if not m.held:
        return "no meetings recorded here"
    agenda = f"{m.agenda_rate}% with an agenda" if m.agenda_rate is not None else "no agenda record"
    cancelled = f" · {m.cancelled} cancelled before they started" if m.cancelled else ""
    return (f"{m.held} held, {m.hours:g} h · {agenda} · overruns {_minutes(m.overrun_minutes)} · "
            f"time given back {_minutes(m.saved_minutes)}{cancelled}")


def timebox_headline(report: Report) -> str:
    t = report.timeboxes
    if not t.timers:
        return "no /timebox timer finished here (a meeting's timer counts with its meeting)"
    calls = f"{t.timers} time-boxed call{'s' if t.timers != 1 else ''}"
    return (f"{calls} · planned {_minutes(t.planned_minutes)}, used {_minutes(t.actual_minutes)} · "
            f"time given back {_minutes(t.saved_minutes)} ({t.finished_early} stopped early) · "
            f"overruns {_minutes(t.overrun_minutes)} ({t.ran_over} ran over)")


def decision_headline(report: Report) -> str:
    d = report.decisions
    if not d.prompts and not (d.dropped or d.extended or d.parked or d.dismissed):
        return "no \"what do we drop?\" prompts"
    return (f"{d.dropped} dropped · {d.extended} deadline moved · {d.parked} parked · "
            f"{d.dismissed} not scope creep" + (f" · {d.open} undecided" if d.open else ""))


def _mean(point: RoundPoint, dim_id: str) -> str:
    """A round's published mean, or "–" where it may not be shown (it would point at someone)."""
    return f"{point.means[dim_id]:.1f}" if dim_id in point.means else "–"


def latest_line(report: Report) -> str:
    latest = report.latest
    if latest is None:
        return ""
    energy = next((d for d in report.dimensions if d.id == "exhaustion"), None)
    part = f", energy {latest.means[energy.id]:.1f} of 5" if energy and energy.id in latest.means else ""
    return (f"latest round {latest.label}: {latest.answered} of {latest.invited} answered "
            f"({latest.response_rate}%){part}")


def headlines(report: Report) -> tuple[tuple[str, str], ...]:
    facts = [("Pulse", pulse_headline(report))]
    if report.latest is not None:
        facts.append(("Latest round", latest_line(report).removeprefix("latest round ")))
    facts += [("Meetings", meeting_headline(report)), ("Timeboxes", timebox_headline(report)),
              ("Scope creep", decision_headline(report))]
    return tuple(facts)


def report_text(report: Report) -> str:
    lines = [f"**Team health for {report.team} — the last 12 weeks** (anonymous: a pulse round counts only "
             f"with at least {report.k} answers; no figure counts one or two people)"]
    lines.append(f"**Pulse** — {pulse_headline(report)}")
    if report.rounds:
        latest = report.rounds[-1]
        lines.append(f"Latest: the round of {latest.label}, {latest.answered} of {latest.invited} answered "
                     f"({latest.response_rate}%).")
        trend = report.rounds[-TREND_POINTS:]
        for dim in report.dimensions:
            points = " → ".join(_mean(r, dim.id) for r in trend)
            lines.append(f"• **{dim.name}** — {_mean(latest, dim.id)} of 5"
                         + (f" · trend {points}" if len(trend) >= 2 else ""))
        lines.append(f"• Burnout level 3 or higher in the latest round: "
                     f"{latest.burnout_shown or people(latest.burnout_high)} of "
                     f"{latest.answered} answers")
    lines.append(f"**Meetings** — {meeting_headline(report)}")
    lines.append(f"**Timeboxes** — {timebox_headline(report)}")
    lines.append(f"**Scope creep** — {decision_headline(report)}")
    if report.observations:
        lines.append("**What goes together** (associations in the team's own numbers, not causes):")
        lines.extend(f"• {o}" for o in report.observations)
    elif report.rounds:
        lines.append(f"_Observations need at least 4 shown rounds; there {'is' if len(report.rounds) == 1 else 'are'} "
                     f"{len(report.rounds)} so far._")
    return "\n".join(lines)
