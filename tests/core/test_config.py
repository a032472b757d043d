"""Configuration from the environment, and logs that never carry secrets."""

from __future__ import annotations

import io
import logging

import pytest

from bot.config import DEFAULT_SLACK_API_URL, Settings
from bot.logs import setup_logging


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///steadybot.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 3000)
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert not settings.slack_enabled and not settings.teams_enabled and not settings.teams_accepts_traffic
    assert settings.default_tz == "UTC" and settings.admins == frozenset()


def test_everything_from_the_environment() -> None:
    settings = Settings.from_env({
        "DATABASE_URL": "postgresql://bot@db/steadybot", "PORT": "8080", "HOST": "0.0.0.0",
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": "http://127.0.0.1:9/api", "MICROSOFT_APP_ID": "app", "MICROSOFT_APP_PASSWORD": "pw",
        "MICROSOFT_APP_TENANT_ID": "t", "MICROSOFT_APP_TYPE": "SingleTenant", "STEADYBOT_TZ": "Europe/Berlin",
        "STEADYBOT_ADMINS": "U1, aad-2 ,,", "STEADYBOT_INSECURE_DEV": "1",
    })
    assert settings.slack_enabled and settings.teams_enabled and settings.insecure_dev
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.port == 8080 and settings.admins == frozenset({"U1", "aad-2"})
    assert settings.core().default_tz == "Europe/Berlin"


def test_insecure_dev_alone_accepts_teams() -> None:
    assert Settings.from_env({"STEADYBOT_INSECURE_DEV": "true"}).teams_accepts_traffic
    assert not Settings.from_env({"STEADYBOT_INSECURE_DEV": "0"}).teams_accepts_traffic


@pytest.mark.parametrize("port", ["0", "70000", "abc", "-1"])
def test_bad_port_is_a_clear_error(port: str) -> None:
    with pytest.raises(ValueError, match="PORT"):
        Settings.from_env({"PORT": port})


def test_secrets_never_reach_the_log() -> None:
    stream = io.StringIO()
    setup_logging("DEBUG", ["super-secret-signing", "teams-password-123"], stream=stream)
    log = logging.getLogger("steadybot.test")
    log.info("signing with %s", "super-secret-signing")
    log.warning("token xoxb-123456-abcdef leaked? Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig")
    try:
        raise RuntimeError("password teams-password-123 rejected")
    except RuntimeError:
        log.exception("failed")
    text = stream.getvalue()
    for secret in ("super-secret-signing", "teams-password-123", "xoxb-123456-abcdef", "eyJhbGciOiJSUzI1NiJ9"):
        assert secret not in text
    assert text.count("[redacted]") >= 4
