"""The app leaves a workspace: `app_uninstalled`, or `tokens_revoked` for the bot token
(bot/slack/listeners/events/). With OAuth (many workspaces) the installation is deleted first
(bot/slack/oauth.py), which stops its sends; then what the bot kept for the workspace is deleted
(storage/repos/lifecycle.py; docs/operations.md, "Uninstalling"). Both run after the ack, in the lane."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.inbound import Pipeline
from bot.slack.oauth import SlackOAuth
from bot.slack.payloads import d, s
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Platform
from storage.store import Store

log = logging.getLogger("steadybot.slack")


@dataclass(frozen=True, slots=True)
class Workspaces:
    store: Store
    pipeline: Pipeline
    oauth: SlackOAuth | None = None

    async def uninstalled(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        team = await self.oauth.uninstalled(body, context) if self.oauth else s(body.get("team_id"))
        await self._remove(body, team, "app_uninstalled")

    async def revoked(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        team = await self.oauth.revoked(body, event, context) if self.oauth else s(body.get("team_id"))
        if not d(event.get("tokens")).get("bot"):
            log.debug("tokens_revoked for user tokens only: nothing to clean up")
            return  # the bot uses no user tokens; its own token still works
        await self._remove(body, team, "tokens_revoked")

    async def _remove(self, body: dict[str, Any], team_id: str, why: str) -> None:
        if team_id and await self.pipeline.first_time(f"slack:event:{s(body.get('event_id'))}"):
            await self.remove(team_id, why)

    async def remove(self, team_id: str, why: str = "uninstall") -> None:
        """Delete what the bot kept for the workspace (idempotent: a redelivery finds nothing left)."""
        if not team_id:
            return  # an organisation-wide (Enterprise Grid) uninstall names no workspace
        try:
            report = await self.store.lifecycle.remove_workspace(Platform.SLACK, team_id)
        except StorageUnavailable:
            log.warning("%s for workspace %s: the database is unavailable, nothing was removed", why, team_id)
            return
        log.info("%s: workspace %s removed (%d rows)", why, team_id, report.total)
