from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.events.app_home_opened import app_home_opened
from bot.slack.listeners.events.app_uninstalled import app_uninstalled, team_access_revoked
from bot.slack.listeners.events.channel_lifecycle import EVENT_TYPES, channel_lifecycle
from bot.slack.listeners.events.chat import chat
from bot.slack.listeners.events.ignored import ignored
from bot.slack.listeners.events.tokens_revoked import tokens_revoked


def register(app: AsyncApp) -> None:
    """Chat: the most frequent requests, tried first (tests/wire/test_wire_slack.py)."""
    app.event("message")(chat)
    app.event("app_mention")(chat)


def register_rare(app: AsyncApp) -> None:
    """Events a workspace sends now and then, tried after the commands, buttons and forms (whose requests
    then skip these matchers before their ack)."""
    app.event("app_home_opened")(app_home_opened)
    app.event("member_joined_channel")(ignored)
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
    app.event("team_access_revoked")(team_access_revoked)  # an org-wide app removed from some workspaces
    app.event(EVENT_TYPES)(channel_lifecycle)  # archived, unarchived, deleted channels: one matcher for six
