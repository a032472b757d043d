"""One inbound pipeline for every platform, written once.

An adapter turns what its platform sent into an `Inbound` (a `Command`, an `Interaction`, a `Typed` line
addressed to the bot, or a `ChatMessage` for the watchers) and hands it over with a `Replier` for that
place. The pipeline then does, in this order and nowhere else:

1. **dedupe** — a redelivery (Slack retries, Teams resends) runs nothing again (`store.inbound`);
2. **remember** the person and their team (names, time zones, ids for the outbox);
3. **open the seal** of a button value or card data the bot sent (`bot/sealing.py`): data copied from
   another channel, forged or altered gets the "no longer valid" answer and never reaches the core;
4. **core** — `Core` turns every failure into a friendly reply;
5. **reply** through the adapter's `Replier`.

A `ChatMessage` (ordinary channel chat: every message of every channel the bot is in) skips steps 1–3 and
goes straight to the watchers: it writes no de-duplication key and remembers nobody, so team chat costs no
database write. Exactly-once is then the watchers' own: each is idempotent by its own claim (the contract on
`Registry.watch`, handlers/core/registry.py), so a redelivered message can never answer twice.

Work after the platform's acknowledgement runs in one `AfterAck` lane per process: counted the moment the
request arrives (`run`), so a graceful stop can wait for it (`settle`) and cancel what is left after a grace
period (`close`), the same on every platform. Where an adapter signals that a request's acknowledgement is
written (Slack over HTTP), its listeners get `pipeline.acked_by(signal)`, whose `later` and `run` start the
work only after it — by default, so no path can forget it.

Work the database must do and that nothing would ever ask for again (an uninstall's removal: the platform had
its acknowledgement) is tried again through an outage with `AfterAck.keep_trying`: on the `Backoff` schedule,
outside the lane's places, until a graceful stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot.sealing import ActionSeal, invalid_reply
from handlers.core.clock import Clock
from handlers.core.dispatch import Core
from handlers.core.errors import StorageUnavailable
from handlers.core.registry import PlaceChange
from handlers.core.types import ChatMessage, Command, Form, Interaction, Person, Place, Platform, Reply

log = logging.getLogger("steadybot.inbound")

#: How many requests may do their after-the-ack work at once; the rest wait their turn, in order. In a
#: burst, an acknowledgement never waits behind more than this many work steps on the event loop.
LANE_WIDTH = 8
#: The longest the after-ack work waits for the adapter's "acknowledgement written" (seconds).
ACK_GRACE = 1.0
#: How long a graceful stop lets acknowledged work finish before cancelling what is left.
SHUTDOWN_GRACE = 10.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """How `AfterAck.keep_trying` waits between tries: `first` seconds, doubling up to `cap`, for as long as the
    waits add up to at most `give_up_after` (the default: 1 s, 2 s, … 32 s, then every 60 s: 34 more tries in
    about 29 minutes). `sleep` is how it waits (a test passes its own)."""

    first: float = 1.0
    cap: float = 60.0
    give_up_after: float = 1800.0
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep

    def delays(self) -> Iterator[float]:
        waited, delay = 0.0, max(self.first, 0.0)
        while waited + delay <= self.give_up_after:
            yield delay
            waited += delay
            delay = min(max(delay * 2, 0.001), self.cap)


class Removals:
    """The uninstalls this process completed, per scope (a Slack event and its workspace or organisation, a
    Teams team, chat or person), and when (`time.monotonic()`). A removal still waiting through an outage
    (`AfterAck.keep_trying`) ends quietly, and does not report "NOT removed" when it gives up, once a later
    delivery of the same event completed it since the waiting one began (`started`). Bounded: emptied when it
    grows past `CAP`."""

    CAP = 10_000

    def __init__(self) -> None:
        self._done: dict[str, float] = {}

    @staticmethod
    def started() -> float:
        return time.monotonic()

    def completed(self, scope: str) -> None:
        if len(self._done) > self.CAP:
            self._done.clear()
        self._done[scope] = time.monotonic()

    def completed_since(self, scope: str, started: float) -> bool:
        return self._done.get(scope, started) > started


@dataclass(frozen=True, slots=True)
class Typed:
    """A line a person addressed to the bot in chat (a DM, an @mention with the mention already stripped by
    the adapter, the demo's prompt): `pulse now`, `/timebox 25m`."""

    text: str
    who: Person
    where: Place
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class OpenForm:
    """A button that opens a form (Slack's modal launch button, whose value is `launch_value(form)`): the
    core builds the form, the replier shows it."""

    interaction: Interaction


Request = Command | Interaction | Typed | ChatMessage | OpenForm


@dataclass(frozen=True, slots=True)
class Inbound:
    """One request, parsed by an adapter into the core's terms.

    `key` de-duplicates redeliveries (`"slack:cmd:<trigger id>"`; empty: never a redelivery; a `ChatMessage`
    has none, its watchers claim what they answer: module docstring). `sealed`:
    the interaction's value is a seal the bot made and must be opened before the core sees it (every
    platform's buttons and cards; only the local demo's presses are not sealed). `home`: the workspace the
    person is remembered under when it is not `where.team_id` (Teams: the tenant; None: `where.team_id`)."""

    request: Request
    key: str = ""
    sealed: bool = True
    home: str | None = None

    @property
    def who(self) -> Person | None:
        request = self.request.interaction if isinstance(self.request, OpenForm) else self.request
        return request.who

    @property
    def where(self) -> Place:
        request = self.request.interaction if isinstance(self.request, OpenForm) else self.request
        return request.where


#: An adapter's last step on one of its requests before the core sees it (`Pipeline.prepare`).
Prepare = Callable[[Inbound], Awaitable[Inbound]]


def chained(*steps: Prepare) -> Prepare:
    """One `Prepare` that runs `steps` in order."""

    async def prepare(inbound: Inbound) -> Inbound:
        for step in steps:
            inbound = await step(inbound)
        return inbound

    return prepare


class Replier(Protocol):
    """How an adapter answers in the place a request came from."""

    async def send(self, replies: list[Reply]) -> None: ...

    async def open_form(self, form: Form) -> bool:
        """Show `form` to the person (a Slack modal, a Teams card); False if it could not be shown."""
        ...


class InboundStore(Protocol):
    """The two repositories the pipeline writes to (storage.store.Store has both)."""

    @property
    def inbound(self) -> Any: ...

    @property
    def identities(self) -> Any: ...


def _wake(woken: asyncio.Future[None]) -> None:
    if not woken.done():
        woken.set_result(None)


async def _after_pending_io() -> None:
    """Resume after the loop's next poll of its sockets has queued what arrived: a request whose bytes are in
    starts its acknowledgement before this work (a timer's callback runs after that poll's I/O callbacks)."""
    loop = asyncio.get_running_loop()
    woken: asyncio.Future[None] = loop.create_future()
    loop.call_later(0, _wake, woken)
    await woken


class AfterAck:
    """The work a process does after acknowledging requests: one lane, counted from the request's arrival."""

    def __init__(self, width: int = LANE_WIDTH, on_done: Callable[[], None] | None = None,
                 backoff: Backoff | None = None) -> None:
        self.width = width
        self.backoff = backoff or Backoff()  # `keep_trying`'s schedule
        self._retrying: set[asyncio.Task[bool]] = set()
        self._stopping = asyncio.Event()  # set by `close`: no try starts any more
        self._lane = asyncio.Semaphore(width)
        self._tasks: set[asyncio.Task[Any]] = set()  # strong references: none is collected mid-work
        self._idle = asyncio.Event()
        self._idle.set()
        # While requests queue for the lane: seconds between two of them finishing (a moving average), and when
        # the last one finished; what `expected_wait` estimates a newcomer's wait from.
        self._gap = 0.0
        self._last_done: float | None = None
        self.on_done = on_done  # called once per finished request (bot/metrics.py: turn latency)

    @property
    def in_flight(self) -> int:
        """Acknowledged requests whose work is not done yet."""
        return len(self._tasks)

    @property
    def retrying(self) -> int:
        """Work waiting for the database to come back (`keep_trying`); not counted in `in_flight`."""
        return len(self._retrying)

    @property
    def queued_ahead(self) -> int:
        """How many requests a request arriving now would wait behind for a place in the lane (0: a free place)."""
        return max(0, len(self._tasks) + 1 - self.width)

    def expected_wait(self) -> float:
        """Roughly how long a request arriving now would wait for a place in the lane (seconds): the requests
        queued ahead of it times the recent gap between two requests finishing while the lane was full. Used by
        a slash command's ack to decide whether waiting for its answer can pay
        (bot/slack/listeners/commands/slash_command.py)."""
        return self.queued_ahead * self._gap

    def run(self, work: Coroutine[Any, Any, Any], name: str = "after-ack",
            after: asyncio.Event | None = None) -> asyncio.Task[Any]:
        """Start `work` after the acknowledgement is written — when `after` is set (the adapter's own signal,
        waited for at most `ACK_GRACE` seconds), else one loop turn later — then after one poll of the sockets
        (`_after_pending_io`), in the lane, never failing silently. Counted from now."""
        task = asyncio.create_task(self._run(work, after), name=name)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._finished)
        return task

    async def _run(self, work: Coroutine[Any, Any, Any], after: asyncio.Event | None) -> None:
        try:
            if after is None:
                await asyncio.sleep(0)  # one loop turn: the acknowledgement leaves before the work starts
            else:
                # An Event wakes its waiters in the loop turn after it is set; a future behind a shield and
                # `wait_for` took three (docs/benchmarks.md#the-acks-signal-one-loop-turn).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(ACK_GRACE):
                        await after.wait()
            await _after_pending_io()
            async with self._lane:
                await work
        except asyncio.CancelledError:
            work.close()
            log.warning("work after an acknowledgement was cancelled before it finished")
            raise
        except Exception:  # noqa: BLE001 - the pipeline answers people itself; this is the last net
            log.exception("work after an acknowledgement failed")
        finally:
            if self.on_done is not None:
                self.on_done()

    def _finished(self, task: asyncio.Task[Any]) -> None:
        full = len(self._tasks) > self.width  # someone was waiting for this place
        self._tasks.discard(task)
        now = asyncio.get_running_loop().time()
        if full and self._last_done is not None:
            gap = now - self._last_done
            self._gap = gap if self._gap == 0.0 else 0.8 * self._gap + 0.2 * gap
        self._last_done = now if full else None
        if not self._tasks:
            self._idle.set()

    async def settle(self, timeout: float | None = None) -> bool:
        """Wait until no acknowledged request has work left (including work that starts meanwhile), for
        `timeout` seconds at most; False if some is still running."""
        try:
            async with asyncio.timeout(timeout):
                while self._tasks:
                    await self._idle.wait()
        except TimeoutError:
            return False
        return True

    async def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        """On a graceful stop: let the work in flight finish (people get their answers) for `grace` seconds
        at most, then cancel what is left, saying so in the log. Work waiting for its next try (`keep_trying`)
        gives up at once; a try already running may finish within `grace`."""
        self._stopping.set()
        if not await self.settle(grace):
            left = set(self._tasks)
            log.warning("stopping with %d acknowledged request(s) unfinished after %.0f s: cancelled", len(left),
                        grace)
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)
        if self._retrying:
            _, pending = await asyncio.wait(set(self._retrying), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def keep_trying(self, attempt: Callable[[], Awaitable[object]], name: str, *,
                    retrying: Callable[[int, float], None], gave_up: Callable[[str], None]) -> asyncio.Task[bool]:
        """Try `attempt` again, whose first try (the caller's) met StorageUnavailable, after each of `backoff`'s
        waits, until it succeeds (the task's result: True). In a task of its own: it holds no place in the lane
        and `settle` does not wait for it. `retrying(tries, seconds)` is called before each wait (`tries`
        failed so far; a WARNING line), `gave_up(why)` once if the schedule ends, a graceful stop comes or the
        attempt fails otherwise (an ERROR line saying what was not done and how an operator does it)."""
        task = asyncio.create_task(self._keep_trying(attempt, retrying, gave_up), name=name)
        self._retrying.add(task)
        task.add_done_callback(self._retrying.discard)
        return task

    async def _keep_trying(self, attempt: Callable[[], Awaitable[object]], retrying: Callable[[int, float], None],
                           gave_up: Callable[[str], None]) -> bool:
        backoff, tries, waited = self.backoff, 1, 0.0
        try:
            for delay in backoff.delays():
                retrying(tries, delay)
                if not await self._pause(backoff, delay):
                    gave_up(f"the process stopped before the database was back ({tries} tries)")
                    return False
                waited += delay
                tries += 1
                try:
                    await attempt()
                    return True
                except StorageUnavailable:
                    continue
            gave_up(f"the database was still unavailable after {tries} tries over {waited:.0f} s")
        except asyncio.CancelledError:
            gave_up(f"the process stopped during try {tries}")
            raise
        except Exception as exc:  # noqa: BLE001 - the last net, as in `_run`
            log.exception("work tried again after a database outage failed")
            gave_up(f"try {tries} failed ({type(exc).__name__})")
        return False

    async def _pause(self, backoff: Backoff, seconds: float) -> bool:
        """Wait `seconds`; False (at once) if a graceful stop comes first."""
        if self._stopping.is_set():
            return False
        nap = asyncio.ensure_future(backoff.sleep(seconds))
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((nap, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            nap.cancel()
            stop.cancel()
        return not self._stopping.is_set()


class Pipeline:
    """dedupe → remember → open the seal → core → reply, for every platform; channel chat straight to the
    watchers (module docstring)."""

    def __init__(self, core: Core, store: InboundStore, clock: Clock, lane: AfterAck,
                 seal: ActionSeal | None = None, ack: asyncio.Event | None = None,
                 prepare: dict[Platform, Prepare] | None = None) -> None:
        self.core = core
        self.store = store
        self.clock = clock
        self.lane = lane
        self.seal = seal
        self.ack = ack  # the adapter's "acknowledgement written" for one request (`acked_by`); None: none
        # An adapter's last step on a request of its platform, after the ack and the de-duplication, before
        # the core (Slack: people mentioned in typed text as their names, bot/slack/mentions.py). Shared by
        # every `acked_by` copy: an adapter adds its own when it is built.
        self.prepare: dict[Platform, Prepare] = {} if prepare is None else prepare

    def acked_by(self, ack: asyncio.Event | None) -> Pipeline:
        """This pipeline for one request whose adapter signals when its acknowledgement is written (`ack`):
        whatever its `later` and `run` start waits for that signal (Slack's middleware hands its listeners
        this one: bot/slack/middleware.py). Without a signal (Teams, the demo, Socket Mode), this pipeline."""
        if ack is None or ack is self.ack:
            return self
        return Pipeline(self.core, self.store, self.clock, self.lane, self.seal, ack, self.prepare)

    def later(self, inbound: Inbound, replier: Replier, *, wait_for_ack: bool = True) -> asyncio.Task[Any]:
        """`handle` in the after-ack lane, after the acknowledgement (`run`). The task is returned for a
        listener that waits for it a little (bot/slack/ack_answer.py): its ack waits for this work, so the
        work must not wait for the ack (`wait_for_ack=False`)."""
        return self.run(self.handle(inbound, replier), f"inbound {type(inbound.request).__name__}",
                        wait_for_ack=wait_for_ack)

    def run(self, work: Coroutine[Any, Any, Any], name: str = "after-ack", *,
            wait_for_ack: bool = True) -> asyncio.Task[Any]:
        """`work` in the after-ack lane, started once this request's acknowledgement is written (`ack`, see
        `AfterAck.run`: then one poll of the sockets), else one loop turn later (and that poll).
        `wait_for_ack=False`: only for work the ack waits for."""
        return self.lane.run(work, name, after=self.ack if wait_for_ack else None)

    async def handle(self, inbound: Inbound, replier: Replier) -> list[Reply] | None:
        """Run one request and send its replies. None: a redelivery, nothing was run or sent."""
        replies = await self.answer(inbound, replier)
        if replies:
            await replier.send(replies)
        return replies

    async def answer(self, inbound: Inbound, replier: Replier | None = None) -> list[Reply] | None:
        """Run one request and return its replies without sending them (a Teams invoke answers in its HTTP
        body). An `OpenForm` shows its form through `replier` and returns no replies."""
        request = inbound.request
        if isinstance(request, ChatMessage):
            return await self.core.on_message(request)  # no key, no remember: module docstring
        if not await self.first_time(inbound.key):
            return None
        if (prepare := self.prepare.get(inbound.where.platform)) is not None:
            try:
                inbound = await prepare(inbound)
            except Exception as exc:  # noqa: BLE001 - a courtesy (names in text): the request is answered anyway
                log.warning("preparing a %s request failed, answered as it came: %s", inbound.where.platform.value,
                            type(exc).__name__)
            request = inbound.request
            if isinstance(request, ChatMessage):  # a preparer never makes one; the type checker cannot know
                return await self.core.on_message(request)
        who = inbound.who
        if who is not None:
            await self.remember(who, inbound.where.team_id if inbound.home is None else inbound.home)
        if isinstance(request, Command):
            return await self.core.run_command(replace(request, received_at=self.clock.now()))
        if isinstance(request, Typed):
            typed = await self.core.run_typed(request.text, request.who, request.where, request.request_id)
            return typed if typed is not None else self.core.unknown_typed(request.text, request.where.platform)
        interaction = request.interaction if isinstance(request, OpenForm) else request
        opened = self._open(inbound, interaction)
        if opened is None:
            return invalid_reply()
        if isinstance(request, OpenForm):
            launch = read_launch(opened.value)
            if launch is None:
                return invalid_reply()
            form = await self.core.open_form(replace(opened, action=launch[0], value=launch[1], form_values=None))
            if not isinstance(form, Form):
                return form
            if replier is not None:
                await replier.open_form(form)
            return []
        if opened.form_values is not None:
            return await self.core.submit_form(opened)
        return await self.core.run_action(opened)

    def _open(self, inbound: Inbound, interaction: Interaction) -> Interaction | None:
        """The interaction with its value unsealed; None when the seal does not open for this place."""
        if not inbound.sealed or self.seal is None:
            return interaction
        value = self.seal.open(interaction.value, interaction.action, interaction.where, interaction.who)
        return None if value is None else replace(interaction, value=value)

    async def first_time(self, key: str) -> bool:
        """De-duplicate redeliveries. If the database is down we answer (with a friendly error) anyway. A request
        alone in the lane claims its key without waiting for a batch (storage/repos/inbound.py)."""
        if not key or key.endswith(":"):
            return True
        try:
            return bool(await self.store.inbound.first_time(key, alone=self.lane.in_flight <= 1))
        except StorageUnavailable:
            return True

    async def place_changed(self, key: str, change: PlaceChange) -> None:
        """A channel or team archived, deleted or brought back on its platform, once per `key` (the event's or
        activity's id): the core records it and nothing is answered. With the database down nothing changes
        (one WARNING line)."""
        if not await self.first_time(key):
            return
        try:
            await self.core.place_changed(change)
        except StorageUnavailable:
            log.warning("%s %s: the database is unavailable, nothing changed", change.where.platform.value,
                        change.reason)

    async def remember(self, person: Person, team_id: str) -> None:
        try:
            await self.store.identities.remember(person, team_id)
        except StorageUnavailable:
            log.debug("could not remember a person: database unavailable")


def launch_value(form: Form) -> str:
    """The value of a button that opens `form` (sealed like any other value): `{"f": id, "c": context}`."""
    return json.dumps({"f": form.id, "c": form.context}, separators=(",", ":"))


def read_launch(value: str) -> tuple[str, str] | None:
    """(form id, context) from a launch button's unsealed value; None when it is not one."""
    try:
        launch = json.loads(value)
        form_id, context = launch["f"], launch.get("c", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(form_id, str) or not isinstance(context, str) or not form_id:
        return None
    return form_id, context
