"""The demo's screen and keyboard: what it prints (numbered buttons, headers saying where a message went) and
how it asks (form prompts from the same input as the commands)."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO

from bot.demo.render import Buttons, render
from bot.demo.world import World
from handlers.core.types import MessageRef, Person, Place, Platform, Reply, Visibility

Ask = Callable[[str], Awaitable[str | None]]  # (prompt) -> the line typed, None once the input has ended


@dataclass(slots=True)
class Terminal:
    out: TextIO
    ask: Ask
    color: bool = False
    echo: bool = False  # a script on stdin: print each line read after its prompt, as if typed
    buttons: Buttons = field(default_factory=Buttons)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        """One counter for request and message ids, so every id the demo hands out is unique."""
        return next(self._ids)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def show(self, reply: Reply, header: str, where: Place, ref: MessageRef | None = None) -> MessageRef:
        """Print one reply under `header`; its buttons get numbers that press them (from message `ref`)."""
        ref = ref or MessageRef(Platform.DEMO, where.channel_id, f"m{self.next_id()}")
        self.say(render(reply, header, self.buttons, where, ref, self.color))
        return ref

    async def prompt(self, text: str) -> str | None:
        answer = await self.ask(text)
        if answer is not None and self.echo:
            self.say(f"{text}{answer}")
        return answer


def header(world: World, where: Place, reply: Reply, person: Person) -> str:
    """Where a reply to `person`'s request shows: the channel, a thread, a DM, or only to them."""
    if reply.replace_original:
        return "  (updated) steadybot:"
    if where.is_direct:
        return f"[DM to {person.name}] steadybot:" if person.id != world.you.id else "[DM] steadybot:"
    if reply.visibility != Visibility.CHANNEL:
        return f"[only {'you' if person.id == world.you.id else person.name}] steadybot:"
    return "[#team › thread] steadybot:" if (where.thread_id and reply.in_thread) else "[#team] steadybot:"
