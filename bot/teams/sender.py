"""Outbox deliveries to Teams: channel posts and 1:1 messages through stored conversation references,
paced below Teams' limits.

Limits (Microsoft's "rate limiting for bots"): per bot and conversation 7 messages per second, 8 per 2 s,
60 per 30 s and 1800 per hour; per app and tenant about 50 requests per second. Two token buckets per
conversation keep every one of those windows (`a short one` for bursts, `a long one` for the hour), and
one bucket keeps the app below the tenant limit.

Two botbuilder behaviours are handled here: an exception inside a proactive turn is given to
`on_turn_error` and `continue_conversation` returns as if the send had worked (the row would be marked sent
and an apology posted), so the sender keeps the exception itself; and msrest's retry policy asks urllib3 to
resend POSTs on 5xx, 429 and read errors (only urllib3 1.x obeys), a blind resend that could double a
message, so outbox sends switch it off and the outbox retries instead, paced and counted.

Bots have no history API on Teams, so a send that was in flight when the process died cannot be checked
afterwards: it is sent again. `max_in_flight` bounds how many Teams sends are in flight at once — a place is
held from the in-flight mark until the outbox has recorded the outcome (`Delivery.when_recorded`) — which
is therefore the most that a crash can double (each at most once, and never two for one person).
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from botbuilder.core import BotAdapter, TurnContext

from bot.adapter import Delivery
from bot.outbox.errors import DeliveryError, PermanentError, RateLimited, TransientError, partly_delivered
from bot.outbox.ratelimit import RateLimiter
from bot.sealing import ActionSeal
from bot.teams.direct import TeamsLines
from bot.teams.errors import classify
from bot.teams.replier import card_activity
from handlers.core.types import Platform

# (rate per second, burst): burst + rate*T stays within 7/1s, 8/2s, 60/30s; the second within 1800/h.
CONVERSATION_SHORT = (1.8, 4.0)
CONVERSATION_HOUR = (0.45, 180.0)
APP_PER_TENANT = (40.0, 8.0)  # below 50 requests/s, with headroom for 1:1 creation calls


class ConversationReferences(Protocol):
    """Where a channel's stored conversation reference is read (storage's ConversationRepo)."""

    async def reference(self, platform: Platform, channel_id: str) -> dict[str, Any] | None: ...


class Stored(Protocol):
    """What holds it (storage's Store, which builds the repository on first use)."""

    @property
    def conversations(self) -> ConversationReferences: ...


class TeamsSender:

    def __init__(self, lines: TeamsLines, store: Stored, limiter: RateLimiter,
                 *, per_tenant_rate: float = APP_PER_TENANT[0], max_in_flight: int = 4,
                 seal: ActionSeal | None = None) -> None:
        self.seal = seal  # card data sealed for each target (bot/sealing.py)
        self.lines = lines
        self.store = store
        self.limiter = limiter
        self.per_tenant_rate = per_tenant_rate
        self.max_in_flight = max(1, max_in_flight)
        self._in_flight = asyncio.Semaphore(self.max_in_flight)
        self.stats: dict[str, int] = {"sent": 0, "resent_after_crash": 0}

    async def deliver(self, delivery: Delivery) -> dict[str, Any]:
        target, replies, row = delivery.target, delivery.replies, delivery
        key = f"teams:conv:{target.kind}:{target.id}"
        await self.limiter.acquire_all([
            (key, *CONVERSATION_SHORT),
            (f"{key}:hour", *CONVERSATION_HOUR),
            ("teams:app", self.per_tenant_rate, APP_PER_TENANT[1]),
        ], ticket=f"teams:{row.id}")
        if row.maybe_delivered:
            self.stats["resent_after_crash"] += 1  # no way to check on Teams: at most this one is doubled
        sent: list[str] = []
        failures: list[BaseException] = []
        seal = self.seal.for_target(target) if self.seal is not None else None

        async def send(context: TurnContext) -> None:
            # botbuilder hands exceptions raised in a proactive turn to on_turn_error and returns as if all
            # went well (and on_turn_error would post an apology into the conversation): keep them here.
            _no_blind_resends(context)
            try:
                for reply in replies:
                    response = await context.send_activity(card_activity(reply, seal))
                    sent.append(getattr(response, "id", "") or "")
            except Exception as exc:  # noqa: BLE001 - classified below
                failures.append(exc)

        try:
            await self._in_flight.acquire()
            begun = False
            try:
                await delivery.begin()
                begun = True
                if target.kind == "user":
                    await self.lines.with_person(target.id, send)
                else:
                    reference = await self.store.conversations.reference(Platform.TEAMS, target.id)
                    if not reference:
                        raise PermanentError("no conversation reference for this Teams channel")
                    await self.lines.in_conversation(reference, send, target.thread_id)
            finally:
                # Once marked in flight, the place is held until the outbox has recorded what happened (the
                # sent mark, a retry): only then can a crash no longer send it again.
                if begun:
                    delivery.when_recorded(self._in_flight.release)
                else:
                    self._in_flight.release()
            if failures:
                raise failures[0]
            if len(sent) < len(replies):
                raise TransientError("the proactive turn did not run")
        except DeliveryError as exc:
            if isinstance(exc, RateLimited):
                self.limiter.block(key, exc.retry_after)
            if sent:
                partly_delivered(exc)
            raise
        except Exception as exc:
            error = classify(exc, key)
            if isinstance(error, RateLimited):
                self.limiter.block(key, error.retry_after)
            raise (partly_delivered(error) if sent else error) from exc
        self.stats["sent"] += 1
        return {"activities": sent}


def _no_blind_resends(context: TurnContext) -> None:
    """Make the connector client of this turn give every answer back to us instead of resending."""
    client = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    policy = getattr(getattr(getattr(client, "config", None), "retry_policy", None), "policy", None)
    if policy is None:
        return
    # The urllib3 Retry object is mounted by reference in the client's sessions: change it in place.
    policy.total = policy.connect = policy.read = policy.status = policy.other = 0
    policy.status_forcelist = frozenset()
    policy.respect_retry_after_header = False
    policy.raise_on_status = False
