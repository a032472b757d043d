"""Tokens revoked: with the bot's own token, the workspace (or, for an org-wide installation, the organisation's
workspaces its bot served) goes as on an uninstall (bot/slack/workspaces.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.inbound import Pipeline
from bot.slack.workspaces import Workspaces


async def tokens_revoked(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext,
                         pipeline: Pipeline, workspaces: Workspaces) -> None:
    pipeline.run(workspaces.revoked(body, event, context), "slack tokens_revoked")
