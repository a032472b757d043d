"""botbuilder's outbound clients, built once per process instead of once per activity
(docs/benchmarks.md#teams-clients).

For every activity (and every proactive send) botbuilder builds a fresh credentials object, a
`ConnectorClient` and a `TokenApiClient`. Each of those costs CPU (msrest's configuration and pipeline,
a new `requests` session and so a new connection to the connector for every turn), and with an app
password each fresh `MicrosoftAppCredentials` starts with an empty token cache: a token request to
Microsoft Entra ID (blocking the event loop) before every turn's replies. What they depend on never
changes within a process (the app id, the OAuth scope, the login endpoint, the service URL), so:

- `SharedCredentials` wraps the credentials factory: one credentials object per (app id, scope, login
  endpoint, authority check), so its token cache lives (msal renews the token when it expires);
- `SharedClientsAuthentication` is botbuilder's `ConfigurationBotFrameworkAuthentication` whose connector
  factories hand out one `ConnectorClient` per (app id, service URL, audience) and which keeps one user
  token client per app id. The clients are botbuilder's own, built by botbuilder's own factories.

Authentication is untouched: every incoming activity is still validated (bot/teams/adapter.py); only the
clients that send the replies are reused. Both caches are bounded (`MAX_CLIENTS`, oldest dropped first).
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)

log = logging.getLogger("steadybot.teams")
#: Clients kept per cache. A bot hears from a handful of service URLs (one per region), so this is never
#: reached in practice; it only bounds what a stream of odd service URLs could make the process keep.
MAX_CLIENTS = 64
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """A small bounded map of built objects, oldest dropped first."""

    def __init__(self, limit: int = MAX_CLIENTS) -> None:
        self.limit = limit
        self.items: OrderedDict[K, V] = OrderedDict()

    async def get(self, key: K, build: Callable[[], Awaitable[V]]) -> V:
        found = self.items.get(key)
        if found is not None:
            return found
        made = await build()
        found = self.items.setdefault(key, made)  # two turns may build the same key at once: one wins
        while len(self.items) > self.limit:
            self.items.popitem(last=False)
        return found


def app_id_of(identity: ClaimsIdentity) -> str:
    """The app id botbuilder builds the outbound clients for (its `get_app_id`): the audience claim from a
    channel, the appid claim from the Emulator, "" when authentication is off."""
    claims = identity.claims or {}
    return str(claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get(AuthenticationConstants.APP_ID_CLAIM)
               or "")


class SharedCredentials(ServiceClientCredentialsFactory):
    """The credentials factory botbuilder would use, with one credentials object per key (module docstring)."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self.inner = inner
        self.kept: Kept[tuple[str, str, str, bool], Any] = Kept()

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self.inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self.inner.is_authentication_disabled())

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Any:
        return await self.kept.get((app_id, oauth_scope, login_endpoint, validate_authority),
                                   lambda: self.inner.create_credentials(app_id, oauth_scope, login_endpoint,
                                                                         validate_authority))


class SharedConnectors(ConnectorFactory):
    """botbuilder's connector factory for one app id, handing out the process's client per service URL."""

    def __init__(self, inner: ConnectorFactory, app_id: str, kept: Kept[tuple[str, str, str], ConnectorClient]) -> None:
        self.inner = inner
        self.app_id = app_id
        self.kept = kept

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        return await self.kept.get((self.app_id, service_url, audience or ""),
                                   lambda: self.inner.create(service_url, audience))


class SharedClientsAuthentication(ConfigurationBotFrameworkAuthentication):
    """`ConfigurationBotFrameworkAuthentication` whose outbound clients are kept (module docstring). Its
    credentials factory must be a `SharedCredentials`."""

    def __init__(self, configuration: Any, credentials_factory: SharedCredentials) -> None:
        super().__init__(configuration, credentials_factory=credentials_factory)
        self.credentials = credentials_factory
        self.connectors: Kept[tuple[str, str, str], ConnectorClient] = Kept()
        self.token_clients: Kept[str, UserTokenClient] = Kept()

    def shared(self, factory: ConnectorFactory | None, identity: ClaimsIdentity) -> ConnectorFactory | None:
        return SharedConnectors(factory, app_id_of(identity), self.connectors) if factory is not None else None

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        result.connector_factory = self.shared(result.connector_factory, result.claims_identity)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        factory = self.shared(super().create_connector_factory(claims_identity), claims_identity)
        assert factory is not None
        return factory

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        build = super().create_user_token_client
        return await self.token_clients.get(app_id_of(claims_identity), lambda: build(claims_identity))

    async def close(self) -> None:
        """Close the kept connector clients (their HTTP sessions)."""
        clients = list(self.connectors.items.values())
        self.connectors.items.clear()
        self.token_clients.items.clear()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)
