"""Builds the process: database, core, adapters, outbox worker and scheduler — all passed in, no globals."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import aiohttp

from bot import platforms
from bot.adapter import Adapter, AdapterFactory, Wiring
from bot.calendar.deferred import DeferredFetcher
from bot.config import Settings
from bot.directory import Directories
from bot.inbound import SHUTDOWN_GRACE, AfterAck, Pipeline
from bot.metrics import Metrics, turn_finished
from bot.outbox.port import Outbox
from bot.outbox.ratelimit import RateLimiter
from bot.outbox.worker import OutboxWorker
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
from storage.handle import DatabaseHandle
from storage.startcheck import check_key, has_plain_journals, is_current
from storage.store import Store

if TYPE_CHECKING:  # imported lazily at run time: a process without Slack or Teams never loads their SDKs
    from bot.slack.adapter import SlackAdapter
    from bot.teams.adapter import TeamsAdapter
    from storage.db import Database

log = logging.getLogger("steadybot")


@dataclass(slots=True)
class Runtime:
    settings: Settings
    clock: Clock
    handle: DatabaseHandle  # the database, its engine built on first use (storage/handle.py)
    store: Store
    registry: Registry
    core: Core
    services: Services
    outbox: Outbox
    worker: OutboxWorker
    scheduler: Scheduler
    directories: Directories
    limiter: RateLimiter
    secret: Secret
    lane: AfterAck
    pipeline: Pipeline
    seal: ActionSeal
    adapters: dict[Platform, Adapter] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None
    metrics: Metrics | None = None  # GET /metrics (bot/metrics.py): one registry per runtime

    @property
    def db(self) -> Database:
        """The database (building its engine if nothing has yet)."""
        return self.handle.get()

    @property
    def slack(self) -> SlackAdapter | None:
        return cast("SlackAdapter | None", self.adapters.get(Platform.SLACK))

    @property
    def teams(self) -> TeamsAdapter | None:
        return cast("TeamsAdapter | None", self.adapters.get(Platform.TEAMS))

    def add(self, adapter: Adapter) -> None:
        """Serve one more platform: its directory answers the core, its sender the outbox, its periodic work runs."""
        self.adapters[adapter.platform] = adapter
        self.directories.add(adapter.platform, adapter.directory)
        self.worker.senders[adapter.platform] = adapter.sender
        self.scheduler.tasks.extend(adapter.periodic())

    def warm_up(self) -> None:
        """Build the database engine and the repositories every process uses (importing SQLAlchemy and the core
        tables), as their first use would. `serve` runs this in a worker thread once it is listening, so neither
        its first request nor its outbox's first tick stops the event loop for it (docs/benchmarks.md, "Cold
        start"); a request that needs one meanwhile waits for that one (storage/store.py builds each once)."""
        store = self.store
        names = ["inbound", "identities", "conversations", "outbox"]
        if self.settings.slack_enabled and self.settings.slack_oauth:
            names.append("installations")  # every Slack request's workspace token is read through it
        for name in names:
            getattr(store, name)

    def http_session(self) -> aiohttp.ClientSession:
        """The one outgoing HTTP session adapters share (created on first use, closed with the runtime)."""
        if self.session is None:
            # No cookie jar: the platforms' APIs authenticate by token, and a cookie one answer set (one workspace's
            # API call, a response_url, a proxy) must never ride along on a request for another
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20),
                                                 cookie_jar=aiohttp.DummyCookieJar())
        return self.session

    async def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        await self.scheduler.stop()
        await self.lane.close(grace)  # acknowledged requests finish their work (bounded) while the DB is up
        await self.worker.close()  # a drain started by an enqueue ends before the last sent marks are flushed
        for adapter in self.adapters.values():
            await adapter.close()
        if self.session is not None:
            await self.session.close()
        for port in self.services.ports.values():  # calendar fetchers and the like hold their own sessions
            close = getattr(port, "close", None)
            if close is not None:
                await close()
        await self.store.close()
        await self.handle.dispose()


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
    adapters: Sequence[AdapterFactory] | None = None,
    adapter_options: dict[str, Any] | None = None,
    worker_options: dict[str, Any] | None = None,
    rng: random.Random | None = None,
    secret: Secret | None = None,
    ports: Mapping[str, object] | None = None,
    kick_outbox: bool = True,
) -> Runtime:
    """Everything the process needs, passed in. `adapters`: the platforms to serve (None: those the settings
    turn on, bot/platforms.py); `adapter_options` reach every adapter through `Wiring.options`. `ports`: the
    core's ports by name, over the defaults (the demo's bundled example calendar). `kick_outbox=False`: a row
    due now waits for the next tick or an explicit `worker.drain()` (the demo drains in order with its output)."""
    clock = clock or SystemClock()
    secret = secret or load_secret(settings.secret, settings.database_url)  # SecretError says what to set
    # The start's checks use the driver itself; SQLAlchemy's engine is built by the first request, the outbox's
    # first tick or a scrape, whichever comes first (storage/handle.py; docs/benchmarks.md, "Cold start").
    handle = DatabaseHandle(settings.database_url, secrets=settings.secrets(),
                            connect_timeout=settings.db_connect_timeout)
    if migrate and not await is_current(settings.database_url, connect_timeout=settings.db_connect_timeout):
        from storage.migrate import upgrade

        await upgrade(settings.database_url, settings.db_connect_timeout)
    vault = answer_vault(secret)
    store = Store(handle, clock, vault)
    try:
        # a different secret is refused here, before anything is written with it
        await check_key(settings.database_url, vault.fingerprint, connect_timeout=settings.db_connect_timeout)
        if await has_plain_journals(settings.database_url, connect_timeout=settings.db_connect_timeout):
            await store.pulse.encrypt_old_journals()
    except KeyMismatch as exc:
        await handle.dispose()
        raise SecretError(str(exc)) from None
    except StorageUnavailable:
        if migrate:
            raise
        log.warning("database unreachable at start-up: the secret's fingerprint was not checked")
    registry = build_registry()
    directories = Directories()
    limiter = RateLimiter()
    outbox = Outbox(store, clock)
    rng = rng or random.SystemRandom()
    services = Services(settings.core(), clock, store, outbox, directories, rng, signer=secret.signer)
    services.ports.update(ports or {})
    if "calendar" not in services.ports:
        services.ports["calendar"] = DeferredFetcher(settings.calendar_refresh, settings.calendar_allow_private)
    core = Core(registry, services)
    # Sends in flight at once: fewer when the bot paces itself, fewer on PostgreSQL so replicas share a
    # fan-out (why, measured: docs/benchmarks.md#outbox-concurrency).
    unpaced = 32 if handle.is_postgres else 64
    concurrency = 16 if settings.slack_posts_per_minute > 0 else unpaced
    options: dict[str, Any] = {"lease": timedelta(seconds=settings.outbox_lease), "concurrency": concurrency,
                               **(worker_options or {})}
    worker = OutboxWorker(store, core, {}, clock, **options)
    outbox.on_due_now = worker.kick if kick_outbox else None
    scheduler = Scheduler(worker, registry.periodic + _housekeeping(store, settings), services, settings.outbox_interval)
    lane = AfterAck(on_done=turn_finished)
    seal = ActionSeal(secret.signer(SEAL_PURPOSE))  # button values, card data, modal metadata
    pipeline = Pipeline(core, store, clock, lane, seal)
    runtime = Runtime(settings, clock, handle, store, registry, core, services, outbox, worker, scheduler, directories,
                      limiter, secret, lane, pipeline, seal)
    runtime.metrics = Metrics(handle, clock)
    worker.on_outcome = runtime.metrics.outbox_outcome
    limiter.on_block = runtime.metrics.platform_429
    wiring = Wiring(settings, clock, store, core, pipeline, lane, limiter, secret, seal, rng, runtime.http_session,
                    dict(adapter_options or {}))
    for factory in (platforms.enabled(settings) if adapters is None else adapters):
        runtime.add(factory(wiring))
    return runtime
