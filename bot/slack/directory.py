"""Slack facts for the core: channel members (conversations.members + users.list / users.info), timezones,
creators."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import rate_limited, retry_after
from bot.slack.home import HomePublisher
from bot.slack.oauth import CURRENT_TEAM, NotInstalled, WorkspaceClients
from bot.slack.ports import People, PeopleStore
from handlers.core.types import MessageRef, Person, Place, Platform, Reply

log = logging.getLogger("steadybot.slack")
CACHE_SECONDS = 6 * 3600
MENTIONED_KEPT = 10_000  # names of people mentioned kept at most (bot/slack/mentions.py)
MEMBER_WORKERS = 32  # members looked up at once (users.info itself goes 8 at a time)
LIST_AFTER = 20  # more unknown members than this: read users.list pages instead of users.info each
LIST_PAGE = 1000  # people per users.list call (Slack's maximum)
LIST_PAGES = 200  # 200 000 people: far beyond any workspace this bot serves


class SlackDirectory:
    def __init__(self, client: AsyncWebClient, store: PeopleStore, bot_user_id: str = "",
                 clients: WorkspaceClients | None = None, home: HomePublisher | None = None) -> None:
        self.client = client
        self.home = home  # the App Home publisher: a forget replaces the person's Home view (clear_home)
        self.clients = clients  # OAuth mode: each workspace's lookups with its own token (bot/slack/oauth.py)
        self.store = store  # its repositories are built on first use (storage/store.py)
        self.bot_user_id = bot_user_id
        self._people: dict[str, tuple[float, Person | None]] = {}
        self._mentioned: dict[tuple[str, str], tuple[float, str]] = {}  # (workspace, person) → name, users.info
        self._names_limited: dict[str, float] = {}  # workspace → when users.info may be asked again for a name
        self._channels: dict[str, tuple[float, ChannelFacts | None]] = {}  # conversations.info, per channel
        self._status: dict[str, tuple[str, str, int]] = {}  # status text, emoji, expiration (from the profile)
        self._dnd_cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._dnd_scope_warned = False  # missing_scope on dnd.info was logged (once per process)
        self._gate = asyncio.Semaphore(8)  # users.info is tier 4: be polite when resolving a big channel

    @property
    def identities(self) -> People:
        return self.store.identities

    async def delete_message(self, ref: MessageRef, user_id: str) -> bool:
        """chat.delete of a message the bot posted (its channel and ts); False when Slack says it is gone."""
        try:
            client = await self._client(await self._team_of(user_id))
            await client.chat_delete(channel=ref.channel_id, ts=ref.message_id)
            return True
        except SlackApiError as exc:
            log.info("chat.delete refused: %s", exc.response.get("error") if exc.response else "?")
            return False
        except NotInstalled:
            return False

    async def clear_home(self, platform: Platform, user_id: str, reply: Reply) -> bool:
        """views.publish of `reply` alone as the person's App Home (a forget: the view Slack keeps showed
        their journal); False when Slack refused it or the workspace is gone."""
        if self.home is None:
            return False
        team_id = await self._team_of(user_id)
        try:
            client = await self._client(team_id)
        except NotInstalled:
            return False
        return await self.home.clear(client, user_id, reply)

    async def _client(self, team_id: str) -> AsyncWebClient:
        if self.clients is None or not self.clients.multi:
            return self.client
        return await self.clients.for_team(team_id)

    async def _team_of(self, user_id: str) -> str:
        """The workspace to ask about a person: the request's own, else the one they were last seen in."""
        if self.clients is None or not self.clients.multi:
            return ""
        if team := CURRENT_TEAM.get():
            return team
        line = await self.identities.direct_line(Platform.SLACK, user_id)
        return line.team_id if line else ""
    async def away(self, person: Person, now: datetime, *, dnd: bool = True) -> datetime | None:
        """Until when this person is away: an "away" status (🌴 / 🤒 / OOO / vacation / holiday…) until it
        expires, read from the profile already fetched for them; with `dnd`, scheduled Do Not Disturb hours
        (dnd.info; a snooze is not visible to a bot: `dnd_until`)."""
        await self.person(Platform.SLACK, person.id)  # the cached profile, read again once it is stale
        status = self._status.get(person.id)
        ends: list[datetime] = []
        if status is not None:
            until = status_away_until(status, now)
            if until is not None:
                ends.append(until)
        if dnd:
            until = await self._dnd(person.id, now)
            if until is not None:
                ends.append(until)
        return max(ends) if ends else None

    async def _dnd(self, user_id: str, now: datetime) -> datetime | None:
        cached = self._dnd_cache.get(user_id)
        if cached is None or time.monotonic() - cached[0] > DND_CACHE_SECONDS:
            try:
                client = await self._client(await self._team_of(user_id))
                response = await client.dnd_info(user=user_id)
                info: dict[str, Any] = dict(response.data) if isinstance(response.data, dict) else {}
            except SlackApiError as exc:
                self._dnd_failed(exc)
                info = {}
            cached = (time.monotonic(), info)
            self._dnd_cache[user_id] = cached
        return dnd_until(cached[1], now)

    def _dnd_failed(self, exc: SlackApiError) -> None:
        """A dnd.info refusal: the person counts as not in Do Not Disturb. `missing_scope` (an installation
        from before the app asked for dnd:read) is an operator's to fix: one WARNING per process (this
        directory lives as long as it), then quiet; anything else at INFO."""
        error = exc.response.get("error") if exc.response else "?"
        if error != "missing_scope":
            log.info("dnd.info failed: %s", error)
            return
        if not self._dnd_scope_warned:
            self._dnd_scope_warned = True
            log.warning("dnd.info refused: missing_scope (needs %s): Do Not Disturb is ignored until the Slack app "
                        "is reinstalled with the dnd:read scope (docs/operations.md, \"Slack scopes: reinstall "
                        "after an upgrade\")", exc.response.get("needed") or "dnd:read")

    async def person(self, platform: Platform, user_id: str) -> Person | None:
        found, team_id, fresh = await self._lookup(user_id)
        if fresh and found is not None:
            await self.identities.remember(found, team_id)
        return found

    async def mentioned_name(self, user_id: str) -> str:
        """The name to show for a person mentioned in a request: what Slack answers (users.info) for the
        request's workspace, cached per workspace; "" when Slack does not know them there or refuses. Never a
        name stored from another workspace: a mention typed as text (`&lt;@U…&gt;`) must not read out the name
        of someone the writer's workspace cannot see. Network failures propagate (bot/slack/mentions.py)."""
        team = await self._team_of(user_id)
        cached = self._mentioned.get((team, user_id))
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        if time.monotonic() < self._names_limited.get(team, 0.0):  # Slack said to wait (429, Retry-After)
            return ""
        if not (self.clients is not None and self.clients.multi):  # one workspace: what it already read
            known = self._people.get(user_id)
            if known and known[1] is not None and time.monotonic() - known[0] < CACHE_SECONDS:
                return known[1].name
        try:
            client = await self._client(team)
            async with self._gate:
                response = await client.users_info(user=user_id)
            name = _person(user_id, response.get("user") or {}).name
        except NotInstalled:
            return ""
        except SlackApiError as exc:  # only Slack's "no such person here" is an answer worth keeping
            if rate_limited(exc):
                self._names_limited[team] = time.monotonic() + min(max(retry_after(exc, 30.0), 1.0), 600.0)
            if (exc.response.get("error") if exc.response else "") not in ("user_not_found", "user_not_visible"):
                return ""  # rate limited, an error on Slack's side: asked again next time (after Retry-After)
            name = ""
        if len(self._mentioned) >= MENTIONED_KEPT:  # ids typed as text must not grow it without end
            self._mentioned.clear()
        self._mentioned[team, user_id] = (time.monotonic(), name)
        return name

    async def _lookup(self, user_id: str) -> tuple[Person | None, str, bool]:
        """The person (cached, from users.info, or as stored when Slack fails), their team id, and whether
        the answer is fresh from Slack (and so still to be remembered)."""
        cached = self._people.get(user_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1], "", False
        try:
            client = await self._client(await self._team_of(user_id))
            async with self._gate:
                response = await client.users_info(user=user_id)
        except NotInstalled:
            return await self.identities.get(Platform.SLACK, user_id), "", False
        except SlackApiError as exc:
            log.info("users.info failed: %s", exc.response.get("error") if exc.response else "?")
            return await self.identities.get(Platform.SLACK, user_id), "", False
        user = response.get("user") or {}
        found = _person(user_id, user)
        self._status[user_id] = _status(user)
        self._people[user_id] = (time.monotonic(), found)
        return found, str(user.get("team_id") or ""), True

    async def _listed(self, client: AsyncWebClient, wanted: set[str]) -> dict[str, Person]:
        """People of a big channel from users.list pages (up to 1 000 people a call) instead of one users.info
        each: 10 000 members take ten calls, and their identities one transaction per 500."""
        found: dict[str, tuple[Person, str]] = {}
        cursor: str | None = None
        try:
            for _ in range(LIST_PAGES):
                response = await client.users_list(limit=LIST_PAGE, cursor=cursor)
                for user in response.get("members") or []:
                    uid = user.get("id") if isinstance(user, dict) else None
                    if isinstance(uid, str) and uid in wanted:
                        found[uid] = (_person(uid, user), str(user.get("team_id") or ""))
                        self._status[uid] = _status(user)
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor or len(found) == len(wanted):
                    break
        except SlackApiError as exc:
            log.info("users.list failed (%s): looking members up one by one",
                     exc.response.get("error") if exc.response else "?")
        await self.identities.remember_many(list(found.values()))
        now = time.monotonic()
        for uid, (person, _) in found.items():
            self._people[uid] = (now, person)
        return {uid: person for uid, (person, _) in found.items()}

    async def members(self, place: Place) -> list[Person]:
        client = await self._client(place.team_id)
        ids = [uid async for page in _member_pages(client, place.channel_id) for uid in page]
        # A few workers, not one task per member: a big channel must not hold every lookup (and its answer,
        # waiting for a database connection) in memory at once (docs/benchmarks.md#slack-channel-members).
        unique = list(dict.fromkeys(ids))
        now = time.monotonic()
        unknown = {uid for uid in unique if not (uid in self._people and now - self._people[uid][0] < CACHE_SECONDS)}
        listed = await self._listed(client, unknown) if len(unknown) > LIST_AFTER else {}
        people: list[Person | None] = [listed.get(uid) for uid in unique]
        todo = iter([i for i, uid in enumerate(unique) if uid not in listed])

        fresh: list[tuple[Person, str]] = []

        async def worker() -> None:
            for i in todo:
                found, team_id, new = await self._lookup(unique[i])
                people[i] = found
                if new and found is not None:
                    fresh.append((found, team_id))

        await asyncio.gather(*(worker() for _ in range(min(MEMBER_WORKERS, len(unique)))))
        # One transaction for the people looked up one by one (a pulse invites hundreds of small channels).
        await self.identities.remember_many(fresh)
        return [p for p in people if p is not None and not p.is_bot and p.id != self.bot_user_id]

    async def is_member(self, place: Place, user_id: str) -> bool:
        """Whether the person is in the channel right now (conversations.members, ids only: nobody is looked
        up). A channel Slack no longer shows the bot (channel_not_found, not_in_channel) or a workspace that
        uninstalled it: not a member; any other refusal is raised."""
        try:
            client = await self._client(place.team_id)
            async for page in _member_pages(client, place.channel_id):
                if user_id in page:
                    return True
        except NotInstalled:
            return False
        except SlackApiError as exc:
            if (exc.response.get("error") if exc.response else "") in ("channel_not_found", "not_in_channel"):
                return False
            raise
        return False

    async def owner_ids(self, place: Place) -> set[str]:
        facts = await self.channel(place)
        return {facts.creator} if facts is not None and facts.creator else set()

    async def channel_name(self, place: Place) -> str:
        """The channel's name as Slack shows it (`design`), or "" for a group DM, a DM or a conversation
        Slack does not describe to the bot."""
        facts = await self.channel(place)
        return facts.name if facts is not None else ""

    async def channel(self, place: Place) -> ChannelFacts | None:
        """What conversations.info says of the conversation (its creator, its name), asked once and shared by
        the owner check and the channel's name: cached for CACHE_SECONDS, a refusal (the bot is not in it,
        the workspace uninstalled) for REFUSED_SECONDS; None when refused."""
        cached = self._channels.get(place.channel_id)
        if cached and time.monotonic() - cached[0] < (CACHE_SECONDS if cached[1] else REFUSED_SECONDS):
            return cached[1]
        try:
            client = await self._client(place.team_id)
            response = await client.conversations_info(channel=place.channel_id)
            facts: ChannelFacts | None = channel_facts(response.get("channel") or {})
        except (SlackApiError, NotInstalled):
            facts = None
        self._channels[place.channel_id] = (time.monotonic(), facts)
        return facts


