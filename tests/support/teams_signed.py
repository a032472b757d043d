"""The bot with Teams' JWT validation on, against the fake Bot Framework token service
(tests/support/fakes/openid.py): the real server code checks every activity's token, and the bot's own
replies carry a fixed connector token (no AAD login in tests). Shared by the wire and reliability tests of
who gets past /api/messages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from botframework.connector.auth import ServiceClientCredentialsFactory

from support.bf_connector import FakeConnector
from tests.support.fakes.openid import FakeOpenId, StaticTokenFactory
from tests.support.harness import Harness, running

APP_ID = "4a6f1b2c-0000-4000-8000-00000000a99d"
APP_PASSWORD = "app-password-0123456789"
#: The token the fake credentials give the bot's outbound clients: replies to the connector carry it.
AAD_TOKEN = "static-aad-token-for-the-connector-0123456789"


@asynccontextmanager
async def signed_teams(database_url: str, openid: FakeOpenId, *, dev: bool = False, emulator_url: str = "",
                       metadata_url: str | None = None, tokens: ServiceClientCredentialsFactory | None = None,
                       **overrides: Any) -> AsyncIterator[Harness]:
    """`running` with an app id (so every activity needs a valid token) and the fake's keys. `dev` is
    explicit development mode (Emulator tokens accepted only then); `metadata_url` replaces the fake's
    OpenID metadata (e.g. a key server that never answers); `tokens` replaces the fixed connector
    credentials."""
    credentials = tokens if tokens is not None else StaticTokenFactory(APP_ID, AAD_TOKEN)
    async with running(database_url, insecure_dev=dev, teams_app_id=APP_ID, teams_app_password=APP_PASSWORD,
                       teams_openid_metadata_url=metadata_url or openid.metadata_url, teams_token_issuer=openid.issuer,
                       teams_emulator_openid_metadata_url=emulator_url,
                       adapter_options={"teams_credentials": credentials}, **overrides) as bot:
        yield bot


async def post_activity(bot: Harness, activity: dict[str, Any] | str, authorization: str | None) -> ClientResponse:
    """POST one activity to /api/messages with this Authorization header (none when None)."""
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    data = activity if isinstance(activity, str) else json.dumps(activity)
    return await bot.client.post("/api/messages", data=data, headers=headers)


@dataclass
class SignedTeams:
    """The bot behind JWT validation, and the fake token service whose keys it trusts."""

    bot: Harness
    openid: FakeOpenId

    @property
    def connector(self) -> FakeConnector:
        return self.bot.connector

    def bearer(self, **claims: Any) -> str:
        """An Authorization header the bot accepts (or, with `claims` such as expires_in=-600, one it must
        refuse) for an activity from the fake connector."""
        return f"Bearer {self.openid.token(APP_ID, self.bot.connector.url, **claims)}"

    async def post(self, activity: dict[str, Any] | str, authorization: str | None) -> int:
        return (await post_activity(self.bot, activity, authorization)).status


@asynccontextmanager
async def teams_with_keys(database_url: str, **options: Any) -> AsyncIterator[SignedTeams]:
    """`signed_teams` with its own fake token service, started and stopped here."""
    openid = FakeOpenId().start()
    try:
        async with signed_teams(database_url, openid, **options) as bot:
            yield SignedTeams(bot, openid)
    finally:
        openid.close()
