"""A local fake of Microsoft Graph for group calendars: the client-credentials token endpoint and
`GET /v1.0/groups/{id}/calendarView` with paging (`@odata.nextLink`), answering with the event shape of
the Graph v1.0 reference ("List calendarView", the `event` resource)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "graph-test-token"


@dataclass
class FakeGraph:
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # group id -> events
    page_size: int = 2
    status: int = 200
    token_requests: list[dict[str, str]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)  # path, query, headers
    runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graph_url(self) -> str:
        return f"{self.base}/v1.0/"

    async def token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append({k: str(v) for k, v in form.items()})
        if form.get("grant_type") != "client_credentials" or form.get("client_secret") != "app-password":
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN})

    async def calendar_view(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.query), dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        if self.status != 200:
            return web.json_response({"error": {"code": "ErrorAccessDenied"}}, status=self.status)
        if "startDateTime" not in request.query or "endDateTime" not in request.query:
            return web.json_response({"error": {"code": "ErrorInvalidParameter"}}, status=400)
        group = request.match_info["group"]
        if group not in self.events:
            return web.json_response({"error": {"code": "ResourceNotFound"}}, status=404)
        skip = int(request.query.get("$skip", "0"))
        events = self.events[group]
        page = events[skip:skip + self.page_size]
        body: dict[str, Any] = {"@odata.context": f"{self.graph_url}$metadata#groups('{group}')/calendarView",
                                "value": page}
        if skip + self.page_size < len(events):
            query = {**request.query, "$skip": str(skip + self.page_size)}
            body["@odata.nextLink"] = str(request.url.with_query(query))
        return web.json_response(body)

    async def start(self) -> FakeGraph:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self.token)
        app.router.add_get("/v1.0/groups/{group}/calendarView", self.calendar_view)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


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
