"""Prometheus metrics for `GET /metrics`, with the official client (prometheus-client).

One `CollectorRegistry` per runtime (nothing registers at import, so two runtimes in one process — the
tests, the demo — never collide). Three kinds of numbers:

- counters and histograms the code moves as traffic flows: outbox sends by platform and outcome, the
  platforms' 429s, retries, ack and turn latency per platform and request kind;
- gauges read from the database at scrape time, cheaply: the live outbox rows by state (`pending`,
  `sending`, `failed`: the `status, due_at` index answers it; sent/skipped rows are counted by the
  counters instead of scanning 30 days of history), the age of the oldest due row, open and sealed pulse
  rounds (the `sealed, closes_at` index);
- the database circuit breaker (bot/storage: `storage.db.Database`): open or closed, and outages so far.

Privacy: every label value comes from a closed set spelled out below (`PLATFORMS`, `OUTCOMES`, `KINDS`).
Anything else — a user id, a channel, a command's text — is mapped to "other" before it reaches a label.
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import ipaddress
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.logs import REQUEST_ID
from handlers.core.clock import Clock

if TYPE_CHECKING:
    from bot.metrics_registry import Instruments
    from storage.handle import DatabaseHandle

log = logging.getLogger("steadybot.metrics")

PLATFORMS = frozenset({"slack", "teams"})
OUTCOMES = frozenset({"sent", "retried", "failed", "skipped", "rate_limited", "lost"})
#: Request kinds: Slack's request types and Teams' activity types (invoke names are not labels).
KINDS = frozenset({"command", "event", "block_actions", "view_submission", "view_closed", "block_suggestion",
                   "shortcut", "message_action", "url_verification", "message", "invoke", "conversationUpdate",
                   "messageReaction", "installationUpdate", "other"})
LIVE_STATES = ("pending", "sending", "failed")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SCRAPE_QUERY_TIMEOUT = 3.0


def closed(value: str, allowed: frozenset[str]) -> str:
    """A label value from a closed set: anything outside it (user input, ids) becomes "other"."""
    return value if value in allowed else "other"


# ---- the request in progress (latency and log request ids) ------------------------------------------------
@dataclass(slots=True)
class RequestScope:
    """What one incoming request carries through the tasks it starts (contextvars are copied into them)."""

    platform: str
    kind: str = "other"
    request_id: str = field(default_factory=lambda: os.urandom(6).hex())
    started: float = field(default_factory=time.perf_counter)
    metrics: Metrics | None = None
    turn_seen: bool = False


CURRENT: contextvars.ContextVar[RequestScope | None] = contextvars.ContextVar("steadybot_request", default=None)


def current_request_id() -> str | None:
    scope = CURRENT.get()
    return scope.request_id if scope is not None else None


def turn_finished() -> None:
    """The work a request started is done (a Slack listener's work after its ack, a Teams turn): its
    latency from the request's arrival goes to the turn histogram, once per request."""
    scope = CURRENT.get()
    if scope is None or scope.metrics is None or scope.turn_seen:
        return
    scope.turn_seen = True
    scope.metrics.instruments.turn_seconds.labels(scope.platform, scope.kind).observe(time.perf_counter() - scope.started)


_SLACK_TYPE = re.compile(rb'%22type%22(?:%3A|:)(?:\+|%20)*%22([a-z_]{1,40})%22')


def slack_kind(body: bytes, content_type: str) -> str:
    """The kind of a Slack request from its raw body, without parsing it all (a closed set)."""
    head = body[:4096]
    if "json" in content_type:
        if b'"url_verification"' in head[:200]:
            return "url_verification"
        return "event"
    if head.startswith(b"command=") or b"&command=" in head:
        return "command"
    if head.startswith(b"payload="):  # url-encoded JSON; Slack puts "type" first: read it without decoding
        found = _SLACK_TYPE.search(head, 8, 600)
        return closed(found.group(1).decode(), KINDS) if found else "other"
    return "other"


def teams_kind(activity_type: Any) -> str:
    return closed(str(activity_type or ""), KINDS)


# ---- the metrics ----------------------------------------------------------------------------------
class Metrics:
    """The process's numbers. prometheus_client (and the instruments, bot/metrics_registry.py) is imported by
    the first request, send or scrape that moves or reads one, not by a start (docs/benchmarks.md, "Cold
    start")."""

    def __init__(self, db: DatabaseHandle, clock: Clock) -> None:
        self.db = db  # its engine is built by the first use that needs it (storage/handle.py): here, a scrape
        self.clock = clock
        self.snapshot = _Snapshot()
        self._instruments: Instruments | None = None
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    @property
    def instruments(self) -> Instruments:
        if self._instruments is None:
            from bot.metrics_registry import Instruments

            self._instruments = Instruments(self)
        return self._instruments

    # ---- moved by the code -------------------------------------------------------------------------
    def outbox_outcome(self, platform: str, outcome: str) -> None:
        platform = closed(platform, PLATFORMS)
        instruments = self.instruments
        instruments.sends.labels(platform, closed(outcome, OUTCOMES)).inc()
        if outcome == "retried":
            instruments.retries.labels(platform).inc()

    def platform_429(self, limiter_key: str) -> None:
        """A RateLimiter key ("slack:post:C1", "teams:conv:…") blocked by a platform's 429."""
        self.instruments.rate_limited.labels(closed(limiter_key.split(":", 1)[0], PLATFORMS)).inc()

    def begin(self, platform: str, kind: str) -> RequestScope:
        scope = RequestScope(closed(platform, PLATFORMS), closed(kind, KINDS), metrics=self)
        CURRENT.set(scope)
        REQUEST_ID.set(scope.request_id)  # the log lines of this request and of the work it starts
        return scope

    def answered(self, scope: RequestScope, status: int) -> None:
        elapsed = time.perf_counter() - scope.started
        key = (scope.platform, scope.kind, status // 100)
        children = self._children.get(key)
        if children is None:  # labels() costs a lock and a dict walk: each combination is looked up once
            instruments = self.instruments
            children = self._children[key] = (instruments.ack_seconds.labels(scope.platform, scope.kind),
                                               instruments.http_requests.labels(scope.platform, scope.kind,
                                                                                f"{status // 100}xx"))
        children[0].observe(elapsed)
        children[1].inc()

    # ---- scrape ------------------------------------------------------------------------------------
    async def refresh(self) -> None:
        """Read the database gauges for this scrape (bounded; a down database leaves them out)."""
        # SQLAlchemy and the features' models are imported when first needed, or here (docs/benchmarks.md, "Cold start")
        from sqlalchemy import func, select

        from storage.models.calendar import CalendarFeedRow
        from storage.models.core import OutboxRow
        from storage.models.pulse import PulseRound

        snap = _Snapshot(database_up=not self.db.is_down, outages=self.db.outages)
        if self.db.is_down:
            self.snapshot = snap
            return
        now = self.clock.now()
        try:
            async with asyncio.timeout(SCRAPE_QUERY_TIMEOUT), self.db.get().session() as session:
                rows = await session.execute(
                    select(OutboxRow.status, func.count()).where(OutboxRow.status.in_(LIVE_STATES))
                    .group_by(OutboxRow.status))
                snap.outbox = {state: 0 for state in LIVE_STATES} | {s: int(n) for s, n in rows.all()}
                oldest = await session.scalar(select(func.min(OutboxRow.due_at))
                                              .where(OutboxRow.status == "pending", OutboxRow.due_at <= now))
                snap.oldest_due_age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
                rounds = await session.execute(select(PulseRound.sealed, func.count()).group_by(PulseRound.sealed))
                counts = {bool(sealed): int(n) for sealed, n in rounds.all()}
                snap.rounds = {"open": counts.get(False, 0), "sealed": counts.get(True, 0)}
                feeds = await session.execute(select(CalendarFeedRow.failures, func.count(),
                                                     func.min(CalendarFeedRow.last_sync_at))
                                              .group_by(CalendarFeedRow.failures))
                snap.feeds = {"ok": 0, "failing": 0}
                synced: list[datetime] = []
                for failures, n, when in feeds.all():  # one row per failure count: a handful
                    snap.feeds["failing" if failures else "ok"] += int(n)
                    if when is not None:
                        synced.append(when)
                oldest_sync = min(synced) if synced else None
                snap.oldest_sync_age = max(0.0, (now - oldest_sync).total_seconds()) if oldest_sync else 0.0
        except Exception as exc:  # noqa: BLE001 - a scrape never fails because the database does
            log.info("metrics: database gauges skipped (%s)", type(exc).__name__)
            snap.database_up = False
        snap.outages = self.db.outages
        self.snapshot = snap

    async def exposition(self) -> bytes:
        await self.refresh()
        return self.instruments.exposition()

    @property
    def content_type(self) -> str:
        return self.instruments.content_type


@dataclass(slots=True)
class _Snapshot:
    database_up: bool = True
    outages: int = 0
    outbox: dict[str, int] | None = None
    oldest_due_age: float | None = None
    rounds: dict[str, int] | None = None
    feeds: dict[str, int] | None = None
    oldest_sync_age: float | None = None


# ---- access -------------------------------------------------------------------------------------
#: Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever its socket says.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")


def proxied(headers: Mapping[str, str]) -> bool:
    """Whether a reverse proxy handed this request on (it carries one of PROXY_HEADERS)."""
    return any(name in headers for name in PROXY_HEADERS)


def allowed(token: str, authorization: str, remote: str | None, *, via_proxy: bool) -> bool:
    """With STEADYBOT_METRICS_TOKEN: that bearer token (constant-time compare). Without it: loopback clients
    only, and never a request a reverse proxy forwarded — behind the recommended proxy every request arrives
    from 127.0.0.1, so the socket alone cannot tell the host's own Prometheus from the internet."""
    if token:
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    if via_proxy:
        return False
    try:
        return remote is not None and ipaddress.ip_address(remote.split("%", 1)[0]).is_loopback
    except ValueError:
        return False
