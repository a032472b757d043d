"""Outbox deliveries to Teams: channel posts and 1:1 messages through stored conversation references,
paced below Teams' limits (about 7 messages/s per conversation, 50 requests/s per app and tenant)."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext

from bot.outbox.errors import DeliveryError, PermanentError, RateLimited
from bot.outbox.ratelimit import RateLimiter
from bot.teams.direct import TeamsLines
from bot.teams.errors import classify
from bot.teams.replier import card_activity
from handlers.core.types import Platform, Reply, Target
from storage.repos.identities import ConversationRepo
from storage.repos.outbox import Claimed, OutboxRepo


class TeamsSender:
    def __init__(self, lines: TeamsLines, conversations: ConversationRepo, limiter: RateLimiter,
                 *, per_conversation_rate: float = 7.0, per_tenant_rate: float = 50.0) -> None:
        self.lines = lines
        self.conversations = conversations
        self.limiter = limiter
        self.per_conversation_rate = per_conversation_rate
        self.per_tenant_rate = per_tenant_rate

    async def deliver(self, target: Target, replies: list[Reply], row: Claimed, outbox: OutboxRepo) -> dict[str, Any]:
        key = f"teams:conv:{target.kind}:{target.id}"
        await self.limiter.acquire(key, self.per_conversation_rate, self.per_conversation_rate)
        await self.limiter.acquire(f"teams:tenant:{target.team_id}", self.per_tenant_rate, self.per_tenant_rate)
        sent: list[str] = []

        async def send(context: TurnContext) -> None:
            for reply in replies:
                response = await context.send_activity(card_activity(reply))
                sent.append(getattr(response, "id", "") or "")

        try:
            if target.kind == "user":
                await self.lines.with_person(target.id, send)
            else:
                reference = await self.conversations.reference(Platform.TEAMS, target.id)
                if not reference:
                    raise PermanentError("no conversation reference for this Teams channel")
                await self.lines.in_conversation(reference, send, target.thread_id)
        except DeliveryError as exc:
            if isinstance(exc, RateLimited):
                self.limiter.block(key, exc.retry_after)
            raise
        except Exception as exc:
            error = classify(exc, key)
            if isinstance(error, RateLimited):
                self.limiter.block(key, error.retry_after)
            raise error from exc
        return {"activities": sent}
