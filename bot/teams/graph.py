"""Team owners from Microsoft Graph (`GET /teams/{group-id}/members`, members whose `roles` has "owner").

The roster Teams gives a bot (the Bot Framework connector) says "user" or "guest" and never "owner", so
without Graph only the admins in STEADYBOT_ADMINS could manage a Teams channel. With the bot's own app
registration (MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD) the bot asks the Microsoft identity platform for
an app-only token (client credentials, scope `https://graph.microsoft.com/.default`) in the team's tenant,
then lists the team's members. The least permission for that is the resource-specific consent
`TeamMember.Read.Group`, declared in teams/manifest.json and granted by whoever adds the app to a team
(or the tenant-wide application permission `TeamMember.Read.All`, granted by an administrator).

Results are cached per team (`OWNERS_TTL`; a refusal for a shorter time, so a consent given later is
seen soon). When Graph refuses (403: not consented; 404: unknown team; the token endpoint refusing the
app in that tenant) the caller falls back to the admins, and `Owners.reason` says why, for the person
who was refused. Reference: https://learn.microsoft.com/en-us/graph/api/team-list-members (v1.0).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

from bot.config import GRAPH_URL as DEFAULT_GRAPH_URL

log = logging.getLogger("steadybot.teams.graph")

DEFAULT_LOGIN_URL = "https://login.microsoftonline.com/"
OWNERS_TTL = 600.0  # seconds a team's owners are trusted
REFUSED_TTL = 60.0  # seconds a refusal (not consented, unknown team, Graph down) is remembered
MAX_PAGES = 50  # a team has at most 25 000 members; Graph's pages hold 100 by default
RSC_PERMISSION = "TeamMember.Read.Group"

OK, NOT_GRANTED, UNKNOWN_TEAM, UNAVAILABLE = "ok", "not_granted", "unknown_team", "unavailable"


@dataclass(frozen=True, slots=True)
class Owners:
    ids: frozenset[str]  # AAD object ids of the team's owners
    status: str = OK

    @property
    def reason(self) -> str | None:
        """Why the owners could not be read, in words for the person who was refused (None when read)."""
        if self.status == NOT_GRANTED:
            return (f"I could not check who owns this team: Microsoft Graph has not been granted "
                    f"`{RSC_PERMISSION}` for it (a team owner grants it when adding the app, or an administrator "
                    "grants `TeamMember.Read.All`), so only the admins in STEADYBOT_ADMINS can do this for now.")
        if self.status == UNKNOWN_TEAM:
            return ("I could not check who owns this team: Microsoft Graph does not know it, so only the admins "
                    "in STEADYBOT_ADMINS can do this for now.")
        if self.status == UNAVAILABLE:
            return ("I could not reach Microsoft Graph to check who owns this team, so only the admins in "
                    "STEADYBOT_ADMINS can do this right now. Try again in a minute.")
        return None


class GraphError(Exception):
    def __init__(self, status: str, detail: str = "", *, http: int = 0, at_token: bool = False) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.http = http  # the HTTP status Graph answered (0: no answer)
        self.at_token = at_token  # the identity platform refused or failed, not Graph itself


class GraphClient:
    """App-only Microsoft Graph calls for one app registration, with a token cache per tenant."""

    def __init__(self, app_id: str, app_password: str, *, graph_url: str = "", login_url: str = "",
                 timeout: float = 10.0, monotonic: Any = time.monotonic) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.graph_url = graph_url or DEFAULT_GRAPH_URL
        self.login_url = login_url or DEFAULT_LOGIN_URL
        parts = urlsplit(self.graph_url)
        self.scope = f"{parts.scheme}://{parts.netloc}/.default"  # the Graph resource, for any cloud
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._now = monotonic
        self._session: aiohttp.ClientSession | None = None
        self._tokens: dict[str, tuple[float, str]] = {}  # tenant -> (expires, token)
        self._owners: dict[tuple[str, str], tuple[float, Owners]] = {}  # (tenant, group) -> (expires, owners)
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.calls = 0

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    # ---- token --------------------------------------------------------------------------------------
    async def _token(self, tenant: str, *, fresh: bool = False) -> str:
        cached = self._tokens.get(tenant)
        if cached and not fresh and cached[0] > self._now():
            return cached[1]
        url = f"{self.login_url.rstrip('/')}/{quote(tenant, safe='')}/oauth2/v2.0/token"
        form = {"client_id": self.app_id, "client_secret": self.app_password, "grant_type": "client_credentials",
                "scope": self.scope}
        try:
            async with self._http().post(url, data=form) as response:
                body = await _json(response)
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GraphError(UNAVAILABLE, f"token endpoint: {type(exc).__name__}", at_token=True) from exc
        token = body.get("access_token") if isinstance(body, dict) else None
        if status == 200 and isinstance(token, str) and token:
            expires = float(body.get("expires_in") or 3599)
            self._tokens[tenant] = (self._now() + max(60.0, expires - 120.0), token)
            return token
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        # 400/401 invalid_client, unauthorized_client (the app is not in that tenant): not granted there
        if status in (400, 401) and error in {"invalid_client", "unauthorized_client", "invalid_request",
                                              "invalid_grant"}:
            raise GraphError(NOT_GRANTED, f"token endpoint said {error or status}", http=status, at_token=True)
        raise GraphError(UNAVAILABLE, f"token endpoint answered {status}", http=status, at_token=True)

    # ---- members ------------------------------------------------------------------------------------
    async def team_owners(self, tenant: str, group_id: str) -> Owners:
        """The team's owners (cached), or an empty set with the reason Graph gave."""
        key = (tenant, group_id)
        cached = self._owners.get(key)
        if cached and cached[0] > self._now():
            return cached[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one Graph walk per team at a time; the others get its answer
            cached = self._owners.get(key)
            if cached and cached[0] > self._now():
                return cached[1]
            try:
                owners = Owners(frozenset(await self._walk_owners(tenant, group_id)))
            except GraphError as exc:
                log.info("team owners from Microsoft Graph unavailable (%s)", exc.status)
                owners = Owners(frozenset(), exc.status)
            ttl = OWNERS_TTL if owners.status == OK else REFUSED_TTL
            self._owners[key] = (self._now() + ttl, owners)
            return owners

    async def _walk_owners(self, tenant: str, group_id: str) -> set[str]:
        owners: set[str] = set()
        url = URL(self.graph_url.rstrip("/") + "/teams/" + quote(group_id, safe="") + "/members")
        async for page in self.pages(tenant, url):
            for member in page.get("value") or []:
                if not isinstance(member, dict):
                    continue
                roles = member.get("roles") or []
                user_id = member.get("userId")
                if isinstance(roles, list) and "owner" in [str(r).lower() for r in roles] \
                        and isinstance(user_id, str) and user_id:
                    owners.add(user_id)
        return owners

    # ---- any collection -------------------------------------------------------------------------------
    async def pages(self, tenant: str, url: URL, headers: Mapping[str, str] | None = None,
                    max_pages: int = MAX_PAGES) -> AsyncIterator[dict[str, Any]]:
        """GET a Graph collection page by page (`@odata.nextLink`), app-only in `tenant`. A 401 is tried
        once more with a fresh token; 403 is NOT_GRANTED, 404 UNKNOWN_TEAM, anything else UNAVAILABLE
        (GraphError.http says the HTTP status)."""
        next_url: URL | None = url
        retried_auth = fresh = False
        pages = 0
        while next_url is not None and pages < max_pages:
            token = await self._token(tenant, fresh=fresh)
            fresh = False
            self.calls += 1
            try:
                async with self._http().get(next_url, headers={"Authorization": f"Bearer {token}",
                                                               "Accept": "application/json",
                                                               **(headers or {})}) as response:
                    body = await _json(response)
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise GraphError(UNAVAILABLE, type(exc).__name__) from exc
            if status == 401 and not retried_auth:  # an expired or revoked token: one fresh try
                retried_auth = fresh = True
                continue
            if status == 403:
                raise GraphError(NOT_GRANTED, _graph_code(body), http=status)
            if status == 404:
                raise GraphError(UNKNOWN_TEAM, _graph_code(body), http=status)
            if status != 200 or not isinstance(body, dict):
                raise GraphError(UNAVAILABLE, f"{status} {_graph_code(body)}", http=status)
            yield body
            next_link = body.get("@odata.nextLink")
            # the next page's URL is opaque and already encoded (a $skiptoken): used as given, never re-encoded,
            # and only on the Graph origin the bot was configured with (scheme, host and port: the bearer token
            # goes with it, so never over plain http or to another port of the same name)
            next_url = URL(next_link, encoded=True) if isinstance(next_link, str) and next_link else None
            if next_url is not None and _origin(next_url) != _origin(URL(self.graph_url)):
                raise GraphError(UNAVAILABLE, "a next page on another host")
            pages += 1


def _origin(url: URL) -> tuple[str, str | None, int | None]:
    return url.scheme, url.host, url.port


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return None


def _graph_code(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))[:100]
    return ""


def login_url_for(graph_login_url: str, teams_login_url: str) -> str:
    """The identity platform's base: STEADYBOT_GRAPH_LOGIN_URL, else the host of STEADYBOT_TEAMS_LOGIN_URL
    (the same cloud the bot signs in to for the connector), else the public cloud's."""
    if graph_login_url:
        return graph_login_url
    if teams_login_url:
        parts = urlsplit(teams_login_url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
    return DEFAULT_LOGIN_URL
