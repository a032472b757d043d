"""Outbox deliveries to Slack: DMs (chat.postMessage to the user id opens the app DM) and channel posts,
paced below Slack's limits, with 429 Retry-After honoured per channel and per method.

Every posted message carries metadata `{event_type: steadybot_outbox, event_payload: {outbox_id, part}}`.
When a row comes back "maybe delivered" (the process died, or a request timed out, after the post left),
the sender reads the channel history with `include_all_metadata` and skips the parts Slack already has:
a crash never doubles a Slack message.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapter import Delivery
from bot.outbox.errors import DeliveryError, PermanentError, RateLimited, TransientError, partly_delivered
from bot.outbox.ratelimit import RateLimiter
from bot.sealing import ActionSeal
from bot.slack import render
from bot.slack.errors import classify
from bot.slack.oauth import WorkspaceClients
from bot.slack.ports import LinesStore
from bot.slack.post import post_message
from handlers.core.types import Platform, Reply, Target

log = logging.getLogger("steadybot.slack")

EVENT_TYPE = "steadybot_outbox"
TIER3_PER_MINUTE = 50.0  # conversations.history / conversations.replies / conversations.open
HISTORY_PAGES = 5
HISTORY_WINDOW = 600.0  # look this far before the in-flight marker for the row's messages
BLOCKS_KEPT = 256  # rendered replies kept (a pulse round's DMs differ only by the close time's zone)


class SlackSender:

    def __init__(
        self,
        client: AsyncWebClient,
        store: LinesStore,
        limiter: RateLimiter,
        *,
        per_channel_rate: float = 1.0,
        per_channel_burst: float = 3.0,
        workspace_per_minute: float = 0.0,  # 0 = no workspace-wide pacing of our own
        tier3_per_minute: float = TIER3_PER_MINUTE,
        clients: WorkspaceClients | None = None,
        seal: ActionSeal | None = None,
    ) -> None:
        self.seal = seal  # button values sealed for each target (bot/sealing.py)
        # Our own client without slack_sdk's automatic resend on a dropped connection: a blind resend could
        # double a message; the outbox retries instead, after checking the history.
        self.client = AsyncWebClient(token=client.token, base_url=client.base_url, timeout=client.timeout,
                                     session=client.session, retry_handlers=[], logger=client.logger)
        # OAuth mode (many workspaces): each row goes out with its workspace's bot token (bot/slack/oauth.py)
        self.clients = clients
        self.store = store  # its repositories are built on first use (storage/store.py)
        self.limiter = limiter
        self.per_channel_rate = per_channel_rate
        self.per_channel_burst = per_channel_burst
        self.workspace_per_minute = workspace_per_minute
        self.tier3_per_minute = tier3_per_minute
        self.stats: dict[str, int] = {"posted": 0, "recovered": 0, "history_checks": 0}
        self._blocks: dict[Reply, list[dict[str, Any]]] = {}  # rendered Block Kit of recent replies, see _render
        self._last: tuple[Reply, list[dict[str, Any]]] | None = None  # the latest of them

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        target, replies, row = delivery.target, delivery.replies, delivery
        # A DM is posted to the user id: Slack puts it in the app's DM with that person. No lookup and no
        # write per message; the D… channel id is only needed to read the history when recovering.
        client = await self._client_for(target)
        channel = target.id
        already: dict[int, dict[str, str]] = {}
        if row.maybe_delivered:
            channel, already = await self._already_posted(client, target, channel, replies, row)
        sent: list[dict[str, str]] = []
        marked = False
        for part, reply in enumerate(replies):
            if part in already:
                sent.append(already[part])
                continue
            try:
                await self._pace(target, channel, row.id, part)
                if not marked:
                    await delivery.begin()
                    marked = True
                sent.append(await self._post(client, target, channel, reply, row.id, part))
            except DeliveryError as error:
                if sent:
                    partly_delivered(error)
                raise
        return {"messages": sent}

    async def _client_for(self, target: Target) -> AsyncWebClient:
        """The workspace's client (OAuth mode; a DM row without a workspace uses the person's), or the one."""
        if self.clients is None or not self.clients.multi:
            return self.client
        team = target.team_id
        if not team and target.kind == "user":
            line = await self.store.identities.direct_line(Platform.SLACK, target.id)
            team = line.team_id if line else ""
        return await self.clients.for_team(team)

    # ---- posting -----------------------------------------------------------------------------------
    async def _pace(self, target: Target, channel: str, row_id: int, part: int) -> None:
        limits = [(f"slack:post:{channel}", self.per_channel_rate, self.per_channel_burst)]
        if self.workspace_per_minute > 0:
            rate = self.workspace_per_minute / 60.0
            limits.append((f"slack:post:team:{target.team_id}", rate, max(1.0, rate * 2)))
        await self.limiter.acquire_all(limits, ticket=f"slack:{row_id}:{part}")

    async def _post(self, client: AsyncWebClient, target: Target, channel: str, reply: Reply, row_id: int,
                    part: int) -> dict[str, str]:
        key = f"slack:post:{channel}"
        payload: dict[str, Any] = {
            "channel": channel,
            "text": render.fallback(reply),
            "blocks": render.seal_blocks(self._render(reply), self.seal.for_target(target) if self.seal else None),
            "metadata": {"event_type": EVENT_TYPE, "event_payload": {"outbox_id": str(row_id), "part": part}},
            **render.POST_OPTIONS,
        }
        if reply.in_thread and target.thread_id:
            payload["thread_ts"] = target.thread_id
        try:
            response = await post_message(client, payload)
        except Exception as exc:
            error = classify(exc, key)
            if isinstance(error, RateLimited):
                self.limiter.block(key, error.retry_after)
            raise error from exc
        self.stats["posted"] += 1
        return {"channel": str(response.get("channel") or channel), "ts": str(response.get("ts") or "")}

    def _render(self, reply: Reply) -> list[dict[str, Any]]:
        """Block Kit for a reply. A fan-out sends the same reply to thousands of people and building it with
        slack_sdk.models (which validates) is slow (docs/benchmarks.md#block-kit-rendering-cache-slack), so
        recent renderings are kept. Callers never change them: `render.seal_blocks` copies what it seals,
        slack_sdk and the JSON encoder only read them."""
        last = self._last
        if last is not None and last[0] is reply:  # a batch's DMs share their reply: no hashing of it
            return last[1]
        try:
            cached = self._blocks.get(reply)
        except TypeError:  # something unhashable inside the reply: render it every time
            return render.message_blocks(reply)
        if cached is None:
            if len(self._blocks) >= BLOCKS_KEPT:
                self._blocks.clear()
            cached = self._blocks[reply] = render.message_blocks(reply)
        self._last = (reply, cached)
        return cached

    # ---- recovery ----------------------------------------------------------------------------------
    async def _already_posted(self, client: AsyncWebClient, target: Target, channel: str, replies: list[Reply],
                              row: Delivery) -> tuple[str, dict[int, dict[str, str]]]:
        """Which parts of this row Slack already has (found by their metadata), and the channel to use."""
        self.stats["history_checks"] += 1
        try:
            ticket = f"slack:{row.id}"
            if target.kind == "user":
                channel = await self._dm_channel(client, target.id, ticket)
            since = (row.begun_at.timestamp() if row.begun_at else 0.0) - HISTORY_WINDOW
            found = await self._scan(client, "conversations.history", since, ticket, channel=channel)
            if target.thread_id and any(r.in_thread for r in replies):
                found.update(await self._scan(client, "conversations.replies", since, ticket, channel=channel,
                                              ts=target.thread_id))
        except RateLimited as error:
            partly_delivered(error)  # wait, and keep the row "maybe delivered"
            raise
        except PermanentError as error:
            log.warning("outbox row %s: cannot read the history of %s to check for an earlier delivery (%s); "
                        "sending again", row.id, channel, error)
            return channel, {}
        mine = {part: ref for (outbox_id, part), ref in found.items() if outbox_id == str(row.id)}
        if mine:
            self.stats["recovered"] += 1
            log.info("outbox row %s: Slack already has part(s) %s, not sending them again", row.id, sorted(mine))
        return channel, mine

    async def _dm_channel(self, client: AsyncWebClient, user_id: str, ticket: str) -> str:
        line = await self.store.identities.direct_line(Platform.SLACK, user_id)
        if line and line.dm_channel:
            return line.dm_channel
        opened = await self._call(client, "conversations.open", ticket, users=user_id)
        channel = str((opened.get("channel") or {}).get("id") or "")
        if not channel:
            raise PermanentError("conversations.open gave no channel")
        await self.store.identities.set_direct_line(Platform.SLACK, user_id, dm_channel=channel)
        return channel

    async def _scan(self, client: AsyncWebClient, method: str, since: float, ticket: str,
                    **params: Any) -> dict[tuple[str, int], dict[str, str]]:
        found: dict[tuple[str, int], dict[str, str]] = {}
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            response = await self._call(client, method, ticket, include_all_metadata=True, limit=100,
                                        cursor=cursor, **params)
            messages = response.get("messages") or []
            oldest_seen = float("inf")
            for message in messages:
                if not isinstance(message, dict):
                    continue
                oldest_seen = min(oldest_seen, _ts(message.get("ts")))
                metadata = message.get("metadata")
                if not isinstance(metadata, dict) or metadata.get("event_type") != EVENT_TYPE:
                    continue
                payload = metadata.get("event_payload")
                if not isinstance(payload, dict):
                    continue
                try:
                    part = int(payload.get("part", 0))
                except (TypeError, ValueError):
                    continue
                found[(str(payload.get("outbox_id")), part)] = {"channel": params["channel"],
                                                                  "ts": str(message.get("ts") or "")}
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor or not messages or oldest_seen < since:
                break
        return found

    async def _call(self, client: AsyncWebClient, method: str, ticket: str, **params: Any) -> Any:
        """A Tier 3 call for recovery. Never sleeps for a slot: the row is rescheduled to its reserved slot
        and the worker goes on with other rows meanwhile."""
        key = f"slack:method:{method}"
        rate = self.tier3_per_minute / 60.0
        await self.limiter.acquire_all([(key, rate, max(1.0, self.tier3_per_minute / 5))], ticket=f"{ticket}:{method}",
                                       max_wait=0.0)
        try:
            call = getattr(client, method.replace(".", "_"))
            return await call(**{k: v for k, v in params.items() if v is not None})
        except Exception as exc:
            error = classify(exc, key)
            if isinstance(error, RateLimited):
                self.limiter.block(key, error.retry_after)
            if isinstance(error, TransientError):
                error.maybe_delivered = True
            raise error from exc


def _ts(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
