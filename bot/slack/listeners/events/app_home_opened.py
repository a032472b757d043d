"""The App Home tab opened: the person's home is published (bot/slack/home.py), after the ack."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.inbound import Pipeline
from bot.slack.home import HomePublisher
from bot.slack.payloads import person, s
from handlers.core.types import Person


async def app_home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient,
                          home: HomePublisher, pipeline: Pipeline) -> None:
    user_id = s(event.get("user"))
    if s(event.get("tab")) != "home" or not user_id:
        return
    pipeline.run(_publish(person(user_id), s(body.get("team_id")), client, home, pipeline), "slack home")


async def _publish(who: Person, team_id: str, client: AsyncWebClient, home: HomePublisher,
                   pipeline: Pipeline) -> None:
    await pipeline.remember(who, team_id)
    home.opened(client, who, team_id)
    await home.publish(client, who, team_id)
