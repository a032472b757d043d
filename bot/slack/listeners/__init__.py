"""Slack listeners: plain functions, one per file, registered by each folder's `register(app)` (the layout of
Slack's bolt-python starter template). bot/slack/middleware.py has already parsed the request (a chat event
is parsed after its ack: `parse_later`, events/chat.py): a listener acknowledges and hands its `inbound` to
`pipeline.later` with its `replier` (other work to `pipeline.run`), which start it once the acknowledgement
is written."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners import actions, commands, events, shortcuts, unhandled, views


def register(app: AsyncApp, tell: unhandled.Tell | None = None) -> None:
    # Bolt tries listeners in this order, running each one's matchers until one fits. Chat comes first: it
    # is most of the traffic, so matchers it skips are time off its ack; then what a person is waiting for
    # (commands, buttons, forms); the rare events last.
    events.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
    events.register_rare(app)
    # Not a listener: the app's error handler, which acknowledges what no listener matched (any order).
    unhandled.register(app, tell)
