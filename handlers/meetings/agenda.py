"""`/agenda`: items (with minutes), pre-read questions and their written answers, for the channel's
current or next meeting; remove and reorder with buttons; answer with a form or `/agenda answer`."""

from __future__ import annotations

import re
from datetime import datetime

from handlers.core.errors import UserError
from handlers.core.ownership import belongs, require_here
from handlers.core.registry import Replies
from handlers.core.services import Services
from handlers.core.text import clip
from handlers.core.types import Button, Command, Field, Form, Interaction, Person, Place, Reply, Visibility
from handlers.meetings import render
from handlers.meetings.catalog import ADD_FORM, ANSWER_FORM
from handlers.meetings.nudges import MAX_ANSWER_BUTTONS, add_button
from handlers.meetings.parse import (
    ANSWER_LIMIT,
    ITEM_LIMIT,
    MAX_ITEM_MINUTES,
    MEETING_EXAMPLE,
    QUESTION_LIMIT,
    limited,
    parse_item,
    too_long,
)
from handlers.meetings.people import known
from handlers.meetings.ports import CANCELLED, ENDED, AgendaItem, Meeting, Question
from handlers.meetings.pressed import pressed_meeting, require_member_in_direct
from handlers.meetings.schedule import store_of
from handlers.timebox.ports import parse_id

MAX_ITEMS = 25
MAX_QUESTIONS = 10
MAX_OPEN_MINUTES = 30
ITEM_EXAMPLE = "/agenda add Demo of the new login 10m"
_MOVE = re.compile(r"^(\d{1,3})\s+(?:to\s+)?(up|down|top|bottom|\d{1,3})$", re.IGNORECASE)
_MINUTES = re.compile(r"(\d{1,3})\s*(?:m|min|mins|minutes?)?", re.IGNORECASE)
_NOTHING = {"": "no agenda to show", "show": "no agenda to show", "list": "no agenda to show",
            "add": "no agenda to add to", "item": "no agenda to add to", "question": "no agenda to add to",
            "q": "no agenda to add to", "ask": "no agenda to add to", "answer": "no pre-read question to answer"}
#: A pre-read question's number as people type it: `1`, `Q1` (its label), `q 1`, `#1`, with `:`, `.` or `)`
#: after it; the answer follows after a space (or nothing: then the form opens).
_QUESTION_REF = re.compile(r"^(?:q\s*|#)?(\d{1,3})[:.)]?(?:\s+|$)", re.IGNORECASE)
_OPEN = re.compile(r"^(?:(off|none|no|0)|(\d{1,2})\s*(?:m|min|mins|minutes?)?)$", re.IGNORECASE)


def _cut_note(cut: bool, limit: int) -> str:
    return f"\n_(That was long, so I cut it at {limit} characters.)_" if cut else ""


async def next_meeting(svc: Services, place: Place, word: str = "add") -> Meeting:
    """The channel's current or next meeting; without one, a refusal that fits what `/agenda <word>` wanted."""
    meeting = await store_of(svc).current_or_next(place.platform, place.channel_id, svc.clock.now())
    if meeting is None:
        raise _no_meeting(word)
    return meeting


def _no_meeting(word: str) -> UserError:
    nothing = _NOTHING.get(word, "no agenda to change")
    return UserError(f"There's no upcoming meeting in this channel, so there's {nothing} yet. "
                     "Register the meeting first.", f"/meeting {MEETING_EXAMPLE}")


def _live(meeting: Meeting) -> None:
    if meeting.status in (ENDED, CANCELLED):
        raise UserError(f"**{clip(meeting.title, 120)}** has {'ended' if meeting.status == ENDED else 'been cancelled'}"
                        " — its agenda can't change any more.")


def agenda_view(meeting: Meeting, items: list[AgendaItem], questions: list[Question], now: datetime,
                *, replace: bool = False) -> Reply:
    lines = [f"**Agenda for {clip(meeting.title, 120)}** — {render.when(meeting, now)}, "
             f"{render.minutes(meeting.duration_minutes)}"]
    if items:
        lines.extend(render.agenda_lines(meeting, items))
        lines.append(render.budget_note(meeting, items))
    else:
        lines.append("_No items yet._ Add one with `/agenda add Demo of the new login 10m`.")
        if meeting.open_minutes:
            lines.extend(render.agenda_lines(meeting, items))
    numbered = render.numbered(questions)
    if numbered:
        lines.append("**Pre-read questions** (answer in writing before the call)")
        lines.extend(render.question_lines(numbered, with_answers=False))
    buttons: list[Button] = []
    for n, item in enumerate(items, 1):
        if n > 1:
            buttons.append(Button("agenda.up", f"↑ {n}", str(item.id)))
        buttons.append(Button("agenda.remove", f"✕ {n}", str(item.id)))
    buttons.append(add_button(meeting, "Add item"))
    buttons.extend(Button("agenda.answer", f"Answer Q{q.position}", str(q.id)) for q in numbered[:MAX_ANSWER_BUTTONS])
    return Reply("\n".join(lines), buttons=tuple(buttons), replace_original=replace,
                 notify_text=f"Agenda for {meeting.title}")


