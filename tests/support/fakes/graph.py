"""A local fake of Microsoft Graph and of the identity platform's token endpoint, behaving like the real ones
for what the bot uses (point STEADYBOT_GRAPH_URL at `graph_url` and STEADYBOT_GRAPH_LOGIN_URL at `login_url`):
one fake for team owners and group calendars, as the bot has one Graph client for both.

- `POST /{tenant}/oauth2/v2.0/token` (client credentials): a bearer token for a known app and secret,
  `400 invalid_client` otherwise, `400 unauthorized_client` for a tenant the app is not in;
- `GET /v1.0/teams/{group-id}/members`: `401 InvalidAuthenticationToken` without a valid token, `403
  Forbidden` when the team has not consented (`TeamMember.Read.Group`), `404 NotFound` for an unknown team,
  else a page of `aadUserConversationMember`s with `roles` (["owner"] or []) and an `@odata.nextLink` with
  an opaque `$skiptoken` while more pages remain;
- `GET /v1.0/groups/{group-id}/calendarView?startDateTime=…&endDateTime=…`: `401` without a valid token,
  `400 ErrorInvalidParameter` without the window, `404 ResourceNotFound` for an unknown group, `status` when
  a test sets one (403: no consent), else a page of `event`s (`event()` below) with an `@odata.nextLink`
  (`$skip`) while more pages remain.

Shapes follow https://learn.microsoft.com/en-us/graph/api/team-list-members (v1.0, the example response)
and https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow; events
follow the Graph v1.0 reference ("List calendarView", the `event` resource).
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from support.fake_server import FakeServer


@dataclass
class GraphMember:
    user_id: str
    name: str
    owner: bool = False


@dataclass
class FakeGraph(FakeServer):
    app_id: str = "app-id"
    app_secret: str = "app-password"
    tenants: set[str] = field(default_factory=set)  # where the app is registered (empty: any)
    teams: dict[str, list[GraphMember]] = field(default_factory=dict)  # group id -> members
    consented: set[str] = field(default_factory=set)  # group ids that granted TeamMember.Read.Group
    page_size: int = 2
    #: when set, the members' `@odata.nextLink` points at this origin instead of Graph's own (a hostile page)
    next_origin: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # token -> tenant
    token_requests: list[dict[str, str]] = field(default_factory=list)
    member_requests: list[str] = field(default_factory=list)  # the URLs asked, query strings included
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # group id -> calendar events
    status: int = 200  # calendarView answers this error status instead, when set
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)  # calendarView: path, query, headers
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return self.address("/")

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

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

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/{tenant}/oauth2/v2.0/token", self._token),
                web.get("/v1.0/teams/{team}/members", self._members),
                web.get("/v1.0/groups/{group}/calendarView", self._calendar_view)]

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

    def _authorized(self, request: web.Request) -> str | None:
        """The tenant of the request's bearer token, or None without a token this fake issued."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return self.tokens.get(token) if scheme == "Bearer" else None

    @staticmethod
    def _error(status: int, code: str, message: str) -> web.Response:
        return web.json_response({"error": {"code": code, "message": message}}, status=status)

    async def _members(self, request: web.Request) -> web.Response:
        self.member_requests.append(str(request.url))
        tenant = self._authorized(request)
        if tenant is None:
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
                       "tenantId": tenant} for m in page],
        }
        if start + self.page_size < len(members):
            skiptoken = base64.urlsafe_b64encode(json.dumps({"o": start + self.page_size}).encode()).decode()
            link = request.url.with_query({"$skiptoken": skiptoken})
            body["@odata.nextLink"] = self.next_origin + str(link.relative()) if self.next_origin else str(link)
        return web.json_response(body)

    async def _calendar_view(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.query), dict(request.headers)))
        if self._authorized(request) is None:
            return self._error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        if self.status != 200:
            return self._error(self.status, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        if "startDateTime" not in request.query or "endDateTime" not in request.query:
            return self._error(400, "ErrorInvalidParameter", "This request requires a time window specified by "
                               "the query string parameters StartDateTime and EndDateTime.")
        group = request.match_info["group"]
        if group not in self.events:
            return self._error(404, "ResourceNotFound", "Resource could not be discovered.")
        skip = int(request.query.get("$skip", "0"))
        events = self.events[group]
        page = events[skip:skip + self.page_size]
        body: dict[str, Any] = {"@odata.context": f"{self.graph_url}$metadata#groups('{group}')/calendarView",
                                "value": page}
        if skip + self.page_size < len(events):
            query = {**request.query, "$skip": str(skip + self.page_size)}
            body["@odata.nextLink"] = str(request.url.with_query(query))
        return web.json_response(body)


def event(event_id: str, subject: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    """A Graph `event` as calendarView returns it with Prefer: outlook.timezone="UTC"."""
    return {
        "@odata.etag": f'W/"{event_id}"',
        "id": event_id,
        "iCalUId": f"040000008200E00074C5B7101A82E008{event_id}",
        "subject": subject,
        "bodyPreview": "",
        "body": {"contentType": "text", "content": ""},
        "start": {"dateTime": f"{start}.0000000", "timeZone": "UTC"},
        "end": {"dateTime": f"{end}.0000000", "timeZone": "UTC"},
        "isAllDay": False,
        "isCancelled": False,
        "type": "singleInstance",
        "seriesMasterId": None,
        "originalStartTimeZone": "W. Europe Standard Time",
        "originalEndTimeZone": "W. Europe Standard Time",
        "showAs": "busy",
        "onlineMeeting": None,
        **extra,
    }
