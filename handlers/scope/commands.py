"""`/tradeoff`: open a "what do we drop?" prompt on purpose, and keep the channel's commitments and parking
lot."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.errors import NotAllowed, UserError
from handlers.core.ownership import who_may
from handlers.core.services import Services
from handlers.core.text import clip, one_line
from handlers.core.types import Command, Place, Reply, Visibility
from handlers.scope import cards
from handlers.scope.api import decisions_summary
from handlers.scope.catalog import STATS_DAYS
from handlers.scope.meeting import meeting_now
from handlers.scope.ports import COMMITMENT, PARKED, Closing, Item, ItemKind, ItemStatus
from handlers.scope.store import scope_store

REQUEST_EXAMPLE = "/tradeoff add SSO to the MVP"
MAX_COMMITMENTS = 50
MAX_PARKED = 100

_LIST_COMMITMENTS = {"commitments", "commits", "commitment", "list"}
_LIST_PARKING = {"parking", "parked", "lot", "parking-lot", "parkinglot", "ideas"}
#: Two words that name a list, as the help calls it (`/tradeoff parking lot`): read as its one-word alias.
_TWO_WORD_LISTS = {"parking lot": "parking", "parked items": "parked", "parked ideas": "parked"}
_SUBCOMMANDS = sorted({"commit", "park", "done", "drop", "unpark", "stats", "reset", "help"} | _LIST_COMMITMENTS
                      | _LIST_PARKING)
#: The subcommands followed by more words (an item, an idea, a number): only these are suggested for a mistyped
#: first word followed by more words (docs/scope.md, "Typos of a subcommand").
_TAKE_WORDS = ("commit", "park", "done", "drop", "unpark")
_TYPO_CUTOFF = 0.8  # difflib ratio; 0.75 would take every one-letter change of a 4-letter word (part, pack)
#: Real words as close to those as a typo is (same first letter, ratio at least the cutoff): the first word of
#: a real request ("drones for the warehouse"), never a typo.
_REAL_WORDS = frozenset({
    "parks", "parka", "parkas", "parky", "parker", "drops", "droop", "dropt", "doe", "don", "donee", "doner",
    "drone", "drones", "comm", "commie", "committee", "committed", "committer", "unpack", "unmark", "unparked",
})


def _channel(cmd: Command) -> Place:
    if cmd.where.is_direct:
        raise UserError("Trade-offs belong to a team's channel — run this in the channel.", REQUEST_EXAMPLE)
    return cmd.where


def _item_text(text: str, what: str, example: str) -> str:
    item = one_line(text, cards.ITEM_MAX * 2)
    if not item:
        raise UserError(f"Tell me the {what}.", example)
    if len(item) > cards.ITEM_MAX:
        raise UserError(f"Please keep the {what} under {cards.ITEM_MAX} characters.", example)
    return item


def pick(items: list[Item], ref: str, what: str, example: str, add_example: str = REQUEST_EXAMPLE) -> Item:
    """`2` → the second item as listed; otherwise the one item whose text matches (exactly, or as the only
    partial match)."""
    ref = one_line(ref, 300).lstrip("#").strip()
    if not items:
        raise UserError(f"This channel has no {what}s right now.", add_example)
    if not ref:
        raise UserError(f"Which {what}? Give its number from the list.", example)
    if ref.isascii() and ref.isdigit():
        n = int(ref[:6])
        if not 1 <= n <= len(items):
            raise UserError(f"There is no {what} {clip(ref, 8)} — the list goes from 1 to {len(items)}.", example)
        return items[n - 1]
    wanted = ref.casefold()
    exact = [i for i in items if i.text.casefold() == wanted]
    partial = exact or [i for i in items if wanted in i.text.casefold()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise UserError(f"More than one {what} matches `{clip(ref)}` — use its number instead.", example)
    raise UserError(f"No {what} matches `{clip(ref)}`.", example)


def _person(text: str) -> Reply:
    return Reply(text=text, visibility=Visibility.PERSON)


async def _open_prompt(cmd: Command, request: str, svc: Services) -> list[Reply]:
    """The prompt for everyone, and a word to the asker (with a tip while the channel keeps no list)."""
    place = _channel(cmd)
    request = one_line(request, 2000)
    store = scope_store(svc)
    prompt = await store.open_prompt(place, request, clip(request, 120))
    note = f"I asked the channel what we drop to make room for {cards.quoted(prompt.quote, 60)}."
    if await store.items(place, COMMITMENT, 1):
        note += " `/tradeoff commitments` lists what could make room."
    else:
        note += (" Tip: keep this channel's commitments with `/tradeoff commit <item>`, and \"Drop something\" "
                 "offers them as buttons.")
    return [cards.prompt_reply(prompt, await meeting_now(svc, place)), _person(note)]


async def _list(place: Place, kind: ItemKind, svc: Services) -> Reply:
    items = await scope_store(svc).items(place, kind)
    if kind == COMMITMENT:
        if not items:
            return _person("This channel has no commitments yet. Add what the team is working on with "
                           "`/tradeoff commit <item>` — then \"Drop something\" can offer them.")
        lines = [f"**This channel's commitments ({len(items)})**", *cards.numbered(items),
                 "Done: `/tradeoff done <n>` · dropped: `/tradeoff drop <n>` · add: `/tradeoff commit <item>`"]
    else:
        if not items:
            return _person("The parking lot is empty. Park an idea with `/tradeoff park <idea>`, or with "
                           "\"Park it\" on a trade-off prompt.")
        lines = [f"**Parking lot ({len(items)})**", *cards.numbered(items, meeting_notes=True),
                 "Take one out: `/tradeoff unpark <n>` · park another: `/tradeoff park <idea>`"]
    return _person("\n".join(lines))


async def _add(place: Place, kind: ItemKind, text: str, svc: Services) -> Reply:
    if kind == COMMITMENT:
        item_text = _item_text(text, "commitment", "/tradeoff commit Billing page redesign")
        item = await scope_store(svc).add_item(place, kind, item_text, MAX_COMMITMENTS)
        if item is None:
            raise UserError(f"This channel already has {MAX_COMMITMENTS} open commitments. That's a lot — "
                            "mark some done or dropped first.", "/tradeoff done 1")
        return _person(f"Added to this channel's commitments: {cards.quoted(item.text, cards.ITEM_MAX)}.")
    item_text = _item_text(text, "idea", "/tradeoff park dark mode")
    item = await scope_store(svc).add_item(place, kind, item_text, MAX_PARKED)
    if item is None:
        raise UserError(f"The parking lot is full ({MAX_PARKED} ideas). Time for a brainstorming session? "
                        "Take some out with `/tradeoff unpark <n>`.", "/tradeoff unpark 1")
    return _person(f"Parked {cards.quoted(item.text, cards.ITEM_MAX)}.")


async def _close(place: Place, kind: ItemKind, ref: str, closing: Closing, svc: Services) -> Reply:
    store = scope_store(svc)
    if kind == COMMITMENT:
        example = f"/tradeoff {'done' if closing == 'done' else 'drop'} 1"
        add = "/tradeoff commit Billing page redesign"
        item = pick(await store.items(place, kind), ref, "commitment", example, add)
    else:
        example = "/tradeoff unpark 1"
        item = pick(await store.items(place, kind), ref, "idea", example, "/tradeoff park dark mode")
    closed = await store.close_item(place, kind, item.id, closing)
    if closed is None:
        raise UserError("Someone changed that list just now — have another look.",
                        "/tradeoff commitments" if kind == COMMITMENT else "/tradeoff parking")
    said = {"done": "Done — well done! Took", "dropped": "Dropped: took", "unparked": "Took"}[closing]
    where = "the commitments" if kind == COMMITMENT else "the parking lot"
    return _person(f"{said} {cards.quoted(closed.text, cards.ITEM_MAX)} off {where}.")


async def _stats(place: Place, svc: Services) -> Reply:
    since = svc.clock.now() - timedelta(days=STATS_DAYS)
    summary = await decisions_summary(svc, place, since)
    learned = await scope_store(svc).learning(place)
    precision = summary.precision_in_use
    facts = (
        ("Prompts", f"{summary.prompts} ({summary.watch_prompts} spotted by me, {summary.open} still open)"),
        ("Taken on", f"{summary.added} — {summary.dropped} by dropping something, {summary.extended} with more "
                     "time"),
        ("Parked", str(summary.parked)),
        ("Dismissed", f"{summary.dismissed} — of which {summary.false_alarms} \"not scope creep\""),
        ("I was right", "no prompts yet" if precision is None
         else "nothing decided yet" if not summary.decided else f"{precision:.0%} of the time"),
        ("Learned", f"threshold +{learned.offset:.2f} from {learned.dismissals} "
                    f"dismissal{'' if learned.dismissals == 1 else 's'}"
                    if learned.dismissals or learned.offset else "nothing yet"),
    )
    return Reply(text=f"**Scope creep in this channel, last {STATS_DAYS} days**", facts=facts,
                 visibility=Visibility.PERSON)


async def _reset(cmd: Command, place: Place, svc: Services) -> Reply:
    if not await svc.may_manage(cmd.who, place):
        raise NotAllowed(who_may("reset what I learned"))
    await scope_store(svc).reset_learning(place)
    return _person("Done — I forgot what \"not scope creep\" taught me here, and spot scope creep at this "
                   "channel's sensitivity again (`/steadybot settings` shows it).")


async def tradeoff(cmd: Command, svc: Services) -> Reply | list[Reply]:
    text = cmd.text.strip()
    if not text:
        raise UserError("Tell me the new request, and I'll ask the channel what we drop to make room for it. "
                        "(`/tradeoff help` shows the commitments and parking lot commands.)", REQUEST_EXAMPLE)
    first, _, rest = _TWO_WORD_LISTS.get(" ".join(text.lower().split()), text).partition(" ")
    word, rest = first.lower(), rest.strip()
    place = _channel(cmd)
    if word in _LIST_COMMITMENTS and not rest:
        return await _list(place, COMMITMENT, svc)
    if word in _LIST_PARKING and not rest:
        return await _list(place, PARKED, svc)
    if word == "commit":
        return await _add(place, COMMITMENT, rest, svc)
    if word == "park":
        return await _add(place, PARKED, rest, svc)
    if word == "done":
        return await _close(place, COMMITMENT, rest, ItemStatus.DONE, svc)
    if word == "drop":
        return await _close(place, COMMITMENT, rest, ItemStatus.DROPPED, svc)
    if word == "unpark":
        return await _close(place, PARKED, rest, ItemStatus.UNPARKED, svc)
    if word == "stats" and not rest:
        return await _stats(place, svc)
    if word == "reset" and not rest:
        return await _reset(cmd, place, svc)
    _refuse_a_typo(word, rest)
    return await _open_prompt(cmd, text, svc)


def _refuse_a_typo(word: str, rest: str) -> None:
    """A mistyped subcommand is not a request to put to the whole channel: ask, privately, what was meant."""
    if not rest and (close := _close_to_a_subcommand(word)):
        # one word a letter off a subcommand (`/tradeoff stat`)
        raise UserError(f"Did you mean `/tradeoff {close[0]}`? To ask the channel what to drop for a new request, "
                        "describe the request in a few words.", REQUEST_EXAMPLE)
    if rest and (meant := _mistyped(word)):
        # the same with its item after it (`/tradeoff comit Billing export`)
        raise UserError(f"Did you mean `/tradeoff {meant} {clip(rest, cards.ITEM_MAX)}`? I haven't asked the "
                        "channel anything. If it is a new request, put it in other words.")


def _mistyped(word: str) -> str | None:
    """The subcommand (one that takes more words) that `word` is a typo of: the same first letter and a close
    difflib match, or two neighbouring letters swapped (`dnoe`); never a subcommand or alias itself, nor a real
    word that close (`_REAL_WORDS`)."""
    if word in _SUBCOMMANDS or word in _REAL_WORDS or len(word) < 3:
        return None
    for meant in _TAKE_WORDS:
        if _swapped(word, meant):
            return meant
    import difflib  # on the first typo, not at start (docs/benchmarks.md, "Cold start")

    close = difflib.get_close_matches(word, _TAKE_WORDS, n=1, cutoff=_TYPO_CUTOFF)
    return close[0] if close and close[0][0] == word[0] else None


def _swapped(word: str, meant: str) -> bool:
    """`word` is `meant` with two neighbouring letters swapped."""
    if len(word) != len(meant) or word == meant:
        return False
    diff = [i for i, (a, b) in enumerate(zip(word, meant, strict=True)) if a != b]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == meant[diff[1]] \
        and word[diff[1]] == meant[diff[0]]


def _close_to_a_subcommand(word: str) -> list[str]:
    import difflib  # on the first typo, not at start (docs/benchmarks.md, "Cold start")

    return difflib.get_close_matches(word, _SUBCOMMANDS, n=1, cutoff=0.75)
