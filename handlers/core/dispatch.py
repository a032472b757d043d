"""The one entry point adapters call. It routes to features and turns every failure into a friendly reply:
a person never sees a stack trace, and never silence."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Sequence
from dataclasses import replace

from handlers.core.errors import SORRY_BUG, SORRY_DATABASE, Later, StorageUnavailable, UserError
from handlers.core.registry import CommandSpec, Pending, PlaceChange, Registry, Replies
from handlers.core.services import Services
from handlers.core.text import bare_word, clean, clip, without_trailing_punctuation
from handlers.core.types import (
    ChatMessage,
    Command,
    Form,
    Interaction,
    Person,
    Place,
    Platform,
    Reply,
    Visibility,
)

log = logging.getLogger("steadybot.core")

HELP_WORDS = frozenset({"help", "-h", "--help", "?", "h"})
MAX_COMMAND_TEXT = 2000
#: `/steadybot`'s own words, typed to the bot without its name (`@steadybot settings`, `report` in a DM).
OWN_WORDS = frozenset({"report", "reports", "settings", "about"})
#: What a typed line with no words in it asks (`Core.run_typed`).
NOTHING_TYPED = "help"
#: The placeholders of a usage line that stand for a number, a time or a duration: the words after a
#: subcommand with only these (or none) are command words, whose sentence punctuation is dropped (`cancel
#: 1.`); any other placeholder (`<item>`, `<text>`, `<title>`, `<request>`, `<ics-url>`) is free text, kept
#: exactly as typed (`add Why so slow?`).
_COMMAND_ARGUMENTS = frozenset({"<n>", "<m>", "<when>", "<duration>", "<until or duration>", "<minutes>m"})
#: More words than this after a subcommand are more likely a title or a sentence than its arguments.
_MAX_ARGUMENT_WORDS = 3
_PLACEHOLDER = re.compile(r"<[^>]*>\w*")
#: A greeting or a thank-you typed to the bot (in its DM, or addressed to it in a channel).
_GREETING = re.compile(
    r"^(?:hi|hii+|hello|hey|heya|hiya|howdy|yo|hallo|good (?:morning|afternoon|evening|day)|morning)"
    r"(?: there| (?:steady)?bot| all)?$", re.IGNORECASE)
_THANKS = re.compile(
    r"^(?:thanks?|thank you|thank u|thx|ty|cheers|many thanks|thanks a lot|thank you so much|thanks so much)"
    r"(?: (?:steady)?bot)?$", re.IGNORECASE)
HELLO = "Hi! 👋 Type `help` to see what I can do."
YOU_ARE_WELCOME = "You're welcome! Type `help` whenever you want to see what I can do."


def as_list(replies: Replies) -> list[Reply]:
    if replies is None:
        return []
    if isinstance(replies, Reply):
        return [replies]
    return list(replies)


def friendly(text: str) -> list[Reply]:
    return [Reply(text=text, visibility=Visibility.PERSON)]


@functools.cache
def command_words(spec: CommandSpec) -> dict[str, bool]:
    """The subcommand words of a command, from its usage lines: word → True when what follows it is only
    command words, numbers, times or durations (`cancel <n>`, `snooze <until or duration>`, `me`), False
    when a usage line of it takes free text (`add <item>`, `answer <n> <text>`). Worked out once per command
    (cached: callers read the mapping, never change it)."""
    words: dict[str, bool] = {}
    for sub, _ in spec.usage:
        first = sub.split(" ")[0].lower()
        if not first or first.startswith(("<", "[")):
            continue
        placeholders = _PLACEHOLDER.findall(sub)
        words[first] = words.get(first, True) and all(p in _COMMAND_ARGUMENTS for p in placeholders)
    return words


def normalise_subcommand(text: str, spec: CommandSpec) -> str:
    """The one place a subcommand typed like a sentence is read as meant: `Stop.` → `Stop`, `“help”` →
    `help`, `results?` → `results`; and after a subcommand that takes no free text, with a few words after
    it, the sentence punctuation at the end and a `#` before a number (`cancel 1.` → `cancel 1`, `remove #1`
    → `remove 1`, `snooze off.` → `snooze off`). Anything else — an agenda item, a meeting title (`/meeting
    Cancel culture talk tomorrow 3pm`), a request — is left exactly as typed; so is a word's case."""
    first, space, rest = text.partition(" ")
    word = bare_word(first)
    known = command_words(spec)
    if word.lower() in HELP_WORDS:
        return word + space + rest
    if word.lower() not in known:
        return text
    if not known[word.lower()] or len(rest.split()) > _MAX_ARGUMENT_WORDS:
        return word + space + rest
    return without_trailing_punctuation(word + space + rest)


