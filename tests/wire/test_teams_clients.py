"""botbuilder's outbound clients are kept per process (bot/teams/clients.py): activities after the first
reuse the credentials (so their token cache), the connector client and the user token client, while every
activity is still authenticated on its own. Tokens are minted by the fake Bot Framework token service
(tests/support/fakes/openid.py) and checked by the real server code; replies go to the fake connector."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from botframework.connector.auth import Authentication

from bot.teams.adapter import TeamsAdapter
from bot.teams.clients import Kept
from support import wire
from tests.support.fakes.openid import StaticTokenFactory
from tests.support.teams_signed import AAD_TOKEN, APP_ID, SignedTeams, teams_with_keys


class CountingTokens(StaticTokenFactory):
    def __init__(self, app_id: str, token: str) -> None:
        super().__init__(app_id, token)
        self.made = 0

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Authentication:
        self.made += 1
        return await super().create_credentials(app_id, oauth_scope, login_endpoint, validate_authority)


@dataclass
class Signed:
    keys: SignedTeams
    tokens: CountingTokens

    @property
    def teams(self) -> TeamsAdapter:
        teams = self.keys.bot.runtime.teams
        assert isinstance(teams, TeamsAdapter)
        return teams


@pytest.fixture
async def signed(sqlite_url: str) -> AsyncIterator[Signed]:
    tokens = CountingTokens(APP_ID, AAD_TOKEN)
    async with teams_with_keys(sqlite_url, tokens=tokens) as keys:
        yield Signed(keys, tokens)


async def test_replies_reuse_one_set_of_clients_and_every_activity_is_still_authenticated(signed: Signed) -> None:
    keys = signed.keys
    url = keys.connector.url
    for n in range(3):
        activity = wire.teams_activity("help", service_url=url, user=f"29:clients-{n}", activity_id=f"clients-{n}")
        assert await keys.post(activity, keys.bearer()) == 201
        await keys.connector.wait_for(n + 1)
        forged = wire.teams_activity("help", service_url=url, user="29:stranger", activity_id=f"forged-{n}")
        # a valid token seen before proves nothing about the next request
        assert await keys.post(forged, keys.bearer(expires_in=-600)) == 401
    sent = await keys.connector.wait_for(3)
    await asyncio.sleep(0.2)  # nothing more arrives (the forged activities ran no turn)
    assert len(keys.connector.sent) == 3
    assert all("steadybot settings" in s.text and s.headers.get("Authorization") == f"Bearer {AAD_TOKEN}"
               for s in sent)
    assert signed.tokens.made == 1  # one credentials object (its token cache) for the connector and user tokens
    auth = signed.teams.auth
    assert len(auth.connectors.items) == 1 and len(auth.token_clients.items) == 1


async def test_closing_the_adapter_releases_the_kept_clients(signed: Signed) -> None:
    keys = signed.keys
    activity = wire.teams_activity("help", service_url=keys.connector.url, activity_id="clients-close")
    assert await keys.post(activity, keys.bearer()) == 201
    await keys.connector.wait_for(1)
    await signed.teams.close()
    assert not signed.teams.auth.connectors.items and not signed.teams.auth.token_clients.items


async def test_kept_is_bounded_and_one_build_wins_a_race() -> None:
    kept: Kept[str, object] = Kept(limit=2)
    built: list[object] = []

    async def build() -> object:
        await asyncio.sleep(0)
        built.append(made := object())
        return made

    first, second = await asyncio.gather(kept.get("a", build), kept.get("a", build))
    assert first is second and len(built) == 2  # both built, the first one stored is what both get
    await kept.get("b", build)
    await kept.get("c", build)
    assert list(kept.items) == ["b", "c"]  # the oldest went first
