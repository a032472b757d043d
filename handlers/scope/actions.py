"""The prompt's buttons and forms: drop something, extend the deadline, park it, not scope creep.

Every decision goes through `ScopeStore.decide`, which records the first decision only; a later press on a
stale copy of the prompt just shows what was decided. Button values are `<prompt id>` or
`<prompt id>:<detail>`; anything else is answered with a friendly "no longer available".
"""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.core.durations import parse_duration
from handlers.core.errors import UserError
from handlers.core.services import Services
from handlers.core.text import one_line
from handlers.core.types import Form, Interaction, Reply
from handlers.scope import cards
from handlers.scope.commands import MAX_COMMITMENTS, MAX_PARKED
from handlers.scope.meeting import meeting_now, remind_after_meeting
from handlers.scope.ports import COMMITMENT, PARKED, Decided, Decision, Outcome, Prompt
from handlers.scope.store import scope_store
from handlers.scope.watch import LEARNING

GONE = "That trade-off prompt is no longer available."
GONE_EXAMPLE = "/tradeoff add SSO to the MVP"
EXTEND_EXAMPLE = "3 days"
MIN_EXTENSION = timedelta(hours=1)
MAX_EXTENSION = timedelta(weeks=26)
QUICK_EXTENSIONS = {"1d": timedelta(days=1), "1w": timedelta(weeks=1)}
_ID = r"[1-9]\d{0,17}"  # fits a BIGINT with room to spare
_PROMPT = re.compile(rf"^({_ID})$", re.ASCII)
_PAIR = re.compile(rf"^({_ID}):([A-Za-z0-9]{{1,20}})$", re.ASCII)


# ---- values and prompts ----------------------------------------------------------------------------------
def prompt_id_of(value: str) -> int:
    m = _PROMPT.match((value or "").strip())
    if not m:
        raise UserError(GONE, GONE_EXAMPLE)
    return int(m.group(1))


def pair_of(value: str) -> tuple[int, str]:
    m = _PAIR.match((value or "").strip())
    if not m:
        raise UserError(GONE, GONE_EXAMPLE)
    return int(m.group(1)), m.group(2)


async def load(svc: Services, interaction: Interaction, prompt_id: int) -> Prompt:
    """The prompt a button belongs to, if it belongs to this channel."""
    prompt = await scope_store(svc).prompt(prompt_id)
    where = interaction.where
    if prompt is None or prompt.place.platform != where.platform or prompt.place.channel_id != where.channel_id:
        raise UserError(GONE, GONE_EXAMPLE)
    return prompt


def room_for(decision: Decision) -> int | None:
    """The cap of the list a decision adds to, counted again by the store in the decision's own transaction
    (a `/tradeoff commit` on another replica at the same moment cannot push the list past it)."""
    if decision.outcome == Outcome.PARK:
        return MAX_PARKED
    if decision.outcome in (Outcome.EXTEND, Outcome.DROP):
        return MAX_COMMITMENTS
    return None


def _full(decision: Decision) -> UserError:
    if decision.outcome == Outcome.PARK:
        return UserError(f"The parking lot is full ({MAX_PARKED} ideas). Time for a brainstorming session? "
                         "Take some out with `/tradeoff unpark <n>`, then park this one.", "/tradeoff unpark 1")
    return UserError(f"This channel already has {MAX_COMMITMENTS} open commitments. That's a lot — mark some "
                     "done or dropped first, or drop one of them for this.", "/tradeoff done 1")


async def need_room(svc: Services, interaction: Interaction, prompt: Prompt, decision: Decision) -> None:
    """A decision that puts the new work on a list keeps that list's cap (the same as `/tradeoff commit` and
    `/tradeoff park`); dropping a listed commitment makes its own room. Nothing is decided when it has none.
    A quick check before the decision; the store counts again inside it (`room_for`)."""
    if not prompt.is_open:
        return  # the press only shows what was decided
    if decision.outcome == Outcome.PARK:
        parked = await scope_store(svc).items(interaction.where, PARKED, MAX_PARKED)
        if len(parked) >= MAX_PARKED:
            raise _full(decision)
        return
    if decision.outcome not in (Outcome.EXTEND, Outcome.DROP) or decision.drop_item_id is not None:
        return
    listed = await scope_store(svc).items(interaction.where, COMMITMENT, MAX_COMMITMENTS)
    named = decision.dropped_text.strip().casefold()
    if len(listed) >= MAX_COMMITMENTS and not (named and any(i.text.strip().casefold() == named for i in listed)):
        raise _full(decision)


async def decide(svc: Services, interaction: Interaction, prompt: Prompt, decision: Decision) -> Reply:
    await need_room(svc, interaction, prompt, decision)
    result = await scope_store(svc).decide(prompt.id, interaction.where, decision, LEARNING, room_for(decision))
    return await answer(svc, interaction, result, decision)


async def answer(svc: Services, interaction: Interaction, result: Decided, decision: Decision) -> Reply:
    """The reply to a decision: the updated prompt, or the drop choices again when the item went away."""
    if result.status == "missing" or result.prompt is None:
        raise UserError(GONE, GONE_EXAMPLE)
    if result.status == "full":  # the list filled up between the quick check and the decision
        raise _full(decision)
    if result.status == "item_gone":
        commitments = await scope_store(svc).items(interaction.where, COMMITMENT, cards.MAX_DROP_BUTTONS)
        return cards.drop_reply(result.prompt, commitments,
                                note="That one is no longer on the list (someone finished or dropped it). "
                                     "Pick another.")
    return cards.decided_reply(result.prompt)


