"""Microsoft 365 group calendars through Microsoft Graph, for Teams (the GroupCalendar port of
handlers/meetings/calendar_ports.py).

- Authentication: the bot's own app registration, client credentials (MICROSOFT_APP_ID /
  MICROSOFT_APP_PASSWORD, token from the tenant MICROSOFT_APP_TENANT_ID), cached until shortly before it
  expires.
- `GET {STEADYBOT_GRAPH_URL}/groups/{id}/calendarView?startDateTime=…&endDateTime=…` with
  `Prefer: outlook.timezone="UTC"` and `outlook.body-content-type="text"`, following `@odata.nextLink`
  pages (only on the Graph host itself).
- Permissions (docs/meetings.md): application permission `Calendars.Read` with admin consent
  (`Calendars.ReadBasic` is enough for times and titles, but leaves out the body: no agenda from the
  description then).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from handlers.meetings.calendar_parse import graph_occurrences
from handlers.meetings.calendar_ports import FeedError

log = logging.getLogger("steadybot.graph")
MAX_PAGES = 20
PAGE_SIZE = 100
DEFAULT_LOGIN = "https://login.microsoftonline.com"


@dataclass
class GraphGroupCalendar:
    graph_url: str  # e.g. https://graph.microsoft.com/v1.0/
    tenant_id: str
    client_id: str
    client_secret: str
    login_url: str = DEFAULT_LOGIN
    default_tz: str = "UTC"
    timeout: float = 20.0
    _session: aiohttp.ClientSession | None = None
    _token: tuple[str, float] | None = field(default=None, repr=False)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout), trust_env=False)
        return self._session

    @property
    def _scope(self) -> str:
        url = URL(self.graph_url)
        return f"{url.scheme}://{url.raw_authority}/.default"

    async def _access_token(self) -> str:
        if self._token is not None and self._token[1] > time.monotonic() + 60:
            return self._token[0]
        token_url = f"{self.login_url.rstrip('/')}/{quote(self.tenant_id or 'organizations')}/oauth2/v2.0/token"
        form = {"grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self.client_secret, "scope": self._scope}
        async with self._client().post(token_url, data=form) as response:
            body: dict[str, Any] = await response.json(content_type=None) if response.status < 500 else {}
            if response.status != 200 or not isinstance(body.get("access_token"), str):
                log.warning("Graph token request failed: HTTP %s %s", response.status, body.get("error", ""))
                raise FeedError(f"couldn't be read: Microsoft sign-in refused the bot's credentials (HTTP "
                                f"{response.status})", transient=response.status >= 500)
            self._token = (body["access_token"], time.monotonic() + float(body.get("expires_in") or 3600))
            return self._token[0]

    async def _get(self, url: str) -> dict[str, Any]:
        token = await self._access_token()
        headers = {"Authorization": f"Bearer {token}",
                   "Prefer": 'outlook.timezone="UTC", outlook.body-content-type="text"'}
        async with self._client().get(url, headers=headers) as response:
            if response.status == 401:
                self._token = None
            if response.status in (401, 403):
                raise FeedError(f"was refused by Microsoft Graph (HTTP {response.status}) — has an admin granted "
                                "the app the Calendars.Read application permission?")
            if response.status == 404:
                raise FeedError("wasn't found in Microsoft 365 (HTTP 404) — is the group id right?")
            if response.status == 429 or response.status >= 500:
                raise FeedError(f"had a problem on Microsoft's side (HTTP {response.status})", transient=True)
            if response.status != 200:
                raise FeedError(f"answered HTTP {response.status} from Microsoft Graph")
            body = await response.json(content_type=None)
            return body if isinstance(body, dict) else {}

    async def events(self, group_id: str, start: datetime, end: datetime) -> list[object]:
        """The group calendar's occurrences in [start, end), as calendar_parse.Occurrence objects."""
        base = URL(self.graph_url.rstrip("/") + "/")
        first = base.join(URL(f"groups/{quote(group_id, safe='')}/calendarView")).with_query({
            "startDateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "$top": str(PAGE_SIZE),
        })
        events: list[dict[str, Any]] = []
        url: str | None = str(first)
        try:
            for _ in range(MAX_PAGES):
                if url is None:
                    break
                page = await self._get(url)
                events.extend(e for e in page.get("value") or [] if isinstance(e, dict))
                link = page.get("@odata.nextLink")
                url = link if isinstance(link, str) and URL(link).host == base.host else None
        except FeedError:
            raise
        except TimeoutError:
            raise FeedError("took too long to answer (Microsoft Graph)", transient=True) from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            log.info("Graph calendar read failed: %s", type(exc).__name__)
            raise FeedError("couldn't be reached (Microsoft Graph)", transient=True) from None
        return list(graph_occurrences(events, start, self.default_tz, end - start))

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
