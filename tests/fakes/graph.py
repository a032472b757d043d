"""A local fake of Microsoft Graph and of the identity platform's token endpoint, behaving like the real ones
for what the bot uses (point STEADYBOT_GRAPH_URL at `graph_url` and STEADYBOT_GRAPH_LOGIN_URL at `login_url`):

- `POST /{tenant}/oauth2/v2.0/token` (client credentials): a bearer token for a known app and secret,
  `400 invalid_client` otherwise, `400 unauthorized_client` for a tenant the app is not in;
- `GET /v1.0/teams/{group-id}/members`: `401 InvalidAuthenticationToken` without a valid token, `403
  Forbidden` when the team has not consented (`TeamMember.Read.Group`), `404 NotFound` for an unknown team,
  else a page of `aadUserConversationMember`s with `roles` (["owner"] or []) and an `@odata.nextLink` with
  an opaque `$skiptoken` while more pages remain.

Shapes follow https://learn.microsoft.com/en-us/graph/api/team-list-members (v1.0, the example response)
and https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class GraphMember:
    user_id: str
    name: str
    owner: bool = False


@dataclass
class FakeGraph:
    app_id: str
    app_secret: str
    tenants: set[str] = field(default_factory=set)  # where the app is registered (empty: any)
    teams: dict[str, list[GraphMember]] = field(default_factory=dict)  # group id -> members
    consented: set[str] = field(default_factory=set)  # group ids that granted TeamMember.Read.Group
    page_size: int = 2
    tokens: dict[str, str] = field(default_factory=dict)  # token -> tenant
    token_requests: list[dict[str, str]] = field(default_factory=list)
    member_requests: list[str] = field(default_factory=list)  # the URLs asked, query strings included
    _server: TestServer | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/"))

    @property
    def graph_url(self) -> str:
        return self.url + "v1.0/"

    @property
    def login_url(self) -> str:
        return self.url

    def add_team(self, group_id: str, members: list[GraphMember], *, consented: bool = True) -> None:
        self.teams[group_id] = list(members)
        if consented:
            self.consented.add(group_id)

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    async def start(self) -> FakeGraph:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1.0/teams/{team}/members", self._members)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        tenant = request.match_info["tenant"]
        self.token_requests.append({**form, "tenant": tenant})
        if form.get("grant_type") != "client_credentials" or not form.get("scope", "").endswith("/.default"):
            return web.json_response({"error": "invalid_request", "error_description": "AADSTS900144"}, status=400)
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_secret:
            return web.json_response({"error": "invalid_client", "error_description": "AADSTS7000215"}, status=401)
        if self.tenants and tenant not in self.tenants:
            return web.json_response({"error": "unauthorized_client", "error_description": "AADSTS700016"},
                                     status=400)
        token = f"graph-token-{next(self._ids)}-{tenant}"
        self.tokens[token] = tenant
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                  "access_token": token})

    @staticmethod
    def _error(status: int, code: str, message: str) -> web.Response:
        return web.json_response({"error": {"code": code, "message": message}}, status=status)

    async def _members(self, request: web.Request) -> web.Response:
        self.member_requests.append(str(request.url))
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            return self._error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        group = request.match_info["team"]
        if group not in self.teams:
            return self._error(404, "NotFound", "No team found with Group Id " + group)
        if group not in self.consented:
            return self._error(403, "Forbidden", "Missing role permissions on the request. API requires one of "
                               "'TeamMember.Read.Group, TeamMember.Read.All, TeamMember.ReadWrite.All'.")
        skip = request.query.get("$skiptoken")
        start = 0
        if skip is not None:
            try:
                start = int(json.loads(base64.urlsafe_b64decode(skip.encode()))["o"])
            except (ValueError, KeyError, TypeError):
                return self._error(400, "BadRequest", "Invalid $skiptoken")
        members = self.teams[group]
        page = members[start:start + self.page_size]
        body: dict[str, Any] = {
            "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#teams('{group}')/members",
            "@odata.count": len(page),
            "value": [{"@odata.type": "#microsoft.graph.aadUserConversationMember",
                       "id": f"MCMjMSMj{m.user_id}", "roles": ["owner"] if m.owner else [],
                       "displayName": m.name, "userId": m.user_id, "email": f"{m.name.lower()}@example.com",
                       "tenantId": self.tokens[token]} for m in page],
        }
        if start + self.page_size < len(members):
            skiptoken = base64.urlsafe_b64encode(json.dumps({"o": start + self.page_size}).encode()).decode()
            body["@odata.nextLink"] = str(request.url.with_query({"$skiptoken": skiptoken}))
        return web.json_response(body)
