"""Microsoft Teams as a platform of this process (bot/platforms.py): on with MICROSOFT_APP_ID (or, for local
development only, STEADYBOT_INSECURE_DEV=1)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web

from bot.adapter import Adapter, Route, Wiring
from bot.config import Settings
from bot.platforms import PlatformSpec
from handlers.core.types import Platform

log = logging.getLogger("steadybot.teams")
MESSAGES_PATH = "/api/messages"


def build(wiring: Wiring) -> Adapter:
    from bot.teams.adapter import TeamsAdapter  # botbuilder loads only when Teams is on

    return TeamsAdapter(wiring)


def refusals(_: Settings) -> Sequence[Route]:
    warned = [False]

    async def refuse(_: web.Request) -> web.StreamResponse:
        if not warned[0]:
            log.warning("Refusing Teams traffic on /api/messages: MICROSOFT_APP_ID is not set, so activities "
                        "cannot be authenticated. Set MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD, or "
                        "STEADYBOT_INSECURE_DEV=1 for local development only.")
            warned[0] = True
        return web.json_response({"error": "unauthorized"}, status=401)  # as a bad token

    return [Route("POST", MESSAGES_PATH, refuse)]


PLATFORM = PlatformSpec(Platform.TEAMS, lambda settings: settings.teams_accepts_traffic, build, refusals)
