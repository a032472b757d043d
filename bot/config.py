"""Configuration from the environment (the table in DESIGN.md), parsed once and passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, available_timezones

from handlers.core.services import CoreSettings

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
GRAPH_URL = "https://graph.microsoft.com/v1.0/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: The longest address setting taken (a URL this long is a mistake: a pasted page, two values run together).
MAX_URL = 2048
MAX_ZONE_NAME = 64  # what handlers.core.timeparse.zone() reads as a zone name at all


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _http_url(name: str, value: str, example: str) -> str:
    """`value` as given when it is empty or an http(s) URL with a host; otherwise ValueError naming the variable.
    Before, a mistyped address started a server whose every call to Slack, Graph or the Bot Framework then
    failed (`SLACK_API_URL=slack.com/api`). The message repeats the value only when it looks like a URL, and
    without its user and password (a proxy's); anything else may be a token set in the wrong variable."""
    scheme, found, rest = value.partition("://")
    host = rest.split("/", 1)[0].rpartition("@")[2].strip()
    if value and not (found and scheme.lower() in ("http", "https") and host and len(value) <= MAX_URL):
        shown = f"{scheme[:10]}://{host[:60]}" + ("/…" if "/" in rest else "") if found else "a value that is not a URL"
        raise ValueError(f"{name} must be an http(s) URL such as {example}, not {shown}")
    return value


def _public_url(value: str) -> str:
    return _http_url("STEADYBOT_PUBLIC_URL", value, "https://steadybot.example.com").rstrip("/")


def _zone_name(text: str) -> str:
    """STEADYBOT_TZ: an IANA zone name the core can load (handlers.core.timeparse.zone would fall back to UTC
    without a word), so a misspelling stops the start instead."""
    name = text or "UTC"
    try:
        if len(name) > MAX_ZONE_NAME:
            raise ValueError(name)
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # not found (a KeyError), a path, a directory, too long
        import difflib  # only for the error message: a start-up that succeeds does not import it

        known = sorted(available_timezones())
        close = ([z for z in known if z.lower() == name.lower().replace(" ", "_")]
                 or difflib.get_close_matches(name, known, n=1, cutoff=0.8))
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"STEADYBOT_TZ must be an IANA time zone name such as Europe/Berlin or America/New_York, "
                         f"not {text[:80]!r}{hint}") from None
    return name


