"""Configuration from the environment, and logs that never carry secrets."""

from __future__ import annotations

import io
import logging
from pathlib import Path

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


@pytest.mark.parametrize(("value", "hint"), [
    ("Europe/Berln", "did you mean Europe/Berlin?"), ("europe/berlin", "did you mean Europe/Berlin?"),
    ("America/New York", "did you mean America/New_York?"), ("Mars/Olympus", ""), ("Europe", ""),
    ("../../etc/passwd", ""), ("/etc/localtime", ""), ("Europe/" + "x" * 70, "")])
def test_a_misspelt_time_zone_is_a_clear_error_not_utc(value: str, hint: str) -> None:
    with pytest.raises(ValueError, match="STEADYBOT_TZ must be an IANA time zone name") as caught:
        Settings.from_env({"STEADYBOT_TZ": value})
    assert hint in str(caught.value) and "\n" not in str(caught.value)


def test_real_time_zones_are_kept() -> None:
    for name in ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Etc/GMT+5"):
        assert Settings.from_env({"STEADYBOT_TZ": f" {name} "}).default_tz == name
    assert Settings.from_env({"STEADYBOT_TZ": ""}).default_tz == "UTC"


@pytest.mark.parametrize("value", ["verbose", "10", "TRACE", "inf0"])
def test_an_unknown_log_level_is_a_clear_error_not_info(value: str) -> None:
    with pytest.raises(ValueError, match="STEADYBOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"):
        Settings.from_env({"STEADYBOT_LOG_LEVEL": value})


def test_log_levels_in_any_case() -> None:
    assert Settings.from_env({}).log_level == "INFO"
    assert [Settings.from_env({"STEADYBOT_LOG_LEVEL": v}).log_level for v in ("debug", "Warning", "warn", "ERROR")] \
        == ["DEBUG", "WARNING", "WARNING", "ERROR"]


@pytest.mark.parametrize(("name", "value", "says"), [
    ("STEADYBOT_TZ", "Europe/Berln", "steadybot: STEADYBOT_TZ must be an IANA time zone name"),
    ("STEADYBOT_LOG_LEVEL", "loud", "steadybot: STEADYBOT_LOG_LEVEL must be one of"),
])
def test_the_cli_stops_with_one_line_for_a_bad_zone_or_level(name: str, value: str, says: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv(name, value)
    for command in (["migrate"], ["serve"], ["demo"]):  # migrate first: an old build would go on serving
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith(says) and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.db").exists()  # stopped before anything was created


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


def test_the_database_connect_timeout_is_read_and_bounded() -> None:
    assert Settings.from_env({}).db_connect_timeout == 3.0
    assert Settings.from_env({"STEADYBOT_DB_CONNECT_TIMEOUT": "7.5"}).db_connect_timeout == 7.5
    for bad in ("0", "61", "soon", "nan"):
        with pytest.raises(ValueError, match="STEADYBOT_DB_CONNECT_TIMEOUT must be a number from 0.5 to 60"):
            Settings.from_env({"STEADYBOT_DB_CONNECT_TIMEOUT": bad})


async def test_the_runtime_connects_with_the_configured_timeout(tmp_path: Path) -> None:
    """The setting reaches the engine built on first use, not only the start's checks."""
    from dataclasses import replace

    from bot.runtime import build_runtime

    settings = replace(Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
                                          "STEADYBOT_SECRET": "x" * 40}), db_connect_timeout=9.0)
    runtime = await build_runtime(settings)
    try:
        assert runtime.handle.connect_timeout == 9.0
        assert runtime.db.connect_timeout == 9.0
    finally:
        await runtime.close()
