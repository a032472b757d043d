"""The demo as a platform: an `Adapter` like Slack's and Teams' (bot/adapter.py), built by the factory
`steadybot demo` passes to `build_runtime`.

Everything the demo asks goes through the shared `Pipeline`: a command typed at the prompt is `Typed`, other
text a `ChatMessage` in #team, a pressed button an `Interaction`, a form launch an `OpenForm`, a filled form
an `Interaction` with its values (yours, and the simulated teammates' answers to the DMs the outbox sends
them). Answers print through `Answers`, the demo's `Replier`; outbox deliveries through `deliver`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.adapter import AdapterFactory, Delivery, Route, Sender, Wiring
from bot.demo.render import Pressable
from bot.demo.terminal import Terminal, header
from bot.demo.world import CHANNEL, DemoDirectory, World
from bot.inbound import Inbound, OpenForm, Typed, launch_value
from bot.outbox.errors import PermanentError
from handlers.core.ports import Directory
from handlers.core.registry import PeriodicTask
from handlers.core.types import ChatMessage, Form, Interaction, MessageRef, Person, Place, Platform, Reply


class DemoAdapter:
    """`steadybot demo`: a terminal, a simulated team (`World`), no routes and no periodic work.

    Its presses and forms are not sealed (`Inbound(..., sealed=False)`): the buttons live in this process's
    memory and are pressed at its local terminal, so their values make no round trip through a client that
    could copy, forge or alter them (Slack's and Teams' do, and are sealed)."""

    def __init__(self, wiring: Wiring, world: World, terminal: Terminal) -> None:
        self.pipeline = wiring.pipeline
        self.world = world
        self.terminal = terminal
        self._directory = DemoDirectory(world)

    @property
    def platform(self) -> Platform:
        return Platform.DEMO

    @property
    def directory(self) -> Directory:
        return self._directory

    @property
    def sender(self) -> Sender:
        return self

    def routes(self) -> Sequence[Route]:
        return ()

    def periodic(self) -> Sequence[PeriodicTask]:
        return ()

    async def start(self) -> None:
        """Nothing to connect: the terminal is already there."""

    async def close(self) -> None:
        """Nothing to release: the demo holds no platform client."""

    # ---- requests from the terminal ----------------------------------------------------------------
    async def type_command(self, text: str, person: Person) -> None:
        """A command typed in #team (`/pulse now`)."""
        typed = Typed(text, person, CHANNEL, f"demo-{self.terminal.next_id()}")
        await self.pipeline.handle(Inbound(typed), Answers(self, person, CHANNEL))

    async def chat(self, text: str, person: Person) -> None:
        """A message in #team: the watchers (scope creep) answer in its thread."""
        message_id = f"m{self.terminal.next_id()}"
        message = ChatMessage(person, CHANNEL, text, message_id, f"demo-{message_id}")
        await self.pipeline.handle(Inbound(message), Answers(self, person, CHANNEL.in_thread(message_id)))

    async def press(self, pressable: Pressable, person: Person) -> None:
        """A numbered button: an action, or the launch of a form (its fields are asked at the prompt)."""
        if pressable.form is not None:
            await self.open_form(pressable.form, person, pressable.where, pressable.message)
        elif pressable.button is not None:
            button = pressable.button
            interaction = Interaction(button.action, button.value, person, pressable.where,
                                      f"demo-{self.terminal.next_id()}", None, pressable.message)
            await self.pipeline.handle(Inbound(interaction, sealed=False),
                                       PressAnswers(self, person, pressable.where, pressable.message))

    async def open_form(self, form: Form, person: Person, where: Place, origin: MessageRef | None) -> None:
        """Open `form` as a launch button would: the core builds it, `Answers.open_form` asks its fields."""
        launch = Interaction(form.id, launch_value(form), person, where, f"demo-{self.terminal.next_id()}", None,
                             origin)
        await self.pipeline.handle(Inbound(OpenForm(launch), sealed=False), Answers(self, person, where, origin))

    async def fill(self, form: Form, person: Person, where: Place, origin: MessageRef | None) -> bool:
        """Ask `form`'s fields at the prompt, then submit the answers. False if the input ended on the way."""
        say = self.terminal.say
        say(f"  ┌ {form.title}" + (f" — {form.intro}" if form.intro else ""))
        values: dict[str, str] = {}
        for field in form.fields:
            if field.kind == "choice":
                options = "  ".join(f"{i}) {c.label}" for i, c in enumerate(field.choices, 1))
                say(f"  │ {field.label}\n  │   {options}")
                answer = await self.terminal.prompt(
                    "  │ choose a number" + (" (or Enter to skip)" if field.optional else "") + ": ")
                if answer is None:
                    return False
                if answer.strip().isdigit() and 1 <= int(answer) <= len(field.choices):
                    values[field.id] = field.choices[int(answer) - 1].value
                elif field.initial is not None and not answer.strip():
                    values[field.id] = field.initial
            else:
                answer = await self.terminal.prompt(
                    f"  │ {field.label}" + (" (Enter to skip)" if field.optional else "") + ": ")
                if answer is None:
                    return False
                if answer.strip():
                    values[field.id] = answer.strip()
                elif field.initial:
                    values[field.id] = field.initial
        say("  └ submitted")
        submitted = Interaction(form.id, form.context, person, where, f"demo-{self.terminal.next_id()}", values,
                                origin)
        await self.pipeline.handle(Inbound(submitted, sealed=False), PressAnswers(self, person, where, origin))
        return True

    # ---- the outbox sender -------------------------------------------------------------------------
    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        target, replies = delivery.target, delivery.replies
        await delivery.begin()
        if target.kind == "channel":
            where = CHANNEL.in_thread(target.thread_id)
            for reply in replies:
                self.terminal.show(reply, "[#team › thread] steadybot:" if target.thread_id else "[#team] steadybot:",
                                   where)
            return {"demo": True}
        person = self.world.find(target.id)
        if person is None:
            raise PermanentError("unknown demo person")
        where = self.world.dm(person)
        if person.id == self.world.you.id:
            for reply in replies:
                self.terminal.show(reply, "[DM] steadybot:", where)
            return {"demo": True}
        for reply in replies:
            self.terminal.say(f"  · steadybot sent {person.name} a DM")
            if reply.form is not None:
                await self._teammate_fills(person, where, reply.form)
        return {"demo": True}

    async def _teammate_fills(self, person: Person, where: Place, form: Form) -> None:
        """A simulated teammate answers the form in their DM. Their screen is not shown: the pipeline's
        answer to them (`answer`, not `handle`) is not printed."""
        filled = Interaction(form.id, form.context, person, where, f"demo-{self.terminal.next_id()}",
                             self.world.answer(form), None)
        await self.pipeline.answer(Inbound(filled, sealed=False))
        self.terminal.say(f"  · {person.name} filled in “{form.title}”")


