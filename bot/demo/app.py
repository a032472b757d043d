"""`steadybot demo`: a terminal chat with a simulated team — the third adapter over the same core
(bot/demo/adapter.py); this module is the session around it: input, controls, the fast-forward clock.

You are in channel #team with five teammates. Type the same commands as in Slack (`/pulse now`), plain
text to chat, a number to press a button, and `:wait 2h` to fast-forward time so scheduled DMs, nudges and
timers show up. It reads a script from stdin just as well (`steadybot demo < script.txt`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from bot.calendar.example import EXAMPLE_URL
from bot.demo.adapter import DemoAdapter
from bot.demo.render import Pressable
from bot.demo.terminal import Ask
from bot.demo.world import CHANNEL
from bot.runtime import Runtime
from handlers.core.clock import FakeClock
from handlers.core.durations import parse_duration
from handlers.core.errors import UserError
from handlers.core.text import clean
from handlers.core.timeparse import format_local, zone
from handlers.core.types import Person

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
    """The terminal session: reads lines, runs the controls, moves the clock; every request goes through the
    demo's adapter (bot/demo/adapter.py) and so through the shared pipeline."""

    def __init__(self, runtime: Runtime, adapter: DemoAdapter, clock: FakeClock) -> None:
        self.runtime = runtime
        self.adapter = adapter
        self.clock = clock
        self.world = adapter.world
        self.terminal = adapter.terminal
        self.actor: Person = self.world.you

    def say(self, text: str) -> None:
        self.terminal.say(text)

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
            await self.adapter.type_command(text, self.actor)
        else:
            await self.adapter.chat(text, self.actor)
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
        pressable: Pressable | None = self.terminal.buttons.by_number.get(number)
        if pressable is None:
            self.say(f"  There is no button {number}.")
            return
        await self.adapter.press(pressable, self.actor)
        await self.runtime.worker.drain()

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
            if self.terminal.echo:
                self.say(f"> {line.rstrip()}")
            if not await self.handle(line):
                break


def stdin_lines(interactive: bool, prompt: Callable[[], str]) -> tuple[AsyncIterator[str], Ask]:
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