REFUSED_SECONDS = 60.0  # a conversations.info refusal is asked again after this


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """A conversation as conversations.info describes it (docs.slack.dev/reference/objects/conversation-object).
    `name` is "" for a group DM (`is_mpim`, named `mpdm-ana--ben-1` by Slack) and a DM: they have no name a
    person would call them by."""

    creator: str
    name: str


def channel_facts(channel: dict[str, Any]) -> ChannelFacts:
    creator = channel.get("creator")
    name = channel.get("name")
    unnamed = bool(channel.get("is_mpim") or channel.get("is_im")) or not isinstance(name, str)
    return ChannelFacts(creator if isinstance(creator, str) else "", "" if unnamed else str(name)[:200])


AWAY_EMOJI = frozenset({":palm_tree:", ":face_with_thermometer:", ":sick:", ":nauseated_face:", ":airplane:",
                        ":beach_with_umbrella:", ":desert_island:", ":hospital:", ":baby:", ":baby_bottle:"})
AWAY_WORDS = re.compile(r"\b(?:ooo|out of (?:the )?office|vacation|vacationing|holidays?|on leave|parental leave|"
                        r"pto|sick|off sick|urlaub|time off)\b", re.IGNORECASE)
NO_EXPIRY_RECHECK = timedelta(hours=12)  # an away status without an end: ask again after this
DND_CACHE_SECONDS = 60.0