async def command(cmd: Command, svc: Services) -> Replies:
    if cmd.where.is_direct:
        raise UserError("Agendas belong to a channel's meeting — run this in the team's channel.", ITEM_EXAMPLE)
    place = cmd.where.without_thread()
    word, _, rest = cmd.text.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    if word not in ("", "show", "list", "add", "item", "question", "q", "ask", "answer", "remove", "rm",
                    "delete", "drop", "move", "open"):
        raise UserError("`/agenda` knows `add`, `question`, `show`, `answer`, `remove`, `move` and `open`.",
                        ITEM_EXAMPLE)
    if word in ("add", "item"):
        added = await add_to_next(place, cmd.who, rest, word, svc)
        if added is not None:
            return added
    meeting = await next_meeting(svc, place, word)
    if word in ("", "show", "list"):
        return await show(meeting, svc)
    _live(meeting)
    if word in ("add", "item"):
        return await add_item(meeting, cmd.who, rest, svc)
    if word in ("question", "q", "ask"):
        return await add_question(meeting, cmd.who, rest, svc)
    if word == "answer":
        return await answer_question(meeting, cmd.who, rest, svc)
    if word in ("remove", "rm", "delete", "drop"):
        return await remove_item(meeting, rest, svc)
    if word == "move":
        return await move_item(meeting, rest, svc)
    return await open_slot(meeting, rest, svc)


async def show(meeting: Meeting, svc: Services, *, replace: bool = False) -> Reply:
    store = store_of(svc)
    return agenda_view(meeting, await store.agenda(meeting.id), await store.questions(meeting.id),
                       svc.clock.now(), replace=replace)


async def add_item(meeting: Meeting, who: Person, text: str, svc: Services) -> Reply:
    if not text:
        raise UserError("What's the item? Write it after `add`, with its minutes at the end if you like.",
                        ITEM_EXAMPLE)
    parsed = parse_item(text, meeting.duration_minutes)
    store = store_of(svc)
    items = await store.add_item(meeting.id, parsed.text, parsed.minutes, who.id, MAX_ITEMS)
    if items is None:
        raise _full(meeting)
    return _added(meeting, items, parsed.cut, svc)


async def add_to_next(place: Place, who: Person, text: str, word: str, svc: Services) -> Reply | None:
    """`/agenda add` in one unit of work: the meeting found and the item added together
    (`MeetingStore.add_to_next`), with the same answers as `next_meeting` then `add_item`. None when the text
    does not parse as an item: the caller takes that path, which answers in the same order (no meeting
    first, then what is wrong with the text)."""
    if not text:
        return None
    try:
        parsed = parse_item(text, MAX_ITEM_MINUTES)  # the meeting's own length is checked in the unit
    except UserError:
        return None
    added = await store_of(svc).add_to_next(place.platform, place.channel_id, svc.clock.now(), parsed.text,
                                            parsed.minutes, who.id, MAX_ITEMS)
    meeting = added.meeting
    if meeting is None:
        raise _no_meeting(word)
    if added.too_long:
        raise too_long(parsed.minutes or 0, meeting.duration_minutes)
    if added.items is None:
        raise _full(meeting)
    return _added(meeting, added.items, parsed.cut, svc)


def _full(meeting: Meeting) -> UserError:
    return UserError(f"**{clip(meeting.title, 120)}** already has {MAX_ITEMS} agenda items — that's a "
                     "workshop, not a meeting. Remove one first.", "/agenda remove 3")


def _added(meeting: Meeting, items: list[AgendaItem], cut: bool, svc: Services) -> Reply:
    item, number = items[-1], len(items)
    length = f" ({item.minutes}m)" if item.minutes else ""
    return Reply(f"Added to **{clip(meeting.title, 120)}** ({render.when(meeting, svc.clock.now())}): "
                 f"**{number}.** {clip(item.text, ITEM_LIMIT)}{length}\n{render.budget_note(meeting, items)}"
                 + _cut_note(cut, ITEM_LIMIT), buttons=(Button("agenda.remove", "Undo", str(item.id)),))