def _log_level(text: str) -> str:
    level = (text or "INFO").upper()
    level = {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level)
    if level not in LOG_LEVELS:
        raise ValueError(f"STEADYBOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {text[:40]!r}")
    return level


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "sqlite:///steadybot.db"
    host: str = "127.0.0.1"
    port: int = 3000
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    teams_app_id: str = ""
    teams_app_password: str = ""
    teams_tenant_id: str = ""
    teams_app_type: str = "MultiTenant"
    insecure_dev: bool = False
    default_tz: str = "UTC"
    admins: frozenset[str] = field(default_factory=frozenset)
    log_level: str = "INFO"
    secret: str = ""  # STEADYBOT_SECRET: the secret itself, or file:<path>; see bot/secret.py
    public_url: str = ""  # STEADYBOT_PUBLIC_URL: the base URL people open report links at
    outbox_interval: float = 1.0
    # Advanced Bot Framework endpoints (sovereign clouds; tests point them at local fakes).
    teams_openid_metadata_url: str = ""
    teams_token_issuer: str = ""
    teams_login_url: str = ""
    teams_emulator_openid_metadata_url: str = ""  # Emulator tokens: only with insecure_dev (bot/teams/auth.py)
    # Reliability knobs (docs/operations.md).
    outbox_lease: float = 30.0  # seconds a claimed outbox row stays with its replica without a renewal
    slack_posts_per_minute: float = 300.0  # workspace-wide chat.postMessage pace; 0 = only per channel
    teams_max_in_flight: int = 4  # Teams sends at once per process (what a crash can double at most)
    # How long a slash command's acknowledgement waits for the command's answer, to carry it in its body
    # (past it the answer goes through response_url); 0 = never wait (docs/operations.md;
    # docs/benchmarks.md#ack-wait-under-a-burst-slack).
    slack_answer_in_ack: float = 0.060
    # Operations (docs/operations.md).
    metrics_token: str = ""  # STEADYBOT_METRICS_TOKEN: bearer token for GET /metrics; empty = loopback only
    log_format: str = "text"  # STEADYBOT_LOG_FORMAT: text | json
    graph_url: str = GRAPH_URL  # STEADYBOT_GRAPH_URL (sovereign clouds, tests)
    graph_login_url: str = ""  # STEADYBOT_GRAPH_LOGIN_URL: identity platform base for Graph tokens (bot/teams/graph.py)
    graph_owners: bool = True  # STEADYBOT_GRAPH_OWNERS=0: never ask Graph for team owners (admins only)
    slack_client_id: str = ""  # SLACK_CLIENT_ID + SLACK_CLIENT_SECRET: OAuth v2, many workspaces
    slack_client_secret: str = ""
    # Calendar feeds (docs/meetings.md).
    calendar_refresh: float = 600.0  # seconds between fetches of each calendar feed
    calendar_allow_private: bool = False  # feeds on loopback/private addresses (never link-local)
    # Retention (docs/operations.md, "Retention"): finished outbox rows; scope prompts and closed list items.
    outbox_retention_days: float = 30.0
    history_retention_days: float = 180.0
    # Seconds a new database connection may take before the request answers "try again" (docs/operations.md)
    db_connect_timeout: float = 3.0

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_oauth))

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces through OAuth v2 (bot/slack/oauth.py): a client id and secret and no bot token."""
        return bool(self.slack_client_id and self.slack_client_secret and not self.slack_bot_token)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id)

    @property
    def teams_accepts_traffic(self) -> bool:
        return self.teams_enabled or self.insecure_dev

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line."""
        return tuple(s for s in (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token,
                                 self.teams_app_password, self.secret, self.metrics_token,
                                 self.slack_client_secret) if s and len(s) >= 6)

    def core(self) -> CoreSettings:
        return CoreSettings(default_tz=self.default_tz, admins=self.admins, public_url=self.base_url)

    @property
    def base_url(self) -> str:
        """STEADYBOT_PUBLIC_URL without its trailing slash, or where `serve` listens (local use, the demo)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str, default: str = "") -> str:
            return env.get(name, default).strip()

        api_url = _http_url("SLACK_API_URL", get("SLACK_API_URL", DEFAULT_SLACK_API_URL) or DEFAULT_SLACK_API_URL,
                            DEFAULT_SLACK_API_URL)
        if not api_url.endswith("/"):
            api_url += "/"
        port_text = get("PORT", "3000") or "3000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"PORT must be a number from 1 to 65535, not {port_text!r}")

        def url(name: str, example: str) -> str:
            return _http_url(name, get(name), example)

        def number(name: str, default: float, low: float, high: float) -> float:
            text = get(name)
            try:
                value = float(text) if text else default
            except ValueError:
                value = float("nan")
            if not low <= value <= high:
                raise ValueError(f"{name} must be a number from {low:g} to {high:g}, not {text!r}")
            return value

        return Settings(
            database_url=get("DATABASE_URL") or "sqlite:///steadybot.db",
            host=get("HOST") or "127.0.0.1",
            port=int(port_text),
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=api_url,
            teams_app_id=get("MICROSOFT_APP_ID"),
            teams_app_password=get("MICROSOFT_APP_PASSWORD"),
            teams_tenant_id=get("MICROSOFT_APP_TENANT_ID"),
            teams_app_type=get("MICROSOFT_APP_TYPE") or "MultiTenant",
            insecure_dev=_flag(env.get("STEADYBOT_INSECURE_DEV")),
            default_tz=_zone_name(get("STEADYBOT_TZ")),
            admins=frozenset(a.strip() for a in get("STEADYBOT_ADMINS").split(",") if a.strip()),
            log_level=_log_level(get("STEADYBOT_LOG_LEVEL")),
            secret=get("STEADYBOT_SECRET"),
            public_url=_public_url(get("STEADYBOT_PUBLIC_URL")),
            teams_openid_metadata_url=url("STEADYBOT_TEAMS_OPENID_METADATA_URL",
                                          "https://login.botframework.com/v1/.well-known/openidconfiguration"),
            teams_token_issuer=get("STEADYBOT_TEAMS_TOKEN_ISSUER"),
            teams_login_url=url("STEADYBOT_TEAMS_LOGIN_URL", "https://login.microsoftonline.com"),
            teams_emulator_openid_metadata_url=url(
                "STEADYBOT_TEAMS_EMULATOR_OPENID_METADATA_URL",
                "https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration"),
            outbox_lease=number("STEADYBOT_OUTBOX_LEASE", 30.0, 1.0, 3600.0),
            slack_posts_per_minute=number("STEADYBOT_SLACK_POSTS_PER_MINUTE", 300.0, 0.0, 100_000.0),
            teams_max_in_flight=int(number("STEADYBOT_TEAMS_MAX_IN_FLIGHT", 4, 1, 64)),
            slack_answer_in_ack=number("STEADYBOT_SLACK_ANSWER_IN_ACK_MS", 60.0, 0.0, 2000.0) / 1000.0,
            metrics_token=get("STEADYBOT_METRICS_TOKEN"),
            log_format=_log_format(get("STEADYBOT_LOG_FORMAT")),
            graph_url=_slash(url("STEADYBOT_GRAPH_URL", GRAPH_URL)) or GRAPH_URL,
            graph_login_url=_slash(url("STEADYBOT_GRAPH_LOGIN_URL", "https://login.microsoftonline.com/")),
            graph_owners=get("STEADYBOT_GRAPH_OWNERS", "1").lower() not in {"0", "false", "no", "off"},
            slack_client_id=get("SLACK_CLIENT_ID"),
            slack_client_secret=get("SLACK_CLIENT_SECRET"),
            calendar_refresh=number("STEADYBOT_CALENDAR_REFRESH", 600.0, 60.0, 86_400.0),
            calendar_allow_private=_flag(env.get("STEADYBOT_CALENDAR_ALLOW_PRIVATE")),
            outbox_retention_days=number("STEADYBOT_OUTBOX_RETENTION_DAYS", 30.0, 1.0, 3650.0),
            # at least 13 weeks: reports look back 12 weeks
            history_retention_days=number("STEADYBOT_RETENTION_DAYS", 180.0, 91.0, 36500.0),
            db_connect_timeout=number("STEADYBOT_DB_CONNECT_TIMEOUT", 3.0, 0.5, 60.0),
        )


def _log_format(text: str) -> str:
    value = (text or "text").lower()
    if value not in {"text", "json"}:
        raise ValueError(f"STEADYBOT_LOG_FORMAT must be text or json, not {text!r}")
    return value


def _slash(url: str) -> str:
    return url if not url or url.endswith("/") else url + "/"
