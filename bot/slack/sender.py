"""Outbox deliveries to Slack: DMs (chat.postMessage to the user id opens the app DM) and channel posts,
paced below Slack's limits, with 429 Retry-After honoured per channel."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox.errors import RateLimited
from bot.outbox.ratelimit import RateLimiter
from bot.slack import render
from bot.slack.errors import classify
from handlers.core.types import Platform, Reply, Target
from storage.repos.identities import IdentityRepo
from storage.repos.outbox import Claimed, OutboxRepo


class SlackSender:
    def __init__(
        self,
        client: AsyncWebClient,
        identities: IdentityRepo,
        limiter: RateLimiter,
        *,
        per_channel_rate: float = 1.0,
        per_channel_burst: float = 3.0,
        workspace_per_minute: float = 0.0,  # 0 = no workspace-wide pacing of our own
    ) -> None:
        self.client = client
        self.identities = identities
        self.limiter = limiter
        self.per_channel_rate = per_channel_rate
        self.per_channel_burst = per_channel_burst
        self.workspace_per_minute = workspace_per_minute

    async def deliver(self, target: Target, replies: list[Reply], row: Claimed, outbox: OutboxRepo) -> dict[str, Any]:
        channel = target.id
        if target.kind == "user":
            line = await self.identities.direct_line(Platform.SLACK, target.id)
            channel = (line.dm_channel if line and line.dm_channel else None) or target.id
        sent: list[dict[str, str]] = []
        for reply in replies:
            sent.append(await self._post(target, channel, reply, row.id))
        if target.kind == "user" and sent and sent[0]["channel"] != channel:
            await self.identities.set_direct_line(Platform.SLACK, target.id, dm_channel=sent[0]["channel"])
        return {"messages": sent}

    async def _post(self, target: Target, channel: str, reply: Reply, row_id: int) -> dict[str, str]:
        key = f"slack:post:{channel}"
        await self.limiter.acquire(key, self.per_channel_rate, self.per_channel_burst)
        if self.workspace_per_minute > 0:
            rate = self.workspace_per_minute / 60.0
            await self.limiter.acquire(f"slack:post:team:{target.team_id}", rate, max(1.0, rate * 2))
        try:
            response = await self.client.chat_postMessage(
                channel=channel,
                text=reply.fallback[:3000],
                blocks=render.message_blocks(reply),
                thread_ts=target.thread_id if (reply.in_thread and target.thread_id) else None,
                metadata={"event_type": "steadybot_outbox", "event_payload": {"outbox_id": str(row_id)}},
            )
        except Exception as exc:
            error = classify(exc, key)
            if isinstance(error, RateLimited):
                self.limiter.block(key, error.retry_after)
            raise error from exc
        return {"channel": str(response.get("channel") or channel), "ts": str(response.get("ts") or "")}
