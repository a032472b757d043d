"""What the trade-off prompt looks like at each step: the prompt, the drop and extend choices, the decision.

Pure functions from prompts and lists to `Reply`s; the adapters render them as Block Kit, Adaptive Cards or
demo text. Button values carry only ids (a prompt id, an item id): the request itself stays in the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.core.text import clip
from handlers.core.types import Button, Field, Form, Reply, Visibility
from handlers.scope.catalog import DROP_FORM, EXTEND_FORM
from handlers.scope.ports import COMMAND, WATCH, Item, Prompt

if TYPE_CHECKING:
    from handlers.meetings.api import MeetingNow

ASK = "Happy to — what do we drop?"
MAX_DROP_BUTTONS = 5
ITEM_MAX = 200


def safe(text: str, limit: int = 120) -> str:
    """Someone's words, shortened to one line and made harmless for the tiny markup."""
    return clip(text, limit).replace("**", "*").replace("“", '"').replace("”", '"')


def quoted(text: str, limit: int = 120) -> str:
    return f"“{safe(text, limit)}”"


def prompt_reply(prompt: Prompt, meeting: MeetingNow | None = None, *, replace: bool = False,
                 note: str = "") -> Reply:
    """The prompt itself: quote the request, ask what to drop, offer the four ways out."""
    pid = str(prompt.id)
    if prompt.source != COMMAND:  # the watcher's card, also when a person asked for it on a message
        text = (f"**{ASK}**\n{quoted(prompt.quote)} sounds like new work on top of what's planned. Our time "
                "is finite, so let's make room for it on purpose: drop something, move the deadline, or park "
                "the idea.")
    else:
        text = (f"**New request:** {quoted(prompt.quote)}\n{ASK} Our time is finite, so let's make room for it "
                "on purpose: drop something, move the deadline, or park the idea.")
    if note:
        text += f"\n_{note}_"
    buttons = [
        Button("scope.drop", "Drop something", pid, "primary"),
        Button("scope.extend", "Extend the deadline", pid),
        Button("scope.park", "Park it", pid),
    ]
    if meeting is not None and meeting.has_agenda:
        buttons.append(Button("scope.park.meeting", "Park it for after the meeting", f"{pid}:{meeting.id}"))
    if prompt.source != COMMAND:
        buttons.append(Button("scope.dismiss", "Not scope creep", pid))
    else:
        buttons.append(Button("scope.dismiss", "Never mind", pid))
    return Reply(text=text, buttons=tuple(buttons), visibility=Visibility.CHANNEL, replace_original=replace,
                 notify_text=ASK)


def drop_form(prompt: Prompt) -> Form:
    return Form(
        id=DROP_FORM,
        title="What do we drop?",
        context=str(prompt.id),
        submit_label="Drop it",
        intro=f"To make room for {quoted(prompt.quote, 80)}.",
        fields=(
            Field("dropped", "What do we drop to make room?", kind="text", optional=True, max_length=ITEM_MAX,
                  placeholder="e.g. the PDF export"),
            Field("added", "The new work, in a few words (for the commitments list)", kind="text", optional=True,
                  max_length=ITEM_MAX, initial=safe(prompt.quote, ITEM_MAX)),
        ),
    )


def drop_reply(prompt: Prompt, commitments: list[Item], note: str = "") -> Reply:
    """Step two of "Drop something": one button per open commitment (up to five), or type it in."""
    pid = str(prompt.id)
    lines = [f"**What do we drop to make room for {quoted(prompt.quote, 80)}?**"]
    if note:
        lines.append(f"_{note}_")
    if commitments:
        lines.append("Pick one of this channel's commitments, or type it in.")
    else:
        lines.append("This channel has no commitments list yet, so type it in. (Keep one with "
                     "`/tradeoff commit <item>`, and next time you can pick from it.)")
    buttons = [Button("scope.drop.item", f"Drop: {safe(item.text, 60)}", f"{pid}:{item.id}")
               for item in commitments[:MAX_DROP_BUTTONS]]
    buttons.append(Button("scope.drop.type", "Type it in…", pid, "primary" if not commitments else "default"))
    buttons.append(Button("scope.back", "Back", pid))
    return Reply(text="\n".join(lines), buttons=tuple(buttons), visibility=Visibility.CHANNEL,
                 replace_original=True, notify_text=ASK)


def form_reply(form: Form) -> Reply:
    """Open a form from a button: a modal in Slack, the prompt card turned into the form in Teams,
    questions in the demo."""
    return Reply(text=form.title, form=form, visibility=Visibility.CHANNEL, replace_original=True)


def extend_form(prompt: Prompt) -> Form:
    return Form(
        id=EXTEND_FORM,
        title="Extend the deadline",
        context=str(prompt.id),
        submit_label="Extend",
        intro=f"More time for {quoted(prompt.quote, 80)}.",
        fields=(Field("by", "By how much? (e.g. 3 days, 2 weeks)", kind="text", optional=True, max_length=40,
                      placeholder="3 days"),),
    )


def extend_reply(prompt: Prompt) -> Reply:
    pid = str(prompt.id)
    return Reply(
        text=f"**How much more time do we give it, for {quoted(prompt.quote, 80)}?**",
        buttons=(Button("scope.extend.by", "+1 day", f"{pid}:1d"), Button("scope.extend.by", "+1 week", f"{pid}:1w"),
                 Button("scope.extend.other", "Other…", pid), Button("scope.back", "Back", pid)),
        visibility=Visibility.CHANNEL,
        replace_original=True,
        notify_text=ASK,
    )


def decision_text(prompt: Prompt) -> str:
    """"Added X; dropped Y" / "Parked X" / "Deadline +1 week" — what the thread shows once decided."""
    added = quoted(prompt.added or prompt.quote)
    if prompt.outcome == "drop":
        return f"**Decided:** Added {added}; dropped {quoted(prompt.dropped or 'something')}."
    if prompt.outcome == "extend":
        return f"**Decided:** Added {added}; deadline {prompt.extension or 'extended'}."
    if prompt.outcome == "park" and prompt.meeting_title:
        return (f"**Decided:** Parked {added} for after **{safe(prompt.meeting_title, 80)}**. I'll bring it "
                "up again when the meeting ends.")
    if prompt.outcome == "park":
        return f"**Decided:** Parked {added} in this channel's parking lot (`/tradeoff parking`)."
    if prompt.source == WATCH:
        return (f"{quoted(prompt.quote)} — **not scope creep.** Thanks for telling me; I'll be a little less "
                "eager in this channel.")
    if prompt.source != COMMAND:  # asked for on a message: nothing learned from it
        return f"{quoted(prompt.quote)} — **not scope creep.** Thanks for telling me."
    return f"**Never mind:** {quoted(prompt.quote)} was not taken on."


def decided_reply(prompt: Prompt) -> Reply:
    """The prompt message, updated in place: the decision, and no buttons left to press."""
    return Reply(text=decision_text(prompt), visibility=Visibility.CHANNEL, replace_original=True,
                 notify_text=decision_text(prompt).replace("**", ""))


def numbered(items: list[Item], *, meeting_notes: bool = False) -> list[str]:
    lines = []
    for n, item in enumerate(items, 1):
        line = f"{n}. {safe(item.text, ITEM_MAX)}"
        if meeting_notes and item.meeting_title:
            line += f" _(for after {safe(item.meeting_title, 60)})_"
        lines.append(line)
    return lines
