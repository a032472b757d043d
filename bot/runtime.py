"""Builds the process: database, core, adapters, outbox worker and scheduler — all passed in, no globals."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiohttp

from bot.calendar.fetch import FeedFetcher
from bot.config import Settings
from bot.directory import Directories
from bot.metrics import Metrics
from bot.outbox.port import Outbox
from bot.outbox.ratelimit import RateLimiter
from bot.outbox.worker import OutboxWorker, PlatformSender
from bot.scheduler import Scheduler
from bot.sealing import PURPOSE as SEAL_PURPOSE
from bot.sealing import ActionSeal
from bot.secret import Secret, SecretError, load_secret
from handlers import build_registry
from handlers.core.clock import Clock, SystemClock
from handlers.core.dispatch import Core
from handlers.core.errors import StorageUnavailable
from handlers.core.registry import PeriodicTask, Registry
from handlers.core.services import Services
from handlers.core.types import Platform
from storage.crypto import KeyMismatch, Vault
from storage.db import Database
from storage.migrate import is_current, upgrade
from storage.store import Store

if TYPE_CHECKING:  # imported lazily at run time: a process without Slack or Teams never loads their SDKs
    from bot.slack.adapter import SlackAdapter
    from bot.teams.adapter import TeamsAdapter

log = logging.getLogger("steadybot")


@dataclass(slots=True)
class Runtime:
    settings: Settings
    clock: Clock
    db: Database
    store: Store
    registry: Registry
    core: Core
    services: Services
    outbox: Outbox
    worker: OutboxWorker
    scheduler: Scheduler
    directories: Directories
    senders: dict[Platform, PlatformSender]
    limiter: RateLimiter
    secret: Secret
    session: aiohttp.ClientSession | None = None
    slack: SlackAdapter | None = None
    teams: TeamsAdapter | None = None
    metrics: Metrics | None = None  # GET /metrics (bot/metrics.py): one registry per runtime

    async def close(self) -> None:
        self.scheduler.shutdown()
        if self.teams is not None:
            await self.teams.close()  # answered Teams activities finish their turns (bounded) while the DB is up
        if self.slack is not None:
            await self.slack.close()  # acknowledged Slack requests finish their work (bounded), likewise
        if self.session is not None:
            await self.session.close()
        for port in self.services.ports.values():  # calendar fetchers and the like hold their own sessions
            close = getattr(port, "close", None)
            if close is not None:
                await close()
        await self.db.dispose()


def answer_vault(secret: Secret) -> Vault:
    """The keys storage uses for answers awaiting their seal and for journals: derived from the secret, never
    stored (only the fingerprint is, to refuse a different secret at start-up)."""
    return Vault(secret.aead("answers"), secret.derive("journal"), secret.fingerprint())


def _housekeeping(store: Store, settings: Settings) -> list[PeriodicTask]:
    """Retention, hourly: docs/operations.md ("Retention") lists what goes when."""
    async def purge_inbound(_: Services) -> None:
        await store.inbound.purge(timedelta(days=2))  # Slack and Teams redeliver within minutes

    async def purge_outbox(_: Services) -> None:
        await store.outbox.purge(timedelta(days=settings.outbox_retention_days))

    async def purge_history(_: Services) -> None:
        await store.scope.prune(timedelta(days=settings.history_retention_days))

    return [PeriodicTask("purge-inbound", 3600, purge_inbound), PeriodicTask("purge-outbox", 3600, purge_outbox),
            PeriodicTask("purge-history", 3600, purge_history)]


async def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    teams_credentials: Any = None,
    worker_options: dict[str, Any] | None = None,
    slack_workspace_per_minute: float | None = None,  # None: settings.slack_posts_per_minute
    rng: random.Random | None = None,
    secret: Secret | None = None,
) -> Runtime:
    clock = clock or SystemClock()
    secret = secret or load_secret(settings.secret, settings.database_url)  # SecretError says what to set
    db = Database(settings.database_url)
    if migrate and not await is_current(db):
        await upgrade(settings.database_url)
    store = Store(db, clock, answer_vault(secret))
    try:
        await store.pulse.check_key()  # a different secret is refused here, before anything is written with it
        await store.pulse.encrypt_old_journals()
    except KeyMismatch as exc:
        await db.dispose()
        raise SecretError(str(exc)) from None
    except StorageUnavailable:
        if migrate:
            raise
        log.warning("database unreachable at start-up: the secret's fingerprint was not checked")
    registry = build_registry()
    directories = Directories()
    senders: dict[Platform, PlatformSender] = {}
    limiter = RateLimiter()
    outbox = Outbox(store.outbox, clock)
    services = Services(settings.core(), clock, store, outbox, directories, rng or random.SystemRandom(),
                        signer=secret.signer)
    services.ports["calendar"] = FeedFetcher(settings.calendar_refresh, settings.calendar_allow_private)
    if settings.teams_app_id and settings.teams_app_password:  # Microsoft 365 group calendars (Teams)
        from bot.teams.graph import GraphClient, login_url_for
        from bot.teams.graph_calendar import GraphGroupCalendar

        graph = GraphClient(settings.teams_app_id, settings.teams_app_password, graph_url=settings.graph_url,
                            login_url=login_url_for(settings.graph_login_url, settings.teams_login_url), timeout=20.0)
        services.ports["graph_calendar"] = GraphGroupCalendar(graph, settings.teams_tenant_id, settings.default_tz)
    core = Core(registry, services)
    # Sends in flight at once: fewer when the bot paces itself, fewer on PostgreSQL so replicas share a
    # fan-out (why, measured: docs/benchmarks.md#outbox-concurrency).
    unpaced = 32 if store.db.is_postgres else 64
    concurrency = 16 if settings.slack_posts_per_minute > 0 else unpaced
    options: dict[str, Any] = {"lease": timedelta(seconds=settings.outbox_lease), "concurrency": concurrency,
                               **(worker_options or {})}
    worker = OutboxWorker(store.outbox, core, senders, clock, **options)
    worker.senders = senders  # the same dict: the adapters (and the demo) add their senders below/later
    outbox.on_due_now = worker.kick
    scheduler = Scheduler(worker, registry.periodic + _housekeeping(store, settings), services, settings.outbox_interval)
    runtime = Runtime(settings, clock, db, store, registry, core, services, outbox, worker, scheduler, directories,
                      senders, limiter, secret)
    runtime.metrics = Metrics(db, clock)
    worker.on_outcome = runtime.metrics.outbox_outcome
    limiter.on_block = runtime.metrics.platform_429
    seal = ActionSeal(secret.signer(SEAL_PURPOSE))  # button values, card data, modal metadata
    if settings.slack_enabled:
        from bot.slack.adapter import SlackAdapter

        runtime.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        pace = settings.slack_posts_per_minute if slack_workspace_per_minute is None else slack_workspace_per_minute
        runtime.slack = SlackAdapter(settings, core, store, clock, runtime.session, limiter, pace, secret, seal=seal)
        directories.add(Platform.SLACK, runtime.slack.directory)
        senders[Platform.SLACK] = runtime.slack.sender
        from bot.slack.listeners.home import REFRESH_SECONDS

        scheduler.tasks.append(PeriodicTask("slack.home", REFRESH_SECONDS, runtime.slack.home.refresh))
    if settings.teams_accepts_traffic:
        from bot.teams.adapter import TeamsAdapter

        runtime.teams = TeamsAdapter(settings, core, store, limiter, teams_credentials, seal=seal)
        directories.add(Platform.TEAMS, runtime.teams.directory)
        senders[Platform.TEAMS] = runtime.teams.sender
    return runtime
