"""`/pulse me`: a person's private journal (opt-in, asked once) and the switch of the weekly reflection
(handlers/pulse/reflection.py).

The journal is keyed by person and holds their own answers with a coarse day — no round id and no key into
the anonymous rows, and its content encrypted under a key of that person's own (storage/crypto.py). It is only
ever shown to that person (Visibility.PRIVATE), where it does not stay in the chat's history (`transient`):
Slack shows it ephemeral, even in a DM; on Teams the card has a "Delete this message" button, and a forget
deletes every journal card the bot recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.core.errors import UserError
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.types import (
    Button,
    Command,
    Interaction,
    Person,
    Reply,
    Visibility,
)
from handlers.pulse.common import person_tz, pulse_store
from handlers.pulse.model import DIMENSIONS, JournalEntry
from handlers.pulse.questions import QuestionSet

SHOWN = 12
HIDE = "pulse.journal.hide"
HIDDEN = "_Your journal was shown here. `/pulse me` shows it again._"
ME_EXAMPLE = "/pulse me on"
OFFER = ("Would you like a **private journal** of your own pulse answers? Only you can see it (`/pulse me`); "
         "it is kept apart from the anonymous answers, encrypted, and you can delete it any time. Before you show "
         "it to anyone (a manager in a 1:1, say): your entry of a round is one of the answers in the team's "
         "results, so together they can help work out what your teammates answered, above all in a small team — "
         "talk about your own trend rather than showing a single round. I'll only ask this once.")


def journal_offer() -> Reply:
    return Reply(OFFER, buttons=(
        Button("pulse.journal.on", "Keep my journal", style="primary"),
        Button("pulse.journal.reflect", "Journal + weekly reflection"),
        Button("pulse.journal.no", "No thanks"),
    ), visibility=Visibility.PRIVATE)


def _entry_line(entry: JournalEntry, questions: QuestionSet) -> str:
    day = f"{entry.day:%a} {entry.day.day} {entry.day:%b}"
    if entry.kind == "reflection":
        parts = []
        if entry.gave:
            parts.append(f"gave energy: {clip(entry.gave, 200)}")
        if entry.drained:
            parts.append(f"drained it: {clip(entry.drained, 200)}")
        return f"• {day} · weekly reflection — " + "; ".join(parts)
    scores = entry.scores or ()
    shown = []
    for dimension, score in zip(DIMENSIONS, scores, strict=False):
        scale = questions.scale(dimension)
        shown.append(f"{scale.name} {score} ({scale.label(score)})" if dimension == "workload"
                     else f"{scale.name} {score}")
    where = f" · #{entry.channel_name}" if entry.channel_name else ""
    line = f"• {day}{where} — " + " · ".join(shown)
    if entry.comment:
        line += f"\n    “{clip(entry.comment, 300)}”"
    return line


def render_journal(entries: list[JournalEntry], reflect: bool, questions: QuestionSet) -> Reply:
    buttons = (
        Button("pulse.journal.reflect_off" if reflect else "pulse.journal.reflect",
               "Stop weekly reflection" if reflect else "Add a weekly reflection"),
        Button(HIDE, "Delete this message"),
        Button("pulse.journal.delete", "Delete my journal", style="danger",
               confirm="This deletes every entry of your journal and stops it. Anonymous answers stay as they are."),
    )
    if not entries:
        return Reply("**Your pulse journal** is on, and empty so far: your next pulse answer"
                     + (" or weekly reflection" if reflect else "") + " will be the first entry. Only you can see it.",
                     buttons=buttons, visibility=Visibility.PRIVATE, transient=True)
    lines = ["**Your pulse journal** — only you can see this. Your latest entries:"]
    lines.extend(_entry_line(e, questions) for e in entries)
    pulses = [e.scores for e in entries if e.kind == "pulse" and e.scores][:4]
    if len(pulses) >= 2:
        averages = " · ".join(
            f"{questions.scale(d).name} {sum(s[i] for s in pulses) / len(pulses):.1f}" for i, d in enumerate(DIMENSIONS))
        lines.append(f"Average of your last {len(pulses)} pulses: {averages}")
    if reflect:
        lines.append("_Weekly reflection is on: a short DM on Friday afternoons._")
    return Reply("\n".join(lines), buttons=buttons, visibility=Visibility.PRIVATE, transient=True)


async def own_journal(svc: Services, who: Person, questions: QuestionSet, limit: int = SHOWN) -> Reply | None:
    """The person's own journal as `/pulse me` shows it (only ever to them), or None while it is off. Used by
    the App Home (handlers/reports/home.py)."""
    store = pulse_store(svc)
    prefs = await store.prefs(who.platform, who.id)
    if not prefs.journal:
        return None
    return render_journal(await store.journal(who.platform, who.id, limit), prefs.reflect, questions)


async def journal_me(cmd: Command, rest: str, svc: Services, *, questions: QuestionSet) -> Reply:
    """`/pulse me [on|off|delete|reflect on|reflect off]`."""
    words = tuple(rest.lower().split())
    if not words:
        return await _show_or_offer(cmd.who, svc, questions)
    change = ME_WORDS.get(words)
    if change is None:
        raise UserError("`/pulse me` knows `on`, `off`, `reflect on` and `reflect off`.", ME_EXAMPLE)
    return await change(cmd.who, svc)


async def _show_or_offer(who: Person, svc: Services, questions: QuestionSet) -> Reply:
    store = pulse_store(svc)
    prefs = await store.prefs(who.platform, who.id)
    if prefs.journal:
        return render_journal(await store.journal(who.platform, who.id, SHOWN), prefs.reflect, questions)
    if not prefs.journal_asked:
        await store.set_prefs(who.platform, who.id, journal_asked=True)
        return journal_offer()
    return Reply("Your private journal is off. Start it with `/pulse me on` — only you will ever see it.",
                 visibility=Visibility.PRIVATE)


async def _me_on(who: Person, svc: Services) -> Reply:
    await pulse_store(svc).set_prefs(who.platform, who.id, journal=True, journal_asked=True)
    return Reply("**Your private journal is on.** From your next pulse answer on, a copy goes to your journal; "
                 "only you can see it with `/pulse me`. Add a weekly reflection with `/pulse me reflect on`.",
                 visibility=Visibility.PRIVATE)


async def _me_off(who: Person, svc: Services) -> Reply:
    store = pulse_store(svc)
    deleted = await store.delete_journal(who.platform, who.id)
    await store.set_prefs(who.platform, who.id, journal=False, reflect=False, journal_asked=True)
    gone = (f"I deleted its {deleted} entr{'y' if deleted == 1 else 'ies'}" if deleted
            else "it had no entries, so there was nothing to delete")
    return Reply(f"Your journal is off, and {gone}. "
                 "Anonymous answers stay as they are — nothing links them to you.",
                 visibility=Visibility.PRIVATE)


async def _reflect_on(who: Person, svc: Services) -> Reply:
    tz = await person_tz(svc, who)
    await pulse_store(svc).set_prefs(who.platform, who.id, journal=True, journal_asked=True, reflect=True,
                                     tz=tz.key)
    return Reply("**Weekly reflection is on.** On Friday afternoons I'll ask two questions — what gave you "
                 "energy this week, and what drained it. Your answers go only to your private journal "
                 "(`/pulse me`).", visibility=Visibility.PRIVATE, replace_original=True)


async def _me_reflect_off(who: Person, svc: Services) -> Reply:
    await pulse_store(svc).set_prefs(who.platform, who.id, reflect=False)
    return Reply("Weekly reflection is off. Your journal stays as it is.", visibility=Visibility.PRIVATE)


MeChange = Callable[[Person, Services], Awaitable[Reply]]
ME_WORDS: dict[tuple[str, ...], MeChange] = {
    ("on",): _me_on,
    ("off",): _me_off,
    ("delete",): _me_off,
    ("reflect", "on"): _reflect_on,
    ("reflection", "on"): _reflect_on,
    ("reflect", "off"): _me_reflect_off,
    ("reflection", "off"): _me_reflect_off,
}


# ---- the journal's buttons (`pulse.journal.<what>`) -------------------------------------------------------
async def journal_action(interaction: Interaction, svc: Services) -> Reply:
    press = JOURNAL_BUTTONS.get(interaction.action.removeprefix("pulse.journal."))
    if press is None:
        return Reply("That button is no longer active. Try `/pulse me`.", visibility=Visibility.PRIVATE)
    return await press(interaction, svc)


async def _press_on(interaction: Interaction, svc: Services) -> Reply:
    who = interaction.who
    await pulse_store(svc).set_prefs(who.platform, who.id, journal=True, journal_asked=True)
    return Reply("**Your private journal is on.** Your next answers will be kept there, for you only: "
                 "`/pulse me`.", visibility=Visibility.PRIVATE, replace_original=True)


async def _press_reflect(interaction: Interaction, svc: Services) -> Reply:
    return await _reflect_on(interaction.who, svc)


async def _press_reflect_off(interaction: Interaction, svc: Services) -> Reply:
    who = interaction.who
    await pulse_store(svc).set_prefs(who.platform, who.id, reflect=False)
    return Reply("Weekly reflection is off.", visibility=Visibility.PRIVATE, replace_original=True)


async def _press_no(interaction: Interaction, svc: Services) -> Reply:
    who = interaction.who
    await pulse_store(svc).set_prefs(who.platform, who.id, journal_asked=True)
    return Reply("Okay — no journal. If you change your mind: `/pulse me on`.",
                 visibility=Visibility.PRIVATE, replace_original=True)


async def _press_hide(interaction: Interaction, svc: Services) -> Reply:
    """The journal message leaves the chat (deleted where possible), its record dropped."""
    who = interaction.who
    if interaction.message is not None:
        await pulse_store(svc).forget_journal_message(who.platform, who.id, interaction.message.message_id)
    return Reply(HIDDEN, visibility=Visibility.PRIVATE, replace_original=True, delete_original=True)


async def _press_delete(interaction: Interaction, svc: Services) -> Reply:
    store = pulse_store(svc)
    who = interaction.who
    deleted = await store.delete_journal(who.platform, who.id)
    await store.set_prefs(who.platform, who.id, journal=False, reflect=False, journal_asked=True)
    return Reply(f"Deleted your journal ({deleted} entr{'y' if deleted == 1 else 'ies'}) and stopped it.",
                 visibility=Visibility.PRIVATE, replace_original=True)


JournalPress = Callable[[Interaction, Services], Awaitable[Reply]]
JOURNAL_BUTTONS: dict[str, JournalPress] = {
    "on": _press_on,
    "reflect": _press_reflect,
    "reflect_off": _press_reflect_off,
    "no": _press_no,
    "hide": _press_hide,
    "delete": _press_delete,
}
