"""An in-process harness for feature behaviour: the real runtime (core, storage, outbox, scheduler) behind a
test adapter, driven by what people do — say, press, submit — and by moving the clock.

Like errbot's `testbot` or botbuilder's `TestAdapter`: no HTTP, no platform SDK, no rendering. Requests go
through the runtime's own `Pipeline` (dedupe → remember → core → reply) exactly as an adapter hands them
over, and every answer comes back as the core's `Reply` objects, so tests assert on what the bot means (text
in the core's tiny markup, facts, buttons, visibility, forms) and never on Slack mrkdwn or Teams cards. The
HTTP wire tests stay with the adapters.

    async with testbot(db_url) as bot:
        [started] = await bot.say("/timebox 25m design review")
        await bot.advance(timedelta(minutes=13))
        assert "Half time" in bot.posts()[-1].text

The test adapter serves `Platform.DEMO`: the one platform with no wire of its own (the enum lives in the
core, which tests do not extend), and the harness never runs beside the terminal demo in one runtime.
People and channels are made up (`Directory`); what the outbox delivers is recorded (`bot.sent`), and so
is everything the bot showed in answer to a request (`bot.shown`).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapter import Adapter, Delivery, Route, Wiring
from bot.config import Settings
from bot.inbound import Inbound, OpenForm, Request, Typed, launch_value
from bot.runtime import Runtime, build_runtime
from handlers.core.clock import FakeClock
from handlers.core.registry import PeriodicTask
from handlers.core.types import (
    Button,
    ChatMessage,
    Command,
    Form,
    Interaction,
    MessageRef,
    Person,
    Place,
    Platform,
    Reply,
    Target,
    Visibility,
)

PLATFORM = Platform.DEMO
TEAM = "T-TEST"
SECRET = "testbot-secret-0123456789-abcdefghijklmnop"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Berlin
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
FORM_OPEN = "form.open"  # the action of a form's launch button (what the core's `Reply.form` becomes)


def person(person_id: str, name: str = "", tz: str | None = BERLIN) -> Person:
    return Person(PLATFORM, person_id, name or person_id.capitalize(), tz)


def channel(channel_id: str, name: str = "") -> Place:
    return Place(PLATFORM, channel_id, TEAM, None, False, name or channel_id)


def direct(who: Person) -> Place:
    """A person's 1:1 chat with the bot."""
    return Place(PLATFORM, f"D-{who.id}", TEAM, None, True, f"dm-{who.id}")


# The made-up team every harness starts with: Ana created #team, Ben works from New York.
ANA = person("ana", "Ana", BERLIN)
BEN = person("ben", "Ben", NEW_YORK)
CHLOE = person("chloe", "Chloé", BERLIN)
TEAM_CHANNEL = channel("C-TEAM", "team")


@dataclass(slots=True)
class Room:
    place: Place
    members: list[str]
    owners: set[str]


class Directory:
    """Who is who: made-up people with time zones, channels with members and owners, away statuses."""

    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.rooms: dict[str, Room] = {}
        self.away_until: dict[str, datetime] = {}  # an "away" status, until it expires
        self.dnd_until: dict[str, datetime] = {}  # Do Not Disturb (asked only for DMs)
        self.deleted: list[MessageRef] = []
        self.bots: set[str] = set()

    def add(self, *people: Person) -> None:
        for who in people:
            self.people[who.id] = who

    def room(self, place: Place, members: Iterable[Person | str], owners: Iterable[Person | str] = ()) -> Place:
        ids = [m.id if isinstance(m, Person) else m for m in members]
        self.rooms[place.channel_id] = Room(place.without_thread(), ids,
                                            {o.id if isinstance(o, Person) else o for o in owners})
        return place

    # ---- handlers.core.ports.Directory ----------------------------------------------------------------
    async def members(self, place: Place) -> list[Person]:
        room = self.rooms.get(place.channel_id)
        if room is None:  # as a platform answers for a channel the app is not in
            raise LookupError(f"the test platform has no channel {place.channel_id!r}")
        return [self.people[i] for i in room.members if i in self.people and i not in self.bots]

    async def person(self, platform: Platform, user_id: str) -> Person | None:
        return self.people.get(user_id) if platform == PLATFORM else None

    async def owner_ids(self, place: Place) -> set[str]:
        room = self.rooms.get(place.channel_id)
        return set(room.owners) if room else set()

    async def delete_message(self, ref: MessageRef, user_id: str) -> bool:
        self.deleted.append(ref)
        return True

    async def away(self, who: Person, now: datetime, *, dnd: bool = True) -> datetime | None:
        ends = [until for until in (self.away_until.get(who.id), self.dnd_until.get(who.id) if dnd else None)
                if until is not None and until > now]
        return max(ends) if ends else None


