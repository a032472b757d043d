"""The App Home tab: `app_home_opened` publishes the person's home with `views.publish`
(handlers/reports/home.py builds it; slack_sdk's View model validates it as it serialises). Its buttons
(action ids `home.…`, bot/slack/listeners/actions/home_button.py) are answered in the person's DM with the
app, since a Home tab press carries no channel; "Refresh" publishes again.

Re-published when it changes: the homes of people who opened the tab in the last day are rebuilt by a
periodic task (every REFRESH_SECONDS, `refresh`, the Slack adapter's periodic work) and published again only
if their content changed (a new journal entry, a newly shown round, a meeting's agenda).

Slack's limits: views.publish is a Tier 4 method (100+ a minute per workspace). Opening the tab again with
the same content publishes at most once every REPUBLISH_SECONDS; a refresh run publishes at most
REFRESH_BATCH homes (changed ones only), so it stays far below the tier.

Forgetting a person (handlers/pulse/forgetting.py, through the directory's `clear_home`) publishes the
core's "your data was deleted" home over theirs at once — Slack keeps the last published view, journal and
all, until another one replaces it — and stops refreshing theirs (`clear`). A refresh also drops a watched
person whose identity is gone (forgotten by another process, `steadybot forget`): building their home
would look them up again and store them anew.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import DividerBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import render
from bot.slack.payloads import workspace
from handlers.core.clock import Clock
from handlers.core.dispatch import Core
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Interaction, Person, Place, Platform, Reply
from handlers.reports.catalog import VIEW

log = logging.getLogger("steadybot.slack")
REPUBLISH_SECONDS = 60.0
REFRESH_SECONDS = 300.0
REFRESH_BATCH = 50
WATCHED_FOR = timedelta(days=1)
MAX_REMEMBERED = 10_000


class DirectLines(Protocol):
    """The identities repository's lookup of how to reach a person (storage/repos/identities.py): its
    `team_id` is the workspace remembered for them."""

    async def direct_line(self, platform: Platform, user_id: str) -> Any: ...


def home_view(replies: list[Reply]) -> dict[str, Any]:
    """Core replies → a validated Home tab view (at most 100 blocks)."""
    blocks: list[dict[str, Any]] = []
    for i, reply in enumerate(replies):
        if i:
            blocks.append(DividerBlock().to_dict())
        blocks.extend(render.message_blocks(reply))
    view = View(type="home", callback_id="steadybot.home", blocks=blocks[:100])
    return view.to_dict()


class HomePublisher:
    def __init__(self, core: Core, clock: Clock) -> None:
        self.core = core
        self.clock = clock
        self.published: dict[str, tuple[str, datetime]] = {}  # team:user → (content hash, when)
        self.watching: dict[str, tuple[AsyncWebClient, Person, str, datetime]] = {}  # who opened it lately

    async def publish(self, client: AsyncWebClient, who: Person, team_id: str, *, force: bool = False,
                      only_if_changed: bool = False) -> bool:
        replies = await self.core.run_action(Interaction(VIEW, "", who, Place(Platform.SLACK, who.id, team_id,
                                                                              None, True)))
        view = home_view(replies)
        digest = hashlib.sha256(json.dumps(view, sort_keys=True).encode()).hexdigest()
        key = f"{team_id}:{who.id}"
        last = self.published.get(key)
        now = self.clock.now()
        if last is not None and last[0] == digest and (
                only_if_changed or (not force and now - last[1] < timedelta(seconds=REPUBLISH_SECONDS))):
            return False
        try:
            await client.views_publish(user_id=who.id, view=view)
        except SlackApiError as exc:
            log.warning("views.publish failed: %s", exc.response.get("error") if exc.response else "?")
            return False
        if len(self.published) > MAX_REMEMBERED:
            self.published.clear()
        self.published[key] = (digest, now)
        return True

    async def clear(self, client: AsyncWebClient, user_id: str, reply: Reply) -> bool:
        """Replace the person's stored Home view by `reply` alone (a forget), whatever it showed; and stop
        watching it, so no refresh builds theirs again. False when Slack refused the view."""
        for key in [k for k in self.watching if k.endswith(f":{user_id}")]:
            del self.watching[key]
        for key in [k for k in self.published if k.endswith(f":{user_id}")]:
            del self.published[key]
        try:
            await client.views_publish(user_id=user_id, view=home_view([reply]))
        except SlackApiError as exc:
            log.warning("views.publish (forget) failed: %s", exc.response.get("error") if exc.response else "?")
            return False
        return True

    async def workspace_of(self, who: Person, *named: str | None, identities: DirectLines | None = None,
                           authorized: str | None = None) -> str:
        """The workspace whose channels a Home-tab press lists: the first of `named` that is a workspace id
        (the press's own: `team.id` … `view.team_id`, then Bolt's `context.team_id`); else the workspace the
        person last opened their Home in (the signed `app_home_opened`'s `team_id`); else the one remembered
        for them (`identities.direct_line`, in any process); else the installation's (`authorized`: the authorization's
        `team_id`). Never an organisation's id: an org-wide app's press may carry `"team": null` and the
        org's `E…` id in `user.team_id`, `view.team_id` and `view.app_installed_team_id` (docs/reports.md).
        The person's own workspace comes before the installation's, so a member of one workspace of an
        organisation never gets another's channels. "" when nothing names one (their journal only)."""
        for candidate in named:
            if team := workspace(candidate):
                return team
        watched = [(when, team) for client, person, team, when in self.watching.values()
                   if person.id == who.id and workspace(team)]
        if watched:
            return max(watched)[1]
        try:
            line = await identities.direct_line(Platform.SLACK, who.id) if identities is not None else None
        except StorageUnavailable:  # the database is down: the installation's workspace, if it names one
            line = None
        if line is not None and (team := workspace(getattr(line, "team_id", ""))):
            return team
        return workspace(authorized)

    def opened(self, client: AsyncWebClient, who: Person, team_id: str) -> None:
        if len(self.watching) > MAX_REMEMBERED:
            self.watching.clear()
        self.watching[f"{team_id}:{who.id}"] = (client, who, team_id, self.clock.now())

    async def refresh(self, _: object = None) -> None:
        """Periodic: publish again the homes that changed, of people who opened theirs in the last day."""
        now = self.clock.now()
        published = 0
        for key, (client, who, team_id, when) in list(self.watching.items()):
            if now - when > WATCHED_FOR:
                del self.watching[key]
                continue
            if published >= REFRESH_BATCH:
                break
            if await self.core.services.store.identities.get(Platform.SLACK, who.id) is None:
                del self.watching[key]  # forgotten (here or by `steadybot forget`): rebuilt only if they come back
                continue
            if await self.publish(client, who, team_id, only_if_changed=True):
                published += 1
