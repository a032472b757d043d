"""What an operator gets for a start that cannot work: one line naming the setting to fix and exit code 2.

Before, `DATABASE_URL=mysql://…` or a URL with a typo printed a stack trace; an in-memory SQLite database
(`sqlite://`, `sqlite:///:memory:`) stopped `serve` with "the database … does not answer" and made `migrate`
report a schema that was gone as soon as it was written; a port already in use, or a HOST this machine does not
have, printed a stack trace; `SLACK_API_URL=slack.com/api` started a server whose every call to Slack failed;
and every start with SLACK_BOT_TOKEN logged Bolt's warning that the token "will be unused"."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from storage.rawdb import check_url

SECRET = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
COMMANDS = [["serve", "--port", "0"], ["migrate"], ["outbox"], ["forget", "U1"]]
IN_MEMORY = ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite:///:memory:",
             "sqlite:///file::memory:?cache=shared&uri=true", "sqlite:///file:shared?mode=memory&uri=true"]


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
         **env: str) -> tuple[int, str]:
    monkeypatch.setenv("STEADYBOT_SECRET", SECRET)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD",
                 "SLACK_API_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _one_line(said: str) -> str:
    lines = [line for line in said.splitlines() if line.strip()]
    assert len(lines) == 1, said
    assert "Traceback" not in said
    return lines[0]


# ---- DATABASE_URL ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
@pytest.mark.parametrize("url", IN_MEMORY)
def test_an_in_memory_sqlite_database_is_refused_with_what_to_use(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str],
        url: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, said = _run(monkeypatch, capsys, argv, DATABASE_URL=url)
    line = _one_line(said)
    assert code == 2
    assert "in-memory SQLite database" in line and "sqlite:///steadybot.db" in line
    assert list(tmp_path.iterdir()) == []  # refused before anything was created


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
@pytest.mark.parametrize(("url", "says"), [
    ("garbage", "could not parse DATABASE_URL"),
    ("steady:hunter2@db/steady", "could not parse DATABASE_URL"),
    ("mysql://steady:hunter2@db/steady", "unsupported DATABASE_URL scheme 'mysql'"),
    ("mongodb+srv://steady:hunter2@db/steady", "unsupported DATABASE_URL scheme 'mongodb+srv'"),
    ("ftp://db/steady", "unsupported DATABASE_URL scheme 'ftp'"),
])
def test_a_url_naming_no_supported_database_is_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], url: str,
        says: str) -> None:
    code, said = _run(monkeypatch, capsys, argv, DATABASE_URL=url)
    line = _one_line(said)
    assert code == 2 and says in line
    assert "postgresql://" in line and "sqlite:///" in line  # what to write instead
    assert "hunter2" not in said


@pytest.mark.parametrize("url", [
    "sqlite:///steadybot.db", "sqlite:////var/lib/steadybot/bot.db", "sqlite+aiosqlite:///x.db", "sqlite:///~/x.db",
    "sqlite:///file:bot.db?mode=rwc&uri=true", "sqlite:///file::memory:",  # without uri=true: a file of that name
    "sqlite:///memory.db", "sqlite:///data/:memory:", "sqlite:///x.db?timeout=20&check_same_thread=false",
    "sqlite:///x.db?cache=shared", "sqlite:///x.db?journal_mode=WAL", "sqlite:///x.db?mode=rwc",  # ignored, as before
    "postgresql://bot@db/steadybot", "postgres://bot:p%40ss@db:5432/x", " postgresql://bot@db/x ",
    "postgresql+asyncpg://bot@db/steadybot?sslmode=require", "postgresql:///steadybot?host=/var/run/postgresql",
    "postgresql://bot@[::1]:5432/steadybot", "postgresql://bot@/steadybot?host=h1:5432&host=h2:5433",
    "postgresql://bot@db/x?prepared_statement_cache_size=0&command_timeout=10",
    *(f"postgresql://bot@db/x?sslmode={mode}" for mode in ("disable", "allow", "prefer", "require", "verify-ca",
                                                             "verify-full")),
    "postgresql://bot@db/x?ssl=require&timeout=5&target_session_attrs=read-write",
    "postgresql://bot@db/x?timeout=5&timeout=10",  # read once each time: the connect timeout setting wins
    "postgresql://bot@db/x?command_timeout=2.5&gsslib=sspi&krbsrvname=postgres&passfile=/run/pgpass",
    *(f"postgresql://bot@db/x?target_session_attrs={attrs}" for attrs in ("any", "primary", "standby",
                                                                             "prefer-standby", "read-only"))])
def test_urls_of_a_file_or_a_server_pass(url: str) -> None:
    check_url(url)


@pytest.mark.parametrize(("url", "says"), [
    ("sqlite:///file:?uri=true", "in-memory SQLite database"),  # a temporary database
    ("sqlite:///file:/x?vfs=memdb&uri=true", "in-memory SQLite database"),
    ("sqlite:///file:%253Amemory%253A?uri=true", "in-memory SQLite database"),  # SQLite decodes the path again
    ("sqlite:///file:x%3Fmode%3Dmemory?uri=true", "in-memory SQLite database"),  # a `?` inside the name
    ("sqlite:///file:x%3Fvfs%3Dmemdb?uri=true", "in-memory SQLite database"),
    ("sqlite:///x.db?mode=memory", "in-memory SQLite database"),  # SQLAlchemy's own sign: a TypeError before
    ("sqlite:///x.db?uri=true&mode=memory", "in-memory SQLite database"),
    ("sqlite:///x.db?uri=maybe", "SQLite options take true/false"),
    ("sqlite:///x.db?timeout=soon", "SQLite options take true/false (uri, check_same_thread) or numbers"),
    ("sqlite://user:hunter2@host/x.db", "an SQLite DATABASE_URL names a file, not a server"),
    ("postgresql://u:hunter2@h:notaport/db", "port must be a number from 1 to 65535"),
    ("postgresql://u:hunter2@h1:5432,h2:5433/db", "port must be a number from 1 to 65535"),
    ("postgresql://u:hunter2@h:99999/db", "port must be a number from 1 to 65535"),
    ("postgresql://u:hunter2@h:/db", "port must be a number from 1 to 65535"),  # SQLAlchemy's int('')
    ("sqlite://:/x.db", "port must be a number from 1 to 65535"),
    ("sqlite://:5/x.db", "an SQLite DATABASE_URL names a file, not a server"),
    ("postgresql://u:hunter2@h/db?foo=bar", "options PostgreSQL's driver does not take (foo)"),
    ("postgresql://u:hunter2@h/db?statement_cache_size=0", "prepared_statement_cache_size=0"),  # a TypeError
    ("postgresql://u:hunter2@h/db?max_cacheable_statement_size=0", "option max_cacheable_statement_size cannot"),
    ("postgresql://u:hunter2@h/db?direct_tls=false", "option direct_tls cannot be given in the URL"),
    ("postgresql://u:hunter2@h/db?ssl=true", "sslmode must be one of disable, allow, prefer, require"),
    ("postgresql://u:hunter2@h/db?sslmode=on", "sslmode must be one of disable, allow, prefer, require"),
    # each of these was a stack trace, or "does not answer" while the server was up
    ("postgresql://u:hunter2@h/db?target_session_attrs=bogus", "target_session_attrs must be one of any, primary"),
    ("postgresql://u:hunter2@h/db?gsslib=kerberos", "gsslib must be one of gssapi, sspi"),
    ("postgresql://u:hunter2@h/db?command_timeout=abc", "command_timeout must be a number of seconds above 0"),
    ("postgresql://u:hunter2@h/db?command_timeout=-1", "command_timeout must be a number of seconds above 0"),
    ("postgresql://u:hunter2@h/db?command_timeout=nan", "command_timeout must be a number of seconds above 0"),
    ("postgresql://u:hunter2@h/db?prepared_statement_cache_size=abc", "prepared_statement_cache_size must be a"),
    ("postgresql://u:hunter2@h/db?prepared_statement_cache_size=-1", "prepared_statement_cache_size must be a"),
    ("postgresql://u:hunter2@h/db?prepared_statement_name_func=x", "option prepared_statement_name_func cannot"),
    ("postgresql://u:hunter2@h/db?loop=x", "option loop cannot be given in the URL"),
    ("postgresql://u:hunter2@h/db?dsn=x", "options PostgreSQL's driver does not take (dsn)"),
    ("postgresql://u:hunter2@h/db?sslmode=require&sslmode=disable", "gives the option sslmode more than once"),
    ("postgresql://u:hunter2@h/db?command_timeout=1&command_timeout=2", "option command_timeout more than once"),
    ("postgresql://u:hunter2@h/te%00st", "holds a NUL character (%00)"),
    ("postgresql://u:hunter2@h/db?application_name=a%00b", "holds a NUL character (%00)"),
    ("sqlite:///x%00y.db", "holds a NUL character (%00)"),
])
def test_urls_the_drivers_would_refuse_with_a_stack_trace_are_refused_in_words(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)) as caught:
        check_url(url)
    assert "hunter2" not in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("url", ["postgresql://u:hunter2@h/db?foo=bar", "sqlite:///x.db?uri=maybe",
                                 "postgresql://u:hunter2@h:notaport/db"])
def test_the_cli_refuses_them_in_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          url: str) -> None:
    code, said = _run(monkeypatch, capsys, ["migrate"], DATABASE_URL=url)
    assert code == 2 and _one_line(said).startswith("steadybot: ") and "hunter2" not in said


def test_the_demo_does_not_read_database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The demo keeps its own file (--db): a DATABASE_URL meant for the server does not stop it."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.db")],
                            input=":quit\n", capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:",
                                 "STEADYBOT_TZ": "Europe/Berlin"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "in-memory" not in result.stdout + result.stderr


# ---- where the server listens -----------------------------------------------------------------------------
@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        yield int(held.getsockname()[1])


def _serve_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "SLACK_BOT_TOKEN": "xoxb-start",
            "SLACK_SIGNING_SECRET": "signing", "SLACK_API_URL": "http://127.0.0.1:9/api/"}


def test_a_port_in_use_is_one_line_and_nothing_else(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     busy_port: int) -> None:
    code, said = _run(monkeypatch, capsys, ["serve", "--port", str(busy_port)], **_serve_env(tmp_path))
    line = _one_line(said)  # Bolt's "token will be unused" warning was a second line on every start
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{busy_port}: another program already listens on that port" in line
    assert "--port 0" in line
    assert "will be unused" not in said and "Unclosed" not in said


@pytest.mark.parametrize(("host", "says"), [
    ("steadybot.invalid", "the host name does not resolve"),  # RFC 6761: never resolves
    ("192.0.2.1", "this machine has no such address"),  # TEST-NET-1: no machine has it
    ("a..b", "that is not a valid host name"),  # IDNA's UnicodeError, a stack trace
    ("a" * 70, "that is not a valid host name"),  # a label longer than 63
])
def test_a_host_this_machine_cannot_listen_on_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                          host: str, says: str) -> None:
    code, said = _run(monkeypatch, capsys, ["serve", "--host", host, "--port", "0"], **_serve_env(tmp_path))
    line = _one_line(said)
    assert code == 2 and f"cannot listen on {host}:0: {says}" in line and "HOST or --host" in line


# ---- the platforms' addresses -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["SLACK_API_URL", "STEADYBOT_GRAPH_URL", "STEADYBOT_GRAPH_LOGIN_URL",
                                  "STEADYBOT_TEAMS_OPENID_METADATA_URL", "STEADYBOT_TEAMS_LOGIN_URL",
                                  "STEADYBOT_TEAMS_EMULATOR_OPENID_METADATA_URL", "STEADYBOT_PUBLIC_URL"])
@pytest.mark.parametrize("value", ["slack.com/api", "garbage", "ftp://example.com/", "https://", "http:///api/",
                                   "javascript:alert(1)", "https://" + "x" * 3000])
def test_a_platform_address_that_is_not_an_http_url_stops_the_start(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be an http\\(s\\) URL such as https://") as caught:
        Settings.from_env({name: value})
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300


@pytest.mark.parametrize(("value", "shown"), [
    ("https://steadybot:hunter2@proxy.corp:3128", None),  # fine: a proxy's credentials are the operator's business
    ("ftp://steadybot:hunter2@proxy.corp/api/", "not ftp://proxy.corp/…"),
    ("xoxb-1234-hunter2", "not a value that is not a URL"),  # a token in the wrong variable
    ("https://steadybot:hunter2@/api/", "not https:///…"),
])
def test_a_refused_address_is_not_repeated_with_its_secrets(value: str, shown: str | None) -> None:
    if shown is None:
        assert Settings.from_env({"SLACK_API_URL": value}).slack_api_url == value + "/"
        return
    with pytest.raises(ValueError) as caught:
        Settings.from_env({"SLACK_API_URL": value})
    assert str(caught.value).endswith(shown) and "hunter2" not in str(caught.value)


def test_platform_addresses_that_are_urls_are_kept() -> None:
    assert Settings.from_env({"SLACK_API_URL": "HTTPS://slack-gov.com/api/"}).slack_api_url == \
        "HTTPS://slack-gov.com/api/"  # a scheme in capitals is still http(s)
    settings = Settings.from_env({
        "SLACK_API_URL": "http://127.0.0.1:8123/api", "STEADYBOT_GRAPH_URL": "https://graph.microsoft.us/v1.0",
        "STEADYBOT_GRAPH_LOGIN_URL": "https://login.microsoftonline.us",
        "STEADYBOT_TEAMS_OPENID_METADATA_URL": "http://127.0.0.1:9/openid",
        "STEADYBOT_TEAMS_LOGIN_URL": "http://127.0.0.1:9/login"})
    assert settings.slack_api_url == "http://127.0.0.1:8123/api/"
    assert settings.graph_url == "https://graph.microsoft.us/v1.0/"
    assert settings.graph_login_url == "https://login.microsoftonline.us/"
    assert settings.teams_openid_metadata_url == "http://127.0.0.1:9/openid"
    assert settings.teams_login_url == "http://127.0.0.1:9/login"
    unset = Settings.from_env({})
    assert unset.graph_url == "https://graph.microsoft.com/v1.0/" and unset.teams_login_url == ""


def test_the_cli_names_a_bad_platform_address(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, said = _run(monkeypatch, capsys, ["serve", "--port", "0"],
                      **{**_serve_env(tmp_path), "SLACK_API_URL": "slack.com/api"})
    assert code == 2 and _one_line(said).startswith("steadybot: SLACK_API_URL must be an http(s) URL")
    assert not (tmp_path / "bot.db").exists()


# ---- the commands' own arguments ----------------------------------------------------------------------------
@pytest.mark.parametrize(("argv", "says"), [
    (["outbox", "--limit", "-5"], "argument --limit: must be a whole number from 1 to 10000, not -5"),
    (["outbox", "--limit", "0"], "argument --limit: must be a whole number from 1 to 10000, not 0"),
    (["outbox", "--limit", "99999999999999999999999"], "argument --limit: must be a whole number from 1 to 10000"),
    (["outbox", "--limit", "ten"], "argument --limit: 'ten' is not a whole number"),
    (["outbox", "--limit", "٣"], "argument --limit: '٣' is not a whole number"),
    (["outbox", "--retry-failed", "1", "999999999999999999999"],
     "argument --retry-failed: must be a whole number from 1 to 9223372036854775807"),
    (["outbox", "--retry-failed", "-1"], "argument --retry-failed: must be a whole number from 1"),
])
def test_outbox_numbers_out_of_range_are_a_usage_line(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      argv: list[str], says: str) -> None:
    """Before, a number too big for the database was an OverflowError's stack trace and a negative --limit
    listed nothing without a word."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    said = capsys.readouterr().err
    assert stopped.value.code == 2 and says in said and "Traceback" not in said
    assert not (tmp_path / "bot.db").exists()


