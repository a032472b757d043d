"""A button on the App Home tab (action ids `home.…`): answered in the person's DM with the app; "Refresh"
publishes the home again (bot/slack/home.py)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.inbound import Inbound, Pipeline
from bot.slack.home import HomePublisher
from bot.slack.replier import SlackReplier
from handlers.core.types import Interaction
from handlers.reports.catalog import REFRESH


async def home_button(ack: AsyncAck, inbound: Inbound | None, replier: SlackReplier | None, pipeline: Pipeline,
                      home: HomePublisher, client: AsyncWebClient) -> None:
    await ack()
    if inbound is None or replier is None or not isinstance(inbound.request, Interaction):
        return
    if inbound.request.action == REFRESH:
        pipeline.run(_refresh(inbound, inbound.request, pipeline, home, client), "slack home refresh")
    else:
        pipeline.later(inbound, replier)


async def _refresh(inbound: Inbound, press: Interaction, pipeline: Pipeline, home: HomePublisher,
                   client: AsyncWebClient) -> None:
    if await pipeline.first_time(inbound.key):
        await home.publish(client, press.who, press.where.team_id, force=True)
