"""`steadybot serve | migrate | outbox | forget` against a database it cannot reach — a wrong DATABASE_URL, a
database not up yet, a network that swallows the connection — say so in one line (the URL without its
password, and why) and exit 2, within the connect timeout; before, each printed a stack trace, and `migrate`
waited asyncpg's own minute first."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main

SECRET = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
COMMANDS = [["serve", "--port", "0"], ["migrate"], ["outbox"], ["forget", "U1"]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (a partitioned network, a stuck proxy)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
         argv: list[str]) -> tuple[int, str, float]:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STEADYBOT_SECRET", SECRET)
    monkeypatch.setenv("STEADYBOT_DB_CONNECT_TIMEOUT", "1")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    started = time.monotonic()
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err, time.monotonic() - started


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
def test_a_refused_connection_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          argv: list[str]) -> None:
    url = f"postgresql://steady:hunter2@127.0.0.1:{_free_port()}/steady"
    code, said, _ = _run(monkeypatch, capsys, url, argv)
    assert code == 2, said
    assert "Traceback" not in said and "hunter2" not in said
    assert f"steadybot {argv[0]}: the database at postgresql://steady:***@127.0.0.1:" in said
    assert "refused the connection" in said


@pytest.mark.parametrize("argv", COMMANDS[:3], ids=lambda a: a[0])
def test_a_database_that_never_answers_is_given_up_on_within_the_connect_timeout(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], silent_server: int,
        argv: list[str]) -> None:
    code, said, seconds = _run(monkeypatch, capsys, f"postgresql://steady@127.0.0.1:{silent_server}/steady", argv)
    assert code == 2 and "Traceback" not in said, said
    assert "did not answer within 1 s (STEADYBOT_DB_CONNECT_TIMEOUT)" in said
    assert seconds < 10, seconds  # `migrate` alone waited asyncpg's 60 s before


def test_an_unknown_host_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, said, _ = _run(monkeypatch, capsys, "postgresql://steady@no-such-host.invalid:5432/steady", ["migrate"])
    assert code == 2 and "Traceback" not in said, said
    assert "has a host name that does not resolve" in said


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
def test_a_verified_tls_mode_without_its_root_certificate_says_where_to_put_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        argv: list[str]) -> None:
    """asyncpg refuses sslmode=verify-ca/verify-full before it connects when it finds no root certificate; that
    read "does not answer", as if the server were down."""
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.postgresql/root.crt
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    url = f"postgresql://steady:hunter2@127.0.0.1:{_free_port()}/steady?sslmode=verify-full"
    code, said, _ = _run(monkeypatch, capsys, url, argv)
    assert code == 2 and "Traceback" not in said and "hunter2" not in said, said
    assert "needs the server's root certificate for sslmode=verify-ca or verify-full" in said
    assert "PGSSLROOTCERT" in said


@pytest.mark.parametrize("host", ["a..b", "x" * 64 + ".example"])
def test_a_host_name_no_resolver_can_encode_is_named(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], host: str) -> None:
    """An empty label or one over 63 characters: the IDNA codec's UnicodeError was a stack trace."""
    for url in (f"postgresql://steady@{host}:5432/steady", f"postgresql://steady@/steady?host={host}"):
        code, said, _ = _run(monkeypatch, capsys, url, ["migrate"])
        assert code == 2 and "Traceback" not in said, said
        assert "has a host name that is not a valid name" in said


@pytest.mark.postgres
def test_a_missing_database_and_a_refused_login_are_told_apart(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pg_url: str) -> None:
    from sqlalchemy.engine import make_url

    base = make_url(pg_url)
    missing = base.set(database=f"steadybot_missing_{uuid.uuid4().hex[:8]}").render_as_string(hide_password=False)
    code, said, _ = _run(monkeypatch, capsys, missing, ["migrate"])
    assert code == 2 and "has no such database (create it first)" in said and "Traceback" not in said, said
    stranger = base.set(username=f"nobody_{uuid.uuid4().hex[:8]}").render_as_string(hide_password=False)
    code, said, _ = _run(monkeypatch, capsys, stranger, ["outbox"])
    assert code == 2 and "refused the login" in said and "Traceback" not in said, said


def test_any_other_failure_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only connection failures are turned into the one line: a bug is not disguised as an outage."""
    from storage import unreachable

    assert unreachable.reason(ValueError("a bug"), 3.0) is None
    assert unreachable.reason(KeyError("x"), 3.0) is None
    assert unreachable.reason(FileNotFoundError(2, "No such file"), 3.0) is None


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
def test_a_file_that_is_not_an_sqlite_database_is_named(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        argv: list[str]) -> None:
    """DATABASE_URL naming the wrong file (the key file, a compressed backup, notes) was sqlite3's "file is not a
    database" in a stack trace; the file is left as it was."""
    wrong = tmp_path / "steadybot.db.gz"
    wrong.write_bytes(b"\x1f\x8b\x08\x00" + b"not sqlite at all " * 300)
    before = wrong.read_bytes()
    code, said, _ = _run(monkeypatch, capsys, f"sqlite:///{wrong}", argv)
    assert code == 2 and "Traceback" not in said, said
    assert "is a file that is not an SQLite database (does DATABASE_URL name the right file?)" in said
    assert wrong.read_bytes() == before


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
def test_a_path_through_a_file_is_a_file_that_cannot_be_opened(monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                               argv: list[str]) -> None:
    """`sqlite:///bot.db/x.db` (a file where the folder should be): `outbox` printed FileExistsError's stack trace
    and the others "could not be reached (File exists)"."""
    (tmp_path / "bot.db").write_text("a file")
    code, said, _ = _run(monkeypatch, capsys, f"sqlite:///{tmp_path / 'bot.db' / 'x.db'}", argv)
    assert code == 2 and "Traceback" not in said, said
    assert "is an SQLite file that cannot be opened (does its folder exist" in said