def test_outbox_numbers_in_range_are_taken(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("STEADYBOT_SECRET", SECRET)
    assert main(["migrate"]) == 0
    assert main(["outbox", "--limit", "10000", "--retry-failed", "1", str(2**63 - 1)]) == 0
    said = capsys.readouterr().out
    assert "requeued 0 failed rows" in said and "the other ids given are not failed rows" in said
    assert main(["outbox", "--retry-failed"]) == 0  # all failed rows: none, and nothing to say about ids
    said = capsys.readouterr().out
    assert "requeued 0 failed rows" in said and "ids given" not in said


@pytest.mark.parametrize("user_id", ["\u202eU1", "U1\u200b", "U\x1b[2J1", "U1\x07", "\u2066U1\u2069"])
def test_forget_refuses_an_id_with_control_or_format_characters(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path, user_id: str) -> None:
    """The id is printed back ("nothing stored for …"): a right-to-left override or an escape sequence in it
    garbled the operator's terminal line."""
    code, said = _run(monkeypatch, capsys, ["forget", user_id], DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}")
    assert code == 2 and "give the person's user id" in said and user_id not in said


@pytest.mark.parametrize("kind", ["folder", "missing"])
def test_an_unreadable_key_file_is_not_blamed_on_the_database(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              kind: str) -> None:
    """STEADYBOT_SECRET=file:<a folder> said "the database … is an SQLite file that cannot be opened": the reason
    was read from the OSError the secret's own error had hidden (`raise … from None`)."""
    key = tmp_path / "key"
    if kind == "folder":
        key.mkdir()
    code, said = _run(monkeypatch, capsys, ["serve", "--port", "0"],
                      **{**_serve_env(tmp_path), "STEADYBOT_SECRET": f"file:{key}"})
    line = _one_line(said)
    assert code == 2 and f"steadybot cannot start: cannot read the key file {key}" in line
    assert "database" not in line
