"""What the pulse feature passes around: schedules, rounds, per-round aggregates, answers, preferences and
journal entries. Plain data, no storage types (the repository builds these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from handlers.core.recurrence import Recurrence
from handlers.core.types import MessageRef, Place, Platform

# The five scored dimensions, in form order. They are fixed columns of the anonymous answers table; the
# wording of each question lives in questions.toml.
DIMENSIONS = ("exhaustion", "cynicism", "efficacy", "workload", "burnout")
LEVELS = (1, 2, 3, 4, 5)
DEFAULT_WINDOW_HOURS = 72
BURNOUT_FLAG_LEVEL = 3  # answers at this burnout level or above are counted (never named) in results
#: Complementary suppression compares two shown rounds (any channel, same platform) whose answered sets
#: differ by fewer than k people when they fall in "the same days": their windows overlap, or one starts
#: less than this after the other started. Measured from the start, so closing a round early (`/pulse
#: close`, or a new round in its channel) cannot shrink it: two rounds a minute apart, one person fewer, are
#: no longer both shown. Six days, not seven, so a channel's weekly rounds stay apart even when the clocks
#: change (a week is then 167 hours) or DMs go out a few hours earlier in someone's zone — the rule keeps
#: showing weekly rounds whoever skipped one.
SAME_DAYS = timedelta(days=6)


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    platform: Platform
    channel_id: str
    team_id: str
    channel_name: str
    phrase: str
    recurrence: Recurrence
    next_occurrence: datetime  # naive local wall time: each person gets it at this time in their own zone
    window_hours: int
    active: bool
    created_by: str = ""  # who set it: the sender of its rounds

    def place(self) -> Place:
        return Place(self.platform, self.channel_id, self.team_id, None, False, self.channel_name)


@dataclass(frozen=True, slots=True)
class Round:
    """One pulse of one channel. `invited` is None while invitations are still being created."""

    id: int
    key: str
    platform: Platform
    channel_id: str
    team_id: str
    channel_name: str
    schedule_id: int | None
    occurrence: datetime | None  # naive local wall time of a scheduled round; None for `/pulse now`
    opened_at: datetime
    first_due_at: datetime | None
    closes_at: datetime
    window_hours: int
    invited: int | None
    sealed: bool
    min_respondents: int | None = None  # the threshold its DMs announced (the highest one, if it rose)
    sender_id: str | None = None  # who ran `/pulse now` or set the schedule
    sender_invited: bool | None = None  # whether the sender was among the people asked

    def place(self) -> Place:
        return Place(self.platform, self.channel_id, self.team_id, None, False, self.channel_name)

    def is_open(self, now: datetime) -> bool:
        return not self.sealed and now < self.closes_at

    @property
    def started_at(self) -> datetime:
        return self.first_due_at or self.opened_at


@dataclass(frozen=True, slots=True)
class RoundStats:
    """A round with its anonymous aggregate: how many answered, and per dimension how many chose 1..5."""

    round: Round
    answers: int
    counts: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def mean(self, dimension: str) -> float:
        counts = self.counts.get(dimension, (0,) * len(LEVELS))
        total = sum(counts)
        return sum(level * n for level, n in zip(LEVELS, counts, strict=True)) / total if total else 0.0

    def at_or_above(self, dimension: str, level: int) -> int:
        counts = self.counts.get(dimension, (0,) * len(LEVELS))
        return sum(n for lv, n in zip(LEVELS, counts, strict=True) if lv >= level)


@dataclass(frozen=True, slots=True)
class ShownDecision:
    """Whether a sealed round is shown (first shown) or kept hidden by complementary suppression, decided once
    and stored. `counted`: its answers from people other than the sender, frozen when decided."""

    round_id: int
    shown: bool
    counted: int


@dataclass(frozen=True, slots=True)
class Answer:
    """What a person submitted: one score 1..5 per dimension (in DIMENSIONS order) and an optional comment."""

    scores: tuple[int, ...]
    comment: str | None = None

    def score(self, dimension: str) -> int:
        return self.scores[DIMENSIONS.index(dimension)]


class Outcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"  # a second answer in the same round: not counted
    NOT_INVITED = "not_invited"  # no participation record (never invited, or forgotten)
    CLOSED = "closed"
    NO_ROUND = "no_round"


@dataclass(frozen=True, slots=True)
class Recorded:
    outcome: Outcome
    round: Round | None = None
    completed: bool = False  # this answer was the last one expected: the round closed
    journaled: bool = False  # a copy went to the person's private journal
    offer_journal: bool = False  # never asked about the journal yet: ask once


@dataclass(frozen=True, slots=True)
class Prefs:
    opted_out: bool = False
    journal: bool = False
    journal_asked: bool = False
    reflect: bool = False
    tz: str | None = None
    reflect_queued: str | None = None  # ISO date of the Friday whose reflection DM is already queued


@dataclass(frozen=True, slots=True)
class JournalEntry:
    day: date
    kind: str  # "pulse" | "reflection"
    channel_name: str = ""
    scores: tuple[int, ...] | None = None
    comment: str | None = None
    gave: str | None = None
    drained: str | None = None


@dataclass(frozen=True, slots=True)
class ForgetReport:
    platform: Platform
    user_id: str
    journal_entries: int = 0
    participation: int = 0
    messages: int = 0  # outbox rows addressed to them (queued or already sent), deleted
    preferences: bool = False
    identity: bool = False  # their name, timezone and DM line
    kept_optout: bool = False  # one row stays: their id and "opted out", so no pulse DM reaches them again
    journal_messages: tuple[MessageRef, ...] = ()  # messages in their chat that show their journal
    deleted_messages: int = 0  # of those, deleted on the platform (set by whoever could reach it)
    authored: int = 0  # "set up by" / "changed by" marks on pulse schedules and channel settings, cleared
    # rows that stay for the team with the person's id and name cleared, per kind of thing (singular noun):
    # ("pulse round", n) they sent, and from the other features ("meeting", n), ("agenda item", n) …
    cleared: tuple[tuple[str, int], ...] = ()
    snoozes: int = 0  # their time off (`/pulse snooze`), deleted
    installations: int = 0  # Slack installation rows kept under their user id (they installed the app), deleted
    home: bool | None = None  # the home view the platform keeps (Slack's App Home) replaced; None: none kept
    digests: int = 0  # channels whose weekly digest went to them: switched off, their id removed from the settings

    @property
    def anything(self) -> bool:
        return bool(self.journal_entries or self.participation or self.messages or self.preferences
                    or self.identity or self.journal_messages or self.authored or self.cleared or self.snoozes
                    or self.installations or self.digests)
