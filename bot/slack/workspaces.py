"""The app leaves a workspace or an Enterprise Grid organisation: `app_uninstalled`, `tokens_revoked` for the
bot token, or `team_access_revoked` for some workspaces of an organisation (bot/slack/listeners/events/).
With OAuth (many workspaces) the installation is deleted first (bot/slack/oauth.py), which stops its sends;
then what the bot kept for each workspace that left is deleted (storage/repos/lifecycle.py; docs/operations.md,
"Uninstalling"): one workspace, or every workspace of the organisation we know. Then the database is scrubbed, so
no earlier copy of the deleted rows stays in the files. All of it runs after the ack, in the lane.

Slack never sends an acknowledged event again, so nothing else would ever remove what an uninstall that met a
database outage left: it is tried again (`AfterAck.keep_trying`: 1 s doubling to 60 s, for about 30 minutes,
each try a WARNING line), and when that ends — the schedule is over, or the process stops — one ERROR line says
what stays and how an operator removes it. No de-duplication key is kept for these events: the removal is
idempotent, so a redelivery (to this replica or another) runs it again rather than trusting a claim whose
removal may have failed.

An uninstall never removes a NEWER installation (docs/operations.md, "Uninstalling"): the admin may install the
app again while a try waits, or before Slack redelivers the event. With OAuth, before every try (the first
included) the event's `event_time` is compared with the workspace's or organisation's current installation
(`SlackOAuth.installed_after`): one made after the event makes it stale, and nothing is removed (one INFO line;
no more tries). With one SLACK_BOT_TOKEN there is no record of a reinstall: every try removes, as before.
And each process notes when it completed a removal (per event type and workspace or organisation): a try that
waits while a later delivery of the same event completed it ends at INFO, not with a false "NOT removed"."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.inbound import Pipeline, Removals
from bot.slack.oauth import Leaving, SlackOAuth
from bot.slack.payloads import d, s
from handlers.core.errors import StorageUnavailable
from handlers.core.types import Platform
from storage.store import Store

log = logging.getLogger("steadybot.slack")


@dataclass(frozen=True, slots=True)
class Workspaces:
    store: Store
    pipeline: Pipeline
    oauth: SlackOAuth | None = None
    #: The removals this process completed, per `_key`: module docstring.
    removed: Removals = field(default_factory=Removals)

    async def uninstalled(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        async def leaving() -> Leaving:
            return await self.oauth.uninstalled(body, context) if self.oauth else _single(body)

        await self._leave(body, context, "app_uninstalled", leaving)

    async def revoked(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        async def leaving() -> Leaving | None:
            found = await self.oauth.revoked(body, event, context) if self.oauth else _single(body)
            if not d(event.get("tokens")).get("bot"):
                log.debug("tokens_revoked for user tokens only: nothing to clean up")
                return None  # the bot uses no user tokens; its own token still works
            return found

        await self._leave(body, context, "tokens_revoked", leaving)

    async def access_revoked(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        oauth = self.oauth
        if oauth is None:  # one token, no record of which organisation a workspace is in
            log.info("team_access_revoked: without OAuth the workspaces' organisation is unknown; nothing removed")
            return

        async def leaving() -> Leaving:
            return await oauth.access_revoked(body, event, context)

        await self._leave(body, context, "team_access_revoked", leaving)

    async def _leave(self, body: dict[str, Any], context: AsyncBoltContext, why: str,
                     leaving: Callable[[], Awaitable[Leaving | None]]) -> None:
        """`leaving()` (with OAuth it deletes the installation first), then `remove_all`; tried again through a
        database outage (module docstring). Which workspaces leave is read once: read again after their
        installations went, an organisation could name fewer. Before each try: nothing if a later delivery
        already did it, or (OAuth) if a newer installation made the event stale."""
        found: list[Leaving | None] = []
        key, started = _key(body, why), self.removed.started()

        def done_since() -> bool:
            """A later delivery of this event, in this process, completed the removal while this one waited."""
            if not self.removed.completed_since(key, started):
                return False
            log.info("%s: %s was already removed by a later delivery of the event; this try ends", why,
                     _what(found[0] if found else None, body))
            return True

        async def attempt() -> None:
            if done_since():
                return
            if self.oauth is not None:
                installed = await self.oauth.installed_after(body, context)
                if installed is not None:
                    log.info("%s: stale, nothing removed: %s was installed again after the event (event_time %s, "
                             "installed at %.0f)", why, _where(body), body.get("event_time"), installed)
                    return
            if not found:
                found.append(await leaving())
            if found[0] is not None and found[0].teams:
                await self.remove_all(found[0], why)
            if found[0] is not None:
                self.removed.completed(key)

        try:
            await attempt()
        except StorageUnavailable:
            def retrying(tries: int, seconds: float) -> None:
                log.warning("%s: the database is unavailable, not everything was removed (try %d); trying again "
                            "in %.0f s", why, tries, seconds)

            def gave_up(reason: str) -> None:
                if done_since():
                    return
                log.error("%s: %s. NOT removed: %s. To remove it, install the app there again and uninstall it "
                          "(docs/operations.md, \"Uninstalling\")", why, reason,
                          _what(found[0] if found else None, body))

            self.pipeline.lane.keep_trying(attempt, f"slack {why}: retry", retrying=retrying, gave_up=gave_up)

    async def remove(self, team_id: str, why: str = "uninstall") -> None:
        """Delete what the bot kept for the workspace (idempotent: a redelivery finds nothing left).
        StorageUnavailable if the database is: nothing, or not everything, was removed."""
        await self.remove_all(Leaving((team_id,) if team_id else ()), why)

    async def remove_all(self, leaving: Leaving, why: str = "uninstall") -> None:
        """Delete what the bot kept for each workspace, then the organisation's record of them, then scrub
        (idempotent: a redelivery, or the other of `app_uninstalled` and `tokens_revoked`, finds nothing).
        StorageUnavailable if the database is: run it again to remove the rest."""
        total = 0
        for team_id in leaving.teams:
            report = await self.store.lifecycle.remove_workspace(Platform.SLACK, team_id)
            total += report.total
        if self.oauth is not None:
            await self.oauth.forget_teams(leaving)
        if leaving.teams:
            await self.store.lifecycle.scrub()
        log.info("%s: %s removed (%d rows)", why, _scope(leaving), total)


def _single(body: dict[str, Any]) -> Leaving:
    """Without OAuth: the event's workspace (an organisation-wide uninstall names none)."""
    team = s(body.get("team_id"))
    return Leaving((team,) if team else ())


