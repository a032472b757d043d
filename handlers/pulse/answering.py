"""Answering a pulse: open the questionnaire (Slack modal), record a submission once, say thanks by updating
the DM. An answer to a closed round, or a second answer, is refused politely and not counted."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.core.errors import UserError
from handlers.core.services import Services
from handlers.core.text import clean
from handlers.core.timeparse import format_local, to_local_naive
from handlers.core.types import Form, Interaction, Reply, Visibility
from handlers.pulse.common import person_tz, pulse_store, threshold
from handlers.pulse.journal import journal_offer
from handlers.pulse.model import LEVELS, Answer, Outcome, Round
from handlers.pulse.questions import COMMENT_FIELD, QuestionSet
from handlers.pulse.results import round_threshold

STALE = "That pulse form is out of date. Please use the button in your latest pulse DM."
ALREADY = ("You've already answered this pulse, so this second answer was **not** counted — only your first "
           "one is. Thanks!")
NOT_INVITED = ("I can't add this answer: this pulse wasn't sent to you, or your pulse records were deleted "
               "since. The next pulse will come by DM.")


def round_id_of(value: str) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def read_answer(values: Mapping[str, str] | None, questions: QuestionSet) -> Answer:
    """Form values → an Answer. Every scale needs a level 1..5; the comment is optional and cleaned."""
    return read_form(values, questions)[0]


def read_form(values: Mapping[str, str] | None, questions: QuestionSet) -> tuple[Answer, bool]:
    """`read_answer`, and whether the comment had to be shortened (`read_comment`)."""
    values = values or {}
    scores: list[int] = []
    missing: list[str] = []
    for scale in questions.scales:
        raw = str(values.get(scale.id, "")).strip()
        if raw not in {str(level) for level in LEVELS}:
            missing.append(scale.name)
            continue
        scores.append(int(raw))
    if missing:
        raise UserError("Please pick an answer for every question — only the comment is optional. "
                        f"Missing: {', '.join(missing)}.")
    comment, shortened = read_comment(values.get(COMMENT_FIELD, ""), questions.comment_max)
    return Answer(tuple(scores), comment), shortened


def read_comment(raw: object, limit: int) -> tuple[str | None, bool]:
    """The comment as stored (cleaned, at most `limit` characters) and whether it had to be shortened. The
    form stops typing at the limit, but a submission is whatever arrives (a client that ignores max_length,
    an edited payload): a longer comment is cut at a word, marked with "…", and the person is told, so
    nobody believes the team reads words it never gets."""
    text = clean(raw, limit + 1)
    if len(text) <= limit:
        return text or None, False
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…", True


async def _closed_text(rnd: Round, svc: Services, interaction: Interaction) -> str:
    tz = await person_tz(svc, interaction.who)
    return (f"Sorry — this pulse closed {format_local(rnd.closes_at, tz, now=svc.clock.now())}, so I can't add "
            "an answer to it any more. Thanks for wanting to; the next pulse will come by DM.")


async def open_answer(interaction: Interaction, svc: Services, *, questions: QuestionSet) -> Form | Reply:
    round_id = round_id_of(interaction.value)
    store = pulse_store(svc)
    rnd = await store.round(round_id) if round_id is not None else None
    if rnd is None:
        return Reply(STALE, visibility=Visibility.PRIVATE)
    if not rnd.is_open(svc.clock.now()):
        return Reply(await _closed_text(rnd, svc, interaction), visibility=Visibility.PRIVATE,
                     replace_original=True)
    state = await store.invitation(rnd.id, interaction.who.platform, interaction.who.id)
    if state is None:
        return Reply(NOT_INVITED, visibility=Visibility.PRIVATE)
    if state:
        return Reply("You've already answered this pulse — thanks! Only your first answer counts.",
                     visibility=Visibility.PRIVATE, replace_original=True)
    return questions.form(rnd.id)

async def submit_answer(interaction: Interaction, svc: Services, *, questions: QuestionSet) -> list[Reply]:
    round_id = round_id_of(interaction.value)
    if round_id is None:
        return [Reply(STALE, visibility=Visibility.PRIVATE)]
    answer, shortened = read_form(interaction.form_values, questions)
    store = pulse_store(svc)
    tz = await person_tz(svc, interaction.who)
    day = to_local_naive(svc.clock.now(), tz).date()
    result = await store.record(round_id, interaction.who.platform, interaction.who.id, answer, day)
    if result.outcome == Outcome.NO_ROUND:
        return [Reply(STALE, visibility=Visibility.PRIVATE, replace_original=True)]
    if result.outcome == Outcome.CLOSED and result.round is not None:
        return [Reply(await _closed_text(result.round, svc, interaction), visibility=Visibility.PRIVATE,
                      replace_original=True)]
    if result.outcome == Outcome.ALREADY:
        return [Reply(ALREADY, visibility=Visibility.PRIVATE, replace_original=True)]
    if result.outcome == Outcome.NOT_INVITED or result.round is None:
        return [Reply(NOT_INVITED, visibility=Visibility.PRIVATE, replace_original=True)]
    # the round's own threshold (what its DMs announced, or today's setting if higher), as results use it
    k = round_threshold(threshold(await svc.store.settings.get(result.round.place())),
                        result.round.min_respondents)
    text = (f"**Thanks — answered.** Your answers were added to this round without your name. The team sees "
            f"results once the round has closed and at least {k} people have answered, not counting whoever "
            "sent the pulse.")
    if shortened:
        text += (f"\nYour comment was longer than {questions.comment_max} characters, so only its beginning was "
                 "kept (it ends with “…”).")
    if result.journaled:
        text += "\nA copy is in your private journal: `/pulse me`."
    replies = [Reply(text, visibility=Visibility.PRIVATE, replace_original=True)]
    if result.offer_journal:
        await store.set_prefs(interaction.who.platform, interaction.who.id, journal_asked=True)
        replies.append(journal_offer())
    return replies
