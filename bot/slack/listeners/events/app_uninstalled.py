"""The app was uninstalled from a workspace or an Enterprise Grid organisation (`app_uninstalled`), or removed
from some workspaces of an organisation (`team_access_revoked`): their installation and data go
(bot/slack/workspaces.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.inbound import Pipeline
from bot.slack.workspaces import Workspaces


async def app_uninstalled(body: dict[str, Any], context: AsyncBoltContext, pipeline: Pipeline,
                          workspaces: Workspaces) -> None:
    pipeline.run(workspaces.uninstalled(body, context), "slack app_uninstalled")


async def team_access_revoked(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext,
                              pipeline: Pipeline, workspaces: Workspaces) -> None:
    pipeline.run(workspaces.access_revoked(body, event, context), "slack team_access_revoked")
