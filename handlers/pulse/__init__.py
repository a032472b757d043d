"""Pulse check-ins: anonymous burnout pulses by DM with k-anonymous team results, trends, and a private
journal. See docs/pulse.md."""

from __future__ import annotations

from functools import partial

from handlers.core.registry import CommandSpec, Registry
from handlers.pulse import answering, commands, journal, periodic, sending
from handlers.pulse.questions import FORM_ID, QuestionSet, load_questions

PERIOD_SECONDS = 60


def register(registry: Registry, questions: QuestionSet | None = None) -> None:
    """`questions` is the wording of the questionnaire (questions.toml unless a test or a team swaps it)."""
    questions = questions or load_questions()
    registry.command(CommandSpec(
        name="pulse",
        summary="anonymous 30-second burnout check-ins by DM, with team results and your private journal",
        usage=commands.USAGE,
        handler=partial(commands.pulse, routes=commands.subcommands(questions)),
        examples=("now", "schedule every friday at 3pm", "schedule weekdays at 9 for 1 day", "results",
                  "optout", "me"),
        intro=commands.INTRO,
    ))
    registry.form(FORM_ID, partial(answering.open_answer, questions=questions),
                  partial(answering.submit_answer, questions=questions))
    registry.form(journal.REFLECT_FORM, journal.open_reflection, journal.submit_reflection)
    registry.action("pulse.journal.", journal.journal_action)
    forms = sending.RoundForms(questions)
    for kind, reminder in ((sending.KIND_INVITE, False), (sending.KIND_REMIND, True)):
        registry.outbox_kind(kind, partial(sending.prepare_pulse, forms=forms, reminder=reminder),
                             partial(sending.prepare_pulses, forms=forms, reminder=reminder))
    registry.outbox_kind(journal.KIND_REFLECT, journal.prepare_reflection)
    registry.every("pulse.rounds", PERIOD_SECONDS, periodic.run)
