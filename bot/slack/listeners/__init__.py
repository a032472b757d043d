"""One listener per file; `register(app, deps)` wires them all (as in the Bolt starter template)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.deps import SlackDeps
from bot.slack.listeners import actions, commands, events, home, lifecycle, shortcut, unhandled, views


def register(app: AsyncApp, deps: SlackDeps) -> home.HomePublisher:
    # Bolt tries listeners in this order, running each one's matchers until one fits. Events come first:
    # they are most of the traffic and the only requests acknowledged without the 10 ms wait commands,
    # buttons and forms already avoid (ack_first), so matchers they skip are time off their ack.
    events.register(app, deps)
    commands.register(app, deps)
    publisher = home.register(app, deps)  # before `actions`: its `home.…` buttons come from the Home tab
    actions.register(app, deps)
    views.register(app, deps)
    shortcut.register(app, deps)
    lifecycle.register(app, deps)
    # Not a listener: the app's error handler, which acknowledges what no listener matched (any order).
    unhandled.register(app, deps)
    return publisher
