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


def build_with_ports(wiring: Wiring) -> Adapter:
    """The adapter, and with credentials the core's `graph_calendar` port (handlers/meetings/calendar_ports.py:
    Microsoft 365 group calendars through Graph; closed with the runtime's ports)."""
    settings, ports = wiring.settings, wiring.core.services.ports
    if settings.teams_app_id and settings.teams_app_password and "graph_calendar" not in ports:
        from bot.teams.graph import GraphClient, login_url_for
        from bot.teams.graph_calendar import GraphGroupCalendar

        graph = GraphClient(settings.teams_app_id, settings.teams_app_password, graph_url=settings.graph_url,
                            login_url=login_url_for(settings.graph_login_url, settings.teams_login_url), timeout=20.0)
        ports["graph_calendar"] = GraphGroupCalendar(graph, settings.teams_tenant_id, settings.default_tz)
    return build(wiring)


PLATFORM = PlatformSpec(Platform.TEAMS, lambda settings: settings.teams_accepts_traffic, build_with_ports, refusals)
