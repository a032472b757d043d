from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.shortcuts.tradeoff import CALLBACK_ID, tradeoff


def register(app: AsyncApp) -> None:
    app.shortcut(CALLBACK_ID)(tradeoff)
