from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.events.app_home_opened import app_home_opened
from bot.slack.listeners.events.app_uninstalled import app_uninstalled
from bot.slack.listeners.events.channel_lifecycle import EVENTS, channel_lifecycle
from bot.slack.listeners.events.chat import chat
from bot.slack.listeners.events.ignored import ignored
from bot.slack.listeners.events.tokens_revoked import tokens_revoked


def register(app: AsyncApp) -> None:
    app.event("message")(chat)  # first: the most frequent request (tests/wire/test_wire_slack.py)
    app.event("app_mention")(chat)
    app.event("app_home_opened")(app_home_opened)
    app.event("member_joined_channel")(ignored)
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
    for kind in EVENTS:  # archived, unarchived, deleted channels (public and private)
        app.event(kind)(channel_lifecycle)
