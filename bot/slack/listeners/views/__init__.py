from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.views.form_submitted import form_submitted


def register(app: AsyncApp) -> None:
    app.view(re.compile(r"^form:"))(form_submitted)
