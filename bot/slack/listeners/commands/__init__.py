from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.commands.slash_command import slash_command


def register(app: AsyncApp) -> None:
    app.command(re.compile(r"^/[\w.-]{1,40}$"))(slash_command)
