"""The app leaves a workspace or an Enterprise Grid organisation: `app_uninstalled`, `tokens_revoked` for the
bot token, or `team_access_revoked` for some workspaces of an organisation (bot/slack/listeners/events/).
With OAuth (many workspaces) the installation is deleted first (bot/slack/oauth.py), which stops its sends;
then what the bot kept for each workspace that left is deleted (storage/repos/lifecycle.py; docs/operations.md,
"Uninstalling"): one workspace, or every workspace of the organisation we know. Then the database is scrubbed, so
no earlier copy of the deleted rows stays in the files. All of it runs after the ack, in the lane."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.inbound import Pipeline
from bot.slack.oauth import Leaving, SlackOAuth
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
        leaving = await self.oauth.uninstalled(body, context) if self.oauth else _single(body)
        await self._remove(body, leaving, "app_uninstalled")

    async def revoked(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        leaving = await self.oauth.revoked(body, event, context) if self.oauth else _single(body)
        if not d(event.get("tokens")).get("bot"):
            log.debug("tokens_revoked for user tokens only: nothing to clean up")
            return  # the bot uses no user tokens; its own token still works
        await self._remove(body, leaving, "tokens_revoked")

    async def access_revoked(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        if self.oauth is None:  # one token, no record of which organisation a workspace is in
            log.info("team_access_revoked: without OAuth the workspaces' organisation is unknown; nothing removed")
            return
        await self._remove(body, await self.oauth.access_revoked(body, event, context), "team_access_revoked")

    async def _remove(self, body: dict[str, Any], leaving: Leaving, why: str) -> None:
        if leaving.teams and await self.pipeline.first_time(f"slack:event:{s(body.get('event_id'))}"):
            await self.remove_all(leaving, why)

    async def remove(self, team_id: str, why: str = "uninstall") -> None:
        """Delete what the bot kept for the workspace (idempotent: a redelivery finds nothing left)."""
        await self.remove_all(Leaving((team_id,) if team_id else ()), why)

    async def remove_all(self, leaving: Leaving, why: str = "uninstall") -> None:
        """Delete what the bot kept for each workspace, then the organisation's record of them, then scrub
        (idempotent: a redelivery, or the other of `app_uninstalled` and `tokens_revoked`, finds nothing)."""
        total = 0
        try:
            for team_id in leaving.teams:
                report = await self.store.lifecycle.remove_workspace(Platform.SLACK, team_id)
                total += report.total
            if self.oauth is not None:
                await self.oauth.forget_teams(leaving)
        except StorageUnavailable:
            log.warning("%s for %d workspaces: the database is unavailable, not everything was removed", why,
                        len(leaving.teams))
            return
        if leaving.teams:
            await self.store.lifecycle.scrub()
        log.info("%s: %s removed (%d rows)", why, _scope(leaving), total)


def _single(body: dict[str, Any]) -> Leaving:
    """Without OAuth: the event's workspace (an organisation-wide uninstall names none)."""
    team = s(body.get("team_id"))
    return Leaving((team,) if team else ())


def _scope(leaving: Leaving) -> str:
    if leaving.organisation:
        return f"{len(leaving.teams)} workspaces of organisation {leaving.organisation}"
    return f"workspace {leaving.teams[0]}" if leaving.teams else "nothing"