def _what(leaving: Leaving | None, body: dict[str, Any]) -> str:
    """What an uninstall that gave up left in the database, for the operator (`leaving` None: the OAuth step,
    which deletes the installation, did not get through either)."""
    if leaving is not None:
        return f"what steadybot kept for {_scope(leaving)}"
    return f"the Slack installation (its tokens) and what steadybot kept for {_where(body)}"


def _ids(body: dict[str, Any]) -> tuple[str, str]:
    """The event's workspace ("" for an organisation-wide event) and organisation."""
    authorizations = body.get("authorizations")
    first = d(authorizations[0]) if isinstance(authorizations, list) and authorizations else {}
    return s(body.get("team_id")), s(body.get("enterprise_id")) or s(first.get("enterprise_id"))


def _where(body: dict[str, Any]) -> str:
    team, organisation = _ids(body)
    return f"workspace {team}" if team else f"the workspaces of organisation {organisation}" if organisation \
        else "the event's workspace"


def _key(body: dict[str, Any], why: str) -> str:
    """What a removal completed for, as a redelivery of the same event names it: the event type and its
    workspace or organisation (and, for `team_access_revoked`, the workspaces it lists)."""
    team, organisation = _ids(body)
    listed = d(body.get("event")).get("team_ids") if why == "team_access_revoked" else None
    teams = ",".join(sorted(t for t in listed if isinstance(t, str))) if isinstance(listed, list) else ""
    return f"{why} {team or organisation} {teams}".rstrip()


def _scope(leaving: Leaving) -> str:
    if leaving.organisation:
        return f"{len(leaving.teams)} workspaces of organisation {leaving.organisation}"
    return f"workspace {leaving.teams[0]}" if leaving.teams else "nothing"