@dataclass(frozen=True, slots=True)
class Answers:
    """The demo's `Replier`: prints replies to `person`'s request where it was made; a form is asked at the
    prompt and its submission answers `origin` (the message it was opened from)."""

    adapter: DemoAdapter
    person: Person
    where: Place
    origin: MessageRef | None = None

    async def send(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.adapter.terminal.show(reply, header(self.adapter.world, self.where, reply, self.person), self.where)

    async def open_form(self, form: Form) -> bool:
        return await self.adapter.fill(form, self.person, self.where, self.origin)


@dataclass(frozen=True, slots=True)
class PressAnswers(Answers):
    """Answers to a press or a submitted form: a reply replacing the message pressed updates it, and a reply
    that is only a form opens it at once."""

    async def send(self, replies: list[Reply]) -> None:
        for reply in replies:
            if reply.is_just_form and reply.form is not None:
                await self.adapter.open_form(reply.form, self.person, self.where, self.origin)
                continue
            self.adapter.terminal.show(reply, header(self.adapter.world, self.where, reply, self.person), self.where,
                                       self.origin if reply.replace_original else None)


def demo_adapter(world: World, terminal: Terminal) -> AdapterFactory:
    """The factory `steadybot demo` hands `build_runtime`: the demo's adapter over the runtime's wiring."""

    def build(wiring: Wiring) -> DemoAdapter:
        return DemoAdapter(wiring, world, terminal)

    return build
