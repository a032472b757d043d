"""Forensic attack on box sizes: the database reader sees each person's journal boxes (their user id in the
clear beside them) and, in two snapshots around an answer, which box an answer added. If a box's length grew
with a long comment, the one long comment published after the seal would point at its author. The question
file allows comments of up to 2 000 characters (handlers/pulse/questions.py), and a comment in Chinese,
Japanese or emoji takes 3–4 bytes a character: every box must still have one length."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.runtime import answer_vault
from bot.secret import Secret
from handlers.core.types import Place, Platform
from handlers.pulse.answering import read_answer
from handlers.pulse.questions import (
    COMMENT_FIELD,
    QUESTIONS_FILE,
    QuestionFileError,
    QuestionSet,
    load_questions,
    parse_questions,
)
from storage.crypto import Vault
from storage.models.pulse import PulseJournalEntry, PulsePending
from storage.store import Store
from tests.support.harness import TEST_SECRET

PLACE = Place(Platform.SLACK, "C1", "T1", name="team")
VAULT = answer_vault(Secret(TEST_SECRET.encode()))
SCORES = {"exhaustion": "3", "cynicism": "3", "efficacy": "3", "workload": "3", "burnout": "3"}


def longest_questions(max_length: int = 2000) -> QuestionSet:
    """The shipped questions with the longest comment an operator may allow."""
    data = tomllib.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    data["comment"]["max_length"] = max_length
    return parse_questions(data)


def test_no_question_file_allows_a_comment_longer_than_the_box_is_sized_for() -> None:
    with pytest.raises(QuestionFileError):  # storage/crypto.py's BUCKET is sized for 2 000 characters
        longest_questions(2001)


@pytest.fixture
def vault() -> Vault:
    """`store` (tests/conftest.py) with the keys the bot derives from the test secret."""
    return VAULT


@pytest.mark.parametrize("filler", ["a", "\"", "ж", "語", "😀"])
def test_every_accepted_comment_fits_one_box_size(filler: str) -> None:
    questions = longest_questions()
    answer = read_answer({**SCORES, COMMENT_FIELD: filler * 5000}, questions)
    assert answer.comment is not None and len(answer.comment) == 2000  # the bot accepts it
    long_box, short_box = (len(VAULT.seal_answer(1, answer.scores, c)) for c in (answer.comment, "ok"))
    assert long_box == short_box, f"a {filler!r} comment's box: {long_box} bytes, a short one's: {short_box}"
    long_entry, short_entry = (len(VAULT.seal_journal("slack", "U1", {"s": list(answer.scores), "c": c}))
                               for c in (answer.comment, None))
    assert long_entry == short_entry, f"journal: {long_entry} bytes against {short_entry}"
    assert load_questions().comment_max <= 2000


async def test_a_long_comment_cannot_be_traced_to_its_author_by_box_size(store: Store) -> None:
    pulse = store.pulse
    rnd = await pulse.create_round("r1", PLACE, 72)
    people = ["ULONG0001", "USHORT002", "UNONE0003"]
    await pulse.add_invitations(rnd.id, [(Platform.SLACK, p) for p in [*people, "ULATE0004"]])  # still open
    now = pulse.clock.now()
    await pulse.finish_invitations(rnd.id, now, now + timedelta(hours=72))
    questions = longest_questions()
    comments = {"ULONG0001": "語" * 2000, "USHORT002": "fine week", "UNONE0003": ""}
    for person in people:
        await pulse.set_prefs(Platform.SLACK, person, journal=True)
        answer = read_answer({**SCORES, COMMENT_FIELD: comments[person]}, questions)
        await pulse.record(rnd.id, Platform.SLACK, person, answer, date(2026, 3, 2))
    async with store.db.session() as s:
        boxes = {len(b) for b in (await s.scalars(select(PulsePending.box))).all()}
        journals = {user: len(box or b"") for user, box in (await s.execute(
            select(PulseJournalEntry.user_id, PulseJournalEntry.box))).all()}
    assert len(boxes) == 1, f"pending boxes of different sizes: {sorted(boxes)}"
    assert len(set(journals.values())) == 1, f"journal box sizes point at the long comment's author: {journals}"
