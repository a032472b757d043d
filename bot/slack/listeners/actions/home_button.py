"""A button on the App Home tab (action ids `home.…`): answered in the person's DM with the app; "Refresh"
publishes the home again (bot/slack/home.py).

The Refresh lists the channels of the person's workspace. An Enterprise Grid org-wide app's press comes with
`"team": null` and may carry the organisation's id (`E…`) wherever a workspace's would stand (`user.team_id`,
`view.team_id`, `view.app_installed_team_id`, and so Bolt's `context.team_id`); an organisation names no
workspace, so `HomePublisher.workspace_of` takes the first workspace id of: the press, Bolt's context, where
the person opened their Home, the workspace remembered for them, the authorization's."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.inbound import Inbound, Pipeline
from bot.slack.home import HomePublisher
from bot.slack.replier import SlackReplier
from handlers.core.types import Interaction
from handlers.reports.catalog import REFRESH


async def home_button(ack: AsyncAck, inbound: Inbound | None, replier: SlackReplier | None, pipeline: Pipeline,
                      home: HomePublisher, client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    if inbound is None or replier is None or not isinstance(inbound.request, Interaction):
        return
    if inbound.request.action == REFRESH:
        authorized = context.authorize_result.team_id if context.authorize_result is not None else None
        pipeline.run(_refresh(inbound, inbound.request, pipeline, home, client, context.team_id, authorized),
                     "slack home refresh")
    else:
        pipeline.later(inbound, replier)


async def _refresh(inbound: Inbound, press: Interaction, pipeline: Pipeline, home: HomePublisher,
                   client: AsyncWebClient, bolt_team: str | None, authorized: str | None) -> None:
    if await pipeline.first_time(inbound.key):
        team_id = await home.workspace_of(press.who, press.where.team_id, bolt_team,
                                          identities=pipeline.store.identities, authorized=authorized)
        await home.publish(client, press.who, team_id, force=True)