async def add_question(meeting: Meeting, who: Person, text: str, svc: Services) -> Reply:
    body, cut = limited(text, QUESTION_LIMIT)
    if not re.search(r"\w", body):
        raise UserError("What's the question? Write it after `question`.",
                        "/agenda question Which of the two login designs do we ship?")
    store = store_of(svc)
    question = await store.add_question(meeting.id, body, who.id, MAX_QUESTIONS)
    if question is None:
        raise UserError(f"**{clip(meeting.title, 120)}** already has {MAX_QUESTIONS} pre-read questions — "
                        "enough reading for one call.")
    number = len(await store.questions(meeting.id))
    return Reply(
        f"❓ **Pre-read question Q{number}** for **{clip(meeting.title, 120)}** "
        f"({render.when(meeting, svc.clock.now())}): {clip(body, QUESTION_LIMIT)}\n"
        f"Please answer in writing before the call — the button, or `/agenda answer {number} your answer`."
        + _cut_note(cut, QUESTION_LIMIT),
        buttons=(Button("agenda.answer", f"Answer Q{number}", str(question.id), "primary"),),
        visibility=Visibility.CHANNEL, notify_text=f"Pre-read question for {meeting.title}",
    )


def question_ref(rest: str) -> tuple[str, str]:
    """`1 text`, `Q1 text` (the label the bot shows), `q1: text`, `1: text`, `1. text`, `#1 text`, `Q 1 text`
    → ("1", "text"); anything else → (its first word, the rest), refused by the caller."""
    found = _QUESTION_REF.match(rest)
    if found is not None:
        return found.group(1), rest[found.end():]
    number, _, text = rest.partition(" ")
    return number, text


async def answer_question(meeting: Meeting, who: Person, rest: str, svc: Services) -> Replies:
    number, text = question_ref(rest)
    questions = render.numbered(await store_of(svc).questions(meeting.id))
    if not questions:
        raise UserError(f"**{clip(meeting.title, 120)}** has no pre-read questions yet.",
                        "/agenda question Which of the two login designs do we ship?")
    index = parse_id(number)
    if index is None or not 1 <= index <= len(questions):
        raise UserError(f"Which question? Give its number (1 to {len(questions)}) and your answer.",
                        "/agenda answer 1 The second design: it needs no new API")
    question = questions[index - 1]
    if not text.strip():
        return Reply.just_form(answer_form(question))
    return await save_answer(svc, who, question, text)


async def _item_number(meeting: Meeting, rest: str, svc: Services) -> tuple[list[AgendaItem], int]:
    items = await store_of(svc).agenda(meeting.id)
    if not items:
        raise UserError(f"**{clip(meeting.title, 120)}** has no agenda items yet.", ITEM_EXAMPLE)
    index = parse_id(rest)
    if index is None or not 1 <= index <= len(items):
        raise UserError(f"Which item? Give its number, 1 to {len(items)} (see `/agenda show`).",
                        "/agenda remove 2")
    return items, index


async def remove_item(meeting: Meeting, rest: str, svc: Services) -> Reply:
    items, number = await _item_number(meeting, rest.split(" ")[0], svc)
    await store_of(svc).remove_item(items[number - 1].id)
    return await show(meeting, svc)


async def move_item(meeting: Meeting, rest: str, svc: Services) -> Reply:
    m = _MOVE.match(rest)
    if not m:
        raise UserError("Tell me which item and where to: a position, `up`, `down`, `top` or `bottom`.",
                        "/agenda move 3 to 1")
    items, number = await _item_number(meeting, m.group(1), svc)
    where = m.group(2).lower()
    target = {"up": number - 1, "down": number + 1, "top": 1, "bottom": len(items)}.get(where)
    target = target if target is not None else int(where)
    await store_of(svc).move_item(items[number - 1].id, max(1, min(target, len(items))))
    return await show(meeting, svc)


async def open_slot(meeting: Meeting, rest: str, svc: Services) -> Reply:
    m = _OPEN.match(rest)
    if not m or (m.group(2) and int(m.group(2)) > MAX_OPEN_MINUTES):
        raise UserError(f"Give the open discussion's minutes (up to {MAX_OPEN_MINUTES}) or `off`.",
                        "/agenda open 10m")
    minutes = 0 if m.group(1) else int(m.group(2))
    await store_of(svc).set_open_minutes(meeting.id, minutes)
    updated = await store_of(svc).get(meeting.id) or meeting
    return await show(updated, svc)


# ---- buttons -----------------------------------------------------------------------------------
async def _item(interaction: Interaction, svc: Services) -> tuple[AgendaItem, Meeting] | None:
    item_id = parse_id(interaction.value)
    item = await store_of(svc).get_item(item_id) if item_id is not None else None
    meeting = await store_of(svc).get(item.meeting_id) if item is not None else None
    # its channel, or the organiser's 1:1 chat: the "Undo" of an item added through the T-1h message's form
    if item is None or meeting is None or not belongs(interaction.where, interaction.who, meeting.platform,
                                                      meeting.channel_id, meeting.organiser_id):
        return None
    await require_member_in_direct(interaction, svc, meeting.place, meeting.title)
    _live(meeting)
    return item, meeting


