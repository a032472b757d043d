"""Microsoft 365 group calendars through Microsoft Graph, for Teams (the GroupCalendar port of
handlers/meetings/calendar_ports.py).

- Authentication and paging: bot/teams/graph.py's GraphClient (the bot's own app registration, client
  credentials in the tenant MICROSOFT_APP_TENANT_ID, tokens cached), the same client team owners use.
- `GET {STEADYBOT_GRAPH_URL}/groups/{id}/calendarView?startDateTime=…&endDateTime=…` with
  `Prefer: outlook.timezone="UTC"` and `outlook.body-content-type="text"`, following `@odata.nextLink`
  pages (only on the Graph host itself).
- Permissions (docs/meetings.md): application permission `Calendars.Read` with admin consent
  (`Calendars.ReadBasic` is enough for times and titles, but leaves out the body: no agenda from the
  description then).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from yarl import URL

from bot.teams.graph import NOT_GRANTED, UNKNOWN_TEAM, GraphClient, GraphError
from handlers.meetings.calendar_parse import graph_occurrences
from handlers.meetings.calendar_ports import FeedError

log = logging.getLogger("steadybot.graph")
MAX_PAGES = 20
PAGE_SIZE = 100
PREFER = 'outlook.timezone="UTC", outlook.body-content-type="text"'


@dataclass
class GraphGroupCalendar:
    graph: GraphClient
    tenant_id: str
    default_tz: str = "UTC"

    async def events(self, group_id: str, start: datetime, end: datetime, tz: str = "") -> list[object]:
        """The group calendar's occurrences in [start, end), as calendar_parse.Occurrence objects; `tz` (the
        zone of the person who added the calendar, else STEADYBOT_TZ) shows events created in UTC or in a
        zone Graph cannot name."""
        base = URL(self.graph.graph_url.rstrip("/") + "/")
        first = base.join(URL(f"groups/{quote(group_id, safe='')}/calendarView")).with_query({
            "startDateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "$top": str(PAGE_SIZE),
        })
        events: list[dict[str, Any]] = []
        more = False
        try:
            async for page in self.graph.pages(self.tenant_id or "organizations", first, {"Prefer": PREFER},
                                               max_pages=MAX_PAGES):
                events.extend(e for e in page.get("value") or [] if isinstance(e, dict))
                more = bool(page.get("@odata.nextLink"))
        except GraphError as exc:
            raise _feed_error(exc) from None
        if more:  # read in part, the rest would look cancelled and its meetings would go: refused, as a big ICS feed
            raise FeedError(f"has more events in the next {(end - start).days} days than I read "
                            f"({MAX_PAGES * PAGE_SIZE:,})")
        return list(graph_occurrences(events, start, tz or self.default_tz, end - start))

    async def close(self) -> None:
        await self.graph.close()


def _feed_error(exc: GraphError) -> FeedError:
    """What the person who added the calendar is told, and whether a retry may help."""
    if exc.at_token:
        log.warning("Graph token request failed: %s", exc)
        if exc.status == NOT_GRANTED:
            return FeedError(f"couldn't be read: Microsoft sign-in refused the bot's credentials (HTTP {exc.http})")
        return FeedError("couldn't be read: Microsoft sign-in didn't answer", transient=True)
    if exc.status == NOT_GRANTED or exc.http == 401:
        return FeedError(f"was refused by Microsoft Graph (HTTP {exc.http}) — has an admin granted the app the "
                         "Calendars.Read application permission?")
    if exc.status == UNKNOWN_TEAM:
        return FeedError("wasn't found in Microsoft 365 (HTTP 404) — is the group id right?")
    if exc.http == 0 or exc.http == 429 or exc.http >= 500:
        log.info("Graph calendar read failed: %s", exc)
        return FeedError("couldn't be reached or had a problem on Microsoft's side (Microsoft Graph)", transient=True)
    return FeedError(f"answered HTTP {exc.http} from Microsoft Graph")
