"""One listener per file; `register(app, deps)` wires them all (as in the Bolt starter template)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.deps import SlackDeps
from bot.slack.listeners import actions, commands, events, views


def register(app: AsyncApp, deps: SlackDeps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    events.register(app, deps)
