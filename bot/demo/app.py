"""`steadybot demo`: a terminal chat with a simulated team — the third adapter over the same core.

You are in channel #team with five teammates. Type the same commands as in Slack (`/pulse now`), plain
text to chat, a number to press a button, and `:wait 2h` to fast-forward time so scheduled DMs, nudges and
timers show up. It reads a script from stdin just as well (`steadybot demo < script.txt`).
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, TextIO

from bot.adapter import Delivery
from bot.calendar.example import EXAMPLE_URL, ExampleFetcher
from bot.demo.render import Buttons, Pressable, render
from bot.demo.world import CHANNEL, DemoDirectory, World
from bot.runtime import Runtime
from handlers.core.clock import FakeClock
from handlers.core.durations import parse_duration
from handlers.core.errors import UserError
from handlers.core.text import clean
from handlers.core.timeparse import format_local, zone
from handlers.core.types import (
    ChatMessage,
    Form,
    Interaction,
    MessageRef,
    Person,
    Place,
    Platform,
    Reply,
    Visibility,
)

CONTROLS = """Demo controls:
  /pulse now, /meeting …, /agenda …, /timebox …   the same commands as in Slack or Teams
  any other text                                  a chat message in #team
  3  (or :press 3)                                press button 3
  :wait 2h                                        fast-forward time (scheduled DMs, nudges, timers fire)
  :as ben  /  :as you                             act as a teammate, or yourself again
  :calendar                                       connect #team to the bundled example calendar (a
                                                  standup, a planning with an agenda, a cancelled day)
  :now                                            what time it is in the demo
  :report                                         a fresh link to the team report page (also /steadybot report)
  :help  ·  :quit"""

MAX_WAIT = timedelta(days=60)
STEP = timedelta(minutes=5)


class Demo:
    def __init__(self, runtime: Runtime, clock: FakeClock, world: World, out: TextIO,
                 ask: Callable[[str], Any], *, color: bool = False, echo: bool = False) -> None:
        self.runtime = runtime
        self.clock = clock
        self.world = world
        self.out = out
        self.ask = ask  # async (prompt) -> str | None
        self.color = color
        self.echo = echo
        self.actor: Person = world.you
        self.buttons = Buttons()
        self._ids = itertools.count(1)
        runtime.directories.add(Platform.DEMO, DemoDirectory(world))
        runtime.worker.senders[Platform.DEMO] = self
        runtime.outbox.on_due_now = None  # the demo drains the outbox itself, in order with its output
        fetcher = runtime.services.ports.get("calendar")
        if fetcher is not None:  # `:calendar` serves the bundled example; other addresses are fetched for real
            runtime.services.ports["calendar"] = ExampleFetcher(fetcher, clock)

    # ---- output ------------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _message_ref(self, where: Place) -> MessageRef:
        return MessageRef(Platform.DEMO, where.channel_id, f"m{next(self._ids)}")

    def show(self, reply: Reply, header: str, where: Place, ref: MessageRef | None = None) -> MessageRef:
        ref = ref or self._message_ref(where)
        self.say(render(reply, header, self.buttons, where, ref, self.color))
        return ref

    def header(self, where: Place, reply: Reply, person: Person) -> str:
        if reply.replace_original:
            return "  (updated) steadybot:"
        if where.is_direct:
            return f"[DM to {person.name}] steadybot:" if person.id != self.world.you.id else "[DM] steadybot:"
        if reply.visibility != Visibility.CHANNEL:
            return f"[only {'you' if person.id == self.world.you.id else person.name}] steadybot:"
        return "[#team › thread] steadybot:" if (where.thread_id and reply.in_thread) else "[#team] steadybot:"

    async def reply(self, replies: list[Reply], person: Person, where: Place) -> None:
        for reply in replies:
            self.show(reply, self.header(where, reply, person), where)

    # ---- the outbox sender -------------------------------------------------------------------------
    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        target, replies = delivery.target, delivery.replies
        await delivery.begin()
        if target.kind == "channel":
            where = CHANNEL.in_thread(target.thread_id)
            for reply in replies:
                header = "[#team › thread] steadybot:" if target.thread_id else "[#team] steadybot:"
                self.show(reply, header, where)
            return {"demo": True}
        person = self.world.find(target.id)
        if person is None:
            from bot.outbox.errors import PermanentError

            raise PermanentError("unknown demo person")
        where = self.world.dm(person)
        if person.id == self.world.you.id:
            for reply in replies:
                self.show(reply, "[DM] steadybot:", where)
            return {"demo": True}
        for reply in replies:
            self.say(f"  · steadybot sent {person.name} a DM")
            if reply.form is not None:
                await self._teammate_fills(person, where, reply.form)
        return {"demo": True}

    async def _teammate_fills(self, person: Person, where: Place, form: Form) -> None:
        interaction = Interaction(form.id, form.context, person, where, f"demo-{next(self._ids)}",
                                  self.world.answer(form), None)
        await self.runtime.core.submit_form(interaction)
        self.say(f"  · {person.name} filled in “{form.title}”")

    # ---- input -------------------------------------------------------------------------------------
    async def handle(self, line: str) -> bool:
        """One line of input. Returns False to quit."""
        text = clean(line, 4000).strip()
        if not text:
            return True
        if text.startswith(":"):
            return await self._control(text)
        if text.isdigit():
            await self.press(int(text))
        elif text.startswith("/"):
            where = CHANNEL
            replies = await self.runtime.core.run_typed(text, self.actor, where, f"demo-{next(self._ids)}")
            if replies is None:
                replies = self.runtime.core.unknown_typed(text)
            await self.reply(replies, self.actor, where)
        else:
            message_id = f"m{next(self._ids)}"
            message = ChatMessage(self.actor, CHANNEL, text, message_id, f"demo-{message_id}")
            replies = await self.runtime.core.on_message(message)
            await self.reply(replies, self.actor, CHANNEL.in_thread(message_id))
        await self.runtime.worker.drain()
        return True

    async def _control(self, text: str) -> bool:
        word, _, rest = text[1:].partition(" ")
        word = word.lower()
        if word in ("quit", "exit", "q"):
            return False
        if word == "help":
            self.say(CONTROLS)
        elif word == "report":
            from handlers.reports.links import LinkTarget, make_link

            tz = zone(self.world.you.tz)
            link = make_link(self.runtime.services, LinkTarget(CHANNEL.platform, CHANNEL.channel_id, CHANNEL.team_id,
                                                               CHANNEL.name, str(tz.key)))
            self.say(f"  The team report page (open it in your browser; the link works for 15 demo minutes): {link}")
        elif word == "now":
            self.say(f"  It is {format_local(self.clock.now(), zone(self.world.you.tz), now=None)}.")
        elif word == "press" and rest.strip().isdigit():
            await self.press(int(rest.strip()))
        elif word == "wait":
            try:
                await self.wait(parse_duration(rest))
            except UserError as exc:
                self.say(f"  {exc.text()}")
        elif word == "calendar":
            await self.handle(f"/meeting calendar {EXAMPLE_URL}")
            self.say("  (The example calendar: Standup Mon/Wed/Fri 09:30 Berlin time, one of them cancelled; "
                     "Sprint planning on Tuesdays with its agenda in the description. Try `/meeting calendar`, "
                     "`/agenda show` and `:wait 1d`.)")
        elif word == "as":
            person = self.world.find(rest) if rest.strip() else None
            if person is None:
                self.say("  Who? " + ", ".join(p.id for p in self.world.people))
            else:
                self.actor = person
                self.say(f"  You are now {person.name}.")
        else:
            self.say("  I don't know that control. Type :help.")
        return True

    async def press(self, number: int) -> None:
        pressable: Pressable | None = self.buttons.by_number.get(number)
        if pressable is None:
            self.say(f"  There is no button {number}.")
            return
        where = pressable.where
        if pressable.form is not None:
            await self._fill(pressable.form, where, pressable.message)
        elif pressable.button is not None:
            interaction = Interaction(pressable.button.action, pressable.button.value, self.actor, where,
                                      f"demo-{next(self._ids)}", None, pressable.message)
            replies = await self.runtime.core.run_action(interaction)
            await self._show_interaction_replies(replies, where, pressable.message)
        await self.runtime.worker.drain()

    async def _show_interaction_replies(self, replies: list[Reply], where: Place, origin: MessageRef) -> None:
        for reply in replies:
            if reply.is_just_form and reply.form is not None:
                await self._fill(reply.form, where, origin)
                continue
            self.show(reply, self.header(where, reply, self.actor), where,
                      origin if reply.replace_original else None)

    async def _fill(self, form: Form, where: Place, origin: MessageRef) -> None:
        opened = await self.runtime.core.open_form(
            Interaction(form.id, form.context, self.actor, where, f"demo-{next(self._ids)}", None, origin))
        if not isinstance(opened, Form):
            await self.reply(opened, self.actor, where)
            return
        self.say(f"  ┌ {opened.title}" + (f" — {opened.intro}" if opened.intro else ""))
        values: dict[str, str] = {}
        for field in opened.fields:
            if field.kind == "choice":
                options = "  ".join(f"{i}) {c.label}" for i, c in enumerate(field.choices, 1))
                self.say(f"  │ {field.label}\n  │   {options}")
                answer = await self._ask("  │ choose a number" + (" (or Enter to skip)" if field.optional else "") + ": ")
                if answer is None:
                    return
                if answer.strip().isdigit() and 1 <= int(answer) <= len(field.choices):
                    values[field.id] = field.choices[int(answer) - 1].value
                elif field.initial is not None and not answer.strip():
                    values[field.id] = field.initial
            else:
                answer = await self._ask(f"  │ {field.label}" + (" (Enter to skip)" if field.optional else "") + ": ")
                if answer is None:
                    return
                if answer.strip():
                    values[field.id] = answer.strip()
                elif field.initial:
                    values[field.id] = field.initial
        self.say("  └ submitted")
        replies = await self.runtime.core.submit_form(
            Interaction(opened.id, opened.context, self.actor, where, f"demo-{next(self._ids)}", values, origin))
        await self._show_interaction_replies(replies, where, origin)

    async def _ask(self, prompt: str) -> str | None:
        answer = await self.ask(prompt)
        if answer is not None and self.echo:
            self.say(f"{prompt}{answer}")
        return answer

    async def wait(self, delta: timedelta) -> None:
        """Move the clock forward, running periodic work and sending whatever comes due, in time order."""
        if delta > MAX_WAIT:
            self.say("  I can fast-forward at most 60 days at a time.")
            return
        end = self.clock.now() + delta
        while True:
            await self.runtime.scheduler.run_all_once()
            await self.runtime.worker.drain()
            now = self.clock.now()
            if now >= end:
                break
            step = min(end, now + STEP)
            next_due = await self.runtime.store.outbox.next_due()
            if next_due is not None and now < next_due < step:
                step = next_due
            self.clock.set(step)
        self.say(f"  … it is now {format_local(self.clock.now(), zone(self.world.you.tz), now=None)}")

    async def run(self, lines: AsyncIterator[str]) -> None:
        self.say("steadybot demo — you are in #team with Ana, Ben, Chloé, Dev and Eli. Type :help for controls.")
        self.say(f"  Team report page: type /steadybot report or :report for a link "
                 f"(served at {self.runtime.services.settings.public_url}).")
        await self.runtime.scheduler.run_all_once()
        await self.runtime.worker.drain()
        async for line in lines:
            if self.echo:
                self.say(f"> {line.rstrip()}")
            if not await self.handle(line):
                break


def stdin_lines(interactive: bool, prompt: Callable[[], str]) -> tuple[AsyncIterator[str], Callable[[str], Any]]:
    """Lines from stdin (a tty or a script) for commands, and the same source for form prompts."""
    reader = sys.stdin

    async def read(text: str) -> str | None:
        if interactive:
            try:
                return await asyncio.to_thread(input, text)
            except EOFError:
                return None
        line = await asyncio.to_thread(reader.readline)
        return line.rstrip("\n") if line else None

    async def lines() -> AsyncIterator[str]:
        while True:
            line = await read(prompt() if interactive else "")
            if line is None:
                return
            yield line

    return lines(), read
