"""The app was uninstalled from a workspace: its installation and data go (bot/slack/workspaces.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.inbound import Pipeline
from bot.slack.workspaces import Workspaces


async def app_uninstalled(body: dict[str, Any], context: AsyncBoltContext, pipeline: Pipeline,
                          workspaces: Workspaces) -> None:
    pipeline.run(workspaces.uninstalled(body, context), "slack app_uninstalled")
