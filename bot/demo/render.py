"""Core replies → terminal text, with numbered buttons you press by typing their number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.core.types import Button, Form, MessageRef, Place, Reply

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<![\w*])_(?=\S)(.+?)(?<=\S)_(?!\w)")
_CODE = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True, slots=True)
class Pressable:
    button: Button | None
    form: Form | None
    where: Place
    message: MessageRef


@dataclass(slots=True)
class Buttons:
    """Every button shown gets the next number; `:press N` or just `N` presses it."""

    by_number: dict[int, Pressable] = field(default_factory=dict)
    counter: int = 0

    def add(self, pressable: Pressable) -> int:
        self.counter += 1
        self.by_number[self.counter] = pressable
        return self.counter


def terminal_text(markup: str, bold: bool) -> str:
    """The core's markup for a terminal: bold as ANSI bold (or plain), italics and code spans as plain text."""
    text = _CODE.sub(r"\1", _ITALIC.sub(r"\1", markup))
    if bold:
        return _BOLD.sub("\033[1m\\1\033[0m", text)
    return _BOLD.sub(r"\1", text)


def render(reply: Reply, header: str, buttons: Buttons, where: Place, message: MessageRef, color: bool) -> str:
    lines = [f"{header} {terminal_text(reply.text, color)}".rstrip()]
    indent = " " * 4
    for label, value in reply.facts:
        lines.append(f"{indent}{terminal_text(label, color)}: {terminal_text(value, color)}")
    pressables: list[str] = []
    for button in reply.buttons:
        if button.url:
            lines.append(f"{indent}{button.label}: {button.url}")
            continue
        number = buttons.add(Pressable(button, None, where, message))
        pressables.append(f"[{number}] {button.label}")
    if reply.form is not None:
        number = buttons.add(Pressable(None, reply.form, where, message))
        pressables.append(f"[{number}] {reply.form.launch_label}")
    if pressables:
        lines.append(indent + "  ".join(pressables))
    return "\n".join(lines)
