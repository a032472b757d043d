from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.actions.button_press import button_press
from bot.slack.listeners.actions.home_button import home_button
from bot.slack.payloads import HOME_ACTIONS


def register(app: AsyncApp) -> None:
    app.action(re.compile(rf"^{re.escape(HOME_ACTIONS)}"))(home_button)  # first: the general one takes any id
    app.action(re.compile(r".+"))(button_press)
