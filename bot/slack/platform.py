"""Slack as a platform of this process (bot/platforms.py): on with a signing secret and a bot token (or OAuth)."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from bot.adapter import Adapter, Route, Wiring
from bot.config import Settings
from bot.platforms import PlatformSpec
from handlers.core.types import Platform

EVENTS_PATH = "/slack/events"
OAUTH_PATHS = ("/slack/install", "/slack/oauth_redirect")


def build(wiring: Wiring) -> Adapter:
    from bot.slack.adapter import SlackAdapter  # Bolt and slack_sdk load only when Slack is on

    return SlackAdapter(wiring)


async def _unsigned(_: web.Request) -> web.StreamResponse:
    return web.Response(status=401, text="invalid signature")  # as a bad signature: nothing says Slack is off


async def _no_oauth(_: web.Request) -> web.StreamResponse:
    raise web.HTTPNotFound()  # as a route that does not exist


def refusals(_: Settings) -> Sequence[Route]:
    return [Route("POST", EVENTS_PATH, _unsigned), *(Route("GET", path, _no_oauth) for path in OAUTH_PATHS)]


PLATFORM = PlatformSpec(Platform.SLACK, lambda settings: settings.slack_enabled, build, refusals)
