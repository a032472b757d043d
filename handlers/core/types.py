"""Small platform-neutral types: who, where, what was asked, and what to answer.

Adapters (Slack, Teams, demo) turn platform payloads into these and render `Reply` back into Block Kit,
Adaptive Cards or terminal text. Nothing here knows about any platform SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    DEMO = "demo"


@dataclass(frozen=True, slots=True)
class Person:
    """Someone on a platform. `id` is the id used to message them (Slack user id, Teams `29:` id)."""

    platform: Platform
    id: str
    name: str = ""
    tz: str | None = None
    is_bot: bool = False
    # Another id the platform knows this person by; Teams: the Azure AD object id, what STEADYBOT_ADMINS names.
    # Stored in the identities table's `aad_id` column (the name is kept: no migration).
    alt_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    def known_ids(self) -> frozenset[str]:
        return frozenset(i for i in (self.id, self.alt_id) if i)


@dataclass(frozen=True, slots=True)
class Place:
    """Where something happened: a channel (the team), a thread in it, or a 1:1 chat with the bot."""

    platform: Platform
    channel_id: str
    team_id: str = ""
    thread_id: str | None = None
    is_direct: bool = False
    name: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.channel_id}"

    def without_thread(self) -> Place:
        return Place(self.platform, self.channel_id, self.team_id, None, self.is_direct, self.name)

    def in_thread(self, thread_id: str | None) -> Place:
        return Place(self.platform, self.channel_id, self.team_id, thread_id, self.is_direct, self.name)


@dataclass(frozen=True, slots=True)
class Command:
    """`/pulse results` → name="pulse", text="results"."""

    name: str
    text: str
    who: Person
    where: Place
    request_id: str = ""
    received_at: datetime | None = None

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """An ordinary message seen in a channel (for watchers such as the scope-creep detector)."""

    who: Person
    where: Place
    text: str
    message_id: str
    event_id: str = ""
    is_edit: bool = False


class Visibility(StrEnum):
    CHANNEL = "channel"  # everyone in the channel / thread
    PERSON = "person"  # meant for the person who asked (Slack: ephemeral; Teams: a reply to them)
    PRIVATE = "private"  # must never be seen by anyone else (Slack: ephemeral; Teams: their 1:1 chat)


ButtonStyle = Literal["default", "primary", "danger"]


@dataclass(frozen=True, slots=True)
class Button:
    action: str  # routed to the registry's action handler, e.g. "pulse.open"
    label: str
    value: str = ""
    style: ButtonStyle = "default"
    confirm: str | None = None  # ask "are you sure?" with this text before acting
    url: str = ""  # a link button: opens this URL (Slack url button, Teams Action.OpenUrl, printed in the demo)


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


FieldKind = Literal["choice", "text"]


@dataclass(frozen=True, slots=True)
class Field:
    id: str
    label: str
    kind: FieldKind = "choice"
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    multiline: bool = False
    initial: str | None = None
    max_length: int = 500
    placeholder: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    """A form: a Slack modal, an Adaptive Card with inputs, or prompts in the demo.

    `id` names the registered form handler; `context` is opaque state the handler needs back on submit
    (for example a round id). `launch_label` is the button that opens the form where a platform cannot
    show it inline (a Slack DM opens the modal from a button).
    """

    id: str
    title: str
    fields: tuple[Field, ...]
    context: str = ""
    submit_label: str = "Submit"
    intro: str = ""
    launch_label: str = "Open"


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says. `text` uses a tiny markup: **bold**, _italic_, `code`, lines starting "• ".

    `facts` are label/value pairs shown as a compact table; `buttons` are actions; `form` is a form
    (opened as a modal where the platform has them). `replace_original` updates the message an
    interaction came from instead of posting a new one.
    """

    text: str
    facts: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    visibility: Visibility = Visibility.PERSON
    replace_original: bool = False
    in_thread: bool = True
    notify_text: str = ""  # short plain text for notifications / screen readers; defaults to text
    # Must not stay in the chat's history (a person's journal): Slack shows it ephemeral even in a DM; Teams
    # sends a card whose message id is recorded, so the person's "delete" button and a forget can remove it.
    transient: bool = False
    # With replace_original: remove the message the interaction came from where the platform allows (Teams
    # delete activity, Slack deletes an ephemeral message); elsewhere it is replaced by this reply's text.
    delete_original: bool = False

    @property
    def fallback(self) -> str:
        return self.notify_text or plain_text(self.text)

    @property
    def is_just_form(self) -> bool:
        """A reply that only carries a form: adapters open it directly (a modal, a card, prompts)."""
        return self.form is not None and not self.buttons and not self.facts and self.text in ("", self.form.title)

    @staticmethod
    def just_form(form: Form, visibility: Visibility = Visibility.PERSON) -> Reply:
        return Reply(text=form.title, form=form, visibility=visibility)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot sent or a person clicked on: enough to update it later."""

    platform: Platform
    channel_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Interaction:
    """A button press or a form submission."""

    action: str
    value: str
    who: Person
    where: Place
    request_id: str = ""
    form_values: Mapping[str, str] | None = None
    message: MessageRef | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """Where the outbox delivers: a channel (optionally a thread) or a person's 1:1 chat."""

    platform: Platform
    kind: Literal["channel", "user"]
    id: str
    thread_id: str | None = None
    team_id: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.kind}:{self.id}:{self.thread_id or ''}"

    @staticmethod
    def channel(place: Place, *, thread: bool = True) -> Target:
        return Target(place.platform, "channel", place.channel_id,
                      place.thread_id if thread else None, place.team_id)

    @staticmethod
    def user(person: Person, team_id: str = "") -> Target:
        return Target(person.platform, "user", person.id, None, team_id)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """Something to send later. `kind` names a registered preparer that turns `data` into replies at send
    time (or skips the send: an agenda nudge for an agenda that is no longer empty). Kind "message"
    simply sends `reply`. `dedupe_key` makes enqueueing idempotent. `skip_if_late_by` drops the message
    when it would go out more than that many seconds after `due_at` (a stale timer warning)."""

    target: Target
    due_at: datetime
    kind: str = "message"
    reply: Reply | None = None
    data: Mapping[str, object] = field(default_factory=dict)
    dedupe_key: str | None = None
    skip_if_late_by: float | None = None


def plain_text(markup: str) -> str:
    """Strip the tiny markup to plain text (for notifications and the terminal)."""
    return markup.replace("**", "").replace("`", "")