@dataclass(frozen=True, slots=True)
class Shown:
    """One message the bot showed: where, which message (a later `replace_original` reply updates it), to
    whom when it was not for the channel, and when."""

    reply: Reply
    where: Place
    ref: MessageRef
    to: Person | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Sent:
    """One reply the outbox delivered."""

    target: Target
    reply: Reply
    ref: MessageRef
    at: datetime


class Recorder:
    """Every message the bot showed, with a message id each, and the forms it opened."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.shown: list[Shown] = []
        self.sent: list[Sent] = []
        self.forms: list[tuple[Form, Place, MessageRef | None]] = []
        self._ids = itertools.count(1)

    def new_ref(self, where: Place) -> MessageRef:
        return MessageRef(PLATFORM, where.channel_id, f"m{next(self._ids)}")

    def show(self, reply: Reply, where: Place, to: Person | None, origin: MessageRef | None = None) -> Shown:
        ref = origin if (reply.replace_original and origin is not None) else self.new_ref(where)
        shown = Shown(reply, where, ref, None if reply.visibility == Visibility.CHANNEL else to, self.clock.now())
        self.shown.append(shown)
        return shown

    def find(self, reply: Reply) -> Shown | None:
        """Where this very reply object was shown (the newest showing of it)."""
        return next((s for s in reversed(self.shown) if s.reply is reply), None)

    def find_form(self, form: Form) -> tuple[Place, MessageRef | None] | None:
        for opened, where, origin in reversed(self.forms):
            if opened is form:
                return where, origin
        for shown in reversed(self.shown):
            if shown.reply.form is form:
                return shown.where, shown.ref
        return None


@dataclass(slots=True)
class RecordingReplier:
    """The `bot.inbound.Replier` of one request: records what the bot answered, where, and to whom."""

    recorder: Recorder
    who: Person | None
    where: Place
    origin: MessageRef | None = None
    opened: list[Form] = field(default_factory=list)

    async def send(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.recorder.show(reply, self.where, self.who, self.origin)

    async def open_form(self, form: Form) -> bool:
        self.opened.append(form)
        self.recorder.forms.append((form, self.where, self.origin))
        return True


class RecordingSender:
    """The outbox's sender for the test platform: records each delivered reply with its target and time."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.deliveries: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        await delivery.begin()
        self.deliveries.append(delivery)
        target = delivery.target
        where = (Place(PLATFORM, f"D-{target.id}", target.team_id, None, True) if target.kind == "user"
                 else Place(PLATFORM, target.id, target.team_id, target.thread_id))
        refs: list[str] = []
        for reply in delivery.replies:
            ref = self.recorder.new_ref(where)
            self.recorder.sent.append(Sent(target, reply, ref, self.recorder.clock.now()))
            self.recorder.shown.append(Shown(reply, where, ref, None, self.recorder.clock.now()))
            refs.append(ref.message_id)
        return {"message_ids": refs}


class TestAdapter:
    """The `bot.adapter.Adapter` of the test platform: no routes, no periodic work, nothing to connect."""

    __test__ = False  # not a pytest test class

    def __init__(self, wiring: Wiring, directory: Directory, sender: RecordingSender) -> None:
        self.wiring = wiring
        self._directory = directory
        self._sender = sender
        self.closed = False

    @property
    def platform(self) -> Platform:
        return PLATFORM

    @property
    def directory(self) -> Directory:
        return self._directory

    @property
    def sender(self) -> RecordingSender:
        return self._sender

    def routes(self) -> Sequence[Route]:
        return ()

    def periodic(self) -> Sequence[PeriodicTask]:
        return ()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self.closed = True


def _adapter_check(adapter: TestAdapter) -> Adapter:
    return adapter  # mypy: TestAdapter implements the contract