def greeting(text: str) -> str | None:
    """The kind one-line answer to `hi`, `hello`, `thanks`, `thank you` (any case, with `!` or an emoji
    after it); None for anything else."""
    words = " ".join(bare_word(w) for w in clean(text, 80).replace(",", " ").split()
                     if any(ch.isalnum() for ch in w))
    if _GREETING.match(words):
        return HELLO
    if _THANKS.match(words):
        return YOU_ARE_WELCOME
    return None


class Core:
    def __init__(self, registry: Registry, services: Services) -> None:
        self.registry = registry
        self.services = services

    # ---- parsing -----------------------------------------------------------------------------------
    def parse_typed(self, text: str) -> tuple[str, str] | None:
        """`steadybot pulse results` / `/pulse results` / `pulse results` → ("pulse", "results"). Mentions of
        the bot are the adapters' to strip (their payload parsers); the core reads what the person asked.

        Returns None when the text does not start with a known command (ordinary chat). A bare `help`
        means the overview, as `/steadybot help`; `report` and `settings` are `/steadybot`'s (OWN_WORDS)."""
        body = clean(text, MAX_COMMAND_TEXT).strip()
        if body.lower().startswith("steadybot") and not body.lower().startswith("steadybot "):
            body = body[len("steadybot"):]
        body = body.lstrip("/ ").strip()
        if not body:
            return None
        first, _, rest = body.partition(" ")
        name = bare_word(first.strip()).lower()
        if name in HELP_WORDS:
            return ("steadybot", "help")
        if name in self.registry.commands:
            return (name, rest.strip())
        if name in OWN_WORDS and "steadybot" in self.registry.commands:  # `@steadybot report` in Teams
            return ("steadybot", body)
        return None

    def overview(self, platform: Platform | None = None) -> str:
        return self.registry.overview(platform)

    # ---- commands ----------------------------------------------------------------------------------
    async def run_command(self, cmd: Command) -> list[Reply]:
        cmd = self._after_the_name(cmd)
        spec = self.registry.commands.get(cmd.name)
        if spec is None:
            return friendly(f"I don't know `/{clip(cmd.name)}`.\n{self.overview(cmd.where.platform)}")
        text = clean(cmd.text, MAX_COMMAND_TEXT + 1)
        if len(text) > MAX_COMMAND_TEXT:
            return friendly(f"That's more text than I can read at once (over {MAX_COMMAND_TEXT} characters). "
                            f"Try `/{cmd.name} help`.")
        text = normalise_subcommand(text, spec)
        if text.lower() in HELP_WORDS or (text.split()[:1] and text.split()[0].lower() in HELP_WORDS):
            if spec.name == "steadybot":
                return friendly(f"{spec.help_text()}\n\n{self.overview(cmd.where.platform)}")
            return friendly(spec.help_text())
        cmd = Command(cmd.name, text, cmd.who, cmd.where, cmd.request_id, cmd.received_at)
        return await self._guard(f"command {cmd.name}", spec.handler(cmd, self.services), cmd.name)

    def _after_the_name(self, cmd: Command) -> Command:
        """`/steadybot pulse results` is `/pulse results`, as `steadybot pulse results` typed is (`parse_typed`;
        DESIGN.md teaches `@steadybot pulse results`), and `/steadybot steadybot report` is `/steadybot report`:
        the command named after the bot's name runs — its help, its refusals — as if typed on its own."""
        while cmd.name == "steadybot":
            first, _, rest = cmd.text.strip().partition(" ")
            if first.lower() not in self.registry.commands:
                break
            cmd = replace(cmd, name=first.lower(), text=rest.strip())
        return cmd

    async def run_typed(self, text: str, who: Person, where: Place, request_id: str = "") -> list[Reply] | None:
        """Typed text (Teams, Slack mentions and DMs, the demo). None when it is not a command. A line with no
        words (a bare @mention, a file or an image alone in a DM) asks what `help` asks: the overview, not
        "I don't know ‘that’" about a word nobody typed."""
        parsed = self.parse_typed(text if clean(text) else NOTHING_TYPED)
        if parsed is None:
            # Typed text reaches the core only in the bot's 1:1 chat or addressed to it in a channel (channel
            # chat goes to the watchers), so a greeting is answered, to the person alone, in one line.
            kind = greeting(text)
            return friendly(kind) if kind else None
        name, rest = parsed
        return await self.run_command(Command(name, rest, who, where, request_id, self.services.clock.now()))

    def unknown_typed(self, text: str, platform: Platform | None = None) -> list[Reply]:
        word = clip(clean(text).lstrip("/ ").split(" ")[0] or "that", 20)
        return friendly(f"I don't know `{word}`. {self.overview(platform)}")

    # ---- interactions ------------------------------------------------------------------------------
    async def run_action(self, interaction: Interaction) -> list[Reply]:
        handler = self.registry.find_action(interaction.action)
        if handler is None:
            log.info("unknown action %s", clip(interaction.action, 60))
            return friendly("That button is no longer active. Try the command again.")
        return await self._guard(f"action {interaction.action}", handler(interaction, self.services), None)

    async def open_form(self, interaction: Interaction) -> Form | list[Reply]:
        """Build the form a launch button opens (`interaction.action` = form id, `value` = its context)."""
        spec = self.registry.forms.get(interaction.action)
        if spec is None:
            return friendly("That form is no longer available. Try the command again.")
        try:
            result = await spec.open(interaction, self.services)
        except Exception as exc:  # noqa: BLE001 - turned into a friendly reply
            return self._failure(f"form {interaction.action}", exc, None)
        return result if isinstance(result, Form) else [result]

    async def submit_form(self, interaction: Interaction) -> list[Reply]:
        spec = self.registry.forms.get(interaction.action)
        if spec is None:
            return friendly("That form is no longer available. Try the command again.")
        return await self._guard(f"form {interaction.action}", spec.submit(interaction, self.services), None)

    # ---- chat & outbox -----------------------------------------------------------------------------
    async def on_message(self, message: ChatMessage) -> list[Reply]:
        """Ordinary channel chat goes to the watchers; their failures are logged, never shown."""
        replies: list[Reply] = []
        for watcher in self.registry.watchers:
            try:
                replies.extend(as_list(await watcher(message, self.services)))
            except StorageUnavailable:
                log.warning("watcher skipped a message: database unavailable")
            except Exception:
                log.exception("watcher %s failed", getattr(watcher, "__name__", watcher))
        return replies

    async def place_changed(self, change: PlaceChange) -> None:
        """A channel archived, deleted, unarchived or restored on its platform (once per event, after the
        adapter's de-duplication). Nothing is answered; StorageUnavailable reaches the adapter, to log it."""
        await self.registry.place_changed(change, self.services)

    async def prepare(self, pending: Pending) -> list[Reply] | None:
        """Turn an outbox row into replies at send time; None means "nothing to send any more"."""
        if pending.kind == "message":
            return [pending.reply] if pending.reply else None
        preparer = self.registry.preparers.get(pending.kind)
        if preparer is None:
            raise LookupError(f"no preparer for outbox kind {pending.kind!r}")
        replies = as_list(await preparer(pending, self.services))
        return replies or None

    async def prepare_many(self, pendings: Sequence[Pending]) -> dict[int, list[Reply] | None]:
        """Prepare the rows whose kind has a batch preparer, a kind at a time: {index in pendings: replies}.
        Rows of other kinds are left out (they are prepared one by one when sent). Failures propagate: the
        caller falls back to preparing one by one, which handles them row by row."""
        by_kind: dict[str, list[int]] = {}
        for i, pending in enumerate(pendings):
            if pending.kind in self.registry.batch_preparers:
                by_kind.setdefault(pending.kind, []).append(i)
        out: dict[int, list[Reply] | None] = {}
        for kind, indexes in by_kind.items():
            answers = await self.registry.batch_preparers[kind]([pendings[i] for i in indexes], self.services)
            if len(answers) != len(indexes):
                raise ValueError(f"batch preparer of {kind!r} answered {len(answers)} of {len(indexes)} rows")
            for i, answer in zip(indexes, answers, strict=True):
                if isinstance(answer, Later):
                    continue  # prepared on its own when sent: its preparer raises Later there
                out[i] = as_list(answer) or None
        return out

    # ---- failure handling --------------------------------------------------------------------------
    async def _guard(self, what: str, work: Awaitable[Replies], command: str | None) -> list[Reply]:
        try:
            replies = as_list(await work)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a friendly reply
            return self._failure(what, exc, command)
        # What ran and how many replies: never who, never what they typed or answered (issue 12).
        log.debug("%s: %d repl%s", clip(what, 60), len(replies), "y" if len(replies) == 1 else "ies")
        return replies

    def _failure(self, what: str, exc: Exception, command: str | None) -> list[Reply]:
        if isinstance(exc, UserError):
            text = exc.text()
            if command:
                text += f"\nSee `/{command} help` for more."
            return friendly(text)
        if isinstance(exc, StorageUnavailable):
            log.warning("%s: database unavailable", what)
            return friendly(SORRY_DATABASE)
        log.error("%s failed: %s", what, type(exc).__name__, exc_info=exc)
        return friendly(SORRY_BUG)