async def press_remove(interaction: Interaction, svc: Services) -> Replies:
    found = await _item(interaction, svc)
    if found is None:
        return Reply("That item is already gone.", replace_original=True)
    item, meeting = found
    await store_of(svc).remove_item(item.id)
    return await show(meeting, svc, replace=True)


async def press_up(interaction: Interaction, svc: Services) -> Replies:
    found = await _item(interaction, svc)
    if found is None:
        return Reply("That item is gone — here is the agenda as it is now: `/agenda show`.")
    item, meeting = found
    items = await store_of(svc).agenda(meeting.id)
    index = next((n for n, i in enumerate(items, 1) if i.id == item.id), 1)
    await store_of(svc).move_item(item.id, max(1, index - 1))
    return await show(meeting, svc, replace=True)


# ---- forms -----------------------------------------------------------------------------------------
def add_form(meeting: Meeting, now: datetime) -> Form:
    return Form(
        id=ADD_FORM,
        title="Add an agenda item",
        intro=f"For {clip(meeting.title, 120)} — {render.when(meeting, now)}, {render.minutes(meeting.duration_minutes)}.",
        context=str(meeting.id),
        submit_label="Add",
        launch_label="Add an agenda item",
        fields=(
            Field("item", "What should we discuss or decide?", kind="text", max_length=ITEM_LIMIT,
                  placeholder="Demo of the new login"),
            Field("minutes", "Minutes (optional)", kind="text", optional=True, max_length=3, placeholder="10"),
        ),
    )


def answer_form(question: Question) -> Form:
    return Form(
        id=ANSWER_FORM,
        title="Answer a pre-read question",
        intro=clip(question.text, QUESTION_LIMIT),
        context=str(question.id),
        submit_label="Save answer",
        launch_label="Answer",
        fields=(Field("answer", "Your answer (shown with your name when the meeting starts)", kind="text",
                      multiline=True, max_length=ANSWER_LIMIT),),
    )


async def save_answer(svc: Services, who: Person, question: Question, text: str) -> Reply:
    body, cut = limited(text, ANSWER_LIMIT)
    if not re.search(r"\w", body):
        raise UserError("Your answer is empty.", "/agenda answer 1 The second design: it needs no new API")
    meeting = await store_of(svc).get(question.meeting_id)
    if meeting is None:
        raise UserError("That meeting no longer exists.")
    _live(meeting)
    person = await known(svc, who)
    if not await store_of(svc).answer(question.id, person.id, person.name, body):
        raise UserError("That question no longer exists.")
    return Reply(f"Thanks — your answer is saved. It will be shown when **{clip(meeting.title, 120)}** starts "
                 "(answering again replaces it)." + _cut_note(cut, ANSWER_LIMIT))


async def _meeting(interaction: Interaction, svc: Services) -> Meeting:
    """The meeting an agenda button or form acts on, while its agenda can still change."""
    meeting = await pressed_meeting(interaction, svc)
    _live(meeting)
    return meeting


async def _question(interaction: Interaction, svc: Services) -> Question:
    question_id = parse_id(interaction.value)
    question = await store_of(svc).get_question(question_id) if question_id is not None else None
    meeting = await store_of(svc).get(question.meeting_id) if question is not None else None
    if question is None or meeting is None:
        raise UserError("That question no longer exists.")
    require_here(interaction.where, interaction.who, meeting.platform, meeting.channel_id)
    return question


async def open_add(interaction: Interaction, svc: Services) -> Form | Reply:
    return add_form(await _meeting(interaction, svc), svc.clock.now())


async def press_add(interaction: Interaction, svc: Services) -> Replies:
    return Reply.just_form(add_form(await _meeting(interaction, svc), svc.clock.now()))


async def submit_add(interaction: Interaction, svc: Services) -> Replies:
    meeting = await _meeting(interaction, svc)
    values = interaction.form_values or {}
    text = str(values.get("item", "")).strip()
    raw_minutes = str(values.get("minutes", "")).strip()
    m = _MINUTES.fullmatch(raw_minutes)
    if raw_minutes and not m:
        raise UserError("Minutes are a whole number, like 10.")
    return await add_item(meeting, interaction.who, f"{text} ({m.group(1)}m)" if m else text, svc)


async def open_answer(interaction: Interaction, svc: Services) -> Form | Reply:
    return answer_form(await _question(interaction, svc))


async def press_answer(interaction: Interaction, svc: Services) -> Replies:
    return Reply.just_form(answer_form(await _question(interaction, svc)))


async def submit_answer(interaction: Interaction, svc: Services) -> Replies:
    question = await _question(interaction, svc)
    return await save_answer(svc, interaction.who, question, str((interaction.form_values or {}).get("answer", "")))
