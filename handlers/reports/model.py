"""What a team report holds: plain data that every surface (chat, the web page, the digest, the App Home)
renders. Built in `build.py`; nothing here reads storage.

Privacy is decided before anything lands here: pulse rounds come only from the pulse results' own
rule (`handlers.pulse.results.team_results` → `shown`), so a round that may not be shown never reaches a
report; a figure that would count one or two people is turned into "fewer than 3" by `people()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

WEEKS = 12
MIN_ROUNDS_FOR_OBSERVATIONS = 4
MAX_OBSERVATIONS = 3
SMALLEST_COUNT = 3  # no published figure counts one or two people
FEWER = "fewer than 3"


def people(count: int) -> str:
    """A count of people as it may be published: 0, 3 or more, never 1 or 2."""
    return FEWER if 0 < count < SMALLEST_COUNT else str(count)


@dataclass(frozen=True, slots=True)
class Dimension:
    id: str
    name: str
    good: str  # "high" | "low" | "middle"


@dataclass(frozen=True, slots=True)
class RoundPoint:
    """One shown, sealed pulse round: only aggregates over at least the channel's threshold of answers."""

    started_at: datetime
    label: str  # "Mon 2 Mar"
    answered: int
    invited: int
    means: dict[str, float]  # published means only: a dimension whose mean may not be shown is missing
    burnout_high: int  # answers at burnout level 3 or above (published through `burnout_shown`)
    # how many, as it may be published ("4", "fewer than 4", "all but fewer than 3"): neither the count nor
    # the rest of the round may count one or two people, even for someone who answered and takes their own
    # answer out (handlers/pulse/disclosure.py)
    burnout_shown: str = ""

    @property
    def response_rate(self) -> int:
        return round(100 * self.answered / self.invited) if self.invited else 0


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One calendar week (Monday, UTC): the channel's meetings and its scope-creep decisions."""

    week_start: date
    meetings: int
    meeting_minutes: int
    dropped: int = 0
    extended: int = 0
    parked: int = 0
    dismissed: int = 0

    @property
    def meeting_hours(self) -> float:
        return round(self.meeting_minutes / 60, 1)

    @property
    def decisions(self) -> int:
        return self.dropped + self.extended + self.parked + self.dismissed


@dataclass(frozen=True, slots=True)
class MeetingLoad:
    held: int
    hours: float
    with_agenda: int
    overrun_minutes: int
    saved_minutes: int
    cancelled: int

    @property
    def agenda_rate(self) -> int | None:
        return round(100 * self.with_agenda / self.held) if self.held else None


@dataclass(frozen=True, slots=True)
class TimeboxLoad:
    """The channel's finished plain `/timebox` timers (a meeting's timer is in `MeetingLoad`)."""

    timers: int
    planned_minutes: int
    actual_minutes: int
    saved_minutes: int
    overrun_minutes: int
    finished_early: int
    ran_over: int


@dataclass(frozen=True, slots=True)
class Decisions:
    prompts: int
    dropped: int
    extended: int
    parked: int
    dismissed: int
    open: int


@dataclass(frozen=True, slots=True)
class Report:
    platform: str
    channel_id: str
    channel_name: str
    generated_at: datetime
    since: datetime
    tz: str
    k: int  # the channel's threshold: rounds need at least this many answers
    dimensions: tuple[Dimension, ...]
    rounds: tuple[RoundPoint, ...]  # shown rounds in the period, oldest first (other rounds do not exist here)
    weeks: tuple[WeekPoint, ...]  # oldest first, all 12 weeks
    meetings: MeetingLoad
    timeboxes: TimeboxLoad
    decisions: Decisions
    observations: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()  # the latest shown round's comments, shuffled, when it meets the threshold
    comments_round: str = ""

    @property
    def team(self) -> str:
        return f"#{self.channel_name}" if self.channel_name else "this channel"

    @property
    def latest(self) -> RoundPoint | None:
        return self.rounds[-1] if self.rounds else None
