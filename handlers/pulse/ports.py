"""What the pulse handlers need from storage (implemented by storage/repos/pulse.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from handlers.core.recurrence import Recurrence
from handlers.core.types import MessageRef, Place, Platform
from handlers.pulse.model import (
    Answer,
    ForgetReport,
    JournalEntry,
    Prefs,
    Recorded,
    Round,
    RoundStats,
    Schedule,
    ShownDecision,
)


class PulseStore(Protocol):
    # ---- schedules ---------------------------------------------------------------------------------
    async def set_schedule(self, place: Place, phrase: str, recurrence: Recurrence, first: datetime,
                           window_hours: int, created_by: str) -> Schedule:
        """Replace the channel's schedule (the old one stops)."""
        ...

    async def stop_schedule(self, place: Place) -> Schedule | None: ...

    async def active_schedule(self, place: Place) -> Schedule | None: ...

    async def active_schedules(self) -> list[Schedule]: ...

    async def schedule(self, schedule_id: int) -> Schedule | None: ...

    async def advance_schedule(self, schedule_id: int, expected: datetime, following: datetime) -> bool:
        """Move the schedule on to its next occurrence, only if it still stands at `expected`."""
        ...

    # ---- rounds ------------------------------------------------------------------------------------
    async def create_round(self, key: str, place: Place, window_hours: int, *, schedule_id: int | None = None,
                           occurrence: datetime | None = None) -> Round:
        """Create the round with this unique key, or return the one that exists."""
        ...

    async def round(self, round_id: int) -> Round | None: ...

    async def rounds_to_invite(self) -> list[Round]: ...

    async def add_invitations(self, round_id: int, people: Sequence[tuple[Platform, str]]) -> None: ...

    async def finish_invitations(self, round_id: int, first_due: datetime | None, closes_at: datetime) -> Round:
        """Count the invitations and open the round; an older open round of the channel closes when this one
        starts."""
        ...

    async def drop_round(self, round_id: int) -> None:
        """Delete a round that never started (no answers can exist)."""
        ...

    async def open_round(self, place: Place) -> Round | None: ...

    async def unstarted_rounds(self, schedule_id: int) -> list[Round]: ...

    async def close_round(self, round_id: int) -> None:
        """Close now and seal."""
        ...

    async def rounds_to_seal(self) -> list[int]: ...

    async def seal(self, round_id: int) -> bool:
        """Rewrite a closed round's anonymous and participation rows in random order, once."""
        ...

    # ---- participation and answers -----------------------------------------------------------------
    async def invite_state(self, round_id: int, platform: Platform,
                           user_id: str) -> tuple[Round | None, bool | None, Prefs]:
        """`round`, `invitation` and `prefs` at once (one transaction): what a pulse DM checks at send time."""
        ...

    async def invite_states(self, keys: Sequence[tuple[int, Platform, str]]
                            ) -> dict[tuple[int, Platform, str], tuple[Round | None, bool | None, Prefs]]:
        """`invite_state` for many (round, platform, user) at once: a batch of a fan-out."""
        ...

    async def invitation(self, round_id: int, platform: Platform, user_id: str) -> bool | None:
        """None: not invited (or forgotten); otherwise whether they answered."""
        ...

    async def withdraw(self, round_id: int, platform: Platform, user_id: str) -> None: ...

    async def record(self, round_id: int, platform: Platform, user_id: str, answer: Answer,
                     journal_day: date) -> Recorded: ...

    async def answer_count(self, round_id: int) -> int: ...

    # ---- results -----------------------------------------------------------------------------------
    async def recent_stats(self, place: Place, limit: int) -> list[RoundStats]:
        """The channel's latest rounds with invitations, newest first, each with its aggregate."""
        ...

    async def comments(self, round_id: int) -> list[str]: ...

    # ---- thresholds, senders and shown rounds ------------------------------------------------------
    async def set_round_sender(self, round_id: int, sender_id: str | None, invited: bool) -> None:
        """Record who sent the round (their answer does not count toward k) and whether they were asked."""
        ...

    async def announce_threshold(self, round_id: int, k: int) -> int:
        """Raise the round's announced threshold to at least `k` (never lower it); return it."""
        ...

    async def mark_refusal_told(self, schedule_id: int) -> bool:
        """True the first time only: the schedule's owner is told once that a run was refused."""
        ...

    async def sender_answered(self, round_ids: Sequence[int]) -> set[int]:
        """Rounds whose sender answered (or may have: a missing record counts as answered)."""
        ...

    async def shown_decisions(self, round_ids: Sequence[int]) -> dict[int, ShownDecision]: ...

    async def decide_shown(self, round_id: int, k: int, counted: int) -> ShownDecision | None:
        """Once per sealed round with enough answers: shown, or hidden by complementary suppression."""
        ...

    # ---- people and journal ------------------------------------------------------------------------
    async def prefs(self, platform: Platform, user_id: str) -> Prefs: ...

    async def opted_out(self, platform: Platform, user_ids: Sequence[str]) -> set[str]: ...

    async def set_prefs(self, platform: Platform, user_id: str, **changes: object) -> Prefs: ...

    async def reflecting(self) -> list[tuple[Platform, str, Prefs]]: ...

    async def add_reflection(self, platform: Platform, user_id: str, day: date, gave: str | None,
                             drained: str | None) -> None: ...

    async def journal(self, platform: Platform, user_id: str, limit: int) -> list[JournalEntry]: ...

    async def delete_journal(self, platform: Platform, user_id: str) -> int: ...

    async def forget(self, platform: Platform, user_id: str) -> ForgetReport:
        """Delete the person's pulse rows, clear them as author or sender, delete their identity, scrub."""
        ...

    async def people_named(self, user_id: str, platform: Platform | None = None) -> list[tuple[Platform, str]]:
        """Whom `steadybot forget <user_id>` means: that user id, and for Teams the ids of that alt id."""
        ...

    async def journal_messages(self, platform: Platform, user_id: str) -> list[MessageRef]:
        """Messages in the person's chat that show their journal (recorded when sent)."""
        ...

    async def remember_journal_message(self, platform: Platform, user_id: str, channel_id: str,
                                       message_id: str) -> None: ...

    async def forget_journal_message(self, platform: Platform, user_id: str, message_id: str) -> bool: ...
