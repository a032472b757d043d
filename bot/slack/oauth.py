"""Slack OAuth v2 for many workspaces: Bolt's OAuth flow with an installation store and a state store in
the bot's own database, and a Web API client per workspace.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (and no SLACK_BOT_TOKEN) `GET /slack/install` sends the
installer to Slack's consent screen and `GET /slack/oauth_redirect` exchanges the code (`oauth.v2.access`)
and stores the installation. From then on every request from that workspace is authorised with its own
bot token (Bolt's installation-store authorize), and every outbox send and directory lookup for it uses
that token too (`WorkspaceClients`). Org-wide (Enterprise Grid) installations serve every workspace of
the organisation. `app_uninstalled` and `tokens_revoked` delete the installation, which stops its sends; for
an org-wide one they and `team_access_revoked` name the organisation's workspaces whose data goes
(bot/slack/workspaces.py).

- The stores are thin async classes over `storage.repos.installations.InstallationRepo` (the bot's engine,
  SQLite or PostgreSQL, so replicas share them); slack_sdk's own SQLAlchemy stores are synchronous.
- Tokens are sealed at rest: the installation is stored as AES-GCM ciphertext under a key derived from
  the server secret (purpose "slack-installations"), the row's ids bound in as associated data.
- A workspace's bot token is cached per process for `TOKEN_TTL` seconds of the bot's clock; an uninstall
  handled by this replica forgets it at once, other replicas within the TTL (and Slack refuses a revoked
  token meanwhile, which fails that send permanently).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import json
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox.errors import PermanentError
from bot.slack.payloads import workspace
from handlers.core.clock import Clock
from handlers.core.errors import StorageUnavailable

if TYPE_CHECKING:  # the repository (and the model it maps) is built by the store on first use (storage/store.py)
    from storage.repos.installations import InstallationRepo, StoredInstallation


class InstallationsStore(Protocol):
    """What holds the installations' repository (the store: built when first asked for, so OAuth mode starts
    without SQLAlchemy too; docs/benchmarks.md, "Cold start")."""

    @property
    def installations(self) -> InstallationRepo: ...

log = logging.getLogger("steadybot.slack.oauth")

#: The bot scopes the app asks for (the same as manifest.yml's oauth_config.scopes.bot).
BOT_SCOPES = ("app_mentions:read", "channels:history", "channels:read", "chat:write", "chat:write.public",
              "commands", "dnd:read", "groups:history", "groups:read", "im:history", "im:write", "users:read")
SEAL_PURPOSE = "slack-installations"
TOKEN_TTL = 30.0  # seconds a workspace's bot token is trusted without reading the store again
STATE_SECONDS = 600  # an OAuth state is good for ten minutes (Bolt's default)
#: Seconds Bolt's installation lookup before a request's ack may take (Slack allows the ack 3 s): past it, or with
#: the database down, the installation this process last read for the same key serves (`DatabaseInstallationStore`).
LOOKUP_BUDGET = 1.0
#: Seconds after a lookup failed during which a remembered one answers without trying the database (a request
#: makes two lookups: the workspace's, then the person's; both within Slack's 3 s).
LOOKUP_RETRY = 10.0
KNOWN_MAX = 10_000  # installations remembered for an outage (the oldest go first)

#: The workspace of the Slack request being handled (set by a Bolt middleware; copied into the work
#: started after the ack), for directory lookups that carry no workspace of their own.
CURRENT_TEAM: contextvars.ContextVar[str] = contextvars.ContextVar("steadybot_slack_team", default="")


class NotInstalled(PermanentError):
    """The workspace has no installation (never installed, or uninstalled): nothing is sent there. The
    outbox skips the row (`skip`): there is nothing an operator could fix and retry."""

    skip = True


# ---- sealing ----------------------------------------------------------------------------------------
class Sealer:
    def __init__(self, aead: AESGCM) -> None:
        self.aead = aead

    def seal(self, payload: dict[str, Any], ids: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self.aead.encrypt(nonce, json.dumps(payload, default=_plain).encode(), ids.encode())

    def open(self, sealed: bytes, ids: str) -> dict[str, Any] | None:
        try:
            data = self.aead.decrypt(sealed[:12], sealed[12:], ids.encode())
        except (InvalidTag, ValueError):
            log.warning("a stored Slack installation could not be opened (another server secret?): ignored")
            return None
        loaded = json.loads(data)
        return loaded if isinstance(loaded, dict) else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


def _ids(enterprise_id: str, team_id: str, user_id: str) -> str:
    return f"{enterprise_id}/{team_id}/{user_id}"


def _settled(keep: set[asyncio.Future[Any]]) -> Callable[[asyncio.Future[Any]], None]:
    """A done callback: drop the future from `keep` and read its outcome (so nothing is logged as never
    retrieved)."""

    def done(future: asyncio.Future[Any]) -> None:
        keep.discard(future)
        if not future.cancelled():
            future.exception()

    return done


# ---- the stores Bolt uses -----------------------------------------------------------------------------
class DatabaseInstallationStore(AsyncInstallationStore):
    """slack_sdk's AsyncInstallationStore on the bot's own database (sealed tokens)."""

    def __init__(self, store: InstallationsStore, sealer: Sealer, clock: Clock) -> None:
        self.store = store
        self.sealer = sealer
        self.clock = clock
        self.on_change: list[Any] = []  # callbacks(team_id) after a delete: WorkspaceClients.forget
        # What each lookup last found, by its arguments: used only when the database does not answer in time, so
        # a workspace this process served is still authorised (and told "try again") during an outage. Never
        # read while the database answers: an uninstall elsewhere takes effect at once. Cleared here on a save
        # or a delete; a delete by another replica is seen at the next lookup that reaches the database.
        self._known: dict[tuple[Any, ...], Any] = {}
        self._abandoned: set[asyncio.Future[Any]] = set()  # lookups given up on, until their cleanup ends
        self._failing_until = 0.0  # monotonic: until then a remembered lookup does not try the database

    @property
    def repo(self) -> InstallationRepo:
        return self.store.installations

    async def _looked_up(self, key: tuple[Any, ...], read: Callable[[], Awaitable[Any]]) -> Any:
        """`read()` within LOOKUP_BUDGET; when the database fails or is too slow, what the same lookup found
        last (StorageUnavailable when it never found anything)."""
        if key in self._known and time.monotonic() < self._failing_until:
            return self._known[key]
        try:
            found = await self._within_budget(read)
        except (StorageUnavailable, TimeoutError) as exc:
            self._failing_until = time.monotonic() + LOOKUP_RETRY
            if key in self._known:
                log.debug("installation lookup answered from memory: the database does not (%s)", type(exc).__name__)
                return self._known[key]
            raise StorageUnavailable("installation lookup") from exc
        self._known.pop(key, None)  # "nothing" is remembered too: a person's own installation, usually none
        if len(self._known) >= KNOWN_MAX:
            self._known.pop(next(iter(self._known)))
        self._known[key] = found
        return found

    async def _within_budget(self, read: Callable[[], Awaitable[Any]]) -> Any:
        """`read()`, or TimeoutError after LOOKUP_BUDGET. Not waited for past it: a connection that hangs is
        cleaned up by the cancelled task in the background (a rollback on it can wait for the statement timeout),
        not on the request's time."""
        task = asyncio.ensure_future(read())
        done, _ = await asyncio.wait({task}, timeout=LOOKUP_BUDGET)
        if not done:
            task.cancel()
            self._abandoned.add(task)
            task.add_done_callback(_settled(self._abandoned))
            raise TimeoutError
        return task.result()

    def forget_all(self) -> None:
        """Drop what the lookups remembered (a save, a delete, a token revoked)."""
        self._known.clear()

    @property
    def logger(self) -> logging.Logger:
        return log

    @staticmethod
    def _key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> tuple[str, str]:
        if is_enterprise_install:
            return enterprise_id or "", ""
        return enterprise_id or "", team_id or ""

    async def async_save(self, installation: Installation) -> None:
        self.forget_all()
        enterprise, team = self._key(installation.enterprise_id, installation.team_id,
                                     installation.is_enterprise_install)
        user = installation.user_id or ""
        payload = {"kind": "installation", "data": installation.to_dict_for_copying()}
        has_bot = bool(installation.bot_token)
        # sealed twice: the installer's row and the workspace's latest are bound to their own ids
        for who in dict.fromkeys((user, "")):
            await self.repo.save(enterprise_id=enterprise, team_id=team, user_id=who,
                                 is_enterprise_install=bool(installation.is_enterprise_install), has_bot=has_bot,
                                 sealed=self.sealer.seal(payload, _ids(enterprise, team, who)),
                                 installed_at=self.clock.now())
        log.info("Slack installation stored (%s%s)", "org-wide " if installation.is_enterprise_install else "",
                 "with a bot" if has_bot else "user token only")

    async def async_save_bot(self, bot: Bot) -> None:
        self.forget_all()
        enterprise, team = self._key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        await self.repo.save(enterprise_id=enterprise, team_id=team, user_id="",
                             is_enterprise_install=bool(bot.is_enterprise_install), has_bot=True,
                             sealed=self.sealer.seal({"kind": "bot", "data": bot.to_dict_for_copying()},
                                                     _ids(enterprise, team, "")),
                             installed_at=self.clock.now())

    def _installation(self, stored: StoredInstallation) -> Installation | None:
        opened = self.sealer.open(stored.sealed, _ids(stored.enterprise_id, stored.team_id, stored.user_id))
        if not opened:
            return None
        data = dict(opened.get("data") or {})
        if opened.get("kind") == "bot":
            if not stored.has_bot:
                return None
            data.setdefault("user_id", "")
            data.pop("bot_scopes", None)
            bot = Bot(**{k: v for k, v in data.items() if k != "custom_values"})
            return Installation(app_id=bot.app_id, enterprise_id=bot.enterprise_id, team_id=bot.team_id,
                                bot_token=bot.bot_token, bot_id=bot.bot_id, bot_user_id=bot.bot_user_id,
                                user_id="", is_enterprise_install=bot.is_enterprise_install,
                                installed_at=bot.installed_at)
        if not stored.has_bot:  # tokens_revoked took the bot away: its old token must not be used
            for key in ("bot_token", "bot_id", "bot_user_id", "bot_refresh_token", "bot_token_expires_at"):
                data[key] = None
            data["bot_scopes"] = ""
        return Installation(**data)

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        found = await self._looked_up(
            ("installation", enterprise_id, team_id, user_id, bool(is_enterprise_install)),
            lambda: self._find_installation(enterprise_id, team_id, user_id, is_enterprise_install))
        return copy.copy(found) if found is not None else None  # Bolt may set fields on what it gets

    async def _find_installation(self, enterprise_id: str | None, team_id: str | None, user_id: str | None,
                                 is_enterprise_install: bool | None) -> Installation | None:
        enterprise, team = self._key(enterprise_id, team_id, is_enterprise_install)
        stored = await self.repo.find(enterprise_id=enterprise, team_id=team, user_id=user_id or "")
        if stored is None and not is_enterprise_install and enterprise:
            stored = await self.repo.find(enterprise_id=enterprise, team_id="", user_id=user_id or "")  # org-wide
        if stored is None:
            return None
        found = self._installation(stored)
        if found is not None and user_id:  # the installer's own row, with the workspace's latest bot
            latest = await self.repo.find(enterprise_id=stored.enterprise_id, team_id=stored.team_id)
            bot = self._installation(latest) if latest else None
            if bot is not None and bot.bot_token:
                found.bot_token, found.bot_id, found.bot_user_id = bot.bot_token, bot.bot_id, bot.bot_user_id
        return found

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        found = await self._looked_up(("bot", enterprise_id, team_id, bool(is_enterprise_install)),
                                      lambda: self._find_bot(enterprise_id, team_id, is_enterprise_install))
        return copy.copy(found) if found is not None else None

    async def _find_bot(self, enterprise_id: str | None, team_id: str | None,
                        is_enterprise_install: bool | None) -> Bot | None:
        enterprise, team = self._key(enterprise_id, team_id, is_enterprise_install)
        stored = await self.repo.find(enterprise_id=enterprise, team_id=team, bot_only=True)
        if stored is None and not is_enterprise_install and enterprise:
            stored = await self.repo.find(enterprise_id=enterprise, team_id="", bot_only=True)
        found = self._installation(stored) if stored else None
        return found.to_bot() if found is not None and found.bot_token else None

    async def bot_token_for_team(self, team_id: str) -> str | None:
        """The bot token serving a workspace (its own installation or its organisation's), or None."""
        stored = await self.repo.find_for_team(team_id)
        found = self._installation(stored) if stored else None
        return found.bot_token if found is not None and found.bot_token else None

    async def installed_at(self, *, enterprise_id: str, team_id: str) -> float | None:
        """When the newest installation of a workspace or an organisation (`team_id` ""; the rows:
        `InstallationRepo.serving`) was made: Bolt's `installed_at` (epoch seconds, set when its OAuth exchange
        completed) as sealed in it; None without one."""
        newest: float | None = None
        for stored in await self.repo.serving(enterprise_id=enterprise_id, team_id=team_id):
            found = self._installation(stored)
            at = found.installed_at if found is not None else None
            if isinstance(at, int | float) and (newest is None or at > newest):
                newest = float(at)
        return newest

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.repo.drop_bot(enterprise_id=enterprise_id or "", team_id=team_id or "")
        self.changed(team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await self.repo.delete(enterprise_id=enterprise_id or "", team_id=team_id or "", user_id=user_id)
        self.changed(team_id)

    def changed(self, team_id: str | None) -> None:
        """Forget cached tokens: the workspace's (every workspace's for None, an organisation's key)."""
        self.forget_all()
        for callback in self.on_change:
            callback(team_id or "")


class DatabaseStateStore(AsyncOAuthStateStore):
    """OAuth `state` values in the database: issued by one replica, consumed once by any."""

    def __init__(self, store: InstallationsStore, clock: Clock, expiration_seconds: int = STATE_SECONDS) -> None:
        self.store = store
        self.clock = clock
        self.expiration_seconds = expiration_seconds

    @property
    def repo(self) -> InstallationRepo:
        return self.store.installations

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        await self.repo.issue_state(state, self.clock.now() + timedelta(seconds=self.expiration_seconds))
        return state

    async def async_consume(self, state: str) -> bool:
        return bool(state) and await self.repo.consume_state(state)


# ---- a Web API client per workspace -----------------------------------------------------------------------
class WorkspaceClients:
    """The Web API client for a workspace. Single-token mode: always the one client. OAuth mode: a client
    with the workspace's bot token (its own installation, or its organisation's), or NotInstalled."""

    def __init__(self, template: AsyncWebClient, store: DatabaseInstallationStore | None, clock: Clock,
                 **overrides: Any) -> None:
        self.template = template
        self.store = store
        self.clock = clock
        self.overrides = overrides
        self._single = _copy(template, template.token, overrides) if overrides else template
        self._tokens: dict[str, tuple[datetime, str | None]] = {}
        self._clients: dict[str, AsyncWebClient] = {}

    @property
    def multi(self) -> bool:
        return self.store is not None

    def forget(self, team_id: str = "") -> None:
        if team_id:
            self._tokens.pop(team_id, None)
        else:
            self._tokens.clear()

    async def for_team(self, team_id: str) -> AsyncWebClient:
        if self.store is None:
            return self._single
        if not team_id:
            raise NotInstalled("no Slack workspace known for this message")
        now = self.clock.now()
        cached = self._tokens.get(team_id)
        if cached is None or cached[0] <= now:
            token = await self.store.bot_token_for_team(team_id)
            self._tokens[team_id] = (now + timedelta(seconds=TOKEN_TTL), token)
        else:
            token = cached[1]
        if not token:
            raise NotInstalled(f"steadybot is not installed in Slack workspace {team_id}")
        client = self._clients.get(token)
        if client is None:
            if len(self._clients) > 10_000:
                self._clients.clear()
            client = self._clients[token] = _copy(self.template, token, self.overrides)
        return client


def _copy(template: AsyncWebClient, token: str | None, overrides: dict[str, Any]) -> AsyncWebClient:
    options: dict[str, Any] = {"token": token, "base_url": template.base_url, "timeout": template.timeout,
                               "session": template.session, "logger": template.logger,
                               "retry_handlers": template.retry_handlers, **overrides}
    return AsyncWebClient(**options)


# ---- wiring ---------------------------------------------------------------------------------------
class SlackOAuth:
    """Everything OAuth mode adds to the Slack adapter."""

    def __init__(self, settings: Any, store: InstallationsStore, aead: AESGCM, clock: Clock) -> None:
        self.store = store
        self.installations = DatabaseInstallationStore(store, Sealer(aead), clock)
        self.states = DatabaseStateStore(store, clock)
        self.settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
            install_page_rendering_enabled=False,  # /slack/install goes straight to Slack's consent screen
            installation_store=self.installations,
            installation_store_bot_only=False,
            state_store=self.states,
            state_expiration_seconds=STATE_SECONDS,
            logger=logging.getLogger("steadybot.slack.bolt"),
        )
        self._teams_seen: set[str] = set()
        self.clients: list[WorkspaceClients] = []

    @property
    def repo(self) -> InstallationRepo:
        return self.store.installations

    def track(self, clients: WorkspaceClients) -> WorkspaceClients:
        self.clients.append(clients)
        self.installations.on_change.append(clients.forget)
        return clients

    def register(self, app: AsyncApp) -> None:
        """The middleware noting each request's workspace, before the feature middleware and listeners."""
        app.use(self.note_workspace)

    async def note_workspace(self, context: AsyncBoltContext, next_: Callable[[], Awaitable[Any]]) -> Any:
        """Bolt global middleware: the request's workspace (for lookups that carry none, `CURRENT_TEAM`,
        copied into the work after the ack) and its organisation, noted once per workspace. An org-wide app's
        `team: null` press may leave Bolt only the organisation's `E…` id: that names no workspace."""
        team = workspace(context.team_id)
        CURRENT_TEAM.set(team)
        if team and context.enterprise_id and team not in self._teams_seen:
            try:
                await self.repo.remember_team(team, context.enterprise_id)
                self._teams_seen.add(team)
            except Exception as exc:  # noqa: BLE001 - a missed note is retried on the next request
                log.info("could not note the workspace's organisation (%s)", type(exc).__name__)
        return await next_()

    async def uninstalled(self, body: dict[str, Any], context: AsyncBoltContext) -> Leaving:
        """`app_uninstalled`: the installation (its tokens) is deleted, which stops its sends. Returns the
        workspaces whose data goes: the workspace; for an organisation-wide installation every workspace of
        the organisation we know (none for an organisation we never served), whose own installations within
        the organisation go too — Slack removes the app from the whole organisation."""
        enterprise, team = _body_ids(body, context)
        if team:
            await self.installations.async_delete_all(enterprise_id=enterprise, team_id=team)
            log.info("Slack app uninstalled from a workspace: its installation is deleted and its sends stop")
            return Leaving((team,))
        teams = await self.repo.organisation_teams(enterprise)  # before the installations that name some go
        fresh = await self._installed_since(body, enterprise, teams)
        teams = [each for each in teams if each not in fresh]
        if enterprise:
            await self.installations.async_delete_all(enterprise_id=enterprise, team_id=None)  # Bolt's org key
            for each in teams:
                await self.installations.async_delete_all(enterprise_id=enterprise, team_id=each)
        log.info("Slack app uninstalled from an organisation: its installations are deleted and its sends stop "
                 "(%d workspaces)", len(teams))
        return Leaving(tuple(teams), enterprise)

    async def revoked(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> Leaving:
        """`tokens_revoked`: the revoked tokens are deleted. Returns the workspaces the revoked bot served:
        the workspace, or for an organisation-wide installation the organisation's workspaces without a bot
        of their own (none when only user tokens went)."""
        enterprise, team = _body_ids(body, context)
        tokens = event.get("tokens") or {}
        leaving = Leaving((team,)) if team else Leaving(
            tuple(await self.repo.organisation_teams(enterprise, served_by_org=True)) if tokens.get("bot") else (),
            enterprise)
        if tokens.get("bot"):
            await self.installations.async_delete_bot(enterprise_id=enterprise, team_id=team or None)
        for user_id in tokens.get("oauth") or []:
            if isinstance(user_id, str) and user_id:
                await self.installations.async_delete_installation(enterprise_id=enterprise, team_id=team or None,
                                                                   user_id=user_id)
        log.info("Slack tokens revoked (%s bot, %d user)", "with the" if tokens.get("bot") else "not the",
                 len(tokens.get("oauth") or []))
        return leaving

    async def access_revoked(self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> Leaving:
        """`team_access_revoked`: the organisation-wide installation no longer reaches the listed workspaces
        (the app was removed from them). Returns those that are the organisation's and that its installation
        served; a workspace of another organisation, or installed on its own, is never among them."""
        enterprise = str(context.enterprise_id or body.get("enterprise_id") or "")
        listed = {t for t in event.get("team_ids") or [] if isinstance(t, str)}
        teams = [t for t in await self.repo.organisation_teams(enterprise, served_by_org=True) if t in listed]
        log.info("Slack app removed from %d of the organisation's workspaces (%d listed)", len(teams), len(listed))
        return Leaving(tuple(teams), enterprise)

    async def installed_after(self, body: dict[str, Any], context: AsyncBoltContext) -> float | None:
        """An uninstall event (`app_uninstalled`, `tokens_revoked`, `team_access_revoked`) made stale by a later
        installation: that installation's `installed_at` if the event's workspace (its own installation or its
        organisation's org-wide one) or organisation (its org-wide installation or any of its workspaces' own)
        was installed again in a later second than the event's `event_time`; else None, also for an event
        without an `event_time`. `event_time` is whole seconds: an installation in the same second counts as
        older (an uninstall, then a whole OAuth round trip, within one second does not happen)."""
        second = _event_second(body)
        if second is None:
            return None
        enterprise, team = _body_ids(body, context)
        installed = await self.installations.installed_at(enterprise_id=enterprise, team_id=team)
        return installed if installed is not None and installed >= second + 1 else None

    async def _installed_since(self, body: dict[str, Any], enterprise: str, teams: list[str]) -> set[str]:
        """The organisation's workspaces installed on their own after the event (`event_time`, whole seconds, as
        `installed_after` reads it): an organisation-wide uninstall retried or redelivered after that leaves
        them, their installations and their data alone."""
        second = _event_second(body)
        if second is None:
            return set()
        fresh = set()
        for team in teams:
            installed = await self.installations.installed_at(enterprise_id=enterprise, team_id=team)
            if installed is not None and installed >= second + 1:
                fresh.add(team)
        return fresh

    async def forget_teams(self, leaving: Leaving) -> None:
        """After their data: the organisation's workspaces that left are no longer served by its token."""
        if leaving.organisation and leaving.teams:
            await self.repo.forget_teams(leaving.organisation, list(leaving.teams))
            for team in leaving.teams:
                self.installations.changed(team)


@dataclass(frozen=True, slots=True)
class Leaving:
    """The workspaces the app left, and the organisation whose record of them goes once their data went."""

    teams: tuple[str, ...]
    organisation: str = ""


def _event_second(body: dict[str, Any]) -> int | None:
    """The event's `event_time` (whole seconds), None when it has none."""
    event_time = body.get("event_time")
    return None if not isinstance(event_time, int | float) or isinstance(event_time, bool) else int(event_time)


def _body_ids(body: dict[str, Any], context: AsyncBoltContext) -> tuple[str, str]:
    """An org-wide installation is keyed by its organisation alone."""
    enterprise = str(context.enterprise_id or body.get("enterprise_id") or "")
    if body.get("is_enterprise_install") or context.is_enterprise_install:
        return enterprise, ""
    return enterprise, str(context.team_id or body.get("team_id") or "")


def is_oauth(settings: Any) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret and not settings.slack_bot_token)

