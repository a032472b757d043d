"""The pulse's handlers, built when the first of them is called (`handlers.pulse.register` names them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from handlers.pulse import answering, commands, journal, periodic, reflection, sending
from handlers.pulse.questions import QuestionSet, load_questions


def handlers(questions: QuestionSet | None = None) -> dict[str, Callable[..., Any]]:
    questions = questions or load_questions()
    forms = sending.RoundForms(questions)
    return {
        "command": partial(commands.pulse, routes=commands.subcommands(questions)),
        "open_answer": partial(answering.open_answer, questions=questions),
        "submit_answer": partial(answering.submit_answer, questions=questions),
        "open_reflection": reflection.open_reflection,
        "submit_reflection": reflection.submit_reflection,
        "journal_action": journal.journal_action,
        "prepare_invite": partial(sending.prepare_pulse, forms=forms, reminder=False),
        "prepare_invites": partial(sending.prepare_pulses, forms=forms, reminder=False),
        "prepare_reminder": partial(sending.prepare_pulse, forms=forms, reminder=True),
        "prepare_reminders": partial(sending.prepare_pulses, forms=forms, reminder=True),
        "prepare_reflection": reflection.prepare_reflection,
        "periodic": periodic.run,
    }