def _status(user: dict[str, Any]) -> tuple[str, str, int]:
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    assert isinstance(profile, dict)
    try:
        expiration = int(profile.get("status_expiration") or 0)
    except (TypeError, ValueError):
        expiration = 0
    return str(profile.get("status_text") or ""), str(profile.get("status_emoji") or ""), expiration


def status_away_until(status: tuple[str, str, int], now: datetime) -> datetime | None:
    """An "away" Slack status: 🌴 / 🤒 / ✈️ … or OOO / vacation / holiday / on leave in its text. It lasts
    until its expiration; one without an expiration is re-read every NO_EXPIRY_RECHECK."""
    text, emoji, expiration = status
    if emoji not in AWAY_EMOJI and not AWAY_WORDS.search(text):
        return None
    if expiration > 0:
        until = datetime.fromtimestamp(expiration, UTC)
        return until if until > now else None
    return now + NO_EXPIRY_RECHECK


async def _member_pages(client: AsyncWebClient, channel: str) -> AsyncIterator[list[str]]:
    """A channel's member ids, a conversations.members page (1 000) at a time: nobody is looked up."""
    cursor: str | None = None
    for _ in range(200):  # 200 pages × 1000 = far beyond any team
        response = await client.conversations_members(channel=channel, limit=1000, cursor=cursor)
        members: list[object] = response.get("members") or []
        yield [m for m in members if isinstance(m, str)]
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def dnd_until(info: dict[str, Any], now: datetime) -> datetime | None:
    """The end of the person's scheduled Do Not Disturb hours from a dnd.info answer, when they are under way
    (`dnd_enabled` and next_dnd_start_ts <= now < next_dnd_end_ts); else None.

    Only the schedule: Slack returns the `snooze_*` fields (a snooze, "pause notifications for 2 hours")
    only when the user asked about is the token's own user (https://docs.slack.dev/reference/methods/dnd.info/,
    "Snooze properties"), and a bot token asks about people, never about itself. So a snooze is invisible
    to the bot and is not read here (docs/pulse.md, "Time off")."""
    stamp = now.timestamp()
    start, end = float(info.get("next_dnd_start_ts") or 0), float(info.get("next_dnd_end_ts") or 0)
    if info.get("dnd_enabled") and start <= stamp < end:
        return datetime.fromtimestamp(end, UTC)
    return None


def _person(user_id: str, user: dict[str, Any]) -> Person:
    """A Slack user object (users.info / users.list) as a core Person; bots, apps and deactivated accounts
    count as bots (they get no DMs)."""
    return Person(
        Platform.SLACK,
        user_id,
        str(user.get("real_name") or user.get("name") or ""),
        user.get("tz") if isinstance(user.get("tz"), str) else None,
        bool(user.get("is_bot") or user.get("is_app_user") or user_id == "USLACKBOT" or user.get("deleted")),
    )

