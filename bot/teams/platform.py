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
    """The Teams adapter. botbuilder loads only when Teams is on; its HTTP layer (msrest) is adjusted here,
    once per process, before the first client exists: its retry list built from a set (CPU per activity,
    docs/benchmarks.md#msrest-retry-list-teams) and its unknown-field warnings logged at DEBUG."""
    from bot.teams import msrest_noise, msrest_speedup
    from bot.teams.adapter import TeamsAdapter

    msrest_speedup.apply()
    msrest_noise.quiet()
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