class TestBot:
    """The harness (module docstring). Every request goes through `runtime.pipeline.handle`; the outbox is
    drained after each one, as the worker is kicked in production when something is due at once."""

    __test__ = False

    def __init__(self, runtime: Runtime, clock: FakeClock, directory: Directory, recorder: Recorder) -> None:
        self.runtime = runtime
        self.clock = clock
        self.directory = directory
        self.recorder = recorder
        self.me: Person = ANA
        self.here: Place = TEAM_CHANNEL
        self._ids = itertools.count(1)

    # ---- the made-up world ---------------------------------------------------------------------------
    def add_person(self, person_id: str, name: str = "", tz: str | None = BERLIN) -> Person:
        who = person(person_id, name, tz)
        self.directory.add(who)
        return who

    def add_channel(self, place: Place | str, members: Iterable[Person | str],
                    owners: Iterable[Person | str] = ()) -> Place:
        place = channel(place) if isinstance(place, str) else place
        return self.directory.room(place, members, owners)

    def team(self, people: dict[str, str], *, owner: str | None = None, place: Place | None = None) -> list[Person]:
        """Make `people` (id → time zone) the members of `place` (default #team), `owner` (default the
        first) its creator; returns them in order."""
        made = [self.add_person(pid, f"Person {pid}", tz) for pid, tz in people.items()]
        self.add_channel(place or TEAM_CHANNEL, made, [owner or made[0].id])
        return made

    def set_away(self, who: Person, until: datetime | None) -> None:
        """An away status (vacation, sick) until it expires; None clears it."""
        if until is None:
            self.directory.away_until.pop(who.id, None)
        else:
            self.directory.away_until[who.id] = until

    def set_dnd(self, who: Person, until: datetime | None) -> None:
        if until is None:
            self.directory.dnd_until.pop(who.id, None)
        else:
            self.directory.dnd_until[who.id] = until

    def thread(self, thread_id: str, where: Place | None = None) -> Place:
        return (where or self.here).in_thread(thread_id)

    # ---- what people do ------------------------------------------------------------------------------
    async def say(self, text: str, *, as_: Person | None = None, where: Place | None = None,
                  key: str = "") -> list[Reply]:
        """A line typed to the bot (`/timebox 25m`, `pulse now`), as a `Typed` request."""
        who, place = as_ or self.me, where or self.here
        return await self._handle(Typed(text, who, place, self._request_id()), key, who, place)

    async def command(self, name: str, text: str = "", *, as_: Person | None = None, where: Place | None = None,
                      key: str = "") -> list[Reply]:
        """A slash command: `command("timebox", "25m")`."""
        who, place = as_ or self.me, where or self.here
        request = Command(name.lstrip("/"), text, who, place, self._request_id())
        return await self._handle(request, key, who, place)

    async def chat(self, text: str, *, as_: Person | None = None, where: Place | None = None,
                   message_id: str = "", thread: str | None = None, edit: bool = False) -> list[Reply]:
        """An ordinary channel message for the watchers (no de-duplication key: a redelivery is the same
        `message_id` again); answers go to the message's thread."""
        who, place = as_ or self.me, (where or self.here).in_thread(thread)
        message_id = message_id or f"msg-{next(self._ids)}"
        message = ChatMessage(who, place, text, message_id, f"ev-{message_id}", edit)
        return await self._handle(message, "", who, place.in_thread(thread or message_id))

    async def press(self, on: Reply | Button, label: str | int | None = None, *, as_: Person | None = None,
                    where: Place | None = None) -> list[Reply]:
        """Press a button of a reply (by its label or index; a form's launch label opens the form), or a
        `Button` itself. Values go as the core emitted them (unsealed). A form that opens comes back as a
        `Reply.just_form`, ready for `submit`."""
        who = as_ or self.me
        button, launch, shown = self._button(on, label)
        place = where or (shown.where if shown else self.here)
        origin = shown.ref if shown else None
        if launch is not None:
            interaction = Interaction(FORM_OPEN, launch_value(launch), who, place, self._request_id(), None, origin)
            return await self._handle(OpenForm(interaction), "", who, place, origin)
        assert button is not None
        interaction = Interaction(button.action, button.value, who, place, self._request_id(), None, origin)
        return await self._handle(interaction, "", who, place, origin)

    async def submit(self, form: Form | Reply | Sequence[Reply], values: dict[str, str], *,
                     as_: Person | None = None, where: Place | None = None) -> list[Reply]:
        """Submit a form (a modal, a card) with `values` (field id → value)."""
        form = form_of(form)
        who = as_ or self.me
        found = self.recorder.find_form(form)
        place = where or (found[0] if found else self.here)
        origin = found[1] if found else None
        interaction = Interaction(form.id, form.context, who, place, self._request_id(), dict(values), origin)
        return await self._handle(interaction, "", who, place, origin)

    # ---- time ------------------------------------------------------------------------------------------
    async def advance(self, delta: timedelta, step: timedelta = timedelta(minutes=1)) -> None:
        """Move the clock by `delta` in steps, running periodic work and the outbox at each step."""
        end = self.clock.now() + delta
        while True:
            await self.settle()
            if self.clock.now() >= end:
                return
            self.clock.set(min(end, self.clock.now() + step))

    async def at(self, moment: datetime) -> None:
        """Jump the clock to `moment` and run what is due (periodic work, then the outbox)."""
        self.clock.set(moment)
        await self.settle()

    async def settle(self) -> None:
        await self.runtime.scheduler.run_all_once()
        await self.runtime.worker.drain()

    # ---- what the bot said -------------------------------------------------------------------------------
    @property
    def shown(self) -> list[Shown]:
        return self.recorder.shown

    @property
    def sent(self) -> list[Sent]:
        return self.recorder.sent

    def sent_to(self, target: Target) -> list[Reply]:
        return [s.reply for s in self.sent if s.target == target]

    def dms(self, who: Person) -> list[Reply]:
        """What the outbox delivered to `who`'s 1:1 chat, oldest first."""
        return [s.reply for s in self.sent if s.target.kind == "user" and s.target.id == who.id]

    def posts(self, where: Place | None = None, *, thread: str | None | bool = False) -> list[Reply]:
        """What the outbox delivered to a channel (default #team); `thread`: only that thread (None: only
        the channel itself; False: both)."""
        place = where or self.here
        return [s.reply for s in self.sent if s.target.kind == "channel" and s.target.id == place.channel_id
                and (thread is False or s.target.thread_id == thread)]

    def channel_log(self, where: Place | None = None) -> list[Reply]:
        """Everything everyone in a channel saw (answers for the channel and outbox posts), in order."""
        place = where or self.here
        return [s.reply for s in self.shown if s.where.channel_id == place.channel_id and not s.where.is_direct
                and s.to is None]

    def current(self, reply: Reply) -> Reply:
        """The latest version of the message `reply` was shown as (after `replace_original` updates)."""
        shown = self.recorder.find(reply)
        if shown is None:
            return reply
        return next(s.reply for s in reversed(self.shown) if s.ref == shown.ref)

    # ---- internals -------------------------------------------------------------------------------------
    def _request_id(self) -> str:
        return f"test-{next(self._ids)}"

    async def _handle(self, request: Request, key: str, who: Person | None, place: Place,
                      origin: MessageRef | None = None) -> list[Reply]:
        replier = RecordingReplier(self.recorder, who, place, origin)
        replies = await self.runtime.pipeline.handle(Inbound(request, key, sealed=False), replier)
        await self.runtime.worker.drain()
        out = list(replies or [])
        out.extend(Reply.just_form(form) for form in replier.opened)
        return out

    def _button(self, on: Reply | Button, label: str | int | None) -> tuple[Button | None, Form | None, Shown | None]:
        if isinstance(on, Button):
            return on, None, None
        shown = self.recorder.find(on)
        if isinstance(label, int):
            return on.buttons[label], None, shown
        for button in on.buttons:
            if label is None or button.label == label:
                return button, None, shown
        if on.form is not None and label in (None, on.form.launch_label):
            return None, on.form, shown
        offered = [b.label for b in on.buttons] + ([on.form.launch_label] if on.form else [])
        raise AssertionError(f"no button {label!r} on {on.text[:80]!r}; it offers {offered}")


