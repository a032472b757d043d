"""Pulse check-ins: anonymous burnout pulses by DM with k-anonymous team results, trends, and a private
journal. See docs/pulse.md."""

from __future__ import annotations

from handlers.core.registry import Registry
from handlers.pulse import periodic
from handlers.pulse.answering import make_form_handlers
from handlers.pulse.commands import make_command
from handlers.pulse.journal import (
    KIND_REFLECT,
    REFLECT_FORM,
    make_journal_handlers,
    open_reflection,
    prepare_reflection,
    submit_reflection,
)
from handlers.pulse.questions import FORM_ID, QuestionSet, load_questions
from handlers.pulse.sending import KIND_INVITE, KIND_REMIND, make_preparer

PERIOD_SECONDS = 60


def register(registry: Registry, questions: QuestionSet | None = None) -> None:
    questions = questions or load_questions()
    registry.command(make_command(questions))
    open_answer, submit_answer = make_form_handlers(questions)
    registry.form(FORM_ID, open_answer, submit_answer)
    registry.form(REFLECT_FORM, open_reflection, submit_reflection)
    _, on_journal_action = make_journal_handlers(questions)
    registry.action("pulse.journal.", on_journal_action)
    registry.outbox_kind(KIND_INVITE, *make_preparer(questions, reminder=False))
    registry.outbox_kind(KIND_REMIND, *make_preparer(questions, reminder=True))
    registry.outbox_kind(KIND_REFLECT, prepare_reflection)
    registry.every("pulse.rounds", PERIOD_SECONDS, periodic.run)
