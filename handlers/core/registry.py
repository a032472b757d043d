"""Where features plug in: commands, button actions, forms, message watchers, outbox kinds, periodic work,
and what a channel's life on its platform changes (archived, deleted, restored: `on_place_change`).

Each feature folder has `register(registry)`; `handlers.build_registry()` calls them all. Adapters never
see features, only the registry through `handlers.core.dispatch.Core`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from handlers.core.errors import Later
from handlers.core.services import Services
from handlers.core.types import ChatMessage, Command, Form, Interaction, Place, Platform, Reply, Target

Replies = Reply | list[Reply] | None
CommandHandler = Callable[[Command, Services], Awaitable[Replies]]
ActionHandler = Callable[[Interaction, Services], Awaitable[Replies]]
FormOpener = Callable[[Interaction, Services], Awaitable[Form | Reply]]
FormSubmitter = Callable[[Interaction, Services], Awaitable[Replies]]
MessageWatcher = Callable[[ChatMessage, Services], Awaitable[Replies]]
PeriodicFn = Callable[[Services], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Pending:
    """An outbox row as its preparer sees it."""

    target: Target
    kind: str
    data: Mapping[str, object]
    due_at: datetime
    reply: Reply | None


@dataclass(frozen=True, slots=True)
class PlaceChange:
    """The platform archived or deleted a channel (`active` False), or unarchived or restored it (True).
    `where` carries the platform, the workspace or team the event came from, and the channel; `at` is the
    platform's time of the event (a later event wins over an earlier one delivered late)."""

    where: Place
    active: bool
    reason: str  # "archived", "deleted", "unarchived", "restored"; "team archived", "team deleted", …
    at: datetime
    #: The whole team changed (Teams teamArchived, teamDeleted, teamHardDeleted, teamUnarchived,
    #: teamRestored): every channel of `where.team_id`, those the bot knows and any it learns of later.
    #: `where.channel_id` is then the team's own id (its General channel), so a direct-chat check passes.
    whole_team: bool = False


#: The reason of a Teams team hard-deleted: gone for good, no later event changes its state.
TEAM_HARD_DELETED = "team hard deleted"
#: Nothing to say: the place cannot be posted to (and quiet is the default).
PlaceWatcher = Callable[[PlaceChange, Services], Awaitable[None]]
Preparer = Callable[[Pending, Services], Awaitable[Replies]]
#: Prepares many rows of one kind at once (a fan-out's batch), one answer per pending, in order. It must
#: decide exactly as the kind's Preparer would; it only saves the per-row database round trips.
#: An answer may also be a `Later` (that row waits; it is prepared on its own when it comes due again).
BatchPreparer = Callable[[Sequence[Pending], Services], Awaitable[list[Replies | Later]]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str  # "pulse" (typed as /pulse in Slack, "pulse" in Teams)
    summary: str  # one line for the overview
    usage: tuple[tuple[str, str], ...]  # ("now", "sends the pulse now ...") — subcommand and what it does
    handler: CommandHandler
    examples: tuple[str, ...] = ()
    intro: str = ""  # shown first in this command's help
    #: Where this command is on Slack when Slack has no slash command for it (manifest.yml): the overview
    #: then names this place instead of `/name`. Empty: a slash command on Slack too.
    on_slack: str = ""

    def help_text(self) -> str:
        lines = [self.intro, ""] if self.intro else []
        lines.append(f"**/{self.name}** — {self.summary}")
        for sub, what in self.usage:
            lines.append(f"• `/{self.name}{(' ' + sub) if sub else ''}` — {what}")
        if self.examples:
            lines.append("Examples: " + " · ".join(f"`/{self.name} {e}`" for e in self.examples))
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class FormSpec:
    open: FormOpener
    submit: FormSubmitter


@dataclass(frozen=True, slots=True)
class PeriodicTask:
    name: str
    seconds: float
    run: PeriodicFn


@dataclass(slots=True)
class Registry:
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    forms: dict[str, FormSpec] = field(default_factory=dict)
    watchers: list[MessageWatcher] = field(default_factory=list)
    preparers: dict[str, Preparer] = field(default_factory=dict)
    batch_preparers: dict[str, BatchPreparer] = field(default_factory=dict)
    periodic: list[PeriodicTask] = field(default_factory=list)
    place_watchers: list[PlaceWatcher] = field(default_factory=list)

    def command(self, spec: CommandSpec) -> None:
        self.commands[spec.name] = spec

    def action(self, name: str, handler: ActionHandler) -> None:
        if name in self.actions:
            raise ValueError(f"action {name!r} registered twice")
        self.actions[name] = handler

    def form(self, form_id: str, open: FormOpener, submit: FormSubmitter) -> None:
        if form_id in self.forms:
            raise ValueError(f"form {form_id!r} registered twice")
        self.forms[form_id] = FormSpec(open, submit)

    def watch(self, watcher: MessageWatcher) -> None:
        """`watcher` sees every ordinary channel message (a `ChatMessage`); its replies go to the message's
        thread.

        A watcher must be idempotent by its own claims: the pipeline writes no de-duplication key for chat
        (nor remembers its author), so a redelivered message (a Slack retry, a Teams resend, the same event
        reaching two replicas, even at the same moment) reaches the watcher again. Whatever it answers or
        records, it claims first with a unique key in the database (the scope watcher: one prompt per
        channel and thread root, `claim_thread`) and answers only when its claim is the one that got in.
        Most messages should cost no database query at all: decide from the text first."""
        self.watchers.append(watcher)

    def outbox_kind(self, kind: str, preparer: Preparer, batch: BatchPreparer | None = None) -> None:
        if kind in self.preparers:
            raise ValueError(f"outbox kind {kind!r} registered twice")
        self.preparers[kind] = preparer
        if batch is not None:
            self.batch_preparers[kind] = batch

    def every(self, name: str, seconds: float, run: PeriodicFn) -> None:
        self.periodic.append(PeriodicTask(name, seconds, run))

    def on_place_change(self, watcher: PlaceWatcher) -> None:
        """`watcher` hears of every channel archived, deleted, unarchived or restored, from both platforms.
        It must be idempotent (a redelivered event reaches it again) and say nothing."""
        self.place_watchers.append(watcher)

    async def place_changed(self, change: PlaceChange, services: Services) -> None:
        """What an adapter calls for a channel's lifecycle event, once per event (after its de-duplication).
        A direct chat has no lifecycle here. StorageUnavailable reaches the caller (to log it)."""
        if change.where.is_direct or not change.where.channel_id:
            return
        for watcher in self.place_watchers:
            await watcher(change, services)

    def overview(self, platform: Platform | None = None) -> str:
        """Every command, one line each, as `platform` knows it: on Slack a command with no slash command
        of its own (`CommandSpec.on_slack`) is named by where it is; elsewhere, as typed (`/home` shows as
        **home** on Teams)."""
        lines = ["Here is what I can do:"]
        for spec in self.commands.values():
            if platform == Platform.SLACK and spec.on_slack:
                lines.append(f"• {spec.on_slack} — {spec.summary}")
            else:
                lines.append(f"• `/{spec.name}` — {spec.summary}")
        lines.append("Add `help` to any command for details, e.g. `/pulse help`.")
        return "\n".join(lines)

    def find_action(self, name: str) -> ActionHandler | None:
        """Exact match first, then the longest registered prefix ending in '.' (e.g. "agenda.remove.")."""
        if name in self.actions:
            return self.actions[name]
        best = ""
        for key in self.actions:
            if key.endswith(".") and name.startswith(key) and len(key) > len(best):
                best = key
        return self.actions.get(best) if best else None