def form_of(replies: Form | Reply | Sequence[Reply]) -> Form:
    """The form in a reply (or the first reply that carries one)."""
    if isinstance(replies, Form):
        return replies
    if isinstance(replies, Reply):
        replies = [replies]
    for reply in replies:
        if reply.form is not None:
            return reply.form
    raise AssertionError(f"no form in {[r.text[:60] for r in replies]}")


def texts(replies: Iterable[Reply]) -> str:
    """Every reply's text, facts and button labels, one per line (for `in` checks)."""
    parts: list[str] = []
    for reply in replies:
        parts.append(reply.text)
        parts.extend(f"{label}: {value}" for label, value in reply.facts)
        parts.extend(f"[{b.label}]" for b in reply.buttons)
    return "\n".join(parts)


def labels(reply: Reply) -> list[str]:
    return [b.label for b in reply.buttons] + ([reply.form.launch_label] if reply.form else [])


@contextlib.asynccontextmanager
async def testbot(database_url: str, *, start: datetime = START, **overrides: Any) -> AsyncIterator[TestBot]:
    """The whole runtime on `database_url` with the test adapter and a FakeClock at `start`; `overrides` are
    Settings fields (`admins=frozenset({"ana"})`). The team: Ana (creator of #team, Berlin), Ben (New York)
    and Chloé (Berlin)."""
    clock = FakeClock(start)
    settings = replace(Settings(database_url=database_url, secret=SECRET), **overrides)
    directory = Directory()
    recorder = Recorder(clock)
    sender = RecordingSender(recorder)

    def factory(wiring: Wiring) -> Adapter:
        return _adapter_check(TestAdapter(wiring, directory, sender))

    runtime = await build_runtime(settings, clock=clock, adapters=[factory])
    runtime.outbox.on_due_now = None  # the harness drains the outbox itself, in order
    bot = TestBot(runtime, clock, directory, recorder)
    directory.add(ANA, BEN, CHLOE)
    directory.room(TEAM_CHANNEL, [ANA, BEN, CHLOE], [ANA])
    try:
        yield bot
    finally:
        await runtime.close()


testbot.__test__ = False  # type: ignore[attr-defined]  # a context manager, not a pytest test
