"""Pulse check-ins: anonymous burnout pulses by DM with k-anonymous team results, trends, and a private
journal. See docs/pulse.md.

`register` names the handlers; `wiring.handlers` builds them, on the first call of one (a restart imports
none of the feature's modules before it answers, docs/architecture.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.core.lazy import Feature
from handlers.core.registry import CommandSpec, Registry
from handlers.pulse import catalog

if TYPE_CHECKING:
    from handlers.pulse.questions import QuestionSet

PERIOD_SECONDS = 60


def register(registry: Registry, questions: QuestionSet | None = None) -> None:
    """`questions` is the wording of the questionnaire (questions.toml unless a test or a team swaps it)."""
    feature = Feature("handlers.pulse.wiring:handlers", questions=questions)
    registry.command(CommandSpec(
        name="pulse",
        summary="anonymous 30-second burnout check-ins by DM, with team results and your private journal",
        usage=catalog.USAGE,
        handler=feature.handler("command"),
        examples=("now", "schedule every friday at 3pm", "schedule weekdays at 9 for 1 day", "results",
                  "optout", "me"),
        intro=catalog.INTRO,
    ))
    registry.form(catalog.FORM_ID, feature.handler("open_answer"), feature.handler("submit_answer"))
    registry.form(catalog.REFLECT_FORM, feature.handler("open_reflection"), feature.handler("submit_reflection"))
    registry.action(catalog.JOURNAL_ACTIONS, feature.handler("journal_action"))
    registry.outbox_kind(catalog.KIND_INVITE, feature.handler("prepare_invite"), feature.handler("prepare_invites"))
    registry.outbox_kind(catalog.KIND_REMIND, feature.handler("prepare_reminder"),
                         feature.handler("prepare_reminders"))
    registry.outbox_kind(catalog.KIND_REFLECT, feature.handler("prepare_reflection"))
    registry.every("pulse.rounds", PERIOD_SECONDS, feature.handler("periodic"))
