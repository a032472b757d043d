"""What the scope-creep feature needs from storage, and the small value types that cross that seam.

Storage (`storage/repos/scope.py`) implements `ScopeStore`; the handlers only see these types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol

from handlers.core.types import Place

if TYPE_CHECKING:
    from handlers.meetings.api import MeetingNow


class Source(StrEnum):
    """Where a prompt came from: the watcher (a channel message), `/tradeoff <request>` (on purpose), or
    "What do we drop?" on a message (a person asked, with the watcher's card). Only the watcher's own prompts
    teach the channel's threshold: anyone may ask for a prompt, but tuning the watch is for the owner."""

    WATCH = "watch"
    COMMAND = "command"
    REQUEST = "request"  # the message shortcut / Teams message action (handlers/reports/shortcut.py)


class Outcome(StrEnum):
    """What the team decided on a prompt (stored in `scope_prompts.outcome`)."""

    DROP = "drop"
    EXTEND = "extend"
    PARK = "park"
    DISMISS = "dismiss"


class ItemKind(StrEnum):
    """The two lists a channel keeps (stored in `scope_items.kind`)."""

    COMMITMENT = "commitment"
    PARKED = "parked"


class ItemStatus(StrEnum):
    """Whether an item is on its list, and why it left (stored in `scope_items.status`)."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"
    UNPARKED = "unparked"


# Why an item left its list.
Closing = Literal[ItemStatus.DONE, ItemStatus.DROPPED, ItemStatus.UNPARKED]

WATCH, COMMAND, REQUEST = Source.WATCH, Source.COMMAND, Source.REQUEST
COMMITMENT, PARKED = ItemKind.COMMITMENT, ItemKind.PARKED


@dataclass(frozen=True, slots=True)
class Prompt:
    """A "what do we drop?" prompt and, once decided, its decision."""

    id: int
    place: Place  # the channel (and the thread the prompt lives in, if any)
    source: Source
    request: str  # the request as it was written (cleaned, at most REQUEST_MAX characters)
    quote: str  # the short excerpt the prompt quotes back, and the name of the work if it is taken on
    score: float | None
    created_at: datetime
    outcome: Outcome | None = None
    added: str | None = None  # the name the work got on the commitments list or in the parking lot
    dropped: str | None = None  # what made room (drop)
    extension: str | None = None  # "+1 week" (extend)
    meeting_title: str | None = None  # parked for after this meeting
    decided_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.outcome is None


@dataclass(frozen=True, slots=True)
class Item:
    """An entry in a channel's commitments list or parking lot."""

    id: int
    kind: ItemKind
    text: str
    created_at: datetime
    prompt_id: int | None = None
    meeting_id: int | None = None
    meeting_title: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What a button or form decided. `drop_item_id` names a listed commitment; `dropped_text` is typed."""

    outcome: Outcome
    added: str = ""  # the name the new work gets on the commitments list (drop/extend)
    drop_item_id: int | None = None
    dropped_text: str = ""
    extension: str = ""
    meeting_id: int | None = None
    meeting_title: str = ""


@dataclass(frozen=True, slots=True)
class Learning:
    """How dismissals move a channel's detection threshold: up by `step` per false alarm, at most `cap`;
    down by `relax` per confirmed prompt, never below zero."""

    step: float
    cap: float
    relax: float


#: "full": the list the decision adds to had no room (`ScopeStore.decide`'s `room`); nothing was recorded.
DecideStatus = Literal["decided", "already", "missing", "item_gone", "full"]


@dataclass(frozen=True, slots=True)
class Decided:
    status: DecideStatus
    prompt: Prompt | None = None
    dropped: Item | None = None  # the listed commitment that was dropped, when one was


@dataclass(frozen=True, slots=True)
class Counts:
    """Decisions on prompts created in a period."""

    prompts: int = 0
    watch_prompts: int = 0  # of which the watcher opened (the rest came from /tradeoff)
    open: int = 0
    added: int = 0
    dropped: int = 0
    extended: int = 0
    parked: int = 0
    dismissed: int = 0
    false_alarms: int = 0


@dataclass(frozen=True, slots=True)
class ChannelLearning:
    offset: float = 0.0
    dismissals: int = 0


@dataclass(frozen=True, slots=True)
class Watching:
    """What the watcher needs of a channel whose settings keep the watch on, read at once."""

    sensitivity: str
    learning: ChannelLearning


@dataclass(frozen=True, slots=True)
class Claimed:
    """The watcher's prompt, claimed: the threshold its message met and the channel's meeting now (None when
    there is none, when it was not asked for, or when it could not be read)."""

    prompt: Prompt
    threshold: float
    meeting: MeetingNow | None = None


#: Given a channel's watch (settings and learning), the threshold a message's score met — None when it did
#: not, and then nothing is claimed. Pure: it runs inside the store's unit of work.
Admit = Callable[[Watching], float | None]


class ScopeStore(Protocol):
    async def learning(self, place: Place) -> ChannelLearning:
        """The channel's learned threshold offset (0 when it never dismissed anything)."""
        ...

    async def reset_learning(self, place: Place) -> None: ...

    async def claim_thread(self, place: Place, thread_root: str, request: str, quote: str,
                           score: float, source: Source = Source.WATCH) -> Prompt | None:
        """Create the thread's prompt (the watcher's card), atomically: None when the thread already has one.
        `source` is REQUEST for a prompt a person asked for on a message: its dismissal teaches nothing."""
        ...

    async def release_request(self, place: Place, thread_root: str) -> bool:
        """Give back the thread's claim of an undecided prompt a person asked for (REQUEST) whose card could
        not be posted; False when the thread holds no such prompt."""
        ...

    async def claim_watched(self, place: Place, thread_root: str, request: str, quote: str, score: float,
                            admit: Admit, meeting_at: datetime | None) -> Claimed | None:
        """The watcher's whole unit: the channel's watch in one read (None when its settings switched it off,
        otherwise its sensitivity setting and its learned offset; a channel without rows has the defaults),
        `admit`'s decision on it, and only if it
        admits, the thread's claim (`claim_thread`, the idempotence guard) and — only once the claim got in,
        and when `meeting_at` is given — the meeting in progress then. None when the watch is off, `admit`
        said no, or the thread already had its prompt. A failed meeting read never undoes the claim: the
        prompt then has no meeting."""
        ...

    async def open_prompt(self, place: Place, request: str, quote: str) -> Prompt:
        """A prompt opened on purpose (`/tradeoff <request>`): never limited to one per thread."""
        ...

    async def prompt(self, prompt_id: int) -> Prompt | None: ...

    async def decide(self, prompt_id: int, place: Place, decision: Decision, learning: Learning,
                     room: int | None = None) -> Decided:
        """Record the decision if the prompt is still open (first decision wins), and apply it to the lists
        and the channel's learning, all in one transaction. With `room`, the list the decision adds to
        (commitments for drop and extend, the parking lot for park) may hold at most `room` open items,
        counted in that transaction with the list held (a concurrent add waits), after a dropped commitment
        left it: when it is full nothing is recorded and the status is "full" (the prompt still open)."""
        ...

    async def items(self, place: Place, kind: ItemKind, limit: int = 200) -> list[Item]:
        """Open items of a list, oldest first."""
        ...

    async def add_item(self, place: Place, kind: ItemKind, text: str, max_open: int) -> Item | None:
        """Add to a list; None when the list already has `max_open` open items (counted with the list held,
        so adds at once on two replicas never pass the cap)."""
        ...

    async def close_item(self, place: Place, kind: ItemKind, item_id: int, closing: Closing) -> Item | None:
        """Take an open item off its list; None when it is not (or no longer) there."""
        ...

    async def parked_for_meeting(self, place: Place, meeting_id: int) -> list[Item]: ...

    async def counts(self, place: Place, since: datetime) -> Counts: ...