# ---- extension amounts -------------------------------------------------------------------------------------
def format_extension(delta: timedelta) -> str:
    """+1 week, +2 weeks 3 days, +1 day, +5 hours."""
    total_hours = round(delta.total_seconds() / 3600)
    weeks, rest = divmod(total_hours, 7 * 24)
    days, hours = divmod(rest, 24)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((weeks, "week"), (days, "day"), (hours, "hour"))
             if n]
    return "+" + " ".join(parts)


def parse_extension(text: str) -> str:
    raw = one_line(text, 60).lstrip("+ ").strip()
    if not raw:
        raise UserError("How much more time? Say it like `3 days` or `2 weeks`.", EXTEND_EXAMPLE)
    if raw.isdigit():
        number = cards.safe(raw, 6)
        raise UserError(f"`{number}` what — days or weeks? Say it like `{number} days`.", f"{number} days")
    try:
        delta = parse_duration(raw)
    except UserError:
        raise UserError(f"I couldn't read `{cards.safe(raw, 30)}` as an amount of time.", EXTEND_EXAMPLE) from None
    if delta < MIN_EXTENSION:
        raise UserError("That's less than an hour — not much of a deadline change.", EXTEND_EXAMPLE)
    if delta > MAX_EXTENSION:
        raise UserError("That's more than half a year. Maybe park it instead?", EXTEND_EXAMPLE)
    return format_extension(delta)


# ---- buttons -----------------------------------------------------------------------------------------------
async def press_drop(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    if not prompt.is_open:
        return cards.decided_reply(prompt)
    commitments = await scope_store(svc).items(interaction.where, COMMITMENT, cards.MAX_DROP_BUTTONS)
    return cards.drop_reply(prompt, commitments)


async def press_drop_item(interaction: Interaction, svc: Services) -> Reply:
    prompt_id, item = pair_of(interaction.value)
    if not item.isdigit() or len(item) > 18:
        raise UserError(GONE, GONE_EXAMPLE)
    prompt = await load(svc, interaction, prompt_id)
    return await decide(svc, interaction, prompt, Decision(Outcome.DROP, added=prompt.quote, drop_item_id=int(item)))


async def press_drop_type(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    return cards.form_reply(cards.drop_form(prompt)) if prompt.is_open else cards.decided_reply(prompt)


async def press_extend_other(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    return cards.form_reply(cards.extend_form(prompt)) if prompt.is_open else cards.decided_reply(prompt)


async def press_extend(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    return cards.extend_reply(prompt) if prompt.is_open else cards.decided_reply(prompt)


async def press_extend_by(interaction: Interaction, svc: Services) -> Reply:
    prompt_id, amount = pair_of(interaction.value)
    if amount not in QUICK_EXTENSIONS:
        raise UserError(GONE, GONE_EXAMPLE)
    prompt = await load(svc, interaction, prompt_id)
    extension = format_extension(QUICK_EXTENSIONS[amount])
    return await decide(svc, interaction, prompt, Decision(Outcome.EXTEND, added=prompt.quote, extension=extension))


async def press_park(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    return await decide(svc, interaction, prompt, Decision(Outcome.PARK, added=prompt.quote))


async def press_park_for_meeting(interaction: Interaction, svc: Services) -> Reply:
    prompt_id, meeting = pair_of(interaction.value)
    prompt = await load(svc, interaction, prompt_id)
    now = await meeting_now(svc, interaction.where)
    if now is None or str(now.id) != meeting:
        # The meeting is over (or another one runs): the idea still goes to the parking lot.
        return await decide(svc, interaction, prompt, Decision(Outcome.PARK, added=prompt.quote))
    decision = Decision(Outcome.PARK, added=prompt.quote, meeting_id=now.id, meeting_title=now.title)
    await need_room(svc, interaction, prompt, decision)
    result = await scope_store(svc).decide(prompt_id, interaction.where, decision, LEARNING, room_for(decision))
    if result.status == "decided":
        await remind_after_meeting(svc, interaction.where.without_thread(), now)
    return await answer(svc, interaction, result, decision)


async def press_dismiss(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    return await decide(svc, interaction, prompt, Decision(Outcome.DISMISS))


async def press_back(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    if not prompt.is_open:
        return cards.decided_reply(prompt)
    return cards.prompt_reply(prompt, await meeting_now(svc, interaction.where), replace=True)


# ---- forms -------------------------------------------------------------------------------------------------
async def open_drop_form(interaction: Interaction, svc: Services) -> Form | Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    return cards.drop_form(prompt) if prompt.is_open else cards.decided_reply(prompt)


async def submit_drop_form(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    values = interaction.form_values or {}
    dropped = one_line(values.get("dropped", ""), 400)
    added = one_line(values.get("added", ""), 400) or prompt.quote
    if not dropped:
        raise UserError("Tell me what we drop to make room — a feature, a task, a nice-to-have.",
                        "the PDF export")
    if len(dropped) > cards.ITEM_MAX or len(added) > cards.ITEM_MAX:
        raise UserError(f"Please keep it under {cards.ITEM_MAX} characters.", "the PDF export")
    return await decide(svc, interaction, prompt, Decision(Outcome.DROP, added=added, dropped_text=dropped))


async def open_extend_form(interaction: Interaction, svc: Services) -> Form | Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    return cards.extend_form(prompt) if prompt.is_open else cards.decided_reply(prompt)


async def submit_extend_form(interaction: Interaction, svc: Services) -> Reply:
    prompt = await load(svc, interaction, prompt_id_of(interaction.value))
    extension = parse_extension((interaction.form_values or {}).get("by", ""))
    return await decide(svc, interaction, prompt, Decision(Outcome.EXTEND, added=prompt.quote, extension=extension))
