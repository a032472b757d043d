"""The app leaves a workspace: `app_uninstalled`, or `tokens_revoked` for the bot token. What the bot kept
for the workspace is deleted (storage/repos/lifecycle.py; docs/operations.md, "Uninstalling").

With OAuth (many workspaces), bot/slack/oauth.py's listeners for the same events are registered first (Bolt
runs only the first listener that matches): they delete the installation, then call `remove_workspace`
through `SlackOAuth.after_uninstall` (wired in bot/slack/adapter.py). With one SLACK_BOT_TOKEN, the
listeners here do it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack import payloads
from bot.slack.deps import SlackDeps
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Platform

log = logging.getLogger("steadybot.slack")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_uninstalled(body: dict[str, Any]) -> None:
        async with deps.work():
            await _remove(body, "app_uninstalled")

    async def on_tokens_revoked(event: dict[str, Any], body: dict[str, Any]) -> None:
        tokens = payloads.d(event.get("tokens"))
        if not tokens.get("bot"):
            log.debug("tokens_revoked for user tokens only: nothing to clean up")
            return  # the bot uses no user tokens; its own token still works
        async with deps.work():
            await _remove(body, "tokens_revoked")

    async def _remove(body: dict[str, Any], why: str) -> None:
        team_id = payloads.s(body.get("team_id"))
        if team_id and await deps.first_time(f"slack:event:{payloads.s(body.get('event_id'))}"):
            await remove_workspace(deps, team_id, why)

    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


async def remove_workspace(deps: SlackDeps, team_id: str, why: str = "uninstall") -> None:
    """Delete what the bot kept for the workspace (idempotent: a redelivery finds nothing left)."""
    if not team_id:
        return  # an organisation-wide (Enterprise Grid) uninstall names no workspace
    try:
        report = await deps.store.lifecycle.remove_workspace(Platform.SLACK, team_id)
    except StorageUnavailable:
        log.warning("%s for workspace %s: the database is unavailable, nothing was removed", why, team_id)
        return
    log.info("%s: workspace %s removed (%d rows)", why, team_id, report.total)
